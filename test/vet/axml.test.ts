/**
 * Binary XML and the manifest model against independent oracles: Debian's `aapt` (dump xmltree,
 * dump badging) on every corpus APK and on every androguard AXML sample (packed alone into a
 * temporary APK), and F-Droid's own per-APK record (index-v1.json). Manifests are taken out of the
 * APKs with `unzip -p`, so these tests do not depend on Airlock's ZIP reader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { type Manifest, parseAxml, readManifest, readResourceTable } from '../../src/vet/axml/index.js';
import { CORPUS } from '../helpers/corpus.js';
import { aaptTreeLines, airlockTreeLines, run, unzipEntry, unzipManifest, withTempApk } from './axml-aapt.js';

const APK_DIRS = ['androguard', 'apksig', 'axml', 'bugly', 'fdroid'];
const apks = APK_DIRS.flatMap((d) =>
  readdirSync(join(CORPUS, 'apk', d))
    .filter((f) => f.endsWith('.apk'))
    .sort()
    .map((f) => join(CORPUS, 'apk', d, f)),
);
const axmlDir = join(CORPUS, 'apk', 'axml');
const axmlFiles = readdirSync(axmlDir)
  .filter((f) => f.endsWith('.xml'))
  .sort();
const rel = (p: string): string => p.slice(CORPUS.length + 1);

/**
 * Corpus APKs with no AndroidManifest.xml `unzip -p` can give, and why (the ZIP side of these is
 * helper A's and the signing side helper D's; there is nothing here for the manifest reader).
 */
const NO_MANIFEST: Record<string, string> = {
  'apk/androguard/CertChain.apk': 'holds only META-INF (aapt: no AndroidManifest.xml found)',
  'apk/androguard/multidex.apk': 'holds only classes*.dex (aapt: no AndroidManifest.xml found)',
  'apk/apksig/empty-unsigned.apk': 'an empty archive (aapt: Empty archive)',
  'apk/apksig/v2-only-truncated-cd.apk': 'the central directory is cut short (unzip and aapt both refuse)',
  'apk/apksig/v2-only-garbage-between-cd-and-eocd.apk':
    'unzip refuses the garbage before the end record (aapt reads it; the ZIP reader is tested elsewhere)',
};

// ---------------------------------------------------------------------------------------------
// aapt dump badging, parsed into the lines the manifest model answers.

interface Badging {
  ok: boolean;
  packageName?: string;
  versionCode?: string;
  versionName?: string;
  sdkVersion?: string;
  targetSdkVersion?: string;
  maxSdkVersion?: string;
  label?: string;
  usesPermission: string[];
  implied: string[];
  sdk23: string[];
  optional: string[];
}

const q = (line: string, key: string): string | undefined => new RegExp(`${key}='([^']*)'`).exec(line)?.[1];

function badging(apk: string): Badging {
  const r = run('aapt', ['dump', 'badging', apk]);
  const out: Badging = { ok: r.status === 0, usesPermission: [], implied: [], sdk23: [], optional: [] };
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('package:')) {
      out.packageName = q(line, 'name');
      out.versionCode = q(line, 'versionCode');
      out.versionName = q(line, 'versionName');
    } else if (line.startsWith('sdkVersion:')) out.sdkVersion = /'(.*)'/.exec(line)?.[1];
    else if (line.startsWith('targetSdkVersion:')) out.targetSdkVersion = /'(.*)'/.exec(line)?.[1];
    else if (line.startsWith('maxSdkVersion:')) out.maxSdkVersion = /'(.*)'/.exec(line)?.[1];
    else if (line.startsWith('application-label:')) out.label = /'(.*)'/.exec(line)?.[1];
    else if (line.startsWith('uses-permission:')) out.usesPermission.push(line);
    else if (line.startsWith('uses-implied-permission:')) out.implied.push(line);
    else if (line.startsWith('uses-permission-sdk-23:')) out.sdk23.push(line);
    else if (line.startsWith('optional-permission:')) out.optional.push(line);
  }
  return out;
}

/** The model in aapt's line form (printUsesPermission / printUsesImpliedPermission). */
function asBadging(m: Manifest): Omit<Badging, 'ok'> {
  const max = (n?: number): string => (n === undefined ? '' : ` maxSdkVersion='${n}'`);
  const plain = m.usesPermissions.filter((p) => !p.sdk23);
  return {
    packageName: m.package,
    versionCode: m.versionCode !== undefined && m.versionCode > 0 ? String(m.versionCode) : '',
    versionName: m.versionName,
    sdkVersion: m.minSdk !== undefined ? String(m.minSdk) : m.minSdkCodename,
    targetSdkVersion: m.targetSdk !== undefined ? String(m.targetSdk) : m.targetSdkCodename,
    maxSdkVersion: m.maxSdk !== undefined ? String(m.maxSdk) : undefined,
    label: m.application?.label || undefined,
    usesPermission: plain.map((p) => `uses-permission: name='${p.name}'${max(p.maxSdkVersion)}`),
    implied: plain
      .filter((p) => p.implied)
      .map((p) => `uses-implied-permission: name='${p.name}'${max(p.maxSdkVersion)} reason='${p.implied}'`),
    sdk23: m.usesPermissions
      .filter((p) => p.sdk23)
      .map((p) => `uses-permission-sdk-23: name='${p.name}'${max(p.maxSdkVersion)}`),
    optional: plain.filter((p) => p.optional).map((p) => `optional-permission: name='${p.name}'`),
  };
}

