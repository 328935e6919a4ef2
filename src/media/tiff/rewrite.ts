/**
 * The TIFF/EXIF rewriter: walks a TIFF structure with the reader's own walk (so the findings
 * asked about are exactly the ones inspect reported), asks `decide` for each, and writes a new,
 * self-contained structure holding only what is kept or replaced. Image data is copied byte for
 * byte to new offsets; every offset is patched.
 */
import { BufferSource, type ByteSource } from '../../core/source.js';
import type { Decide, RewriteResult, Rewriter } from '../../scrub/types.js';
import { Collector } from '../types.js';
import { readTiffStructure, type TiffTrace } from './exif.js';
import { type Build, buildTiff } from './rewrite-build.js';
import { imageDataInWalkOrder, sha256Hex } from './rewrite-data.js';
import { layoutTiff, type OutIfd } from './rewrite-layout.js';

export interface TiffRewriteOptions {
  kind: 'exif-app1' | 'tiff-file';
  /** Receives what was kept although the policy drops it (or dropped although kept), and why. */
  notes?: string[];
}

interface Rewritten {
  bytes: Uint8Array;
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
  const trace: TiffTrace = { chain: [] };
  const read = new Collector();
  readTiffStructure(src, base, length, path, read, { kind: opts.kind, trace });
  const ctx = trace.ctx;
  if (!ctx || trace.chain.length === 0) throw new Error('rewrite: the reader walked no IFD');
  const isDng = read.facts.DNGVersion !== undefined;
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
  return { bytes: layoutTiff(first, ctx.e.le), dataIn: dataOf(first), isDng };
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
  return rewrite(src, base, length, path, decide, opts, opts.notes ?? []).bytes;
}

/** Whole TIFF and DNG files. */
export const tiffRewriter: Rewriter = {
  id: 'tiff',
  rewrite(src: ByteSource, decide: Decide): RewriteResult {
    const notes: string[] = [];
    const r = rewrite(src, 0, src.size, [], decide, { kind: 'tiff-file' }, notes);
    // The output's hash is taken by reading the output back, not from what was meant to be written.
    const back: TiffTrace = { chain: [] };
    const out = new BufferSource(r.bytes);
    readTiffStructure(out, 0, r.bytes.length, [], new Collector(), { kind: 'tiff-file', trace: back });
    return {
      bytes: r.bytes,
      notes,
      imageHashIn: sha256Hex(r.dataIn),
      imageHashOut: sha256Hex(imageDataInWalkOrder(back, { left: r.bytes.length })),
    };
  },
};
