/**
 * AndroidManifest.xml's tree read into the manifest model, the way Android's package parser and
 * `aapt dump badging` read it: elements by name at their place (uses-permission directly under
 * manifest, components directly under application), android:* attributes by resource ID.
 */
import type { ResourceTable } from './arsc.js';
import { attrBool, attrInt, attrRef, attrString, plainAttr } from './attr-read.js';
import { className, readComponents } from './components.js';
import { impliedPermissions } from './implied.js';
import type {
  Application,
  DeclaredPermission,
  Manifest,
  Ref,
  UsesFeature,
  UsesLibrary,
  UsesPermission,
} from './manifest-types.js';
import { protectionNames } from './protection.js';
import type { AxmlElement } from './types.js';
import { Warnings } from './warnings.js';

/** Android's SDK value for an unreleased (codename) platform: CUR_DEVELOPMENT. */
const CODENAME_SDK = 10000;
/** Android 9: cleartext traffic stopped being allowed by default. */
const CLEARTEXT_OFF_FROM_SDK = 28;

/**
 * The manifest model. With the APK's resource table, references in versionName, the application
 * label and the application flags resolve to their values (as aapt prints them); without it, or
 * where the table lacks them, they stay Refs.
 */
export function readManifest(root: AxmlElement, resources?: ResourceTable): Manifest {
  const w = new Warnings();
  const res = resolver(resources);
  if (root.name !== 'manifest')
    w.add('manifest-root', root.offset, `root element is <${root.name}>, not <manifest>`);
  const pkg = plainAttr(root, 'package');
  if (pkg === undefined) w.add('manifest-package', root.offset, 'no package attribute');
  const kids = (name: string): AxmlElement[] => root.children.filter((c) => c.name === name);

  const sdk = readSdk(kids('uses-sdk'));
  const declared: UsesPermission[] = [];
  for (const el of root.children) {
    const sdk23 = el.name === 'uses-permission-sdk-23' || el.name === 'uses-permission-sdk-m';
    if (el.name !== 'uses-permission' && !sdk23) continue;
    const name = attrString(el, 'name');
    if (name === undefined || name === '') {
      w.add('manifest-permission-name', el.offset, `<${el.name}> without android:name`);
      continue;
    }
    const max = attrInt(el, 'maxSdkVersion');
    declared.push({
      name,
      ...(max !== undefined && { maxSdkVersion: max }),
      ...(sdk23 && { sdk23: true as const }),
      ...(!sdk23 && attrInt(el, 'required') === 0 && { optional: true as const }),
    });
  }
  // aapt's rules take the larger of min and target (its targetSdk starts at 0: no <uses-sdk> implies).
  const aaptTarget = Math.max(
    sdk.minSdk ?? 0,
    sdk.targetSdk ?? 0,
    sdk.minSdkCodename || sdk.targetSdkCodename ? CODENAME_SDK : 0,
  );
  const usesPermissions = [...declared, ...impliedPermissions(declared, aaptTarget)];

  const permissionsDeclared: DeclaredPermission[] = kids('permission').flatMap((el) => {
    const name = attrString(el, 'name');
    if (name === undefined) return [];
    const level = attrInt(el, 'protectionLevel') ?? 0;
    return [{ name, protectionLevel: level, protection: protectionNames(level) }];
  });
  const usesFeatures: UsesFeature[] = kids('uses-feature').map((el) => {
    const name = attrString(el, 'name');
    const gl = attrInt(el, 'glEsVersion');
    return {
      ...(name !== undefined && { name }),
      ...(gl !== undefined && { glEsVersion: gl }),
      required: attrBool(el, 'required') !== false,
    };
  });

  const apps = kids('application');
  if (apps.length > 1)
    w.add(
      'manifest-applications',
      apps[1]!.offset,
      `${apps.length} <application> elements: the first is read`,
    );
  const appEl = apps[0];
  const usesLibraries: UsesLibrary[] = (appEl?.children ?? [])
    .filter((c) => c.name === 'uses-library')
    .flatMap((el) => {
      const name = attrString(el, 'name');
      return name === undefined ? [] : [{ name, required: attrBool(el, 'required') !== false }];
    });

  const { effective, ...declaredSdk } = sdk;
  const out: Manifest = {
    ...(pkg !== undefined && { package: pkg }),
    ...declaredSdk,
    effectiveTargetSdk: effective,
    usesPermissions,
    permissionsDeclared,
    ...(appEl && { application: readApplication(appEl, pkg, effective, res) }),
    components: appEl ? readComponents(appEl, pkg, effective, w) : [],
    usesFeatures,
    usesLibraries,
    warnings: [],
  };
  const versionCode = attrInt(root, 'versionCode');
  if (versionCode !== undefined) out.versionCode = versionCode;
  const versionName = res.text(attrString(root, 'versionName'));
  if (versionName !== undefined) out.versionName = versionName;
  const sharedUserId = attrString(root, 'sharedUserId');
  if (sharedUserId !== undefined) out.sharedUserId = sharedUserId;
  out.warnings = w.done();
  return out;
}