function compareBadging(m: Manifest, b: Badging): void {
  const mine = asBadging(m);
  expect(mine.packageName, 'package').toBe(b.packageName);
  expect(mine.versionCode, 'versionCode').toBe(b.versionCode);
  // Both resolve a reference through resources.arsc.
  expect(mine.versionName ?? '', 'versionName').toBe(b.versionName);
  expect(mine.label, 'application-label').toBe(b.label);
  expect(mine.sdkVersion, 'sdkVersion').toBe(b.sdkVersion);
  expect(mine.targetSdkVersion, 'targetSdkVersion').toBe(b.targetSdkVersion);
  expect(mine.maxSdkVersion, 'maxSdkVersion').toBe(b.maxSdkVersion);
  expect(mine.usesPermission, 'uses-permission').toEqual(b.usesPermission);
  expect(mine.implied, 'uses-implied-permission').toEqual(b.implied);
  expect(mine.sdk23, 'uses-permission-sdk-23').toEqual(b.sdk23);
  expect(mine.optional, 'optional-permission').toEqual(b.optional);
}

// ---------------------------------------------------------------------------------------------

describe('corpus APKs: manifest model equals aapt dump badging', () => {
  const tally = { direct: 0, viaTemp: 0, partial: 0, none: 0, resources: 0 };
  for (const apk of apks) {
    it(rel(apk), () => {
      const bytes = unzipManifest(apk);
      if (!bytes) {
        expect(
          NO_MANIFEST[rel(apk)],
          'an APK without a manifest must be listed with its reason',
        ).toBeDefined();
        tally.none++;
        return;
      }
      expect(NO_MANIFEST[rel(apk)]).toBeUndefined();
      const arsc = unzipEntry(apk, 'resources.arsc');
      const m = readManifest(parseAxml(bytes).root, arsc ? readResourceTable(arsc) : undefined);
      if (arsc) tally.resources++;
      let b = badging(apk);
      if (b.packageName === undefined) {
        // aapt refused the archive itself (janus.apk, a NUL in an entry name): ask it about the
        // manifest alone.
        b = withTempApk(bytes, badging);
        tally.viaTemp++;
      } else tally.direct++;
      expect(b.packageName, 'aapt read a package name').toBeDefined();
      if (!b.ok) {
        // aapt stops at the first attribute it cannot resolve without resources (ShortName,
        // compact-entry): what it printed before stopping must still agree.
        tally.partial++;
        const mine = asBadging(m);
        expect(mine.packageName).toBe(b.packageName);
        expect(mine.versionCode).toBe(b.versionCode);
        expect(mine.sdkVersion).toBe(b.sdkVersion);
        expect(mine.targetSdkVersion).toBe(b.targetSdkVersion);
        expect(mine.usesPermission.slice(0, b.usesPermission.length)).toEqual(b.usesPermission);
        return;
      }
      compareBadging(m, b);
    });
  }
  it('covers the corpus', () => {
    console.log(`[axml] badging: ${JSON.stringify(tally)} of ${apks.length} APKs`);
    expect(tally.direct).toBeGreaterThan(90);
  });
});

it('apk/axml/compact-entry.apk: a compact resource entry resolves the label (androguard’s testCompactResource; Debian’s aapt 10 cannot read it)', () => {
  const apk = join(CORPUS, 'apk', 'axml', 'compact-entry.apk');
  expect(run('aapt', ['dump', 'badging', apk]).stderr).toMatch(/ResTable_entry size 0x0 is too small/);
  const m = readManifest(
    parseAxml(unzipManifest(apk)!).root,
    readResourceTable(unzipEntry(apk, 'resources.arsc')!),
  );
  expect(m.application?.label).toBe('erev0s.com-CompactEntry');
});

