/**
 * The v2/v3 content digest (source.android.com, "APK Signature Scheme v2", Integrity-protected
 * contents): the APK minus its signing block, in three sections — the entries [0, block start), the
 * central directory, and the end record with its central-directory offset field replaced by the
 * block's offset — each cut into 1 MiB chunks; every chunk is hashed as
 * H(0xa5 || uint32le length || chunk), and the top digest is H(0x5a || uint32le count || digests).
 */
import { createHash } from 'node:crypto';
import type { ZipArchive } from '../zip/types.js';

const CHUNK_BYTES = 1024 * 1024;
/** Where the end record keeps the central directory's offset. */
const EOCD_CD_OFFSET_FIELD = 16;

export function chunkedDigest(
  bytes: Uint8Array,
  zip: Pick<ZipArchive, 'cdOffset' | 'eocdOffset'>,
  blockOffset: number,
  hash: 'sha256' | 'sha512',
): Uint8Array {
  const eocd = bytes.slice(zip.eocdOffset);
  if (eocd.length >= EOCD_CD_OFFSET_FIELD + 4) {
    new DataView(eocd.buffer, eocd.byteOffset).setUint32(EOCD_CD_OFFSET_FIELD, blockOffset, true);
  }
  const sections = [bytes.subarray(0, blockOffset), bytes.subarray(zip.cdOffset, zip.eocdOffset), eocd];
  const digests: Uint8Array[] = [];
  const head = new Uint8Array(5);
  const headView = new DataView(head.buffer);
  for (const s of sections) {
    for (let at = 0; at < s.length; at += CHUNK_BYTES) {
      const chunk = s.subarray(at, Math.min(s.length, at + CHUNK_BYTES));
      head[0] = 0xa5;
      headView.setUint32(1, chunk.length, true);
      digests.push(createHash(hash).update(head).update(chunk).digest());
    }
  }
  head[0] = 0x5a;
  headView.setUint32(1, digests.length, true);
  const top = createHash(hash).update(head);
  for (const d of digests) top.update(d);
  return top.digest();
}
