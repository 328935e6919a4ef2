/**
 * Child process: Airlock's inspectPaths over the files listed (one per line) in argv[2], from the
 * built dist/. Prints {ms, maxRssKiB, files, findings} on stdout. A separate process per run so the
 * RSS high-water mark belongs to this run alone.
 */
import { readFileSync } from 'node:fs';

const dist = new URL('../../dist/', import.meta.url);
const { inspectPaths } = await import(new URL('inspect/run.js', dist).href);
const policyMod = await import(new URL('policy/index.js', dist).href).catch(async () => ({
  ...(await import(new URL('policy/defaults.js', dist).href)),
  ...(await import(new URL('policy/hash.js', dist).href)),
}));
const files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const policy = policyMod.defaultPolicy();
const t0 = performance.now();
const report = await inspectPaths(files, { policy, policyHash: policyMod.policyHash(policy) });
const ms = performance.now() - t0;
const findings = report.files.reduce((n, f) => n + (f.findings?.length ?? 0), 0);
process.stdout.write(
  JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, files: report.files.length, findings }),
);
