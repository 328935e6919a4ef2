/**
 * A sequential Huffman JPEG's picture as quantised DCT coefficients, and back: the decoder reads
 * the one scan into blocks, the encoder writes them again with optimal Huffman tables. Nothing is
 * dequantised or transformed, so blocks left alone decode to exactly the pixels they did (what
 * jpegtran's lossless operations rely on). Written here because no library gives a JPEG's
 * coefficients to JavaScript. Read: 8-bit Huffman JPEGs, baseline or extended sequential with one
 * scan holding every component (what DJI, phones and cameras write), or progressive (what web
 * exports and editors often write; T.81 Annex G, as libjpeg's jdphuff.c reads it). A progressive
 * picture is written back as one baseline scan: the same coefficients, so the same pixels.
 * Anything else (arithmetic coding, lossless, hierarchical, 12-bit) is refused.
 */
import { concatBytes } from '../../../core/bytes.js';
import { AirlockError } from '../../../core/errors.js';
import { BufferSource } from '../../../core/source.js';
import { isSof } from '../frame.js';
import { EOI, type Segment, SOS, walkSegments } from '../segments.js';
import {
  type DecodeTable,
  decodeTable,
  type EncodeTable,
  encodeTable,
  optimalTable,
  type TableSpec,
} from './huffman.js';

export interface Component {
  id: number;
  h: number;
  v: number;
  /** DC and AC table ids the scan gives it. */
  td: number;
  ta: number;
  /** The block grid, padded to whole MCUs: blocksWide × blocksHigh blocks of 64 coefficients. */
  blocksWide: number;
  blocksHigh: number;
  /** Blocks that hold picture (the rest pad the last MCU). */
  usedWide: number;
  usedHigh: number;
  /** Coefficients in zig-zag order, 64 a block, row of blocks by row; DC as its value, not its difference. */
  coefficients: Int16Array;
}

export interface Picture {
  width: number;
  height: number;
  hmax: number;
  vmax: number;
  /** In scan order (a progressive picture's: frame order, as it is written back). */
  components: Component[];
  /** MCUs between restart markers; 0 for none. */
  restart: number;
  /**
   * The file up to its first SOS, less its DHTs (the encoder writes its own); a progressive
   * picture's frame header made baseline's.
   */
  head: Uint8Array[];
  /** The SOS segment itself (marker, length, header). */
  sosHeader: Uint8Array;
  /** Everything from the marker that ends the scan (EOI) to the end of the file. */
  tail: Uint8Array;
}

/**
 * Blocks in all, 128 bytes each in memory: a 20 MP still with 4:2:0 chroma holds ~470,000 (60 MB),
 * a 100 MP one ~2.3 million (300 MB); more is refused (a bomb declares 65,000² pixels).
 */
const MAX_BLOCKS = 2_500_000;

/**
 * Scans a progressive picture may have, and coefficients its scans may visit in all, in whole
 * passes over the picture. A scan walks every block of its components however few bytes it holds
 * (one end-of-band run covers 32,767 blocks), so a small file could ask for any amount of work;
 * the progressions libjpeg, browsers and editors write use ten or so scans and about three passes.
 */
const MAX_SCANS = 64;
const MAX_PASSES = 8;

const DHT = 0xc4;
const DQT = 0xdb;
const DRI = 0xdd;

const unsupported = (what: string, at?: number): AirlockError =>
  new AirlockError('AIRLOCK_ERR_UNSUPPORTED', `cannot edit this JPEG's picture: ${what}`, at);
const malformed = (what: string, at: number): AirlockError =>
  new AirlockError('AIRLOCK_ERR_MALFORMED', `JPEG scan: ${what}`, at);

