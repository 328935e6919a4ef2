/**
 * Findings × policy → what scrub does with a file: withhold it, copy it on purpose, or rewrite
 * it with one Decision per finding. The Decide function is a pure function of the finding (and
 * of the file's zone verdict), so the rewriter's re-walk and the verifier's re-inspection get
 * the same answer inspect printed.
 */
import type { Category, Finding, Position, Value } from '../findings/model.js';
import type { AnalysisResult } from '../media/registry.js';
// Imported module by module, not through policy/index.js: inspect loads this at start-up and
// must not pay for the YAML loader, the zod schema and the egress gate it does not use.
import { coarsenedAs, mediaAction } from '../policy/media-action.js';
import type { LocationRule, Policy, ZoneRole } from '../policy/types.js';
import { type ZoneHit, zoneHits } from '../policy/zone-hits.js';
import { coarsenAltitude, coarsenPosition } from './coarsen.js';
import { dateOnly } from './date-only.js';
import type { Decide, Decision, Rewriter } from './types.js';

export type WithholdReason =
  /** A drone/target (or operator, where the zone says so) position inside a protected zone. */
  | 'zone'
  /** The file could not be read, or only partly: what was not read cannot be cleaned. */
  | 'unreadable'
  /** Airlock reads nothing in it, or has no rewriter for its format yet. */
  | 'unsupported'
  /** A DJI flight record: encrypted, cannot be cleaned (policy media.flightRecords). */
  | 'flight-record'
  /** The policy withholds pictures with faces: one was found, or the picture could not be looked at. */
  | 'faces'
  | 'empty';

export interface PlannedFinding {
  finding: Finding;
  decision: Decision;
}

export type FilePlan =
  | { kind: 'withhold'; why: WithholdReason; detail: string; format: string | null; zones: ZoneHit[] }
  /** Copied byte for byte because the policy says so (media.flightRecords: copy); not cleaned. */
  | { kind: 'copy'; detail: string; format: string }
  | {
      kind: 'rewrite';
      format: string;
      rewriter: Rewriter;
      decide: Decide;
      /** Zone hits whose action is drop-location (location dropped whatever the policy says). */
      zones: ZoneHit[];
      planned: PlannedFinding[];
      /** The same answers as `decide`, for findings the plan never saw (the verifier's of the copy). */
      decideAfresh: Decide;
    };

const ROLE_OF: Partial<Record<Category, ZoneRole>> = {
  'location.drone': 'drone',
  'location.operator': 'operator',
  'location.target': 'target',
};

const KEEP: Decision = { action: 'keep' };
const DROP: Decision = { action: 'drop' };

function locationRule(c: Category, policy: Policy): LocationRule | undefined {
  const l = policy.media.location;
  return c === 'location.drone'
    ? l.drone
    : c === 'location.operator'
      ? l.operator
      : c === 'location.target'
        ? l.target
        : undefined;
}

/**
 * A location finding under 'coarsen: metres': positions snap to the grid, altitudes to 100 m, anything
 * else goes. A position off the globe (a damaged or hostile latitude of 91 or 4e9) has no cell on
 * the grid: it goes too, rather than be written as a value no carrier holds.
 */
function coarsened(f: Finding, metres: number): Decision {
  const v = f.value;
  switch (coarsenedAs(f)) {
    case 'position':
      if (v.kind !== 'position') return DROP;
      return {
        action: 'replace',
        value: { kind: 'position', position: coarsenPosition(v.position, metres) },
      };
    case 'altitude':
      if (v.kind !== 'number') return DROP;
      return { action: 'replace', value: { ...v, value: coarsenAltitude(v.value) } };
    case 'reference':
      return KEEP;
    default:
      // A lone coordinate, a distance, a DOP, a datum: nothing the grid defines, so nothing kept.
      return DROP;
  }
}

function dateOnlyDecision(f: Finding): Decision {
  const v = f.value;
  if (v.kind !== 'time' && v.kind !== 'text') return DROP;
  const d = dateOnly(v.text);
  if (d === null) return DROP;
  if (d === v.text) return KEEP;
  return { action: 'replace', value: { ...v, text: d } };
}

/**
 * Replacements are shared between the findings that get the same one: a coarsened track stays in
 * one grid cell for many frames and a log's times share a date, and a long file has a decision
 * per finding. Decisions are never edited.
 */
function sharedReplacements(): (d: Decision) => Decision {
  const seen = new Map<string, Decision>();
  return (d) => {
    if (d.action !== 'replace') return d;
    const v = d.value;
    const key =
      v.kind === 'position'
        ? `p\0${v.position.lat}\0${v.position.lon}\0${v.position.alt}`
        : v.kind === 'number'
          ? `n\0${v.value}\0${v.unit}`
          : v.kind === 'time' || v.kind === 'text'
            ? `${v.kind}\0${v.text}`
            : undefined;
    if (key === undefined) return d;
    const had = seen.get(key);
    if (had) return had;
    // Bounded: a track that never repeats a cell must not grow this without end.
    if (seen.size >= 4096) seen.clear();
    seen.set(key, d);
    return d;
  };
}

