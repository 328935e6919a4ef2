/**
 * The XMP rewriter against the oracle (exiftool 12.57): DJI sidecars built by the writer, a packet
 * with structs, lists and UTF-8 text, the XMP inside the corpus DJI thermal TIFF (cleaned through
 * the TIFF rewriter), and hostile packets. ExifTool must read the output without a warning, see
 * the coarsened position to 1e-7 in every carrier, and see nothing the policy drops.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { BufferSource } from '../../src/core/source.js';
import { tiffRewriter } from '../../src/media/tiff/rewrite.js';
import { rewriteXmpPacket, xmpRewriter } from '../../src/media/xmp/rewrite.js';
import { xmpCoordinate } from '../../src/media/xmp/rewrite-value.js';
import { serialiseXmp, type XmpWriteProperty } from '../../src/media/xmp/write.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/index.js';
import { coarsenPosition } from '../../src/scrub/coarsen.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Decide } from '../../src/scrub/types.js';
import { corpusFile } from '../helpers/corpus.js';
import { EXIFTOOL, type ExifToolRecord, exiftoolJson } from '../helpers/exiftool.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-scrub-xmp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEFAULT = decideFor(defaultPolicy());
const KEEP_ALL: Decide = () => ({ action: 'keep' });
const DROP_ALL: Decide = () => ({ action: 'drop' });
const write = (name: string, bytes: Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const rewrite = (bytes: Uint8Array, decide: Decide) => xmpRewriter.rewrite(new BufferSource(bytes), decide);
const oracle = (file: string): ExifToolRecord => exiftoolJson([file])[0] ?? {};
const warnings = (file: string): string[] =>
  execFileSync(EXIFTOOL, ['-validate', '-warning', '-error', '-a', '-s3', file], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(OK|\d+ (Warning|Error))/.test(l));

const POS = { lat: -33.8688197, lon: 151.2092955, alt: 58.25 };
const dji = (name: string, value: string): XmpWriteProperty => ({ ns: 'drone-dji', name, value });
const SIDECAR: XmpWriteProperty[] = [
  { ns: 'tiff', name: 'Make', value: 'DJI' },
  dji('GpsLatitude', '-33.8688197'),
  dji('GpsLongtitude', '+151.2092955'),
  dji('AbsoluteAltitude', '+58.25'),
  dji('LRFTargetLat', '-33.8600000'),
  dji('LRFTargetLon', '151.2000000'),
  dji('NTRIPHost', 'rtk.example.net'),
  dji('DroneSerialNumber', '1581F5FJD228400A1234'),
  dji('CaptureUUID', '6ad1e6a4-5c3b-4f0e-9a55-1e0f3c9a7b21'),
  dji('FlightYawDegree', '-97.00'),
  { ns: 'exif', name: 'GPSLatitude', value: '33,52.129182S', element: true },
  { ns: 'exif', name: 'GPSLongitude', value: '151,12.55773E', element: true },
  { ns: 'xmp', name: 'CreateDate', value: '2023-05-01T10:11:12+10:00', element: true },
  { ns: 'dc', name: 'creator', value: ['Pilot One', 'Pilot Two'] },
];

describe('xmpRewriter on a DJI sidecar', () => {
  const input = serialiseXmp(SIDECAR, { padding: 200 });
  const src = write('in.xmp', input);
  const before = oracle(src);

  it('the sidecar carries what it claims (exiftool reads it)', () => {
    expect(before['XMP-drone-dji:DroneSerialNumber']).toBe('1581F5FJD228400A1234');
    expect(Number(before['XMP-exif:GPSLatitude'])).toBeCloseTo(POS.lat, 6);
  });

  it('default policy: the coarsened position to 1e-7 in drone-dji and exif forms, nothing else sensitive', () => {
    const r = rewrite(input, DEFAULT);
    const out = write('default.xmp', r.bytes);
    const after = oracle(out);
    const want = coarsenPosition(POS, 1000);
    for (const k of ['XMP-drone-dji:GPSLatitude', 'XMP-exif:GPSLatitude'])
      expect(Math.abs(Number(after[k]) - want.lat), k).toBeLessThan(1e-7);
    for (const k of ['XMP-drone-dji:GPSLongtitude', 'XMP-exif:GPSLongitude'])
      expect(Math.abs(Number(after[k]) - want.lon), k).toBeLessThan(1e-7);
    // Seven decimals, DJI's sign style kept ('+' on the longitude it was written with).
    const text = Buffer.from(r.bytes).toString('utf8');
    expect(text).toContain(`drone-dji:GpsLatitude="${want.lat.toFixed(7)}"`);
    expect(text).toContain(`drone-dji:GpsLongtitude="+${want.lon.toFixed(7)}"`);
    expect(Number(after['XMP-drone-dji:AbsoluteAltitude'])).toBe(want.alt);
    expect(after['XMP-xmp:CreateDate']).toBe('2023:05:01');
    expect(after['XMP-tiff:Make']).toBe('DJI');
    const left = Object.keys(after).filter((k) => /LRF|NTRIP|Serial|UUID|Creator|Yaw/.test(k));
    expect(left).toEqual([]);
    expect(warnings(out)).toEqual([]);
  });

  it('keep-all: the packet comes back byte for byte', () => {
    expect(Buffer.from(rewrite(input, KEEP_ALL).bytes).equals(Buffer.from(input))).toBe(true);
  });

  it('drop-all: a valid empty packet, and no namespace of the input left behind', () => {
    const r = rewrite(input, DROP_ALL);
    const out = write('empty.xmp', r.bytes);
    const after = oracle(out);
    expect(Object.keys(after).filter((k) => k.startsWith('XMP-') && !k.startsWith('XMP-x:'))).toEqual([]);
    expect(Buffer.from(r.bytes).toString('utf8')).not.toMatch(/dji|exif|purl/);
    expect(warnings(out)).toEqual([]);
  });
});

describe('rewriteXmpPacket on structs, lists, UTF-8 and comments', () => {
  const packet = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <!-- written by a tool that leaves notes -->
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="uuid:faf5bdd5-ba3d-11da-ad31-d33d75182f1b"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"
    drone-dji:GpsLatitude="+47.3541841" drone-dji:GpsLongitude="+10.1913155"
    xmpMM:DocumentID="xmp.did:0123456789">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Zürich Hauptbahnhof 😀 &amp; more</rdf:li></rdf:Alt></dc:title>
   <xmpMM:History>
    <rdf:Seq>
     <rdf:li rdf:parseType="Resource">
      <stEvt:action>saved</stEvt:action>
      <stEvt:instanceID>xmp.iid:abcdef</stEvt:instanceID>
     </rdf:li>
    </rdf:Seq>
   </xmpMM:History>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
  const bytes = new TextEncoder().encode(packet);
  const policy = defaultPolicy();
  policy.media.keep = ['dc:title'];
  const decide = decideFor(policy);

  it('keeps the kept UTF-8 title exactly, coarsens after it, drops the struct whole', () => {
    const out = rewriteXmpPacket(bytes, 1000, ['XMP'], decide);
    if (!out) throw new Error('nothing kept');
    const file = write('struct.xmp', out);
    const after = oracle(file);
    expect(after['XMP-dc:Title']).toBe('Zürich Hauptbahnhof 😀 & more');
    const want = coarsenPosition({ lat: 47.3541841, lon: 10.1913155 }, 1000);
    expect(Math.abs(Number(after['XMP-drone-dji:GPSLatitude']) - want.lat)).toBeLessThan(1e-7);
    expect(Math.abs(Number(after['XMP-drone-dji:GPSLongitude']) - want.lon)).toBeLessThan(1e-7);
    expect(Object.keys(after).filter((k) => /History|DocumentID|About/.test(k))).toEqual([]);
    const text = Buffer.from(out).toString('utf8');
    expect(text).not.toMatch(/stEvt|xmpMM|uuid:|<!--/);
    expect(warnings(file)).toEqual([]);
  });

  it('the findings asked about carry file offsets: the packet offset plus the byte offset', () => {
    const seen: { tag: string; offset: number }[] = [];
    rewriteXmpPacket(bytes, 1000, ['XMP'], (f) => {
      seen.push({ tag: f.tag, offset: f.ranges[0]?.offset ?? -1 });
      return { action: 'keep' };
    });
    const title = seen.find((s) => s.tag === 'dc:title');
    // The title's value starts right after "x-default\">" in the UTF-8 bytes.
    const at = Buffer.from(bytes).indexOf(Buffer.from('Zürich', 'utf8'));
    expect(title?.offset).toBe(1000 + at);
  });

  it('keep-all gives the packet back unchanged but for the comment (no finding stands for it)', () => {
    const out = rewriteXmpPacket(bytes, 0, ['XMP'], KEEP_ALL);
    const want = packet.replace('<!-- written by a tool that leaves notes -->', '');
    expect(out && Buffer.from(out).toString('utf8')).toBe(want);
  });

  it('drop-all gives null (nothing kept)', () => {
    expect(rewriteXmpPacket(bytes, 0, ['XMP'], DROP_ALL)).toBeNull();
  });
});

describe('XMP coordinates in the exif:GPS form', () => {
  it('DD,MM.mmmmmmmk reads back in exiftool to 1e-7 for values near minute and degree edges', () => {
    const values = [0, 1e-7, 59.9999999, -0.0000001, 89.9999999, -179.9999999, 47.3541841, -10.1913155];
    const props: XmpWriteProperty[] = values.map((v, i) => ({
      ns: ['t', 'http://example.com/t/'],
      name: `V${i}`,
      value: xmpCoordinate(v, 'N', 'S'),
    }));
    // ExifTool converts GPSCoordinate only for exif:GPS*; read the raw text and decode it the XMP way.
    const file = write('coords.xmp', serialiseXmp(props));
    const after = oracle(file);
    values.forEach((v, i) => {
      const m = /^(\d+),(\d+\.\d+)([NS])$/.exec(String(after[`XMP-t:V${i}`])) as RegExpExecArray;
      const back = (Number(m[1]) + Number(m[2]) / 60) * (m[3] === 'S' ? -1 : 1);
      expect(Math.abs(back - v), String(v)).toBeLessThan(1e-9);
    });
  });
});

describe('XMP inside the corpus DJI thermal TIFF (tag 700), through the TIFF rewriter', () => {
  const file = corpusFile('media', 'dji-thermal-flir.tif');
  const input = readFileSync(file);

  it('default policy: drone-dji altitudes on the 100 m grid, attitude and FLIR XMP gone, the rest read cleanly', () => {
    const out = write('thermal.tif', tiffRewriter.rewrite(new BufferSource(input), DEFAULT).bytes);
    const after = oracle(out);
    const xmp = Object.keys(after).filter((k) => k.startsWith('XMP-'));
    expect(xmp.filter((k) => /Degree|FLIR|About/.test(k))).toEqual([]);
    expect(Number(after['XMP-drone-dji:AbsoluteAltitude']) % 100).toBe(0);
    expect(Number(after['XMP-drone-dji:RelativeAltitude']) % 100).toBe(0);
  });

  it('keep-all: every XMP tag exiftool reads is still there, with its value', () => {
    const out = write('thermal-keep.tif', tiffRewriter.rewrite(new BufferSource(input), KEEP_ALL).bytes);
    const xmpOf = (r: ExifToolRecord) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith('XMP-')));
    expect(xmpOf(oracle(out))).toEqual(xmpOf(oracle(file)));
  });
});

describe('hostile packets: a typed AirlockError, never a crash or an unchecked output', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('refuses a DTD (no entity expansion)', () => {
    const p = enc('<!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
    expect(() => rewriteXmpPacket(p, 0, ['XMP'], KEEP_ALL)).toThrow(AirlockError);
  });

  it('every truncation of a DJI sidecar gives a packet or an AirlockError', () => {
    const full = serialiseXmp(SIDECAR);
    for (let n = 0; n < full.length; n += 3) {
      try {
        rewriteXmpPacket(full.subarray(0, n), 0, ['XMP'], DEFAULT);
      } catch (e) {
        expect(e, `cut at ${n}`).toBeInstanceOf(AirlockError);
      }
    }
  });
});

/**
 * A sidecar `packet` as ExifTool reads it, then rewritten under `decide`: ExifTool's record of
 * each, and the clean bytes.
 */
