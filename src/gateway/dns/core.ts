/**
 * The DNS server's decisions, sans-IO: a datagram from a client in, what to do out (answer now,
 * forward a rebuilt query, or drop) and the log row. Sealed forwards nothing; one-way forwards
 * only what EgressGate.openDns allows (allowlist, unlock windows, name length, per-client rate,
 * and for a new name under a '*.' entry the entry's hourly upload budget, which the name is
 * charged against); refused names get NXDOMAIN and a row. A query over the client's rate limit
 * gets REFUSED instead: the name was not judged, and a resolver caches NXDOMAIN as "no such name"
 * (RFC 2308) for the TTL after the burst, where REFUSED is not cached as the name's answer.
 * One-way forwards only class IN and the types in policy/egress/dns-question.ts (a query's type
 * and class leave with its name, uncharged): others get REFUSED, as the rate does, since the name
 * was not judged. Every row names the type, and the class when it is not IN (monitor too).
 *
 * Over TCP a connection is kept open by the queries it gets served, not by refused ones
 * (keepsConnection): a client whose every query is refused cannot hold a slot by asking again.
 */
import { readDnsMessage } from '../../net/app/dns.js';
import type { EgressGate } from '../../policy/egress/index.js';
import type { NetworkMode } from '../../policy/types.js';
import type { DnsLogRow } from '../../store/types.js';
import {
  buildQuery,
  errorAnswer,
  headerOf,
  type Question,
  qclassName,
  qtypeName,
  RCODE,
} from './messages.js';

export type DnsAction =
  | { action: 'answer'; bytes: Uint8Array; row?: DnsLogRow }
  | {
      action: 'forward';
      query: Uint8Array;
      upstreamId: number;
      clientId: number;
      rd: boolean;
      question: Question;
      row: DnsLogRow;
    }
  | { action: 'drop' };

export interface DnsContext {
  gate: EgressGate;
  mode: () => NetworkMode;
  /** Whether an upstream resolver is configured; without one, allowed names get SERVFAIL. */
  hasUpstream: boolean;
  /** Fresh 16-bit IDs for upstream queries (random in the shell; fixed in tests). */
  nextId: () => number;
}

export function judgeDnsQuery(msg: Uint8Array, client: string, ctx: DnsContext, nowMs: number): DnsAction {
  const header = headerOf(msg);
  // A response is never answered, however damaged the rest (a malformed one would get FORMERR
  // otherwise): two servers answering each other's errors would loop, and a spoofed source
  // would make this one a reflector.
  if (!header || header.response) return { action: 'drop' };
  const d = readDnsMessage(msg);
  const row = (
    qname: string,
    qtype: string,
    verdict: 'allow' | 'block',
    reason: string,
    qclass?: string,
  ): DnsLogRow => ({
    kind: 'dns',
    tsMs: nowMs,
    client,
    qname,
    qtype,
    ...(qclass === undefined ? {} : { qclass }),
    mode: ctx.mode(),
    verdict,
    reason,
  });
  if (d.kind !== 'value' || d.value.opcode !== 0 || d.value.questions.length !== 1) {
    // Bad queries get FORMERR (responses were dropped above: no reflection).
    return {
      action: 'answer',
      bytes: errorAnswer(header.id, header.rd, RCODE.FORMERR, undefined),
      row: row('', '', 'block', 'dns-malformed'),
    };
  }
  const q = d.value.questions[0]!;
  const decision = ctx.gate.openDns(q.name, nowMs, client, { type: q.type, class: q.class });
  const question: Question = { name: decision.name, type: q.type, class: q.class };
  const qtype = qtypeName(q.type);
  const qclass = qclassName(q.class);
  if (decision.verdict === 'block') {
    // The name as asked may not be writable (bad labels): answer without echoing it then.
    const echo = decision.reason === 'dns-bad-name' ? undefined : question;
    return {
      action: 'answer',
      bytes: safeAnswer(
        header.id,
        header.rd,
        REFUSED_NOT_NXDOMAIN.has(decision.reason) ? RCODE.REFUSED : RCODE.NXDOMAIN,
        echo,
      ),
      row: row(decision.name, qtype, 'block', decision.reason, qclass),
    };
  }
  if (!ctx.hasUpstream) {
    return {
      action: 'answer',
      bytes: safeAnswer(header.id, header.rd, RCODE.SERVFAIL, question),
      row: row(decision.name, qtype, 'allow', 'no-upstream-resolver', qclass),
    };
  }
  const upstreamId = ctx.nextId() & 0xffff;
  return {
    action: 'forward',
    query: buildQuery(upstreamId, question),
    upstreamId,
    clientId: header.id,
    rd: header.rd,
    question,
    row: row(decision.name, qtype, 'allow', decision.reason, qclass),
  };
}

/** Refusals that say nothing about the name (it was not judged): REFUSED, never cached as its answer. */
const REFUSED_NOT_NXDOMAIN: ReadonlySet<string> = new Set([
  'dns-rate',
  'dns-class-refused',
  'dns-type-refused',
]);

/**
 * Whether a query's outcome keeps its TCP connection open (restarts the idle timer): a query
 * answered or forwarded as allowed does; a refused or malformed one does not, so a connection
 * whose client gets nothing but refusals closes one idle period after it opened or was last served.
 */
export function keepsConnection(a: DnsAction): boolean {
  if (a.action === 'forward') return true;
  return a.action === 'answer' && a.row?.verdict === 'allow';
}

function safeAnswer(id: number, rd: boolean, rcode: number, q: Question | undefined): Uint8Array {
  try {
    return errorAnswer(id, rd, rcode, q);
  } catch {
    return errorAnswer(id, rd, rcode, undefined);
  }
}
