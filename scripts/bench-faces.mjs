// The faces benchmark, in one run on the same pictures: scikit-image's sample photographs
// (a portrait, eleven scenes without people) and four 4000×3000 aerial-sized scenes with faces
// 70–110 px across pasted by OpenCV, all written as JPEGs by OpenCV, through
//  - `airlock inspect --faces --json` (one process, its worker threads: every core),
//  - `airlock inspect --json` (the same without faces: what looking for faces adds), and
//  - OpenCV's Haar cascade (Debian's python3-opencv: detectMultiScale at full resolution, one
//    process, one core), the classic detector and the tests' oracle.
// Median of 3 each, warm cache; wall time, seconds a picture, ratios, peak RSS (GNU time %M), and
// the faces each found. Needs scripts/setup-test-deps.sh's pictures and OpenCV (run as root once).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianTools } from './bench/debian-tools.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ORACLE = join(ROOT, 'test/faces/opencv-oracle.py');
const PICTURES = '/var/cache/airlock-test-data/skimage';
const RUNS = 3;
const PHOTOS = [
  'astronaut.png',
  'coffee.png',
  'motorcycle_left.png',
  'grass.png',
  'gravel.png',
  'brick.png',
  'moon.png',
  'page.png',
  'text.png',
  'rocket.jpg',
  'hubble_deep_field.jpg',
  'retina.jpg',
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
SCENES.forEach(([bg, spots], i) =>
  opencv([
    'scene',
    join(pics, `scene-${i + 1}.jpg`),
    '4000',
    '3000',
    join(PICTURES, bg),
    join(PICTURES, 'astronaut.png'),
    ...spots.split(' '),
  ]),
);
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

const airlockFaces = (out) =>
  JSON.parse(out).files.reduce((n, f) => n + f.findings.filter((x) => x.category === 'face').length, 0);
const BIN = join(ROOT, 'bin/airlock.js');
const rows = [
  measure(
    'airlock inspect --faces',
    process.execPath,
    [BIN, 'inspect', '--faces', '--json', '--no-progress', pics],
    airlockFaces,
  ),
  measure(
    'airlock inspect (no faces)',
    process.execPath,
    [BIN, 'inspect', '--json', '--no-progress', pics],
    () => '-',
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
    (out) => Object.values(JSON.parse(out)).reduce((n, v) => n + v.length, 0),
  ),
];
const pasted = 1 + SCENES.reduce((n, [, spots]) => n + spots.split(' ').length, 0);
const haar = rows[2];
console.log(
  `\n### Faces: ${files} pictures (${PHOTOS.length} photographs up to 1411×1411, ${SCENES.length} of 4000×3000), ${pasted} faces in them; median of ${RUNS}\n`,
);
console.log('| tool | time | per picture | vs OpenCV | peak RSS | faces found |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.s.toFixed(2)} s | ${((r.s / files) * 1000).toFixed(0)} ms | ${(r.s / haar.s).toFixed(2)}× | ${r.rss.toFixed(0)} MB | ${r.faces} |`,
  );
rmSync(dir, { recursive: true, force: true });
