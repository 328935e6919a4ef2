/**
 * Independent readers for the end-to-end scrub proof: the grid written out from issue 3's
 * words (not imported from src/scrub), a JPEG marker walk for the primary image's SOS..EOI,
 * TIFF strip/tile bytes located by ExifTool, SRT values by dji_srt_parser (or by hand where it
 * throws), and the flight-log CSV by a plain split. Nothing here calls Airlock.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EXIFTOOL, type ExifToolRecord } from '../helpers/exiftool.js';
import { positionsOf, rawCues } from './srt-oracle.js';

export interface LatLon {
  lat: number;
  lon: number;
}

/** Issue 3's grid: lat step = m/111320°, cell centre; lon step = m/(111320·cos(snapped lat)), cell centre. */
export function gridCentre(p: LatLon, metres: number): LatLon {
  const latStep = metres / 111_320;
  const lat = (Math.floor(p.lat / latStep) + 0.5) * latStep;
  const lonStep = metres / (111_320 * Math.cos((lat * Math.PI) / 180));
  return { lat, lon: (Math.floor(p.lon / lonStep) + 0.5) * lonStep };
}
/** Altitudes to 100 m. */
export const altStep = (alt: number): number => Math.round(alt / 100) * 100;

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** SHA-256 of the primary image's bytes from its first SOS marker to its EOI, by a plain marker walk. */
export function jpegScanHash(b: Buffer): string {
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error('not a JPEG');
  let p = 2;
  // Header segments up to the first SOS.
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) throw new Error(`no marker at ${p}`);
    const m = b[p + 1] as number;
    if (m === 0xff) {
      p += 1;
      continue;
    }
    if (m === 0xda) break;
    p += 2 + b.readUInt16BE(p + 2);
  }
  const sos = p;
  // Entropy-coded data (and, for progressive files, the segments between scans) up to EOI.
  p += 2 + b.readUInt16BE(p + 2);
  while (p + 1 < b.length) {
    if (b[p] !== 0xff) {
      p += 1;
      continue;
    }
    const m = b[p + 1] as number;
    if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) {
      p += m === 0xff ? 1 : 2;
      continue;
    }
    if (m === 0xd9) return sha(b.subarray(sos, p + 2));
    p += 2 + b.readUInt16BE(p + 2);
  }
  throw new Error('no EOI');
}

