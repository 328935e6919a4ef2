/**
 * An ICC profile is kept for display, but its free text (descriptions, copyright, date, private
 * tags: media/icc/free-text.ts) is not what the picture needs: inspect reports it, scrub zeroes
 * it in place. Oracles: ExifTool reads the texts before and after, and every other ICC tag the
 * same; LittleCMS's transicc converts colours through the profile before and after to the very
 * same values (a profile it could not read would fail to link). A hostile profile built here
 * carries a serial, an owner and 70 kB of private data over two APP2 segments, with a profile
 * ID; in a JPEG and in a TIFF.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { airlock } from '../cli/built.js';
import { corpusFile } from '../helpers/corpus.js';
import { EXIFTOOL, exiftoolJson } from '../helpers/exiftool.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-icc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERIAL = 'SN 1581F4XFD2220030';
const OWNER = 'Owner Jan Jansen';
const SECRET = 'SECRET-PAYLOAD-';
const TEXTS = [
  'ProfileDescription',
  'ProfileCopyright',
  'DeviceMfgDesc',
  'DeviceModelDesc',
  'ViewingCondDesc',
];

/** The profile as ExifTool extracts it. */
const profileOf = (file: string): Buffer => execFileSync(EXIFTOOL, ['-b', '-ICC_Profile', file]);
/** Colours through the profile to Lab by LittleCMS (transicc), as text. */
function lab(profile: Buffer, name: string): string {
  const p = join(dir, `${name}.icc`);
  writeFileSync(p, profile);
  const out = execFileSync('transicc', ['-i', p, '-o', '*Lab'], {
    input: '0 0 0\n255 0 0\n0 255 0\n0 0 255\n12 200 99\n128 128 128\n255 255 255\n',
    encoding: 'utf8',
  });
  const values = out.split('\n').filter((l) => l.startsWith('L*'));
  expect(values).toHaveLength(7);
  return values.join('\n');
}
/** ICC.1:2010 7.2.18, written out here: MD5 with the flags, intent and ID fields zeroed. */
function specId(p: Buffer): string {
  const z = Buffer.from(p);
  z.fill(0, 44, 48);
  z.fill(0, 64, 68);
  z.fill(0, 84, 100);
  return createHash('md5').update(z).digest('hex');
}
/** The ICC group of ExifTool's record, the header's date and ID aside. */
function iccTags(file: string, without: string[]): Record<string, unknown> {
  const rec = exiftoolJson([file])[0] ?? {};
  return Object.fromEntries(
    Object.entries(rec).filter(
      ([k]) => /^ICC[-_]/.test(k) && !without.some((w) => k.endsWith(`:${w}`)) && !k.endsWith(':ProfileID'),
    ),
  );
}

