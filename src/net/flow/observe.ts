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
  const payloadBytes = t ? t.payload.length : ip.payload.length;
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
