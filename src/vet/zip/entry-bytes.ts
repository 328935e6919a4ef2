/**
 * One entry's bytes, stored or inflated, checked as Android checks them: the output has exactly
 * the declared size and CRC-32. Inflation stops at the declared size (and never past maxBytes), so
 * a small entry that inflates to gigabytes costs no more than its declared size.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { AirlockError, malformed, truncated } from '../../core/errors.js';
import type { ZipEntry } from './types.js';

const STORED = 0;
const DEFLATED = 8;
const ENCRYPTED = 0x0001;

function inflate(data: Uint8Array, e: ZipEntry): Uint8Array {
  try {
    // maxOutputLength must be at least 1; an empty entry is then checked by its length below.
    return inflateRawSync(data, { maxOutputLength: Math.max(1, e.uncompressedSize) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    const why =
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `inflates past its declared ${e.uncompressedSize} bytes`
        : code === 'Z_BUF_ERROR'
          ? 'deflate stream ends early'
          : `deflate stream is corrupt (${(err as Error)?.message ?? String(err)})`;
    throw malformed(`ZIP entry ${JSON.stringify(e.name)}: ${why}`, e.dataOffset);
  }
}

/**
 * The entry's uncompressed bytes (a fresh array). Throws AIRLOCK_ERR_LIMIT when the declared size
 * exceeds maxBytes, AIRLOCK_ERR_UNSUPPORTED for encrypted entries and other methods, and
 * AIRLOCK_ERR_MALFORMED / _TRUNCATED when the data is not what the directory declares.
 */
export function entryBytes(bytes: Uint8Array, e: ZipEntry, maxBytes: number): Uint8Array {
  const quoted = JSON.stringify(e.name);
  if (e.uncompressedSize > maxBytes) {
    throw new AirlockError(
      'AIRLOCK_ERR_LIMIT',
      `ZIP entry ${quoted} declares ${e.uncompressedSize} bytes: exceeds limit ${maxBytes}`,
      e.localHeaderOffset,
    );
  }
  if (e.flags & ENCRYPTED) {
    throw new AirlockError('AIRLOCK_ERR_UNSUPPORTED', `ZIP entry ${quoted} is encrypted`, e.centralOffset);
  }
  if (e.method !== STORED && e.method !== DEFLATED) {
    throw new AirlockError(
      'AIRLOCK_ERR_UNSUPPORTED',
      `ZIP entry ${quoted} uses compression method ${e.method}`,
      e.centralOffset,
    );
  }
  if (e.dataOffset < 0) throw malformed(`ZIP entry ${quoted} has no local file header`, e.localHeaderOffset);
  if (e.dataOffset + e.compressedSize > bytes.length) {
    throw truncated(`ZIP entry ${quoted} data (${e.compressedSize} bytes)`, e.dataOffset);
  }
  const data = bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
  let out: Uint8Array;
  if (e.method === STORED) {
    if (e.compressedSize !== e.uncompressedSize) {
      throw malformed(
        `ZIP entry ${quoted} is stored but declares ${e.compressedSize} bytes stored, ${e.uncompressedSize} uncompressed`,
        e.centralOffset,
      );
    }
    out = data.slice();
  } else out = inflate(data, e);
  if (out.length !== e.uncompressedSize) {
    throw malformed(
      `ZIP entry ${quoted} gives ${out.length} bytes, its directory record declares ${e.uncompressedSize}`,
      e.dataOffset,
    );
  }
  const crc = crc32(out) >>> 0;
  if (crc !== e.crc32) {
    throw malformed(
      `ZIP entry ${quoted} CRC-32 ${crc.toString(16).padStart(8, '0')} does not match its declared ${e.crc32.toString(16).padStart(8, '0')}`,
      e.dataOffset,
    );
  }
  return out;
}
