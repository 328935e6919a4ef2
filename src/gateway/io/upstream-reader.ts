/**
 * Upstream sockets read into a reused buffer instead of a fresh one per read: a bulk download
 * otherwise allocates, and the garbage collector frees, one 64 KiB buffer per read (a seventh of
 * the gateway's time in a CONNECT download profile). Each chunk is handed to the socket's current
 * owner; when the owner still holds it afterwards (a write that could not complete at once keeps
 * a reference), the next read gets a new buffer and the held one is left to its holder.
 */
import type { OnReadOpts, Socket } from 'node:net';

/** One socket read at most (libuv's own read size for streams). */
const READ_BYTES = 64 * 1024;
/**
 * A new socket's first buffer: tiny, so thousands of idle tunnels hold next to nothing (a 2 KiB
 * one cost 35 MB over 9,000 tunnels); the first read that fills it grows it to READ_BYTES.
 */
const FIRST_READ_BYTES = 64;

export interface UpstreamReader {
  /** Where the socket's bytes go now: the client connection using it, or the idle pool. */
  onData: (chunk: Buffer) => void;
  /** True while the last chunk is still referenced (queued in a write): do not read over it. */
  holds: () => boolean;
}

const readers = new WeakMap<Socket, UpstreamReader>();

/** The reader of a socket made with `readingInto`, if any. */
export function readerOf(socket: Socket): UpstreamReader | undefined {
  return readers.get(socket);
}

/** connect() options for a reused read buffer, and a function to register the connected socket. */
export function readingInto(): { onread: OnReadOpts; register: (s: Socket) => UpstreamReader } {
  const reader: UpstreamReader = { onData: () => {}, holds: () => true };
  let buf = Buffer.allocUnsafe(FIRST_READ_BYTES);
  return {
    onread: {
      buffer: () => buf,
      // Node asks `buffer` again after each read: a new one only when the last is still held.
      callback: (n, filled) => {
        const chunk = Buffer.from(filled.buffer, filled.byteOffset, n);
        reader.onData(chunk);
        if (reader.holds() || (n === buf.length && n < READ_BYTES)) buf = Buffer.allocUnsafe(READ_BYTES);
        return true;
      },
    },
    register: (s) => {
      readers.set(s, reader);
      return reader;
    },
  };
}
