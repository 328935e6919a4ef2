/**
 * inspect on worker threads gives the single-thread report, byte for byte, in walk order: the
 * real corpus plus a generated folder of a few hundred files (SRT cues, empty and truncated
 * files, random bytes, a FIFO), run through the built CLI with --workers 1 and --workers 2.
 * A worker that dies on a file makes that file an error naming it; the run goes on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Run from '../../src/inspect/run.js';
import type * as Policies from '../../src/policy/index.js';
import type { FileReport } from '../../src/report/model.js';
import { airlock } from '../cli/built.js';
import { CORPUS, ROOT } from '../helpers/corpus.js';

const N = 300;
let dir: string;

const srt = (i: number): string =>
  `1\n00:00:01,000 --> 00:00:02,000\nHOME(-1.7452,53.2179) 2024.05.01 10:00:00\nGPS(-1.7441,${(53.2 + i / 1e5).toFixed(5)},16) BAROMETER:1.9\n\n`;
/** JPEG starts that end early or lie about their lengths: errors and warnings must match too. */
const jpegs = [
  Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x40, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00]),
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02, 0xff, 0xd9]),
  Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x4d, 0x4d]),
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-workers-'));
  for (let d = 0; d < 3; d++) mkdirSync(join(dir, `f${d}`));
  for (let i = 0; i < N; i++) {
    const sub = join(dir, `f${i % 3}`);
    const name = String(i).padStart(4, '0');
    if (i % 50 === 0) writeFileSync(join(sub, `${name}.SRT`), '');
    else if (i % 17 === 0) writeFileSync(join(sub, `${name}.JPG`), jpegs[i % 3] as Buffer);
    else if (i % 23 === 0) writeFileSync(join(sub, `${name}.bin`), Buffer.from(`${i}`.repeat(97)));
    else writeFileSync(join(sub, `${name}.SRT`), srt(i));
  }
  execFileSync('mkfifo', [join(dir, 'f1', 'pipe.SRT')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The report minus what differs between two runs by design: the clock and the command line. */
const comparable = (json: string): string =>
  json.replace(/^ {2}"generatedAt": .*\n/m, '').replace(/^ {2}"command": .*\n/m, '');

describe('inspect --workers', () => {
  it('writes the same JSON report with 2 workers as with 1, corpus and generated folder', () => {
    const one = airlock(['inspect', '--json', '--no-progress', '--workers', '1', CORPUS, dir]);
    const two = airlock(['inspect', '--json', '--no-progress', '--workers', '2', CORPUS, dir]);
    expect(two.stderr).toBe('');
    expect(two.code).toBe(one.code);
    const files = (JSON.parse(one.stdout) as { files: FileReport[] }).files;
    // The run is big enough for the pool (>= 64 files) and holds every kind of outcome.
    expect(files.length).toBeGreaterThan(N + 200);
    const statuses = new Set(files.map((f) => f.status));
    for (const s of ['read', 'partial', 'error', 'not-read']) expect(statuses).toContain(s);
    expect(comparable(two.stdout)).toBe(comparable(one.stdout));
  }, 120_000);

  it('refuses --workers 0 as a usage error', () => {
    const r = airlock(['inspect', '--json', '--workers', '0', dir]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--workers 0/);
    expect(r.code).not.toBe(0);
  });
});

describe('a worker that dies on a file', () => {
  it('makes that file an error naming it, keeps walk order, and reads every other file', async () => {
    const crash = join(dir, 'f1', '0100-CRASH.SRT');
    writeFileSync(crash, srt(1));
    try {
      const dist = (p: string): string => pathToFileURL(join(ROOT, 'dist', p)).href;
      const { inspectStream } = (await import(dist('inspect/run.js'))) as typeof Run;
      const { defaultPolicy, policyHash } = (await import(dist('policy/index.js'))) as typeof Policies;
      const policy = defaultPolicy();
      const opts = { policy, policyHash: policyHash(policy) };
      const collect = async (o: Parameters<typeof inspectStream>[1]): Promise<FileReport[]> => {
        const out: FileReport[] = [];
        for await (const f of inspectStream([dir], o)) out.push(f);
        return out;
      };
      const single = await collect({ ...opts, workers: 1 });
      const pooled = await collect({
        ...opts,
        workers: 2,
        workerUrl: new URL('./fixtures/crashing-inspect-worker.mjs', import.meta.url),
      });
      expect(pooled.map((f) => f.path)).toEqual(single.map((f) => f.path));
      const lost = pooled.find((f) => f.path === crash);
      expect(lost?.status).toBe('error');
      expect(lost?.error?.message).toMatch(/not inspected: worker thread stopped .*code 9/);
      expect(lost?.error?.code).toBe('AIRLOCK_ERR_MALFORMED');
      const rest = (r: FileReport[]): FileReport[] => r.filter((f) => f.path !== crash);
      expect(rest(pooled)).toEqual(rest(single));
    } finally {
      rmSync(crash);
    }
  }, 60_000);
});
