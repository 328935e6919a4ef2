/**
 * What a signer's X.509 certificate says: its SHA-256 (of the bytes as the APK carries them, which
 * is what apksigner and F-Droid print), its subject as apksigner prints it, its key and validity.
 * Read with the DER reader rather than Node's X509Certificate, which refuses certificates Android
 * accepts (apksig keeps a non-DER certificate's original bytes; corpus v2-only-…-cert-not-der.apk).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { malformed } from '../../core/errors.js';
import { publicKeyOf } from './algorithms.js';
import { children, expectTag, oidString, parseDer, TAG, type Tlv } from './der.js';
import type { SchemeName, Signer } from './types.js';

export interface CertificateInfo {
  der: Uint8Array;
  certSha256: string;
  /** 'CN=…, OU=…, O=…, C=…': most specific first, as Java's X500Name prints it (apksigner's "DN"). */
  subject: string;
  issuer: string;
  /** The encoded issuer Name and serial contents, to find a PKCS#7 SignerInfo's certificate. */
  issuerDer: Uint8Array;
  serial: Uint8Array;
  /** The SubjectPublicKeyInfo as encoded. */
  spki: Uint8Array;
  publicKey?: KeyObject;
  keyAlgorithm?: string;
  keyBits?: number;
  notBefore?: string;
  notAfter?: string;
}

const ATTR_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.4': 'SURNAME',
  '2.5.4.42': 'GIVENNAME',
  '2.5.4.43': 'INITIALS',
  '2.5.4.44': 'GENERATION',
  '2.5.4.46': 'DNQUALIFIER',
  '2.5.4.5': 'SERIALNUMBER',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'EMAILADDRESS',
};

const STRING_TAGS = new Set([0x0c, 0x13, 0x14, 0x16, 0x1a, 0x1e, 0x1c]);

function attrValue(v: Tlv): string | undefined {
  if (!STRING_TAGS.has(v.tag)) return undefined;
  if (v.tag === 0x1e) {
    // BMPString: UTF-16BE
    let s = '';
    for (let i = 0; i + 1 < v.content.length; i += 2)
      s += String.fromCharCode((v.content[i]! << 8) | v.content[i + 1]!);
    return s;
  }
  return v.tag === 0x0c ? new TextDecoder().decode(v.content) : Buffer.from(v.content).toString('latin1');
}

/** Java's AVA quoting: a value with a special character, or leading/trailing space, goes in quotes. */
function quoted(s: string): string {
  if (s === '' || !/[,+=\n<>#;"\\]|^\s|\s$/.test(s)) return s;
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** A Name, most specific RDN first, AVAs of one RDN joined with ' + '. */
export function formatName(name: Tlv, what: string): string {
  const rdns = children(name, what).map((rdn) =>
    children(rdn, what)
      .map((ava) => {
        const [type, value] = children(ava, what);
        const oid = oidString(expectTag(type, TAG.oid, `${what} attribute type`, ava.start));
        if (!value) throw malformed(`${what}: attribute without a value`, ava.start);
        const key = ATTR_NAMES[oid];
        const text = attrValue(value);
        if (key && text !== undefined) return `${key}=${quoted(text)}`;
        return `OID.${oid}=#${Buffer.from(value.raw).toString('hex')}`;
      })
      .join(' + '),
  );
  return rdns.reverse().join(', ');
}

function time(t: Tlv | undefined): string | undefined {
  if (!t || (t.tag !== 0x17 && t.tag !== 0x18)) return undefined;
  const s = Buffer.from(t.content).toString('latin1');
  const m = (
    t.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/
  ).exec(s);
  if (!m) return undefined;
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const iso = `${String(year).padStart(4, '0')}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
  prime192v1: 192,
};

function keyFacts(key: KeyObject | undefined): Pick<CertificateInfo, 'keyAlgorithm' | 'keyBits'> {
  if (!key) return {};
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { keyAlgorithm: 'RSA', keyBits: d.modulusLength };
    case 'dsa':
      return { keyAlgorithm: 'DSA', keyBits: d.modulusLength };
    case 'ec':
      return { keyAlgorithm: 'EC', keyBits: d.namedCurve ? CURVE_BITS[d.namedCurve] : undefined };
    default:
      return { keyAlgorithm: key.asymmetricKeyType?.toUpperCase() };
  }
}

/** Reads a certificate; throws an AirlockError (offsets relative to `base`) when it is not one. */
export function readCertificate(der: Uint8Array, base = 0): CertificateInfo {
  const what = 'X.509 certificate';
  const cert = expectTag(parseDer(der, base, what), TAG.sequence, what, base);
  const [tbs] = children(cert, what);
  const fields = children(expectTag(tbs, TAG.sequence, `${what} TBSCertificate`, cert.start), what);
  let i = fields[0]?.tag === TAG.context0 ? 1 : 0;
  const serial = expectTag(fields[i++], TAG.integer, `${what} serial`, cert.start);
  i++; // signature algorithm
  const issuer = expectTag(fields[i++], TAG.sequence, `${what} issuer`, cert.start);
  const validity = expectTag(fields[i++], TAG.sequence, `${what} validity`, cert.start);
  const subject = expectTag(fields[i++], TAG.sequence, `${what} subject`, cert.start);
  const spki = expectTag(fields[i++], TAG.sequence, `${what} public key`, cert.start);
  const [nb, na] = children(validity, what);
  const publicKey = publicKeyOf(spki.raw);
  return {
    der,
    certSha256: createHash('sha256').update(der).digest('hex'),
    subject: formatName(subject, `${what} subject`),
    issuer: formatName(issuer, `${what} issuer`),
    issuerDer: issuer.raw,
    serial: serial.content,
    spki: spki.raw,
    publicKey,
    ...keyFacts(publicKey),
    notBefore: time(nb),
    notAfter: time(na),
  };
}

/** The signer a certificate names, as the report lists it (scheme-specific fields added by the caller). */
export const signerOf = (scheme: SchemeName, c: CertificateInfo): Signer => ({
  scheme,
  certSha256: c.certSha256,
  subject: c.subject,
  issuer: c.issuer,
  keyAlgorithm: c.keyAlgorithm,
  keyBits: c.keyBits,
  notBefore: c.notBefore,
  notAfter: c.notAfter,
});
