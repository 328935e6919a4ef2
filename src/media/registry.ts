/**
 * Which analyser reads a file, and the one place a file's analysis is turned into an outcome.
 * Detection is by content (first 4 KiB); the name only breaks ties between text formats,
 * which each analyser's own detect() decides. Nothing here throws: a file that cannot be read
 * is an outcome ('not-read', 'error'), never "clean" and never a crash.
 */
import { type AirlockError, asAirlockError } from '../core/errors.js';
import type { ByteSource } from '../core/source.js';
import type { Finding, Warning } from '../findings/model.js';
import { airlockManifestAnalyser } from './airlock-manifest/index.js';
import { flightLogCsvAnalyser, flightRecordAnalyser } from './flightlog/index.js';
import { isobmffAnalyser } from './isobmff/index.js';
import { jpegAnalyser } from './jpeg/index.js';
import { srtAnalyser } from './srt/index.js';
import { tiffAnalyser } from './tiff/index.js';
import { type Analyser, Collector, type FindingSink } from './types.js';
import { xmpSidecarAnalyser } from './xmp/index.js';

/** Binary formats with firm magic first; text formats after, since their detect() is looser. */
export const ANALYSERS: readonly Analyser[] = [
  jpegAnalyser,
  tiffAnalyser,
  flightRecordAnalyser,
  isobmffAnalyser,
  xmpSidecarAnalyser,
  srtAnalyser,
  flightLogCsvAnalyser,
  airlockManifestAnalyser,
];

/** How much of the file detection sees. */
export const HEAD_BYTES = 4096;

export type AnalysisStatus = 'read' | 'partial' | 'not-read' | 'error';

export interface AnalysisError {
  code: string;
  message: string;
  offset?: number;
}

export interface AnalysisResult {
  /** The analyser's id (or its finer format), 'empty', or null when no analyser took the file. */
  format: string | null;
  status: AnalysisStatus;
  /** Why a file was not read (or only partly): what it is, when recognisable. */
  reason?: string;
  error?: AnalysisError;
  findings: Finding[];
  warnings: Warning[];
  facts: Record<string, string | number | boolean>;
}

export const errorOf = (e: AirlockError): AnalysisError =>
  e.offset === undefined
    ? { code: e.code, message: e.message }
    : { code: e.code, message: e.message, offset: e.offset };

/**
 * `sink`: takes every finding, in order; the result then holds none when the analyser can hand
 * them over as they are made (Analyser.appendsOnly), else all of them as well.
 */
export function analyseSource(src: ByteSource, name: string, sink?: FindingSink): AnalysisResult {
  return analyseWith(ANALYSERS, src, name, sink);
}

/** analyseSource over a given analyser list (tests inject misbehaving analysers here). */
export function analyseWith(
  analysers: readonly Analyser[],
  src: ByteSource,
  name: string,
  sink?: FindingSink,
): AnalysisResult {
  const result = analyseInto(analysers, src, name, sink);
  if (sink && result.findings.length > 0) for (const f of result.findings) sink.add(f);
  return result;
}

function analyseInto(
  analysers: readonly Analyser[],
  src: ByteSource,
  name: string,
  sink: FindingSink | undefined,
): AnalysisResult {
  let head: Uint8Array;
  try {
    if (src.size === 0) return { format: 'empty', status: 'read', findings: [], warnings: [], facts: {} };
    head = src.read(0, Math.min(HEAD_BYTES, src.size));
  } catch (err) {
    return failed(null, new Collector(), asAirlockError(err, name));
  }

  const analyser = analysers.find((a) => safeDetect(a, head, name));
  if (!analyser) {
    return {
      format: null,
      status: 'not-read',
      reason: recogniseUnsupported(head),
      findings: [],
      warnings: [],
      facts: {},
    };
  }

  const out = new Collector(analyser.appendsOnly ? sink : undefined);
  try {
    analyser.analyse(src, out);
  } catch (err) {
    return failed(out.format ?? analyser.id, out, asAirlockError(err, name));
  }
  return {
    format: out.format ?? analyser.id,
    status: 'read',
    findings: out.findings,
    warnings: out.warnings,
    facts: out.facts,
  };
}

/** A detect() that throws on odd bytes is a bug in that analyser, not a reason to stop: it just does not claim the file. */
function safeDetect(a: Analyser, head: Uint8Array, name: string): boolean {
  try {
    return a.detect(head, name);
  } catch {
    return false;
  }
}

/** Keep what was found before the failure: findings make it 'partial', none make it 'error' (or 'not-read' for an unsupported variant). */
function failed(format: string | null, out: Collector, err: AirlockError): AnalysisResult {
  const base = {
    format,
    findings: out.findings,
    warnings: out.warnings,
    facts: out.facts,
    error: errorOf(err),
  };
  if (out.count > 0) {
    const at = err.offset === undefined ? '' : ` at offset ${err.offset}`;
    return { ...base, status: 'partial', reason: `stopped${at}: ${err.message} (${err.code})` };
  }
  if (err.code === 'AIRLOCK_ERR_UNSUPPORTED') return { ...base, status: 'not-read', reason: err.message };
  return { ...base, status: 'error' };
}

const ascii = (b: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));
const startsWith = (b: Uint8Array, magic: readonly number[], at = 0): boolean =>
  b.length >= at + magic.length && magic.every((m, i) => b[at + i] === m);

const ISOBMFF_IMAGE_BRANDS = new Set([
  'heic',
  'heix',
  'hevc',
  'heim',
  'heis',
  'mif1',
  'msf1',
  'avif',
  'avis',
  'crx',
]);

/** Name what a file is when Airlock does not read it, so the report says more than "unknown". */
export function recogniseUnsupported(head: Uint8Array): string {
  const box = ascii(head, 4, 8);
  if (box === 'ftyp') {
    const brand = ascii(head, 8, 12).trim();
    const kind = ISOBMFF_IMAGE_BRANDS.has(brand) ? 'image' : 'video';
    return `ISO-BMFF ${kind} (brand '${brand}'): not yet supported`;
  }
  if (['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(box)) {
    return 'ISO-BMFF video (QuickTime): not yet supported';
  }
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return 'PNG image: not yet supported';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'GIF image: not yet supported';
  if (ascii(head, 0, 4) === 'RIFF') return `RIFF ${ascii(head, 8, 12).trim()} file: not yet supported`;
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return 'zip archive (or APK/Office document): not read by inspect';
  }
  if (ascii(head, 0, 5) === '%PDF-') return 'PDF document: not supported';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'Matroska/WebM video: not supported';
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip-compressed data: not read';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7-Zip archive: not read';
  if (startsWith(head, [0x0a, 0x0d, 0x0d, 0x0a])) return 'pcapng capture: use `airlock audit`';
  const m32 = head.length >= 4 ? ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0 : 0;
  if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(m32))
    return 'pcap capture: use `airlock audit`';
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return 'ELF executable: not media';
  if (head.length >= 189 && head[0] === 0x47 && head[188] === 0x47)
    return 'MPEG transport stream: not supported';
  if (looksLikeText(head)) return 'text file of no known format: not read';
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `unrecognised content (starts ${hex}): not read`;
}

function looksLikeText(head: Uint8Array): boolean {
  for (const b of head)
    if (b === 0 || (b < 0x09 && b !== 0x1b) || (b > 0x0d && b < 0x20 && b !== 0x1b)) return false;
  return true;
}
