/**
 * The TIFF/EXIF rewriter: walks a TIFF structure with the reader's own walk (so the findings
 * asked about are exactly the ones inspect reported), asks `decide` for each, and writes a new,
 * self-contained structure holding only what is kept or replaced. Image data is copied byte for
 * byte to new offsets; every offset is patched.
 */
import { ChunkSource, concatBytes } from '../../core/bytes.js';
import type { ByteSource } from '../../core/source.js';
import type { Decide, RewriteResult, Rewriter } from '../../scrub/types.js';
import { Collector } from '../types.js';
import { readTiffStructure, type TiffTrace, walkedBefore } from './exif.js';
import { type Build, buildTiff } from './rewrite-build.js';
import { imageDataInWalkOrder, sha256Hex } from './rewrite-data.js';
import { layoutTiffChunks, type OutIfd } from './rewrite-layout.js';

export interface TiffRewriteOptions {
  kind: 'exif-app1' | 'tiff-file';
  /** Receives what was kept although the policy drops it (or dropped although kept), and why. */
  notes?: string[];
}

interface Rewritten {
  /** The new structure: its header and IFDs, then each image data block as a view of `src`. */
  chunks: Uint8Array[];
  dataIn: Uint8Array[];
  isDng: boolean;
}

function rewrite(
  src: ByteSource,
  base: number,
  length: number,
  path: string[],
  decide: Decide,
  opts: TiffRewriteOptions,
  notes: string[],
): Rewritten {
  // The walk the analysis made over this very source, or the same walk made now.
  let walked = walkedBefore(src, base, length, path, opts.kind);
  if (!walked) {
    const trace: TiffTrace = { chain: [] };
    const read = new Collector();
    readTiffStructure(src, base, length, path, read, { kind: opts.kind, trace });
    walked = { trace, dng: read.facts.DNGVersion !== undefined };
  }
  const { trace, dng: isDng } = walked;
  const ctx = trace.ctx;
  if (!ctx || trace.chain.length === 0) throw new Error('rewrite: the reader walked no IFD');
  const b: Build = {
    ctx,
    decide,
    decisions: new Map(),
    notes,
    kind: opts.kind,
    isDng,
    budget: { left: src.size },
  };
  const first = buildTiff(trace, b);
  return { chunks: layoutTiffChunks(first, ctx.e.le), dataIn: dataOf(first), isDng };
}

/** Image data blocks of the output tree, in the order the reader will walk the output. */
function dataOf(first: OutIfd): Uint8Array[] {
  const out: Uint8Array[] = [];
  const visit = (ifd: OutIfd): void => {
    const entries = [...ifd.entries].sort((a, c) => a.tag - c.tag);
    for (const e of entries) if (e.link?.kind === 'data') out.push(...e.link.blocks);
    for (const e of entries) if (e.link?.kind === 'ifd') for (const t of e.link.targets) visit(t);
  };
  for (let ifd: OutIfd | undefined = first; ifd; ifd = ifd.next) visit(ifd);
  return out;
}

/**
 * A new TIFF structure for an APP1 Exif block (no "Exif\0\0" prefix), from the one at
 * [base, base+length) of `src`. Its byte order is the input's.
 */
export function rewriteTiffStructure(
  src: ByteSource,
  base: number,
  length: number,
  path: string[],
  decide: Decide,
  opts: { kind: 'exif-app1'; notes?: string[] },
): Uint8Array {
  return concatBytes(rewrite(src, base, length, path, decide, opts, opts.notes ?? []).chunks);
}

/** Whether two lists of blocks are the same memory, block for block (so their bytes are equal). */
const sameMemory = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean =>
  a.length === b.length &&
  a.every((x, i) => {
    const y = b[i] as Uint8Array;
    return x.buffer === y.buffer && x.byteOffset === y.byteOffset && x.length === y.length;
  });

/** Whole TIFF and DNG files. */
export const tiffRewriter: Rewriter = {
  id: 'tiff',
  rewrite(src: ByteSource, decide: Decide): RewriteResult {
    const notes: string[] = [];
    const r = rewrite(src, 0, src.size, [], decide, { kind: 'tiff-file' }, notes);
    // The output's image data is located by reading the output back, not from what was meant to
    // be written. Where each block found is the very piece of the input that was hashed above
    // (the same memory, written as is, and hashed into outputSha256 by scrub), its hash is that
    // hash: image data is hashed once, as JPEG's is. Anything else is hashed where found.
    const out = new ChunkSource(r.chunks);
    const back: TiffTrace = { chain: [] };
    readTiffStructure(out, 0, out.size, [], new Collector(), { kind: 'tiff-file', trace: back });
    const dataOut = imageDataInWalkOrder(back, { left: out.size });
    const hashIn = sha256Hex(r.dataIn);
    let whole: Uint8Array | undefined;
    return {
      get bytes(): Uint8Array {
        whole ??= concatBytes(r.chunks);
        return whole;
      },
      chunks: r.chunks,
      notes,
      imageHashIn: hashIn,
      imageHashOut: sameMemory(r.dataIn, dataOut) ? hashIn : sha256Hex(dataOut),
    };
  },
};
