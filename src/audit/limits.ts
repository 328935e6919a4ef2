/** Named limits of the audit pipeline, with their unit (the decoders' own are NET_LIMITS, APP_LIMITS). */
export const AUDIT_LIMITS = {
  /** Addresses remembered from DNS answers. */
  maxDnsAddresses: 200_000,
  /** Destinations in one report (each is a row; past this, new ones fold into one overflow row). */
  maxDestinations: 100_000,
  /** Upstream events held per flow while its name is still being read (then merged into the last). */
  maxPendingEvents: 32,
  /** QUIC datagrams fed to the Initial assembler of one flow before giving up on its name. */
  maxQuicDatagrams: 16,
  /** Warnings kept per capture (the rest are counted). */
  maxWarningsPerCapture: 200,
  /** Bins of one destination's upload timeline (their width doubles to stay under this). */
  maxTimelineBins: 256,
  /** One-second buckets kept per destination for the rolling-hour sum. */
  hourBuckets: 3600,
} as const;
