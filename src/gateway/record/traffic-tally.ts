/**
 * The gateway's log rows of a time window summed up the way a programme manager asks: what went
 * where, how much went up, what was refused and why, hour by hour. Pure: rows in, one summary out
 * (the dashboard's overview and /api/summary.json, and `airlock log fleet` per box).
 *
 * Counting rules, so the figures agree with `airlock log export`:
 * - a connection row with `open` is a long tunnel's interim row; its final row (without `open`)
 *   carries the whole connection's bytes, so interim rows count for nothing (a tunnel still open
 *   at the window's end shows up only once it closes);
 * - a summary row (refusal-summary.ts) stands for `count` refusals, its first counted in its own
 *   row before it;
 * - a row with `cut` is a connection the gateway allowed and then ended (a budget reached, an
 *   idle timeout, the upstream failing): counted as allowed and as cut, its bytes as they were
 *   then, its cut reason in `cuts` (a budget cut is an attempted upload).
 *
 * Memory is bounded whatever the log holds: at most MAX_KEYS destinations, clients and refused
 * names each; beyond, the rest are summed into one OTHER entry.
 */
import type { LogRow } from '../../store/types.js';

export const MAX_KEYS = 2000;
export const OTHER = '(others)';
const HOUR_MS = 3_600_000;

export interface DestinationTally {
  destination: string;
  /** Connections allowed (cut ones included), refused, and allowed then ended by the gateway. */
  allowed: number;
  refused: number;
  cut: number;
  bytesUp: number;
  bytesDown: number;
  /** DNS queries for the name, answered and refused. */
  dnsAllowed: number;
  dnsRefused: number;
  lastMs: number;
}

export interface ClientTally {
  client: string;
  connections: number;
  refused: number;
  bytesUp: number;
}

export interface HourTally {
  /** The hour's start, ms since the epoch (UTC hours). */
  hourMs: number;
  allowed: number;
  refused: number;
  bytesUp: number;
  bytesDown: number;
}

export interface TrafficSummary {
  sinceMs: number;
  untilMs: number;
  /** Rows read (every kind). */
  rows: number;
  connections: { allowed: number; refused: number; cut: number; bytesUp: number; bytesDown: number };
  dns: { allowed: number; refused: number };
  unlocks: number;
  /** Refusals (connections and DNS) per reason. */
  reasons: Array<{ reason: string; count: number }>;
  /** Allowed connections the gateway ended, per why. */
  cuts: Array<{ reason: string; count: number }>;
  /** Biggest uploaders first. */
  destinations: DestinationTally[];
  clients: ClientTally[];
  hours: HourTally[];
  /** True when more distinct destinations, clients or names came than MAX_KEYS: the rest are in OTHER. */
  capped: boolean;
  /** Rows whose body does not parse (counted in `rows`, nowhere else), and the first of them. */
  damaged: number;
  firstDamagedSeq?: number;
}

/**
 * A connection row's client without its port: the proxy writes `address:port` (an IPv6 address
 * unbracketed, `fd00::2:51234`), and a tablet is one client whichever port it came from.
 */
export function clientAddress(client: string): string {
  const m = /^\[?(.+?)\]?:\d{1,5}$/.exec(client);
  return m ? m[1]! : client;
}

const counted = (m: Map<string, number>): Array<{ reason: string; count: number }> =>
  [...m]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));

/** A map of at most MAX_KEYS keys: later keys share the OTHER entry. */
class Bounded<T> {
  readonly map = new Map<string, T>();
  capped = false;
  constructor(private readonly make: (key: string) => T) {}
  get(key: string): T {
    let v = this.map.get(key);
    if (v) return v;
    if (this.map.size >= MAX_KEYS && key !== OTHER) {
      this.capped = true;
      return this.get(OTHER);
    }
    v = this.make(key);
    this.map.set(key, v);
    return v;
  }
}

