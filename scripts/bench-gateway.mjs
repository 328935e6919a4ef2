// The gateway benchmark (issue 5), in one run, on loopback:
//  1. bulk download through a CONNECT tunnel (curl --proxytunnel reading a large body as fast as
//     it can) vs direct vs tinyproxy vs squid;
//  2. requests/s and latency with wrk (-t2 -c50, absolute-URI requests as a proxy client sends,
//     1 KiB bodies, keep-alive) through Airlock (monitor, one-way) vs tinyproxy vs squid vs direct;
//     squid also with its access log (the goals are judged against squid without one);
//  3. the gateway's memory holding 9,000 idle CONNECT tunnels.
// Median of 5 for every figure (after one warm-up run each), taken in rounds: every path runs once
// per round, so a minute in which this machine is slow (its speed drifts by up to 2x within an
// hour) falls on every path alike. Upstreams run as their own processes, so
// neither they nor the clients share the proxy's event loop (and the 9,000 tunnels' descriptors
// are split across processes: the hard limit here is 20,000 per process).
// Airlock's bench policy allows loopback (allowedPrivateCidrs), the name `localhost` on the
// upstreams' ports, and gives it budgets no run reaches (requests are upload bytes too).
// Installs wrk, tinyproxy and squid with apt-get when missing (root). Prints markdown tables.
// Env: BENCH_GW_BULK_MIB (default 1024); BENCH_GW_PARTS, a comma list of bulk, requests, tunnels
// (default all three); BENCH_GW_BASELINE, another built checkout (its root folder) whose gateway
// runs in monitor mode beside this one's, to measure a change in the same rounds rather than in
// two runs minutes apart; BENCH_GW_BASELINE_NODE_FLAGS, node flags for the baseline's gateway
// (space-separated; with BENCH_GW_BASELINE=. they measure a flag on this build in the same rounds);
// BENCH_GW_THINK_MS, a mean think time: each wrk connection waits a random 0 to twice that many ms
// after each answer, so requests arrive unsynchronised below saturation and p99 is the latency at
// that load rather than at the proxy's limit (unset: no wait, the default measurement).
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianTools } from './bench/debian-tools.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 5;
const WRK_SECONDS = 3;
const CONNECTIONS = 50;
const BULK_BYTES = Number(process.env.BENCH_GW_BULK_MIB ?? 1024) * 1024 * 1024;
const TUNNELS = 9000;
const TUNNEL_BATCH = 300;
const PARTS = new Set((process.env.BENCH_GW_PARTS ?? 'bulk,requests,tunnels').split(','));
const BASELINE = process.env.BENCH_GW_BASELINE && resolve(process.env.BENCH_GW_BASELINE);
const BASELINE_FLAGS = (process.env.BENCH_GW_BASELINE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const THINK_MS = Number(process.env.BENCH_GW_THINK_MS ?? 0);
if (!Number.isInteger(THINK_MS) || THINK_MS < 0) throw new Error('BENCH_GW_THINK_MS: a whole number of ms');

function ensureTools() {
  const installed = ensureDebianTools([
    ['wrk', 'wrk'],
    ['tinyproxy', 'tinyproxy'],
    ['squid', 'squid'],
    ['curl', 'curl'],
  ]);
  // Debian starts the squid service on install: this bench runs its own.
  if (installed.includes('squid'))
    spawnSync('sh', ['-c', 'systemctl stop squid 2>/dev/null; service squid stop 2>/dev/null'], {
      stdio: 'ignore',
    });
}

function ensureBuilt() {
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const run = (cmd, args) =>
  new Promise((res, rej) =>
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 }, (e, stdout, stderr) =>
      e ? rej(new Error(`${cmd} ${args.join(' ')}: ${e.message} ${stderr}`)) : res(stdout),
    ),
  );
/**
 * CPU time (user + system, ms) of `root` and its descendants, every thread included: what a path
 * costs per request or per GiB, a figure the scheduler's moods (two cores, five busy processes)
 * move far less than requests/s or p99.
 */
function treeCpuMs(root) {
  const procs = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(d), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const mine = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs)
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
  }
  return procs.filter((p) => mine.has(p.pid)).reduce((n, p) => n + p.ticks, 0) * (1000 / CLK_TCK);
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const status = (pid, field) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

