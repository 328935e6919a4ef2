/**
 * Reads each entry's local header: where its data starts, and whether the header agrees with the
 * central directory. Android's installer trusts the directory while other tools walk the local
 * headers, so any disagreement is a way to show two tools two different apps.
 */
import type { Warning } from '../../findings/model.js';
import { hasSignature, u16, u32 } from '../le-bytes.js';
import type { CentralRecord } from './central-directory.js';

const LOCAL_SIG = 0x04034b50;
export const LOCAL_BYTES = 30;
/** Bit 3: CRC and sizes follow the data, the local header's are zero. */
const DATA_DESCRIPTOR = 0x0008;

function sameBytes(b: Uint8Array, x: number, y: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[x + i] !== b[y + i]) return false;
  return true;
}

/**
 * Sets the entry's dataOffset from its local header, or leaves it at -1 when there is no local
 * header to read (a zip-local-mismatch warning says so, and entryBytes refuses the entry).
 */
export function readLocalHeader(b: Uint8Array, rec: CentralRecord, warnings: Warning[]): void {
  const e = rec.entry;
  const at = e.localHeaderOffset;
  const warn = (detail: string) =>
    warnings.push({ name: 'zip-local-mismatch', offset: at, detail: `${JSON.stringify(e.name)}: ${detail}` });
  if (at + LOCAL_BYTES > b.length || !hasSignature(b, at, LOCAL_SIG)) {
    warn(`no local file header at offset ${at}`);
    return;
  }
  const nameLength = u16(b, at + 26, 'local header name length');
  const extraLength = u16(b, at + 28, 'local header extra length');
  e.dataOffset = at + LOCAL_BYTES + nameLength + extraLength;

  const differ: string[] = [];
  if (nameLength !== rec.nameLength || at + LOCAL_BYTES + nameLength > b.length) differ.push('name');
  else if (!sameBytes(b, at + LOCAL_BYTES, rec.nameOffset, nameLength)) differ.push('name');
  const method = u16(b, at + 8, 'local header method');
  if (method !== e.method) differ.push(`method (local ${method}, central ${e.method})`);
  const flags = u16(b, at + 6, 'local header flags');
  if ((flags & DATA_DESCRIPTOR) === 0) {
    const crc = u32(b, at + 14, 'local header CRC-32');
    const csize = u32(b, at + 18, 'local header compressed size');
    const usize = u32(b, at + 22, 'local header uncompressed size');
    if (crc !== e.crc32) differ.push('CRC-32');
    // 0xffffffff: the size is in the local zip64 extra field, which the directory already gave.
    if (csize !== 0xffffffff && csize !== e.compressedSize) {
      differ.push(`compressed size (local ${csize}, central ${e.compressedSize})`);
    }
    if (usize !== 0xffffffff && usize !== e.uncompressedSize) {
      differ.push(`uncompressed size (local ${usize}, central ${e.uncompressedSize})`);
    }
  }
  if (differ.length > 0) warn(`local header disagrees with the central directory: ${differ.join(', ')}`);
}
