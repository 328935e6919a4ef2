/**
 * The demo's before/after: per kit file, its sensitive findings before scrub and in the clean
 * copy (re-inspected, not the scrubber's word), and each position next to what left.
 */
import { basename } from 'node:path';
import { isSensitive, type Position } from '../findings/model.js';
import type { FileReport, InspectReport } from '../report/model.js';
import type { ManifestRecord } from '../scrub/manifest.js';

const ROLES = [
  ['location.drone', 'drone position'],
  ['location.operator', 'pilot position (HOME)'],
  ['location.target', 'target position'],
] as const;

const sensitive = (f: FileReport | undefined): number =>
  f ? f.findings.filter((x) => isSensitive(x.category)).length : 0;

/** What is left, by category: 'location.drone 4, camera.model 3'. */
function tally(f: FileReport): string {
  const n = new Map<string, number>();
  for (const x of f.findings) if (isSensitive(x.category)) n.set(x.category, (n.get(x.category) ?? 0) + 1);
  return [...n].map(([c, k]) => `${c} ${k}`).join(', ');
}

const fmt = (p: Position): string =>
  `${p.lat.toFixed(7)}, ${p.lon.toFixed(7)}${p.alt === undefined ? '' : `, ${p.alt} m`}`;

/** The first position of a category in a file (frame 1 of an SRT, the EXIF fix of a still). */
function firstPosition(f: FileReport | undefined, category: string): Position | undefined {
  for (const x of f?.findings ?? [])
    if (x.category === category && x.value.kind === 'position') return x.value.position;
  return undefined;
}

export function beforeAfter(
  before: InspectReport,
  after: InspectReport,
  records: readonly ManifestRecord[],
  cleanDir: string,
): string {
  const afterByName = new Map(after.files.map((f) => [basename(f.path), f]));
  const lines = [`Scrubbed under the default policy into ${cleanDir} (what left, re-inspected):`];
  const width = Math.max(...before.files.map((f) => basename(f.path).length));
  for (const b of before.files) {
    const name = basename(b.path);
    const rec = records.find((r) => basename(r.input) === name);
    const label = `  ${name.padEnd(width)}  `;
    if (!rec || rec.status === 'withheld') {
      lines.push(`${label}withheld: ${rec?.withheld?.detail ?? 'not scrubbed'}`);
      continue;
    }
    const a = afterByName.get(name);
    if (rec.status !== 'clean' || !a) {
      lines.push(`${label}FAILED: ${rec.error ?? rec.status}`);
      continue;
    }
    const left = tally(a);
    lines.push(
      `${label}${sensitive(b)} findings → ${sensitive(a)} in the clean copy${left ? ` (what the policy lets out: ${left})` : ''}`,
    );
    for (const [category, what] of ROLES) {
      const was = firstPosition(b, category);
      if (!was) continue;
      const now = firstPosition(a, category);
      lines.push(`    ${what}: ${fmt(was)} → ${now ? `${fmt(now)} (1 km grid cell centre)` : 'removed'}`);
    }
  }
  return lines.join('\n');
}
