/**
 * The manifest model's rules (Android's, documented in PackageParser / ParsingPackageUtils and
 * aapt's Main.cpp) on hand-made documents, and hostile-input regressions named for what they prove.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AxmlDocument,
  parseAxml,
  readManifest,
  readNetworkSecurityConfig,
} from '../../src/vet/axml/index.js';
import { readStringPool } from '../../src/vet/axml/string-pool.js';
import { Warnings } from '../../src/vet/axml/warnings.js';
import { CORPUS } from '../helpers/corpus.js';
import { thrown } from '../helpers/thrown.js';
import { unzipManifest } from './axml-aapt.js';
import { ANDROID, type BAttr, type BElement, buildAxml, pool } from './axml-build.js';

const ID = {
  name: 0x01010003,
  exported: 0x01010010,
  targetSdk: 0x01010270,
  minSdk: 0x0101020c,
  debuggable: 0x0101000f,
};
const aName = (v: string): BAttr => ({ name: 'name', ns: ANDROID, id: ID.name, str: v });
const bool = (name: keyof typeof ID, v: boolean): BAttr => ({
  name,
  ns: ANDROID,
  id: ID[name],
  type: 0x12,
  data: v ? 0xffffffff : 0,
});
const int = (name: keyof typeof ID, v: number): BAttr => ({
  name,
  ns: ANDROID,
  id: ID[name],
  type: 0x10,
  data: v,
});
const perm = (n: string): BElement => ({
  name: 'uses-permission',
  attrs: [aName(`android.permission.${n}`)],
});

function manifest(children: BElement[], target?: number, pkg = 'org.example.app') {
  const sdk: BElement = { name: 'uses-sdk', attrs: target === undefined ? [] : [int('targetSdk', target)] };
  const doc = parseAxml(
    buildAxml({ name: 'manifest', attrs: [{ name: 'package', str: pkg }], children: [sdk, ...children] }),
  );
  expect(doc.warnings).toEqual([]);
  return readManifest(doc.root);
}

describe('attribute names by resource ID, as Android reads them', () => {
  it('a masked pool name with android:name’s resource ID is android:name', () => {
    const m = manifest(
      [{ name: 'uses-permission', attrs: [{ name: 'zz', id: ID.name, str: 'android.permission.CAMERA' }] }],
      30,
    );
    expect(m.usesPermissions.map((p) => p.name)).toEqual(['android.permission.CAMERA']);
  });
  it('a decoy "android:name" without the resource ID is not read (Android ignores it too)', () => {
    const doc = parseAxml(
      buildAxml({
        name: 'manifest',
        attrs: [{ name: 'package', str: 'p' }],
        children: [
          {
            name: 'uses-permission',
            attrs: [{ name: 'name', ns: ANDROID, str: 'android.permission.CAMERA' }],
          },
        ],
      }),
    );
    const m = readManifest(doc.root);
    expect(m.usesPermissions).toEqual([
      // no uses-sdk: targetSdk 0 in aapt's rules, so the pre-Donut grants apply
      { name: 'android.permission.WRITE_EXTERNAL_STORAGE', implied: 'targetSdkVersion < 4' },
      { name: 'android.permission.READ_PHONE_STATE', implied: 'targetSdkVersion < 4' },
      { name: 'android.permission.READ_EXTERNAL_STORAGE', implied: 'requested WRITE_EXTERNAL_STORAGE' },
    ]);
    expect(m.warnings.map((w) => w.name)).toEqual(['manifest-permission-name']);
  });
  it('the obfuscated corpus manifests (names ":" or masked) still give their permissions', () => {
    for (const f of ['AndroidManifest_NamespaceInAttributeName.xml', 'AndroidManifestMaskingNamespace.xml']) {
      const m = readManifest(parseAxml(new Uint8Array(readFileSync(join(CORPUS, 'apk/axml', f)))).root);
      expect(m.usesPermissions.length, f).toBeGreaterThan(3);
      expect(m.targetSdk, f).toBeDefined();
    }
  });
});

describe('implied permissions (aapt dump badging rules)', () => {
  const implied = (ps: string[], target: number) =>
    manifest(ps.map(perm), target)
      .usesPermissions.filter((p) => p.implied)
      .map((p) => p.name.slice(19));
  it('READ_CONTACTS below SDK 16 brings READ_CALL_LOG; WRITE_CONTACTS brings WRITE_CALL_LOG', () => {
    expect(implied(['READ_CONTACTS', 'WRITE_CONTACTS'], 15)).toEqual(['READ_CALL_LOG', 'WRITE_CALL_LOG']);
    expect(implied(['READ_CONTACTS', 'WRITE_CONTACTS'], 16)).toEqual([]);
    expect(implied(['READ_CONTACTS', 'READ_CALL_LOG'], 10)).toEqual([]);
  });
  it('WRITE_EXTERNAL_STORAGE brings READ_EXTERNAL_STORAGE at any SDK, with its maxSdkVersion', () => {
    expect(implied(['WRITE_EXTERNAL_STORAGE'], 33)).toEqual(['READ_EXTERNAL_STORAGE']);
  });
});

describe('components', () => {
  const filter: BElement = {
    name: 'intent-filter',
    children: [{ name: 'action', attrs: [aName('android.intent.action.VIEW')] }],
  };
  const app = (children: BElement[]): BElement => ({
    name: 'application',
    attrs: [bool('debuggable', true)],
    children,
  });
  it('exported: the declared value, else true with an intent filter; Android 12+ wants it said', () => {
    const kids = [
      { name: 'activity', attrs: [aName('.Main')], children: [filter] },
      { name: 'service', attrs: [aName('Sync')] },
      { name: 'receiver', attrs: [aName('a.b.Boot'), bool('exported', false)], children: [filter] },
    ];
    const m30 = manifest([app(kids)], 30);
    expect(
      m30.components.map((c) => [c.kind, c.name, c.exported, c.exportedExplicit, c.actions.length]),
    ).toEqual([
      ['activity', 'org.example.app.Main', true, false, 1],
      ['service', 'org.example.app.Sync', false, false, 0],
      ['receiver', 'a.b.Boot', false, true, 1],
    ]);
    expect(m30.application?.debuggable).toBe(true);
    expect(m30.application?.usesCleartextTraffic).toBe(false);
    const doc = buildAxml({
      name: 'manifest',
      attrs: [{ name: 'package', str: 'p' }],
      children: [{ name: 'uses-sdk', attrs: [int('targetSdk', 31)] }, app(kids)],
    });
    expect(readManifest(parseAxml(doc).root).warnings.map((w) => w.name)).toEqual([
      'manifest-exported-missing',
    ]);
  });
  it('providers are exported by default only below SDK 17', () => {
    const p = (t: number) =>
      manifest([app([{ name: 'provider', attrs: [aName('.Files')] }])], t).components[0]!;
    expect(p(16).exported).toBe(true);
    expect(p(17).exported).toBe(false);
  });
  it('application flags take Android’s defaults and say so', () => {
    const a = manifest([{ name: 'application' }], 27).application!;
    expect([a.debuggable, a.allowBackup, a.usesCleartextTraffic]).toEqual([false, true, true]);
    expect(a.defaulted).toEqual(['debuggable', 'allowBackup', 'usesCleartextTraffic']);
  });
  it('reads the Bugly demo’s components (hot-patch services, a FileProvider)', () => {
    const bytes = unzipManifest(join(CORPUS, 'apk/bugly/com.tencent.bugly.hotfix_vc23.apk'))!;
    const m = readManifest(parseAxml(bytes).root);
    expect(m.usesPermissions.some((p) => p.name === 'android.permission.REQUEST_INSTALL_PACKAGES')).toBe(
      true,
    );
    expect(m.components.length).toBeGreaterThan(3);
    expect(m.components.every((c) => c.name.includes('.'))).toBe(true);
  });
});

describe('network security config', () => {
  const cert = (src: string): BElement => ({ name: 'certificates', attrs: [{ name: 'src', str: src }] });
  const nsc: BElement = {
    name: 'network-security-config',
    children: [
      { name: 'base-config', attrs: [{ name: 'cleartextTrafficPermitted', type: 0x12, data: 0 }] },
      {
        name: 'domain-config',
        attrs: [{ name: 'cleartextTrafficPermitted', str: 'true' }],
        children: [
          { name: 'domain', text: 'legacy.example.com', attrs: [{ name: 'includeSubdomains', str: 'true' }] },
          { name: 'trust-anchors', children: [cert('system'), cert('user')] },
          { name: 'domain-config', children: [{ name: 'domain', text: 'api.legacy.example.com' }] },
        ],
      },
      { name: 'debug-overrides', children: [{ name: 'trust-anchors', children: [cert('user')] }] },
    ],
  };
  it('finds where cleartext is allowed and user CAs trusted; nested configs inherit', () => {
    const c = readNetworkSecurityConfig(parseAxml(buildAxml(nsc)).root, 30);
    expect(c.base).toEqual({
      cleartextTrafficPermitted: false,
      trustAnchors: [{ src: 'system', overridePins: false }],
    });
    expect(
      c.domains.map((d) => [d.domains, d.cleartextTrafficPermitted, d.trustAnchors.map((a) => a.src)]),
    ).toEqual([
      [[{ name: 'legacy.example.com', includeSubdomains: true }], true, ['system', 'user']],
      [[{ name: 'api.legacy.example.com', includeSubdomains: false }], true, ['system', 'user']],
    ]);
    expect(c.debugTrustAnchors.map((a) => a.src)).toEqual(['user']);
    expect([c.cleartextAnywhere, c.trustsUserCas]).toEqual([true, true]);
  });
  it('an empty config takes Android’s defaults for the target SDK', () => {
    const empty = parseAxml(buildAxml({ name: 'network-security-config' })).root;
    expect(readNetworkSecurityConfig(empty, 23).base.trustAnchors.map((a) => a.src)).toEqual([
      'system',
      'user',
    ]);
    expect(readNetworkSecurityConfig(empty, 28)).toMatchObject({
      cleartextAnywhere: false,
      trustsUserCas: false,
    });
  });
});

describe('hostile input', () => {
  it('refuses a string pool claiming 2^32-1 strings, without allocating for them', () => {
    const b = buildAxml({ name: 'manifest' });
    new DataView(b.buffer).setUint32(8 + 8, 0xffffffff, true);
    const e = thrown(() => parseAxml(b));
    expect(e.code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(e.offset).toBe(16);
  });
  it('stops at the decode budget when many entries share one long string', () => {
    const chunk = new Uint8Array(pool(['x'.repeat(200_000)]));
    // 400 entries, all pointing at the one long string.
    const n = 400;
    const big = new Uint8Array(chunk.length + 4 * n);
    const dv = new DataView(big.buffer);
    big.set(chunk.subarray(0, 28));
    big.set(chunk.subarray(32), 28 + 4 * n);
    dv.setUint32(4, big.length, true);
    dv.setUint32(8, n, true);
    dv.setUint32(20, 28 + 4 * n, true);
    const p = readStringPool(big, { offset: 0, type: 1, headerSize: 28, size: big.length }, new Warnings());
    const t0 = performance.now();
    const e = thrown(() => {
      for (let i = 0; i < n; i++) p.get(i);
    });
    expect(e.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
  it('refuses nesting deeper than the limit', () => {
    let el: BElement = { name: 'x' };
    for (let i = 0; i < 300; i++) el = { name: 'x', children: [el] };
    expect(thrown(() => parseAxml(buildAxml(el))).code).toBe('AIRLOCK_ERR_LIMIT');
  });
  it('a truncated node after the root ends the document with a warning, as Android stops there', () => {
    const b = buildAxml({
      name: 'manifest',
      attrs: [{ name: 'package', str: 'p' }],
      children: [perm('CAMERA')],
    });
    const cut = b.slice(0, b.length - 30); // into the manifest's end node
    new DataView(cut.buffer).setUint32(4, cut.length, true);
    const doc: AxmlDocument = parseAxml(cut);
    expect(doc.root.children[0]?.name).toBe('uses-permission');
    expect(doc.warnings.map((w) => w.name)).toEqual(['axml-bad-node', 'axml-unclosed']);
  });
  it('an attribute size of 0 makes every attribute the first one, as on Android, without reading past the node', () => {
    const b = buildAxml({
      name: 'manifest',
      attrs: [
        { name: 'package', str: 'p' },
        { name: 'x', str: 'y' },
      ],
    });
    // the start element follows header(8) + pool + map(8) + namespace node(24)
    const poolSize = new DataView(b.buffer).getUint32(12, true);
    const start = 8 + poolSize + 8 + 24;
    new DataView(b.buffer).setUint16(start + 16 + 10, 0, true);
    const doc = parseAxml(b);
    expect(doc.root.attrs.map((a) => a.name)).toEqual(['package', 'package']);
  });
  it('refuses a document whose declared size exceeds the data (offset of the size field)', () => {
    const b = buildAxml({ name: 'manifest' });
    const e = thrown(() => parseAxml(b.subarray(0, b.length - 4)));
    expect([e.code, e.offset]).toEqual(['AIRLOCK_ERR_TRUNCATED', 4]);
  });
  it('refuses a document with no element', () => {
    const b = new Uint8Array([3, 0, 8, 0, 8, 0, 0, 0]);
    expect(thrown(() => parseAxml(b)).code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(thrown(() => parseAxml(new Uint8Array(3))).code).toBe('AIRLOCK_ERR_TRUNCATED');
  });
});
