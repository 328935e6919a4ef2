/**
 * Per-conversation frames and frame bytes in each direction equal tshark's, for every corpus pcap
 * (IP fragments left out on both sides).
 */
import { describe, expect, it } from 'vitest';
import { corpusDir } from '../helpers/corpus.js';
import { directedCounts, runCapture } from './pipeline.js';
import { tsharkDirected } from './tshark.js';

const files = corpusDir('pcap').filter((p) => p.endsWith('.pcap'));

describe('conversations against tshark', () => {
  for (const f of files) {
    it(`${f.split('/').pop()}: frames and frame bytes per direction of each 5-tuple`, async () => {
      const [mine, theirs] = await Promise.all([runCapture(f), tsharkDirected(f)]);
      expect(mine.warnings).toEqual([]);
      expect(theirs.frames).toBeGreaterThan(0);
      const sorted = (m: Map<string, unknown>) =>
        Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
      expect(sorted(directedCounts(mine.flows))).toEqual(sorted(theirs.counts));
    });
  }
});
