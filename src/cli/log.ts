/**
 * `airlock log verify|show|export`: the gateway's chained event log for auditors. verify exits 0
 * when every row checks out against the HMAC chain and the anchor, and every unlock window against
 * the chain, 1 when not (a missing anchor included, unless a kept head or --without-anchor stands
 * in for it), 2 on error. show prints every row, a row whose own link in the chain fails marked
 * DAMAGED (exit 1 when any is); export writes every row too, such a row with why in its `damaged`
 * field (exit 1 when any is). reconcile (log-reconcile.ts) sets the record beside a capture. All
 * four open the store read-only.
 */
import type { Command } from 'commander';
import { AirlockError } from '../core/errors.js';
import {
  renderCheckedLogCsv,
  renderCheckedLogJsonLines,
  renderCheckedLogLine,
} from '../gateway/record/log-export.js';
import { type OpenRecord, verifyRecord } from '../gateway/record/open.js';
import { parseTimeBound, refuseEmptyWindow } from '../gateway/record/time-bound.js';
import { verificationText } from '../gateway/record/verify-text.js';
import { EXIT } from '../report/exit-codes.js';
import type { ChainHead, TimeWindow } from '../store/types.js';
import { registerFleet } from './log-fleet.js';
import { rowsInWindow } from './log-pages.js';
import { registerReconcile } from './log-reconcile.js';
import { withRecord } from './record.js';
import type { CliContext } from './types.js';

interface Flags {
  policy?: string;
  json?: boolean;
  csv?: boolean;
  after?: string;
  limit?: string;
  since?: string;
  until?: string;
  head?: string;
  withoutAnchor?: boolean;
}

/** The record opened read-only; an empty database file (a gateway that never started, a store emptied) said. */
function withLog<T>(flags: Flags, f: (rec: OpenRecord) => Promise<T>): Promise<T> {
  return withRecord(flags.policy, 'read', (rec) => {
    if (rec.schemaVersion === 0)
      process.stderr.write(`airlock log: ${rec.store.path}: the log is empty (no schema, no rows)\n`);
    return f(rec);
  });
}

/** --since/--until as a window (either may be absent). */
function windowOf(flags: Flags, nowMs = Date.now()): TimeWindow {
  const w: TimeWindow = {
    ...(flags.since === undefined ? {} : { sinceMs: parseTimeBound(flags.since, '--since', nowMs) }),
    ...(flags.until === undefined ? {} : { untilMs: parseTimeBound(flags.until, '--until', nowMs) }),
  };
  refuseEmptyWindow(w, { since: '--since', until: '--until' }, flags.since ?? '', flags.until ?? '');
  return w;
}
const sinceOpt = [
  '--since <time>',
  'rows at or after this time: ISO 8601 or a span before now (2h, 7d)',
] as const;
const untilOpt = ['--until <time>', 'rows before this time: ISO 8601 or a span before now'] as const;

/** --head SEQ:MAC, as `log verify` prints it and the anchor file holds it. */
const headOf = (text: string | undefined): ChainHead | undefined => {
  if (text === undefined) return undefined;
  const m = /^(\d{1,15}):([0-9a-f]{64})$/i.exec(text);
  if (!m) throw new AirlockError('AIRLOCK_ERR_USAGE', `--head ${text}: expected SEQ:MAC (64 hex digits)`);
  return { seq: Number(m[1]), mac: m[2]!.toLowerCase() };
};

const count = (text: string | undefined, what: string, dflt: number): number => {
  if (text === undefined) return dflt;
  if (!/^\d{1,15}$/.test(text))
    throw new AirlockError('AIRLOCK_ERR_USAGE', `--${what} ${text}: expected a number`);
  return Number(text);
};

/** Says on stderr how many rows failed their link (the first's seq), for show and export: the exit code. */
function damagedSummary(cmd: string, as: string, damaged: number, first: number | undefined): number {
  if (damaged === 0) return EXIT.OK;
  process.stderr.write(
    `airlock log ${cmd}: ${damaged} row${damaged === 1 ? '' : 's'} ${as} (the first at seq ${first}): the chain does not hold there; airlock log verify checks the whole log\n`,
  );
  return EXIT.SENSITIVE;
}

