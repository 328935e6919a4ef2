/** IP addresses as text, in the forms tshark prints (dotted quad; RFC 5952 for IPv6). */
export function ipv4Text(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** The IPv4 address at b[o] as one 32-bit number (signed: a small integer to V8, cheap as a Map key). */
export const ipv4Key = (b: Uint8Array, o: number): number =>
  (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;

/** A 32-bit mix of the IPv6 address at b[o] (a hash: equal addresses give equal keys, not the reverse). */
export function ipv6Key(b: Uint8Array, o: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 16; i += 4) h = Math.imul(h ^ ipv4Key(b, o + i), 0x01000193);
  return h | 0;
}

/**
 * IPv4 text by address, so a packet of a known host formats nothing: captures repeat a handful of
 * addresses. Bounded: cleared when full, so a capture of a million hosts costs no more memory.
 */
const v4Texts = new Map<number, string>();
const V4_TEXTS_MAX = 4096;

export function ipv4TextCached(b: Uint8Array, o: number): string {
  const k = ipv4Key(b, o);
  let t = v4Texts.get(k);
  if (t === undefined) {
    if (v4Texts.size >= V4_TEXTS_MAX) v4Texts.clear();
    t = ipv4Text(b, o);
    v4Texts.set(k, t);
  }
  return t;
}

export function ipv6Text(b: Uint8Array, o: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!);
  // The longest run (first if tied) of two or more zero groups becomes "::".
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  // IPv4-mapped (::ffff:a.b.c.d) keeps its dotted tail, as inet_ntop does.
  if (bestAt === 0 && bestLen === 5 && groups[5] === 0xffff) return `::ffff:${ipv4Text(b, o + 12)}`;
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** 'host:port', an IPv6 host in brackets (RFC 5952 §6), as tshark and URLs write an endpoint. */
export const endpointText = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