/** Read `bytes`' picture as coefficients. */
export function decodePicture(bytes: Uint8Array): Picture {
  const walk = walkSegments(new BufferSource(bytes));
  const sos = walk.sos;
  if (!sos) throw unsupported('no scan');
  const tables = new Map<number, TableSpec>(); // (class << 4) | id
  let sof: Segment | undefined;
  let restart = 0;
  const head: Uint8Array[] = [];
  let from = 0;
  for (const seg of walk.segments) {
    const m = seg.marker;
    if (m === DHT) {
      readDht(bytes, seg, tables);
      // A DHT is left out of the copy: the encoder writes its own tables before the scan.
      head.push(bytes.subarray(from, seg.offset));
      from = seg.dataOffset + seg.dataLength;
    } else if (m === DRI) {
      restart = readDri(bytes, seg);
    } else if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (m !== 0xc0 && m !== 0xc1 && m !== 0xc2)
        throw unsupported(m >= 0xc9 ? 'arithmetic coding' : `frame type SOF${m - 0xc0}`, seg.offset);
      if (sof) throw unsupported('more than one frame', seg.offset);
      sof = seg;
    } else if (m === 0xcc) throw unsupported('arithmetic coding', seg.offset);
  }
  if (!sof) throw unsupported('no frame header before the scan');
  head.push(bytes.subarray(from, sos.offset));

  const f = sof.dataOffset;
  if (sof.dataLength < 6) throw malformed('frame header too short', sof.offset);
  if (bytes[f] !== 8) throw unsupported(`${bytes[f]}-bit samples`, sof.offset);
  const height = ((bytes[f + 1] as number) << 8) | (bytes[f + 2] as number);
  const width = ((bytes[f + 3] as number) << 8) | (bytes[f + 4] as number);
  const nf = bytes[f + 5] as number;
  if (height === 0 || width === 0) throw unsupported('a height given after the scan (DNL)', sof.offset);
  if (nf < 1 || nf > 4 || sof.dataLength < 6 + 3 * nf) throw malformed('frame header components', sof.offset);
  const frame = new Map<number, { h: number; v: number }>();
  let hmax = 1;
  let vmax = 1;
  for (let i = 0; i < nf; i++) {
    const id = bytes[f + 6 + 3 * i] as number;
    const hv = bytes[f + 7 + 3 * i] as number;
    const h = hv >> 4;
    const v = hv & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw malformed('sampling factors', sof.offset);
    frame.set(id, { h, v });
    hmax = Math.max(hmax, h);
    vmax = Math.max(vmax, v);
  }

  if (bytes[sof.offset + 1] === 0xc2)
    return decodeProgressive(bytes, {
      width,
      height,
      hmax,
      vmax,
      frame,
      sof,
      sos,
      tables,
      restart,
      head: baselineFrame(head, bytes, sof.offset + 1),
    });

  const s = sos.dataOffset;
  const ns = bytes[s] as number;
  if (ns !== nf)
    throw unsupported(`a scan with ${ns} of the ${nf} components (more than one scan)`, sos.offset);
  if (sos.dataLength < 4 + 2 * ns) throw malformed('scan header too short', sos.offset);
  const ss = bytes[s + 1 + 2 * ns];
  const se = bytes[s + 2 + 2 * ns];
  const a = bytes[s + 3 + 2 * ns];
  if (ss !== 0 || se !== 63 || a !== 0)
    throw unsupported('a spectral selection or approximation', sos.offset);
  const mcusWide = Math.ceil(width / (8 * hmax));
  const mcusHigh = Math.ceil(height / (8 * vmax));
  const components: Component[] = [];
  let blocks = 0;
  for (let i = 0; i < ns; i++) {
    const id = bytes[s + 1 + 2 * i] as number;
    const t = bytes[s + 2 + 2 * i] as number;
    const fc = frame.get(id);
    if (!fc) throw malformed(`scan names component ${id}, not in the frame`, sos.offset);
    const c: Component = {
      id,
      h: fc.h,
      v: fc.v,
      td: t >> 4,
      ta: t & 15,
      blocksWide: mcusWide * fc.h,
      blocksHigh: mcusHigh * fc.v,
      usedWide: Math.ceil(Math.ceil((width * fc.h) / hmax) / 8),
      usedHigh: Math.ceil(Math.ceil((height * fc.v) / vmax) / 8),
      coefficients: new Int16Array(0),
    };
    blocks += c.blocksWide * c.blocksHigh;
    components.push(c);
  }
  if (blocks > MAX_BLOCKS)
    throw new AirlockError('AIRLOCK_ERR_LIMIT', `${blocks} blocks: too large to edit`, sof.offset);
  for (const c of components) c.coefficients = new Int16Array(c.blocksWide * c.blocksHigh * 64);

  const pic: Picture = {
    width,
    height,
    hmax,
    vmax,
    components,
    restart,
    head,
    sosHeader: bytes.subarray(sos.offset, sos.dataOffset + sos.dataLength),
    tail: new Uint8Array(0),
  };
  const end = decodeScan(bytes, sos.dataOffset + sos.dataLength, {
    components,
    restart,
    dc: components.map((c) => tableFor(tables, 0, c.td, sos.offset)),
    ac: components.map((c) => tableFor(tables, 1, c.ta, sos.offset)),
    ...SEQUENTIAL,
  });
  if (bytes[end] !== 0xff || bytes[end + 1] !== EOI)
    throw unsupported('more than one scan, or data after the scan before its end', end);
  pic.tail = bytes.subarray(end);
  return pic;
}

