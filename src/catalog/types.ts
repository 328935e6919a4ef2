/** The destination catalog's shape: host patterns labelled by purpose, each with its public source. */

export const PURPOSES = [
  'flight-record-sync',
  'geofence',
  'firmware',
  'app-self-update',
  'analytics',
  'media-sharing',
  'maps',
  'crash-analytics-sdk',
  'push-sdk',
  'share-sdk',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/** What kind of document the source is. */
export type SourceKind = 'audit' | 'vendor-docs' | 'decompiled-code';

export interface CatalogSource {
  kind: SourceKind;
  /** A URL, or a document title when the document has no stable URL. */
  ref: string;
  /** What in the source backs the entry (the quoted host, endpoint or finding). */
  note: string;
}

export interface CatalogEntry {
  /** 'host.example' (that name) or '*.example' (names under it), as in the policy's allowlist. */
  host: string;
  purposes: Purpose[];
  vendor: string;
  /** One line for reports. */
  label: string;
  /**
   * 'host': a source names this host for this purpose. 'service': sources confirm the service
   * and purpose, but the host name comes from Airlock's design notes and is not quoted by them.
   */
  evidence: 'host' | 'service';
  sources: CatalogSource[];
}
