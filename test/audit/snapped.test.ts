/**
 * A capture taken with a snap length keeps only each packet's first bytes: what crossed the wire
 * is in its IP and TCP headers, not in what was kept. Bytes up and down, the largest connection
 * and the largest hour are counted from the headers (tshark's tcp.len), so they agree with each
 * other and with the whole capture's, and the report warns that payload past the cut (a name)
 * was not read. Oracle: tshark's tcp.len sums and frame lengths on the corpus putty upload cut
 * with `editcap -s 96`, written as pcap and as pcapng.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCaptures } from '../../src/audit/run.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { corpusFile } from '../helpers/corpus.js';
import { framesMatching, pcapRecordOffsets, tcpPayloadByStream } from './tshark.js';

/** An 83 KB upload over HTTP to localhost:8080, in two connections. */
const PUTTY = corpusFile('pcap/zeek-http-putty-upload.pcap');
const SNAP = 96;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-snapped-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`a capture cut to ${SNAP} bytes a packet`, () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    it(`${format}: bytes up and down are tshark's tcp.len sums, the whole capture's, and the largest connection agrees`, async () => {
      const snapped = join(dir, `putty-${SNAP}.${format}`);
      execFileSync('editcap', ['-F', format, '-s', String(SNAP), PUTTY, snapped]);
      const streams = [...tcpPayloadByStream(snapped).values()];
      const up = streams.reduce((a, s) => a + s.up, 0);
      const down = streams.reduce((a, s) => a + s.down, 0);
      expect(up).toBeGreaterThan(80_000); // tshark reads the lengths from the headers
      const r = await auditCaptures([snapped], { policy: defaultPolicy() });
      const [d] = r.destinations;
      expect(r.destinations).toHaveLength(1);
      expect([d!.orig.bytes, d!.resp.bytes]).toEqual([up, down]);
      expect(d!.maxConnectionUp).toBe(Math.max(...streams.map((s) => s.up)));
      expect(d!.maxHourUp).toBe(up);
      expect(d!.verdict).toBe('upload');
      // The same figures as the whole capture's.
      const whole = (await auditCaptures([PUTTY], { policy: defaultPolicy() })).destinations[0]!;
      expect([whole.orig, whole.resp, whole.maxConnectionUp]).toEqual([d!.orig, d!.resp, d!.maxConnectionUp]);
    });
  }

  it('warns once, at the first packet cut, with how many were', async () => {
    const snapped = join(dir, `putty-${SNAP}-warn.pcap`);
    execFileSync('editcap', ['-F', 'pcap', '-s', String(SNAP), PUTTY, snapped]);
    const cut = framesMatching(snapped, 'frame.cap_len < frame.len');
    expect(cut.length).toBeGreaterThan(0);
    const r = await auditCaptures([snapped], { policy: defaultPolicy() });
    const cap = r.captures[0]!;
    const offsets = pcapRecordOffsets(new Uint8Array(readFileSync(snapped)));
    const warnings = cap.warnings.filter((w) => w.name === 'snapped');
    expect(warnings.map((w) => w.offset)).toEqual([offsets[cut[0]! - 1]]);
    expect(warnings[0]!.detail).toContain(`${cut.length} packets were cut by the capture's snap length`);
    expect(warnings[0]!.detail).toContain('not read');
    // Every record was read: a warning, not a capture partly read.
    expect(cap.status).toBe('read');
    // The whole capture has none.
    const whole = (await auditCaptures([PUTTY], { policy: defaultPolicy() })).captures[0]!;
    expect(whole.warnings.map((w) => w.name)).not.toContain('snapped');
  });
});
