/**
 * Reads a TIFF structure (EXIF in a JPEG APP1 block, a TIFF/DNG file) into findings: IFD0 and
 * its chain, SubIFDs, ExifIFD, GPS, InteropIFD, embedded XMP/IPTC/Photoshop, maker notes.
 * Offsets inside the structure are relative to `base`; findings carry absolute file offsets.
 */
import { AirlockError, malformed, truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Finding } from '../../findings/model.js';
import { readPhotoshopIrb } from '../iptc/photoshop.js';
import { readIptc } from '../iptc/read.js';
import type { Collector } from '../types.js';
import { readXmpPacket } from '../xmp/read.js';
import { reportEntry } from './entry.js';
import { byteOrderMark, decodeNumbers, endian } from './format.js';
import { reportGpsIfd } from './gps.js';
import { ICC_TAG, reportIccProfile } from './icc.js';
import { entryBytes, type Ifd, type IfdEntry, readIfd, type TiffCtx, tiffCtx } from './ifd.js';
import { readDngPrivateData, readMakerNote } from './makernotes/index.js';
import { EXIF_TAGS, type TagInfo } from './tags.js';
import { mergeRanges, reportEmbeddedJpeg } from './thumbnail.js';

/**
 * What an entry is where it stands. Display data is kept by every policy, so it is display only
 * as the format defines it: InteropIndex and InteropVersion only in the InteropIFD (elsewhere tags
 * 1 and 2 are what a GPS IFD's latitude reference and latitude become when moved into IFD0, and
 * ExifTool still names them so), and no display tag with more values than its specification
 * gives it (six rationals under XResolution are a position, not a resolution).
 */
function placedTag(e: IfdEntry, path: readonly string[]): TagInfo | undefined {
  const info = EXIF_TAGS.get(e.tag);
  if (info?.category !== 'display') return info;
  const misplaced = (e.tag === 0x0001 || e.tag === 0x0002) && path.at(-1) !== 'InteropIFD';
  if (misplaced || e.count > (info.maxCount ?? Number.POSITIVE_INFINITY))
    return { ...info, category: 'other' };
  return info;
}

export interface TiffReadOptions {
  kind?: 'exif-app1' | 'tiff-file';
  /** Filled with the IFD tree as walked, for a rewriter that must follow the same walk. */
  trace?: TiffTrace;
}

export type Role = 'image' | 'thumbnail' | 'exif' | 'gps';

/** One IFD as the reader walked it, with the findings its own entries produced. */
export interface IfdNode {
  ifd: Ifd;
  path: string[];
  role: Role;
  /** Findings reported while reading this IFD's entries (maker note, XMP, IPTC inside it too). */
  findings: Finding[];
  /** The pictures this IFD holds when it is a thumbnail or preview (also in `findings`). */
  images: Finding[];
  /** Sub-IFDs in walk order: the pointer entry and, for SubIFD arrays, which element. */
  children: { via: IfdEntry; index: number; node: IfdNode }[];
}

export interface TiffTrace {
  ctx?: TiffCtx;
  /** IFD0, IFD1…: the top-level chain. */
  chain: IfdNode[];
}

/** 42 = TIFF; ORF ('RO', 'SR') and RW2 (0x55) are TIFF with another magic. */
const TIFF_MAGICS = new Set([42, 0x4f52, 0x5352, 0x55]);
const BIGTIFF_MAGIC = 43;

/** Whether `head` starts a classic TIFF structure ("II*\0" / "MM\0*" or a raw variant). */
export function isTiffHeader(head: Uint8Array, off = 0): boolean {
  const le = byteOrderMark(head, off);
  return le !== undefined && head.length >= off + 4 && TIFF_MAGICS.has(endian(le).u16(head, off + 2));
}

/**
 * Walks already made over a source (kept while the source lives), so a rewriter given the
 * source its analysis read follows that very walk, with the very findings reported, instead of
 * walking the structure again (scrub: a sixth of the TIFF reading it did per file).
 */
const walks = new WeakMap<ByteSource, Map<string, { trace: TiffTrace; dng: boolean }>>();
const walkKey = (base: number, length: number, path: readonly string[], kind: string | undefined): string =>
  `${base}:${length}:${kind ?? ''}:${path.join('/')}`;

/** The walk a complete readTiffStructure of the same structure made over `src`, if there was one. */
export function walkedBefore(
  src: ByteSource,
  base: number,
  length: number,
  path: readonly string[],
  kind: TiffReadOptions['kind'],
): { trace: TiffTrace; dng: boolean } | undefined {
  return walks.get(src)?.get(walkKey(base, length, path, kind));
}

