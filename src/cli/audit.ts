/**
 * `airlock audit CAPTURE… [--policy FILE] [--store FILE] [--json | --csv] [--html FILE] [--connections FILE]`:
 * flags → unlock windows → auditCaptures → render. Exit: 2 a capture not fully read, 1 the
 * policy would have blocked or cut something, else 0. With --json or --csv a capture not read
 * whole is said on stderr too (the table says it in its own lines).
 */
import type { Command } from 'commander';
import { auditCaptures } from '../audit/run.js';
import { loadUnlockWindows } from '../audit/windows.js';
import { AirlockError } from '../core/errors.js';
import { connectionLines } from '../report/audit/connections.js';
import { renderAuditCsv } from '../report/audit/csv.js';
import { renderAuditHtml } from '../report/audit/html.js';
import { renderAuditJson } from '../report/audit/json.js';
import { renderAuditTable } from '../report/audit/table.js';
import { atomicFileSink } from '../report/sink.js';
import { loadPolicy } from './load-policy.js';
import type { CliContext } from './types.js';
import { refuseExistingOutputs, refuseOutputsOverInputs, writeFileAtomic } from './write-file.js';

interface Flags {
  policy?: string;
  store?: string;
  hmacKey?: string;
  json?: boolean;
  csv?: boolean;
  html?: string;
  connections?: string;
  force?: boolean;
}

export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('who did the device talk to, how much went up, and what the policy would have blocked')
    .argument('<captures...>', 'pcap or pcapng files (read as one report)')
    .option('--policy <file>', 'the policy (airlock.yaml) to replay; default: built-in defaults (sealed)')
    .option(
      '--store <file>',
      "a SQLite store holding unlock windows; default: the policy's store (its PostgreSQL database when store.postgresUrl is set, else store.sqlitePath when it exists)",
    )
    .option(
      '--hmac-key <file>',
      "the store's HMAC key, which authenticates its unlock windows; default: the policy's store.hmacKeyFile",
    )
    .option('--json', 'print the report as JSON (schema/audit-report.v1.json)')
    .option('--csv', 'print one CSV row per destination, then one per unlock window (column kind)')
    .option('--html <file>', 'also write a self-contained offline HTML report to FILE')
    .option(
      '--connections <file>',
      "also write one JSON line per connection judged (each request of a keep-alive connection its own), to set beside the gateway's `log export --json`",
    )
    .option('--force', 'overwrite the --html and --connections files if they exist')
    .action(async (captures: string[], flags: Flags) => {
      if (flags.json && flags.csv)
        throw new AirlockError('AIRLOCK_ERR_USAGE', 'audit: give --json or --csv, not both');
      const outputs: [string, string][] = [
        ...(flags.html ? [['--html', flags.html] as [string, string]] : []),
        ...(flags.connections ? [['--connections', flags.connections] as [string, string]] : []),
      ];
      refuseOutputsOverInputs(
        outputs,
        [captures, flags.policy, flags.store, flags.hmacKey].flat().filter((p) => p !== undefined),
      );
      refuseExistingOutputs(outputs, flags.force === true);
      const replace = flags.force === true;
      const { policy } = loadPolicy(flags.policy);
      const w = await loadUnlockWindows(policy, flags.policy, flags.store, flags.hmacKey);
      const lines = flags.connections
        ? atomicFileSink(flags.connections, { replace, flag: '--connections' })
        : undefined;
      let audited: Awaited<ReturnType<typeof auditCaptures>>;
      try {
        audited = await auditCaptures(captures, {
          policy,
          windows: w.windows,
          ...(w.path ? { storePath: w.path } : {}),
          command: ['airlock', ...ctx.args].join(' '),
          ...(lines
            ? {
                onFlow: (f) =>
                  lines.write(
                    connectionLines(f)
                      .map((l) => `${JSON.stringify(l)}\n`)
                      .join(''),
                  ),
              }
            : {}),
        });
        lines?.commit();
      } catch (err) {
        lines?.abort();
        throw err;
      }
      const report = { ...audited, ...(w.check ? { unlockWindowCheck: w.check } : {}) };
      if (flags.json || flags.csv)
        for (const c of report.captures)
          if (c.error)
            process.stderr.write(
              `airlock audit: ${c.path}: ${c.error.offset === undefined ? '' : `offset ${c.error.offset}: `}${c.error.message} (${c.error.code})\n`,
            );
      process.stdout.write(
        flags.json ? renderAuditJson(report) : flags.csv ? renderAuditCsv(report) : renderAuditTable(report),
      );
      if (flags.html) {
        writeFileAtomic(flags.html, renderAuditHtml(report), { replace, flag: '--html' });
        if (!flags.json && !flags.csv) process.stdout.write(`HTML report written to ${flags.html}\n`);
      }
      if (flags.connections && !flags.json && !flags.csv)
        process.stdout.write(`Connections written to ${flags.connections}\n`);
      ctx.setExit(report.exitCode);
    });
}
