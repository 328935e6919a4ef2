/**
 * A network security config (res/xml/…, named by android:networkSecurityConfig) read from its
 * binary XML tree, as Android's XmlConfigSource reads it: plain (un-namespaced) attributes,
 * domain names as element text. What a vet needs: where cleartext is allowed and whether
 * user-installed CAs (an interception proxy's) are trusted. Defaults are Android's, by target SDK.
 */
import type { Warning } from '../../findings/model.js';
import type { AxmlElement } from './types.js';
import { Warnings } from './warnings.js';

/** Android 9: cleartext off by default. Android 7: user CAs no longer trusted by default. */
const CLEARTEXT_OFF_FROM_SDK = 28;
const USER_CAS_OFF_FROM_SDK = 24;

export interface TrustAnchor {
  /** 'system', 'user', or a raw resource ('@0x7f…') of bundled certificates. */
  src: string;
  overridePins: boolean;
}

export interface DomainConfig {
  domains: { name: string; includeSubdomains: boolean }[];
  cleartextTrafficPermitted: boolean;
  trustAnchors: TrustAnchor[];
  /** SHA-256 pin digests (base64). */
  pins: string[];
}

export interface NetworkSecurityConfig {
  base: { cleartextTrafficPermitted: boolean; trustAnchors: TrustAnchor[] };
  /** Nested domain-configs flattened, each with what it inherits filled in. */
  domains: DomainConfig[];
  /** Trust anchors added only when the app is debuggable. */
  debugTrustAnchors: TrustAnchor[];
  /** Somewhere (outside debug-overrides) cleartext is permitted / user CAs are trusted. */
  cleartextAnywhere: boolean;
  trustsUserCas: boolean;
  warnings: Warning[];
}

function plainBool(el: AxmlElement, name: string): boolean | undefined {
  const a = el.attrs.find((x) => (x.poolName ?? x.name) === name);
  if (!a) return undefined;
  if (a.type === 'boolean') return a.data !== 0;
  const s = String(a.raw ?? a.value)
    .trim()
    .toLowerCase();
  return s === 'true' ? true : s === 'false' ? false : undefined;
}

function plainString(el: AxmlElement, name: string): string | undefined {
  const a = el.attrs.find((x) => (x.poolName ?? x.name) === name);
  if (!a) return undefined;
  return a.raw ?? (a.value === null ? undefined : String(a.value));
}

function anchors(el: AxmlElement | undefined): TrustAnchor[] | undefined {
  if (!el) return undefined;
  return el.children
    .filter((c) => c.name === 'certificates')
    .map((c) => ({ src: plainString(c, 'src') ?? '', overridePins: plainBool(c, 'overridePins') === true }));
}

const child = (el: AxmlElement, name: string): AxmlElement | undefined =>
  el.children.find((c) => c.name === name);
const text = (el: AxmlElement): string =>
  el.text
    .map((t) => t.value)
    .join('')
    .trim();

export function readNetworkSecurityConfig(root: AxmlElement, targetSdk: number): NetworkSecurityConfig {
  const w = new Warnings();
  if (root.name !== 'network-security-config')
    w.add('nsc-root', root.offset, `root element is <${root.name}>, not <network-security-config>`);
  const baseEl = child(root, 'base-config');
  const defaultAnchors: TrustAnchor[] = [
    { src: 'system', overridePins: false },
    ...(targetSdk < USER_CAS_OFF_FROM_SDK ? [{ src: 'user', overridePins: false }] : []),
  ];
  const base = {
    cleartextTrafficPermitted:
      (baseEl && plainBool(baseEl, 'cleartextTrafficPermitted')) ?? targetSdk < CLEARTEXT_OFF_FROM_SDK,
    trustAnchors: anchors(baseEl ? child(baseEl, 'trust-anchors') : undefined) ?? defaultAnchors,
  };
  const domains: DomainConfig[] = [];
  const visit = (
    el: AxmlElement,
    parent: { cleartextTrafficPermitted: boolean; trustAnchors: TrustAnchor[] },
    depth: number,
  ) => {
    if (depth > 32) return; // the tree's own depth limit holds too; nested domain-configs are rare
    const pinSet = child(el, 'pin-set');
    const cfg: DomainConfig = {
      domains: el.children
        .filter((c) => c.name === 'domain')
        .map((d) => ({ name: text(d), includeSubdomains: plainBool(d, 'includeSubdomains') === true })),
      cleartextTrafficPermitted:
        plainBool(el, 'cleartextTrafficPermitted') ?? parent.cleartextTrafficPermitted,
      trustAnchors: anchors(child(el, 'trust-anchors')) ?? parent.trustAnchors,
      pins: pinSet ? pinSet.children.filter((p) => p.name === 'pin').map(text) : [],
    };
    if (cfg.domains.length === 0) w.add('nsc-domain-config', el.offset, 'a domain-config names no domain');
    domains.push(cfg);
    for (const c of el.children) if (c.name === 'domain-config') visit(c, cfg, depth + 1);
  };
  for (const c of root.children) if (c.name === 'domain-config') visit(c, base, 0);
  const debug = child(root, 'debug-overrides');
  const debugTrustAnchors = anchors(debug ? child(debug, 'trust-anchors') : undefined) ?? [];
  const all = [base, ...domains];
  return {
    base,
    domains,
    debugTrustAnchors,
    cleartextAnywhere: all.some((c) => c.cleartextTrafficPermitted),
    trustsUserCas: all.some((c) => c.trustAnchors.some((a) => a.src === 'user')),
    warnings: w.done(),
  };
}
