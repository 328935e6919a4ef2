/**
 * libpcap file layouts: the 24-byte file header and the 16-byte record header, read and written.
 * https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/
 */
import { malformed } from '../../core/errors.js';
import { ensure, put16, put32, u16, u32, u32be } from '../decode/bytes.js';

export const PCAP_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;

/** Magic as read big-endian from the first four bytes → byte order and timestamp unit. */
const MAGICS: Record<number, { le: boolean; nanos: boolean }> = {
  2712847316: { le: false, nanos: false },
  3569595041: { le: true, nanos: false },
  2712812621: { le: false, nanos: true },
  1295823521: { le: true, nanos: true },
};

export const isPcapMagic = (b: Uint8Array): boolean => b.length >= 4 && MAGICS[u32be(b, 0)] !== undefined;

export interface PcapHeader {
  readonly le: boolean;
  readonly nanos: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly thiszone: number;
  readonly sigfigs: number;
  readonly snapLen: number;
  /** LINKTYPE_* (low 16 bits of the field). */
  readonly linkType: number;
  /** The field's upper bits (FCS length flags), kept so a writer gives the same bytes back. */
  readonly linkTypeHighBits: number;
}

export function readPcapHeader(b: Uint8Array): PcapHeader {
  ensure(b, 0, PCAP_HEADER_BYTES, 'pcap file header');
  const m = MAGICS[u32be(b, 0)];
  if (!m) throw malformed('pcap file header: unknown magic', 0);
  const { le } = m;
  const versionMajor = u16(b, 4, le);
  if (versionMajor !== 2) throw malformed(`pcap file header: version ${versionMajor} is not 2`, 4);
  const field = u32(b, 20, le);
  return {
    le,
    nanos: m.nanos,
    versionMajor,
    versionMinor: u16(b, 6, le),
    thiszone: u32(b, 8, le) | 0,
    sigfigs: u32(b, 12, le),
    snapLen: u32(b, 16, le),
    linkType: field & 0xffff,
    linkTypeHighBits: field - (field & 0xffff),
  };
}

export function writePcapHeader(h: PcapHeader): Uint8Array {
  const b = new Uint8Array(PCAP_HEADER_BYTES);
  put32(b, 0, h.nanos ? 0xa1b23c4d : 0xa1b2c3d4, h.le);
  put16(b, 4, h.versionMajor, h.le);
  put16(b, 6, h.versionMinor, h.le);
  put32(b, 8, h.thiszone, h.le);
  put32(b, 12, h.sigfigs, h.le);
  put32(b, 16, h.snapLen, h.le);
  put32(b, 20, h.linkTypeHighBits + h.linkType, h.le);
  return b;
}

export interface PcapRecordHeader {
  readonly tsSec: number;
  /** Microseconds or nanoseconds, per the file's magic. */
  readonly tsFrac: number;
  readonly capLen: number;
  readonly origLen: number;
}

export function readPcapRecordHeader(b: Uint8Array, off: number, le: boolean): PcapRecordHeader {
  ensure(b, off, PCAP_RECORD_HEADER_BYTES, 'pcap record header');
  return {
    tsSec: u32(b, off, le),
    tsFrac: u32(b, off + 4, le),
    capLen: u32(b, off + 8, le),
    origLen: u32(b, off + 12, le),
  };
}

export function writePcapRecordHeader(r: PcapRecordHeader, le: boolean): Uint8Array {
  const b = new Uint8Array(PCAP_RECORD_HEADER_BYTES);
  put32(b, 0, r.tsSec, le);
  put32(b, 4, r.tsFrac, le);
  put32(b, 8, r.capLen, le);
  put32(b, 12, r.origLen, le);
  return b;
}
