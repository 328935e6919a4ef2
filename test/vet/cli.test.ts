/**
 * `airlock vet` as users run it (the built CLI): exit codes, the JSON run against the shipped
 * JSON Schema (ajv), the terminal table, the diff against an approved release, and files that
 * are not APKs.
 */

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VET_SCHEMA_FILE, vetRunJsonSchema } from '../../src/report/vet/json-schema.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';

const fd = (n: string) => corpusFile('apk', 'fdroid', n);
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'airlock-vet-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schema/vet-report.v1.json', () => {
  const shipped = readFileSync(fileURLToPath(VET_SCHEMA_FILE), 'utf8');
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(shipped));

  it('equals the schema generated from src/vet/model.ts (run `npm run gen-schema` after a change)', () => {
    expect(shipped).toBe(vetRunJsonSchema());
  });

  it('accepts a real run with a diff, and rejects one whose host lost its verdict', () => {
    const r = airlock([
      'vet',
      '--json',
      '--against',
      fd('com.politedroid_4.apk'),
      fd('com.politedroid_5.apk'),
    ]);
    const run = JSON.parse(r.stdout);
    expect(validate(run), JSON.stringify(validate.errors)).toBe(true);
    expect(run.schema).toBe('airlock.vet-run/1');
    expect(run.diffs).toHaveLength(1);
    expect(run.exitCode).toBe(r.code);
    const withHost = JSON.parse(
      airlock(['vet', '--json', corpusFile('apk', 'androguard', 'com.teleca.jamendo_35.apk')]).stdout,
    );
    expect(withHost.reports[0].hosts.length).toBeGreaterThan(0);
    expect(validate(withHost), JSON.stringify(validate.errors)).toBe(true);
    delete withHost.reports[0].hosts[0].policy;
    expect(validate(withHost)).toBe(false);
  });
});

