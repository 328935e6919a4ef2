/**
 * pcapng block layouts (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html):
 * every block is type, total length, body, total length again. Readers take the whole block
 * (its bytes from type to trailer) and the section's byte order; offsets in errors are relative
 * to the block's start.
 */
import { malformed } from '../../core/errors.js';
import { ensure, i64, put32, u16, u32, u64 } from '../decode/bytes.js';
import { type PcapngOption, readOptions, writeOptions } from './pcapng-options.js';

export const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  PB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  DSB: 0x0000000a,
  CB: 0x00000bad,
  DCB: 0x40000bad,
} as const;
export type BlockName = keyof typeof BLOCK;
const NAMES = new Map<number, BlockName>(Object.entries(BLOCK).map(([k, v]) => [v, k as BlockName]));
export const blockName = (type: number): BlockName | undefined => NAMES.get(type);

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Type and total length before the body, total length after it. */
export const BLOCK_OVERHEAD = 12;
const pad4 = (n: number): number => (n + 3) & ~3;

/** A block's framing, checked: the trailer repeats the length. */
export function checkFraming(blk: Uint8Array, le: boolean): void {
  const len = blk.length;
  if (len < BLOCK_OVERHEAD || len % 4 !== 0) throw malformed(`pcapng block length ${len} is invalid`, 4);
  const trailer = u32(blk, len - 4, le);
  if (trailer !== len) throw malformed(`pcapng block length ${len} but trailer says ${trailer}`, len - 4);
}

export interface SectionHeader {
  readonly le: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** -1 when unspecified. */
  readonly sectionLength: bigint;
  readonly options: PcapngOption[];
}

/** Byte order from an SHB's first 12 bytes, or undefined when the magic is wrong. */
export function shbByteOrder(b: Uint8Array, at = 0): boolean | undefined {
  const m = u32(b, at + 8, true);
  return m === BYTE_ORDER_MAGIC ? true : m === 0x4d3c2b1a ? false : undefined;
}

export function readShb(blk: Uint8Array, le: boolean): { shb: SectionHeader; problem?: Error } {
  ensure(blk, 0, 28, 'pcapng section header block');
  const versionMajor = u16(blk, 12, le);
  if (versionMajor !== 1) throw malformed(`pcapng section version ${versionMajor} is not 1`, 12);
  const { options, problem } = readOptions(blk, 24, blk.length - 4, le);
  const shb = { le, versionMajor, versionMinor: u16(blk, 14, le), sectionLength: i64(blk, 16, le), options };
  return problem ? { shb, problem } : { shb };
}

export interface InterfaceDescription {
  readonly linkType: number;
  readonly snapLen: number;
  readonly options: PcapngOption[];
  /** if_tsresol as stored: bit 7 clear → 10^-n s, set → 2^-n s. Default 6 (microseconds). */
  readonly tsresol: number;
  /** if_tsoffset: seconds added to every timestamp. */
  readonly tsoffset: bigint;
}

export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;

export function readIdb(blk: Uint8Array, le: boolean): { idb: InterfaceDescription; problem?: Error } {
  ensure(blk, 0, 20, 'pcapng interface description block');
  const { options, problem } = readOptions(blk, 16, blk.length - 4, le);
  let tsresol = 6;
  let tsoffset = 0n;
  for (const o of options) {
    if (o.code === OPT_IF_TSRESOL && o.value.length >= 1) tsresol = o.value[0]!;
    if (o.code === OPT_IF_TSOFFSET && o.value.length >= 8) tsoffset = i64(o.value, 0, le);
  }
  const idb = { linkType: u16(blk, 8, le), snapLen: u32(blk, 12, le), options, tsresol, tsoffset };
  return problem ? { idb, problem } : { idb };
}

/** Timestamp units of an interface → nanoseconds since 1970 (if_tsoffset applied). */
export function unitsToNs(units: bigint, idb: Pick<InterfaceDescription, 'tsresol' | 'tsoffset'>): bigint {
  const e = BigInt(idb.tsresol & 0x7f);
  let ns: bigint;
  if (idb.tsresol & 0x80) ns = (units * 1_000_000_000n) >> e;
  else if (e <= 9n) ns = units * 10n ** (9n - e);
  else ns = units / 10n ** (e - 9n);
  return ns + idb.tsoffset * 1_000_000_000n;
}

export interface PacketBlock {
  readonly interfaceId: number;
  /** Timestamp in the interface's units (0 for SPB, which has none). */
  readonly units: bigint;
  readonly capLen: number;
  readonly origLen: number;
  /** Offset of the packet data in the block. */
  readonly dataStart: number;
  readonly options: PcapngOption[];
  readonly problem?: Error;
}

