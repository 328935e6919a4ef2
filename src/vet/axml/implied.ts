/**
 * Permissions an app holds without naming them, exactly as `aapt dump badging` reports them
 * (uses-implied-permission): old target SDKs were granted storage and phone state, write storage
 * brings read storage, and pre-Jelly Bean contacts access brings the call log. Android's own
 * split-permission list adds more on newer releases (e.g. background location below SDK 29);
 * aapt's rules are the ones F-Droid and most tooling print, so they are the ones here.
 */
import type { UsesPermission } from './manifest-types.js';

const P = 'android.permission.';

export function impliedPermissions(declared: readonly UsesPermission[], targetSdk: number): UsesPermission[] {
  // aapt only counts <uses-permission> (not -sdk-23) towards these rules.
  const plain = declared.filter((p) => !p.sdk23);
  const has = (n: string): boolean => plain.some((p) => p.name === P + n);
  const out: UsesPermission[] = [];
  let hasWrite = has('WRITE_EXTERNAL_STORAGE');
  const writeMax = plain.find((p) => p.name === `${P}WRITE_EXTERNAL_STORAGE`)?.maxSdkVersion;
  if (targetSdk < 4) {
    if (!hasWrite) {
      out.push({ name: `${P}WRITE_EXTERNAL_STORAGE`, implied: 'targetSdkVersion < 4' });
      hasWrite = true;
    }
    if (!has('READ_PHONE_STATE')) out.push({ name: `${P}READ_PHONE_STATE`, implied: 'targetSdkVersion < 4' });
  }
  if (hasWrite && !has('READ_EXTERNAL_STORAGE'))
    out.push({
      name: `${P}READ_EXTERNAL_STORAGE`,
      ...(writeMax !== undefined && { maxSdkVersion: writeMax }),
      implied: 'requested WRITE_EXTERNAL_STORAGE',
    });
  if (targetSdk < 16) {
    if (has('READ_CONTACTS') && !has('READ_CALL_LOG'))
      out.push({ name: `${P}READ_CALL_LOG`, implied: 'targetSdkVersion < 16 and requested READ_CONTACTS' });
    if (has('WRITE_CONTACTS') && !has('WRITE_CALL_LOG'))
      out.push({ name: `${P}WRITE_CALL_LOG`, implied: 'targetSdkVersion < 16 and requested WRITE_CONTACTS' });
  }
  return out;
}
