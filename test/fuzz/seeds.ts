/** Seed files per format, read in place from the corpus (never copied into the project). */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { corpusDir } from '../helpers/corpus.js';
import type { Seed } from './harness.js';
import { jpegLayout, layoutOf } from './layout.js';

const read = (format: string, files: string[]): Seed[] =>
  files.map((f) => {
    const bytes = new Uint8Array(readFileSync(f));
    return { name: basename(f), bytes, layout: layoutOf(format, bytes) };
  });

const ofExt = (exts: string[]) => (f: string) => exts.includes(extname(f).toLowerCase());

export const jpegSeeds = (): Seed[] => read('jpeg', corpusDir('media').filter(ofExt(['.jpg', '.jpeg'])));
export const tiffSeeds = (): Seed[] =>
  read('tiff', corpusDir('media').filter(ofExt(['.tif', '.tiff', '.dng'])));
export const isobmffSeeds = (): Seed[] => read('isobmff', corpusDir('media').filter(ofExt(['.mp4', '.mov'])));
export const srtSeeds = (): Seed[] => read('srt', corpusDir('srt'));
export const csvSeeds = (): Seed[] => read('csv', corpusDir('flightlog').filter(ofExt(['.csv'])));

/** XMP sidecars: the packets of the corpus JPEGs' APP1 XMP segments, as a sidecar file holds them. */
export function xmpSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const s of jpegSeeds()) {
    for (const [a, b] of jpegLayout(s.bytes).xmp) {
      out.push({
        name: s.name.replace(/\.[^.]+$/, '.xmp'),
        bytes: s.bytes.slice(a, b),
        layout: { fields: [], xmp: [] },
      });
    }
  }
  return out;
}
