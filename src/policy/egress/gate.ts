/**
 * The egress gate: sans-IO (mitmproxy's shape). Events in — a connection opens, bytes go up, it
 * closes, a DNS query arrives — verdicts out. The clock is passed in; no sockets, no globals, so
 * audit replays a capture through the same gate the gateway runs live.
 *
 * Decisions, in order (first that applies):
 *  1. local traffic (req.local): cloud-metadata addresses refused unless in allowedPrivateCidrs;
 *     otherwise monitor allows, else the policy's local.mdns / local.dhcp / local.lan decide.
 *  2. a loopback/private/link-local/metadata/reserved address outside allowedPrivateCidrs is
 *     refused in EVERY mode (never an open proxy into the box's networks).
 *     (openByName, a proxy request known by name and port only, starts at 3: no address to ask.)
 *  3. monitor: allowed, counted, no budget.
 *  4. sealed: refused (unlock windows do not open a sealed gate: switch to one-way for that).
 *  5. one-way: UDP other than DNS refused (QUIC included); no name refused; a name longer than
 *     dns.maxNameLength refused (whichever listener asked: the gateway would resolve it); an open
 *     unlock window for the name allows without budgets on 443 and 80; else the most specific
 *     allowlist entry allows within budgets on its ports; else refused ('not-allowlisted' when
 *     nothing covers the name, 'port-not-allowed' when something does but not on this port).
 *
 * Ports (one-way): an allowlist entry allows the TCP ports it lists (`ports`), 443 and 80 when it
 * lists none. Only the MOST SPECIFIC entry for a name is consulted — the same entry whose budget
 * and ledger the connection gets — so when it does not list the port the connection is refused,
 * even if a less specific entry ('*.example' behind 'host.example') lists it: an entry written
 * for one host can narrow what a wildcard gives that host, never widen it, and an entry's ports
 * never borrow another entry's budget. Of equally specific entries (the same host twice) the
 * first listed decides, as for budgets. An unlock window is for a host and carries no port: it
 * opens 443 and 80 only (what the transparent listeners serve); another port on a window's host
 * needs an allowlist entry listing it, and is then judged by that entry, budgets included, while
 * the window is open. DNS (app 'dns', or UDP to 53) is judged by name as before: an entry's ports
 * do not govern queries. Monitor, sealed, local and private-address decisions ignore ports.
 *
 * Budgets (one-way): a connection may send `upstreamBytesPerConnection` bytes: the byte AT the
 * budget passes, the next is cut. The rolling hourly budget is kept per allowlist ENTRY (for
 * 'host.example' that is the host; for '*.example' all names under it share one budget, since an
 * app picks its own sub-domains and could otherwise spread an upload over them). Bytes sent while
 * a window is open are not counted against budgets; when the window closes, a connection it
 * allowed is cut unless the host is also allowlisted, in which case budgets apply from then on.
 *
 * Names are upload too (one-way): under a '*.' entry the client picks the name, so a name that
 * leaves the gateway as a query (a forwarded DNS query, a lookup for the proxy or a transparent
 * listener) is charged its length on the entry's hourly ledger, once per rolling hour (the same
 * name again carries nothing new). A new name that does not fit in what is left of the hour is
 * refused ('name-budget-spent'); names already sent keep resolving. An exact entry's name is the
 * policy's own text and is never charged; names under an open unlock window are not either.
 * open() charges a name the same way (already charged when the gateway looked it up first), so
 * audit, which sees a capture's connections and queries but not the gateway's lookups, agrees.
 */
import type { AllowEntry, NetworkPolicy, Policy } from '../types.js';
import {
  type AddressClass,
  type CompiledCidr,
  classifyIp,
  compileCidrs,
  matchingCidr,
  parseIp,
} from './address.js';
import { type DnsQuestionShape, refusedQuestion } from './dns-question.js';
import { DnsRateLimiter, MINUTE_MS } from './dns-rate.js';
import { HOUR_MS, RollingLedger, SentNames } from './ledger.js';
import { mostSpecific, normalizeName } from './names.js';
import {
  type ConnectionRequest,
  type DnsDecision,
  type NameDecision,
  type NamedConnectionRequest,
  type OpenDecision,
  REASONS,
  type ReasonCode,
  type UnlockWindow,
  type UpstreamDecision,
} from './types.js';

