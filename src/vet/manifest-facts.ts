/**
 * The manifest model read into the report's terms: the app's facts (with unresolved references
 * left out, not guessed), its permissions labelled from the catalog, and the components other
 * apps can start.
 */
import { PERMISSIONS } from '../catalog/permissions.js';
import type { Manifest, Ref } from './axml/index.js';
import type { VetApp, VetComponent, VetPermission } from './model.js';

/** A value the resource table could not resolve ('@0x7f…') is left out: unknown, not false. */
const known = <T>(v: T | Ref | undefined): T | undefined =>
  typeof v === 'string' && v.startsWith('@0x') ? undefined : (v as T | undefined);

export function appOf(m: Manifest): VetApp {
  const a = m.application;
  const app: VetApp = {};
  const set = <K extends keyof VetApp>(k: K, v: VetApp[K] | undefined) => {
    if (v !== undefined) app[k] = v;
  };
  set('package', m.package);
  set('versionCode', m.versionCode);
  set('versionName', known(m.versionName));
  set('minSdk', m.minSdk);
  set('targetSdk', m.targetSdk);
  set('debuggable', known(a?.debuggable));
  set('allowBackup', known(a?.allowBackup));
  set('usesCleartextTraffic', known(a?.usesCleartextTraffic));
  set('networkSecurityConfig', a?.networkSecurityConfig !== undefined);
  return app;
}

export function permissionsOf(m: Manifest): VetPermission[] {
  const seen = new Map<string, VetPermission>();
  for (const p of m.usesPermissions) {
    if (seen.has(p.name)) continue;
    const info = PERMISSIONS.get(p.name);
    seen.set(p.name, {
      name: p.name,
      ...(p.implied !== undefined ? { implied: p.implied } : {}),
      ...(p.maxSdkVersion !== undefined ? { maxSdkVersion: p.maxSdkVersion } : {}),
      ...(info ? { concern: info.concern, protection: info.protection, label: info.label } : {}),
    });
  }
  return [...seen.values()];
}

export function exportedOf(m: Manifest): VetComponent[] {
  return m.components
    .filter((c) => c.exported)
    .map((c) => ({
      kind: c.kind,
      name: c.name,
      ...(c.permission !== undefined ? { permission: c.permission } : {}),
      actions: [...c.actions],
    }));
}
