/** Hostile and odd SRT input: typed outcomes only, never a crash, a hang or unbounded memory. */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/limits.js';
import { srtAnalyser } from '../../src/media/srt/index.js';
import { positions, runSrt, runSrtText } from './helpers.js';

const CUE = '1\n00:00:00,000 --> 00:00:01,000\n';

describe('SRT hostile input', () => {
  it('a line longer than the line limit is a limit error naming the line offset', () => {
    const { error } = runSrtText(`${CUE}${'A'.repeat(LIMITS.maxTextLineBytes + 10)}\n`);
    expect(error?.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(error?.offset).toBe(CUE.length);
  });

  it('NUL bytes inside a cue give no position and no crash', () => {
    const { out, error } = runSrtText(`${CUE}GPS(\0\0\0,1,2) HOME(\0)\n\0\0\0\n`);
    expect(error).toBeUndefined();
    expect(positions(out.findings, 'location.drone')).toHaveLength(0);
    expect(out.findings.some((f) => f.category === 'other')).toBe(true);
  });

  it('a .srt of NUL bytes only is malformed at offset 0, not a crash', () => {
    const { error } = runSrt(new Uint8Array(4096));
    expect(error?.code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(error?.offset).toBe(0);
  });

  it('does not go quadratic on a 1 MB bracket group without colons', () => {
    const t0 = Date.now();
    const { error } = runSrtText(`${CUE}[${'a '.repeat(500_000)}\n`);
    expect(error).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a cue number with no text at the end is truncated at the end of data', () => {
    const text = `${CUE}GPS(8.2,47.4,18) BAROMETER:1\n\n2\n`;
    const { out, error } = runSrtText(text);
    expect(error?.code).toBe('AIRLOCK_ERR_TRUNCATED');
    expect(error?.offset).toBe(text.length);
    expect(positions(out.findings, 'location.drone')).toHaveLength(1);
  });

  it('UTF-16 is refused as unsupported', () => {
    const { error } = runSrt(Buffer.from('\ufeff1\n', 'utf16le'));
    expect(error?.code).toBe('AIRLOCK_ERR_UNSUPPORTED');
  });
});

describe('SRT odd but valid input', () => {
  it('CRLF, lone CR and a BOM give the same positions with byte ranges that hold them', () => {
    const lf = `${CUE}HOME(149.0251,-20.2532) 2017.08.05 14:11:51\nGPS(149.0251,-20.2533,16) BAROMETER:1.9\n`;
    for (const text of [lf, lf.replace(/\n/g, '\r\n'), lf.replace(/\n/g, '\r'), `\ufeff${lf}`]) {
      const bytes = Buffer.from(text, 'utf8');
      const { out, error } = runSrt(bytes);
      expect(error).toBeUndefined();
      const [drone] = positions(out.findings, 'location.drone');
      expect(drone?.value).toEqual({ kind: 'position', position: { lat: -20.2533, lon: 149.0251 } });
      const held = drone?.ranges.map((r) => bytes.subarray(r.offset, r.offset + r.length).toString());
      expect(held).toEqual(['149.0251', '-20.2533']);
    }
  });

  it('reads GPS(lat, lon, …) when only the second value can be a longitude', () => {
    const { out } = runSrtText(`${CUE}F/2.8, SS 100, GPS (35.6586, 139.7454, 12), H 20.0m\n`);
    expect(positions(out.findings, 'location.drone')[0]?.value).toEqual({
      kind: 'position',
      position: { lat: 35.6586, lon: 139.7454 },
    });
    expect(out.facts.gpsOrder).toBe('lat,lon');
  });

  it('reads a tiny track near 0°,0° in the bracketed layout as radians, with a warning', () => {
    const cue = (n: number) =>
      `${n}\n00:00:0${n},000 --> 00:00:0${n + 1},000\n<font size="36">FrameCnt : ${n}, DiffTime : 40ms\n2020-08-12 08:55:21,745,078\n[iso : 100] [latitude : 0.722935] [longtitude : 0.038993] [altitude: 74.7] </font>\n\n`;
    const { out } = runSrtText(cue(1) + cue(2));
    const p = positions(out.findings, 'location.drone')[0]?.value;
    expect(p?.kind === 'position' && p.position.lat).toBeCloseTo((0.722935 * 180) / Math.PI, 9);
    expect(out.warnings.map((w) => w.name)).toContain('srt-radians');
  });

  it('text a known layout does not read is reported as other, and an altitude without a position as the drone', () => {
    const line =
      '<font size="28">[iso: 100] [lat: 53.3651] [lon: 6.4607] [abs_alt: 121.5] GPS(6.4607,53.3651,18) [pos 52.1 4.7] [pp: 0.0, 0.25]</font>';
    const { out, error } = runSrtText(`${CUE}${line}\n`);
    expect(error).toBeUndefined();
    const other = out.findings.find((f) => f.category === 'other');
    const said = other?.value.kind === 'text' ? other.value.text : '';
    for (const t of ['lat=53.3651', 'text=GPS(6.4607,53.3651,18)', 'text=pos 52.1 4.7', 'text=0.25'])
      expect(said).toContain(t);
    // Markup, brackets and separators are not data.
    expect(said).not.toMatch(/font|=\]|=,/);
    expect(out.findings.find((f) => f.category === 'location.drone')?.value).toEqual({
      kind: 'number',
      value: 121.5,
      unit: 'm',
    });
  });

  it('stays linear on a 1 MB bracketed line of alternating read and unread text', () => {
    const t0 = Date.now();
    const { error } = runSrtText(`${CUE}[a: 1] ${'x [b: 2] '.repeat(100_000)}\n`);
    expect(error).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('is claimed by name even when empty, and by content with a BOM under any name', () => {
    expect(srtAnalyser.detect(new Uint8Array(0), 'DJI_0001.SRT')).toBe(true);
    expect(srtAnalyser.detect(Buffer.from(`\ufeff${CUE}`), 'clip.txt')).toBe(true);
    expect(srtAnalyser.detect(Buffer.from('Id,Latitude,Longitude\n'), 'log.csv')).toBe(false);
  });
});
