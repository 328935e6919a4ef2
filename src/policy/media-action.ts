/**
 * What scrub will do with one finding, and what inspect prints beside it. Each category has
 * its control; 'display' is always kept (the picture must still show right); 'other' and
 * 'opaque' are dropped unless the media `keep` list names their tag. The keep list reaches
 * only those two: a broad glob can never undo a control such as identity.device: drop.
 *
 * Keep-list patterns match the whole tag, case-sensitively; '*' stands for any run of
 * characters: 'ICC_Profile' (exact), 'exif:*' (a prefix), 'APP4*' ('APP4', 'APP4 DJI'…).
 */
import type { Action, Category, Finding } from '../findings/model.js';
import type { LocationRule, Policy } from './types.js';

export interface MediaDecision {
  action: Action;
  reason?: string;
}

const globCache = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 's');
    globCache.set(pattern, re);
  }
  return re;
}

/** The first keep-list pattern that names `tag`, if any. */
export const keptBy = (tag: string, keep: readonly string[]): string | undefined =>
  keep.find((p) => (p.includes('*') ? glob(p).test(tag) : p === tag));

const location = (rule: LocationRule): MediaDecision =>
  rule.action === 'coarsen'
    ? { action: 'coarsen', reason: `coarsened to ${rule.metres} m` }
    : { action: rule.action };

export function mediaAction(f: Finding, policy: Policy): MediaDecision {
  const m = policy.media;
  const category: Category = f.category;
  switch (category) {
    case 'location.drone':
      return location(m.location.drone);
    case 'location.operator':
      return location(m.location.operator);
    case 'location.target':
      return location(m.location.target);
    case 'location.text':
      return { action: m.location.text };
    case 'infrastructure':
      return { action: m.identity.infrastructure };
    case 'identity.device':
      return { action: m.identity.device };
    case 'identity.person':
      return { action: m.identity.person };
    case 'camera.model':
      return { action: m.camera.model };
    case 'camera.calibration':
      return { action: m.camera.calibration };
    case 'time':
      return { action: m.time };
    case 'attitude':
      return { action: m.attitude };
    case 'imagery.embedded':
      return { action: m.imagery.embedded };
    case 'imagery.thermal':
      return { action: m.imagery.thermal };
    case 'face':
      return m.faces === 'withhold'
        ? { action: 'withhold', reason: 'a face is in the picture: the file is withheld' }
        : m.faces === 'mask'
          ? {
              action: 'mask',
              reason: 'masked: a flat patch over the face, the rest of the picture as it was',
            }
          : { action: 'keep', reason: 'faces: keep' };
    case 'display':
      return { action: 'keep', reason: 'needed to display the picture' };
    case 'opaque':
    case 'other': {
      const by = keptBy(f.tag, m.keep);
      return by !== undefined
        ? { action: 'keep', reason: `keep list: ${by}` }
        : { action: 'drop', reason: 'not in the keep list' };
    }
  }
}