/** An upload the log recorded, for EgressGate.recharge. */
export type RecordedCharge =
  | { kind: 'bytes'; name: string; bytes: number; atMs: number }
  | { kind: 'name'; name: string; atMs: number };

interface Connection {
  name: string | undefined;
  /** On a port an unlock window opens (443, 80; DNS): a window exempts it from budgets. */
  windowPort: boolean;
  /** Unbounded: monitor or allowed local traffic. */
  unbounded: boolean;
  /** Allowed by the allowlist (not only by a window). */
  allowlisted: boolean;
  ledger: string;
  perConnection: number;
  perHour: number;
  /** Bytes counted against the budgets (outside windows). */
  sent: number;
  cut?: ReasonCode;
}

const DHCP_PORTS = new Set([67, 68, 546, 547]);
/** The TCP ports an allowlist entry without `ports` allows, and the ones an unlock window opens. */
export const DEFAULT_ALLOW_PORTS: readonly number[] = Object.freeze([443, 80]);
const DEFAULT_PORTS: ReadonlySet<number> = new Set(DEFAULT_ALLOW_PORTS);
/** Addresses whose place is kept (a client may name many: the cache is emptied when full). */
const MAX_PLACES = 4096;

interface AddressPlace {
  kind: AddressClass;
  /** The allowedPrivateCidrs entry the address is in (never looked up for public ones). */
  cidr: string | undefined;
}

export class EgressGate {
  private net: NetworkPolicy;
  private cidrs: CompiledCidr[];
  /** Each allowlist entry's ports as a set (asked per request), built with the policy. */
  private entryPorts: Map<AllowEntry, ReadonlySet<number>>;
  private windows: UnlockWindow[];
  private readonly conns = new Map<string, Connection>();
  private readonly ledger = new RollingLedger();
  /** Names under '*.' entries charged within the hour (see spendName). */
  private readonly sentNames = new SentNames(HOUR_MS);
  private dnsRate: DnsRateLimiter;
  private lastPruneMs = Number.NEGATIVE_INFINITY;
  /**
   * Each address's class and allowedPrivateCidrs entry, by its text: a keep-alive client asks
   * about the same address per request. Emptied with the CIDRs it depends on, and when full.
   */
  private readonly places = new Map<string, AddressPlace | undefined>();

  constructor(policy: Policy, opts?: { windows?: UnlockWindow[] }) {
    this.net = policy.network;
    this.cidrs = compileCidrs(policy.network.allowedPrivateCidrs);
    this.entryPorts = compilePorts(policy.network.allow);
    this.windows = normalizeWindows(opts?.windows ?? []);
    this.dnsRate = new DnsRateLimiter(policy.network.dns.maxQueriesPerMinute);
  }

  /** Replace the unlock windows (the store is their source of truth). */
  setWindows(windows: UnlockWindow[]): void {
    this.windows = normalizeWindows(windows);
  }

  /**
   * Swap the policy (gateway reload) keeping the hourly ledger, so a reload cannot reset a
   * budget. Open connections keep the budgets they were opened with.
   */
  setPolicy(policy: Policy): void {
    this.net = policy.network;
    this.cidrs = compileCidrs(policy.network.allowedPrivateCidrs);
    this.entryPorts = compilePorts(policy.network.allow);
    this.places.clear();
    if (policy.network.dns.maxQueriesPerMinute !== this.dnsRate.maxPerMinute) {
      this.dnsRate = new DnsRateLimiter(policy.network.dns.maxQueriesPerMinute);
    }
  }

