/**
 * `log show|export --since/--until` times: ISO 8601 read as GNU date(1) reads it (the oracle, in
 * the same time zone), and spans before a fixed now.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseTimeBound, windowToNow } from '../../src/gateway/record/time-bound.js';

const gnuDateMs = (text: string): number =>
  Number(execFileSync('date', ['-d', text, '+%s%3N'], { encoding: 'utf8' }).trim());

describe('parseTimeBound', () => {
  it.each([
    '2026-11-23T14:00:00Z',
    '2026-11-23T14:00:00.250Z',
    '2026-11-23T14:00:00+02:00',
    '2026-11-23T14:00Z',
    '2026-11-23 14:00:00Z',
    '2026-11-23T14:00:00', // local time
    '2026-02-28T23:59:59-05:30',
  ])('reads %s as date(1) does', (text) => {
    expect(parseTimeBound(text, '--since', 0)).toBe(gnuDateMs(text));
  });

  it('reads a date alone as midnight UTC', () => {
    expect(parseTimeBound('2026-11-23', '--since', 0)).toBe(gnuDateMs('2026-11-23T00:00:00Z'));
  });

  it('reads a span as that long before now', () => {
    const now = 1_763_900_000_000;
    expect(parseTimeBound('90s', '--since', now)).toBe(now - 90_000);
    expect(parseTimeBound('90m', '--since', now)).toBe(now - 5_400_000);
    expect(parseTimeBound('2h', '--since', now)).toBe(now - 7_200_000);
    expect(parseTimeBound('7d', '--until', now)).toBe(now - 604_800_000);
  });

  it.each(['yesterday', '2h ago', '-2h', '2026-13-01', '2026-11-23T25:00:00Z', '1763900000', '', '2w'])(
    'refuses %j, naming the flag',
    (text) => {
      expect(() => parseTimeBound(text, '--until', 0)).toThrow(
        expect.objectContaining({ code: 'AIRLOCK_ERR_USAGE', message: expect.stringContaining('--until') }),
      );
    },
  );
});

describe('windowToNow', () => {
  const names = { since: '--since', until: '--until' };
  const now = 1_763_900_000_000;

  it('ends after now without an until, so a row written this millisecond is in the window', () => {
    const w = windowToNow('2h', undefined, names, now);
    expect(w).toEqual({ sinceMs: now - 7_200_000, untilMs: now + 1 });
    expect(now >= w.sinceMs && now < w.untilMs).toBe(true);
  });

  it('ends at the until given, exclusive', () => {
    expect(windowToNow('2h', '1h', names, now)).toEqual({
      sinceMs: now - 7_200_000,
      untilMs: now - 3_600_000,
    });
  });

  it('names the flag a bad until came from', () => {
    expect(() => windowToNow('2h', 'soon', { since: 'since', until: 'until' }, now)).toThrow(/^until soon:/);
  });
});

describe('a window that holds no time', () => {
  const now = 1_763_900_000_000;
  it('is refused, naming both bounds, whichever surface asks', () => {
    expect(() =>
      windowToNow('2026-11-25T12:00:00Z', '2026-11-25T10:00:00Z', { since: 'since', until: 'until' }, now),
    ).toThrow(
      /^until 2026-11-25T10:00:00Z is not after since 2026-11-25T12:00:00Z: the window holds no time$/,
    );
    expect(() => windowToNow('1h', '2h', { since: '--since', until: '--until' }, now)).toThrow(
      /^--until 2h is not after --since 1h/,
    );
    // A since in the future, with no until: up to now is no time either.
    expect(() => windowToNow('2099-01-01', undefined, { since: 'since', until: 'until' }, now)).toThrow(
      /^until now is not after since 2099-01-01/,
    );
  });
});
