/**
 * The JPEG rewriter. The reader (analyseJpeg) runs first, so the findings asked about are the
 * ones inspect reported, and a file it cannot read whole is refused (nothing half-read is
 * written). Then the segments are emitted again:
 *   - SOI, tables, and the image data SOS..EOI: byte for byte, less any APPn or COM between the
 *     scans (no image data); a frame header and a restart interval as far as a decoder reads them;
 *     other markers before the scan (DNL, DHP, EXP, JPGn) dropped;
 *   - JFIF (without its thumbnail), Adobe: their fixed display fields, kept, anything after them
 *     dropped; ICC: kept when it is a whole profile (index.ts judgeIcc), else other data;
 *   - APP1 Exif: the TIFF rewriter; APP1 XMP (and Extended XMP): the XMP rewriter;
 *   - APP13 Photoshop: rebuilt with what is kept; MPF and the images after EOI: kept as a whole
 *     (offsets patched) or dropped as a whole; APP1 FLIR: edited in place (rewrite-flir.ts);
 *   - every other APPn, COM and trailer: kept only when all its findings are kept.
 * imageHashIn/Out hash the image data (SOS..EOI less segments between scans) of the input and of
 * the output, located by walking the output.
 */
import { ChunkSource, concatBytes as concat, sha256Hex } from '../../core/bytes.js';
import { BufferSource, type ByteSource } from '../../core/source.js';
import type { Finding, Range } from '../../findings/model.js';
import {
  type Decide,
  memoDecide,
  RewriteNotes,
  type RewriteResult,
  type Rewriter,
} from '../../scrub/types.js';
import { readTiffStructure } from '../tiff/exif.js';
import { rewriteTiffStructure } from '../tiff/rewrite.js';
import { Collector } from '../types.js';
import { rewriteXmp } from '../xmp/rewrite.js';
import { classify } from './appn.js';
import { foreignSegments, rememberScan, type ScanEnd, scanImage } from './eoi.js';
import { frameBytes } from './frame.js';
import { blankedIccSegments, iccChunks } from './icc-chunks.js';
import { ADOBE_FIXED, analyseJpeg, JFIF_FIXED } from './index.js';
import { rewriteExtendedXmp } from './rewrite-extxmp.js';
import { rewriteFlir } from './rewrite-flir.js';
import { patchMpf } from './rewrite-mpf.js';
import { rewritePhotoshop } from './rewrite-photoshop.js';
import { type Segment, SOS, walkSegments } from './segments.js';
import { segment } from './write.js';

const MAX_PAYLOAD = 0xffff - 2;
const CLASSIFY_HEAD = 64;

export const jpegRewriter: Rewriter = {
  id: 'jpeg',
  rewrite: rewriteJpeg,
};

/** One piece of output: bytes, or the MPF payload to patch once the layout is known. */
type Part = { bytes: Uint8Array; mpf?: { oldBase: number } };

const overlaps = (r: Range, from: number, to: number): boolean => r.offset < to && r.offset + r.length > from;

/**
 * [SOS, EOI) span: from the SOS marker to just past EOI (or the file end when there is none:
 * `eoi` false), and its image data: the span less every segment between scans that is no image
 * data (an APPn or COM a writer put there: eoi.ts foreignSegments), as ranges in order.
 * `scanned`, when given, is an earlier span whose SOS..EOI was found by the scan and held no such
 * segment: where this source holds that very memory (not a copy) from its own SOS on, the scan
 * here would read the same bytes and stop at the same EOI, so it is not made again (a 25 MB
 * still's entropy-coded data is scanned once, not twice).
 */
function imageData(
  src: ByteSource,
  scanned?: Uint8Array,
): { from: number; to: number; eoi: boolean; pieces: Range[]; scanFrom: number; scan?: ScanEnd } | undefined {
  const walk = walkSegments(src);
  if (!walk.sos) return undefined;
  const from = walk.sos.offset;
  if (scanned && from + scanned.length <= src.size) {
    const here = src.read(from, scanned.length);
    if (here.buffer === scanned.buffer && here.byteOffset === scanned.byteOffset)
      return {
        from,
        to: from + scanned.length,
        eoi: true,
        pieces: [{ offset: from, length: scanned.length }],
        scanFrom: walk.sos.dataOffset + walk.sos.dataLength,
      };
  }
  const scanFrom = walk.sos.dataOffset + walk.sos.dataLength;
  const scan = scanImage(src, scanFrom);
  const to = scan.eoi ?? src.size;
  const pieces: Range[] = [];
  let at = from;
  for (const b of foreignSegments(scan)) {
    if (b.offset > at) pieces.push({ offset: at, length: b.offset - at });
    at = b.offset + b.length;
  }
  if (to > at) pieces.push({ offset: at, length: to - at });
  return { from, to, eoi: scan.eoi !== undefined, pieces, scanFrom, scan };
}

