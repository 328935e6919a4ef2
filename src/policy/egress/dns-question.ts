/**
 * What a query may ask besides its name, in one-way mode. The name is judged (allowlist, budgets);
 * the type and class would otherwise leave uncharged, 32 bits a query that no budget sees. Only
 * class IN is forwarded (CH, HS and the rest are server introspection and Hesiod, nothing a
 * tablet's apps look up), and only the types a device resolves a host with:
 *   A, AAAA   getaddrinfo, Happy Eyeballs (RFC 8305);
 *   CNAME     asked directly by some stub resolvers; an answer's chain is no upload;
 *   HTTPS, SVCB  asked beside A/AAAA by Safari, Chrome and Android (RFC 9460), for ALPN and ECH.
 * MX, TXT, SRV, PTR, NS, SOA, ANY and the rest are refused: mail, service discovery and reverse
 * lookups are not how a field tablet reaches an allowlisted download, TXT is the usual tunnel
 * type, and ANY asks for everything. Five types leave log2(5) bits a query, logged with the query.
 */
import { DNS_TYPE } from '../../net/app/dns.js';

export const DNS_CLASS_IN = 1;

export const ONE_WAY_QTYPES: ReadonlySet<number> = new Set([
  DNS_TYPE.A,
  DNS_TYPE.AAAA,
  DNS_TYPE.CNAME,
  DNS_TYPE.HTTPS,
  DNS_TYPE.SVCB,
]);

export interface DnsQuestionShape {
  type: number;
  class: number;
}

/** Why a one-way query's type or class is refused; undefined when both may leave. */
export function refusedQuestion(q: DnsQuestionShape): 'dns-class-refused' | 'dns-type-refused' | undefined {
  if (q.class !== DNS_CLASS_IN) return 'dns-class-refused';
  if (!ONE_WAY_QTYPES.has(q.type)) return 'dns-type-refused';
  return undefined;
}