  open(req: ConnectionRequest, nowMs: number): OpenDecision {
    return this.decide(req, req.ip, nowMs);
  }

  /**
   * A connection known by name and port only: a forward-proxy request (CONNECT host:port, or an
   * absolute URI) the gateway would resolve itself, seen where the address it would reach is not
   * (audit of the tablet's side of a proxy). open()'s answer at a public address: the same
   * decisions in the same order, the same budgets and ledger, and the connection is registered
   * for upstream() and close() as open() registers it. What only the address decides is not
   * asked (private, metadata and local destinations): the gateway refuses a name that resolves
   * into its own networks, which nothing here can know. A name that is not a valid host name is
   * 'no-name' as in open(), and its destination is the text as given.
   */
  openByName(req: NamedConnectionRequest, nowMs: number): OpenDecision {
    return this.decide(req, undefined, nowMs);
  }

  /** open() and openByName(): `ip` undefined when only the name is known. */
  private decide(
    req: NamedConnectionRequest | ConnectionRequest,
    ip: string | undefined,
    nowMs: number,
  ): OpenDecision {
    this.maybePrune(nowMs);
    const name = req.name === undefined ? undefined : normalizeName(req.name);
    const destination = name ?? ip ?? req.name?.toLowerCase() ?? '';
    const block = (reason: ReasonCode, detail?: string): OpenDecision => ({
      verdict: 'block',
      reason,
      detail: detail ?? REASONS[reason],
      destination,
      connectionBudget: 0,
    });
    const allow = (conn: Connection, reason: ReasonCode, extra: Partial<OpenDecision> = {}): OpenDecision => {
      this.conns.set(req.id, conn);
      const hourLeft = conn.perHour - this.ledger.total(conn.ledger, nowMs);
      return {
        verdict: 'allow',
        reason,
        detail: REASONS[reason],
        destination,
        connectionBudget: conn.unbounded ? Number.POSITIVE_INFINITY : Math.min(conn.perConnection, hourLeft),
        ledger: conn.ledger,
        ...extra,
      };
    };
    const unbounded = (): Connection => ({
      name,
      windowPort: true,
      unbounded: true,
      allowlisted: false,
      ledger: destination,
      perConnection: Number.POSITIVE_INFINITY,
      perHour: Number.POSITIVE_INFINITY,
      sent: 0,
    });

    if (ip !== undefined) {
      const where = this.placeOf(ip);
      if (!where) return block('bad-address', `${REASONS['bad-address']}: '${ip}'`);
      const { kind, cidr } = where;

      if ('local' in req && req.local) {
        if (kind === 'metadata' && !cidr)
          return block('metadata-destination', `${REASONS['metadata-destination']}: ${ip}`);
        if (this.net.mode === 'monitor') return allow(unbounded(), 'monitor');
        const which = localKind(req);
        const detail = `local ${which} traffic`;
        return this.net.local[which] === 'allow'
          ? { ...allow(unbounded(), 'local-allowed'), detail: `${detail} allowed by the policy` }
          : block('local-blocked', `${detail} blocked by the policy (local.${which}: block)`);
      }
      if (kind !== 'public' && !cidr) {
        return kind === 'metadata'
          ? block('metadata-destination', `${REASONS['metadata-destination']}: ${ip}`)
          : block('private-destination', `${kind} destination ${ip} is outside allowedPrivateCidrs`);
      }
    }

    switch (this.net.mode) {
      case 'monitor':
        return allow(unbounded(), 'monitor');
      case 'sealed':
        return block('sealed');
      case 'one-way':
        break;
    }

    const dns = req.app === 'dns' || (req.app === undefined && req.proto === 'udp' && req.port === 53);
    if (req.proto === 'udp' && !dns)
      return block('udp-not-dns', `${REASONS['udp-not-dns']} (${req.app ?? 'udp'})`);
    if (!name) {
      return block(
        'no-name',
        req.name === undefined ? REASONS['no-name'] : `'${req.name}' is not a valid host name`,
      );
    }
    // Every name reached by name is one the gateway resolves (proxy, transparent listeners) or
    // the client asked the resolver for: the DNS port's length limit holds for all of them.
    if (name.length > this.net.dns.maxNameLength) return block('dns-name-too-long', this.tooLong(name));
    // A DNS flow is judged by its name alone: entries' ports govern connections, not queries.
    const port = dns ? undefined : req.port;
    const { matched, window, refused } = this.reach(name, port, nowMs);
    if (window) {
      const conn = this.budgetedConnection(name, matched, port);
      return allow(conn, 'unlock-window', {
        window,
        ...(matched ? { matched } : {}),
        detail: `unlock window for ${window.host} open until ${new Date(window.untilMs).toISOString()}: ${window.reason}`,
        connectionBudget: Number.POSITIVE_INFINITY,
      });
    }
    if (refused) return block(refused.reason, refused.detail);
    if (!matched) return block('not-allowlisted', `${name}: ${REASONS['not-allowlisted']}`);
    const conn = this.budgetedConnection(name, matched, port);
    const hourLeft = conn.perHour - this.ledger.total(conn.ledger, nowMs);
    if (hourLeft <= 0) {
      return block(
        'hour-budget-spent',
        `${REASONS['hour-budget-spent']} (${conn.ledger}: ${conn.perHour} bytes)`,
      );
    }
    const spent = this.spendName(name, matched, nowMs);
    if (spent) return block('name-budget-spent', spent);
    return allow(conn, 'allowlisted', { matched, detail: `${name} matches allowlist entry ${matched.host}` });
  }

