/**
 * The oracle for the ZIP reader: Info-ZIP's `zipinfo -v`, parsed. It reads nothing of Airlock's;
 * names come back as zipinfo prints them (control characters as ^X), so compare through
 * `asZipinfoShows`.
 */
import { spawnSync } from 'node:child_process';

export interface ZipinfoEntry {
  name: string;
  localHeaderOffset: number;
  method: string;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  encrypted: boolean;
}

export interface Zipinfo {
  status: number;
  text: string;
  eocdOffset?: number;
  cdSize?: number;
  cdOffset?: number;
  entryCount?: number;
  entries: ZipinfoEntry[];
}

const num = (text: string, re: RegExp): number | undefined => {
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
};

export function zipinfo(path: string): Zipinfo {
  const r = spawnSync('zipinfo', ['-v', path], { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error; // zipinfo missing: the test fails, it does not skip
  const text = r.stdout;
  const entries: ZipinfoEntry[] = [];
  const parts = text.split(/\nCentral directory entry #\d+:\n-+\n\n/).slice(1);
  for (const part of parts) {
    // zipinfo's note about a gap before the entry comes before the name.
    const p = part.replace(/^ {2}There are an extra -?\d+ bytes preceding this file\.\n\n/, '');
    const name = p.slice(2, p.indexOf('\n'));
    const field = (label: string): string => {
      const m = new RegExp(`\\n  ${label}:\\s+(.*)`).exec(p);
      if (!m) throw new Error(`zipinfo: no "${label}" for ${name}`);
      return m[1]!.trim();
    };
    entries.push({
      name,
      localHeaderOffset: Number(field('offset of local header from start of archive')),
      method: field('compression method'),
      crc32: Number.parseInt(field('32-bit CRC value \\(hex\\)'), 16),
      compressedSize: Number(field('compressed size').replace(/ bytes$/, '')),
      uncompressedSize: Number(field('uncompressed size').replace(/ bytes$/, '')),
      encrypted: field('file security status') !== 'not encrypted',
    });
  }
  return {
    status: r.status ?? -1,
    text,
    eocdOffset: num(text, /Actual end-cent-dir record offset:\s+(\d+)/),
    cdSize: num(text, /The central directory is (\d+) /),
    cdOffset: num(text, /is (\d+) \([0-9A-F]+h\)\.\n/),
    entryCount: num(text, /central directory contains (\d+) entr/),
    entries,
  };
}

/** A name as zipinfo prints it: cut at a NUL (a C string), control characters as ^A…^_, DEL as ^?. */
export const asZipinfoShows = (name: string): string =>
  name
    .split('\u0000')[0]!
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `^${String.fromCharCode((c.charCodeAt(0) + 64) & 0x7f)}`);

/** Method as zipinfo names it. */
export const zipinfoMethod = (m: number): string =>
  m === 0 ? 'none (stored)' : m === 8 ? 'deflated' : `method ${m}`;