function readDht(bytes: Uint8Array, seg: Segment, tables: Map<number, TableSpec>): void {
  let p = seg.dataOffset;
  const end = seg.dataOffset + seg.dataLength;
  while (p < end) {
    if (p + 17 > end) throw malformed('DHT too short', p);
    const tc = (bytes[p] as number) >> 4;
    const th = (bytes[p] as number) & 15;
    if (tc > 1 || th > 3) throw malformed('DHT table class or id', p);
    const counts = bytes.slice(p + 1, p + 17);
    const n = counts.reduce((x, y) => x + y, 0);
    if (n > 256 || p + 17 + n > end) throw malformed('DHT symbol count', p);
    tables.set((tc << 4) | th, { counts, symbols: bytes.slice(p + 17, p + 17 + n) });
    p += 17 + n;
  }
}

function tableFor(tables: Map<number, TableSpec>, cls: number, id: number, at: number): DecodeTable {
  const t = tables.get((cls << 4) | id);
  if (!t) throw malformed(`no ${cls ? 'AC' : 'DC'} Huffman table ${id}`, at);
  return decodeTable(t, at);
}

/** The blocks of a scan over `cs`, MCU by MCU (in a one-component scan, block by block), in scan order. */
function* mcuBlocks(cs: readonly Component[]): Generator<[component: number, block: number]> {
  if (cs.length === 1) {
    const c = cs[0] as Component;
    for (let y = 0; y < c.usedHigh; y++) for (let x = 0; x < c.usedWide; x++) yield [0, y * c.blocksWide + x];
    return;
  }
  const mcusWide = (cs[0] as Component).blocksWide / (cs[0] as Component).h;
  const mcusHigh = (cs[0] as Component).blocksHigh / (cs[0] as Component).v;
  for (let my = 0; my < mcusHigh; my++)
    for (let mx = 0; mx < mcusWide; mx++)
      for (let i = 0; i < cs.length; i++) {
        const c = cs[i] as Component;
        for (let v = 0; v < c.v; v++)
          for (let h = 0; h < c.h; h++) yield [i, (my * c.v + v) * c.blocksWide + mx * c.h + h];
      }
}

/** Blocks per MCU (a one-component scan: one). */
const blocksPerMcu = (cs: readonly Component[]): number =>
  cs.length === 1 ? 1 : cs.reduce((n, c) => n + c.h * c.v, 0);

/** One scan to decode: its components, their tables, its restart interval and its band. */
interface ScanSpec {
  components: readonly Component[];
  restart: number;
  /** By the scan's component; a table the scan does not use may be absent. */
  dc: readonly (DecodeTable | undefined)[];
  ac: readonly (DecodeTable | undefined)[];
  /** Spectral selection (zig-zag indexes) and successive approximation (T.81 G.1.1.1). */
  ss: number;
  se: number;
  ah: number;
  al: number;
  progressive: boolean;
}

const SEQUENTIAL = { ss: 0, se: 63, ah: 0, al: 0, progressive: false } as const;

