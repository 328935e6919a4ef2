/** The egress decision core shared by audit and gateway. */
export { type AddressClass, classifyIp, parseIp } from './address.js';
export { DEFAULT_ALLOW_PORTS, EgressGate, type RecordedCharge } from './gate.js';
export { HOUR_MS } from './ledger.js';
export { matchesPattern, mostSpecific, normalizeName } from './names.js';
export {
  type ConnectionRequest,
  type DnsDecision,
  type NameDecision,
  type NamedConnectionRequest,
  type OpenDecision,
  REASONS,
  type ReasonCode,
  type UnlockWindow,
  type UpstreamDecision,
} from './types.js';
export { unnamedClaim, unnamedClaims } from './unnamed-claim.js';
