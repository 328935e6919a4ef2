/**
 * The JPEG analyser: walks segments up to SOS through the ByteSource, hands each APPn to the
 * reader for what it carries (EXIF → tiff/, XMP → xmp/, Photoshop/IPTC → iptc/), names every
 * other segment, and reports data after the primary image's EOI (appended previews, trailers).
 */
import { AirlockError, asAirlockError, truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import { type ByteSource, WindowSource } from '../../core/source.js';
import type { Finding, Range } from '../../findings/model.js';
import { iccFreeText, isIccProfile } from '../icc/free-text.js';
import { readPhotoshopIrb } from '../iptc/photoshop.js';
import { readTiffStructure } from '../tiff/exif.js';
import { type Analyser, Collector } from '../types.js';
import { readXmpPacket } from '../xmp/read.js';
import { classify } from './appn.js';
import { ChunkedStream } from './chunks.js';
import { findEoi, foreignSegments, scanImage } from './eoi.js';
import { readExtendedXmp } from './extxmp.js';
import { fffStream, readFff } from './flir.js';
import { frameBytes, isSof } from './frame.js';
import { ICC_HEADER, iccChunks, iccFileRanges, iccProfile } from './icc-chunks.js';
import { reportMpf } from './mpf.js';
import { type Segment, SOS, walkSegments } from './segments.js';

export const jpegAnalyser: Analyser = {
  id: 'jpeg',
  detect: (head) => head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff,
  analyse: analyseJpeg,
};

/** SOFn markers (not DHT 0xC4, JPG 0xC8, DAC 0xCC). */
const CLASSIFY_HEAD = 64;

/**
 * `depth`: 0 for a file; 1 for an image an MPF index points at (read for what it carries itself,
 * its own MPF images not followed).
 */
export function analyseJpeg(src: ByteSource, out: Collector, depth = 0): void {
  const walk = walkSegments(src);
  const ext = new Map<string, ChunkedStream>();
  const flir: { index: number; seg: Segment }[] = [];
  const appended: Range[] = [];
  const icc: { seg: Segment; finding: Finding }[] = [];
  let firstError: AirlockError | undefined;
  let last: Finding | undefined;
  const dji = djiWatch(out);

  for (const seg of walk.segments) {
    const { marker } = seg;
    if (isSof(marker) && out.facts.width === undefined && seg.dataLength >= 5) {
      const b = src.read(seg.dataOffset, 5);
      out.facts.height = ((b[1] as number) << 8) | (b[2] as number);
      out.facts.width = ((b[3] as number) << 8) | (b[4] as number);
    }
    if (!(marker >= 0xe0 && marker <= 0xef) && marker !== 0xfe) {
      // JPEG-LS frames its image with markers a JPEG decoder does not know: not cleaned.
      if (marker === 0xf7 || marker === 0xf8)
        firstError ??= new AirlockError(
          'AIRLOCK_ERR_UNSUPPORTED',
          'JPEG-LS (SOF55/LSE) is not read',
          seg.offset,
        );
      else if (marker !== SOS) reportFrameSegment(src, seg, out);
      continue;
    }
    // A damaged APPn must not hide the segments after it: keep going, fail at the end.
    try {
      last = readApp(seg, last);
    } catch (err) {
      firstError ??= asAirlockError(err);
      last = undefined;
    }
  }

  function readApp(seg: Segment, prev: Finding | undefined): Finding | undefined {
    const n = seg.marker - 0xe0;
    const head = src.read(seg.dataOffset, Math.min(CLASSIFY_HEAD, seg.dataLength));
    const c = classify(seg.marker, head, dji());
    const label = seg.marker === 0xfe ? 'COM' : `APP${n} ${c.name}`;
    const payload = (): Uint8Array =>
      src.read(seg.dataOffset + c.header, Math.max(0, seg.dataLength - c.header));
    const whole: Range = { offset: seg.dataOffset, length: seg.dataLength };
    const add = (f: Finding): Finding => {
      out.add(f);
      return f;
    };
    switch (c.kind) {
      case 'exif':
        readTiffStructure(src, seg.dataOffset + c.header, seg.dataLength - c.header, ['APP1 Exif'], out, {
          kind: 'exif-app1',
        });
        return undefined;
      case 'xmp':
        readXmpPacket(payload(), seg.dataOffset + c.header, ['APP1 XMP'], out);
        return undefined;
      case 'xmp-extension':
        addExtendedChunk(seg);
        return undefined;
      case 'flir':
        flir.push({ index: head[6] ?? 0, seg });
        return undefined;
      case 'mpf': {
        const images = reportMpf(payload(), seg.dataOffset + c.header, src.size, ['APP2 MPF'], out);
        appended.push(...images);
        const f = add(block('other', 'MPF', [label], whole));
        if (depth === 0) for (const image of images) readMpImage(image, image.n);
        return f;
      }
      case 'photoshop':
        readPhotoshopIrb(payload(), seg.dataOffset + c.header, [label], out);
        return undefined;
      case 'jfif':
      case 'adobe':
        return fixedDisplay(seg, c.kind, label);
      case 'jfxx': {
        const size = seg.dataLength - c.header;
        return add(
          block('imagery.embedded', 'ThumbnailImage', [label], {
            offset: seg.dataOffset + c.header,
            length: size,
          }),
        );
      }
      case 'comment': {
        // APP10 "UNICODE" comments are UCS-2 big-endian.
        const bytes = Buffer.from(payload().subarray(0, (seg.dataLength - c.header) & ~1));
        const text = c.header ? bytes.swap16().toString('utf16le') : bytes.toString('latin1');
        return add({
          category: 'other',
          tag: 'Comment',
          path: [label],
          ranges: [whole],
          value: { kind: 'text', text },
        });
      }
      case 'tiff':
        readTiffStructure(src, seg.dataOffset + c.header, seg.dataLength - c.header, [label], out);
        return add(block('other', c.name, [label], whole));
      case 'text-pairs':
        reportTextPairs(payload(), seg.dataOffset + c.header, [label], out);
        return add(block('other', c.name, [label], whole));
      case 'dji-thermal':
      case 'preview':
        // Split over consecutive segments: one finding, every segment's bytes.
        if (prev && prev.tag === c.name && c.name !== 'PreviewImage') return grow(prev, whole);
        return add(block(c.category, c.name, [label], whole));
      default:
        // A preview continued in the next APPn carries no signature of its own.
        if (prev?.tag === 'PreviewImage' && c.name === `APP${n}` && n >= 3 && n <= 5)
          return grow(prev, whole);
        if (c.name === 'ICC_Profile') {
          const f = add(block(c.category, c.name, [label], whole));
          icc.push({ seg, finding: f });
          return f;
        }
        return add(block(c.category, c.name, [label], whole));
    }
  }

  /**
   * A preview an MPF index points at is a JPEG of its own, with its own Exif and XMP (a position,
   * a serial): read like the file, its findings under 'APP2 MPF' › 'MPImageN' at their offsets in
   * the file, so an MPF is kept only when everything in its images is (rewrite.ts). One that does
   * not read is reported as opaque data too: unread is never taken for clean.
   */
  function readMpImage(r: Range, n: number): void {
    const inner = new Collector();
    const path = ['APP2 MPF', `MPImage${n}`];
    try {
      analyseJpeg(new WindowSource(src, r.offset, r.length), inner, depth + 1);
    } catch (err) {
      const e = asAirlockError(err);
      out.warn('mpf-image-unread', `MPImage${n}: ${e.message}`, r.offset + (e.offset ?? 0));
      out.add(block('opaque', `MPImage${n}Unread`, path, r));
    }
    for (const f of inner.findings)
      out.add({
        ...f,
        path: [...path, ...f.path],
        ranges: f.ranges.map((x) => ({ offset: r.offset + x.offset, length: x.length })),
      });
  }

  /**
   * JFIF and Adobe segments are display data of a fixed size (14 and 12 bytes); what follows is
   * not: a JFIF thumbnail is a picture of the scene, and any other trailing bytes are anyone's.
   * Each part is its own finding, so only the fixed part is always kept (rewrite.ts writes it alone).
   */
  function fixedDisplay(seg: Segment, kind: 'jfif' | 'adobe', label: string): Finding {
    const fixed = kind === 'jfif' ? JFIF_FIXED : ADOBE_FIXED;
    const name = kind === 'jfif' ? 'JFIF' : 'Adobe';
    const at = seg.dataOffset;
    const head = { offset: at, length: Math.min(fixed, seg.dataLength) };
    const f = block('display', name, [label], head);
    out.add(f);
    let from = head.length;
    if (kind === 'jfif' && seg.dataLength >= JFIF_FIXED) {
      const b = src.read(at + 12, 2);
      const thumb = Math.min(3 * (b[0] as number) * (b[1] as number), seg.dataLength - from);
      if (thumb > 0) {
        out.add(block('imagery.embedded', 'ThumbnailImage', [label], { offset: at + from, length: thumb }));
        from += thumb;
      }
    }
    if (from < seg.dataLength)
      out.add(block('other', `${name}Extra`, [label], { offset: at + from, length: seg.dataLength - from }));
    return f;
  }

  function addExtendedChunk(seg: Segment): void {
    const h = 35;
    if (seg.dataLength < h + 40) throw truncated('ExtendedXMP header', seg.dataOffset);
    const b = src.read(seg.dataOffset, seg.dataLength);
    const guid = Buffer.from(b.subarray(h, h + 32)).toString('latin1');
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const full = bound(
      v.getUint32(h + 32),
      LIMITS.maxXmpBytes,
      'ExtendedXMP length',
      seg.dataOffset + h + 32,
    );
    const at = v.getUint32(h + 36);
    const chunk = b.subarray(h + 40);
    if (at + chunk.length > full)
      throw truncated('ExtendedXMP chunk past its declared length', seg.dataOffset + h + 36);
    let stream = ext.get(guid);
    if (!stream) {
      bound(ext.size + 1, 64, 'ExtendedXMP GUIDs', seg.dataOffset);
      stream = new ChunkedStream(full);
      ext.set(guid, stream);
    }
    stream.put(at, chunk, seg.dataOffset + h + 40);
  }

  try {
    for (const [guid, stream] of ext) readExtendedXmp(guid, stream, ['APP1 ExtendedXMP'], out);
    if (flir.length > 0) readFff(fffStream(src, flir), ['APP1 FLIR'], out);
  } catch (err) {
    firstError ??= asAirlockError(err);
  }

  try {
    judgeIcc(src, icc, out);
    reportBetweenScans(src, walk, out);
  } catch (err) {
    firstError ??= asAirlockError(err);
  }
  reportTrailer(src, walk, appended, out);
  if (firstError) throw firstError;
}

/** A segment before the first scan that holds more than the decoder reads, or that no decoder needs: other data. */
function reportFrameSegment(src: ByteSource, seg: Segment, out: Collector): void {
  const name = `Marker0x${seg.marker.toString(16)}`;
  const used = frameBytes(src, seg);
  if (used === undefined) {
    out.add(block('other', name, [name], { offset: seg.dataOffset, length: seg.dataLength }));
  } else if (used < seg.dataLength) {
    out.add(
      block('other', `${name}Extra`, [name], {
        offset: seg.dataOffset + used,
        length: seg.dataLength - used,
      }),
    );
  }
}

/**
 * What stands between the scans of the primary image and is no image data: an APPn, a COM or an
 * unknown marker after the first SOS. Decoders skip it and ExifTool never reads it (it stops at
 * the first scan), so it would pass unseen; each is other data, which scrub always removes
 * (rewrite.ts). Scanning the entropy-coded data for it costs one memchr pass per image.
 */
function reportBetweenScans(src: ByteSource, walk: ReturnType<typeof walkSegments>, out: Collector): void {
  if (!walk.sos) return;
  for (const b of foreignSegments(scanImage(src, walk.sos.dataOffset + walk.sos.dataLength))) {
    const n = b.marker - 0xe0;
    const tag =
      b.marker === 0xfe ? 'Comment' : n >= 0 && n <= 15 ? `APP${n}` : `Marker0x${b.marker.toString(16)}`;
    out.add(block('other', tag, ['between scans'], { offset: b.offset, length: b.length }));
  }
}

/** "JFIF\0", version, units, densities, thumbnail width and height. */
export const JFIF_FIXED = 14;
/** "Adobe", DCTEncodeVersion, APP14Flags0, APP14Flags1, ColorTransform. */
export const ADOBE_FIXED = 12;
/**
 * An ICC profile is display data only when it is one: its chunks, in order, must add up to the
 * size its header declares, with the 'acsp' signature where the format puts it. Anything else
 * (a block under the ICC signature that is no profile, a profile with bytes after it) is
 * reported as other data, which the policy drops unless kept. In a whole profile, what no viewer
 * reads to draw the picture (its texts, date, private tags: icc/free-text.ts) is reported as other
 * data of its own, which scrub zeroes in place while the profile stays.
 */
function judgeIcc(src: ByteSource, icc: readonly { seg: Segment; finding: Finding }[], out: Collector): void {
  if (icc.length === 0) return;
  const chunks = iccChunks(
    src,
    icc.map((i) => i.seg),
  );
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const first = chunks[0]?.seg as Segment;
  const head = first.dataLength >= ICC_HEADER + 40 ? src.read(first.dataOffset + ICC_HEADER, 40) : undefined;
  const declared = head ? new DataView(head.buffer, head.byteOffset, 40).getUint32(0) : -1;
  const numbered = chunks.every((c, i) => c.no === i + 1 && c.of === chunks.length);
  const acsp = head !== undefined && String.fromCharCode(...head.subarray(36, 40)) === 'acsp';
  // A profile whose tag table cannot be read (too many tags) could hide text nothing reports.
  const profile = numbered && acsp && declared === total ? iccProfile(src, chunks) : undefined;
  if (profile && isIccProfile(profile)) {
    const path = icc[0]?.finding.path as string[];
    for (const t of iccFreeText(profile))
      out.add({
        category: 'other',
        tag: t.tag,
        path,
        ranges: iccFileRanges(chunks, t.spans),
        value: t.text
          ? { kind: 'text', text: t.text }
          : { kind: 'block', size: t.spans.reduce((n, r) => n + r.length, 0) },
      });
    return;
  }
  for (const { finding } of icc) finding.category = 'other';
  out.warn(
    'jpeg-icc-invalid',
    `APP2 ICC_Profile is not a whole profile (${total} bytes in ${icc.length} chunk(s), ${declared < 0 ? 'no header' : `${declared} declared`}${acsp ? '' : ', no acsp signature'}${profile ? ', a tag table that cannot be read' : ''}): reported as other data`,
    first.dataOffset,
  );
}

function block(category: Finding['category'], tag: string, path: string[], range: Range): Finding {
  return { category, tag, path, ranges: [range], value: { kind: 'block', size: range.length } };
}

function grow(f: Finding, r: Range): Finding {
  f.ranges.push(r);
  if (f.value.kind === 'block') f.value.size += r.length;
  return f;
}

/**
 * ExifTool decides DJI's unsigned thermal segments by the camera make; so do we. Asked before every
 * segment: each finding is looked at once, the answer kept once yes (findings are only ever added),
 * where looking through them all each time was quadratic (8,000 Exif copies: 70 s).
 */
function djiWatch(out: Collector): () => boolean {
  let seen = 0;
  let dji = false;
  return () => {
    for (; !dji && seen < out.findings.length; seen++) dji = isDjiFinding(out.findings[seen] as Finding);
    return dji;
  };
}

const isDjiFinding = (f: Finding): boolean =>
  ((f.tag === 'Make' || f.tag === 'tiff:Make') && f.value.kind === 'text' && /^\s*DJI/i.test(f.value.text)) ||
  f.tag.startsWith('drone-dji:');

/**
 * Data after the primary image. When the file ends in EOI and MPF images reach the end, nothing
 * hides there and the entropy-coded data is never read; otherwise it is scanned once for the
 * primary's EOI. A file ending in EOI without MPF images is scanned too: that EOI may be a second
 * whole JPEG's, appended after the first (QA: such a hidden preview went unreported).
 */
function reportTrailer(
  src: ByteSource,
  walk: ReturnType<typeof walkSegments>,
  appended: Range[],
  out: Collector,
): void {
  let eoiEnd = walk.eoiEnd;
  if (eoiEnd === undefined && walk.sos) {
    const tail = src.size >= 2 ? src.read(src.size - 2, 2) : new Uint8Array(0);
    const endsWithEoi = tail[0] === 0xff && tail[1] === 0xd9;
    const appendedEnd = Math.max(0, ...appended.map((r) => r.offset + r.length));
    if (endsWithEoi && appended.length > 0 && appendedEnd === src.size) return;
    eoiEnd = findEoi(src, walk.sos.dataOffset + walk.sos.dataLength);
    if (eoiEnd === undefined) {
      out.warn('jpeg-no-eoi', 'the image data ends without an EOI marker', src.size);
      return;
    }
  }
  if (eoiEnd === undefined || eoiEnd >= src.size) return;
  const taken = [...appended].sort((a, b) => a.offset - b.offset);
  let pos = eoiEnd;
  const gaps: Range[] = [];
  for (const r of taken) {
    if (r.offset > pos) gaps.push({ offset: pos, length: r.offset - pos });
    pos = Math.max(pos, r.offset + r.length);
  }
  if (pos < src.size) gaps.push({ offset: pos, length: src.size - pos });
  for (const g of gaps) {
    const head = src.read(g.offset, Math.min(3, g.length));
    const jpeg = head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
    out.add({
      category: jpeg ? 'imagery.embedded' : 'opaque',
      tag: 'Trailer',
      path: ['Trailer'],
      ranges: [g],
      value: jpeg ? { kind: 'block', size: g.length, mime: 'image/jpeg' } : { kind: 'block', size: g.length },
    });
  }
}

/**
 * "key=value" lines (APP12 PictureInfo): each pair a finding at its value's bytes, serials and
 * IDs as device identity (ExifTool's PictureInfo:SerialNumber). Latin-1: one byte, one character.
 */
function reportTextPairs(b: Uint8Array, fileOffset: number, path: string[], out: Collector): void {
  const text = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  const line = /([A-Za-z][\w #]{0,63})=([^\r\n\0]*)/g;
  for (let m = line.exec(text); m !== null; m = line.exec(text)) {
    const key = (m[1] as string).trim();
    const value = (m[2] as string).trim();
    if (!value) continue;
    const at = m.index + (m[0] as string).indexOf('=') + 1;
    out.add({
      category: /serial|unique ?id/i.test(key)
        ? 'identity.device'
        : /date|time/i.test(key)
          ? 'time'
          : 'other',
      // 'Serial#' is ExifTool's SerialNumber.
      tag: key.replace(/ /g, '').replace(/#$/, 'Number'),
      path,
      ranges: [{ offset: fileOffset + at, length: (m[2] as string).length }],
      value: { kind: 'text', text: value },
    });
  }
}
