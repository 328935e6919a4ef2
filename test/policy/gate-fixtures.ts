/** What the egress gate's unit tests share: a fixed clock, a public address, a policy by its network. */
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { NetworkPolicy, Policy } from '../../src/policy/types.js';

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
/** In the benchmarking range: the gateway tests' "internet". */
export const PUBLIC_IP = '198.18.0.10';

/** The default policy with `network` laid over its network section. */
export function policy(network: Partial<NetworkPolicy>): Policy {
  const p = defaultPolicy();
  p.network = { ...p.network, ...network };
  return p;
}