  /** The address's class and matching allowedPrivateCidrs entry; undefined when it is no address. */
  private placeOf(text: string): AddressPlace | undefined {
    if (this.places.has(text)) return this.places.get(text);
    const ip = parseIp(text);
    const kind = ip && classifyIp(ip);
    const place =
      ip && kind ? { kind, cidr: kind === 'public' ? undefined : matchingCidr(ip, this.cidrs) } : undefined;
    if (text.length > 64) return place; // no address is this long: not kept
    if (this.places.size >= MAX_PLACES) this.places.clear();
    this.places.set(text, place);
    return place;
  }

  upstream(connId: string, bytes: number, nowMs: number): UpstreamDecision {
    const c = this.conns.get(connId);
    if (!c) return cutWith('unknown-connection');
    if (c.cut) return cutWith(c.cut);
    const n = Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : 0;
    if (c.unbounded) {
      c.sent += n;
      this.ledger.add(c.ledger, n, nowMs);
      return { pass: n, cut: false };
    }
    if (c.windowPort && c.name !== undefined && this.openWindow(c.name, nowMs)) {
      return { pass: n, cut: false, reason: 'unlock-window', detail: REASONS['unlock-window'] };
    }
    if (!c.allowlisted) {
      c.cut = 'unlock-expired';
      return cutWith('unlock-expired');
    }
    const connLeft = Math.max(0, c.perConnection - c.sent);
    const hourLeft = Math.max(0, c.perHour - this.ledger.total(c.ledger, nowMs));
    const pass = Math.min(n, connLeft, hourLeft);
    c.sent += pass;
    this.ledger.add(c.ledger, pass, nowMs);
    if (pass === n) return { pass, cut: false };
    c.cut = connLeft <= hourLeft ? 'connection-budget' : 'hour-budget';
    const limit =
      c.cut === 'connection-budget'
        ? `${c.perConnection} bytes`
        : `${c.perHour} bytes per hour for ${c.ledger}`;
    return { pass, cut: true, reason: c.cut, detail: `${REASONS[c.cut]} (${limit})` };
  }

  close(connId: string, nowMs: number): void {
    this.conns.delete(connId);
    this.maybePrune(nowMs);
  }

