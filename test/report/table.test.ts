import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTable } from '../../src/report/table.js';
import { ROOT } from '../helpers/corpus.js';
import { hostileReport } from './fixture.js';

const ESC = /\u001b\[/;

describe('terminal table', () => {
  it('folds 5,000 SRT frames into one row with the count and the first value', () => {
    const out = renderTable(hostileReport(), { color: false });
    const srt = out.slice(out.indexOf('media/flight.SRT'), out.indexOf('media/clip.mp4'));
    const rows = srt.split('\n').filter((l) => l.includes('location.drone'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/5000×\s+first: 51\.500000, -0\.100000\s+drop$/);
  });

  it('never passes a control character from a file to the terminal (no forged lines, no ANSI)', () => {
    const out = renderTable(hostileReport(), { color: false });
    expect(out).not.toMatch(ESC);
    expect(out).not.toMatch(/^fake line/m);
    expect(out).toContain('\\u001b[2J');
  });

  it('shows a not-read file with what it is, and ends with the summary and verdict', () => {
    const out = renderTable(hostileReport(), { color: false });
    expect(out).toContain("media/clip.mp4  -  not read\n  ISO-BMFF video (brand 'isom'): not yet supported");
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/not fully read.*exit 2/);
    expect(out).toContain('3 files: 2 read, 1 not read');
  });

  it('colours when asked', () => {
    expect(renderTable(hostileReport(), { color: true })).toMatch(ESC);
  });
});

describe('colour detection (picocolors, as the CLI uses it)', () => {
  const script = join(tmpdir(), `airlock-table-${process.pid}.mjs`);
  afterAll(() => rmSync(script, { force: true }));
  beforeAll(() => {
    const report = JSON.stringify(hostileReport());
    const table = join(ROOT, 'dist/report/table.js');
    writeFileSync(
      script,
      `import { renderTable } from ${JSON.stringify(table)};\nprocess.stdout.write(renderTable(${report}));\n`,
    );
  });
  const run = (env: Record<string, string>): string =>
    spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' })
      .stdout;

  it('FORCE_COLOR alone gives colour (the control for the next test)', () => {
    expect(run({ FORCE_COLOR: '1' })).toMatch(ESC);
  });

  it('NO_COLOR wins, even over FORCE_COLOR', () => {
    const out = run({ FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(out).toContain('media/flight.SRT');
    expect(out).not.toMatch(ESC);
  });

  it('no colour when stdout is not a terminal', () => {
    const out = run({});
    expect(out).toContain('media/flight.SRT');
    expect(out).not.toMatch(ESC);
  });
});
