/**
 * The TIFF/EXIF rewriter: walks a TIFF structure with the reader's own walk (so the findings
 * asked about are exactly the ones inspect reported), asks `decide` for each, and writes a new,
 * self-contained structure holding only what is kept or replaced. Image data is copied byte for
 * byte to new offsets; every offset is patched.
 */
import { appendAll } from '../../core/append.js';
import { ChunkSource, concatBytes, sha256Hex } from '../../core/bytes.js';
import type { ByteSource } from '../../core/source.js';
import { type Decide, RewriteNotes, type RewriteResult, type Rewriter } from '../../scrub/types.js';
import { Collector } from '../types.js';
import { readTiffStructure, type TiffTrace, walkedBefore } from './exif.js';
import { type Build, buildTiff } from './rewrite-build.js';
import { assertDataApart, imageDataInWalkOrder } from './rewrite-data.js';
import { layoutTiffChunks, type OutIfd } from './rewrite-layout.js';

export interface TiffRewriteOptions {
  kind: 'exif-app1' | 'tiff-file';
  /** Receives what was kept although the policy drops it (or dropped although kept), and why. */
  notes?: RewriteNotes;
}

interface Rewritten {
  /** The new structure: its header and IFDs, then each image data block as a view of `src`. */
  chunks: Uint8Array[];
  dataIn: Uint8Array[];
  isDng: boolean;
  /** The output tree the chunks were laid out from. */
  first: OutIfd;
}

function rewrite(
  src: ByteSource,
  base: number,
  length: number,
  path: string[],
  decide: Decide,
  opts: TiffRewriteOptions,
  notes: RewriteNotes,
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
  assertDataApart(trace, b.budget.copied ?? []);
  return { chunks: layoutTiffChunks(first, ctx.e.le), dataIn: dataOf(first), isDng, first };
}

/** Image data blocks of the output tree, in the order the reader will walk the output. */
function dataOf(first: OutIfd): Uint8Array[] {
  const out: Uint8Array[] = [];
  const visit = (ifd: OutIfd): void => {
    const entries = [...ifd.entries].sort((a, c) => a.tag - c.tag);
    for (const e of entries) if (e.link?.kind === 'data') appendAll(out, e.link.blocks);
    for (const e of entries) if (e.link?.kind === 'ifd') for (const t of e.link.targets) visit(t);
  };
  for (let ifd: OutIfd | undefined = first; ifd; ifd = ifd.next) visit(ifd);
  return out;
}

/**
 * Tags the reader handles other than as a finding of their own (pointers, image data, blocks
 * read as XMP, IPTC, Photoshop, maker notes, DNG private data): an entry with any other tag, in an
 * IFD the reader walks as IFD (not GPS), is always reported (exif.ts Walker.report).
 */
const NOT_ALWAYS_REPORTED = new Set([
  0x8769, 0x8825, 0xa005, 0x014a, 0x0111, 0x0117, 0x0144, 0x0145, 0x0201, 0x0202, 0x927c, 0x02bc, 0x83bb,
  0x8649, 0xc634,
]);
const GPS_POINTER = 0x8825;

/** Whether the reader will report at least one finding in this output tree (false: maybe none). */
function surelyReports(first: OutIfd): boolean {
  const visit = (ifd: OutIfd): boolean =>
    ifd.entries.some((e) => !NOT_ALWAYS_REPORTED.has(e.tag)) ||
    ifd.entries.some(
      (e) => e.tag !== GPS_POINTER && e.link?.kind === 'ifd' && e.link.targets.some((t) => visit(t)),
    );
  for (let ifd: OutIfd | undefined = first; ifd; ifd = ifd.next) if (visit(ifd)) return true;
  return false;
}

/**
 * A new TIFF structure for an APP1 Exif block (no "Exif\0\0" prefix), from the one at
 * [base, base+length) of `src`. Its byte order is the input's. `opts.facts.surelyReports` is set
 * to whether reading it back is sure to give a finding (a caller deciding whether the block is
 * empty then need not read it back).
 */
export function rewriteTiffStructure(
  src: ByteSource,
  base: number,
  length: number,
  path: string[],
  decide: Decide,
  opts: { kind: 'exif-app1'; notes?: RewriteNotes; facts?: { surelyReports?: boolean } },
): Uint8Array {
  const r = rewrite(src, base, length, path, decide, opts, opts.notes ?? new RewriteNotes());
  if (opts.facts) opts.facts.surelyReports = surelyReports(r.first);
  return concatBytes(r.chunks);
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
    const notes = new RewriteNotes();
    const r = rewrite(src, 0, src.size, [], decide, { kind: 'tiff-file' }, notes);
    // The output's image data is located by reading the output back, not from what was meant to
    // be written: by the walk scrub's re-inspection made over `out` (it verifies this source), or
    // one made here when nothing walked it yet. Where each block found is the very piece of the
    // input that was hashed above (the same memory, written as is, and hashed into outputSha256
    // by scrub), its hash is that hash: image data is hashed once, as JPEG's is. Anything else
    // is hashed where found.
    const out = new ChunkSource(r.chunks);
    const hashIn = sha256Hex(r.dataIn);
    let hashOut: string | undefined;
    let whole: Uint8Array | undefined;
    return {
      get bytes(): Uint8Array {
        whole ??= concatBytes(r.chunks);
        return whole;
      },
      chunks: r.chunks,
      source: out,
      ...notes.result(),
      imageHashIn: hashIn,
      get imageHashOut(): string {
        if (hashOut === undefined) {
          let trace = walkedBefore(out, 0, out.size, [], 'tiff-file')?.trace;
          if (!trace) {
            trace = { chain: [] };
            readTiffStructure(out, 0, out.size, [], new Collector(), { kind: 'tiff-file', trace });
          }
          const dataOut = imageDataInWalkOrder(trace, { left: out.size });
          hashOut = sameMemory(r.dataIn, dataOut) ? hashIn : sha256Hex(dataOut);
        }
        return hashOut;
      },
    };
  },
};
