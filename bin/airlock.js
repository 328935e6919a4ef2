#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` via the prepare script).
// It runs the one-file bundle (scripts/bundle.mjs: faster start-up) unless tsc has rebuilt dist/
// since the bundle was made (a bare `tsc`, as the CLI tests do), when the bundle would be stale.
import { statSync } from 'node:fs';

// A reader that went away (`airlock inspect … | head`) is no error: the rest of the output is
// dropped and the run goes on (a scrub finishes what it started, its manifest included).
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
  // Callbacks still called: a renderer waiting for its write to drain must not wait forever.
  process.stdout.write = (_chunk, encoding, callback) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) queueMicrotask(() => done());
    return true;
  };
});

const dist = new URL('../dist/cli/', import.meta.url);
const mtime = (name) => {
  try {
    return statSync(new URL(name, dist)).mtimeMs;
  } catch {
    return -1;
  }
};
const entry = mtime('airlock.js') >= mtime('main.js') ? 'airlock.js' : 'main.js';
const { main } = await import(new URL(entry, dist).href);

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`airlock: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
