/**
 * The whole audit (Auditor: flows, names, the gate's replay, keep-alive requests followed) over
 * truncated and bit-flipped captures: the scapy-built ones of these tests (keep-alive HTTP
 * through the front and the proxy, a retransmitted upload, TLS names, port reuse, DNS over TCP)
 * and the corpus's. Each case ends, in under a second, with judged flows or an AirlockError, and
 * its accounts hold: no share, stream count or bytes up below zero (a keep-alive flow's first
 * request gets the flow's counts less the later requests', so a byte counted twice among those
 * shows here). Replay a failure: AIRLOCK_FUZZ_SEED=… AIRLOCK_FUZZ_CASE=….
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { Auditor } from '../../src/audit/auditor.js';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { readCaptureBytes } from '../../src/net/capture/file.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { corpusFile } from '../helpers/corpus.js';
import { fuzz } from '../net/fuzz-harness.js';

let dir: string;
const seeds: Uint8Array[] = [];

const WRITERS: [string, ...string[]][] = [
  ['make-http-requests.py', 'keepalive'],
  ['make-http-requests.py', 'proxy'],
  ['make-http-requests.py', 'nameless'],
  ['make-retransmitted-uploads.py'],
  ['make-tls-names.py'],
  ['make-dns-tcp.py'],
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-fuzz-audit-'));
  WRITERS.forEach(([script, ...args], i) => {
    const out = join(dir, `${i}.pcap`);
    execFileSync('/usr/bin/python3', [new URL(`./${script}`, import.meta.url).pathname, out, ...args]);
    seeds.push(new Uint8Array(readFileSync(out)));
  });
  const net = join(dir, 'reuse.pcap');
  execFileSync('/usr/bin/python3', [new URL('../net/make-port-reuse.py', import.meta.url).pathname, net]);
  seeds.push(new Uint8Array(readFileSync(net)));
  for (const f of [
    'zeek-http-putty-upload.pcap',
    'zeek-ftp-retr.pcap',
    'zeek-http-proxy.pcap',
    'zeek-dns-https.pcap',
  ])
    seeds.push(new Uint8Array(readFileSync(corpusFile('pcap', f))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const policy = (() => {
  const p = defaultPolicy();
  p.network.mode = 'one-way';
  p.network.allow = [
    { host: 'files.test', budget: { upstreamBytesPerConnection: 3000 } },
    { host: 'up.test' },
  ];
  p.gateway.listen = ['0.0.0.0:3128'];
  return p;
})();

/** What must hold of every judged flow, whatever the bytes. */
function accounts(f: JudgedFlow): string | undefined {
  for (const c of f.connections) {
    for (const [side, s] of [
      ['orig', c.orig],
      ['resp', c.resp],
    ] as const)
      for (const [k, v] of Object.entries(s)) if (!(v >= 0)) return `${c.id} ${side}.${k} = ${v}`;
    if (!(c.up >= 0)) return `${c.id} up = ${c.up}`;
  }
  return undefined;
}

describe('audit fuzz', () => {
  fuzz(
    'the audit of a capture (flows, gate replay, requests followed)',
    () => seeds,
    (bytes, r) => {
      const broken: string[] = [];
      let flows = 0;
      let requests = 0;
      const a = new Auditor(policy, {
        onFlow: (f) => {
          flows++;
          if (f.connections.length > 1) requests++;
          const problem = accounts(f);
          if (problem) broken.push(problem);
        },
      });
      const { items, error } = readCaptureBytes(bytes, 1 + r.int(65_536));
      for (const it of items) if (it.kind === 'packet') a.packet(it.packet);
      a.finish();
      expect(broken).toEqual([]);
      if (error) return `capture error ${error.code}`;
      return requests > 0 ? 'keep-alive requests judged' : flows > 0 ? 'judged' : 'no flow';
    },
  );
});
