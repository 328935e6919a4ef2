/**
 * An accumulated destination → its report row: catalog label, budget, verdict and the policy's
 * outcome over its connections.
 */
import { lookup } from '../catalog/lookup.js';
import { isoTimeOfNs } from '../core/iso-time.js';
import { mostSpecific, normalizeName } from '../policy/egress/names.js';
import type { Policy } from '../policy/types.js';
import type { DestinationReport } from '../report/audit/model.js';
import type { DestinationAcc } from './destination.js';
import { verdictOf } from './thresholds.js';

const iso = (ns: bigint | undefined): string => isoTimeOfNs(ns ?? 0n);

export function budgetFor(
  policy: Policy,
  name: string | undefined,
): { perConnection: number; perHour: number } {
  const n = name === undefined ? undefined : normalizeName(name);
  const e = n === undefined ? undefined : mostSpecific(policy.network.allow, (x) => x.host, n);
  const b = policy.network.budgets;
  return {
    perConnection: e?.budget?.upstreamBytesPerConnection ?? b.upstreamBytesPerConnection,
    perHour: e?.budget?.upstreamBytesPerHour ?? b.upstreamBytesPerHour,
  };
}

function outcomeOf(d: DestinationAcc): DestinationReport['outcome'] {
  const { allowed, blocked, cut, unheard } = d.outcomes;
  // Unheard connections asked nothing of the policy: they set the kind only when nothing else came.
  const kinds = [allowed, blocked, cut].filter((n) => n > 0).length;
  const kind =
    kinds > 1 ? 'mixed' : blocked ? 'blocked' : cut ? 'cut' : !allowed && unheard ? 'unheard' : 'allowed';
  const reasons = new Set<DestinationReport['outcome']['reasons'][number]>(d.allowReasons);
  if (d.firstBlocked) reasons.add(d.firstBlocked.reason);
  if (d.firstCut) reasons.add(d.firstCut.reason);
  if (d.firstUnheard) reasons.add(d.firstUnheard.reason);
  const parts: string[] = [];
  if (blocked) parts.push(`${blocked} blocked at connect (${d.firstBlocked!.detail})`);
  if (cut) parts.push(`${cut} cut, the first after ${d.firstCut!.afterBytes} bytes (${d.firstCut!.detail})`);
  if (allowed) parts.push(`${allowed} allowed (${[...d.allowReasons].join(', ')})`);
  if (unheard) parts.push(`${unheard} unheard, no head came (${d.firstUnheard!.detail})`);
  if (d.ambiguous)
    parts.push(
      `${d.ambiguous} ambiguous, read as Linux reads it but counted toward exit 1 (${d.firstAmbiguous})`,
    );
  return {
    kind,
    allowed,
    blocked,
    cut,
    unheard,
    ...(d.firstCut ? { cutAfterBytes: d.firstCut.afterBytes } : {}),
    reasons: [...reasons],
    detail: parts.join('; '),
  };
}

export function describeDestination(d: DestinationAcc, policy: Policy): DestinationReport {
  const k = d.key;
  const budget = budgetFor(policy, k.name);
  const v = verdictOf({
    origBytes: d.orig.bytes,
    respBytes: d.resp.bytes,
    maxConnectionUp: d.maxConnectionUp,
    maxHourUp: d.up.maxHour,
    budget,
  });
  const entry = k.name === undefined ? undefined : lookup(k.name);
  const sources = [...d.nameSources];
  const named = sources.filter((s) => s !== 'none');
  return {
    scope: k.scope,
    name: k.name ?? null,
    nameSources: k.name === undefined ? ['none'] : named,
    echInnerHidden: d.ech,
    alpn: [...d.alpn],
    ips: [...d.ips].sort(),
    port: k.port,
    protocol: k.protocol,
    connections: d.connections,
    orig: { ...d.orig },
    resp: { ...d.resp },
    firstSeen: iso(d.firstNs),
    lastSeen: iso(d.lastNs),
    catalog: entry ? structuredClone(entry) : null,
    verdict: v.verdict,
    verdictReason: v.why,
    maxConnectionUp: d.maxConnectionUp,
    maxHourUp: d.up.maxHour,
    budget,
    outcome: outcomeOf(d),
    ...(d.dnsQueries > 0 ? { dns: { queries: d.dnsQueries, blocked: d.dnsBlocked } } : {}),
    ...(d.proxied > 0 ? { viaProxy: { connections: d.proxied, proxies: [...d.proxies].sort() } } : {}),
    timeline: {
      binMs: d.up.binMs,
      bins: [...d.up.bins].sort(([a], [b]) => a - b).map(([i, bytes]) => [i * d.up.binMs, bytes]),
    },
  };
}
