/** Where the shared corpus lives (read in place, never copied) and how to list it. */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CORPUS = resolve(ROOT, '../shared/corpus');

export const corpusFile = (...parts: string[]): string => join(CORPUS, ...parts);
export const corpusDir = (sub: string): string[] =>
  readdirSync(join(CORPUS, sub))
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((n) => join(CORPUS, sub, n));
