/**
 * `airlock log verify|show|export`: the gateway's chained event log for auditors. verify exits 0
 * when every row checks out against the HMAC chain and the anchor, 1 when not, 2 on error.
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { AirlockError } from '../core/errors.js';
import { renderLogCsv, renderLogJsonLines, renderLogLine } from '../gateway/record/log-export.js';
import { openRecord, verifyRecord } from '../gateway/record/open.js';
import { parseTimeBound } from '../gateway/record/time-bound.js';
import { EXIT } from '../report/exit-codes.js';
import type { ChainedLogRow, Store, TimeWindow } from '../store/types.js';
import { loadPolicy } from './load-policy.js';
import type { CliContext } from './types.js';

interface Flags {
  policy?: string;
  json?: boolean;
  csv?: boolean;
  after?: string;
  limit?: string;
  since?: string;
  until?: string;
}

const PAGE = 10_000;

async function withRecord<T>(
  flags: Flags,
  f: (rec: ReturnType<typeof openRecord>) => Promise<T>,
): Promise<T> {
  const { policy } = loadPolicy(flags.policy);
  const base = flags.policy === undefined ? process.cwd() : dirname(resolve(flags.policy));
  const rec = openRecord(policy.store, base, { create: false });
  try {
    return await f(rec);
  } finally {
    await rec.store.close();
  }
}

/** Rows after `after` (in `window`), page by page, at most `limit`. */
async function* rows(
  store: Store,
  after: number,
  limit: number,
  window: TimeWindow,
): AsyncGenerator<ChainedLogRow[]> {
  let seq = after;
  let left = limit;
  while (left > 0) {
    const page = await store.logRows(seq, Math.min(PAGE, left), window);
    if (page.length === 0) return;
    yield page;
    seq = page[page.length - 1]!.seq;
    left -= page.length;
  }
}

/** --since/--until as a window (either may be absent). */
const windowOf = (flags: Flags, nowMs = Date.now()): TimeWindow => ({
  ...(flags.since === undefined ? {} : { sinceMs: parseTimeBound(flags.since, '--since', nowMs) }),
  ...(flags.until === undefined ? {} : { untilMs: parseTimeBound(flags.until, '--until', nowMs) }),
});
const sinceOpt = [
  '--since <time>',
  'rows at or after this time: ISO 8601 or a span before now (2h, 7d)',
] as const;
const untilOpt = ['--until <time>', 'rows before this time: ISO 8601 or a span before now'] as const;

const count = (text: string | undefined, what: string, dflt: number): number => {
  if (text === undefined) return dflt;
  if (!/^\d{1,15}$/.test(text))
    throw new AirlockError('AIRLOCK_ERR_USAGE', `--${what} ${text}: expected a number`);
  return Number(text);
};

export function registerLog(program: Command, ctx: CliContext): void {
  const log = program.command('log').description("the gateway's chained event log: verify, show, export");
  const policyOpt = ['--policy <file>', 'the policy naming the store, its HMAC key and anchor'] as const;

  log
    .command('verify')
    .description(
      'check every row against the HMAC chain and the anchor file (changed, removed, reordered, truncated)',
    )
    .option(...policyOpt)
    .action((flags: Flags) =>
      withRecord(flags, async (rec) => {
        const v = await verifyRecord(rec);
        const anchorText = v.anchor
          ? `anchor seq ${v.anchor.seq}`
          : 'no anchor file (truncation from the end is not checked)';
        if (v.check.ok) {
          process.stdout.write(`ok: ${v.check.rows} rows, head ${v.check.headMac}; ${anchorText}\n`);
          ctx.setExit(EXIT.OK);
        } else {
          process.stdout.write(
            `FAILED: ${v.check.problem} at seq ${v.check.badSeq} (${v.check.rows} rows verified before it); ${anchorText}\n`,
          );
          ctx.setExit(EXIT.SENSITIVE);
        }
      }),
    );

  log
    .command('show')
    .description('print log rows, one a line')
    .option(...policyOpt)
    .option('--after <seq>', 'rows after this sequence number', '0')
    .option('--limit <n>', 'at most this many rows')
    .option(...sinceOpt)
    .option(...untilOpt)
    .action((flags: Flags) =>
      withRecord(flags, async (rec) => {
        for await (const page of rows(
          rec.store,
          count(flags.after, 'after', 0),
          count(flags.limit, 'limit', Number.MAX_SAFE_INTEGER),
          windowOf(flags),
        ))
          process.stdout.write(page.map(renderLogLine).join(''));
        ctx.setExit(EXIT.OK);
      }),
    );

  log
    .command('export')
    .description('export log rows as JSON Lines (--json, rows as stored with their MACs) or CSV (--csv)')
    .option(...policyOpt)
    .option('--json', 'JSON Lines')
    .option('--csv', 'CSV with a header line')
    .option(...sinceOpt)
    .option(...untilOpt)
    .action((flags: Flags) =>
      withRecord(flags, async (rec) => {
        if (!flags.json === !flags.csv)
          throw new AirlockError('AIRLOCK_ERR_USAGE', 'log export: give --json or --csv');
        const window = windowOf(flags);
        let first = true;
        for await (const page of rows(rec.store, 0, Number.MAX_SAFE_INTEGER, window)) {
          process.stdout.write(flags.csv ? renderLogCsv(page, first) : renderLogJsonLines(page));
          first = false;
        }
        if (first && flags.csv) process.stdout.write(renderLogCsv([], true));
        ctx.setExit(EXIT.OK);
      }),
    );
}
