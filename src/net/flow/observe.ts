/** A dissected frame → what the flow table counts (TCP and UDP with ports; other IP with port 0). */
import type { CapturedPacket } from '../capture/types.js';
import type { Dissected } from './dissect.js';
import type { FlowObservation } from './types.js';

/** undefined for frames that are not IP, and for fragments that did not complete a datagram. */
export function observationOf(
  p: Pick<CapturedPacket, 'ts' | 'originalLength'>,
  d: Dissected,
): FlowObservation | undefined {
  const ip = d.ip;
  if (!ip || (ip.fragment && !d.reassembled)) return undefined;
  const t = d.tcp ?? d.udp;
  const proto = d.tcp ? 6 : d.udp ? 17 : d.reassembled ? d.reassembled.first.protocol : ip.protocol;
  const srcPort = t?.srcPort ?? 0;
  const dstPort = t?.dstPort ?? 0;
  const payloadBytes = declaredPayload(p.originalLength, d);
  const ts = p.ts;
  const frameBytes = p.originalLength;
  const { src, dst, srcKey, dstKey, totalLength: ipBytes } = ip;
  // Two literal shapes (no spread per packet): TCP carries its flags.
  return d.tcp
    ? {
        ts,
        proto,
        src,
        dst,
        srcKey,
        dstKey,
        srcPort,
        dstPort,
        ipBytes,
        frameBytes,
        payloadBytes,
        tcpFlags: d.tcp.flags,
        tcpSeq: d.tcp.seq,
      }
    : { ts, proto, src, dst, srcKey, dstKey, srcPort, dstPort, ipBytes, frameBytes, payloadBytes };
}

/**
 * The transport payload's length as its headers declare it (tshark's tcp.len; a UDP length less
 * its header), not as captured: a capture cut by its snap length still counts every byte that
 * crossed the wire. The datagram ends at its total length or at the frame's end on the wire,
 * whichever comes first (as Wireshark trims it), so a lying total length counts no more than the
 * frame carried; never less than was captured. A reassembled datagram counts as reassembled.
 */
function declaredPayload(originalLength: number, d: Dissected): number {
  const ip = d.ip!;
  const t = d.tcp ?? d.udp;
  const captured = t ? t.payload.length : (d.reassembled?.payload.length ?? ip.payload.length);
  if (d.reassembled) return captured;
  const end = Math.min(ip.totalLength, originalLength - (d.link?.payloadOffset ?? 0));
  let declared = end - ip.headerLength;
  if (d.tcp) declared -= d.tcp.headerLength;
  else if (d.udp) declared = d.udp.length === 0 ? declared - 8 : Math.min(d.udp.length, declared) - 8;
  return Math.max(captured, declared);
}
