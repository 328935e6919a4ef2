/**
 * The rewrite contract between scrub's core (plan, run, verify) and each format's rewriter
 * (src/media/<format>/rewrite.ts). Agreed between the scrub helpers; change it only together.
 */
import type { Piece } from '../core/piece-source.js';
import type { ByteSource } from '../core/source.js';
import type { Finding, Position, Value } from '../findings/model.js';

export type { Position };

/** What to do with one finding, decided by scrub's planner from the policy. */
export type Decision =
  | { action: 'keep' }
  | { action: 'drop' }
  /** Write this value instead (a coarsened position, a date-only time). Same carrier, same format. */
  | { action: 'replace'; value: Value };
/** Asked by a rewriter for every finding its walk produces (the same findings its reader reports). */
export type Decide = (f: Finding) => Decision;

/** `decide`, asked once per finding: a rewriter consults one finding from several places. */
export function memoDecide(decide: Decide): Decide {
  const cache = new Map<Finding, Decision>();
  return (f) => {
    let d = cache.get(f);
    if (!d) {
      d = decide(f);
      cache.set(f, d);
    }
    return d;
  };
}
/**
 * What a rewriter says about its copy, gathered through its sub-rewriters (TIFF inside APP1,
 * XMP inside TIFF, IPTC inside Photoshop): lines for the manifest, and, apart from them, the tags
 * it keeps although the policy drops them because the format cannot do without them (a DNG's
 * IFD0 image, the IPTC character set of kept datasets). Verification excuses exactly those tags,
 * never anything a line merely mentions.
 */
export class RewriteNotes {
  readonly lines: string[] = [];
  readonly keptAnyway = new Set<string>();
  push(...lines: string[]): void {
    this.lines.push(...lines);
  }
  keep(where: string, tags: readonly string[], why: string): void {
    const named = [...new Set(tags)];
    for (const t of named) this.keptAnyway.add(t);
    this.lines.push(`${where}: ${named.join(', ')} kept although the policy drops it: ${why}`);
  }
  /** The result's `notes` and `keptAnyway`. */
  result(): { notes: string[]; keptAnyway: string[] } {
    return { notes: this.lines, keptAnyway: [...this.keptAnyway] };
  }
}

export interface RewriteResult {
  /** The clean file, whole (with `chunks`: their concatenation, made only when read). */
  bytes: Uint8Array;
  /**
   * The clean file as consecutive pieces, when the rewriter built it so (JPEG: the entropy-coded
   * data a view of the input, never copied): scrub hashes, verifies and writes these.
   */
  chunks?: readonly Uint8Array[];
  /** What the manifest should say about the rewrite: what was kept anyway and why, what was moved or removed whole. */
  notes: string[];
  /** Tags kept although the policy drops them, because the format needs them (RewriteNotes.keep): all verification excuses. */
  keptAnyway?: readonly string[];
  /**
   * The clean file as new bytes and ranges of the input (a streaming rewriter's: a video's media
   * is never read whole). Scrub verifies it through `source` and writes it block by block.
   */
  pieces?: readonly Piece[];
  /**
   * The output as a source over `chunks`, when the rewriter made one: scrub re-inspects this very
   * source, so the walk that re-inspection makes serves the rewriter too (its `imageHashOut`, a
   * getter, is read after the re-inspection).
   */
  source?: ByteSource;
  /** SHA-256 (hex) over the image data (JPEG: SOS..EOI entropy-coded data of the primary image; TIFF/DNG: every kept strip and tile, in order) of the INPUT and of the OUTPUT: the lossless proof. Absent for text formats. */
  imageHashIn?: string;
  imageHashOut?: string;
}
export interface Rewriter {
  /** Same id as the format's Analyser (and the report's `format`): 'jpeg', 'tiff', 'dng', 'xmp', 'srt', 'flightlog-csv'. */
  readonly id: string;
  /**
   * `findings`: what the format's analyser already reported for `src` (read whole), so the
   * rewriter need not read it again; a rewriter may ignore it and read `src` itself.
   */
  rewrite(src: ByteSource, decide: Decide, findings?: readonly Finding[]): RewriteResult;
  /**
   * Rewrites a file it reads in place (a FileSource), its output as `pieces`: scrub then never
   * reads the file into memory, whatever its size.
   */
  readonly streams?: boolean;
}
