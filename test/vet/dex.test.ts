/**
 * The DEX reader against an independent oracle: Debian's `dexdump` (AOSP's own). For every distinct
 * classes*.dex in the APK corpus (extracted with `unzip -p`): the header fields `dexdump -f` prints,
 * the classes it lists (descriptor, access flags, superclass, interfaces), and every string, method
 * and field reference its disassembly (`-d`) resolves by index. Hosts: the URLs in jamendo's
 * const-strings are all found, and no class or package name anywhere in the corpus is taken for a
 * host. Inline-byte cases cover MUTF-8 and hostile headers.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adler32, hostsIn, readDex } from '../../src/vet/dex/index.js';
import { corpusDir, corpusFile } from '../helpers/corpus.js';
import { thrown } from '../helpers/thrown.js';
import { dexEntries, run } from './dex-corpus.js';

interface CorpusDex {
  label: string;
  bytes: Uint8Array;
  file: string;
}

const APKS = ['fdroid', 'androguard', 'apksig', 'bugly'].flatMap((d) =>
  corpusDir(join('apk', d)).filter((f) => f.endsWith('.apk')),
);
const TMP = mkdtempSync(join(tmpdir(), 'airlock-dex-'));

/** Distinct DEX files of the corpus (the apksig vectors share one). */
function corpusDexes(): CorpusDex[] {
  const seen = new Set<string>();
  const out: CorpusDex[] = [];
  for (const apk of APKS) {
    for (const e of dexEntries(apk)) {
      const h = createHash('sha256').update(e.bytes).digest('hex');
      if (seen.has(h)) continue;
      seen.add(h);
      const file = join(TMP, `${h.slice(0, 16)}.dex`);
      writeFileSync(file, e.bytes);
      out.push({ label: `${basename(apk)}!${e.name}`, bytes: e.bytes, file });
    }
  }
  return out;
}

/** Modified UTF-8 of a JavaScript string, written here independently of the reader's decoder. */
function mutf8(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0 && c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Buffer.from(out);
}
/** dexdump prints strings as their raw MUTF-8 bytes: compare as latin1 so every byte is one char. */
const raw = (s: string): string => mutf8(s).toString('latin1');

interface Oracle {
  header: Record<string, string>;
  version: number;
  classes: { descriptor: string; accessFlags: number; superclass?: string; interfaces: string[] }[];
  strings: Map<number, string>;
  methods: Map<number, { cls: string; name: string }>;
  fields: Map<number, { cls: string; name: string; type: string }>;
}

