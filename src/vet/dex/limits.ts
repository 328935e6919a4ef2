/**
 * The DEX reader's named limits, with their units. Each caps work or memory that a hostile file
 * could otherwise blow up through one field (core/limits.ts `bound` raises the one limit error).
 */
export const DEX_LIMITS = {
  /** Largest DEX read: bigger than any real one (Android caps a dex at 4 GiB; real ones are < 20 MB). */
  maxDexBytes: 256 * 1024 * 1024,
  /** One string's bytes scanned for its terminating NUL: far above javac's 65,535-byte constant cap. */
  maxStringBytes: 1024 * 1024,
  /**
   * Bytes scanned for all strings together, as a multiple of the file's size: strings may share
   * bytes only in a hostile file, which could otherwise make 100k strings rescan the same megabyte.
   */
  stringScanFactor: 4,
  /** Interfaces one class lists (Java caps a class's interfaces at 65,535). */
  maxInterfaces: 65535,
  /**
   * Interface entries listed over all classes, beyond one per 2 bytes of the file: classes may share
   * a type_list (D8 dedupes them), so a hostile file could list one 65,535-entry list 300k times.
   */
  maxInterfaceEntries: 1_000_000,
  /** Warnings kept per name; the rest are counted in one closing warning. */
  maxWarningsPerName: 20,
} as const;
