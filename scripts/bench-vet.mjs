// The vet benchmark: every APK in ../shared/corpus/apk, in one run, through
//  - `airlock vet --json` (one process for all of them: manifest, signatures verified, every DEX
//    read, hosts judged), and
//  - what an analyst runs with Android's own tools for the same questions, one process per APK as
//    they work: `aapt dump badging` (package, versions, permissions), `apksigner verify
//    --print-certs -v` (signers, verdict) and `dexdump -d` of each DEX file (classes, the strings
//    the code loads: it disassembles everything, more than vet reads), and again without dexdump.
// Median of 3 each, warm cache; wall time, the ratio, and Airlock's peak RSS (GNU time %M).
// Installs aapt, apksigner, dexdump, unzip and time with apt-get when missing (root). Prints markdown.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianTools } from './bench/debian-tools.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'apk');
const RUNS = 3;

function ensureTools() {
  ensureDebianTools([
    ['aapt', 'aapt'],
    ['apksigner', 'apksigner'],
    ['dexdump', 'dexdump'],
    ['zipinfo', 'unzip'],
    ['/usr/bin/time', 'time'],
  ]);
}

const apks = () =>
  readdirSync(CORPUS)
    .flatMap((d) => readdirSync(join(CORPUS, d)).map((f) => join(CORPUS, d, f)))
    .filter((f) => f.endsWith('.apk') && statSync(f).isFile())
    .sort();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(fn) {
  const t0 = process.hrtime.bigint();
  const extra = fn();
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, extra };
}

/** Airlock over every APK in one process; peak RSS from GNU time. */
function airlock(files) {
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, join(ROOT, 'bin/airlock.js'), 'vet', '--json', ...files],
    {
      maxBuffer: 1024 * 1024 * 1024,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0 && r.status !== 1 && r.status !== 2) throw new Error(`airlock vet: ${r.stderr}`);
  return Number(r.stderr.trim().split('\n').at(-1)) / 1024;
}

/** The Android tools, as an analyst runs them: per APK, badging, signature, and every DEX dumped. */
function peers(files, scratch, dex = true) {
  for (const f of files) {
    spawnSync('aapt', ['dump', 'badging', f], { stdio: 'ignore' });
    spawnSync('apksigner', ['verify', '--print-certs', '-v', f], { stdio: 'ignore' });
    if (!dex) continue;
    const list = spawnSync('zipinfo', ['-1', f], { encoding: 'utf8' }).stdout ?? '';
    for (const d of list.split('\n').filter((n) => /^classes\d*\.dex$/.test(n))) {
      const out = join(scratch, 'x.dex');
      const bytes = spawnSync('unzip', ['-p', f, d], { maxBuffer: 512 * 1024 * 1024 }).stdout;
      writeFileSync(out, bytes);
      spawnSync('dexdump', ['-d', out], { stdio: 'ignore', maxBuffer: 1024 * 1024 * 1024 });
    }
  }
}

function main() {
  ensureTools();
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const files = apks();
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const scratch = mkdtempSync(join(tmpdir(), 'airlock-bench-vet-'));
  const a = [];
  const p = [];
  const q = [];
  try {
    // Warm-up: the cache, the JIT of each tool.
    airlock(files);
    peers(files.slice(0, 5), scratch);
    for (let i = 0; i < RUNS; i++) {
      a.push(timed(() => airlock(files)));
      p.push(timed(() => peers(files, scratch)));
      q.push(timed(() => peers(files, scratch, false)));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const as = median(a.map((x) => x.s));
  const ps = median(p.map((x) => x.s));
  const qs = median(q.map((x) => x.s));
  const rss = Math.max(...a.map((x) => x.extra));
  process.stdout.write(
    [
      `vet benchmark: ${files.length} corpus APKs (${(bytes / 1e6).toFixed(1)} MB), median of ${RUNS}, warm cache`,
      '',
      '| tool | wall s | × Airlock | peak RSS MB |',
      '|---|---:|---:|---:|',
      `| airlock vet --json (one process) | ${as.toFixed(2)} | 1.00 | ${rss.toFixed(0)} |`,
      `| aapt badging + apksigner verify + dexdump -d (per APK) | ${ps.toFixed(2)} | ${(ps / as).toFixed(2)} | - |`,
      `| aapt badging + apksigner verify only (no code read) | ${qs.toFixed(2)} | ${(qs / as).toFixed(2)} | - |`,
      '',
    ].join('\n'),
  );
}

main();
