/**
 * A sequential Huffman JPEG's picture as quantised DCT coefficients, and back: the decoder reads
 * the one scan into blocks, the encoder writes them again with optimal Huffman tables. Nothing is
 * dequantised or transformed, so blocks left alone decode to exactly the pixels they did (what
 * jpegtran's lossless operations rely on). Written here because no library gives a JPEG's
 * coefficients to JavaScript; only what DJI, phones and cameras write is read: 8-bit baseline or
 * extended sequential Huffman, one scan holding every component. Anything else is refused.
 */
import { concatBytes } from '../../../core/bytes.js';
import { AirlockError } from '../../../core/errors.js';
import { BufferSource } from '../../../core/source.js';
import { EOI, type Segment, walkSegments } from '../segments.js';
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
  /** In scan order. */
  components: Component[];
  /** MCUs between restart markers; 0 for none. */
  restart: number;
  /** Bytes before the first DHT that stays (all of the file up to the SOS, less its DHTs). */
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
    if (m === 0xc4) {
      readDht(bytes, seg, tables);
      // A DHT is left out of the copy: the encoder writes its own tables before the scan.
      head.push(bytes.subarray(from, seg.offset));
      from = seg.dataOffset + seg.dataLength;
    } else if (m === 0xdd) {
      if (seg.dataLength < 2) throw malformed('DRI too short', seg.offset);
      restart = ((bytes[seg.dataOffset] as number) << 8) | (bytes[seg.dataOffset + 1] as number);
    } else if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (m !== 0xc0 && m !== 0xc1)
        throw unsupported(
          m === 0xc2 ? 'progressive' : m >= 0xc9 ? 'arithmetic coding' : `frame type SOF${m - 0xc0}`,
          seg.offset,
        );
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
  const dc = components.map((c) => tableFor(tables, 0, c.td, sos.offset));
  const ac = components.map((c) => tableFor(tables, 1, c.ta, sos.offset));
  const end = decodeScan(bytes, sos.dataOffset + sos.dataLength, pic, dc, ac);
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

/** The blocks of one MCU (or, in a one-component scan, the one block), in scan order. */
function* mcuBlocks(pic: Picture): Generator<[component: number, block: number]> {
  const cs = pic.components;
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
const blocksPerMcu = (pic: Picture): number =>
  pic.components.length === 1 ? 1 : pic.components.reduce((n, c) => n + c.h * c.v, 0);

/** Decode the entropy-coded data from `start`; returns the offset of the marker that ends it. */
function decodeScan(
  bytes: Uint8Array,
  start: number,
  pic: Picture,
  dc: DecodeTable[],
  ac: DecodeTable[],
): number {
  let pos = start;
  let buf = 0; // bits, most significant first
  let cnt = 0;
  let marker = false;
  /** Zero bits fed past the data's end (at a marker): reading into them means the data ended early. */
  let padBits = 0;
  const fill = (): void => {
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

  const pred = new Int32Array(pic.components.length);
  const perMcu = blocksPerMcu(pic);
  let inMcu = 0;
  let mcus = 0;
  let expectRst = 0;
  for (const [ci, block] of mcuBlocks(pic)) {
    if (inMcu === 0 && pic.restart > 0 && mcus > 0 && mcus % pic.restart === 0) {
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
    }
    const c = pic.components[ci] as Component;
    const out = c.coefficients;
    const o = block * 64;
    const t = huff(dc[ci] as DecodeTable);
    if (t > 11) throw malformed('DC difference out of range', pos);
    const diff = t === 0 ? 0 : extend(bits(t), t);
    const value = (pred[ci] as number) + diff;
    if (value < -32768 || value > 32767) throw malformed('DC value out of range', pos);
    pred[ci] = value;
    out[o] = value;
    const act = ac[ci] as DecodeTable;
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
  const perMcu = blocksPerMcu(pic);
  let inMcu = 0;
  let mcus = 0;
  let rst = 0;
  const category = (v: number): number => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
  const extraOf = (v: number, s: number): number => (v < 0 ? v + (1 << s) - 1 : v);
  for (const [ci, block] of mcuBlocks(pic)) {
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
