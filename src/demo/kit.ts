/**
 * The demo kit's files, as bytes: a DJI-style still (EXIF GPS and serial, DJI XMP position,
 * an IFD1 thumbnail), the video's SRT sidecar, an encrypted-style flight record and a clean picture.
 * Every value is fictional (places.ts); nothing comes from the test corpus.
 */
import { createHash } from 'node:crypto';
import { writeFlightRecord } from '../media/flightlog/index.js';
import { buildJpeg, xmpPayload } from '../media/jpeg/write.js';
import { ascii, buildExif } from '../media/tiff/write.js';
import { SITE } from './places.js';
import { demoSrt } from './srt.js';
import { demoXmp } from './xmp.js';

export interface KitFile {
  name: string;
  bytes: Uint8Array;
  /** One line for the demo's listing. */
  about: string;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

export function demoStill(): Uint8Array {
  const tiff = buildExif({
    ifd0: [ascii(0x010f, 'DJI'), ascii(0x0110, 'FC3411'), ascii(0x0131, 'v01.05.0300')],
    exif: [ascii(0x9003, SITE.captureTime), ascii(0xa431, SITE.serial)],
    gps: { lat: SITE.drone.lat, lon: SITE.drone.lon, alt: SITE.drone.alt },
    thumbnail: buildJpeg([]),
  });
  const exif = new Uint8Array(6 + tiff.length);
  exif.set(text('Exif\0\0'), 0);
  exif.set(tiff, 6);
  return buildJpeg([
    { marker: 0xe1, payload: exif },
    { marker: 0xe1, payload: xmpPayload(text(demoXmp())) },
  ]);
}

export function demoKit(): KitFile[] {
  return [
    {
      name: 'DJI_0001.JPG',
      bytes: demoStill(),
      about: 'still: EXIF GPS + serial, DJI XMP position, thumbnail',
    },
    {
      name: 'DJI_0002.SRT',
      bytes: text(demoSrt()),
      about: "video sidecar: drone GPS and the pilot's HOME, per second",
    },
    {
      name: 'DJIFlightRecord_2024-05-14_[10-31-40].txt',
      // Random-looking bytes where a real v14 record holds ciphertext: what the file is said to be.
      bytes: writeFlightRecord({
        version: 14,
        auxInfo: cipherLike('aux', 96),
        records: cipherLike('body', 4096),
      }),
      about: 'flight record (v14: its body is encrypted, so it cannot be cleaned)',
    },
    { name: 'site-logo.jpg', bytes: buildJpeg([]), about: 'a picture with no metadata at all' },
  ];
}

/** `n` bytes that look like ciphertext, the same every run: SHA-256 of a label and a counter. */
function cipherLike(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i * 32 < n; i++)
    out.set(
      createHash('sha256')
        .update(`${label}:${i}`)
        .digest()
        .subarray(0, Math.min(32, n - i * 32)),
      i * 32,
    );
  return out;
}
