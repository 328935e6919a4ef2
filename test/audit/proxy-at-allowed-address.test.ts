/**
 * A capture of a tablet using the gateway's proxy where the policy's allowedPrivateCidrs covers
 * the proxy's own address (a loopback or LAN range the gateway may forward to): its requests are
 * still proxy requests, judged as the gateway judges them, not transparent flows to the proxy's
 * port (QA: 'CONNECT on a transparent HTTP port', bad-request). Zeek's HTTP-via-proxy capture:
 * tshark names the CONNECT's target, the oracle for the host judged.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { corpusFile } from '../helpers/corpus.js';
import { auditFlows } from './audit-flows.js';

const PCAP = corpusFile('pcap', 'zeek-http-connect-with-header.pcap');

it('the proxy listener at an address allowedPrivateCidrs names: a proxy request, as without it', async () => {
  const connects = execFileSync(
    'tshark',
    [
      '-r',
      PCAP,
      '-Y',
      'http.request.method == "CONNECT"',
      '-T',
      'fields',
      '-e',
      'http.request.uri',
      '-e',
      'tcp.dstport',
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n');
  expect(connects).toHaveLength(1);
  const [target, proxyPort] = (connects[0] as string).split('\t') as [string, string];
  const host = target.split(':')[0] as string;
  const judged = async (cidrs: string[]) => {
    const { r, flows } = await auditFlows(PCAP, 'one-way', (p) => {
      p.network.allow = [{ host }];
      p.network.allowedPrivateCidrs = cidrs;
      p.gateway.listen = [`[::1]:${proxyPort}`];
    });
    const [flow] = [...flows.values()];
    return {
      exit: r.exitCode,
      outcome: flow?.outcome,
      name: flow?.name,
      port: flow?.port,
      proxy: flow?.proxy,
    };
  };
  const plain = await judged([]);
  expect(plain).toMatchObject({
    exit: 0,
    outcome: { kind: 'allowed' },
    name: host,
    proxy: { form: 'connect' },
  });
  expect(await judged(['::1/128'])).toEqual(plain);
});
