/** The fs adapter: streams a capture file through a CaptureReader in 4 MiB chunks. */
import { open } from 'node:fs/promises';
import { asAirlockError } from '../../core/errors.js';
import type { NetWarning } from '../decode/warning.js';
import { CaptureReader } from './reader.js';
import type { CapturedPacket } from './types.js';

/** 4 MiB reads: fewer syscalls and promise turns per packet than 1 MiB, still a small buffer. */
export const FILE_CHUNK_BYTES = 4 * 1024 * 1024;
/** Items handed out per batch at most, so a chunk of tiny records does not pile up objects. */
export const FILE_BATCH_ITEMS = 4096;

export type CaptureItem =
  | { readonly kind: 'packet'; readonly packet: CapturedPacket }
  | { readonly kind: 'warning'; readonly warning: NetWarning };

/**
 * Packets and warnings of the capture at `path`, in file order. Throws an AirlockError naming
 * the file (and the offset) when the capture cannot be read on. Pass a reader to read its
 * blockCounts afterwards.
 */
export async function* readCaptureFile(
  path: string,
  reader: CaptureReader = new CaptureReader(),
  chunkBytes: number = FILE_CHUNK_BYTES,
): AsyncGenerator<CaptureItem, void, undefined> {
  for await (const batch of readCaptureFileBatches(path, reader, chunkBytes)) yield* batch;
}

/**
 * The same items in batches (one await per batch, not per packet: the fast path for audit).
 * A batch is only valid until the next one is asked for when the caller keeps packet views.
 */
export async function* readCaptureFileBatches(
  path: string,
  reader: CaptureReader = new CaptureReader(),
  chunkBytes: number = FILE_CHUNK_BYTES,
): AsyncGenerator<CaptureItem[], void, undefined> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw asAirlockError(e, path);
  }
  try {
    let batch: CaptureItem[] = [];
    for (;;) {
      const e = reader.next();
      if (e.kind === 'packet' || e.kind === 'warning') {
        batch.push(e);
        if (batch.length >= FILE_BATCH_ITEMS) {
          yield batch;
          batch = [];
        }
      } else if (e.kind === 'end') {
        if (batch.length > 0) yield batch;
        return;
      } else if (e.kind === 'error') {
        if (batch.length > 0) yield batch;
        throw asAirlockError(e.error, path);
      } else {
        if (batch.length > 0) {
          yield batch;
          batch = [];
        }
        // A fresh buffer per chunk: packets handed out are views into it.
        const buf = new Uint8Array(chunkBytes);
        const { bytesRead } = await fh.read(buf, 0, chunkBytes, null).catch((err: unknown) => {
          throw asAirlockError(err, path);
        });
        if (bytesRead === 0) reader.end();
        else reader.push(buf.subarray(0, bytesRead));
      }
    }
  } finally {
    await fh.close();
  }
}

/** Every item of an in-memory capture, fed in chunks of `chunkBytes` (tests, fuzz, small inputs). */
export function readCaptureBytes(
  bytes: Uint8Array,
  chunkBytes = bytes.length || 1,
  reader: CaptureReader = new CaptureReader(),
): { items: CaptureItem[]; error?: import('../../core/errors.js').AirlockError; reader: CaptureReader } {
  const items: CaptureItem[] = [];
  let at = 0;
  for (;;) {
    const e = reader.next();
    if (e.kind === 'packet' || e.kind === 'warning') items.push(e);
    else if (e.kind === 'end') return { items, reader };
    else if (e.kind === 'error') return { items, error: e.error, reader };
    else if (at >= bytes.length) reader.end();
    else {
      reader.push(bytes.subarray(at, at + chunkBytes));
      at += chunkBytes;
    }
  }
}
