/** A recoverable oddity (Zeek's weird.log): a stable name, where it lies, and detail. */
export interface NetWarning {
  /** Stable, machine-readable: 'damaged-block', 'resync', 'truncated-tail', … */
  readonly name: string;
  /** Byte offset in the capture file (or in the frame, for packet decoders). */
  readonly offset: number;
  readonly detail: string;
}
