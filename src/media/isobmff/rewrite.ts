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
 * opaque or padding box goes; free text in a box kept for playback (a handler's name) is
 * zeroed. Around the media the copy is an allowlist: a child of a structural box no player reads
 * (PLAYBACK in structure.ts) is left out unless a finding on it is kept, a data reference is
 * made "in this file", a track reference names only tracks that stay. In mdat only the kept
 * tracks' samples survive: everything else there is zeroed. Fragmented files (moof) are refused:
 * their offsets live elsewhere; so is encrypted media, whose sample keys point into the file.
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
import { type Box, BoxBudget, be32, bodyOf, boxesIn, childrenOf, printable } from './boxes.js';
import { analyseIsobmff } from './index.js';
import { formatIso6709 } from './iso6709.js';
import { handlerType, itemIndex, itemPart, metaChildren, metaSkip } from './items.js';
import { EPOCH_1904 } from './movie.js';
import { sampleRanges } from './samples.js';
import { depthBound, entryFields, PLAYBACK } from './structure.js';
import { type Unit, UnitCollector } from './units.js';

/**
 * Boxes whose bodies are boxes the reader walks: always rebuilt, child by child, so bytes after
 * their last child (no reader names them) never reach the copy, and a child no player needs
 * (PLAYBACK) is left out.
 */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'ilst', 'meta']);
/** Containers by where they stand (a 'wave' elsewhere may be anything). */
const NESTED: Readonly<Record<string, ReadonlySet<string>>> = {
  trak: new Set(['edts', 'tref', 'tapt']),
  minf: new Set(['dinf']),
  dinf: new Set(['dref']),
  stbl: new Set(['stsd']),
  entry: new Set(['wave']),
};
/** Sample entries of encrypted media (ISO/IEC 23001-7): their samples cannot be shown lossless. */
const ENCRYPTED_ENTRIES = new Set(['encv', 'enca', 'enct', 'encs', 'encm', 'encf']);
/** Boxes of encrypted media: per-sample keys and where they lie, protection systems. */
const ENCRYPTION_BOXES = new Set(['senc', 'saiz', 'saio', 'pssh']);
/** A data reference that says "in this file" and nothing more ('url ', flags 1). */
const SELF_CONTAINED = Uint8Array.of(0, 0, 0, 12, 0x75, 0x72, 0x6c, 0x20, 0, 0, 0, 1);

export const isobmffRewriter: Rewriter = {
  id: 'mp4',
  streams: true,
  rewrite(src, decide) {
    return rewriteIsobmff(src, decide);
  },
};

type Edit = { kind: 'remove' } | { kind: 'replace'; bytes: Uint8Array } | ({ kind: 'patch' } & Patch);
/** Changes inside a box kept for what it lays out: times set, free text zeroed, brands cut. */
interface Patch {
  fields: Field[];
  zero: Range[];
  cut: Range[];
}
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
  const locked = encryption(src, top, budget);
  if (locked)
    throw new AirlockError(
      'AIRLOCK_ERR_UNSUPPORTED',
      `encrypted media ('${printable(locked.type)}'): its samples cannot be shown unchanged, so it is not cleaned`,
      locked.offset,
    );

  const notes = new RewriteNotes();
  const plan = planEdits(src, analysis, decide, notes, budget);
  const keep = keptSamples(src, top, plan.removedTracks, budget);
  const layout = new Layout(src, top, plan, keep, budget);
  const pieces = layout.pieces();
  notes.push(...layout.dropped);
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
  /** Offsets of boxes that carry a finding: kept or removed by the policy, not by PLAYBACK. */
  reported: Set<number>;
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
  const reported = new Set<number>();
  const remove = (b: Box): void => {
    edits.set(b.offset, { kind: 'remove' });
  };
  const patch = (b: Box): Patch => {
    const e = edits.get(b.offset);
    if (e?.kind === 'patch') return e;
    const fresh: Edit = { kind: 'patch', fields: [], zero: [], cut: [] };
    edits.set(b.offset, fresh);
    return fresh;
  };
  /** Item-list items: their data atoms, and how many go. */
  const items = new Map<number, { item: Box; data: number; gone: number }>();

  for (const [unit, fs] of byUnit) {
    const ds = fs.map((f) => decide(f));
    const allKept = ds.every((d) => d.action === 'keep');
    if (unit.kind === 'box' || unit.kind === 'xmp') reported.add(unit.box.offset);
    if (unit.kind === 'track') reported.add(unit.trak.offset);
    switch (unit.kind) {
      case 'bytes':
        if (!allKept) patch(unit.box).zero.push({ offset: unit.at, length: unit.length });
        break;
      case 'brand':
        if (!allKept) patch(unit.box).cut.push({ offset: unit.at, length: 4 });
        break;
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
        patch(unit.box).fields.push({ at: unit.at, width: unit.width, seconds: seconds ?? 0 });
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
  return { edits, usedKeys: usedKeys(src, budget, edits), zero, removedTracks, reported };
}

/** For every keyed list (meta › keys + ilst), the key indices of the items the copy keeps. */
function usedKeys(
  src: ByteSource,
  budget: BoxBudget,
  edits: ReadonlyMap<number, Edit>,
): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  const visit = (meta: Box): void => {
    const kids = metaChildren(src, meta, budget);
    const keys = kids.find((k) => k.type === 'keys');
    const ilst = kids.find((k) => k.type === 'ilst');
    if (!keys) return;
    const used = new Set<number>();
    if (ilst && edits.get(ilst.offset)?.kind !== 'remove')
      for (const item of childrenOf(src, ilst, budget))
        if (edits.get(item.offset)?.kind !== 'remove') used.add(itemIndex(item));
    out.set(keys.offset, used);
  };
  // Where the reader reads item lists: at the top, in moov and trak, and in their udta. A fixed
  // walk: a box nested in itself a million times is never followed.
  const metas = (parent: Box, deeper: boolean): void => {
    for (const c of childrenOf(src, parent, budget)) {
      if (c.type === 'meta') visit(c);
      else if (c.type === 'udta') metas(c, false);
      else if (deeper && c.type === 'trak') metas(c, false);
    }
  };
  for (const b of boxesIn(src, 0, src.size, budget)) {
    if (b.type === 'meta') visit(b);
    else if (b.type === 'moov') metas(b, true);
  }
  return out;
}

