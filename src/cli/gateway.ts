/**
 * `airlock gateway [--policy FILE]`: run the egress gateway until SIGINT/SIGTERM; SIGHUP reloads
 * the policy. `airlock gateway unlock HOST --for 10m --reason "…"`: record an unlock window,
 * authenticated by the HMAC key (the running gateway picks it up within a second; audit reads it
 * from the same store). `airlock gateway relock ID`: end that window now (the job done early).
 * `airlock gateway windows [--all] [--json]`: list the windows with their checks (read-only).
 */
import type { Command } from 'commander';
import { AirlockError } from '../core/errors.js';
import { startGateway } from '../gateway/gateway.js';
import { formatHostPort } from '../gateway/io/listen-address.js';
import { anchoredWrite } from '../gateway/record/anchored-write.js';
import { anchorPlaces } from '../gateway/record/start-check.js';
import { nftablesRules } from '../gateway/rules/nftables.js';
import { listWindows, renderWindowsTable } from '../gateway/unlock-windows.js';
import { EXIT } from '../report/exit-codes.js';
import { LogThread } from '../store/log-thread.js';
import { loadPolicy } from './load-policy.js';
import { withRecord } from './record.js';
import type { CliContext } from './types.js';

interface RunFlags {
  policy?: string;
  listen?: string;
  dnsListen?: string;
  adminListen?: string;
  dnsUpstream?: string;
}

interface RulesFlags {
  policy?: string;
  lan: string;
  wan: string;
}

interface UnlockFlags {
  policy?: string;
  for: string;
  reason: string;
  by?: string;
}

interface RelockFlags {
  policy?: string;
}

interface WindowsFlags {
  policy?: string;
  json?: boolean;
  all?: boolean;
}

