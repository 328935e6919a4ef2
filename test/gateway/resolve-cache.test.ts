import { describe, expect, it } from 'vitest';
import { cachingResolve } from '../../src/gateway/io/resolve.js';

describe('the gateway resolver cache', () => {
  it('joins concurrent lookups, keeps an answer for its TTL, then asks again', async () => {
    let now = 0;
    const asked: string[] = [];
    const resolve = cachingResolve(
      async (h) => {
        asked.push(h);
        return [`198.18.0.${asked.length}`];
      },
      1000,
      10,
      () => now,
    );
    const [a, b] = await Promise.all([resolve('a.test'), resolve('a.test')]);
    expect([a, b]).toEqual([['198.18.0.1'], ['198.18.0.1']]);
    now = 999;
    expect(await resolve('a.test')).toEqual(['198.18.0.1']);
    now = 1000;
    expect(await resolve('a.test')).toEqual(['198.18.0.2']);
    expect(asked).toEqual(['a.test', 'a.test']);
  });

  it('gives an answer it already has at once, not as a promise', async () => {
    const resolve = cachingResolve(async () => ['198.18.0.7'], 60_000);
    const first = resolve('c.test');
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual(['198.18.0.7']);
    expect(resolve('c.test')).toEqual(['198.18.0.7']);
  });

  it('does not keep a failure', async () => {
    let fail = true;
    const resolve = cachingResolve(async () => {
      if (fail) throw new Error('ENOTFOUND');
      return ['198.18.0.9'];
    }, 60_000);
    await expect(resolve('b.test')).rejects.toThrow('ENOTFOUND');
    fail = false;
    expect(await resolve('b.test')).toEqual(['198.18.0.9']);
  });
});
