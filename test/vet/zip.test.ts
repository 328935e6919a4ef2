/**
 * The ZIP layer against Info-ZIP: every corpus APK's entries (name, local header offset, method,
 * CRC-32, sizes) and directory position equal what `zipinfo -v` reads, and a sample of entries'
 * bytes equal `unzip -p`'s. The archives zipinfo complains about are listed with what Airlock
 * gives instead. Then hostile archives built byte by byte.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { entryBytes, readZip, type ZipArchive, type ZipEntry } from '../../src/vet/zip/index.js';
import { thrown } from '../helpers/thrown.js';
import { buildZip, buildZip64 } from './zip-build.js';
import { asZipinfoShows, zipinfo, zipinfoMethod } from './zipinfo.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'apk');
const MAX = 256 * 1024 * 1024;

const apks = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join(CORPUS, d.name))
      .filter((f) => f.endsWith('.apk'))
      .map((f) => `${d.name}/${f}`),
  )
  .sort();

/** Where zipinfo exits non-zero, what Airlock does instead. */
const ORACLE_COMPLAINS: Record<string, string> = {
  // zipinfo: "missing 1 bytes", compensates by reading one byte of the end record as a name.
  'apksig/v2-only-truncated-cd.apk': 'error: directory runs into the end record',
  // zipinfo: "7 extra bytes", compensates; its listing is still right, and Airlock's equals it.
  'apksig/v2-only-garbage-between-cd-and-eocd.apk':
    'value: zip-cd-gap warning, entries as zipinfo lists them',
  // zipinfo: "Empty zipfile" (exit 1); Airlock: an archive with no entries.
  'apksig/empty-unsigned.apk': 'value: no entries',
};

const names = (z: ZipArchive, warning: string) => z.warnings.filter((w) => w.name === warning);

function sameAsZipinfo(file: string, z: ZipArchive): void {
  const zi = zipinfo(join(CORPUS, file));
  expect(z.entries.length, `${file}: entry count`).toBe(zi.entryCount);
  expect(z.eocdOffset, `${file}: end record`).toBe(zi.eocdOffset);
  expect(z.cdOffset, `${file}: directory offset`).toBe(zi.cdOffset);
  expect(z.cdSize, `${file}: directory size`).toBe(zi.cdSize);
  const ours = z.entries.map((e) => ({
    name: asZipinfoShows(e.name),
    localHeaderOffset: e.localHeaderOffset,
    method: zipinfoMethod(e.method),
    crc32: e.crc32,
    compressedSize: e.compressedSize,
    uncompressedSize: e.uncompressedSize,
    encrypted: (e.flags & 1) !== 0,
  }));
  expect(ours, file).toEqual(zi.entries);
}

