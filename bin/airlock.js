#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` via the prepare script).
// It runs the one-file bundle (scripts/bundle.mjs: faster start-up) unless tsc has rebuilt dist/
// since the bundle was made (a bare `tsc`, as the CLI tests do), when the bundle would be stale.
import { statSync } from 'node:fs';

// A reader that went away (`airlock inspect … | head`, `airlock scrub … 2>&1 | head -1`) is no
// error, on stdout or stderr: the rest of that output is dropped and the run goes on (a scrub
// finishes what it started, its manifest included) and exits with its own code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    // Callbacks still called: a renderer waiting for its write to drain must not wait forever.
    stream.write = (_chunk, encoding, callback) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (done) queueMicrotask(() => done());
      return true;
    };
  });
}

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
