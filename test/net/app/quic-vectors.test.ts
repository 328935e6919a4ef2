/** QUIC Initial protection against the RFCs' own worked examples (RFC 9001 and RFC 9369, Appendix A). */
import { describe, expect, it } from 'vitest';
import { QuicInitialAssembler } from '../../../src/net/app/quic/assembler.js';
import { readFrames } from '../../../src/net/app/quic/crypto-frames.js';
import { headerProtectionMask } from '../../../src/net/app/quic/header-protection.js';
import { openInitial, readLongHeader } from '../../../src/net/app/quic/initial.js';
import { initialKeys, QUIC_V1, QUIC_V2 } from '../../../src/net/app/quic/initial-keys.js';
import { CLIENT_CRYPTO_FRAME, DCID, V1, V2 } from './rfc-vectors.js';

const h = (s: string) => Buffer.from(s, 'hex');
const hx = (b: Uint8Array) => Buffer.from(b).toString('hex');

for (const [name, version, v] of [
  ['RFC 9001 (v1)', QUIC_V1, V1],
  ['RFC 9369 (v2)', QUIC_V2, V2],
] as const) {
  describe(`${name} Appendix A`, () => {
    it('A.1: client and server Initial keys derive from the DCID', () => {
      for (const side of ['client', 'server'] as const) {
        const k = initialKeys(version, h(DCID), side)!;
        expect({ key: hx(k.key), iv: hx(k.iv), hp: hx(k.hp) }).toEqual(v[side]);
      }
    });

    it('A.2: the header-protection mask of the sample', () => {
      const k = initialKeys(version, h(DCID), 'client')!;
      expect(hx(headerProtectionMask(k.hp, h(v.sample)))).toBe(v.mask);
    });

    it('A.2: the protected client Initial opens to the given header and CRYPTO frame plus PADDING', () => {
      const pkt = h(v.protectedPacket);
      expect(pkt.length).toBe(1200);
      const hdr = readLongHeader(pkt, 0);
      expect(hdr.type).toBe('initial');
      expect(hdr.version).toBe(version);
      expect(hx(hdr.dcid)).toBe(DCID);
      expect(hdr.end).toBe(1200);
      const opened = openInitial(pkt, hdr, initialKeys(version, h(DCID), 'client')!);
      expect(hx(opened.header)).toBe(v.unprotectedHeader);
      expect(opened.pn).toBe(2);
      expect(opened.payload.length).toBe(1162);
      const frame = h(CLIENT_CRYPTO_FRAME);
      expect(hx(opened.payload.subarray(0, frame.length))).toBe(CLIENT_CRYPTO_FRAME);
      expect(opened.payload.subarray(frame.length).every((b) => b === 0)).toBe(true);
      const frames = readFrames(opened.payload);
      expect(frames.map((f) => f.type)).toEqual(['crypto', 'padding']);
    });

    it('A.3: the server Initial opens with the server keys to ACK + CRYPTO(ServerHello)', () => {
      const pkt = h(v.serverPacket);
      const hdr = readLongHeader(pkt, 0);
      expect(hdr.type).toBe('initial');
      const opened = openInitial(pkt, hdr, initialKeys(version, h(DCID), 'server')!);
      expect(opened.pn).toBe(1);
      expect(hx(opened.payload)).toBe(v.serverPayload);
      expect(readFrames(opened.payload).map((f) => f.type)).toEqual(['ack', 'crypto']);
    });

    it('A.2: the assembler reads SNI example.com and ALPN "alpn" from the client Initial', () => {
      const a = new QuicInitialAssembler();
      const d = a.push(h(v.protectedPacket));
      expect(d.kind).toBe('value');
      if (d.kind !== 'value') return;
      expect(d.value.sni).toBe('example.com');
      expect(d.value.alpn).toEqual(['alpn']);
      expect(d.value.versions).toEqual([0x0304]);
      expect(d.value.quic).toBe(true);
      expect(a.initialPackets).toBe(1);
      expect(a.version).toBe(version);
    });

    it('the server Initial is not taken for a client one (its tag fails with client keys)', () => {
      const d = new QuicInitialAssembler().push(h(v.serverPacket));
      expect(d.kind).toBe('malformed');
    });
  });
}
