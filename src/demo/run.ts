/**
 * `airlock demo`: write the sample kit into a fresh folder, inspect it under the default
 * policy, explain the result, then scrub the kit into DIR/clean and inspect the clean copies
 * (before → after). Exits 0 when the kit was inspected and scrubbed as expected (its findings
 * are the point), 2 if any kit file could not be read or cleaned (that would be a bug).
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AirlockError } from '../core/errors.js';
import { inspectPaths } from '../inspect/run.js';
import { defaultPolicy, policyHash } from '../policy/index.js';
import { renderAuditTable } from '../report/audit/table.js';
import { EXIT } from '../report/exit-codes.js';
import { renderTable } from '../report/table.js';
import { scrubPaths } from '../scrub/run.js';
import { beforeAfter } from './compare.js';
import { explain } from './explain.js';
import { writeDemoRecord } from './gateway-day.js';
import { demoKit } from './kit.js';
import { writeDemoCapture } from './tablet-capture.js';

export const DEFAULT_DEMO_DIR = 'airlock-demo';
/** Where the demo writes the clean copies, inside its kit folder. */
export const CLEAN_SUBDIR = 'clean';

export interface DemoResult {
  dir: string;
  text: string;
  exitCode: number;
}

/** `dir` undefined: ./airlock-demo if free, else a new temporary folder. A named `dir` must be free. */
export async function runDemo(dir?: string, opts: { color?: boolean } = {}): Promise<DemoResult> {
  const where = chooseDir(dir);
  const kit = demoKit();
  for (const f of kit) writeFileSync(join(where, f.name), f.bytes, { flag: 'wx' });

  const policy = defaultPolicy();
  const hash = policyHash(policy);
  const command = `airlock demo${dir === undefined ? '' : ` --dir ${dir}`}`;
  const inputs = kit.map((f) => join(where, f.name));
  const report = await inspectPaths(inputs, { policy, policyHash: hash, command });
  const table = renderTable(report, opts.color === undefined ? {} : { color: opts.color });
  const header = `Airlock demo: wrote ${kit.length} fictional files to ${where}\n${kit.map((f) => `  ${f.name}  ${f.about}`).join('\n')}\n\n`;

  // The kit's files one by one (DIR itself is not an input: the clean copies live inside it).
  const clean = join(where, CLEAN_SUBDIR);
  const scrub = await scrubPaths(inputs, { out: clean, policy, policyHash: hash, workers: 1 });
  const outputs = scrub.outcomes
    .filter((o) => o.record.status === 'clean')
    .map((o) => join(clean, o.record.output));
  const after = await inspectPaths(outputs, { policy, policyHash: hash, command });
  const compare = beforeAfter(report, after, scrub.manifest.files, clean);
  // The last two hours, so the dashboard's default window (24 h) shows them.
  const record = await writeDemoRecord(where, Date.now() - 2 * 3_600_000);
  const gatewayText =
    `\nWrote a gateway record to ${record.dir}: ${record.rows} rows of a fictional flight tablet behind the gateway in one-way mode\n` +
    "for the last two hours (scripted traffic, judged and logged by the gateway's own code: downloads pass, telemetry and\n" +
    'tracker hosts are refused, the flight-record upload is cut at its budget, a geofence unlock window opens one host).\n';
  // The same tablet's link on an earlier morning, before the gateway: what would it have stopped?
  const capture = await writeDemoCapture(where, Date.now() - 26 * 3_600_000, record.policy);
  const auditText =
    `\nAudited ${capture.capture}: the tablet's Wi-Fi on a morning before the gateway, the vendor app online (scripted\n` +
    "traffic, real packets), judged by the gateway's policy: who it talked to, what went up, and what one-way mode would have\n" +
    `stopped. The same report as an offline page: ${capture.html}\n\n` +
    renderAuditTable(capture.report, opts.color === undefined ? {} : { color: opts.color });
  const next =
    `Compare for yourself: \`airlock inspect ${clean}\`, or \`exiftool -a -G1 ${join(clean, 'DJI_0001.JPG')}\`.\n` +
    `Check the record: \`airlock log verify --policy ${record.policyFile}\`. Check the capture: \`tshark -r ${capture.capture} -q -z conv,tcp\`.\n` +
    `All of it in the dashboard: \`airlock serve --policy ${record.policyFile} --reports ${where}\`, then http://127.0.0.1:8470/`;
  const failed =
    report.exitCode === EXIT.ERROR ||
    scrub.exitCode !== EXIT.OK ||
    after.exitCode === EXIT.ERROR ||
    capture.report.exitCode === EXIT.ERROR;
  return {
    dir: where,
    text: `${header}${table}\n${explain(report, where)}\n\n${compare}${gatewayText}${auditText}\n${next}\n`,
    exitCode: failed ? EXIT.ERROR : EXIT.OK,
  };
}

function isFree(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

function chooseDir(dir: string | undefined): string {
  if (dir !== undefined) {
    if (!isFree(dir)) {
      throw new AirlockError(
        'AIRLOCK_ERR_USAGE',
        `${dir} exists and is not empty; name a new folder with --dir`,
      );
    }
    mkdirSync(dir, { recursive: true });
    return resolve(dir);
  }
  if (isFree(DEFAULT_DEMO_DIR)) {
    mkdirSync(DEFAULT_DEMO_DIR, { recursive: true });
    return resolve(DEFAULT_DEMO_DIR);
  }
  return mkdtempSync(join(tmpdir(), 'airlock-demo-'));
}
