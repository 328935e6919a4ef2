/**
 * The network endpoints a DEX's strings name: every http/https/ws/wss/ftp URL (anywhere in a
 * string), and strings that are exactly a host name. A bare name counts only when it reads as one:
 * lower-case labels under an ICANN public suffix (tldts carries the Public Suffix List, offline),
 * not a Java package or class ('java.lang.String', 'R.id.foo', 'com.example.app'), not a file name
 * ('libjpeg.so', 'build.properties'), not a system property ('os.name', 'ro.secure'). XML
 * namespace names are not endpoints and are skipped.
 */
import { parse } from 'tldts';

export type UrlScheme = 'http' | 'https' | 'ws' | 'wss' | 'ftp';

/** One host the strings name, however many times and in whatever URLs. */
export interface HostMention {
  /** Lower-cased host name (IDN as punycode), or an IP literal (IPv6 without brackets). */
  host: string;
  ip: boolean;
  /** Schemes of the URLs naming it, sorted; empty when it is only named bare. */
  schemes: UrlScheme[];
  /** Ports of those URLs (as written, else the scheme's default), ascending. */
  ports: number[];
  /** Some URL names it with an unencrypted scheme (http, ws, ftp). */
  cleartext: boolean;
  /** Some string is exactly this host name (not only a URL naming it). */
  bare: boolean;
  /** The first URL naming it (at most EXAMPLE_CHARS). */
  url?: string;
  /** The first string it came from (at most EXAMPLE_CHARS). */
  example: string;
  /** How many times the strings name it (each URL occurrence, each bare string). */
  count: number;
}

const EXAMPLE_CHARS = 200;
const DEFAULT_PORT: Record<UrlScheme, number> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };
const CLEARTEXT: Record<UrlScheme, boolean> = { http: true, https: false, ws: true, wss: false, ftp: true };

