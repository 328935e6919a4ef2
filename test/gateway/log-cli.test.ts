/**
 * `airlock log verify|show|export` (the built CLI) on damaged, emptied and un-anchored logs: a
 * verdict naming the row, or an error naming the file — never a stack trace, never a write to the
 * store, and a missing anchor fails closed unless the auditor gives the head they kept or accepts
 * it. show and export give every row, a damaged one marked so, and exit 1.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecord } from '../../src/gateway/record/open.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { DnsLogRow } from '../../src/store/types.js';
import { airlock, type Run } from '../cli/built.js';

const ROWS = 600;
const root = mkdtempSync(join(tmpdir(), 'airlock-logcli-'));
const pristine = join(root, 'pristine');
const FILES = ['airlock.sqlite', 'airlock.hmac.key', 'airlock.anchor', 'airlock.yaml'];
let headMac = '';

afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  mkdirSync(pristine);
  writeFileSync(join(pristine, 'airlock.yaml'), 'network:\n  mode: monitor\n');
  const rec = await openRecord(defaultPolicy().store, pristine, 'create');
  const now = Date.now();
  const row = (i: number): DnsLogRow => ({
    kind: 'dns',
    tsMs: now - (ROWS - i) * 1000,
    client: '10.0.0.2',
    qname: `q${i}.example`,
    qtype: 'A',
    mode: 'monitor',
    verdict: 'allow',
    reason: 'monitor',
  });
  const chained = await rec.store.appendLogs(Array.from({ length: ROWS }, (_, i) => row(i + 1)));
  headMac = chained.at(-1)!.mac;
  writeFileSync(rec.paths.anchor, `${JSON.stringify({ seq: ROWS, mac: headMac, tsMs: now })}\n`);
  await rec.store.close();
});

let n = 0;
/** A copy of the pristine record (less `without`), with `sql` run on its database. */
function copy(sql?: string, without: string[] = []): string {
  const d = join(root, `case${++n}`);
  mkdirSync(d);
  for (const f of FILES) if (!without.includes(f)) copyFileSync(join(pristine, f), join(d, f));
  if (sql) {
    const raw = new Database(join(d, 'airlock.sqlite'));
    raw.exec(sql);
    raw.close();
  }
  return d;
}

const log = (d: string, ...args: string[]): Run =>
  airlock(['log', ...args, '--policy', join(d, 'airlock.yaml')], { cwd: d });

/** No stack trace, no "internal error": a message a user can act on. */
const clean = (r: Run) => {
  expect(r.stderr).not.toMatch(/internal error|SyntaxError|SqliteError|\n\s+at /);
};

