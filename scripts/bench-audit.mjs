// The audit benchmark (issue 4): builds a capture of at least 1 GB with Ethernet-size packets,
// made on this machine: two network namespaces joined by a veth pair with MTU 1500 (GSO limited
// to one segment, so frames on the wire are Ethernet-sized), addresses from 198.18.0.0/15 (the
// benchmarking range), real bulk HTTP downloads and uploads plus many short connections between
// them, captured with dumpcap inside one namespace. Then, in one run: `airlock audit` vs
// `tshark -q -z conv,tcp -z conv,udp -r FILE` (median of 3 each, warm cache), MB/s and packets/s,
// their ratio, and Airlock's peak RSS on the whole file and on its first half (bounded memory).
// Needs root (ip netns). Prints a markdown table. The capture stays in .bench/ (gitignored).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(ROOT, '.bench');
const CAPTURE = join(BENCH, 'audit-1g.pcapng');
const HALF = join(BENCH, 'audit-half.pcapng');
const MIN_BYTES = 1_000_000_000;
const NS_A = 'airlock-bench-a';
const NS_B = 'airlock-bench-b';
const RUNS = 3;

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const nsExec = (ns, args, opts) => sh('ip', ['netns', 'exec', ns, ...args], opts);

function cleanup() {
  for (const ns of [NS_A, NS_B]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

function setupNetwork() {
  cleanup();
  sh('ip', ['netns', 'add', NS_A]);
  sh('ip', ['netns', 'add', NS_B]);
  sh('ip', ['link', 'add', 'alb-a', 'netns', NS_A, 'type', 'veth', 'peer', 'name', 'alb-b', 'netns', NS_B]);
  for (const [ns, dev, addr] of [
    [NS_A, 'alb-a', '198.18.0.1/24'],
    [NS_B, 'alb-b', '198.18.0.2/24'],
  ]) {
    nsExec(ns, ['ip', 'link', 'set', dev, 'mtu', '1500', 'gso_max_segs', '1', 'gso_max_size', '1500']);
    nsExec(ns, ['ip', 'addr', 'add', addr, 'dev', dev]);
    nsExec(ns, ['ip', 'link', 'set', dev, 'up']);
    nsExec(ns, ['ip', 'link', 'set', 'lo', 'up']);
  }
}

// The server (namespace B): GET /bulk/N sends N bytes, GET /small a short answer, PUT/POST reads the body.
const SERVER = `
import http.server, socketserver
BLOCK = b'x' * 65536
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def do_GET(self):
        n = int(self.path.split('/')[-1]) if self.path.startswith('/bulk/') else 200
        self.send_response(200); self.send_header('Content-Length', str(n)); self.end_headers()
        while n > 0:
            k = min(n, len(BLOCK)); self.wfile.write(BLOCK[:k]); n -= k
    def do_PUT(self):
        n = int(self.headers.get('Content-Length', '0'))
        while n > 0:
            n -= len(self.rfile.read(min(n, 65536)))
        self.send_response(204); self.send_header('Content-Length', '0'); self.end_headers()
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
S(('198.18.0.2', 8080), H).serve_forever()
`;

// The client (namespace A): bulk downloads and uploads, and many short connections.
const CLIENT = `
import http.client, sys
target = int(sys.argv[1])
done = 0
body = b'y' * (32 * 1024 * 1024)
while done < target:
    for i in range(3):
        c = http.client.HTTPConnection('198.18.0.2', 8080)
        c.request('GET', '/bulk/%d' % (96 * 1024 * 1024)); r = c.getresponse()
        while True:
            b = r.read(1 << 20)
            if not b: break
            done += len(b)
        c.close()
    c = http.client.HTTPConnection('198.18.0.2', 8080)
    c.request('PUT', '/up', body=body); c.getresponse().read(); c.close(); done += len(body)
    for i in range(400):
        c = http.client.HTTPConnection('198.18.0.2', 8080)
        c.request('GET', '/small'); c.getresponse().read(); c.close()
`;

async function buildCapture() {
  mkdirSync(BENCH, { recursive: true });
  setupNetwork();
  const serverPy = join(BENCH, 'bench-server.py');
  const clientPy = join(BENCH, 'bench-client.py');
  writeFileSync(serverPy, SERVER);
  writeFileSync(clientPy, CLIENT);
  const server = spawn('ip', ['netns', 'exec', NS_B, '/usr/bin/python3', serverPy], { stdio: 'ignore' });
  const cap = spawn('ip', ['netns', 'exec', NS_A, 'dumpcap', '-q', '-i', 'alb-a', '-w', CAPTURE], {
    stdio: 'ignore',
  });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    // The client counts what it received and sent; aim past the size wanted, then check it.
    nsExec(NS_A, ['/usr/bin/python3', clientPy, String(Math.round(MIN_BYTES * 1.2))], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    cap.kill('SIGINT');
    await new Promise((r) => cap.once('exit', r));
    server.kill('SIGTERM');
    cleanup();
  }
}

/** Wall time and peak RSS (KiB) of a command, from GNU time. */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-500)}`);
  const [secs, kib] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { secs, kib };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(file) {
  const airlock = [
    process.execPath,
    join(ROOT, 'bin/airlock.js'),
    'audit',
    '--json',
    '--policy',
    POLICY,
    file,
  ];
  const tshark = ['tshark', '-q', '-z', 'conv,tcp', '-z', 'conv,udp', '-r', file];
  timed(airlock[0], airlock.slice(1)); // warm the cache
  const a = Array.from({ length: RUNS }, () => timed(airlock[0], airlock.slice(1)));
  const t = Array.from({ length: RUNS }, () => timed(tshark[0], tshark.slice(1)));
  return {
    a: { secs: median(a.map((x) => x.secs)), kib: Math.max(...a.map((x) => x.kib)) },
    t: { secs: median(t.map((x) => x.secs)), kib: Math.max(...t.map((x) => x.kib)) },
  };
}

const POLICY = join(BENCH, 'bench-policy.yaml');

if (!existsSync(CAPTURE) || statSync(CAPTURE).size < MIN_BYTES) {
  spawnSync('rm', ['-f', CAPTURE, HALF]);
  await buildCapture();
}
if (statSync(CAPTURE).size < MIN_BYTES)
  throw new Error(`the capture is only ${statSync(CAPTURE).size} bytes`);
writeFileSync(POLICY, 'version: 1\nnetwork:\n  mode: monitor\nstore:\n  sqlitePath: bench-none.sqlite\n');
const bytes = statSync(CAPTURE).size;
const packets = Number(
  sh('capinfos', ['-M', '-c', '-T', '-r', CAPTURE], { encoding: 'utf8' }).trim().split('\t').pop(),
);
if (!existsSync(HALF)) sh('editcap', ['-r', CAPTURE, HALF, `1-${Math.floor(packets / 2)}`]);
const full = measure(CAPTURE);
const half = timed(process.execPath, [
  join(ROOT, 'bin/airlock.js'),
  'audit',
  '--json',
  '--policy',
  POLICY,
  HALF,
]);
const mbs = (s) => (bytes / 1e6 / s).toFixed(0);
const kpps = (s) => (packets / s / 1e3).toFixed(0);
const mib = (k) => (k / 1024).toFixed(0);
process.stdout.write(
  [
    `Capture: ${(bytes / 1e9).toFixed(2)} GB, ${packets} packets (veth, MTU 1500), ${RUNS} runs each, median`,
    '',
    '| tool | seconds | MB/s | kpackets/s | peak RSS (MiB) |',
    '|---|---:|---:|---:|---:|',
    `| airlock audit | ${full.a.secs.toFixed(2)} | ${mbs(full.a.secs)} | ${kpps(full.a.secs)} | ${mib(full.a.kib)} |`,
    `| tshark -z conv,tcp -z conv,udp | ${full.t.secs.toFixed(2)} | ${mbs(full.t.secs)} | ${kpps(full.t.secs)} | ${mib(full.t.kib)} |`,
    '',
    `Ratio (tshark time / airlock time): ${(full.t.secs / full.a.secs).toFixed(2)}× (goal ≥ 10×)`,
    `Airlock peak RSS on the first half of the file: ${mib(half.kib)} MiB (whole file: ${mib(full.a.kib)} MiB)`,
    '',
  ].join('\n'),
);
