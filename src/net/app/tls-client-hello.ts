/**
 * The TLS ClientHello (RFC 8446 §4.1.2) as the names it gives away: SNI (RFC 6066), ALPN
 * (RFC 7301), the versions offered, and whether Encrypted Client Hello (0xfe0d) hides the real
 * name (then the SNI is the outer, public name). Two framings: TLS records on a TCP stream (a
 * hello may be split across segments and span several records), and the bare handshake message
 * that QUIC carries in CRYPTO frames.
 */
import { malformed } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { type Decoded, decodeWith } from '../decode/outcome.js';
import { asciiText, Cursor } from './cursor.js';
import { APP_LIMITS } from './limits.js';
import type { HelloRecordWalk } from './tls-record-walk.js';

export const TLS_EXT = {
  SERVER_NAME: 0,
  ALPN: 16,
  SUPPORTED_VERSIONS: 43,
  QUIC_TRANSPORT_PARAMETERS: 57,
  ENCRYPTED_CLIENT_HELLO: 0xfe0d,
} as const;

const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;

export interface ClientHello {
  /** legacy_version (0x0303 for TLS 1.2 and 1.3 hellos). */
  readonly legacyVersion: number;
  /** supported_versions without GREASE values, or [legacyVersion] when the extension is absent. */
  readonly versions: readonly number[];
  /** server_name host_name; with ECH, the outer (public) name. Odd bytes escaped as \DDD. */
  readonly sni?: string;
  /** Absolute offset and length of the SNI bytes in the input (records: the stream). */
  readonly sniRange?: { readonly offset: number; readonly length: number };
  readonly alpn: readonly string[];
  /** encrypted_client_hello present: the real server name is encrypted and hidden. */
  readonly ech: boolean;
  /** quic_transport_parameters present (a QUIC ClientHello). */
  readonly quic: boolean;
  /** Extension types in order (GREASE included): a fingerprint's raw material. */
  readonly extensions: readonly number[];
  readonly cipherSuites: readonly number[];
  /** Input bytes the hello occupies: the records that carried it, or the handshake message. */
  readonly length: number;
}

/** RFC 8701 GREASE values: 0x0a0a, 0x1a1a … 0xfafa. */
export const isGrease = (v: number): boolean => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

function readServerName(x: Cursor): { sni?: string; range?: { offset: number; length: number } } {
  const list = x.vec(2, 'server_name_list');
  while (!list.done) {
    const type = list.u8('name_type');
    const name = list.vec(2, 'host_name');
    if (type === 0) return { sni: asciiText(name.b), range: { offset: name.base, length: name.b.length } };
  }
  return {};
}

function readExtensions(c: Cursor, legacyVersion: number): Omit<ClientHello, 'cipherSuites' | 'length'> {
  const alpn: string[] = [];
  const extensions: number[] = [];
  let versions: number[] | undefined;
  let sni: ReturnType<typeof readServerName> = {};
  let ech = false;
  let quic = false;
  // SSL 3.0-style hellos end after compression_methods.
  const all = c.done ? undefined : c.vec(2, 'extensions');
  while (all && !all.done) {
    const type = all.u16('extension type');
    bound(extensions.push(type), APP_LIMITS.maxTlsExtensions, 'TLS extensions', all.offset);
    const x = all.vec(2, 'extension data');
    if (type === TLS_EXT.SERVER_NAME && sni.sni === undefined) {
      sni = readServerName(x);
    } else if (type === TLS_EXT.ALPN) {
      const list = x.vec(2, 'ALPN list');
      while (!list.done) alpn.push(asciiText(list.vec(1, 'ALPN protocol').b));
    } else if (type === TLS_EXT.SUPPORTED_VERSIONS) {
      const list = x.vec(1, 'supported_versions');
      if (list.b.length % 2 !== 0) throw malformed('supported_versions of odd length', list.base);
      versions = [];
      while (!list.done) {
        const v = list.u16('version');
        if (!isGrease(v)) versions.push(v);
      }
    } else if (type === TLS_EXT.ENCRYPTED_CLIENT_HELLO) ech = true;
    else if (type === TLS_EXT.QUIC_TRANSPORT_PARAMETERS) quic = true;
  }
  c.end('ClientHello');
  return {
    legacyVersion,
    versions: versions ?? [legacyVersion],
    ...(sni.sni !== undefined ? { sni: sni.sni, sniRange: sni.range! } : {}),
    alpn,
    ech,
    quic,
    extensions,
  };
}

