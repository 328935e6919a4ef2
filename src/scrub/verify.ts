/**
 * Re-inspect a clean copy with the same analysers inspect uses, and fail it when anything the
 * plan removed is still there, a position is not the planned grid value, or the image data
 * changed. Every check is against the output's own findings, not the rewriter's word. The same
 * comparison says what the policy kept that the copy lacks (`lost`): it went with a container
 * the rewriter removed whole, so the manifest must not record it as kept.
 */
import { BufferSource, type ByteSource } from '../core/source.js';
import { type Finding, formatPath, type Position, pathFormatter, type Value } from '../findings/model.js';
import { analyseSource } from '../media/registry.js';
import type { FindingSink } from '../media/types.js';
import type { PlannedFinding } from './plan.js';
import type { Decide, RewriteResult } from './types.js';

/** Formats whose image data must be shown unchanged by hashes. */
const IMAGE_FORMATS = new Set(['jpeg', 'tiff', 'dng', 'mp4', 'mov']);
/** Never kept on a rewriter's say-so, whatever its notes. */
const NEVER_EXCUSED = /^(location\.|identity\.|infrastructure$)/;
const EPS = 1e-7;

export interface Verification {
  ok: boolean;
  problems: string[];
  /** Planned findings the policy keeps (or replaces) that the clean copy does not hold (when ok). */
  lost: PlannedFinding[];
  /**
   * Planned keeps the copy holds with another value (when ok): a reference that follows the
   * coarsened value it qualifies (GPSAltitudeRef when -4 m becomes 0 m), an offset that moved.
   */
  changed: Changed[];
}

export interface Changed {
  planned: PlannedFinding;
  /** The value the copy holds. */
  value: Value;
}

/** A finding's identity: category, tag, path and frame. */
function keyer(): (f: Finding) => string {
  const pathOf = pathFormatter();
  return (f) => `${f.category}\0${f.tag}\0${pathOf(f.path)}\0${f.frame ?? ''}`;
}

/**
 * A map by finding identity (keyer's key), held as the frames of each category, tag and path: a
 * key string per replaced finding was most of what a long log's verification held.
 */
class ByIdentity<V> {
  private readonly byCarrier = new Map<string, Map<number | '', V[]>>();
  private readonly pathOf = pathFormatter();
  private carrier(f: Finding): string {
    return `${f.category}\0${f.tag}\0${this.pathOf(f.path)}`;
  }
  /**
   * Every value written for findings of this identity: two carriers can share one (a JPEG with
   * two EXIF segments has two 'APP1 Exif › IFD0 › GPS' positions, each coarsened to its own cell),
   * and the copy's is checked against each, not only the last one planned.
   */
  add(f: Finding, v: V): void {
    const c = this.carrier(f);
    let frames = this.byCarrier.get(c);
    if (!frames) {
      frames = new Map();
      this.byCarrier.set(c, frames);
    }
    const key = f.frame ?? '';
    const had = frames.get(key);
    if (had) had.push(v);
    else frames.set(key, [v]);
  }
  get(f: Finding): readonly V[] | undefined {
    return this.byCarrier.get(this.carrier(f))?.get(f.frame ?? '');
  }
}

const samePosition = (a: Position, b: Position): boolean =>
  Math.abs(a.lat - b.lat) <= EPS &&
  Math.abs(a.lon - b.lon) <= EPS &&
  (a.alt === undefined || b.alt === undefined || Math.abs(a.alt - b.alt) <= 1e-6);

function sameValue(a: Value, b: Value): boolean {
  if (a.kind === 'position' && b.kind === 'position') return samePosition(a.position, b.position);
  if (a.kind === 'number' && b.kind === 'number') return Math.abs(a.value - b.value) <= 1e-6;
  if ((a.kind === 'time' || a.kind === 'text') && (b.kind === 'time' || b.kind === 'text'))
    return a.text === b.text;
  return false;
}

const describe = (f: Finding): string =>
  `${f.tag} (${f.category}) at ${formatPath(f.path)}${f.frame ? ` frame ${f.frame}` : ''}`;

