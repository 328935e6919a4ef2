/**
 * Hostile FLIR FFFs against the scrubber, under the `thermal` profile with location `drop`: the
 * radiometric records are kept, so the FFF is edited in place rather than dropped whole, and
 * whatever else it holds must go. The corpus FLIR still's FFF is rebuilt here with a position and
 * a marker where a scrubber might not look: a GPSInfo record, a TextInfo record, a record of a
 * type nobody names, an unused directory entry, the header's spare words, a gap between records,
 * bytes after the last one. ExifTool must read the position in the input (the carrier is real),
 * and in no clean copy; no copy may hold the marker or the position's bytes; every copy still
 * holds the thermal pixels, byte for byte.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusFile } from '../../helpers/corpus.js';
import { exiftoolBinarySha, exiftoolJson } from '../../helpers/exiftool.js';
import { prng, rngOf, runSeed } from '../../helpers/prng.js';
import { cat, leaks, rawLeaks, scratchDir, scrubDrop } from './oracles.js';

const CASES = Number(process.env.AIRLOCK_FUZZ_CASES ?? 150);
const SEED = runSeed();
const base = scratchDir();
afterAll(() => rmSync(base, { recursive: true, force: true }));

const THERMAL_DROP =
  'version: 1\nprofile: thermal\nmedia:\n  location: {drone: drop, operator: drop, target: drop}\n';
const MARK = Buffer.from('SN-AIRLOCK-FLIR-LEAK-7Q 53.3650801');
const LAT = 53.3650801;
const LON = 6.4607391;
const le64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
};

interface Seg {
  marker: number;
  start: number;
  end: number;
}
function segments(b: Buffer): Seg[] {
  const out: Seg[] = [];
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const marker = b[p + 1] as number;
    if (marker === 0xda) break;
    const end = p + 2 + b.readUInt16BE(p + 2);
    out.push({ marker, start: p, end });
    p = end;
  }
  return out;
}
const isFlir = (b: Buffer, s: Seg) =>
  s.marker === 0xe1 && b.subarray(s.start + 4, s.start + 9).toString('latin1') === 'FLIR\0';

/** The corpus still, and its FFF joined from its FLIR segments (big-endian, version 100). */
const still = readFileSync(corpusFile('media', 'exiftool-FLIR.jpg'));
const fff = Buffer.concat(
  segments(still)
    .filter((s) => isFlir(still, s))
    .map((s) => still.subarray(s.start + 12, s.end)),
);

interface Rec {
  type: number;
  entry: Buffer;
  body: Buffer;
}
/** The corpus FFF's records, each with its directory entry. */
function corpusRecords(): Rec[] {
  const dir = fff.readUInt32BE(0x18);
  const out: Rec[] = [];
  for (let i = 0; i < fff.readUInt32BE(0x1c); i++) {
    const entry = Buffer.from(fff.subarray(dir + i * 32, dir + i * 32 + 32));
    const type = entry.readUInt16BE(0);
    if (type === 0) continue;
    const pos = entry.readUInt32BE(12);
    out.push({ type, entry, body: fff.subarray(pos, pos + entry.readUInt32BE(16)) });
  }
  return out;
}
const record = (type: number, body: Buffer): Rec => {
  const entry = Buffer.alloc(32);
  entry.writeUInt16BE(type, 0);
  entry.writeUInt16BE(1, 2);
  return { type, entry, body };
};
/** Little-endian, as the corpus records before it leave ExifTool's byte order (they declare theirs). */
function gpsInfo(): Buffer {
  const b = Buffer.alloc(0x60);
  b.writeUInt32LE(1, 0); // valid
  b.write('N', 0x08, 'latin1');
  b.write('E', 0x0a, 'latin1');
  b.writeDoubleLE(LAT, 0x10);
  b.writeDoubleLE(LON, 0x18);
  b.writeFloatLE(12.5, 0x20);
  return b;
}

/** An FFF of `records` (directory after the header, then the records), with `extra` edits. */
function buildFff(
  records: Rec[],
  opts: { spares?: boolean; unusedEntry?: boolean; gap?: boolean; tail?: boolean } = {},
): Buffer {
  const entries = records.length + (opts.unusedEntry ? 1 : 0);
  const header = Buffer.from(fff.subarray(0, 0x40));
  header.writeUInt32BE(0x40, 0x18);
  header.writeUInt32BE(entries, 0x1c);
  if (opts.spares) MARK.subarray(0, 20).copy(header, 0x28);
  const dir = Buffer.alloc(entries * 32);
  const bodies: Buffer[] = [];
  let at = 0x40 + dir.length;
  records.forEach((r, i) => {
    if (opts.gap && i === 1) {
      bodies.push(MARK);
      at += MARK.length;
    }
    const e = Buffer.from(r.entry);
    e.writeUInt32BE(at, 12);
    e.writeUInt32BE(r.body.length, 16);
    e.copy(dir, i * 32);
    bodies.push(r.body);
    at += r.body.length;
  });
  if (opts.unusedEntry) MARK.subarray(2, 34).copy(dir, records.length * 32 + 2); // type 0, then bytes
  return Buffer.concat([header, dir, ...bodies, ...(opts.tail ? [MARK] : [])]);
}