/** A v4 RGB display profile: mluc texts, XYZ primaries, one gamma curve, a private tag, an ID. */
function hostileProfile(privateBytes: number): Buffer {
  const mluc = (text: string) => {
    const s = Buffer.from(text, 'utf16le').swap16();
    const b = Buffer.alloc(28 + s.length);
    b.write('mluc', 0, 'latin1');
    b.writeUInt32BE(1, 8);
    b.writeUInt32BE(12, 12);
    b.write('enUS', 16, 'latin1');
    b.writeUInt32BE(s.length, 20);
    b.writeUInt32BE(28, 24);
    s.copy(b, 28);
    return b;
  };
  const xyz = (x: number, y: number, z: number) => {
    const b = Buffer.alloc(20);
    b.write('XYZ ', 0, 'latin1');
    for (const [i, v] of [x, y, z].entries()) b.writeInt32BE(Math.round(v * 65536), 8 + 4 * i);
    return b;
  };
  const curve = Buffer.alloc(14);
  curve.write('curv', 0, 'latin1');
  curve.writeUInt32BE(1, 8);
  curve.writeUInt16BE(Math.round(2.2 * 256), 12);
  const priv = Buffer.alloc(8 + privateBytes);
  priv.write('priv', 0, 'latin1');
  for (let i = 8; i < priv.length; i += SECRET.length) priv.write(SECRET, i, 'latin1');
  const tags: [string, Buffer][] = [
    ['desc', mluc(SERIAL)],
    ['cprt', mluc(OWNER)],
    ['wtpt', xyz(0.9642, 1, 0.8249)],
    ['rXYZ', xyz(0.4361, 0.2225, 0.0139)],
    ['gXYZ', xyz(0.3851, 0.7169, 0.0971)],
    ['bXYZ', xyz(0.1431, 0.0606, 0.7141)],
    ['rTRC', curve],
    ['gTRC', curve],
    ['bTRC', curve],
    ['priv', priv],
  ];
  const table = 128 + 4 + 12 * tags.length;
  const pad = (n: number) => (n + 3) & ~3;
  let at = pad(table);
  const placed = tags.map(([sig, data]) => {
    const p = { sig, data, at };
    at = pad(at + data.length);
    return p;
  });
  const b = Buffer.alloc(at);
  b.writeUInt32BE(at, 0);
  b.writeUInt32BE(0x04300000, 8);
  b.write('mntrRGB XYZ ', 12, 'latin1');
  for (const [i, v] of [2026, 11, 25, 9, 30, 0].entries()) b.writeUInt16BE(v, 24 + 2 * i);
  b.write('acsp', 36, 'latin1');
  b.writeInt32BE(Math.round(0.9642 * 65536), 68);
  b.writeInt32BE(65536, 72);
  b.writeInt32BE(Math.round(0.8249 * 65536), 76);
  b.writeUInt32BE(tags.length, 128);
  placed.forEach((p, i) => {
    b.write(p.sig, 132 + 12 * i, 'latin1');
    b.writeUInt32BE(p.at, 136 + 12 * i);
    b.writeUInt32BE(p.data.length, 140 + 12 * i);
    p.data.copy(b, p.at);
  });
  Buffer.from(specId(b), 'hex').copy(b, 84);
  return b;
}

