/**
 * DNS messages (RFC 1035 §4) over UDP, TCP (RFC 1035 §4.2.2: a 2-byte length before each message)
 * and mDNS (RFC 6762: port 5353, the top bit of a class is QU / cache-flush). What an auditor
 * needs: the question, the rcode, and which names resolved to which addresses through which CNAMEs.
 */
import { AirlockError, malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { type Decoded, decodeWith } from '../decode/outcome.js';
import { ipv4Text, ipv6Text } from '../ip/address.js';
import { Cursor } from './cursor.js';
import { readName } from './dns-name.js';
import { APP_LIMITS } from './limits.js';

export const DNS_PORT = 53;
export const MDNS_PORT = 5353;
export const isMdnsPort = (srcPort: number, dstPort: number): boolean =>
  srcPort === MDNS_PORT || dstPort === MDNS_PORT;

export const DNS_TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  SVCB: 64,
  HTTPS: 65,
} as const;

/** SvcParamKeys of RFC 9460 §14.3.2 that name where a client will connect. */
const SVC_ALPN = 1;
const SVC_IPV4HINT = 4;
const SVC_ECH = 5;
const SVC_IPV6HINT = 6;

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  /** mDNS: the QU bit (unicast response requested). */
  readonly unicastResponse?: boolean;
}

export type DnsRdata =
  | { readonly kind: 'address'; readonly address: string }
  /** CNAME, PTR, NS, MX exchange. */
  | { readonly kind: 'name'; readonly name: string }
  | {
      readonly kind: 'svcb';
      readonly priority: number;
      readonly target: string;
      readonly alpn: readonly string[];
      readonly ipv4hint: readonly string[];
      readonly ipv6hint: readonly string[];
      /** An ECHConfigList is published: clients may hide their real SNI. */
      readonly ech: boolean;
    }
  | { readonly kind: 'other'; readonly length: number };

export interface DnsRecord {
  readonly section: 'answer' | 'authority' | 'additional';
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** mDNS: the cache-flush bit. */
  readonly cacheFlush?: boolean;
  readonly data: DnsRdata;
  /** Absolute offset and length of the rdata. */
  readonly rdataOffset: number;
  readonly rdataLength: number;
}

export interface DnsMessage {
  readonly id: number;
  readonly response: boolean;
  readonly opcode: number;
  readonly rcode: number;
  readonly authoritative: boolean;
  readonly truncatedFlag: boolean;
  readonly questions: readonly DnsQuestion[];
  readonly records: readonly DnsRecord[];
  /** Bytes the message occupies (including a TCP length prefix when framed). */
  readonly length: number;
}

export interface DnsOptions {
  /** Read classes the mDNS way (top bit = QU / cache-flush). */
  readonly mdns?: boolean;
  /** Absolute offset of msg[0], for error offsets. */
  readonly base?: number;
}

function readSvcb(msg: Uint8Array, rd: Cursor): DnsRdata {
  const priority = rd.u16('SVCB priority');
  // readName works on the whole message; rd.base is the rdata's offset inside it.
  const t = readName(msg, rd.base + rd.at);
  rd.at = t.next - rd.base;
  if (rd.at > rd.b.length) throw malformed('SVCB target runs past its rdata', t.next);
  const alpn: string[] = [];
  const ipv4hint: string[] = [];
  const ipv6hint: string[] = [];
  let ech = false;
  let params = 0;
  while (!rd.done) {
    bound(++params, APP_LIMITS.maxSvcParams, 'SVCB params', rd.offset);
    const key = rd.u16('SvcParamKey');
    const v = rd.vec(2, 'SvcParamValue');
    if (key === SVC_ALPN) {
      while (!v.done) alpn.push(Buffer.from(v.vec(1, 'alpn-id').b).toString('latin1'));
    } else if (key === SVC_IPV4HINT) {
      if (v.b.length % 4 !== 0) throw malformed('ipv4hint length', v.base);
      while (!v.done) ipv4hint.push(ipv4Text(v.bytes(4, 'ipv4hint'), 0));
    } else if (key === SVC_IPV6HINT) {
      if (v.b.length % 16 !== 0) throw malformed('ipv6hint length', v.base);
      while (!v.done) ipv6hint.push(ipv6Text(v.bytes(16, 'ipv6hint'), 0));
    } else if (key === SVC_ECH) ech = true;
  }
  return { kind: 'svcb', priority, target: t.name, alpn, ipv4hint, ipv6hint, ech };
}

function readRdata(msg: Uint8Array, type: number, rd: Cursor): DnsRdata {
  switch (type) {
    case DNS_TYPE.A:
      if (rd.b.length !== 4) throw malformed(`A record of ${rd.b.length} bytes`, rd.base);
      return { kind: 'address', address: ipv4Text(rd.b, 0) };
    case DNS_TYPE.AAAA:
      if (rd.b.length !== 16) throw malformed(`AAAA record of ${rd.b.length} bytes`, rd.base);
      return { kind: 'address', address: ipv6Text(rd.b, 0) };
    case DNS_TYPE.CNAME:
    case DNS_TYPE.PTR:
    case DNS_TYPE.NS: {
      const n = readName(msg, rd.base);
      if (n.next > rd.base + rd.b.length) throw malformed('name runs past its rdata', rd.base);
      return { kind: 'name', name: n.name };
    }
    case DNS_TYPE.MX: {
      rd.u16('MX preference');
      const n = readName(msg, rd.base + 2);
      if (n.next > rd.base + rd.b.length) throw malformed('name runs past its rdata', rd.base);
      return { kind: 'name', name: n.name };
    }
    case DNS_TYPE.SVCB:
    case DNS_TYPE.HTTPS:
      return readSvcb(msg, rd);
    default:
      return { kind: 'other', length: rd.b.length };
  }
}

