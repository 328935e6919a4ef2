/**
 * Refusals that exist only because a client went over a rate or count limit (a DNS query over
 * dns.maxQueriesPerMinute, a connection over maxConnections or maxConnectionsPerClient, a DNS TCP
 * connection over the TCP limit) cost a flooding client nothing and would each be a chained row:
 * at 10k packets a second the log, and then the disk, would fill, and the gateway fails closed
 * when its log cannot be written. So they are summarized per (client address, reason): the first
 * refusal of a burst is written as it is (a one-off looks as it always did); further ones within
 * SUMMARY_WINDOW_MS are counted and written as ONE row when the window closes, with `count`,
 * the first (tsMs) and last (lastMs) time and, for DNS, up to MAX_SUMMARY_NAMES distinct query
 * names (escaped, bounded) plus how many queries asked another name. A burst that goes on gets a
 * summary row per window; one window without a refusal ends it. Beyond MAX_OPEN_SUMMARIES open
 * bursts (spoofed source addresses), new clients are merged into one row per reason whose client
 * is OTHER_CLIENTS. flush() writes every pending count (the gateway's flushLog and close), so a
 * clean stop loses nothing.
 *
 * Only the rows are summarized: /metrics counts each refusal as it happens.
 */
import { escapedBounded } from '../../core/escape-bytes.js';
import type { ConnectionLogRow, DnsLogRow, LogRow } from '../../store/types.js';

/** How long a burst's further refusals are gathered into one summary row. */
export const SUMMARY_WINDOW_MS = 1000;
/** Bursts tracked at once; beyond, new clients' refusals go into the OTHER_CLIENTS row. */
export const MAX_OPEN_SUMMARIES = 256;
/** Distinct query names a DNS summary row carries. */
export const MAX_SUMMARY_NAMES = 5;
/** Characters of one name in a summary row (escaped), '...' ending a longer one. */
export const MAX_SUMMARY_NAME_CHARS = 128;
/** The client of a summary merging the clients beyond MAX_OPEN_SUMMARIES. */
export const OTHER_CLIENTS = 'other-clients';

/**
 * Reasons that only say a limit was reached, and a malformed DNS packet (no name to judge, and a
 * datagram costs its sender nothing): summarized.
 */
export const SUMMARIZED_REASONS: ReadonlySet<string> = new Set([
  'dns-rate',
  'dns-tcp-limit',
  'connection-limit',
  'dns-malformed',
]);

export interface RefusalSummaryOptions {
  windowMs?: number;
  maxOpen?: number;
  now?: () => number;
}

type Refusal = ConnectionLogRow | DnsLogRow;

interface Burst {
  client: string;
  /** When the current window closes. */
  closesMs: number;
  /** The first refusal counted in this window (the summary row's shape); none yet when count is 0. */
  first?: Refusal;
  count: number;
  lastMs: number;
  names: string[];
  namesMore: number;
}

export class RefusalSummaries {
  private readonly open = new Map<string, Burst>();
  /** Per reason: the refusals of clients beyond the cap. */
  private readonly other = new Map<string, Burst>();
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;
  private readonly maxOpen: number;

  constructor(
    private readonly write: (row: LogRow) => void,
    opts: RefusalSummaryOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? SUMMARY_WINDOW_MS;
    this.maxOpen = opts.maxOpen ?? MAX_OPEN_SUMMARIES;
    this.now = opts.now ?? Date.now;
  }

  private readonly now: () => number;

  /** Bursts tracked now (tests). */
  get openCount(): number {
    return this.open.size;
  }