describe('exit codes and outputs', () => {
  it('a release the sealed default would cut off, or that can update itself: exit 1, and the table says why', () => {
    const r = airlock(['vet', corpusFile('apk', 'bugly', 'com.tencent.bugly.hotfix_vc23.apk')], {
      env: { NO_COLOR: '1' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('com.tencent.bugly.hotfix');
    expect(r.stdout).toContain('android.permission.REQUEST_INSTALL_PACKAGES');
    expect(r.stdout).toMatch(/Bugly \(Tencent\)/);
    expect(r.stdout).toMatch(/^Needs review: .*installs or updates APKs itself/m);
  });

  it('a release against itself: exit 0; against another key’s build of it: exit 1 naming the change', () => {
    expect(airlock(['vet', '--against', fd('urzip.apk'), fd('urzip.apk')]).code).toBe(0);
    const r = airlock(
      [
        'vet',
        '--against',
        fd('obb.mainpatch.current_1619.apk'),
        fd('obb.mainpatch.current_1619_another-release-key.apk'),
      ],
      { env: { NO_COLOR: '1' } },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('SIGNER CHANGED');
  });

  it('a file that is not an APK, or is missing: exit 2 naming it, the other APKs still reported', () => {
    const notApk = join(dir, 'photo.apk');
    writeFileSync(notApk, 'not a zip at all');
    const r = airlock(['vet', '--json', notApk, fd('urzip.apk')]);
    expect(r.code).toBe(2);
    const run = JSON.parse(r.stdout);
    expect(run.reports).toHaveLength(2);
    expect(run.reports[0].problems[0]).toMatchObject({ part: 'archive' });
    expect(run.reports[1].app.package).toBe('info.guardianproject.urzip');
    const missing = airlock(['vet', join(dir, 'nope.apk')]);
    expect(missing.code).toBe(2);
    expect(missing.stdout + missing.stderr).toContain('nope.apk');
  });

  // What the manifest would say is not guessed: "backups allowed" is Android's default for a
  // manifest that is silent, not for one nobody read.
  const MANIFEST_LINES = [/backups allowed/, /Permissions \(/, /nothing catalogued found\n/];

  it('a missing file: no manifest, code or size lines, only that it was not read', () => {
    const nope = join(dir, 'nonexist.apk');
    expect(existsSync(nope)).toBe(false);
    const r = airlock(['vet', nope], { env: { NO_COLOR: '1' } });
    expect(r.code).toBe(2);
    for (const line of [...MANIFEST_LINES, /0 bytes/, /DEX files/, /Hosts its code names/])
      expect(r.stdout).not.toMatch(line);
    expect(r.stdout).toContain('the file was not read');
    expect(r.stdout).toMatch(/not read: file: ENOENT/);
    expect(r.stdout).toContain('Needs review: the file could not be read.');
  });

  it('an archive with no manifest (unzip lists nothing in it): the manifest’s lines say it was not read', () => {
    const empty = corpusFile('apk', 'apksig', 'empty-unsigned.apk');
    expect(spawnSync('unzip', ['-l', empty], { encoding: 'utf8' }).stderr).toContain('zipfile is empty');
    const r = airlock(['vet', empty], { env: { NO_COLOR: '1' } });
    expect(r.code).toBe(2);
    for (const line of MANIFEST_LINES) expect(r.stdout).not.toMatch(line);
    expect(r.stdout).toContain('its manifest was not read');
    expect(r.stdout).toContain('Permissions: not read (no manifest)');
    expect(r.stdout).toContain('Exported components: not read (no manifest)');
    expect(r.stdout).toContain('nothing catalogued found in its code (its permissions were not read)');
    const html = join(dir, 'empty.html');
    expect(airlock(['vet', empty, '--html', html]).code).toBe(2);
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/Permissions \(0\)|Exported components \(0\)|minSdk -/);
    expect(page).toContain('not read (no manifest)');
  });

  it('a diff says "(not set)" where a release’s manifest names no SDK level (aapt prints none), not null', () => {
    const badging = (n: string) => spawnSync('aapt', ['dump', 'badging', fd(n)], { encoding: 'utf8' }).stdout;
    expect(badging('com.politedroid_4.apk')).not.toMatch(/^targetSdkVersion:/m);
    expect(badging('com.politedroid_5.apk')).toMatch(/^targetSdkVersion:'10'$/m);
    const r = airlock(['vet', fd('com.politedroid_5.apk'), '--against', fd('com.politedroid_4.apk')], {
      env: { NO_COLOR: '1' },
    });
    expect(r.stdout).toContain('targetSdk: (not set) → 10');
    expect(r.stdout).not.toContain('null');
    const html = join(dir, 'sdk.html');
    airlock(['vet', fd('com.politedroid_5.apk'), '--against', fd('com.politedroid_4.apk'), '--html', html]);
    expect(readFileSync(html, 'utf8')).toContain('targetSdk: (not set) → 10');
  });
});

describe('--html', () => {
  it('writes one self-contained page: the review, the signer, the hosts with verdicts, the diff; no script, no external reference', () => {
    const out = join(dir, 'vet.html');
    const r = airlock([
      'vet',
      '--html',
      out,
      '--against',
      corpusFile('apk', 'bugly', 'com.tencent.bugly.hotfix_vc3.apk'),
      corpusFile('apk', 'bugly', 'com.tencent.bugly.hotfix_vc23.apk'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`HTML report written to ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Release against the approved one');
    expect(html).toContain('Signer changed');
    expect(html).toContain('android.bugly.qq.com');
    expect(html).toContain('Needs review:');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    for (const u of html.match(/(?:src|href)=["'][^"']*/g) ?? []) expect(u).toBe('');
  });

  it('refuses a file that exists, or a link there, before reading any APK (exit 2 naming it); --force replaces it', () => {
    const sub = mkdtempSync(join(dir, 'html-'));
    const precious = join(sub, 'precious.html');
    writeFileSync(precious, 'precious');
    const r = airlock(['vet', fd('urzip.apk'), '--html', precious]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--html ${precious} exists`);
    expect(r.stderr).toContain('--force');
    expect(r.stdout).toBe('');
    expect(readFileSync(precious, 'utf8')).toBe('precious');
    const link = join(sub, 'link.html');
    symlinkSync(join(sub, 'nowhere.html'), link);
    expect(airlock(['vet', fd('urzip.apk'), '--html', link]).code).toBe(2);
    expect(existsSync(join(sub, 'nowhere.html'))).toBe(false);
    const forced = airlock(['vet', fd('urzip.apk'), '--html', precious, '--force']);
    expect(forced.code).toBe(airlock(['vet', fd('urzip.apk')]).code);
    expect(readFileSync(precious, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    // No temporary file left beside them.
    expect(readdirSync(sub).sort()).toEqual(['link.html', 'precious.html']);
  });
});
