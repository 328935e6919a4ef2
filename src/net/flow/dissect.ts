/**
 * A captured frame through every layer: link → IP (with fragment reassembly) → TCP/UDP. Stateful
 * only for reassembly; each layer's outcome stays a typed value.
 */
import { AirlockError } from '../../core/errors.js';
import type { CapturedPacket } from '../capture/types.js';
import type { NetWarning } from '../decode/warning.js';
import { readIpv4 } from '../ip/ipv4.js';
import { readIpv6, walkIpv6Extensions } from '../ip/ipv6.js';
import { type Reassembled, Reassembler, type ReassemblyOptions } from '../ip/reassembly.js';
import { IPPROTO, type IpPacket } from '../ip/types.js';
import { readLink } from '../link/decode.js';
import type { LinkFrame } from '../link/types.js';
import { readTcp, type TcpSegment } from '../transport/tcp.js';
import { readUdp, type UdpDatagram } from '../transport/udp.js';

export interface Dissected {
  readonly link?: LinkFrame;
  readonly ip?: IpPacket;
  /** Set on the fragment that completed a datagram. */
  readonly reassembled?: Reassembled;
  readonly tcp?: TcpSegment;
  readonly udp?: UdpDatagram;
  /** The layer that could not be read, and why ('need' = captured bytes end inside it). */
  readonly problem?: {
    readonly layer: 'link' | 'ip' | 'transport';
    readonly kind: 'need' | 'malformed';
    readonly error: AirlockError;
  };
}

export class Dissector {
  private readonly reassembler: Reassembler;
  /** Frames per link type this module does not read (reported, not fatal). */
  readonly unsupportedLinks = new Map<number, number>();

  constructor(
    reassembly: ReassemblyOptions = {},
    private readonly warn: (w: NetWarning) => void = () => {},
  ) {
    this.reassembler = new Reassembler(reassembly);
  }

  /**
   * One frame through every layer. The layers are read in the throwing style inside one try per
   * frame (no closure or outcome wrapper per layer); the catch turns the error into `problem`, so
   * "value", "need" and "malformed" stay as distinct as decodeLink/decodeIp/decodeTcp keep them.
   */
  dissect(p: Pick<CapturedPacket, 'ts' | 'linkType' | 'data'>): Dissected {
    let layer: Problem['layer'] = 'link';
    let link: LinkFrame | undefined;
    let ip: IpPacket | undefined;
    let whole: Reassembled | undefined;
    /** Extension headers after a fragment header: any failure there is malformed, as a whole datagram. */
    let afterFragment = false;
    try {
      const l = readLink(p.linkType, p.data);
      link = l;
      if (l.network === 'unsupported-link') {
        this.unsupportedLinks.set(l.linkType, (this.unsupportedLinks.get(l.linkType) ?? 0) + 1);
        return { link: l };
      }
      if (l.network === 'other') return { link: l };
      layer = 'ip';
      const frame = l.payloadOffset === 0 ? p.data : p.data.subarray(l.payloadOffset);
      const i = l.network === 'ipv4' ? readIpv4(frame) : readIpv6(frame);
      ip = i;
      if (!i.fragment) {
        layer = 'transport';
        return transport(l, i, undefined, i.protocol, i.payload, i.totalLength - i.headerLength);
      }
      const w = this.reassembler.add(p.ts, i, this.warn);
      if (!w) return { link: l, ip: i };
      whole = w;
      let protocol = w.first.protocol;
      let payload = w.payload;
      if (i.version === 6) {
        // Headers after the fragment header belong to the reassembled datagram.
        afterFragment = true;
        const walk = walkIpv6Extensions(protocol, payload);
        afterFragment = false;
        protocol = walk.protocol;
        payload = payload.subarray(walk.length);
      }
      layer = 'transport';
      return transport(l, i, w, protocol, payload, payload.length);
    } catch (e) {
      if (!(e instanceof AirlockError)) throw e;
      const kind = e.code === 'AIRLOCK_ERR_TRUNCATED' && !afterFragment ? 'need' : 'malformed';
      const problem: Problem = { layer, kind, error: e };
      if (!link) return { problem };
      if (!ip) return { link, problem };
      return whole ? { link, ip, reassembled: whole, problem } : { link, ip, problem };
    }
  }
}

type Problem = NonNullable<Dissected['problem']>;

/** TCP or UDP on top of an IP datagram (throws as readTcp/readUdp do); other protocols stop at IP. */
function transport(
  link: LinkFrame,
  ip: IpPacket,
  reassembled: Reassembled | undefined,
  protocol: number,
  payload: Uint8Array,
  declared: number,
): Dissected {
  if (protocol === IPPROTO.TCP) {
    const tcp = readTcp(payload);
    return reassembled ? { link, ip, reassembled, tcp } : { link, ip, tcp };
  }
  if (protocol === IPPROTO.UDP) {
    const udp = readUdp(payload, declared);
    return reassembled ? { link, ip, reassembled, udp } : { link, ip, udp };
  }
  return reassembled ? { link, ip, reassembled } : { link, ip };
}
