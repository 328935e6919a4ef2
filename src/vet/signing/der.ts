/**
 * A small DER/BER reader for PKCS#7 SignedData and the X.509 fields JAR verification compares.
 * Written by hand rather than with asn1js/pkijs because verification needs the exact bytes a
 * signature covers (signed attributes re-tagged as a SET, the issuer Name as encoded), every
 * length must be bounded against its parent, and Node's crypto already verifies the signatures.
 * Indefinite lengths (BER) are refused: Android's JAR signers write DER.
 */
import { AirlockError, malformed, truncated } from '../../core/errors.js';
import { SIGNING_LIMITS } from './limits.js';

export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  tag: number;
  /** Absolute offsets: header start, contents start, end. */
  start: number;
  contentStart: number;
  end: number;
  /** The whole TLV and its contents, as subarrays of the input. */
  raw: Uint8Array;
  content: Uint8Array;
}

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  context0: 0xa0,
  context1: 0xa1,
  implicit0: 0x80,
} as const;

/** Reads one TLV at `at` within bytes[0, limit); offsets are relative to bytes, `base` is added for errors. */
export function readTlv(bytes: Uint8Array, at: number, limit: number, base: number, what: string): Tlv {
  if (at + 2 > limit) throw truncated(`${what}: DER header`, base + at);
  const tag = bytes[at]!;
  if ((tag & 0x1f) === 0x1f) throw malformed(`${what}: DER high tag numbers are not used here`, base + at);
  let len = bytes[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw malformed(`${what}: indefinite length (BER) where DER is required`, base + at);
    if (n > 4) throw new AirlockError('AIRLOCK_ERR_LIMIT', `${what}: ${n}-byte DER length`, base + at);
    if (p + n > limit) throw truncated(`${what}: DER length`, base + at);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[p + i]!;
    p += n;
  }
  if (p + len > limit) {
    throw new AirlockError(
      'AIRLOCK_ERR_TRUNCATED',
      `${what}: DER value declares ${len} bytes, ${limit - p} remain`,
      base + at,
    );
  }
  return {
    tag,
    start: base + at,
    contentStart: base + p,
    end: base + p + len,
    raw: bytes.subarray(at, p + len),
    content: bytes.subarray(p, p + len),
  };
}

/** The TLVs inside a constructed value, in order. */
export function children(t: Tlv, what: string, depth = 0): Tlv[] {
  if (depth > SIGNING_LIMITS.maxDerDepth) {
    throw new AirlockError(
      'AIRLOCK_ERR_LIMIT',
      `${what}: DER nested deeper than ${SIGNING_LIMITS.maxDerDepth}`,
      t.start,
    );
  }
  if (!(t.tag & 0x20)) throw malformed(`${what}: expected a constructed DER value`, t.start);
  const out: Tlv[] = [];
  let at = 0;
  while (at < t.content.length) {
    const c = readTlv(t.content, at, t.content.length, t.contentStart, what);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

/** Parses exactly one TLV filling `bytes`. */
export function parseDer(bytes: Uint8Array, base: number, what: string): Tlv {
  const t = readTlv(bytes, 0, bytes.length, base, what);
  if (t.raw.length !== bytes.length)
    throw malformed(`${what}: ${bytes.length - t.raw.length} bytes after the DER value`, base + t.raw.length);
  return t;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string, near: number): Tlv {
  if (!t) throw malformed(`${what}: missing`, near);
  if (t.tag !== tag)
    throw malformed(
      `${what}: DER tag 0x${t.tag.toString(16)} where 0x${tag.toString(16)} was expected`,
      t.start,
    );
  return t;
}

/** Dotted form of an OBJECT IDENTIFIER's contents. */
export function oidString(t: Tlv): string {
  const b = t.content;
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw malformed('OID component too large', t.contentStart + i);
    if (!(b[i]! & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