describe('corpus APKs read as zipinfo reads them', () => {
  it('finds the corpus', () => expect(apks.length).toBeGreaterThan(100));

  for (const file of apks) {
    it(file, () => {
      const bytes = readFileSync(join(CORPUS, file));
      const zi = zipinfo(join(CORPUS, file));
      const complaint = ORACLE_COMPLAINS[file];
      if (zi.status !== 0) expect(complaint, `${file}: zipinfo exit ${zi.status}, not listed`).toBeDefined();
      if (complaint?.startsWith('error')) {
        const err = thrown(() => readZip(bytes));
        expect(err.code).toBe('AIRLOCK_ERR_MALFORMED');
        expect(err.offset).toBe(zi.eocdOffset);
        return;
      }
      const z = readZip(bytes);
      sameAsZipinfo(file, z);
      // Every entry's bytes have the declared size and CRC-32 (entryBytes checks both).
      for (const e of z.entries) expect(entryBytes(bytes, e, MAX).length).toBe(e.uncompressedSize);
    });
  }

  it('warns on exactly the corpus APKs built to be odd, and on nothing else', () => {
    const warned: Record<string, string[]> = {};
    for (const file of apks) {
      if (ORACLE_COMPLAINS[file]?.startsWith('error')) continue;
      const w = readZip(readFileSync(join(CORPUS, file))).warnings.map((x) => x.name);
      if (w.length > 0) warned[file] = w;
    }
    expect(warned).toEqual({
      'apksig/v1-only-with-cr-in-entry-name.apk': ['zip-entry-name'],
      'apksig/v1-only-with-lf-in-entry-name.apk': ['zip-entry-name'],
      'apksig/v1-only-with-nul-in-entry-name.apk': ['zip-entry-name'],
      'apksig/v2-only-garbage-between-cd-and-eocd.apk': ['zip-cd-gap'],
      'fdroid/janus.apk': ['zip-prefix'],
    });
  });

  it('v2-only-garbage-between-cd-and-eocd: the 7 bytes are a zip-cd-gap warning', () => {
    const z = readZip(readFileSync(join(CORPUS, 'apksig/v2-only-garbage-between-cd-and-eocd.apk')));
    expect(names(z, 'zip-cd-gap').map((w) => w.detail)).toEqual([
      '7 bytes between the central directory and its end record',
    ]);
  });

  it('empty-unsigned: no entries, no prefix', () => {
    const z = readZip(readFileSync(join(CORPUS, 'apksig/empty-unsigned.apk')));
    expect(z.entries).toEqual([]);
    expect(z.prefixBytes).toBe(0);
  });

  it('janus.apk: the DEX in front of the archive is a zip-prefix warning', () => {
    const bytes = readFileSync(join(CORPUS, 'fdroid/janus.apk'));
    const z = readZip(bytes);
    const lowest = Math.min(
      ...zipinfo(join(CORPUS, 'fdroid/janus.apk')).entries.map((e) => e.localHeaderOffset),
    );
    expect(z.prefixBytes).toBe(lowest);
    expect(z.prefixBytes).toBeGreaterThan(0);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('dex\n');
    const [w] = names(z, 'zip-prefix');
    expect(w?.offset).toBe(0);
    expect(w?.detail).toContain('DEX');
    // No other corpus APK has bytes before its first entry.
    const others = apks.filter((f) => f !== 'fdroid/janus.apk' && !ORACLE_COMPLAINS[f]?.startsWith('error'));
    const prefixed = others.filter((f) => readZip(readFileSync(join(CORPUS, f))).prefixBytes !== 0);
    expect(prefixed).toEqual([]);
  });

  for (const [file, char] of [
    ['v1-only-with-cr-in-entry-name.apk', '\r'],
    ['v1-only-with-lf-in-entry-name.apk', '\n'],
    ['v1-only-with-nul-in-entry-name.apk', '\u0000'],
  ] as const) {
    it(`${file}: the control character is kept in the name and warned`, () => {
      const z = readZip(readFileSync(join(CORPUS, 'apksig', file)));
      const bad = z.entries.filter((e) => e.name.includes(char));
      expect(bad.map((e) => e.name)).toEqual([`test.txt${char}`]);
      const w = names(z, 'zip-entry-name');
      expect(w.map((x) => x.offset)).toEqual([bad[0]!.centralOffset]);
      expect(w[0]!.detail).toContain('control character');
    });
  }

  it('a sample of entries per APK: entryBytes equals unzip -p', () => {
    let compared = 0;
    for (const file of apks) {
      if (ORACLE_COMPLAINS[file]) continue;
      const path = join(CORPUS, file);
      const bytes = readFileSync(path);
      const z = readZip(bytes);
      const plain = z.entries.filter(
        (e) => /^[\w./-]+$/.test(e.name) && z.entries.filter((x) => x.name === e.name).length === 1,
      );
      const largest = [...plain].sort((a, b) => b.uncompressedSize - a.uncompressedSize)[0];
      const sample = new Set([plain[0], largest, plain.at(-1)].filter((e): e is ZipEntry => e !== undefined));
      for (const e of sample) {
        const r = spawnSync('unzip', ['-p', path, e.name], { maxBuffer: MAX });
        if (r.error) throw r.error;
        expect(r.status, `${file} ${e.name}: unzip exit`).toBe(0);
        expect(Buffer.from(entryBytes(bytes, e, MAX)).equals(r.stdout), `${file} ${e.name}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(250);
  });
});

const text = (s: string) => new TextEncoder().encode(s);
const zeros = (n: number) => new Uint8Array(n);

describe('hostile archives', () => {
  const two = [
    { name: 'AndroidManifest.xml', data: text('manifest'.repeat(20)), method: 8 as const },
    { name: 'classes.dex', data: text('dex\n035\0 code') },
  ];

  it('reads a plain archive and the bytes of each entry', () => {
    const b = buildZip(two);
    const z = readZip(b.bytes);
    expect(z.entries.map((e) => [e.name, e.method, e.localHeaderOffset])).toEqual([
      ['AndroidManifest.xml', 8, 0],
      ['classes.dex', 0, b.localOffsets[1]],
    ]);
    expect([z.cdOffset, z.cdSize, z.eocdOffset, z.prefixBytes]).toEqual([
      b.cdOffset,
      b.cdSize,
      b.eocdOffset,
      0,
    ]);
    expect(z.warnings).toEqual([]);
    expect(new TextDecoder().decode(entryBytes(b.bytes, z.entries[0]!, 1000))).toBe('manifest'.repeat(20));
  });

  it('an APK Signing Block between the last entry and the directory is no anomaly', () => {
    const block = zeros(4096);
    const z = readZip(buildZip(two, { beforeDirectory: block }).bytes);
    expect(z.warnings).toEqual([]);
  });

  it('finds the end record behind a full-length comment', () => {
    const b = buildZip(two, { comment: zeros(0xffff) });
    expect(readZip(b.bytes).eocdOffset).toBe(b.eocdOffset);
  });

  it('skips a fake end record inside the comment whose own comment length does not reach the end', () => {
    const fake = buildZip([], { commentLength: 5 }).bytes; // claims 5 bytes of comment, has 10 after it
    const b = buildZip(two, { comment: new Uint8Array([...fake, ...zeros(10)]) });
    expect(readZip(b.bytes).eocdOffset).toBe(b.eocdOffset);
  });

  it('refuses an end record whose comment runs past the end of the file', () => {
    const b = buildZip(two, { commentLength: 10 });
    const err = thrown(() => readZip(b.bytes));
    expect([err.code, err.offset]).toEqual(['AIRLOCK_ERR_MALFORMED', b.eocdOffset]);
  });

  it('bytes after the end record and its comment are warned, the archive read (as libziparchive does)', () => {
    const b = buildZip(two, { comment: text('hi'), trailing: zeros(7) });
    const z = readZip(b.bytes);
    expect(z.eocdOffset).toBe(b.eocdOffset);
    expect(z.warnings).toEqual([
      {
        name: 'zip-trailing-bytes',
        offset: b.eocdOffset + 24,
        detail: "7 bytes after the end record's comment",
      },
    ]);
  });

  it('refuses a file with no end record, and one too short for any', () => {
    expect(thrown(() => readZip(zeros(1000))).code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(thrown(() => readZip(zeros(5))).code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(thrown(() => readZip(zeros(0))).code).toBe('AIRLOCK_ERR_MALFORMED');
  });

  it('refuses a directory beyond the file or running into its end record', () => {
    for (const o of [{ cdOffset: 0x7fffffff }, { cdSize: 0xffffffff }, { cdSize: 1000 }]) {
      const b = buildZip(two, o);
      const err = thrown(() => readZip(b.bytes));
      expect(err.code).toBe('AIRLOCK_ERR_MALFORMED');
      expect(err.offset).toBe(b.eocdOffset);
    }
  });

  it('refuses an entry count the directory cannot hold, before reading any record', () => {
    const b = buildZip(two, { count: 0xffff });
    const err = thrown(() => readZip(b.bytes));
    expect([err.code, err.offset]).toEqual(['AIRLOCK_ERR_MALFORMED', b.eocdOffset]);
    expect(err.message).toContain('65535 entries');
  });

  it('refuses a zip64 entry count past the limit, and a locator pointing nowhere', () => {
    expect(thrown(() => readZip(buildZip64(two, { count: 2 ** 40 }).bytes)).code).toBe('AIRLOCK_ERR_LIMIT');
    const b = buildZip64(two);
    const bad = b.bytes.slice();
    bad.set([0x99, 0, 0, 0], b.eocdOffset - 12); // the locator's record offset
    expect(thrown(() => readZip(bad)).code).toBe('AIRLOCK_ERR_MALFORMED');
  });

  it('reads a zip64 archive through its locator', () => {
    const b = buildZip64(two);
    const z = readZip(b.bytes);
    expect([z.entries.length, z.cdOffset, z.cdSize, z.eocdOffset]).toEqual([
      2,
      b.cdOffset,
      b.cdSize,
      b.eocdOffset,
    ]);
    expect(z.warnings).toEqual([]);
  });

  it('refuses a directory record without its signature or cut short, naming its offset', () => {
    const b = buildZip(two);
    const bad = b.bytes.slice();
    bad[b.cdOffset] = 0;
    expect([thrown(() => readZip(bad)).code, thrown(() => readZip(bad)).offset]).toEqual([
      'AIRLOCK_ERR_MALFORMED',
      b.cdOffset,
    ]);
    const long = b.bytes.slice();
    long[b.cdOffset + 28] = 0xff; // first record's name length: past the directory
    const err = thrown(() => readZip(long));
    expect([err.code, err.offset]).toEqual(['AIRLOCK_ERR_TRUNCATED', b.cdOffset]);
  });

  it('a deflate bomb (declared small, inflates big) is refused at its declared size', () => {
    const big = zeros(20 * 1024 * 1024);
    const b = buildZip([{ name: 'bomb', data: big, method: 8, uncompressedSize: 100 }]);
    const z = readZip(b.bytes);
    const t0 = performance.now();
    const err = thrown(() => entryBytes(b.bytes, z.entries[0]!, MAX));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err.code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(err.message).toContain('"bomb"');
  });

  it('a declared size past maxBytes is a limit error naming the entry, before inflating', () => {
    const b = buildZip([{ name: 'huge.bin', data: zeros(100), method: 8, uncompressedSize: 0xfffffff0 }]);
    const z = readZip(b.bytes);
    const err = thrown(() => entryBytes(b.bytes, z.entries[0]!, MAX));
    expect([err.code, err.offset]).toEqual(['AIRLOCK_ERR_LIMIT', 0]);
    expect(err.message).toContain('"huge.bin"');
  });

  it('an entry that inflates short of its declared size, or whose CRC-32 differs, is malformed', () => {
    for (const over of [{ uncompressedSize: 500 }, { crc: 0x12345678 }]) {
      const b = buildZip([{ name: 'x', data: zeros(100), method: 8, ...over }]);
      const err = thrown(() => entryBytes(b.bytes, readZip(b.bytes).entries[0]!, MAX));
      expect(err.code).toBe('AIRLOCK_ERR_MALFORMED');
      expect(err.message).toContain('"x"');
    }
    const stored = buildZip([{ name: 's', data: zeros(10), crc: 1 }]);
    expect(thrown(() => entryBytes(stored.bytes, readZip(stored.bytes).entries[0]!, MAX)).message).toContain(
      'CRC-32',
    );
  });

  it('a corrupt or cut deflate stream is malformed', () => {
    const data = text('hello '.repeat(100));
    const deflated = deflateRawSync(data);
    const b = buildZip([{ name: 'x', data, method: 8, compressedSize: 5 }]);
    const z = readZip(b.bytes);
    expect(thrown(() => entryBytes(b.bytes, z.entries[0]!, MAX)).code).toBe('AIRLOCK_ERR_MALFORMED');
    const junk = buildZip([{ name: 'y', data: new Uint8Array([0xff, 0xff, 0xff]), method: 0, crc: 0 }]);
    const entry = { ...readZip(junk.bytes).entries[0]!, method: 8, uncompressedSize: deflated.length };
    expect(thrown(() => entryBytes(junk.bytes, entry, MAX)).code).toBe('AIRLOCK_ERR_MALFORMED');
  });

  it('data running past the end of the file is truncated; a stored entry with two sizes is malformed', () => {
    const b = buildZip([{ name: 'x', data: zeros(10), compressedSize: 100000, uncompressedSize: 100000 }]);
    const err = thrown(() => entryBytes(b.bytes, readZip(b.bytes).entries[0]!, MAX));
    expect(err.code).toBe('AIRLOCK_ERR_TRUNCATED');
    const c = buildZip([{ name: 'x', data: zeros(10), uncompressedSize: 5 }]);
    expect(thrown(() => entryBytes(c.bytes, readZip(c.bytes).entries[0]!, MAX)).code).toBe(
      'AIRLOCK_ERR_MALFORMED',
    );
  });

  it('two directory records sharing one local header overlap', () => {
    const b = buildZip([two[0]!, { ...two[0]!, name: 'again.xml', sharesLocalOf: 0, centralOnly: true }]);
    const z = readZip(b.bytes);
    expect(names(z, 'zip-overlap').map((w) => w.offset)).toEqual([0]);
    // The second record's name is not its local header's.
    expect(names(z, 'zip-local-mismatch').map((w) => w.detail)).toEqual([
      '"again.xml": local header disagrees with the central directory: name',
    ]);
  });

  it('an entry nested inside another stored entry overlaps it', () => {
    const inner = buildZip([{ name: 'inner', data: text('payload') }]).bytes;
    const innerLocal = inner.subarray(0, 30 + 5 + 7); // its local header, name and data
    const b = buildZip([
      { name: 'outer', data: innerLocal },
      { name: 'inner', data: text('payload'), centralOnly: true },
    ]);
    // Point 'inner' at the local header inside 'outer''s data.
    const bytes = b.bytes.slice();
    const innerRecord = b.cdOffset + 46 + 5;
    new DataView(bytes.buffer).setUint32(innerRecord + 42, 30 + 5, true);
    const z = readZip(bytes);
    expect(z.warnings.map((w) => w.name)).toEqual(['zip-overlap']);
    expect(new TextDecoder().decode(entryBytes(bytes, z.entries[1]!, MAX))).toBe('payload');
  });

  it('local headers that disagree with the directory are warned, with the entry and offset', () => {
    const b = buildZip([
      { ...two[0]!, localName: 'Other.xml' },
      { ...two[1]!, localMethod: 8 },
    ]);
    const z = readZip(b.bytes);
    expect(names(z, 'zip-local-mismatch')).toEqual([
      {
        name: 'zip-local-mismatch',
        offset: 0,
        detail: '"AndroidManifest.xml": local header disagrees with the central directory: name',
      },
      {
        name: 'zip-local-mismatch',
        offset: b.localOffsets[1],
        detail:
          '"classes.dex": local header disagrees with the central directory: method (local 8, central 0)',
      },
    ]);
  });

  it('a directory record pointing at no local header is warned; its bytes are refused', () => {
    const b = buildZip([{ ...two[1]!, centralOnly: true, sharesLocalOf: 0 }]);
    const bytes = b.bytes.slice();
    new DataView(bytes.buffer).setUint32(b.cdOffset + 42, 0x7ffffff0, true);
    const z = readZip(bytes);
    expect(names(z, 'zip-local-mismatch').map((w) => w.offset)).toEqual([0x7ffffff0]);
    expect(z.entries[0]!.dataOffset).toBe(-1);
    expect(thrown(() => entryBytes(bytes, z.entries[0]!, MAX)).code).toBe('AIRLOCK_ERR_MALFORMED');
  });

  it('a local header inside the central directory is an overlap', () => {
    const b = buildZip([two[1]!]);
    const bytes = b.bytes.slice();
    new DataView(bytes.buffer).setUint32(b.cdOffset + 42, b.cdOffset, true);
    const z = readZip(bytes);
    expect(names(z, 'zip-overlap').map((w) => w.offset)).toEqual([b.cdOffset]);
  });

  it('a name listed twice is warned at its second record', () => {
    const b = buildZip([two[1]!, two[0]!, { ...two[1]!, data: text('other') }]);
    const z = readZip(b.bytes);
    const w = names(z, 'zip-duplicate-name');
    expect(w.length).toBe(1);
    expect(w[0]!.offset).toBe(z.entries[2]!.centralOffset);
    expect(z.entries.map((e) => e.name)).toEqual(['classes.dex', 'AndroidManifest.xml', 'classes.dex']);
  });

  it('bytes before the first entry are counted and warned (Janus)', () => {
    const prefix = new Uint8Array([...text('dex\n035\0'), ...zeros(92)]);
    const z = readZip(buildZip(two, { prefix }).bytes);
    expect(z.prefixBytes).toBe(100);
    expect(names(z, 'zip-prefix')[0]!.detail).toContain('Janus');
    const plain = readZip(buildZip(two, { prefix: zeros(10) }).bytes);
    expect(names(plain, 'zip-prefix')[0]!.detail).toBe('10 bytes before the first entry');
  });

  it('names that escape or hide are warned; invalid UTF-8 is decoded with replacement characters', () => {
    const entries = ['../../etc/passwd', '/abs', 'a/../../b', 'C:\\x', 'tab\there', 'ok/name', ''].map(
      (name) => ({
        name,
        data: text('x'),
      }),
    );
    entries.push({ name: 'latin', data: text('x'), nameBytes: new Uint8Array([0x61, 0xff, 0x62]) } as never);
    const z = readZip(buildZip(entries).bytes);
    expect(names(z, 'zip-entry-name').map((w) => w.detail.split(': ')[0])).toEqual([
      '"../../etc/passwd"',
      '"/abs"',
      '"a/../../b"',
      '"C:\\\\x"',
      '"tab\\there"',
      '""',
    ]);
    expect(z.entries.at(-1)!.name).toBe('a\ufffdb');
  });

  it('a byte-order mark at the start of a name is kept (it makes a different name)', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...text('classes.dex')]);
    const z = readZip(buildZip([two[1]!, { name: 'x', data: text('x'), nameBytes: bom }]).bytes);
    expect(z.entries[1]!.name).toBe('\ufeffclasses.dex');
    expect(names(z, 'zip-duplicate-name')).toEqual([]);
  });

  it('an end record naming other disks is warned and read as one disk', () => {
    const b = buildZip(two);
    const bytes = b.bytes.slice();
    bytes[b.eocdOffset + 4] = 1;
    const z = readZip(bytes);
    expect(z.warnings.map((w) => [w.name, w.offset])).toEqual([['zip-multi-disk', b.eocdOffset]]);
    expect(z.entries.length).toBe(2);
  });

  it('warnings stop at the cap, with one saying how many were left out', () => {
    const entries = Array.from({ length: 10_005 }, (_, i) => ({ name: `../${i}`, data: new Uint8Array() }));
    const z = readZip(buildZip(entries).bytes);
    expect(z.entries.length).toBe(10_005);
    expect(z.warnings.length).toBe(10_001);
    expect(z.warnings.at(-1)).toEqual({ name: 'zip-warnings-capped', detail: '5 more warnings not listed' });
  });

  it('a compression method Android does not read is warned and its bytes refused', () => {
    const b = buildZip([{ name: 'x.bz2', data: text('x') }]);
    const bytes = b.bytes.slice();
    bytes[b.cdOffset + 10] = 12; // bzip2, in the directory only
    const z = readZip(bytes);
    expect(z.warnings.map((w) => w.name).sort()).toEqual(['zip-local-mismatch', 'zip-method']);
    expect(thrown(() => entryBytes(bytes, z.entries[0]!, MAX)).code).toBe('AIRLOCK_ERR_UNSUPPORTED');
  });

  it('encrypted entries are warned and their bytes refused', () => {
    const b = buildZip([{ name: 'secret', data: text('x'), flags: 1 }]);
    const z = readZip(b.bytes);
    expect(names(z, 'zip-encrypted').length).toBe(1);
    expect(thrown(() => entryBytes(b.bytes, z.entries[0]!, MAX)).code).toBe('AIRLOCK_ERR_UNSUPPORTED');
  });
});