export function readTiffStructure(
  src: ByteSource,
  base: number,
  length: number,
  path: string[],
  out: Collector,
  opts: TiffReadOptions = {},
): void {
  if (base < 0 || length < 0 || base + length > src.size)
    throw truncated('TIFF structure', Math.max(0, base));
  if (length < 8) throw truncated('TIFF header', base);
  const head = src.read(base, 8);
  const le = byteOrderMark(head);
  if (le === undefined) throw malformed('not a TIFF header (expected "II" or "MM")', base);
  const magic = endian(le).u16(head, 2);
  if (magic === BIGTIFF_MAGIC)
    throw new AirlockError('AIRLOCK_ERR_UNSUPPORTED', 'BigTIFF is not supported', base);
  if (!TIFF_MAGICS.has(magic)) throw malformed(`not a TIFF header (magic ${magic})`, base + 2);

  const ctx = tiffCtx(src, base, le, base, base + length);
  const walker = new Walker(ctx, out);
  const trace: TiffTrace = { ctx, chain: [] };
  // IFD0, IFD1 (the thumbnail in EXIF), IFD2…: the top-level chain.
  let next = base + endian(le).u32(head, 4);
  for (let i = 0; next !== base; i++) {
    const node = walker.walk(
      next,
      [...path, `IFD${i}`],
      0,
      i === 1 && opts.kind === 'exif-app1' ? 'thumbnail' : 'image',
    );
    trace.chain.push(node);
    next = node.ifd.next === 0 ? base : node.ifd.next;
  }
  if (opts.trace) {
    opts.trace.ctx = ctx;
    opts.trace.chain.push(...trace.chain);
  }
  // Only a walk that went through to its end is offered again.
  let mine = walks.get(src);
  if (!mine) {
    mine = new Map();
    walks.set(src, mine);
  }
  mine.set(walkKey(base, length, path, opts.kind), { trace, dng: walker.dng });
}

/** What an image IFD says about its pixels, gathered while its entries go by. */
interface ImageFacts {
  subfileType?: number;
  width?: number;
  height?: number;
  dataOffsets?: IfdEntry;
  dataCounts?: IfdEntry;
  jpegOffset?: IfdEntry;
  jpegLength?: IfdEntry;
}

class Walker {
  private make = '';
  private model = '';
  /** Whether this walk met a DNGVersion entry. */
  dng = false;

  constructor(
    private readonly ctx: TiffCtx,
    private readonly out: Collector,
  ) {}

  walk(at: number, path: string[], depth: number, role: Role): IfdNode {
    bound(depth, LIMITS.maxIfdDepth, 'IFD nesting depth', at);
    const ctx = this.ctx;
    const ifd = readIfd(ctx, at, path.at(-1) ?? 'IFD');
    const first = this.out.findings.length;
    const subs: { at: number; seg: string; gps?: boolean; role: Role; via: IfdEntry; index: number }[] = [];
    const img: ImageFacts = {};
    let makerNote: IfdEntry | undefined;

    for (const e of ifd.entries) {
      switch (e.tag) {
        case 0x8769:
          subs.push({ at: this.pointer(e, path), seg: 'ExifIFD', role: 'exif', via: e, index: 0 });
          break;
        case 0x8825:
          subs.push({ at: this.pointer(e, path), seg: 'GPS', gps: true, role: 'gps', via: e, index: 0 });
          break;
        case 0xa005:
          subs.push({ at: this.pointer(e, path), seg: 'InteropIFD', role: 'exif', via: e, index: 0 });
          break;
        case 0x014a:
          this.numbers(e, path).forEach((p, i) => {
            subs.push({
              at: ctx.base + p,
              seg: i === 0 ? 'SubIFD' : `SubIFD${i}`,
              role: 'image',
              via: e,
              index: i,
            });
          });
          break;
        case 0x927c:
          makerNote = e;
          break;
        case 0x02bc:
          readXmpPacket(entryBytes(ctx, e, 'XMP'), e.valueOffset, [...path, 'XMP'], this.out);
          break;
        case 0x83bb:
          readIptc(entryBytes(ctx, e, 'IPTC'), e.valueOffset, [...path, 'IPTC'], this.out);
          break;
        case 0x8649:
          readPhotoshopIrb(entryBytes(ctx, e, 'Photoshop'), e.valueOffset, [...path, 'Photoshop'], this.out);
          break;
        case 0xc634:
          readDngPrivateData(ctx, e, { make: this.make, model: this.model }, path, this.out);
          break;
        case ICC_TAG:
          reportIccProfile(ctx, e, this.report(e, path, img), path, this.out);
          break;
        case 0x0111:
        case 0x0144:
          img.dataOffsets = e;
          break;
        case 0x0117:
        case 0x0145:
          img.dataCounts = e;
          break;
        case 0x0201:
          img.jpegOffset = e;
          break;
        case 0x0202:
          img.jpegLength = e;
          break;
        default:
          this.report(e, path, img);
      }
    }
    const images = role === 'exif' ? [] : this.reportImage(img, path, role);
    if (makerNote) readMakerNote(ctx, makerNote, { make: this.make, model: this.model }, path, this.out);
    const node: IfdNode = {
      ifd,
      path,
      role,
      findings: this.out.findings.slice(first),
      images: [],
      children: [],
    };
    node.images = images;
    for (const s of subs) {
      const child = s.gps
        ? this.gps(s.at, [...path, s.seg])
        : this.walk(s.at, [...path, s.seg], depth + 1, s.role);
      node.children.push({ via: s.via, index: s.index, node: child });
    }
    return node;
  }

