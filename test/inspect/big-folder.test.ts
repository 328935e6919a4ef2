/**
 * The walker at scale and against hostile trees, through the real CLI run as an unprivileged
 * user: 3,000 small files, a FIFO, a folder named like a JPEG, a symlink loop, a dangling link
 * and a file nobody may read. Everything else is reported, each problem is listed, exit 2.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../../src/report/model.js';
import { airlock } from '../cli/built.js';

const N = 3000;
let dir: string;

/** A DJI Mavic Pro style SRT cue (HOME is lon,lat): fictional positions, one per file. */
const srt = (i: number): string =>
  `1\n00:00:01,000 --> 00:00:02,000\nHOME(-1.7452,53.2179) 2024.05.01 10:00:00\nGPS(-1.7441,${(53.2 + i / 1e5).toFixed(5)},16) BAROMETER:1.9\nISO:100 Shutter:60 EV: Fnum:2.2\n\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-big-'));
  chmodSync(dir, 0o755);
  for (let d = 0; d < 30; d++) {
    const sub = join(dir, `flight-${String(d).padStart(2, '0')}`);
    mkdirSync(sub);
    for (let i = 0; i < N / 30; i++) {
      const n = d * (N / 30) + i;
      // A few empty files too: they are read (0 bytes, nothing in them).
      writeFileSync(join(sub, `DJI_${String(n).padStart(4, '0')}.SRT`), n % 100 === 0 ? '' : srt(n));
    }
  }
  execFileSync('mkfifo', [join(dir, 'pipe.SRT')]);
  mkdirSync(join(dir, 'x.jpg'));
  symlinkSync('..', join(dir, 'x.jpg', 'loop'));
  symlinkSync('does-not-exist', join(dir, 'dangling.jpg'));
  writeFileSync(join(dir, 'secret.SRT'), srt(1));
  chmodSync(join(dir, 'secret.SRT'), 0o000);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inspect on a hostile folder of 3,000 files, as an unprivileged user', () => {
  let report: InspectReport;
  let code: number | null;

  beforeAll(() => {
    const r = airlock(['inspect', '--json', '--no-progress', dir], { as: 'nobody' });
    code = r.code;
    report = JSON.parse(r.stdout) as InspectReport;
  }, 120_000);

  it('reads every regular file and exits 2 because some entries could not be read', () => {
    const read = report.files.filter((f) => f.status === 'read');
    expect(read).toHaveLength(N);
    expect(read.filter((f) => f.format === 'srt')).toHaveLength(N - N / 100);
    expect(code).toBe(2);
    expect(report.exitCode).toBe(2);
  });

  it('lists the FIFO, the loop, the dangling link and the unreadable file as errors, each by path', () => {
    const errors = Object.fromEntries(
      report.files
        .filter((f) => f.status === 'error')
        .map((f) => [f.path.slice(dir.length + 1), f.error?.message]),
    );
    expect(Object.keys(errors).sort()).toEqual(['dangling.jpg', 'pipe.SRT', 'secret.SRT', 'x.jpg/loop']);
    expect(errors['pipe.SRT']).toMatch(/FIFO/);
    expect(errors['x.jpg/loop']).toMatch(/symlink loop/);
    expect(errors['secret.SRT']).toMatch(/EACCES/);
    expect(errors['dangling.jpg']).toMatch(/ENOENT/);
  });

  it('reports files in a deterministic order (roots as given, names sorted)', () => {
    const paths = report.files.map((f) => f.path);
    expect(paths).toEqual([...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('finds the operator position (HOME) in the SRT files', () => {
    const f = report.files.find((x) => x.path.endsWith('DJI_0001.SRT'));
    const home = f?.findings.find((x) => x.category === 'location.operator');
    expect(home?.value).toMatchObject({ kind: 'position', position: { lat: 53.2179, lon: -1.7452 } });
  });
});
