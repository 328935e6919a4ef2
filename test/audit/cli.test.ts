/**
 * `airlock audit` as users run it (the built CLI): exit codes, the JSON report against the
 * shipped JSON Schema (ajv), CSV read back by Python's csv module, a self-contained HTML page,
 * unlock windows from a temporary SQLite store, and damaged captures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SCHEMA_FILE, auditReportJsonSchema } from '../../src/report/audit/json-schema.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { airlock, ensureBuilt } from '../cli/built.js';
import { corpusDir, corpusFile } from '../helpers/corpus.js';
import { framesRead, pcapRecordOffsets } from './tshark.js';

/** One TLS connection to 74.125.239.152:443 (pcap, Ethernet). */
const CHROME = corpusFile('pcap/zeek-tls-chrome-34-google.pcap');
/** An 83 KB upload over HTTP to localhost:8080. */
const PUTTY = corpusFile('pcap/zeek-http-putty-upload.pcap');
/** A 160-byte POST to httpbin.org:80, the capture's only destination. */
const POST = corpusFile('pcap/zeek-http-post.pcap');
const ALL = corpusDir('pcap').filter((p) => p.endsWith('.pcap'));
/** Its one ClientHello without SNI: refused 'no-name' in every mode, monitor included (as the gateway does). */
const NO_SNI = corpusFile('pcap/zeek-tls-tls1.2.pcap');
/** The corpus less NO_SNI: everything in it allowed in monitor. */
const MONITOR_ALLOWED = ALL.filter((p) => p !== NO_SNI);
let dir: string;
/** The stores' HMAC key: windows are written with their MAC (test/audit/windows-auth.test.ts checks them). */
const STORE_KEY = new Uint8Array(32).fill(9);
/** STORE_KEY as a key file, for audit's --hmac-key. */
const keyFile = (): string => {
  const p = join(dir, 'store.key');
  writeFileSync(p, `${Buffer.from(STORE_KEY).toString('hex')}\n`, { mode: 0o600 });
  return p;
};

