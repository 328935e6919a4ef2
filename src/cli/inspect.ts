/** `airlock inspect PATH… [--json] [--html FILE] [--policy FILE] [--faces] [--no-progress] [--workers N]`: flags → inspectStream → writers. */
import type { Command } from 'commander';
import { AirlockError } from '../core/errors.js';
import { policyFor } from './policy-for.js';
import { progressBar } from './progress.js';
import type { CliContext } from './types.js';
import { refuseExistingOutputs, refuseOutputsOverInputs } from './write-file.js';

interface Flags {
  json?: boolean;
  html?: string;
  policy?: string;
  faces?: boolean;
  progress: boolean;
  workers?: string;
  force?: boolean;
}

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description('find every sensitive datum in drone media, sidecars and logs')
    .argument('<paths...>', 'files and folders to inspect')
    .option('--json', 'print the full report as JSON (schema/inspect-report.v1.json) instead of a table')
    .option('--html <file>', 'also write a self-contained offline HTML report to FILE')
    .option('--force', 'overwrite the --html file if it exists')
    .option(
      '--policy <file>',
      'the policy (airlock.yaml) that decides each action; default: built-in defaults',
    )
    .option(
      '--faces',
      "look at every picture for faces (about a second a still; on whenever the policy's faces is withhold or mask)",
    )
    .option('--no-progress', 'never show a progress bar')
    .option(
      '--workers <n>',
      'worker threads (default: one per core but one; 1 reads every file in this thread)',
    )
    .action(async (paths: string[], flags: Flags) => {
      if (flags.html) {
        refuseOutputsOverInputs(
          [['--html', flags.html]],
          [...paths, ...(flags.policy ? [flags.policy] : [])],
        );
        refuseExistingOutputs([['--html', flags.html]], flags.force === true);
      }
      // Loaded here, not at start-up: other commands (and --help) never pay for them.
      const [{ inspectHeader, inspectStream }, { SummaryTally }, { jsonWriter }, { tableWriter }, sinks] =
        await Promise.all([
          import('../inspect/run.js'),
          import('../inspect/summary.js'),
          import('../report/json.js'),
          import('../report/table.js'),
          import('../report/sink.js'),
        ]);
      const { policy, hash } = await policyFor(flags.policy);
      const workers = workersFlag(flags.workers);
      const opts = {
        policy,
        policyHash: hash,
        command: ['airlock', ...ctx.args].join(' '),
        faces: flags.faces === true,
        ...(workers === undefined ? {} : { workers }),
      };
      const out = sinks.streamSink(process.stdout);
      const writers = [flags.json ? jsonWriter(out.write) : tableWriter(out.write)];
      const html = flags.html
        ? sinks.atomicFileSink(flags.html, { replace: flags.force === true, flag: '--html' })
        : undefined;
      if (html) writers.push((await import('../report/html.js')).htmlWriter(html.write));
      // Files print as they complete; on a terminal that scroll is the progress, and a bar
      // redrawn under it would garble it, so the bar only shows when stdout goes elsewhere.
      const progress = progressBar(flags.progress && !process.stdout.isTTY);
      const tally = new SummaryTally();
      try {
        const header = inspectHeader(paths, opts);
        for (const w of writers) w.begin(header);
        for await (const f of inspectStream(paths, { ...opts, onProgress: progress.onProgress })) {
          tally.add(f);
          for (const w of writers) w.file(f);
          await out.ready();
        }
        const footer = { summary: tally.summary(), exitCode: tally.exitCode() };
        for (const w of writers) w.end(footer);
        html?.commit();
      } catch (err) {
        html?.abort();
        throw err;
      } finally {
        progress.stop();
      }
      if (flags.html && !flags.json) out.write(`HTML report written to ${flags.html}\n`);
      out.flush();
      await out.ready();
      ctx.setExit(tally.exitCode());
    });
}

function workersFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new AirlockError('AIRLOCK_ERR_USAGE', `--workers ${value}: expected a whole number of at least 1`);
  return n;
}
