/**
 * startVerdict, the pure core of the gateway's start check (record/start-check.ts), on hand-built
 * findings: which start, which say a line, and what the refusal names and advises. And readAnchor:
 * what it takes for an anchor (anything else refuses the start).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { readAnchor } from '../../src/gateway/record/anchor.js';
import { type RecordAtStart, type StartPlaces, startVerdict } from '../../src/gateway/record/start-check.js';

const AT: StartPlaces = {
  anchor: '/srv/airlock/airlock.anchor',
  database: '/srv/airlock/airlock.sqlite',
  verify: 'airlock log verify --policy /srv/airlock/airlock.yaml',
};
const NOW = Date.UTC(2026, 10, 24, 4, 1, 52, 345);
const MAC = 'ab'.repeat(32);
const anchor = { seq: 20, mac: MAC, tsMs: Date.UTC(2026, 10, 24, 3, 59, 0) };

const verdict = (found: RecordAtStart) => startVerdict(found, AT, NOW);
const refusal = (found: RecordAtStart): string => {
  const v = verdict(found);
  if (v.ok) throw new Error('started');
  expect(v.error.code).toBe('AIRLOCK_ERR_MALFORMED');
  expect(v.error.file).toBe(AT.anchor);
  return v.error.message;
};

describe('starts', () => {
  it('a fresh store (no anchor, no rows) without a word', () => {
    expect(verdict({ kind: 'unanchored', lastSeq: 0 })).toEqual({ ok: true });
  });

  it('a log with rows and no anchor, saying so in one line', () => {
    const v = verdict({ kind: 'unanchored', lastSeq: 15 });
    expect(v.ok).toBe(true);
    const note = v.ok ? v.note : undefined;
    expect(note).toMatch(
      /^no anchor file \/srv\/airlock\/airlock\.anchor, though the event log in \/srv\/airlock\/airlock\.sqlite holds rows up to seq 15: starting/,
    );
    expect(note).toContain('airlock log verify --policy /srv/airlock/airlock.yaml --head SEQ:MAC');
    expect(note).not.toContain('\n');
  });

  it('a log that goes on from its anchor without a word, with its head for the writer to chain on from', () => {
    expect(
      verdict({ kind: 'anchored', anchor, tail: { ok: true, rows: 3, head: { seq: 22, mac: MAC } } }),
    ).toEqual({ ok: true, head: { seq: 22, mac: MAC } });
  });
});

describe('refuses, naming the anchor, the database and the seq', () => {
  it('a log that ends before the anchor', () => {
    const m = refusal({
      kind: 'anchored',
      anchor,
      tail: {
        ok: false,
        rows: 1,
        badSeq: 20,
        problem: 'head-mismatch',
        detail: 'the log ends at row 15',
        lastSeq: 15,
      },
    });
    expect(m).toMatch(
      /^the event log in \/srv\/airlock\/airlock\.sqlite is not the chain the anchor recorded \(seq 20, written 2026-11-24T03:59:00\.000Z\): the database ends at seq 15: rows 16 to 20 are gone from the end\. Not starting/,
    );
    // The way forward: verify, then the anchor moved aside (kept), the start again; and the kept head.
    expect(m).toContain(
      'Run `airlock log verify --policy /srv/airlock/airlock.yaml` to see what is missing; to start anyway, keep the anchor as evidence by moving it aside (mv /srv/airlock/airlock.anchor /srv/airlock/airlock.anchor.2026-11-24T04-01-52Z) and start again: the gateway then writes a fresh anchor',
    );
    expect(m).toContain(`--head 20:${MAC}\``);
    expect(m).toContain('a power cut can lose the last commits (the store runs WAL with synchronous=NORMAL)');
  });

  it('one row gone: "row … is"', () => {
    const m = refusal({
      kind: 'anchored',
      anchor,
      tail: { ok: false, rows: 1, badSeq: 20, problem: 'head-mismatch', lastSeq: 19 },
    });
    expect(m).toContain('ends at seq 19: row 20 is gone from the end.');
  });

  it("no row at all: emptied, or another store's anchor (two stores beside one default anchorFile)", () => {
    const m = refusal({
      kind: 'anchored',
      anchor,
      tail: { ok: false, rows: 0, badSeq: 20, problem: 'head-mismatch', lastSeq: 0 },
    });
    expect(m).toContain(
      "(seq 20, written 2026-11-24T03:59:00.000Z): the database holds no rows: emptied, or the anchor is another store's (give each store its own store.anchorFile). Not starting",
    );
  });

  it("the anchor's row not what the anchor says", () => {
    const m = refusal({
      kind: 'anchored',
      anchor,
      tail: {
        ok: false,
        rows: 0,
        badSeq: 20,
        problem: 'head-mismatch',
        detail: 'the row does not carry the expected head’s MAC',
        lastSeq: 24,
      },
    });
    expect(m).toContain(
      "row 20 (the anchor's row) does not hold: head-mismatch, the row does not carry the expected head’s MAC.",
    );
  });

  it('a row after the anchor', () => {
    const m = refusal({
      kind: 'anchored',
      anchor,
      tail: { ok: false, rows: 2, badSeq: 22, problem: 'seq-gap', detail: 'row 22 is missing', lastSeq: 30 },
    });
    expect(m).toContain("row 22 (after the anchor's seq 20) does not hold: seq-gap, row 22 is missing.");
  });

  it('an anchor that cannot be read (no seq to name, the same way forward)', () => {
    const m = refusal({ kind: 'unreadable-anchor', reason: 'the anchor file is not JSON' });
    expect(m).toMatch(
      /^the anchor file cannot be read \(the anchor file is not JSON\), so the event log in \/srv\/airlock\/airlock\.sqlite cannot be checked against it\. Not starting/,
    );
    expect(m).toContain('(mv /srv/airlock/airlock.anchor /srv/airlock/airlock.anchor.2026-11-24T04-01-52Z)');
    expect(m).not.toContain('--head');
  });

  it('an anchor time Date cannot hold is written as the number', () => {
    const m = refusal({
      kind: 'anchored',
      anchor: { ...anchor, tsMs: 9e15 },
      tail: { ok: false, rows: 1, badSeq: 20, problem: 'head-mismatch', lastSeq: 15 },
    });
    expect(m).toContain('(seq 20, written 9000000000000000 ms)');
  });
});

describe('readAnchor takes only a head some row could carry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-anchor-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const read = (text: string) => {
    const path = join(dir, 'airlock.anchor');
    writeFileSync(path, text);
    return () => readAnchor(path);
  };

  it('an anchor as writeAnchor writes it; a MAC whose case changed (a copy by hand) is read lower-case', () => {
    expect(read(JSON.stringify(anchor))()).toEqual(anchor);
    expect(read(JSON.stringify({ ...anchor, mac: MAC.toUpperCase() }))()).toEqual(anchor);
  });

  it.each([
    ['seq 0 (it vouches for no row)', JSON.stringify({ ...anchor, seq: 0 })],
    ['a negative seq', JSON.stringify({ ...anchor, seq: -3 })],
    ['a MAC that is not 64 hex digits', JSON.stringify({ ...anchor, mac: 'abc' })],
    ['JSON null', 'null'],
  ])('refuses %s as malformed, naming the file', (_what, text) => {
    let thrown: unknown;
    try {
      read(text)();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AirlockError);
    expect(thrown).toMatchObject({ code: 'AIRLOCK_ERR_MALFORMED', file: join(dir, 'airlock.anchor') });
    expect((thrown as Error).message).toMatch(/^the anchor file /);
  });
});
