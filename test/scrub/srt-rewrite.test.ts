/**
 * The SRT rewriter on every corpus sidecar, judged by dji_srt_parser (an independent reader),
 * by the bytes of the output (no original coordinate string survives) and by Airlock's own
 * reader (the output is still an SRT it reads whole, frame for frame).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { srtRewriter } from '../../src/media/srt/rewrite.js';
import { defaultPolicy, type Policy, parsePolicy } from '../../src/policy/index.js';
import { coarsenPosition } from '../../src/scrub/coarsen.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Decide } from '../../src/scrub/types.js';
import { corpusDir, corpusFile } from '../helpers/corpus.js';
import { positions, runSrt } from '../srt/helpers.js';
import { oracleCues, rawCues } from './srt-oracle.js';

const policy = (edit: (p: Policy) => void = () => {}): Decide => {
  const p = defaultPolicy();
  edit(p);
  return decideFor(p);
};
const DEFAULT = policy();
const DROP = policy((p) => {
  p.media.location.drone = { action: 'drop' };
});

const rewrite = (bytes: Uint8Array, decide: Decide): Buffer =>
  Buffer.from(srtRewriter.rewrite(new BufferSource(bytes), decide).bytes);

const readable = corpusDir('srt').filter((f) => !basename(f).startsWith('srtparser-broken'));

/** The coordinate texts as the input writes them, for every position the reader found. */
function coordinateTexts(bytes: Uint8Array, findings: Finding[]): string[] {
  const texts = new Set<string>();
  for (const f of findings) {
    if (f.value.kind !== 'position') continue;
    for (const r of f.ranges.slice(0, 2))
      texts.add(Buffer.from(bytes.subarray(r.offset, r.offset + r.length)).toString('latin1'));
  }
  return [...texts];
}
const appearsIn = (out: string, text: string): boolean =>
  new RegExp(`(?<![\\d.])${text.replace(/[.+-]/g, '\\$&')}(?!\\d)`).test(out);

describe('SRT scrub, default policy (drone coarsened to 1000 m, operator dropped)', () => {
  it.each(readable.map((f) => [basename(f), f]))('%s', (_name, path) => {
    const input = readFileSync(path);
    const output = rewrite(input, DEFAULT);
    const text = output.toString('latin1');

    // dji_srt_parser: every cue it read before it reads after, at the coarsened position, without HOME.
    const before = oracleCues(input.toString('utf8'));
    if (before) {
      const after = oracleCues(output.toString('utf8'));
      expect(after).toHaveLength(before.length);
      before.forEach((cue, i) => {
        const got = after?.[i];
        expect(got?.home).toBeUndefined();
        if (!cue.drone) {
          expect(got?.drone).toBeUndefined();
          return;
        }
        const want = coarsenPosition(cue.drone, 1000);
        expect(got?.drone?.lat).toBeCloseTo(want.lat, 7);
        expect(got?.drone?.lon).toBeCloseTo(want.lon, 7);
      });
    }

    // No exact coordinate the input carried (drone or home) is left anywhere in the bytes.
    const read = runSrt(input);
    expect(read.error).toBeUndefined();
    for (const c of coordinateTexts(input, read.out.findings)) expect(appearsIn(text, c), c).toBe(false);

    // Airlock's own reader: same frames, no operator, the coarsened position (7 decimals) per frame.
    const again = runSrt(output);
    expect(again.error).toBeUndefined();
    expect(again.out.facts.frames).toBe(read.out.facts.frames);
    expect(positions(again.out.findings, 'location.operator')).toHaveLength(0);
    const coarse = new Map(
      positions(read.out.findings, 'location.drone').map((f) => [
        f.frame,
        f.value.kind === 'position' ? coarsenPosition(f.value.position, 1000) : undefined,
      ]),
    );
    const drones = positions(again.out.findings, 'location.drone');
    expect(drones).toHaveLength(coarse.size);
    for (const f of drones) expect(f.value).toEqual({ kind: 'position', position: coarse.get(f.frame) });

    // The file's own conventions: BOM and line endings as they were.
    expect(output.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(
      input.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])),
    );
    expect(text.includes('\r\n')).toBe(input.toString('latin1').includes('\r\n'));
  });
});