/** Decode the entropy-coded data from `start`; returns the offset of the marker that ends it. */
function decodeScan(bytes: Uint8Array, start: number, scan: ScanSpec): number {
  let pos = start;
  let buf = 0; // bits, most significant first
  let cnt = 0;
  let marker = false;
  /** Zero bits fed past the data's end (at a marker): reading into them means the data ended early. */
  let padBits = 0;
  const fill = (): void => {
    // Asked for more while over 32 bits of padding were fed: the decoder is reading past the
    // data (a hostile scan would otherwise run on zeros through every block).
    if (padBits > 40) throw malformed('the data ends early', pos);
    while (cnt <= 24) {
      let b = 0;
      if (!marker && pos < bytes.length) {
        b = bytes[pos] as number;
        if (b === 0xff) {
          const next = bytes[pos + 1];
          if (next === 0x00) pos += 2;
          else {
            // A marker: the data ends here; zeros feed any bits still asked for.
            marker = true;
            b = 0;
          }
        } else pos++;
      }
      if (marker || pos >= bytes.length) padBits += 8;
      buf = (buf | (b << (24 - cnt))) >>> 0;
      cnt += 8;
    }
  };
  const bits = (n: number): number => {
    if (n === 0) return 0;
    if (cnt < n) fill();
    const v = buf >>> (32 - n);
    buf = (buf << n) >>> 0;
    cnt -= n;
    return v;
  };
  const huff = (t: DecodeTable): number => {
    if (cnt < 16) fill();
    const f = t.fast[buf >>> 24] as number;
    if (f !== 0) {
      const len = f >> 8;
      buf = (buf << len) >>> 0;
      cnt -= len;
      return f & 0xff;
    }
    let code = 0;
    for (let len = 1; len <= 16; len++) {
      code = (code << 1) | (buf >>> 31);
      buf = (buf << 1) >>> 0;
      cnt--;
      if (code <= (t.maxcode[len] as number))
        return t.symbols[(t.valptr[len] as number) + code - (t.mincode[len] as number)] as number;
    }
    throw malformed('no Huffman code matches', pos);
  };
  const extend = (v: number, s: number): number => (v < 1 << (s - 1) ? v - (1 << s) + 1 : v);

  const cs = scan.components;
  const pred = new Int32Array(cs.length);
  /** Blocks left in the current end-of-band run (progressive AC scans). */
  let eobrun = 0;
  const { ss, se, al } = scan;
  const p1 = 1 << al; // a refinement's bit, +1 and -1, at this scan's position
  const m1 = -1 << al;

  /**
   * The DC coefficient from its difference: whole in a sequential scan (al 0), its high bits in a
   * progressive scan's first pass.
   */
  const dcFirst = (ci: number, out: Int16Array, o: number): void => {
    const t = huff(scan.dc[ci] as DecodeTable);
    if (t > 11) throw malformed('DC difference out of range', pos);
    const value = (pred[ci] as number) + (t === 0 ? 0 : extend(bits(t), t));
    const shifted = value * p1;
    if (shifted < -32768 || shifted > 32767) throw malformed('DC value out of range', pos);
    pred[ci] = value;
    out[o] = shifted;
  };
  /** A whole block: DC difference, then AC run/size codes to the end of block. */
  const sequential = (ci: number, out: Int16Array, o: number): void => {
    dcFirst(ci, out, o);
    const act = scan.ac[ci] as DecodeTable;
    for (let k = 1; k < 64; ) {
      const rs = huff(act);
      const r = rs >> 4;
      const sz = rs & 15;
      if (sz === 0) {
        if (r !== 15) break; // end of block
        k += 16;
        continue;
      }
      k += r;
      if (k > 63 || sz > 10) throw malformed('AC coefficient out of range', pos);
      out[o + k] = extend(bits(sz), sz);
      k++;
    }
  };
  /** A later DC pass: one more bit. */
  const dcRefine = (_ci: number, out: Int16Array, o: number): void => {
    if (bits(1)) out[o] = (out[o] as number) | p1;
  };
  /** An AC scan's first pass over its band: run/size codes, and end-of-band runs across blocks. */
  const acFirst = (_ci: number, out: Int16Array, o: number): void => {
    if (eobrun > 0) {
      eobrun--;
      return;
    }
    const act = scan.ac[0] as DecodeTable;
    for (let k = ss; k <= se; k++) {
      const rs = huff(act);
      const r = rs >> 4;
      const sz = rs & 15;
      if (sz === 0) {
        if (r === 15) {
          k += 15; // sixteen zeros
          continue;
        }
        eobrun = (1 << r) - 1 + (r > 0 ? bits(r) : 0);
        return;
      }
      k += r;
      if (k > se || sz > 10) throw malformed('AC coefficient out of range', pos);
      const value = extend(bits(sz), sz) * p1;
      // An 8-bit picture's AC coefficients fit in 11 bits, whatever the approximation.
      if (value < -1023 || value > 1023) throw malformed('AC coefficient out of range', pos);
      out[o + k] = value;
    }
  };
  /** A coefficient already non-zero gets one correction bit, away from zero. */
  const correct = (out: Int16Array, i: number): void => {
    const v = out[i] as number;
    if (bits(1) && (v & p1) === 0) out[i] = v >= 0 ? v + p1 : v + m1;
  };
  /** An AC scan's later pass: new coefficients of ±1 at this bit, correction bits for the rest. */
  const acRefine = (_ci: number, out: Int16Array, o: number): void => {
    let k = ss;
    if (eobrun === 0) {
      const act = scan.ac[0] as DecodeTable;
      for (; k <= se; k++) {
        const rs = huff(act);
        let r = rs >> 4;
        const sz = rs & 15;
        let value = 0;
        if (sz !== 0) {
          if (sz !== 1) throw malformed('AC refinement size other than 1', pos);
          value = bits(1) ? p1 : m1;
        } else if (r !== 15) {
          eobrun = (1 << r) + (r > 0 ? bits(r) : 0);
          break;
        }
        // Skip r zero coefficients (correcting the non-zero ones met), then place the new one.
        for (; k <= se; k++) {
          if ((out[o + k] as number) !== 0) correct(out, o + k);
          else if (--r < 0) break;
        }
        if (value !== 0) {
          if (k > se) throw malformed('AC refinement past the band', pos);
          out[o + k] = value;
        }
      }
    }
    if (eobrun > 0) {
      // The rest of the band, in a block the run covers: only corrections.
      for (; k <= se; k++) if ((out[o + k] as number) !== 0) correct(out, o + k);
      eobrun--;
    }
  };
  const block = !scan.progressive
    ? sequential
    : ss === 0
      ? scan.ah === 0
        ? dcFirst
        : dcRefine
      : scan.ah === 0
        ? acFirst
        : acRefine;

  const perMcu = blocksPerMcu(cs);
  let inMcu = 0;
  let mcus = 0;
  let expectRst = 0;
  for (const [ci, b] of mcuBlocks(cs)) {
    if (inMcu === 0 && scan.restart > 0 && mcus > 0 && mcus % scan.restart === 0) {
      // Byte-aligned at a restart marker: the bits left are padding.
      if (cnt < padBits) throw malformed('the data before a restart marker ends early', pos);
      // The bits still held are the interval's padding (under a byte) and, if the marker was
      // met, zeros fed after it: a whole byte more is data the interval does not use.
      if (cnt - padBits >= 8) throw malformed(`data before restart marker ${expectRst}`, pos);
      if (bytes[pos] !== 0xff || bytes[pos + 1] !== 0xd0 + expectRst)
        throw malformed(`restart marker ${expectRst} missing`, pos);
      pos += 2;
      expectRst = (expectRst + 1) & 7;
      buf = 0;
      cnt = 0;
      padBits = 0;
      marker = false;
      pred.fill(0);
      eobrun = 0;
    }
    block(ci, (cs[ci] as Component).coefficients, b * 64);
    if (++inMcu === perMcu) {
      inMcu = 0;
      mcus++;
    }
  }
  if (cnt < padBits) throw malformed('the data ends early', pos);
  // Past the data's last byte: to the marker that ends it.
  if (!marker) {
    while (pos < bytes.length && !(bytes[pos] === 0xff && bytes[pos + 1] !== 0x00)) pos++;
  }
  if (pos >= bytes.length) throw malformed('the scan runs to the end of the file', pos);
  return pos;
}

