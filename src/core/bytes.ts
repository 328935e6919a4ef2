/** Byte helpers shared by the writers and rewriters. */

/** The parts, one after another, in a fresh array (never a view into a shared pool, unlike Buffer.concat). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
