/**
 * `airlock log reconcile CAPTURE… [--policy FILE] [--json]`: the gateway's record set beside a
 * capture of the tablet's link (audit/reconcile.ts says what is compared and what is not). Exit 0
 * when every connection (and, behind the box's rules, every DNS query) the gateway must have seen
 * has its row with the same answer, and every row of the capture's tablets in its time has its
 * connection or query; 1 when not, or when a row in that time fails its link in the chain; 2 when
 * a capture cannot be read whole.
 */
import type { Command } from 'commander';
import {
  addressOf,
  type CapturedConnection,
  type CapturedQuery,
  portOf,
  reconcile,
  reconcileDns,
} from '../audit/reconcile.js';
import { AirlockError } from '../core/errors.js';
import { qtypeName } from '../gateway/dns/messages.js';
import { parseHostPort } from '../gateway/io/listen-address.js';
import { extraPorts } from '../gateway/rules/nftables.js';
import type { Policy } from '../policy/types.js';
import { EXIT } from '../report/exit-codes.js';
import {
  disagreements,
  type ReconcileSummary,
  renderReconcileJson,
  renderReconcileText,
} from '../report/reconcile.js';
import type { ConnectionLogRow, DnsLogRow, TimeWindow } from '../store/types.js';
import { rows as pages } from './log-pages.js';
import { withRecord } from './record.js';
import type { CliContext } from './types.js';

/** A row's time against its connection's first packet (the clocks agreeing, or --clock-offset said by how much). */
const TOLERANCE_MS = 2000;

/**
 * Whether the gateway sees a connection: TCP to the proxy's port (gateway.listen), or leaving the
 * LAN on a port the box's rules redirect to a transparent listener (443, 80, the allowlist's
 * extra ports; `airlock gateway rules`). Everything else those rules drop before Airlock.
 */
function seenBy(policy: Policy): (c: CapturedConnection) => boolean {
  const g = policy.gateway;
  const proxyPorts = new Set(g.listen.map((l) => parseHostPort(l).port));
  const redirected = new Set([
    ...(g.transparent.tls ? [443] : []),
    ...(g.transparent.http ? [80] : []),
    ...(g.transparent.other ? extraPorts(policy) : []),
  ]);
  return (c) =>
    c.proto === 'tcp' &&
    (c.proxy !== undefined ||
      (c.scope === 'local' ? proxyPorts.has(portOf(c.server)) : redirected.has(portOf(c.server))));
}