describe('log verify and show on a damaged log', () => {
  it('verifies the untouched log and prints the head to keep', () => {
    const r = log(copy(), 'verify');
    expect(r.stdout).toBe(`ok: ${ROWS} rows, head ${ROWS}:${headMac}; anchor seq ${ROWS}\n`);
    expect(r.code).toBe(0);
  });

  it('an edited ts_ms (a row moved out of --since) fails verify at that row, and show and export still give it, marked', () => {
    const d = copy('UPDATE event_log SET ts_ms = ts_ms - 2592000000 WHERE seq = 550');
    // The window's query selects by the column: the row comes back from the look between rows.
    const s = log(d, 'show', '--since', '2h');
    const marked = s.stdout.split('\n').filter((l) => l.includes('DAMAGED'));
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatch(
      /^ {3}550 DAMAGED \[its ts_ms column says -?\d+, its MACed body \d+: its time \S+ is in this window, which passed it over/,
    );
    expect(marked[0]).toMatch(/q550\.example/);
    expect(s.stdout.trimEnd().split('\n')).toHaveLength(ROWS);
    expect(s.code).toBe(1);
    const e = log(d, 'export', '--json', '--since', '2h');
    const damaged = e.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; damaged?: string })
      .filter((x) => x.damaged !== undefined);
    expect(damaged.map((x) => x.seq)).toEqual([550]);
    expect(e.code).toBe(1);
    // The first and the last rows of a window, moved out, are found too.
    for (const seq of [1, ROWS]) {
      const edge = log(copy(`UPDATE event_log SET ts_ms = 0 WHERE seq = ${seq}`), 'show', '--since', '2h');
      expect(edge.stdout.split('\n').filter((l) => l.includes('DAMAGED'))[0]).toMatch(
        new RegExp(`^ *${seq} DAMAGED \\[its ts_ms column says 0, .*is in this window, which passed it over`),
      );
      expect(edge.code).toBe(1);
    }
    const r = log(d, 'verify');
    expect(r.stdout).toMatch(/^FAILED: column-mismatch at seq 550: its ts_ms column says/);
    expect(r.code).toBe(1);
  });

  it('an edited kind fails verify at that row', () => {
    const r = log(copy("UPDATE event_log SET kind = 'unlock' WHERE seq = 7"), 'verify');
    expect(r.stdout).toMatch(/^FAILED: column-mismatch at seq 7: its kind column/);
    expect(r.code).toBe(1);
  });

  it('a body that is not JSON: verify names the row; show prints every row, that one marked, exit 1; no stack', () => {
    const d = copy("UPDATE event_log SET body = '{' WHERE seq = 501");
    const v = log(d, 'verify');
    expect(v.stdout).toMatch(/^FAILED: mac-mismatch at seq 501: its body is not JSON/);
    expect(v.code).toBe(1);
    clean(v);
    const s = log(d, 'show');
    const lines = s.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(ROWS);
    expect(lines[500]).toBe('   501 DAMAGED [its body is not JSON (unreadable)] body: {');
    expect(lines.filter((l) => l.includes('DAMAGED'))).toHaveLength(1);
    expect(lines[501]).toMatch(/^ {3}502 .* q502\.example A allow \(monitor\)$/);
    expect(s.stderr).toMatch(/1 row marked DAMAGED \(the first at seq 501\)/);
    expect(s.code).toBe(1);
    clean(s);
  });

  it('show lists the rows past an edited and a deleted row, marking the edited one and the one after the gap', () => {
    // The edit hides control characters: shown escaped, they cannot forge a line on the terminal.
    const d = copy(
      `UPDATE event_log SET body = replace(body, 'q20.example', 'q20.example\\u001b[2K\\nforged') WHERE seq = 20;
       DELETE FROM event_log WHERE seq = 40;`,
    );
    const s = log(d, 'show');
    const lines = s.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(ROWS - 1);
    expect(lines.filter((l) => l.includes('DAMAGED')).map((l) => l.slice(0, 60))).toEqual(
      [
        '    20 DAMAGED [the MAC does not match the row] 2',
        '    41 DAMAGED [row 40 before it is missing] 2',
      ].map((l) => expect.stringContaining(l)),
    );
    expect(lines[19]).toContain('q20.example\\u001b[2K\\u000aforged');
    expect(lines.at(-1)).toMatch(/q600\.example/);
    expect(s.stderr).toMatch(/2 rows marked DAMAGED \(the first at seq 20\)/);
    expect(s.code).toBe(1);
    // The untouched log: nothing marked, exit 0.
    const ok = log(copy(), 'show', '--after', '590');
    expect(ok.stdout.trimEnd().split('\n')).toHaveLength(10);
    expect(ok.stdout).not.toContain('DAMAGED');
    expect(ok.code).toBe(0);
  });

  it('a dropped event_log table: an error naming the file and the table, for verify and show', () => {
    const d = copy('DROP TABLE event_log');
    for (const cmd of ['verify', 'show']) {
      const r = log(d, cmd);
      expect(r.stderr).toContain(`${join(d, 'airlock.sqlite')}: the database has no event_log table`);
      expect(r.code).toBe(2);
      clean(r);
    }
  });
});

describe('log export on a damaged log', () => {
  /** A copy damaged with Debian's sqlite3 shell, as someone with write access to the database. */
  function damaged(): string {
    const d = copy();
    execFileSync('/usr/bin/sqlite3', [
      join(d, 'airlock.sqlite'),
      `UPDATE event_log SET body = '{' WHERE seq = 501;
       UPDATE event_log SET body = replace(body, 'q550.example', 'q550.forged') WHERE seq = 550;`,
    ]);
    return d;
  }
  const csvCells = (line: string) => line.split(',');

  it('CSV: every row, the damaged ones with why in the damaged column; exit 1 naming the first', () => {
    const r = log(damaged(), 'export', '--csv');
    const [header, ...lines] = r.stdout.trimEnd().split('\n');
    const cols = header!.split(',');
    const at = (line: string, k: string) => csvCells(line)[cols.indexOf(k)];
    expect(cols.at(-1)).toBe('damaged');
    expect(lines).toHaveLength(ROWS);
    expect(lines.map((l) => at(l, 'seq'))).toEqual(Array.from({ length: ROWS }, (_, i) => String(i + 1)));
    const bad = lines.filter((l) => at(l, 'damaged') !== '');
    expect(bad.map((l) => [at(l, 'seq'), at(l, 'damaged')])).toEqual([
      ['501', 'its body is not JSON (unreadable)'],
      ['550', 'the MAC does not match the row'],
    ]);
    // The edited row says what it now says, beside why it cannot be trusted; the next one is sound.
    expect(at(lines[549]!, 'name')).toBe('q550.forged');
    expect(at(lines[501]!, 'name')).toBe('q502.example');
    expect(r.stderr).toBe(
      'airlock log export: 2 rows exported as damaged (the first at seq 501): the chain does not hold there; airlock log verify checks the whole log\n',
    );
    expect(r.code).toBe(1);
    clean(r);
  });

  it('JSON Lines: every row, a damaged one with damaged (and its stored body when not JSON); exit 1', () => {
    const r = log(damaged(), 'export', '--json', '--since', '2h');
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(ROWS);
    expect(rows[500]).toEqual({
      seq: 501,
      body: '{',
      prevMac: expect.stringMatching(/^[0-9a-f]{64}$/),
      mac: expect.stringMatching(/^[0-9a-f]{64}$/),
      damaged: 'its body is not JSON (unreadable)',
    });
    expect(rows[549]).toMatchObject({
      seq: 550,
      row: { qname: 'q550.forged' },
      damaged: 'the MAC does not match the row',
    });
    expect(rows.filter((x) => 'damaged' in x)).toHaveLength(2);
    expect(Object.keys(rows[0]!)).toEqual(['seq', 'row', 'prevMac', 'mac']);
    expect(r.stderr).toMatch(/^airlock log export: 2 rows exported as damaged \(the first at seq 501\)/);
    expect(r.code).toBe(1);
    clean(r);
  });

  it('the untouched log: no damaged value, exit 0', () => {
    const d = copy();
    const csv = log(d, 'export', '--csv');
    expect(csv.stdout.trimEnd().split('\n')).toHaveLength(ROWS + 1);
    expect(
      csv.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .every((l) => l.endsWith(',')),
    ).toBe(true);
    expect(csv.stderr).toBe('');
    expect(csv.code).toBe(0);
    const json = log(d, 'export', '--json');
    expect(json.stdout).not.toContain('damaged');
    expect(json.code).toBe(0);
  });
});

