/**
 * Hostile TIFFs against the scrubber, judged by ExifTool and a raw byte scan: little-endian TIFFs
 * of one 64×64 grey strip per image IFD, written here (not by Airlock's own writer), with a GPS IFD
 * or an XMP packet hung where a scrubber might not look: off IFD1, off the ExifIFD, off a SubIFD,
 * or the GPS tags themselves in IFD0 (ExifTool then names tags 1 and 2 InteropIndex and
 * InteropVersion; the latitude is still there as three rationals), or a position as six rationals
 * under XResolution, a display tag every policy keeps. They are scrubbed by the built CLI with
 * location `drop`: every output Airlock wrote as clean must then show ExifTool no position, serial,
 * device ID or embedded picture, and hold neither the position's rationals nor the packet's text.
 * A file Airlock withholds or fails is no leak (it wrote nothing, which is checked too).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exiftoolJson } from '../../helpers/exiftool.js';
import { caseName, cat, leaks, scratchDir, scrubDrop } from './oracles.js';

const base = scratchDir();
afterAll(() => rmSync(base, { recursive: true, force: true }));

type Entry = [tag: number, type: number, count: number, value: Uint8Array | number];
class TiffBuilder {
  private buf: number[] = [0x49, 0x49, 42, 0, 0, 0, 0, 0];
  blob(b: Uint8Array): number {
    if (this.buf.length % 2) this.buf.push(0);
    const at = this.buf.length;
    this.buf.push(...b);
    return at;
  }
  ifd(entries: Entry[], next = 0): number {
    const placed = entries.map(
      ([t, ty, c, v]): Entry => [t, ty, c, typeof v === 'number' || v.length <= 4 ? v : this.blob(v)],
    );
    const head = Buffer.alloc(2 + 12 * placed.length + 4);
    head.writeUInt16LE(placed.length, 0);
    for (const [k, [t, ty, c, v]] of [...placed].sort((a, b) => a[0] - b[0]).entries()) {
      head.writeUInt16LE(t, 2 + 12 * k);
      head.writeUInt16LE(ty, 4 + 12 * k);
      head.writeUInt32LE(c, 6 + 12 * k);
      if (typeof v === 'number') head.writeUInt32LE(v, 10 + 12 * k);
      else Buffer.from(v).copy(head, 10 + 12 * k);
    }
    head.writeUInt32LE(next, head.length - 4);
    return this.blob(head);
  }
  bytes(ifd0: number): Uint8Array {
    const b = Buffer.from(this.buf);
    b.writeUInt32LE(ifd0, 4);
    return new Uint8Array(b);
  }
}
const rationals = (vals: number[]): Uint8Array => {
  const b = Buffer.alloc(8 * vals.length);
  vals.forEach((v, i) => {
    b.writeUInt32LE(Math.round(v * 10000), 8 * i);
    b.writeUInt32LE(10000, 8 * i + 4);
  });
  return new Uint8Array(b);
};
const TIFF_LAT = rationals([53, 21, 54.39]);
const TIFF_LON = rationals([6, 27, 38.59]);
const TIFF_XMP = Buffer.from(
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GpsLatitude="+53.3651083" drone-dji:GpsLongitude="+6.4607194" drone-dji:DroneSerialNumber="SN-AIRLOCK-TIFF-LEAK"/></rdf:RDF></x:xmpmeta>',
);
const short = (v: number): Uint8Array => Uint8Array.of(v & 0xff, v >> 8);
function hostileTiff(how: string): Uint8Array {
  const t = new TiffBuilder();
  const strip = (fill: number): Entry[] => [
    [256, 3, 1, short(64)],
    [257, 3, 1, short(64)],
    [258, 3, 1, short(8)],
    [259, 3, 1, short(1)],
    [262, 3, 1, short(1)],
    [273, 4, 1, t.blob(new Uint8Array(64 * 64).fill(fill))],
    [277, 3, 1, short(1)],
    [278, 3, 1, short(64)],
    [279, 4, 1, 64 * 64],
  ];
  const gps = (): number =>
    t.ifd([
      [1, 2, 2, Uint8Array.of(0x4e, 0)],
      [2, 5, 3, TIFF_LAT],
      [3, 2, 2, Uint8Array.of(0x45, 0)],
      [4, 5, 3, TIFF_LON],
    ]);
  const exifWith = (e: Entry): Entry => [0x8769, 4, 1, t.ifd([[0x9000, 7, 4, Buffer.from('0230')], e])];
  const xmp: Entry = [700, 1, TIFF_XMP.length, TIFF_XMP];
  const ifd0 = strip(0);
  let ifd1: Entry[] | undefined;
  if (how === 'GPS IFD off IFD1') ifd1 = [...strip(1), [0x8825, 4, 1, gps()]];
  if (how === 'GPS IFDs off IFD0 and IFD1') {
    ifd0.push([0x8825, 4, 1, gps()]);
    ifd1 = [...strip(1), [0x8825, 4, 1, gps()]];
  }
  if (how === 'GPS IFD off the ExifIFD') ifd0.push(exifWith([0x8825, 4, 1, gps()]));
  if (how === 'GPS IFD off a SubIFD') ifd0.push([330, 4, 1, t.ifd([...strip(2), [0x8825, 4, 1, gps()]])]);
  if (how === 'GPS tags in IFD0')
    ifd0.push(
      [1, 2, 2, Uint8Array.of(0x4e, 0)],
      [2, 5, 3, TIFF_LAT],
      [3, 2, 2, Uint8Array.of(0x45, 0)],
      [4, 5, 3, TIFF_LON],
    );
  if (how === 'a position as XResolution') ifd0.push([0x11a, 5, 6, cat(TIFF_LAT, TIFF_LON)]);
  if (how === 'XMP in IFD1') ifd1 = [...strip(1), xmp];
  if (how === 'XMP in the ExifIFD') ifd0.push(exifWith(xmp));
  const next = ifd1 ? t.ifd(ifd1) : 0;
  return t.bytes(t.ifd(ifd0, next));
}
const TIFF_SMUGGLES = [
  'GPS IFD off IFD1',
  'GPS IFDs off IFD0 and IFD1',
  'GPS IFD off the ExifIFD',
  'GPS IFD off a SubIFD',
  'GPS tags in IFD0',
  'a position as XResolution',
  'XMP in IFD1',
  'XMP in the ExifIFD',
];
/** The latitude or longitude as the TIFF stores it, or the XMP's, anywhere in the bytes. */
const tiffRawLeaks = (b: Uint8Array): string[] => {
  const buf = Buffer.from(b);
  return [
    ...(buf.includes(Buffer.from(TIFF_LAT)) ? ['latitude rationals'] : []),
    ...(buf.includes(Buffer.from(TIFF_LON)) ? ['longitude rationals'] : []),
    ...(buf.includes('53.3651083') ? ['XMP latitude'] : []),
    ...(buf.includes('SN-AIRLOCK-TIFF-LEAK') ? ['XMP serial'] : []),
  ];
};

