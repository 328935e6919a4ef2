/**
 * What the app can do, each with the evidence for it: API references in its DEX files, the
 * permissions it asks for, the SDKs it carries and the code it ships to load later. A capability
 * is only claimed with evidence; what the code does at run time is not knowable from the file.
 */
import {
  API_SIGNATURES,
  CAPABILITIES,
  CAPABILITY_LABELS,
  type Capability,
  INSTALL_STRINGS,
} from '../catalog/api-capabilities.js';
import type { Evidence, VetCapability, VetCode, VetPermission, VetSdk } from './model.js';

export interface DexUse {
  /** The DEX file's name in the APK. */
  name: string;
  methods: readonly { cls: string; name: string }[];
  strings: readonly string[];
}

const API_KEYS: ReadonlySet<string> = new Set(API_SIGNATURES.map((s) => `${s.cls}->${s.name}`));
const INSTALL: ReadonlySet<string> = new Set(INSTALL_STRINGS);

/**
 * What a DEX file contributes, kept as soon as it is read: only the catalogued method references
 * and install strings, so a multidex app's hundreds of thousands of strings are not all held.
 */
export function dexUseOf(
  name: string,
  methods: readonly { cls: string; name: string }[],
  strings: readonly string[],
): DexUse {
  return {
    name,
    methods: methods.filter((m) => API_KEYS.has(`${m.cls}->${m.name}`)),
    strings: strings.filter((s) => INSTALL.has(s)),
  };
}

const PERMISSION_CAPABILITY: Readonly<Record<string, Capability>> = {
  'android.permission.REQUEST_INSTALL_PACKAGES': 'install-packages',
  'android.permission.INSTALL_PACKAGES': 'install-packages',
};

/** Evidence kept per capability: enough to check, not every call site. */
const MAX_EVIDENCE = 8;

export function findCapabilities(input: {
  permissions: readonly VetPermission[];
  dex: readonly DexUse[];
  sdks: readonly VetSdk[];
  code: VetCode;
}): VetCapability[] {
  const byKey = new Map<string, Capability>(API_SIGNATURES.map((s) => [`${s.cls}->${s.name}`, s.capability]));
  const found = new Map<Capability, Map<string, Evidence>>();
  const add = (c: Capability, e: Evidence) => {
    let m = found.get(c);
    if (!m) {
      m = new Map();
      found.set(c, m);
    }
    const key = `${e.kind}:${e.what}`;
    if (!m.has(key) && m.size < MAX_EVIDENCE) m.set(key, e);
  };

  for (const p of input.permissions) {
    const c = PERMISSION_CAPABILITY[p.name];
    if (c) add(c, { kind: 'permission', what: p.name, where: 'AndroidManifest.xml' });
  }
  for (const d of input.dex) {
    for (const m of d.methods) {
      const c = byKey.get(`${m.cls}->${m.name}`);
      if (c) add(c, { kind: 'api', what: `${m.cls}->${m.name}`, where: d.name });
    }
    for (const s of d.strings)
      if (INSTALL.has(s)) add('install-packages', { kind: 'string', what: s, where: d.name });
  }
  for (const s of input.sdks)
    if (s.purposes.includes('hot-patch')) add('dynamic-code', { kind: 'sdk', what: s.name });
  for (const lib of input.code.nativeLibs)
    add('native-code', { kind: 'entry', what: `lib/${lib.abi}/${lib.name}` });
  for (const e of input.code.embedded)
    add(e.kind === 'so' ? 'native-code' : 'dynamic-code', { kind: 'entry', what: `${e.entry} (${e.kind})` });

  return CAPABILITIES.filter((c) => found.has(c)).map((id) => ({
    id,
    label: CAPABILITY_LABELS[id],
    evidence: [...found.get(id)!.values()],
  }));
}
