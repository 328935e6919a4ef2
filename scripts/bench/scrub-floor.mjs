/**
 * The floor under a verified scrub, for bench-scrub.mjs: `node scrub-floor.mjs IN OUT` copies the
 * files of folder IN to OUT doing only the I/O and hashing the proof asks for, and nothing
 * else: each file read whole (into a buffer reused file after file), hashed twice (the input's
 * SHA-256 and its image data's, here the whole file), written 1 MiB a call through a temp name and
 * renamed, the output hashed as it is written. No parsing, no rewriting, no re-inspection, no
 * fsync. One worker thread per core, the biggest files first, as Airlock's scrub does.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const CHUNK = 1 << 20;

if (isMainThread) {
  const [src, out] = process.argv.slice(2);
  mkdirSync(out, { recursive: true });
  const files = readdirSync(src)
    .map((f) => join(src, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  let next = 0;
  await Promise.all(
    cpus().map(
      () =>
        new Promise((done) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { out } });
          const feed = () => {
            if (next < files.length) w.postMessage(files[next++]);
            else w.terminate().then(done);
          };
          w.on('message', feed);
          w.on('error', (e) => {
            console.error(e);
            process.exit(2);
          });
          feed();
        }),
    ),
  );
} else {
  let buf = Buffer.allocUnsafe(0);
  parentPort.on('message', (file) => {
    const fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    if (buf.length < size) buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) got += readSync(fd, buf, got, size - got, got);
    closeSync(fd);
    const bytes = buf.subarray(0, size);
    createHash('sha256').update(bytes).digest('hex');
    createHash('sha256').update(bytes).digest('hex');
    const name = join(workerData.out, file.slice(file.lastIndexOf('/') + 1));
    const tmp = `${name}.tmp`;
    const o = openSync(tmp, 'wx');
    const h = createHash('sha256');
    for (let at = 0; at < size; at += CHUNK) {
      const piece = bytes.subarray(at, Math.min(size, at + CHUNK));
      h.update(piece);
      writeSync(o, piece);
    }
    h.digest('hex');
    closeSync(o);
    renameSync(tmp, name);
    parentPort.postMessage(0);
  });
}
