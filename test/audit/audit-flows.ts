/**
 * An audit of one capture with the flows it judged, by the tablet's port: what the scapy-built
 * captures' tests (tls-names, front-refusals) read. The policy allows files.test only.
 */
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { auditCaptures } from '../../src/audit/run.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { Policy } from '../../src/policy/types.js';
import type { AuditReport } from '../../src/report/audit/model.js';

export async function auditFlows(
  pcap: string,
  mode: 'one-way' | 'monitor' | 'sealed',
  edit: (p: Policy) => void = () => {},
): Promise<{ r: AuditReport; flows: Map<number, JudgedFlow> }> {
  const p = defaultPolicy();
  p.network.mode = mode;
  p.network.allow = [{ host: 'files.test' }];
  edit(p);
  const flows = new Map<number, JudgedFlow>();
  const r = await auditCaptures([pcap], { policy: p, onFlow: (f) => flows.set(f.client.p, f) });
  return { r, flows };
}
