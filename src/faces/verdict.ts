/**
 * What the policy's faces rule makes of a look at one file: nothing, withhold it, or mask its
 * faces. One answer for inspect (what scrub will do) and scrub (what it does). Pure.
 */
import type { FacesRule } from '../policy/types.js';
import { withholdReason } from './findings.js';
import type { FaceLook } from './look.js';
import type { Detection } from './scan.js';

export type FaceVerdict =
  /** The rule decides nothing here: faces kept, or none found in a picture that was looked at. */
  { kind: 'pass' } | { kind: 'withhold'; detail: string } | { kind: 'mask'; faces: Detection[] };

/**
 * `keepsPreviews`: the copy would keep a thumbnail or preview of the picture (imagery.embedded:
 * keep, and the file has one). `maskProblem`: why this file's faces cannot be masked (its
 * format, an arithmetic-coded JPEG…), undefined when they can; asked only under `mask` when faces
 * were found.
 */
export function faceVerdict(
  look: FaceLook,
  rule: FacesRule,
  keepsPreviews: boolean,
  maskProblem: () => string | undefined,
): FaceVerdict {
  if (rule === 'keep') return { kind: 'pass' };
  const why = withholdReason(look);
  if (why === undefined) return { kind: 'pass' };
  if (rule === 'withhold' || look.kind !== 'looked') return { kind: 'withhold', detail: why };
  // A thumbnail or preview kept beside the masked picture would show the face unmasked.
  if (keepsPreviews)
    return {
      kind: 'withhold',
      detail: `${why}, and the policy keeps the picture's previews (imagery.embedded: keep), which would show it unmasked`,
    };
  const problem = maskProblem();
  return problem === undefined
    ? { kind: 'mask', faces: look.faces }
    : { kind: 'withhold', detail: `${why}, and it cannot be masked: ${problem}` };
}
