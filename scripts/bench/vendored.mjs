/**
 * Child process: exiftool-vendored's batch reader (ExifTool 13.x kept running with -stay_open)
 * over the files listed in argv[2], readRaw with the same arguments as the exiftool CLI run.
 * Timed from constructing the pool to end(), so process start-up is counted, as it is for the CLIs.
 */
import { readFileSync } from 'node:fs';
import { ExifTool } from 'exiftool-vendored';

const files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const t0 = performance.now();
const et = new ExifTool({ maxProcs: 2 });
await Promise.all(files.map((f) => et.readRaw(f, { readArgs: ['-a', '-u', '-G1', '-n'] })));
await et.end();
process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
