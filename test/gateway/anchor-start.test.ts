/**
 * The gateway checks its database against the anchor file before it serves or writes anything
 * (record/start-check.ts). Without that check, rows cut off the end of the log (someone with write
 * access to the database, not the key) were laundered by a restart: the gateway chained on from the
 * shortened head and its next anchor replaced the one that showed the cut, so `airlock log verify`
 * passed. The gateway runs in this process on loopback; its traffic is DNS queries (monitor mode,
 * each one a row); the database is edited with Debian's sqlite3 shell, as someone without the key
 * would.
 */
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { readAnchor } from '../../src/gateway/record/anchor.js';
import { openRecord } from '../../src/gateway/record/open.js';
import { loadPolicyFile } from '../../src/policy/load.js';
import { spawnGateway, udpQuery } from './load-harness.js';
import { startLoopbackGateway } from './proxy-fixture.js';
import { cli, sqlite3, unlockUpTest, writeUploadSetup } from './unlock-fixture.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A gateway's folder: its policy (monitor: every query a row, none answered) and, once run, its record. */
function record() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-anchor-start-'));
  dirs.push(dir);
  const policyFile = join(dir, 'airlock.yaml');
  writeFileSync(policyFile, 'network:\n  mode: monitor\nstore:\n  groupCommitMs: 10\n');
  const said: string[] = [];
  let queries = 0;
  /** Starts the gateway on the record (as a restart does), makes `n` DNS queries, stops it. */
  const run = async (n: number): Promise<void> => {
    const policy = loadPolicyFile(policyFile);
    const rec = await openRecord(policy.store, dir, 'create');
    try {
      const gw = await startLoopbackGateway(policy, rec.store, rec.paths.anchor, {
        policyFile,
        say: (l) => said.push(l),
      });
      for (let i = 0; i < n; i++) await udpQuery(gw.dns.port, `q${++queries}.anchor.test`, queries);
      await gw.close();
    } finally {
      await rec.store.close();
    }
  };
  /** The error a start fails with (the test fails when it starts). */
  const refused = async (): Promise<AirlockError> => {
    const e = await run(0).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AirlockError);
    return e as AirlockError;
  };
  const anchorPath = join(dir, 'airlock.anchor');
  return {
    dir,
    policyFile,
    said,
    run,
    refused,
    anchorPath,
    sql: (stmt: string) => sqlite3(join(dir, 'airlock.sqlite'), stmt),
    anchor: () => readAnchor(anchorPath)!,
    verify: (...more: string[]) => cli('log', 'verify', '--policy', policyFile, ...more),
  };
}

describe('rows cut off the end of the log, then a restart', () => {
  const r = record();
  let kept = { seq: 0, mac: '' };

  it('is refused: the error names the anchor, the database and the seq, and the anchor is left byte for byte', async () => {
    await r.run(20);
    kept = r.anchor();
    expect(kept.seq).toBe(20);
    const bytes = readFileSync(r.anchorPath);
    r.sql('DELETE FROM event_log WHERE seq > 15');

    const e = await r.refused();
    expect(e.file).toBe(r.anchorPath);
    expect(e.message).toContain(join(r.dir, 'airlock.sqlite'));
    expect(e.message).toMatch(/seq 20\b/);
    expect(e.message).toContain('the database ends at seq 15: rows 16 to 20 are gone from the end.');
    expect(e.message).toContain(`Run \`airlock log verify --policy ${r.policyFile}\` to see what is missing`);
    expect(e.message).toMatch(
      new RegExp(`mv ${r.anchorPath} ${r.anchorPath}\\.\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z`),
    );
    expect(e.message).toContain('power cut');
    // Nothing written: the anchor as it was, the log as it was cut.
    expect(readFileSync(r.anchorPath).equals(bytes)).toBe(true);
    expect(r.sql('SELECT MAX(seq) FROM event_log')).toBe('15');
    // Refused every time, not once.
    expect((await r.refused()).message).toMatch(/seq 20\b/);
    expect(readFileSync(r.anchorPath).equals(bytes)).toBe(true);
  });

  it('moved aside, the anchor is kept as evidence: the gateway starts (saying the log has no anchor) and `log verify --head` still reports the cut', async () => {
    const aside = `${r.anchorPath}.kept`;
    renameSync(r.anchorPath, aside);
    r.said.length = 0;
    await r.run(3);
    expect(r.said.filter((l) => l.startsWith('no anchor file'))).toEqual([
      expect.stringContaining(`holds rows up to seq 15`),
    ]);
    // A fresh anchor over the chain as it now is: against it alone the log verifies.
    expect(r.anchor().seq).toBe(18);
    expect((await r.verify()).code).toBe(0);
    // The kept head: its row (20) is not the row it vouched for.
    const a = readAnchor(aside)!;
    expect(a).toMatchObject(kept);
    const v = await r.verify('--head', `${a.seq}:${a.mac}`);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/^FAILED: head-mismatch at seq 20\b/);
  });
});