const policyFile = (mode: string, extra = ''): string => {
  const p = join(dir, `${mode}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, `version: 1\nnetwork:\n  mode: ${mode}\n${extra}store:\n  sqlitePath: none.sqlite\n`);
  return p;
};
/** The putty host allowlisted on its port (an entry allows 443 and 80 unless it lists its own). */
const ONE_WAY_PUTTY = (ports = '\n      ports: [8080]') =>
  `  allow:\n    - host: localhost${ports}\n      budget: {upstreamBytesPerConnection: 4096}\n  allowedPrivateCidrs: ['127.0.0.0/8']\n`;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'airlock-audit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schema/audit-report.v1.json', () => {
  const shipped = readFileSync(fileURLToPath(AUDIT_SCHEMA_FILE), 'utf8');
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(shipped));

  it('equals the schema generated from src/report/audit/model.ts (run `npm run gen-schema` after a change)', () => {
    expect(shipped).toBe(auditReportJsonSchema());
  });

  it('accepts a real report over the whole pcap corpus, and rejects one missing a verdict', () => {
    const r = airlock(['audit', '--json', ...ALL]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.schema).toBe('airlock.audit/1');
    expect(report.policyHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    delete report.destinations[0].verdict;
    expect(validate(report)).toBe(false);
  });
});

describe('exit codes and outputs', () => {
  it('sealed (the default): every egress destination blocked at connect, exit 1', () => {
    const r = airlock(['audit', '--json', '--policy', policyFile('sealed'), ...ALL]);
    expect(r.code).toBe(1);
    const egress = JSON.parse(r.stdout).destinations.filter((d: { scope: string }) => d.scope === 'egress');
    expect(egress.length).toBeGreaterThan(0);
    expect(new Set(egress.map((d: { outcome: { kind: string } }) => d.outcome.kind))).toEqual(
      new Set(['blocked']),
    );
  });

  it('monitor: exit 0, and the table lists egress before local; a ClientHello without SNI is refused even so (exit 1)', () => {
    expect(ALL).toContain(NO_SNI);
    const r = airlock(['audit', '--policy', policyFile('monitor'), ...MONITOR_ALLOWED]);
    expect(r.code).toBe(0);
    const noSni = airlock(['audit', '--json', '--policy', policyFile('monitor'), NO_SNI]);
    expect(noSni.code).toBe(1);
    expect(JSON.parse(noSni.stdout).summary.byOutcome).toMatchObject({ allowed: 0, blocked: 1 });
    expect(r.stdout.indexOf('Egress (')).toBeLessThan(r.stdout.indexOf('Local ('));
    expect(r.stdout).toContain('api.cirrus-ci.com');
  });

  it('one-way with a 4096-byte budget for the putty host: cut after 4096 bytes, exit 1', () => {
    const r = airlock(['audit', '--csv', '--policy', policyFile('one-way', ONE_WAY_PUTTY()), PUTTY]);
    expect(r.code).toBe(1);
    // Python's csv module reads the file back (an independent RFC 4180 reader).
    const rows = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        ['-c', 'import csv,sys,json; print(json.dumps(list(csv.DictReader(sys.stdin))))'],
        {
          input: r.stdout,
          encoding: 'utf8',
        },
      ),
    );
    const row = rows.find((x: Record<string, string>) => x.name === 'localhost');
    expect(row.outcome).toBe('mixed');
    expect(row.cut_after_bytes).toBe('4096');
    expect(row.verdict).toBe('upload');
  });

  it('an unlock window stored in a temporary SQLite store turns the outcome to allowed, exit 0', async () => {
    // A window opens 443 and 80 of its host: the POST to httpbin.org:80, over a 64-byte budget.
    const db = join(dir, 'windows.sqlite');
    const store = new SqliteStore(db, { hmacKey: STORE_KEY });
    await store.addUnlockWindow({
      host: 'httpbin.org',
      fromMs: 0,
      untilMs: Date.UTC(2100, 0, 1),
      reason: 'firmware update',
    });
    await store.close();
    const policy = policyFile(
      'one-way',
      '  allow:\n    - host: httpbin.org\n      budget: {upstreamBytesPerConnection: 64}\n',
    );
    const without = airlock(['audit', '--json', '--policy', policy, POST]);
    expect(without.code).toBe(1);
    expect(JSON.parse(without.stdout).destinations[0].outcome).toMatchObject({
      kind: 'cut',
      cutAfterBytes: 64,
    });
    const r = airlock(['audit', '--json', '--policy', policy, '--store', db, '--hmac-key', keyFile(), POST]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.unlockWindows).toBe(1);
    const d = report.destinations.find((x: { name: string }) => x.name === 'httpbin.org');
    expect(d.outcome).toMatchObject({ kind: 'allowed', reasons: ['unlock-window'] });
  });

  it('a flow to an allowlisted host on a port its entry does not list is blocked as port-not-allowed, window or not', async () => {
    // localhost allowlisted without ports (443 and 80); the capture uploads to localhost:8080.
    const policy = policyFile('one-way', ONE_WAY_PUTTY(''));
    const r = airlock(['audit', '--json', '--policy', policy, PUTTY]);
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout).destinations.find((x: { name: string }) => x.name === 'localhost');
    expect(d.port).toBe(8080);
    expect(d.outcome).toMatchObject({
      kind: 'blocked',
      allowed: 0,
      cut: 0,
      blocked: 2,
      reasons: ['port-not-allowed'],
    });
    expect(d.outcome.detail).toContain('localhost port 8080');
    // An unlock window for the host opens 443 and 80, not 8080.
    const db = join(dir, 'windows-8080.sqlite');
    const store = new SqliteStore(db, { hmacKey: STORE_KEY });
    await store.addUnlockWindow({
      host: 'localhost',
      fromMs: 0,
      untilMs: Date.UTC(2100, 0, 1),
      reason: 'test',
    });
    await store.close();
    const w = airlock(['audit', '--json', '--policy', policy, '--store', db, '--hmac-key', keyFile(), PUTTY]);
    expect(JSON.parse(w.stdout).unlockWindows).toBe(1);
    expect(w.code).toBe(1);
    const dw = JSON.parse(w.stdout).destinations.find((x: { name: string }) => x.name === 'localhost');
    expect(dw.outcome).toMatchObject({ kind: 'blocked', reasons: ['port-not-allowed'] });
  });

  it('never creates a store: a missing policy store is no store, a missing --store is a usage error', () => {
    const r = airlock(['audit', '--json', '--policy', policyFile('monitor'), PUTTY], { cwd: dir });
    expect(JSON.parse(r.stdout).store).toBeNull();
    const bad = airlock(['audit', '--store', join(dir, 'nope.sqlite'), PUTTY]);
    expect(bad.code).toBe(64);
    expect(() => readFileSync(join(dir, 'nope.sqlite'))).toThrow();
    expect(() => readFileSync(join(dir, 'none.sqlite'))).toThrow();
  });

  it('--html writes one self-contained page: inline SVG timeline, no script, no external reference', () => {
    const out = join(dir, 'report.html');
    const r = airlock(['audit', '--html', out, '--policy', policyFile('monitor'), ...MONITOR_ALLOWED]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toMatch(/<rect [^>]*fill=/);
    expect(html).toContain('api.cirrus-ci.com');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // The only URL is the SVG namespace, which is a name, not a fetch.
    expect(new Set(html.match(/https?:\/\/[^\s"'<]+/g))).toEqual(new Set(['http://www.w3.org/2000/svg']));
    for (const u of html.match(/(?:src|href)=["'][^"']*/g) ?? []) expect(u).toBe('');
  });
});

describe('damaged captures', () => {
  it('a truncated capture with a damaged record header: warnings name offsets, nothing crashes, partly read (exit 2)', () => {
    const bytes = readFileSync(PUTTY);
    // Record 3's header (pcap: 24-byte file header, then records) gets an absurd caplen.
    let at = 24;
    for (let i = 0; i < 3; i++) at += 16 + bytes.readUInt32LE(at + 8);
    const damaged = Buffer.from(bytes.subarray(0, bytes.length - 777));
    damaged.writeUInt32LE(0x7fffffff, at + 8);
    const f = join(dir, 'damaged.pcap');
    writeFileSync(f, damaged);
    const r = airlock(['audit', '--json', f]);
    // Records skipped and a tail cut off: the audit cannot speak for them.
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    const cap = report.captures[0];
    expect(cap.status).toBe('partial');
    expect(cap.error).toMatchObject({ code: 'AIRLOCK_ERR_MALFORMED', offset: at });
    const names = cap.warnings.map((w: { name: string }) => w.name);
    expect(names).toContain('resync');
    expect(cap.warnings.find((w: { name: string }) => w.name === 'resync').offset).toBe(at);
    expect(names).toContain('truncated-tail');
    expect(cap.packets).toBeGreaterThan(3);
  });

  it('times no Date can hold (a pcapng clock ~550,000 years on): every report is written, each time as its number', () => {
    const ng = join(dir, 'post.pcapng');
    execFileSync('editcap', ['-F', 'pcapng', POST, ng]);
    const b = readFileSync(ng);
    // Each Enhanced Packet Block's timestamp, high word at +12 (µs), moved past Date's range.
    for (let o = 0; o + 12 <= b.length; o += b.readUInt32LE(o + 4))
      if (b.readUInt32LE(o) === 6) b.writeUInt32LE((b.readUInt32LE(o + 12) + 0xf0000000) >>> 0, o + 12);
    const f = join(dir, 'far.pcapng');
    writeFileSync(f, b);
    const epochs = execFileSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.time_epoch'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map(Number);
    const html = join(dir, 'far.html');
    // Sealed: the capture's one POST is blocked at connect (exit 1), as in its own time.
    const r = airlock(['audit', '--json', '--html', html, f]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const cap = report.captures[0];
    expect(cap.packets).toBe(epochs.length);
    const seconds = (t: string) => Number(/^(\S+) ms$/.exec(t)?.[1]) / 1000;
    expect(seconds(cap.firstSeen)).toBeCloseTo(Math.min(...epochs), 0);
    expect(seconds(cap.lastSeen)).toBeCloseTo(Math.max(...epochs), 0);
    expect(report.destinations.map((d: { name: string }) => d.name)).toContain('httpbin.org');
    expect(readFileSync(html, 'utf8')).toContain(' ms');
    const csv = airlock(['audit', '--csv', f]);
    expect(csv.code).toBe(1);
    expect(csv.stdout).toContain(`${cap.firstSeen},${cap.lastSeen}`);
    expect(airlock(['audit', f]).code).toBe(1);
  });

  it('a file that is not a capture: exit 2 with the error in the report, not a crash', () => {
    const f = join(dir, 'not-a-capture.pcap');
    writeFileSync(f, 'hello, this is not a pcap file at all');
    const r = airlock(['audit', '--json', f]);
    expect(r.code).toBe(2);
    const cap = JSON.parse(r.stdout).captures[0];
    expect(cap.status).toBe('not-read');
    expect(cap.error.code).toBe('AIRLOCK_ERR_UNSUPPORTED');
  });

  it('flipped bytes inside packets are counted as damaged layers with the record offset; nothing decoded is not read (exit 2)', () => {
    const bytes = Buffer.from(readFileSync(CHROME));
    // Every record's IPv4 version/IHL byte (Ethernet: 14 bytes in) becomes 0x41: IHL 1 < 5 is malformed.
    const offsets = pcapRecordOffsets(bytes).filter((at) => bytes.readUInt32LE(at + 8) > 14);
    for (const at of offsets) bytes[at + 16 + 14] = 0x41;
    const f = join(dir, 'flipped.pcap');
    writeFileSync(f, bytes);
    const r = airlock(['audit', '--json', f]);
    const cap = JSON.parse(r.stdout).captures[0];
    expect(cap.damaged.ip).toBe(offsets.length);
    expect(cap.warnings.map((w: { offset: number }) => w.offset)).toEqual(offsets);
    // Every packet damaged: the audit read none of them, and cannot say the policy allowed everything.
    expect(cap.status).toBe('not-read');
    expect(cap.error).toMatchObject({ code: 'AIRLOCK_ERR_MALFORMED', offset: offsets[0] });
    expect(cap.error.message).toContain(`${offsets.length} packets whose headers could not be read`);
    expect(r.code).toBe(2);
  });

  it('one damaged packet among good ones: partly read (exit 2), the rest still reported', () => {
    const bytes = Buffer.from(readFileSync(CHROME));
    const at = pcapRecordOffsets(bytes)[5]!;
    bytes[at + 16 + 14] = 0x41;
    const f = join(dir, 'one-flipped.pcap');
    writeFileSync(f, bytes);
    const r = airlock(['audit', '--json', f]);
    const report = JSON.parse(r.stdout);
    expect(report.captures[0]).toMatchObject({
      status: 'partial',
      packets: framesRead(CHROME),
      damaged: { link: 0, ip: 1, transport: 0 },
      error: { code: 'AIRLOCK_ERR_MALFORMED', offset: at },
    });
    expect(report.destinations.map((d: { port: number }) => d.port)).toEqual([443]);
    expect(r.code).toBe(2);
  });
});

describe('captures not read whole: exit 2, the file and the offset named, what was read reported', () => {
  /** The table's line for the capture and the error line under it. */
  const tableSays = (stdout: string, f: string, status: string, offset: number) => {
    expect(stdout.split('\n').find((l) => l.startsWith(`${f} `))).toContain(`  ${status}  `);
    expect(stdout).toContain(`at offset ${offset} (`);
    expect(stdout).toContain('(exit 2)');
  };

  it('cut inside its first record (head -c 100): tshark reads no packet; not read, at the record (offset 24)', () => {
    const f = join(dir, 'cut-100.pcap');
    writeFileSync(f, readFileSync(CHROME).subarray(0, 100));
    expect(framesRead(f)).toBe(0);
    const r = airlock(['audit', '--json', f]);
    expect(r.code).toBe(2);
    const cap = JSON.parse(r.stdout).captures[0];
    expect(cap).toMatchObject({
      status: 'not-read',
      packets: 0,
      error: { code: 'AIRLOCK_ERR_TRUNCATED', offset: 24 },
    });
    const t = airlock(['audit', f]);
    expect(t.code).toBe(2);
    tableSays(t.stdout, f, 'not read', 24);
  });

  it('cut after some records (head -c 5000): the packets tshark reads are reported, partly read, at the record cut', () => {
    const whole = readFileSync(CHROME);
    const f = join(dir, 'cut-5000.pcap');
    writeFileSync(f, whole.subarray(0, 5000));
    const cutAt = pcapRecordOffsets(whole).find((at) => at + 16 + whole.readUInt32LE(at + 8) > 5000)!;
    const r = airlock(['audit', '--json', f]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.captures[0]).toMatchObject({
      status: 'partial',
      packets: framesRead(f),
      error: { code: 'AIRLOCK_ERR_TRUNCATED', offset: cutAt },
    });
    expect(report.destinations).toHaveLength(1);
    expect(report.summary.connections).toBe(1);
  });

  it('a pcapng cut inside its section header block (head -c 20): not read, at offset 0', () => {
    const ng = join(dir, 'chrome.pcapng');
    execFileSync('editcap', ['-F', 'pcapng', CHROME, ng]);
    const f = join(dir, 'cut-20.pcapng');
    writeFileSync(f, readFileSync(ng).subarray(0, 20));
    const r = airlock(['audit', '--json', f]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).captures[0]).toMatchObject({
      status: 'not-read',
      packets: 0,
      error: { code: 'AIRLOCK_ERR_TRUNCATED', offset: 0 },
    });
    tableSays(airlock(['audit', f]).stdout, f, 'not read', 0);
  });

  it('a link type Airlock does not read (147): every packet counted, none decoded, not read (exit 2)', () => {
    const bytes = Buffer.from(readFileSync(CHROME));
    bytes.writeUInt32LE(147, 20);
    const f = join(dir, 'linktype-147.pcap');
    writeFileSync(f, bytes);
    const r = airlock(['audit', '--json', f]);
    expect(r.code).toBe(2);
    const n = framesRead(CHROME);
    expect(JSON.parse(r.stdout).captures[0]).toMatchObject({
      status: 'not-read',
      packets: n,
      unsupportedLinks: { 147: n },
      error: { code: 'AIRLOCK_ERR_UNSUPPORTED', offset: 24 },
    });
    tableSays(airlock(['audit', f]).stdout, f, 'not read', 24);
  });

  it('--csv and --json say on stderr which capture was not read whole and where; the table needs not', () => {
    const f = join(dir, 'cut-10.pcap');
    writeFileSync(f, readFileSync(CHROME).subarray(0, 10));
    for (const mode of ['--csv', '--json']) {
      const r = airlock(['audit', mode, f]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `airlock audit: ${f}: offset 0: pcap file header: data ends early (AIRLOCK_ERR_TRUNCATED)\n`,
      );
    }
    const t = airlock(['audit', f]);
    expect([t.code, t.stderr]).toEqual([2, '']);
    tableSays(t.stdout, f, 'not read', 0);
  });

  it('--json with --csv is refused as log export refuses it (exit 64, nothing on stdout)', () => {
    const r = airlock(['audit', '--json', '--csv', CHROME]);
    expect([r.code, r.stdout]).toEqual([64, '']);
    expect(r.stderr).toContain('give --json or --csv');
  });

  it('the whole capture is read whole: exit 1 (sealed blocks it), no error', () => {
    const r = airlock(['audit', '--json', CHROME]);
    expect(r.code).toBe(1);
    const cap = JSON.parse(r.stdout).captures[0];
    expect([cap.status, cap.error]).toEqual(['read', undefined]);
  });
});
