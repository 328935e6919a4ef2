/** The policy: airlock.yaml's schema, loader, defaults, profiles, media decisions and zones. */
export { DEFAULT_POLICY_YAML } from './default-yaml.js';
export { defaultPolicy } from './defaults.js';
export {
  type ConnectionRequest,
  type DnsDecision,
  EgressGate,
  type OpenDecision,
  REASONS,
  type ReasonCode,
  type UnlockWindow,
  type UpstreamDecision,
} from './egress/index.js';
export { policyHash } from './hash.js';
export { loadPolicyFile, parsePolicy } from './load.js';
export { type MediaDecision, mediaAction } from './media-action.js';
export { PROFILE_MEDIA } from './profiles.js';
export { type PolicyFile, PolicySchema } from './schema.js';
export type {
  AllowEntry,
  LocationRule,
  MediaPolicy,
  NetworkPolicy,
  Policy,
  ProfileName,
  Shape,
  Zone,
  ZoneAction,
  ZoneRole,
} from './types.js';
export { type ZoneHit, zoneHits } from './zone-hits.js';
export { haversineMetres, inShape } from './zones/geometry.js';