/** Per IFD group (ExifTool's family-1 name), SHA-256 of its strips or tiles, read at ExifTool's offsets. */
export function tiffImageHashes(file: string, bytes: Buffer): Map<string, string> {
  const out = execFileSync(
    EXIFTOOL,
    [
      '-j',
      '-b',
      '-n',
      '-a',
      '-G1',
      '-StripOffsets',
      '-StripByteCounts',
      '-TileOffsets',
      '-TileByteCounts',
      file,
    ],
    { encoding: 'utf8' },
  );
  const rec = (JSON.parse(out) as ExifToolRecord[])[0] ?? {};
  const nums = (v: unknown): number[] =>
    String(v ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  const hashes = new Map<string, string>();
  for (const key of Object.keys(rec)) {
    const m = /^(.+):(Strip|Tile)Offsets$/.exec(key);
    if (!m) continue;
    const [, group, kind] = m;
    const offs = nums(rec[key]);
    const lens = nums(rec[`${group}:${kind}ByteCounts`]);
    const h = createHash('sha256');
    offs.forEach((o, i) => {
      h.update(bytes.subarray(o, o + (lens[i] ?? 0)));
    });
    hashes.set(group as string, h.digest('hex'));
  }
  return hashes;
}

/** A signed EXIF GPS coordinate from ExifTool's unsigned value and its Ref. */
export function signedGps(rec: ExifToolRecord, axis: 'Latitude' | 'Longitude'): number | undefined {
  const v = rec[`GPS:GPS${axis}`];
  if (typeof v !== 'number') return undefined;
  const ref = String(rec[`GPS:GPS${axis}Ref`] ?? '');
  return ref === 'S' || ref === 'W' ? -v : v;
}
export function signedGpsAltitude(rec: ExifToolRecord): number | undefined {
  const v = rec['GPS:GPSAltitude'];
  if (typeof v !== 'number') return undefined;
  return Number(rec['GPS:GPSAltitudeRef']) === 1 ? -v : v;
}

/** Every position carrier ExifTool sees in a still, by carrier name. */
export function stillPositions(rec: ExifToolRecord): Map<string, LatLon> {
  const out = new Map<string, LatLon>();
  const lat = signedGps(rec, 'Latitude');
  const lon = signedGps(rec, 'Longitude');
  if (lat !== undefined && lon !== undefined) out.set('EXIF GPS', { lat, lon });
  const dLat = rec['XMP-drone-dji:GPSLatitude'];
  const dLon = rec['XMP-drone-dji:GPSLongitude'] ?? rec['XMP-drone-dji:GPSLongtitude'];
  if (dLat !== undefined && dLon !== undefined)
    out.set('XMP drone-dji', { lat: Number(dLat), lon: Number(dLon) });
  const xLat = rec['XMP-exif:GPSLatitude'];
  const xLon = rec['XMP-exif:GPSLongitude'];
  if (typeof xLat === 'number' && typeof xLon === 'number') out.set('XMP exif', { lat: xLat, lon: xLon });
  return out;
}

/** Altitude carriers of a still (signed metres). */
export function stillAltitudes(rec: ExifToolRecord): Map<string, number> {
  const out = new Map<string, number>();
  const g = signedGpsAltitude(rec);
  if (g !== undefined) out.set('GPS:GPSAltitude', g);
  for (const k of ['XMP-drone-dji:AbsoluteAltitude', 'XMP-drone-dji:RelativeAltitude']) {
    if (rec[k] !== undefined) out.set(k, Number(rec[k]));
  }
  return out;
}

export interface SrtCue {
  drone?: LatLon;
  home?: LatLon;
  /** Altitude fields by name (abs_alt, rel_alt, altitude, GPS[2], HOME[2]). */
  alts: Record<string, number>;
}

const numOf = (x: unknown): number | undefined => {
  const n = typeof x === 'number' ? x : typeof x === 'string' ? Number.parseFloat(x) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** SRT cues as dji_srt_parser reads them (smoothing off, 0,0 = no fix); undefined where it throws. */
export function srtByParser(text: string, name: string): SrtCue[] | undefined {
  return rawCues(text, name)?.map((raw) => {
    const cue: SrtCue = { ...positionsOf(raw, numOf), alts: {} };
    for (const k of ['abs_alt', 'rel_alt', 'altitude']) {
      const v = numOf(raw[k]);
      if (v !== undefined) cue.alts[k] = v;
    }
    const g2 = numOf((raw.GPS as unknown[] | undefined)?.[2]);
    if (g2 !== undefined) cue.alts['GPS[2]'] = g2;
    const h2 = numOf((raw.HOME as unknown[] | undefined)?.[2]);
    if (h2 !== undefined) cue.alts['HOME[2]'] = h2;
    return cue;
  });
}

/**
 * By hand, for the files dji_srt_parser cannot parse (the mixed P4 RTK / Mavic 2 Pro file):
 * cues are blank-line separated; GPS (lon, lat, alt) and HOME (lon, lat, alt) as DJI writes them,
 * or "[latitude : y] [longtitude : x] [altitude: z]" (0,0 = no fix).
 */
export function srtByHand(text: string): SrtCue[] {
  const tuple = (body: string, key: string): number[] | undefined => {
    const m = new RegExp(`\\b${key}\\s*\\(([^)]*)\\)`).exec(body);
    return m ? (m[1] as string).split(',').map((s) => Number.parseFloat(s)) : undefined;
  };
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n\s*\r?\n/)
    .filter((c) => /-->/.test(c))
    .map((c) => {
      const cue: SrtCue = { alts: {} };
      const g = tuple(c, 'GPS');
      if (g && g.length >= 2) cue.drone = { lon: g[0] as number, lat: g[1] as number };
      if (g?.[2] !== undefined && Number.isFinite(g[2])) cue.alts['GPS[2]'] = g[2];
      const field = (key: string): number | undefined => {
        const m = new RegExp(`\\b${key}\\s*:\\s*([-+]?[\\d.]+)`).exec(c);
        return m ? Number.parseFloat(m[1] as string) : undefined;
      };
      const lat = field('latitude');
      const lon = field('longitude') ?? field('longtitude');
      if (lat !== undefined && lon !== undefined && !(lat === 0 && lon === 0)) cue.drone = { lat, lon };
      for (const k of ['abs_alt', 'rel_alt', 'altitude']) {
        const v = field(k);
        if (v !== undefined) cue.alts[k] = v;
      }
      const h = tuple(c, 'HOME');
      if (h && h.length >= 2) cue.home = { lon: h[0] as number, lat: h[1] as number };
      if (h?.[2] !== undefined && Number.isFinite(h[2])) cue.alts['HOME[2]'] = h[2];
      return cue;
    });
}

/** Input and output read by the same oracle: dji_srt_parser where it reads both, else by hand. */
export function srtCuePairs(before: string, after: string, name: string): [SrtCue[], SrtCue[]] {
  const a = srtByParser(before, name);
  const b = srtByParser(after, name);
  return a && b ? [a, b] : [srtByHand(before), srtByHand(after)];
}

export const srtCues = (text: string, name: string): SrtCue[] => srtByParser(text, name) ?? srtByHand(text);

/** A CSV by a plain split (the corpus export has no quoted fields): header and rows. */
export function plainCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  return { header: (lines[0] ?? '').split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/**
 * A video as ffmpeg decodes it: the MD5 of every video and audio frame (framemd5, header lines
 * dropped). Equal for a clean copy and its original: not one sample of picture or sound changed.
 */
export const videoFrames = (file: string): string =>
  execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v', '-map', '0:a?', '-f', 'framemd5', '-'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .join('\n');