function sidecarScrubbed(name: string, packet: string, decide: Decide) {
  const before = join(dir, `${name}.xmp`);
  writeFileSync(before, packet);
  const out = Buffer.from(xmpRewriter.rewrite(new BufferSource(Buffer.from(packet)), decide).bytes);
  const after = join(dir, `${name}-clean.xmp`);
  writeFileSync(after, out);
  const [was, now] = exiftoolJson([before, after]);
  return { was, now, out };
}

describe('attributes of x:xmpmeta and rdf:RDF', () => {
  const packet = [
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:DroneSerialNumber="1581FXMETAXQ">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" drone-dji:GpsLatitude="52.370214" drone-dji:GpsLongitude="4.895214">',
    '<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Model="M1"/>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
    '',
  ].join('\n');

  it('are read as ExifTool reads them, and scrubbed like any property (serial gone, position on the grid)', () => {
    const { was, now, out } = sidecarScrubbed('outer', packet, DEFAULT);
    // ExifTool reads the attributes as properties: they are real data, not decoration.
    expect(was?.['XMP-drone-dji:DroneSerialNumber']).toBe('1581FXMETAXQ');
    expect(was?.['XMP-drone-dji:GPSLatitude']).toBe(52.370214);
    expect(now?.['XMP-drone-dji:DroneSerialNumber']).toBeUndefined();
    expect(out.includes('1581FXMETAXQ')).toBe(false);
    const cell = coarsenPosition({ lat: 52.370214, lon: 4.895214 }, 1000);
    expect(now?.['XMP-drone-dji:GPSLatitude']).toBeCloseTo(cell.lat, 6);
    expect(now?.['XMP-drone-dji:GPSLongitude']).toBeCloseTo(cell.lon, 6);
    expect(now?.['XMP-tiff:Model']).toBe('M1');
  });
});

