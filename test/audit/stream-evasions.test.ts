/**
 * A client that plays TCP/IP reassembly against the audit (QA's /tmp/qa-audit REPORT.md, checked
 * there against what a Linux socket reads through a TUN device): the audit reads what the gateway's
 * Linux stack reads, and where two copies of the client's bytes differ, or the stream cannot be
 * read as Linux reads it, it says so and counts the connection toward exit 1 (fail closed).
 *  - overlapping out-of-order segments: the same start, the later longer (Linux replaces the held
 *    one), or a later one starting lower (Linux drains by sequence number): the evil name, flagged;
 *  - a keep-alive HTTP request's Host made ambiguous the same way: request 2 judged by Linux's copy;
 *  - out-of-order segments past the hold, that no merge makes room for: flagged, not a quiet unheard;
 *  - a RST in the window but not at the next sequence number, a FIN 1 MiB ahead: Linux acts on
 *    neither, so the ClientHello after them is read;
 *  - no head read but bytes held past a gap the capture never fills, then the client's RST (or the
 *    handshake timeout): judged as the gateway judges a connection without a name, not unheard;
 *  - overlapping IP fragments: Linux discards the datagram; its whole retransmission is read;
 *  - one forged sequence number 10 or 20 MiB ahead: the budget still cuts at 64 KiB, `sent` the
 *    bytes carried;
 *  - urgent data (URG): Linux takes the urgent byte out of the stream; flagged.
 * The captures are written by scapy (below), tshark reads what they hold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgedFlow } from '../../src/audit/flow-state.js';
import { auditCaptures } from '../../src/audit/run.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { AuditReport } from '../../src/report/audit/model.js';

const WRITER = String.raw`
import sys
from scapy.all import IP, TCP, Ether, PcapWriter, Raw, raw
from scapy_frames import client_hello

C, S = "10.9.0.2", "198.18.7.7"
out = sys.argv[1]

class Conn:
    def __init__(self, sport, dport=443):
        self.sport, self.dport, self.isn, self.sisn, self.frames = sport, dport, 1000, 5000, []
    def c(self, off, data=b"", flags="PA", seq=None, urg=None):
        t = TCP(sport=self.sport, dport=self.dport, flags=flags, seq=(self.isn + 1 + off if seq is None else seq) & 0xffffffff, ack=self.sisn + 1)
        if urg is not None: t.urgptr = urg
        self.frames.append(IP(src=C, dst=S) / t / (Raw(data) if data else b""))
    def s(self, data=b"", flags="A", ack_off=0):
        self.frames.append(IP(src=S, dst=C) / TCP(sport=self.dport, dport=self.sport, flags=flags, seq=self.sisn + 1, ack=self.isn + 1 + ack_off) / (Raw(data) if data else b""))
    def handshake(self):
        self.frames.append(IP(src=C, dst=S) / TCP(sport=self.sport, dport=self.dport, flags="S", seq=self.isn))
        self.frames.append(IP(src=S, dst=C) / TCP(sport=self.dport, dport=self.sport, flags="SA", seq=self.sisn, ack=self.isn + 1))
        self.c(0, flags="A")
    def close(self, off):
        self.c(off, flags="FA")
        self.frames.append(IP(src=S, dst=C) / TCP(sport=self.dport, dport=self.sport, flags="FA", seq=self.sisn + 1, ack=self.isn + 2 + off))
    def write(self, name, gaps=()):
        w = PcapWriter(f"{out}/{name}.pcap", linktype=1, sync=True)
        t = 1700000000.0
        for i, f in enumerate(self.frames):
            t += gaps[i] if i < len(gaps) else 0.001
            f = Ether() / f
            f.time = t
            w.write(f)
        w.close()

GOOD = client_hello("good.test")
X = GOOD.index(b"good.test")
EVIL = GOOD.replace(b"good.test", b"evil.test")

a = Conn(41000); a.handshake(); a.c(0, GOOD); a.s(ack_off=len(GOOD)); a.close(len(GOOD)); a.write("baseline")

# Same start, the later copy longer: Linux replaces the held one (tcp_data_queue_ofo).
a = Conn(41001); a.handshake()
a.c(X, GOOD[X:X + 5]); a.c(X, EVIL[X:]); a.c(0, GOOD[:X]); a.c(X + 5, GOOD[X + 5:])
a.s(ack_off=len(GOOD)); a.close(len(GOOD)); a.write("same-start")

# A later held segment starting lower: Linux drains by sequence number, it is read first.
a = Conn(41002); a.handshake()
a.c(X, GOOD[X:]); a.c(X - 5, EVIL[X - 5:X + 9]); a.c(0, GOOD[:X])
a.s(ack_off=len(GOOD)); a.close(len(GOOD)); a.write("lower-start")

# Keep-alive HTTP, request 2's Host as in same-start.
r1 = b"GET /a HTTP/1.1\r\nHost: good.test\r\n\r\n"
r2 = b"POST /b HTTP/1.1\r\nHost: good.test\r\nContent-Length: 4\r\n\r\nDATA"
H = r2.index(b"good.test"); r2e = r2.replace(b"good.test", b"evil.test"); R = len(r1)
a = Conn(41003, 80); a.handshake(); a.c(0, r1)
a.s(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "PA", R)
a.c(R + H, r2[H:H + 9]); a.c(R + H, r2e[H:]); a.c(R, r2[:H]); a.c(R + H + 9, r2[H + 9:])
a.close(R + len(r2)); a.write("keep-alive")

# 340 one-byte segments at odd offsets, last first (none touching another), then the even ones.
req = b"POST /up HTTP/1.1\r\nHost: evil.test\r\nX-Pad: " + b"a" * 640 + b"\r\nContent-Length: 0\r\n\r\n"
a = Conn(41004, 80); a.handshake()
for i in reversed(range(1, len(req), 2)): a.c(i, req[i:i + 1])
for i in range(0, len(req), 2): a.c(i, req[i:i + 1])
a.close(len(req)); a.write("hold-full")

def upload(a, off, n):
    for i in range(n):
        d = b"\x17\x03\x03\x03\xfb" + b"U" * 1019
        a.c(off, d); off += len(d)
    return off

# A RST in the window, not at the next sequence number (a challenge ACK), then the hello and 20 KiB.
a = Conn(41005); a.handshake(); a.c(1000, flags="RA"); a.s(); a.c(0, EVIL)
a.close(upload(a, len(EVIL), 20)); a.write("rst-in-window")
# The same with the RST at the next sequence number: Linux resets, nothing was read.
a = Conn(41006); a.handshake(); a.c(0, flags="RA"); a.write("rst-at-next")
# A FIN 1 MiB ahead: held out of order, never reached.
a = Conn(41007); a.handshake(); a.c(1024 * 1024, flags="FA"); a.s(); a.c(0, EVIL)
a.close(upload(a, len(EVIL), 20)); a.write("fin-ahead")

# The hello but its first byte (lost to the capture, or never sent), then a RST at the next
# sequence number; and the same ended by the handshake timeout (3 s) with the capture running on.
a = Conn(41008); a.handshake(); a.c(1, EVIL[1:]); a.c(0, flags="RA"); a.write("held-then-rst")
a = Conn(41009); a.handshake(); a.c(1, EVIL[1:]); a.s(); a.write("held-then-timeout", gaps=[0.001] * 4 + [4.0])

# The hello for good.test in two IPv4 fragments overlapping by 8 bytes, then whole for evil.test.
a = Conn(41010); a.handshake()
body = raw(IP(src=C, dst=S) / TCP(sport=41010, dport=443, flags="PA", seq=1001, ack=5001) / Raw(GOOD))[20:]
a.frames.append(IP(src=C, dst=S, id=777, flags="MF", frag=0, proto=6) / Raw(body[:64]))
a.frames.append(IP(src=C, dst=S, id=777, flags=0, frag=7, proto=6) / Raw(body[56:]))
a.c(0, EVIL); a.s(ack_off=len(EVIL)); a.close(len(EVIL)); a.write("fragments")

# 200 KiB up to good.test after the hello, one 1-byte segment 20 MiB (10 MiB) ahead first.
for port, jump, name in ((41011, 20 * 1024 * 1024, "jump-20m"), (41012, 10 * 1024 * 1024, "jump-10m")):
    a = Conn(port); a.handshake(); a.c(0, GOOD); a.s(ack_off=len(GOOD))
    a.c(len(GOOD) + jump, b"X")
    a.close(upload(a, len(GOOD), 200)); a.write(name)

# The hello with URG and an urgent pointer inside it.
a = Conn(41013); a.handshake(); a.c(0, GOOD, "PAU", urg=X + 1); a.s(ack_off=len(GOOD)); a.close(len(GOOD)); a.write("urgent")
`;

let dir: string;
const pcap = (name: string) => join(dir, `${name}.pcap`);

async function audit(
  name: string,
  mode: 'one-way' | 'monitor' | 'sealed' = 'one-way',
): Promise<{ r: AuditReport; flows: JudgedFlow[]; warnings: { name: string; detail: string }[] }> {
  const p = defaultPolicy();
  p.network.mode = mode;
  p.network.allow = [{ host: 'good.test' }];
  p.network.budgets.upstreamBytesPerConnection = 65536;
  p.gateway.handshakeTimeoutSeconds = 3;
  const flows: JudgedFlow[] = [];
  const r = await auditCaptures([pcap(name)], { policy: p, onFlow: (f) => flows.push(f) });
  const warnings = r.captures.flatMap((c) => c.warnings.map((w) => ({ name: w.name, detail: w.detail })));
  return { r, flows, warnings };
}

/** Each connection as `name outcome/reason`. */
const rows = (flows: JudgedFlow[]) =>
  flows.flatMap((f) => f.connections.map((c) => `${c.name ?? null} ${c.outcome.kind}/${c.outcome.reason}`));

