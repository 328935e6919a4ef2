/** An IP header read from a captured frame. */
export interface IpFragment {
  /** IPv4 identification (16 bits) or IPv6 fragment header identification (32 bits). */
  readonly id: number;
  /** Offset of this fragment's data in the datagram, in bytes. */
  readonly offset: number;
  readonly more: boolean;
}

export interface IpPacket {
  readonly version: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** src and dst as 32-bit numbers (IPv4: the address; IPv6: a hash of it), for flow lookup without text. */
  readonly srcKey?: number;
  readonly dstKey?: number;
  /** Upper-layer protocol (after IPv6 extension headers; the fragment header's for fragments). */
  readonly protocol: number;
  /** Header bytes before the upper-layer payload (IPv4 IHL; IPv6 40 + extension headers). */
  readonly headerLength: number;
  /** The datagram's declared length (IPv4 total length; IPv6 40 + payload length): Zeek's ip_bytes. */
  readonly totalLength: number;
  /** The upper-layer bytes captured (at most totalLength - headerLength; fewer when snapped). */
  readonly payload: Uint8Array;
  /** Captured fewer bytes than the header declares (snap length). */
  readonly snapped: boolean;
  readonly ttl: number;
  readonly fragment?: IpFragment;
  /** IPv6 extension headers walked, in order (next-header codes). */
  readonly extensions: readonly number[];
}

export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
} as const;