/**
 * One DNS message: `msg` is exactly the UDP payload (or the bytes a TCP length prefix declares).
 * A message cut short is malformed: its carrier already said how long it is.
 */
function readMessage(msg: Uint8Array, opts: DnsOptions): DnsMessage {
  // Offsets in here are relative to msg[0]; readDnsMessage moves errors to the caller's frame.
  bound(msg.length, APP_LIMITS.maxDnsMessageBytes, 'DNS message length', 0);
  const c = new Cursor(msg, 0, 0, 'malformed');
  const id = c.u16('DNS header');
  const flags = c.u16('DNS header');
  const counts = [c.u16('QDCOUNT'), c.u16('ANCOUNT'), c.u16('NSCOUNT'), c.u16('ARCOUNT')] as const;
  bound(counts[0] + counts[1] + counts[2] + counts[3], APP_LIMITS.maxDnsRecords, 'DNS records', 4);
  const classOf = (raw: number) => (opts.mdns ? raw & 0x7fff : raw);
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(msg, c.at);
    c.at = n.next;
    const type = c.u16('question type');
    const raw = c.u16('question class');
    questions.push({
      name: n.name,
      type,
      class: classOf(raw),
      ...(opts.mdns ? { unicastResponse: (raw & 0x8000) !== 0 } : {}),
    });
  }
  const records: DnsRecord[] = [];
  const sections = ['answer', 'authority', 'additional'] as const;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const n = readName(msg, c.at);
      c.at = n.next;
      const type = c.u16('record type');
      const raw = c.u16('record class');
      const ttl = c.u32('record TTL');
      const rd = c.vec(2, 'rdata');
      records.push({
        section: sections[s]!,
        name: n.name,
        type,
        class: classOf(raw),
        ttl,
        ...(opts.mdns ? { cacheFlush: (raw & 0x8000) !== 0 } : {}),
        // OPT's class is a UDP size, not a class; its rdata is options, not a name.
        data: type === DNS_TYPE.OPT ? { kind: 'other', length: rd.b.length } : readRdata(msg, type, rd),
        rdataOffset: (opts.base ?? 0) + rd.base,
        rdataLength: rd.b.length,
      });
    }
  }
  // Trailing bytes after the declared records are tolerated (padding, captured garbage).
  return {
    id,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncatedFlag: (flags & 0x0200) !== 0,
    questions,
    records,
    length: msg.length,
  };
}

/** Moves an error's offset from the message's frame to the caller's. */
function rebased<T>(base: number, d: Decoded<T>): Decoded<T> {
  if (d.kind === 'value' || base === 0) return d;
  const e = d.error;
  return { kind: d.kind, error: new AirlockError(e.code, e.message, (e.offset ?? 0) + base) };
}

/** A DNS message carried in one UDP datagram. */
export function readDnsMessage(msg: Uint8Array, opts: DnsOptions = {}): Decoded<DnsMessage> {
  return rebased(
    opts.base ?? 0,
    decodeWith(() => readMessage(msg, opts)),
  );
}

/**
 * The message at `at` of a DNS-over-TCP stream: 'need' until its 2-byte length and all its bytes
 * are there; the value's `length` includes the prefix, so the next message starts at at + length.
 */
export function readDnsTcpMessage(stream: Uint8Array, at = 0, opts: DnsOptions = {}): Decoded<DnsMessage> {
  const base = opts.base ?? 0;
  return decodeWith(() => {
    const c = new Cursor(stream, at, base);
    const len = c.u16('DNS-over-TCP length');
    const body = c.bytes(len, 'DNS-over-TCP message');
    const d = readDnsMessage(body, { ...opts, base: base + at + 2 });
    if (d.kind !== 'value') throw d.error;
    return { ...d.value, length: len + 2 };
  });
}

export interface Resolution {
  /** The name asked for (or the owner of an address record nobody asked for). */
  readonly name: string;
  /** CNAME targets followed, in order. */
  readonly via: readonly string[];
  readonly addresses: readonly string[];
}

/**
 * Which names resolved to which addresses. Every owner name with address records gets an entry;
 * names reached through CNAMEs also appear under the name that led there. Chains are followed at
 * most as many steps as the message has records (CNAME loops end).
 */
export function resolutions(m: DnsMessage): Resolution[] {
  const lower = (s: string) => s.toLowerCase();
  const cname = new Map<string, string>();
  const addrs = new Map<string, string[]>();
  const owners: string[] = [];
  for (const r of m.records) {
    const key = lower(r.name);
    if (r.data.kind === 'name' && r.type === DNS_TYPE.CNAME && !cname.has(key)) cname.set(key, r.data.name);
    if (r.data.kind === 'address') {
      if (!addrs.has(key)) {
        addrs.set(key, []);
        owners.push(r.name);
      }
      addrs.get(key)!.push(r.data.address);
    }
  }
  const out: Resolution[] = [];
  const seen = new Set<string>();
  for (const q of m.questions) {
    const via: string[] = [];
    let at = lower(q.name);
    for (let i = 0; i <= m.records.length && cname.has(at); i++) {
      const t = cname.get(at)!;
      via.push(t);
      at = lower(t);
    }
    if (via.length > 0 || addrs.has(at)) {
      out.push({ name: q.name, via, addresses: addrs.get(at) ?? [] });
      seen.add(lower(q.name));
      seen.add(at);
    }
  }
  for (const o of owners)
    if (!seen.has(lower(o))) out.push({ name: o, via: [], addresses: addrs.get(lower(o))! });
  return out;
}
