/**
 * `airlock audit --connections FILE`: one JSON line per connection judged. Against tshark, on
 * every corpus capture with TCP in it: the TCP lines' client and server pairs are tshark's
 * streams, and their sent and received bytes what tshark's own reassembly ("follow tcp") holds
 * per side. Against the report of the same run: as many lines per outcome as the report counts.
 * The gateway's log is the oracle for the decisions (test/gateway/lossy-link.test.ts). An output
 * that would replace an input is refused before anything is read.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionLine } from '../../src/report/audit/connections.js';
import type { AuditReport } from '../../src/report/audit/model.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { corpusDir } from '../helpers/corpus.js';
import { followedBytes } from '../net/tshark-follow.js';

let dir: string;
const MONITOR = 'network:\n  mode: monitor\n';

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'airlock-connections-'));
  writeFileSync(join(dir, 'monitor.yaml'), MONITOR);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(pcap: string): { lines: ConnectionLine[]; report: AuditReport } {
  // A file of its own per capture: audit does not overwrite an existing output without --force.
  const out = join(dir, `${pcap.split('/').pop()}.jsonl`);
  const r = airlock(['audit', '--policy', join(dir, 'monitor.yaml'), '--json', '--connections', out, pcap]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`audit ${pcap}: exit ${r.code} ${r.stderr}`);
  const lines = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ConnectionLine);
  return { lines, report: JSON.parse(r.stdout) as AuditReport };
}

describe('audit --connections against tshark', () => {
  const withTcp = corpusDir('pcap').filter((p) => p.endsWith('.pcap') && followedBytes(p).size > 0);

  it('the corpus holds captures with TCP streams to check', () => {
    expect(withTcp.length).toBeGreaterThanOrEqual(10);
  });

  for (const pcap of withTcp)
    it(`${pcap.split('/').pop()}: a TCP line per stream (requests apart), its bytes each side tshark's reassembled ones`, () => {
      const { lines, report } = run(pcap);
      const sums = new Map<string, number>();
      for (const l of lines.filter((x) => x.proto === 'tcp')) {
        sums.set(`${l.client}>${l.server}`, (sums.get(`${l.client}>${l.server}`) ?? 0) + l.sent);
        sums.set(`${l.server}>${l.client}`, (sums.get(`${l.server}>${l.client}`) ?? 0) + l.received);
      }
      const want = followedBytes(pcap);
      const sorted = (m: Map<string, number>) =>
        Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
      expect(sorted(sums)).toEqual(sorted(want));
      // Every connection the report counts is a line, with the outcome it counts.
      const counted = { allowed: 0, blocked: 0, cut: 0, unheard: 0 };
      for (const d of report.destinations) {
        counted.allowed += d.outcome.allowed;
        counted.blocked += d.outcome.blocked;
        counted.cut += d.outcome.cut;
        counted.unheard += d.outcome.unheard ?? 0;
      }
      const lined = { allowed: 0, blocked: 0, cut: 0, unheard: 0 };
      for (const l of lines) lined[l.outcome]++;
      expect(lined).toEqual(counted);
    });

  it('an output that would replace an input (a capture, the policy) or the other output is refused, the input intact', () => {
    const pcap = join(dir, 'copy.pcap');
    copyFileSync(withTcp[0]!, pcap);
    const policy = join(dir, 'monitor.yaml');
    for (const args of [
      ['--html', pcap],
      ['--connections', pcap],
      ['--policy', policy, '--connections', policy],
      ['--html', join(dir, 'r.html'), '--connections', join(dir, 'r.html')],
    ]) {
      const r = airlock(['audit', ...args, pcap]);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({
        args,
        code: 64,
        stderr: expect.stringMatching(/would replace .*: write it elsewhere/),
      });
    }
    expect(readFileSync(pcap)).toEqual(readFileSync(withTcp[0]!));
    expect(readFileSync(policy, 'utf8')).toBe(MONITOR);
    expect(existsSync(join(dir, 'r.html'))).toBe(false);
  });

  it('a file it cannot write is an error naming it, and no report is half-written', () => {
    const pcap = withTcp[0]!;
    const r = airlock(['audit', '--connections', join(dir, 'missing', 'c.jsonl'), pcap]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\/c\.jsonl/);
  });
});
