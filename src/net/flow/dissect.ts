/**
 * A captured frame through every layer: link → IP (with fragment reassembly) → TCP/UDP. Stateful
 * only for reassembly; each layer's outcome stays a typed value.
 */
import type { AirlockError } from '../../core/errors.js';
import type { CapturedPacket } from '../capture/types.js';
import { decodeWith } from '../decode/outcome.js';
import type { NetWarning } from '../decode/warning.js';
import { decodeIp } from '../ip/decode.js';
import { walkIpv6Extensions } from '../ip/ipv6.js';
import { type Reassembled, Reassembler, type ReassemblyOptions } from '../ip/reassembly.js';
import { IPPROTO, type IpPacket } from '../ip/types.js';
import { decodeLink } from '../link/decode.js';
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

  dissect(p: Pick<CapturedPacket, 'ts' | 'linkType' | 'data'>): Dissected {
    const link = decodeLink(p.linkType, p.data);
    if (link.kind !== 'value') return { problem: { layer: 'link', kind: link.kind, error: link.error } };
    const l = link.value;
    if (l.network === 'unsupported-link') {
      this.unsupportedLinks.set(l.linkType, (this.unsupportedLinks.get(l.linkType) ?? 0) + 1);
      return { link: l };
    }
    if (l.network === 'other') return { link: l };
    const ipd = decodeIp(l.network, p.data.subarray(l.payloadOffset));
    if (ipd.kind !== 'value') return { link: l, problem: { layer: 'ip', kind: ipd.kind, error: ipd.error } };
    const ip = ipd.value;
    if (!ip.fragment)
      return { link: l, ip, ...this.transport(ip.protocol, ip.payload, ip.totalLength - ip.headerLength) };
    const whole = this.reassembler.add(p.ts, ip, this.warn);
    if (!whole) return { link: l, ip };
    let protocol = whole.first.protocol;
    let payload = whole.payload;
    if (ip.version === 6) {
      // Headers after the fragment header belong to the reassembled datagram.
      const walk = decodeWith(() => walkIpv6Extensions(protocol, payload));
      if (walk.kind !== 'value')
        return {
          link: l,
          ip,
          reassembled: whole,
          problem: { layer: 'ip', kind: 'malformed', error: walk.error },
        };
      protocol = walk.value.protocol;
      payload = payload.subarray(walk.value.length);
    }
    return { link: l, ip, reassembled: whole, ...this.transport(protocol, payload, payload.length) };
  }

  private transport(
    protocol: number,
    payload: Uint8Array,
    declared: number,
  ): Pick<Dissected, 'tcp' | 'udp' | 'problem'> {
    if (protocol !== IPPROTO.TCP && protocol !== IPPROTO.UDP) return {};
    const t = decodeWith(() =>
      protocol === IPPROTO.TCP ? { tcp: readTcp(payload) } : { udp: readUdp(payload, declared) },
    );
    return t.kind === 'value' ? t.value : { problem: { layer: 'transport', kind: t.kind, error: t.error } };
  }
}
