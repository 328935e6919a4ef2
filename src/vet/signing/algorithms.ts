/**
 * Signature algorithm IDs of APK Signature Schemes v2/v3 (and the lineage's), what each digests
 * the APK with, and verification with Node's crypto (OpenSSL: RSA PKCS#1 v1.5, RSA-PSS, ECDSA,
 * DSA; a 16384-bit RSA key verifies in a few milliseconds since its public exponent is small).
 */
import { constants, createPublicKey, type KeyObject, verify } from 'node:crypto';

export type ContentDigest = 'chunked-sha256' | 'chunked-sha512' | 'verity-sha256';

export interface SignatureAlgorithm {
  id: number;
  name: string;
  hash: 'sha256' | 'sha512';
  key: 'RSA' | 'EC' | 'DSA';
  pssSaltBytes?: number;
  digest: ContentDigest;
}

const ALGS: SignatureAlgorithm[] = [
  {
    id: 0x0101,
    name: 'RSA_PSS_WITH_SHA256',
    hash: 'sha256',
    key: 'RSA',
    pssSaltBytes: 32,
    digest: 'chunked-sha256',
  },
  {
    id: 0x0102,
    name: 'RSA_PSS_WITH_SHA512',
    hash: 'sha512',
    key: 'RSA',
    pssSaltBytes: 64,
    digest: 'chunked-sha512',
  },
  { id: 0x0103, name: 'RSA_PKCS1_V1_5_WITH_SHA256', hash: 'sha256', key: 'RSA', digest: 'chunked-sha256' },
  { id: 0x0104, name: 'RSA_PKCS1_V1_5_WITH_SHA512', hash: 'sha512', key: 'RSA', digest: 'chunked-sha512' },
  { id: 0x0201, name: 'ECDSA_WITH_SHA256', hash: 'sha256', key: 'EC', digest: 'chunked-sha256' },
  { id: 0x0202, name: 'ECDSA_WITH_SHA512', hash: 'sha512', key: 'EC', digest: 'chunked-sha512' },
  { id: 0x0301, name: 'DSA_WITH_SHA256', hash: 'sha256', key: 'DSA', digest: 'chunked-sha256' },
  {
    id: 0x0421,
    name: 'VERITY_RSA_PKCS1_V1_5_WITH_SHA256',
    hash: 'sha256',
    key: 'RSA',
    digest: 'verity-sha256',
  },
  { id: 0x0423, name: 'VERITY_ECDSA_WITH_SHA256', hash: 'sha256', key: 'EC', digest: 'verity-sha256' },
  { id: 0x0425, name: 'VERITY_DSA_WITH_SHA256', hash: 'sha256', key: 'DSA', digest: 'verity-sha256' },
];
const BY_ID = new Map(ALGS.map((a) => [a.id, a]));

export const signatureAlgorithm = (id: number): SignatureAlgorithm | undefined => BY_ID.get(id);

/** Strength order apksig uses to pick the one signature it checks: SHA-512 over SHA-256, then verity. */
export function preferred(a: SignatureAlgorithm, b: SignatureAlgorithm): SignatureAlgorithm {
  const rank = (x: SignatureAlgorithm) =>
    x.digest === 'chunked-sha512' ? 2 : x.digest === 'chunked-sha256' ? 1 : 0;
  return rank(b) > rank(a) ? b : a;
}

/** A SubjectPublicKeyInfo as Node reads it, or undefined when it is not one. */
export function publicKeyOf(spki: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

const NODE_KEY: Record<SignatureAlgorithm['key'], string[]> = {
  RSA: ['rsa', 'rsa-pss'],
  EC: ['ec'],
  DSA: ['dsa'],
};

/** Whether `sig` is alg's signature of data under key; false also when the key is of another kind. */
export function verifySignature(
  alg: SignatureAlgorithm,
  key: KeyObject,
  data: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (!NODE_KEY[alg.key].includes(key.asymmetricKeyType ?? '')) return false;
  try {
    if (alg.pssSaltBytes !== undefined) {
      return verify(
        alg.hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.pssSaltBytes },
        sig,
      );
    }
    return verify(alg.hash, data, key, sig);
  } catch {
    return false; // OpenSSL refuses malformed signatures (bad DER, wrong length) by throwing
  }
}
