/**
 * Application components (<activity>, <activity-alias>, <service>, <receiver>, <provider>) with
 * what Android decides about them: the fully qualified class, and whether other apps may start
 * them (android:exported, else the default for the kind and the target SDK).
 */

import { attrBool, attrString } from './attr-read.js';
import type { Component, ComponentKind } from './manifest-types.js';
import type { AxmlElement } from './types.js';
import type { Warnings } from './warnings.js';

const KINDS: ReadonlySet<string> = new Set(['activity', 'activity-alias', 'service', 'receiver', 'provider']);
/** Android 12: components with intent filters must say android:exported, or the install fails. */
const EXPORTED_REQUIRED_FROM_SDK = 31;
/** Android 4.2: providers stopped being exported by default. */
const PROVIDER_PRIVATE_FROM_SDK = 17;

/** Android's buildClassName: '.Foo' and 'Foo' belong to the package, 'a.b.Foo' stands alone. */
export function className(pkg: string | undefined, name: string): string {
  if (name.startsWith('.')) return `${pkg ?? ''}${name}`;
  if (!name.includes('.')) return pkg ? `${pkg}.${name}` : name;
  return name;
}

export function readComponents(
  app: AxmlElement,
  pkg: string | undefined,
  targetSdk: number,
  w: Warnings,
): Component[] {
  const out: Component[] = [];
  for (const el of app.children) {
    if (!KINDS.has(el.name)) continue;
    const kind = el.name as ComponentKind;
    const rawName = attrString(el, 'name');
    if (rawName === undefined || rawName === '') {
      w.add(
        'manifest-component-name',
        el.offset,
        `<${kind}> without android:name (Android refuses the package)`,
      );
      continue;
    }
    const filters = el.children.filter((c) => c.name === 'intent-filter');
    const actions: string[] = [];
    const categories: string[] = [];
    for (const f of filters)
      for (const c of f.children) {
        const n = attrString(c, 'name');
        if (n === undefined) continue;
        if (c.name === 'action') actions.push(n);
        else if (c.name === 'category') categories.push(n);
      }
    const declared = attrBool(el, 'exported');
    const explicit = typeof declared === 'boolean';
    const byDefault = kind === 'provider' ? targetSdk < PROVIDER_PRIVATE_FROM_SDK : filters.length > 0;
    if (!explicit && filters.length > 0 && kind !== 'provider' && targetSdk >= EXPORTED_REQUIRED_FROM_SDK)
      w.add(
        'manifest-exported-missing',
        el.offset,
        `<${kind}> ${rawName} has intent filters but no android:exported (Android 12+ refuses the install)`,
      );
    const enabled = attrBool(el, 'enabled');
    const c: Component = {
      kind,
      name: className(pkg, rawName),
      exported: explicit ? (declared as boolean) : byDefault,
      exportedExplicit: explicit,
      enabled: enabled !== false,
      actions,
      categories,
      intentFilters: filters.length,
    };
    const opt = (key: 'permission' | 'readPermission' | 'writePermission' | 'authorities') => {
      const v = attrString(el, key);
      if (v !== undefined) c[key] = v;
    };
    opt('permission');
    if (kind === 'provider') {
      opt('readPermission');
      opt('writePermission');
      opt('authorities');
    }
    if (kind === 'activity-alias') {
      const t = attrString(el, 'targetActivity');
      if (t !== undefined) c.targetActivity = className(pkg, t);
    }
    out.push(c);
  }
  return out;
}
