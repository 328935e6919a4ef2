/**
 * The MP4/MOV rewriter: the reader's own walk (with the unit that carries each finding), a
 * Decision per finding, and edits on boxes. The media is never touched: every sample of the
 * tracks that stay is copied byte for byte and its chunk offsets moved by exactly as much as the
 * boxes before it shrank (stco/co64 rewritten); the proof is a hash of the picture and sound
 * samples read through the input's and the output's own sample tables.
 *
 * What the policy removes: a user-data item or an item-list value goes (its item too once it
 * holds none); a '©' text item or a list value replaced (a coarsened ©xyz, a date) is rewritten;
 * a movie, track or media date is cut to midnight or zeroed in place; an XMP packet is rewritten
 * (or goes); a track beyond picture and sound (telemetry, subtitles, a preview) goes whole; an
 * opaque or padding box goes. In mdat only the kept tracks' samples survive: everything else
 * there is zeroed. Fragmented files (moof) are refused: their offsets live elsewhere.
 *
 * The output is pieces (new bytes and ranges of the input): a video is never read whole.
 * Written by hand: no library rewrites ISO-BMFF boxes losslessly (ffmpeg remuxes, and fails on
 * DJI's timed-metadata tracks).
 */

import { createHash } from 'node:crypto';
import { appendAll } from '../../core/append.js';
import { concatBytes } from '../../core/bytes.js';
import { AirlockError } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';
import { type Piece, PieceSource } from '../../core/piece-source.js';
import type { ByteSource } from '../../core/source.js';
import type { Finding, Range, Value } from '../../findings/model.js';
import {
  type Decide,
  type Decision,
  memoDecide,
  RewriteNotes,
  type RewriteResult,
  type Rewriter,
} from '../../scrub/types.js';
import { rewriteXmpPacket } from '../xmp/rewrite.js';
import { type Box, BoxBudget, bodyOf, boxesIn, childrenOf, printable } from './boxes.js';
import { analyseIsobmff } from './index.js';
import { formatIso6709 } from './iso6709.js';
import { handlerType, itemIndex, metaChildren, metaSkip } from './items.js';
import { EPOCH_1904 } from './movie.js';
import { sampleRanges } from './samples.js';
import { type Unit, UnitCollector } from './units.js';

/**
 * Boxes whose bodies are boxes the reader walks: always rebuilt, child by child, so bytes after
 * their last child (no reader names them) never reach the copy. edts and dinf are copied whole,
 * as the reader passes over them.
 */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'ilst', 'meta']);

export const isobmffRewriter: Rewriter = {
  id: 'mp4',
  streams: true,
  rewrite(src, decide) {
    return rewriteIsobmff(src, decide);
  },
};

type Edit = { kind: 'remove' } | { kind: 'replace'; bytes: Uint8Array } | { kind: 'fields'; fields: Field[] };
interface Field {
  at: number;
  width: 4 | 8;
  seconds: number;
}

export function rewriteIsobmff(src: ByteSource, decideOnce: Decide): RewriteResult {
  const decide = memoDecide(decideOnce);
  const analysis = new UnitCollector();
  analyseIsobmff(src, analysis);
  const budget = new BoxBudget();
  const top = [...boxesIn(src, 0, src.size, budget)];
  const fragment = top.find((b) => b.type === 'moof');
  if (fragment)
    throw new AirlockError(
      'AIRLOCK_ERR_UNSUPPORTED',
      'fragmented MP4 (moof) is not cleaned yet',
      fragment.offset,
    );

  const notes = new RewriteNotes();
  const plan = planEdits(src, analysis, decide, notes, budget);
  const keep = keptSamples(src, top, plan.removedTracks, budget);
  const layout = new Layout(src, top, plan, keep, budget);
  const pieces = layout.pieces();
  const out = new PieceSource(pieces, src);
  let whole: Uint8Array | undefined;
  return {
    // Made only when asked for (a test): scrub writes the pieces block by block.
    get bytes(): Uint8Array {
      whole ??= out.read(0, out.size);
      return whole;
    },
    pieces,
    source: out,
    notes: notes.result().notes,
    imageHashIn: mediaHash(src, plan.removedTracks),
    imageHashOut: mediaHash(out, new Set()),
  };
}

