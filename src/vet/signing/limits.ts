/**
 * The signing reader's own limits, named with their unit; every untrusted size goes through core's
 * `bound` against one of these.
 */
export const SIGNING_LIMITS = {
  /** The whole APK Signing Block: real ones are a few kB to a few hundred kB (padding to 4 kB). */
  maxBlockBytes: 64 * 1024 * 1024,
  /** ID-value pairs in the block. */
  maxPairs: 4096,
  /** Signers in one v2/v3 block; Android accepts up to 10 for v2. */
  maxSigners: 64,
  /** Certificates, digests, signatures or attributes in one signer. */
  maxItems: 256,
  /** Nodes in a v3 proof-of-rotation lineage. */
  maxLineageNodes: 64,
  /** MANIFEST.MF, .SF and the PKCS#7 block read into memory. */
  maxMetaBytes: 64 * 1024 * 1024,
  /** Each entry hashed for the JAR manifest. */
  maxEntryBytes: 2 * 1024 * 1024 * 1024 - 1,
  /** Sections in MANIFEST.MF or a .SF: one per entry. */
  maxSections: 1_000_000,
  /** JAR signers (.RSA/.DSA/.EC files). */
  maxJarSigners: 64,
  /** DER nesting read from a PKCS#7 block. */
  maxDerDepth: 32,
} as const;
