/**
 * Image data of an IFD (strips, tiles, a JPEG-interchange thumbnail or preview): the bytes the
 * rewriter copies unchanged (hashed by core/bytes.ts sha256Hex for the proof that it did).
 */
import { appendAll } from '../../core/append.js';
import { AirlockError, malformed, truncated } from '../../core/errors.js';
import type { IfdNode, TiffTrace } from './exif.js';
import { decodeNumbers } from './format.js';
import { entryBytes, type Ifd, type IfdEntry, type TiffCtx } from './ifd.js';

/** Offsets tag → its lengths tag. StripOffsets, TileOffsets, JPEGInterchangeFormat. */
export const DATA_TAGS: ReadonlyMap<number, number> = new Map([
  [0x0111, 0x0117],
  [0x0144, 0x0145],
  [0x0201, 0x0202],
]);
export const LENGTH_TAGS: ReadonlySet<number> = new Set(DATA_TAGS.values());

/** Counts bytes copied, so strips that all point at the same huge range cannot blow memory up. */
export interface DataBudget {
  left: number;
  /**
   * The blocks charged so far, three numbers each: file offset, length, and 1 for JPEG data (else
   * 0). Only read when the budget runs out, to say why (`overrun`).
   */
  copied?: number[];
}

const whatOf = (jpeg: number): string => `${jpeg ? 'JPEG' : 'image'} data`;

/**
 * Two copied blocks that name some of the same file bytes: `later` (in copy order) and an
 * `earlier` one it overlaps, as indices of `copied` triples; undefined when none overlap. The
 * last block is tried first (the one whose charge ran the budget out): O(n), then O(n log n).
 */
function overlapIn(copied: readonly number[]): { later: number; earlier: number } | undefined {
  const n = copied.length / 3;
  const at = (i: number): number => copied[3 * i] as number;
  const end = (i: number): number => at(i) + (copied[3 * i + 1] as number);
  const last = n - 1;
  for (let i = 0; i < last; i++)
    if (at(i) < end(last) && at(last) < end(i)) return { later: last, earlier: i };
  // Some earlier pair: sweep the blocks by offset, keeping the one that reaches furthest.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => at(a) - at(b) || a - b);
  let reach = order[0] as number;
  for (let k = 1; k < n; k++) {
    const j = order[k] as number;
    if (at(j) < end(reach)) return { later: Math.max(j, reach), earlier: Math.min(j, reach) };
    if (end(j) > end(reach)) reach = j;
  }
  return undefined;
}

/**
 * The error for a budget run out. The file holds every block (each was checked to lie inside
 * it), so the bytes can only add up past its size where blocks name the same bytes more than
 * once: two IFDs sharing a strip (valid) or thousands of strips naming one range (hostile) look
 * the same here. Either way the safety limit is what stops the copy (AIRLOCK_ERR_LIMIT, as
 * before); the message says which blocks overlap, not that the file claims more than it holds.
 */
function overrun(budget: DataBudget, what: string, at: number): AirlockError {
  const copied = budget.copied ?? [];
  const o = overlapIn(copied);
  if (!o) return new AirlockError('AIRLOCK_ERR_LIMIT', `${what}: more bytes than the file holds`, at);
  const block = (i: number): string =>
    `${whatOf(copied[3 * i + 2] as number)} at ${copied[3 * i]} (${copied[3 * i + 1]} bytes)`;
  return new AirlockError(
    'AIRLOCK_ERR_LIMIT',
    `${block(o.later)} overlaps ${block(o.earlier)} already copied: blocks named more than once add up past the file's size`,
    copied[3 * o.later],
  );
}

const numbers = (ctx: TiffCtx, e: IfdEntry, what: string): number[] => {
  if (e.type === 2 || e.type === 7) throw malformed(`${what} is not numeric`, e.entryOffset);
  return decodeNumbers(e.type, entryBytes(ctx, e, what), ctx.e.le);
};

