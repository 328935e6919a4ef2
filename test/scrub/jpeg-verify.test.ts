/**
 * Scrub's own verifier (re-inspection of the output) accepts what the JPEG and XMP rewriters
 * write, for every corpus JPEG under the default, mapping, thermal and location-drop policies:
 * nothing dropped is still there, every replaced value reads back as the value the policy writes,
 * and the image data hashes agree.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/core/bytes.js';
import { BufferSource } from '../../src/core/source.js';
import { jpegRewriter } from '../../src/media/jpeg/rewrite.js';
import { buildJpeg } from '../../src/media/jpeg/write.js';
import { analyseSource } from '../../src/media/registry.js';
import { ascii, buildExif } from '../../src/media/tiff/write.js';
import { xmpRewriter } from '../../src/media/xmp/rewrite.js';
import { serialiseXmp } from '../../src/media/xmp/write.js';
import { defaultPolicy, type Policy, parsePolicy } from '../../src/policy/index.js';
import { decideFor } from '../../src/scrub/plan.js';
import { RewriteNotes, type Rewriter } from '../../src/scrub/types.js';
import { verifyOutput } from '../../src/scrub/verify.js';
import { corpusDir } from '../helpers/corpus.js';

const noLocation = (): Policy => {
  const p = defaultPolicy();
  p.media.location.drone = { action: 'drop' };
  return p;
};
const POLICIES: [string, Policy][] = [
  ['default', defaultPolicy()],
  ['mapping', parsePolicy('version: 1\nprofile: mapping\n', 'mapping.yaml')],
  ['thermal', parsePolicy('version: 1\nprofile: thermal\n', 'thermal.yaml')],
  ['no-location', noLocation()],
];

function check(
  name: string,
  bytes: Uint8Array,
  format: string,
  rewriter: Rewriter,
  policy: Policy,
): string[] {
  const decide = decideFor(policy);
  const before = analyseSource(new BufferSource(bytes), name);
  expect(before.status, name).toBe('read');
  const planned = before.findings.map((finding) => ({ finding, decision: decide(finding) }));
  const result = rewriter.rewrite(new BufferSource(bytes), decide);
  return verifyOutput(result.bytes, name, format, planned, decide, result).problems;
}

describe('a JPEG with two EXIF segments', () => {
  it('each segment coarsened to its own cell passes re-inspection (one path, two carriers)', () => {
    const exif = (lat: number, lon: number) =>
      concatBytes([
        Buffer.from('Exif\0\0', 'latin1'),
        buildExif({ ifd0: [ascii(0x010f, 'DJI')], gps: { lat, lon, alt: 80 } }),
      ]);
    // Two positions 30 km apart: two cells of the 1000 m grid, both carried at 'APP1 Exif › IFD0 › GPS'.
    const bytes = buildJpeg([
      { marker: 0xe1, payload: exif(47.354184, 10.191315) },
      { marker: 0xe1, payload: exif(47.6, 10.5) },
    ]);
    const before = analyseSource(new BufferSource(bytes), 'two.jpg');
    expect(before.findings.filter((f) => f.value.kind === 'position')).toHaveLength(2);
    expect(check('two.jpg', bytes, 'jpeg', jpegRewriter, defaultPolicy())).toEqual([]);
  });
});

describe('scrub verification of rewritten JPEGs and XMP sidecars', () => {
  const jpegs = corpusDir('media').filter((f) => /\.jpe?g$/i.test(f));
  for (const [label, policy] of POLICIES) {
    it(`${label}: every corpus JPEG passes re-inspection`, () => {
      const problems = jpegs.flatMap((f) =>
        check(basename(f), readFileSync(f), 'jpeg', jpegRewriter, policy).map((p) => `${basename(f)}: ${p}`),
      );
      expect(problems).toEqual([]);
    });
  }

  it('default: a DJI sidecar passes re-inspection', () => {
    const sidecar = serialiseXmp([
      { ns: 'drone-dji', name: 'GpsLatitude', value: '+47.3541841' },
      { ns: 'drone-dji', name: 'GpsLongitude', value: '+10.1913155' },
      { ns: 'drone-dji', name: 'AbsoluteAltitude', value: '+1252.12' },
      { ns: 'drone-dji', name: 'DroneSerialNumber', value: '1581F5FJD228400A1234' },
      { ns: 'xmp', name: 'CreateDate', value: '2023-05-01T10:11:12', element: true },
    ]);
    expect(check('DJI_0001.xmp', sidecar, 'xmp', xmpRewriter, defaultPolicy())).toEqual([]);
  });
});

describe('what verification excuses', () => {
  // A "rewriter" that writes the input unchanged, with the notes a test gives it.
  const unchanged = (bytes: Uint8Array, notes: RewriteNotes): Rewriter => ({
    id: 'jpeg',
    rewrite: () => ({ bytes, ...notes.result() }),
  });
  const noting = (f: (n: RewriteNotes) => void): RewriteNotes => {
    const n = new RewriteNotes();
    f(n);
    return n;
  };
  const file = corpusDir('media').find((f) => /\.jpe?g$/i.test(f) && /DJI/i.test(basename(f))) as string;
  const bytes = readFileSync(file);
  const decide = decideFor(defaultPolicy());
  const found = analyseSource(new BufferSource(bytes), basename(file)).findings;
  const dropped = found.filter((f) => decide(f).action === 'drop');
  const attitude = dropped.find((f) => f.category === 'attitude') as (typeof found)[number];
  const location = dropped.find((f) => f.category.startsWith('location.'));
  const problemsWith = (notes: RewriteNotes = new RewriteNotes()): string[] =>
    check(basename(file), bytes, 'jpeg', unchanged(bytes, notes), defaultPolicy()).filter((p) =>
      p.startsWith('still present'),
    );
  const about = (p: string[], tag: string) => p.filter((x) => x.includes(`: ${tag} (`));

  it('a note that merely mentions a tag excuses nothing', () => {
    expect(attitude, 'a dropped attitude finding in the file').toBeDefined();
    const none = problemsWith();
    expect(about(none, attitude.tag).length).toBeGreaterThan(0);
    const mentioned = problemsWith(
      noting((n) =>
        n.push(`Trailer at 12: ${attitude.tag} kept although the policy drops it: a note says so`),
      ),
    );
    expect(about(mentioned, attitude.tag)).toEqual(about(none, attitude.tag));
  });

  it('a kept-anyway note excuses exactly the tags it names, never a position or an identity', () => {
    const named = problemsWith(noting((n) => n.keep('IFD0', [attitude.tag], 'a test says so')));
    expect(about(named, attitude.tag)).toEqual([]);
    // Everything else dropped is still reported.
    expect(named.length).toBe(problemsWith().length - about(problemsWith(), attitude.tag).length);
    if (location) {
      const loc = problemsWith(noting((n) => n.keep('GPS', [location.tag], 'a test says so')));
      expect(about(loc, location.tag).length).toBeGreaterThan(0);
    }
  });
});