/** What decodePicture read before the first scan of a progressive picture. */
interface ProgressiveStart {
  width: number;
  height: number;
  hmax: number;
  vmax: number;
  frame: Map<number, { h: number; v: number }>;
  sof: Segment;
  sos: Segment;
  tables: Map<number, TableSpec>;
  restart: number;
  head: Uint8Array[];
}

/**
 * Every scan of a progressive picture into one set of blocks, following the tables and restart
 * intervals the file defines between scans; the picture comes back as one baseline scan would
 * hold it (components in frame order, the first with tables 0, the others 1, as libjpeg writes).
 */
function decodeProgressive(bytes: Uint8Array, st: ProgressiveStart): Picture {
  const f = st.sof.dataOffset;
  const mcusWide = Math.ceil(st.width / (8 * st.hmax));
  const mcusHigh = Math.ceil(st.height / (8 * st.vmax));
  const nf = bytes[f + 5] as number;
  if (st.frame.size !== nf) throw malformed('frame header names a component twice', st.sof.offset);
  const components: Component[] = [];
  let blocks = 0;
  for (let i = 0; i < nf; i++) {
    const id = bytes[f + 6 + 3 * i] as number;
    const fc = st.frame.get(id) as { h: number; v: number };
    const c: Component = {
      id,
      h: fc.h,
      v: fc.v,
      td: i === 0 ? 0 : 1,
      ta: i === 0 ? 0 : 1,
      blocksWide: mcusWide * fc.h,
      blocksHigh: mcusHigh * fc.v,
      usedWide: Math.ceil(Math.ceil((st.width * fc.h) / st.hmax) / 8),
      usedHigh: Math.ceil(Math.ceil((st.height * fc.v) / st.vmax) / 8),
      coefficients: new Int16Array(0),
    };
    blocks += c.blocksWide * c.blocksHigh;
    components.push(c);
  }
  if (blocks > MAX_BLOCKS)
    throw new AirlockError('AIRLOCK_ERR_LIMIT', `${blocks} blocks: too large to edit`, st.sof.offset);
  for (const c of components) c.coefficients = new Int16Array(c.blocksWide * c.blocksHigh * 64);
  const byId = new Map(components.map((c) => [c.id, c]));

  let restart = st.restart;
  let seg: Segment = st.sos;
  let visits = 0;
  for (let scans = 1; ; scans++) {
    if (scans > MAX_SCANS)
      throw new AirlockError(
        'AIRLOCK_ERR_LIMIT',
        `more than ${MAX_SCANS} scans: too many to edit`,
        seg.offset,
      );
    const scan = progressiveScan(bytes, seg, byId, st.tables, restart);
    const walked =
      scan.components.length === 1
        ? (scan.components[0] as Component).usedWide * (scan.components[0] as Component).usedHigh
        : scan.components.reduce((n, c) => n + c.blocksWide * c.blocksHigh, 0);
    visits += walked * (scan.se - scan.ss + 1);
    if (visits > MAX_PASSES * 64 * blocks)
      throw new AirlockError(
        'AIRLOCK_ERR_LIMIT',
        `its scans would visit every coefficient more than ${MAX_PASSES} times: too much work to edit`,
        seg.offset,
      );
    const end = decodeScan(bytes, seg.dataOffset + seg.dataLength, scan);
    // The segments to the next scan or the end: tables and restart intervals are followed,
    // anything else between scans (COM, APPn) is no picture and is not kept.
    let next: Segment | undefined;
    for (let at = end; !next; ) {
      const m = markerAt(bytes, at);
      if (!('segment' in m)) {
        const pic: Picture = {
          width: st.width,
          height: st.height,
          hmax: st.hmax,
          vmax: st.vmax,
          components,
          restart: st.restart,
          head: st.head,
          sosHeader: baselineScanHeader(components),
          tail: bytes.subarray(at),
        };
        return pic;
      }
      const s = m.segment;
      if (s.marker === DHT) readDht(bytes, s, st.tables);
      else if (s.marker === DRI) restart = readDri(bytes, s);
      else if (s.marker === SOS) next = s;
      else if (s.marker === DQT || isSof(s.marker) || s.marker === 0xdc /* DNL */)
        throw unsupported('quantisation tables, frame or height given again between scans', s.offset);
      at = s.dataOffset + s.dataLength;
    }
    seg = next;
  }
}

