/**
 * The dashboard's reports folder (src/web/reports/): real reports written by the built CLI from
 * corpus files, beside hostile files, listed and rendered. Expected counts are taken from the
 * reports' own records and the CLI's own output, not from the code under test.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/report/audit/format.js';
import { escapeHtml } from '../../src/report/html.js';
import {
  listReports,
  type ReportEntry,
  type ReportProblem,
  renderReport,
} from '../../src/web/reports/index.js';
import { BIN, ensureBuilt } from '../cli/built.js';
import { corpusFile, ROOT } from '../helpers/corpus.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `airlock ARGS…` without waiting on the others (execFile, not spawnSync). */
const airlock = (args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: tmpdir() }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });

const media = (n: string) => corpusFile('media', n);
const apk = (...p: string[]) => corpusFile('apk', ...p);
const INSPECTED = ['exiftool-GPS.jpg', 'dji-mavic2pro-hasselblad-L1D-20c.jpg', 'mat2-dirty.png'].map(media);
const SCRUBBED = [
  'exiftool-GPS.jpg',
  'mat2-dirty.png',
  'exiftool-QuickTime.mov',
  'dji-mavic2pro-hasselblad-L1D-20c.jpg',
].map(media);

let tmp: string;
/** The reports folder; tmp also holds a valid report outside it. */
let dir: string;
let runs: Record<'inspect' | 'audit' | 'vetDiff' | 'vetOne' | 'scrub', Run>;
// biome-ignore lint/suspicious/noExplicitAny: the reports as parsed JSON, read field by field below
const json: Record<string, any> = {};
let listed: { reports: ReportEntry[]; problems: ReportProblem[] };

const entry = (name: string): ReportEntry => {
  const r = listed.reports.find((x) => x.name === name);
  if (!r) throw new Error(`${name} not listed: ${JSON.stringify(listed)}`);
  return r;
};
const problemOf = (name: string): ReportProblem | undefined => listed.problems.find((p) => p.name === name);
const page = async (name: string): Promise<string> => {
  const r = await renderReport(dir, name);
  if (!r.ok) throw new Error(`${name}: ${r.status} ${r.message}`);
  return r.html;
};
const write = (name: string, text: string): void => {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
};