  /** Writes `row` now, or counts it into its burst's summary. */
  add(row: LogRow): void {
    if (row.kind === 'unlock' || row.verdict !== 'block' || !SUMMARIZED_REASONS.has(row.reason)) {
      this.write(row);
      return;
    }
    const client = addressOf(row);
    const key = `${row.kind}\n${row.reason}\n${client}`;
    const now = this.now();
    const burst = this.open.get(key);
    if (burst) {
      count(burst, row);
      return;
    }
    if (this.open.size < this.maxOpen) {
      // The first of a burst: written as it is.
      this.open.set(key, newBurst(client, now + this.windowMs));
      this.arm();
      this.write(row);
      return;
    }
    const otherKey = `${row.kind}\n${row.reason}`;
    let o = this.other.get(otherKey);
    if (!o) {
      o = newBurst(OTHER_CLIENTS, now + this.windowMs);
      this.other.set(otherKey, o);
      this.arm();
    }
    count(o, row);
  }

  /** Writes every pending summary now; bursts stay open (their next refusals are counted). */
  flush(): void {
    for (const b of this.open.values()) this.emit(b);
    for (const b of this.other.values()) this.emit(b);
  }

  /** Flushes and forgets every burst; later refusals start new ones. */
  stop(): void {
    this.flush();
    this.open.clear();
    this.other.clear();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes the windows that are due: a burst without refusals in its window ends. */
  sweep(): void {
    const now = this.now();
    for (const map of [this.open, this.other]) {
      for (const [key, b] of map) {
        if (b.closesMs > now) continue;
        if (b.count === 0) {
          map.delete(key);
          continue;
        }
        this.emit(b);
        b.closesMs = now + this.windowMs;
      }
    }
    if (this.open.size === 0 && this.other.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), Math.max(10, this.windowMs / 4));
    this.timer.unref();
  }

  private emit(b: Burst): void {
    const first = b.first;
    if (!first || b.count === 0) return;
    const names =
      first.kind === 'dns'
        ? {
            ...(b.names.length > 0 ? { qnames: b.names.join(' ') } : {}),
            ...(b.namesMore > 0 ? { qnamesMore: b.namesMore } : {}),
          }
        : {};
    const summary: LogRow =
      first.kind === 'dns'
        ? {
            kind: 'dns',
            tsMs: first.tsMs,
            client: b.client,
            qname: '',
            qtype: '',
            mode: first.mode,
            verdict: 'block',
            reason: first.reason,
            count: b.count,
            lastMs: b.lastMs,
            ...names,
          }
        : {
            kind: 'connection',
            tsMs: first.tsMs,
            client: b.client,
            destination: '',
            ip: '',
            port: 0,
            proto: first.proto,
            mode: first.mode,
            verdict: 'block',
            reason: first.reason,
            bytesUp: 0,
            bytesDown: 0,
            endMs: b.lastMs,
            count: b.count,
            lastMs: b.lastMs,
          };
    b.first = undefined;
    b.count = 0;
    b.names = [];
    b.namesMore = 0;
    this.write(summary);
  }
}

function newBurst(client: string, closesMs: number): Burst {
  return { client, closesMs, count: 0, lastMs: 0, names: [], namesMore: 0 };
}

function count(b: Burst, row: Refusal): void {
  b.first ??= row;
  b.count++;
  b.lastMs = Math.max(b.lastMs, row.kind === 'connection' ? (row.endMs ?? row.tsMs) : row.tsMs);
  if (row.kind !== 'dns' || row.qname === '') return;
  const name = escapeName(row.qname);
  if (b.names.includes(name)) return;
  if (b.names.length < MAX_SUMMARY_NAMES) b.names.push(name);
  else b.namesMore++;
}

/** The client address of a refusal: a connection row's client is 'ip:port', an IPv6 ip in brackets. */
function addressOf(row: Refusal): string {
  if (row.kind === 'dns') return row.client;
  const i = row.client.lastIndexOf(':');
  const address = i < 0 ? row.client : row.client.slice(0, i);
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

/**
 * A client's query name, as request-line.ts writes a request line: every character outside
 * printable ASCII, the backslash and the space (names are joined by spaces) as \xNN (UTF-8
 * bytes), at most MAX_SUMMARY_NAME_CHARS characters, a longer one cut and ending in '...'.
 */
export function escapeName(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  return escapedBounded(bytes, bytes.length, MAX_SUMMARY_NAME_CHARS, true);
}
