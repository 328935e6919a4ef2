/**
 * The pieces scrub's fast write path stands on: outputs as chunks (read, hashed and written
 * without joining them), the JPEG rewriter's image data left a view of the input, the manifest
 * streamed from the journal in the same text as a whole write, and the group commit's order
 * (every temp durable and its record journalled before any rename) with syncfs or per-file fsync.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkSource, concatBytes } from '../../src/core/bytes.js';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { jpegRewriter } from '../../src/media/jpeg/rewrite.js';
import { analyseSource } from '../../src/media/registry.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { GroupCommit } from '../../src/scrub/commit.js';
import { sha256Chunks, writeChunks } from '../../src/scrub/files.js';
import {
  CONVENTIONS,
  JOURNAL_NAME,
  Journal,
  MANIFEST_NAME,
  MANIFEST_SCHEMA,
  type Manifest,
  type ManifestRecord,
  writeManifest,
  writeManifestStreamed,
} from '../../src/scrub/manifest.js';
import { decideFor } from '../../src/scrub/plan.js';
import { corpusFile } from '../helpers/corpus.js';
import { jpegScanHash } from './e2e-oracles.js';

const scratch = mkdtempSync(join(tmpdir(), 'airlock-scrub-write-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => mkdtempSync(join(scratch, `${n++}-`));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const bytes = (len: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: len }, (_, i) => (i * 31 + seed) & 0xff);

describe('ChunkSource', () => {
  const parts = [bytes(5, 1), new Uint8Array(0), bytes(3, 2), bytes(7, 3)];
  const whole = concatBytes(parts);
  const src = new ChunkSource(parts);

  it('reads every range as the joined bytes would, within and across chunks', () => {
    expect(src.size).toBe(whole.length);
    for (let off = 0; off <= whole.length; off++)
      for (let len = 0; off + len <= whole.length; len++)
        expect(Array.from(src.read(off, len)), `${off}+${len}`).toEqual(
          Array.from(whole.subarray(off, off + len)),
        );
  });

  it('hands out a view, not a copy, for a range inside one chunk', () => {
    const v = src.read(6, 2);
    expect(v.buffer).toBe((parts[2] as Uint8Array).buffer);
  });

  it('refuses a range past the end with a truncation error', () => {
    expect(() => src.read(10, 6)).toThrow(AirlockError);
    expect(() => src.read(-1, 1)).toThrow(AirlockError);
  });
});

describe('writeChunks and sha256Chunks', () => {
  it('write and hash exactly the joined bytes, past the 1024-iovec limit of one writev', () => {
    const parts = Array.from({ length: 2500 }, (_, i) => bytes((i % 17) + (i % 3 === 0 ? 0 : 1), i));
    const path = join(fresh(), 'out.bin');
    const fd = openSync(path, 'wx');
    let written: number;
    try {
      written = writeChunks(fd, parts);
    } finally {
      closeSync(fd);
    }
    const joined = concatBytes(parts);
    expect(written).toBe(joined.length);
    expect(readFileSync(path).equals(Buffer.from(joined))).toBe(true);
    expect(sha256Chunks(parts)).toBe(sha(joined));
  });
});

describe('the JPEG rewriter builds its output as chunks', () => {
  const file = corpusFile('media', 'dji-mavic2pro-hasselblad-L1D-20c.jpg');
  const input = new Uint8Array(readFileSync(file));
  const decide = decideFor(defaultPolicy());

  it('leaves the image data a view of the input; the joined chunks are `bytes`; the hashes are of what is written', () => {
    const r = jpegRewriter.rewrite(new BufferSource(input), decide);
    const chunks = r.chunks as readonly Uint8Array[];
    expect(chunks.length).toBeGreaterThan(1);
    // One piece is the entropy-coded data (SOS..EOI), in the input's own memory (never copied).
    const scan = jpegScanHash(Buffer.from(input));
    const image = chunks.filter((c) => sha(c) === scan);
    expect(image).toHaveLength(1);
    expect(image[0]?.buffer).toBe(input.buffer);
    expect(Buffer.from(r.bytes).equals(Buffer.from(concatBytes(chunks)))).toBe(true);
    // An independent scan of the joined output (test/scrub/e2e-oracles.ts) gives the hash reported.
    expect(r.imageHashOut).toBe(jpegScanHash(Buffer.from(r.bytes)));
    expect(r.imageHashIn).toBe(jpegScanHash(Buffer.from(input)));
  });

  it('gives the same output from the analysis scrub already ran as from reading the file itself', () => {
    const known = analyseSource(new BufferSource(input), file);
    expect(known.status).toBe('read');
    const a = jpegRewriter.rewrite(new BufferSource(input), decide);
    const b = jpegRewriter.rewrite(new BufferSource(input), decide, known.findings);
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    expect(b.notes).toEqual(a.notes);
  });
});

const record = (output: string, extra: Partial<ManifestRecord> = {}): ManifestRecord => ({
  input: `/in/${output}`,
  inputSha256: sha(Buffer.from(output)),
  inputSize: output.length,
  output,
  outputSha256: sha(Buffer.from(`out ${output}`)),
  status: 'clean',
  format: 'jpeg',
  policyHash: 'p',
  findings: [
    {
      category: 'location.drone',
      tag: 'GPSLatitude',
      path: 'APP1 Exif/GPS',
      action: 'replace',
      count: 1,
      written: { kind: 'text', text: 'é → ×' },
    },
  ],
  kept: ['camera:Model'],
  notes: ['a "quoted" note\nover two lines'],
  finishedAt: '2026-11-23T00:00:00.000Z',
  ...extra,
});

describe('the manifest streamed from the journal', () => {
  const head: Omit<Manifest, 'files'> = {
    schema: MANIFEST_SCHEMA,
    airlockVersion: '0.0.0-test',
    policyHash: 'p',
    conventions: CONVENTIONS,
    updatedAt: '2026-11-23T00:00:00.000Z',
    complete: true,
  };

  it('is, byte for byte, the text of the whole manifest written at once: earlier records overlaid by journalled ones, sorted', () => {
    const d = fresh();
    const earlier = new Map([
      ['b.jpg', record('b.jpg', { status: 'error', error: 'old' })],
      ['z.jpg', record('z.jpg')],
    ]);
    const journal = new Journal(d);
    journal.appendMany([record('c.jpg'), record('b.jpg')]);
    journal.appendMany([
      record('a/é.jpg'),
      record('c.jpg', { status: 'withheld', withheld: { why: 'zone', detail: 'z' } }),
    ]);
    const latest = new Map([['d.jpg', record('d.jpg', { status: 'error', error: 'ENOSPC' })]]);
    writeManifestStreamed(d, head, earlier, journal, latest);
    journal.close();
    const streamed = readFileSync(join(d, MANIFEST_NAME), 'utf8');

    const files = [
      record('a/é.jpg'),
      record('b.jpg'),
      record('c.jpg', { status: 'withheld', withheld: { why: 'zone', detail: 'z' } }),
      record('d.jpg', { status: 'error', error: 'ENOSPC' }),
      record('z.jpg'),
    ];
    const e = fresh();
    writeManifest(e, { ...head, files });
    expect(streamed).toBe(readFileSync(join(e, MANIFEST_NAME), 'utf8'));
    // Valid JSON, the records exactly; one record a line; the head as the inspect signature expects.
    expect(JSON.parse(streamed)).toEqual({ ...head, files });
    expect(streamed.split('\n').filter((l) => l.startsWith('    {"input":'))).toHaveLength(5);
    expect(streamed).toContain(`"schema": "${MANIFEST_SCHEMA}"`);
  });

  it('writes an empty files list as a whole write would', () => {
    const d = fresh();
    const journal = new Journal(d);
    writeManifestStreamed(d, head, new Map(), journal);
    journal.close();
    const e = fresh();
    writeManifest(e, { ...head, files: [] });
    const text = readFileSync(join(d, MANIFEST_NAME), 'utf8');
    expect(text).toBe(readFileSync(join(e, MANIFEST_NAME), 'utf8'));
    expect(JSON.parse(text)).toEqual({ ...head, files: [] });
  });
});

describe('group commit', () => {
  for (const mode of ['syncfs', 'fsync each file', 'syncfs unavailable'] as const) {
    it(`${mode}: each output appears under its final name only after its record is journalled`, async () => {
      const d = fresh();
      const journal = new Journal(d);
      const seen: string[] = [];
      const syncFs = async (dir: string): Promise<boolean> => {
        seen.push(`syncfs ${dir === d}`);
        return mode === 'syncfs';
      };
      const commit = new GroupCommit(journal, () => {}, {
        maxFiles: 3,
        ...(mode === 'fsync each file' ? {} : { syncFs }),
      });
      const done: Promise<ManifestRecord>[] = [];
      for (let i = 0; i < 7; i++) {
        const output = join(d, `f${i}.jpg`);
        const tmp = join(d, `.airlock-${i}.tmp`);
        writeFileSync(tmp, `bytes ${i}`);
        const r = record(`f${i}.jpg`);
        done.push(
          commit.add({ record: r, output, tmp, size: 7, line: JSON.stringify(r) }).then((settled) => {
            // Settled: the record is in the journal, the output in place, the temp gone.
            const lines = readFileSync(join(d, JOURNAL_NAME), 'utf8');
            expect(lines).toContain(`"output":"f${i}.jpg"`);
            expect(readFileSync(output, 'utf8')).toBe(`bytes ${i}`);
            expect(existsSync(tmp)).toBe(false);
            return settled;
          }),
        );
      }
      await commit.flush();
      const records = await Promise.all(done);
      expect(records.map((r) => r.status)).toEqual(new Array(7).fill('clean'));
      // Journalled in order, each record once, and indexed where it sits.
      const lines = readFileSync(join(d, JOURNAL_NAME), 'utf8').trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as ManifestRecord).output)).toEqual(
        Array.from({ length: 7 }, (_, i) => `f${i}.jpg`),
      );
      expect(journal.read(journal.index.get('f4.jpg') as { offset: number; length: number }).output).toBe(
        'f4.jpg',
      );
      journal.close();
      if (mode === 'fsync each file') expect(seen).toEqual([]);
      else expect(seen).toEqual(['syncfs true', 'syncfs true', 'syncfs true']);
    });
  }

  it('a temp that cannot be made durable gets no final name and an error record', async () => {
    const d = fresh();
    const journal = new Journal(d);
    const commit = new GroupCommit(journal, () => {});
    const r = record('gone.jpg');
    const settled = commit.add({
      record: r,
      output: join(d, 'gone.jpg'),
      tmp: join(d, '.airlock-missing.tmp'),
      size: 1,
    });
    await commit.flush();
    const got = await settled;
    journal.close();
    expect(got.status).toBe('error');
    expect(got.error).toMatch(/ENOENT/);
    expect(existsSync(join(d, 'gone.jpg'))).toBe(false);
  });
});
