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
import { tiffRewriter } from '../../src/media/tiff/rewrite.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { GroupCommit } from '../../src/scrub/commit.js';
import { FilesystemSync, readWhole, writeChunks } from '../../src/scrub/files.js';
import type { JobOutcome } from '../../src/scrub/job.js';
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
import { fromWire, toWire } from '../../src/scrub/wire.js';
import { corpusFile } from '../helpers/corpus.js';
import { jpegScanHash, tiffImageHashes } from './e2e-oracles.js';

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

describe('writeChunks', () => {
  /** Writes `parts` to a new file with writeChunks, hashing as it writes; checks both against the joined bytes. */
  function writesExactly(parts: Uint8Array[]): void {
    const path = join(fresh(), 'out.bin');
    const fd = openSync(path, 'wx');
    const hash = createHash('sha256');
    let written: number;
    try {
      written = writeChunks(fd, parts, hash);
    } finally {
      closeSync(fd);
    }
    const joined = concatBytes(parts);
    expect(written).toBe(joined.length);
    expect(readFileSync(path).equals(Buffer.from(joined))).toBe(true);
    expect(hash.digest('hex')).toBe(sha(joined));
  }

  it('write and hash exactly the joined bytes, past the 1024-iovec limit of one writev', () => {
    writesExactly(Array.from({ length: 2500 }, (_, i) => bytes((i % 17) + (i % 3 === 0 ? 0 : 1), i)));
  });

  it('write exactly the joined bytes, and hash them as written, when pieces exceed one write call', () => {
    // Around and across the 1 MiB slice: a small head, a 3.5 MiB piece, an exact 1 MiB, a tail.
    writesExactly([
      bytes(7, 1),
      bytes(3.5 * 2 ** 20, 2),
      bytes(2 ** 20, 3),
      bytes(2 ** 20 - 7, 4),
      bytes(9, 5),
    ]);
  });
});