/** The Decide a rewriter and the verifier ask. `dropLocation`: a drop-location zone was hit. */
export function decideFor(policy: Policy, opts: { dropLocation?: boolean } = {}): Decide {
  const shared = sharedReplacements();
  return (f: Finding): Decision => {
    if (opts.dropLocation && f.category.startsWith('location.')) return DROP;
    const { action } = mediaAction(f, policy);
    switch (action) {
      case 'keep':
        return KEEP;
      case 'drop':
      case 'withhold':
      case 'mask': // a face: masked in the picture (scrub/faces.ts), never a tag a rewriter meets
        return DROP;
      case 'date-only':
        return shared(dateOnlyDecision(f));
      case 'coarsen': {
        const rule = locationRule(f.category, policy);
        return rule?.action === 'coarsen' ? shared(coarsened(f, rule.metres)) : DROP;
      }
    }
  };
}

/** Zone hits of a file's positions (one per zone and role). */
export function zonesOf(findings: readonly Finding[], policy: Policy): ZoneHit[] {
  if (policy.zones.length === 0) return [];
  const positions: { role: ZoneRole; position: Position }[] = [];
  for (const f of findings) {
    const role = ROLE_OF[f.category];
    if (role && f.value.kind === 'position') positions.push({ role, position: f.value.position });
  }
  return positions.length === 0 ? [] : zoneHits(positions, policy);
}

/**
 * Warnings that say a file is cut short or broken where its picture is: its copy would be as
 * broken, and a clean status would present it as sound (a JPEG without EOI: every byte after its
 * scan passes as image data, unjudged). Such a file is withheld, as an unreadable one is.
 */
const DAMAGE = new Set(['jpeg-no-eoi']);

/** Which rewriter cleans a format (scrub/registry.ts in production, fakes in tests). */
export type RewriterLookup = (format: string) => Rewriter | undefined;

export function planFile(result: AnalysisResult, policy: Policy, rewriterFor: RewriterLookup): FilePlan {
  const format = result.format;
  const withhold = (why: WithholdReason, detail: string, zones: ZoneHit[] = []): FilePlan => ({
    kind: 'withhold',
    why,
    detail,
    format,
    zones,
  });
  if (format === 'empty') return withhold('empty', 'empty file: nothing to clean');
  if (result.status === 'not-read')
    return withhold('unsupported', result.reason ?? 'not a format Airlock reads');
  if (result.status !== 'read' || format === null) {
    const e = result.error;
    const at = e?.offset === undefined ? '' : ` at offset ${e.offset}`;
    return withhold('unreadable', e ? `${e.message}${at} (${e.code})` : (result.reason ?? 'not read'));
  }
  const damage = result.warnings.find((w) => DAMAGE.has(w.name));
  if (damage) {
    const at = damage.offset === undefined ? '' : ` at offset ${damage.offset}`;
    return withhold('unreadable', `damaged: ${damage.detail}${at} (${damage.name})`);
  }
  if (format === 'flight-record') {
    return policy.media.flightRecords === 'copy'
      ? {
          kind: 'copy',
          format,
          detail: 'DJI flight record copied as is (media.flightRecords: copy): not cleaned',
        }
      : withhold(
          'flight-record',
          'DJI flight record: encrypted, cannot be cleaned (media.flightRecords: withhold)',
        );
  }
  const zones = zonesOf(result.findings, policy);
  const blocking = zones.filter((z) => z.action === 'withhold');
  if (blocking.length > 0) {
    const names = blocking.map((z) => `${z.zone} (${z.role})`).join(', ');
    return withhold('zone', `position inside protected zone: ${names}`, blocking);
  }
  const rewriter = rewriterFor(format);
  if (!rewriter) return withhold('unsupported', `${format}: Airlock cannot clean this format yet`);
  const dropZones = zones.filter((z) => z.action === 'drop-location');
  const decideAfresh = decideFor(policy, { dropLocation: dropZones.length > 0 });
  const planned = result.findings.map((finding) => ({ finding, decision: decideAfresh(finding) }));
  // The rewriter asks again about the very findings planned here (it follows the analysis's
  // walks): answered from the plan, by a cursor while it asks in the plan's order, and by an
  // index made at its first question out of order (a map of every finding of a long log is most
  // of what a plan would hold). Any other finding is decided afresh.
  let next = 0;
  let index: Map<Finding, Decision> | undefined;
  const decide: Decide = (f) => {
    const p = planned[next];
    if (p !== undefined && p.finding === f) {
      next++;
      return p.decision;
    }
    index ??= new Map(planned.map((q) => [q.finding, q.decision]));
    return index.get(f) ?? decideAfresh(f);
  };
  return { kind: 'rewrite', format, rewriter, decide, decideAfresh, zones: dropZones, planned };
}

export type { Value };
