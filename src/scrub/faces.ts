/**
 * Scrub's faces step, between the plan and the rewrite: under `faces: withhold` or `mask`, look
 * at the file's picture; withhold it, or mask its faces and hand back the masked bytes for the
 * rewrite to clean as if they were the input (the rewriter's image-data hashes are then those of
 * the masked picture, which the copy holds unchanged). A masked picture is looked at again: a
 * face still found there withholds the file.
 */

import { asAirlockError } from '../core/errors.js';
import { faceFindings, withholdReason } from '../faces/findings.js';
import { holdsPictures, lookForFaces } from '../faces/look.js';
import { formatProblem, maskJpeg } from '../faces/mask-jpeg.js';
import { faceVerdict } from '../faces/verdict.js';
import type { MediaPolicy } from '../policy/types.js';
import { type FindingRecord, findingRecords } from './manifest.js';
import type { FilePlan } from './plan.js';

export type FacesStep =
  /** Nothing for the rule to do: the rewrite goes on as planned. */
  | { kind: 'pass' }
  | { kind: 'withhold'; plan: FilePlan; findings: FindingRecord[] }
  /** The input with its faces masked, to be analysed and cleaned instead of the original. */
  | { kind: 'masked'; bytes: Uint8Array; note: string; findings: FindingRecord[] };

/**
 * `input`: the file's bytes when they are in memory, else its path (a video is never read here:
 * it cannot be looked into); `read` gives the bytes when a mask needs them.
 */
export async function facesStep(
  plan: FilePlan,
  input: Uint8Array | string,
  read: () => Uint8Array,
  name: string,
  media: MediaPolicy,
): Promise<FacesStep> {
  if (media.faces === 'keep' || !holdsPictures(plan.format)) return { kind: 'pass' };
  const look = await lookForFaces(input, name, plan.format);
  const records = findingRecords(
    faceFindings(look).map((finding) => ({ finding, decision: { action: 'drop' } })),
  );
  const withhold = (detail: string): FacesStep => ({
    kind: 'withhold',
    plan: { kind: 'withhold', why: 'faces', detail, format: plan.format, zones: [] },
    findings: records,
  });
  const keepsPreviews =
    plan.kind === 'rewrite' &&
    plan.planned.some((p) => p.finding.category === 'imagery.embedded' && p.decision.action !== 'drop');
  // Only the format is asked here: whether the codec reads this JPEG, maskJpeg says by throwing,
  // so its coefficients are decoded once.
  const verdict = faceVerdict(look, media.faces, keepsPreviews, () => formatProblem(plan.format));
  if (verdict.kind === 'pass') return { kind: 'pass' };
  if (verdict.kind === 'withhold') return withhold(verdict.detail);
  let masked: ReturnType<typeof maskJpeg>;
  try {
    masked = maskJpeg(read(), verdict.faces, name);
  } catch (err) {
    return withhold(
      `${withholdReason(look)}, and it cannot be masked: ${asAirlockError(err, name).describe(false)}`,
    );
  }
  // Verified: the masked picture is looked at again; any face there withholds the file.
  const again = await lookForFaces(masked.bytes, name, plan.format);
  const still = withholdReason(again);
  if (still !== undefined)
    return withhold(`faces masked, but ${still.replace(/^a face is/, 'a face is still')}`);
  const regions = masked.regions.map((r) => `${r.width}×${r.height}+${r.x}+${r.y}`).join(', ');
  return {
    kind: 'masked',
    bytes: masked.bytes,
    note: `faces masked: ${verdict.faces.length === 1 ? 'a face' : `${verdict.faces.length} faces`} made a flat patch (${regions}; ${masked.blocks} blocks of 8×8); every other block of the picture as it was; looked at again: no face found`,
    findings: records,
  };
}
