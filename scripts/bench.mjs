/**
 * Airlock inspect throughput against ExifTool, on the built dist/ (npm run build first).
 *
 *   npm run bench            (BENCH_RUNS=5, BENCH_FILES=2000 by default)
 *
 * Sets: the media corpus's JPEG/TIFF/DNG replicated to BENCH_FILES files, and 20 big stills
 * (20 MP, 8–25 MB; see bench/prepare.mjs). Each tool gets one untimed warm-up run per set, then
 * BENCH_RUNS timed runs; the median is reported. Memory: Airlock's RSS high-water mark for
 * BENCH_FILES and twice as many files, each in a fresh process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { bigStills, replicate, totalBytes } from './bench/prepare.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const BENCH = join(ROOT, '.bench');
const CORPUS_MEDIA = join(ROOT, '../shared/corpus/media');
/** Debian's ExifTool by full path: under `npm run`, PATH starts with node_modules/.bin, whose exiftool is 13.x. */
const EXIFTOOL = '/usr/bin/exiftool';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const N = Number(process.env.BENCH_FILES ?? 2000);

if (!existsSync(join(ROOT, 'dist/inspect/run.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
mkdirSync(BENCH, { recursive: true });

console.error(`preparing ${BENCH} …`);
const many = replicate(CORPUS_MEDIA, join(BENCH, 'files'), 2 * N);
const small = many.slice(0, N);
const big = bigStills(CORPUS_MEDIA, join(BENCH, 'big'));

const listFile = (name, files) => {
  const p = join(BENCH, `${name}.list`);
  writeFileSync(p, `${files.join('\n')}\n`);
  return p;
};
const lists = {
  small: listFile('small', small),
  big: listFile('big', big),
  double: listFile('double', many),
};
const files = { small, big, double: many };

function run(cmd, args, { json = false } = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    maxBuffer: 64 * 2 ** 20,
    stdio: ['ignore', json ? 'pipe' : 'ignore', 'pipe'],
  });
  const ms = performance.now() - t0;
  // inspect exits 1 when it finds sensitive data and 2 when some file could only be partly read
  // (the corpus holds such files): both are answers, not failures. A crash is a failure.
  if (r.status === null || r.status > 2 || /internal error/.test(r.stderr))
    throw new Error(`${cmd} ${args.slice(0, 3).join(' ')}… exited ${r.status}: ${r.stderr}`);
  const stderr = r.stderr.toString();
  return json ? { ms, stderr, ...JSON.parse(r.stdout.toString()) } : { ms, stderr };
}

/**
 * The CLI under /usr/bin/time: its CPU time (user + sys, this process and its threads) is the
 * figure to compare when other jobs share the machine and wall time drifts with them.
 */
function runTimed(args) {
  const r = run('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, ...args]);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { ...r, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN };
}

const tools = {
  'airlock inspect --json (CLI)': (set) => runTimed(['bin/airlock.js', 'inspect', ...files[set], '--json']),
  // Timed inside the child (the child's own `ms` wins): the streaming core alone, without Node start-up.
  'airlock inspectStream (in-process, timed inside)': (set) =>
    run(process.execPath, ['scripts/bench/airlock-inproc.mjs', lists[set]], { json: true }),
  'exiftool -j -a -u -G1 -n (one process)': (set) =>
    run(EXIFTOOL, ['-j', '-a', '-u', '-G1', '-n', '-@', lists[set]]),
  'exiftool-vendored readRaw (maxProcs 2)': (set) =>
    run(process.execPath, ['scripts/bench/vendored.mjs', lists[set]], { json: true }),
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = {};
for (const set of ['small', 'big']) {
  const count = set === 'small' ? small.length : big.length;
  for (const [name, fn] of Object.entries(tools)) {
    fn(set); // warm-up: page cache and anything the tool caches between runs in the same state for all
    const times = [];
    const cpu = [];
    for (let i = 0; i < RUNS; i++) {
      const r = fn(set);
      times.push(r.ms);
      if (r.cpuMs !== undefined) cpu.push(r.cpuMs);
    }
    const ms = median(times);
    const cpuMs = cpu.length > 0 ? median(cpu) : undefined;
    results[`${set}|${name}`] = { ms, fps: (count * 1000) / ms, times, cpuMs };
    console.error(
      `${set} ${name}: median ${ms.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})` +
        (cpuMs === undefined ? '' : `; CPU user+sys median ${cpuMs.toFixed(0)} ms`),
    );
  }
}

const mem = {};
for (const [label, set] of [
  ['N', 'small'],
  ['2N', 'double'],
]) {
  const list = lists[set];
  const count = files[set].length;
  const rss = [];
  for (let i = 0; i < 3; i++)
    rss.push(run(process.execPath, ['scripts/bench/airlock-inproc.mjs', list], { json: true }).maxRssKiB);
  const cli = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, 'bin/airlock.js', 'inspect', ...files[set], '--json'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        maxBuffer: 64 * 2 ** 20,
      },
    );
    cli.push(Number(r.stderr.toString().trim().split('\n').pop()));
  }
  mem[label] = { count, inproc: median(rss), cli: median(cli) };
}

const mb = (b) => (b / 2 ** 20).toFixed(1);
const et = readFileSync(join(ROOT, 'node_modules/exiftool-vendored.pl/package.json'), 'utf8');
const out = [];
out.push(
  `Airlock inspect benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, `,
);
out.push(
  `ExifTool ${spawnSync(EXIFTOOL, ['-ver']).stdout.toString().trim()} (Debian) and ${JSON.parse(et).version} (exiftool-vendored.pl); median of ${RUNS} runs after one warm-up.`,
);
out.push('');
out.push(`| set | tool | median time | files/s | Airlock ÷ tool |`);
out.push('|---|---|---:|---:|---:|');
for (const set of ['small', 'big']) {
  const files = set === 'small' ? small : big;
  const label =
    set === 'small'
      ? `${files.length} corpus JPEG/TIFF/DNG (${mb(totalBytes(files))} MB)`
      : `${files.length} stills 20 MP (${mb(totalBytes(files))} MB)`;
  const ref = results[`${set}|airlock inspect --json (CLI)`].fps;
  for (const name of Object.keys(tools)) {
    const r = results[`${set}|${name}`];
    const ratio = name.startsWith('airlock') ? '' : `${(ref / r.fps).toFixed(1)}×`;
    out.push(`| ${label} | ${name} | ${(r.ms / 1000).toFixed(2)} s | ${r.fps.toFixed(0)} | ${ratio} |`);
  }
}
out.push('');
out.push(
  `Airlock CLI CPU time (user + sys, median): ${['small', 'big']
    .map((set) => `${set} ${(results[`${set}|airlock inspect --json (CLI)`].cpuMs / 1000).toFixed(2)} s`)
    .join(', ')}.`,
);
out.push('');
out.push('| Airlock peak RSS | in-process inspectStream | CLI (/usr/bin/time %M) |');
out.push('|---|---:|---:|');
for (const k of ['N', '2N'])
  out.push(`| ${mem[k].count} files | ${mb(mem[k].inproc * 1024)} MB | ${mb(mem[k].cli * 1024)} MB |`);
console.log(out.join('\n'));
