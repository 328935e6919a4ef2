/**
 * The demo's gateway record: a fictional morning of a flight tablet behind the gateway in one-way
 * mode, so `airlock serve` and `airlock log verify` have something real to read on a fresh machine.
 *
 * Nothing here invents a row: each visit is played through the gateway's own sans-IO cores (the
 * proxy connection and the DNS judge, as the running gateway drives them), and their log rows
 * are chained into a real store with a real key and anchor. Only the traffic is scripted: which
 * host the app asks for, how many bytes go each way, and when. Addresses are from the
 * documentation and benchmarking ranges; no packet leaves the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyConnection } from '../gateway/core/connection.js';
import type { FlowEvent, ProxyCommand } from '../gateway/core/types.js';
import { judgeDnsQuery } from '../gateway/dns/core.js';
import { buildQuery } from '../gateway/dns/messages.js';
import { writeAnchor } from '../gateway/record/anchor.js';
import { openRecord } from '../gateway/record/open.js';
import { EgressGate } from '../policy/egress/index.js';
import { loadPolicyFile } from '../policy/load.js';
import type { Policy } from '../policy/types.js';
import type { LogRow } from '../store/types.js';

export const GATEWAY_SUBDIR = 'gateway';
const TABLET = '192.168.8.23';
const MIN = 60_000;

/** The demo's policy: one-way, downloads from DJI's map, geofence and firmware hosts. */
const POLICY_YAML = `# Airlock demo: the gateway policy of a fictional substation inspection team.
network:
  mode: one-way
  allow:
    # Firmware and app downloads (DJI's CDN).
    - host: '*.djicdn.com'
    # Geofence database; geofence unlocks are uploads, opened by an unlock window.
    - host: flysafe-api.dji.com
    # Firmware index AND flight-record upload on one host: the budget stops the upload.
    - host: mydjiflight.dji.com
`;

/** One scripted connection: what the app asks for and how much it tries to send and fetch. */
interface Visit {
  atMin: number;
  host: string;
  up: number;
  down: number;
}

const VISITS: readonly Visit[] = [
  { atMin: 0, host: 'statistical-report.djiservice.org', up: 1800, down: 0 },
  { atMin: 0.2, host: 'api.share.mob.com', up: 900, down: 0 },
  { atMin: 0.5, host: 'flysafe-api.dji.com', up: 2100, down: 3_400_000 },
  { atMin: 1, host: 'dl.djicdn.com', up: 2600, down: 41_000_000 },
  { atMin: 2, host: 'mydjiflight.dji.com', up: 1500, down: 18_000 },
  { atMin: 3, host: 'service-adhoc.dji.com', up: 1200, down: 0 },
  // After the flight: the app tries to sync the 1.4 MB flight record, again and again.
  { atMin: 95, host: 'mydjiflight.dji.com', up: 1_400_000, down: 2000 },
  { atMin: 96, host: 'mydjiflight.dji.com', up: 1_400_000, down: 2000 },
  { atMin: 98, host: 'mydjiflight.dji.com', up: 1_400_000, down: 2000 },
  { atMin: 102, host: 'mydjiflight.dji.com', up: 1_400_000, down: 2000 },
  // The hour's budget for the host (256 KiB) is spent: the fifth try gets nothing through.
  { atMin: 104, host: 'mydjiflight.dji.com', up: 1_400_000, down: 2000 },
  { atMin: 103, host: 'statistical-report.djiservice.org', up: 1800, down: 0 },
];

/** Names the app looks up itself (the tablet uses the gateway's DNS). */
const QUERIES: ReadonlyArray<{ atMin: number; name: string }> = [
  { atMin: 0, name: 'statistical-report.djiservice.org' },
  { atMin: 0.1, name: 'flysafe-api.dji.com' },
  { atMin: 0.2, name: 'api.share.mob.com' },
  { atMin: 3, name: 'bugly.qq.com' },
  { atMin: 103, name: 'statistical-report.djiservice.org' },
];

/** The geofence unlock the team asked for before flying near the substation. */
const UNLOCK = {
  atMin: 40,
  forMin: 30,
  host: 'flysafe-api.dji.com',
  reason: 'geofence unlock, substation job 42 (fictional)',
};
const UNLOCK_UPLOAD: Visit = { atMin: 41, host: 'flysafe-api.dji.com', up: 24_000, down: 9000 };

const CHUNK = new Uint8Array(64 * 1024);

