/**
 * The DNS server's decisions, sans-IO: a datagram from a client in, what to do out (answer now,
 * forward a rebuilt query, or drop) and the log row. Sealed forwards nothing; one-way forwards
 * only what EgressGate.openDns allows (allowlist, unlock windows, name length, per-client rate,
 * and for a new name under a '*.' entry the entry's hourly upload budget, which the name is
 * charged against); refused names get NXDOMAIN and a row. A query over the client's rate limit
 * gets REFUSED instead: the name was not judged, and a resolver caches NXDOMAIN as "no such name"
 * (RFC 2308) for the TTL after the burst, where REFUSED is not cached as the name's answer.
 */
import { readDnsMessage } from '../../net/app/dns.js';
import type { EgressGate } from '../../policy/egress/index.js';
import type { NetworkMode } from '../../policy/types.js';
import type { DnsLogRow } from '../../store/types.js';
import { buildQuery, errorAnswer, headerOf, type Question, qtypeName, RCODE } from './messages.js';

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
  const row = (qname: string, qtype: string, verdict: 'allow' | 'block', reason: string): DnsLogRow => ({
    kind: 'dns',
    tsMs: nowMs,
    client,
    qname,
    qtype,
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
  const decision = ctx.gate.openDns(q.name, nowMs, client);
  const question: Question = { name: decision.name, type: q.type, class: q.class };
  const qtype = qtypeName(q.type);
  if (decision.verdict === 'block') {
    // The name as asked may not be writable (bad labels): answer without echoing it then.
    const echo = decision.reason === 'dns-bad-name' ? undefined : question;
    const rcode = decision.reason === 'dns-rate' ? RCODE.REFUSED : RCODE.NXDOMAIN;
    return {
      action: 'answer',
      bytes: safeAnswer(header.id, header.rd, rcode, echo),
      row: row(decision.name, qtype, 'block', decision.reason),
    };
  }
  if (!ctx.hasUpstream) {
    return {
      action: 'answer',
      bytes: safeAnswer(header.id, header.rd, RCODE.SERVFAIL, question),
      row: row(decision.name, qtype, 'allow', 'no-upstream-resolver'),
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
    row: row(decision.name, qtype, 'allow', decision.reason),
  };
}

function safeAnswer(id: number, rd: boolean, rcode: number, q: Question | undefined): Uint8Array {
  try {
    return errorAnswer(id, rd, rcode, q);
  } catch {
    return errorAnswer(id, rd, rcode, undefined);
  }
}