/** A URL runs to whitespace or a character URLs never hold unescaped. */
const URL_RE = /\b(https?|wss?|ftp):\/\/([^\s"'<>\\^`{|}]*)/gi;
/** Host and port characters: a template's '%s' or '{0}' ends the authority there. */
const AUTHORITY_RE = /^[A-Za-z0-9.\-:[\]@_~]*/;
/** Lower-case dotted labels, the last one (the TLD) starting with a letter. */
const NAME_RE = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** First labels of Java and Android package names (reverse-DNS roots among them) and of Android
 * system properties ('ro.secure', 'persist.sys.locale'). */
// biome-ignore format: a word list
const PACKAGE_ROOTS = new Set([
  'java', 'javax', 'jdk', 'sun', 'android', 'androidx', 'dalvik', 'libcore', 'kotlin', 'kotlinx',
  'com', 'org', 'net', 'edu', 'gov', 'io',
  'ro', 'persist', 'sys', 'debug', 'init', 'gsm', 'vendor', 'log',
]);
/** Public suffixes that, in code, end file names and property keys far more often than hosts. */
// biome-ignore format: a word list
const FILE_SUFFIXES = new Set([
  'so', 'sh', 'py', 'pl', 'pm', 'md', 'rs', 'mk', 'cc', 'ps', 'zip', 'mov', 'java', 'properties',
  'name', 'map', 'cab',
]);

/**
 * A bare name of two labels is a host only under a TLD that service hosts commonly use: in code,
 * two dotted words are far more often a file ('patch.info', a Tinker file) or a package fragment
 * ('cn.google') than a registrable domain named alone. Names of three labels or more, and every
 * name inside a URL, are taken under any ICANN suffix.
 */
// biome-ignore format: a word list
const TWO_LABEL_TLDS = new Set([
  'com', 'net', 'org', 'cn', 'io', 'co', 'me', 'app', 'dev', 'ai', 'cloud', 'de', 'jp', 'ru', 'fr',
  'eu', 'us', 'hk', 'tw', 'kr', 'in',
]);

/**
 * XML namespace names are URIs that identify, not addresses anything fetches
 * ('http://schemas.android.com/apk/res/android' in every app): a string that is one is skipped.
 */
const NAMESPACE_URI_RE =
  /^https?:\/\/(?:schemas\.android\.com\/|www\.w3\.org\/|ns\.adobe\.com\/|xmlpull\.org\/|xml\.org\/sax\/|schemas\.xmlsoap\.org\/|purl\.org\/dc\/)/;

/** Dotted class names and their packages, from the type descriptors among the strings. */
function codeNames(strings: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const s of strings) {
    if (s.length < 3 || s.charCodeAt(0) !== 0x4c /* L */ || !s.endsWith(';')) continue;
    const dotted = s.slice(1, -1).replaceAll('/', '.');
    for (let i = dotted.indexOf('.'); i > 0; i = dotted.indexOf('.', i + 1)) names.add(dotted.slice(0, i));
    names.add(dotted);
  }
  return names;
}

const clip = (s: string): string => (s.length > EXAMPLE_CHARS ? `${s.slice(0, EXAMPLE_CHARS)}…` : s);

/** The host, port and IP-ness of a URL's authority, or undefined when it names no usable host. */
function urlHost(scheme: UrlScheme, rest: string): { host: string; port: number; ip: boolean } | undefined {
  const authority = AUTHORITY_RE.exec(rest)?.[0] ?? '';
  if (authority === '') return undefined;
  let u: URL;
  try {
    u = new URL(`${scheme}://${authority}/`);
  } catch {
    return undefined; // a template or garbage: nothing to name
  }
  let host = u.hostname;
  const ip = host.startsWith('[') || IPV4_RE.test(host);
  if (host.startsWith('[')) host = host.slice(1, -1);
  else if (host === '' || host.startsWith('.') || host.endsWith('.') || host.includes('..')) return undefined;
  return { host, port: u.port === '' ? DEFAULT_PORT[scheme] : Number(u.port), ip };
}

/** Whether a whole string reads as a host name rather than code, a file or a key. */
function isHostName(s: string, code: Set<string>): boolean {
  if (s.length < 4 || s.length > 253 || !NAME_RE.test(s)) return false;
  const first = s.slice(0, s.indexOf('.'));
  const last = s.slice(s.lastIndexOf('.') + 1);
  if (PACKAGE_ROOTS.has(first) || FILE_SUFFIXES.has(last) || code.has(s)) return false;
  if (s.indexOf('.') === s.lastIndexOf('.') && !TWO_LABEL_TLDS.has(last)) return false;
  const p = parse(s, { allowPrivateDomains: false });
  return p.isIcann === true && !p.isIp && p.domain !== null && p.domain !== '';
}

/** Hosts the strings name, each once, in the order first named, with a count and where first seen. */
export function hostsIn(strings: Iterable<string>): HostMention[] {
  // Read twice (code names, then hosts): a one-shot iterable is kept.
  const list = Array.isArray(strings) ? (strings as readonly string[]) : [...strings];
  const code = codeNames(list);
  // Sets while counting: a hostile file may name one host on thousands of ports.
  const found = new Map<string, { m: HostMention; schemes: Set<UrlScheme>; ports: Set<number> }>();
  const mention = (host: string, ip: boolean, example: string) => {
    let f = found.get(host);
    if (!f) {
      const m: HostMention = {
        host,
        ip,
        schemes: [],
        ports: [],
        cleartext: false,
        bare: false,
        example: clip(example),
        count: 0,
      };
      f = { m, schemes: new Set(), ports: new Set() };
      found.set(host, f);
    }
    f.m.count++;
    return f;
  };
  for (const s of list) {
    if (s.includes('://')) {
      if (NAMESPACE_URI_RE.test(s)) continue;
      for (const u of s.matchAll(URL_RE)) {
        const scheme = u[1]!.toLowerCase() as UrlScheme;
        const h = urlHost(scheme, u[2]!);
        if (!h) continue;
        const f = mention(h.host, h.ip, s);
        f.m.url ??= clip(u[0]);
        f.schemes.add(scheme);
        f.ports.add(h.port);
        if (CLEARTEXT[scheme]) f.m.cleartext = true;
      }
    } else if (isHostName(s, code)) {
      mention(s, false, s).m.bare = true;
    }
  }
  const out: HostMention[] = [];
  for (const f of found.values()) {
    f.m.schemes = [...f.schemes].sort();
    f.m.ports = [...f.ports].sort((a, b) => a - b);
    out.push(f.m);
  }
  return out;
}
