/**
 * The PKCS#7 SignedData of a JAR signature block (META-INF/*.RSA|DSA|EC) and its check against
 * the .SF it signs, as apksig does it: the signer's certificate is the one its SignerInfo names by
 * issuer and serial number — not the first in the bag (corpus issue-1128-poc*, apksig's
 * v1-only-pkcs7-cert-bag-first-cert-not-used) — and the signature covers either the .SF or, when
 * signed attributes are present, those attributes re-tagged as a SET, whose message digest must be
 * the .SF's digest.
 */
import { createHash, verify } from 'node:crypto';
import { AirlockError, malformed } from '../../core/errors.js';
import { type CertificateInfo, formatName, readCertificate } from './certificate.js';
import { children, expectTag, oidString, parseDer, sameBytes, TAG, type Tlv } from './der.js';
import { SIGNING_LIMITS } from './limits.js';

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
};

const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.840.113549.2.5': 'md5',
};

/** Signature algorithm OIDs: [key type, digest when the OID fixes one]. */
const SIGNATURES: Record<string, [string, string | undefined]> = {
  '1.2.840.113549.1.1.1': ['rsa', undefined],
  '1.2.840.113549.1.1.4': ['rsa', 'md5'],
  '1.2.840.113549.1.1.5': ['rsa', 'sha1'],
  '1.2.840.113549.1.1.11': ['rsa', 'sha256'],
  '1.2.840.113549.1.1.12': ['rsa', 'sha384'],
  '1.2.840.113549.1.1.13': ['rsa', 'sha512'],
  '1.2.840.10045.2.1': ['ec', undefined],
  '1.2.840.10045.4.1': ['ec', 'sha1'],
  '1.2.840.10045.4.3.2': ['ec', 'sha256'],
  '1.2.840.10045.4.3.3': ['ec', 'sha384'],
  '1.2.840.10045.4.3.4': ['ec', 'sha512'],
  '1.2.840.10040.4.1': ['dsa', undefined],
  '1.2.840.10040.4.3': ['dsa', 'sha1'],
  '2.16.840.1.101.3.4.3.2': ['dsa', 'sha256'],
};

export interface SignedData {
  contentType: string;
  certificates: CertificateInfo[];
  signerInfos: Tlv[];
}

export function readSignedData(bytes: Uint8Array, what: string): SignedData {
  const ci = children(expectTag(parseDer(bytes, 0, what), TAG.sequence, what, 0), what);
  const type = oidString(expectTag(ci[0], TAG.oid, `${what} content type`, 0));
  if (type !== OID.signedData)
    throw malformed(`${what}: content type ${type} is not SignedData`, ci[0]!.start);
  const [inner] = children(expectTag(ci[1], TAG.context0, `${what} content`, 0), what, 1);
  const sd = children(expectTag(inner, TAG.sequence, `${what} SignedData`, 0), what, 2);
  const encap = children(expectTag(sd[2], TAG.sequence, `${what} encapContentInfo`, 0), what, 3);
  const contentType = oidString(expectTag(encap[0], TAG.oid, `${what} eContentType`, 0));
  let i = 3;
  const certificates: CertificateInfo[] = [];
  if (sd[i]?.tag === TAG.context0) {
    const bag = children(sd[i]!, what, 3);
    if (bag.length > SIGNING_LIMITS.maxItems) {
      throw new AirlockError(
        'AIRLOCK_ERR_LIMIT',
        `${what}: more than ${SIGNING_LIMITS.maxItems} certificates`,
        sd[i]!.start,
      );
    }
    for (const c of bag) certificates.push(readCertificate(c.raw, c.start));
    i++;
  }
  if (sd[i]?.tag === TAG.context1) i++; // CRLs
  const signerInfos = children(expectTag(sd[i], TAG.set, `${what} signerInfos`, 0), what, 3);
  if (signerInfos.length > SIGNING_LIMITS.maxItems) {
    throw new AirlockError(
      'AIRLOCK_ERR_LIMIT',
      `${what}: more than ${SIGNING_LIMITS.maxItems} signers`,
      sd[i]!.start,
    );
  }
  return { contentType, certificates, signerInfos };
}

const canonical = (dn: string): string => dn.toLowerCase().replace(/\s+/g, ' ');

