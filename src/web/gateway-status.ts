/**
 * Is the gateway up? Asked of its admin port (loopback): /healthz says healthy or why not, and a
 * few of /metrics' gauges say how busy it is and whether its log keeps up. The store cannot tell
 * a stopped gateway from a quiet one; the admin port can.
 */
import { request } from 'node:http';
import { formatHostPort, type HostPort } from '../gateway/io/listen-address.js';

/** The gauges and counters the overview shows (src/gateway/metrics.ts names them). */
export const STATUS_METRICS = [
  'airlock_gateway_connections_active',
  'airlock_gateway_log_healthy',
  'airlock_gateway_log_rows_written_total',
  'airlock_gateway_log_rows_dropped_total',
  'airlock_gateway_log_write_errors_total',
] as const;

export type GatewayStatus =
  | { state: 'healthy' | 'unhealthy'; at: string; why?: string; metrics: Record<string, number> }
  /** Nothing answered: not running, or its admin port is elsewhere. */
  | { state: 'down'; at: string; why: string };

const MAX_BODY = 1 << 20;

/**
 * The value of each unlabelled sample (`name value`) in Prometheus text: all the overview reads.
 * Read by hand: only unlabelled `name value` lines are wanted, one regular expression each; a
 * parser of the whole exposition format would be a dependency for five numbers.
 */
export function unlabelledSamples(text: string, names: readonly string[]): Record<string, number> {
  const wanted = new Set(names);
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
    if (m && wanted.has(m[1]!)) {
      const v = Number(m[2]);
      if (Number.isFinite(v)) out[m[1]!] = v;
    }
  }
  return out;
}

function get(at: HostPort, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const q = request({ host: at.host, port: at.port, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (body.length > MAX_BODY) q.destroy(new Error('answer too long'));
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    q.on('timeout', () => q.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    q.on('error', reject);
    q.end();
  });
}

/** Asks the gateway's admin port; never throws. */
export async function probeGateway(at: HostPort, timeoutMs = 1000): Promise<GatewayStatus> {
  const where = formatHostPort(at);
  try {
    const health = await get(at, '/healthz', timeoutMs);
    const metrics = await get(at, '/metrics', timeoutMs).then(
      (r) => (r.status === 200 ? unlabelledSamples(r.body, STATUS_METRICS) : {}),
      () => ({}),
    );
    if (health.status === 200) return { state: 'healthy', at: where, metrics };
    const why = health.body.trim().replace(/^unhealthy: /, '') || `HTTP ${health.status}`;
    return { state: 'unhealthy', at: where, why, metrics };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      state: 'down',
      at: where,
      why: code === 'ECONNREFUSED' ? 'nothing listens there' : String((e as Error).message),
    };
  }
}
