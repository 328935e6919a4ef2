/**
 * The CLI bundled, dist/cli/airlock.js, which bin/airlock.js runs: Node then reads, resolves and
 * compiles a handful of modules instead of ~120 (start-up was a fifth of a 2,000-file inspect and
 * most of a 20-file one). What main.ts imports lazily (each command, zod and YAML for --policy,
 * audit, the gateway) becomes a chunk beside it, read only by the runs that use it.
 * Run after tsc (npm run build); tests keep importing src/ through vitest.
 *
 * Modules find files beside them with `new URL(rel, import.meta.url)` (package.json, the JSON
 * schemas, the worker threads' entry files). Bundled, import.meta.url is the bundle's, so each
 * such literal is rewritten to point from the bundle to the same file it named from its own
 * compiled place in dist/. Worker threads' entries are bundled too, each as an entry beside the
 * CLI's (sharing its chunks), and a literal naming one points to that bundle: a scrub or inspect
 * worker loaded ~80 modules before its first file (~120 ms of a batch's start on two cores, ~60 ms
 * bundled). Native addons stay where they are.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname;
const DIST = join(ROOT, 'dist');
/** `node scripts/bundle.mjs [DIR]`: DIR (default dist/cli) receives airlock.js and its chunks (tests bundle elsewhere). */
const OUT = join(process.argv[2] ? resolve(process.argv[2]) : join(DIST, 'cli'), 'airlock.js');

const CHUNK = /^airlock-[A-Z0-9]+\.js$/;

/** Worker thread entries (dist/…) and the names of their bundles beside the CLI's. */
const WORKERS = {
  'worker-scrub': join(DIST, 'scrub', 'worker.js'),
  'worker-inspect': join(DIST, 'inspect', 'worker.js'),
  'worker-log': join(DIST, 'store', 'log-worker.js'),
};
const WORKER_BUNDLE = new Map(Object.entries(WORKERS).map(([name, path]) => [path, `./${name}.js`]));

const URL_LITERAL = /new URL\((['"])([^'"]+)\1,\s*import\.meta\.url\)/g;

/** `new URL('./x.js', import.meta.url)` in dist/a/b.js → the same file, named from the bundle's folder. */
const relocate = {
  name: 'relocate-import-meta-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      const contents = text.replace(URL_LITERAL, (_m, q, rel) => {
        const target = resolve(dirname(args.path), rel);
        let to = WORKER_BUNDLE.get(target) ?? relative(dirname(OUT), target);
        if (!to.startsWith('.')) to = `./${to}`;
        return `new URL(${q}${to}${q}, import.meta.url)`;
      });
      return { contents, loader: 'js' };
    });
  },
};

// Chunks of an earlier build (their names carry content hashes) would pile up.
await mkdir(dirname(OUT), { recursive: true });
for (const name of await readdir(dirname(OUT))) if (CHUNK.test(name)) await rm(join(dirname(OUT), name));

await build({
  entryPoints: { airlock: join(DIST, 'cli', 'main.js'), ...WORKERS },
  outdir: dirname(OUT),
  entryNames: '[name]',
  chunkNames: 'airlock-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons load through their own require, and the face detector reads its model and
  // WebAssembly files from beside its own code: left to node_modules.
  // pg: its optional native binding (pg-native) is a require esbuild cannot resolve; loaded only
  // by a PostgreSQL store anyway.
  external: [
    'better-sqlite3',
    'sharp',
    '@vladmandic/face-api',
    '@tensorflow/*',
    'pg',
    'pg-connection-string',
  ],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __airlockRequire } from 'node:module';\nconst require = __airlockRequire(import.meta.url);",
  },
  plugins: [relocate],
  logLevel: 'warning',
  legalComments: 'none',
});
