/**
 * `airlock gateway windows` (the built CLI): the unlock windows an auditor can read — open ones by
 * default, every one with --all — each with its state and whether it authenticates and is what its
 * latest chained row says; exit 1 when a listed one is not; the store only read. Damage is done
 * with Debian's sqlite3 shell, as by someone with write access to the database but not the key.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListedWindow } from '../../src/gateway/unlock-windows.js';
import { airlock, type Run } from './built.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-windows-'));
const policy = join(dir, 'airlock.yaml');
const db = join(dir, 'airlock.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]): Run => airlock([...args, '--policy', policy], { cwd: dir });
const sql = (stmt: string): string => execFileSync('/usr/bin/sqlite3', [db, stmt]).toString().trim();
const json = (r: Run) => JSON.parse(r.stdout) as ListedWindow[];
/** The table's data lines, split on runs of two spaces or more (cells hold single spaces). */
const table = (r: Run) =>
  r.stdout
    .split('\n\n')[0]!
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/ {2,}/));

let relocked = 0;
let open = 0;
let expired = 0;
/** Window `relocked`'s until_ms and MAC before it was ended. */
let before: string[] = [];

beforeAll(() => {
  writeFileSync(policy, 'network:\n  mode: one-way\n  allow: [{host: up.test}]\n');
  const unlock = (host: string, reason: string, forTime = '10m') => {
    const r = run('gateway', 'unlock', host, '--for', forTime, '--reason', reason, '--by', 'ops');
    expect(r.code, r.stderr).toBe(0);
    return Number(/^unlock window (\d+):/.exec(r.stdout)![1]);
  };
  relocked = unlock('up.test', 'flight records, job 8');
  before = sql(`SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = ${relocked}`).split(' ');
  expect(run('gateway', 'relock', String(relocked)).code).toBe(0);
  expired = unlock('fw.test', 'firmware, job 9', '1s');
  open = unlock('*.dji.com', 'geofence unlock, job 10', '1h');
  // Window `expired` runs its course.
  execFileSync('sleep', ['1.2']);
});

describe('gateway windows on an intact store', () => {
  it('lists the open windows by default, as a table; exit 0', () => {
    const r = run('gateway', 'windows');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [head, ...rows] = table(r);
    expect(head).toEqual(['ID', 'HOST', 'FROM', 'UNTIL', 'STATE', 'CHECK', 'BY', 'REASON']);
    expect(rows).toEqual([
      [
        String(open),
        '*.dji.com',
        expect.stringMatching(/^\d{4}-/),
        expect.any(String),
        'open',
        'ok',
        'ops',
        'geofence unlock, job 10',
      ],
    ]);
  });

  it('--all lists every window with its state: ended (relocked), expired, open', () => {
    const r = run('gateway', 'windows', '--all');
    expect(r.code).toBe(0);
    const rows = table(r).slice(1);
    expect(rows.map((c) => [Number(c[0]), c[4], c[5]])).toEqual([
      [relocked, 'ended', 'ok'],
      [expired, 'expired', 'ok'],
      [open, 'open', 'ok'],
    ]);
  });

  it('--json: one object per window, with its times, state and checks', () => {
    const w = json(run('gateway', 'windows', '--all', '--json'));
    expect(w.map((x) => x.id)).toEqual([relocked, expired, open]);
    expect(w[0]).toMatchObject({
      host: 'up.test',
      state: 'ended',
      check: 'ok',
      authenticates: true,
      matchesChain: true,
      chainSeq: expect.any(Number),
      problem: null,
      reason: 'flight records, job 8',
      createdBy: 'ops',
    });
    expect(new Date(w[0]!.until).getTime()).toBe(w[0]!.untilMs);
    expect(w[0]!.untilMs).toBeLessThan(Number(before[0]));
  });
});

describe('gateway windows on a store written without the key', () => {
  it('a relocked window put back as it was, and a forged one: listed open, failing their check; exit 1; the store untouched', () => {
    sql(`UPDATE unlock_windows SET until_ms = ${before[0]}, mac = '${before[1]}' WHERE id = ${relocked}`);
    const now = Date.now();
    sql(
      `INSERT INTO unlock_windows (host, from_ms, until_ms, reason, created_ms) VALUES ('x.test', ${now}, ${now + 3_600_000}, 'forged' || char(27) || '[2K', ${now})`,
    );
    const forged = Number(sql('SELECT MAX(id) FROM unlock_windows'));
    const hash = () => createHash('sha256').update(readFileSync(db)).digest('hex');
    const was = hash();
    const r = run('gateway', 'windows');
    expect(hash()).toBe(was);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^airlock gateway windows: 2 windows listed do not authenticate .*\\(the first: ${relocked}\\)`,
      ),
    );
    const rows = table(r).slice(1);
    expect(rows.map((c) => [Number(c[0]), c[4], c[5]])).toEqual([
      [relocked, 'open', 'chain-mismatch'],
      [open, 'open', 'ok'],
      [forged, 'open', 'no-mac'],
    ]);
    // A value cannot drive the terminal: the escape is shown, not sent.
    expect(r.stdout).toContain('forged\\u001b[2K');
    expect(r.stdout).not.toContain('\u001b');
    const why = r.stdout.split('\n\n')[1]!.trimEnd().split('\n');
    expect(why).toEqual([
      expect.stringMatching(
        new RegExp(
          `^window ${relocked} \\(up\\.test\\): chain-mismatch: it is not what its latest chained unlock row \\(seq \\d+\\) says: until_ms`,
        ),
      ),
      expect.stringMatching(new RegExp(`^window ${forged} \\(x\\.test\\): no-mac: it has no MAC`)),
    ]);
    const w = json(run('gateway', 'windows', '--json'));
    expect(w.find((x) => x.id === relocked)).toMatchObject({ authenticates: true, matchesChain: false });
    expect(w.find((x) => x.id === forged)).toMatchObject({ authenticates: false, matchesChain: false });
  });
});
