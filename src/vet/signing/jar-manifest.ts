/**
 * JAR manifest and signature-file sections (MANIFEST.MF, *.SF), read as apksig's ManifestParser
 * reads them, because the .SF signs the manifest's sections by their exact bytes: a section runs
 * from its first line through the blank line that ends it; lines end in CRLF, LF or CR; a line
 * starting with a space continues the previous one.
 */
import { AirlockError } from '../../core/errors.js';
import { SIGNING_LIMITS } from './limits.js';

export interface ManifestSection {
  /** Offset and length of the section's bytes within the file. */
  start: number;
  size: number;
  /** The first attribute's value when it is "Name" (case-insensitive). */
  name?: string;
  attrs: [string, string][];
}

const utf8 = new TextDecoder();

class LineReader {
  private pos = 0;
  /** A line read ahead (undefined: none; empty: "end of section" pending). */
  private buffered: Uint8Array | undefined;
  constructor(private readonly data: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  private line(): Uint8Array | undefined {
    const d = this.data;
    if (this.pos >= d.length) return undefined;
    const start = this.pos;
    let end = d.length;
    let next = d.length;
    for (let i = start; i < d.length; i++) {
      if (d[i] === 0x0d) {
        end = i;
        next = i + 1 < d.length && d[i + 1] === 0x0a ? i + 2 : i + 1;
        break;
      }
      if (d[i] === 0x0a) {
        end = i;
        next = i + 1;
        break;
      }
    }
    this.pos = next;
    return d.subarray(start, end);
  }

  /** One attribute with its continuation lines joined; empty at a section's end; undefined at EOF. */
  attribute(): Uint8Array | undefined {
    if (this.buffered?.length === 0) {
      this.buffered = undefined;
      return new Uint8Array(0);
    }
    let line = this.line();
    if (line === undefined) {
      const b = this.buffered;
      this.buffered = undefined;
      return b;
    }
    if (line.length === 0) {
      if (this.buffered !== undefined) {
        const b = this.buffered;
        this.buffered = new Uint8Array(0);
        return b;
      }
      return line;
    }
    const parts: Uint8Array[] = [];
    if (this.buffered === undefined) parts.push(line);
    else {
      if (line[0] !== 0x20) {
        const b = this.buffered;
        this.buffered = line;
        return b;
      }
      parts.push(this.buffered, line.subarray(1));
      this.buffered = undefined;
    }
    for (;;) {
      line = this.line();
      if (line === undefined) return Buffer.concat(parts);
      if (line.length === 0) {
        this.buffered = new Uint8Array(0);
        return Buffer.concat(parts);
      }
      if (line[0] === 0x20) parts.push(line.subarray(1));
      else {
        this.buffered = line;
        return Buffer.concat(parts);
      }
    }
  }
}

function parseAttr(bytes: Uint8Array): [string, string] {
  const s = utf8.decode(bytes);
  const i = s.indexOf(': ');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 2)];
}

/** All sections: the main section first, then the individual ones. */
export function readManifest(data: Uint8Array, what: string): ManifestSection[] {
  const r = new LineReader(data);
  const sections: ManifestSection[] = [];
  for (;;) {
    let start: number;
    let attr: Uint8Array | undefined;
    do {
      start = r.offset;
      attr = r.attribute();
    } while (attr !== undefined && attr.length === 0);
    if (attr === undefined) return sections;
    if (sections.length >= SIGNING_LIMITS.maxSections) {
      throw new AirlockError(
        'AIRLOCK_ERR_LIMIT',
        `${what}: more than ${SIGNING_LIMITS.maxSections} sections`,
        start,
      );
    }
    const attrs: [string, string][] = [parseAttr(attr)];
    for (;;) {
      attr = r.attribute();
      if (attr === undefined || attr.length === 0) break;
      attrs.push(parseAttr(attr));
    }
    const first = attrs[0]!;
    sections.push({
      start,
      size: r.offset - start,
      name: first[0].toLowerCase() === 'name' ? first[1] : undefined,
      attrs,
    });
  }
}

export function attribute(s: ManifestSection | undefined, name: string): string | undefined {
  const n = name.toLowerCase();
  return s?.attrs.find(([k]) => k.toLowerCase() === n)?.[1];
}