/** Plays one CONNECT through the proxy core: the rows it logs. */
function play(gate: EgressGate, v: Visit, id: number, startMs: number): LogRow[] {
  let now = startMs + v.atMin * MIN;
  const conn = new ProxyConnection(`demo${id}`, `${TABLET}:${41000 + id}`, now, {
    gate,
    mode: () => 'one-way',
    maxHeaderBytes: 32 * 1024,
  });
  const rows: LogRow[] = [];
  let open = true;
  /** Feeds `e` `dtMs` after the last event; keeps the rows and notes the close. */
  const feed = (e: FlowEvent, dtMs = 0): ProxyCommand[] => {
    now += dtMs;
    const cmds = conn.handle(e, now);
    for (const c of cmds) {
      if (c.type === 'log') rows.push(c.row);
      if (c.type === 'close') open = false;
    }
    return cmds;
  };
  const head = `CONNECT ${v.host}:443 HTTP/1.1\r\nHost: ${v.host}:443\r\n\r\n`;
  if (!feed({ type: 'client-data', data: Buffer.from(head, 'latin1') }).some((c) => c.type === 'resolve'))
    return rows;
  // 198.18.0.0/15: the benchmarking range stands in for the vendor's addresses.
  feed({ type: 'resolved', addresses: [`198.18.${id}.10`] });
  feed({ type: 'upstream-connected' }, 40);
  for (let left = v.up; left > 0 && open; left -= CHUNK.length)
    feed({ type: 'client-data', data: CHUNK.subarray(0, Math.min(left, CHUNK.length)) }, 5);
  for (let left = v.down; left > 0 && open; left -= CHUNK.length)
    feed({ type: 'upstream-data', data: CHUNK.subarray(0, Math.min(left, CHUNK.length)) }, 1);
  if (open) feed({ type: 'client-closed' }, 20);
  return rows;
}

function ask(gate: EgressGate, name: string, id: number, atMs: number): LogRow[] {
  const a = judgeDnsQuery(
    buildQuery(id, { name, type: 1, class: 1 }),
    TABLET,
    { gate, mode: () => 'one-way', hasUpstream: true, nextId: () => id },
    atMs,
  );
  return a.action !== 'drop' && a.row ? [a.row] : [];
}

export interface DemoRecord {
  /** The folder holding the policy, store, key and anchor. */
  dir: string;
  policyFile: string;
  /** The policy it holds, as loaded. */
  policy: Policy;
  rows: number;
}

/** Writes the record under `kitDir`/gateway, its morning starting at `startMs`. */
export async function writeDemoRecord(kitDir: string, startMs: number): Promise<DemoRecord> {
  const dir = join(kitDir, GATEWAY_SUBDIR);
  mkdirSync(dir);
  const policyFile = join(dir, 'airlock.yaml');
  writeFileSync(policyFile, POLICY_YAML, { flag: 'wx' });
  const policy = loadPolicyFile(policyFile);
  const rec = await openRecord(policy.store, dir, 'create');
  try {
    const gate = new EgressGate(policy, { windows: [] });
    const at = (m: number) => startMs + m * MIN;
    const before: LogRow[] = [];
    VISITS.filter((v) => v.atMin < UNLOCK.atMin).forEach((v, i) => {
      before.push(...play(gate, v, i + 1, startMs));
    });
    QUERIES.filter((q) => q.atMin < UNLOCK.atMin).forEach((q, i) => {
      before.push(...ask(gate, q.name, 100 + i, at(q.atMin)));
    });
    await rec.store.appendLogs(before.sort((a, b) => a.tsMs - b.tsMs));

    const window = {
      host: UNLOCK.host,
      fromMs: at(UNLOCK.atMin),
      untilMs: at(UNLOCK.atMin + UNLOCK.forMin),
      reason: UNLOCK.reason,
    };
    await rec.store.addUnlockWindow({ ...window, createdMs: at(UNLOCK.atMin), createdBy: 'demo' });
    gate.setWindows([window]);

    const after: LogRow[] = [...play(gate, UNLOCK_UPLOAD, 50, startMs)];
    VISITS.filter((v) => v.atMin >= UNLOCK.atMin).forEach((v, i) => {
      after.push(...play(gate, v, 60 + i, startMs));
    });
    QUERIES.filter((q) => q.atMin >= UNLOCK.atMin).forEach((q, i) => {
      after.push(...ask(gate, q.name, 200 + i, at(q.atMin)));
    });
    const chained = await rec.store.appendLogs(after.sort((a, b) => a.tsMs - b.tsMs));
    const head = chained.at(-1)!;
    writeAnchor(rec.paths.anchor, { seq: head.seq, mac: head.mac, tsMs: head.row.tsMs });
    return { dir, policyFile, policy, rows: head.seq };
  } finally {
    await rec.store.close();
  }
}
