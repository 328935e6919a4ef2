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
import { TELEMETRY_FORMATS } from './tags.js';
import { readTextTrack, TEXT_FORMATS } from './text-track.js';
import { carriedBy } from './units.js';

/** Seconds from 1904-01-01 (QuickTime's epoch) to 1970-01-01. */
export const EPOCH_1904 = 2_082_844_800;

/** Boxes that only lay out the media (sample tables, edit lists, references): nothing to report. */
const LAYOUT = new Set([
  'iods',
  'mvex',
  'prfl',
  'ctab',
  'clip',
  'htka',
  'edts',
  'tref',
  'tapt',
  'load',
  'matt',
  'kmat',
  'imap',
  'txas',
  'vmhd',
  'smhd',
  'gmhd',
  'nmhd',
  'hmhd',
  'sthd',
  'dinf',
  'hdlr',
]);

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
        times(src, box, ['moov', 'mvhd'], ['CreateDate', 'ModifyDate'], out);
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

/** A child of moov or trak that is not its own kind: user data, an item list, padding, or reported whole. */
function readAnyOther(src: ByteSource, box: Box, path: string[], out: Collector, budget: BoxBudget): void {
  switch (box.type) {
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
        times(src, box, [...path, 'tkhd'], ['TrackCreateDate', 'TrackModifyDate'], out);
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
    if (box.type === 'mdhd') times(src, box, [...path, 'mdhd'], ['MediaCreateDate', 'MediaModifyDate'], out);
    else if (box.type === 'hdlr') summary.handler = handlerType(src, box);
    else if (box.type === 'minf') {
      // Every child is named: a box hidden among the media headers or the sample tables is reported.
      for (const child of childrenOf(src, box, budget)) {
        if (child.type === 'stbl' && !summary.stbl) {
          summary.stbl = child;
          summary.format = sampleFormat(src, child, budget);
          for (const table of childrenOf(src, child, budget))
            if (!SAMPLE_TABLES.has(table.type)) otherBox(src, table, [...path, 'minf', 'stbl'], out);
        } else if (!LAYOUT.has(child.type)) otherBox(src, child, [...path, 'minf'], out);
      }
    } else if (!LAYOUT.has(box.type)) otherBox(src, box, path, out);
  }
}

/** The boxes of a sample table (ISO/IEC 14496-12 §8.5–8.9, QuickTime's stps): layout only. */
const SAMPLE_TABLES = new Set([
  'stsd',
  'stts',
  'ctts',
  'cslg',
  'stsc',
  'stsz',
  'stz2',
  'stco',
  'co64',
  'stss',
  'stsh',
  'stdp',
  'sdtp',
  'sbgp',
  'sgpd',
  'subs',
  'saiz',
  'saio',
  'padb',
  'stps',
  'free',
  'skip',
]);

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
  } else if (!['vide', 'soun', 'tmcd', 'hint'].includes(t.handler)) {
    out.add({
      category: 'other',
      tag: `Track(${printable(t.handler)})`,
      path,
      ranges: [range],
      value: { kind: 'block', size: trak.size, note: what },
    });
  }
}

/** A full box's creation and modification times (version 1: 64-bit), seconds since 1904. */
function times(src: ByteSource, box: Box, path: string[], names: [string, string], out: Collector): void {
  const body = bodyOf(box);
  if (body.length < 12) return;
  const b = src.read(body.offset, Math.min(body.length, 20));
  const wide = b[0] === 1;
  const width = wide ? 8 : 4;
  if (b.length < 4 + 2 * width) return;
  names.forEach((name, i) => {
    const at = 4 + i * width;
    const seconds = wide ? be64(b, at) : be32(b, at);
    if (seconds === 0) return;
    const first = out.findings.length;
    out.add({
      category: 'time',
      tag: name,
      path,
      ranges: [{ offset: body.offset + at, length: width }],
      value: { kind: 'time', text: quickTimeDate(seconds) },
    });
    carriedBy(out, first, { kind: 'field', box, at: body.offset + at, width });
  });
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
