/**
 * `airlock inspect DIR | head`: the reader goes away after a line. The run must still finish and
 * exit with the code a full run gives (before: the report waited for a 'drain' that a closed
 * pipe never sends, the event loop emptied, and the process exited 0 halfway), and a scrub must
 * still finish its manifest. Many symlinks to one corpus still make a report longer than a pipe.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusFile } from '../helpers/corpus.js';
import { BIN, ensureBuilt } from './built.js';

const base = mkdtempSync(join(tmpdir(), 'airlock-closed-stdout-'));
const many = join(base, 'many');
afterAll(() => rmSync(base, { recursive: true, force: true }));
beforeAll(() => {
  ensureBuilt();
  mkdirSync(many);
  for (let i = 0; i < 300; i++) symlinkSync(corpusFile('media', 'exiftool-GPS.jpg'), join(many, `g${i}.jpg`));
  // A file Airlock cannot clean yet: a full run exits 2, which no crash gives.
  symlinkSync(corpusFile('media', 'mat2-dirty.png'), join(many, 'z.png'));
});

/** Exit code and stderr of `airlock ARGS` whose stdout is closed after its first chunk. */
function closedAfterFirstChunk(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.stdout.once('data', () => p.stdout.destroy());
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

const fullRun = (args: string[]): number | null =>
  spawnSync(process.execPath, [BIN, ...args], { stdio: 'ignore' }).status;

describe('a reader that goes away', () => {
  it('inspect, text and JSON: the exit code of a full run', async () => {
    for (const args of [
      ['inspect', many],
      ['inspect', many, '--json'],
    ]) {
      const full = fullRun(args);
      expect(full, 'a full run withholds the PNG: exit 2').toBe(2);
      const cut = await closedAfterFirstChunk(args);
      expect(cut.code, args.join(' ')).toBe(full);
      expect(cut.stderr).not.toMatch(/EPIPE|internal error/);
    }
  });

  it('scrub: every file done and the manifest complete', async () => {
    const out = join(base, 'out');
    const cut = await closedAfterFirstChunk(['scrub', many, '--out', out, '--no-progress']);
    expect(cut.code, 'the PNG withheld: exit 2').toBe(2);
    expect(cut.stderr).not.toMatch(/EPIPE|internal error/);
    const m = JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8')) as {
      complete: boolean;
      files: { status: string }[];
    };
    expect(m.complete).toBe(true);
    expect(m.files.filter((f) => f.status === 'clean').length).toBe(300);
    expect(m.files.filter((f) => f.status === 'withheld').length).toBe(1);
  });
});