/**
 * The findings each segment holds a byte of, in the findings' order: one search per range over
 * the segments (in file order, apart), not a pass over every finding per segment, which made a
 * file of 65,000 COM segments take minutes.
 */
function findingsBySegment(
  segments: readonly Segment[],
  findings: readonly Finding[],
): Map<Segment, Finding[]> {
  const out = new Map<Segment, Finding[]>();
  const end = (s: Segment): number => s.dataOffset + s.dataLength;
  for (const f of findings)
    for (const r of f.ranges) {
      // The first segment ending after the range starts; then on while they start before it ends.
      let lo = 0;
      let hi = segments.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (end(segments[mid] as Segment) <= r.offset) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < segments.length; i++) {
        const seg = segments[i] as Segment;
        if (!overlaps(r, seg.offset, end(seg))) break;
        const list = out.get(seg);
        if (!list) out.set(seg, [f]);
        else if (list[list.length - 1] !== f) list.push(f);
      }
    }
  return out;
}

export function rewriteJpeg(src: ByteSource, decide: Decide, known?: readonly Finding[]): RewriteResult {
  let findings: readonly Finding[];
  if (known) findings = known;
  else {
    const read = new Collector();
    analyseJpeg(src, read);
    findings = read.findings;
  }
  const notes = new RewriteNotes();
  const decision = memoDecide(decide);
  const allKept = (list: readonly Finding[]): boolean =>
    list.length > 0 && list.every((f) => decision(f).action === 'keep');
  const underPath = (head: string): Finding[] => findings.filter((f) => f.path[0] === head);

  const walk = walkSegments(src);
  let bySegment: Map<Segment, Finding[]> | undefined;
  const inSegment = (seg: Segment): Finding[] => {
    bySegment ??= findingsBySegment(walk.segments, findings);
    return bySegment.get(seg) ?? [];
  };
  const dji = findings.some(
    (f) =>
      f.tag.startsWith('drone-dji:') ||
      ((f.tag === 'Make' || f.tag === 'tiff:Make') &&
        f.value.kind === 'text' &&
        /^\s*DJI/i.test(f.value.text)),
  );
  const kindOf = (seg: Segment) =>
    classify(seg.marker, src.read(seg.dataOffset, Math.min(CLASSIFY_HEAD, seg.dataLength)), dji);

  const ext = rewriteExtendedXmp(
    src,
    walk.segments.filter((s) => s.marker === 0xe1 && kindOf(s).kind === 'xmp-extension'),
    findings,
    decide,
    notes,
  );
  const mpfKept = allKept(underPath('APP2 MPF'));
  if (
    !mpfKept &&
    underPath('APP2 MPF').some((f) => f.category === 'imagery.embedded' && decision(f).action === 'keep')
  )
    notes.push('APP2 MPF: dropped whole with its images: they hold findings the policy drops');
  const flir = rewriteFlir(
    src,
    walk.segments
      .filter((s) => s.marker === 0xe1 && kindOf(s).kind === 'flir')
      .map((seg) => ({ index: src.read(seg.dataOffset + 6, 1)[0] ?? 0, seg })),
    underPath('APP1 FLIR'),
    decision,
    notes,
  );

  const parts: Part[] = [{ bytes: Uint8Array.of(0xff, 0xd8) }];
  const emit = (marker: number, payload: Uint8Array, label: string): void => {
    if (payload.length > MAX_PAYLOAD) {
      notes.push(
        `${label}: dropped: the rewritten block (${payload.length} bytes) no longer fits one segment`,
      );
      return;
    }
    parts.push({ bytes: segment(marker, payload) });
  };
  const raw = (seg: Segment): Uint8Array =>
    src.read(seg.offset, seg.dataOffset + seg.dataLength - seg.offset);
  let extEmitted = false;
  /** The ICC profile's block is kept and only its free text is not (judgeIcc: a whole profile). */
  const profileKept = (list: readonly Finding[]): boolean =>
    list.some((f) => f.tag === 'ICC_Profile' && f.category === 'display' && decision(f).action === 'keep');
  let icc: Map<Segment, Uint8Array> | undefined;
  const blankedIcc = (): Map<Segment, Uint8Array> => {
    const segs = walk.segments.filter((s) => s.marker === 0xe2 && kindOf(s).name === 'ICC_Profile');
    const zero = segs
      .flatMap(inSegment)
      .filter((f) => f.tag !== 'ICC_Profile' && decision(f).action !== 'keep')
      .flatMap((f) => f.ranges);
    return blankedIccSegments(src, iccChunks(src, segs), zero);
  };

  for (const seg of walk.segments) {
    const { marker } = seg;
    if (marker === SOS) break;
    const isApp = (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
    if (!isApp) {
      // Frame, tables, restart interval: what the picture needs of them (frame.ts frameBytes);
      // a marker no decoder needs before the scan, or bytes past what it reads, go.
      const used = frameBytes(src, seg);
      if (used === seg.dataLength) parts.push({ bytes: raw(seg) });
      else if (used !== undefined) parts.push({ bytes: segment(marker, src.read(seg.dataOffset, used)) });
      continue;
    }
    const c = kindOf(seg);
    const label = marker === 0xfe ? 'COM' : `APP${marker - 0xe0} ${c.name}`;
    const payloadAt = seg.dataOffset + c.header;
    const payloadLength = Math.max(0, seg.dataLength - c.header);
    switch (c.kind) {
      case 'jfif': {
        // Display data, but its optional uncompressed thumbnail is a picture of the scene.
        const p = new Uint8Array(src.read(seg.dataOffset, seg.dataLength));
        if (p.length >= JFIF_FIXED) {
          p[12] = 0;
          p[13] = 0;
          parts.push({ bytes: segment(marker, p.subarray(0, JFIF_FIXED)) });
        } else parts.push({ bytes: raw(seg) });
        break;
      }
      case 'adobe':
        // The colour transform a decoder needs; nothing after it (index.ts reports it apart).
        parts.push({
          bytes:
            seg.dataLength > ADOBE_FIXED ? segment(marker, src.read(seg.dataOffset, ADOBE_FIXED)) : raw(seg),
        });
        break;
      case 'exif': {
        const facts: { surelyReports?: boolean } = {};
        const tiff = rewriteTiffStructure(src, payloadAt, payloadLength, ['APP1 Exif'], decide, {
          kind: 'exif-app1',
          notes,
          facts,
        });
        // A block with nothing left to report is not written. Read back only when the tree
        // itself cannot tell (the output is read back in full by scrub's verification anyway).
        let reports = facts.surelyReports === true;
        if (!reports) {
          const back = new Collector();
          readTiffStructure(new BufferSource(tiff), 0, tiff.length, ['APP1 Exif'], back, {
            kind: 'exif-app1',
          });
          reports = back.findings.length > 0;
        }
        if (reports) emit(marker, concat([src.read(seg.dataOffset, c.header), tiff]), label);
        break;
      }
      case 'xmp': {
        const packet = rewriteXmp(src.read(payloadAt, payloadLength), ['APP1 XMP'], decide, {
          toFile: (offset, length) => [{ offset: payloadAt + offset, length }],
          extendedGuid: ext.guid,
          notes,
        });
        if (packet) emit(marker, concat([src.read(seg.dataOffset, c.header), packet]), label);
        else if (ext.guid) notes.push('APP1 ExtendedXMP: dropped: the main XMP packet that names it is gone');
        break;
      }
      case 'xmp-extension':
        if (!extEmitted && ext.guid) for (const p of ext.payloads) emit(marker, p, label);
        extEmitted = true;
        break;
      case 'flir': {
        const b = flir?.get(seg);
        if (b) parts.push({ bytes: b });
        break;
      }
      case 'mpf':
        if (mpfKept) {
          const payload = new Uint8Array(src.read(seg.dataOffset, seg.dataLength));
          parts.push({ bytes: segment(marker, payload), mpf: { oldBase: payloadAt } });
        }
        break;
      case 'photoshop': {
        const p = rewritePhotoshop(
          src.read(seg.dataOffset, c.header),
          src.read(payloadAt, payloadLength),
          payloadAt,
          [label],
          decision,
          notes,
        );
        if (p) emit(marker, p, label);
        break;
      }
      default:
        // Display blocks (ICC, Adobe) are 'display' findings: kept by every policy. A whole ICC
        // profile stays with what the policy drops of its free text zeroed.
        if (allKept(inSegment(seg))) parts.push({ bytes: raw(seg) });
        else if (c.name === 'ICC_Profile' && profileKept(inSegment(seg))) {
          icc ??= blankedIcc();
          parts.push({ bytes: icc.get(seg) ?? raw(seg) });
        }
    }
  }
  if (ext.guid && !extEmitted) notes.push('APP1 ExtendedXMP: not written (no segment to place it)');

  const image = imageData(src);
  const imageIn = image ? image.pieces.map((r) => src.read(r.offset, r.length)) : [Uint8Array.of(0xff, 0xd9)];
  for (const bytes of imageIn) parts.push({ bytes });
  const between = image ? findings.filter((f) => f.path[0] === 'between scans').length : 0;
  if (between > 0)
    notes.push(
      `${between} segment(s) between the scans removed (no image data: decoders and ExifTool skip them)`,
    );

  // After EOI: kept MPF images and kept trailer blocks, in their original order.
  const tail: Range[] = [];
  const trailers = new Set<number>();
  const after = image?.to ?? src.size;
  // The images themselves (their own findings, deeper in the path, lie inside them).
  if (mpfKept)
    for (const f of underPath('APP2 MPF')) if (f.path.length === 1 && f.tag !== 'MPF') tail.push(...f.ranges);
  for (const f of findings)
    if (f.tag === 'Trailer' && decision(f).action === 'keep')
      for (const r of f.ranges) {
        tail.push(r);
        trailers.add(r.offset);
      }
  tail.sort((a, b) => a.offset - b.offset);

  const primaryLength = parts.reduce((n, p) => n + p.bytes.length, 0);
  const moved = new Map<number, number>();
  const trailer: Uint8Array[] = [];
  let at = primaryLength;
  for (const r of tail) {
    if (r.offset < after) continue;
    moved.set(r.offset, at);
    if (trailers.has(r.offset) && at !== r.offset)
      notes.push(
        `Trailer at ${r.offset}: kept, moved by ${at - r.offset} bytes; offsets inside it (such as AFCP's) are not rewritten`,
      );
    trailer.push(src.read(r.offset, r.length));
    at += r.length;
  }
  let pos = 0;
  for (const p of parts) {
    // The MPF part is a fresh copy (segment() above): patched in place.
    if (p.mpf) patchMpf(p.bytes.subarray(4 + 4), p.mpf.oldBase, pos + 4 + 4, primaryLength, moved);
    pos += p.bytes.length;
  }
  // No copy of the image data: the output is these pieces, written one after another.
  const chunks = [...parts.map((p) => p.bytes), ...trailer];
  const imageLength = imageIn.reduce((n, b) => n + b.length, 0);
  const imageStart = primaryLength - imageLength;
  const hashIn = sha256Hex(imageIn);
  // The output's image data is located by walking the output itself (its EOI by the scan, or,
  // where the output holds the input's scanned SOS..EOI memory from its SOS on, where that scan
  // found it). When it is exactly the piece holding the input's SOS..EOI (the same bytes in
  // memory, hashed above and written as they are, scrub hashing every written piece into
  // outputSha256), its hash is that hash; anywhere else it is hashed where found.
  const out = new ChunkSource(chunks);
  const one = imageIn.length === 1 ? imageIn[0] : undefined;
  const imageOut = imageData(out, image?.eoi ? one : undefined);
  const sameRange =
    one !== undefined &&
    imageOut?.pieces.length === 1 &&
    imageOut.from === imageStart &&
    imageOut.to === primaryLength;
  const hashOut = sameRange
    ? hashIn
    : sha256Hex(
        imageOut ? imageOut.pieces.map((r) => out.read(r.offset, r.length)) : [Uint8Array.of(0xff, 0xd9)],
      );
  // The output's image data is the input's, moved by `delta`: what a scan of it would find is
  // known, so the verification's re-inspection of `out` scans nothing again.
  if (sameRange && image?.scan) {
    const delta = imageStart - image.from;
    rememberScan(out, image.scanFrom + delta, {
      eoi: (image.scan.eoi as number) + delta,
      between: image.scan.between.map((b) => ({ ...b, offset: b.offset + delta })),
    });
  }
  let whole: Uint8Array | undefined;
  return {
    get bytes(): Uint8Array {
      whole ??= concat(chunks);
      return whole;
    },
    chunks,
    source: out,
    ...notes.result(),
    imageHashIn: hashIn,
    imageHashOut: hashOut,
  };
}