describe('SRT scrub, drone location dropped', () => {
  it.each(readable.map((f) => [basename(f), f]))('%s: no position at all, every cue kept', (_name, path) => {
    const input = readFileSync(path);
    const output = rewrite(input, DROP);
    const after = oracleCues(output.toString('utf8'));
    // dji_srt_parser may find nothing left to read at all (cues with only their timing): no position either way.
    for (const cue of after ?? []) expect(cue).toEqual({});
    const read = runSrt(input);
    for (const c of coordinateTexts(input, read.out.findings))
      expect(appearsIn(output.toString('latin1'), c), c).toBe(false);
    const again = runSrt(output);
    expect(again.error).toBeUndefined();
    expect(again.out.facts.frames).toBe(read.out.facts.frames);
    expect(again.out.findings.filter((f) => f.category.startsWith('location.'))).toHaveLength(0);
  });
});

describe('SRT scrub, mapping profile: exact drone positions, no distance from home', () => {
  const MAPPING = decideFor(parsePolicy('profile: mapping\n', 'a.yaml'));
  const OPERATOR_KEPT = decideFor(
    parsePolicy('profile: mapping\nmedia:\n  location:\n    operator: keep\n', 'a.yaml'),
  );
  /** dji_srt_parser's GPS (lon, lat) and D (metres from home) of every cue with both. */
  const ranged = (text: string) =>
    (rawCues(text) ?? []).flatMap((r) => {
      const gps = r.GPS as number[] | undefined;
      return Array.isArray(gps) && typeof r.D === 'number' && gps[0] !== 0
        ? [{ lon: gps[0] as number, lat: gps[1] as number, metres: r.D }]
        : [];
    });
  const withDistance = readable.filter((f) => ranged(readFileSync(f, 'utf8')).length > 0);

  it('the corpus has sidecars with D, and D is the distance from the HOME they also carry', () => {
    expect(withDistance.length).toBeGreaterThanOrEqual(3);
    const text = readFileSync(corpusFile('srt/srtparser-p4_rtk.SRT'), 'utf8');
    const home = rawCues(text)?.[0]?.HOME as number[];
    const at = { lon: home[0] as number, lat: home[1] as number };
    // Flat-earth metres: within a kilometre of home, well under the metre D is written to.
    const metres = (p: { lat: number; lon: number }): number =>
      Math.hypot((p.lat - at.lat) * 111_320, (p.lon - at.lon) * 111_320 * Math.cos((at.lat * Math.PI) / 180));
    // So the drone's exact positions and D give the pilot's place (trilateration, to about a
    // metre on this track), which a mapping copy must not.
    const cues = ranged(text);
    expect(cues.length).toBe(55);
    for (const c of cues) expect(Math.abs(metres(c) - c.metres)).toBeLessThan(1.5);
  });

  it.each(withDistance.map((f) => [basename(f), f]))('%s: positions as they were, no D left', (_n, path) => {
    const input = readFileSync(path);
    const output = rewrite(input, MAPPING).toString('utf8');
    const before = rawCues(input.toString('utf8')) ?? [];
    const after = rawCues(output) ?? [];
    expect(after).toHaveLength(before.length);
    after.forEach((cue, i) => {
      expect(cue.D).toBeUndefined();
      expect(cue.HOME).toBeUndefined();
      expect((cue.GPS as number[] | undefined)?.slice(0, 2)).toEqual(
        (before[i]?.GPS as number[] | undefined)?.slice(0, 2),
      );
    });
    // Kept where the policy keeps the operator's place: it is the operator's, not flight state.
    const kept = rawCues(rewrite(input, OPERATOR_KEPT).toString('utf8')) ?? [];
    expect(kept.map((c) => c.D)).toEqual(before.map((c) => c.D));
  });
});

describe('SRT scrub of damaged input', () => {
  it.each([
    ['srtparser-broken_empty.SRT', 'AIRLOCK_ERR_EMPTY'],
    ['srtparser-broken_incomplete.SRT', 'AIRLOCK_ERR_TRUNCATED'],
  ])('%s: throws the reader’s own error, writes nothing', (name, code) => {
    const input = readFileSync(corpusFile('srt', name));
    const { error } = runSrt(input);
    expect(error?.code).toBe(code);
    let thrown: unknown;
    try {
      rewrite(input, DEFAULT);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AirlockError);
    expect((thrown as AirlockError).code).toBe(code);
    expect((thrown as AirlockError).message).toBe(error?.message);
    expect((thrown as AirlockError).offset).toBe(error?.offset);
  });
});

