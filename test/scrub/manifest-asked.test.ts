/**
 * The manifest says what the clean copy holds, not only what the policy asked. A finding the
 * policy keeps can go with a container the rewriter removes whole (a dropped thumbnail's IFD1,
 * a maker note that cannot be moved, an XMP processing instruction): ExifTool, reading the copy,
 * is the judge of what is there, and the manifest must record those as dropped, with `asked`.
 * A kept value the copy holds otherwise (a reference that follows a coarsened value) is recorded
 * as replaced, with the value ExifTool reads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusFile, ROOT } from '../helpers/corpus.js';
import { type ExifToolRecord, exiftoolJson } from '../helpers/exiftool.js';

interface FindingRecord {
  category: string;
  tag: string;
  path: string;
  action: string;
  asked?: string;
  written?: { kind: string; value?: number; text?: string };
}
interface Rec {
  input: string;
  output: string;
  status: string;
  findings: FindingRecord[];
  kept: string[];
  notes: string[];
}

const base = mkdtempSync(join(tmpdir(), 'airlock-asked-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const KEEP_ALL = `version: 1
media:
  location: {drone: keep, operator: keep, target: keep, text: keep}
  identity: {device: keep, person: keep, infrastructure: keep}
  camera: {model: keep, calibration: keep}
  time: keep
  attitude: keep
  imagery: {embedded: keep, thermal: keep}
  keep: ['*']
`;

function scrub(name: string, files: string[], policy?: string): { out: string; records: Map<string, Rec> } {
  const out = join(base, name);
  const args = [join(ROOT, 'bin/airlock.js'), 'scrub', ...files, '--out', out, '--no-progress'];
  if (policy) {
    const p = join(base, `${name}.yaml`);
    writeFileSync(p, policy);
    args.push('--policy', p);
  }
  execFileSync(process.execPath, args, { stdio: 'pipe' });
  const m = JSON.parse(readFileSync(join(out, 'airlock-manifest.json'), 'utf8')) as { files: Rec[] };
  return { out, records: new Map(m.files.map((r) => [basename(r.input), r])) };
}

/** ExifTool's IFD1 tag names in a record ('IFD1:XResolution' → 'XResolution'). */
const ifd1Tags = (rec: ExifToolRecord): string[] =>
  Object.keys(rec)
    .filter((k) => k.startsWith('IFD1:'))
    .map((k) => k.slice('IFD1:'.length));

