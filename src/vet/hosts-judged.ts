/**
 * The hosts an app names, merged across its DEX files, labelled from the catalog (vendor
 * endpoints and the SDKs' documented hosts) and judged by the policy's egress gate: the same
 * question the gateway answers live, asked for a connection to each name (its URL's port, else
 * 443). A name the app carries is not a connection it makes; a blocked one is what the app would
 * find cut off behind the gateway.
 */
import { lookup } from '../catalog/lookup.js';
import type { SdkSignature } from '../catalog/sdks.js';
import { SDKS } from '../catalog/sdks.js';
import { matchesPattern, normalizeName } from '../policy/egress/index.js';
import { EgressGate, type Policy } from '../policy/index.js';
import type { VetHost } from './model.js';

/** One host as one DEX file names it. */
export interface HostSighting {
  host: string;
  ports: readonly number[];
  cleartext: boolean;
  count: number;
  example: string;
  where: string;
}

/** Distinct hosts kept per report: a DEX full of generated names must not flood it. */
export const MAX_HOSTS = 5000;

export function judgeHosts(
  sightings: Iterable<HostSighting>,
  policy: Policy,
  nowMs: number,
  sdks: readonly SdkSignature[] = SDKS,
): VetHost[] {
  const merged = new Map<string, Omit<VetHost, 'policy'>>();
  for (const s of sightings) {
    const name = normalizeName(s.host) ?? s.host.toLowerCase();
    let h = merged.get(name);
    if (!h) {
      if (merged.size >= MAX_HOSTS) continue;
      h = { host: name, ports: [], cleartext: false, count: 0, example: s.example, where: [] };
      merged.set(name, h);
    }
    for (const p of s.ports) if (!h.ports.includes(p)) h.ports.push(p);
    h.cleartext ||= s.cleartext;
    h.count += s.count;
    if (!h.where.includes(s.where)) h.where.push(s.where);
  }
  const gate = new EgressGate(policy);
  const judged = [...merged.values()].map((h): VetHost => {
    h.ports.sort((a, b) => a - b);
    // The strictest of its ports: a name allowed on 443 but named with :8080 is still cut there.
    const decisions = (h.ports.length > 0 ? h.ports : [443]).map((p) => gate.admitsName(h.host, nowMs, p));
    const d = decisions.find((x) => x.verdict === 'block') ?? decisions[0]!;
    const entry = lookup(h.host);
    const sdk = sdks.find((s) => s.hosts?.some((p) => matchesPattern(p, h.host)));
    return {
      ...h,
      ...(entry
        ? { catalog: { vendor: entry.vendor, label: entry.label, purposes: [...entry.purposes] } }
        : {}),
      ...(sdk ? { sdk: sdk.name } : {}),
      policy: { verdict: d.verdict, reason: d.reason, detail: d.detail },
    };
  });
  return judged.sort((a, b) => a.host.localeCompare(b.host));
}
