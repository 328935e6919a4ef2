/**
 * A retransmitted segment reaches the gateway's socket once: the gateway charges a connection's
 * budget with the bytes it relays, each stream byte once. The audit's replay of the gate must do
 * the same, or a tablet on a lossy link is cut in the audit where the gateway let it through.
 * Oracle: pairs of connections (make-retransmitted-uploads.py, written by scapy) whose client
 * streams tshark reassembles to the same bytes, one with every data segment sent twice; each pair
 * is judged alike, TLS allowed with what tshark's stream holds, or cut at the budget's byte; and
 * the payload captured (tshark's tcp.len) of the retransmitted one is over the budget, so charging
 * the capture's payload would have cut it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { followedBytes } from '../net/tshark-follow.js';
import { auditFlows } from './audit-flows.js';
import { tcpPayloadByStream } from './tshark.js';

let dir: string;
let pcap: string;
/** The ClientHello the writer sends (scapy_frames.client_hello('files.test')): 5 + 4 + 2+32+1+2+2+2 + 2 + 19 bytes. */
const HELLO = 71;
const BUDGET = HELLO + 3500;

/** tshark's reassembled client bytes per tablet port (the writer's client is 10.9.0.2). */
function followedUp(path: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, n] of followedBytes(path)) {
    const m = /^10\.9\.0\.2:(\d+)>/.exec(k);
    if (m) out.set(Number(m[1]), n);
  }
  return out;
}

const judged = (f: JudgedFlow | undefined) =>
  f && { kind: f.outcome.kind, reason: f.outcome.reason, name: f.name, up: f.up };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-retransmitted-'));
  pcap = join(dir, 'retransmitted.pcap');
  execFileSync('/usr/bin/python3', [
    new URL('./make-retransmitted-uploads.py', import.meta.url).pathname,
    pcap,
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('retransmitted uploads charged once, as the gateway relays them', () => {
  it('the capture: each pair the same stream (tshark follow), the second one’s payload captured over the budget', () => {
    const up = followedUp(pcap);
    const captured = new Map(
      [...tcpPayloadByStream(pcap).values()].map((s) => [Number(s.client.split(':')[1]), s.up]),
    );
    for (const port of [45001, 45003, 45005]) {
      expect(up.get(port + 1), `${port}`).toBe(up.get(port));
      expect(captured.get(port + 1)!, `${port + 1}`).toBeGreaterThan(BUDGET);
    }
    expect(up.get(45001)).toBe(HELLO + 3000);
    expect(up.get(45003)).toBe(HELLO + 6000);
  });

  it('one-way: each pair judged alike; within the budget allowed with every stream byte, over it cut at the budget', async () => {
    const { flows } = await auditFlows(pcap, 'one-way', (p) => {
      p.network.allow = [{ host: 'files.test', budget: { upstreamBytesPerConnection: BUDGET } }];
    });
    const up = followedUp(pcap);
    const got = Object.fromEntries(
      [45001, 45002, 45003, 45004, 45005, 45006].map((p) => [p, judged(flows.get(p))]),
    );
    expect(got).toEqual({
      45001: { kind: 'allowed', reason: 'allowlisted', name: 'files.test', up: up.get(45001) },
      45002: got[45001],
      45003: { kind: 'cut', reason: 'connection-budget', name: 'files.test', up: BUDGET },
      45004: got[45003],
      45005: { kind: 'allowed', reason: 'allowlisted', name: 'files.test', up: expect.any(Number) },
      45006: got[45005],
    });
    // The NTRIP stream: its rewritten head and every byte after it, each once.
    expect(got[45005]!.up).toBeLessThan(BUDGET);
  });

  it("the report: a destination's largest connection and timeline up count stream bytes, its total up the payload captured", async () => {
    const { r } = await auditFlows(pcap, 'one-way', (p) => {
      p.network.allow = [{ host: 'files.test', budget: { upstreamBytesPerConnection: BUDGET } }];
    });
    const up = followedUp(pcap);
    const captured = new Map(
      [...tcpPayloadByStream(pcap).values()].map((s) => [Number(s.client.split(':')[1]), s.up]),
    );
    const sum = (ports: number[], m: Map<number, number>) => ports.reduce((a, p) => a + m.get(p)!, 0);
    for (const [port, ports] of [
      [443, [45001, 45002, 45003, 45004]],
      [80, [45005, 45006]],
    ] as const) {
      const d = r.destinations.find((x) => x.name === 'files.test' && x.port === port)!;
      expect({
        port,
        maxConnectionUp: d.maxConnectionUp,
        timeline: d.timeline.bins.reduce((a, [, n]) => a + n, 0),
        total: d.orig.bytes,
      }).toEqual({
        port,
        maxConnectionUp: Math.max(...ports.map((p) => up.get(p)!)),
        timeline: sum([...ports], up),
        total: sum([...ports], captured),
      });
    }
  });
});
