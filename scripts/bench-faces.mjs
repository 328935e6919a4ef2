// The faces benchmark, in one run on the same pictures: scikit-image's sample photographs
// (a portrait, eleven scenes without people) and four 4000×3000 aerial-sized scenes with faces
// 70–110 px across pasted by OpenCV, all written as JPEGs by OpenCV, through
//  - `airlock inspect --faces --json` (one process, its worker threads: every core),
//  - `airlock inspect --json` (the same without faces: what looking for faces adds),
//  - `airlock scrub` under `faces: mask` (each picture looked at, faces masked, looked at again), and
//  - OpenCV's Haar cascade (Debian's python3-opencv: detectMultiScale at full resolution, one
//    process, one core), the classic detector and the tests' oracle.
// Median of 3 each, warm cache; wall time, seconds a picture, ratios, peak RSS (GNU time %M), and
// the faces each found. Needs scripts/setup-test-deps.sh's pictures and OpenCV (run as root once).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianTools } from './bench/debian-tools.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ORACLE = join(ROOT, 'test/faces/opencv-oracle.py');
const PICTURES = '/var/cache/airlock-test-data/skimage';
const RUNS = 3;
const PHOTOS = [
  'astronaut.png',
  ...JSON.parse(readFileSync(join(ROOT, 'test/faces/faceless-photos.json'), 'utf8')).photos,
];
const SCENES = [
  ['gravel.png', '400,300,90 2000,1500,70 3500,2600,110 1450,900,80'],
  ['grass.png', '1200,700,100 3000,400,80'],
  ['brick.png', '600,2200,90'],
  ['moon.png', '2500,1800,110 900,600,75 3300,900,85'],
];

ensureDebianTools([['/usr/bin/time', 'time']]);
if (
  !existsSync(join(PICTURES, 'astronaut.png')) ||
  spawnSync('/usr/bin/python3', ['-c', 'import cv2']).status !== 0
)
  execFileSync('bash', [join(ROOT, 'scripts/setup-test-deps.sh')], { stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-faces-'));
const pics = join(dir, 'pictures');
mkdirSync(pics);
const opencv = (args) =>
  execFileSync('/usr/bin/python3', [ORACLE, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
for (const p of PHOTOS) opencv(['jpeg', join(PICTURES, p), join(pics, p.replace(/\.\w+$/, '.jpg'))]);
for (const [i, [bg, spots]] of SCENES.entries())
  opencv([
    'scene',
    join(pics, `scene-${i + 1}.jpg`),
    '4000',
    '3000',
    join(PICTURES, bg),
    join(PICTURES, 'astronaut.png'),
    ...spots.split(' '),
  ]);
const files = PHOTOS.length + SCENES.length;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Run under GNU time: wall seconds, peak RSS in MB, stdout. */
function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { s, rss: Number(r.stderr.trim().split('\n').at(-1)) / 1024, out: r.stdout };
}

function measure(name, cmd, args, count) {
  const runs = Array.from({ length: RUNS }, () => timed(cmd, args));
  return {
    name,
    s: median(runs.map((r) => r.s)),
    rss: Math.max(...runs.map((r) => r.rss)),
    faces: count(runs[0].out),
  };
}

/** Boxes per file name, [x, y, w, h]. */
const airlockBoxes = (out) =>
  Object.fromEntries(
    JSON.parse(out).files.map((f) => [
      basename(f.path),
      f.findings.filter((x) => x.category === 'face').map(({ value: v }) => [v.x, v.y, v.width, v.height]),
    ]),
  );
const haarBoxes = (out) =>
  Object.fromEntries(Object.entries(JSON.parse(out)).map(([p, b]) => [basename(p), b]));

const iou = (a, b) => {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const u = a[2] * a[3] + b[2] * b[3] - ix * iy;
  return u > 0 ? (ix * iy) / u : 0;
};
/** Where the faces are: pasted by the scenes; the astronaut's where OpenCV puts it (Airlock agrees, test/faces). */
const truth = (haar) => ({
  'astronaut.jpg': haar['astronaut.jpg'],
  ...Object.fromEntries(
    SCENES.map(([, spots], i) => [
      `scene-${i + 1}.jpg`,
      spots.split(' ').map((t) => {
        const [x, y, size] = t.split(',').map(Number);
        return [x, y, size, size];
      }),
    ]),
  ),
});
/** Faces found of those there, and detections that are no face there. */
function score(boxes, real) {
  let found = 0;
  let wrong = 0;
  for (const [file, got] of Object.entries(boxes)) {
    const there = real[file] ?? [];
    found += there.filter((t) => got.some((g) => iou(g, t) > 0.3)).length;
    wrong += got.filter((g) => !there.some((t) => iou(g, t) > 0.3)).length;
  }
  return { found, wrong };
}

const BIN = join(ROOT, 'bin/airlock.js');
const maskPolicy = join(dir, 'mask.yaml');
writeFileSync(maskPolicy, 'media:\n  faces: mask\n');
const rows = [
  measure(
    'airlock inspect --faces',
    process.execPath,
    [BIN, 'inspect', '--faces', '--json', '--no-progress', pics],
    airlockBoxes,
  ),
  measure(
    'airlock inspect (no faces)',
    process.execPath,
    [BIN, 'inspect', '--json', '--no-progress', pics],
    () => undefined,
  ),
  // A fresh output folder each run: a rerun into the same one would redo nothing.
  measure(
    'airlock scrub, faces: mask (looks, masks, looks again)',
    'sh',
    [
      '-c',
      'rm -rf "$1" && exec "$2" "$3" scrub --no-progress --policy "$4" --out "$1" "$5" >/dev/null',
      'sh',
      join(dir, 'masked'),
      process.execPath,
      BIN,
      maskPolicy,
      pics,
    ],
    () => undefined,
  ),
  measure(
    'OpenCV Haar cascade',
    '/usr/bin/python3',
    [
      ORACLE,
      'detect',
      ...PHOTOS.map((p) => join(pics, p.replace(/\.\w+$/, '.jpg'))),
      ...SCENES.map((_, i) => join(pics, `scene-${i + 1}.jpg`)),
    ],
    haarBoxes,
  ),
];
const pasted = 1 + SCENES.reduce((n, [, spots]) => n + spots.split(' ').length, 0);
const haar = rows[3];
const real = truth(haar.faces);
console.log(
  `\n### Faces: ${files} pictures (${PHOTOS.length} photographs up to 1411×1411, ${SCENES.length} of 4000×3000), ${pasted} faces in them; median of ${RUNS}\n`,
);
console.log('| tool | time | per picture | vs OpenCV | peak RSS | faces found | other detections |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const sc = r.faces ? score(r.faces, real) : undefined;
  console.log(
    `| ${r.name} | ${r.s.toFixed(2)} s | ${((r.s / files) * 1000).toFixed(0)} ms | ${(r.s / haar.s).toFixed(2)}× | ${r.rss.toFixed(0)} MB | ${sc ? `${sc.found} of ${pasted}` : '-'} | ${sc ? sc.wrong : '-'} |`,
  );
}
rmSync(dir, { recursive: true, force: true });
