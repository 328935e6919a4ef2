/**
 * Whose place an SRT value is, judged by the bytes the scrub leaves: inline sidecars with planted
 * coordinates and serials, read by the real analyser, rewritten by the real SRT rewriter under the
 * default policy and `profile: mapping`, and searched for the planted digits as plain text. The
 * oracle is the text itself: a planted home point, serial or unread coordinate that is still in a
 * copy has leaked, whatever Airlock's reader makes of the copy.
 *
 * Regressions of the QA pass: coordinates that are no plain decimals passed the default scrub
 * unreported (D1); every unknown one-line KEY (…) tuple was attitude, which mapping keeps (D2); a
 * home pair in bracket groups became the drone's position, which mapping keeps (D9).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { srtRewriter } from '../../src/media/srt/rewrite.js';
import { defaultPolicy, type Policy, parsePolicy } from '../../src/policy/index.js';
import { decideFor } from '../../src/scrub/plan.js';
import { scrubPaths } from '../../src/scrub/run.js';
import { readManifest, runOptions, scratchFolders } from '../scrub/run-fixtures.js';
import { positions, runSrtText } from './helpers.js';

const DEFAULT_POLICY = defaultPolicy();
const MAPPING_POLICY = parsePolicy('profile: mapping\n', 'a.yaml');
const DEFAULT = decideFor(DEFAULT_POLICY);
const MAPPING = decideFor(MAPPING_POLICY);

/** Two bracketed cues (Mini / Air style) with `body` as the telemetry line. */
const bracketed = (body: string): string =>
  [1, 2]
    .map(
      (n) =>
        `${n}\n00:00:0${n},000 --> 00:00:0${n + 1},000\n<font size="28">FrameCnt: ${n}, DiffTime: 33ms\n` +
        `2024-03-0${n} 09:15:0${n}.100\n${body} </font>\n\n`,
    )
    .join('');

/** Two one-line cues (Phantom 4 / Mini 1 style). */
const oneLine = (body: string): string =>
  [1, 2].map((n) => `${n}\n00:00:0${n},000 --> 00:00:0${n + 1},000\n${body}\n\n`).join('');

/** The analyser's findings, and the rewriter's copy as scrub makes it (given those findings). */
function scrubbed(text: string, decide = DEFAULT): { findings: Finding[]; copy: string } {
  const read = runSrtText(text);
  expect(read.error).toBeUndefined();
  const bytes = srtRewriter.rewrite(new BufferSource(Buffer.from(text)), decide, read.out.findings).bytes;
  const copy = Buffer.from(bytes).toString('utf8');
  // The copy reads back whole (a scrub verifies that before writing it).
  expect(runSrtText(copy).error).toBeUndefined();
  return { findings: read.out.findings, copy };
}

/** Categories of the findings whose byte ranges cover the first occurrence of `planted` in `text`. */
function categoriesAt(text: string, findings: Finding[], planted: string): string[] {
  const at = Buffer.from(text.slice(0, text.indexOf(planted))).length;
  expect(text.includes(planted), planted).toBe(true);
  const end = at + Buffer.byteLength(planted);
  return [
    ...new Set(
      findings
        .filter((f) => f.frame === 1 && f.ranges.some((r) => r.offset <= at && end <= r.offset + r.length))
        .map((f) => f.category),
    ),
  ];
}

const latLon = (f: Finding | undefined): [number, number] | undefined =>
  f?.value.kind === 'position' ? [f.value.position.lat, f.value.position.lon] : undefined;

describe('D1: bracketed coordinates that are no plain decimals are reported and never copied', () => {
  const cases: [string, string, string[]][] = [
    [
      'degrees, minutes and seconds',
      `[iso: 100] [latitude: 48°51'29.62"N] [longitude: 2°17'40.17"E] [rel_alt: 12.300 abs_alt: 64.800]`,
      [`48°51'29.62"N`, `2°17'40.17"E`],
    ],
    [
      'a hemisphere letter before the number',
      '[iso: 100] [latitude: N48.858228] [longitude: E2.294492] [rel_alt: 12.300 abs_alt: 64.800]',
      ['N48.858228', 'E2.294492'],
    ],
    [
      'exponent notation',
      '[iso: 100] [latitude: 4.8858228e1] [longitude: 2.294492e0] [rel_alt: 12.300 abs_alt: 64.800]',
      ['4.8858228e1', '2.294492e0'],
    ],
    [
      'a latitude whose longitude has a key no layout reads',
      '[iso: 100] [latitude: 48.858228] [lon: 2.294492] [rel_alt: 12.300 abs_alt: 64.800]',
      ['48.858228', '2.294492'],
    ],
  ];

  it.each(cases)('%s: inspect reports each value as other data', (_name, body, planted) => {
    const text = bracketed(body);
    const { findings } = scrubbed(text);
    for (const p of planted) expect(categoriesAt(text, findings, p), p).toContain('other');
    expect(positions(findings, 'location.drone')).toHaveLength(0);
  });

  it.each(cases)('%s: neither the default nor the mapping copy holds it', (_name, body, planted) => {
    const text = bracketed(body);
    for (const decide of [DEFAULT, MAPPING]) {
      const { copy } = scrubbed(text, decide);
      // The distinctive digits of each value, in any notation the copy could carry them in.
      for (const digits of ['51', '29.62', '17', '40.17', '858228', '8858228', '294492']) {
        if (planted.some((p) => p.includes(digits))) expect(copy, digits).not.toContain(digits);
      }
      expect(copy).not.toMatch(/latitude|longitude|\blon:/);
      // What was read stays: the cue, its time, its altitude.
      expect(copy).toContain('00:00:01,000 --> 00:00:02,000');
      expect(copy).toMatch(/abs_alt: /);
    }
  });
});

