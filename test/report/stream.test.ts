/**
 * The streamed report (what the CLI prints) is the same report as the whole one: the JSON parses
 * to exactly the collected report, one line per file, the totals agree with the
 * per-file oracle, reports come out one file at a time, and an aborted HTML write leaves nothing.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectPaths, inspectStream } from '../../src/inspect/run.js';
import { defaultPolicy, policyHash } from '../../src/policy/index.js';
import { inspectExitCode } from '../../src/report/exit-codes.js';
import { jsonWriter } from '../../src/report/json.js';
import type { InspectReport } from '../../src/report/model.js';
import { atomicFileSink } from '../../src/report/sink.js';
import { renderWith } from '../../src/report/writer.js';
import { airlock } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';
import { hostileReport } from './fixture.js';

const policy = defaultPolicy();
const opts = { policy, policyHash: policyHash(policy) };
/** The documented layout: valid JSON equal to the report, and each file alone on one line. */
function expectLayout(out: string, r: InspectReport): void {
  expect(JSON.parse(out)).toEqual(r);
  const lines = out.split('\n').filter((l) => /^\s*\{"path":/.test(l));
  expect(lines).toHaveLength(r.files.length);
  for (const [i, l] of lines.entries()) expect(JSON.parse(l.trim().replace(/,$/, ''))).toEqual(r.files[i]);
}
const tmp = mkdtempSync(join(tmpdir(), 'airlock-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('streamed JSON', () => {
  it('writes the whole report, one line per file (hostile strings, 5,000 findings)', () => {
    const r = hostileReport();
    expectLayout(renderWith(jsonWriter, r), r);
  });

  it('writes a file line with many findings in pieces, never as one string', () => {
    const r = hostileReport();
    const big = r.files.reduce((a, b) => (b.findings.length > a.findings.length ? b : a));
    expect(big.findings.length).toBeGreaterThan(4096);
    const parts: string[] = [];
    const whole = renderWith(
      (write) =>
        jsonWriter((chunk) => {
          parts.push(chunk);
          write(chunk);
        }),
      r,
    );
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThan(JSON.stringify(big).length);
    expectLayout(whole, r);
  });

  it('writes an empty files array as valid JSON', () => {
    const r = { ...hostileReport(), files: [] };
    expectLayout(renderWith(jsonWriter, r), r);
  });

  it('the CLI streams the same report inspectPaths collects over the media corpus', async () => {
    const dir = corpusFile('media');
    const cli = airlock(['inspect', '--json', '--no-progress', dir]);
    const streamed = JSON.parse(cli.stdout) as InspectReport;
    const whole = await inspectPaths([dir], { ...opts, command: streamed.command });
    whole.generatedAt = streamed.generatedAt;
    expectLayout(cli.stdout, whole);
    expect(cli.code).toBe(whole.exitCode);
  });
});

describe('totals counted on the fly', () => {
  it('agree with counts taken over the collected corpus files, and with inspectExitCode()', async () => {
    const r = await inspectPaths([corpusFile('media'), corpusFile('srt')], opts);
    const files = r.files;
    expect(files.length).toBeGreaterThan(20);
    const all = files.flatMap((f) => f.findings);
    const byCategory: Record<string, number> = {};
    for (const x of all) byCategory[x.category] = (byCategory[x.category] ?? 0) + 1;
    const count = (s: string): number => files.filter((f) => f.status === s).length;
    expect(r.summary).toEqual({
      files: files.length,
      byStatus: {
        read: count('read'),
        partial: count('partial'),
        'not-read': count('not-read'),
        error: count('error'),
      },
      sensitiveFiles: files.filter((f) => f.findings.some((x) => x.category !== 'display')).length,
      findings: all.length,
      byCategory,
      filesInZones: files.filter((f) => f.zones.length > 0).length,
    });
    expect(r.exitCode).toBe(inspectExitCode(files));
  });
});

describe('inspectStream', () => {
  it('reads each file only when its report is asked for (nothing is collected ahead)', async () => {
    const dir = join(tmp, 'lazy');
    mkdirSync(dir);
    copyFileSync(corpusFile('media/exiftool-GPS.jpg'), join(dir, 'a.jpg'));
    copyFileSync(corpusFile('media/exiftool-GPS.jpg'), join(dir, 'b.jpg'));
    const it = inspectStream([dir], opts);
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({ status: 'read' });
    // b.jpg was listed by the walk but not yet read: removed now, it is reported as an error.
    rmSync(join(dir, 'b.jpg'));
    const second = await it.next();
    expect(second.value).toMatchObject({ path: join(dir, 'b.jpg'), status: 'error' });
    expect((await it.next()).done).toBe(true);
  });
});

describe('HTML written incrementally', () => {
  it('an aborted report leaves neither the file nor its temporary', () => {
    const path = join(tmp, 'aborted.html');
    const sink = atomicFileSink(path, { replace: false, flag: '--html' });
    sink.write('x'.repeat(200_000)); // past the chunk size: some of it reached the disk
    sink.abort();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.startsWith('aborted'))).toEqual([]);
  });

  it('the CLI page holds one section per file and the totals, and appears only once complete', () => {
    const path = join(tmp, 'report.html');
    const r = airlock(['inspect', '--no-progress', '--html', path, corpusFile('media')]);
    const html = readFileSync(path, 'utf8');
    const files = readdirSync(corpusFile('media')).length;
    expect(html.match(/<section>/g)?.length).toBe(files);
    expect(html).toMatch(new RegExp(`<p class="summary"><b>${files} files</b>.*exit code ${r.code}</p>`));
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(readdirSync(tmp).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('an existing file is not replaced without --force, for inspect and audit alike (exit 2); with it, it is', () => {
    const media = corpusFile('media', 'exiftool-GPS.jpg');
    const capture = corpusFile('pcap', 'zeek-http-putty-upload.pcap');
    for (const [command, input, flag] of [
      ['inspect', media, '--html'],
      ['audit', capture, '--html'],
      ['audit', capture, '--connections'],
    ] as const) {
      const path = join(tmp, `kept-${command}${flag}.out`);
      writeFileSync(path, 'precious');
      const r = airlock([command, input, flag, path]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${flag} ${path} exists: not overwritten (use --force)`);
      expect(readFileSync(path, 'utf8')).toBe('precious');
      const forced = airlock([command, input, flag, path, '--force']);
      expect(forced.code, forced.stderr).not.toBe(2);
      expect(readFileSync(path, 'utf8')).not.toBe('precious');
    }
    expect(readdirSync(tmp).filter((n) => n.includes('.tmp'))).toEqual([]);
  });
});