/** The first box of encrypted media: an encrypted sample entry, sample keys or a protection system. */
function encryption(src: ByteSource, top: readonly Box[], budget: BoxBudget): Box | undefined {
  for (const moov of top) {
    if (moov.type === 'pssh') return moov;
    if (moov.type !== 'moov') continue;
    for (const trak of childrenOf(src, moov, budget)) {
      if (ENCRYPTION_BOXES.has(trak.type)) return trak;
      if (trak.type !== 'trak') continue;
      const stbl = tableOf(src, trak, budget);
      for (const table of stbl ? childrenOf(src, stbl, budget) : []) {
        if (ENCRYPTION_BOXES.has(table.type)) return table;
        if (table.type !== 'stsd') continue;
        for (const entry of childrenOf(src, table, budget, 8))
          if (ENCRYPTED_ENTRIES.has(entry.type)) return entry;
      }
    }
  }
  return undefined;
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
  /** What the allowlist left out, as notes (a set: the size pass and the bytes pass both see it). */
  readonly dropped = new Set<string>();
  /** IDs (tkhd) of the tracks the copy keeps: what a track reference may still name. */
  private readonly trackIds = new Set<number>();

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
    for (const moov of top) {
      if (moov.type !== 'moov') continue;
      for (const trak of childrenOf(src, moov, budget)) {
        if (trak.type !== 'trak' || plan.removedTracks.has(trak.offset)) continue;
        const tkhd = [...childrenOf(src, trak, budget)].find((x) => x.type === 'tkhd');
        if (!tkhd) continue;
        const head = src.read(tkhd.offset + tkhd.header, 24);
        this.trackIds.add(be32(head, head[0] === 1 ? 20 : 12));
      }
    }
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

  /**
   * A box with its edits applied: removed, replaced, patched, or rebuilt from its children.
   * `up`: its ancestors, nearest last. `strict`: children no player needs are left out (off
   * inside a box the policy keeps whole, such as a kept timecode track).
   */
  private emit(b: Box, up: readonly Box[] = [], strict = true): Uint8Array[] {
    depthBound(up.length, b.offset);
    const e = this.plan.edits.get(b.offset);
    if (e?.kind === 'remove') return [];
    if (e?.kind === 'replace') return [e.bytes];
    if (b.type === 'stco' || b.type === 'co64') return [this.chunkOffsets(b)];
    if (b.type === 'keys') return [this.keys(b)];
    const parent = up[up.length - 1];
    const skip = this.childStart(b, parent, up, strict);
    if (skip === undefined) return [this.slice(b, b.offset, b.size, true)];
    const inner = [...up, b];
    const keepAll = !strict || this.plan.reported.has(b.offset);
    const parts: Uint8Array[] = [];
    let last = b.offset + b.header + skip;
    for (const child of childrenOf(this.src, b, this.budget, skip)) {
      last = child.offset + child.size;
      if (b.type === 'dref') {
        // Entries are counted and numbered: one that goes becomes "in this file", never a gap.
        const gone = this.plan.edits.get(child.offset)?.kind === 'remove';
        parts.push(
          gone || !this.allowed(b, parent, child)
            ? SELF_CONTAINED
            : this.slice(child, child.offset, child.size, true),
        );
        continue;
      }
      if (!keepAll && !this.allowed(b, parent, child)) {
        this.dropped.add(
          `${[...inner.map((x) => printable(x.type)), printable(child.type)].join(' › ')}: dropped, no player needs it`,
        );
        continue;
      }
      if (b.type === 'tref' && !this.plan.reported.has(child.offset)) {
        const refs = this.references(child);
        if (refs) parts.push(refs);
        continue;
      }
      appendAll(parts, this.emit(child, inner, !keepAll));
    }
    // A reference list left empty (every track it named is gone) goes with them.
    if (b.type === 'tref' && parts.length === 0) return [];
    // What follows the last child (udta's 32-bit zero terminator) keeps its length, as zeros:
    // no reader names bytes there, so nothing in them may ride along.
    const end = b.offset + b.size;
    const prefix = this.slice(b, b.offset + b.header, skip, false);
    const trailer = new Uint8Array(Math.max(0, end - last));
    return [box(this.src.read(b.offset, b.header), [prefix, ...parts, trailer])];
  }

  /** Bytes of `b`'s body before its children, or undefined when `b` is copied (patched) whole. */
  private childStart(
    b: Box,
    parent: Box | undefined,
    up: readonly Box[],
    strict: boolean,
  ): number | undefined {
    if (b.type === 'meta') return metaSkip(this.src, b);
    if (CONTAINERS.has(b.type)) return 0;
    // An item of an item list holds its values ('data' atoms) as boxes.
    if (parent?.type === 'ilst') return 0;
    if (parent?.type === 'stsd') {
      if (!strict) return undefined;
      const trak = up.find((x) => x.type === 'trak');
      return trak ? entryFields(this.src, b, handlerOf(this.src, trak, this.budget)) : undefined;
    }
    const where = parent && up[up.length - 2]?.type === 'stsd' ? 'entry' : parent?.type;
    if (!where || !NESTED[where]?.has(b.type)) return undefined;
    return b.type === 'stsd' || b.type === 'dref' ? 8 : 0;
  }

  /** Whether `child` of `b` is what a player reads there, or carries a finding the policy decides. */
  private allowed(b: Box, parent: Box | undefined, child: Box): boolean {
    if (this.plan.reported.has(child.offset)) return true;
    if (parent?.type === 'ilst') return itemPart(b, child);
    if (parent?.type === 'stsd') return PLAYBACK.entry?.has(child.type) ?? false;
    const known = PLAYBACK[b.type];
    return known === undefined || known.has(child.type);
  }

  /** A track reference naming only tracks the copy keeps; undefined when it names none. */
  private references(ref: Box): Uint8Array | undefined {
    const body = this.src.read(ref.offset + ref.header, ref.size - ref.header);
    const ids: Uint8Array[] = [];
    for (let at = 0; at + 4 <= body.length; at += 4)
      if (this.trackIds.has(be32(body, at))) ids.push(body.subarray(at, at + 4));
    return ids.length > 0 ? box(this.src.read(ref.offset, ref.header), ids) : undefined;
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

  /**
   * `length` bytes of `b` from `from`, its patch applied: times set (0: dropped; else the
   * date-only second), free text zeroed, and (`cut`, when `b` is copied whole) brands cut out.
   */
  private slice(b: Box, from: number, length: number, whole: boolean): Uint8Array {
    const e = this.plan.edits.get(b.offset);
    if (e?.kind !== 'patch') return this.src.read(from, length);
    const copy = Uint8Array.from(this.src.read(from, length));
    const view = new DataView(copy.buffer);
    const inside = (at: number, n: number): boolean => at >= from && at + n <= from + length;
    for (const f of e.fields) {
      if (!inside(f.at, f.width)) continue;
      if (f.width === 4) view.setUint32(f.at - from, f.seconds >>> 0);
      else view.setBigUint64(f.at - from, BigInt(f.seconds));
    }
    for (const z of e.zero) {
      const lo = Math.max(z.offset, from);
      const hi = Math.min(z.offset + z.length, from + length);
      if (hi > lo) copy.fill(0, lo - from, hi - from);
    }
    if (!whole || e.cut.length === 0) return copy;
    const body = copy.subarray(b.header);
    const parts: Uint8Array[] = [];
    let at = 0;
    for (const c of [...e.cut].sort((x, y) => x.offset - y.offset)) {
      const cut = c.offset - (from + b.header);
      if (cut > at) parts.push(body.subarray(at, cut));
      at = Math.max(at, cut + c.length);
    }
    parts.push(body.subarray(Math.min(at, body.length)));
    return box(copy.subarray(0, b.header), parts);
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
