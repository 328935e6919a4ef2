import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/limits.js';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { analyseSource } from '../../src/media/registry.js';
import { Collector } from '../../src/media/types.js';

const limits = LIMITS as { maxFindings: number };
const real = limits.maxFindings;
afterEach(() => {
  limits.maxFindings = real;
});

const cue = (n: number): string =>
  `${n}\n00:00:${String(n % 60).padStart(2, '0')},000 --> 00:00:${String(n % 60).padStart(2, '0')},040\n[iso: 100] [latitude: 53.36${n}] [longitude: 6.46${n}] [rel_alt: 6.0 abs_alt: 12.5]\n\n`;

describe('the findings one file may yield', () => {
  it('the collector takes LIMITS.maxFindings findings and refuses the next, naming its offset', () => {
    const out = new Collector();
    const f: Finding = {
      category: 'other',
      tag: 't',
      path: ['x'],
      ranges: [{ offset: 77, length: 1 }],
      value: { kind: 'text', text: 'v' },
    };
    for (let i = 0; i < real; i++) out.add(f);
    expect(out.findings.length).toBe(real);
    expect(() => out.add(f)).toThrow(
      expect.objectContaining({
        code: 'AIRLOCK_ERR_LIMIT',
        offset: 77,
        message: expect.stringMatching(/findings in one file/),
      }),
    );
    expect(out.findings.length).toBe(real);
  });

  it('an SRT with more than the limit is reported as a limit error, keeping what was read before it', () => {
    const text = Array.from({ length: 40 }, (_, i) => cue(i + 1)).join('');
    const whole = analyseSource(new BufferSource(Buffer.from(text)), 'long.SRT');
    expect(whole.status).toBe('read');
    const all = whole.findings.length;
    expect(all).toBeGreaterThan(100);

    limits.maxFindings = 100;
    const cut = analyseSource(new BufferSource(Buffer.from(text)), 'long.SRT');
    expect(cut.status).toBe('partial');
    expect(cut.error?.code).toBe('AIRLOCK_ERR_LIMIT');
    expect(cut.findings).toEqual(whole.findings.slice(0, 100));
    // The offset named is inside the file, at the finding that broke the limit.
    const at = cut.error?.offset ?? -1;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(text.length);
  });
});
