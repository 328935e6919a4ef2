/**
 * The output side of the TIFF rewriter: a tree of IFDs whose entries are values (copied or
 * newly encoded), links to other IFDs, or links to image data blocks. `layoutTiffChunks` places
 * them (header, IFDs each followed by their values, then the image data), patching every offset.
 */
import { appendAll } from '../../core/append.js';
import { AirlockError } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';
import { endian, type FieldType } from './format.js';

export type OutLink =
  /** Offsets of these IFDs (ExifIFD, GPS, InteropIFD pointers; the SubIFD array). */
  | { kind: 'ifd'; targets: OutIfd[] }
  /** Offsets of these data blocks (strips, tiles, a JPEG thumbnail). */
  | { kind: 'data'; blocks: Uint8Array[] };

export interface OutEntry {
  tag: number;
  type: FieldType;
  count: number;
  /** The value bytes in the structure's byte order; ignored when `link` is set. */
  bytes: Uint8Array;
  link?: OutLink;
}

export interface OutIfd {
  entries: OutEntry[];
  /** The next IFD of the top-level chain. */
  next?: OutIfd;
}

const pad2 = (n: number): number => n + (n & 1);
const valueLength = (e: OutEntry): number =>
  e.link ? 4 * (e.link.kind === 'ifd' ? e.link.targets.length : e.link.blocks.length) : e.bytes.length;

/** IFDs in write order: each IFD, then the IFDs it links to (depth first), then the chain's next. */
function ordered(first: OutIfd): OutIfd[] {
  const out: OutIfd[] = [];
  const seen = new Set<OutIfd>();
  const visit = (ifd: OutIfd): void => {
    if (seen.has(ifd)) throw new AirlockError('AIRLOCK_ERR_MALFORMED', 'rewrite: an IFD is linked twice');
    seen.add(ifd);
    out.push(ifd);
    for (const e of sorted(ifd)) if (e.link?.kind === 'ifd') for (const t of e.link.targets) visit(t);
  };
  for (let ifd: OutIfd | undefined = first; ifd; ifd = ifd.next) visit(ifd);
  return out;
}

const sorted = (ifd: OutIfd): OutEntry[] => [...ifd.entries].sort((a, b) => a.tag - b.tag);

/** Pads an odd-length data block to an even offset (TIFF word alignment). */
const PAD = new Uint8Array(1);

/**
 * Serialises the tree into one self-contained TIFF structure in the given byte order, as
 * consecutive pieces: header, IFDs and values in one fresh buffer, then each data block as the
 * very bytes it was given (a view of the input: image data is written from where it was read,
 * never copied, and its hash can be shown to be the input's).
 */
export function layoutTiffChunks(first: OutIfd, le: boolean): Uint8Array[] {
  const ifds = ordered(first);
  const ifdAt = new Map<OutIfd, number>();
  const valueAt = new Map<OutEntry, number>();
  const blocks: Uint8Array[] = [];
  let pos = 8;
  for (const ifd of ifds) {
    ifdAt.set(ifd, pos);
    pos += 2 + 12 * ifd.entries.length + 4;
    for (const e of sorted(ifd)) {
      const len = valueLength(e);
      if (len > 4) {
        valueAt.set(e, pos);
        pos += pad2(len);
      }
      if (e.link?.kind === 'data') appendAll(blocks, e.link.blocks);
    }
  }
  const head = pos;
  const blockAt = new Map<Uint8Array, number>();
  for (const b of blocks) {
    // The same block object is placed once, however many entries name it.
    if (blockAt.has(b)) continue;
    blockAt.set(b, pos);
    pos += pad2(b.length);
  }
  if (pos > LIMITS.maxFileBytes || pos > 0xffffffff)
    throw new AirlockError('AIRLOCK_ERR_LIMIT', `rewritten TIFF would be ${pos} bytes`);

  const out = new Uint8Array(head);
  const en = endian(le);
  out.set(le ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  en.putU16(out, 2, 42);
  en.putU32(out, 4, ifdAt.get(first) as number);
  for (const ifd of ifds) {
    const at = ifdAt.get(ifd) as number;
    const entries = sorted(ifd);
    en.putU16(out, at, entries.length);
    entries.forEach((e, i) => {
      const o = at + 2 + 12 * i;
      en.putU16(out, o, e.tag);
      en.putU16(out, o + 2, e.type);
      en.putU32(out, o + 4, e.link ? valueLength(e) / 4 : e.count);
      const value = e.link ? linkBytes(e.link, ifdAt, blockAt, le) : e.bytes;
      const vAt = valueAt.get(e);
      if (vAt === undefined) out.set(value, o + 8);
      else {
        en.putU32(out, o + 8, vAt);
        out.set(value, vAt);
      }
    });
    en.putU32(out, at + 2 + 12 * entries.length, ifd.next ? (ifdAt.get(ifd.next) as number) : 0);
  }
  // Placed in insertion order, one after another from `head`: the pieces follow in that order.
  const pieces: Uint8Array[] = [out];
  for (const b of blockAt.keys()) {
    if (b.length === 0) continue;
    pieces.push(b);
    if (b.length & 1) pieces.push(PAD);
  }
  return pieces;
}

function linkBytes(
  link: OutLink,
  ifdAt: Map<OutIfd, number>,
  blockAt: Map<Uint8Array, number>,
  le: boolean,
): Uint8Array {
  const offsets =
    link.kind === 'ifd'
      ? link.targets.map((t) => ifdAt.get(t) as number)
      : link.blocks.map((b) => (b.length === 0 ? 0 : (blockAt.get(b) as number)));
  const bytes = new Uint8Array(4 * offsets.length);
  offsets.forEach((o, i) => {
    endian(le).putU32(bytes, 4 * i, o);
  });
  return bytes;
}
