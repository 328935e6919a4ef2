/**
 * The SRT rewriter: the reader's own walk (walkSrt), a Decision per finding, and edits on the
 * text lines that carry them. Cue numbers, the two times of each timing line (text after them is
 * other data), blank lines, the BOM and line endings are copied as they are, so the output is
 * still a subtitle file a video player shows.
 *
 * Output per layout (default policy):
 *   bracketed: "[latitude: 53.3700000] [longitude: 6.4600000] [abs_alt: -100.000]"; a
 *     dropped datum loses its "key: value" pair, and its [group] once the group is empty;
 *   HOME/GPS: "GPS(149.0250000,-20.2500000)", HOME(...) gone, "2017.08.05" for the time;
 *   one-line: "GPS (-58.8500000, -34.2400000)": dropped fields go with their ", ".
 * A text line left with no value is removed (its <font> markup stays, so tags still pair up);
 * a cue left with no text line keeps its number and timing. Damaged input (empty, cut short)
 * throws the reader's own error: nothing half-read is ever written.
 */
import { truncated } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Finding } from '../../findings/model.js';
import type { Decide, RewriteResult, Rewriter } from '../../scrub/types.js';
import { type SrtWalk, walkRead } from './index.js';
import { planFrame } from './rewrite-frame.js';
import { editLine, markupOf, outermost } from './rewrite-line.js';
import { contentEnd, PatchWriter } from './splice.js';

/** The whole file is held in memory to write the output: an hour of 60 fps telemetry is ~100 MB. */
export const maxSrtRewriteBytes = 1024 ** 3;

export const srtRewriter: Rewriter = {
  id: 'srt',
  rewrite(src, decide, findings) {
    return rewriteSrt(src, decide, findings);
  },
};

/**
 * The analysis's findings, frame by frame, for the rewriter's walk over the same bytes: the
 * analysis mapped each frame in walk order (mapFrame), and every finding of a frame carries
 * bytes of its cue, so a cue's findings are the run of those starting inside it. The plan answers
 * for these by a cursor (plan.ts) where fresh ones made it index every finding of the file, and
 * no frame is mapped twice. A finding without bytes, or none known: the frame is mapped afresh
 * (planFrame) from there on. A first walk under a reading the analysis did not end with is
 * thrown away whole (walkRead's begin), whatever it was given.
 */
class KnownFindings {
  private at = 0;
  private lost = false;
  constructor(private readonly all: readonly Finding[] | undefined) {}

  restart(): void {
    this.at = 0;
    this.lost = this.all === undefined;
  }

  /** The findings of the cue with number `frame` whose bytes are [start, end); undefined: map it afresh. */
  take(frame: number, start: number, end: number): readonly Finding[] | undefined {
    const all = this.all;
    if (this.lost || all === undefined) return undefined;
    const from = this.at;
    let k = from;
    for (; k < all.length; k++) {
      const f = all[k] as Finding;
      const first = f.ranges[0];
      if (first === undefined) {
        this.lost = true;
        return undefined;
      }
      if (f.frame !== frame || first.offset < start || first.offset >= end) break;
    }
    this.at = k;
    return all.slice(from, k);
  }
}

/** `findings`: what the analysis read from `src`, when the caller has it (scrub). */
export function rewriteSrt(src: ByteSource, decide: Decide, findings?: readonly Finding[]): RewriteResult {
  bound(src.size, maxSrtRewriteBytes, 'SRT size in bytes for a rewrite', 0);
  const input = src.read(0, src.size);
  let notes = new Set<string>();
  // Lines are patched in file order as the walk reads them: the output grows as it goes.
  let out = new PatchWriter(input);
  // Text lines the last two cues keep: the reader judges a file cut by their counts.
  let kept: number[] = [];
  const known = new KnownFindings(findings);

  const walk = walkRead(
    src,
    () => {
      notes = new Set();
      out = new PatchWriter(input);
      kept = [];
      known.restart();
    },
    (cue, frame, reading, nextStart) => {
      kept = [kept[kept.length - 1] ?? 0, cue.text.length];
      const lastLine = cue.text[cue.text.length - 1] ?? cue.timing ?? cue.head;
      const found = known.take(frame.cue, cue.head.offset, nextStart(lastLine));
      const { edits, items } = planFrame(frame, cue, reading, decide, notes, found);
      if (edits.length === 0) return;
      for (const line of cue.timing ? [cue.timing, ...cue.text] : cue.text) {
        const end = contentEnd(input, line.offset, nextStart(line));
        const inLine = (r: { offset: number }) => r.offset >= line.offset && r.offset < end;
        const mine = outermost(edits.filter((e) => inLine(e.span)));
        if (mine.length === 0) continue;
        const raw = Buffer.from(input.subarray(line.offset, end)).toString('latin1');
        let text = editLine(raw, line.offset, mine);
        const written = (): void => {
          out.replace(line.offset, end - line.offset);
          out.text(text, 'latin1');
        };
        if (line === cue.timing) {
          // Only what followed the two times can go (layout.ts timingOf): the line itself stays.
          written();
          continue;
        }
        const anyLeft = items.some((x) => x.kept && inLine(x.item.range));
        if (!anyLeft && mine.some((e) => e.text === undefined)) text = markupOf(text);
        if (text.trim() === '') {
          out.replace(line.offset, nextStart(line) - line.offset);
          kept[1] = (kept[1] ?? 1) - 1;
        } else written();
      }
    },
  );
  if (walk.cut) throw walk.cut;
  refuseCutEnd(walk, kept, src.size);
  return { bytes: out.finish(), notes: [...notes] };
}

/**
 * A last cue left with fewer text lines than the one before it would read back as cut short,
 * and it is: real files lose lines uniformly, only a cue cut mid-line ("GPS (-") loses more.
 * Refused with the reader's error rather than written and failed at verification.
 * `kept`: the text lines the last two cues keep (one entry when the file has one cue).
 */
function refuseCutEnd(walk: SrtWalk, kept: number[], size: number): void {
  const last = walk.last;
  const lastKept = kept[1] ?? 0;
  const beforeKept = walk.cues > 1 ? kept[0] : undefined;
  // The reader's isCut, on the counts the output will have.
  const cut =
    (lastKept === 0 && beforeKept === undefined) || (beforeKept !== undefined && lastKept < beforeKept);
  if (!cut) return;
  const why =
    beforeKept === undefined
      ? 'keeps no text line'
      : `keeps ${lastKept} text lines, the cue before it ${beforeKept}`;
  throw truncated(
    `SRT cue ${last.number} (line ${last.head.number}, byte ${last.head.offset}) ${why} once scrubbed, which reads back as a cut file`,
    size,
  );
}
