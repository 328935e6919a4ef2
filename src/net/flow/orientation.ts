/**
 * Which side opened a flow, decided on its first packet. A SYN's sender did; a SYN-ACK's receiver
 * did (its SYN was missed). Without either the capture began mid-connection (or the protocol has
 * no handshake), and the first packet's sender may well be the server: an upload whose capture
 * starts with the server's ACK would read as a download to the tablet. There Zeek's flip
 * heuristic decides (TCPAnalyzer/UDPAnalyzer::WantConnection): the side on a likely server port is
 * the responder; when both are, the lower port is (TCP only; a UDP flow is turned round only when
 * its sender alone is on one). Pure.
 */
import { IPPROTO } from '../ip/types.js';
import { TCP_FLAG } from '../transport/tcp.js';
import type { FlowObservation } from './types.js';

/**
 * Service ports at or above 1024 that a ground-station tablet's traffic shows (below 1024 every
 * port counts): proxies, NTRIP casters, MQTT, push services, STUN, mDNS/LLMNR/SSDP, the usual
 * alternative HTTP(S) ports. Zeek's likely_server_ports is the same idea, filled by its analyzers.
 */
const SERVICE_PORTS: ReadonlySet<number> = new Set([
  1080, 1194, 1883, 1900, 2101, 3128, 3478, 5222, 5223, 5228, 5349, 5353, 5355, 8000, 8008, 8080, 8081, 8443,
  8883, 8888, 9443,
]);

/** A port a server is likely to listen on: below 1024, a known service port, or one of `extra` (the policy's). */
export const isServicePort = (port: number, extra: ReadonlySet<number>): boolean =>
  port < 1024 || SERVICE_PORTS.has(port) || extra.has(port);

/**
 * How a flow's originator was decided: by its SYN or SYN-ACK (the handshake shows it), by the
 * service port on one side (Zeek's heuristic), or, with no evidence either way, as the first
 * packet's sender. The last two are inferences the report says it made.
 */
export type OrientationBasis = 'syn' | 'syn-ack' | 'service-port' | 'first-packet';

export interface Orientation {
  readonly basis: OrientationBasis;
  /** The first packet's receiver opened the flow (its sender is the responder). */
  readonly flip: boolean;
}

const SYN: Orientation = { basis: 'syn', flip: false };
const SYN_ACK: Orientation = { basis: 'syn-ack', flip: true };
const BY_PORT: Orientation = { basis: 'service-port', flip: false };
const BY_PORT_FLIPPED: Orientation = { basis: 'service-port', flip: true };
const FIRST: Orientation = { basis: 'first-packet', flip: false };

/** Who opened the flow `o` is the first packet of; `extra`: more service ports (isServicePort). */
export function orient(o: FlowObservation, extra: ReadonlySet<number>): Orientation {
  const src = isServicePort(o.srcPort, extra);
  const dst = isServicePort(o.dstPort, extra);
  if (o.proto === IPPROTO.TCP) {
    const flags = (o.tcpFlags ?? 0) & (TCP_FLAG.SYN | TCP_FLAG.ACK);
    if (flags === TCP_FLAG.SYN) return SYN;
    if (flags === (TCP_FLAG.SYN | TCP_FLAG.ACK)) return SYN_ACK;
    if (src && (!dst || o.srcPort < o.dstPort)) return BY_PORT_FLIPPED;
    return src || dst ? BY_PORT : FIRST;
  }
  // Other IP (no ports) has nothing to go on but the first packet.
  if (o.proto !== IPPROTO.UDP) return FIRST;
  if (src && !dst) return BY_PORT_FLIPPED;
  return dst ? BY_PORT : FIRST;
}
