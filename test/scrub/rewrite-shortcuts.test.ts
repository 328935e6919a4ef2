/**
 * The work scrub no longer does twice, shown to give what doing it again gave: the JPEG rewriter's
 * "does the rewritten Exif block report anything" answered from the output tree (vs reading the
 * block back), the XMP parse remembered by content (vs parsing again), the TIFF rewriter's output
 * image hash taken from the re-inspection's walk (vs a walk of its own), and the temp file
 * created ahead of the write (vs created when the bytes are ready).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import { findEoi } from '../../src/media/jpeg/eoi.js';
import { jpegRewriter } from '../../src/media/jpeg/rewrite.js';
import { walkSegments } from '../../src/media/jpeg/segments.js';
import { analyseSource } from '../../src/media/registry.js';
import { readTiffStructure } from '../../src/media/tiff/exif.js';
import { rewriteTiffStructure, tiffRewriter } from '../../src/media/tiff/rewrite.js';
import { Collector } from '../../src/media/types.js';
import { decodePacket } from '../../src/media/xmp/offsets.js';
import { parseXmp, rememberedXml, rememberXmpParses } from '../../src/media/xmp/rdf.js';
import { rewriteXmpPacket } from '../../src/media/xmp/rewrite.js';
import { xmpSpans } from '../../src/media/xmp/rewrite-spans.js';
import { readXml, recording, replayXml, type XmlEvents, type XmlHandler } from '../../src/media/xmp/xml.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { decideFor } from '../../src/scrub/plan.js';
import { TEMP_PREFIX, TempOutput } from '../../src/scrub/temp-output.js';
import { type Decide, RewriteNotes } from '../../src/scrub/types.js';
import { corpusDir } from '../helpers/corpus.js';
import { exifBlockOf } from '../tiff/jpeg-exif.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-scrub-shortcuts-'));
afterAll(() => {
  rememberXmpParses(0);
  rmSync(dir, { recursive: true, force: true });
});

const media = corpusDir('media');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const decides: Record<string, Decide> = {
  'keep all': () => ({ action: 'keep' }),
  'drop all': () => ({ action: 'drop' }),
  'display only': (f) => (f.category === 'display' ? { action: 'keep' } : { action: 'drop' }),
  'camera model only': (f) => (f.category === 'camera.model' ? { action: 'keep' } : { action: 'drop' }),
  'GPS only': (f) => (f.path.at(-1) === 'GPS' ? { action: 'keep' } : { action: 'drop' }),
  default: decideFor(defaultPolicy()),
};

describe('rewritten Exif block: surely reports ⇒ reading it back finds something', () => {
  const blocks = media
    .filter((f) => /\.jpe?g$/i.test(f))
    .map((file) => ({ file, bytes: readFileSync(file) }))
    .map((c) => ({ ...c, block: exifBlockOf(c.bytes) }))
    .filter((c): c is typeof c & { block: { offset: number; length: number } } => c.block !== undefined);

  it('agrees with the read-back on every corpus EXIF block under six decisions', () => {
    expect(blocks.length).toBeGreaterThan(5);
    const seen = { sure: 0, unsureEmpty: 0 };
    for (const c of blocks)
      for (const [name, decide] of Object.entries(decides)) {
        const facts: { surelyReports?: boolean } = {};
        const tiff = rewriteTiffStructure(
          new BufferSource(c.bytes),
          c.block.offset,
          c.block.length,
          ['APP1 Exif'],
          decide,
          { kind: 'exif-app1', facts },
        );
        const back = new Collector();
        readTiffStructure(new BufferSource(tiff), 0, tiff.length, ['APP1 Exif'], back, { kind: 'exif-app1' });
        expect(typeof facts.surelyReports, `${basename(c.file)} ${name}`).toBe('boolean');
        if (facts.surelyReports) {
          seen.sure += 1;
          expect(back.findings.length, `${basename(c.file)} ${name}`).toBeGreaterThan(0);
        } else if (back.findings.length === 0) seen.unsureEmpty += 1;
      }
    // Both answers occur, so each side of the shortcut is exercised.
    expect(seen.sure).toBeGreaterThan(blocks.length);
    expect(seen.unsureEmpty).toBeGreaterThan(0);
  });
});

describe('remembered XMP parses', () => {
  const packets = media
    .filter((f) => /XMP|dji-/.test(basename(f)) && /\.jpe?g$/i.test(f))
    .map((f) => {
      const bytes = readFileSync(f);
      const at = bytes.indexOf('<x:xmpmeta');
      const end = bytes.indexOf('</x:xmpmeta>', at);
      return bytes.subarray(at, end + '</x:xmpmeta>'.length);
    })
    .filter((b) => b.length > 100);

  it('gives the fresh parse, at any base offset, in objects of its own', () => {
    expect(packets.length).toBeGreaterThan(1);
    for (const p of packets) {
      rememberXmpParses(0);
      const fresh0 = parseXmp(p, 1000);
      const fresh1 = parseXmp(p, 7);
      rememberXmpParses(4);
      const first = parseXmp(p, 1000);
      const again = parseXmp(Buffer.from(p), 7); // another buffer, same bytes: remembered
      expect(first).toEqual(fresh0);
      expect(again).toEqual(fresh1);
      expect(again[0]).not.toBe(first[0]);
      expect(again[0]?.ranges).not.toBe(first[0]?.ranges);
      again[0]?.ranges.push({ offset: 0, length: 1 }); // a caller's edit reaches no later parse
      expect(parseXmp(p, 7)).toEqual(fresh1);
    }
  });

  it('never answers for a reused buffer whose bytes changed', () => {
    rememberXmpParses(4);
    const [a] = packets;
    if (!a) throw new Error('no packet');
    const buf = Buffer.from(a);
    const before = parseXmp(buf, 0);
    // Same buffer, same offset and length, one value changed (as the next file read into it).
    const value = before.find((p) => p.values[0] && p.values[0].length > 3);
    if (!value) throw new Error('no value to change');
    const r = value.ranges[0] as { offset: number; length: number };
    buf[r.offset] = buf[r.offset] === 0x5a ? 0x59 : 0x5a;
    const after = parseXmp(buf, 0);
    rememberXmpParses(0);
    expect(after).toEqual(parseXmp(buf, 0));
    expect(after.find((p) => p.tag === value.tag)?.values[0]).not.toBe(value.values[0]);
  });
});

describe('the XMP span walk replays what the parse read', () => {
  // Every packet of the media corpus (JPEG APP1, TIFF and DNG tag 700, sidecars).
  const packets: { file: string; bytes: Uint8Array }[] = [];
  for (const f of media) {
    const bytes = readFileSync(f);
    const at = bytes.indexOf('<x:xmpmeta');
    const end = bytes.indexOf('</x:xmpmeta>', at);
    if (at >= 0 && end > at) packets.push({ file: basename(f), bytes: bytes.subarray(at, end + 12) });
  }
  const textOf = (bytes: Uint8Array): string => {
    const { text } = decodePacket(bytes);
    const start = text.indexOf('<');
    let end = text.length;
    while (end > start && /[\0\s]/.test(text.charAt(end - 1))) end--;
    return text.slice(start, end);
  };

  it('gives the spans a fresh reading gives, on every corpus packet', () => {
    expect(packets.length).toBeGreaterThan(5);
    for (const p of packets) {
      rememberXmpParses(0);
      const src = textOf(p.bytes);
      const fresh = xmpSpans(src, (i) => i + 5);
      expect(rememberedXml(src)).toBeUndefined();
      rememberXmpParses(4);
      parseXmp(p.bytes, 100);
      const events = rememberedXml(src);
      expect(events, p.file).toBeDefined();
      expect(
        xmpSpans(src, (i) => i + 5, events),
        p.file,
      ).toEqual(fresh);
      expect(rememberedXml(`${src} `)).toBeUndefined(); // another text: nothing to replay
    }
  });

  it('rewrites every corpus packet to the same bytes and notes, remembered or not, under six decisions', () => {
    for (const p of packets)
      for (const [name, decide] of Object.entries(decides)) {
        const run = (remember: boolean): { out: string; notes: readonly string[] } => {
          rememberXmpParses(remember ? 4 : 0);
          if (remember) parseXmp(p.bytes, 0); // the analysis's parse, just before the rewrite
          const notes = new RewriteNotes();
          const out = rewriteXmpPacket(p.bytes, 0, ['APP1 XMP'], decide, notes);
          return { out: out ? sha(out) : 'none', notes: [...notes.lines, ...notes.keptAnyway] };
        };
        expect(run(true), `${p.file} ${name}`).toEqual(run(false));
      }
  });

  it('replays every kind of event, in order, as reading gave it', () => {
    const src =
      '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><!-- a note -->' +
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><?odd pi?>' +
      '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="a &amp; b">' +
      '<dc:title><![CDATA[x < y]]> &lt;z&gt;\r\n</dc:title><dc:empty/></rdf:Description></rdf:RDF></x:xmpmeta>';
    const log = (into: unknown[]): XmlHandler => ({
      open: (tag) => into.push(['open', tag.name, tag.start, tag.end, tag.empty, tag.attrs.length]),
      close: (tag, closeStart, end) => into.push(['close', tag.name, closeStart, end]),
      text: (t) => into.push(['text', t]),
      textAt: (from, to) => into.push(['textAt', from, to]),
      pi: (target, from, to) => into.push(['pi', target, from, to]),
      comment: (from, to) => into.push(['comment', from, to]),
    });
    const fail = (m: string): never => {
      throw new Error(m);
    };
    const read: unknown[] = [];
    readXml(src, log(read), fail);
    const events: XmlEvents = [];
    const teed: unknown[] = [];
    readXml(src, recording(log(teed), events), fail);
    const replayed: unknown[] = [];
    replayXml(events, log(replayed));
    expect(teed).toEqual(read);
    expect(replayed).toEqual(read);
    expect(new Set(read.map((e) => (e as string[])[0]))).toEqual(
      new Set(['open', 'close', 'text', 'textAt', 'pi', 'comment']),
    );
    // A handler taking fewer kinds gets only those.
    const opens: string[] = [];
    replayXml(events, { open: (t) => opens.push(t.name), close: () => {} });
    expect(opens).toContain('dc:empty');
  });
});

describe('TIFF rewriter: the output image hash from the re-inspection walk', () => {
  const tiffs = media.filter((f) => /\.(tiff?|dng)$/i.test(f));

  it('is the hash a walk of its own gives, and the input hash, on every corpus TIFF and DNG', () => {
    expect(tiffs.length).toBeGreaterThan(1);
    for (const file of tiffs) {
      const bytes = readFileSync(file);
      for (const decide of [decides.default as Decide, decides['keep all'] as Decide]) {
        const alone = tiffRewriter.rewrite(new BufferSource(bytes), decide);
        const shared = tiffRewriter.rewrite(new BufferSource(bytes), decide);
        if (!shared.source) throw new Error('no output source');
        // Re-inspected first, as scrub does: the hash then follows that walk.
        expect(analyseSource(shared.source, file).status).toBe('read');
        expect(shared.imageHashOut, basename(file)).toBe(alone.imageHashOut);
        expect(shared.imageHashOut, basename(file)).toBe(shared.imageHashIn);
      }
    }
  });
});

describe("JPEG rewriter: the output's SOS..EOI found from the input's scan", () => {
  const jpegs = media.filter((f) => /\.jpe?g$/i.test(f));
  /** SOS..EOI of `bytes` by a scan of a fresh source of their own (nothing remembered). */
  const scannedImage = (bytes: Uint8Array): Uint8Array => {
    const src = new BufferSource(bytes);
    const walk = walkSegments(src);
    if (!walk.sos) throw new Error('no SOS');
    const to = findEoi(src, walk.sos.dataOffset + walk.sos.dataLength) ?? src.size;
    return bytes.subarray(walk.sos.offset, to);
  };

  it('hashes what a scan of the written bytes finds, on every corpus JPEG under six decisions', () => {
    expect(jpegs.length).toBeGreaterThan(5);
    for (const file of jpegs) {
      const bytes = new Uint8Array(readFileSync(file));
      for (const [name, decide] of Object.entries(decides)) {
        const r = jpegRewriter.rewrite(new BufferSource(bytes), decide);
        const written = new Uint8Array(Buffer.concat(r.chunks ?? [r.bytes]));
        expect(r.imageHashOut, `${basename(file)} ${name}`).toBe(sha(scannedImage(written)));
        expect(r.imageHashOut, `${basename(file)} ${name}`).toBe(sha(scannedImage(bytes)));
      }
    }
  });
});

