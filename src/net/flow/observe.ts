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
  const proto = d.reassembled ? d.reassembled.first.protocol : ip.protocol;
  return {
    ts: p.ts,
    proto: d.tcp ? 6 : d.udp ? 17 : proto,
    src: ip.src,
    dst: ip.dst,
    srcPort: t?.srcPort ?? 0,
    dstPort: t?.dstPort ?? 0,
    ipBytes: ip.totalLength,
    frameBytes: p.originalLength,
    payloadBytes: t ? t.payload.length : ip.payload.length,
    ...(d.tcp ? { tcpFlags: d.tcp.flags } : {}),
  };
}