describe('other namespaces: serials and the operator under the mapping profile', () => {
  const packet = [
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about=""',
    ' xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" xmlns:Camera="http://pix4d.com/camera/1.0/"',
    ' xmlns:drone-parrot="http://www.parrot.com/drone-parrot/1.0/"',
    ' drone-dji:GpsLatitude="52.370211" drone-dji:GpsLongitude="4.895211"',
    ' drone-dji:HomeLatitude="51.777711" drone-dji:HomeLongitude="5.777711"',
    ' Camera:SerialNumber="PixSNXQ" Camera:PrincipalPoint="6.5,4.9"',
    ' drone-parrot:SerialNumber="PARSNXQ" drone-parrot:TakeoffLatitude="51.555511" drone-parrot:TakeoffLongitude="5.555511"/>',
    '</rdf:RDF></x:xmpmeta>',
  ].join('\n');

  it('keeps the drone position and calibration, drops every serial and the home and take-off points', () => {
    const mapping = decideFor(parsePolicy('profile: mapping\n', 'a.yaml'));
    const { was, now, out } = sidecarScrubbed('makers', packet, mapping);
    // ExifTool reads each planted value: the test plants what a real reader sees.
    expect(was?.['XMP-Camera:SerialNumber']).toBe('PixSNXQ');
    expect(was?.['XMP-drone-dji:HomeLatitude']).toBe(51.777711);
    for (const secret of ['PixSNXQ', 'PARSNXQ', '51.777711', '5.777711', '51.555511', '5.555511'])
      expect(out.includes(secret), secret).toBe(false);
    expect(now?.['XMP-drone-dji:GPSLatitude']).toBe(52.370211);
    expect(now?.['XMP-Camera:PrincipalPoint']).toBe('6.5,4.9');
  });
});

