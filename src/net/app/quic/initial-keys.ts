/**
 * Initial packet protection keys (RFC 9001 §5.2; RFC 9369 §3.3 for v2): HKDF-Extract with the
 * version's salt over the client's first Destination Connection ID, then HKDF-Expand-Label. Anyone
 * on the path can derive them: that is what lets an auditor read the ClientHello.
 */
import { createHmac } from 'node:crypto';

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;

export interface QuicVersionParams {
  readonly salt: Buffer;
  readonly keyLabel: string;
  readonly ivLabel: string;
  readonly hpLabel: string;
  /** Long-header packet type bits (0..3) of Initial, 0-RTT, Handshake, Retry in this version. */
  readonly types: {
    readonly initial: number;
    readonly zeroRtt: number;
    readonly handshake: number;
    readonly retry: number;
  };
}

export const QUIC_VERSIONS: ReadonlyMap<number, QuicVersionParams> = new Map([
  [
    QUIC_V1,
    {
      salt: Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex'),
      keyLabel: 'quic key',
      ivLabel: 'quic iv',
      hpLabel: 'quic hp',
      types: { initial: 0, zeroRtt: 1, handshake: 2, retry: 3 },
    },
  ],
  [
    QUIC_V2,
    {
      salt: Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex'),
      keyLabel: 'quicv2 key',
      ivLabel: 'quicv2 iv',
      hpLabel: 'quicv2 hp',
      types: { initial: 1, zeroRtt: 2, handshake: 3, retry: 0 },
    },
  ],
]);

export interface PacketKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly hp: Buffer;
}

/** HKDF-Expand (RFC 5869 §2.3) with SHA-256. */
function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < length; i++) {
    prev = createHmac('sha256', prk)
      .update(Buffer.concat([prev, info, Buffer.from([i])]))
      .digest();
    blocks.push(prev);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) with an empty context. */
export function hkdfExpandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, full.length]),
    full,
    Buffer.from([0]),
  ]);
  return hkdfExpand(secret, info, length);
}

/** Keys protecting one side's Initial packets; undefined for versions Airlock does not know. */
export function initialKeys(
  version: number,
  dcid: Uint8Array,
  side: 'client' | 'server',
): PacketKeys | undefined {
  const p = QUIC_VERSIONS.get(version);
  if (!p) return undefined;
  const initialSecret = createHmac('sha256', p.salt).update(dcid).digest();
  const secret = hkdfExpandLabel(initialSecret, side === 'client' ? 'client in' : 'server in', 32);
  return {
    key: hkdfExpandLabel(secret, p.keyLabel, 16),
    iv: hkdfExpandLabel(secret, p.ivLabel, 12),
    hp: hkdfExpandLabel(secret, p.hpLabel, 16),
  };
}
