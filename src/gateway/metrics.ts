/**
 * Counters for /metrics (Prometheus text format 0.0.4), fed from the log rows, so the numbers an
 * operator graphs are the ones the auditor reads.
 */
import type { LogRow } from '../store/types.js';

export interface GaugeSource {
  activeConnections: number;
  logHealthy: boolean;
  logRowsWritten: number;
  logRowsDropped: number;
  logWriteErrors: number;
  policyReloads: { ok: number; failed: number };
  /** Tunnel downloads moved by the kernel (splice): running now, and bytes moved so far. */
  spliced?: { active: number; bytes: number };
}

export class GatewayMetrics {
  private readonly connections = new Map<string, number>();
  private readonly dns = new Map<string, number>();
  private readonly labelText = new Map<string, string>();
  private bytesUp = 0;
  private bytesDown = 0;

  count(row: LogRow): void {
    if (row.kind === 'connection') {
      // Counted per request: the label text is built once per (verdict, reason, cut).
      const key = `${row.verdict}\n${row.reason}\n${row.cut ?? ''}`;
      let l = this.labelText.get(key);
      if (l === undefined) {
        l = labels({ verdict: row.verdict, reason: row.reason, cut: row.cut ?? '' });
        this.labelText.set(key, l);
      }
      bump(this.connections, l);
      this.bytesUp += row.bytesUp;
      this.bytesDown += row.bytesDown;
    } else if (row.kind === 'dns') {
      bump(this.dns, labels({ verdict: row.verdict, reason: row.reason }));
    }
  }

  render(g: GaugeSource): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    family(
      'airlock_gateway_connections_total',
      'counter',
      'Proxy connections ended, by verdict, reason and cut.',
    );
    for (const [l, v] of this.connections) out.push(`airlock_gateway_connections_total{${l}} ${v}`);
    family('airlock_gateway_dns_queries_total', 'counter', 'DNS queries answered, by verdict and reason.');
    for (const [l, v] of this.dns) out.push(`airlock_gateway_dns_queries_total{${l}} ${v}`);
    family('airlock_gateway_bytes_total', 'counter', 'Bytes relayed by ended connections.');
    out.push(`airlock_gateway_bytes_total{direction="up"} ${this.bytesUp}`);
    out.push(`airlock_gateway_bytes_total{direction="down"} ${this.bytesDown}`);
    family(
      'airlock_gateway_connections_active',
      'gauge',
      'Client connections open now, all listeners together.',
    );
    out.push(`airlock_gateway_connections_active ${g.activeConnections}`);
    family(
      'airlock_gateway_log_healthy',
      'gauge',
      '1 when the event log is writable; 0 means new connections are refused.',
    );
    out.push(`airlock_gateway_log_healthy ${g.logHealthy ? 1 : 0}`);
    family('airlock_gateway_log_rows_written_total', 'counter', 'Rows appended to the chained event log.');
    out.push(`airlock_gateway_log_rows_written_total ${g.logRowsWritten}`);
    family(
      'airlock_gateway_log_rows_dropped_total',
      'counter',
      'Rows lost because the log stayed unwritable too long.',
    );
    out.push(`airlock_gateway_log_rows_dropped_total ${g.logRowsDropped}`);
    family(
      'airlock_gateway_log_write_errors_total',
      'counter',
      'Failed writes to the event log or its anchor.',
    );
    out.push(`airlock_gateway_log_write_errors_total ${g.logWriteErrors}`);
    if (g.spliced) {
      family(
        'airlock_gateway_spliced_tunnels',
        'gauge',
        'Tunnel downloads moved by the kernel (splice) now.',
      );
      out.push(`airlock_gateway_spliced_tunnels ${g.spliced.active}`);
      family(
        'airlock_gateway_spliced_bytes_total',
        'counter',
        'Bytes moved client-ward by splice (also in bytes_total once their connections end).',
      );
      out.push(`airlock_gateway_spliced_bytes_total ${g.spliced.bytes}`);
    }
    family('airlock_gateway_policy_reloads_total', 'counter', 'Policy reloads (SIGHUP), by result.');
    out.push(`airlock_gateway_policy_reloads_total{result="ok"} ${g.policyReloads.ok}`);
    out.push(`airlock_gateway_policy_reloads_total{result="failed"} ${g.policyReloads.failed}`);
    return `${out.join('\n')}\n`;
  }
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function labels(l: Record<string, string>): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}="${v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`)
    .join(',');
}
