/**
 * The FLIR FFF (APP1 "FLIR\0" chunks) rewritten in place, so a thermal deliverable keeps its
 * radiometric records while the policy's drops go: a dropped record loses its directory entry
 * (type 0: readers skip it) and its bytes are zeroed; a dropped field inside a kept record
 * (a serial, a model, the capture time, a GPS position) is zeroed; a date-only time is written
 * back as midnight. Every offset stays where it was, so nothing is rebuilt: the chunks are
 * written again with the same lengths. Bytes no reader reads (flir.ts FFFUnread) are findings
 * like any other and go the same way.
 */
import { crc32 } from 'node:zlib';
import type { ByteSource } from '../../core/source.js';
import type { Finding } from '../../findings/model.js';
import type { Decide, RewriteNotes } from '../../scrub/types.js';
import { CAMERA_INFO_TIME, type FffRecord, fffLayout, fffStream, fffTimeBytes } from './flir.js';
import type { Segment } from './segments.js';
import { segment } from './write.js';

const ENTRY_SIZE = 0x20;
/** Where a directory entry keeps its record's checksum. */
const CHECKSUM = 0x1c;
const CAMERA_INFO = 0x20;

/**
 * Each FLIR segment written again (whole, marker included), or null when the policy keeps no
 * record of the FFF: then none is written.
 */
export function rewriteFlir(
  src: ByteSource,
  segs: readonly { index: number; seg: Segment }[],
  findings: readonly Finding[],
  decide: Decide,
  notes: RewriteNotes,
): Map<Segment, Uint8Array> | null {
  if (segs.length === 0 || !findings.some((f) => decide(f).action === 'keep')) return null;
  const stream = fffStream(src, segs);
  const fff = stream.joined(); // a fresh copy: edited in place
  const layout = fffLayout(fff, 0);
  const spans = (f: Finding): [number, number][] =>
    f.ranges.flatMap((r) => {
      const at = stream.fromFile(r.offset);
      return at === undefined ? [] : [[at, at + r.length] as [number, number]];
    });
  const zero = (f: Finding): void => {
    for (const [from, to] of spans(f)) fff.fill(0, from, to);
  };

  // The finding over each record as a whole (flir.ts reports one per record, over its bytes).
  const wholeRecord = (f: Finding) => {
    const [first] = spans(f);
    const size = f.ranges.reduce((n, x) => n + x.length, 0);
    return f.value.kind === 'block' && first
      ? layout.records.find((r) => r.pos === first[0] && r.len === size)
      : undefined;
  };
  const records = findings.flatMap((f) => {
    const r = wholeRecord(f);
    return r ? [{ f, r, kept: decide(f).action === 'keep' }] : [];
  });
  const isRecord = new Set(records.map((x) => x.f));
  // A field kept without its record is not worth an FFF: nothing is written.
  if (!records.some((x) => x.kept)) return null;

  // A record's directory entry ends with a checksum: the CRC-32 of its bytes (where it is one:
  // measured on the corpus, RawData's is something else and stays as it is). Kept records edited
  // below get theirs again, so FLIR's software does not take them for damaged.
  const view = new DataView(fff.buffer, fff.byteOffset, fff.byteLength);
  const sum = (r: FffRecord): number => view.getUint32(r.entryAt + CHECKSUM, layout.le);
  const crcd = records.filter(({ r, kept }) => kept && crc32(fff.subarray(r.pos, r.pos + r.len)) === sum(r));

  const removed: string[] = [];
  for (const f of findings) {
    const d = decide(f);
    if (d.action === 'keep' || isRecord.has(f)) continue;
    if (d.action === 'replace') {
      const text = d.value.kind === 'time' || d.value.kind === 'text' ? d.value.text : undefined;
      if (replaceTime(f, text)) continue;
      removed.push(f.tag);
    }
    zero(f);
  }
  // Dropped records last (nothing written into one survives), with their directory entries:
  // readers skip type 0.
  for (const { r, kept } of records)
    if (!kept) {
      fff.fill(0, r.pos, r.pos + r.len);
      fff.fill(0, r.entryAt, r.entryAt + ENTRY_SIZE);
    }
  for (const { r } of crcd)
    view.setUint32(r.entryAt + CHECKSUM, crc32(fff.subarray(r.pos, r.pos + r.len)), layout.le);
  if (removed.length > 0)
    notes.push(
      `APP1 FLIR: ${[...new Set(removed)].join(', ')} removed: the field cannot carry the replaced value`,
    );

  const out = new Map<Segment, Uint8Array>();
  let at = 0;
  for (const { seg } of [...segs].sort((a, b) => a.index - b.index)) {
    const head = src.read(seg.dataOffset, 8);
    const length = Math.max(0, seg.dataLength - 8);
    const payload = new Uint8Array(8 + length);
    payload.set(head, 0);
    payload.set(fff.subarray(at, at + length), 8);
    at += length;
    out.set(seg, segment(seg.marker, payload));
  }
  return out;

  /** A date-only DateTimeOriginal written in place; false where the finding is no such time. */
  function replaceTime(f: Finding, text: string | undefined): boolean {
    if (f.tag !== 'DateTimeOriginal' || text === undefined) return false;
    const [span] = spans(f);
    const rec =
      span && layout.records.find((r) => r.type === CAMERA_INFO && r.pos + CAMERA_INFO_TIME === span[0]);
    if (!rec) return false;
    const bytes = fffTimeBytes(text, rec.le);
    if (!bytes) return false;
    fff.set(bytes, span[0]);
    return true;
  }
}
