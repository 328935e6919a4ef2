/**
 * The first bytes of a ZIP entry without inflating all of it: enough to tell code (DEX, ELF, a
 * nested ZIP) from data. A deflated entry's first compressed kilobytes are inflated with a sync
 * flush, which yields the leading output without needing the rest of the stream.
 */
import { constants, inflateRawSync } from 'node:zlib';
import type { ZipEntry } from './zip/index.js';

const HEAD_INPUT_BYTES = 4096;

export function entryHead(apk: Uint8Array, e: ZipEntry, length = 8): Uint8Array {
  const end = Math.min(apk.length, e.dataOffset + Math.min(e.compressedSize, HEAD_INPUT_BYTES));
  if (e.dataOffset >= end) return new Uint8Array(0);
  const raw = apk.subarray(e.dataOffset, end);
  if (e.method === 0) return raw.subarray(0, length);
  if (e.method !== 8) return new Uint8Array(0);
  try {
    const out = inflateRawSync(raw, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 64 * 1024 });
    return out.subarray(0, length);
  } catch {
    // A broken stream says nothing about what the entry holds; entryBytes reports it if asked.
    return new Uint8Array(0);
  }
}
