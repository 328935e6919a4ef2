/** The demo's closing paragraph: what the newcomer just saw, in plain words, from the report itself. */
import type { InspectReport } from '../report/model.js';

export function explain(report: InspectReport, dir: string): string {
  const cat = report.summary.byCategory;
  const n = (k: keyof typeof cat): number => cat[k] ?? 0;
  return [
    `What this shows: one ordinary-looking drone photo and its video sidecar carry the drone's position`,
    `(${n('location.drone')} findings, in EXIF GPS and again in DJI's XMP), where the pilot stood (${n('location.operator')}: the`,
    `SRT's HOME), the aircraft's serial numbers (${n('identity.device')}) and a hidden thumbnail of the picture`,
    `(${n('imagery.embedded')}). Removing "GPS" with a common tool leaves the XMP copy and the serials behind.`,
    `The action column is what \`airlock scrub\` will do under the default policy (drop, coarsen, keep);`,
    `\`airlock policy init\` writes that policy to edit. Try \`airlock inspect ${dir} --html report.html\` for a`,
    `shareable offline page, or \`--json\` for every finding with its exact byte range.`,
  ].join('\n');
}