/** The ClientHello body (after the 4-byte handshake header); `base` is its absolute offset. */
function readBody(body: Uint8Array, base: number, length: number): ClientHello {
  const c = new Cursor(body, 0, base, 'malformed');
  const legacyVersion = c.u16('legacy_version');
  if (legacyVersion >> 8 !== 3) throw malformed(`ClientHello version 0x${legacyVersion.toString(16)}`, base);
  c.bytes(32, 'random');
  const sid = c.vec(1, 'legacy_session_id');
  if (sid.b.length > 32) throw malformed(`session id of ${sid.b.length} bytes`, sid.base);
  const suites = c.vec(2, 'cipher_suites');
  if (suites.b.length % 2 !== 0) throw malformed('cipher_suites of odd length', suites.base);
  const cipherSuites: number[] = [];
  while (!suites.done) cipherSuites.push(suites.u16('cipher suite'));
  c.vec(1, 'legacy_compression_methods');
  return { ...readExtensions(c, legacyVersion), cipherSuites, length };
}

/** Checks a handshake header and returns the body length it declares. */
function handshakeLength(type: number, length: number, at: number): number {
  if (type !== HANDSHAKE_CLIENT_HELLO) throw malformed(`handshake type ${type}, not ClientHello`, at);
  return bound(length, APP_LIMITS.maxClientHelloBytes, 'ClientHello length', at + 1);
}

/**
 * A bare ClientHello handshake message (QUIC's CRYPTO stream): 'need' until the whole message is
 * there. `base` is the absolute offset of b[0] (QUIC: the CRYPTO stream offset).
 */
export function readClientHelloMessage(b: Uint8Array, base = 0): Decoded<ClientHello> {
  return decodeWith(() => {
    const c = new Cursor(b, 0, base);
    const type = c.u8('handshake type');
    const len = handshakeLength(type, c.u24('handshake length'), base);
    const body = c.bytes(len, 'ClientHello');
    return readBody(body, base + 4, 4 + len);
  });
}

/** A TLS record header looks like a handshake record (content type 22, major version 3). */
export const looksLikeTlsHandshake = (b: Uint8Array): boolean =>
  b.length >= 1 && b[0] === CONTENT_HANDSHAKE && (b.length < 2 || b[1] === 3);

/**
 * The ClientHello at the start of a client's TCP stream, through the record layer: records are
 * read until the handshake message is complete ('need' before then). Offsets are stream offsets.
 * `walk`: a stream read as it arrives keeps one (tls-record-walk.ts) so each record header is read
 * once, however many pieces and records the hello comes in; the answers are the same.
 */
export function readClientHelloRecords(
  stream: Uint8Array,
  base = 0,
  walk?: HelloRecordWalk,
): Decoded<ClientHello> {
  const need = walk?.need<ClientHello>(stream, base);
  if (need) return need;
  return decodeWith(() => {
    const c = new Cursor(stream, 0, base);
    const parts: Uint8Array[] = [];
    const starts: number[] = [];
    let have = 0;
    let want = -1;
    for (;;) {
      const at = c.offset;
      const type = c.u8('TLS record type');
      if (type !== CONTENT_HANDSHAKE) throw malformed(`TLS record type ${type}, not handshake`, at);
      const version = c.u16('TLS record version');
      if (version >> 8 !== 3) throw malformed(`TLS record version 0x${version.toString(16)}`, at + 1);
      const len = bound(
        c.u16('TLS record length'),
        APP_LIMITS.maxTlsRecordBytes,
        'TLS record length',
        at + 3,
      );
      if (len === 0) throw malformed('empty handshake record', at + 3);
      starts.push(c.offset);
      parts.push(c.bytes(len, 'TLS record'));
      have += len;
      if (want < 0 && have >= 4) {
        const head = concat(parts, 4);
        want = 4 + handshakeLength(head[0]!, (head[1]! << 16) | (head[2]! << 8) | head[3]!, starts[0]!);
      }
      if (want >= 0 && have >= want) break;
    }
    // The body's offsets are only meaningful when one record carried it; else the first record's.
    const msg = concat(parts, want);
    const hello = readBody(msg.subarray(4), parts.length === 1 ? starts[0]! + 4 : starts[0]!, c.at);
    if (parts.length === 1 || !hello.sniRange) return hello;
    return { ...hello, sniRange: mapRange(hello.sniRange, starts[0]!, parts, starts) };
  });
}

/** The first `n` bytes of the concatenated parts. */
function concat(parts: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    if (at >= n) break;
    const take = Math.min(p.length, n - at);
    out.set(p.subarray(0, take), at);
    at += take;
  }
  return out;
}

/** A range in the concatenated record payloads (offset from `origin`) → a stream range, when it lies in one record. */
function mapRange(
  r: { offset: number; length: number },
  origin: number,
  parts: Uint8Array[],
  starts: number[],
): { offset: number; length: number } | undefined {
  // readBody saw the message starting at `origin`; the body starts 4 bytes in.
  let rel = r.offset - origin + 4;
  for (let i = 0; i < parts.length; i++) {
    if (rel < parts[i]!.length) {
      return rel + r.length <= parts[i]!.length ? { offset: starts[i]! + rel, length: r.length } : undefined;
    }
    rel -= parts[i]!.length;
  }
  return undefined;
}
