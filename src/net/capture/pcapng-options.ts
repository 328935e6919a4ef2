/** pcapng options (code, length, value padded to 4), read with bounds and written back. */
import { malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { put16, u16 } from '../decode/bytes.js';
import { NET_LIMITS } from '../limits.js';

export interface PcapngOption {
  readonly code: number;
  readonly value: Uint8Array;
}

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;

const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * Options in b[from, to). A problem ends the walk: the options before it are kept and the problem
 * is returned, so one bad option does not lose the block it sits in.
 */
export function readOptions(
  b: Uint8Array,
  from: number,
  to: number,
  le: boolean,
): { options: PcapngOption[]; problem?: Error } {
  const options: PcapngOption[] = [];
  let at = from;
  try {
    while (at < to) {
      if (at + 4 > to) throw malformed('pcapng option header runs past its block', at);
      const code = u16(b, at, le);
      const len = u16(b, at + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (at + 4 + len > to) throw malformed(`pcapng option ${code} (${len} bytes) runs past its block`, at);
      bound(options.length + 1, NET_LIMITS.maxOptions, 'pcapng options in one block', at);
      options.push({ code, value: b.subarray(at + 4, at + 4 + len) });
      at += 4 + pad4(len);
    }
    return { options };
  } catch (e) {
    return { options, problem: e as Error };
  }
}

/** Options as bytes, ending with opt_endofopt (empty when there are none, as writers do). */
export function writeOptions(options: readonly PcapngOption[], le: boolean): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  const size = options.reduce((n, o) => n + 4 + pad4(o.value.length), 4);
  const b = new Uint8Array(size);
  let at = 0;
  for (const o of options) {
    put16(b, at, o.code, le);
    put16(b, at + 2, o.value.length, le);
    b.set(o.value, at + 4);
    at += 4 + pad4(o.value.length);
  }
  return b;
}
