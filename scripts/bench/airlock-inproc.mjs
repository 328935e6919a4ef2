/**
 * Child process: Airlock's streaming inspect core (inspectStream, each FileReport counted and
 * dropped, as the CLI does after rendering it) over the files listed (one per line) in argv[2],
 * from the built dist/. Prints {ms, cpuMs, maxRssKiB, files, findings} on stdout. A separate
 * process per run so the RSS high-water mark belongs to this run alone. cpuMs (user + system)
 * is steadier than wall time on a machine other work is loading.
 */
import { readFileSync } from 'node:fs';

const dist = new URL('../../dist/', import.meta.url);
const { inspectStream } = await import(new URL('inspect/run.js', dist).href);
const { defaultPolicy, policyHash } = await import(new URL('policy/index.js', dist).href);
const files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const policy = defaultPolicy();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let count = 0;
let findings = 0;
for await (const f of inspectStream(files, { policy, policyHash: policyHash(policy) })) {
  count++;
  findings += f.findings.length;
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  JSON.stringify({
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKiB: process.resourceUsage().maxRSS,
    files: count,
    findings,
  }),
);
