/**
 * Seeded truncation / bit-flip fuzz of every app decoder (test/net/fuzz-harness.ts): only typed
 * outcomes, each in under a second. Seeds are real payloads from the corpus captures and the RFC
 * vectors. AIRLOCK_FUZZ_CASES sets the number of cases per decoder (2,000 by default).
 */
import { beforeAll, describe } from 'vitest';
import { readDnsMessage, readDnsTcpMessage } from '../../../src/net/app/dns.js';
import { readHttpRequestHead } from '../../../src/net/app/http-request.js';
import { QuicInitialAssembler } from '../../../src/net/app/quic/assembler.js';
import { readFrames } from '../../../src/net/app/quic/crypto-frames.js';
import { openInitial, readLongHeader } from '../../../src/net/app/quic/initial.js';
import { initialKeys, QUIC_V1 } from '../../../src/net/app/quic/initial-keys.js';
import { readStreamHead } from '../../../src/net/app/tcp-stream-head.js';
import { readClientHelloMessage, readClientHelloRecords } from '../../../src/net/app/tls-client-hello.js';
import { corpusDir } from '../../helpers/corpus.js';
import { fuzz } from '../fuzz-harness.js';
import { runCapture } from '../pipeline.js';
import { CLIENT_CRYPTO_FRAME, DCID, V1, V2 } from './rfc-vectors.js';

const pools = { dns: [] as Uint8Array[], tcp: [] as Uint8Array[], quic: [] as Uint8Array[] };

beforeAll(async () => {
  for (const path of corpusDir('pcap').filter((p) => p.endsWith('.pcap'))) {
    const run = await runCapture(path, false);
    for (const { d } of run.packets) {
      const p = d.udp?.payload ?? d.tcp?.payload;
      if (!p || p.length === 0) continue;
      const port = (d.udp ?? d.tcp)!;
      if (d.udp && (port.srcPort === 53 || port.dstPort === 53 || port.dstPort === 5353))
        pools.dns.push(p.slice());
      else if (d.udp && (p[0]! & 0x80) !== 0) pools.quic.push(p.slice());
      else if (d.tcp && (p[0] === 0x16 || (p[0]! >= 0x41 && p[0]! <= 0x5a))) pools.tcp.push(p.slice(0, 4096));
    }
  }
  pools.quic.push(Buffer.from(V1.protectedPacket, 'hex'), Buffer.from(V2.protectedPacket, 'hex'));
});

const kind = (d: { kind: string }) => d.kind;

describe('app decoders under truncation and bit flips', () => {
  fuzz(
    'DNS over UDP',
    () => pools.dns,
    (bytes) => kind(readDnsMessage(bytes, { mdns: bytes.length % 2 === 0 })),
  );
  fuzz(
    'DNS over TCP',
    () => pools.dns.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m])),
    (bytes) => kind(readDnsTcpMessage(bytes)),
  );
  fuzz(
    'TLS ClientHello records',
    () => pools.tcp.filter((p) => p[0] === 0x16),
    (bytes) => kind(readClientHelloRecords(bytes)),
  );
  fuzz(
    'TLS ClientHello message',
    () => [Buffer.from(CLIENT_CRYPTO_FRAME, 'hex').subarray(4)],
    (bytes) => kind(readClientHelloMessage(bytes)),
  );
  fuzz(
    'HTTP request head',
    () => pools.tcp.filter((p) => p[0] !== 0x16),
    (bytes) => kind(readHttpRequestHead(bytes)),
  );
  fuzz(
    'TCP stream head',
    () => pools.tcp,
    (bytes) => kind(readStreamHead(bytes)),
  );
  fuzz(
    'QUIC long header',
    () => pools.quic,
    (bytes) => {
      const h = readLongHeader(bytes, 0);
      return h.type;
    },
  );
  fuzz(
    'QUIC Initial assembler',
    () => pools.quic,
    (bytes, r) => {
      const a = new QuicInitialAssembler();
      // Sometimes the untouched RFC packet first, so mutations also hit a connection under way.
      if (r.int(2) === 0) a.push(Buffer.from(V1.protectedPacket, 'hex'));
      return kind(a.push(bytes));
    },
  );
  fuzz(
    'QUIC frames (decrypted payloads)',
    () => {
      const pkt = Buffer.from(V1.protectedPacket, 'hex');
      const opened = openInitial(
        pkt,
        readLongHeader(pkt, 0),
        initialKeys(QUIC_V1, Buffer.from(DCID, 'hex'), 'client')!,
      );
      return [opened.payload.subarray(0, 300), Buffer.from(V1.serverPayload, 'hex')];
    },
    (bytes) => String(readFrames(bytes).length > 0),
  );
});
