/**
 * THE inspect proof: every file of the media, srt and flightlog corpus goes through Airlock's
 * pipeline entry (analyseSource), and every position and device serial an independent reader
 * finds is reported by Airlock with the same value. Nothing missed, nothing silent.
 *
 * Oracles: ExifTool 12.57 (one process for all media files), DJI_SRT_Parser for SRT, and the
 * flight-log CSV's own columns.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, extname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { analyseSource } from '../../src/media/registry.js';
import { corpusDir } from '../helpers/corpus.js';
import { exiftoolJson } from '../helpers/exiftool.js';
import {
  csvPositions,
  distinct,
  type ExpectedPosition,
  exiftoolPositions,
  exiftoolSerials,
  samePosition,
  sameSerial,
  srtPositions,
} from './expect.js';
import { groupsOf, represents } from './groups.js';

/** Containers Airlock does not read yet: they must say so ('not-read'), never pass as clean. */
const NOT_READ_YET = new Set(['.heic', '.png']);

const media = corpusDir('media');
const records = new Map(exiftoolJson(media).map((r) => [String(r.SourceFile), r]));

function inspect(file: string) {
  const src = FileSource.open(file);
  try {
    return analyseSource(src, basename(file));
  } finally {
    src.close();
  }
}

const show = (fs: readonly Finding[]): string =>
  fs
    .filter((f) => f.value.kind === 'position' || f.category === 'identity.device')
    .map((f) => `${f.category} ${f.tag} ${JSON.stringify(f.value)}`)
    .join('\n  ');

function missingPositions(
  findings: readonly Finding[],
  want: ExpectedPosition[],
  category?: string,
): string[] {
  return want
    .filter(
      (w) => !findings.some((f) => (!category || f.category === category) && samePosition(f, w.lat, w.lon)),
    )
    .map((w) => `${w.source}: ${w.lat}, ${w.lon}`);
}

describe('media corpus: every position and serial ExifTool finds, Airlock reports', () => {
  it('ExifTool read every media file (the oracle itself works)', () => {
    expect(records.size).toBe(media.length);
  });

  for (const file of media) {
    const name = basename(file);
    it(name, () => {
      const rec = records.get(file);
      expect(rec, 'ExifTool record').toBeDefined();
      const r = inspect(file);
      if (NOT_READ_YET.has(extname(name).toLowerCase())) {
        expect(r.status, `${name} is a container Airlock does not read: it must not pass as clean`).toBe(
          'not-read',
        );
        return;
      }
      expect(r.status, `status of ${name}: ${JSON.stringify(r.error ?? r.reason)}`).toBe('read');

      const lost = missingPositions(r.findings, exiftoolPositions(rec!));
      expect(
        lost,
        `positions ExifTool reads that Airlock does not report; Airlock has:\n  ${show(r.findings)}`,
      ).toEqual([]);

      const serials = exiftoolSerials(rec!);
      const ids = r.findings.filter((f) => f.category === 'identity.device');
      const unmatched = serials
        .filter((s) => !ids.some((f) => sameSerial(f, s.value)))
        .map((s) => `${s.source}=${s.value}`);
      expect(
        unmatched,
        `serials ExifTool reads that Airlock does not report; Airlock has:\n  ${show(r.findings)}`,
      ).toEqual([]);

      const silent = groupsOf(rec!).filter((g) => !represents(r.findings, g));
      const paths = [...new Set(r.findings.map((f) => f.path.join(' › ')))];
      expect(
        silent,
        `ExifTool groups with no Airlock finding; Airlock paths:\n  ${paths.join('\n  ')}`,
      ).toEqual([]);
    });
  }
});

describe('srt corpus: every fix DJI_SRT_Parser reads, Airlock reports', () => {
  const require = createRequire(import.meta.url);
  const parse = require('dji_srt_parser') as (
    data: string,
    name: string,
  ) => { rawMetadata(): Record<string, unknown>[] };

  for (const file of corpusDir('srt')) {
    const name = basename(file);
    it(name, () => {
      const r = inspect(file);
      expect(r.status, `status of ${name}`).not.toBe('not-read');
      let packets: Record<string, unknown>[] | undefined;
      try {
        packets = parse(readFileSync(file, 'utf8'), name).rawMetadata();
      } catch {
        // The oracle gives up on this file (empty, or a layout mix it cannot read): Airlock must
        // still have looked at it, which the status check above proves.
        packets = undefined;
      }
      if (!packets) return;
      const want = srtPositions(packets);
      const lostDrone = missingPositions(r.findings, distinct(want.drone), 'location.drone');
      expect(
        lostDrone,
        'drone fixes (GPS / latitude, longitude) Airlock does not report as location.drone',
      ).toEqual([]);
      const lostHome = missingPositions(r.findings, distinct(want.home), 'location.operator');
      expect(lostHome, 'HOME points Airlock does not report as location.operator').toEqual([]);
    });
  }
});

describe('flight-log corpus: every row position, Airlock reports', () => {
  for (const file of corpusDir('flightlog')) {
    const name = basename(file);
    it(name, () => {
      const r = inspect(file);
      expect(r.status, `status of ${name}: ${JSON.stringify(r.error ?? r.reason)}`).toBe('read');
      const want = distinct(csvPositions(readFileSync(file, 'utf8')));
      expect(want.length).toBeGreaterThan(0);
      expect(missingPositions(r.findings, want, 'location.drone')).toEqual([]);
    });
  }
});
