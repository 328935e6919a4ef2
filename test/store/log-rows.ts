/** A DNS log row numbered `i` at `t0 + i`: the store tests' batches are made of these. */
import type { DnsLogRow } from '../../src/store/types.js';

export const dnsRow = (i: number, t0: number): DnsLogRow => ({
  kind: 'dns',
  tsMs: t0 + i,
  client: '10.0.0.2',
  qname: `q${i}.example`,
  qtype: 'A',
  mode: 'one-way',
  verdict: 'block',
  reason: 'not-allowlisted',
});
