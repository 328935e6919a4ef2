/**
 * Finds where a chunked body ends (RFC 9112 §7.1) without changing a byte of it: the gateway's
 * (a response, so an upstream connection can carry the next request once it is over; a request,
 * so the bytes after it wait for their own decision) and the audit's (where a captured request
 * ends and the next on its connection begins). The bytes pass through as they are; only the
 * framing is read. Sans-IO: feed chunks, get the end offset. Hand-written by design: a framing
 * scanner on the relay path, not a body decoder. Shared so the two find the same end.
 */
import { bound } from '../../core/limits.js';

/** Chunk sizes beyond this are refused (hex digits a size line may have: 2^52 fits 13). */
const MAX_CHUNK_BYTES = 2 ** 52;

type Phase = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

export type ChunkedStep =
  /** The body ends `end` bytes into the chunk just fed (bytes after it are not this response's). */
  { kind: 'end'; end: number } | { kind: 'more' } | { kind: 'malformed'; detail: string };

export interface ChunkedEndOptions {
  /**
   * Accept a line ended by LF alone. Responses: yes (lenient senders exist, and the client reads
   * what the gateway relays). Requests: no, since the upstream might not end the line there.
   */
  bareLf: boolean;
}

export class ChunkedEnd {
  private phase: Phase = 'size';
  private line = '';
  private dataLeft = 0;
  private trailerBytes = 0;
  /** The last byte was a CR: only LF may follow. */
  private cr = false;

  /** `maxLineBytes`: the longest size line or trailer section accepted. */
  constructor(
    private readonly maxLineBytes: number,
    private readonly opts: ChunkedEndOptions = { bareLf: true },
  ) {}

  feed(b: Uint8Array): ChunkedStep {
    let i = 0;
    while (i < b.length) {
      switch (this.phase) {
        case 'data': {
          const n = Math.min(this.dataLeft, b.length - i);
          this.dataLeft -= n;
          i += n;
          if (this.dataLeft === 0) this.phase = 'data-end';
          break;
        }
        case 'done':
          return { kind: 'end', end: i };
        default: {
          const c = b[i++]!;
          const r = this.onLineByte(c);
          if (r) return r;
          if ((this.phase as Phase) === 'done') return { kind: 'end', end: i };
        }
      }
    }
    return { kind: 'more' };
  }

  private onLineByte(c: number): ChunkedStep | undefined {
    // A bare CR is a line end to some parsers and not to others (RFC 9112 §2.2): never skipped.
    if (this.cr && c !== 0x0a) return { kind: 'malformed', detail: 'bare CR in a chunk line' };
    if (c !== 0x0a) {
      if (++this.trailerBytes > this.maxLineBytes)
        return { kind: 'malformed', detail: 'chunk size line or trailer too long' };
      if (c === 0x0d) this.cr = true;
      else if (c < 0x20 ? c !== 0x09 : c === 0x7f)
        return { kind: 'malformed', detail: 'control byte in a chunk line' };
      else this.line += String.fromCharCode(c);
      return undefined;
    }
    const crlf = this.cr;
    this.cr = false;
    if (!crlf && !this.opts.bareLf) return { kind: 'malformed', detail: 'chunk line ended by LF alone' };
    const line = this.line;
    this.line = '';
    switch (this.phase) {
      case 'size': {
        this.trailerBytes = 0;
        // chunk-size [BWS ';' chunk-ext]: nothing else may follow the size (RFC 9112 §7.1.1).
        const hex = /^([0-9a-fA-F]{1,13})(?:[ \t]*;.*)?$/.exec(line)?.[1];
        if (hex === undefined) return { kind: 'malformed', detail: 'bad chunk size line' };
        let size: number;
        try {
          size = bound(Number.parseInt(hex, 16), MAX_CHUNK_BYTES, 'chunk size');
        } catch (e) {
          return { kind: 'malformed', detail: (e as Error).message };
        }
        if (size === 0) this.phase = 'trailer';
        else {
          this.dataLeft = size;
          this.phase = 'data';
        }
        return undefined;
      }
      case 'data-end':
        if (line !== '') return { kind: 'malformed', detail: 'chunk data longer than its size' };
        this.trailerBytes = 0;
        this.phase = 'size';
        return undefined;
      case 'trailer':
        if (line === '') this.phase = 'done';
        return undefined;
      default:
        return undefined;
    }
  }
}