/** EPB: interface, timestamp (high, low), captured length, original length, data, options. */
export function readEpb(blk: Uint8Array, le: boolean): PacketBlock {
  ensure(blk, 0, 32, 'pcapng enhanced packet block');
  const capLen = u32(blk, 20, le);
  if (28 + capLen > blk.length - 4) throw malformed(`EPB captured length ${capLen} exceeds its block`, 20);
  const { options, problem } = readOptions(blk, 28 + pad4(capLen), blk.length - 4, le);
  return {
    interfaceId: u32(blk, 8, le),
    units: u64(u32(blk, 12, le), u32(blk, 16, le)),
    capLen,
    origLen: u32(blk, 24, le),
    dataStart: 28,
    options,
    ...(problem ? { problem } : {}),
  };
}

/** Obsolete Packet Block: interface (16 bits), drops (16 bits), then as EPB. */
export function readPb(blk: Uint8Array, le: boolean): PacketBlock {
  ensure(blk, 0, 32, 'pcapng packet block');
  const capLen = u32(blk, 20, le);
  if (28 + capLen > blk.length - 4) throw malformed(`PB captured length ${capLen} exceeds its block`, 20);
  const { options, problem } = readOptions(blk, 28 + pad4(capLen), blk.length - 4, le);
  return {
    interfaceId: u16(blk, 8, le),
    units: u64(u32(blk, 12, le), u32(blk, 16, le)),
    capLen,
    origLen: u32(blk, 24, le),
    dataStart: 28,
    options,
    ...(problem ? { problem } : {}),
  };
}

/**
 * SPB: original length then data, always interface 0. Captured length is the smallest of the
 * original length, the interface's snaplen (when not 0) and the room in the block.
 */
export function readSpb(blk: Uint8Array, le: boolean, snapLen: number): PacketBlock {
  ensure(blk, 0, 16, 'pcapng simple packet block');
  const origLen = u32(blk, 8, le);
  let capLen = Math.min(origLen, blk.length - 16);
  if (snapLen > 0) capLen = Math.min(capLen, snapLen);
  return { interfaceId: 0, units: 0n, capLen, origLen, dataStart: 12, options: [] };
}

/** ISB: interface, timestamp, options (counters). */
export function readIsb(blk: Uint8Array, le: boolean): { interfaceId: number; options: PcapngOption[] } {
  ensure(blk, 0, 24, 'pcapng interface statistics block');
  const { options, problem } = readOptions(blk, 20, blk.length - 4, le);
  if (problem) throw problem;
  return { interfaceId: u32(blk, 8, le), options };
}

export interface NameRecord {
  readonly type: number;
  readonly value: Uint8Array;
}

/** NRB: records (type, length, value padded to 4) up to nrb_record_end, then options. */
export function readNrb(blk: Uint8Array, le: boolean): { records: NameRecord[]; options: PcapngOption[] } {
  const records: NameRecord[] = [];
  let at = 8;
  const end = blk.length - 4;
  for (;;) {
    if (at + 4 > end) throw malformed('NRB record header runs past its block', at);
    const type = u16(blk, at, le);
    const len = u16(blk, at + 2, le);
    if (at + 4 + len > end) throw malformed(`NRB record (${len} bytes) runs past its block`, at);
    at += 4 + pad4(len);
    if (type === 0) break;
    // The loop is bounded by the block: every record advances at least 4 bytes.
    records.push({ type, value: blk.subarray(at - pad4(len), at - pad4(len) + len) });
  }
  const { options, problem } = readOptions(blk, at, end, le);
  if (problem) throw problem;
  return { records, options };
}

/** Writes an EPB: the layout a capture rewriter (a future filtered export) needs. */
export function writeEpb(
  p: Omit<PacketBlock, 'dataStart' | 'problem'>,
  data: Uint8Array,
  le: boolean,
): Uint8Array {
  const opts = writeOptions(p.options, le);
  const len = 32 + pad4(data.length) + opts.length;
  const b = new Uint8Array(len);
  put32(b, 0, BLOCK.EPB, le);
  put32(b, 4, len, le);
  put32(b, 8, p.interfaceId, le);
  put32(b, 12, Number(p.units >> 32n), le);
  put32(b, 16, Number(p.units & 0xffffffffn), le);
  put32(b, 20, data.length, le);
  put32(b, 24, p.origLen, le);
  b.set(data, 28);
  b.set(opts, 28 + pad4(data.length));
  put32(b, len - 4, len, le);
  return b;
}
