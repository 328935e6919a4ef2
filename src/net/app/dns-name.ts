/**
 * DNS names on the wire (RFC 1035 §3.1, §4.1.4): labels, and compression pointers into the whole
 * message. Pointer loops stop at a jump limit; the 255-octet limit holds for the expanded name.
 */
import { malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { asciiText } from './cursor.js';
import { APP_LIMITS } from './limits.js';

export interface WireName {
  /** Presentation form without the trailing dot ('' for the root); odd bytes escaped as \DDD. */
  readonly name: string;
  /** Where the name's in-place bytes end (after the first pointer, or the root label). */
  readonly next: number;
}

/**
 * Reads the name at `at` in `msg` (the whole DNS message: pointers are offsets into it). Names
 * inside a message that ends early are malformed, not truncated: the message's length is known.
 */
export function readName(msg: Uint8Array, at: number, base = 0): WireName {
  const labels: string[] = [];
  let pos = at;
  let next = -1;
  let jumps = 0;
  let wireBytes = 1; // the root label
  for (;;) {
    if (pos >= msg.length) throw malformed('DNS name runs past the message', base + pos);
    const len = msg[pos]!;
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= msg.length) throw malformed('DNS compression pointer cut', base + pos);
      bound(++jumps, APP_LIMITS.maxDnsPointerJumps, 'DNS compression pointers in one name', base + pos);
      if (next < 0) next = pos + 2;
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (target >= msg.length) throw malformed(`DNS compression pointer to ${target}`, base + pos);
      pos = target;
      continue;
    }
    if (kind !== 0) throw malformed(`DNS label type 0x${kind.toString(16)}`, base + pos);
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    wireBytes += len + 1;
    bound(wireBytes, APP_LIMITS.maxDnsNameBytes, 'DNS name length', base + pos);
    if (pos + 1 + len > msg.length) throw malformed('DNS label runs past the message', base + pos);
    labels.push(asciiText(msg.subarray(pos + 1, pos + 1 + len), true));
    pos += 1 + len;
  }
  return { name: labels.join('.'), next };
}

/** Writes `name` (presentation form, no escapes) uncompressed: the layout a rewriter needs. */
export function writeName(name: string): Uint8Array {
  const labels = name === '' ? [] : name.split('.');
  const out: number[] = [];
  for (const l of labels) {
    const bytes = Buffer.from(l, 'latin1');
    if (bytes.length === 0 || bytes.length > 63) throw malformed(`DNS label of ${bytes.length} bytes`, 0);
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
  bound(out.length, APP_LIMITS.maxDnsNameBytes, 'DNS name length');
  return Uint8Array.from(out);
}
