/**
 * `airlock audit --connections FILE`: one JSON line per connection the audit judged (each request
 * of a keep-alive HTTP connection its own line, as the gateway logs it), so an auditor can set the
 * capture's answer beside the gateway's log (`airlock log export --json`) connection by connection,
 * or grep it. Pure: a judged flow in, its lines out; the CLI streams them to the file.
 */

import type { JudgedFlow } from '../../audit/flow-state.js';
import type { CapturedConnection } from '../../audit/reconcile.js';
import { isoTimeOfNs } from '../../core/iso-time.js';
import { endpointText as endpoint } from '../../net/ip/address.js';

/** A line: the fields reconcile compares (CapturedConnection), and the gate id and stream bytes. */
export interface ConnectionLine extends CapturedConnection {
  /** The gate's id: the flow's ('F7'), '/n' for the nth request after the first on it. */
  id: string;
  detail?: string;
  /** The client's and the server's stream bytes, each byte once (retransmissions not again). */
  sent: number;
  received: number;
}

const PROTOS: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' };

/** The flow's lines, its first connection first. */
export function connectionLines(f: JudgedFlow): ConnectionLine[] {
  const proto = PROTOS[f.record.proto] ?? String(f.record.proto);
  return f.connections.map((c) => ({
    ts: isoTimeOfNs(c.ts),
    id: c.id,
    client: endpoint(f.client.h, f.client.p),
    server: endpoint(f.server.h, f.server.p),
    proto,
    scope: c.scope,
    name: c.name ?? null,
    nameSource: c.nameSource,
    port: c.port,
    outcome: c.outcome.kind,
    reason: c.outcome.reason,
    ...(c.outcome.kind === 'allowed' || c.outcome.detail === '' ? {} : { detail: c.outcome.detail }),
    up: c.up,
    sent: c.orig.streamBytes,
    received: c.resp.streamBytes,
    ...(c.proxy ? { proxy: { via: endpoint(c.proxy.h, c.proxy.p), form: c.proxy.form } } : {}),
  }));
}
