/** TCP header (RFC 9293): ports, sequence numbers, flags, data offset and options, bounded. */
import { malformed } from '../../core/errors.js';
import { ensure, u16be, u32be } from '../decode/bytes.js';
import { type Decoded, decodeWith } from '../decode/outcome.js';

export const TCP_FLAG = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
} as const;

export interface TcpOption {
  readonly kind: number;
  /** Option data (after kind and length). */
  readonly data: Uint8Array;
}

export interface TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** Header length in bytes (data offset × 4). */
  readonly headerLength: number;
  /** The 9 flag bits (TCP_FLAG). */
  readonly flags: number;
  readonly window: number;
  /** The urgent pointer field (meaningful with URG: the urgent byte is the one before seq + it, RFC 6093). */
  readonly urgentPointer?: number;
  readonly options: readonly TcpOption[];
  /** Payload bytes captured. */
  readonly payload: Uint8Array;
}

/**
 * Options in b[20, end): EOL ends them, NOP is one byte, others carry a length ≥ 2 inside the
 * header. `into` undefined only checks them (readTcp's per-packet pass allocates nothing).
 */
function readOptions(b: Uint8Array, end: number, into: TcpOption[] | undefined): void {
  let at = 20;
  while (at < end) {
    const kind = b[at]!;
    if (kind === 0) break;
    if (kind === 1) {
      at++;
      continue;
    }
    if (at + 2 > end) throw malformed(`TCP option ${kind} has no length`, at);
    const len = b[at + 1]!;
    if (len < 2 || at + len > end) throw malformed(`TCP option ${kind} length ${len}`, at + 1);
    into?.push({ kind, data: b.subarray(at + 2, at + len) });
    at += len;
  }
}

const NO_OPTIONS: readonly TcpOption[] = Object.freeze([]);

/** A read segment; its options (checked when read) become objects only when asked for. */
class Segment implements TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  readonly payload: Uint8Array;
  private parsed: readonly TcpOption[] | undefined;

  constructor(
    private readonly header: Uint8Array,
    readonly headerLength: number,
  ) {
    const b = header;
    this.srcPort = u16be(b, 0);
    this.dstPort = u16be(b, 2);
    this.seq = u32be(b, 4);
    this.ack = u32be(b, 8);
    this.flags = ((b[12]! & 1) << 8) | b[13]!;
    this.window = u16be(b, 14);
    this.payload = b.subarray(headerLength);
    this.parsed = headerLength === 20 ? NO_OPTIONS : undefined;
  }

  get urgentPointer(): number {
    return u16be(this.header, 18);
  }

  get options(): readonly TcpOption[] {
    if (this.parsed === undefined) {
      const list: TcpOption[] = [];
      readOptions(this.header, this.headerLength, list);
      this.parsed = list;
    }
    return this.parsed;
  }
}

/** `b` is the IP payload (already cut to the datagram's length). */
export function readTcp(b: Uint8Array): TcpSegment {
  ensure(b, 0, 20, 'TCP header');
  const headerLength = (b[12]! >> 4) * 4;
  if (headerLength < 20) throw malformed(`TCP data offset ${headerLength} < 20`, 12);
  ensure(b, 0, headerLength, 'TCP options');
  readOptions(b, headerLength, undefined);
  return new Segment(b, headerLength);
}

export const decodeTcp = (b: Uint8Array): Decoded<TcpSegment> => decodeWith(() => readTcp(b));
