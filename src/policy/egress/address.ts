/**
 * Destination addresses: parse, classify (loopback, private, link-local, cloud metadata…) and
 * match against the policy's allowedPrivateCidrs. The gateway must never be an open proxy into
 * the box's own networks or a cloud's metadata service, whatever the mode.
 */
import { isIP } from 'node:net';

export type AddressClass =
  | 'public'
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared'
  | 'multicast'
  | 'unspecified'
  | 'reserved';

/** IPv4 as 4 bytes, IPv6 as 16; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes its IPv4 address. */
export function parseIp(text: string): Uint8Array | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const family = isIP(s);
  if (family === 4) return Uint8Array.from(s.split('.').map(Number));
  if (family !== 6) return undefined;
  const v6 = parseV6(s);
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

function parseV6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  // A dotted IPv4 tail fills the last 32 bits.
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = s
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const all = rest === undefined ? h : [...h, ...new Array<number>(8 - h.length - r.length).fill(0), ...r];
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

interface Prefix {
  bytes: Uint8Array;
  bits: number;
}

/** 'a.b.c.d/n' or 'v6/n'; undefined when malformed (the policy schema validates these first). */
export function parseCidr(cidr: string): Prefix | undefined {
  const [addr, bitsText, ...more] = cidr.split('/');
  if (addr === undefined || bitsText === undefined || more.length > 0 || !/^\d{1,3}$/.test(bitsText)) {
    return undefined;
  }
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  let bits = Number(bitsText);
  // An IPv4-mapped prefix (::ffff:10.0.0.0/104) is the IPv4 prefix it maps.
  if (bytes.length === 4 && isIP(addr) === 6) bits -= 96;
  if (bits < 0 || bits > bytes.length * 8) return undefined;
  return { bytes, bits };
}

export function inPrefix(ip: Uint8Array, p: Prefix): boolean {
  if (ip.length !== p.bytes.length) return false;
  for (let i = 0; i < p.bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((ip[byte]! & mask) !== (p.bytes[byte]! & mask)) return false;
  }
  return true;
}

/** Cloud metadata endpoints (AWS incl. ECS and IPv6, GCP, Azure incl. its wire server, Alibaba, OCI classic). */
const METADATA = [
  '169.254.169.254',
  '169.254.170.2',
  'fd00:ec2::254',
  '100.100.100.200',
  '168.63.129.16',
  '192.0.0.192',
];
const METADATA_BYTES = METADATA.map((m) => parseIp(m)!);

/**
 * Special-purpose ranges (RFC 6890 and friends). Benchmarking 198.18.0.0/15 and the
 * documentation ranges stay 'public': they are not routed on the internet, so allowing them
 * costs nothing, and the gateway's tests use 198.18.0.0/15 as their "internet".
 */
const RANGES: [string, AddressClass][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
];
const RANGE_PREFIXES = RANGES.map(([c, k]) => [parseCidr(c)!, k] as const);
const NAT64 = parseCidr('64:ff9b::/96')!;

export function classifyIp(ip: Uint8Array): AddressClass {
  if (METADATA_BYTES.some((m) => m.length === ip.length && m.every((b, i) => b === ip[i]))) return 'metadata';
  // NAT64 (RFC 6052) reaches the IPv4 address it embeds: judge that one.
  if (inPrefix(ip, NAT64)) return classifyIp(ip.slice(12));
  for (const [p, kind] of RANGE_PREFIXES) if (inPrefix(ip, p)) return kind;
  return 'public';
}

export interface CompiledCidr extends Prefix {
  text: string;
}

/** Parse once (the gate is built once per policy); malformed entries are skipped. */
export function compileCidrs(cidrs: readonly string[]): CompiledCidr[] {
  return cidrs.flatMap((text) => {
    const p = parseCidr(text);
    return p ? [{ ...p, text }] : [];
  });
}

/** The first of `cidrs` containing `ip`, if any. */
export function matchingCidr(ip: Uint8Array, cidrs: readonly CompiledCidr[]): string | undefined {
  return cidrs.find((c) => inPrefix(ip, c))?.text;
}
