/** A host name of exactly `length` characters under `suffix`, made from `seed` (labels of 60 or less). */
export function nameOf(length: number, seed: string, suffix = '.example.net'): string {
  const room = length - suffix.length;
  const chars = seed
    .repeat(Math.ceil(room / seed.length))
    .slice(0, room)
    .split('');
  for (let p = 60; p < room - 1; p += 61) chars[p] = '.';
  return `${chars.join('')}${suffix}`;
}