interface Plan {
  edits: Map<number, Edit>;
  /** Per keys box (by offset): the 1-based key indices items left in the copy still use. */
  usedKeys: Map<number, Set<number>>;
  /** Sample bytes of removed tracks: zeroed where they lie. */
  zero: Range[];
  /** Offsets of the trak boxes removed. */
  removedTracks: Set<number>;
}

function planEdits(
  src: ByteSource,
  analysis: UnitCollector,
  decide: Decide,
  notes: RewriteNotes,
  budget: BoxBudget,
): Plan {
  const byUnit = new Map<Unit, Finding[]>();
  for (const f of analysis.findings) {
    const unit = analysis.units.get(f);
    if (!unit)
      throw new AirlockError(
        'AIRLOCK_ERR_MALFORMED',
        `unplaced finding ${f.tag}: not rewritten`,
        f.ranges[0]?.offset,
      );
    const list = byUnit.get(unit) ?? [];
    list.push(f);
    byUnit.set(unit, list);
  }
  const edits = new Map<number, Edit>();
  const zero: Range[] = [];
  const removedTracks = new Set<number>();
  const remove = (b: Box): void => {
    edits.set(b.offset, { kind: 'remove' });
  };
  /** Item-list items: their data atoms, and how many go. */
  const items = new Map<number, { item: Box; data: number; gone: number }>();

  for (const [unit, fs] of byUnit) {
    const ds = fs.map((f) => decide(f));
    const allKept = ds.every((d) => d.action === 'keep');
    switch (unit.kind) {
      case 'box': {
        if (allKept) break;
        const d = ds.find((x) => x.action === 'replace');
        const bytes =
          d && fs.length === 1 && unit.box.type.startsWith('©') ? textItem(src, unit.box, d) : undefined;
        if (bytes) edits.set(unit.box.offset, { kind: 'replace', bytes });
        else {
          remove(unit.box);
          if (d)
            notes.push(
              `${fs[0]?.path.join(' › ')}: ${fs[0]?.tag} removed: its replacement cannot be written there`,
            );
        }
        break;
      }
      case 'data': {
        const entry = items.get(unit.item.offset) ?? { item: unit.item, data: 0, gone: 0 };
        entry.data++;
        items.set(unit.item.offset, entry);
        const d = ds[0] as Decision;
        if (d.action === 'keep') break;
        const bytes = d.action === 'replace' ? dataAtom(src, unit.data, d.value) : undefined;
        if (bytes) edits.set(unit.data.offset, { kind: 'replace', bytes });
        else {
          remove(unit.data);
          entry.gone++;
        }
        break;
      }
      case 'field': {
        const d = ds[0] as Decision;
        if (d.action === 'keep') break;
        const seconds = d.action === 'replace' ? secondsOf(d.value) : 0;
        const e = edits.get(unit.box.offset);
        const field: Field = { at: unit.at, width: unit.width, seconds: seconds ?? 0 };
        if (e?.kind === 'fields') e.fields.push(field);
        else edits.set(unit.box.offset, { kind: 'fields', fields: [field] });
        break;
      }
      case 'track': {
        if (allKept) break;
        remove(unit.trak);
        removedTracks.add(unit.trak.offset);
        if (unit.stbl) appendAll(zero, sampleRanges(src, unit.stbl, budget, LIMITS.maxRecords));
        notes.push(
          `${fs[0]?.path.slice(0, 2).join(' › ')}: track removed whole (${fs[0]?.tag}…), its samples zeroed`,
        );
        break;
      }
      case 'xmp': {
        if (allKept) break;
        if (ds.every((d) => d.action === 'drop')) {
          remove(unit.box);
          break;
        }
        const body = bodyOf(unit.box);
        const packet = rewriteXmpPacket(
          src.read(body.offset, body.length),
          body.offset,
          fs[0]?.path ?? [],
          decide,
          notes,
        );
        if (!packet) remove(unit.box);
        else {
          const head = src.read(unit.box.offset, unit.box.header);
          edits.set(unit.box.offset, { kind: 'replace', bytes: box(head, [packet]) });
        }
        break;
      }
    }
  }
  // An item left without a value would read back as an empty item: it goes whole.
  for (const { item, data, gone } of items.values()) if (gone === data) remove(item);
  return { edits, usedKeys: usedKeys(src, budget, edits), zero, removedTracks };
}