  /**
   * A DNS query from `client` (the gateway's DNS server asks before forwarding). Sealed answers
   * nothing (query names are an upload channel too); one-way answers allowlisted or unlocked
   * names within the length and per-client rate limits, and a new name under a '*.' entry only
   * while it fits in the entry's hourly budget (it is charged: see the top of this file); names
   * already sent within the hour are answered even when that budget is spent. With `question`,
   * one-way also refuses a class other than IN and a type outside dns-question.ts's list (after
   * the rate, which they count against; before the name, which is then not charged). Monitor
   * answers everything.
   */
  openDns(qname: string, nowMs: number, client = '*', question?: DnsQuestionShape): DnsDecision {
    this.maybePrune(nowMs);
    const name = normalizeName(qname);
    const shown = name ?? qname.toLowerCase();
    const out = (verdict: 'allow' | 'block', reason: ReasonCode, detail?: string, matched?: AllowEntry) => ({
      verdict,
      reason,
      detail: detail ?? REASONS[reason],
      name: shown,
      ...(matched ? { matched } : {}),
    });
    if (this.net.mode === 'monitor') return out('allow', 'monitor');
    if (this.net.mode === 'sealed') return out('block', 'sealed');
    if (!this.dnsRate.admit(client, nowMs)) {
      return out('block', 'dns-rate', `${REASONS['dns-rate']} (${this.net.dns.maxQueriesPerMinute}/min)`);
    }
    const odd = question && refusedQuestion(question);
    if (odd) return out('block', odd, `${REASONS[odd]} (type ${question.type}, class ${question.class})`);
    if (!name) return out('block', 'dns-bad-name');
    if (name.length > this.net.dns.maxNameLength)
      return out('block', 'dns-name-too-long', this.tooLong(name));
    const window = this.openWindow(name, nowMs);
    if (window) return out('allow', 'unlock-window', `unlock window for ${window.host}: ${window.reason}`);
    const matched = mostSpecific(this.net.allow, (e) => e.host, name);
    if (!matched) return out('block', 'not-allowlisted', `${name}: ${REASONS['not-allowlisted']}`);
    // An allowed query is forwarded: a new name under a '*.' entry is charged (it leaves).
    const spent = this.spendName(name, matched, nowMs);
    return spent
      ? out('block', 'name-budget-spent', spent, matched)
      : out('allow', 'allowlisted', `${name} matches allowlist entry ${matched.host}`, matched);
  }

  /**
   * "Is this name allowed at all?" asked before the name is resolved (proxy, transparent
   * listener): the same answer open() gives a TCP connection to this name at a public address,
   * without registering a connection (nothing to close). Sealed refuses, monitor allows, one-way
   * refuses a name longer than dns.maxNameLength, allows an unlock window, or an allowlisted name
   * whose hourly budget is not spent. The caller looks an allowed name up, so a new name under a
   * '*.' entry is charged here, and refused when it does not fit in the hour's budget. With
   * `port`, the port is judged too (as open() will), so a name asked for on a port its entry
   * does not list is refused before it is looked up or charged.
   */
  admitsName(host: string, nowMs: number, port?: number): NameDecision {
    this.maybePrune(nowMs);
    const name = normalizeName(host);
    const shown = name ?? host.toLowerCase();
    const out = (
      verdict: 'allow' | 'block',
      reason: ReasonCode,
      detail: string = REASONS[reason],
      extra: Pick<NameDecision, 'matched' | 'window'> = {},
    ): NameDecision => ({ verdict, reason, detail, name: shown, ...extra });
    if (this.net.mode === 'monitor') return out('allow', 'monitor');
    if (this.net.mode === 'sealed') return out('block', 'sealed');
    if (!name) return out('block', 'no-name', `'${host}' is not a valid host name`);
    if (name.length > this.net.dns.maxNameLength)
      return out('block', 'dns-name-too-long', this.tooLong(name));
    const { matched, window, refused } = this.reach(name, port, nowMs);
    if (window) {
      return out(
        'allow',
        'unlock-window',
        `unlock window for ${window.host} open until ${new Date(window.untilMs).toISOString()}: ${window.reason}`,
        { window, ...(matched ? { matched } : {}) },
      );
    }
    if (refused)
      return out(
        'block',
        refused.reason,
        refused.detail,
        refused.matched ? { matched: refused.matched } : {},
      );
    if (!matched) return out('block', 'not-allowlisted', `${name}: ${REASONS['not-allowlisted']}`);
    const conn = this.budgetedConnection(name, matched);
    if (conn.perHour - this.ledger.total(conn.ledger, nowMs) <= 0) {
      return out(
        'block',
        'hour-budget-spent',
        `${REASONS['hour-budget-spent']} (${conn.ledger}: ${conn.perHour} bytes)`,
        { matched },
      );
    }
    const spent = this.spendName(name, matched, nowMs);
    if (spent) return out('block', 'name-budget-spent', spent, { matched });
    return out('allow', 'allowlisted', `${name} matches allowlist entry ${matched.host}`, { matched });
  }

