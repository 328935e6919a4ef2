/**
 * /metrics (Prometheus text format) through prom-client: counters fed from the log rows, so the
 * numbers an operator graphs are the ones the auditor reads (counted as plain numbers per row and
 * handed to prom-client at scrape time); gauges read at scrape time; and
 * Node's process metrics (event-loop lag, GC, heap, CPU), the gateway's own latency health.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { LogRow } from '../store/types.js';

export interface GaugeSource {
  activeConnections: number;
  /** DNS-over-TCP client connections open now. */
  dnsTcpConnections?: number;
  logHealthy: boolean;
  logRowsWritten: number;
  logRowsDropped: number;
  logWriteErrors: number;
  policyReloads: { ok: number; failed: number };
  /** Unlock windows not over yet that the gateway ignores, by why (gateway/unlock-windows.ts). */
  unlockWindowsIgnored?: {
    'bad-mac': number;
    'no-mac': number;
    unverified: number;
    'chain-mismatch': number;
  };
  /** Tunnel downloads moved by the kernel (splice): running now, and bytes moved so far. */
  spliced?: { active: number; bytes: number };
}

export class GatewayMetrics {
  readonly registry = new Registry();
  /** By 'verdict\nreason\ncut' (connections) and 'verdict\nreason' (DNS). */
  private readonly connectionCounts = new Map<string, number>();
  private readonly dnsCounts = new Map<string, number>();
  private bytesUp = 0;
  private bytesDown = 0;

  /** `gauges`: read at each scrape. */
  constructor(gauges: () => GaugeSource) {
    const registers = [this.registry];
    const connections = this.connectionCounts;
    const dns = this.dnsCounts;
    const bytes = () => ({ up: this.bytesUp, down: this.bytesDown });
    // Rows counted under 'label\nlabel…' keys, turned into labelled counters at scrape time.
    const keyed = (name: string, help: string, labelNames: string[], counts: Map<string, number>) =>
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [key, n] of counts) {
            const values = key.split('\n');
            this.inc(Object.fromEntries(labelNames.map((l, i) => [l, values[i] ?? ''])), n);
          }
        },
      });
    keyed(
      'airlock_gateway_connections_total',
      'Proxy connections ended, by verdict, reason and cut.',
      ['verdict', 'reason', 'cut'],
      connections,
    );
    keyed(
      'airlock_gateway_dns_queries_total',
      'DNS queries answered, by verdict and reason.',
      ['verdict', 'reason'],
      dns,
    );
    new Counter({
      name: 'airlock_gateway_bytes_total',
      help: 'Bytes relayed by ended connections.',
      labelNames: ['direction'],
      registers,
      collect() {
        const b = bytes();
        this.reset();
        this.inc({ direction: 'up' }, b.up);
        this.inc({ direction: 'down' }, b.down);
      },
    });
    const gauge = (name: string, help: string, read: (g: GaugeSource) => number | undefined) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const v = read(gauges());
          if (v !== undefined) this.set(v);
        },
      });
    // Totals the log writer and the relays keep themselves: a counter mirrors each at scrape time.
    const total = (name: string, help: string, read: (g: GaugeSource) => number | undefined) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          const v = read(gauges());
          if (v === undefined) return;
          this.reset();
          this.inc(v);
        },
      });
    gauge(
      'airlock_gateway_connections_active',
      'Client connections open now, all listeners together.',
      (g) => g.activeConnections,
    );
    gauge(
      'airlock_gateway_dns_tcp_connections',
      'DNS-over-TCP client connections open now.',
      (g) => g.dnsTcpConnections,
    );
    gauge(
      'airlock_gateway_log_healthy',
      '1 when the event log is writable; 0 means new connections are refused.',
      (g) => (g.logHealthy ? 1 : 0),
    );
    total(
      'airlock_gateway_log_rows_written_total',
      'Rows appended to the chained event log.',
      (g) => g.logRowsWritten,
    );
    total(
      'airlock_gateway_log_rows_dropped_total',
      'Rows lost because the log stayed unwritable too long.',
      (g) => g.logRowsDropped,
    );
    total(
      'airlock_gateway_log_write_errors_total',
      'Failed writes to the event log or its anchor.',
      (g) => g.logWriteErrors,
    );
    gauge(
      'airlock_gateway_spliced_tunnels',
      'Tunnel downloads moved by the kernel (splice) now.',
      (g) => g.spliced?.active,
    );
    total(
      'airlock_gateway_spliced_bytes_total',
      'Bytes moved client-ward by splice (also in bytes_total once their connections end).',
      (g) => g.spliced?.bytes,
    );
    new Counter({
      name: 'airlock_gateway_policy_reloads_total',
      help: 'Policy reloads (SIGHUP), by result.',
      labelNames: ['result'],
      registers,
      collect() {
        const r = gauges().policyReloads;
        this.reset();
        this.inc({ result: 'ok' }, r.ok);
        this.inc({ result: 'failed' }, r.failed);
      },
    });
    new Gauge({
      name: 'airlock_gateway_unlock_windows_ignored',
      help: 'Unlock windows in the store, not over yet, that the gateway does not apply because the HMAC key does not authenticate them (bad-mac: forged or edited; no-mac: written before windows had MACs, or inserted directly; unverified: no key), or that is not what its latest chained unlock row says (chain-mismatch: an earlier state put back).',
      labelNames: ['problem'],
      registers,
      collect() {
        const w = gauges().unlockWindowsIgnored;
        if (!w) return;
        for (const [problem, n] of Object.entries(w)) this.set({ problem }, n);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  count(row: LogRow): void {
    if (row.kind === 'connection') {
      // A long connection's row while open: its final row counts it, with all its bytes.
      if (row.open) return;
      // Plain numbers per row (thousands a second); prom-client reads them at scrape time.
      const key = `${row.verdict}\n${row.reason}\n${row.cut ?? ''}`;
      this.connectionCounts.set(key, (this.connectionCounts.get(key) ?? 0) + 1);
      this.bytesUp += row.bytesUp;
      this.bytesDown += row.bytesDown;
    } else if (row.kind === 'dns') {
      const key = `${row.verdict}\n${row.reason}`;
      this.dnsCounts.set(key, (this.dnsCounts.get(key) ?? 0) + 1);
    }
  }

  /** The text a scrape gets. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
