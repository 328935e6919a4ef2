/**
 * Builds small ZIP archives for the hostile-input tests, field by field, so each test can lie in
 * exactly one place (a count, an offset, a comment length, a local header). Independent of the
 * reader under test: it only writes.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface BuildEntry {
  name: string;
  data: Uint8Array;
  method?: 0 | 8;
  flags?: number;
  /** Overrides of what the central record declares. */
  crc?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  /** Point the central record at another entry's local header (by index) instead of its own. */
  sharesLocalOf?: number;
  /** What the local header says instead (a disagreement with the directory). */
  localName?: string;
  localMethod?: number;
  /** Raw name bytes for the central record (e.g. invalid UTF-8). */
  nameBytes?: Uint8Array;
  /** Write no local header or data for this entry (it only appears in the directory). */
  centralOnly?: boolean;
}

export interface BuildOptions {
  /** Bytes before the first local header (offsets in the directory account for them). */
  prefix?: Uint8Array;
  /** Bytes between the last entry's data and the directory (an APK Signing Block's place). */
  beforeDirectory?: Uint8Array;
  comment?: Uint8Array;
  /** Bytes after the end record (a comment the end record does not count). */
  trailing?: Uint8Array;
  count?: number;
  cdSize?: number;
  cdOffset?: number;
  commentLength?: number;
}

export interface Built {
  bytes: Uint8Array;
  localOffsets: number[];
  cdOffset: number;
  cdSize: number;
  eocdOffset: number;
}

const enc = new TextEncoder();

class Writer {
  private parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  u16(v: number): this {
    this.parts.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u64(v: number): this {
    return this.u32(v % 0x100000000).u32(Math.floor(v / 0x100000000));
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function buildZip(entries: BuildEntry[], o: BuildOptions = {}): Built {
  const w = new Writer();
  w.bytes(o.prefix ?? new Uint8Array());
  const localOffsets: number[] = [];
  const stored = entries.map((e) => (e.method === 8 ? deflateRawSync(e.data) : e.data));
  entries.forEach((e, i) => {
    localOffsets.push(w.length);
    if (e.centralOnly) return;
    const name = enc.encode(e.localName ?? e.name);
    w.u32(0x04034b50)
      .u16(20)
      .u16(e.flags ?? 0)
      .u16(e.localMethod ?? e.method ?? 0)
      .u16(0)
      .u16(0x21);
    w.u32(e.crc ?? crc32(e.data))
      .u32(stored[i]!.length)
      .u32(e.data.length);
    w.u16(name.length).u16(0).bytes(name).bytes(stored[i]!);
  });
  w.bytes(o.beforeDirectory ?? new Uint8Array());
  const cdOffset = w.length;
  entries.forEach((e, i) => {
    const name = e.nameBytes ?? enc.encode(e.name);
    const lho = localOffsets[e.sharesLocalOf ?? i]!;
    w.u32(0x02014b50)
      .u16(20)
      .u16(20)
      .u16(e.flags ?? 0)
      .u16(e.method ?? 0)
      .u16(0)
      .u16(0x21);
    w.u32(e.crc ?? crc32(e.data))
      .u32(e.compressedSize ?? stored[i]!.length)
      .u32(e.uncompressedSize ?? e.data.length);
    w.u16(name.length).u16(0).u16(0).u16(0).u16(0).u32(0).u32(lho).bytes(name);
  });
  const cdSize = w.length - cdOffset;
  const eocdOffset = w.length;
  const comment = o.comment ?? new Uint8Array();
  const count = o.count ?? entries.length;
  w.u32(0x06054b50).u16(0).u16(0).u16(count).u16(count);
  w.u32(o.cdSize ?? cdSize)
    .u32(o.cdOffset ?? cdOffset)
    .u16(o.commentLength ?? comment.length)
    .bytes(comment);
  w.bytes(o.trailing ?? new Uint8Array());
  return { bytes: w.done(), localOffsets, cdOffset, cdSize, eocdOffset };
}

/**
 * The same archive with zip64 end structures: the classic record's fields saturated, the real
 * values in a zip64 end record found through its locator.
 */
export function buildZip64(entries: BuildEntry[], z: { count?: number; cdOffset?: number } = {}): Built {
  const plain = buildZip(entries);
  const w = new Writer();
  w.bytes(plain.bytes.subarray(0, plain.eocdOffset));
  const z64 = w.length;
  const count = z.count ?? entries.length;
  w.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(count).u64(count);
  w.u64(plain.cdSize).u64(z.cdOffset ?? plain.cdOffset);
  w.u32(0x07064b50).u32(0).u64(z64).u32(1);
  const eocdOffset = w.length;
  w.u32(0x06054b50).u16(0).u16(0).u16(0xffff).u16(0xffff).u32(0xffffffff).u32(0xffffffff).u16(0);
  return { ...plain, bytes: w.done(), eocdOffset };
}
