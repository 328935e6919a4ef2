// The gateway benchmark (issue 5): requests/s and latency through Airlock's forward proxy, in
// monitor and in one-way mode, against tinyproxy (Debian) and against no proxy at all, all on
// loopback to one local HTTP upstream (a small fixed body, keep-alive). wrk (Debian) drives each
// (a Lua script sends absolute-URI requests, as a proxy client does): -t2 -c50, median of 5 runs
// of 3 s after a warm-up. Peak RSS (VmHWM) of each proxy process. Loopback is allowed in the
// bench policy (allowedPrivateCidrs); one-way allowlists the name `localhost` with budgets
// no run reaches (requests are upstream bytes too).
// Installs wrk and tinyproxy with apt-get when missing (root). Prints a markdown table.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 5;
const SECONDS = 3;
const CONNECTIONS = 50;
const BODY = Buffer.alloc(1024, 'a');

function ensureTools() {
  const missing = [
    ['wrk', 'wrk'],
    ['tinyproxy', 'tinyproxy'],
  ].filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
  if (missing.length === 0) return;
  const pkgs = missing.map(([, p]) => p);
  if (process.getuid?.() !== 0)
    throw new Error(`missing ${pkgs.join(', ')}: apt-get install ${pkgs.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function ensureBuilt() {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until something accepts TCP on `port`. */
async function waitPort(port) {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
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
  throw new Error(`nothing listens on ${port}`);
}

async function freePort() {
  const { createServer: tcp } = await import('node:net');
  return new Promise((res) => {
    const s = tcp().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * wrk against `port`; through a proxy when `target` (absolute URI) is given. Asynchronous: the
 * upstream runs in this process's event loop.
 */
async function wrk(port, target, dir) {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency'];
  if (target) {
    const lua = join(dir, 'proxy.lua');
    const u = new URL(target);
    writeFileSync(lua, `wrk.path = "${target}"\nwrk.headers["Host"] = "${u.host}"\n`);
    args.push('-s', lua);
  }
  args.push(`http://127.0.0.1:${port}/`);
  const out = await new Promise((res, rej) =>
    execFile('wrk', args, { encoding: 'utf8' }, (e, stdout) => (e ? rej(e) : res(stdout))),
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const ms = (pct) => {
    const m = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    if (!m) return Number.NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const sockErr = /Socket errors: (.*)/.exec(out)?.[1];
  return { rps, p50: ms(50), p99: ms(99), errors: Number(errors), sockErr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const peakRssMb = (pid) => {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

async function measure(name, port, target, dir, pid) {
  await wrk(port, target, dir); // warm-up (JIT, connection pools), not counted
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await wrk(port, target, dir));
  const bad = runs.reduce((n, r) => n + r.errors, 0);
  if (bad > 0) process.stderr.write(`bench-gateway: ${name}: ${bad} non-2xx responses\n`);
  return {
    name,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    rss: pid ? peakRssMb(pid) : undefined,
    errors: bad,
  };
}

async function startAirlock(mode, dir) {
  const sub = join(dir, mode);
  execFileSync('mkdir', ['-p', sub]);
  const policy = join(sub, 'airlock.yaml');
  writeFileSync(
    policy,
    `network:
  mode: ${mode}
  allow:
    - host: localhost
      # The requests are uploads too: budgets wide enough that the bench measures the path, not a cut.
      budget: {upstreamBytesPerConnection: 1099511627776, upstreamBytesPerHour: 1099511627776}
  allowedPrivateCidrs: ['127.0.0.0/8', '::1/128']
gateway:
  maxConnections: 4096
  maxConnectionsPerClient: 4096
`,
  );
  const port = await freePort();
  const p = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/airlock.js'),
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
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitPort(port);
  return { p, port };
}

async function startTinyproxy(dir) {
  const port = await freePort();
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(
    conf,
    `Port ${port}\nListen 127.0.0.1\nTimeout 600\nMaxClients 4096\nAllow 127.0.0.1\nLogLevel Critical\nDisableViaHeader Yes\n${process.getuid?.() === 0 ? 'User nobody\nGroup nogroup\n' : ''}`,
  );
  const p = spawn('tinyproxy', ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitPort(port);
  return { p, port };
}

async function stop(p) {
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}

async function main() {
  ensureTools();
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-gw-'));
  // The upstream listens on every loopback family: 'localhost' may resolve to ::1 first.
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
    res.end(BODY);
  });
  upstream.keepAliveTimeout = 60_000;
  await new Promise((r) => upstream.listen(0, '::', r));
  const upPort = upstream.address().port;
  const target = `http://localhost:${upPort}/`;
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const results = [];
  try {
    results.push(await measure('direct', upPort, undefined, dir));
    for (const mode of ['monitor', 'one-way']) {
      const a = await startAirlock(mode, dir);
      try {
        results.push(await measure(`airlock ${mode}`, a.port, target, dir, a.p.pid));
      } finally {
        await stop(a.p);
      }
    }
    const t = await startTinyproxy(dir);
    try {
      results.push(await measure('tinyproxy', t.port, target, dir, t.p.pid));
    } finally {
      await stop(t.p);
    }
  } finally {
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const direct = results[0];
  const tiny = results.find((r) => r.name === 'tinyproxy');
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const lines = [
    `gateway benchmark: wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, median of ${RUNS}, 1 KiB body over loopback; load average before: ${load}`,
    '',
    '| path | requests/s | × direct | × tinyproxy | p50 ms | p99 ms | p99 added ms | peak RSS MB | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${f(r.rps)} | ${f(r.rps / direct.rps, 2)} | ${f(r.rps / tiny.rps, 2)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${r === direct ? '-' : f(r.p99 - direct.p99, 2)} | ${r.rss === undefined ? '-' : f(r.rss)} | ${r.errors} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench-gateway: ${e.stack ?? e}\n`);
  process.exit(1);
});