function dexdump(file: string): Oracle {
  const text = run('dexdump', ['-f', '-d', file]).toString('latin1');
  const header: Record<string, string> = {};
  const head = text.slice(0, text.indexOf('\nClass #') >>> 0);
  for (const m of head.matchAll(/^(\w+)\s+: (.*)$/gm)) header[m[1]!] = m[2]!;
  const version = Number(/DEX version '(\d+)'/.exec(text)?.[1]);

  const classes: Oracle['classes'] = [];
  for (const block of text.split(/^Class #\d+\s+-$/m).slice(1)) {
    const descriptor = /^ {2}Class descriptor {2}: '(.*)'$/m.exec(block)?.[1] ?? '?';
    const accessFlags = Number.parseInt(/^ {2}Access flags {6}: 0x([0-9a-f]+)/m.exec(block)?.[1] ?? 'x', 16);
    const superclass = /^ {2}Superclass {8}: '(.*)'$/m.exec(block)?.[1];
    const ifaceText = /^ {2}Interfaces {8}-\n([\s\S]*?)^ {2}Static fields/m.exec(block)?.[1] ?? '';
    const interfaces = [...ifaceText.matchAll(/^ {4}#\d+\s+: '(.*)'$/gm)].map((m) => m[1]!);
    classes.push({ descriptor, accessFlags, ...(superclass ? { superclass } : {}), interfaces });
  }

  const strings = new Map<number, string>();
  for (const m of text.matchAll(/const-string(?:\/jumbo)? v\d+, "([\s\S]*?)" \/\/ string@([0-9a-f]+)$/gm))
    strings.set(Number.parseInt(m[2]!, 16), m[1]!);
  const methods = new Map<number, { cls: string; name: string }>();
  for (const m of text.matchAll(
    /invoke-[a-z/-]+ \{[^}]*\}, (\S+?;)\.([^:\s]+):\S+ \/\/ method@([0-9a-f]+)$/gm,
  ))
    methods.set(Number.parseInt(m[3]!, 16), { cls: m[1]!, name: m[2]! });
  const fields = new Map<number, { cls: string; name: string; type: string }>();
  for (const m of text.matchAll(
    /[is](?:get|put)[a-z-]* v\d+, (?:v\d+, )?(L[^;]+;)\.([^:\s]+):(\S+) \/\/ field@([0-9a-f]+)$/gm,
  ))
    fields.set(Number.parseInt(m[4]!, 16), { cls: m[1]!, name: m[2]!, type: m[3]! });
  return { header, version, classes, strings, methods, fields };
}

const dexes = corpusDexes();

describe('DEX reader against dexdump', () => {
  it('finds the corpus DEX files, and dexdump is installed', () => {
    expect(() => run('dexdump', ['-h']), 'dexdump (Debian package dexdump)').not.toThrow(/ENOENT/);
    expect(dexes.length).toBeGreaterThanOrEqual(25);
  });

  let totals = { dexes: 0, classes: 0, strings: 0, methods: 0, fields: 0 };
  it.each(dexes.map((d) => [d.label, d] as const))('%s', (_label, d) => {
    const s = readDex(d.bytes, d.label);
    const o = dexdump(d.file);
    const h = s.header;
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    expect(s.version).toBe(o.version);
    expect({
      checksum: hex(h.checksum),
      file_size: String(h.fileSize),
      header_size: String(h.headerSize),
      link_size: String(h.link.size),
      string_ids_size: String(h.stringIds.size),
      type_ids_size: String(h.typeIds.size),
      proto_ids_size: String(h.protoIds.size),
      field_ids_size: String(h.fieldIds.size),
      method_ids_size: String(h.methodIds.size),
      class_defs_size: String(h.classDefs.size),
      data_size: String(h.data.size),
      string_ids_off: String(h.stringIds.off),
      method_ids_off: String(h.methodIds.off),
      class_defs_off: String(h.classDefs.off),
      data_off: String(h.data.off),
    }).toEqual({
      checksum: o.header.checksum,
      file_size: o.header.file_size,
      header_size: o.header.header_size,
      link_size: o.header.link_size,
      string_ids_size: o.header.string_ids_size,
      type_ids_size: o.header.type_ids_size,
      proto_ids_size: o.header.proto_ids_size,
      field_ids_size: o.header.field_ids_size,
      method_ids_size: o.header.method_ids_size,
      class_defs_size: o.header.class_defs_size,
      data_size: o.header.data_size,
      string_ids_off: o.header.string_ids_off?.split(' ')[0],
      method_ids_off: o.header.method_ids_off?.split(' ')[0],
      class_defs_off: o.header.class_defs_off?.split(' ')[0],
      data_off: o.header.data_off?.split(' ')[0],
    });
    // A valid file: dexdump opened it, so its checksum holds, and the reader has nothing to say.
    expect(h.computedChecksum).toBe(h.checksum);
    expect(s.warnings).toEqual([]);
    expect(s.strings).toHaveLength(h.stringIds.size);
    expect(s.types).toHaveLength(h.typeIds.size);

    expect(s.classes).toEqual(o.classes);
    for (const [i, text] of o.strings) expect(raw(s.strings[i] ?? '<missing>'), `string@${i}`).toBe(text);
    for (const [i, m] of o.methods) expect(s.methods[i], `method@${i}`).toEqual(m);
    for (const [i, f] of o.fields) expect(s.fields[i], `field@${i}`).toEqual(f);
    totals = {
      dexes: totals.dexes + 1,
      classes: totals.classes + o.classes.length,
      strings: totals.strings + o.strings.size,
      methods: totals.methods + o.methods.size,
      fields: totals.fields + o.fields.size,
    };
  });

  it('compared a real number of items', () => {
    console.log(`[dex] against dexdump: ${JSON.stringify(totals)}`);
    expect(totals.dexes).toBe(dexes.length);
    expect(totals.strings).toBeGreaterThan(10_000);
    expect(totals.methods).toBeGreaterThan(10_000);
  });

  it('reads both DEX files of a multidex APK (classes2.dex)', () => {
    const md = dexEntries(corpusFile('apk', 'androguard', 'multidex.apk'));
    expect(md.map((e) => e.name)).toEqual(['classes.dex', 'classes2.dex']);
    const second = readDex(md[1]!.bytes, 'classes2.dex');
    expect(second.classes.map((c) => c.descriptor)).toEqual(['Lcom/blafoo/bar/Blafoo;']);
    expect(second.strings).toContain('hello world');
    expect(second.methods).toContainEqual({ cls: 'Lcom/foobar/foo/Foobar;', name: 'somemethod' });
    const first = readDex(md[0]!.bytes, 'classes.dex');
    expect(first.classes.map((c) => c.descriptor)).toContain('Lcom/foobar/foo/Foobar;');
  });

  it('reports a damaged checksum as dexdump computes it, and still reads the file', () => {
    const d = dexes.find((x) => x.label.startsWith('com.teleca.jamendo'))!;
    const bad = Uint8Array.from(d.bytes);
    bad[12] = bad[12]! ^ 0xff; // the SHA-1 signature: covered by the checksum, read by nothing else
    const file = join(TMP, 'bad-checksum.dex');
    writeFileSync(file, bad);
    let said = '';
    try {
      run('dexdump', ['-c', file]);
    } catch (e) {
      said = String((e as { stderr?: Buffer }).stderr ?? '');
    }
    const m = /Bad checksum \(([0-9a-f]+), expected ([0-9a-f]+)\)/.exec(said);
    expect(m, `dexdump -c said: ${said}`).not.toBeNull();
    const s = readDex(bad, 'bad.dex');
    expect(s.header.computedChecksum.toString(16).padStart(8, '0')).toBe(m![1]);
    expect(s.header.checksum.toString(16).padStart(8, '0')).toBe(m![2]);
    expect(s.warnings.map((w) => w.name)).toEqual(['dex-checksum']);
    expect(s.warnings[0]!.offset).toBe(8);
  });
});

describe('hosts named in DEX strings', () => {
  it("finds every URL host in jamendo's const-strings, as cleartext http", () => {
    const d = dexes.find((x) => x.label.startsWith('com.teleca.jamendo'))!;
    const o = dexdump(d.file);
    const expected = new Set<string>();
    for (const text of o.strings.values())
      for (const m of text.matchAll(/\b(https?):\/\/([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g))
        expected.add(`${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}`);
    expect(expected.size).toBeGreaterThan(0);
    const found = hostsIn(readDex(d.bytes, d.label).strings);
    const urls = new Set(found.flatMap((h) => h.schemes.map((sc) => `${sc}://${h.host}`)));
    for (const e of expected) expect(urls, e).toContain(e);
    console.log(`[dex] jamendo: dexdump's const-strings name ${[...expected].join(', ')}`);
    expect(found.find((h) => h.host === 'api.jamendo.com')).toMatchObject({
      schemes: ['http'],
      ports: [80],
      cleartext: true,
      bare: false,
      ip: false,
      count: 1,
    });
  });

  it('takes no class or package name in the corpus for a host', () => {
    let names = 0;
    const reported: string[] = [];
    for (const d of dexes) {
      const s = readDex(d.bytes, d.label);
      const dotted = new Set<string>();
      for (const t of s.types) {
        const m = /^\[*L(.+);$/.exec(t);
        if (!m) continue;
        const parts = m[1]!.split('/');
        for (let i = 1; i <= parts.length; i++) dotted.add(parts.slice(0, i).join('.'));
        dotted.add(parts.join('.').replaceAll('$', '.'));
      }
      names += dotted.size;
      // Alone (no descriptors beside them to learn from), and among the file's own strings.
      for (const h of hostsIn([...dotted])) reported.push(`${d.label}: ${h.host}`);
      for (const h of hostsIn(s.strings)) if (dotted.has(h.host)) reported.push(`${d.label}: ${h.host}`);
    }
    expect(names).toBeGreaterThan(10_000);
    expect(reported).toEqual([]);
  });

  it('reads URLs anywhere in a string: ports, IP literals, schemes, templates', () => {
    const found = hostsIn([
      'see https://API.Example.com:8443/v1?x=1 and ws://10.0.0.1:9000/sock',
      'ftp://files.example.org',
      'wss://[2001:db8::1]/live',
      'http://%s/api',
      'http://',
      'https://cdn.example.net%s',
      'https://api.example.com/v2',
    ]);
    const by = (host: string) => found.find((h) => h.host === host);
    expect(by('api.example.com')).toMatchObject({
      schemes: ['https'],
      ports: [443, 8443],
      cleartext: false,
      count: 2,
      ip: false,
      url: 'https://API.Example.com:8443/v1?x=1',
      example: 'see https://API.Example.com:8443/v1?x=1 and ws://10.0.0.1:9000/sock',
    });
    expect(by('10.0.0.1')).toMatchObject({ schemes: ['ws'], ports: [9000], cleartext: true, ip: true });
    expect(by('files.example.org')).toMatchObject({ schemes: ['ftp'], ports: [21], cleartext: true });
    expect(by('2001:db8::1')).toMatchObject({ ip: true, cleartext: false, ports: [443] });
    expect(by('cdn.example.net')).toMatchObject({ schemes: ['https'] });
    expect(found).toHaveLength(5);
  });

  it('tells bare host names from code, files and keys', () => {
    const found = hostsIn([
      'api.example.com',
      'api.example.com',
      'flysafe-api.dji.com',
      'java.lang.String',
      'R.id.foo',
      'com.example.app',
      'android.app',
      'libjpeg.so',
      'build.properties',
      'os.name',
      'ro.build.display.id',
      'Main.java',
      'Lcom/foo/bar/a;',
      'a.b.c',
      'abc_action_bar.title',
      'co.uk',
      '1.2.3.4',
      'foo.bar.a',
    ]);
    expect(found.map((h) => [h.host, h.count])).toEqual([
      ['api.example.com', 2],
      ['flysafe-api.dji.com', 1],
    ]);
    expect(found[0]).toMatchObject({ bare: true, schemes: [], ports: [], cleartext: false, ip: false });
  });
});

/** A DEX holding only strings: the header, string_ids, then string_data_items as given. */
function stringDex(items: number[][], patch?: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const idsOff = 0x70;
  let dataOff = idsOff + 4 * items.length;
  const size = dataOff + items.reduce((n, it) => n + it.length, 0);
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  b.set([0x64, 0x65, 0x78, 0x0a, 0x30, 0x33, 0x35, 0x00]);
  dv.setUint32(32, size, true);
  dv.setUint32(36, 0x70, true);
  dv.setUint32(40, 0x12345678, true);
  dv.setUint32(56, items.length, true);
  dv.setUint32(60, idsOff, true);
  items.forEach((it, i) => {
    dv.setUint32(idsOff + 4 * i, dataOff, true);
    b.set(it, dataOff);
    dataOff += it.length;
  });
  patch?.(b, dv);
  dv.setUint32(8, adler32(b, 12, b.length), true);
  return b;
}
describe('DEX reader on inline bytes', () => {
  it('computes Adler-32 as RFC 1950 does', () => {
    expect(adler32(new TextEncoder().encode('Wikipedia'), 0, 9)).toBe(0x11e60398);
  });

  it('decodes MUTF-8: NUL as C0 80, supplementary characters as two 3-byte surrogates', () => {
    const s = readDex(
      stringDex([
        [2, 0x61, 0xc0, 0x80, 0],
        [2, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0],
        [1, 0xc3, 0xa9, 0],
        [1, 0xe2, 0x82, 0xac, 0],
        [0, 0],
      ]),
      'm.dex',
    );
    expect(s.strings).toEqual(['a\0', '😀', 'é', '€', '']);
    expect(s.warnings).toEqual([]);
  });

  it('turns invalid MUTF-8 into U+FFFD with a warning, never a throw', () => {
    const s = readDex(
      stringDex([
        [4, 0xf0, 0x9f, 0x98, 0x80, 0], // a 4-byte UTF-8 form: not MUTF-8
        [1, 0xc1, 0x81, 0], // overlong 'A'
        [2, 0x80, 0x41, 0], // stray continuation byte
        [3, 0x61, 0x62, 0x63], // no NUL before the file ends
      ]),
      'bad.dex',
    );
    expect(s.strings).toEqual(['\ufffd\ufffd\ufffd\ufffd', '\ufffd\ufffd', '\ufffdA', 'abc']);
    expect(s.warnings.map((w) => w.name)).toEqual([
      'dex-string-mutf8',
      'dex-string-mutf8',
      'dex-string-size',
      'dex-string-mutf8',
      'dex-string-unterminated',
    ]);
  });

  it('refuses a reverse-endian DEX as unsupported, and a wrong magic as malformed', () => {
    const rev = stringDex([[0, 0]], (_b, dv) => dv.setUint32(40, 0x78563412, true));
    expect(thrown(() => readDex(rev, 'rev.dex'))).toMatchObject({
      code: 'AIRLOCK_ERR_UNSUPPORTED',
      offset: 40,
    });
    const pk = stringDex([[0, 0]], (b) => b.set([0x50, 0x4b, 0x03, 0x04]));
    expect(thrown(() => readDex(pk, 'x.dex'))).toMatchObject({
      code: 'AIRLOCK_ERR_MALFORMED',
      file: 'x.dex',
    });
    const v99 = stringDex([[0, 0]], (b) => b.set([0x30, 0x39, 0x39], 4));
    expect(thrown(() => readDex(v99, 'x.dex')).code).toBe('AIRLOCK_ERR_UNSUPPORTED');
  });

  it('names the offset of a table that runs past the end of the file', () => {
    const big = stringDex([[0, 0]], (_b, dv) => {
      dv.setUint32(88, 0x10000, true);
      dv.setUint32(92, 0x70, true);
    });
    expect(thrown(() => readDex(big, 'x.dex'))).toMatchObject({
      code: 'AIRLOCK_ERR_TRUNCATED',
      offset: 0x70,
    });
    const inHeader = stringDex([[0, 0]], (_b, dv) => {
      dv.setUint32(88, 1, true);
      dv.setUint32(92, 8, true);
    });
    expect(thrown(() => readDex(inHeader, 'x.dex'))).toMatchObject({
      code: 'AIRLOCK_ERR_MALFORMED',
      offset: 92,
    });
    const cut = thrown(() => readDex(stringDex([[0, 0]]).subarray(0, 60), 'x.dex'));
    expect(cut).toMatchObject({ code: 'AIRLOCK_ERR_TRUNCATED' });
  });

  it('warns of a file_size that disagrees with the bytes, and of an index past its table', () => {
    const s = readDex(
      stringDex([[0, 0]], (_b, dv) => {
        dv.setUint32(32, 999, true);
        dv.setUint32(64, 1, true); // one type_id, at the string_ids: descriptor index = its offset
        dv.setUint32(68, 0x70, true);
      }),
      'x.dex',
    );
    expect(s.types).toEqual(['']);
    expect(s.warnings.map((w) => w.name)).toEqual(['dex-file-size', 'dex-bad-index']);
  });

  it('does not hang on 20,000 classes sharing one 65,535-entry interface list', () => {
    const classes = 20_000;
    const strAt = 0x70;
    const typeAt = strAt + 4;
    const listAt = typeAt + 4;
    const n = 65535;
    const classAt = listAt + 4 + 2 * n + 2; // 4-aligned
    const dataAt = classAt + 32 * classes;
    const b = new Uint8Array(dataAt + 8);
    const dv = new DataView(b.buffer);
    b.set([0x64, 0x65, 0x78, 0x0a, 0x30, 0x33, 0x35, 0x00]);
    dv.setUint32(32, b.length, true);
    dv.setUint32(36, 0x70, true);
    dv.setUint32(40, 0x12345678, true);
    dv.setUint32(56, 1, true);
    dv.setUint32(60, strAt, true);
    dv.setUint32(64, 1, true);
    dv.setUint32(68, typeAt, true);
    dv.setUint32(96, classes, true);
    dv.setUint32(100, classAt, true);
    dv.setUint32(strAt, dataAt, true);
    b.set([3, 0x4c, 0x61, 0x3b, 0], dataAt); // 'La;'
    dv.setUint32(listAt, n, true); // every entry: type 0
    for (let i = 0; i < classes; i++) {
      dv.setUint32(classAt + 32 * i + 8, 0xffffffff, true);
      dv.setUint32(classAt + 32 * i + 12, listAt, true);
    }
    dv.setUint32(8, adler32(b, 12, b.length), true);
    const t0 = performance.now();
    const s = readDex(b, 'x.dex');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(s.classes).toHaveLength(classes);
    expect(s.classes[0]!.interfaces).toHaveLength(n);
    expect(s.classes.at(-1)!.interfaces).toEqual([]);
    expect(s.warnings.map((w) => w.name)).toContain('dex-interfaces-budget');
  });

  it('does not hang on 100,000 strings that all point into one long unterminated run', () => {
    const n = 100_000;
    const tail = 600_000;
    const b = new Uint8Array(0x70 + 4 * n + tail).fill(0x61, 0x70 + 4 * n);
    const dv = new DataView(b.buffer);
    b.set([0x64, 0x65, 0x78, 0x0a, 0x30, 0x33, 0x35, 0x00]);
    dv.setUint32(32, b.length, true);
    dv.setUint32(36, 0x70, true);
    dv.setUint32(40, 0x12345678, true);
    dv.setUint32(56, n, true);
    dv.setUint32(60, 0x70, true);
    const data = 0x70 + 4 * n;
    b.set([0xff, 0xff, 0xff, 0xff, 0x0f], data); // utf16_size 2^32-1
    for (let i = 0; i < n; i++) dv.setUint32(0x70 + 4 * i, data + (i % 1000), true);
    const t0 = performance.now();
    expect(thrown(() => readDex(b, 'x.dex')).code).toBe('AIRLOCK_ERR_LIMIT');
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
