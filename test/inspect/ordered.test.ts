/** inOrder: work finishing out of order comes back in start order, with a bounded lead. */
import { describe, expect, it } from 'vitest';
import { inOrder } from '../../src/inspect/ordered.js';

const later = <T>(v: T, ms: number): Promise<T> => new Promise((r) => setTimeout(() => r(v), ms));

describe('inOrder', () => {
  it('gives results back in start order when they finish in reverse', async () => {
    const out: number[] = [];
    for await (const v of inOrder([0, 1, 2, 3, 4, 5, 6, 7], (n) => later(n, (8 - n) * 3), 4)) out.push(v);
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('never has more than `window` started and not yet given back', async () => {
    let started = 0;
    let given = 0;
    let most = 0;
    const items = Array.from({ length: 100 }, (_, i) => i);
    for await (const _ of inOrder(
      items,
      (n) => {
        started++;
        most = Math.max(most, started - given);
        return later(n, n % 3);
      },
      5,
    ))
      given++;
    expect(given).toBe(100);
    expect(most).toBe(5);
  });

  it('passes a failure through at its place, after the results before it', async () => {
    const out: number[] = [];
    const run = async (): Promise<void> => {
      for await (const v of inOrder(
        [0, 1, 2, 3],
        (n) => (n === 2 ? Promise.reject(new Error('two')) : later(n, 5)),
        8,
      ))
        out.push(v);
    };
    await expect(run()).rejects.toThrow('two');
    expect(out).toEqual([0, 1]);
  });
});