export class TrafficTally {
  private rows = 0;
  private damagedRows = 0;
  private firstDamagedSeq: number | undefined;
  private readonly conn = { allowed: 0, refused: 0, cut: 0, bytesUp: 0, bytesDown: 0 };
  private readonly dns = { allowed: 0, refused: 0 };
  private unlocks = 0;
  private readonly reasons = new Map<string, number>();
  private readonly cuts = new Map<string, number>();
  private readonly destinations = new Bounded<DestinationTally>((destination) => ({
    destination,
    allowed: 0,
    refused: 0,
    cut: 0,
    bytesUp: 0,
    bytesDown: 0,
    dnsAllowed: 0,
    dnsRefused: 0,
    lastMs: 0,
  }));
  private readonly clients = new Bounded<ClientTally>((client) => ({
    client,
    connections: 0,
    refused: 0,
    bytesUp: 0,
  }));
  private readonly hours = new Map<number, HourTally>();

  constructor(
    private readonly sinceMs: number,
    private readonly untilMs: number,
  ) {}

  add(row: LogRow): void {
    this.rows++;
    if (row.kind === 'unlock') {
      this.unlocks++;
      return;
    }
    const n = row.count ?? 1;
    const refused = row.verdict === 'block';
    if (refused) this.reasons.set(row.reason, (this.reasons.get(row.reason) ?? 0) + n);
    if (row.kind === 'dns') {
      const d = this.destinations.get(row.qname);
      if (refused) {
        this.dns.refused += n;
        d.dnsRefused += n;
      } else {
        this.dns.allowed += n;
        d.dnsAllowed += n;
      }
      d.lastMs = Math.max(d.lastMs, row.lastMs ?? row.tsMs);
      return;
    }
    if (row.open) return;
    const d = this.destinations.get(row.destination);
    const c = this.clients.get(clientAddress(row.client));
    const h = this.hour(row.tsMs);
    if (refused) {
      this.conn.refused += n;
      d.refused += n;
      c.refused += n;
      h.refused += n;
    } else {
      this.conn.allowed += n;
      d.allowed += n;
      h.allowed += n;
    }
    if (row.cut !== undefined) {
      this.conn.cut += n;
      d.cut += n;
      this.cuts.set(row.cut, (this.cuts.get(row.cut) ?? 0) + n);
    }
    c.connections += n;
    this.conn.bytesUp += row.bytesUp;
    this.conn.bytesDown += row.bytesDown;
    d.bytesUp += row.bytesUp;
    d.bytesDown += row.bytesDown;
    c.bytesUp += row.bytesUp;
    h.bytesUp += row.bytesUp;
    h.bytesDown += row.bytesDown;
    d.lastMs = Math.max(d.lastMs, row.endMs ?? row.lastMs ?? row.tsMs);
  }

  /** A row that could not be read: counted, so the page can say the figures leave it out. */
  damaged(seq: number): void {
    this.rows++;
    this.damagedRows++;
    this.firstDamagedSeq ??= seq;
  }

  summary(): TrafficSummary {
    const byUpload = (a: { bytesUp: number }, b: { bytesUp: number }) => b.bytesUp - a.bytesUp;
    return {
      sinceMs: this.sinceMs,
      untilMs: this.untilMs,
      rows: this.rows,
      connections: { ...this.conn },
      dns: { ...this.dns },
      unlocks: this.unlocks,
      reasons: counted(this.reasons),
      cuts: counted(this.cuts),
      destinations: [...this.destinations.map.values()].sort(
        (a, b) =>
          byUpload(a, b) ||
          b.refused + b.dnsRefused - (a.refused + a.dnsRefused) ||
          a.destination.localeCompare(b.destination),
      ),
      clients: [...this.clients.map.values()].sort(
        (a, b) => byUpload(a, b) || a.client.localeCompare(b.client),
      ),
      hours: [...this.hours.values()].sort((a, b) => a.hourMs - b.hourMs),
      capped: this.destinations.capped || this.clients.capped,
      damaged: this.damagedRows,
      ...(this.firstDamagedSeq === undefined ? {} : { firstDamagedSeq: this.firstDamagedSeq }),
    };
  }

  /** The hour a row falls in; a window of many days keeps one entry per hour that had traffic. */
  private hour(tsMs: number): HourTally {
    const hourMs = Math.floor(tsMs / HOUR_MS) * HOUR_MS;
    let h = this.hours.get(hourMs);
    if (!h) {
      h = { hourMs, allowed: 0, refused: 0, bytesUp: 0, bytesDown: 0 };
      this.hours.set(hourMs, h);
    }
    return h;
  }
}