beforeAll(async () => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'airlock-web-reports-'));
  dir = join(tmp, 'reports');
  mkdirSync(dir);
  const [inspect, audit, vetDiff, vetOne, scrub] = await Promise.all([
    airlock(['inspect', '--json', ...INSPECTED]),
    airlock([
      'audit',
      '--json',
      corpusFile('pcap', 'zeek-tls-chrome-34-google.pcap'),
      corpusFile('pcap', 'zeek-http-post.pcap'),
    ]),
    airlock([
      'vet',
      '--json',
      '--against',
      apk('bugly', 'com.tencent.bugly.hotfix_vc3.apk'),
      apk('bugly', 'com.tencent.bugly.hotfix_vc23.apk'),
    ]),
    airlock(['vet', '--json', apk('fdroid', 'com.politedroid_4.apk')]),
    airlock(['scrub', ...SCRUBBED, '--out', join(dir, 'batch-1', 'clean')]),
  ]);
  runs = { inspect: inspect!, audit: audit!, vetDiff: vetDiff!, vetOne: vetOne!, scrub: scrub! };
  write('2026/inspect.json', runs.inspect.stdout);
  write('audit.json', runs.audit.stdout);
  write('vet/bugly.json', runs.vetDiff.stdout);
  write('vet/politedroid.json', runs.vetOne.stdout);
  json.inspect = JSON.parse(runs.inspect.stdout);
  json.audit = JSON.parse(runs.audit.stdout);
  json.vetDiff = JSON.parse(runs.vetDiff.stdout);
  json.vetOne = JSON.parse(runs.vetOne.stdout);
  json.scrub = JSON.parse(readFileSync(join(dir, 'batch-1/clean/airlock-manifest.json'), 'utf8'));
  // A run from before vet recorded its time: valid, undated.
  const { generatedAt: _, ...undated } = json.vetOne;
  write('vet/older-run.json', JSON.stringify(undated));

  // Hostile and odd neighbours.
  write('bad/truncated.json', runs.audit.stdout.slice(0, Math.floor(runs.audit.stdout.length / 2)));
  const wrong = structuredClone(json.audit);
  wrong.captures[0].status = 'maybe';
  write('bad/wrong-field.json', JSON.stringify(wrong, null, 2));
  write('bad/empty.json', '');
  write('bad/future.json', JSON.stringify({ ...json.inspect, schema: 'airlock.inspect/2' }));
  write('bad/one-release.json', JSON.stringify(json.vetOne.reports[0]));
  write('unrelated.json', JSON.stringify({ name: 'not a report', schema: 'https://json.example/x' }));
  write('notes/readme.json', '[1, 2, 3]');
  write('notes/broken-unrelated.json', '{"hello": ');
  write('.hidden/inspect.json', runs.inspect.stdout);
  write('d1/d2/d3/d4/d5/inspect.json', runs.inspect.stdout);
  const hostile = structuredClone(json.scrub);
  hostile.files[0].input = '<script>alert("x")</script><img src="http://evil.example/a.png">';
  hostile.files[0].notes = ['<a href="http://evil.example/">click</a>'];
  write('hostile/airlock-manifest.json', JSON.stringify(hostile));
  symlinkSync('/etc/passwd', join(dir, 'passwd.json'));
  symlinkSync('/etc', join(dir, 'etc-link'));
  symlinkSync('audit.json', join(dir, 'latest-audit.json'));
  writeFileSync(join(tmp, 'outside.json'), runs.audit.stdout);
  symlinkSync('../outside.json', join(dir, 'out-link.json'));

  listed = await listReports(dir);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('listReports', () => {
  it('lists every real report, with its kind, and nothing else', () => {
    expect(listed.reports.map((r) => [r.name, r.kind]).sort()).toEqual(
      [
        ['2026/inspect.json', 'inspect'],
        ['audit.json', 'audit'],
        ['batch-1/clean/airlock-manifest.json', 'scrub-manifest'],
        ['hostile/airlock-manifest.json', 'scrub-manifest'],
        ['latest-audit.json', 'audit'],
        ['vet/bugly.json', 'vet'],
        ['vet/older-run.json', 'vet'],
        ['vet/politedroid.json', 'vet'],
      ].sort(),
    );
  });

  it('sorts newest first by the time each report states; reports stating none come last, by name', () => {
    const times = listed.reports.map((r) => r.madeAt);
    const stated = times.filter((t) => t !== undefined);
    expect(stated).toEqual([...stated].sort().reverse());
    expect(times.slice(stated.length)).toEqual(times.slice(stated.length).map(() => undefined));
    expect(listed.reports.slice(stated.length).map((r) => r.name)).toEqual(['vet/older-run.json']);
    expect(entry('vet/bugly.json').madeAt).toBe(json.vetDiff.generatedAt);
    expect(entry('2026/inspect.json').madeAt).toBe(json.inspect.generatedAt);
    expect(entry('batch-1/clean/airlock-manifest.json').madeAt).toBe(json.scrub.updatedAt);
  });

  it("states each report's size in bytes", () => {
    expect(entry('audit.json').bytes).toBe(Buffer.byteLength(runs.audit.stdout));
  });

  it('inspect: files, findings and files with sensitive data, counted from the files themselves', () => {
    const files = json.inspect.files as { status: string; findings: { category: string }[] }[];
    const findings = files.reduce((n, f) => n + f.findings.length, 0);
    const sensitive = files.filter((f) => f.findings.some((x) => x.category !== 'display')).length;
    const unread = files.filter((f) => f.status !== 'read').length;
    expect(sensitive).toBeGreaterThan(0);
    const e = entry('2026/inspect.json');
    expect(e.headline).toBe(
      `${files.length} files · ${findings} findings · ${sensitive} with sensitive data` +
        (unread ? ` · ${unread} not fully read` : ''),
    );
    expect(e.attention).toBe(true);
  });

  it('audit: destinations, those the policy would stop, and bytes up, from the destinations', () => {
    const ds = json.audit.destinations as { outcome: { kind: string }; orig: { bytes: number } }[];
    const stopped = ds.filter((d) => ['blocked', 'cut', 'mixed'].includes(d.outcome.kind)).length;
    const up = ds.reduce((n, d) => n + d.orig.bytes, 0);
    expect(stopped).toBeGreaterThan(0);
    expect(entry('audit.json').headline).toBe(
      `${ds.length} destinations · ${stopped} would be blocked or cut · ${formatBytes(up)} up`,
    );
    expect(entry('audit.json').attention).toBe(runs.audit.code !== 0);
  });

  it('vet: the release, against the approved one, and whether it needs review, as the CLI exited', () => {
    const [cand] = json.vetDiff.reports;
    const appr = json.vetDiff.approved;
    expect(appr.app.package).toBe(cand.app.package);
    const bugly = entry('vet/bugly.json');
    expect(runs.vetDiff.code).toBe(1);
    expect(bugly.headline).toBe(
      `${cand.app.package} ${cand.app.versionName} against ${appr.app.versionName} · needs review`,
    );
    expect(bugly.attention).toBe(true);
    const [one] = json.vetOne.reports;
    expect(runs.vetOne.code).toBe(0);
    expect(entry('vet/politedroid.json')).toMatchObject({
      headline: `${one.app.package} ${one.app.versionName} · nothing asks for review`,
      attention: false,
    });
  });

  it("scrub: the statuses as the CLI's own closing line counted them", () => {
    // '4 files: 2 clean, 1 withheld, 1 error'
    const last = runs.scrub.stdout.trim().split('\n').pop() ?? '';
    const counts = last.replace(/^\d+ files: /, '').split(', ');
    expect(counts.length).toBeGreaterThan(1);
    const e = entry('batch-1/clean/airlock-manifest.json');
    // The CLI names statuses in the order files finished; the headline in a fixed order.
    expect(e.headline.split(' · ').sort()).toEqual(counts.sort());
    expect(e.attention).toBe(true);
  });

  it('names each file that claims to be a report and cannot be shown, and what is wrong with it', () => {
    expect(problemOf('bad/truncated.json')).toMatchObject({ code: 'AIRLOCK_ERR_TRUNCATED' });
    expect(problemOf('bad/truncated.json')?.message).toMatch(/^airlock\.audit\/1: the JSON ends early/);
    expect(problemOf('bad/wrong-field.json')).toMatchObject({ code: 'AIRLOCK_ERR_MALFORMED' });
    expect(problemOf('bad/wrong-field.json')?.message).toMatch(/^airlock\.audit\/1: captures\[0\]\.status: /);
    expect(problemOf('bad/empty.json')).toMatchObject({ code: 'AIRLOCK_ERR_EMPTY' });
    expect(problemOf('bad/future.json')).toMatchObject({ code: 'AIRLOCK_ERR_UNSUPPORTED' });
    expect(problemOf('bad/one-release.json')?.message).toContain('airlock.vet-run/1');
    expect(problemOf('passwd.json')).toMatchObject({ code: 'AIRLOCK_ERR_IO' });
    expect(problemOf('passwd.json')?.message).toContain('outside the reports folder');
    // A real report, but outside: the link is not followed.
    expect(problemOf('out-link.json')).toMatchObject({ code: 'AIRLOCK_ERR_IO' });
    expect(problemOf('d1/d2/d3/d4/d5')).toMatchObject({ code: 'AIRLOCK_ERR_LIMIT' });
  });

  it('passes over unrelated JSON, hidden folders and links to folders without a word', () => {
    const named = [...listed.reports, ...listed.problems].map((x) => x.name);
    for (const n of ['unrelated.json', 'notes/readme.json', 'notes/broken-unrelated.json'])
      expect(named).not.toContain(n);
    expect(named.some((n) => n.startsWith('.hidden') || n.startsWith('etc-link'))).toBe(false);
    expect(listed.problems.map((p) => p.name).sort()).toEqual(
      [
        'bad/empty.json',
        'bad/future.json',
        'bad/one-release.json',
        'bad/truncated.json',
        'bad/wrong-field.json',
        'd1/d2/d3/d4/d5',
        'out-link.json',
        'passwd.json',
      ].sort(),
    );
  });

  it('keeps to its limits: a file over the size limit and a folder over the entry limit are problems', async () => {
    const small = await listReports(dir, { maxBytes: 2000 });
    expect(small.problems.find((p) => p.name === 'audit.json')).toMatchObject({ code: 'AIRLOCK_ERR_LIMIT' });
    expect(small.reports.map((r) => r.name)).not.toContain('audit.json');
    const few = await listReports(dir, { maxEntries: 3 });
    expect(few.problems).toContainEqual(expect.objectContaining({ name: '.', code: 'AIRLOCK_ERR_LIMIT' }));
    expect(few.reports.length).toBeLessThan(listed.reports.length);
  });

  it('a folder that does not exist is one problem, not a throw', async () => {
    const r = await listReports(join(tmp, 'nope'));
    expect(r).toEqual({
      reports: [],
      problems: [expect.objectContaining({ name: '.', code: 'AIRLOCK_ERR_IO' })],
    });
  });
});

