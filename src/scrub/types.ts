/**
 * The rewrite contract between scrub's core (plan, run, verify) and each format's rewriter
 * (src/media/<format>/rewrite.ts). Agreed between the scrub helpers; change it only together.
 */
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
const KEPT_ANYWAY = ' kept although the policy drops it: ';

/**
 * The note for findings a rewriter keeps although the policy drops them, because the format
 * cannot do without them (a DNG's IFD0 image, the IPTC character set of kept datasets). It is the
 * only note verification reads: it excuses exactly the tags it names, nothing that merely
 * resembles them.
 */
export const keptAnywayNote = (where: string, tags: readonly string[], why: string): string =>
  `${where}: ${[...new Set(tags)].join(', ')}${KEPT_ANYWAY}${why}`;

/** The tags the rewriter's keptAnywayNote notes name. */
export function keptAnywayTags(notes: readonly string[]): Set<string> {
  const tags = new Set<string>();
  for (const n of notes) {
    const at = n.indexOf(KEPT_ANYWAY);
    if (at < 0) continue;
    const from = n.lastIndexOf(': ', at);
    for (const t of n.slice(from < 0 ? 0 : from + 2, at).split(', ')) tags.add(t);
  }
  return tags;
}

export interface RewriteResult {
  /** The clean file, whole (with `chunks`: their concatenation, made only when read). */
  bytes: Uint8Array;
  /**
   * The clean file as consecutive pieces, when the rewriter built it so (JPEG: the entropy-coded
   * data a view of the input, never copied): scrub hashes, verifies and writes these.
   */
  chunks?: readonly Uint8Array[];
  /**
   * What the manifest should say about the rewrite: what was kept although the policy drops it
   * and why (keptAnywayNote, the only kind verification reads), what was moved or removed whole.
   */
  notes: string[];
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
}
