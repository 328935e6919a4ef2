/**
 * APP13 Photoshop IRB, rebuilt for scrub: IPTC keeps only its kept (or date-cut) datasets, XMP is
 * cleaned by the XMP rewriter, every other resource (thumbnails included) stays only when its
 * findings are all kept. The reader (readPhotoshopIrb, readIptc) is run on the same bytes, so the
 * findings asked about are the ones inspect reported.
 */

import { concatBytes as concat } from '../../core/bytes.js';
import { truncated } from '../../core/errors.js';
import type { Finding } from '../../findings/model.js';
import type { Decide, Decision, RewriteNotes } from '../../scrub/types.js';
import { readPhotoshopIrb } from '../iptc/photoshop.js';
import { readIptc } from '../iptc/read.js';
import { Collector } from '../types.js';
import { rewriteXmpPacket } from '../xmp/rewrite.js';

const IPTC = 0x0404;
const XMP = 0x0424;
const IPTC_DIGEST = 0x0425;

interface Resource {
  /** Signature, id and Pascal name as stored. */
  head: Uint8Array;
  id: number;
  data: Uint8Array;
  at: number;
}

/** The resources of an IRB (the reader has already validated it: this walk only slices). */
function resources(bytes: Uint8Array, fileOffset: number): Resource[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Resource[] = [];
  let pos = 0;
  while (pos + 12 <= bytes.length) {
    if (bytes.subarray(pos, pos + 4).every((b) => b === 0)) break; // padding
    const sizeAt = pos + 6 + (((bytes[pos + 6] as number) + 2) & ~1);
    if (sizeAt + 4 > bytes.length) throw truncated('Photoshop resource header', fileOffset + pos);
    const size = v.getUint32(sizeAt);
    const dataAt = sizeAt + 4;
    if (dataAt + size > bytes.length) throw truncated('Photoshop resource', fileOffset + pos);
    out.push({
      head: bytes.subarray(pos, sizeAt),
      id: v.getUint16(pos + 4),
      data: bytes.subarray(dataAt, dataAt + size),
      at: fileOffset + dataAt,
    });
    pos = dataAt + size + (size & 1);
  }
  return out;
}

function resource(head: Uint8Array, data: Uint8Array): Uint8Array {
  const size = new Uint8Array(4);
  new DataView(size.buffer).setUint32(0, data.length);
  return concat([head, size, data, data.length & 1 ? new Uint8Array(1) : new Uint8Array(0)]);
}

/** One IPTC dataset: 0x1C, record, dataset, length (extended form past 32767 bytes), value. */
function dataset(rec: number, ds: number, value: Uint8Array): Uint8Array {
  const head =
    value.length < 0x8000
      ? Uint8Array.of(0x1c, rec, ds, value.length >> 8, value.length & 0xff)
      : Uint8Array.of(
          0x1c,
          rec,
          ds,
          0x80,
          4,
          value.length >>> 24,
          (value.length >> 16) & 0xff,
          (value.length >> 8) & 0xff,
          value.length & 0xff,
        );
  return concat([head, value]);
}

/** Rebuilt IPTC datasets, or null when none is kept. */
function rewriteIptc(
  data: Uint8Array,
  at: number,
  path: string[],
  decision: (f: Finding) => Decision,
  notes: RewriteNotes,
): Uint8Array | null {
  const read = new Collector();
  readIptc(data, at, path, read);
  // readIptc reports one finding per dataset, in order; the headers are sliced back from its ranges.
  const kept: Uint8Array[] = [];
  const support: Uint8Array[] = [];
  const supportTags: string[] = [];
  let utf8 = false;
  let anyKept = false;
  let h = 0;
  for (const f of read.findings) {
    const r = f.ranges[0];
    if (!r) continue;
    // Datasets follow each other: this one's header starts where the last value ended.
    const local = r.offset - at;
    const rec = data[h + 1] as number;
    const ds = data[h + 2] as number;
    const raw = data.subarray(h, local + r.length);
    h = local + r.length;
    if (rec === 1 && ds === 90)
      utf8 = data[local] === 0x1b && data[local + 1] === 0x25 && data[local + 2] === 0x47;
    const d = decision(f);
    // The character set and the record version are what the format needs to read what is kept.
    const needed = (rec === 1 && ds === 90) || (rec === 2 && ds === 0);
    if (d.action === 'keep') {
      kept.push(raw);
      if (!needed) anyKept = true;
    } else if (d.action === 'replace' && (d.value.kind === 'text' || d.value.kind === 'time')) {
      kept.push(dataset(rec, ds, new Uint8Array(Buffer.from(d.value.text, utf8 ? 'utf8' : 'latin1'))));
      anyKept = true;
    } else if (needed) {
      support.push(raw);
      supportTags.push(f.tag);
    }
  }
  if (!anyKept) return null;
  if (support.length > 0) notes.keep(path.join(' › '), supportTags, 'needed to read the kept datasets');
  // Record 1 before record 2, as the IIM orders them; within a record, the original order.
  const all = [...support, ...kept].sort((a, b) => (a[1] as number) - (b[1] as number));
  return concat(all);
}

/**
 * The new APP13 payload (signature included), or null when nothing in it is kept.
 * `payload` is the segment's data after `header` bytes of signature, at file offset `fileOffset`.
 * `decide` is the JPEG rewriter's, memoised for the whole file.
 */
export function rewritePhotoshop(
  signature: Uint8Array,
  payload: Uint8Array,
  fileOffset: number,
  path: string[],
  decide: Decide,
  notes: RewriteNotes,
): Uint8Array | null {
  const read = new Collector();
  readPhotoshopIrb(payload, fileOffset, path, read);
  const out: Uint8Array[] = [];
  let iptcChanged = false;
  const list = resources(payload, fileOffset);
  for (const r of list) {
    if (r.id === IPTC) {
      const iptc = rewriteIptc(r.data, r.at, [...path, 'IPTC'], decide, notes);
      iptcChanged = iptc === null || iptc.length !== r.data.length || !iptc.every((b, i) => b === r.data[i]);
      if (iptc) out.push(resource(r.head, iptc));
      continue;
    }
    if (r.id === XMP) {
      const xmp = rewriteXmpPacket(r.data, r.at, [...path, 'XMP'], decide, notes);
      if (xmp) out.push(resource(r.head, xmp));
      continue;
    }
    const inside = read.findings.filter((f) =>
      f.ranges.some((g) => g.offset >= r.at && g.offset + g.length <= r.at + r.data.length),
    );
    const keep = inside.length > 0 && inside.every((f) => decide(f).action === 'keep');
    if (keep) out.push(resource(r.head, r.data));
  }
  // A digest of IPTC that changed would be stale: readers would flag the mismatch.
  const final = iptcChanged
    ? out.filter((b) => (((b[4] as number) << 8) | (b[5] as number)) !== IPTC_DIGEST)
    : out;
  return final.length === 0 ? null : concat([signature, ...final]);
}
