/**
 * The capture reader against the corpus: every pcapng test file's block counts equal those its
 * .txt (written by the generator, not by us) states, in both byte orders and for every chunking;
 * every corpus pcap is read to its end without a warning.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes, readCaptureFile } from '../../src/net/capture/file.js';
import { CaptureReader } from '../../src/net/capture/reader.js';
import { corpusDir, corpusFile } from '../helpers/corpus.js';

function pcapngFiles(): string[] {
  const out: string[] = [];
  for (const order of ['output_le', 'output_be'])
    for (const cat of readdirSync(corpusFile('pcapng', order)).sort())
      for (const f of readdirSync(corpusFile('pcapng', order, cat)).sort())
        if (f.endsWith('.pcapng')) out.push(corpusFile('pcapng', order, cat, f));
  return out;
}

/** The "Block counts:" section of a generator .txt: tab-indented "NAME: n" lines. */
function statedCounts(txt: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const section = txt.split('Block counts:')[1]?.split(/\n\s*\n/)[0] ?? '';
  for (const m of section.matchAll(/^\s+([A-Z]+):\s+(\d+)\s*$/gm)) counts[m[1]!] = Number(m[2]);
  return counts;
}

describe('pcapng corpus (pcapng-test-generator)', () => {
  const files = pcapngFiles();
  it('has both byte orders', () => {
    expect(files.filter((f) => f.includes('output_be')).length).toBeGreaterThan(10);
    expect(files.filter((f) => f.includes('output_le')).length).toBeGreaterThan(10);
  });
  for (const f of files) {
    const name = f.split('/pcapng/')[1]!;
    it(`${name}: block counts equal the .txt, no warnings, same result in 7-byte chunks`, () => {
      const expected = statedCounts(readFileSync(f.replace(/\.pcapng$/, '.txt'), 'utf8'));
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      const bytes = new Uint8Array(readFileSync(f));
      const whole = readCaptureBytes(bytes);
      expect(whole.error).toBeUndefined();
      expect(whole.items.filter((i) => i.kind === 'warning')).toEqual([]);
      expect(whole.reader.blockCounts).toEqual(expected);
      const packets = whole.items.filter((i) => i.kind === 'packet').length;
      expect(packets).toBe((expected.EPB ?? 0) + (expected.SPB ?? 0) + (expected.PB ?? 0));
      const small = readCaptureBytes(bytes, 7);
      expect(small.reader.blockCounts).toEqual(expected);
      expect(small.items.map((i) => (i.kind === 'packet' ? i.packet.ts : i.kind))).toEqual(
        whole.items.map((i) => (i.kind === 'packet' ? i.packet.ts : i.kind)),
      );
    });
  }
});

describe('pcap corpus (zeek)', () => {
  for (const f of corpusDir('pcap').filter((p) => p.endsWith('.pcap'))) {
    it(`${f.split('/').pop()}: read to the end by the file adapter, no warnings`, async () => {
      const reader = new CaptureReader();
      let packets = 0;
      for await (const item of readCaptureFile(f, reader, 4096)) {
        expect(item.kind === 'warning' ? item.warning : undefined).toBeUndefined();
        packets++;
      }
      expect(reader.format).toBe('pcap');
      expect(packets).toBeGreaterThan(0);
      expect(reader.blockCounts.record).toBe(packets);
      expect(reader.position).toBe(readFileSync(f).length);
    });
  }
});

describe('pcapng packets against tshark (timestamps, lengths, interfaces)', () => {
  const run = promisify(execFile);
  const picked = pcapngFiles().filter((f) => /test(00[5-9]|10\d|20\d)\.pcapng$/.test(f));
  for (const f of picked) {
    it(f.split('/pcapng/')[1]!, async () => {
      const { stdout } = await run('tshark', [
        '-r',
        f,
        '-T',
        'fields',
        ...['frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id'].flatMap((x) => ['-e', x]),
      ]);
      // Rows without an interface are tshark's records for custom blocks, not packets.
      const theirs = stdout.split('\n').filter((l) => l !== '' && !l.endsWith('\t'));
      const mine = readCaptureBytes(new Uint8Array(readFileSync(f))).items.flatMap((i) => {
        if (i.kind !== 'packet') return [];
        const p = i.packet;
        // SPBs carry no timestamp: tshark prints none.
        const ts =
          p.record === 'SPB'
            ? ''
            : `${p.ts / 1_000_000_000n}.${String(p.ts % 1_000_000_000n).padStart(9, '0')}`;
        return [[ts, p.originalLength, p.capturedLength, p.interfaceId].join('\t')];
      });
      expect(mine).toEqual(theirs);
    });
  }
});