/** For every keyed list (meta › keys + ilst), the key indices of the items the copy keeps. */
function usedKeys(
  src: ByteSource,
  budget: BoxBudget,
  edits: ReadonlyMap<number, Edit>,
): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  const visit = (b: Box): void => {
    if (b.type === 'meta') {
      const kids = metaChildren(src, b, budget);
      const keys = kids.find((k) => k.type === 'keys');
      const ilst = kids.find((k) => k.type === 'ilst');
      if (keys) {
        const used = new Set<number>();
        if (ilst && edits.get(ilst.offset)?.kind !== 'remove')
          for (const item of childrenOf(src, ilst, budget))
            if (edits.get(item.offset)?.kind !== 'remove') used.add(itemIndex(item));
        out.set(keys.offset, used);
      }
      return;
    }
    if (['moov', 'trak', 'udta', 'mdia'].includes(b.type))
      for (const c of childrenOf(src, b, budget)) visit(c);
  };
  for (const b of boxesIn(src, 0, src.size, budget)) if (b.type === 'moov' || b.type === 'meta') visit(b);
  return out;
}

/**
 * The samples of every track that stays, sorted and merged: in mdat, only these bytes survive.
 * Anything else there (a removed track's samples, bytes no track points to) is zeroed, so a
 * vendor's data hidden between samples cannot ride along in a clean copy.
 */
function keptSamples(
  src: ByteSource,
  top: readonly Box[],
  removed: ReadonlySet<number>,
  budget: BoxBudget,
): Range[] {
  const all: Range[] = [];
  for (const moov of top) {
    if (moov.type !== 'moov') continue;
    for (const trak of childrenOf(src, moov, budget)) {
      if (trak.type !== 'trak' || removed.has(trak.offset)) continue;
      const stbl = tableOf(src, trak, budget);
      if (stbl) appendAll(all, sampleRanges(src, stbl, budget, LIMITS.maxRecords));
    }
  }
  all.sort((a, b) => a.offset - b.offset);
  const merged: Range[] = [];
  for (const r of all) {
    const last = merged[merged.length - 1];
    if (last && r.offset <= last.offset + last.length)
      last.length = Math.max(last.length, r.offset + r.length - last.offset);
    else merged.push({ ...r });
  }
  return merged;
}

/** A track's handler type (trak › mdia › hdlr): 'vide', 'soun', 'meta'… */
function handlerOf(src: ByteSource, trak: Box, budget: BoxBudget): string {
  const mdia = [...childrenOf(src, trak, budget)].find((b) => b.type === 'mdia');
  const hdlr = mdia && [...childrenOf(src, mdia, budget)].find((b) => b.type === 'hdlr');
  return hdlr ? handlerType(src, hdlr) : '';
}

/** A track's sample table: trak › mdia › minf › stbl. */
function tableOf(src: ByteSource, trak: Box, budget: BoxBudget): Box | undefined {
  let box: Box | undefined = trak;
  for (const type of ['mdia', 'minf', 'stbl']) {
    const parent: Box = box;
    box = [...childrenOf(src, parent, budget)].find((b) => b.type === type);
    if (!box) return undefined;
  }
  return box;
}

/** A box: `head` (its original header, its size field rewritten: 32-bit, or the largesize) and a new body. */
function box(head: Uint8Array, body: readonly Uint8Array[]): Uint8Array {
  const size = head.length + body.reduce((n, b) => n + b.length, 0);
  const h = Uint8Array.from(head);
  const view = new DataView(h.buffer);
  if (view.getUint32(0) === 1) view.setBigUint64(8, BigInt(size));
  else if (size > 0xffffffff) throw new AirlockError('AIRLOCK_ERR_LIMIT', 'a rewritten box passes 4 GiB', 0);
  else view.setUint32(0, size);
  return concatBytes([h, ...body]);
}

