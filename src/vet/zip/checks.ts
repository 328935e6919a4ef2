/**
 * The oddities of a whole archive that do not stop it being read, each a Warning: bytes before
 * the first entry (Janus), names listed twice, names that escape or hide (.., absolute, control
 * characters), encrypted or unreadable entries, and entries whose bytes overlap (zip bombs reuse
 * one compressed run for many entries).
 */
import type { Warning } from '../../findings/model.js';
import { LOCAL_BYTES } from './local-header.js';
import type { ZipEntry } from './types.js';

const ENCRYPTED = 0x0001;
const DEX_MAGIC = [0x64, 0x65, 0x78, 0x0a]; // "dex\n"

/** Why a name is dangerous to extract or to show, or undefined when it is not. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return `control character U+${c.toString(16).padStart(4, '0')} in name`;
  }
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split(/[/\\]/).includes('..')) return "'..' path segment";
  return undefined;
}

export function prefixBytes(b: Uint8Array, entries: readonly ZipEntry[], cdOffset: number): number {
  let lowest = cdOffset;
  for (const e of entries) lowest = Math.min(lowest, e.localHeaderOffset);
  return Math.min(lowest, b.length);
}

export function prefixWarning(b: Uint8Array, prefix: number): Warning | undefined {
  if (prefix === 0) return undefined;
  const dex = prefix >= 4 && DEX_MAGIC.every((c, i) => b[i] === c);
  return {
    name: 'zip-prefix',
    offset: 0,
    detail: dex
      ? `${prefix} bytes before the first entry hold a DEX file (Janus, CVE-2017-13156): Android may run them as the app's code`
      : `${prefix} bytes before the first entry`,
  };
}

export function entryWarnings(entries: readonly ZipEntry[], warnings: Warning[]): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    const quoted = JSON.stringify(e.name);
    const first = seen.get(e.name);
    if (first !== undefined) {
      warnings.push({
        name: 'zip-duplicate-name',
        offset: e.centralOffset,
        detail: `${quoted} is listed again (first at ${first}): tools disagree on which one is read`,
      });
    } else seen.set(e.name, e.centralOffset);
    const problem = nameProblem(e.name);
    if (problem)
      warnings.push({ name: 'zip-entry-name', offset: e.centralOffset, detail: `${quoted}: ${problem}` });
    if (e.flags & ENCRYPTED) {
      warnings.push({ name: 'zip-encrypted', offset: e.centralOffset, detail: `${quoted} is encrypted` });
    }
    if (e.method !== 0 && e.method !== 8) {
      warnings.push({
        name: 'zip-method',
        offset: e.centralOffset,
        detail: `${quoted} uses compression method ${e.method}, which Android does not read`,
      });
    }
  }
}

/** Entries whose header-and-data ranges overlap each other or run into the central directory. */
export function overlapWarnings(entries: readonly ZipEntry[], cdOffset: number, warnings: Warning[]): void {
  const spans = entries.map((e) => ({
    e,
    start: e.localHeaderOffset,
    end: e.dataOffset >= 0 ? e.dataOffset + e.compressedSize : e.localHeaderOffset + LOCAL_BYTES,
  }));
  spans.sort((x, y) => x.start - y.start || x.end - y.end);
  let reach: (typeof spans)[number] | undefined;
  for (const s of spans) {
    if (reach && s.start < reach.end) {
      warnings.push({
        name: 'zip-overlap',
        offset: s.start,
        detail: `${JSON.stringify(s.e.name)} (${s.start}–${s.end}) overlaps ${JSON.stringify(reach.e.name)} (${reach.start}–${reach.end})`,
      });
    }
    if (s.start >= cdOffset) {
      warnings.push({
        name: 'zip-overlap',
        offset: s.start,
        detail: `${JSON.stringify(s.e.name)} has its local header at ${s.start}, at or after the central directory (${cdOffset})`,
      });
    } else if (s.end > cdOffset) {
      warnings.push({
        name: 'zip-overlap',
        offset: s.start,
        detail: `${JSON.stringify(s.e.name)} (${s.start}–${s.end}) runs into the central directory at ${cdOffset}`,
      });
    }
    if (!reach || s.end > reach.end) reach = s;
  }
}
