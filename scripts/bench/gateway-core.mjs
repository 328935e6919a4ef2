/**
 * The gateway's proxy core alone, in-process, no sockets: `node scripts/bench/gateway-core.mjs
 * [ROOT…]` drives each built checkout's ProxyConnection (dist/) through keep-alive forward
 * requests (an absolute-URI GET and its 1 KiB response, as bench-gateway.mjs's wrk run sends) and
 * prints its CPU µs per request, the builds alternating for 3 rounds. The socket benchmark's
 * spread between runs (two cores shared by wrk, the upstream and the proxy) hides changes of a
 * few µs; this does not, and says how much of a request the core is (9.5 µs of ~100 here).
 * Default ROOT: this checkout.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const roots =
  process.argv.length > 2
    ? process.argv.slice(2).map((r) => resolve(r))
    : [join(dirname(fileURLToPath(import.meta.url)), '../..')];
const REQUESTS = 200_000;
const REQ = Buffer.from(
  'GET http://localhost:18080/ HTTP/1.1\r\nHost: localhost:18080\r\nUser-Agent: wrk\r\n\r\n',
);
const RESP = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1024\r\nDate: Tue, 24 Nov 2026 06:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\n${'a'.repeat(1024)}`,
);

async function core(root) {
  const { ProxyConnection } = await import(join(root, 'dist/gateway/core/connection.js'));
  const { EgressGate } = await import(join(root, 'dist/policy/egress/index.js'));
  const { defaultPolicy } = await import(join(root, 'dist/policy/index.js'));
  const p = defaultPolicy();
  p.network.mode = 'monitor';
  p.network.allowedPrivateCidrs = ['127.0.0.0/8'];
  const gate = new EgressGate(p, { windows: [] });
  /** `n` requests on one connection; the rows it logged (one a request, or the run is wrong). */
  return (n) => {
    const c = new ProxyConnection('c', '127.0.0.1:5000', 0, {
      gate,
      mode: () => 'monitor',
      maxHeaderBytes: 32768,
    });
    let rows = 0;
    for (let i = 0; i < n; i++) {
      let cmds = c.handle({ type: 'client-data', data: REQ }, i);
      if (cmds.some((x) => x.type === 'resolve'))
        cmds = c.handle({ type: 'resolved', addresses: ['127.0.0.1'] }, i);
      if (cmds.some((x) => x.type === 'open-upstream')) c.handle({ type: 'upstream-connected' }, i);
      rows += c.handle({ type: 'upstream-data', data: RESP }, i).filter((x) => x.type === 'log').length;
    }
    return rows;
  };
}

const runs = await Promise.all(roots.map(core));
for (const run of runs) run(20_000); // warm-up
const cost = roots.map(() => []);
for (let round = 0; round < 3; round++)
  runs.forEach((run, i) => {
    const t0 = process.cpuUsage();
    const rows = run(REQUESTS);
    const t = process.cpuUsage(t0);
    if (rows !== REQUESTS) throw new Error(`${roots[i]}: ${rows} rows for ${REQUESTS} requests`);
    cost[i].push((t.user + t.system) / REQUESTS);
  });
console.log('| build | proxy core CPU µs a request (3 rounds) |\n|---|---:|');
for (const [i, r] of roots.entries())
  console.log(`| ${r} | ${cost[i].map((x) => x.toFixed(2)).join(' / ')} |`);
