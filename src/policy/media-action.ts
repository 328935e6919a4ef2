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

/** A GPSAltitudeRef, GPSLatitudeRef…: a sign, not a position; it follows the value it qualifies. */
const isReference = (tag: string): boolean => /Ref$/.test(tag);
const isAltitude = (tag: string): boolean => /alt(itude)?\b|Altitude|AbsAlt|RelAlt|(^|[_.])alt/i.test(tag);
const onGlobe = (p: { lat: number; lon: number }): boolean => Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180;

/**
 * What `coarsen: metres` makes of a location finding: a position snaps to the grid, an altitude
 * (a number) rounds to 100 m, a reference follows its value. Anything else has no value on the
 * grid (a lone coordinate, an altitude written as text, a distance from home, a position off the
 * globe, whose cell does not exist), so it goes: `undefined`. Inspect and scrub both ask this.
 */
export function coarsenedAs(f: Finding): 'position' | 'altitude' | 'reference' | undefined {
  const v = f.value;
  if (v.kind === 'position') return onGlobe(v.position) ? 'position' : undefined;
  if (isReference(f.tag)) return 'reference';
  if (v.kind === 'number' && isAltitude(f.tag)) return 'altitude';
  return undefined;
}

function location(rule: LocationRule, f: Finding): MediaDecision {
  if (rule.action !== 'coarsen') return { action: rule.action };
  if (coarsenedAs(f) === undefined)
    return { action: 'drop', reason: `coarsen: ${rule.metres} m grid has no value for it, so it goes` };
  return { action: 'coarsen', reason: `coarsened to ${rule.metres} m` };
}

export function mediaAction(f: Finding, policy: Policy): MediaDecision {
  const m = policy.media;
  const category: Category = f.category;
  switch (category) {
    case 'location.drone':
      return location(m.location.drone, f);
    case 'location.operator':
      return location(m.location.operator, f);
    case 'location.target':
      return location(m.location.target, f);
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