  /**
   * Restores the rolling hour after a restart (the ledger lives in memory) from what the log
   * says left: `bytes` of upload to `name`, or `name` itself as a query or lookup, at `atMs`.
   * Charged where open() and openDns() would charge them under this policy (the entry it matches
   * now; a name only under a '*.' entry and once an hour); never refused. A name no entry matches,
   * or a charge an hour or more before `nowMs`, charges nothing. Give charges oldest first.
   */
  recharge(c: RecordedCharge, nowMs: number): void {
    const name = normalizeName(c.name);
    if (!name || nowMs - c.atMs >= HOUR_MS) return;
    const matched = mostSpecific(this.net.allow, (e) => e.host, name);
    if (!matched) return;
    const ledger = this.budgetedConnection(name, matched).ledger;
    if (c.kind === 'bytes') {
      if (Number.isFinite(c.bytes) && c.bytes > 0) this.ledger.add(ledger, Math.floor(c.bytes), c.atMs);
    } else if (matched.host.startsWith('*.') && !this.sentNames.has(name, c.atMs)) {
      this.ledger.add(ledger, name.length, c.atMs);
      this.sentNames.add(name, c.atMs);
    }
  }

  /** Bytes on the hourly ledger `name` is charged to, and that ledger's key (undefined: none). */
  hourSpent(host: string, nowMs: number): { ledger: string; bytes: number } | undefined {
    const name = normalizeName(host);
    const matched = name && mostSpecific(this.net.allow, (e) => e.host, name);
    if (!name || !matched) return undefined;
    const ledger = this.budgetedConnection(name, matched).ledger;
    return { ledger, bytes: this.ledger.total(ledger, nowMs) };
  }

  /**
   * What reaches `name` on `port` (undefined: the name alone, as for DNS) at `nowMs`: the open
   * window that allows it (only on a window's ports), else the most specific allowlist entry
   * when it lists the port; `refused` when a window or entry covers the name but not the port.
   * Neither: the name is not allowlisted. See the top of this file for the rule.
   */
  private reach(
    name: string,
    port: number | undefined,
    nowMs: number,
  ): {
    matched?: AllowEntry;
    window?: UnlockWindow;
    refused?: { reason: ReasonCode; detail: string; matched?: AllowEntry };
  } {
    const entry = mostSpecific(this.net.allow, (e) => e.host, name);
    const open = this.openWindow(name, nowMs);
    const entryAllows = entry !== undefined && (port === undefined || this.portsOf(entry).has(port));
    const matched = entryAllows ? entry : undefined;
    if (open && (port === undefined || DEFAULT_PORTS.has(port)))
      return matched ? { matched, window: open } : { window: open };
    if (matched) return { matched };
    if (!entry && !open) return {};
    const why: string[] = [];
    if (entry) why.push(`allowlist entry ${entry.host} allows ${[...this.portsOf(entry)].join(', ')}`);
    if (open) why.push(`the unlock window for ${open.host} opens ${DEFAULT_ALLOW_PORTS.join(', ')}`);
    const detail = `${name} port ${port}: ${REASONS['port-not-allowed']} (${why.join('; ')})`;
    return { refused: { reason: 'port-not-allowed', detail, ...(entry ? { matched: entry } : {}) } };
  }

