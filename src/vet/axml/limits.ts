/**
 * The binary XML reader's own limits, named with their unit; every one goes through core's
 * `bound`. Real manifests hold a few thousand elements and nest under ten deep.
 */
export const AXML_LIMITS = {
  /** A binary XML document read at once (the largest real manifests are a few hundred KB). */
  maxDocumentBytes: 64 * 1024 * 1024,
  /** Elements one document may hold. */
  maxElements: 500_000,
  /** Element nesting. */
  maxDepth: 256,
  /** Characters one decoded string may hold (the pool bound keeps it under the document size). */
  maxStringUnits: 16 * 1024 * 1024,
  /** Warnings one document may yield: a hostile file should not fill memory with them. */
  maxWarnings: 1000,
} as const;