export function verifyOutput(
  output: ByteSource | Uint8Array,
  name: string,
  format: string,
  planned: readonly PlannedFinding[],
  decide: Decide,
  result: RewriteResult,
): Verification {
  const source = output instanceof Uint8Array ? new BufferSource(output) : output;
  // What the plan wrote instead of each value, by finding identity, and by category as a fallback
  // (a rewriter may move a carrier, e.g. rebuild an IFD under another path).
  const written = new ByIdentity<Value>();
  const writtenByCategory = new Map<string, Value[]>();
  for (const { finding, decision } of planned) {
    if (decision.action !== 'replace') continue;
    written.add(finding, decision.value);
    const list = writtenByCategory.get(finding.category) ?? [];
    list.push(decision.value);
    writtenByCategory.set(finding.category, list);
  }

  // Only tags a rewriter names as kept for the format's sake, exactly (types.ts RewriteNotes.keep).
  const keptAnyway = new Set(result.keptAnyway);
  // Each finding of the copy is checked as the re-inspection makes it, and kept only where its
  // reader needs its findings back: a long log's copy holds hundreds of thousands.
  const check = new CopyCheck(planned, (f, found) => {
    const d = decide(f);
    if (d.action === 'drop') {
      const excused = !NEVER_EXCUSED.test(f.category) && keptAnyway.has(f.tag);
      if (!excused) found.push(`still present although dropped: ${describe(f)}`);
      return;
    }
    if (d.action !== 'replace') return;
    // A scrubbed value is a fixed point of its own decision (a grid centre, a 100 m altitude, a date).
    if (!sameValue(d.value, f.value)) {
      found.push(`not scrubbed: ${describe(f)} is not the ${d.value.kind} the policy writes`);
      return;
    }
    const candidates = written.get(f) ?? writtenByCategory.get(f.category) ?? [];
    if (f.value.kind === 'position' && !candidates.some((v) => sameValue(v, f.value))) {
      found.push(`position differs from the coarsened value: ${describe(f)}`);
    }
  });
  const problems: string[] = [];
  const again = analyseSource(source, name, check);
  if (again.status !== 'read') {
    const why = again.error ? `${again.error.message} (${again.error.code})` : (again.reason ?? again.status);
    problems.push(`the clean copy does not read back: ${why}`);
  }
  problems.push(...check.problems);

  if (IMAGE_FORMATS.has(format)) {
    if (result.imageHashIn === undefined || result.imageHashOut === undefined) {
      problems.push('no image-data hashes: lossless copy not shown');
    } else if (result.imageHashIn !== result.imageHashOut) {
      problems.push(`image data changed (SHA-256 ${result.imageHashIn} → ${result.imageHashOut})`);
    }
  }
  const ok = problems.length === 0;
  if (!ok) return { ok, problems, lost: [], changed: [] };
  const inOrder = check.inOrder();
  if (inOrder) return { ok, problems, lost: [], changed: inOrder };
  // Not the plan's order: matched by keys over the copy's findings, read again when the
  // re-inspection handed them over without keeping them.
  const found =
    again.findings.length > 0 || check.count === 0 ? again.findings : analyseSource(source, name).findings;
  return { ok, problems, ...matchCopy(planned, found) };
}

/**
 * The copy's findings as the re-inspection makes them: each checked (`each` adds its problems),
 * and followed against the plan's keeps and replacements in order. The common case, cheaply:
 * the copy holds exactly those, in the plan's order (rewriters keep the order of what they
 * keep), so no finding of the copy is kept and no key built; kept values that differ go to
 * `changed` as they are met.
 */
class CopyCheck implements FindingSink {
  problems: string[] = [];
  count = 0;
  /** The next planned finding to match, and whether every one so far matched in order. */
  private next = 0;
  private ordered = true;
  private changed: Changed[] = [];

  constructor(
    private readonly planned: readonly PlannedFinding[],
    private readonly each: (f: Finding, problems: string[]) => void,
  ) {}

