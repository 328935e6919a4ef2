/**
 * Binary XML (AndroidManifest.xml, res/xml/*) and the manifest model: parseAxml reads the bytes
 * into a tree, readManifest reads that tree the way Android's package parser and aapt do.
 */
export { type ResolvedValue, type ResourceTable, readResourceTable } from './arsc.js';
export { ANDROID_NS } from './attr-names.js';
export { readManifest } from './manifest.js';
export type * from './manifest-types.js';
export {
  type DomainConfig,
  type NetworkSecurityConfig,
  readNetworkSecurityConfig,
  type TrustAnchor,
} from './network-security.js';
export { parseAxml } from './parse.js';
export type * from './types.js';