/** The corpus still with its FLIR segments replaced by `f`, split into segments as FLIR does. */
function withFff(f: Buffer): Buffer {
  const segs = segments(still);
  const first = segs.find((s) => isFlir(still, s)) as Seg;
  const chunks: Buffer[] = [];
  const per = 60_000;
  const count = Math.ceil(f.length / per);
  for (let i = 0; i < count; i++) {
    const body = f.subarray(i * per, (i + 1) * per);
    const head = Buffer.from([0xff, 0xe1, 0, 0, ...Buffer.from('FLIR\0', 'latin1'), 1, i, count - 1]);
    head.writeUInt16BE(2 + 8 + body.length, 2);
    chunks.push(head, body);
  }
  const kept = segs.filter((s) => !isFlir(still, s));
  const before = kept.filter((s) => s.start < first.start).map((s) => still.subarray(s.start, s.end));
  const after = kept.filter((s) => s.start > first.start).map((s) => still.subarray(s.start, s.end));
  const scanAt = (segs.at(-1) as Seg).end;
  return Buffer.from(cat(still.subarray(0, 2), ...before, ...chunks, ...after, still.subarray(scanAt)));
}

/**
 * `jpeg` with the bytes of every record its FFF's directory names zeroed (read here as ExifTool
 * reads it: the header's version decides the byte order; type 0 is a free entry; but an entry
 * over the header or the directory names no record): what is left is what no record holds.
 */
function outsideKeptRecords(jpeg: Buffer): Buffer {
  const b = Buffer.from(jpeg);
  const pieces = segments(b)
    .filter((s) => isFlir(b, s))
    .map((s) => ({ at: s.start + 12, bytes: b.subarray(s.start + 12, s.end) }));
  if (pieces.length === 0) return b;
  const f = Buffer.concat(pieces.map((p) => p.bytes));
  if (f.length < 0x40) return b;
  const v = f.readUInt32BE(0x14);
  const le = !(v >= 100 && v < 200);
  const u32 = (o: number) => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const dir = u32(0x18);
  const n = u32(0x1c);
  for (let i = 0; i < n && dir + 32 * (i + 1) <= f.length; i++) {
    const e = dir + 32 * i;
    if ((le ? f.readUInt16LE(e) : f.readUInt16BE(e)) === 0) continue;
    const pos = u32(e + 12);
    const end = Math.min(f.length, pos + u32(e + 16));
    // The header and the directory are no record's data, whatever an entry says.
    if (pos < 0x40 || (pos < dir + 32 * n && end > dir)) continue;
    // Stream offsets to file offsets, piece by piece.
    let at = 0;
    for (const p of pieces) {
      const from = Math.max(pos, at);
      const to = Math.min(end, at + p.bytes.length);
      if (to > from) b.fill(0, p.at + (from - at), p.at + (to - at));
      at += p.bytes.length;
    }
  }
  return b;
}

const rawThermal = (file: string): string => exiftoolBinarySha(file, 'RawThermalImage');