/** The scan a progressive SOS describes, checked against the frame and T.81 G.1.1.1's rules. */
function progressiveScan(
  bytes: Uint8Array,
  sos: Segment,
  byId: Map<number, Component>,
  tables: Map<number, TableSpec>,
  restart: number,
): ScanSpec {
  const s = sos.dataOffset;
  const ns = bytes[s] as number;
  if (ns < 1 || ns > 4 || sos.dataLength < 4 + 2 * ns) throw malformed('scan header', sos.offset);
  const ss = bytes[s + 1 + 2 * ns] as number;
  const se = bytes[s + 2 + 2 * ns] as number;
  const a = bytes[s + 3 + 2 * ns] as number;
  const ah = a >> 4;
  const al = a & 15;
  const dcScan = ss === 0;
  if ((dcScan && se !== 0) || (!dcScan && (se < ss || se > 63 || ns !== 1)) || al > 13 || ah > 13)
    throw malformed(
      `progressive scan band ${ss}..${se}, bits ${ah}/${al}, over ${ns} components`,
      sos.offset,
    );
  const components: Component[] = [];
  const dc: (DecodeTable | undefined)[] = [];
  const ac: (DecodeTable | undefined)[] = [];
  for (let i = 0; i < ns; i++) {
    const c = byId.get(bytes[s + 1 + 2 * i] as number);
    if (!c || components.includes(c))
      throw malformed('scan names a component not in the frame, or twice', sos.offset);
    const t = bytes[s + 2 + 2 * i] as number;
    components.push(c);
    // A first DC pass reads the DC table, an AC pass the AC table; a DC refinement reads bits only.
    dc.push(dcScan && ah === 0 ? tableFor(tables, 0, t >> 4, sos.offset) : undefined);
    ac.push(dcScan ? undefined : tableFor(tables, 1, t & 15, sos.offset));
  }
  return { components, restart, dc, ac, ss, se, ah, al, progressive: true };
}