const u16 = (n: number): Uint8Array => Uint8Array.of(n >>> 8, n & 255);
const u32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);

/** The text a replacement writes: a position in ISO 6709, a time or text as it is. */
function textOf(v: Value): string | undefined {
  if (v.kind === 'position') return formatIso6709(v.position);
  if (v.kind === 'text' || v.kind === 'time') return v.text;
  return undefined;
}

/** A QuickTime '©' text item with a new text (UTF-8, the language code of its first entry). */
function textItem(
  src: ByteSource,
  item: Box,
  d: Extract<Decision, { action: 'replace' }>,
): Uint8Array | undefined {
  const text = textOf(d.value);
  if (text === undefined) return undefined;
  const body = bodyOf(item);
  const b = src.read(body.offset, Math.min(body.length, 4));
  const utf8 = new TextEncoder().encode(text);
  if (b.length < 4 || ((b[0]! << 8) | b[1]!) + 4 > body.length || utf8.length > 0xffff) return undefined;
  // A Macintosh language code means Mac Roman text: 0x55c4 (ISO 639 'und') says UTF-8.
  const lang = (b[2]! << 8) | b[3]!;
  return box(src.read(item.offset, item.header), [u16(utf8.length), u16(lang < 0x400 ? 0x55c4 : lang), utf8]);
}

/** An item-list 'data' atom holding a new UTF-8 text (well-known type 1). */
function dataAtom(src: ByteSource, data: Box, v: Value): Uint8Array | undefined {
  const text = textOf(v);
  if (text === undefined) return undefined;
  const locale = src.read(data.offset + data.header + 4, 4);
  return box(src.read(data.offset, data.header), [u32(1), locale, new TextEncoder().encode(text)]);
}

/** Seconds since 1904 of a 'YYYY:MM:DD HH:MM:SS' time (what date-only writes), or undefined. */
function secondsOf(v: Value): number | undefined {
  if (v.kind !== 'time' && v.kind !== 'text') return undefined;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$/.exec(v.text);
  if (!m) return undefined;
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
  return Math.floor(ms / 1000) + EPOCH_1904;
}

/**
 * The output, top-level box by top-level box: kept boxes as views of the input (zeroed where a
 * removed track's samples lie), rebuilt ones (moov) from their parts, removed ones gone. Chunk
 * offsets are moved by where their top-level box lands.
 */
class Layout {
  /** Sorted offsets of every edited box: a container is rebuilt only when one lies inside it. */
  private readonly marks: number[];
  private readonly zero: Range[];
  private placed: { box: Box; start: number; rebuilt: boolean }[] = [];

  constructor(
    private readonly src: ByteSource,
    private readonly top: Box[],
    private readonly plan: Plan,
    /** Sorted, merged sample ranges of the tracks that stay. */
    private readonly keep: readonly Range[],
    private readonly budget: BoxBudget,
  ) {
    // A keys box is always rewritten (names no kept item uses are emptied): it counts as an edit.
    this.marks = [...plan.edits.keys(), ...plan.usedKeys.keys()].sort((a, b) => a - b);
    this.zero = [...plan.zero].sort((a, b) => a.offset - b.offset);
  }

  pieces(): Piece[] {
    // Pass 1: where each top-level box lands (chunk offsets do not change any box's size).
    let at = 0;
    this.placed = [];
    for (const b of this.top) {
      const rebuilt = this.edited(b) || b.type === 'moov';
      this.placed.push({ box: b, start: at, rebuilt });
      at += this.plan.edits.get(b.offset)?.kind === 'remove' ? 0 : this.size(b, rebuilt);
    }
    // Pass 2: the bytes, chunk offsets moved.
    const out: Piece[] = [];
    for (const p of this.placed) {
      if (this.plan.edits.get(p.box.offset)?.kind === 'remove') continue;
      if (p.rebuilt) appendAll(out, this.emit(p.box));
      else appendAll(out, this.kept(p.box));
    }
    return out;
  }