/** `airlock scrub FILE --out DIR` with the policy given (YAML text), the clean copy's path. */
function scrub(file: string, name: string, policy?: string): string {
  const out = join(dir, `out-${name}`);
  const args = ['scrub', file, '--out', out, '--no-progress'];
  if (policy) {
    const p = join(dir, `${name}.yaml`);
    writeFileSync(p, policy);
    args.push('--policy', p);
  }
  const r = airlock(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return join(out, file.split('/').pop() as string);
}

interface JsonFinding {
  tag: string;
  category: string;
  action: string;
  value: { kind: string; text?: string };
}
const inspect = (file: string): JsonFinding[] =>
  JSON.parse(airlock(['inspect', '--json', '--no-progress', file]).stdout).files[0].findings;

describe('the corpus profiles (HP sRGB, Adobe RGB)', () => {
  for (const name of ['exiftool-XMP.jpg', 'exiftool-ExifTool.jpg']) {
    it(`${name}: inspect gives the texts ExifTool reads; scrub blanks them and the colours stay`, () => {
      const input = corpusFile('media', name);
      const before = exiftoolJson([input])[0] ?? {};
      const found = inspect(input).filter((f) => f.category === 'other' && TEXTS.includes(f.tag));
      const texts = TEXTS.filter((t) => before[`ICC_Profile:${t}`] !== undefined);
      expect(texts.length).toBeGreaterThanOrEqual(2);
      expect(Object.fromEntries(found.map((f) => [f.tag, f.value.text]))).toEqual(
        Object.fromEntries(texts.map((t) => [t, String(before[`ICC_Profile:${t}`])])),
      );
      for (const f of found) expect(f.action).toBe('drop');

      const clean = scrub(input, name);
      const after = exiftoolJson([clean])[0] ?? {};
      for (const t of texts) expect(after[`ICC_Profile:${t}`]).toBe('');
      expect(after['ICC-header:ProfileDateTime']).toBe('0000:00:00 00:00:00');
      expect(iccTags(clean, [...texts, 'ProfileDateTime'])).toEqual(
        iccTags(input, [...texts, 'ProfileDateTime']),
      );
      expect(lab(profileOf(clean), `${name}-after`)).toBe(lab(profileOf(input), `${name}-before`));
    });
  }
});

describe('a hostile profile', () => {
  const profile = hostileProfile(70_000);
  const iccFile = join(dir, 'hostile.icc');
  writeFileSync(iccFile, profile);
  const embed = (host: string, name: string): string => {
    const out = join(dir, name);
    execFileSync(EXIFTOOL, ['-q', `-ICC_Profile<=${iccFile}`, '-o', out, host]);
    return out;
  };

  it('LittleCMS reads the profile as built, and ExifTool finds its texts in two APP2 segments', () => {
    expect(lab(profile, 'hostile')).toContain('L*=');
    const jpeg = embed(corpusFile('media', 'exiftool-GPS.jpg'), 'hostile.jpg');
    const rec = exiftoolJson([jpeg])[0] ?? {};
    expect(rec['ICC_Profile:ProfileDescription']).toBe(SERIAL);
    expect(rec['ICC_Profile:ProfileCopyright']).toBe(OWNER);
    expect(readFileSync(jpeg).toString('latin1').split('ICC_PROFILE\0').length - 1).toBe(2);
  });

  for (const [host, name] of [
    ['exiftool-GPS.jpg', 'hostile-icc.jpg'],
    ['mat2-dirty.tiff', 'hostile-icc.tiff'],
  ] as const) {
    it(`${name}: the serial, owner, date and private data are zeroed, the ID recomputed, the colours the same`, () => {
      const input = embed(corpusFile('media', host), name);
      const found = inspect(input);
      expect(found.find((f) => f.tag === 'ProfileDescription')?.value.text).toBe(SERIAL);
      expect(found.find((f) => f.tag === 'ICC-priv')).toMatchObject({ category: 'other', action: 'drop' });

      const clean = scrub(input, name);
      const out = profileOf(clean);
      expect(out.length).toBe(profile.length);
      const text = out.toString('latin1');
      const utf16be = (t: string) => Buffer.from(t, 'utf16le').swap16().toString('latin1');
      for (const s of [SECRET, utf16be(SERIAL), utf16be(OWNER)]) expect(text).not.toContain(s);
      expect(profile.toString('latin1')).toContain(utf16be(SERIAL));
      const rec = exiftoolJson([clean])[0] ?? {};
      expect(rec['ICC_Profile:ProfileDescription']).toBe('');
      expect(rec['ICC_Profile:ProfileCopyright']).toBe('');
      // The ID is the MD5 of the profile as written, so a checking reader still trusts it.
      expect(out.subarray(84, 100).toString('hex')).toBe(specId(out));
      expect(out.subarray(84, 100).toString('hex')).not.toBe(specId(profile));
      expect(lab(out, `${name}-after`)).toBe(lab(profile, `${name}-before`));
      expect(inspect(clean).filter((f) => f.category === 'other' && f.tag.startsWith('ICC'))).toEqual([]);
    });
  }

  it('a profile whose tag table is past reading (1,001 tags) is other data, and goes whole', () => {
    const many = Buffer.alloc(128 + 4 + 12 * 1001 + 64);
    profile.copy(many, 0, 0, 128);
    many.writeUInt32BE(many.length, 0);
    many.fill(0, 84, 100);
    many.writeUInt32BE(1001, 128);
    many.write(SERIAL, many.length - 64, 'latin1');
    const file = join(dir, 'many.icc');
    writeFileSync(file, many);
    const input = join(dir, 'many-tags.jpg');
    execFileSync(EXIFTOOL, [
      '-q',
      `-ICC_Profile<=${file}`,
      '-o',
      input,
      corpusFile('media', 'exiftool-GPS.jpg'),
    ]);
    // ExifTool will not read such a table either.
    expect(exiftoolJson([input])[0]?.['ExifTool:Warning']).toBe('Bad ICC_Profile table (1001 entries)');
    expect(inspect(input).find((f) => f.tag === 'ICC_Profile')).toMatchObject({
      category: 'other',
      action: 'drop',
    });
    const clean = scrub(input, 'many-tags');
    expect(readFileSync(clean).includes('ICC_PROFILE\0')).toBe(false);
    expect(exiftoolJson([clean])[0]?.['ExifTool:Warning']).toBeUndefined();
  });

  it('a text named in the keep-list stays, and only it', () => {
    const input = embed(corpusFile('media', 'exiftool-GPS.jpg'), 'hostile-keep.jpg');
    const clean = scrub(input, 'keep', 'media:\n  keep: [ProfileDescription]\n');
    const rec = exiftoolJson([clean])[0] ?? {};
    expect(rec['ICC_Profile:ProfileDescription']).toBe(SERIAL);
    expect(rec['ICC_Profile:ProfileCopyright']).toBe('');
    expect(profileOf(clean).toString('latin1')).not.toContain(SECRET);
  });
});