export function registerReconcile(log: Command, ctx: CliContext): void {
  log
    .command('reconcile')
    .description(
      "set the record beside a capture of the tablet's link: every connection the gateway must have seen has its row, with the same decision, reason, name and bytes up",
    )
    .argument(
      '<captures...>',
      "pcap or pcapng files of the tablet's traffic (the box's LAN side), read as one run",
    )
    .option('--policy <file>', 'the policy the gateway ran with, naming the store, its HMAC key and anchor')
    .option('--json', 'print the comparison as JSON')
    .option(
      '--clock-offset <seconds>',
      "how far the capturing device's clock was ahead of the gateway's (negative: behind), e.g. a capture taken on the tablet",
      '0',
    )
    .action((captures: string[], flags: { policy?: string; json?: boolean; clockOffset: string }) =>
      withRecord(flags.policy, 'read', async (rec, policy) => {
        const offset = Number(flags.clockOffset);
        if (!/^-?\d+(\.\d+)?$/.test(flags.clockOffset) || Math.abs(offset) > 7 * 86_400)
          throw new AirlockError(
            'AIRLOCK_ERR_USAGE',
            `--clock-offset ${flags.clockOffset}: expected seconds, such as 2.5 or -40 (at most a week)`,
          );
        // Capture times on the gateway's clock.
        const offsetMs = Math.round(offset * 1000);
        const onBox = (ms: number) => ms - offsetMs;
        // The audit only when this subcommand runs: log verify, show and export do not load it.
        const [{ auditCaptures }, { windowsOf }, { connectionLines }] = await Promise.all([
          import('../audit/run.js'),
          import('../audit/windows.js'),
          import('../report/audit/connections.js'),
        ]);
        // The record is open with its key: its windows are authenticated as the audit's are.
        const w = await windowsOf(rec.store, true);
        const lines: CapturedConnection[] = [];
        const queries: CapturedQuery[] = [];
        const report = await auditCaptures(captures, {
          policy,
          // Unlock windows are on the gateway's clock; the audit reads the capture's.
          windows: w.windows.map((x) => ({
            ...x,
            fromMs: x.fromMs + offsetMs,
            untilMs: x.untilMs + offsetMs,
          })),
          onFlow: (f) =>
            lines.push(
              ...connectionLines(f).map((l) => ({
                ...l,
                ts: new Date(onBox(Date.parse(l.ts))).toISOString(),
              })),
            ),
          onDnsQuery: (q) =>
            queries.push({
              ms: onBox(q.ms),
              client: q.client,
              name: q.name,
              qtype: qtypeName(q.qtype),
              verdict: q.verdict,
              reason: q.reason,
            }),
        });
        const notRead = report.captures.filter((c) => c.status !== 'read');
        if (notRead.length > 0) {
          for (const c of notRead)
            process.stderr.write(
              `airlock log reconcile: ${c.path}: ${c.status}${c.error ? `: ${c.error.message}` : ''}\n`,
            );
          ctx.setExit(EXIT.ERROR);
          return;
        }
        const seen = seenBy(policy);
        const spans = report.captures.flatMap((c) =>
          c.firstSeen && c.lastSeen ? [[Date.parse(c.firstSeen), Date.parse(c.lastSeen)] as const] : [],
        );
        if (spans.length === 0)
          throw new AirlockError('AIRLOCK_ERR_EMPTY', 'the captures hold no packets', undefined, captures[0]);
        const fromMs = onBox(Math.min(...spans.map((s) => s[0])));
        const toMs = onBox(Math.max(...spans.map((s) => s[1])));
        // The tablets: whoever made a connection the gateway must have seen (not the link's housekeeping).
        const clients = [...new Set(lines.filter(seen).map((l) => addressOf(l.client)))].sort();
        // The capture is the reference: rows of connections it saw begin within it (the gateway
        // stamps a connection when it accepts it, after its first packet).
        const window = { sinceMs: fromMs, untilMs: toMs + 1 };
        // Behind the box's rules every IPv4 query to port 53 goes to the gateway's DNS (IPv6 is
        // dropped); without them the tablet's DNS is not the gateway's to log.
        const box = policy.gateway.transparent.tls !== null && policy.gateway.transparent.http !== null;
        const dnsSeen = (q: CapturedQuery) => box && !q.client.includes(':');
        const rows: { seq: number; row: ConnectionLogRow }[] = [];
        const dnsRows: { seq: number; row: DnsLogRow }[] = [];
        const damaged: number[] = [];
        const read = (a: number, l: number, w: TimeWindow) => rec.store.checkedLogRows(a, l, w);
        for await (const page of pages(read, 0, Number.MAX_SAFE_INTEGER, window))
          for (const r of page) {
            if (r.problem !== undefined && damaged.length < 20) damaged.push(r.seq);
            const row = r.row;
            if (row?.kind === 'dns' && box && clients.includes(row.client)) dnsRows.push({ seq: r.seq, row });
            else if (row?.kind === 'connection' && clients.includes(addressOf(row.client)))
              rows.push({ seq: r.seq, row });
          }
        const summary: ReconcileSummary = {
          captures,
          fromMs,
          toMs,
          toleranceMs: TOLERANCE_MS,
          clients,
          rows: rows.length + dnsRows.length,
          damaged,
          notSeen: lines.filter((l) => !seen(l)).length,
          findings: reconcile(lines, rows, { seen, toleranceMs: TOLERANCE_MS }),
          ...(box ? { dns: reconcileDns(queries.filter(dnsSeen), dnsRows, TOLERANCE_MS) } : {}),
        };
        process.stdout.write(flags.json ? renderReconcileJson(summary) : renderReconcileText(summary));
        ctx.setExit(disagreements(summary).length === 0 && damaged.length === 0 ? EXIT.OK : EXIT.SENSITIVE);
      }),
    );
}
