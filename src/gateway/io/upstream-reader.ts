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

/**
 * Where an upstream socket's events go now: the client connection using it, or the idle pool.
 * Its 'end', 'close' and 'error' listeners are registered once, when it is made, and call these
 * slots; owners swap the slots instead of adding and removing listeners (a pooled connection
 * changes owner twice per request: ~20 EventEmitter calls a request, gone).
 */
export interface UpstreamReader {
  onData: (chunk: Buffer) => void;
  onEnd: () => void;
  onClose: () => void;
  onError: (err: NodeJS.ErrnoException) => void;
  /** True while the last chunk is still referenced (queued in a write): do not read over it. */
  holds: () => boolean;
}

const ignore = (): void => {};
const held = (): boolean => true;

/** No owner: events are ignored, and a chunk is never assumed free. */
export function disown(r: UpstreamReader): void {
  r.onData = ignore;
  r.onEnd = ignore;
  r.onClose = ignore;
  r.onError = ignore;
  r.holds = held;
}

const readers = new WeakMap<Socket, UpstreamReader>();

/** The reader of a socket made with `readingInto`, if any. */
export function readerOf(socket: Socket): UpstreamReader | undefined {
  return readers.get(socket);
}

/** connect() options for a reused read buffer, and a function to register the connected socket. */
export function readingInto(): { onread: OnReadOpts; register: (s: Socket) => UpstreamReader } {
  const reader: UpstreamReader = {
    onData: ignore,
    onEnd: ignore,
    onClose: ignore,
    onError: ignore,
    holds: held,
  };
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
      // Once per socket; an error listener always present (an unowned socket's error must not throw).
      s.on('end', () => reader.onEnd());
      s.on('close', () => reader.onClose());
      s.on('error', (e: NodeJS.ErrnoException) => reader.onError(e));
      return reader;
    },
  };
}
