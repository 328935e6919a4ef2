/** What a capture reader yields. */
import type { AirlockError } from '../../core/errors.js';
import type { NetWarning } from '../decode/warning.js';

export interface CapturedPacket {
  /** Nanoseconds since 1970-01-01 UTC (pcapng if_tsoffset applied). */
  readonly ts: bigint;
  /** pcapng interface index within its section; 0 for pcap. */
  readonly interfaceId: number;
  /** LINKTYPE_* of the interface (pcap: the file header's). */
  readonly linkType: number;
  readonly capturedLength: number;
  /** Length on the wire (tshark's frame.len). */
  readonly originalLength: number;
  /**
   * The captured bytes. A view into the reader's buffer: copy it to keep it beyond the next
   * push, since it pins the chunk it lies in.
   */
  readonly data: Uint8Array;
  /** File offset of the record (pcap record header / pcapng block). */
  readonly recordOffset: number;
  /** File offset of data[0]. */
  readonly dataOffset: number;
  /** Which record carried it. */
  readonly record: 'pcap' | 'EPB' | 'SPB' | 'PB';
}

export type CaptureEvent =
  | { readonly kind: 'packet'; readonly packet: CapturedPacket }
  | { readonly kind: 'warning'; readonly warning: NetWarning }
  /** Push more bytes (or call end()) before asking again. */
  | { readonly kind: 'need' }
  /** The capture is over; every later call says so again. */
  | { readonly kind: 'end' }
  /** Unrecoverable; every later call says so again. */
  | { readonly kind: 'error'; readonly error: AirlockError };

/** One capture format's walk over the queued bytes. */
export interface CaptureFormat {
  readonly name: 'pcap' | 'pcapng';
  /** Blocks (pcapng: SHB, IDB, EPB…) or records (pcap: header, record) seen, by type. */
  readonly blockCounts: Readonly<Record<string, number>>;
  step(ended: boolean): CaptureEvent;
}
