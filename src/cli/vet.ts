/**
 * `airlock vet APK… [--against APPROVED.apk] [--policy FILE] [--json] [--html FILE [--force]] [--all]`:
 * read each APK whole (bounded), vet it, diff it against the approved release when one is given,
 * render. Exit: 2 an APK or a part of it not read, or an --html file that exists (without
 * --force); 1 a release needs review (or differs from the approved one), else 0.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { AirlockError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../report/exit-codes.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { renderVetHtml } from '../report/vet/html.js';
import { renderVetDiffTable, renderVetTable } from '../report/vet/table.js';
import { unreadReport, vetApk } from '../vet/analyse.js';
import { diffNeedsReview, diffReports } from '../vet/diff.js';
import type { VetDiff, VetReport, VetRun } from '../vet/model.js';
import { reviewReasons } from '../vet/review.js';
import { loadPolicy } from './load-policy.js';
import type { CliContext } from './types.js';
import { refuseExistingOutputs, refuseOutputsOverInputs, writeFileAtomic } from './write-file.js';

/** APKs are read whole; DJI's own run to ~500 MB. */
export const MAX_APK_BYTES = 2 * 1024 ** 3;

interface Flags {
  against?: string;
  policy?: string;
  json?: boolean;
  html?: string;
  force?: boolean;
  all?: boolean;
}

export function registerVet(program: Command, ctx: CliContext): void {
  program
    .command('vet')
    .description(
      'what an app release can do before it is installed: permissions, hosts, SDKs, self-update code, signer',
    )
    .argument('<apks...>', 'Android APK files')
    .option('--against <apk>', 'the approved release: report what each APK adds or drops against it')
    .option(
      '--policy <file>',
      "the policy (airlock.yaml) whose gateway rules judge the app's hosts; default: built-in defaults (sealed)",
    )
    .option('--json', 'print the run as JSON (schema/vet-report.v1.json)')
    .option('--html <file>', 'also write a self-contained offline HTML report to FILE')
    .option('--force', 'overwrite the --html file if it exists')
    .option('--all', 'list every host, not the first 40')
    .action((apks: string[], flags: Flags) => {
      if (flags.html) {
        refuseOutputsOverInputs(
          [['--html', flags.html]],
          [apks, flags.against, flags.policy].flat().filter((p) => p !== undefined),
        );
        // Before any APK is read: a run that cannot keep its record should not take the time.
        refuseExistingOutputs([['--html', flags.html]], flags.force === true);
      }
      const { policy } = loadPolicy(flags.policy);
      const opts = { policy, policySource: flags.policy ?? 'built-in defaults', nowMs: Date.now() };
      const vet = (path: string): VetReport => {
        let bytes: Uint8Array;
        try {
          bytes = readApk(path);
        } catch (e) {
          return unreadReport(path, e, opts);
        }
        return vetApk(bytes, path, opts);
      };
      const approved = flags.against === undefined ? undefined : vet(flags.against);
      const reports = apks.map(vet);
      const diffs: VetDiff[] = approved ? reports.map((r) => diffReports(approved, r)) : [];
      const code = exitCode(approved ? [approved, ...reports] : reports, diffs);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(
            {
              schema: 'airlock.vet-run/1',
              airlockVersion: AIRLOCK_VERSION,
              generatedAt: new Date().toISOString(),
              command: ['airlock', ...ctx.args].join(' '),
              exitCode: code,
              reports: reports.map((r) => ({ ...r, review: reviewReasons(r) })),
              ...(approved ? { approved: { ...approved, review: reviewReasons(approved) } } : {}),
              // The diff's embedded reports are the ones above: not printed twice.
              ...(approved ? { diffs: diffs.map(diffJson) } : {}),
            },
            null,
            2,
          )}\n`,
        );
      } else {
        const table = { maxHosts: flags.all ? Number.POSITIVE_INFINITY : 40 };
        for (const r of reports) {
          process.stdout.write(renderVetTable(r, table));
          const why = reviewReasons(r);
          process.stdout.write(
            why.length ? `Needs review: ${why.join('; ')}.\n\n` : 'Nothing here asks for review.\n\n',
          );
        }
        for (const d of diffs) process.stdout.write(`${renderVetDiffTable(d, table)}\n`);
      }
      if (flags.html) {
        writeFileAtomic(
          flags.html,
          renderVetHtml({
            airlockVersion: AIRLOCK_VERSION,
            command: ['airlock', ...ctx.args].join(' '),
            exitCode: code,
            reports,
            ...(approved ? { approved } : {}),
            diffs,
          }),
          { replace: flags.force === true, flag: '--html' },
        );
        if (!flags.json) process.stdout.write(`HTML report written to ${flags.html}\n`);
      }
      ctx.setExit(code);
    });
}

function diffJson(d: VetDiff): NonNullable<VetRun['diffs']>[number] {
  const { reports: _, ...core } = d;
  return { ...core, needsReview: diffNeedsReview(d) };
}

function readApk(path: string): Uint8Array {
  const size = statSync(path).size;
  if (size > MAX_APK_BYTES)
    throw new AirlockError(
      'AIRLOCK_ERR_LIMIT',
      `${size} bytes: larger than ${MAX_APK_BYTES}, the most vet reads`,
    );
  return readFileSync(path);
}

function exitCode(reports: readonly VetReport[], diffs: readonly VetDiff[]): ExitCode {
  if (reports.some((r) => r.problems.length > 0)) return EXIT.ERROR;
  if (diffs.length > 0) return diffs.some(diffNeedsReview) ? EXIT.SENSITIVE : EXIT.OK;
  return reports.some((r) => reviewReasons(r).length > 0) ? EXIT.SENSITIVE : EXIT.OK;
}