  /** The TCP ports `entry` allows (443 and 80 unless it lists its own). */
  private portsOf(entry: AllowEntry): ReadonlySet<number> {
    return this.entryPorts.get(entry) ?? (entry.ports ? new Set(entry.ports) : DEFAULT_PORTS);
  }

  private tooLong(name: string): string {
    return `${REASONS['dns-name-too-long']} (${name.length} > ${this.net.dns.maxNameLength})`;
  }

  /**
   * Charges `name` leaving as a query under allowlist entry `matched` (see the top of this file):
   * its length on the entry's hourly ledger, unless the entry is an exact name or the name was
   * charged within the hour. Undefined when the name may leave; else why not (nothing charged).
   */
  private spendName(name: string, matched: AllowEntry, nowMs: number): string | undefined {
    if (!matched.host.startsWith('*.') || this.sentNames.has(name, nowMs)) return undefined;
    const conn = this.budgetedConnection(name, matched);
    const used = this.ledger.total(conn.ledger, nowMs);
    if (used + name.length > conn.perHour) {
      return `${REASONS['name-budget-spent']} (${conn.ledger}: ${used} + ${name.length} > ${conn.perHour} bytes)`;
    }
    this.ledger.add(conn.ledger, name.length, nowMs);
    this.sentNames.add(name, nowMs);
    return undefined;
  }

  /** The open window covering `name` at `nowMs` (most specific first), if any. */
  private openWindow(name: string, nowMs: number): UnlockWindow | undefined {
    const open = this.windows.filter((w) => w.fromMs <= nowMs && nowMs < w.untilMs);
    return open.length === 0 ? undefined : mostSpecific(open, (w) => w.host, name);
  }

  private budgetedConnection(
    name: string,
    matched: AllowEntry | undefined,
    port: number | undefined = undefined,
  ): Connection {
    const b = this.net.budgets;
    return {
      name,
      windowPort: port === undefined || DEFAULT_PORTS.has(port),
      unbounded: false,
      allowlisted: matched !== undefined,
      ledger: matched?.host ?? name,
      perConnection: matched?.budget?.upstreamBytesPerConnection ?? b.upstreamBytesPerConnection,
      perHour: matched?.budget?.upstreamBytesPerHour ?? b.upstreamBytesPerHour,
      sent: 0,
    };
  }

  private maybePrune(nowMs: number): void {
    if (nowMs - this.lastPruneMs < MINUTE_MS) return;
    this.lastPruneMs = nowMs;
    this.ledger.prune(nowMs);
    this.sentNames.prune(nowMs);
    this.dnsRate.prune(nowMs);
  }
}

/** Each entry's ports as a set; entries without `ports` share the default one. */
function compilePorts(allow: readonly AllowEntry[]): Map<AllowEntry, ReadonlySet<number>> {
  return new Map(allow.map((e) => [e, e.ports ? new Set(e.ports) : DEFAULT_PORTS]));
}

function cutWith(reason: ReasonCode): UpstreamDecision {
  return { pass: 0, cut: true, reason, detail: REASONS[reason] };
}

function localKind(req: Pick<ConnectionRequest, 'proto' | 'port'>): 'mdns' | 'dhcp' | 'lan' {
  if (req.proto === 'udp' && req.port === 5353) return 'mdns';
  if (req.proto === 'udp' && DHCP_PORTS.has(req.port)) return 'dhcp';
  return 'lan';
}

function normalizeWindows(windows: UnlockWindow[]): UnlockWindow[] {
  return windows.map((w) => ({ ...w, host: w.host.toLowerCase().replace(/\.$/, '') }));
}