  private size(b: Box, rebuilt: boolean): number {
    return rebuilt ? this.emit(b).reduce((n, c) => n + c.length, 0) : b.size;
  }

  /** Whether an edit lies at or inside `b`. */
  private edited(b: Box): boolean {
    const end = b.offset + b.size;
    let lo = 0;
    let hi = this.marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.marks[mid] as number) < b.offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.marks.length && (this.marks[lo] as number) < end;
  }

  /** A box kept whole: ranges of the input; in mdat only kept samples, elsewhere removed samples zeroed. */
  private kept(b: Box): Piece[] {
    if (b.type === 'mdat') return this.media(b);
    const out: Piece[] = [];
    let at = b.offset;
    const end = b.offset + b.size;
    for (const z of this.zero) {
      const from = Math.max(z.offset, at);
      const to = Math.min(z.offset + z.length, end);
      if (to <= from) continue;
      if (from > at) out.push({ offset: at, length: from - at });
      appendAll(out, zeros(to - from));
      at = to;
    }
    if (end > at) out.push({ offset: at, length: end - at });
    return out;
  }

  /** An mdat: its header, the kept tracks' samples as they are, zeros everywhere else. */
  private media(b: Box): Piece[] {
    const out: Piece[] = [this.src.read(b.offset, b.header)];
    let at = b.offset + b.header;
    const end = b.offset + b.size;
    for (const k of this.keep) {
      const from = Math.max(k.offset, at);
      const to = Math.min(k.offset + k.length, end);
      if (to <= from) continue;
      if (from > at) appendAll(out, zeros(from - at));
      out.push({ offset: from, length: to - from });
      at = to;
    }
    if (end > at) appendAll(out, zeros(end - at));
    return out;
  }

  /** A box with its edits applied: removed, replaced, patched, or rebuilt from its children. */
  private emit(b: Box, parent = ''): Uint8Array[] {
    const e = this.plan.edits.get(b.offset);
    if (e?.kind === 'remove') return [];
    if (e?.kind === 'replace') return [e.bytes];
    if (e?.kind === 'fields') return [this.patched(b, e.fields)];
    if (b.type === 'stco' || b.type === 'co64') return [this.chunkOffsets(b)];
    if (b.type === 'keys') return [this.keys(b)];
    // An item of an item list holds its values ('data' atoms) as boxes.
    const container = CONTAINERS.has(b.type) || parent === 'ilst';
    if (!container) return [this.src.read(b.offset, b.size)];
    const skip = b.type === 'meta' ? metaSkip(this.src, b) : 0;
    const parts: Uint8Array[] = [];
    let last = b.offset + b.header + skip;
    for (const child of childrenOf(this.src, b, this.budget, skip)) {
      appendAll(parts, this.emit(child, b.type));
      last = child.offset + child.size;
    }
    // What follows the last child (udta's 32-bit zero terminator) keeps its length, as zeros:
    // no reader names bytes there, so nothing in them may ride along.
    const end = b.offset + b.size;
    const prefix = this.src.read(b.offset + b.header, skip);
    const trailer = new Uint8Array(Math.max(0, end - last));
    return [box(this.src.read(b.offset, b.header), [prefix, ...parts, trailer])];
  }

  /**
   * A keyed list's key names: each key no item left in the copy uses is emptied (its index stays,
   * so the items keep theirs). A name is free text; only the ones that label a kept value stay.
   */
  private keys(b: Box): Uint8Array {
    const used = this.plan.usedKeys.get(b.offset);
    const body = this.src.read(b.offset + b.header, b.size - b.header);
    const view = new DataView(body.buffer, body.byteOffset, body.length);
    const parts: Uint8Array[] = [body.subarray(0, 8)];
    let at = 8;
    for (let i = 1; at + 8 <= body.length; i++) {
      const n = view.getUint32(at);
      if (n < 8 || at + n > body.length) break;
      parts.push(
        used?.has(i) ? body.subarray(at, at + n) : concatBytes([u32(8), body.subarray(at + 4, at + 8)]),
      );
      at += n;
    }
    if (at < body.length) parts.push(new Uint8Array(body.length - at));
    return box(this.src.read(b.offset, b.header), parts);
  }

  /** A time box with fields set (0: dropped; else the date-only second). */
  private patched(b: Box, fields: readonly Field[]): Uint8Array {
    const copy = Uint8Array.from(this.src.read(b.offset, b.size));
    const view = new DataView(copy.buffer);
    for (const f of fields) {
      const at = f.at - b.offset;
      if (f.width === 4) view.setUint32(at, f.seconds >>> 0);
      else view.setBigUint64(at, BigInt(f.seconds));
    }
    return copy;
  }

  /** stco/co64 with every offset moved to where its byte lands in the output. */
  private chunkOffsets(b: Box): Uint8Array {
    const copy = Uint8Array.from(this.src.read(b.offset, b.size));
    const view = new DataView(copy.buffer);
    const wide = b.type === 'co64';
    const body = b.header;
    const count = view.getUint32(body + 4);
    for (let i = 0; i < count; i++) {
      const at = body + 8 + i * (wide ? 8 : 4);
      const old = wide ? Number(view.getBigUint64(at)) : view.getUint32(at);
      const moved = this.moved(old, b.offset);
      if (wide) view.setBigUint64(at, BigInt(moved));
      else if (moved > 0xffffffff)
        throw new AirlockError(
          'AIRLOCK_ERR_UNSUPPORTED',
          'a chunk offset would pass 4 GiB in a 32-bit table',
          b.offset,
        );
      else view.setUint32(at, moved);
    }
    return copy;
  }

  /** Where input byte `p` lands: inside a top-level box kept whole, moved with it. */
  private moved(p: number, table: number): number {
    for (const q of this.placed) {
      if (p < q.box.offset || p >= q.box.offset + q.box.size) continue;
      if (this.plan.edits.get(q.box.offset)?.kind === 'remove' || q.rebuilt)
        throw new AirlockError(
          'AIRLOCK_ERR_UNSUPPORTED',
          `a chunk offset (${p}) points into the '${printable(q.box.type)}' box, which is rewritten`,
          table,
        );
      return q.start + (p - q.box.offset);
    }
    // Past the end (an empty track's last chunk): left as it is.
    return p;
  }
}

