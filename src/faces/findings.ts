/** What a look for faces reports into the one findings model: one 'face' finding per face found. */
import type { Finding } from '../findings/model.js';
import type { FaceLook } from './look.js';

/** The container path of a face: the main picture, not a thumbnail or preview (those are imagery.embedded). */
const PICTURE_PATH = ['picture'];

export function faceFindings(look: FaceLook): Finding[] {
  if (look.kind !== 'looked') return [];
  return look.faces.map((f) => ({
    category: 'face',
    tag: 'Face',
    path: PICTURE_PATH,
    ranges: [],
    value: { kind: 'region', x: f.x, y: f.y, width: f.width, height: f.height, score: f.score },
  }));
}

/** One line on why a look decides a file's fate under `faces: withhold`, or undefined if it does not. */
export function withholdReason(look: FaceLook): string | undefined {
  switch (look.kind) {
    case 'none':
      return undefined;
    case 'looked':
      if (look.faces.length === 0) return undefined;
      return look.faces.length === 1
        ? `a face is in the picture at ${boxText(look.faces[0])}`
        : `${look.faces.length} faces are in the picture, the first at ${boxText(look.faces[0])}`;
    case 'cannot':
      return look.detail;
    case 'failed':
      return `faces could not be looked for: ${look.error.describe(false)}`;
  }
}

const boxText = (b: { x: number; y: number; width: number; height: number } | undefined): string =>
  b ? `${b.width}×${b.height}+${b.x}+${b.y}` : '?';