describe('an edited row', () => {
  it('at the anchor (its body) is refused', async () => {
    const r = record();
    await r.run(10);
    const bytes = readFileSync(r.anchorPath);
    r.sql("UPDATE event_log SET body = replace(body, '.anchor.test', '.other.test') WHERE seq = 10");
    const e = await r.refused();
    expect(e.message).toContain("row 10 (the anchor's row) does not hold: mac-mismatch");
    expect(e.message).toMatch(/anchor recorded \(seq 10,/);
    expect(readFileSync(r.anchorPath).equals(bytes)).toBe(true);
  });

  it('after the anchor (its body, then a row deleted) is refused; the rows as written start fine', async () => {
    const r = record();
    await r.run(10);
    // An anchor behind the head, as after a SIGKILL within a second of the last anchor write.
    copyFileSync(r.anchorPath, `${r.anchorPath}.older`);
    await r.run(5);
    copyFileSync(`${r.anchorPath}.older`, r.anchorPath);
    expect(r.anchor().seq).toBe(10);
    const body = r.sql('SELECT body FROM event_log WHERE seq = 13');

    r.sql("UPDATE event_log SET body = replace(body, '.anchor.test', '.other.test') WHERE seq = 13");
    expect((await r.refused()).message).toContain(
      "row 13 (after the anchor's seq 10) does not hold: mac-mismatch",
    );
    r.sql(`UPDATE event_log SET body = '${body}' WHERE seq = 13`);

    const row12 = r.sql('SELECT seq, ts_ms, kind, body, prev_mac, mac FROM event_log WHERE seq = 12');
    r.sql('DELETE FROM event_log WHERE seq = 12');
    expect((await r.refused()).message).toContain(
      "row 12 (after the anchor's seq 10) does not hold: seq-gap",
    );
    const [seq, ts, kind, b, prev, mac] = row12.split('|');
    r.sql(`INSERT INTO event_log VALUES (${seq}, ${ts}, '${kind}', '${b}', '${prev}', '${mac}')`);

    // Put back as written: rows 11-15 verify as the chain going on from the anchor.
    await r.run(1);
    expect(r.anchor().seq).toBe(16);
    expect((await r.verify()).code).toBe(0);
  });
});

describe('a relock cut off the end of the log, its window put back open', () => {
  it('is refused at restart: without the relock row the window would open the host again', async () => {
    const r = record();
    writeUploadSetup(r.dir);
    await r.run(0);
    const policyFile = r.policyFile;
    const id = await unlockUpTest(policyFile, 'flight records for job 7');
    const open = r.sql(`SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = ${id}`).split(' ');
    expect((await cli('gateway', 'relock', String(id), '--policy', policyFile)).code).toBe(0);
    const relockSeq = Number(r.sql("SELECT MAX(seq) FROM event_log WHERE kind = 'unlock'"));
    // Traffic after the relock: the gateway's next commit anchors a head past the relock row.
    await r.run(3);
    expect(r.anchor().seq).toBe(relockSeq + 3);

    r.sql(`DELETE FROM event_log WHERE seq >= ${relockSeq}`);
    r.sql(`UPDATE unlock_windows SET until_ms = ${open[0]}, mac = '${open[1]}' WHERE id = ${id}`);
    const e = await r.refused();
    expect(e.message).toContain(
      `the database ends at seq ${relockSeq - 1}: rows ${relockSeq} to ${relockSeq + 3} are gone from the end.`,
    );
    expect((await r.verify()).code).toBe(1);
  });
});

describe('an anchor file that does not parse', () => {
  it('is refused too, and left as it is (seq 0 vouches for no row: nothing cut off would show)', async () => {
    const r = record();
    await r.run(3);
    writeFileSync(r.anchorPath, `${JSON.stringify({ seq: 0, mac: r.anchor().mac, tsMs: 1 })}\n`);
    const bytes = readFileSync(r.anchorPath);
    const e = await r.refused();
    expect(e.message).toMatch(/^the anchor file cannot be read \(the anchor file lacks seq \(1 or more\)/);
    expect(e.message).toContain(`mv ${r.anchorPath} `);
    expect(readFileSync(r.anchorPath).equals(bytes)).toBe(true);
  });
});

describe('the CLI gateway', () => {
  it('refuses a log cut short with exit 2 and the error on stderr, before it listens', async () => {
    const r = record();
    await r.run(6);
    r.sql('DELETE FROM event_log WHERE seq > 4');
    // spawnGateway resolves on the listen line, rejects with the exit code and stderr.
    const failed = await spawnGateway(r.policyFile, r.dir).then(
      async (g) => {
        g.proc.kill('SIGTERM');
        await g.exited;
        return undefined;
      },
      (e: Error) => /^gateway did not start \(exit (\d+)\): ([\s\S]*)$/.exec(e.message),
    );
    expect(failed).toBeTruthy();
    const [, code, stderr] = failed!;
    expect(code).toBe('2');
    expect(stderr).toMatch(
      new RegExp(
        `^airlock: ${r.anchorPath}: the event log in ${join(r.dir, 'airlock.sqlite')} is not the chain the anchor recorded \\(seq 6,`,
      ),
    );
    expect(stderr).toContain('the database ends at seq 4: rows 5 to 6 are gone');
    expect(stderr).toContain('(AIRLOCK_ERR_MALFORMED)');
    expect(stderr).not.toMatch(/proxy 127\.0\.0\.1:\d+/);
    expect(r.anchor().seq).toBe(6);
  });
});

describe('a normal stop and start', () => {
  it('starts on a fresh store without a word, and again on its own anchor', async () => {
    const r = record();
    await r.run(0);
    await r.run(4);
    await r.run(2);
    expect(r.said.filter((l) => l.includes('anchor'))).toEqual([]);
    expect(r.anchor().seq).toBe(6);
    expect((await r.verify()).code).toBe(0);
  });
});

describe('rows cut off the end while the gateway runs', () => {
  it('are not chained on from what is left: the writer fails (new connections refused), the anchor stays, the next start refuses', async () => {
    const r = record();
    const policy = loadPolicyFile(r.policyFile);
    const rec = await openRecord(policy.store, r.dir, 'create');
    try {
      const gw = await startLoopbackGateway(policy, rec.store, rec.paths.anchor, {
        policyFile: r.policyFile,
        say: (l) => r.said.push(l),
      });
      try {
        for (let i = 1; i <= 20; i++) await udpQuery(gw.dns.port, `q${i}.running.test`, i);
        await gw.flushLog();
        expect(r.sql('SELECT MAX(seq) FROM event_log')).toBe('20');
        r.sql('DELETE FROM event_log WHERE seq > 15');
        for (let i = 21; i <= 23; i++) await udpQuery(gw.dns.port, `q${i}.running.test`, i);
        await gw.flushLog();
        // Nothing chained on from row 15: the cut still shows, and the writer says why it stopped.
        expect(r.sql('SELECT MAX(seq) FROM event_log')).toBe('15');
        expect(r.said.filter((l) => l.startsWith('event log write failed'))).toEqual([
          expect.stringMatching(
            /the event log changed under its writer: row (1[6-9]|20), the last it wrote, is gone \(the log ends at seq 15\)/,
          ),
        ]);
        // Fail closed, as on any write failure: /healthz says so.
        expect((await fetch(`http://127.0.0.1:${gw.admin.port}/healthz`)).status).toBe(503);
      } finally {
        await gw.close();
      }
    } finally {
      await rec.store.close();
    }
    // The anchor vouches for a row the cut took: the next start refuses, and verify fails.
    expect(r.anchor().seq).toBeGreaterThan(15);
    expect((await r.refused()).message).toMatch(/the database ends at seq 15/);
    expect((await r.verify()).code).toBe(1);
  });
});

describe('gateway unlock and relock, with no gateway running', () => {
  it('anchor the row they write: a relock cut off the end is refused at start with no traffic after it', async () => {
    const r = record();
    writeUploadSetup(r.dir);
    await r.run(2);
    const id = await unlockUpTest(r.policyFile, 'flight records for job 8');
    const unlockSeq = Number(r.sql('SELECT MAX(seq) FROM event_log'));
    expect(r.anchor()).toMatchObject({
      seq: unlockSeq,
      mac: r.sql(`SELECT mac FROM event_log WHERE seq = ${unlockSeq}`),
    });
    const open = r.sql(`SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = ${id}`).split(' ');
    expect((await cli('gateway', 'relock', String(id), '--policy', r.policyFile)).code).toBe(0);
    const relockSeq = Number(r.sql('SELECT MAX(seq) FROM event_log'));
    expect(r.anchor().seq).toBe(relockSeq);

    // The relock row cut off the end, the window put back open: nothing after it, yet the start sees it.
    r.sql(`DELETE FROM event_log WHERE seq = ${relockSeq}`);
    r.sql(`UPDATE unlock_windows SET until_ms = ${open[0]}, mac = '${open[1]}' WHERE id = ${id}`);
    expect((await r.refused()).message).toContain(
      `the database ends at seq ${relockSeq - 1}: row ${relockSeq} is gone from the end.`,
    );
  });

  it('refuse to write on a log cut short, and leave the anchor and the window as they are', async () => {
    const r = record();
    writeUploadSetup(r.dir);
    await r.run(0);
    const id = await unlockUpTest(r.policyFile, 'flight records for job 9');
    await r.run(4);
    const bytes = readFileSync(r.anchorPath);
    const last = Number(r.sql('SELECT MAX(seq) FROM event_log'));
    r.sql(`DELETE FROM event_log WHERE seq > ${last - 2}`);
    const window = r.sql(`SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = ${id}`);

    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    try {
      expect((await cli('gateway', 'relock', String(id), '--policy', r.policyFile)).code).toBe(2);
      expect(err).toContain(`the database ends at seq ${last - 2}`);
      expect(err).toContain('Not writing: the row would be chained on from what is left');
      const unlock = await cli(
        'gateway',
        'unlock',
        'up.test',
        '--for',
        '1m',
        '--reason',
        'x',
        '--policy',
        r.policyFile,
      );
      expect(unlock.code).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(r.anchorPath).equals(bytes)).toBe(true);
    expect(r.sql('SELECT MAX(seq) FROM event_log')).toBe(String(last - 2));
    expect(r.sql(`SELECT until_ms || ' ' || mac FROM unlock_windows WHERE id = ${id}`)).toBe(window);
    expect(r.sql('SELECT COUNT(*) FROM unlock_windows')).toBe('1');
  });
});