describe('D2: one-line tuples are attitude only when they are F.PRY or G.PRY', () => {
  const body =
    'F/2.8, SS 1000, ISO 100, EV 0, GPS (2.294492, 48.858228, 14), Home (2.291111, 48.853333, 3.20m), ' +
    'RC (2.292222, 48.854444), PILOT (2.293333, 48.855555), HOME.P (2.296666, 48.856666, 7.60m), ' +
    'SN (3NZCH7E0077777), OWNER (pilot.one@example.org), D 20.36m, H 10.20m, H.S 0.00m/s, V.S 0.00m/s, ' +
    'F.PRY (-8.9°, 2.9°, -75.0°), G.PRY (-27.3°, 0.0°, -76.0°)';
  const text = oneLine(body);
  const secrets = [
    '2.291111',
    '48.853333',
    '2.292222',
    '48.854444',
    '2.293333',
    '48.855555',
    '2.296666',
    '48.856666',
    '3NZCH7E0077777',
    'pilot.one',
    'example.org',
  ];

  it('inspect: Home (any case) is the operator, F.PRY and G.PRY attitude, RC, PILOT, HOME.P, SN, OWNER other', () => {
    const { findings } = scrubbed(text);
    expect(latLon(positions(findings, 'location.operator').find((f) => f.frame === 1))).toEqual([
      48.853333, 2.291111,
    ]);
    expect(categoriesAt(text, findings, '2.291111')).toEqual(['location.operator']);
    for (const s of ['2.292222', '2.293333', '2.296666', '3NZCH7E0077777', 'pilot.one@example.org'])
      expect(categoriesAt(text, findings, s), s).toEqual(['other']);
    for (const s of ['-8.9°', '-75.0°', '-27.3°', '-76.0°'])
      expect(categoriesAt(text, findings, s), s).toEqual(['attitude']);
  });

  it('mapping: the copy keeps the exact drone position and attitude, and no operator place or identity', () => {
    const { copy } = scrubbed(text, MAPPING);
    for (const s of secrets) expect(copy, s).not.toContain(s);
    expect(copy).not.toMatch(/\b(?:Home|RC|PILOT|HOME\.P|SN|OWNER) \(/);
    // Every field that goes takes its ", " with it: the line is still a one-line cue.
    const line =
      'GPS (2.294492, 48.858228), H 10.20m, H.S 0.00m/s, V.S 0.00m/s, F.PRY (-8.9°, 2.9°, -75.0°), G.PRY (-27.3°, 0.0°, -76.0°)';
    expect(copy).toBe(oneLine(line));
    // The default copy holds none of them either, nor the exact drone position.
    const plain = scrubbed(text).copy;
    for (const s of [...secrets, '2.294492', '48.858228']) expect(plain, s).not.toContain(s);
  });

  it('the HOME(…) layout reads Home(…) as the operator too', () => {
    const cue = (n: number) =>
      `${n}\n00:00:0${n},000 --> 00:00:0${n + 1},000\nHome(2.291111,48.853333) 2017.08.05 14:11:5${n}\n` +
      `GPS(2.294492,48.858228,16) BAROMETER:1.9\nISO:100 Shutter:60 EV: Fnum:2.2\n\n`;
    const t = cue(1) + cue(2);
    const { findings, copy } = scrubbed(t, MAPPING);
    expect(categoriesAt(t, findings, '2.291111')).toEqual(['location.operator']);
    expect(copy).not.toContain('2.291111');
    expect(copy).toContain('GPS(2.294492,48.858228)');
  });
});

describe('D9: a second latitude/longitude pair, or a home group, never becomes the drone position', () => {
  const DRONE = '[latitude: 48.858228] [longitude: 2.294492] [rel_alt: 12.300 abs_alt: 64.800]';
  const HOME = ['48.853333', '2.291111'];

  it.each([
    ['a group keyed home', `[iso: 100] ${DRONE} [home latitude: 48.853333 longitude: 2.291111]`],
    [
      'a pair after a bare [home] label',
      `[iso: 100] ${DRONE} [home] [latitude: 48.853333] [longitude: 2.291111]`,
    ],
    [
      'home_latitude / home_longitude',
      `[iso: 100] ${DRONE} [home_latitude: 48.853333 home_longitude: 2.291111]`,
    ],
  ])('%s: the drone pair is the drone, the home pair the operator', (_name, body) => {
    const text = bracketed(body);
    const { findings } = scrubbed(text, MAPPING);
    const drone = positions(findings, 'location.drone').filter((f) => f.frame === 1);
    expect(drone.map(latLon)).toEqual([[48.858228, 2.294492]]);
    expect(
      positions(findings, 'location.operator')
        .filter((f) => f.frame === 1)
        .map(latLon),
    ).toEqual([[48.853333, 2.291111]]);
    for (const h of HOME) expect(categoriesAt(text, findings, h), h).toEqual(['location.operator']);
    // Mapping: the drone's exact pair stays, the home pair goes.
    const { copy } = scrubbed(text, MAPPING);
    expect(copy).toContain('[latitude: 48.858228] [longitude: 2.294492]');
    for (const h of HOME) expect(copy, h).not.toContain(h);
    // Default: neither exact pair stays.
    const plain = scrubbed(text).copy;
    for (const s of [...HOME, '48.858228', '2.294492']) expect(plain, s).not.toContain(s);
  });

  it.each([
    [
      'home pair first',
      '[latitude: 48.853333] [longitude: 2.291111] [latitude: 48.858228] [longitude: 2.294492]',
    ],
    [
      'home pair last',
      '[latitude: 48.858228] [longitude: 2.294492] [latitude: 48.853333] [longitude: 2.291111]',
    ],
  ])('two unlabelled pairs (%s): neither is taken for the drone, both are other, both go', (_name, pairs) => {
    const text = bracketed(`[iso: 100] ${pairs} [rel_alt: 12.300 abs_alt: 64.800]`);
    const { findings, copy } = scrubbed(text, MAPPING);
    expect(positions(findings, 'location.drone')).toHaveLength(0);
    for (const s of [...HOME, '48.858228', '2.294492']) {
      expect(categoriesAt(text, findings, s), s).toEqual(['other']);
      expect(copy, s).not.toContain(s);
    }
  });
});

describe('the whole scrub (rewrite, then verification of the copy) writes clean copies', () => {
  const fresh = scratchFolders('airlock-s24-');
  const fixtures: [string, string, string[]][] = [
    [
      'dms.SRT',
      bracketed(
        `[iso: 100] [latitude: 48°51'29.62"N] [longitude: 2°17'40.17"E] [rel_alt: 12.300 abs_alt: 64.800]`,
      ),
      ['29.62', '40.17'],
    ],
    ['hemi.SRT', bracketed('[iso: 100] [latitude: N48.858228] [longitude: E2.294492]'), ['858228', '294492']],
    [
      'homegrp.SRT',
      bracketed(
        '[iso: 100] [latitude: 48.858228] [longitude: 2.294492] [home latitude: 48.853333 longitude: 2.291111]',
      ),
      ['48.853333', '2.291111'],
    ],
    [
      'oneline.SRT',
      oneLine(
        'F/2.8, SS 1000, GPS (2.294492, 48.858228, 14), RC (2.292222, 48.854444), SN (3NZCH7E0077777), H 10.20m, F.PRY (-8.9°, 2.9°, -75.0°)',
      ),
      ['2.292222', '48.854444', '3NZCH7E0077777'],
    ],
  ];

  it.each(fixtures)(
    '%s: clean under default and mapping, planted values gone',
    async (name, text, planted) => {
      for (const policy of [DEFAULT_POLICY, MAPPING_POLICY] as Policy[]) {
        const dir = fresh();
        const input = join(dir, name);
        writeFileSync(input, text);
        const out = join(dir, 'out');
        await scrubPaths([input], runOptions(out, {}, policy));
        expect(readManifest(out).files[0]?.status).toBe('clean');
        const copy = readFileSync(join(out, name), 'utf8');
        for (const p of planted) expect(copy, p).not.toContain(p);
      }
    },
  );
});