export function registerLog(program: Command, ctx: CliContext): void {
  const log = program
    .command('log')
    .description(
      "the gateway's chained event log: verify, show, export, reconcile with a capture, a fleet's boxes",
    );
  const policyOpt = ['--policy <file>', 'the policy naming the store, its HMAC key and anchor'] as const;

  log
    .command('verify')
    .description(
      'check every row against the HMAC chain and the anchor file (changed, removed, reordered, truncated); a missing anchor fails',
    )
    .option(...policyOpt)
    .option(
      '--head <seq:mac>',
      'a head you kept (printed by an earlier verify, or copied from the anchor file): its row must still carry it',
    )
    .option('--without-anchor', 'accept a missing anchor file (rows cut off the end then go unseen)')
    .action((flags: Flags) =>
      withLog(flags, async (rec) => {
        const head = headOf(flags.head);
        const v = await verifyRecord(rec, {
          ...(head ? { head } : {}),
          withoutAnchor: flags.withoutAnchor === true,
        });
        const said = verificationText(v, rec.paths.anchor, head ? { head } : {});
        process.stdout.write(`${said.text}\n`);
        ctx.setExit(said.ok ? EXIT.OK : EXIT.SENSITIVE);
      }),
    );

  log
    .command('show')
    .description(
      'print log rows, one a line; a row whose link in the chain fails is printed too, marked DAMAGED (exit 1)',
    )
    .option(...policyOpt)
    .option('--after <seq>', 'rows after this sequence number', '0')
    .option('--limit <n>', 'at most this many rows')
    .option(...sinceOpt)
    .option(...untilOpt)
    .action((flags: Flags) =>
      withLog(flags, async (rec) => {
        let damaged = 0;
        let first: number | undefined;
        for await (const page of rowsInWindow(
          (a, l, w) => rec.store.checkedLogRows(a, l, w),
          count(flags.after, 'after', 0),
          count(flags.limit, 'limit', Number.MAX_SAFE_INTEGER),
          windowOf(flags),
        )) {
          for (const r of page) {
            if (r.problem === undefined) continue;
            damaged++;
            first ??= r.seq;
          }
          process.stdout.write(page.map(renderCheckedLogLine).join(''));
        }
        ctx.setExit(damagedSummary('show', 'marked DAMAGED', damaged, first));
      }),
    );

  log
    .command('export')
    .description(
      'export log rows as JSON Lines (--json, rows as stored with their MACs) or CSV (--csv); a row whose link in the chain fails is exported too, with why in its `damaged` field (exit 1)',
    )
    .option(...policyOpt)
    .option('--json', 'JSON Lines')
    .option('--csv', 'CSV with a header line')
    .option(...sinceOpt)
    .option(...untilOpt)
    .action((flags: Flags) =>
      withLog(flags, async (rec) => {
        if (!flags.json === !flags.csv)
          throw new AirlockError('AIRLOCK_ERR_USAGE', 'log export: give --json or --csv');
        const window = windowOf(flags);
        let header = true;
        let damaged = 0;
        let first: number | undefined;
        // Every row, each with its own link checked, as `log show` reads them: a damaged row does
        // not end the export, it is written with why, and the exit code says there was one.
        for await (const page of rowsInWindow(
          (a, l, w) => rec.store.checkedLogRows(a, l, w),
          0,
          Number.MAX_SAFE_INTEGER,
          window,
        )) {
          for (const r of page) {
            if (r.problem === undefined) continue;
            damaged++;
            first ??= r.seq;
          }
          process.stdout.write(
            flags.csv ? renderCheckedLogCsv(page, header) : renderCheckedLogJsonLines(page),
          );
          header = false;
        }
        if (header && flags.csv) process.stdout.write(renderCheckedLogCsv([], true));
        ctx.setExit(damagedSummary('export', 'exported as damaged', damaged, first));
      }),
    );

  registerReconcile(log, ctx);
  registerFleet(log, ctx);
}