describe('readWhole (one reused buffer per thread)', () => {
  it('gives each file exactly, however sizes rise and fall between reads', () => {
    const d = fresh();
    const sizes = [10, 70_000, 69_999, 0, 300_001, 5, 300_002, 1_000_000, 3];
    sizes.forEach((len, i) => {
      const content = bytes(len, i);
      const path = join(d, `f${i}`);
      writeFileSync(path, content);
      const r = readWhole(path);
      expect(Buffer.from(r.bytes).equals(Buffer.from(content)), `file ${i} (${len} bytes)`).toBe(true);
      r.release();
    });
  });

  it('a second read while the first is out gets its own buffer', () => {
    const d = fresh();
    writeFileSync(join(d, 'a'), bytes(1000, 1));
    writeFileSync(join(d, 'b'), bytes(1000, 2));
    const a = readWhole(join(d, 'a'));
    const b = readWhole(join(d, 'b'));
    expect(Buffer.from(a.bytes).equals(Buffer.from(bytes(1000, 1)))).toBe(true);
    expect(Buffer.from(b.bytes).equals(Buffer.from(bytes(1000, 2)))).toBe(true);
    a.release();
    b.release();
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

describe('the TIFF rewriter builds its output as chunks', () => {
  for (const name of ['mat2-dirty.tiff', 'dji-thermal-flir.tif', 'exiftool-DNG.dng']) {
    it(`${name}: strips and tiles stay views of the input, written once; the hashes are of what is written`, () => {
      const file = corpusFile('media', name);
      const input = new Uint8Array(readFileSync(file));
      const r = tiffRewriter.rewrite(new BufferSource(input), decideFor(defaultPolicy()));
      const chunks = r.chunks as readonly Uint8Array[];
      // The structure is one fresh piece; the image data follows in the input's own memory.
      expect(chunks[0]?.buffer).not.toBe(input.buffer);
      const views = chunks.filter((c) => c.buffer === input.buffer);
      expect(views.length).toBeGreaterThan(0);
      const joined = Buffer.from(concatBytes(chunks));
      expect(Buffer.from(r.bytes).equals(joined)).toBe(true);
      // ExifTool locates the output's strips/tiles in the joined bytes: the main image's hash
      // is the input's and is the one reported (image data hashed once, from where it was read).
      const out = join(fresh(), name);
      writeFileSync(out, joined);
      const before = tiffImageHashes(file, Buffer.from(input));
      const after = tiffImageHashes(out, joined);
      expect(after.size).toBeGreaterThan(0);
      for (const [group, h] of after) expect(new Set(before.values()).has(h), group).toBe(true);
      expect(r.imageHashIn).toMatch(/^[0-9a-f]{64}$/);
      expect(r.imageHashOut).toBe(r.imageHashIn);
    });
  }
});

describe('a rewriter follows the walk its analysis made over the same source', () => {
  for (const name of ['dji-mavic2pro-hasselblad-L1D-20c.jpg', 'exiftool-DNG.dng', 'dji-thermal-flir.tif']) {
    it(`${name}: the same output, notes and hashes as from a source never read`, () => {
      const input = new Uint8Array(readFileSync(corpusFile('media', name)));
      const decide = decideFor(defaultPolicy());
      const rewriter = name.endsWith('.jpg') ? jpegRewriter : tiffRewriter;
      const analysed = new BufferSource(input);
      const known = analyseSource(analysed, name);
      expect(known.status).toBe('read');
      const a = rewriter.rewrite(analysed, decide, known.findings);
      const b = rewriter.rewrite(new BufferSource(input), decide);
      expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
      expect(a.notes).toEqual(b.notes);
      expect(a.imageHashIn).toBe(b.imageHashIn);
      expect(a.imageHashOut).toBe(b.imageHashOut);
      // And it did follow the analysis: it asks about the very findings the analysis reported
      // (its TIFF walk's; an XMP packet inside is parsed again), which a fresh source never gives.
      const reported = new Set<unknown>(known.findings);
      const askedOf = (src: BufferSource, findings?: typeof known.findings): number => {
        let n = 0;
        const counting = (f: (typeof known.findings)[number]) => {
          if (reported.has(f)) n += 1;
          return decide(f);
        };
        rewriter.rewrite(src, counting, findings);
        return n;
      };
      expect(askedOf(analysed, known.findings)).toBeGreaterThan(0);
      expect(askedOf(new BufferSource(input))).toBe(0);
    });
  }
});

describe('a worker posts a record once', () => {
  const r = record('w.jpg');
  it('done: one JSON text for the outcome and the journal; read back as one object', () => {
    const o: JobOutcome = {
      kind: 'done',
      record: r,
      pending: { record: r, output: '/o/w.jpg', tmp: '/o/t', size: 3 },
    };
    const w = toWire(o);
    expect(w.kind === 'done' && w.journalLine).toBeUndefined();
    // The long part of the text (the lists) crosses the thread boundary once (a structured clone
    // copies each string it meets); the head beside it carries the short fields and the counts.
    expect(JSON.stringify(w).split('GPSLatitude')).toHaveLength(2);
    expect(JSON.stringify(w).split('camera:Model')).toHaveLength(2);
    const back = fromWire(w);
    if (back.kind !== 'done') throw new Error(back.kind);
    expect(back.counts).toEqual({ keep: 0, drop: 0, replace: 1 });
    expect(JSON.stringify(back.record)).toBe(JSON.stringify(r));
    expect(back.record).toEqual(r);
    expect(back.pending.record).toBe(back.record);
    expect(back.pending.line).toBe(JSON.stringify(r));
    expect(back.pending).toMatchObject({ output: '/o/w.jpg', tmp: '/o/t', size: 3 });
  });
  it('done with another record to journal: both cross, each read back', () => {
    const failed: ManifestRecord = { ...r, status: 'error', error: 'x' };
    const w = toWire({ kind: 'done', record: r, pending: { record: failed, output: '/o/w.jpg' } });
    const back = fromWire(w);
    if (back.kind !== 'done') throw new Error(back.kind);
    expect(back.record).toEqual(r);
    expect(back.pending.record).toEqual(failed);
    expect(back.pending.line).toBe(JSON.stringify(failed));
  });
});

describe('FilesystemSync (syncfs through one long-lived helper)', () => {
  it('answers each request, in order, and false once closed', async () => {
    const s = FilesystemSync.start();
    const d = fresh();
    writeFileSync(join(d, 'x'), 'x');
    expect(await Promise.all([s.sync(d), s.sync(d), s.sync(scratch)])).toEqual([true, true, true]);
    // A folder name that cannot travel on one line is refused, not mangled.
    expect(await s.sync(`${d}\nx`)).toBe(false);
    s.close();
    expect(await s.sync(d)).toBe(false);
  });

  it('a refused request (no such folder) answers false, and so does every later one', async () => {
    const s = FilesystemSync.start();
    expect(await s.sync(join(scratch, 'no-such-folder'))).toBe(false);
    // The caller falls back to fsync file by file from then on, as when syncfs is unavailable.
    expect(await s.sync(scratch)).toBe(false);
    s.close();
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

  it('is the same text when records fill its write buffer many times, or are bigger than it, in any script', () => {
    // Streamed through one 1 MiB buffer: 600 records of ~6 KB fill it several times; a 1.5 MiB
    // journalled record and a 600 K-character record held in memory do not fit it at all; an
    // astral character, a lone surrogate and 3-byte UTF-8 characters take their full width.
    const d = fresh();
    const wide = (i: number): Partial<ManifestRecord> => ({
      notes: [`${'›'.repeat(1500)} ${i} 🛰 \ud800 ${'ü'.repeat(500)}`],
    });
    const journalled = Array.from({ length: 600 }, (_, i) =>
      record(`j/${String(i).padStart(4, '0')}.jpg`, wide(i)),
    );
    journalled.push(record('j/huge.jpg', { notes: ['€'.repeat(520_000)] }));
    const earlier = new Map([['e/old.jpg', record('e/old.jpg', { notes: ['x'.repeat(600_000)] })]]);
    const latest = new Map([['l/late.jpg', record('l/late.jpg', wide(-1))]]);
    const journal = new Journal(d);
    for (let i = 0; i < journalled.length; i += 64) journal.appendMany(journalled.slice(i, i + 64));
    writeManifestStreamed(d, head, earlier, journal, latest);
    journal.close();
    const files = [...journalled, ...earlier.values(), ...latest.values()].sort((a, b) =>
      a.output < b.output ? -1 : a.output > b.output ? 1 : 0,
    );
    const e = fresh();
    writeManifest(e, { ...head, files });
    const streamed = readFileSync(join(d, MANIFEST_NAME));
    expect(streamed.equals(readFileSync(join(e, MANIFEST_NAME)))).toBe(true);
    expect(JSON.parse(streamed.toString('utf8')).files).toHaveLength(603);
    // The journal's lines are each record's JSON and a newline, byte for byte.
    const lines = readFileSync(join(d, JOURNAL_NAME));
    expect(lines.equals(Buffer.from(journalled.map((r) => `${JSON.stringify(r)}\n`).join('')))).toBe(true);
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
