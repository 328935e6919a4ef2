/**
 * moov and what it holds: the movie's and each track's creation and modification times (mvhd,
 * tkhd, mdhd), each track's kind (hdlr) and sample format (stsd), user data and item lists.
 * A track is the media itself unless it carries telemetry, a subtitle (DJI puts its SRT there)
 * or a second picture of the scene (DJI's MJPEG preview track): those are findings too.
 */

import { LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Range } from '../../findings/model.js';
import type { Collector } from '../types.js';
import {
  type Box,
  type BoxBudget,
  be32,
  be64,
  bodyOf,
  childrenOf,
  fourcc,
  printable,
  wholeOf,
} from './boxes.js';
import { handlerType, otherBox, padding, readMeta, readUserData } from './items.js';
import { sampleRanges } from './samples.js';
import {
  handlerName,
  readApertures,
  readDataInfo,
  readEdits,
  readReferences,
  readSampleEntries,
  readSampleTable,
  requireFields,
  TIMED,
  trailing,
} from './structure.js';
import { TELEMETRY_FORMATS } from './tags.js';
import { readTextTrack, TEXT_FORMATS } from './text-track.js';
import { carriedBy } from './units.js';

/** Seconds from 1904-01-01 (QuickTime's epoch) to 1970-01-01. */
export const EPOCH_1904 = 2_082_844_800;

/**
 * Boxes that lay out the media and hold nothing to report; the rewriter drops those a player
 * does not need (PLAYBACK in structure.ts): an initial object descriptor, fragment defaults.
 */
const LAYOUT = new Set(['iods', 'mvex']);

export interface TrackSummary {
  handler: string;
  format: string;
  /** The sample table (minf › stbl), where the samples are found. */
  stbl?: Box;
}

/** Handlers of tracks that carry text: subtitles (3GPP 'sbtl', QuickTime 'text', closed captions). */
const TEXT_HANDLERS = new Set(['text', 'sbtl', 'subt', 'clcp']);

export function readMovie(src: ByteSource, moov: Box, out: Collector, budget: BoxBudget): TrackSummary[] {
  const tracks: TrackSummary[] = [];
  let n = 0;
  for (const box of childrenOf(src, moov, budget)) {
    const path = ['moov'];
    switch (box.type) {
      case 'mvhd':
        times(src, box, ['moov'], out);
        break;
      case 'trak':
        tracks.push(readTrack(src, box, ++n, tracks, out, budget));
        break;
      default:
        readAnyOther(src, box, path, out, budget);
    }
  }
  return tracks;
}

/**
 * A child of moov or trak that is not its own kind: user data, an item list, padding, the
 * layout boxes a player reads (edits, references, apertures), or reported whole.
 */
function readAnyOther(src: ByteSource, box: Box, path: string[], out: Collector, budget: BoxBudget): void {
  switch (box.type) {
    case 'edts':
      readEdits(src, box, path, out, budget);
      return;
    case 'tref':
      readReferences(src, box, path, out, budget);
      return;
    case 'tapt':
      readApertures(src, box, path, out, budget);
      return;
    case 'udta':
      readUserData(src, box, [...path, 'udta'], out, budget);
      return;
    case 'meta':
      readMeta(src, box, [...path, 'meta'], out, budget);
      return;
    case 'free':
    case 'skip':
    case 'wide':
      padding(src, box, path, out);
      return;
    default:
      if (!LAYOUT.has(box.type)) otherBox(src, box, path, out);
  }
}

function readTrack(
  src: ByteSource,
  trak: Box,
  n: number,
  before: readonly TrackSummary[],
  out: Collector,
  budget: BoxBudget,
): TrackSummary {
  const path = ['moov', `trak ${n}`];
  const summary: TrackSummary = { handler: '', format: '' };
  let media: Box | undefined;
  for (const box of childrenOf(src, trak, budget)) {
    switch (box.type) {
      case 'tkhd':
        times(src, box, path, out);
        break;
      case 'mdia':
        media = box;
        readMedia(src, box, [...path, 'mdia'], summary, out, budget);
        break;
      default:
        readAnyOther(src, box, path, out, budget);
    }
  }
  const first = out.findings.length;
  if (media && summary.stbl && TEXT_HANDLERS.has(summary.handler) && TEXT_FORMATS.has(summary.format)) {
    const samples = sampleRanges(src, summary.stbl, budget, LIMITS.maxFindings);
    readTextTrack(src, samples, [...path, printable(summary.format)], out);
  } else if (media) trackFinding(trak, summary, before, path, out);
  carriedBy(out, first, summary.stbl ? { kind: 'track', trak, stbl: summary.stbl } : { kind: 'track', trak });
  const { stbl: _, ...kept } = summary;
  return kept;
}

function readMedia(
  src: ByteSource,
  mdia: Box,
  path: string[],
  summary: TrackSummary,
  out: Collector,
  budget: BoxBudget,
): void {
  for (const box of childrenOf(src, mdia, budget)) {
    if (box.type === 'mdhd') times(src, box, path, out);
    else if (box.type === 'hdlr') {
      summary.handler = handlerType(src, box);
      // A track beyond picture and sound goes whole (trackFinding), its names with it.
      if (isMedia(summary)) handlerName(src, box, path, out);
    } else if (box.type === 'minf') readMediaInfo(src, box, [...path, 'minf'], summary, out, budget);
    else if (PAD.has(box.type)) padding(src, box, path, out);
    else otherBox(src, box, path, out);
  }
}