/** '90s', '10m', '2h', '1d' → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(text.trim());
  if (!m)
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      `--for ${text}: expected a duration such as 90s, 10m, 2h, 1d`,
    );
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  if (ms <= 0 || ms > 7 * 86_400_000)
    throw new AirlockError('AIRLOCK_ERR_USAGE', `--for ${text}: between 1s and 7d`);
  return ms;
}

export function registerGateway(program: Command, ctx: CliContext): void {
  const gateway = program
    .command('gateway')
    .description(
      'the one-way link: an egress gateway (HTTP/CONNECT proxy, transparent listener, DNS) the flight tablet sits behind',
    );

  gateway
    .command('run', { isDefault: true })
    .description('run the gateway (the default): SIGHUP reloads the policy, SIGINT/SIGTERM stop it')
    .option('--policy <file>', 'the policy (airlock.yaml); default: built-in defaults (sealed)')
    .option('--listen <host:port>', "proxy address (loopback, or one the policy's gateway.listen names)")
    .option('--dns-listen <host:port>', 'DNS server address')
    .option('--admin-listen <host:port>', '/metrics and /healthz address')
    .option(
      '--dns-upstream <host:port>',
      "resolver for allowlisted names (overrides the policy's gateway.dnsUpstream); none: SERVFAIL",
    )
    .action((flags: RunFlags) =>
      withRecord(flags.policy, 'create', async (rec, policy) => {
        // Commits, MACs and checkpoints on a thread of their own: off the proxy's event loop.
        const pgUrl = policy.store.postgresUrl;
        const log = new LogThread({
          path: rec.store.path,
          key: rec.hmacKey,
          ...(pgUrl ? { postgres: { url: pgUrl, schema: policy.store.postgresSchema } } : {}),
        });
        try {
          const gw = await startGateway({
            policy,
            ...(flags.policy ? { policyFile: flags.policy } : {}),
            store: rec.store,
            log,
            anchorPath: rec.paths.anchor,
            ...(flags.listen ? { listen: flags.listen } : {}),
            ...(flags.dnsListen ? { dnsListen: flags.dnsListen } : {}),
            ...(flags.adminListen ? { adminListen: flags.adminListen } : {}),
            ...(flags.dnsUpstream ? { dnsUpstream: flags.dnsUpstream } : {}),
          });
          const tr = gw.transparent;
          const transparent = [
            tr.tls ? `, transparent tls ${formatHostPort(tr.tls)}` : '',
            tr.http ? `, transparent http ${formatHostPort(tr.http)}` : '',
            tr.other ? `, transparent other ports ${formatHostPort(tr.other)}` : '',
          ].join('');
          // The handlers before the line that says the gateway is up: a supervisor that stops it
          // as soon as it reads that line gets a clean stop (the queued rows written), not the
          // default action of a signal no one handles yet.
          const onHup = () => gw.reload();
          process.on('SIGHUP', onHup);
          const stopped = new Promise<void>((res) => {
            process.once('SIGINT', res);
            process.once('SIGTERM', res);
          });
          process.stderr.write(
            `airlock gateway: ${policy.network.mode}; proxy ${formatHostPort(gw.proxy)}${transparent}, dns ${formatHostPort(gw.dns)}, admin ${formatHostPort(gw.admin)}; log ${rec.store.path}\n`,
          );
          await stopped;
          process.off('SIGHUP', onHup);
          await gw.close();
        } finally {
          await log.close();
        }
        ctx.setExit(EXIT.OK);
      }),
    );

  gateway
    .command('rules')
    .description(
      'print the nftables ruleset for transparent mode (load it with `| nft -f -`): 80/443, the ports allowlist entries list, and DNS from the LAN redirected to Airlock, everything else forwarded from the LAN dropped',
    )
    .option('--policy <file>', 'the policy naming the transparent and DNS listeners')
    .option('--lan <iface>', "the tablet's side (the Wi-Fi access point)", 'wlan0')
    .option('--wan <iface>', 'the uplink', 'eth0')
    .action((flags: RulesFlags) => {
      const { policy } = loadPolicy(flags.policy);
      process.stdout.write(nftablesRules({ policy, lan: flags.lan, wan: flags.wan }));
      ctx.setExit(EXIT.OK);
    });

  gateway
    .command('unlock')
    .description('open a time-boxed, logged exception for HOST (or *.suffix)')
    .argument('<host>', "'host.example' or '*.example'")
    .requiredOption('--for <duration>', 'how long: 90s, 10m, 2h, 1d (at most 7d)')
    .requiredOption('--reason <text>', 'why (kept in the log and shown to auditors)')
    .option('--by <name>', 'who opens it (default: the user name)')
    .option('--policy <file>', 'the policy naming the store')
    .action(async (host: string, flags: UnlockFlags) => {
      const ms = parseDuration(flags.for);
      await withRecord(flags.policy, 'create', async (rec, policy) => {
        const now = Date.now();
        const by = flags.by ?? process.env.USER ?? process.env.LOGNAME;
        // The window with its MAC, and its chained `unlock` row, in one transaction (the store's),
        // on a log that still matches its anchor; the anchor then vouches for the row.
        const w = await anchoredWrite(rec.store, anchorPlaces(rec.paths.anchor, flags.policy), () =>
          rec.store.addUnlockWindow({
            host,
            fromMs: now,
            untilMs: now + ms,
            reason: flags.reason,
            createdMs: now,
            ...(by ? { createdBy: by } : {}),
          }),
        );
        process.stdout.write(`unlock window ${w.id}: ${w.host} until ${new Date(w.untilMs).toISOString()}\n`);
        // Recorded all the same (the policy may change before it ends), but said plainly.
        if (policy.network.mode !== 'one-way')
          process.stderr.write(
            `airlock: note: the policy's mode is ${policy.network.mode}: unlock windows apply only in one-way mode, so this one changes nothing until the mode is one-way\n`,
          );
        ctx.setExit(EXIT.OK);
      });
    });
  gateway
    .command('relock')
    .description(
      'end unlock window ID now (the job done early): re-MACed and logged, picked up within a second',
    )
    .argument('<id>', "the window's number, as `gateway unlock` printed it")
    .option('--policy <file>', 'the policy naming the store')
    .action(async (idText: string, flags: RelockFlags) => {
      const id = Number(idText);
      if (!/^\d{1,15}$/.test(idText) || !Number.isSafeInteger(id) || id < 1)
        throw new AirlockError(
          'AIRLOCK_ERR_USAGE',
          `relock ${idText}: a window number (1, 2, …) is expected`,
        );
      // Written (the window re-MACed, a row chained), never created: the store and key must exist.
      await withRecord(flags.policy, 'write', async (rec) => {
        const now = Date.now();
        const before = (await rec.store.unlockWindows()).find((w) => w.id === id);
        if (
          !(await anchoredWrite(rec.store, anchorPlaces(rec.paths.anchor, flags.policy), () =>
            rec.store.endUnlockWindow(id, now),
          ))
        )
          throw new AirlockError(
            'AIRLOCK_ERR_USAGE',
            `relock ${id}: no unlock window ${id} in ${rec.store.path}`,
          );
        const when = new Date(before && before.untilMs <= now ? before.untilMs : now).toISOString();
        process.stdout.write(
          before && before.untilMs <= now
            ? `unlock window ${id} had already ended at ${when}: nothing changed\n`
            : `unlock window ${id}${before ? `: ${before.host}` : ''} ended at ${when}\n`,
        );
        ctx.setExit(EXIT.OK);
      });
    });
  gateway
    .command('windows')
    .description(
      'list unlock windows (open and not yet begun; --all: every one) with whether each authenticates and is what its latest chained row says; exit 1 when a listed one is not',
    )
    .option('--all', 'every window in the store, ended and expired ones too')
    .option('--json', 'a JSON array, one object per window')
    .option('--policy <file>', 'the policy naming the store and its HMAC key')
    .action(async (flags: WindowsFlags) => {
      // Read-only, as `log verify`: nothing is created, migrated or written.
      await withRecord(flags.policy, 'read', async (rec) => {
        const now = Date.now();
        const checked = await rec.store.unlockWindowsChecked(flags.all ? {} : { endingAfterMs: now });
        const windows = listWindows(checked, now);
        if (flags.json) process.stdout.write(`${JSON.stringify(windows, null, 2)}\n`);
        else if (windows.length === 0)
          process.stdout.write(
            `no unlock windows${flags.all ? '' : ' open or to come (--all lists ended and expired ones)'} in ${rec.store.path}\n`,
          );
        else process.stdout.write(renderWindowsTable(windows));
        const bad = windows.filter((w) => w.check !== 'ok');
        if (bad.length > 0)
          process.stderr.write(
            `airlock gateway windows: ${bad.length} window${bad.length === 1 ? '' : 's'} listed ${bad.length === 1 ? 'does' : 'do'} not authenticate or ${bad.length === 1 ? 'is' : 'are'} not what the chain last recorded (the first: ${bad[0]!.id}): the gateway applies none of them; airlock log verify checks every window\n`,
          );
        ctx.setExit(bad.length > 0 ? EXIT.SENSITIVE : EXIT.OK);
      });
    });
}