describe('renderReport', () => {
  it('renders every listed report as a self-contained page: no script, nothing fetched', async () => {
    for (const r of listed.reports) {
      const html = await page(r.name);
      expect(html).toMatch(/^<!DOCTYPE html>/);
      expect(html).not.toMatch(/<script/i);
      const tags = html.match(/<[a-z!/][^>]*>/gi) ?? [];
      for (const t of tags) expect(t).not.toMatch(/\b(src|href|action|srcset|poster)\s*=/i);
    }
  });

  it('inspect: the page names every file the report has', async () => {
    const html = await page('2026/inspect.json');
    for (const f of json.inspect.files) expect(html).toContain(escapeHtml(f.path));
  });

  it('audit: the page names every destination', async () => {
    const html = await page('latest-audit.json');
    for (const d of json.audit.destinations) expect(html).toContain(escapeHtml(d.name));
  });

  it('vet: the page shows the diff against the approved release and every review reason', async () => {
    const html = await page('vet/bugly.json');
    expect(html).toContain('Release against the approved one');
    for (const why of json.vetDiff.reports[0].review) expect(html).toContain(escapeHtml(why));
  });

  it("scrub: the page lists every record's input and status, the totals, and the image hashes' agreement", async () => {
    const html = await page('batch-1/clean/airlock-manifest.json');
    const files = json.scrub.files as {
      input: string;
      status: string;
      withheld?: { detail: string };
      error?: string;
      imageHashIn?: string;
      imageHashOut?: string;
    }[];
    expect(files).toHaveLength(SCRUBBED.length);
    for (const f of files) {
      expect(html).toContain(`<code>${escapeHtml(f.input)}</code>`);
      if (f.withheld) expect(html).toContain(escapeHtml(f.withheld.detail));
      if (f.error) expect(html).toContain(escapeHtml(f.error));
    }
    const rows = html.match(/<span class="badge s-[a-z-]+">[a-z-]+<\/span>/g) ?? [];
    expect(rows.map((r) => r.replace(/<[^>]+>/g, ''))).toEqual(files.map((f) => f.status));
    const same = files.filter((f) => f.imageHashIn && f.imageHashIn === f.imageHashOut).length;
    expect(html.split('image data unchanged').length - 1).toBe(same);
    expect(html).toContain(`<b>${files.length} files</b>`);
  });

  it('escapes every string from the manifest', async () => {
    const html = await page('hostile/airlock-manifest.json');
    expect(html).not.toMatch(/<script|<img|<a /i);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).not.toMatch(/(src|href)="http/);
  });

  it('404 for any name listReports would not list: traversal, absolute, NUL, hidden, unrelated, too deep', async () => {
    for (const name of [
      '../outside.json',
      'bad/../../outside.json',
      join(tmp, 'outside.json'),
      '/etc/passwd',
      'passwd.json',
      'out-link.json',
      'etc-link/passwd',
      'audit.json\0.html',
      './audit.json',
      'vet//bugly.json',
      '.hidden/inspect.json',
      'unrelated.json',
      'notes/readme.json',
      'no-such.json',
      'audit',
      '',
      'd1/d2/d3/d4/d5/inspect.json',
      'batch-1\\..\\..\\outside.json',
    ]) {
      const r = await renderReport(dir, name);
      expect(r, name).toMatchObject({ ok: false, status: 404 });
      if (!r.ok) expect(r.message).not.toMatch(/root:/);
    }
  });

  it('413 for a report over the size limit, 422 with the reason for one that fails its schema', async () => {
    expect(await renderReport(dir, 'audit.json', { maxBytes: 2000 })).toMatchObject({
      ok: false,
      status: 413,
    });
    const bad = await renderReport(dir, 'bad/wrong-field.json');
    expect(bad).toMatchObject({ ok: false, status: 422 });
    expect(!bad.ok && bad.message).toContain('captures[0].status');
    expect(await renderReport(dir, 'bad/truncated.json')).toMatchObject({ ok: false, status: 422 });
  });

  it('reads the file again: a report changed since the listing is judged as it is now', async () => {
    write('later.json', runs.audit.stdout);
    expect((await page('later.json')).length).toBeGreaterThan(0);
    write('later.json', runs.audit.stdout.slice(0, 100));
    expect(await renderReport(dir, 'later.json')).toMatchObject({ ok: false, status: 422 });
    rmSync(join(dir, 'later.json'));
  });
});
