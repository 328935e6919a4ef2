/** A recoverable oddity (Zeek's weird.log): a stable name, where it lies, and detail. */
export interface NetWarning {
  /** Stable, machine-readable: 'damaged-block', 'resync', 'truncated-tail', … */
  readonly name: string;
  /** Byte offset in the capture file (or in the frame, for packet decoders). */
  readonly offset: number;
  readonly detail: string;
  /**
   * Capture bytes were skipped here (a damaged record passed over, a record cut off by the file's
   * end, a packet of an interface never declared): packets may be missing, so the capture was not
   * read whole. Absent for oddities that lose nothing (a damaged option of a block still read).
   */
  readonly lost?: true;
}
