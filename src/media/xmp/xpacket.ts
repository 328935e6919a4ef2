/**
 * The xpacket wrapper as XMP writers write it (XMP Specification Part 1, 7.3): `begin` empty or a
 * byte-order mark, the fixed `id`, the deprecated `bytes`/`encoding` hints; `end` "r" or "w".
 * Any other text in an xpacket instruction is no part of the wrapper (an `id` holding a serial
 * went through every policy), so readers report it and rewriters remove it as any stray
 * processing instruction.
 */
const Q = `(?:"[^"]{0,32}"|'[^']{0,32}')`;
const BEGIN = new RegExp(
  String.raw`^<\?xpacket\s+begin\s*=\s*(["'])(?:\uFEFF)?\1\s+id\s*=\s*(["'])W5M0MpCehiHzreSzNTczkc9d\2(?:\s+(?:bytes|encoding)\s*=\s*${Q})*\s*\?>$`,
);
const END = /^<\?xpacket\s+end\s*=\s*(["'])[rw]\1\s*\?>$/;

/** Whether `pi` (from `<?` to `?>`) is a standard xpacket begin or end instruction. */
export const isStandardXpacket = (pi: string): boolean => BEGIN.test(pi) || END.test(pi);
