/**
 * `airlock gateway` in one process: the HTTP/CONNECT proxy, the DNS server and the admin port
 * around one EgressGate, every connection and query written to the chained store. Fail closed:
 * the store and key must open, and the store match its anchor file, before anything listens;
 * while the log cannot be written new connections are refused. Reload (SIGHUP) swaps the policy
 * only when the new one is valid.
 */
import type { Server } from 'node:http';
import { AirlockError } from '../core/errors.js';
import { EgressGate, unnamedClaims } from '../policy/egress/index.js';
import { loadPolicyFile } from '../policy/load.js';
import type { Policy } from '../policy/types.js';
import type { GatewayClaim } from '../store/gateway-claim.js';
import { storeSink } from '../store/log-sink.js';
import type { LogRow, LogSink, Store } from '../store/types.js';
import type { Front } from './core/front.js';
import { extraPortFront, HTTP_FRONT, TLS_FRONT } from './core/transparent-head.js';
import { DnsServer } from './dns/server.js';
import { startAdminServer } from './io/admin-server.js';
import { ConnectionCounts } from './io/connection-counts.js';
import { checkListen, type HostPort, parseHostPort } from './io/listen-address.js';
import { type ExtraPortFronts, type ProxyLimits, ProxyServer } from './io/proxy-server.js';
import { cachingResolve, systemResolve } from './io/resolve.js';
import { GatewayMetrics } from './metrics.js';
import { restoreHour } from './record/hour-restore.js';
import { LogWriter } from './record/log-writer.js';
import { RefusalSummaries, type RefusalSummaryOptions } from './record/refusal-summary.js';
import { anchorPlaces, checkRecordAtStart } from './record/start-check.js';
import { extraPorts } from './rules/nftables.js';
import { UnlockWindowGuard } from './unlock-windows.js';

/** How long a system resolver answer is reused (the resolver gives no TTL; short, as nscd's). */
const RESOLVE_TTL_MS = 2000;

export interface GatewayOptions {
  policy: Policy;
  /** Re-read on reload(); without it reload() keeps the current policy. */
  policyFile?: string;
  store: Store;
  /** Where log rows go; default: `store`, on this thread. The CLI gives SQLite a thread of its own. */
  log?: LogSink;
  anchorPath: string;
  /** Overrides of the policy's listen addresses (loopback, or an address the policy names). */
  listen?: string;
  dnsListen?: string;
  adminListen?: string;
  /** The upstream resolver for allowlisted DNS names, 'host:port' (overrides the policy's). */
  dnsUpstream?: string;
  /** Overrides of the policy's transparent listeners (each only when the policy turns it on). */
  transparentTls?: string;
  transparentHttp?: string;
  transparentOther?: string;
  resolve?: (host: string) => Promise<string[]>;
  /** How often unlock windows are re-read from the store. */
  windowPollMs?: number;
  /** Operator messages (reload results, log failures). */
  say?: (line: string) => void;
  /** How refusals over a rate or count limit are summarized (tests; defaults in refusal-summary.ts). */
  refusalSummary?: RefusalSummaryOptions;
}

export interface RunningGateway {
  proxy: HostPort;
  /** The transparent listeners, when the policy turns them on. */
  transparent: { tls?: HostPort; http?: HostPort; other?: HostPort };
  dns: HostPort;
  admin: HostPort;
  /** Re-reads the policy file; false (old policy kept, reason said) when it is invalid. */
  reload(): boolean;
  /** Writes every queued row now, pending refusal summaries included (tests, shutdown). */
  flushLog(): Promise<void>;
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  // The store is this gateway's alone before anything is read from it (store/gateway-claim.ts).
  const claim = await opts.store.claimGateway();
  try {
    return await startClaimed(opts, claim);
  } catch (e) {
    await claim.release();
    throw e;
  }
}

