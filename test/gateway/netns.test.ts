/**
 * The gateway box on a real topology: network namespaces tablet → gw → internet (netns/topology.ts),
 * the ruleset `airlock gateway rules` prints loaded by nft in gw, the real CLI (`node bin/airlock.js
 * gateway`) in gw with its transparent listeners, and real servers in the internet
 * (netns/internet.mjs: HTTPS with an openssl-made certificate, HTTP counting upload bytes, DNS).
 * The tablet uses no proxy: its default route and its DNS are the gw, as behind a Wi-Fi box.
 *
 * Oracles are outside Airlock: Debian's curl and Node's own clients as the tablet, the internet's
 * servers' byte and query counts, nft's counters, and `airlock log verify` on the chain.
 * Needs root, iproute2 and nftables (scripts/setup-test-deps.sh installs them).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { airlock, ensureBuilt } from '../cli/built.js';
import {
  ADDR,
  boxPolicyYaml,
  DNS_PER_MINUTE,
  GatewayBox,
  NAMES,
  RTK,
  requireNetns,
  TRICKLE,
  UP_BUDGET,
} from './netns/box.js';
import { selfSignedCert } from './self-signed.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-netns-'));
const policyFile = join(dir, 'airlock.yaml');
const BLOB = randomBytes(2 * 1024 * 1024 + 5);
const BLOB_SHA = createHash('sha256').update(BLOB).digest('hex');

const box = new GatewayBox(dir, policyFile);
const topo = box.topo;
const events = box.events;

// With the allowlist's extra ports: rtk.test on RTK.http and RTK.tls, the `other` listener on.
const policyYaml = (mode: string): string => boxPolicyYaml(mode, undefined, true);

const probe = (...args: string[]) => box.probe(...args);
/**
 * A control probe: a fresh topology's first packets can be lost while neighbour discovery settles
 * (TCP then waits out its 1 s initial RTO; seen for IPv6 here), so a control gets a few tries.
 */
const reaches = async (host: string, port: string): Promise<Record<string, unknown>> => {
  let r: Record<string, unknown> = {};
  for (let i = 0; i < 4 && r.connected !== true; i++) r = await probe('tcp', host, port);
  return r;
};
const curl = (args: string[]) => box.curl(args);
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const exported = () => box.exported();
const counter = (name: string): number => box.counter(name);
const eventsOf = (ev: string) => box.eventsOf(ev);

beforeAll(async () => {
  requireNetns();
  ensureBuilt();
  selfSignedCert(dir, ['files.test', 'up.test', 'elsewhere.test', 'rtk.test']);
  writeFileSync(join(dir, 'blob.bin'), BLOB);
  writeFileSync(policyFile, policyYaml('one-way'));
  topo.create();
  await box.startInternet(join(dir, 'blob.bin'), NAMES);

  // Controls: before the rules, the tablet reaches the internet directly over IPv4 and IPv6 and
  // on port 853, so each bypass probe below fails because of the rules, not the topology.
  expect(await reaches(ADDR.internet, '853')).toEqual({ connected: true });
  expect(await reaches(ADDR.internet6, '80')).toEqual({ connected: true });

  box.loadRules();
  events.length = 0;
  await box.startGateway();
}, 60_000);