  add(f: Finding): void {
    this.count++;
    this.each(f, this.problems);
    if (!this.ordered) return;
    const p = this.nextKept();
    if (p === undefined || !sameCarrier(p.finding, f)) {
      this.ordered = false;
      return;
    }
    this.next++;
    if (changedValue(p, f)) this.changed.push({ planned: p, value: f.value });
  }

  rewind(): void {
    this.problems = [];
    this.count = 0;
    this.next = 0;
    this.ordered = true;
    this.changed = [];
  }

  /** The changed keeps when the copy held exactly the planned keeps and replacements in order; else undefined. */
  inOrder(): Changed[] | undefined {
    return this.ordered && this.nextKept() === undefined ? this.changed : undefined;
  }

  private nextKept(): PlannedFinding | undefined {
    while (this.next < this.planned.length && this.planned[this.next]?.decision.action === 'drop')
      this.next++;
    return this.planned[this.next];
  }
}

const sameCarrier = (p: Finding, f: Finding): boolean =>
  f.tag === p.tag && f.category === p.category && f.frame === p.frame && samePath(f.path, p.path);

/** Values a reader gives that can be compared: a block or a list has no single value to differ. */
const comparable = (v: Value): boolean =>
  v.kind === 'number' || v.kind === 'text' || v.kind === 'time' || v.kind === 'position';

/** Whether a kept finding's value in the copy is not the one planned. */
const changedValue = (p: PlannedFinding, f: Finding): boolean =>
  p.decision.action === 'keep' &&
  comparable(p.finding.value) &&
  comparable(f.value) &&
  !sameValue(p.finding.value, f.value);

/** Findings of the copy under one key, in order, and the first that may still be taken. */
interface Held {
  list: Finding[];
  next: number;
}

/**
 * The planned keeps and replacements with no counterpart in the copy, as many as are missing of
 * each: matched by identity first, then, for what is left, by category, tag and frame alone (a
 * rewriter may move a carrier: an SRT cue whose bracketed line went reads as another layout).
 * A matched keep whose value differs is `changed`.
 */
function matchCopy(
  planned: readonly PlannedFinding[],
  found: readonly Finding[],
): { lost: PlannedFinding[]; changed: Changed[] } {
  const changed: Changed[] = [];
  const keyOf = keyer();
  const loose = (f: Finding): string => `${f.category}\0${f.tag}\0${f.frame ?? ''}`;
  // Each key's copy findings, in order: a match takes the first one not taken yet (a cursor
  // per list, and a set of what the exact pass took, in place of removing from the lists).
  const held = new Map<string, Held>();
  const heldLoosely = new Map<string, Held>();
  const add = (m: Map<string, Held>, k: string, f: Finding) => {
    const h = m.get(k);
    if (h) h.list.push(f);
    else m.set(k, { list: [f], next: 0 });
  };
  for (const f of found) {
    add(held, keyOf(f), f);
    add(heldLoosely, loose(f), f);
  }
  const taken = new Set<Finding>();
  const take = (h: Held | undefined): Finding | undefined => {
    if (!h) return undefined;
    while (h.next < h.list.length && taken.has(h.list[h.next] as Finding)) h.next++;
    return h.list[h.next++];
  };
  const unmatched: PlannedFinding[] = [];
  for (const p of planned) {
    if (p.decision.action === 'drop') continue;
    const f = take(held.get(keyOf(p.finding)));
    if (f === undefined) {
      unmatched.push(p);
      continue;
    }
    taken.add(f);
    if (changedValue(p, f)) changed.push({ planned: p, value: f.value });
  }
  const lost: PlannedFinding[] = [];
  for (const p of unmatched) {
    const f = take(heldLoosely.get(loose(p.finding)));
    if (f === undefined) lost.push(p);
    else if (changedValue(p, f)) changed.push({ planned: p, value: f.value });
  }
  return { lost, changed };
}

const samePath = (a: readonly string[], b: readonly string[]): boolean =>
  a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
