/**
 * Scrub's memory on long text logs: what it holds beyond the analysis's own findings while it
 * plans, rewrites and verifies a flight-log CSV or an SRT sidecar, per row or cue. The analysis's
 * findings are the floor (inspect reports every one); the old code held, on top of them, a second
 * reading of every CSV row (findings, rows, cells, a map of every cell), a map of every planned
 * finding and a decision object per replaced one, a buffer per patched line, and all the findings
 * of the clean copy while it verified it: scrub peaked at ~140 times a CSV's size.
 *
 * Retained heap is sampled after a full collection at points inside the rewrite and the
 * verification (through the Decide they ask). Bounds are ~2x what the fixed code holds, measured
 * on a 2-core machine and quoted beside each bound; the old code held 2.7x (SRT) to 10x (CSV) the bound.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { analyseSource } from '../../src/media/registry.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { planFile } from '../../src/scrub/plan.js';
import { rewriterFor } from '../../src/scrub/registry.js';
import type { Decide } from '../../src/scrub/types.js';
import { verifyOutput } from '../../src/scrub/verify.js';

// vitest runs without --expose-gc: the flag is set now, and gc taken from a fresh context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const retained = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** An AirData export: 52 columns (positions, heights in feet, speeds, battery, sticks), `rows` rows. */
function airDataCsv(rows: number): Uint8Array {
  const cols = [
    'time(millisecond)',
    'datetime(utc)',
    'latitude',
    'longitude',
    'height_above_takeoff(feet)',
    'altitude_above_seaLevel(feet)',
    'speed(mph)',
    'distance(feet)',
    'satellites',
    'voltage(v)',
    'xSpeed(mph)',
    'ySpeed(mph)',
    'zSpeed(mph)',
    'compass_heading(degrees)',
    'pitch(degrees)',
    'roll(degrees)',
    'isPhoto',
    'isVideo',
    'gimbal_heading(degrees)',
    'gimbal_pitch(degrees)',
    'battery_percent',
    'flycState',
    'message',
    ...Array.from({ length: 29 }, (_, k) => `rc_channel${k}(percent)`),
  ];
  const lines = [cols.join(',')];
  for (let i = 0; i < rows; i++) {
    lines.push(
      cols
        .map((c, j) =>
          j === 0
            ? String(i * 100)
            : j === 1
              ? '2024-05-01 10:00:00'
              : j === 2
                ? (51.5 + i * 1e-6).toFixed(7)
                : j === 3
                  ? (-0.12 + i * 1e-6).toFixed(7)
                  : c === 'flycState'
                    ? 'P-GPS'
                    : c === 'message'
                      ? ''
                      : (Math.sin(i + j) * 100).toFixed(1),
        )
        .join(','),
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'latin1');
}

/** An Air 3S / Mini 4 style bracketed SRT, one cue per frame. */
function bracketedSrt(cues: number): Uint8Array {
  const pad = (x: number, w = 2): string => String(x).padStart(w, '0');
  const t = (ms: number): string =>
    `${pad(Math.floor(ms / 3600000))}:${pad(Math.floor(ms / 60000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
  const parts: string[] = [];
  for (let i = 1; i <= cues; i++) {
    const lat = (34.270373 + i * 1e-6).toFixed(6);
    const lon = (-84.17616 + i * 1e-6).toFixed(6);
    parts.push(
      `${i}\n${t((i - 1) * 16)} --> ${t(i * 16)}\n<font size="28">FrameCnt: ${i}, DiffTime: 16ms\n2026-05-17 08:28:30.219\n` +
        `[iso: 180] [shutter: 1/640.0] [fnum: 1.8] [ev: 0] [color_md: hlg] [focal_len: 24.00] [latitude: ${lat}] [longitude: ${lon}] [rel_alt: 0.000 abs_alt: 302.208] [ct: 5419] </font>\n\n`,
    );
  }
  return Buffer.from(parts.join(''), 'latin1');
}

/**
 * Scrubs `bytes` as a scrub job does (analyse, plan, rewrite, verify) and gives the most heap
 * held beyond the analysis's findings at any sample, and that it came out clean.
 */
function scrubHolding(bytes: Uint8Array, name: string): { beyond: number; ok: boolean; findings: number } {
  const src = new BufferSource(bytes);
  const result = analyseSource(src, name);
  expect(result.status).toBe('read');
  const floor = retained();
  const plan = planFile(result, defaultPolicy(), rewriterFor);
  if (plan.kind !== 'rewrite') throw new Error(`not rewritten: ${plan.kind}`);
  let peak = retained();
  /** Asks `decide`, sampling the heap every `every` questions. */
  const sampled = (decide: Decide, every: number): Decide => {
    let n = 0;
    return (f: Finding) => {
      if (++n % every === 0) peak = Math.max(peak, retained());
      return decide(f);
    };
  };
  const every = Math.ceil(result.findings.length / 5);
  const r = plan.rewriter.rewrite(src, sampled(plan.decide, every), result.findings);
  peak = Math.max(peak, retained());
  const out = r.chunks ? Buffer.concat(r.chunks) : r.bytes;
  // The verifier's own Decide where the plan has one (the copy's findings are new to the plan).
  const p = plan as typeof plan & { decideAfresh?: Decide };
  const v = verifyOutput(out, name, plan.format, plan.planned, sampled(p.decideAfresh ?? p.decide, every), r);
  peak = Math.max(peak, retained());
  return { beyond: peak - floor, ok: v.ok, findings: result.findings.length };
}

describe('scrub of a long log holds little beyond its findings', () => {
  it('a 52-column AirData CSV: under 2 KB a row beyond its findings (fixed: ~0.95 KB; old: ~21 KB)', () => {
    const rows = 6000;
    const { beyond, ok, findings } = scrubHolding(airDataCsv(rows), 'flight.csv');
    expect(ok).toBe(true);
    expect(findings).toBeGreaterThan(rows * 13);
    expect(beyond / rows).toBeLessThan(2000);
  });

  it('a bracketed SRT: under 900 bytes a cue beyond its findings (fixed: ~440; old: ~2,430)', () => {
    const cues = 20000;
    const { beyond, ok, findings } = scrubHolding(bracketedSrt(cues), 'DJI_0001.SRT');
    expect(ok).toBe(true);
    expect(findings).toBe(cues * 5);
    expect(beyond / cues).toBeLessThan(900);
  });
});