const stripZeros = (b: Uint8Array): Uint8Array => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

/** Why a SignerInfo does not verify: undefined when it does. */
export interface SignerCheck {
  cert?: CertificateInfo;
  /** A reason apksig reports as an error (an exception in its check), not just "did not verify". */
  error?: string;
}

/** Checks one SignerInfo over the .SF bytes; returns its certificate when it verifies. */
export function checkSignerInfo(
  sd: SignedData,
  si: Tlv,
  sf: Uint8Array,
  minSdk: number,
  what: string,
): SignerCheck {
  const f = children(expectTag(si, TAG.sequence, `${what} SignerInfo`, si.start), what, 4);
  const sid = f[1];
  if (!sid || sid.tag !== TAG.sequence)
    return { error: 'SignerInfo does not name its certificate by issuer and serial number' };
  const [issuer, serial] = children(sid, what, 5);
  if (!issuer || !serial) return { error: 'SignerInfo issuer and serial number incomplete' };
  // Names compare as X500Principal does, not byte for byte: the same name may be written as a
  // PrintableString in one place and a UTF8String in another (apksig's v1-only-with-rsa-* files).
  const issuerName = canonical(formatName(issuer, `${what} SignerInfo issuer`));
  const cert = sd.certificates.find(
    (c) =>
      (sameBytes(c.issuerDer, issuer.raw) || canonical(c.issuer) === issuerName) &&
      sameBytes(stripZeros(c.serial), stripZeros(serial.content)),
  );
  if (!cert) return { error: 'Signing certificate referenced in SignerInfo not found in SignedData' };
  const digestOid = oidString(
    expectTag(
      children(expectTag(f[2], TAG.sequence, `${what} digestAlgorithm`, si.start), what, 5)[0],
      TAG.oid,
      `${what} digest OID`,
      si.start,
    ),
  );
  let k = 3;
  const signedAttrs = f[k]?.tag === TAG.context0 ? f[k++] : undefined;
  const sigAlg = children(expectTag(f[k++], TAG.sequence, `${what} signatureAlgorithm`, si.start), what, 5);
  const sigOid = oidString(expectTag(sigAlg[0], TAG.oid, `${what} signature OID`, si.start));
  const signature = expectTag(f[k], TAG.octetString, `${what} signature`, si.start).content;
  const digest = DIGESTS[digestOid];
  const sigKind = SIGNATURES[sigOid];
  if (!digest || !sigKind)
    return { error: `unsupported digest ${digestOid} / signature ${sigOid} algorithm` };
  const key = cert.publicKey;
  const keyType = key?.asymmetricKeyType === 'rsa-pss' ? 'rsa' : key?.asymmetricKeyType;
  if (!key || keyType !== sigKind[0])
    return { error: `signing certificate's key does not suit signature algorithm ${sigOid}` };

  let signed: Uint8Array = sf;
  if (signedAttrs) {
    if (minSdk < 19) return { error: 'APKs with Signed Attributes broken on platforms with API Level < 19' };
    let contentType: string | undefined;
    let messageDigest: Uint8Array | undefined;
    for (const attr of children(signedAttrs, what, 5)) {
      const [type, values] = children(
        expectTag(attr, TAG.sequence, `${what} attribute`, attr.start),
        what,
        6,
      );
      const oid = oidString(expectTag(type, TAG.oid, `${what} attribute type`, attr.start));
      const v = values ? children(values, what, 6)[0] : undefined;
      if (oid === OID.contentType && v?.tag === TAG.oid) contentType = oidString(v);
      if (oid === OID.messageDigest && v?.tag === TAG.octetString) messageDigest = v.content;
    }
    if (contentType === undefined) return { error: 'No Content Type in signed attributes' };
    if (contentType !== sd.contentType) return {};
    if (!messageDigest) return { error: 'No content digest in signed attributes' };
    if (!sameBytes(messageDigest, createHash(digest).update(sf).digest())) return {};
    // The signature covers the attributes' DER encoding as a SET, not as the [0] they are stored as.
    const reTagged = Uint8Array.from(signedAttrs.raw);
    reTagged[0] = TAG.set;
    signed = reTagged;
  }
  try {
    return verify(sigKind[1] ?? digest, signed, key, signature) ? { cert } : {};
  } catch {
    return {};
  }
}