describe('log verify and show on an empty or missing store', () => {
  it('a 0-byte database: says the log is empty, writes nothing, and fails verify against the anchor', () => {
    const d = copy();
    const db = join(d, 'airlock.sqlite');
    writeFileSync(db, '');
    const v = log(d, 'verify');
    expect(v.stderr).toMatch(/the log is empty/);
    expect(v.stdout).toMatch(/^FAILED: head-mismatch at seq 600/);
    expect(v.code).toBe(1);
    const s = log(d, 'show');
    expect(s.stderr).toMatch(/the log is empty/);
    expect(s.stdout).toBe('');
    expect(log(d, 'export', '--csv').stdout.trim().split('\n')).toHaveLength(1);
    expect(statSync(db).size).toBe(0);
    expect(readFileSync(db).length).toBe(0);
  });

  it('no database: an error naming it, and nothing created', () => {
    const d = copy(undefined, ['airlock.sqlite']);
    const r = log(d, 'verify');
    expect(r.stderr).toMatch(/airlock\.sqlite: no such store/);
    // README: verify exits 2 when the store cannot be read (a missing file); so do show and export.
    expect(r.code).toBe(2);
    expect(log(d, 'show').code).toBe(2);
    expect(() => statSync(join(d, 'airlock.sqlite'))).toThrow();
  });
});

describe('log verify without the anchor file', () => {
  it('fails closed: truncation from the end would go unseen', () => {
    const d = copy(`DELETE FROM event_log WHERE seq > ${ROWS - 10}`, ['airlock.anchor']);
    const r = log(d, 'verify');
    expect(r.stdout).toMatch(/^FAILED: anchor-missing: .*airlock\.anchor does not exist/);
    expect(r.stdout).toMatch(/--head SEQ:MAC|--without-anchor/);
    expect(r.code).toBe(1);
  });

  it('passes with the head the auditor kept, and catches the truncation with it', () => {
    const whole = copy(undefined, ['airlock.anchor']);
    const ok = log(whole, 'verify', '--head', `${ROWS}:${headMac}`);
    expect(ok.stdout).toMatch(new RegExp(`^ok: ${ROWS} rows, .*kept head seq ${ROWS}`));
    expect(ok.code).toBe(0);
    const cut = copy(`DELETE FROM event_log WHERE seq > ${ROWS - 10}`, ['airlock.anchor']);
    const bad = log(cut, 'verify', '--head', `${ROWS}:${headMac}`);
    expect(bad.stdout).toMatch(new RegExp(`^FAILED: head-mismatch at seq ${ROWS}`));
    expect(bad.code).toBe(1);
  });

  it('passes with --without-anchor, saying truncation is not checked', () => {
    const r = log(copy(undefined, ['airlock.anchor']), 'verify', '--without-anchor');
    expect(r.stdout).toMatch(/^ok: 600 rows.*truncation from the end is not checked/);
    expect(r.code).toBe(0);
  });

  it('a malformed --head is a usage error', () => {
    const r = log(copy(), 'verify', '--head', 'abc');
    expect(r.stderr).toMatch(/--head abc: expected SEQ:MAC/);
    expect(r.code).toBe(64);
  });
});
