/**
 * The v3 proof-of-rotation attribute: the signing certificates an app has had, oldest first, each
 * one signed by the key before it. Layout: uint32 version (1), then length-prefixed nodes of
 * (signed data: certificate, uint32 algorithm the parent signs this node with) · uint32 flags ·
 * uint32 algorithm this node's key signs the next node with · signature by the parent's key.
 */
import { AirlockError, malformed } from '../../core/errors.js';
import { signatureAlgorithm, verifySignature } from './algorithms.js';
import { type CertificateInfo, readCertificate } from './certificate.js';
import { SIGNING_LIMITS } from './limits.js';
import { LeReader } from './reader.js';

export interface LineageNode {
  cert: CertificateInfo;
  flags: number;
}

/** The lineage's certificates, oldest first; throws an AirlockError when it is malformed or does not verify. */
export function readLineage(r: LeReader): LineageNode[] {
  const version = r.u32('lineage version');
  if (version !== 1)
    throw malformed(`proof-of-rotation lineage version ${version} (only 1 is known)`, r.offset - 4);
  const nodes: LineageNode[] = [];
  let lastAlg = 0;
  while (r.remaining > 0) {
    if (nodes.length >= SIGNING_LIMITS.maxLineageNodes) {
      throw new AirlockError(
        'AIRLOCK_ERR_LIMIT',
        `lineage has more than ${SIGNING_LIMITS.maxLineageNodes} nodes`,
        r.offset,
      );
    }
    const n = nodes.length + 1;
    const node = r.lengthPrefixed(`lineage node #${n}`);
    const signed = node.lengthPrefixed('signed data');
    const flags = node.u32('flags');
    const alg = node.u32('signature algorithm');
    const signature = node.bytesPrefixed('signature');
    const certAt = signed.offset + 4;
    const cert = readCertificate(signed.bytesPrefixed('certificate'), certAt);
    const signedAlg = signed.u32('parent signature algorithm');
    const parent = nodes[nodes.length - 1];
    if (parent) {
      const a = signatureAlgorithm(lastAlg);
      if (
        !a ||
        !parent.cert.publicKey ||
        !verifySignature(a, parent.cert.publicKey, signed.bytes, signature)
      ) {
        throw malformed(
          `lineage node #${n}: the previous certificate's signature does not verify`,
          node.base,
        );
      }
      if (signedAlg !== lastAlg)
        throw malformed(`lineage node #${n}: signature algorithm IDs disagree`, node.base);
    }
    if (nodes.some((x) => x.cert.certSha256 === cert.certSha256)) {
      throw malformed(`lineage node #${n}: certificate appears twice`, node.base);
    }
    nodes.push({ cert, flags });
    lastAlg = alg;
  }
  return nodes;
}

export const lineageReader = (value: Uint8Array, base: number): LeReader =>
  new LeReader(value, base, 'proof-of-rotation');
