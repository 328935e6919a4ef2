/**
 * Why a release needs a person's review before it is installed: what a drone programme's
 * approval must answer for. An empty list means nothing here asks for it; it is not a clearance.
 */
import type { VetReport } from './model.js';
import { partsRead } from './parts-read.js';

export function reviewReasons(r: VetReport): string[] {
  // Nothing else was looked at: no signature "could not be read" when no file was.
  const read = partsRead(r);
  if (!read.archive) return [read.file ? 'it could not be read as an APK' : 'the file could not be read'];
  const out: string[] = [];
  if (!r.signing) out.push('its signature could not be read');
  else if (!r.signing.verified) out.push('its signature does not verify');
  const prefix = prefixReason(r);
  if (prefix) out.push(prefix);
  if (r.app.debuggable) out.push('it is a debuggable build');
  for (const c of r.capabilities)
    if (c.id === 'dynamic-code' || c.id === 'install-packages') out.push(`it ${c.label}`);
  const blocked = r.hosts.filter((h) => h.policy.verdict === 'block').length;
  if (blocked > 0) out.push(`it names ${blocked} host${blocked === 1 ? '' : 's'} the policy would block`);
  const cleartext = r.hosts.filter((h) => h.cleartext).length;
  if (cleartext > 0) out.push(`it names ${cleartext} host${cleartext === 1 ? '' : 's'} over cleartext http`);
  return out;
}

/**
 * Bytes before the first entry ask for review when no signature covers them (anyone could have
 * put them there after signing, and the signature still verifies) or when they are a DEX file:
 * Android 5.0 to 8.0 without the December 2017 fix run that instead of the classes.dex vetted
 * here, whoever signed it. Like a signature that does not verify, it is about the file, not the
 * app, so an approved release carrying it too does not excuse it (diff.ts).
 */
export function prefixReason(r: VetReport): string | undefined {
  const p = r.prefix;
  if (!p || (p.signed && !p.dex)) return undefined;
  const what = `${p.bytes} byte${p.bytes === 1 ? '' : 's'} before its first entry`;
  const unsigned = p.signed ? '' : ', covered by no signature,';
  return p.dex
    ? `${what} hold a DEX file${unsigned} that Android 5.0 to 8.0 may run instead of its own code (Janus, CVE-2017-13156)`
    : `${what} are covered by no signature`;
}
