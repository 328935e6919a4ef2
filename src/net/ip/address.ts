/** IP addresses as text, in the forms tshark prints (dotted quad; RFC 5952 for IPv6). */
export function ipv4Text(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
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