afterAll(() => {
  box.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('transparent gateway in network namespaces: one-way', () => {
  it('HTTPS download of an allowlisted name passes intact (SNI-routed, DNS through the gw)', async () => {
    const r = await topo.run(topo.ns.tablet, '/usr/bin/curl', [
      '-sS',
      '--max-time',
      '10',
      '--cacert',
      join(dir, 'cert.pem'),
      '-o',
      join(dir, 'got-https.bin'),
      'https://files.test/blob',
    ]);
    expect(r.stderr).toBe('');
    expect(sha(readFileSync(join(dir, 'got-https.bin')))).toBe(BLOB_SHA);
    // The server reports a TLS connection when it closes, which may come after curl exits.
    await vi.waitFor(() => expect(eventsOf('tls')).toContainEqual({ ev: 'tls', sni: 'files.test' }));
  });

  it('HTTP download by Host passes intact, and the server sees the gw, never the tablet', async () => {
    const r = await curl(['-o', join(dir, 'got-http.bin'), 'http://files.test/blob']);
    expect(r.stderr).toBe('');
    expect(sha(readFileSync(join(dir, 'got-http.bin')))).toBe(BLOB_SHA);
    const froms = new Set(
      eventsOf('conn')
        .filter((e) => e.host === 'files.test')
        .map((e) => e.from),
    );
    expect(froms.size).toBeGreaterThan(0);
    expect([...froms].every((f) => String(f).endsWith(ADDR.gwWan))).toBe(true);
  });

  it('SNI aimed at another address reaches the NAME as the gw resolves it (spoofing gains nothing)', async () => {
    // 198.18.0.77 exists nowhere: only the gateway's own lookup of files.test can make this work.
    const r = await curl([
      '--resolve',
      'files.test:443:198.18.0.77',
      '-o',
      join(dir, 'got-spoof.bin'),
      'https://files.test/blob',
    ]);
    expect(r.stderr).toBe('');
    expect(sha(readFileSync(join(dir, 'got-spoof.bin')))).toBe(BLOB_SHA);
  });

  it('a name off the allowlist gets NXDOMAIN, and refused over SNI even when the client resolves it itself', async () => {
    const d = await probe('dns', ADDR.gwLan, 'elsewhere.test');
    expect(d).toMatchObject({ rcode: 3 });
    const r = await curl(['--resolve', `elsewhere.test:443:${ADDR.internet}`, 'https://elsewhere.test/blob']);
    expect(r.code).not.toBe(0);
    expect(eventsOf('tls').some((e) => e.sni === 'elsewhere.test')).toBe(false);
  });

  it('an upload over the per-connection budget is cut at the budget byte and logged', async () => {
    writeFileSync(join(dir, 'upload.bin'), randomBytes(50_000));
    const before = eventsOf('conn').length;
    const r = await curl([
      '-H',
      'Expect:',
      '--data-binary',
      `@${join(dir, 'upload.bin')}`,
      'http://up.test/flight-records',
    ]);
    expect(r.code).not.toBe(0);
    await vi.waitFor(() =>
      expect(
        eventsOf('conn')
          .slice(before)
          .some((e) => e.host === 'up.test'),
      ).toBe(true),
    );
    expect(
      eventsOf('conn')
        .slice(before)
        .find((e) => e.host === 'up.test'),
    ).toMatchObject({ bytes: UP_BUDGET });
    await vi.waitFor(() =>
      expect(exported()).toContainEqual(
        expect.objectContaining({
          destination: 'up.test',
          cut: 'connection-budget',
          bytesUp: UP_BUDGET,
          port: 80,
        }),
      ),
    );
  });

  it('an upload trickled under the per-connection budget over many connections stops at the hourly budget', async () => {
    const before = eventsOf('conn').length;
    writeFileSync(join(dir, 'trickle.bin'), randomBytes(2500));
    for (let i = 0; i < 6; i++)
      await curl([
        '-H',
        'Expect:',
        '--data-binary',
        `@${join(dir, 'trickle.bin')}`,
        'http://trickle.test/sync',
      ]);
    await new Promise((res) => setTimeout(res, 300));
    const got = eventsOf('conn')
      .slice(before)
      .filter((e) => e.host === 'trickle.test')
      .reduce((n, e) => n + Number(e.bytes), 0);
    expect(got).toBe(TRICKLE.perHour);
    const rows = exported().filter((x) => x.destination === 'trickle.test');
    expect(rows.some((x) => x.cut === 'hour-budget')).toBe(true);
    expect(rows.some((x) => x.reason === 'hour-budget-spent' && x.verdict === 'block')).toBe(true);
  });
});

describe("the allowlist's extra ports, transparently (an RTK caster on 2101 and 5443)", () => {
  it('plain HTTP on a listed port passes intact, to the NAME on that port, logged with the port', async () => {
    const r = await curl(['-o', join(dir, 'got-rtk-http.bin'), `http://rtk.test:${RTK.http}/blob`]);
    expect(r.stderr).toBe('');
    expect(sha(readFileSync(join(dir, 'got-rtk-http.bin')))).toBe(BLOB_SHA);
    await vi.waitFor(() =>
      expect(exported()).toContainEqual(
        expect.objectContaining({
          kind: 'connection',
          destination: 'rtk.test',
          port: RTK.http,
          verdict: 'allow',
          ip: ADDR.internet,
        }),
      ),
    );
  });

  it('TLS on a listed port passes intact by SNI, even aimed at another address', async () => {
    const r = await curl(['-o', join(dir, 'got-rtk-tls.bin'), `https://rtk.test:${RTK.tls}/blob`]);
    expect(r.stderr).toBe('');
    expect(sha(readFileSync(join(dir, 'got-rtk-tls.bin')))).toBe(BLOB_SHA);
    // 198.18.0.77 exists nowhere: only the gateway's own lookup of rtk.test can make this work.
    const spoof = await curl([
      '--resolve',
      `rtk.test:${RTK.tls}:198.18.0.77`,
      '-o',
      join(dir, 'got-rtk-spoof.bin'),
      `https://rtk.test:${RTK.tls}/blob`,
    ]);
    expect(spoof.stderr).toBe('');
    expect(sha(readFileSync(join(dir, 'got-rtk-spoof.bin')))).toBe(BLOB_SHA);
    await vi.waitFor(() =>
      expect(eventsOf('tls').filter((e) => e.sni === 'rtk.test' && e.port === RTK.tls)).toHaveLength(2),
    );
    await vi.waitFor(() =>
      expect(
        exported().filter((x) => x.destination === 'rtk.test' && x.port === RTK.tls && x.verdict === 'allow'),
      ).toHaveLength(2),
    );
  });

  it('only listed ports are redirected: another port is still dropped (lan_tcp), the server sees nothing', async () => {
    // The listed port reaches the gateway (it accepts, and waits for a name)...
    expect(await probe('tcp', ADDR.internet, String(RTK.http))).toEqual({ connected: true });
    // ...the one next to it, listed by no entry, meets the forward chain's drop.
    const n = counter('lan_tcp');
    expect(await probe('tcp', ADDR.internet, String(RTK.unlisted))).toMatchObject({ connected: false });
    expect(counter('lan_tcp')).toBeGreaterThan(n);
    expect(eventsOf('bypass-tcp')).toEqual([]);
  });

  it('a listed port is refused port-not-allowed for a name whose entry does not list it', async () => {
    const before = eventsOf('conn').length;
    const h = await curl(['-i', `http://files.test:${RTK.http}/blob`]);
    expect(h.stdout).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: port-not-allowed/);
    const t = await curl([`https://files.test:${RTK.tls}/blob`]);
    expect(t.code).not.toBe(0);
    await vi.waitFor(() => {
      const rows = exported().filter(
        (x) => x.destination === 'files.test' && x.reason === 'port-not-allowed',
      );
      expect(rows.map((x) => x.port).sort()).toEqual([RTK.http, RTK.tls]);
    });
    expect(eventsOf('conn').slice(before)).toEqual([]);
    expect(eventsOf('tls').some((e) => e.sni === 'files.test' && e.port === RTK.tls)).toBe(false);
  });

  it("an upload on a listed port is cut at its entry's per-connection budget", async () => {
    writeFileSync(join(dir, 'rtk-upload.bin'), randomBytes(50_000));
    const before = eventsOf('conn').length;
    const r = await curl([
      '-H',
      'Expect:',
      '--data-binary',
      `@${join(dir, 'rtk-upload.bin')}`,
      `http://rtk.test:${RTK.http}/ntrip-gga`,
    ]);
    expect(r.code).not.toBe(0);
    const mine = () =>
      eventsOf('conn')
        .slice(before)
        .filter((e) => e.host === `rtk.test:${RTK.http}`);
    await vi.waitFor(() => expect(mine().length).toBeGreaterThan(0));
    expect(mine().reduce((n, e) => n + Number(e.bytes), 0)).toBe(RTK.budget);
    await vi.waitFor(() =>
      expect(exported()).toContainEqual(
        expect.objectContaining({
          destination: 'rtk.test',
          cut: 'connection-budget',
          bytesUp: RTK.budget,
          port: RTK.http,
        }),
      ),
    );
  });
});

describe('an NTRIP 1.0 rover behind the box (RTKLIB str2str, naming no host)', () => {
  it("reaches the caster whose entry claims unnamed connections: ICY stream down, positions up, logged under the caster's name", async () => {
    const out = join(dir, 'rover.bin');
    // The rover aims at the caster's address, as it was configured: no Host in its request.
    await box.ntripRover(out, 3000);
    await vi.waitFor(() => expect(eventsOf('ntrip').length).toBeGreaterThan(0));
    const [e] = eventsOf('ntrip');
    // Through the box's rules, conntrack's port, the claim: the caster got the name as Host.
    expect(e!.head).toMatch(
      /^GET \/MNT HTTP\/1\.0\r\nHost: caster\.test\r\nUser-Agent: NTRIP RTKLIB\/[\d.]+\r\n/,
    );
    expect(String(e!.after)).toMatch(/^\$G[NP]GGA,/);
    expect(String(e!.from).endsWith(ADDR.gwWan)).toBe(true);
    expect(readFileSync(out).length).toBeGreaterThanOrEqual(1024);
    await vi.waitFor(() =>
      expect(exported()).toContainEqual(
        expect.objectContaining({
          destination: 'caster.test',
          name: 'caster.test',
          claimed: true,
          port: RTK.ntrip,
          verdict: 'allow',
          bytesUp: String(e!.head).length + String(e!.after).length,
        }),
      ),
    );
    // What an auditor reads: the name came from the policy, not from the connection.
    const shown = airlock(['log', 'show', '--policy', policyFile]).stdout;
    expect(shown).toMatch(
      new RegExp(`→ caster\\.test:${RTK.ntrip} \\(no name sent; claimed\\) allow \\(allowlisted\\)`),
    );
  });
});

describe('bypass probes from the tablet: each fails and is counted or logged', () => {
  it('IPv6 to the internet is dropped (nft counter lan_ipv6)', async () => {
    const n = counter('lan_ipv6');
    expect(await probe('tcp', ADDR.internet6, '443')).toMatchObject({ connected: false });
    expect(counter('lan_ipv6')).toBeGreaterThan(n);
  });

  it('TCP to DoT 853 and MQTT 8883 is dropped (lan_tcp), the servers see nothing', async () => {
    const n = counter('lan_tcp');
    expect(await probe('tcp', ADDR.internet, '853')).toMatchObject({ connected: false });
    expect(await probe('tcp', ADDR.internet, '8883')).toMatchObject({ connected: false });
    expect(counter('lan_tcp')).toBeGreaterThan(n);
    expect(eventsOf('bypass-tcp')).toEqual([]);
  });

  it('UDP 443 (QUIC) is dropped (lan_udp), the server sees nothing', async () => {
    const n = counter('lan_udp');
    expect(await probe('udp', ADDR.internet, '443')).toEqual({ sent: true });
    await new Promise((res) => setTimeout(res, 200));
    expect(counter('lan_udp')).toBeGreaterThan(n);
    expect(eventsOf('bypass-udp')).toEqual([]);
  });

  it("DNS straight to the internet's resolver is answered by Airlock (redirected), refused and logged", async () => {
    const name = `direct-${randomBytes(4).toString('hex')}.example`;
    expect(await probe('dns', ADDR.internet, name)).toMatchObject({ rcode: 3 });
    expect(eventsOf('dns').some((e) => e.name === name)).toBe(false);
    await vi.waitFor(() =>
      expect(exported()).toContainEqual(
        expect.objectContaining({ kind: 'dns', qname: name, verdict: 'block' }),
      ),
    );
  });

  it('an IP-literal HTTPS connection (no SNI) is refused and logged as no-name', async () => {
    const r = await topo.run(topo.ns.tablet, '/usr/bin/curl', [
      '-sS',
      '-k',
      '--max-time',
      '5',
      `https://${ADDR.internet}/blob`,
    ]);
    expect(r.code).not.toBe(0);
    await vi.waitFor(() =>
      expect(exported()).toContainEqual(
        expect.objectContaining({ kind: 'connection', reason: 'no-name', verdict: 'block', port: 0 }),
      ),
    );
  });

  it('a TLS ClientHello without SNI to an allowlisted server is refused, the server sees no handshake', async () => {
    const tlsBefore = eventsOf('tls').length;
    const rowsBefore = exported().filter((x) => x.reason === 'no-name').length;
    expect(await probe('tls', ADDR.internet, '443', '-')).toMatchObject({ handshake: false });
    expect(eventsOf('tls').length).toBe(tlsBefore);
    await vi.waitFor(() =>
      expect(exported().filter((x) => x.reason === 'no-name').length).toBe(rowsBefore + 1),
    );
  });

  it('a burst of long random DNS names (tunnelling) into an allowlisted zone hits the length and rate limits', async () => {
    const long = await probe('dns-burst', ADDR.gwLan, 'cdn.test', '8', '100');
    expect(long).toMatchObject({ answered: 0 });
    const short = await probe('dns-burst', ADDR.gwLan, 'cdn.test', String(DNS_PER_MINUTE + 20), '16');
    const sent = new Set([...(long.names as string[]), ...(short.names as string[])]);
    const reached = eventsOf('dns').filter((e) => sent.has(String(e.name)));
    // Long names never leave; short ones leave only up to the per-minute rate.
    expect(reached.every((e) => String(e.name).length <= 64)).toBe(true);
    expect(reached.length).toBeLessThan(DNS_PER_MINUTE);
    expect(short.refused).toBeGreaterThanOrEqual(20);
    const reasons = new Set(
      exported()
        .filter((x) => x.kind === 'dns')
        .map((x) => x.reason),
    );
    expect(reasons).toContain('dns-name-too-long');
    expect(reasons).toContain('dns-rate');
  });
});

describe('sealed, then the record', () => {
  it('after SIGHUP to sealed, nothing leaves: DNS refused, HTTPS and HTTP refused, all logged', async () => {
    writeFileSync(policyFile, policyYaml('sealed'));
    box.gateway?.kill('SIGHUP');
    await vi.waitFor(() => expect(box.gatewayErr).toMatch(/policy reloaded: mode sealed/));
    const tlsBefore = eventsOf('tls').length;
    const r = await curl(['--resolve', `files.test:443:${ADDR.internet}`, 'https://files.test/blob']);
    expect(r.code).not.toBe(0);
    const h = await curl(['-i', '--resolve', `files.test:80:${ADDR.internet}`, 'http://files.test/blob']);
    expect(h.stdout).toMatch(/^HTTP\/1\.1 403 [\s\S]*X-Airlock-Reason: sealed/);
    expect(eventsOf('tls').length).toBe(tlsBefore);
    await vi.waitFor(() =>
      expect(
        exported().filter((x) => x.kind === 'connection' && x.reason === 'sealed').length,
      ).toBeGreaterThanOrEqual(2),
    );
  });

  it('log verify passes on the whole record after the gateway stops', async () => {
    await box.stopGateway();
    const v = airlock(['log', 'verify', '--policy', policyFile]);
    expect(v.stdout).toMatch(/^ok: \d+ rows/);
    expect(v.code).toBe(0);
    const shown = airlock(['log', 'show', '--policy', policyFile]).stdout;
    expect(shown).toMatch(/no-name/);
    expect(shown).toMatch(/cut: connection-budget/);
  });
});
