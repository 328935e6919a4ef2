/** `airlock inspect PATH… [--json] [--html FILE] [--policy FILE] [--no-progress]`: flags → inspectPaths → render. */
import type { Command } from 'commander';
import { inspectPaths } from '../inspect/run.js';
import { renderHtml } from '../report/html.js';
import { renderJson } from '../report/json.js';
import { renderTable } from '../report/table.js';
import { loadPolicy } from './load-policy.js';
import { progressBar } from './progress.js';
import type { CliContext } from './types.js';
import { writeFileAtomic } from './write-file.js';

interface Flags {
  json?: boolean;
  html?: string;
  policy?: string;
  progress: boolean;
}

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description('find every sensitive datum in drone media, sidecars and logs')
    .argument('<paths...>', 'files and folders to inspect')
    .option('--json', 'print the full report as JSON (schema/inspect-report.v1.json) instead of a table')
    .option('--html <file>', 'also write a self-contained offline HTML report to FILE')
    .option(
      '--policy <file>',
      'the policy (airlock.yaml) that decides each action; default: built-in defaults',
    )
    .option('--no-progress', 'never show a progress bar')
    .action(async (paths: string[], flags: Flags) => {
      const { policy, hash } = loadPolicy(flags.policy);
      const progress = progressBar(flags.progress);
      let report: Awaited<ReturnType<typeof inspectPaths>>;
      try {
        report = await inspectPaths(paths, {
          policy,
          policyHash: hash,
          onProgress: progress.onProgress,
          command: ['airlock', ...ctx.args].join(' '),
        });
      } finally {
        progress.stop();
      }
      process.stdout.write(flags.json ? renderJson(report) : renderTable(report));
      if (flags.html) {
        writeFileAtomic(flags.html, renderHtml(report));
        if (!flags.json) process.stdout.write(`HTML report written to ${flags.html}\n`);
      }
      ctx.setExit(report.exitCode);
    });
}