describe('SRT scrub refusing a copy that would read as cut', () => {
  it('says why for a single cue left with no text line (there is no cue before it)', () => {
    // The fuzzing pass's case: p4_rtk's first cue with a bracket group after its telemetry.
    const cue = readFileSync(corpusFile('srt/srtparser-p4_rtk.SRT'), 'latin1').split('\n\n')[0] ?? '';
    const input = Buffer.from(`${cue}[a: 1] x\n`, 'latin1');
    expect(() => rewrite(input, DEFAULT)).toThrow(
      /^SRT cue 1 \(line 1, byte 0\) keeps no text line once scrubbed, which reads back as a cut file/,
    );
  });
});

describe('SRT scrub layouts, by hand', () => {
  const CUE = (n: number) => `${n}\r\n00:00:0${n},000 --> 00:00:0${n + 1},000\r\n`;

  it('keeps a BOM and CRLF, writes a coarsened HOME with its altitude unit when the operator is coarsened', () => {
    const body = (n: number) =>
      `${CUE(n)}F/5.6, SS 400, GPS (-59.409424, -34.650200, 16), HOME (-59.407880, -34.650736, 7.60m), H 17.39m, G.PRY (-27.3°, 0.0°, -76.0°)\r\n\r\n`;
    const input = Buffer.from(`\ufeff${body(1)}${body(2)}`, 'utf8');
    const decide = policy((p) => {
      p.media.location.operator = { action: 'coarsen', metres: 1000 };
    });
    const out = rewrite(input, decide).toString('utf8');
    const drone = coarsenPosition({ lat: -34.6502, lon: -59.409424 }, 1000);
    const home = coarsenPosition({ lat: -34.650736, lon: -59.40788, alt: 7.6 }, 1000);
    const line = `GPS (${drone.lon.toFixed(7)}, ${drone.lat.toFixed(7)}), HOME (${home.lon.toFixed(7)}, ${home.lat.toFixed(7)}, 0.00m)`;
    expect(out).toBe(`\ufeff${CUE(1)}${line}\r\n\r\n${CUE(2)}${line}\r\n\r\n`);
  });

  it('drops the whole GPS(...) tuple and HOME, keeps the cue and its timing, cuts the time to its date', () => {
    const input = `${CUE(1)}HOME(149.0251,-20.2532) 2017.08.05 14:11:51\r\nGPS(149.0251,-20.2533,16) BAROMETER:1.9\r\nISO:100 Shutter:60 EV: Fnum:2.2\r\n`;
    const out = rewrite(Buffer.from(input), DROP).toString('utf8');
    expect(out).toBe(`${CUE(1)}2017.08.05\r\n`);
  });

  it('removes a bracket group once nothing is left in it, and keeps <font> markup paired', () => {
    const input = `${CUE(1)}<font size="28">FrameCnt: 1, DiffTime: 41ms\n2026-05-27 13:10:00.015\n[iso: 200] [latitude: 53.365080] [longitude: 6.460739] [rel_alt: 5.400 abs_alt: -124.744] [gb_yaw: -162.8 gb_pitch: 0.0 gb_roll: 0.0]</font>\n`;
    const keepHeights = policy((p) => {
      p.media.attitude = 'keep';
    });
    const out = rewrite(Buffer.from(input), keepHeights).toString('utf8');
    const c = coarsenPosition({ lat: 53.36508, lon: 6.460739 }, 1000);
    expect(out).toBe(
      `${CUE(1)}<font size="28">\n2026-05-27\n[latitude: ${c.lat.toFixed(7)}] [longitude: ${c.lon.toFixed(7)}] [rel_alt: 0.000 abs_alt: -100.000] [gb_yaw: -162.8 gb_pitch: 0.0 gb_roll: 0.0]</font>\n`,
    );
    const dropped = rewrite(Buffer.from(input), DROP).toString('utf8');
    expect(dropped).toBe(`${CUE(1)}<font size="28">\n2026-05-27\n</font>\n`);
  });

  it('writes degrees where the drone wrote radians, and says so', () => {
    const cue = (n: number) =>
      `${n}\n00:00:0${n},000 --> 00:00:0${n + 1},000\n[iso : 100] [latitude : 0.722935] [longtitude : 0.038993] [altitude: 74.7] </font>\n\n`;
    const r = srtRewriter.rewrite(new BufferSource(Buffer.from(cue(1) + cue(2))), DEFAULT);
    const c = coarsenPosition({ lat: (0.722935 * 180) / Math.PI, lon: (0.038993 * 180) / Math.PI }, 1000);
    expect(Buffer.from(r.bytes).toString()).toContain(
      `[latitude : ${c.lat.toFixed(7)}] [longtitude : ${c.lon.toFixed(7)}] [altitude: 100.0]`,
    );
    expect(r.notes.join('\n')).toMatch(/radians/);
  });
});
