/**
 * A system error becomes an AirlockError whose text says its code once, as Node's own text does
 * ('ENOENT: no such file or directory, open …'); `inspect` printed 'ENOENT: ENOENT: …'.
 */
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asAirlockError } from '../../src/core/errors.js';

describe('asAirlockError', () => {
  it("a real ENOENT reads 'ENOENT: no such file…', once, and names the file", () => {
    let caught: unknown;
    try {
      openSync('/nonexistent/airlock-errors-test', 'r');
    } catch (e) {
      caught = e;
    }
    const e = asAirlockError(caught, '/nonexistent/airlock-errors-test');
    expect(e.code).toBe('AIRLOCK_ERR_IO');
    expect(e.message).toMatch(/^ENOENT: no such file or directory/);
    expect(e.describe()).not.toMatch(/ENOENT: ENOENT/);
    expect(e.describe()).toContain('/nonexistent/airlock-errors-test');
  });

  it('an errno error whose text lacks its code gets it in front', () => {
    const err = Object.assign(new Error('disk on fire'), { code: 'EIO', syscall: 'write' });
    expect(asAirlockError(err).message).toBe('EIO: disk on fire');
  });
});
