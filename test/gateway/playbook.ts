/**
 * A playbook for the proxy core (mitmproxy's shape): feed events at fixed times, read the
 * commands out. No sockets, no real clock.
 */
import { ProxyConnection } from '../../src/gateway/core/connection.js';
import type { ProxyCommand, ProxyEvent } from '../../src/gateway/core/types.js';
import { EgressGate, type UnlockWindow } from '../../src/policy/egress/index.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { NetworkPolicy, Policy } from '../../src/policy/types.js';
import type { ConnectionLogRow } from '../../src/store/types.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export function policyWith(net: Partial<NetworkPolicy>, maxHeaderBytes = 4096): Policy {
  const p = defaultPolicy();
  p.network = { ...p.network, ...net };
  p.gateway.maxHeaderBytes = maxHeaderBytes;
  return p;
}

export class Playbook {
  readonly gate: EgressGate;
  readonly conn: ProxyConnection;
  readonly out: ProxyCommand[] = [];
  now = T0;

  constructor(policy: Policy, windows: UnlockWindow[] = [], id = 'c1') {
    this.gate = new EgressGate(policy, { windows });
    this.conn = new ProxyConnection(id, '10.0.0.2:50000', T0, {
      gate: this.gate,
      mode: () => policy.network.mode,
      maxHeaderBytes: policy.gateway.maxHeaderBytes,
    });
  }

  /** Feeds one event at `now` (+ `advanceMs`); returns only its commands. */
  feed(e: ProxyEvent, advanceMs = 0): ProxyCommand[] {
    this.now += advanceMs;
    const cmds = this.conn.handle(e, this.now);
    this.out.push(...cmds);
    return cmds;
  }

  client(text: string | Uint8Array, advanceMs = 0): ProxyCommand[] {
    return this.feed(
      { type: 'client-data', data: typeof text === 'string' ? Buffer.from(text, 'latin1') : text },
      advanceMs,
    );
  }

  /** Every log row emitted so far. */
  rows(): ConnectionLogRow[] {
    return this.out.flatMap((c) => (c.type === 'log' ? [c.row] : []));
  }
}

export const kinds = (cmds: ProxyCommand[]): string[] => cmds.map((c) => c.type);

export function textOf(cmds: ProxyCommand[], type: 'send-to-client' | 'send-to-upstream'): string {
  return cmds.flatMap((c) => (c.type === type ? [Buffer.from(c.data).toString('latin1')] : [])).join('');
}

export function bytesOf(cmds: ProxyCommand[], type: 'send-to-client' | 'send-to-upstream'): number {
  return cmds.reduce((n, c) => n + (c.type === type ? c.data.length : 0), 0);
}
