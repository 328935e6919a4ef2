/**
 * The two status lines an NTRIP 1.0 caster answers an HTTP-looking request with, which are not
 * HTTP (NTRIP 1.0, RTCM 10410.0; RTKLIB's stream.c writes and reads them alike):
 *  - `ICY 200 OK`: the mount point's stream follows at once, with no header fields and no empty
 *    line, and stays open; the rover keeps sending its position (NMEA GGA) up the same
 *    connection, raw, with no framing;
 *  - `SOURCETABLE 200 OK`: the caster's table (header fields, the table, `ENDSOURCETABLE`), ended
 *    by the caster closing.
 * A network-RTK rover behind the gateway (often on port 2101) speaks this, so the gateway relays
 * both as what they are rather than refusing them as malformed HTTP. NTRIP 2.0 is plain HTTP/1.1.
 */

/** 'stream': two-way, unframed, until either side closes; 'table': a download ended by the close. */
export type NtripStatus = 'stream' | 'table';

const ICY = Buffer.from('ICY ', 'latin1');
const SOURCETABLE = Buffer.from('SOURCETABLE ', 'latin1');
/** Neither status line is longer than this before its line end, with a reason phrase. */
const MAX_LINE = 256;

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * What b[at…] begins with: an NTRIP 1.0 status line (`ICY 2xx` streams; `SOURCETABLE 200` and any
 * other `ICY` status are answers the caster's close ends), 'need' while the bytes so far could
 * still be one, or undefined when they are not (an HTTP response, or anything else).
 */
export function ntripStatus(b: Uint8Array, at: number): NtripStatus | 'need' | undefined {
  const word = b[at] === ICY[0] ? ICY : b[at] === SOURCETABLE[0] ? SOURCETABLE : undefined;
  if (!word) return undefined;
  const n = Math.min(b.length - at, word.length);
  for (let i = 0; i < n; i++) if (b[at + i] !== word[i]) return undefined;
  const s = at + word.length;
  // The status code and the end of the line decide; a line that never ends is not one.
  if (b.length < s + 3) return 'need';
  if (!isDigit(b[s]) || !isDigit(b[s + 1]) || !isDigit(b[s + 2])) return undefined;
  if (b[s + 3] === undefined) return 'need';
  if (b[s + 3] !== 0x20 && b[s + 3] !== 0x0d && b[s + 3] !== 0x0a) return undefined;
  const stop = Math.min(b.length, s + MAX_LINE);
  let lf = s + 3;
  while (lf < stop && b[lf] !== 0x0a) lf++;
  if (lf === stop) return stop === b.length && b.length < s + MAX_LINE ? 'need' : undefined;
  return word === ICY && b[s] === 0x32 ? 'stream' : 'table';
}