describe('hostile TIFFs: GPS and XMP hung off other IFDs', () => {
  it('are found by the oracles in the inputs, and in no clean copy', () => {
    const dir = join(base, 'tiff-moved');
    mkdirSync(dir);
    for (const how of TIFF_SMUGGLES) writeFileSync(join(dir, `${caseName(how)}.tif`), hostileTiff(how));
    const inputs = exiftoolJson([dir], ['-r']);
    // ExifTool reads every GPS IFD and packet; the GPS tags left in IFD0 and the position under
    // a display tag only the raw scan sees.
    expect(inputs.filter((r) => leaks(r).length > 0)).toHaveLength(TIFF_SMUGGLES.length - 2);
    for (const f of readdirSync(dir))
      expect(tiffRawLeaks(readFileSync(join(dir, f))).length, f).toBeGreaterThan(0);
    const { out, files } = scrubDrop(base, dir, 'tiff-moved');
    const clean = files.filter((f) => f.status === 'clean');
    // Each image keeps its own strip, so every one of them can be cleaned.
    expect(clean).toHaveLength(TIFF_SMUGGLES.length);
    const leaked = exiftoolJson(clean.map((f) => join(out, f.output))).flatMap((r) =>
      leaks(r).map((k) => `${r.SourceFile}: ${k}`),
    );
    for (const f of clean)
      leaked.push(...tiffRawLeaks(readFileSync(join(out, f.output))).map((l) => `${f.output}: ${l}`));
    expect(leaked).toEqual([]);
  }, 120_000);
});
