/**
 * An HTTP/1.x request head (RFC 9112 §3, §5): method, target in its four forms (origin,
 * absolute for proxies, authority for CONNECT, asterisk), the Host field, bounded in size.
 * Bytes that cannot begin a request line are malformed at once, so a stream is classified early.
 */
import { type AirlockError, malformed, truncated } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { type Decoded, decodeWith, needLater } from '../decode/outcome.js';
import { asciiText } from './cursor.js';
import { APP_LIMITS } from './limits.js';

export interface HttpAuthority {
  /** Lower-cased host; IPv6 literals without brackets. */
  readonly host: string;
  readonly port?: number;
}

export interface HttpRequestHead {
  readonly method: string;
  readonly target: string;
  readonly form: 'origin' | 'absolute' | 'authority' | 'asterisk';
  /** 'HTTP/1.1' */
  readonly version: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** The Host field as sent (tshark's http.host). */
  readonly hostHeader?: string;
  /** Where the request goes: the CONNECT authority, the absolute URI's, or else the Host field's. */
  readonly authority?: HttpAuthority;
  /** Bytes of the head, through the empty line. */
  readonly length: number;
}

const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** The longest method worth waiting for before deciding a stream is not HTTP. */
const MAX_METHOD = 24;

/** 'host', 'host:port', '[v6]:port' → its parts; undefined when it is not an authority. */
export function parseAuthority(s: string): HttpAuthority | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:@/\s[\]]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return undefined;
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  const port = m[2] !== undefined ? Number(m[2]) : undefined;
  if (port !== undefined && port > 65535) return undefined;
  return { host: host.toLowerCase(), ...(port !== undefined ? { port } : {}) };
}

function targetForm(method: string, target: string): HttpRequestHead['form'] {
  if (method === 'CONNECT') return 'authority';
  if (target === '*') return 'asterisk';
  if (target.startsWith('/')) return 'origin';
  return 'absolute';
}

function authorityOfUri(target: string): HttpAuthority | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(target);
  return m ? parseAuthority(m[1]!) : undefined;
}

/** Whether `b` can still be the beginning of a request line (at most MAX_METHOD + 1 bytes looked at). */
function prefixError(b: Uint8Array, base: number): AirlockError | undefined {
  const n = Math.min(b.length, MAX_METHOD + 1);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x20) return i === 0 ? malformed('HTTP request line starts with a space', base) : undefined;
    if (!TCHAR.test(String.fromCharCode(c)))
      return malformed('not an HTTP request: bad method byte', base + i);
  }
  return b.length > MAX_METHOD ? malformed('not an HTTP request: method too long', base) : undefined;
}

/** Throws unless `b` can still be the beginning of a request line. */
function checkPrefix(b: Uint8Array, base: number): void {
  const e = prefixError(b, base);
  if (e) throw e;
}

/** The index just past the head's empty line, or -1. Accepts CRLF and bare LF line ends. */
function headEnd(b: Uint8Array, limit: number, from = 0): number {
  for (let i = from; i < limit; i++) {
    if (b[i] !== 0x0a) continue;
    if (b[i + 1] === 0x0a) return i + 2;
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function readHead(b: Uint8Array, base: number): HttpRequestHead {
  checkPrefix(b, base);
  const limit = Math.min(b.length, APP_LIMITS.maxHttpHeadBytes);
  const end = headEnd(b, limit);
  if (end < 0) {
    if (b.length >= APP_LIMITS.maxHttpHeadBytes)
      bound(b.length, APP_LIMITS.maxHttpHeadBytes - 1, 'HTTP request head without its end', base);
    throw truncated('HTTP request head', base + b.length);
  }
  const text = Buffer.from(b.buffer, b.byteOffset, end).toString('latin1');
  // Lines end in LF, a CR before it dropped (as split(/\r?\n/)), read in place: one per request.
  let from = 0;
  const nextLine = (): string => {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    const line = text.slice(from, nl > from && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl);
    from = nl + 1;
    return line;
  };
  const first = nextLine();
  const m = /^(\S+) (\S+) (HTTP\/\d\.\d)$/.exec(first);
  if (!m || !TCHAR.test(m[1]!))
    throw malformed(`bad HTTP request line "${asciiText(Buffer.from(first.slice(0, 80), 'latin1'))}"`, base);
  const [, method, target, version] = m as unknown as [string, string, string, string];
  const headers: { name: string; value: string }[] = [];
  while (from < text.length) {
    const at = from;
    const line = nextLine();
    if (line === '') break;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // Obsolete line folding and field names with spaces are request smuggling material.
    if (!TCHAR.test(name)) throw malformed('bad HTTP header line', base + at);
    bound(
      headers.push({ name, value: line.slice(colon + 1).trim() }),
      APP_LIMITS.maxHttpHeaders,
      'HTTP headers',
      base,
    );
  }
  const hosts = headers.filter((h) => h.name.toLowerCase() === 'host');
  // RFC 9112 §3.2: a request with several Host fields must be rejected; a gateway must not guess.
  if (hosts.length > 1) throw malformed('several Host header fields', base);
  const hostHeader = hosts[0]?.value;
  const form = targetForm(method, target);
  const authority =
    form === 'authority'
      ? parseAuthority(target)
      : form === 'absolute'
        ? authorityOfUri(target)
        : hostHeader !== undefined
          ? parseAuthority(hostHeader)
          : undefined;
  if (form === 'authority' && !authority) throw malformed('CONNECT target is not an authority', base);
  return {
    method,
    target,
    form,
    version,
    headers,
    ...(hostHeader !== undefined ? { hostHeader } : {}),
    ...(authority ? { authority } : {}),
    length: end,
  };
}

/**
 * The request head at the start of `b` ('need' until its empty line). `base`: absolute offset of b[0].
 * `known`: a head read as it arrives says how long a prefix of these same bytes was answered 'need'
 * before; the search for the head's end goes on from there, so a head trickled in many pieces costs
 * its length once, not once per piece. Whatever is not 'need' is read by the whole-buffer reading.
 */
export function readHttpRequestHead(b: Uint8Array, base = 0, known?: number): Decoded<HttpRequestHead> {
  // A prefix longer than any method that was answered 'need' had its space: its check holds still.
  const prefixHeld = known !== undefined && known > MAX_METHOD && b.length >= known;
  // Nothing known (a head's first piece, most often all of it): the whole-buffer reading at once.
  if (
    known !== undefined &&
    known > 0 &&
    b.length < APP_LIMITS.maxHttpHeadBytes &&
    (prefixHeld || !prefixError(b, base))
  ) {
    // An end found needs up to 2 bytes after its first LF: the last 2 bytes of the prefix may start one.
    const from = Math.max(0, Math.min(known, b.length) - 2);
    if (headEnd(b, b.length, from) < 0)
      return needLater(() => truncated('HTTP request head', base + b.length));
  }
  return decodeWith(() => readHead(b, base));
}
