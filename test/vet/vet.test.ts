/**
 * `airlock vet` as a whole against independent oracles, on the corpus APKs in place:
 * - F-Droid's own index (index-v1.json): package, version, SDK levels, permissions, signer and
 *   file hash of each APK it lists;
 * - aapt (`dump badging`): package, versionCode and every uses-permission / uses-implied-permission;
 * - apksigner (`verify`): whether the release verifies;
 * - dexdump: which classes the DEX files define (SDKs) and the URLs their code loads as constants
 *   (hosts), read with the WHATWG URL parser, not Airlock's;
 * - zipinfo: the native libraries the archive holds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SDKS, sdkOfClass } from '../../src/catalog/sdks.js';
import { defaultPolicy, type Policy } from '../../src/policy/index.js';
import { vetApk } from '../../src/vet/analyse.js';
import { diffNeedsReview, diffReports } from '../../src/vet/diff.js';
import { CORPUS, corpusFile } from '../helpers/corpus.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const policy = (over: (p: Policy) => void = () => {}): Policy => {
  const p = defaultPolicy();
  over(p);
  return p;
};
const vet = (path: string, p: Policy = policy()) =>
  vetApk(readFileSync(path), path, { policy: p, policySource: 'test', nowMs: NOW });

/** Every .apk in the corpus's apk folders. */
function corpusApks(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(join(CORPUS, 'apk')))
    for (const f of readdirSync(join(CORPUS, 'apk', dir)))
      if (f.endsWith('.apk') && statSync(join(CORPUS, 'apk', dir, f)).isFile())
        out.push(join(CORPUS, 'apk', dir, f));
  return out.sort();
}

const scratch = (): string => mkdtempSync(join(tmpdir(), 'airlock-vet-'));
const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });

interface IndexApk {
  apkName: string;
  hash: string;
  packageName: string;
  versionCode: number;
  versionName?: string;
  minSdkVersion?: number;
  targetSdkVersion?: number;
  signer?: string;
  'uses-permission'?: [string, number | null][];
  'uses-permission-sdk-23'?: [string, number | null][];
}

describe('vet against F-Droid’s index', () => {
  const index = JSON.parse(readFileSync(corpusFile('apk', 'fdroid', 'index-v1.json'), 'utf8')) as {
    packages: Record<string, IndexApk[]>;
  };
  const listed = Object.values(index.packages)
    .flat()
    .filter((a) => {
      try {
        return statSync(corpusFile('apk', 'fdroid', a.apkName)).isFile();
      } catch {
        return false;
      }
    });

  it('lists corpus APKs to compare', () => expect(listed.length).toBeGreaterThanOrEqual(8));

  it.each(listed.map((a) => [a.apkName, a] as const))(
    '%s: package, version, permissions, signer, hash',
    (_, a) => {
      const r = vet(corpusFile('apk', 'fdroid', a.apkName));
      expect(r.problems).toEqual([]);
      expect(r.file.sha256).toBe(a.hash);
      expect(r.app.package).toBe(a.packageName);
      expect(r.app.versionCode).toBe(a.versionCode);
      if (a.versionName !== undefined) expect(r.app.versionName).toBe(a.versionName);
      if (a.minSdkVersion !== undefined) expect(r.app.minSdk).toBe(a.minSdkVersion);
      if (a.targetSdkVersion !== undefined) expect(r.app.targetSdk).toBe(a.targetSdkVersion);
      expect(r.permissions.map((p) => p.name).sort()).toEqual(
        [
          ...new Set(
            [...(a['uses-permission'] ?? []), ...(a['uses-permission-sdk-23'] ?? [])].map(([n]) => n),
          ),
        ].sort(),
      );
      if (a.signer) expect(r.signing?.signers.map((s) => s.certSha256)).toContain(a.signer);
    },
  );
});

/** aapt's permission lines: requested, implied, and requested from Android 6 on (-sdk-23). */
const aaptPermissions = (badging: string): string[] =>
  [
    ...new Set(
      [...badging.matchAll(/^uses-(?:implied-)?permission(?:-sdk-23)?: name='([^']*)'/gm)].map((m) => m[1]!),
    ),
  ].sort();

describe('vet against aapt, every corpus APK', () => {
  const apks = corpusApks();
  it('finds the corpus', () => expect(apks.length).toBeGreaterThan(100));

  // Signatures are compared with apksigner file by file in signing.test.ts; here the whole report.
  it.each(apks.map((f) => [f.slice(CORPUS.length + 1), f]))('%s', (_, file) => {
    const r = vet(file);
    const badging = run('aapt', ['dump', 'badging', file]);
    if (badging.status === 0) {
      const pkg = /^package: name='([^']*)' versionCode='(\d*)'/m.exec(badging.stdout);
      expect(r.app.package).toBe(pkg?.[1]);
      if (pkg?.[2]) expect(r.app.versionCode).toBe(Number(pkg[2]));
      expect(r.permissions.map((p) => p.name).sort()).toEqual(aaptPermissions(badging.stdout));
    }
    // Where aapt gives up, Airlock either reads the manifest (janus.apk and a NUL in an entry name
    // stop aapt's zip reader, not Android's) or names the part it could not read.
    else expect(r.problems.length > 0 || r.app.package !== undefined).toBe(true);
    // No package name without a reason.
    if (r.app.package === undefined) expect(r.problems.length).toBeGreaterThan(0);
  });
});