async function startClaimed(opts: GatewayOptions, claim: GatewayClaim): Promise<RunningGateway> {
  let policy = opts.policy;
  /** The policy's claimsUnnamed ports, as its allowlist says (rebuilt on reload). */
  let claims = unnamedClaims(policy.network.allow);
  const say = opts.say ?? ((l: string) => process.stderr.write(`airlock gateway: ${l}\n`));
  const g = policy.gateway;
  const proxyAt = checkListen(opts.listen ?? g.listen[0]!, g.listen);
  const dnsAt = checkListen(opts.dnsListen ?? g.dnsListen, [g.dnsListen]);
  const adminAt = checkListen(opts.adminListen ?? g.adminListen, [g.adminListen]);
  const upstreamText = opts.dnsUpstream ?? g.dnsUpstream ?? undefined;
  const dnsUpstream = upstreamText === undefined ? undefined : parseHostPort(upstreamText);
  const tt = g.transparent;
  const tlsAt = tt.tls === null ? undefined : checkListen(opts.transparentTls ?? tt.tls, [tt.tls]);
  const httpAt = tt.http === null ? undefined : checkListen(opts.transparentHttp ?? tt.http, [tt.http]);
  const otherAt = tt.other === null ? undefined : checkListen(opts.transparentOther ?? tt.other, [tt.other]);

  // The database against its anchor before anything is served or written: a start on a log cut
  // short would overwrite the anchor that shows it (record/start-check.ts).
  const verdict = await checkRecordAtStart(
    opts.store,
    anchorPlaces(opts.anchorPath, opts.policyFile),
    Date.now(),
  );
  if (!verdict.ok) throw verdict.error;
  if (verdict.note) say(verdict.note);

  // Only windows the HMAC key authenticates, as the chain last recorded them, open anything
  // (unlock-windows.ts); those already over can open nothing and are not read.
  const windows = new UnlockWindowGuard(say);
  const readWindows = () => opts.store.unlockWindowsChecked({ endingAfterMs: Date.now() });
  const gate = new EgressGate(policy, {
    windows: windows.accept(await readWindows(), Date.now()),
  });
  await restoreBudgets(opts.store, gate, say);
  const reloads = { ok: 0, failed: 0 };
  // Read at each scrape (after every listener below exists).
  const metrics = new GatewayMetrics(() => ({
    activeConnections: counts.active,
    dnsTcpConnections: dns.tcpConnections,
    logHealthy: writer.healthy,
    logRowsWritten: writer.rowsWritten,
    logRowsDropped: writer.rowsDropped,
    logWriteErrors: writer.writeErrors,
    policyReloads: reloads,
    unlockWindowsIgnored: windows.ignored,
    // Every listener draws on the process's relays: one gives the totals.
    spliced: { active: proxy.splices.active, bytes: proxy.splices.bytes },
  }));
  const writer = new LogWriter(opts.log ?? storeSink(opts.store), {
    groupCommitMs: policy.store.groupCommitMs,
    anchorPath: opts.anchorPath,
    ...(verdict.head ? { head: verdict.head } : {}),
    onError: say,
  });
  writer.start();
  // Refusals over a rate or count limit are rows per burst, not per packet (refusal-summary.ts).
  const summaries = new RefusalSummaries((row) => writer.append(row), opts.refusalSummary);
  const log = (row: LogRow): void => {
    // Every refusal counts in /metrics, summarized or not.
    metrics.count(row);
    summaries.add(row);
  };
  /** Pending summaries written, the writer stopped: after the listeners, before the store closes. */
  const stopLog = async (): Promise<void> => {
    summaries.stop();
    await writer.stop();
  };
  let windowsOk = true;
  const poll = setInterval(() => {
    readWindows().then(
      (w) => {
        gate.setWindows(windows.accept(w, Date.now()));
        windowsOk = true;
      },
      (e: Error) => {
        if (windowsOk) say(`unlock windows unreadable, keeping the last ones: ${e.message}`);
        windowsOk = false;
      },
    );
  }, opts.windowPollMs ?? 500);
  poll.unref();

  const mode = () => policy.network.mode;
  // One set of limits for every listener: the transparent ones are the same core behind another front.
  const limits = (): ProxyLimits => ({
    maxConnections: policy.gateway.maxConnections,
    maxConnectionsPerClient: policy.gateway.maxConnectionsPerClient,
    idleTimeoutMs: policy.gateway.idleTimeoutSeconds * 1000,
    handshakeTimeoutMs: policy.gateway.handshakeTimeoutSeconds * 1000,
  });
  // Lookups are joined and kept briefly (a busy name is not looked up per request).
  const resolve = opts.resolve ?? cachingResolve(systemResolve, RESOLVE_TTL_MS);
  // The policy's connection limits bound the gateway: all listeners draw on one count.
  const counts = new ConnectionCounts();
  const listener = (listen: HostPort, front?: Front, extra?: ExtraPortFronts): ProxyServer =>
    new ProxyServer({
      listen,
      ...(extra ? { extraPorts: extra } : {}),
      counts,
      context: () => ({
        gate,
        mode,
        maxHeaderBytes: policy.gateway.maxHeaderBytes,
        ...(front ? { front } : {}),
      }),
      limits,
      resolve,
      refuseAll: () => (writer.healthy ? undefined : 'log-unwritable'),
      onLog: log,
    });
  const proxy = listener(proxyAt);
  const tlsServer = tlsAt ? listener(tlsAt, TLS_FRONT) : undefined;
  const httpServer = httpAt ? listener(httpAt, HTTP_FRONT) : undefined;
  // Each reason a port could not be read is said once: a box without conntrack refuses them all.
  const unreadableSaid = new Set<string>();
  const otherServer = otherAt
    ? listener(otherAt, undefined, {
        front: (port) => extraPortFront(port, claims.get(port)),
        unreadable: (detail) => {
          if (unreadableSaid.has(detail)) return;
          unreadableSaid.add(detail);
          say(`transparent other: refusing connections whose original port cannot be read: ${detail}`);
        },
      })
    : undefined;
  const dns = new DnsServer({
    listen: dnsAt,
    ...(dnsUpstream ? { upstream: dnsUpstream } : {}),
    ctx: { gate, mode },
    accepting: () => writer.healthy,
    onLog: log,
  });
  const metricsText = () => metrics.render();

  const started: { close(): Promise<void> }[] = [];
  try {
    const proxyAddr = await proxy.start();
    started.push(proxy);
    const transparent: RunningGateway['transparent'] = {};
    if (tlsServer) {
      transparent.tls = await tlsServer.start();
      started.push(tlsServer);
    }
    if (httpServer) {
      transparent.http = await httpServer.start();
      started.push(httpServer);
    }
    if (otherServer) {
      transparent.other = await otherServer.start();
      started.push(otherServer);
    }
    const dnsAddr = await dns.start();
    started.push(dns);
    const admin = await startAdminServer(adminAt, {
      metrics: metricsText,
      unhealthy: () => (writer.healthy ? undefined : 'the event log cannot be written'),
    });
    started.push({ close: () => closeHttp(admin.server) });
    return {
      proxy: proxyAddr,
      transparent,
      dns: dnsAddr,
      admin: admin.address,
      reload() {
        if (opts.policyFile === undefined) return false;
        try {
          const next = loadPolicyFile(opts.policyFile);
          // The gateway and store sections are read once, at start: say which of them changed.
          const later = restartOnly(policy, next);
          const rules = rulesNote(policy, next);
          gate.setPolicy(next);
          policy = next;
          claims = unnamedClaims(next.network.allow);
          reloads.ok++;
          say(
            `policy reloaded: mode ${next.network.mode}${later.length ? `; not applied until restart: ${later.join(', ')}` : ' (the gateway and store sections apply on restart)'}${rules}`,
          );
          return true;
        } catch (e) {
          reloads.failed++;
          say(`policy reload refused, the old policy stays: ${(e as Error).message}`);
          return false;
        }
      },
      flushLog: () => {
        summaries.flush();
        return writer.flush();
      },
      metricsText,
      async close() {
        clearInterval(poll);
        for (const s of started.reverse()) await s.close();
        await stopLog();
        await claim.release();
      },
    };
  } catch (e) {
    clearInterval(poll);
    for (const s of started.reverse()) await s.close();
    await stopLog();
    throw e;
  }
}

