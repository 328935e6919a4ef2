/**
 * Hostile XMP sidecars against the scrubber: the corpus stills' own packets, with a marker (a
 * position and a serial that appear nowhere in the corpus) put where no property holds it, are
 * scrubbed by the built CLI with location `drop`. No copy Airlock wrote as clean may hold the
 * marker anywhere: what the scrubber missed and its own re-inspection passed is a leak. A file
 * Airlock withholds or fails is no leak (it wrote nothing, which is checked too).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { xmpSeeds } from '../seeds.js';
import { caseName, MARK, scratchDir, scrubDrop } from './oracles.js';

const base = scratchDir();
afterAll(() => rmSync(base, { recursive: true, force: true }));

/**
 * Where the marker goes: a processing instruction, a comment, text beside rdf:RDF or inside a
 * description, a property of an unknown namespace, and one of another namespace under a known
 * prefix (tiff:Model, a camera model every policy keeps).
 */
const XMP_SMUGGLE: Record<string, (packet: string) => string> = {
  'a processing instruction': (x) => x.replace(/(<x:xmpmeta[^>]*>)/, `$1<?note ${MARK}?>`),
  'a comment': (x) => x.replace(/(<rdf:RDF[^>]*>)/, `$1<!-- ${MARK} -->`),
  'text beside rdf:RDF': (x) => x.replace('</rdf:RDF>', `</rdf:RDF> ${MARK} `),
  'text in a description': (x) => x.replace(/(<rdf:Description[^>]*[^/]>)/, `$1 ${MARK} `),
  'an unknown namespace': (x) =>
    x.replace(/<rdf:Description /, `<rdf:Description xmlns:zz="http://example.com/zz/" zz:Where="${MARK}" `),
  // tiff:Model is camera model, kept by default: the prefix must not lend it to another namespace.
  'a known prefix on another namespace': (x) =>
    x.replace(
      /<rdf:Description /,
      `<rdf:Description xmlns:tiff="http://example.com/t/" tiff:Model="${MARK}" `,
    ),
};

describe('hostile XMP sidecars: what no kept property holds is not let through', () => {
  it('the marker is gone from every clean copy', () => {
    const dir = join(base, 'xmp');
    mkdirSync(dir);
    let made = 0;
    for (const [k, seed] of xmpSeeds().entries()) {
      const packet = Buffer.from(seed.bytes).toString('utf8');
      for (const [how, edit] of Object.entries(XMP_SMUGGLE)) {
        const out = edit(packet);
        if (out === packet) continue;
        writeFileSync(join(dir, `${caseName(how)}-${k}-${seed.name}`), out, 'utf8');
        made++;
      }
    }
    // Every smuggle on each of the corpus's XMP packets (three today).
    expect(made).toBeGreaterThanOrEqual(3 * 6);
    const { out, files } = scrubDrop(base, dir, 'xmp');
    const clean = files.filter((f) => f.status === 'clean');
    const leaked = clean.filter((f) => readFileSync(join(out, f.output), 'utf8').includes('SN-AIRLOCK-LEAK'));
    console.log(`[scrub-leak xmp] ${made} sidecars: ${clean.length} clean`);
    expect(leaked.map((f) => f.output)).toEqual([]);
    // What no reader names is not a finding: the manifest's notes say it went.
    for (const f of clean.filter((x) => /^a_processing_instruction|^text_/.test(x.output)))
      expect(f.notes?.join('\n'), f.output).toMatch(/outside any property removed/);
  }, 120_000);
});