/** One block of zeros, shared: a long zeroed run is views of it, never a fresh allocation. */
const ZERO = new Uint8Array(1024 * 1024);

/** `n` zero bytes as views of ZERO. */
function zeros(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let left = n; left > 0; left -= ZERO.length) out.push(ZERO.subarray(0, Math.min(left, ZERO.length)));
  return out;
}

/**
 * SHA-256 over the samples of every picture and sound track, as the file's own sample tables
 * locate them, in track order (each track's index and sample count first, so no two layouts
 * hash alike). `skip`: trak boxes (by offset) not hashed: the ones the rewrite removes.
 */
export function mediaHash(src: ByteSource, skip: ReadonlySet<number>): string {
  const h = createHash('sha256');
  const budget = new BoxBudget();
  let n = 0;
  for (const moov of boxesIn(src, 0, src.size, budget)) {
    if (moov.type !== 'moov') continue;
    for (const trak of childrenOf(src, moov, budget)) {
      if (trak.type !== 'trak' || skip.has(trak.offset)) continue;
      const handler = handlerOf(src, trak, budget);
      if (handler !== 'vide' && handler !== 'soun') continue;
      const stbl = tableOf(src, trak, budget);
      if (!stbl) continue;
      const samples = sampleRanges(src, stbl, budget, LIMITS.maxRecords);
      h.update(`${n++}:${samples.length};`);
      for (const r of samples) h.update(src.read(r.offset, r.length));
    }
  }
  return h.digest('hex');
}
