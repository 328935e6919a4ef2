/**
 * Locates the EOI that ends the primary image by scanning its entropy-coded data once, in
 * bounded chunks. Inside scan data 0xFF is followed by 0x00 (stuffing), RST0–7 or fill 0xFF;
 * any other marker (DHT, SOS… of a progressive image) is a segment to hop over by its length.
 */
import { malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import { isTableOrRestart } from './frame.js';
import { EOI, SOS } from './segments.js';

/** Define Number of Lines: may follow the first scan. */
const DNL = 0xdc;

const CHUNK = 1 << 20;

/** The bytes as a Buffer (no copy): its indexOf is memchr, a plain Uint8Array's a loop, and this scan crosses megabytes. */
const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);

/** A marker segment between two scans (DHT, SOS… of a progressive image, or anything else). */
export interface BetweenScans {
  marker: number;
  /** Offset of its 0xFF. */
  offset: number;
  /** Bytes from the 0xFF to the end of its payload. */
  length: number;
}

export interface ScanEnd {
  /** Offset just past EOI, or undefined when the file ends first. */
  eoi: number | undefined;
  /** Every segment hopped over on the way, in order. */
  between: BetweenScans[];
}

/** The chunk a file is scanned through, reused scan after scan (this thread's scans never nest). */
const scratch = new Uint8Array(CHUNK);

/** Segments between scans one image may hold before the scan is refused as a limit. */
const MAX_BETWEEN = 65536;

/** Scans made, per source and start: scrub's analysis and rewriter ask the same source the same question. */
const scans = new WeakMap<ByteSource, Map<number, ScanEnd>>();

/** Offset just past EOI, or undefined when the file ends first. `from` is just past the SOS header. */
export const findEoi = (src: ByteSource, from: number): number | undefined => scanImage(src, from).eoi;

/** The EOI and the segments between scans, from just past the first SOS header. */
export function scanImage(src: ByteSource, from: number): ScanEnd {
  const known = scans.get(src)?.get(from);
  if (known) return known;
  const end = scanForEoi(src, from);
  rememberScan(src, from, end);
  return end;
}

/**
 * Records what a scan of `src` from `from` finds, known without making it: a rewriter that wrote
 * the input's scanned image data as it was knows where the output's EOI and segments are, and
 * the verification's re-inspection of that output then scans nothing again.
 */
export function rememberScan(src: ByteSource, from: number, end: ScanEnd): void {
  let made = scans.get(src);
  if (!made) {
    made = new Map();
    scans.set(src, made);
  }
  made.set(from, end);
}

function scanForEoi(src: ByteSource, from: number): ScanEnd {
  const between: BetweenScans[] = [];
  let pos = from;
  while (pos < src.size) {
    const n = Math.min(CHUNK, src.size - pos);
    const chunk = asBuffer(src.readInto ? src.readInto(pos, scratch.subarray(0, n)) : src.read(pos, n));
    let i = chunk.indexOf(0xff);
    let jumped = false;
    while (i >= 0) {
      if (i + 1 >= n) break; // marker code in the next chunk: re-read from the 0xFF
      const m = chunk[i + 1] as number;
      if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) {
        i = chunk.indexOf(0xff, i + 1);
        continue;
      }
      if (m === EOI) return { eoi: pos + i + 2, between };
      // A segment between scans: hop over it by its length.
      const at = pos + i;
      if (at + 4 > src.size) return { eoi: undefined, between };
      const lb = src.read(at + 2, 2);
      const len = ((lb[0] as number) << 8) | (lb[1] as number);
      if (len < 2) throw malformed(`JPEG segment length ${len} is below 2`, at + 2);
      bound(between.length + 1, MAX_BETWEEN, 'JPEG segments between scans', at);
      between.push({ marker: m, offset: at, length: Math.min(2 + len, src.size - at) });
      pos = at + 2 + len;
      jumped = true;
      break;
    }
    if (jumped) continue;
    if (i >= 0 && i + 1 >= n) pos += i;
    else pos += n;
    if (n === 1 && i === 0) return { eoi: undefined, between }; // a lone trailing 0xFF
  }
  return { eoi: undefined, between };
}

/**
 * Whether a segment between scans belongs to the picture: the tables, restart interval and scan
 * headers a progressive image interleaves with its scans (and DNL). APPn, COM and anything else
 * there is no image data, whatever it holds: decoders skip it, and so does ExifTool, which stops
 * reading at the first scan.
 */
const isScanStructure = (marker: number): boolean =>
  isTableOrRestart(marker) || marker === SOS || marker === DNL;

/** The segments a scan hopped over that are no image data (what isScanStructure leaves out). */
export const foreignSegments = (scan: ScanEnd): BetweenScans[] =>
  scan.between.filter((b) => !isScanStructure(b.marker));
