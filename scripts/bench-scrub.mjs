/**
 * Airlock scrub against the alternatives, on the built dist/ (npm run build first):
 *
 *   node scripts/bench-scrub.mjs        (BENCH_RUNS=3, BENCH_FILES=2000 by default)
 *
 * Sets (bench/prepare.mjs, in .bench/): the media corpus's JPEG/TIFF/DNG replicated to
 * BENCH_FILES files, and 20 realistic 8–25 MB stills. Tools, on the same folder in one run:
 * `airlock scrub IN --out OUT` (verification included), `exiftool -all= -o OUT/ IN` (one
 * process), `mat2 --lightweight` (on a fresh untimed copy: mat2 writes next to its input) and
 * `cp -r` (the physical limit) and `cp -r && sync` (a copy as durable as Airlock's, which
 * fsyncs its outputs), and two floors: the reads, writes and hashes the scrub's proof needs,
 * alone, in Node (scripts/bench/scrub-floor.mjs) and in C (scripts/bench/scrub-floor.c, compiled
 * here with cc -O2 -lcrypto; left out, saying why, where that fails). Before each timed run: a fresh output folder (the last one moved aside, see
 * `fresh`) and `sync`. Each
 * tool gets one untimed warm-up per set, then BENCH_RUNS timed runs; the median is reported,
 * with the ratios to cp and to cp && sync and the peak RSS (/usr/bin/time %M, the largest process of the run).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { bigStills, replicate, totalBytes } from './bench/prepare.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const BENCH = join(ROOT, '.bench');
const CORPUS_MEDIA = join(ROOT, '../shared/corpus/media');
const EXIFTOOL = '/usr/bin/exiftool';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const N = Number(process.env.BENCH_FILES ?? 2000);
/**
 * mat2 takes ~1.4 s per small file (2,000 files: ~47 min a run), so on the small set it cleans
 * the first BENCH_MAT2_FILES files only and its files/s and ratio are scaled per file (marked *).
 * It gets no warm-up run (a minute of CPU warms nothing that matters).
 */
const MAT2_RUNS = Number(process.env.BENCH_MAT2_RUNS ?? RUNS);
const MAT2_FILES = Number(process.env.BENCH_MAT2_FILES ?? 100);

