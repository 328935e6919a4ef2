/**
 * `airlock demo` end to end: the kit judged by ExifTool, the tablet capture by tshark (the
 * oracles), not by Airlock's own idea.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildJpeg } from '../../src/media/jpeg/write.js';
import type { AuditReport } from '../../src/report/audit/model.js';
import type { InspectReport } from '../../src/report/model.js';
import { exiftoolJson } from '../helpers/exiftool.js';
import { gridCentre, signedGps, srtCuePairs, stillPositions } from '../scrub/e2e-oracles.js';
import { airlock, type Run } from './built.js';

let base: string;
let kit: string;
let demo: Run;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'airlock-demo-test-'));
  kit = join(base, 'kit');
  demo = airlock(['demo', '--dir', kit]);
}, 60_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('airlock demo', () => {
  it('writes the kit where it says, prints the table and the explanation, exits 0', () => {
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain(`to ${kit}`);
    expect(readdirSync(kit).sort()).toEqual([
      'DJIFlightRecord_2024-05-14_[10-31-40].txt',
      'DJI_0001.JPG',
      'DJI_0002.SRT',
      'capture',
      'clean',
      'gateway',
      'site-logo.jpg',
    ]);
    expect(demo.stdout).toMatch(/What this shows/);
    expect(demo.stdout).toMatch(/drone-dji:GpsLatitude/);
  });

  it('refuses a folder that is not empty (exit 64, nothing overwritten)', () => {
    const r = airlock(['demo', '--dir', kit]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/not empty/);
  });

  it('inspecting the kit exits 1 (sensitive), every file read', () => {
    const names = [
      'DJIFlightRecord_2024-05-14_[10-31-40].txt',
      'DJI_0001.JPG',
      'DJI_0002.SRT',
      'site-logo.jpg',
    ];
    const r = airlock(['inspect', '--json', ...names.map((n) => join(kit, n))]);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.files.map((f) => f.status)).toEqual(['read', 'read', 'read', 'read']);
    expect(r.code).toBe(1);
  });

  it("the still's positions and serials are what ExifTool reads from it", () => {
    const file = join(kit, 'DJI_0001.JPG');
    const [rec] = exiftoolJson([file]);
    const r = airlock(['inspect', '--json', file]);
    const findings = (JSON.parse(r.stdout) as InspectReport).files[0]!.findings;
    const exifPos = findings.find((f) => f.tag === 'GPSPosition')?.value;
    const xmpPos = findings.find((f) => f.tag === 'drone-dji:GpsLatitude')?.value;
    for (const v of [exifPos, xmpPos]) {
      if (v?.kind !== 'position') throw new Error('no position');
      expect(v.position.lat).toBeCloseTo(Number(rec?.['GPS:GPSLatitude']), 5);
      expect(v.position.lon).toBeCloseTo(-Number(rec?.['GPS:GPSLongitude']), 5);
    }
    expect(Number(rec?.['XMP-drone-dji:GPSLongtitude'])).toBeCloseTo(
      Number(rec?.['Composite:GPSLongitude']),
      5,
    );
    const serials = findings.filter((f) => f.category === 'identity.device').map((f) => f.value);
    expect(serials).toContainEqual({ kind: 'text', text: rec?.['ExifIFD:SerialNumber'] });
    expect(serials).toContainEqual({ kind: 'text', text: rec?.['XMP-drone-dji:DroneSerialNumber'] });
    expect(rec?.['IFD1:ThumbnailLength']).toBeGreaterThan(0);
    expect(findings.some((f) => f.category === 'imagery.embedded')).toBe(true);
  });

  it('a JPEG with no metadata is clean: exit 0 (ExifTool agrees it has no EXIF/XMP)', () => {
    const f = join(base, 'clean.jpg');
    writeFileSync(f, buildJpeg([]));
    const [rec] = exiftoolJson([f]);
    expect(Object.keys(rec ?? {}).filter((k) => /^(IFD|ExifIFD|GPS|XMP|JFIF)/.test(k))).toEqual([]);
    const r = airlock(['inspect', f]);
    expect(r.stdout).toMatch(/clean/);
    expect(r.code).toBe(0);
  });

  it('scrubs the kit into DIR/clean and shows before → after', () => {
    expect(readdirSync(join(kit, 'clean')).sort()).toEqual([
      'DJI_0001.JPG',
      'DJI_0002.SRT',
      'airlock-manifest.json',
      'site-logo.jpg',
    ]);
    expect(demo.stdout).toMatch(/Scrubbed under the default policy into /);
    expect(demo.stdout).toMatch(/pilot position \(HOME\): [-\d., ]+ → removed/);
    expect(demo.stdout).toMatch(/DJIFlightRecord\S* +withheld: /);
  });

  it('the clean still, read by ExifTool: no serial, no thumbnail, every position on the 1 km grid', () => {
    const [before, after] = exiftoolJson([join(kit, 'DJI_0001.JPG'), join(kit, 'clean', 'DJI_0001.JPG')]);
    if (!before || !after) throw new Error('exiftool read nothing');
    expect(Object.keys(after).filter((k) => /Serial|Thumbnail|Preview/i.test(k))).toEqual([]);
    const exact = {
      lat: signedGps(before, 'Latitude') as number,
      lon: signedGps(before, 'Longitude') as number,
    };
    const want = gridCentre(exact, 1000);
    const carriers = stillPositions(after);
    expect([...carriers.keys()].sort()).toEqual(['EXIF GPS', 'XMP drone-dji']);
    for (const p of carriers.values()) {
      expect(Math.abs(p.lat - want.lat)).toBeLessThanOrEqual(1e-7);
      expect(Math.abs(p.lon - want.lon)).toBeLessThanOrEqual(1e-7);
    }
    expect(Number(after['GPS:GPSAltitude']) % 100).toBe(0);
  });

  it('the clean SRT, read by dji_srt_parser: no HOME, drone on the 1 km grid', () => {
    const [before, after] = srtCuePairs(
      readFileSync(join(kit, 'DJI_0002.SRT'), 'utf8'),
      readFileSync(join(kit, 'clean', 'DJI_0002.SRT'), 'utf8'),
      'DJI_0002.SRT',
    );
    expect(after).toHaveLength(before.length);
    for (const [i, b] of before.entries()) {
      const a = after[i];
      expect(b.home).toBeDefined();
      expect(a?.home).toBeUndefined();
      const want = gridCentre(b.drone as { lat: number; lon: number }, 1000);
      expect(Math.abs((a?.drone?.lat ?? 0) - want.lat)).toBeLessThanOrEqual(1e-7);
      expect(Math.abs((a?.drone?.lon ?? 0) - want.lon)).toBeLessThanOrEqual(1e-7);
    }
  });

  describe('the gateway record it writes', () => {
    const policyFile = () => join(kit, 'gateway', 'airlock.yaml');
    interface Exported {
      seq: number;
      row: {
        kind: string;
        destination?: string;
        qname?: string;
        verdict?: string;
        reason?: string;
        cut?: string;
        bytesUp?: number;
      };
    }
    const rows = (): Exported[] =>
      airlock(['log', 'export', '--json', '--policy', policyFile()])
        .stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Exported);

    it('verifies: every row chained under its key and anchored', () => {
      const r = airlock(['log', 'verify', '--policy', policyFile()]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ok: (\d+) rows, 1 unlock window, head \1:[0-9a-f]{64}; anchor seq \1\n$/);
    });

    it('refuses exactly the hosts its policy does not list, and lets the listed ones download', () => {
      // The policy file, read with the yaml library: the oracle for what is listed.
      const listed = (
        YAML.parse(readFileSync(policyFile(), 'utf8')) as { network: { allow: { host: string }[] } }
      ).network.allow.map((a) => a.host);
      const onList = (h: string) =>
        listed.some((l) => (l.startsWith('*.') ? h.endsWith(l.slice(1)) : h === l));
      const conns = rows().filter((r) => r.row.kind === 'connection');
      for (const { row } of conns) {
        const host = row.destination!;
        if (row.reason === 'hour-budget-spent') continue;
        expect(row.verdict === 'allow', host).toBe(onList(host));
      }
      expect(conns.some((r) => r.row.destination === 'dl.djicdn.com' && r.row.verdict === 'allow')).toBe(
        true,
      );
    });

    it('cuts each flight-record upload at 64 KiB, then spends the hour at 256 KiB', () => {
      const uploads = rows().filter((r) => r.row.destination === 'mydjiflight.dji.com' && r.row.cut);
      expect(uploads.length).toBeGreaterThan(0);
      for (const u of uploads) expect(u.row).toMatchObject({ cut: 'connection-budget', bytesUp: 64 * 1024 });
      const last = rows()
        .filter((r) => r.row.destination === 'mydjiflight.dji.com')
        .at(-1)!;
      expect(last.row).toMatchObject({ verdict: 'block', reason: 'hour-budget-spent', bytesUp: 0 });
      expect(uploads.length * 64 * 1024).toBe(256 * 1024);
    });

    it('the demo says how to look at it', () => {
      expect(demo.stdout).toContain(`airlock serve --policy ${policyFile()} --reports ${kit}`);
    });
  });

  describe('the tablet capture, read by tshark', () => {
    const capture = () => join(kit, 'capture', 'tablet.pcapng');
    const tshark = (args: string[]): string[] =>
      execFileSync('tshark', ['-n', '-r', capture(), ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split('\n')
        .filter(Boolean);
    const report = () => JSON.parse(readFileSync(join(kit, 'capture', 'audit.json'), 'utf8')) as AuditReport;
    const policyFile = () => join(kit, 'gateway', 'airlock.yaml');

    it('is a capture tshark reads whole: every checksum right, nothing malformed or warned about', () => {
      expect(tshark(['-T', 'fields', '-e', 'frame.number'])).toHaveLength(report().captures[0]!.packets);
      const bad = tshark([
        ...['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
        '-Y',
        '_ws.malformed or _ws.expert.severity >= warning or ip.checksum.status == 0 or tcp.checksum.status == 0 or udp.checksum.status == 0',
        ...['-T', 'fields', '-e', 'frame.number'],
      ]);
      expect(bad).toEqual([]);
    });

    it("the audit's destinations are the names tshark reads (SNI, Host), with the payload each way", () => {
      // The tablet: whoever sends the SYNs.
      const tablets = new Set(tshark(['-Y', 'tcp.flags == 0x002', '-T', 'fields', '-e', 'ip.src']));
      expect(tablets.size).toBe(1);
      const [tablet] = [...tablets];
      const nameOf = new Map<string, string>();
      for (const line of tshark([
        ...['-Y', 'tls.handshake.type == 1 or http.request'],
        ...['-T', 'fields', '-e', 'ip.dst', '-e', 'tls.handshake.extensions_server_name', '-e', 'http.host'],
      ])) {
        const [ip, sni, host] = line.split('\t');
        nameOf.set(ip!, sni || host!);
      }
      const bytes = new Map<string, { up: number; down: number }>();
      for (const line of tshark([
        '-Y',
        'tcp.len > 0',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'ip.dst',
        '-e',
        'tcp.len',
      ])) {
        const [src, dst, len] = line.split('\t');
        const server = src === tablet ? dst! : src!;
        const b = bytes.get(nameOf.get(server)!) ?? { up: 0, down: 0 };
        if (src === tablet) b.up += Number(len);
        else b.down += Number(len);
        bytes.set(nameOf.get(server)!, b);
      }
      const egress = report().destinations.filter((d) => d.scope === 'egress');
      expect(new Map(egress.map((d) => [d.name, { up: d.orig.bytes, down: d.resp.bytes }]))).toEqual(bytes);
      expect(bytes.size).toBe(6);
    });

    it('judged by the gateway policy (read with the yaml library): unlisted blocked, listed allowed, an upload over 64 KiB cut there', () => {
      const listed = (
        YAML.parse(readFileSync(policyFile(), 'utf8')) as { network: { allow: { host: string }[] } }
      ).network.allow.map((a) => a.host);
      const onList = (h: string) =>
        listed.some((l) => (l.startsWith('*.') ? h.endsWith(l.slice(1)) : h === l));
      const egress = report().destinations.filter((d) => d.scope === 'egress');
      for (const d of egress) {
        // The policy sets no budget: the default 64 KiB per connection.
        const want = !onList(d.name!) ? 'blocked' : d.maxConnectionUp > 64 * 1024 ? 'cut' : 'allowed';
        expect(d.outcome.kind, d.name!).toBe(want);
        if (want === 'cut') expect(d.outcome.cutAfterBytes).toBe(64 * 1024);
      }
      expect(egress.filter((d) => d.outcome.kind === 'cut').map((d) => d.name)).toEqual([
        'mydjiflight.dji.com',
      ]);
      expect(demo.stdout).toMatch(/mydjiflight\.dji\.com \(sni\).*cut after 65536 bytes/);
    });
  });
});
