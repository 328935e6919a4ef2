/**
 * A kept MPF index after a rewrite: the primary image changed size and the appended images moved,
 * so every MP Entry is patched (entry 1: the new primary size; others: their new offsets,
 * relative to the MPF header as CIPA DC-007 says).
 */
import { mpEntry, mpEntryList } from './mpf.js';

/**
 * Patches `payload` (the bytes after "MPF\0", a copy the caller owns) in place.
 * `moved` maps an image's old absolute file offset to its new one.
 */
export function patchMpf(
  payload: Uint8Array,
  oldBase: number,
  newBase: number,
  primaryLength: number,
  moved: Map<number, number>,
): void {
  const { le, at, entries } = mpEntryList(payload, oldBase);
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  entries.forEach((e, k) => {
    const next = { ...e };
    if (k === 0) next.size = primaryLength;
    else if (e.offset !== 0) {
      // An image Airlock did not find (it lies past the file end) is left as the input says.
      const to = moved.get(oldBase + e.offset);
      if (to !== undefined) next.offset = to - newBase;
    }
    mpEntry.put(v, at + k * mpEntry.len, next, le);
  });
}