describe('hostile FLIR FFFs: the thermal data kept, nothing else let through', () => {
  it('a position or a marker in records and bytes no radiometric reader needs', () => {
    const own = corpusRecords();
    const cases: Record<string, Buffer> = {
      'a GPSInfo record': buildFff([...own, record(0x2b, gpsInfo())]),
      'a TextInfo record': buildFff([...own, record(0x23, Buffer.concat([MARK, Buffer.alloc(6)]))]),
      'a record of an unnamed type': buildFff([...own, record(0x99, MARK)]),
      'an unused directory entry': buildFff(own, { unusedEntry: true }),
      "the header's spare words": buildFff(own, { spares: true }),
      'a gap between records': buildFff(own, { gap: true }),
      'bytes after the last record': buildFff(own, { tail: true }),
    };
    const dir = join(base, 'flir');
    mkdirSync(dir);
    const names = Object.keys(cases);
    for (const [i, name] of names.entries())
      writeFileSync(join(dir, `case${i}.jpg`), withFff(cases[name] as Buffer));

    // The carriers are real: ExifTool reads the position, and the pixels, in the inputs.
    const inputs = exiftoolJson(names.map((_, i) => join(dir, `case${i}.jpg`)));
    expect(inputs[0]?.['FLIR:GPSLatitude'], 'ExifTool reads the GPSInfo position').toBeCloseTo(LAT, 6);
    const pixels = rawThermal(corpusFile('media', 'exiftool-FLIR.jpg'));
    for (const [i] of names.entries()) expect(rawThermal(join(dir, `case${i}.jpg`))).toBe(pixels);

    const { out, files } = scrubDrop(base, dir, 'flir', THERMAL_DROP);
    const leaked: string[] = [];
    for (const [i, name] of names.entries()) {
      const rec = files.find((f) => f.input.endsWith(`case${i}.jpg`));
      expect(rec?.status, `${name}: cleaned`).toBe('clean');
      const copy = join(out, rec?.output as string);
      const bytes = readFileSync(copy);
      const [r] = exiftoolJson([copy]);
      leaked.push(...leaks(r ?? {}).map((k) => `${name}: ${k} = ${JSON.stringify(r?.[k])}`));
      leaked.push(...rawLeaks(bytes).map((l) => `${name}: ${l}`));
      for (const [what, b] of [
        // The part every hiding place holds (the spares hold its first 20 bytes).
        ['the marker', MARK.subarray(3, 20)],
        ['the latitude', le64(LAT)],
        ['the longitude', le64(LON)],
      ] as const)
        if (bytes.includes(b)) leaked.push(`${name}: ${what}`);
      // Kept, as the thermal profile asks: the pixels, byte for byte.
      expect(rawThermal(copy), `${name}: thermal pixels kept`).toBe(pixels);
    }
    console.log(`FLIR: ${names.length} hostile FFFs, ${leaked.length} leaks`);
    expect(leaked).toEqual([]);
  });

  it(
    `${CASES} randomly damaged FFFs under the thermal profile (seed ${SEED})`,
    () => {
      // The FFF with every hiding place at once, damaged where it is structure: header words,
      // directory entries (type, offset, length), record bytes. Whatever Airlock makes of it, a
      // copy it writes as clean shows ExifTool no position or serial, and holds no position, serial
      // or marker outside the records it keeps. Inside a kept thermal record bytes pass as they are:
      // the profile keeps those records whole, as it keeps DJI's thermal blocks (a damaged entry that
      // stretches a MeasurementInfo over a gap makes the gap its data).
      const whole = buildFff([...corpusRecords(), record(0x2b, gpsInfo()), record(0x23, MARK)], {
        spares: true,
        unusedEntry: true,
        gap: true,
        tail: true,
      });
      const r = rngOf(prng(SEED));
      const dir = join(base, 'damaged');
      mkdirSync(dir);
      const entries = whole.readUInt32BE(0x1c);
      for (let i = 0; i < CASES; i++) {
        const f = Buffer.from(whole);
        for (let n = 1 + r.int(3); n > 0; n--) {
          const pick = r.int(4);
          const at =
            pick === 0
              ? 0x14 + 4 * r.int(3) // version, directory offset, record count
              : pick === 1
                ? 0x40 + 32 * r.int(entries) + 4 * r.int(8) // a directory entry's word
                : 4 * r.int(Math.floor(f.length / 4)); // a whole word inside the file
          const value = [0, 1, 0xffffffff, f.length, r.int(f.length), r.int(0x10000)][r.int(6)] as number;
          if (pick === 3) f[at] = r.int(256);
          else f.writeUInt32BE(value >>> 0, at);
        }
        writeFileSync(join(dir, `${String(i).padStart(4, '0')}.jpg`), withFff(f));
      }
      const { out, files } = scrubDrop(base, dir, 'damaged', THERMAL_DROP);
      expect(files.length, 'every input has a record').toBe(CASES);
      const clean = files.filter((x) => x.status === 'clean');
      const leaked: string[] = [];
      const recs = clean.length ? exiftoolJson(clean.map((x) => join(out, x.output))) : [];
      for (const rec of recs) leaked.push(...leaks(rec).map((k) => `${rec.SourceFile}: ${k}`));
      for (const x of clean) {
        const bytes = outsideKeptRecords(readFileSync(join(out, x.output)));
        leaked.push(...rawLeaks(bytes).map((l) => `${x.output}: ${l}`));
        if (bytes.includes(MARK.subarray(3, 20))) leaked.push(`${x.output}: the marker`);
        if (bytes.includes(le64(LAT))) leaked.push(`${x.output}: the latitude`);
      }
      console.log(`[scrub-leak flir] seed ${SEED}: ${CASES} damaged FFFs: ${clean.length} clean`);
      expect(leaked).toEqual([]);
      // `npm run fuzz`'s 50,000 cases take minutes (30,000: 5.5 min here): the fuzz harnesses' bound.
    },
    30 * 60_000,
  );
});
