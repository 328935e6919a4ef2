/** Runs the SRT analyser on bytes or a corpus file, keeping what it found when it throws. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type AirlockError, asAirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import type { Finding } from '../../src/findings/model.js';
import { srtAnalyser } from '../../src/media/srt/index.js';
import { Collector } from '../../src/media/types.js';

export interface Run {
  out: Collector;
  error?: AirlockError;
}

export function runSrt(bytes: Uint8Array, file = 'inline.srt'): Run {
  const out = new Collector();
  try {
    srtAnalyser.analyse(new BufferSource(bytes), out);
    return { out };
  } catch (e) {
    return { out, error: asAirlockError(e, file) };
  }
}

export const runSrtFile = (path: string): Run => runSrt(readFileSync(path), basename(path));
export const runSrtText = (text: string): Run => runSrt(Buffer.from(text, 'utf8'));

export const positions = (fs: Finding[], category: Finding['category']) =>
  fs.filter((f) => f.category === category && f.value.kind === 'position');