  private gps(at: number, path: string[]): IfdNode {
    const ifd = readIfd(this.ctx, at, path.at(-1) ?? 'GPS');
    const first = this.out.findings.length;
    reportGpsIfd(this.ctx, ifd, path, this.out);
    return { ifd, path, role: 'gps', findings: this.out.findings.slice(first), images: [], children: [] };
  }

  private report(e: IfdEntry, path: string[], img: ImageFacts): Finding {
    const f = reportEntry(this.ctx, e, placedTag(e, path), path, this.out);
    const v = f.value;
    if (e.tag === 0x010f && v.kind === 'text' && !this.make) this.make = v.text;
    if (e.tag === 0x0110 && v.kind === 'text' && !this.model) this.model = v.text;
    if (e.tag === 0xc612) {
      this.out.facts.DNGVersion = v.kind === 'text' ? v.text : String(v.kind === 'number' ? v.value : '');
      this.dng = true;
    }
    if (v.kind === 'number') {
      if (e.tag === 0x00fe) img.subfileType = v.value;
      if (e.tag === 0x0100) img.width = v.value;
      if (e.tag === 0x0101) img.height = v.value;
    }
    return f;
  }

  /**
   * IFD1 of EXIF is the thumbnail; in a TIFF/DNG, reduced-resolution images (SubfileType bit 0)
   * are previews. Both are pictures of the scene. The main image is only a fact.
   */
  private reportImage(img: ImageFacts, path: string[], role: Role): Finding[] {
    const seg = path.at(-1) ?? 'IFD';
    const tag = role === 'thumbnail' ? 'ThumbnailImage' : 'PreviewImage';
    const images: Finding[] = [];
    if (img.jpegOffset && img.jpegLength) {
      const [off] = this.numbers(img.jpegOffset, path);
      const [len] = this.numbers(img.jpegLength, path);
      if (off !== undefined && len !== undefined) {
        images.push(reportEmbeddedJpeg(this.ctx, tag, this.ctx.base + off, len, path, this.out));
      }
    }
    if (!img.dataOffsets || !img.dataCounts) return images;
    const reduced = role === 'thumbnail' || ((img.subfileType ?? 0) & 1) === 1;
    if (!reduced) {
      if (img.width !== undefined && img.height !== undefined)
        this.out.facts[`${seg}.image`] = `${img.width}x${img.height}`;
      this.checkImageData(img.dataOffsets, img.dataCounts, path);
      return images;
    }
    const offs = this.numbers(img.dataOffsets, path);
    const counts = this.numbers(img.dataCounts, path);
    const ranges = mergeRanges(
      offs.map((o, i) => ({ offset: this.ctx.base + o, length: counts[i] ?? 0 })).filter((r) => r.length > 0),
    );
    const size = ranges.reduce((s, r) => s + r.length, 0);
    const f: Finding = {
      category: 'imagery.embedded',
      tag,
      path,
      ranges,
      value: {
        kind: 'block',
        size,
        ...(img.width !== undefined ? { width: img.width } : {}),
        ...(img.height !== undefined ? { height: img.height } : {}),
      },
    };
    this.out.add(f);
    return [...images, f];
  }

  /**
   * The main image's strips or tiles lie in the file: one that does not is damage ExifTool warns
   * about too ("StripOffsets is past end of file"), and scrub refuses the file; inspect says so
   * rather than call it clean. Said once, for the first block out of range.
   */
  private checkImageData(offsets: IfdEntry, counts: IfdEntry, path: string[]): void {
    const what = offsets.tag === 0x0144 ? 'TileOffsets' : 'StripOffsets';
    let offs: number[];
    let lens: number[];
    try {
      offs = this.numbers(offsets, path);
      lens = this.numbers(counts, path);
    } catch (e) {
      const at = e instanceof AirlockError ? e.offset : undefined;
      this.out.warn(
        'tiff-image-data-out-of-range',
        `${what}: ${(e as Error).message}`,
        at ?? offsets.entryOffset,
      );
      return;
    }
    for (let i = 0; i < offs.length; i++) {
      const at = this.ctx.base + (offs[i] as number);
      const len = lens[i] ?? 0;
      if (len > 0 && (at < this.ctx.start || at + len > this.ctx.end)) {
        this.out.warn(
          'tiff-image-data-out-of-range',
          `${what}: block ${i + 1} of ${offs.length} at ${at} (+${len}) leaves the TIFF data (it ends at ${this.ctx.end})`,
          at,
        );
        return;
      }
    }
  }

  private numbers(e: IfdEntry, path: string[]): number[] {
    if (e.type === 2 || e.type === 7)
      throw malformed(`${path.at(-1)} tag 0x${e.tag.toString(16)} is not numeric`, e.entryOffset);
    return decodeNumbers(e.type, entryBytes(this.ctx, e, `${path.at(-1)} offsets`), this.ctx.e.le);
  }

  private pointer(e: IfdEntry, path: string[]): number {
    const [p] = this.numbers(e, path);
    if (p === undefined) throw malformed(`${path.at(-1)} sub-IFD pointer is empty`, e.entryOffset);
    return this.ctx.base + p;
  }
}
