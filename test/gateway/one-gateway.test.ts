/**
 * One gateway per store (store/gateway-claim.ts). A gateway keeps its upload budgets in memory,
 * so two on one store would each grant a destination its whole hourly budget. The second is
 * refused before it serves anything, whichever path it reaches the file by, and the claim goes
 * with the process that held it, SIGKILL included.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecord } from '../../src/gateway/record/open.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { BIN } from '../cli/built.js';
import { gatewayArgs, spawnGateway } from './load-harness.js';
import { policyWith } from './playbook.js';
import { startLoopbackGateway } from './proxy-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-one-gateway-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI to its end, stderr kept (what a second gateway says). */
function cli(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((res) =>
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 20_000 }, (e, _out, stderr) =>
      res({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stderr }),
    ),
  );
}

describe('one gateway per store', () => {
  it('a second gateway process is refused, naming the first and the store; a SIGKILL frees the store', async () => {
    const box = join(dir, 'box');
    mkdirSync(box);
    const policyFile = join(box, 'airlock.yaml');
    writeFileSync(policyFile, 'network:\n  mode: sealed\n');
    const first = await spawnGateway(policyFile, box);
    try {
      const second = await cli(gatewayArgs(policyFile), box);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(join(box, 'airlock.sqlite'));
      expect(second.stderr).toContain(
        `another airlock gateway (pid ${first.proc.pid}) is writing this store`,
      );
      // The first is still the one serving.
      expect(first.proc.exitCode).toBeNull();
    } finally {
      first.proc.kill('SIGKILL');
      await first.exited;
    }
    // Nothing left behind to clear by hand: the next start just works.
    const third = await spawnGateway(policyFile, box);
    third.proc.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  });

  it('in one process: the second start fails and serves nothing; once the first is closed the store is free', async () => {
    const policy = policyWith({ mode: 'monitor' });
    mkdirSync(join(dir, 'inproc'));
    const rec = await openRecord(policy.store, join(dir, 'inproc'), 'create');
    try {
      const a = await startLoopbackGateway(policy, rec.store, rec.paths.anchor);
      await expect(startLoopbackGateway(policy, rec.store, rec.paths.anchor)).rejects.toThrow(
        `another airlock gateway (pid ${process.pid}) is writing this store`,
      );
      await a.close();
      const b = await startLoopbackGateway(policy, rec.store, rec.paths.anchor);
      await b.close();
    } finally {
      await rec.store.close();
    }
  });

  it('the same file by another path (a symlinked folder) is the same store', async () => {
    const real = join(dir, 'real');
    mkdirSync(real);
    symlinkSync(real, join(dir, 'link'));
    const a = new SqliteStore(join(real, 'airlock.sqlite'));
    const b = new SqliteStore(join(dir, 'link', 'airlock.sqlite'));
    const held = await a.claimGateway();
    await expect(b.claimGateway()).rejects.toThrow(/another airlock gateway \(pid \d+\)/);
    await held.release();
    await (await b.claimGateway()).release();
    await a.close();
    await b.close();
  });
});