/** The blocks named by `offsets` (and the lengths entry of the same IFD), in order. */
export function dataBlocks(ctx: TiffCtx, ifd: Ifd, offsets: IfdEntry, budget: DataBudget): Uint8Array[] {
  const lengthsTag = DATA_TAGS.get(offsets.tag);
  const lengths = ifd.entries.find((e) => e.tag === lengthsTag);
  const jpeg = offsets.tag === 0x0201 ? 1 : 0;
  const what = whatOf(jpeg);
  if (!lengths) throw malformed(`${what}: offsets without byte counts`, offsets.entryOffset);
  const offs = numbers(ctx, offsets, `${what} offsets`);
  const lens = numbers(ctx, lengths, `${what} byte counts`);
  if (offs.length !== lens.length)
    throw malformed(`${what}: ${offs.length} offsets, ${lens.length} byte counts`, lengths.entryOffset);
  budget.copied ??= [];
  const copied = budget.copied;
  return offs.map((o, i) => {
    const len = lens[i] as number;
    if (len === 0) return new Uint8Array(0);
    const at = ctx.base + o;
    if (at < ctx.start || at + len > ctx.end) throw truncated(what, at);
    budget.left -= len;
    copied.push(at, len, jpeg);
    if (budget.left < 0) throw overrun(budget, what, at);
    return ctx.src.read(at, len);
  });
}

/** Every image IFD's data in the order the reader walks them: what an output's hash is taken over. */
export function imageDataInWalkOrder(trace: TiffTrace, budget: DataBudget): Uint8Array[] {
  const ctx = trace.ctx;
  if (!ctx) return [];
  const out: Uint8Array[] = [];
  const visit = (node: IfdNode): void => {
    if (node.role === 'image' || node.role === 'thumbnail') {
      const byTag = [...node.ifd.entries].sort((a, b) => a.tag - b.tag);
      for (const e of byTag) if (DATA_TAGS.has(e.tag)) appendAll(out, dataBlocks(ctx, node.ifd, e, budget));
    }
    for (const c of node.children) visit(c.node);
  };
  for (const n of trace.chain) visit(n);
  return out;
}

/**
 * Refuses image data that names bytes of the structure itself: the TIFF header, an IFD, or an
 * entry's value stored out of line (a serial number, a maker note, an XMP packet). Such a block is
 * copied byte for byte, so whatever of the structure it covers would reach the copy unscrubbed
 * while the rewritten IFDs read clean (a strip over the whole file carries every tag). No valid
 * file does this; the file is refused, not cleaned. `copied`: the blocks charged to the budget
 * (DataBudget.copied). O((blocks + entries) log).
 */
export function assertDataApart(trace: TiffTrace, copied: readonly number[]): void {
  const ctx = trace.ctx;
  if (!ctx || copied.length === 0) return;
  // Structure ranges as [start, end, what], sorted by start.
  const held: [number, number, string][] = [[ctx.base, ctx.base + 8, 'the TIFF header']];
  const visit = (node: IfdNode): void => {
    const ifd = node.ifd;
    held.push([ifd.offset, ifd.offset + 6 + 12 * ifd.entries.length, `the IFD at ${ifd.offset}`]);
    for (const e of ifd.entries)
      if (e.valueLength > 4)
        held.push([e.valueOffset, e.valueOffset + e.valueLength, `the value of tag 0x${e.tag.toString(16)}`]);
    for (const c of node.children) visit(c.node);
  };
  for (const n of trace.chain) visit(n);
  held.sort((a, b) => a[0] - b[0]);
  // The furthest end among the ranges starting at or before each index: one search per block.
  const reach: number[] = [];
  let far = -1;
  let farAt = 0;
  const farWhat: number[] = [];
  held.forEach(([, end], i) => {
    if (end > far) {
      far = end;
      farAt = i;
    }
    reach.push(far);
    farWhat.push(farAt);
  });
  for (let i = 0; i < copied.length; i += 3) {
    const at = copied[i] as number;
    const end = at + (copied[i + 1] as number);
    // The last range starting before the block's end: if anything up to it reaches past `at`, it overlaps.
    let lo = 0;
    let hi = held.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((held[mid] as [number, number, string])[0] < end) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (last >= 0 && (reach[last] as number) > at) {
      const what = (held[farWhat[last] as number] as [number, number, string])[2];
      throw malformed(
        `${whatOf(copied[i + 2] as number)} at ${at} (${end - at} bytes) covers ${what}: copied as is, it would carry the metadata scrub removes`,
        at,
      );
    }
  }
}