interface Sdk {
  minSdk?: number;
  minSdkCodename?: string;
  targetSdk?: number;
  targetSdkCodename?: string;
  maxSdk?: number;
  effective: number;
}

/** <uses-sdk>: an integer or a codename string each; Android's target falls back to min, then 1. */
function readSdk(els: AxmlElement[]): Sdk {
  const el = els[0];
  const out: Sdk = { effective: 1 };
  if (!el) return out;
  const num = (name: string): number | string | undefined => attrInt(el, name) ?? attrString(el, name);
  const min = num('minSdkVersion');
  const target = num('targetSdkVersion');
  const max = attrInt(el, 'maxSdkVersion');
  if (typeof min === 'number') out.minSdk = min;
  else if (min !== undefined) out.minSdkCodename = min;
  if (typeof target === 'number') out.targetSdk = target;
  else if (target !== undefined) out.targetSdkCodename = target;
  if (max !== undefined) out.maxSdk = max;
  const level = (v: number | string | undefined): number | undefined =>
    typeof v === 'number' ? v : v !== undefined ? CODENAME_SDK : undefined;
  out.effective = level(target) ?? level(min) ?? 1;
  return out;
}

interface Resolver {
  text(v: string | Ref | undefined): string | Ref | undefined;
  bool(v: boolean | Ref | undefined): boolean | Ref | undefined;
}

const isRef = (v: unknown): v is Ref => typeof v === 'string' && v.startsWith('@0x');

function resolver(table: ResourceTable | undefined): Resolver {
  const look = (v: Ref) => (table ? table.resolve(Number.parseInt(v.slice(1), 16)) : undefined);
  return {
    text(v) {
      if (!isRef(v)) return v;
      const r = look(v);
      return r && r.value !== null && r.type !== 'reference' ? String(r.value) : v;
    },
    bool(v) {
      if (!isRef(v)) return v;
      const r = look(v);
      return r && typeof r.value === 'boolean' ? r.value : v;
    },
  };
}

function readApplication(
  el: AxmlElement,
  pkg: string | undefined,
  targetSdk: number,
  res: Resolver,
): Application {
  const defaulted: string[] = [];
  const flag = (name: 'debuggable' | 'allowBackup' | 'usesCleartextTraffic', dflt: boolean) => {
    const v = res.bool(attrBool(el, name));
    if (v !== undefined) return v;
    defaulted.push(name);
    return dflt;
  };
  const name = attrString(el, 'name');
  const label = res.text(attrString(el, 'label'));
  const nsc = attrRef(el, 'networkSecurityConfig');
  return {
    ...(name !== undefined && { name: className(pkg, name) }),
    ...(label !== undefined && { label }),
    debuggable: flag('debuggable', false),
    allowBackup: flag('allowBackup', true),
    usesCleartextTraffic: flag('usesCleartextTraffic', targetSdk < CLEARTEXT_OFF_FROM_SDK),
    ...(nsc !== undefined && { networkSecurityConfig: nsc }),
    testOnly: attrBool(el, 'testOnly') === true,
    defaulted,
  };
}
