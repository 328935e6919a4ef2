/**
 * Header protection (RFC 9001 §5.4) with AES-128: a 16-byte sample of the ciphertext, taken 4
 * bytes after the packet number's start, is encrypted with the hp key in ECB mode; its first 5
 * bytes mask the low bits of the first byte and the packet number. Applying the mask twice gives
 * back the input, so the same code protects (write side) and unprotects (read side).
 */
import { createCipheriv } from 'node:crypto';
import { malformed } from '../../../core/errors.js';

export const SAMPLE_BYTES = 16;

export function headerProtectionMask(hp: Uint8Array, sample: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-ecb', hp, null);
  c.setAutoPadding(false);
  return c.update(sample).subarray(0, 5);
}

export interface Unprotected {
  /** The header with protection removed, through the packet number (a copy: the AEAD's AAD). */
  readonly header: Uint8Array;
  readonly pnLength: number;
  /** The packet number as sent (truncated to pnLength bytes). */
  readonly truncatedPn: number;
}

/**
 * Removes header protection from the long-header packet `packet[0, end)` whose packet number
 * starts at `pnOffset`. `base` is packet[0]'s absolute offset, for errors.
 */
export function removeHeaderProtection(
  packet: Uint8Array,
  pnOffset: number,
  end: number,
  hp: Uint8Array,
  base = 0,
): Unprotected {
  const sampleAt = pnOffset + 4;
  if (sampleAt + SAMPLE_BYTES > end)
    throw malformed('QUIC packet too short to sample for header protection', base);
  const mask = headerProtectionMask(hp, packet.subarray(sampleAt, sampleAt + SAMPLE_BYTES));
  const first = packet[0]! ^ (mask[0]! & 0x0f);
  const pnLength = (first & 0x03) + 1;
  const header = packet.slice(0, pnOffset + pnLength);
  header[0] = first;
  let truncatedPn = 0;
  for (let i = 0; i < pnLength; i++) {
    header[pnOffset + i]! ^= mask[1 + i]!;
    truncatedPn = truncatedPn * 256 + header[pnOffset + i]!;
  }
  return { header, pnLength, truncatedPn };
}

/** Protects a long header in place (the write side): `header` ends with its pnLength-byte packet number. */
export function applyHeaderProtection(header: Uint8Array, pnOffset: number, mask: Uint8Array): void {
  const pnLength = (header[0]! & 0x03) + 1;
  header[0]! ^= mask[0]! & 0x0f;
  for (let i = 0; i < pnLength; i++) header[pnOffset + i]! ^= mask[1 + i]!;
}