describe('TempOutput', () => {
  const temps = (d: string): string[] => readdirSync(d).filter((n) => n.startsWith(TEMP_PREFIX));

  it('writes the pieces under a temp name in a folder made on demand', async () => {
    const out = join(dir, 'made', 'deeper', 'a.jpg');
    const t = TempOutput.start(out);
    expect(await t.write([Buffer.from('ab'), new Uint8Array(0), Buffer.from('cde')])).toBe(5);
    expect(readFileSync(t.path, 'utf8')).toBe('abcde');
    expect(existsSync(out)).toBe(false); // the commit renames it, not the temp
    expect(temps(join(dir, 'made', 'deeper'))).toEqual([basename(t.path)]);
  });

  it('discards the file it made, leaving nothing', async () => {
    const out = join(dir, 'discard', 'b.jpg');
    const t = TempOutput.start(out);
    await t.discard();
    expect(temps(join(dir, 'discard'))).toEqual([]);
  });

  it('closes its file once: discard after a write, or a second discard, does nothing', async () => {
    const out = join(dir, 'once', 'd.jpg');
    const t = TempOutput.start(out);
    expect(await t.write([Buffer.from('x')])).toBe(1);
    await t.discard();
    expect(readFileSync(t.path, 'utf8')).toBe('x');
    await expect(t.write([Buffer.from('y')])).rejects.toThrow(/already/);
    const u = TempOutput.start(join(dir, 'once', 'e.jpg'));
    await u.discard();
    await u.discard();
    expect(temps(join(dir, 'once'))).toEqual([t.path.slice(t.path.lastIndexOf('/') + 1)]);
  });

  it('throws the creation error, with its code, when the folder cannot be made', async () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    const t = TempOutput.start(join(dir, 'a-file', 'c.jpg'));
    await expect(t.write([Buffer.from('x')])).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    await t.discard(); // nothing to remove, no throw
  });
});