describe('SDKs, native code and self-update', () => {
  const bugly = corpusFile('apk', 'bugly', 'com.tencent.bugly.hotfix_vc23.apk');

  it('counts each catalogued SDK’s classes as dexdump lists them', () => {
    const r = vet(bugly);
    const dexes = execFileSync('zipinfo', ['-1', bugly], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => /^classes\d*\.dex$/.test(n));
    const counts = new Map<string, number>();
    for (const d of dexes) {
      const bytes = execFileSync('unzip', ['-p', bugly, d], { maxBuffer: 256 * 1024 * 1024 });
      const tmp = join(scratch(), d);
      writeFileSync(tmp, bytes);
      const out = run('dexdump', ['-l', 'plain', tmp]).stdout;
      for (const m of out.matchAll(/^Class #\d+\s+-\s+Class descriptor\s+: '([^']+)'/gm)) {
        const sdk = sdkOfClass(m[1]!, SDKS);
        if (sdk) counts.set(sdk.id, (counts.get(sdk.id) ?? 0) + 1);
      }
      rmSync(tmp);
    }
    expect(counts.get('bugly')).toBeGreaterThan(0);
    expect(counts.get('tinker')).toBeGreaterThan(0);
    expect(Object.fromEntries(r.sdks.map((s) => [s.id, s.classes]))).toEqual(Object.fromEntries(counts));
  });

  it('names the self-update capability with its evidence, and every native library zipinfo lists', () => {
    const r = vet(bugly);
    const install = r.capabilities.find((c) => c.id === 'install-packages');
    expect(install?.evidence).toContainEqual({
      kind: 'permission',
      what: 'android.permission.REQUEST_INSTALL_PACKAGES',
      where: 'AndroidManifest.xml',
    });
    expect(r.capabilities.find((c) => c.id === 'dynamic-code')?.evidence).toContainEqual({
      kind: 'sdk',
      what: 'Tinker',
    });
    const libs = execFileSync('zipinfo', ['-1', bugly], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => /^lib\/[^/]+\/[^/]+\.so$/.test(n))
      .sort();
    expect(libs.length).toBeGreaterThan(0);
    expect(r.code.nativeLibs.map((l) => `lib/${l.abi}/${l.name}`).sort()).toEqual(libs);
  });
});

/** The URLs a DEX's code loads as constants, as dexdump disassembles them. */
function dexdumpUrls(apk: string): string[] {
  const dir = scratch();
  const urls: string[] = [];
  try {
    const names = execFileSync('zipinfo', ['-1', apk], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => /^classes\d*\.dex$/.test(n));
    for (const d of names) {
      const tmp = join(dir, d);
      writeFileSync(tmp, execFileSync('unzip', ['-p', apk, d], { maxBuffer: 256 * 1024 * 1024 }));
      const out = run('dexdump', ['-d', tmp]).stdout;
      for (const m of out.matchAll(/const-string(?:\/jumbo)? v\d+, "((?:https?):\/\/[^"\s]+)"/g))
        urls.push(m[1]!);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return urls;
}

describe('hosts the code names, judged by the policy', () => {
  const jamendo = corpusFile('apk', 'androguard', 'com.teleca.jamendo_35.apk');

  it('finds the host of every URL constant dexdump shows, flags cleartext ones, and the sealed default blocks them', () => {
    const urls = dexdumpUrls(jamendo);
    const hosts = new Map<string, boolean>();
    for (const u of urls) {
      try {
        const url = new URL(u);
        if (url.hostname)
          hosts.set(url.hostname, (hosts.get(url.hostname) ?? false) || url.protocol === 'http:');
      } catch {
        // Not a URL the WHATWG parser takes: no host to expect.
      }
    }
    expect(hosts.size).toBeGreaterThan(0);
    const r = vet(jamendo);
    for (const [host, cleartext] of hosts) {
      const h = r.hosts.find((x) => x.host === host);
      expect(h, host).toBeDefined();
      if (cleartext) expect(h?.cleartext, host).toBe(true);
      expect(h?.policy.verdict).toBe('block');
      expect(h?.policy.reason).toBe('sealed');
    }
  });

  it('one-way with one host allowed: that host passes on its port, the rest are blocked; monitor passes all', () => {
    const first = vet(jamendo).hosts.find(
      (h) => h.ports.length === 0 || h.ports.includes(80) || h.ports.includes(443),
    );
    expect(first).toBeDefined();
    const oneWay = vet(
      jamendo,
      policy((p) => {
        p.network.mode = 'one-way';
        p.network.allow = [{ host: first!.host, ports: [80, 443] }];
      }),
    );
    for (const h of oneWay.hosts)
      expect([h.host, h.policy.verdict]).toEqual([h.host, h.host === first!.host ? 'allow' : 'block']);
    const monitor = vet(
      jamendo,
      policy((p) => {
        p.network.mode = 'monitor';
      }),
    );
    expect(monitor.hosts.every((h) => h.policy.verdict === 'allow')).toBe(true);
  });

  it('skips XML namespace names and file names among the strings, keeps the SDK’s endpoints', () => {
    const r = vet(corpusFile('apk', 'bugly', 'com.tencent.bugly.hotfix_vc23.apk'));
    const names = r.hosts.map((h) => h.host);
    // Every Android app's strings hold the android: namespace URI; Tinker names its 'patch.info' file.
    expect(names).not.toContain('schemas.android.com');
    expect(names).not.toContain('patch.info');
    expect(r.hosts.find((h) => h.host === 'android.bugly.qq.com')).toMatchObject({
      cleartext: true,
      sdk: 'Bugly',
    });
  });
});

describe('a release against the approved one', () => {
  const fd = (n: string) => corpusFile('apk', 'fdroid', n);

  it('politedroid 4 → 5: the implied permissions go (targetSdk raised), same signer', () => {
    const d = diffReports(vet(fd('com.politedroid_4.apk')), vet(fd('com.politedroid_5.apk')));
    const aapt = (f: string) =>
      new Set(
        [
          ...run('aapt', ['dump', 'badging', fd(f)]).stdout.matchAll(
            /^uses-(?:implied-)?permission: name='([^']*)'/gm,
          ),
        ].map((m) => m[1]!),
      );
    const a = aapt('com.politedroid_4.apk');
    const b = aapt('com.politedroid_5.apk');
    expect(d.permissions.removed).toEqual([...a].filter((x) => !b.has(x)).sort());
    expect(d.permissions.added).toEqual([...b].filter((x) => !a.has(x)).sort());
    expect(d.permissions.removed.length).toBeGreaterThan(0);
    expect(d.signerChanged).toBe(false);
    expect(d.samePackage).toBe(true);
  });

  it('the same version signed by another key: signer changed, needs review', () => {
    const d = diffReports(
      vet(fd('obb.mainpatch.current_1619.apk')),
      vet(fd('obb.mainpatch.current_1619_another-release-key.apk')),
    );
    expect(d.signerChanged).toBe(true);
    const certs = (f: string) =>
      [
        ...run('apksigner', ['verify', '--print-certs', fd(f)]).stdout.matchAll(
          /certificate SHA-256 digest: ([0-9a-f]{64})/g,
        ),
      ].map((m) => m[1]);
    expect(d.signers).toEqual({
      approved: certs('obb.mainpatch.current_1619.apk'),
      candidate: certs('obb.mainpatch.current_1619_another-release-key.apk'),
    });
    expect(d.permissions).toEqual({ added: [], removed: [] });
    expect(diffNeedsReview(d)).toBe(true);
  });

  it('a release against itself needs no review; a tampered copy of it does', () => {
    const same = diffReports(vet(fd('urzip.apk')), vet(fd('urzip.apk')));
    expect(diffNeedsReview(same)).toBe(false);
    const bad = diffReports(vet(fd('urzip.apk')), vet(fd('urzip-badsig.apk')));
    expect(run('apksigner', ['verify', fd('urzip-badsig.apk')]).status).not.toBe(0);
    expect(run('apksigner', ['verify', fd('urzip.apk')]).status).toBe(0);
    expect(bad.reports.candidate.signing?.verified).toBe(false);
    expect(diffNeedsReview(bad)).toBe(true);
  });

  it('Bugly demo 3 → 23: what the newer release adds, as aapt and the DEX files say', () => {
    const b = (n: string) => corpusFile('apk', 'bugly', n);
    const d = diffReports(
      vet(b('com.tencent.bugly.hotfix_vc3.apk')),
      vet(b('com.tencent.bugly.hotfix_vc23.apk')),
    );
    const perms = (f: string) =>
      new Set(
        [
          ...run('aapt', ['dump', 'badging', b(f)]).stdout.matchAll(
            /^uses-(?:implied-)?permission: name='([^']*)'/gm,
          ),
        ].map((m) => m[1]!),
      );
    const a = perms('com.tencent.bugly.hotfix_vc3.apk');
    const c = perms('com.tencent.bugly.hotfix_vc23.apk');
    expect(d.permissions.added).toEqual([...c].filter((x) => !a.has(x)).sort());
    expect(d.approved.versionCode).toBe(3);
    expect(d.candidate.versionCode).toBe(23);
  });
});
