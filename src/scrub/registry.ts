/**
 * The rewriters scrub can call, by format id (the Analyser's id, or its finer format such as
 * 'dng'). A format missing here is withheld as "cannot clean this format yet", never copied.
 */
import { flightLogCsvRewriter } from '../media/flightlog/rewrite-csv.js';
import { isobmffRewriter } from '../media/isobmff/rewrite.js';
import { jpegRewriter } from '../media/jpeg/rewrite.js';
import { srtRewriter } from '../media/srt/rewrite.js';
import { tiffRewriter } from '../media/tiff/rewrite.js';
import { xmpRewriter } from '../media/xmp/rewrite.js';
import type { Rewriter } from './types.js';

export const REWRITERS: readonly Rewriter[] = [
  jpegRewriter,
  tiffRewriter,
  xmpRewriter,
  srtRewriter,
  flightLogCsvRewriter,
  isobmffRewriter,
];

/** Formats a rewriter also handles under another id (a DNG is a TIFF). */
const ALIASES: Record<string, string> = { dng: 'tiff', mov: 'mp4' };

export function rewriterFor(format: string): Rewriter | undefined {
  return REWRITERS.find((r) => r.id === format) ?? REWRITERS.find((r) => r.id === ALIASES[format]);
}
