/**
 * What an XMP packet holds outside any property value: processing instructions, character data
 * beside rdf:RDF, inside a description, inside a struct or a list. No reader gives it a meaning,
 * so inspect reports it as stray:* findings (each with its own bytes) and scrub removes it
 * whatever the policy; ExifTool (the oracle) still reads the clean packet without a warning.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import { analyseSource } from '../../src/media/registry.js';
import { STRAY_PI, STRAY_TEXT } from '../../src/media/xmp/rdf.js';
import { xmpRewriter } from '../../src/media/xmp/rewrite.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Decide } from '../../src/scrub/types.js';
import { verifyOutput } from '../../src/scrub/verify.js';
import { EXIFTOOL, exiftoolJson } from '../helpers/exiftool.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-xmp-strays-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HIDDEN = [
  'HIDDEN-beside-rdf',
  'HIDDEN-in-description',
  'HIDDEN-in-struct',
  'HIDDEN-in-shorthand',
  'HIDDEN-in-seq',
];
const PI = '<?note lat=53.365108 lon=6.460719?>';
const packet = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 ${PI}
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${HIDDEN[0]}
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stRef="http://ns.adobe.com/xap/1.0/sType/ResourceRef#">${HIDDEN[1]}
   <exif:Flash rdf:parseType="Resource">${HIDDEN[2]}<exif:Fired>False</exif:Fired></exif:Flash>
   <xmpMM:DerivedFrom stRef:instanceID="uuid:1">${HIDDEN[3]}</xmpMM:DerivedFrom>
   <dc:creator><rdf:Seq>${HIDDEN[4]}<rdf:li>Pilot One</rdf:li></rdf:Seq></dc:creator>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
const bytes = Buffer.from(packet, 'utf8');
const KEEP_ALL: Decide = () => ({ action: 'keep' });

describe('XMP strays', () => {
  it('the oracle reads the packet, and reads no stray as a tag but the shorthand struct text', () => {
    const file = join(dir, 'in.xmp');
    writeFileSync(file, bytes);
    const tags = exiftoolJson([file])[0] ?? {};
    expect(JSON.stringify(tags)).toContain('Pilot One');
    // ExifTool takes text beside shorthand fields as the property's own value; Airlock calls it
    // stray (XMP gives a struct no text) and reports it either way.
    expect(tags['XMP-xmpMM:DerivedFrom']).toBe(HIDDEN[3]);
    for (const h of HIDDEN.filter((_, i) => i !== 3)) expect(JSON.stringify(tags)).not.toContain(h);
  });

  it('inspect reports each stray with its own bytes', () => {
    const r = analyseSource(new BufferSource(bytes), 'in.xmp');
    expect(r.status).toBe('read');
    const held = (tag: string): string[] =>
      r.findings
        .filter((f) => f.tag === tag)
        .flatMap((f) => {
          expect(f.category).toBe('other');
          return f.ranges.map((x) =>
            bytes
              .subarray(x.offset, x.offset + x.length)
              .toString('utf8')
              .trim(),
          );
        });
    expect(held(STRAY_TEXT).sort()).toEqual([...HIDDEN].sort());
    expect(held(STRAY_PI)).toEqual([PI]);
    // The xpacket wrapper is the format's own and no stray.
    const pi = r.findings.find((f) => f.tag === STRAY_PI);
    expect(pi?.value).toEqual({ kind: 'text', text: PI });
  });

  for (const [label, decide] of [
    ['keep-all', KEEP_ALL],
    ['default', decideFor(defaultPolicy())],
  ] as const) {
    it(`${label}: scrub removes every stray, and the clean packet verifies and reads cleanly in ExifTool`, () => {
      const out = xmpRewriter.rewrite(new BufferSource(bytes), decide);
      const text = Buffer.from(out.bytes).toString('utf8');
      for (const h of [...HIDDEN, PI]) expect(text).not.toContain(h);
      expect(out.notes.join('\n')).toMatch(/6 processing instruction\(s\) or character run\(s\)/);
      const again = analyseSource(new BufferSource(out.bytes), 'out.xmp');
      expect(again.findings.filter((f) => f.tag.startsWith('stray:'))).toEqual([]);
      const before = analyseSource(new BufferSource(bytes), 'in.xmp');
      const planned = before.findings.map((finding) => ({ finding, decision: decide(finding) }));
      expect(verifyOutput(out.bytes, 'out.xmp', 'xmp', planned, decide, out).problems).toEqual([]);
      if (label === 'keep-all') {
        const file = join(dir, 'out.xmp');
        writeFileSync(file, out.bytes);
        expect(JSON.stringify(exiftoolJson([file])[0])).toContain('Pilot One');
        const warned = execFileSync(EXIFTOOL, ['-validate', '-warning', '-a', '-s3', file], {
          encoding: 'utf8',
        });
        expect(
          warned
            .trim()
            .split('\n')
            .filter((l) => l && !/^(OK|\d+ Warning)/.test(l)),
        ).toEqual([]);
      }
    });
  }
});