/** The marker at `at` (after any fill bytes) and, unless it is EOI, its segment. */
function markerAt(bytes: Uint8Array, at: number): { code: typeof EOI } | { segment: Segment } {
  if (bytes[at] !== 0xff) throw malformed('expected a marker after the scan', at);
  let c = at + 1;
  while (bytes[c] === 0xff) c++;
  if (c >= bytes.length) throw malformed('the file ends before EOI', at);
  const code = bytes[c] as number;
  if (code === EOI) return { code: EOI };
  if (code === 0x00 || code === 0x01 || code === 0xd8 || (code >= 0xd0 && code <= 0xd7))
    throw malformed(`marker 0x${code.toString(16)} between scans`, at);
  if (c + 3 > bytes.length) throw malformed('segment length past the end', at);
  const len = ((bytes[c + 1] as number) << 8) | (bytes[c + 2] as number);
  if (len < 2 || c + 1 + len > bytes.length) throw malformed(`segment length ${len}`, at);
  return { segment: { marker: code, offset: at, dataOffset: c + 3, dataLength: len - 2 } };
}

function readDri(bytes: Uint8Array, seg: Segment): number {
  if (seg.dataLength < 2) throw malformed('DRI too short', seg.offset);
  return ((bytes[seg.dataOffset] as number) << 8) | (bytes[seg.dataOffset + 1] as number);
}

/** `head` with the frame header's marker (at `markerAt`) made baseline's (SOF0): one copy of the chunk holding it. */
function baselineFrame(head: Uint8Array[], bytes: Uint8Array, markerAt: number): Uint8Array[] {
  return head.map((chunk) => {
    const start = chunk.byteOffset - bytes.byteOffset;
    if (markerAt < start || markerAt >= start + chunk.length) return chunk;
    // A copy, never a view: a Buffer's slice() would write into the caller's file.
    const copy = Uint8Array.from(chunk);
    copy[markerAt - start] = 0xc0;
    return copy;
  });
}

/** An SOS for one sequential scan of every component with its tables. */
function baselineScanHeader(components: readonly Component[]): Uint8Array {
  const n = components.length;
  const out = new Uint8Array(2 + 6 + 2 * n);
  out[0] = 0xff;
  out[1] = SOS;
  out[3] = 6 + 2 * n;
  out[4] = n;
  components.forEach((c, i) => {
    out[5 + 2 * i] = c.id;
    out[6 + 2 * i] = (c.td << 4) | c.ta;
  });
  out[5 + 2 * n] = 0;
  out[6 + 2 * n] = 63;
  out[7 + 2 * n] = 0;
  return out;
}

/** `pic` written again: its head, new optimal Huffman tables, the scan, and its tail. */
export function encodePicture(pic: Picture): Uint8Array {
  // Pass 1: every symbol counted, per table.
  const freq = new Map<number, Float64Array>();
  const counter = (cls: number, id: number): Float64Array => {
    const key = (cls << 4) | id;
    let f = freq.get(key);
    if (!f) {
      f = new Float64Array(256);
      freq.set(key, f);
    }
    return f;
  };
  const dcF = pic.components.map((c) => counter(0, c.td));
  const acF = pic.components.map((c) => counter(1, c.ta));
  walkSymbols(pic, (ci, cls, sym) => {
    const f = (cls === 0 ? dcF : acF)[ci] as Float64Array;
    f[sym] = (f[sym] as number) + 1;
  });
  const specs = new Map<number, TableSpec>();
  for (const [key, f] of freq) specs.set(key, optimalTable(f));
  const dht = dhtSegment(specs);
  const enc = new Map<number, EncodeTable>();
  for (const [key, spec] of specs) enc.set(key, encodeTable(spec));
  const dcE = pic.components.map((c) => enc.get(c.td) as EncodeTable);
  const acE = pic.components.map((c) => enc.get(0x10 | c.ta) as EncodeTable);

  // Pass 2: the bits.
  const w = new BitWriter();
  walkSymbols(
    pic,
    (ci, cls, sym, extra, extraLen) => {
      const t = (cls === 0 ? dcE : acE)[ci] as EncodeTable;
      w.put(t.code[sym] as number, t.size[sym] as number);
      if (extraLen > 0) w.put(extra, extraLen);
    },
    (n) => w.restart(n),
  );
  w.flush();
  return concatBytes([...pic.head, dht, pic.sosHeader, w.bytes(), pic.tail]);
}

