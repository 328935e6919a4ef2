/**
 * The DNS messages the gateway writes (RFC 1035 §4.1): a clean one-question query to send
 * upstream, error answers (NXDOMAIN, REFUSED, SERVFAIL, FORMERR) and the upstream's answer under
 * the client's ID. A query is rebuilt rather than relayed, so nothing but the name, type and
 * class leaves (EDNS options and extra records are an upload channel too).
 */

import { DNS_TYPE } from '../../net/app/dns.js';
import { writeName } from '../../net/app/dns-name.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/** Class IN, the Internet (RFC 1035 §3.2.4): the only class logged by omission. */
export const CLASS_IN = 1;

const HEADER_BYTES = 12;
const RD = 0x0100;
const RA = 0x0080;
const QR = 0x8000;

export interface Question {
  name: string;
  type: number;
  class: number;
}

function question(q: Question): Uint8Array {
  const name = writeName(q.name);
  const out = new Uint8Array(name.length + 4);
  out.set(name);
  const v = new DataView(out.buffer);
  v.setUint16(name.length, q.type);
  v.setUint16(name.length + 2, q.class);
  return out;
}

function message(id: number, flags: number, q: Question | undefined): Uint8Array {
  const body = q ? question(q) : new Uint8Array(0);
  const out = new Uint8Array(HEADER_BYTES + body.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, id);
  v.setUint16(2, flags);
  v.setUint16(4, q ? 1 : 0);
  out.set(body, HEADER_BYTES);
  return out;
}

/** A recursive query for one question. */
export function buildQuery(id: number, q: Question): Uint8Array {
  return message(id, RD, q);
}

/** An answer carrying only `rcode`, echoing the question when there is one. */
export function errorAnswer(id: number, rd: boolean, rcode: number, q: Question | undefined): Uint8Array {
  return message(id, QR | RA | (rd ? RD : 0) | (rcode & 0xf), q);
}

/** The upstream's answer with the client's ID in place of ours. */
export function withId(answer: Uint8Array, id: number): Uint8Array {
  const out = Uint8Array.from(answer);
  new DataView(out.buffer).setUint16(0, id);
  return out;
}

/** The ID and RD bit of whatever 12 bytes came in (to answer FORMERR to a malformed query). */
export function headerOf(msg: Uint8Array): { id: number; rd: boolean; response: boolean } | undefined {
  if (msg.length < HEADER_BYTES) return undefined;
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const flags = v.getUint16(2);
  return { id: v.getUint16(0), rd: (flags & RD) !== 0, response: (flags & QR) !== 0 };
}

const TYPE_NAMES = new Map<number, string>(Object.entries(DNS_TYPE).map(([k, v]) => [v, k]));
export const qtypeName = (t: number): string => TYPE_NAMES.get(t) ?? `TYPE${t}`;

const CLASS_NAMES = new Map<number, string>([
  [3, 'CH'],
  [4, 'HS'],
  [254, 'NONE'],
  [255, 'ANY'],
]);
/** A class as the log names it: undefined for IN, else its mnemonic or CLASS and its number (RFC 3597 §5). */
export const qclassName = (c: number): string | undefined =>
  c === CLASS_IN ? undefined : (CLASS_NAMES.get(c) ?? `CLASS${c}`);
