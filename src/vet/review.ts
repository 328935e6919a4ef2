/**
 * Why a release needs a person's review before it is installed: what a drone programme's
 * approval must answer for. An empty list means nothing here asks for it; it is not a clearance.
 */
import type { VetReport } from './model.js';

export function reviewReasons(r: VetReport): string[] {
  const out: string[] = [];
  if (!r.signing) out.push('its signature could not be read');
  else if (!r.signing.verified) out.push('its signature does not verify');
  if (r.app.debuggable) out.push('it is a debuggable build');
  for (const c of r.capabilities)
    if (c.id === 'dynamic-code' || c.id === 'install-packages') out.push(`it ${c.label}`);
  const blocked = r.hosts.filter((h) => h.policy.verdict === 'block').length;
  if (blocked > 0) out.push(`it names ${blocked} host${blocked === 1 ? '' : 's'} the policy would block`);
  const cleartext = r.hosts.filter((h) => h.cleartext).length;
  if (cleartext > 0) out.push(`it names ${cleartext} host${cleartext === 1 ? '' : 's'} over cleartext http`);
  return out;
}