/** Every symbol the scan codes, in order: (component, class 0 DC / 1 AC, symbol, extra bits). */
function walkSymbols(
  pic: Picture,
  emit: (ci: number, cls: 0 | 1, sym: number, extra: number, extraLen: number) => void,
  restartAt?: (n: number) => void,
): void {
  const pred = new Int32Array(pic.components.length);
  const perMcu = blocksPerMcu(pic.components);
  let inMcu = 0;
  let mcus = 0;
  let rst = 0;
  const category = (v: number): number => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
  const extraOf = (v: number, s: number): number => (v < 0 ? v + (1 << s) - 1 : v);
  for (const [ci, block] of mcuBlocks(pic.components)) {
    if (inMcu === 0 && pic.restart > 0 && mcus > 0 && mcus % pic.restart === 0) {
      restartAt?.(rst);
      rst = (rst + 1) & 7;
      pred.fill(0);
    }
    const c = (pic.components[ci] as Component).coefficients;
    const o = block * 64;
    const diff = (c[o] as number) - (pred[ci] as number);
    pred[ci] = c[o] as number;
    const s = category(diff);
    emit(ci, 0, s, extraOf(diff, s), s);
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const v = c[o + k] as number;
      if (v === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        emit(ci, 1, 0xf0, 0, 0);
        run -= 16;
      }
      const sz = category(v);
      emit(ci, 1, (run << 4) | sz, extraOf(v, sz), sz);
      run = 0;
    }
    if (run > 0) emit(ci, 1, 0x00, 0, 0);
    if (++inMcu === perMcu) {
      inMcu = 0;
      mcus++;
    }
  }
}

function dhtSegment(specs: Map<number, TableSpec>): Uint8Array {
  const keys = [...specs.keys()].sort((a, b) => a - b);
  const len = 2 + keys.reduce((n, k) => n + 17 + (specs.get(k) as TableSpec).symbols.length, 0);
  const out = new Uint8Array(2 + len);
  out[0] = 0xff;
  out[1] = 0xc4;
  out[2] = len >> 8;
  out[3] = len & 0xff;
  let o = 4;
  for (const k of keys) {
    const t = specs.get(k) as TableSpec;
    out[o++] = k;
    out.set(t.counts, o);
    o += 16;
    out.set(t.symbols, o);
    o += t.symbols.length;
  }
  return out;
}

/** Bits to bytes, most significant first, 0xFF stuffed with 0x00, padding with ones. */
class BitWriter {
  private chunks: Uint8Array[] = [];
  private cur = new Uint8Array(1 << 16);
  private n = 0;
  private acc = 0;
  private accBits = 0;

  private byte(b: number): void {
    if (this.n === this.cur.length) {
      this.chunks.push(this.cur);
      this.cur = new Uint8Array(1 << 16);
      this.n = 0;
    }
    this.cur[this.n++] = b;
  }

  put(value: number, len: number): void {
    // At most 16 bits at a time, so the accumulator (< 8 bits carried) never overflows 32.
    this.acc = ((this.acc << len) | (value & ((1 << len) - 1))) >>> 0;
    this.accBits += len;
    while (this.accBits >= 8) {
      const b = (this.acc >>> (this.accBits - 8)) & 0xff;
      this.byte(b);
      if (b === 0xff) this.byte(0);
      this.accBits -= 8;
    }
    this.acc &= (1 << this.accBits) - 1;
  }

  flush(): void {
    if (this.accBits > 0) this.put((1 << (8 - this.accBits)) - 1, 8 - this.accBits);
  }

  restart(n: number): void {
    this.flush();
    this.byte(0xff);
    this.byte(0xd0 + n);
  }

  bytes(): Uint8Array {
    return concatBytes([...this.chunks, this.cur.subarray(0, this.n)]);
  }
}
