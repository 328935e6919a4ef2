/**
 * Image data of an IFD (strips, tiles, a JPEG-interchange thumbnail or preview): the bytes the
 * rewriter copies unchanged, and the SHA-256 that proves it did.
 */
import { createHash } from 'node:crypto';
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
}

const numbers = (ctx: TiffCtx, e: IfdEntry, what: string): number[] => {
  if (e.type === 2 || e.type === 7) throw malformed(`${what} is not numeric`, e.entryOffset);
  return decodeNumbers(e.type, entryBytes(ctx, e, what), ctx.e.le);
};

/** The blocks named by `offsets` (and the lengths entry of the same IFD), in order. */
export function dataBlocks(ctx: TiffCtx, ifd: Ifd, offsets: IfdEntry, budget: DataBudget): Uint8Array[] {
  const lengthsTag = DATA_TAGS.get(offsets.tag);
  const lengths = ifd.entries.find((e) => e.tag === lengthsTag);
  const what = `${offsets.tag === 0x0201 ? 'JPEG' : 'image'} data`;
  if (!lengths) throw malformed(`${what}: offsets without byte counts`, offsets.entryOffset);
  const offs = numbers(ctx, offsets, `${what} offsets`);
  const lens = numbers(ctx, lengths, `${what} byte counts`);
  if (offs.length !== lens.length)
    throw malformed(`${what}: ${offs.length} offsets, ${lens.length} byte counts`, lengths.entryOffset);
  return offs.map((o, i) => {
    const len = lens[i] as number;
    if (len === 0) return new Uint8Array(0);
    const at = ctx.base + o;
    if (at < ctx.start || at + len > ctx.end) throw truncated(what, at);
    budget.left -= len;
    if (budget.left < 0)
      throw new AirlockError('AIRLOCK_ERR_LIMIT', `${what}: more bytes than the file holds`, at);
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
      for (const e of byTag) if (DATA_TAGS.has(e.tag)) out.push(...dataBlocks(ctx, node.ifd, e, budget));
    }
    for (const c of node.children) visit(c.node);
  };
  for (const n of trace.chain) visit(n);
  return out;
}

export function sha256Hex(blocks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const b of blocks) h.update(b);
  return h.digest('hex');
}