describe('the xpacket wrapper', () => {
  const body = [
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Model="M1"/>',
    '</rdf:RDF></x:xmpmeta>',
  ];

  it('one carrying more than the wrapper (a serial in its id, an extra attribute) goes; ExifTool reads the rest', () => {
    const packet = [
      '<?xpacket begin="\uFEFF" id="1581FXPACKETQ" owner="Jan"?>',
      ...body,
      '<?xpacket end="w" note="1581FXENDQ"?>',
      '',
    ].join('\n');
    const { now, out } = sidecarScrubbed('xpacket-odd', packet, DEFAULT);
    for (const secret of ['1581FXPACKETQ', 'Jan', '1581FXENDQ'])
      expect(out.includes(secret), secret).toBe(false);
    expect(now?.['XMP-tiff:Model']).toBe('M1');
  });

  it('the standard wrapper, in either quoting, is kept as written', () => {
    for (const [begin, end] of [
      ['<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>', '<?xpacket end="r"?>'],
      ["<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d' bytes='1024'?>", "<?xpacket end='w'?>"],
    ]) {
      const { out } = sidecarScrubbed('xpacket-std', [begin, ...body, end, ''].join('\n'), DEFAULT);
      expect(out.includes(begin as string)).toBe(true);
      expect(out.includes(end as string)).toBe(true);
    }
  });
});

describe('attributes that carry no XMP value', () => {
  const packet = [
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" rdf:ID="IDXQ1581" xml:lang="x-LANGXQ1581" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<tiff:Software xml:lang="x-SWXQ1581" xml:base="http://BASEXQ1581/">v01.02</tiff:Software>',
    '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Bridge</rdf:li><rdf:li xml:lang="x-TITLEXQ1581">Brug</rdf:li></rdf:Alt></dc:title>',
    '</rdf:Description>',
    '</rdf:RDF></x:xmpmeta>',
  ].join('\n');

  it('go from a kept property and its description; a plain language tag stays', () => {
    const keepTitle = decideFor(parsePolicy('media:\n  keep: [dc:title]\n', 'a.yaml'));
    const { was, now, out } = sidecarScrubbed('odd-attrs', packet, keepTitle);
    expect(was?.['XMP-tiff:Software']).toBe('v01.02');
    for (const secret of ['IDXQ1581', 'LANGXQ1581', 'SWXQ1581', 'BASEXQ1581', 'TITLEXQ1581'])
      expect(out.includes(secret), secret).toBe(false);
    expect(now?.['XMP-tiff:Software']).toBe('v01.02');
    // Both titles stay, the first under its language; the second, its tag gone, is language-less.
    expect(out.includes('<rdf:li xml:lang="x-default">Bridge</rdf:li>')).toBe(true);
    expect(out.includes('<rdf:li>Brug</rdf:li>')).toBe(true);
    expect(now?.['XMP-dc:Title']).toBeDefined();
    expect(warnings(join(dir, 'odd-attrs-clean.xmp'))).toEqual([]);
  });
});