/** Waits until something accepts TCP on `port`. */
async function waitPort(port, what) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        res(true);
      });
      s.once('error', () => res(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${what}: nothing listens on ${port}`);
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** A node program as a child process that prints its port on its first line. */
function child(source) {
  const p = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    p.once('exit', (c) => rej(new Error(`upstream exited ${c}`)));
    p.stdout.once('data', (d) => res({ p, port: Number(String(d).trim()) }));
  });
}

// Every upstream listens on both loopback families: `localhost` may resolve to ::1 first.
const HTTP_UPSTREAM = `
const BODY = Buffer.alloc(1024, 'a');
const s = require('node:http').createServer((q, r) => {
  r.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
  r.end(BODY);
});
s.keepAliveTimeout = 60000;
s.listen(0, '::', () => console.log(s.address().port));`;

/** Answers any request head with ${BULK_BYTES} bytes, written as fast as the reader takes them. */
const BULK_UPSTREAM = `
const N = ${BULK_BYTES};
const block = Buffer.alloc(1 << 20, 'b');
const s = require('node:net').createServer((c) => {
  c.on('error', () => {});
  let head = '';
  const onHead = (d) => {
    head += d.toString('latin1');
    if (!head.includes('\\r\\n\\r\\n')) return;
    c.off('data', onHead);
    c.write('HTTP/1.1 200 OK\\r\\nContent-Length: ' + N + '\\r\\nConnection: close\\r\\n\\r\\n');
    let left = N;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!c.write(n === block.length ? block : block.subarray(0, n))) return void c.once('drain', pump);
      }
      c.end();
    };
    pump();
  };
  c.on('data', onHead);
});
s.listen(0, '::', () => console.log(s.address().port));`;

/**
 * The floor for the request path in Node: a forwarder with one upstream connection per client
 * that only turns the absolute URI into a path. No parsing, pool, policy or log: what is left is
 * Node's own event loop, and its latency spread, on this machine (requests only; no CONNECT).
 */
const FORWARDER = (upPort) => `
const net = require('node:net');
const s = net.createServer({ noDelay: true }, (c) => {
  const up = net.connect({ host: '127.0.0.1', port: ${upPort}, noDelay: true });
  c.on('data', (d) => up.write(Buffer.from(d.toString('latin1').replace(/^(\\S+) http:\\/\\/[^/]+/, '$1 '), 'latin1')));
  up.on('data', (d) => c.write(d));
  c.on('close', () => up.destroy());
  up.on('close', () => c.destroy());
  c.on('error', () => {});
  up.on('error', () => {});
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

const ECHO_UPSTREAM = `
const s = require('node:net').createServer((c) => { c.on('error', () => {}); c.pipe(c); });
s.maxConnections = 15000;
s.listen(0, '127.0.0.1', 1024, () => console.log(s.address().port));`;

/**
 * Airlock in `mode`; `ports`, the upstreams' loopback ports, are listed on the `localhost` entry
 * (an entry allows 443 and 80 unless it lists its own). A baseline checkout gets none: one
 * older than entry ports rejects the key, and it runs in monitor mode, where ports decide nothing.
 */
async function startAirlock(mode, dir, ports, root = ROOT, baseline = false) {
  const flags = baseline ? BASELINE_FLAGS : [];
  const name = baseline
    ? `airlock ${mode} (baseline ${root}${flags.length ? ` ${flags.join(' ')}` : ''})`
    : `airlock ${mode}`;
  const sub = join(dir, baseline ? `baseline-${mode}` : `airlock-${mode}`);
  execFileSync('mkdir', ['-p', sub]);
  const policy = join(sub, 'airlock.yaml');
  const portsLine = baseline ? '' : `      ports: [${ports.join(', ')}]\n`;
  writeFileSync(
    policy,
    `network:
  mode: ${mode}
  allow:
    - host: localhost
${portsLine}      # Requests are uploads too: budgets wide enough that the bench measures the path, not a cut.
      budget: {upstreamBytesPerConnection: 1099511627776, upstreamBytesPerHour: 1099511627776}
  allowedPrivateCidrs: ['127.0.0.0/8', '::1/128']
gateway:
  maxConnections: ${TUNNELS + 1000}
  maxConnectionsPerClient: ${TUNNELS + 1000}
`,
  );
  const port = await freePort();
  const p = spawn(
    process.execPath,
    [
      ...flags,
      join(root, 'bin/airlock.js'),
      'gateway',
      '--policy',
      policy,
      '--listen',
      `127.0.0.1:${port}`,
      '--dns-listen',
      '127.0.0.1:0',
      '--admin-listen',
      '127.0.0.1:0',
    ],
    { cwd: sub, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitPort(port, name);
  return { name, p, port };
}

async function startTinyproxy(dir) {
  const port = await freePort();
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(
    conf,
    `Port ${port}\nListen 127.0.0.1\nTimeout 600\nMaxClients 4096\nAllow 127.0.0.1\nLogLevel Critical\nDisableViaHeader Yes\n${process.getuid?.() === 0 ? 'User nobody\nGroup nogroup\n' : ''}`,
  );
  const p = spawn('tinyproxy', ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitPort(port, 'tinyproxy');
  return { name: 'tinyproxy', p, port };
}

/**
 * squid with no cache and no logs on disk, CONNECT to any loopback port allowed; `accessLog`: with
 * its access log as Debian configures it (a line a request through its log daemon), the record
 * squid keeps where Airlock keeps its chained rows.
 */
async function startSquid(dir, accessLog = false) {
  const port = await freePort();
  const sub = join(dir, accessLog ? 'squid-log' : 'squid');
  execFileSync('mkdir', ['-p', sub]);
  // squid drops to its own user: it must reach its folder through the bench's (mkdtemp: 0700).
  execFileSync('chmod', ['711', dir]);
  execFileSync('chmod', ['777', sub]);
  const conf = join(sub, 'squid.conf');
  writeFileSync(
    conf,
    `http_port 127.0.0.1:${port}
acl loopback src 127.0.0.0/8 ::1
http_access allow loopback
http_access deny all
cache deny all
cache_mem 0 MB
access_log ${accessLog ? `daemon:${join(sub, 'access.log')} squid` : 'none'}
cache_store_log none
cache_log /dev/null
logfile_rotate 0
pid_filename ${join(sub, 'squid.pid')}
coredump_dir ${sub}
max_filedescriptors 20000
shutdown_lifetime 0 seconds
forwarded_for delete
via off
`,
  );
  const p = spawn('squid', ['-N', '-f', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const name = accessLog ? 'squid (access log)' : 'squid';
  await waitPort(port, name);
  return { name, p, port };
}

async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** curl reading the bulk body, through a CONNECT tunnel when `proxyPort` is given: MB/s. */
async function bulkOnce(upPort, proxyPort) {
  const args = ['-s', '-o', '/dev/null', '-w', '%{size_download} %{time_total}'];
  if (proxyPort) args.push('--proxytunnel', '-x', `http://127.0.0.1:${proxyPort}`);
  args.push(`http://localhost:${upPort}/`);
  const [bytes, seconds] = (await run('curl', args)).trim().split(' ').map(Number);
  if (bytes !== BULK_BYTES) throw new Error(`bulk: ${bytes} of ${BULK_BYTES} bytes arrived`);
  return bytes / seconds / 1e6;
}

/**
 * Runs `once(path)` for every path: one warm-up each, then RUNS rounds with every path once per
 * round, each run after `prime(path)` when given (untimed). Returns each path's measured runs and
 * the CPU its proxy spent in them (ms).
 */
async function rounds(paths, once, prime) {
  for (const p of paths) await once(p);
  const out = new Map(paths.map((p) => [p, { runs: [], cpuMs: 0 }]));
  for (let i = 0; i < RUNS; i++)
    for (const p of paths) {
      await prime?.(p);
      const cpu0 = p.pid ? treeCpuMs(p.pid) : 0;
      const r = await once(p);
      const o = out.get(p);
      o.runs.push(r);
      if (p.pid) o.cpuMs += treeCpuMs(p.pid) - cpu0;
    }
  return out;
}

/** wrk against `port`; through a proxy when `target` (absolute URI) is given. */
async function wrkOnce(port, target, dir, seconds = WRK_SECONDS) {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency'];
  // wrk's delay() runs before each request but the first; its latency excludes the wait.
  const think = THINK_MS > 0 ? `function delay() return math.random(0, ${2 * THINK_MS}) end\n` : '';
  if (target || think) {
    const lua = join(dir, target ? 'proxy.lua' : 'direct.lua');
    writeFileSync(
      lua,
      (target ? `wrk.path = "${target}"\nwrk.headers["Host"] = "${new URL(target).host}"\n` : '') + think,
    );
    args.push('-s', lua);
  }
  args.push(`http://127.0.0.1:${port}/`);
  const out = await run('wrk', args);
  const ms = (pct) => {
    const m = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : Number.NaN;
  };
  const bad =
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) +
    (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/
      .exec(out)
      ?.slice(1)
      .reduce((n, x) => n + Number(x), 0) ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    n: Number(/(\d+) requests in/.exec(out)?.[1]),
    p50: ms(50),
    p99: ms(99),
    bad,
  };
}

/** Opens `TUNNELS` CONNECT tunnels to `target` and holds them; returns the sockets. */
async function openTunnels(proxyPort, target) {
  const one = () =>
    new Promise((resolve, reject) => {
      const s = connect({ port: proxyPort, host: '127.0.0.1' });
      let head = '';
      s.on('error', reject);
      s.once('connect', () => s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
      const onData = (d) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        s.off('data', onData);
        if (!head.startsWith('HTTP/1.1 200')) reject(new Error(`tunnel refused: ${head.split('\r\n')[0]}`));
        else resolve(s);
      };
      s.on('data', onData);
    });
  const held = [];
  // A batch at a time, so the listen backlog never overflows.
  for (let i = 0; i < TUNNELS; i += TUNNEL_BATCH)
    held.push(...(await Promise.all(Array.from({ length: Math.min(TUNNEL_BATCH, TUNNELS - i) }, one))));
  return held;
}

/** The gateway's RSS with 9,000 idle tunnels: before, holding them (median of 5 readings), peak. */
async function tunnelMemory(dir) {
  const echo = await child(ECHO_UPSTREAM);
  const a = await startAirlock('monitor', dir, [echo.port]);
  try {
    await sleep(500);
    const before = status(a.p.pid, 'VmRSS');
    const held = await openTunnels(a.port, `127.0.0.1:${echo.port}`);
    // Every tunnel is live: the last one echoes.
    const last = held[held.length - 1];
    const echoed = new Promise((res) => last.once('data', (d) => res(String(d))));
    last.write('ping');
    if ((await echoed) !== 'ping') throw new Error('the last tunnel does not echo');
    const readings = [];
    for (let i = 0; i < RUNS; i++) {
      await sleep(1000);
      readings.push(status(a.p.pid, 'VmRSS'));
    }
    const peak = status(a.p.pid, 'VmHWM');
    for (const s of held) s.destroy();
    return { tunnels: held.length, before, rss: median(readings), peak };
  } finally {
    await stop(a.p);
    await stop(echo.p);
  }
}

async function main() {
  ensureTools();
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-gw-'));
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  const loadBefore = load();
  const web = await child(HTTP_UPSTREAM);
  const big = await child(BULK_UPSTREAM);
  const target = `http://localhost:${web.port}/`;
  const rows = [];
  let mem;
  /** Every path at once (idle ones cost nothing): direct, then each proxy. */
  const paths = [{ name: 'direct' }];
  try {
    if (PARTS.has('bulk') || PARTS.has('requests')) {
      for (const start of [
        () => startAirlock('monitor', dir, [web.port, big.port]),
        () => startAirlock('one-way', dir, [web.port, big.port]),
        ...(BASELINE ? [() => startAirlock('monitor', dir, [], BASELINE, true)] : []),
        () => startTinyproxy(dir),
        () => startSquid(dir),
      ]) {
        const px = await start();
        paths.push({ name: px.name, port: px.port, pid: px.p.pid, p: px.p });
      }
      if (PARTS.has('requests')) {
        const logged = await startSquid(dir, true);
        paths.push({
          name: logged.name,
          port: logged.port,
          pid: logged.p.pid,
          p: logged.p,
          requestsOnly: true,
        });
        const fw = await child(FORWARDER(web.port));
        paths.push({
          name: 'node forwarder (floor)',
          port: fw.port,
          pid: fw.p.pid,
          p: fw.p,
          requestsOnly: true,
        });
      }
      const bulkRuns = PARTS.has('bulk')
        ? await rounds(
            paths.filter((p) => !p.requestsOnly),
            (p) => bulkOnce(big.port, p.port),
          )
        : undefined;
      const reqRuns = PARTS.has('requests')
        ? await rounds(
            paths,
            (p) => wrkOnce(p.port ?? web.port, p.port ? target : undefined, dir),
            // A second of the same load first: a proxy that sat idle while the others ran has let its
            // upstream connections go (Airlock after 4 s, below common keep-alive timeouts).
            (p) => wrkOnce(p.port ?? web.port, p.port ? target : undefined, dir, 1),
          )
        : undefined;
      for (const p of paths) {
        const b = bulkRuns?.get(p);
        const q = reqRuns?.get(p);
        const served = q ? q.runs.reduce((n, r) => n + r.n, 0) : 0;
        rows.push({
          name: p.name,
          bulk: {
            mbs: b ? median(b.runs) : Number.NaN,
            cpuPerGiB: b && p.pid ? b.cpuMs / ((RUNS * BULK_BYTES) / 2 ** 30) : Number.NaN,
          },
          req: {
            rps: q ? median(q.runs.map((r) => r.rps)) : Number.NaN,
            p50: q ? median(q.runs.map((r) => r.p50)) : Number.NaN,
            p99: q ? median(q.runs.map((r) => r.p99)) : Number.NaN,
            bad: q ? q.runs.reduce((n, r) => n + r.bad, 0) : 0,
            cpuUsPerRequest: q && p.pid ? (q.cpuMs * 1000) / served : Number.NaN,
          },
          ...(p.pid ? { peak: status(p.pid, 'VmHWM') } : {}),
          ...(p.requestsOnly ? { requestsOnly: true } : {}),
        });
      }
      // Before the tunnel test, which starts a monitor gateway of its own in the same folder.
      for (const p of paths.splice(1)) await stop(p.p);
    }
    if (PARTS.has('tunnels')) mem = await tunnelMemory(dir);
  } finally {
    for (const p of paths) if (p.p) await stop(p.p);
    await stop(web.p);
    await stop(big.p);
    rmSync(dir, { recursive: true, force: true });
  }
  const direct = rows[0];
  const squid = rows.find((r) => r.name === 'squid');
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const lines = [
    `gateway benchmark on loopback, median of ${RUNS} rounds (every path once a round) after a warm-up; load average ${loadBefore} before, ${load()} after`,
  ];
  if (PARTS.has('bulk'))
    lines.push(
      '',
      `CONNECT bulk download (curl --proxytunnel, ${BULK_BYTES / 1024 / 1024} MiB): goal ≥ 0.8× direct`,
      '',
      '| path | MB/s | × direct | × squid | proxy CPU ms per GiB |',
      '|---|---:|---:|---:|---:|',
      ...rows
        .filter((r) => !r.requestsOnly)
        .map(
          (r) =>
            `| ${r.name} | ${f(r.bulk.mbs)} | ${f(r.bulk.mbs / direct.bulk.mbs, 2)} | ${f(r.bulk.mbs / squid.bulk.mbs, 2)} | ${f(r.bulk.cpuPerGiB)} |`,
        ),
    );
  if (PARTS.has('requests'))
    lines.push(
      '',
      `Requests (wrk -t2 -c${CONNECTIONS} -d${WRK_SECONDS}s, 1 KiB body, keep-alive${THINK_MS ? `, each connection waiting a random 0–${2 * THINK_MS} ms after each answer` : ''}): goal requests/s ≥ squid's, p99 < squid's (squid without its access log)`,
      '',
      '| path | requests/s | × direct | × squid | p50 ms | p99 ms | p99 added ms | p99 × squid | proxy CPU µs per request | peak RSS MB | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${f(r.req.rps)} | ${f(r.req.rps / direct.req.rps, 2)} | ${f(r.req.rps / squid.req.rps, 2)} | ${f(r.req.p50, 2)} | ${f(r.req.p99, 2)} | ${r === direct ? '-' : f(r.req.p99 - direct.req.p99, 2)} | ${f(r.req.p99 / squid.req.p99, 2)} | ${f(r.req.cpuUsPerRequest)} | ${r.peak === undefined ? '-' : f(r.peak)} | ${r.req.bad} |`,
      ),
    );
  if (mem)
    lines.push(
      '',
      `Idle tunnels (airlock monitor, CONNECT to a local echo server): goal < 300 MB for ${TUNNELS}`,
      '',
      '| tunnels | RSS before MB | RSS holding MB | peak RSS MB |',
      '|---:|---:|---:|---:|',
      `| ${mem.tunnels} | ${f(mem.before)} | ${f(mem.rss)} | ${f(mem.peak)} |`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench-gateway: ${e.stack ?? e}\n`);
  process.exit(1);
});