const tshark = (name: string, args: string[]): string =>
  execFileSync('tshark', ['-n', '-r', pcap(name), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();

/** tshark's sum of tcp.len from the client's port `sport`. */
const lenSum = (name: string, sport: number): number =>
  tshark(name, ['-Y', `tcp.srcport == ${sport}`, '-T', 'fields', '-e', 'tcp.len'])
    .split('\n')
    .reduce((a, n) => a + Number(n), 0);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-s24-'));
  const script = join(dir, 'write.py');
  writeFileSync(script, WRITER);
  execFileSync('/usr/bin/python3', [script, dir], {
    env: { ...process.env, PYTHONPATH: new URL('.', import.meta.url).pathname },
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the audit reads what Linux reads, and flags what it cannot', () => {
  it('a plain connection: allowed, no warning, exit 0 (the control)', async () => {
    const { r, flows, warnings } = await audit('baseline');
    expect(rows(flows)).toEqual(['good.test allowed/allowlisted']);
    expect(warnings).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('same start, the later copy longer: Linux replaces the held one; flagged at the name', async () => {
    const { r, flows, warnings } = await audit('same-start');
    expect(rows(flows)).toEqual(['evil.test blocked/not-allowlisted']);
    expect(warnings).toEqual([
      {
        name: 'stream-ambiguous',
        detail: expect.stringMatching(
          /^F1 \(10\.9\.0\.2:41001 to 198\.18\.7\.7:443\): two copies of the client's stream bytes at stream offset \d+ differ.*counted toward exit 1$/,
        ),
      },
    ]);
    expect(r.destinations.find((d) => d.name === 'evil.test')!.outcome.detail).toContain('1 ambiguous');
    expect(r.exitCode).toBe(1);
  });

  it('a later held segment that starts lower is read first (by sequence number, as tshark does)', async () => {
    const { r, flows, warnings } = await audit('lower-start');
    expect(rows(flows)).toEqual(['evil.test blocked/not-allowlisted']);
    expect(warnings.map((w) => w.name)).toEqual(['stream-ambiguous']);
    expect(r.exitCode).toBe(1);
    expect(
      tshark('lower-start', [
        '-o',
        'tcp.reassemble_out_of_order:TRUE',
        '-Y',
        'tls.handshake.type == 1',
        '-T',
        'fields',
        '-e',
        'tls.handshake.extensions_server_name',
      ]),
    ).toBe('evil.test');
  });

  it("keep-alive HTTP: request 2's Host is Linux's copy, flagged", async () => {
    const { r, flows, warnings } = await audit('keep-alive');
    expect(rows(flows)).toEqual(['good.test allowed/allowlisted', 'evil.test blocked/not-allowlisted']);
    expect(warnings.map((w) => w.name)).toEqual(['stream-ambiguous']);
    expect(r.exitCode).toBe(1);
  });

  it('segments past a gap beyond what the audit holds: flagged, judged without a name, not unheard', async () => {
    const { r, flows, warnings } = await audit('hold-full');
    expect(rows(flows)).toEqual(['null blocked/no-name']);
    expect(warnings).toEqual([
      {
        name: 'stream-ambiguous',
        detail: expect.stringContaining('more segments past a gap than the audit holds'),
      },
    ]);
    expect(r.exitCode).toBe(1);
    // All of it is in the capture: tshark, reassembling out of order, reads the whole request.
    expect(
      tshark('hold-full', [
        '-o',
        'tcp.reassemble_out_of_order:TRUE',
        '-Y',
        'http.request',
        '-T',
        'fields',
        '-e',
        'http.host',
      ]),
    ).toBe('evil.test');
  });

  it('a RST in the window but not at the next sequence number ends nothing: the hello after it is read', async () => {
    const { r, flows } = await audit('rst-in-window');
    expect(rows(flows)).toEqual(['evil.test blocked/not-allowlisted']);
    // Every byte it carried counts up (tshark's tcp.len sum: the hello and 20 KiB).
    expect(flows[0]!.orig.streamBytes).toBe(lenSum('rst-in-window', 41005));
    expect(r.exitCode).toBe(1);
  });

  it('a RST at the next sequence number still ends the wait: unheard client-closed, exit 0', async () => {
    const { r, flows } = await audit('rst-at-next');
    expect(rows(flows)).toEqual(['null unheard/client-closed']);
    expect(r.exitCode).toBe(0);
  });

  it('a FIN 1 MiB ahead is held, never reached: the hello after it is read', async () => {
    const { r, flows } = await audit('fin-ahead');
    expect(rows(flows)).toEqual(['evil.test blocked/not-allowlisted']);
    expect(r.exitCode).toBe(1);
  });

  for (const name of ['held-then-rst', 'held-then-timeout'])
    it(`${name}: bytes up the audit could not put in order are no unheard connection`, async () => {
      const want = { 'one-way': 'blocked/no-name', sealed: 'blocked/sealed', monitor: 'allowed/monitor' };
      for (const mode of ['one-way', 'sealed', 'monitor'] as const) {
        const { r, flows } = await audit(name, mode);
        expect([mode, ...rows(flows)]).toEqual([mode, `null ${want[mode]}`]);
        if (mode !== 'monitor')
          expect(flows[0]!.outcome).toMatchObject({
            detail: expect.stringContaining('no head was read, yet'),
          });
        expect(r.exitCode).toBe(mode === 'monitor' ? 0 : 1);
      }
    });

  it('overlapping IP fragments: the datagram is discarded, as Linux does; the retransmission is read', async () => {
    const { r, flows, warnings } = await audit('fragments');
    expect(rows(flows)).toEqual(['evil.test blocked/not-allowlisted']);
    expect(warnings.map((w) => w.name)).toEqual(['fragment-overlap']);
    expect(warnings[0]!.detail).toContain('discarded');
    expect(r.exitCode).toBe(1);
  });

  for (const name of ['jump-20m', 'jump-10m'])
    it(`${name}: one forged sequence number far ahead does not disable the budget`, async () => {
      const { flows } = await audit(name);
      const c = flows[0]!.connections[0]!;
      expect(c.outcome).toMatchObject({ kind: 'cut', afterBytes: 65536 });
      expect(c.up).toBe(65536);
      // tshark's sum of tcp.len: the bytes the capture carries (the hello, 200 KiB, the forged byte).
      const sent = lenSum(name, name === 'jump-20m' ? 41011 : 41012);
      expect(sent).toBeGreaterThan(200 * 1024);
      // Never fewer than were carried. Past any gap (20 MiB) the forged byte counts alone; within
      // one (10 MiB) its gap counts as sent too, as bytes a capture missed do (Zeek's orig_bytes).
      if (name === 'jump-20m') expect(c.orig.streamBytes).toBe(sent);
      else expect(c.orig.streamBytes).toBeGreaterThanOrEqual(sent);
    });

  it('urgent data: flagged (Linux reads the stream without the urgent byte)', async () => {
    const { r, flows, warnings } = await audit('urgent');
    expect(rows(flows)).toEqual(['good.test allowed/allowlisted']);
    expect(warnings).toEqual([
      { name: 'stream-ambiguous', detail: expect.stringContaining('TCP urgent data') },
    ]);
    expect(r.exitCode).toBe(1);
  });
});
