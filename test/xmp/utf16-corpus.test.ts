/**
 * The corpus's UTF-16BE XMP packets (exiftool-XMP.jpg, exiftool-ExifTool.jpg) against ExifTool:
 * every XMP property ExifTool reads, Airlock reports with the same value, and the bytes each
 * finding's ranges name, decoded as UTF-16BE straight from the file, spell that same value.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { analyseSource } from '../../src/media/registry.js';
import { corpusFile } from '../helpers/corpus.js';
import { exiftoolJson } from '../helpers/exiftool.js';

const FILES = ['exiftool-XMP.jpg', 'exiftool-ExifTool.jpg'].map((n) => corpusFile('media', n));
const records = exiftoolJson(FILES, ['-XMP:all']);

/** ExifTool's -n output normalised to the text the packet holds (dates "2004:02:26", booleans). */
function oracleText(v: unknown): string {
  const text = Array.isArray(v) ? v.map(String).join(', ') : String(v);
  return text.replace(/^(\d{4}):(\d\d):(\d\d)/, '$1-$2-$3').toLowerCase();
}

const unescapeXml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** The value bytes a finding names, read from the file and decoded as UTF-16BE (independently of Airlock). */
function textAtRanges(file: Uint8Array, f: Finding): string {
  return f.ranges
    .map((r) => {
      expect(r.length % 2, `${f.tag}: a UTF-16 range covers whole code units`).toBe(0);
      const units = Buffer.from(file.subarray(r.offset, r.offset + r.length));
      return unescapeXml(units.swap16().toString('utf16le'));
    })
    .join(', ');
}

describe.each(FILES.map((f, i) => [basename(f), f, i] as const))('%s (UTF-16BE XMP)', (_n, path, i) => {
  const rec = records[i] ?? {};
  const src = FileSource.open(path);
  const result = (() => {
    try {
      return analyseSource(src, basename(path));
    } finally {
      src.close();
    }
  })();
  const bytes = new Uint8Array(readFileSync(path));
  const xmp = result.findings.filter((f) => f.path.includes('APP1 XMP'));
  const wanted = Object.entries(rec).filter(
    ([k]) => k.startsWith('XMP-') && !k.startsWith('XMP-x:') && !k.startsWith('XMP-rdf:'),
  );

  it('is read in full (the packet is not refused)', () => {
    expect(result.status, JSON.stringify(result.error)).toBe('read');
    expect(wanted.length).toBeGreaterThan(20);
  });

  it.each(wanted)('%s: same value as ExifTool, and the ranges spell it', (key, value) => {
    const local = key.slice(key.indexOf(':') + 1).toLowerCase();
    const f = xmp.find((x) => x.tag.slice(x.tag.indexOf(':') + 1).toLowerCase() === local);
    expect(f, `no Airlock finding for ${key}`).toBeDefined();
    const v = f!.value;
    const shown =
      v.kind === 'text' || v.kind === 'time' ? v.text : v.kind === 'number' ? String(v.value) : '';
    expect(shown.toLowerCase()).toBe(oracleText(value));
    expect(textAtRanges(bytes, f!).toLowerCase()).toBe(oracleText(value));
  });
});