describe('corpus APKs: uses-permission equals F-Droid index-v1.json', () => {
  const index = JSON.parse(readFileSync(join(CORPUS, 'apk', 'fdroid', 'index-v1.json'), 'utf8')) as {
    packages: Record<string, Record<string, unknown>[]>;
  };
  const byApk = new Map(
    Object.values(index.packages).flatMap((vs) => vs.map((v) => [v.apkName as string, v])),
  );
  const fdroidApks = apks.filter((a) => byApk.has(basename(a)));
  it('matches every F-Droid test APK the index and the corpus share (8)', () => {
    expect(fdroidApks.length).toBeGreaterThanOrEqual(8);
  });
  for (const apk of fdroidApks) {
    it(rel(apk), () => {
      const v = byApk.get(basename(apk))!;
      const bytes = unzipManifest(apk);
      expect(bytes, 'unzip gives the manifest').toBeDefined();
      const m = readManifest(parseAxml(bytes!).root);
      const pairs = (list: unknown) => (list as [string, number | null][] | undefined) ?? [];
      const mine = (sdk23: boolean) =>
        m.usesPermissions.filter((p) => !!p.sdk23 === sdk23).map((p) => [p.name, p.maxSdkVersion ?? null]);
      expect(mine(false), 'uses-permission').toEqual(pairs(v['uses-permission']));
      expect(mine(true), 'uses-permission-sdk-23').toEqual(pairs(v['uses-permission-sdk-23']));
      expect(m.package).toBe(v.packageName);
      expect(m.versionCode).toBe(v.versionCode);
      if (v.minSdkVersion !== undefined) expect(m.minSdk ?? 1).toBe(v.minSdkVersion);
      if (v.targetSdkVersion !== undefined) expect(m.targetSdk ?? m.minSdk).toBe(v.targetSdkVersion);
    });
  }
});

describe('element tree equals aapt dump xmltree', () => {
  for (const apk of apks) {
    const bytes = unzipManifest(apk);
    if (!bytes) continue;
    it(rel(apk), () => {
      let r = run('aapt', ['dump', 'xmltree', apk, 'AndroidManifest.xml']);
      if (r.status !== 0)
        r = withTempApk(bytes, (t) => run('aapt', ['dump', 'xmltree', t, 'AndroidManifest.xml']));
      expect(r.status).toBe(0);
      const doc = parseAxml(bytes);
      expect(airlockTreeLines(doc.root)).toEqual(aaptTreeLines(r.stdout));
      expect(doc.warnings).toEqual([]);
    });
  }

  /** What androguard's tests say of each sample, and what Airlock warns of it. */
  const EXPECT_WARNINGS: Record<string, string[]> = {
    'AndroidManifest_WrongChunkStart.xml': ['axml-not-xml-type'],
  };
  for (const name of axmlFiles) {
    if (name === 'AndroidManifestWrongFilesize.xml' || name === 'AndroidManifest_StringNotTerminated.xml')
      continue;
    it(`apk/axml/${name}`, () => {
      const bytes = new Uint8Array(readFileSync(join(axmlDir, name)));
      const r = withTempApk(bytes, (t) => run('aapt', ['dump', 'xmltree', t, 'AndroidManifest.xml']));
      expect(r.status).toBe(0);
      const doc = parseAxml(bytes);
      expect(airlockTreeLines(doc.root)).toEqual(aaptTreeLines(r.stdout));
      expect([...new Set(doc.warnings.map((w) => w.name))]).toEqual(EXPECT_WARNINGS[name] ?? []);
      // androguard: manifests have <manifest package=…>, the test*.xml layouts a LinearLayout root.
      if (name.startsWith('test')) expect(doc.root.name).toBe('LinearLayout');
      else expect(readManifest(doc.root).package).toBeTruthy();
    });
  }

  it('apk/axml/AndroidManifestWrongFilesize.xml: refused, as aapt and androguard refuse it', () => {
    const bytes = new Uint8Array(readFileSync(join(axmlDir, 'AndroidManifestWrongFilesize.xml')));
    const r = withTempApk(bytes, (t) => run('aapt', ['dump', 'xmltree', t, 'AndroidManifest.xml']));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Bad XML block/);
    const err = (() => {
      try {
        parseAxml(bytes);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect((err as AirlockError).offset).toBe(4);
  });

  it('apk/axml/AndroidManifest_StringNotTerminated.xml: read as Android reads it, where aapt crashes', () => {
    const bytes = new Uint8Array(readFileSync(join(axmlDir, 'AndroidManifest_StringNotTerminated.xml')));
    const r = withTempApk(bytes, (t) => run('aapt', ['dump', 'xmltree', t, 'AndroidManifest.xml']));
    // aapt segfaults on string #49 (androguard's test says so too) after printing what came before.
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/string #49 is not null-terminated/);
    const doc = parseAxml(bytes);
    const theirs = aaptTreeLines(r.stdout).lines;
    const complete = theirs.slice(0, -1); // the last line is cut off mid-way by the crash
    expect(complete.length).toBeGreaterThan(60);
    expect(airlockTreeLines(doc.root).lines.slice(0, complete.length)).toEqual(complete);
    // The string is absent (Android's stringAt gives NULL), with a warning naming it.
    expect(doc.warnings.some((w) => w.name === 'axml-bad-string' && /#49 /.test(w.detail))).toBe(true);
    expect(readManifest(doc.root).package).toBe('com.swampy.sexpos');
  });
});