describe('manifest: what the copy holds', () => {
  // Corpus stills with a thumbnail in IFD1 (ExifTool lists IFD1 tags in them).
  const stills = ['dji-mavic2pro-hasselblad-L1D-20c.jpg', 'exiftool-GPS.jpg', 'exiftool-Sony.jpg'].map((f) =>
    corpusFile('media', f),
  );

  it('default policy: the IFD1 tags that went with the thumbnail are recorded as dropped, asked keep', () => {
    const { out, records } = scrub('default', stills);
    const before = exiftoolJson(stills);
    for (const [i, file] of stills.entries()) {
      const name = basename(file);
      const r = records.get(name) as Rec;
      expect(r.status, name).toBe('clean');
      const [after] = exiftoolJson([join(out, r.output)]);
      const had = ifd1Tags(before[i] as ExifToolRecord);
      expect(had.length, `${name}: ExifTool lists IFD1 in the original`).toBeGreaterThan(0);
      const still = new Set(ifd1Tags(after as ExifToolRecord));
      const inIfd1 = r.findings.filter((f) => / › IFD1$/.test(f.path));
      // Nothing the manifest calls kept in IFD1 is missing from the copy, by ExifTool's reading...
      for (const f of inIfd1.filter((x) => x.action !== 'drop'))
        expect(
          still.has(f.tag),
          `${name}: ${f.tag} recorded ${f.action} but ExifTool has no IFD1:${f.tag}`,
        ).toBe(true);
      // ...and the display tags the policy keeps there, gone from the copy, say so.
      const gone = inIfd1.filter((f) => f.category === 'display' && !still.has(f.tag));
      expect(gone.length, `${name}: display tags of IFD1 gone from the copy`).toBeGreaterThan(0);
      for (const f of gone)
        expect({ tag: f.tag, action: f.action, asked: f.asked }).toEqual({
          tag: f.tag,
          action: 'drop',
          asked: 'keep',
        });
      expect(r.notes.join('\n')).toMatch(/went with a container removed whole/);
    }
  });

  it('default policy: a GPS tag recorded as kept reads unchanged in the copy; one that changed is recorded replaced, with its value', () => {
    // Both hold an altitude a few metres below sea level (GPSAltitudeRef 1), which the 100 m
    // grid makes 0 m: the reference the rewriter writes with it becomes 0.
    const files = ['exiftool-GoPro.jpg', 'dji-thermal-flir.tif'].map((f) => corpusFile('media', f));
    const { out, records } = scrub('gps-ref', files);
    const before = exiftoolJson(files);
    let changed = 0;
    for (const [i, file] of files.entries()) {
      const name = basename(file);
      const r = records.get(name) as Rec;
      expect(r.status, name).toBe('clean');
      const [after] = exiftoolJson([join(out, r.output)]);
      for (const f of r.findings.filter((x) => x.path.endsWith('GPS') && /^GPS\w+Ref$/.test(x.tag))) {
        const was = (before[i] as ExifToolRecord)[`GPS:${f.tag}`];
        const now = (after as ExifToolRecord)[`GPS:${f.tag}`];
        if (f.action === 'keep') expect(now, `${name}: ${f.tag} recorded kept`).toEqual(was);
        else if (f.action === 'replace' && f.asked === 'keep') {
          changed++;
          expect(now, `${name}: ${f.tag} recorded replaced`).not.toEqual(was);
          expect(f.written?.value ?? f.written?.text, `${name}: ${f.tag} written`).toEqual(now);
        }
      }
      expect(r.findings.find((x) => x.tag === 'GPSAltitudeRef')).toMatchObject({
        action: 'replace',
        asked: 'keep',
      });
    }
    expect(changed).toBe(2);
  });

  it('keep everything: a maker note that cannot move and an XMP processing instruction are recorded as dropped', () => {
    const canon = corpusFile('media', 'exiftool-Canon.jpg');
    const xmp = corpusFile('media', 'exiftool-XMP.jpg');
    const { out, records } = scrub('keep-all', [canon, xmp], KEEP_ALL);

    const c = records.get('exiftool-Canon.jpg') as Rec;
    const [canonAfter] = exiftoolJson([join(out, c.output)]);
    const [canonBefore] = exiftoolJson([canon]);
    const groups = (rec: ExifToolRecord | undefined) =>
      new Set(Object.keys(rec ?? {}).map((k) => k.split(':')[0]));
    expect(groups(canonBefore).has('Canon'), 'ExifTool reads a Canon maker note in the original').toBe(true);
    expect(groups(canonAfter).has('Canon'), 'the copy has none').toBe(false);
    const maker = c.findings.filter((f) => f.path.includes('MakerNote(Canon)'));
    expect(maker.length).toBeGreaterThan(0);
    for (const f of maker)
      expect({ tag: f.tag, action: f.action, asked: f.asked }).toEqual({
        tag: f.tag,
        action: 'drop',
        asked: 'keep',
      });

    const x = records.get('exiftool-XMP.jpg') as Rec;
    const pi = x.findings.filter((f) => f.tag === 'stray:ProcessingInstruction');
    expect(pi.length).toBeGreaterThan(0);
    // The packet is UTF-16: the instruction is looked for in either byte order.
    const le = Buffer.from('<?adobe-xap-filters', 'utf16le');
    const pis = [le, Buffer.from(le).swap16(), Buffer.from('<?adobe-xap-filters', 'latin1')];
    const holds = (b: Buffer) => pis.some((p) => b.includes(p));
    expect(holds(readFileSync(xmp)), 'the original holds the instruction').toBe(true);
    expect(holds(readFileSync(join(out, x.output))), 'the copy does not').toBe(false);
    for (const f of pi)
      expect({ action: f.action, asked: f.asked }).toEqual({ action: 'drop', asked: 'keep' });
    expect(x.kept).not.toContain('other:stray:ProcessingInstruction');
  });

  it('--dry-run plans what the copy would hold: the same drops, asked keep, and no file written', () => {
    const still = corpusFile('media', 'exiftool-GPS.jpg');
    const { records } = scrub('for-dry', [still]);
    const out = join(base, 'dry');
    const plan = JSON.parse(
      execFileSync(
        process.execPath,
        [join(ROOT, 'bin/airlock.js'), 'scrub', still, '--out', out, '--dry-run', '--json'],
        {
          encoding: 'utf8',
        },
      ),
    ) as Rec[];
    const asked = (r: Rec) => r.findings.filter((f) => f.asked).map((f) => `${f.tag} ${f.action} ${f.asked}`);
    expect(asked(plan[0] as Rec).length).toBeGreaterThan(0);
    expect(asked(plan[0] as Rec)).toEqual(asked(records.get('exiftool-GPS.jpg') as Rec));
    expect(existsSync(out)).toBe(false);
  });
});
