/**
 * The ZIP reader's own limits, named with their unit. Kept beside the reader (not in core/limits)
 * because nothing else reads ZIP; every one goes through core's `bound`.
 */
export const ZIP_LIMITS = {
  /** Entries one central directory may list: a large Android app has tens of thousands. */
  maxEntries: 1_000_000,
  /** Entries a classic (non-zip64) end record can count. */
  maxClassicEntries: 0xffff,
  /** The end record's comment, hence how far back from the end the record is searched for. */
  maxCommentBytes: 0xffff,
  /** Warnings one archive may yield: one hostile archive should not fill memory with them. */
  maxWarnings: 10_000,
} as const;
