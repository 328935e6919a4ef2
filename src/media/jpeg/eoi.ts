/**
 * Locates the EOI that ends the primary image by scanning its entropy-coded data once, in
 * bounded chunks. Inside scan data 0xFF is followed by 0x00 (stuffing), RST0–7 or fill 0xFF;
 * any other marker (DHT, SOS… of a progressive image) is a segment to hop over by its length.
 */
import { malformed } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';
import { EOI } from './segments.js';

const CHUNK = 1 << 20;

/** The bytes as a Buffer (no copy): its indexOf is memchr, a plain Uint8Array's a loop, and this scan crosses megabytes. */
const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);

/** Scans made, per source and start: scrub's analysis and rewriter ask the same source the same question. */
const scans = new WeakMap<ByteSource, Map<number, number | undefined>>();

/** Offset just past EOI, or undefined when the file ends first. `from` is just past the SOS header. */
export function findEoi(src: ByteSource, from: number): number | undefined {
  let made = scans.get(src);
  if (made?.has(from)) return made.get(from);
  const end = scanForEoi(src, from);
  if (!made) {
    made = new Map();
    scans.set(src, made);
  }
  made.set(from, end);
  return end;
}

function scanForEoi(src: ByteSource, from: number): number | undefined {
  let pos = from;
  while (pos < src.size) {
    const n = Math.min(CHUNK, src.size - pos);
    const chunk = asBuffer(src.read(pos, n));
    let i = chunk.indexOf(0xff);
    let jumped = false;
    while (i >= 0) {
      if (i + 1 >= n) break; // marker code in the next chunk: re-read from the 0xFF
      const m = chunk[i + 1] as number;
      if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) {
        i = chunk.indexOf(0xff, i + 1);
        continue;
      }
      if (m === EOI) return pos + i + 2;
      // A segment between scans: hop over it by its length.
      const at = pos + i;
      if (at + 4 > src.size) return undefined;
      const lb = src.read(at + 2, 2);
      const len = ((lb[0] as number) << 8) | (lb[1] as number);
      if (len < 2) throw malformed(`JPEG segment length ${len} is below 2`, at + 2);
      pos = at + 2 + len;
      jumped = true;
      break;
    }
    if (jumped) continue;
    if (i >= 0 && i + 1 >= n) pos += i;
    else pos += n;
    if (n === 1 && i === 0) return undefined; // a lone trailing 0xFF
  }
  return undefined;
}
