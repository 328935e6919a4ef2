/**
 * Which protected zones a file's positions fall in. Drone and target positions are judged by
 * default; an operator position only where a zone's `roles` names it.
 */
import type { Position } from '../findings/model.js';
import type { Policy, ZoneAction, ZoneRole } from './types.js';
import { inShape } from './zones/geometry.js';

export interface ZoneHit {
  zone: string;
  role: ZoneRole;
  action: ZoneAction;
}

export function zoneHits(positions: { role: ZoneRole; position: Position }[], policy: Policy): ZoneHit[] {
  const hits: ZoneHit[] = [];
  const seen = new Set<string>();
  for (const { role, position } of positions) {
    for (const [z, zone] of policy.zones.entries()) {
      const key = `${role}:${z}`;
      if (seen.has(key)) continue; // a video's thousand frames in one zone are one hit
      if (zone.roles.includes(role) && zone.shapes.some((s) => inShape(s, position))) {
        seen.add(key);
        hits.push({ zone: zone.name, role, action: zone.action });
      }
    }
  }
  return hits;
}