/**
 * The hourly budgets as the log left them (hour-restore.ts). Fail closed: a log whose last hour
 * cannot be read at all stops the start (a fresh budget for every destination is what a restart
 * must not give); single unreadable rows are said, and their uploads go uncounted.
 */
async function restoreBudgets(store: Store, gate: EgressGate, say: (l: string) => void): Promise<void> {
  try {
    const r = await restoreHour(store, gate, Date.now());
    if (r.damaged > 0) {
      say(
        `${r.damaged} event log row(s) of the last hour unreadable, their uploads not counted against the hourly budgets (airlock log verify checks the log): ${r.firstDamaged}`,
      );
    }
  } catch (e) {
    const err = e as Error & { file?: string };
    throw new AirlockError(
      'AIRLOCK_ERR_IO',
      `cannot read the last hour of the event log to restore the hourly upload budgets, not starting: ${err.message}`,
      undefined,
      err.file,
    );
  }
}

function closeHttp(s: Server): Promise<void> {
  s.closeAllConnections();
  return new Promise((res) => s.close(() => res()));
}

/**
 * The box's rules redirect the allowlist's extra ports as they were when printed: a reload that
 * changes them says so, since a newly listed port stays dropped until the rules are loaded again.
 */
export function rulesNote(was: Policy, next: Policy): string {
  const a = extraPorts(was).join(', ');
  const b = extraPorts(next).join(', ');
  if (a === b) return '';
  return `; the allowlist's extra ports changed (${a || 'none'} -> ${b || 'none'}): on a gateway box, print and load the rules again (airlock gateway rules ... | nft -f -)`;
}

/** Settings of the gateway and store sections that differ between two policies ('gateway.dnsUpstream'). */
export function restartOnly(was: Policy, next: Policy): string[] {
  const out: string[] = [];
  for (const section of ['gateway', 'store'] as const) {
    const a = was[section] as unknown as Record<string, unknown>;
    const b = next[section] as unknown as Record<string, unknown>;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${section}.${k}`);
  }
  return out;
}