/** minf: every child is named; a box hidden among the media headers or the sample tables is reported. */
function readMediaInfo(
  src: ByteSource,
  minf: Box,
  path: string[],
  summary: TrackSummary,
  out: Collector,
  budget: BoxBudget,
): void {
  for (const child of childrenOf(src, minf, budget)) {
    if (child.type === 'stbl' && !summary.stbl) {
      summary.stbl = child;
      summary.format = sampleFormat(src, child, budget);
      for (const table of childrenOf(src, child, budget)) {
        readSampleTable(src, table, [...path, 'stbl'], out);
        if (table.type === 'stsd')
          readSampleEntries(src, table, summary.handler, [...path, 'stbl'], out, budget);
      }
    } else if (child.type === 'dinf') readDataInfo(src, child, path, out, budget);
    else if (child.type === 'hdlr') {
      if (isMedia(summary)) handlerName(src, child, path, out);
    } else if (MEDIA_HEADERS.has(child.type)) trailing(src, child, path, out);
    else if (PAD.has(child.type)) padding(src, child, path, out);
    // QuickTime's base media header (gmhd) only heads tracks beyond picture and sound: they go whole.
    else if (child.type !== 'gmhd') otherBox(src, child, path, out);
  }
}

const PAD = new Set(['free', 'skip', 'wide']);
const isMedia = (t: TrackSummary): boolean => t.handler === 'vide' || t.handler === 'soun';

/** The media headers of minf (ISO/IEC 14496-12 §12): fixed fields only. */
const MEDIA_HEADERS = new Set(['vmhd', 'smhd', 'hmhd', 'nmhd', 'sthd']);

/** The first sample entry's format in stbl › stsd ('avc1', 'mp4a', 'djmd'…). */
function sampleFormat(src: ByteSource, stbl: Box, budget: BoxBudget): string {
  for (const child of childrenOf(src, stbl, budget)) {
    if (child.type !== 'stsd') continue;
    const body = bodyOf(child);
    // version/flags, entry_count, then the first entry's size and format.
    return body.length < 16 ? '' : fourcc(src.read(body.offset + 12, 4), 0);
  }
  return '';
}

/**
 * A track that is more than the media: telemetry, a subtitle, or a picture beyond the first
 * video track. Its whole 'trak' box is the range: the samples it points to are in mdat.
 */
function trackFinding(
  trak: Box,
  t: TrackSummary,
  before: readonly TrackSummary[],
  path: string[],
  out: Collector,
): void {
  const range: Range = wholeOf(trak);
  const telemetry = TELEMETRY_FORMATS[t.format];
  const what = `${printable(t.handler)} track, samples '${printable(t.format)}'`;
  if (telemetry !== undefined || t.handler === 'meta' || t.handler === 'camm') {
    out.add({
      category: 'opaque',
      tag: `TimedMetadata(${printable(t.format) || printable(t.handler)})`,
      path,
      ranges: [range],
      value: {
        kind: 'block',
        size: trak.size,
        note: `${what}: ${telemetry ?? 'timed metadata, not decoded'}`,
      },
    });
  } else if (TEXT_HANDLERS.has(t.handler)) {
    out.add({
      category: 'opaque',
      tag: `SubtitleTrack(${printable(t.format)})`,
      path,
      ranges: [range],
      value: {
        kind: 'block',
        size: trak.size,
        note: `${what}: samples not read (a format other than tx3g or text)`,
      },
    });
  } else if (t.handler === 'vide' && before.some((b) => b.handler === 'vide')) {
    out.add({
      category: 'imagery.embedded',
      tag: `VideoTrack(${printable(t.format)})`,
      path,
      ranges: [range],
      value: { kind: 'block', size: trak.size, note: `${what}: another picture of the scene` },
    });
  } else if (t.handler === 'tmcd') {
    // The time of day the recording started (or any frame count a tool writes there).
    out.add({
      category: 'time',
      tag: `Timecode(${printable(t.format)})`,
      path,
      ranges: [range],
      value: { kind: 'block', size: trak.size, note: `${what}: the time of day the recording started` },
    });
  } else if (t.handler !== 'vide' && t.handler !== 'soun') {
    out.add({
      category: 'other',
      tag: `Track(${printable(t.handler)})`,
      path,
      ranges: [range],
      value: { kind: 'block', size: trak.size, note: what },
    });
  }
}

/**
 * A full box's creation and modification times (version 1: 64-bit), seconds since 1904, and
 * any bytes past its fields. A box too short for its fields is refused: ExifTool reads a date
 * from what there is.
 */
function times(src: ByteSource, box: Box, path: string[], out: Collector): void {
  requireFields(src, box);
  const names = TIMED[box.type] as [string, string];
  const body = bodyOf(box);
  const b = src.read(body.offset, 20);
  const wide = b[0] === 1;
  const width = wide ? 8 : 4;
  names.forEach((name, i) => {
    const at = 4 + i * width;
    const seconds = wide ? be64(b, at) : be32(b, at);
    if (seconds === 0) return;
    const first = out.findings.length;
    out.add({
      category: 'time',
      tag: name,
      path: [...path, box.type],
      ranges: [{ offset: body.offset + at, length: width }],
      value: { kind: 'time', text: quickTimeDate(seconds) },
    });
    carriedBy(out, first, { kind: 'field', box, at: body.offset + at, width });
  });
  trailing(src, box, path, out);
}

/** 'YYYY:MM:DD HH:MM:SS' in UTC, as ExifTool prints QuickTime dates; out of range: the raw seconds. */
export function quickTimeDate(seconds: number): string {
  const ms = (seconds - EPOCH_1904) * 1000;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) return `${seconds} s since 1904`;
  const iso = d.toISOString();
  return `${iso.slice(0, 4)}:${iso.slice(5, 7)}:${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
}