if (!existsSync(join(ROOT, 'dist/scrub/run.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}

function ensureMat2() {
  if (spawnSync('mat2', ['--version']).status === 0) return true;
  console.error('installing mat2 (Debian package) …');
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'mat2'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0 && spawnSync('mat2', ['--version']).status === 0;
}
const haveMat2 = ensureMat2();

mkdirSync(BENCH, { recursive: true });
console.error(`preparing ${BENCH} …`);
const sets = {
  small: { dir: join(BENCH, 'scrub-files'), files: replicate(CORPUS_MEDIA, join(BENCH, 'scrub-files'), N) },
  big: { dir: join(BENCH, 'big'), files: bigStills(CORPUS_MEDIA, join(BENCH, 'big')) },
};
const WORK = join(BENCH, 'scrub-out');

/** One timed run: wall time (ms) and the peak RSS (KiB) /usr/bin/time reports. */
function timed(cmd, args, okStatus = (s) => s === 0) {
  const rssFile = join(BENCH, 'rss.txt');
  spawnSync('sync');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-o', rssFile, '-f', '%M', cmd, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 2 ** 20,
  });
  const ms = performance.now() - t0;
  if (!okStatus(r.status ?? -1))
    throw new Error(
      `${cmd} ${args.slice(0, 4).join(' ')}… exited ${r.status}: ${r.stderr.toString().slice(0, 2000)}`,
    );
  const rss = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  return { ms, rss };
}

/**
 * A path with nothing at it, its parent made. An earlier run's output is moved aside, not
 * deleted: ext4 skips inodes freed in the last minute when it allocates new ones, scanning past
 * each, so deleting 2,000 files right before a run made every create in it slow (cp -r of the
 * small set: 0.15 s after no deletion, 0.6–0.9 s right after one), for whichever tool came next.
 * Everything moved aside is deleted once all runs are over.
 */
const TRASH = join(BENCH, 'scrub-trash');
let trashed = 0;
const fresh = (p) => {
  if (existsSync(p)) {
    mkdirSync(TRASH, { recursive: true });
    renameSync(p, join(TRASH, `${process.pid}-${trashed++}`));
  }
  mkdirSync(join(p, '..'), { recursive: true });
  return p;
};

/** The C floor, built into .bench/ (needs cc and OpenSSL's headers: Debian's libssl-dev). */
function buildCFloor() {
  const bin = join(BENCH, 'scrub-floor-c');
  const r = spawnSync(
    'cc',
    ['-O2', '-o', bin, join(ROOT, 'scripts/bench/scrub-floor.c'), '-lcrypto', '-lpthread'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status === 0) return bin;
  console.error(
    `C floor left out: cc failed (${(r.stderr || r.error?.message || '').trim().split('\n')[0]})`,
  );
  return undefined;
}
const cFloor = buildCFloor();

const tools = {
  'cp -r (physical limit)': (set) => timed('cp', ['-r', set.dir, fresh(join(WORK, 'cp'))]),
  // A durable copy: Airlock fsyncs what it writes (power-loss safe), plain cp leaves it in the page cache.
  'cp -r && sync (durable copy)': (set) =>
    timed('sh', ['-c', 'cp -r "$0" "$1" && sync', set.dir, fresh(join(WORK, 'cp-sync'))]),
  // scrub exits 2 when a file is withheld or fails; the bench sets hold only cleanable stills.
  'airlock scrub (verified)': (set) =>
    timed(process.execPath, [
      'bin/airlock.js',
      'scrub',
      set.dir,
      '--out',
      fresh(join(WORK, 'airlock')),
      '--no-progress',
    ]),
  // What the proof alone costs: read, the input's and image data's SHA-256, write with the
  // output's SHA-256; no parsing, no verification, no fsync (scripts/bench/scrub-floor.mjs).
  'node floor (read, 3× SHA-256, write)': (set) =>
    timed(process.execPath, ['scripts/bench/scrub-floor.mjs', set.dir, fresh(join(WORK, 'floor'))]),
  // The same in C: what any implementation of the proof costs on this machine.
  ...(cFloor
    ? { 'C floor (read, 3× SHA-256, write)': (set) => timed(cFloor, [set.dir, fresh(join(WORK, 'floor-c'))]) }
    : {}),
  'exiftool -all= -o OUT/ (one process)': (set) => {
    const out = fresh(join(WORK, 'exiftool'));
    mkdirSync(out, { recursive: true });
    // exit 1 when some file could not be written (ExifTool refuses a few odd corpus files).
    return timed(EXIFTOOL, ['-q', '-q', '-all=', '-o', `${out}/`, set.dir], (s) => s <= 1);
  },
  ...(haveMat2
    ? {
        'mat2 --lightweight (on a copy)': (set) => {
          const copy = fresh(join(WORK, 'mat2'));
          mkdirSync(copy);
          const some = set.files.slice(0, MAT2_FILES);
          for (const f of some) copyFileSync(f, join(copy, basename(f)));
          set.mat2Files = some.length;
          // mat2 exits non-zero when it refuses a file (e.g. a DNG): an answer, not a crash.
          return timed('mat2', ['--lightweight', copy], (s) => s >= 0);
        },
      }
    : {}),
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = {};
for (const [setName, set] of Object.entries(sets)) {
  for (const [name, fn] of Object.entries(tools)) {
    const runs = name.startsWith('mat2') ? MAT2_RUNS : RUNS;
    if (!name.startsWith('mat2')) fn(set); // warm-up: the page cache in the same state for every tool
    const times = [];
    const rss = [];
    for (let i = 0; i < runs; i++) {
      const r = fn(set);
      times.push(r.ms);
      rss.push(r.rss);
    }
    results[`${setName}|${name}`] = { ms: median(times), rss: Math.max(...rss), times };
    console.error(
      `${setName} ${name}: median ${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`,
    );
  }
}
rmSync(WORK, { recursive: true, force: true });
rmSync(TRASH, { recursive: true, force: true });

const mb = (b) => (b / 2 ** 20).toFixed(1);
const ver = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
  } catch {
    return 'absent';
  }
};
const out = [];
out.push(
  `Airlock scrub benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ExifTool ${ver(EXIFTOOL, ['-ver'])}, ${ver('mat2', ['--version'])}; median of ${RUNS} runs after one warm-up, sync and a fresh output folder before each.`,
);
out.push('');
out.push('| set | tool | median time | files/s | ÷ cp | ÷ cp && sync | peak RSS |');
out.push('|---|---|---:|---:|---:|---:|---:|');
for (const [setName, set] of Object.entries(sets)) {
  const label = `${set.files.length} ${setName === 'small' ? 'corpus JPEG/TIFF/DNG' : 'stills 20 MP'} (${mb(totalBytes(set.files))} MB)`;
  const cpPerFile = results[`${setName}|cp -r (physical limit)`].ms / set.files.length;
  const syncPerFile = results[`${setName}|cp -r && sync (durable copy)`].ms / set.files.length;
  for (const name of Object.keys(tools)) {
    const r = results[`${setName}|${name}`];
    const count = name.startsWith('mat2') ? (set.mat2Files ?? set.files.length) : set.files.length;
    const part = count < set.files.length ? ` (${count} files)*` : '';
    out.push(
      `| ${label} | ${name}${part} | ${(r.ms / 1000).toFixed(2)} s | ${((count * 1000) / r.ms).toFixed(0)} | ${(r.ms / count / cpPerFile).toFixed(1)}× | ${(r.ms / count / syncPerFile).toFixed(1)}× | ${mb(r.rss * 1024)} MB |`,
    );
  }
}
if (Object.values(sets).some((s) => (s.mat2Files ?? s.files.length) < s.files.length))
  out.push('', `* mat2 on the first ${MAT2_FILES} files of the set; files/s and ÷ cp per file.`);
console.log(out.join('\n'));
