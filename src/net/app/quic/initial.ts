/**
 * QUIC long-header packets (RFC 9000 §17.2; RFC 9369 §3.2 for v2's type bits) and the removal of
 * Initial packet protection: header protection, then AES-128-GCM with the packet number in the
 * nonce and the unprotected header as associated data (RFC 9001 §5.3).
 */
import { createDecipheriv } from 'node:crypto';
import { malformed } from '../../../core/errors.js';
import { bound } from '../../../core/limits.js';
import { decodeWith } from '../../decode/outcome.js';
import { Cursor } from '../cursor.js';
import { APP_LIMITS } from '../limits.js';
import { removeHeaderProtection } from './header-protection.js';
import { type PacketKeys, QUIC_VERSIONS } from './initial-keys.js';
import { readVarint } from './varint.js';

export type LongPacketType =
  | 'initial'
  | '0rtt'
  | 'handshake'
  | 'retry'
  | 'version-negotiation'
  | 'unknown-version';

export interface LongHeader {
  /** Offset of the packet in the datagram. */
  readonly at: number;
  readonly firstByte: number;
  readonly version: number;
  readonly type: LongPacketType;
  readonly dcid: Uint8Array;
  readonly scid: Uint8Array;
  /** Initial only. */
  readonly token?: Uint8Array;
  /** Offset of the (protected) packet number in the datagram (Initial, 0-RTT, Handshake). */
  readonly pnOffset?: number;
  /** Offset just past this packet in the datagram: the next coalesced packet starts here. */
  readonly end: number;
}

const AEAD_TAG_BYTES = 16;

function typeOf(version: number, bits: number): LongPacketType {
  if (version === 0) return 'version-negotiation';
  const p = QUIC_VERSIONS.get(version);
  if (!p) return 'unknown-version';
  const t = p.types;
  return bits === t.initial
    ? 'initial'
    : bits === t.zeroRtt
      ? '0rtt'
      : bits === t.handshake
        ? 'handshake'
        : 'retry';
}

/**
 * The long header at `at` of a UDP payload. A header that runs past the datagram is malformed: UDP
 * delivered the whole datagram. Packets of versions other than v1/v2 end at the datagram's end
 * (only the invariants of RFC 8999 are known for them).
 */
export function readLongHeader(d: Uint8Array, at: number, base = 0): LongHeader {
  const c = new Cursor(d, at, base, 'malformed');
  const firstByte = c.u8('QUIC first byte');
  if ((firstByte & 0x80) === 0) throw malformed('not a QUIC long header', base + at);
  const version = c.u32('QUIC version');
  const dcidLen = bound(
    c.u8('DCID length'),
    version === 0 || !QUIC_VERSIONS.has(version) ? 255 : APP_LIMITS.maxConnectionIdBytes,
    'QUIC DCID length',
    c.offset - 1,
  );
  const dcid = c.bytes(dcidLen, 'DCID');
  const scidLen = bound(
    c.u8('SCID length'),
    version === 0 || !QUIC_VERSIONS.has(version) ? 255 : APP_LIMITS.maxConnectionIdBytes,
    'QUIC SCID length',
    c.offset - 1,
  );
  const scid = c.bytes(scidLen, 'SCID');
  const type = typeOf(version, (firstByte >> 4) & 0x03);
  if (type === 'version-negotiation' || type === 'unknown-version' || type === 'retry')
    return { at, firstByte, version, type, dcid, scid, end: d.length };
  // RFC 9000 §17.2: the fixed bit is 1 in v1 and v2 long headers.
  if ((firstByte & 0x40) === 0) throw malformed('QUIC fixed bit is 0', base + at);
  let token: Uint8Array | undefined;
  if (type === 'initial') {
    const n = bound(readVarint(c, 'token length'), d.length, 'QUIC token length', c.offset);
    token = c.bytes(n, 'token');
  }
  const lengthAt = c.offset;
  const length = bound(readVarint(c, 'QUIC packet length'), d.length, 'QUIC packet length', lengthAt);
  const pnOffset = c.at;
  c.bytes(length, 'QUIC packet payload');
  return { at, firstByte, version, type, dcid, scid, ...(token ? { token } : {}), pnOffset, end: c.at };
}

/** RFC 9000 §A.3: the full packet number closest to the one expected next. */
export function decodePacketNumber(largest: number, truncatedPn: number, pnBits: number): number {
  const expected = largest + 1;
  const win = 2 ** pnBits;
  const hwin = win / 2;
  // truncatedPn has exactly pnBits bits (it was read from pnBits / 8 bytes).
  const candidate = expected - (expected % win) + truncatedPn;
  if (candidate <= expected - hwin && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

export interface OpenedPacket {
  readonly pn: number;
  /** The decrypted frames. */
  readonly payload: Uint8Array;
  /** The header as it reads without protection (the AEAD's associated data). */
  readonly header: Uint8Array;
}

/** The AEAD nonce: the IV with the packet number XORed into its last bytes (RFC 9001 §5.3). */
export function packetNonce(iv: Uint8Array, pn: number): Buffer {
  const nonce = Buffer.from(iv);
  let x = pn;
  for (let i = nonce.length - 1; i >= nonce.length - 8 && x > 0; i--) {
    nonce[i]! ^= x % 256;
    x = Math.floor(x / 256);
  }
  return nonce;
}

/**
 * Removes the protection of the Initial packet `h` in datagram `d` with `keys`. Fails (malformed)
 * when the tag does not verify: wrong keys, a server packet, or damage.
 */
export function openInitial(
  d: Uint8Array,
  h: LongHeader,
  keys: PacketKeys,
  largestPn = -1,
  base = 0,
): OpenedPacket {
  if (h.pnOffset === undefined) throw malformed(`QUIC ${h.type} packet has no packet number`, base + h.at);
  const packet = d.subarray(h.at, h.end);
  const pnOffset = h.pnOffset - h.at;
  const u = removeHeaderProtection(packet, pnOffset, packet.length, keys.hp, base + h.at);
  const pn = decodePacketNumber(largestPn, u.truncatedPn, u.pnLength * 8);
  const body = packet.subarray(pnOffset + u.pnLength);
  if (body.length < AEAD_TAG_BYTES) throw malformed('QUIC packet shorter than its AEAD tag', base + h.at);
  const ct = body.subarray(0, body.length - AEAD_TAG_BYTES);
  try {
    const dec = createDecipheriv('aes-128-gcm', keys.key, packetNonce(keys.iv, pn));
    dec.setAAD(u.header);
    dec.setAuthTag(body.subarray(body.length - AEAD_TAG_BYTES));
    const payload = Buffer.concat([dec.update(ct), dec.final()]);
    return {
      pn,
      payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.length),
      header: u.header,
    };
  } catch {
    // node:crypto reports a bad tag as a plain Error; here it is a fact about the input.
    throw malformed('QUIC Initial packet fails authentication', base + h.at);
  }
}

/** The first long header of a datagram when it is a v1/v2 Initial: how callers key connections. */
export function peekInitial(
  d: Uint8Array,
): { version: number; dcid: Uint8Array; scid: Uint8Array } | undefined {
  if (d.length < 7 || (d[0]! & 0x80) === 0) return undefined;
  const h = decodeWith(() => readLongHeader(d, 0));
  if (h.kind !== 'value' || h.value.type !== 'initial') return undefined;
  return { version: h.value.version, dcid: h.value.dcid, scid: h.value.scid };
}
