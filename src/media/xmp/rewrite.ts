/**
 * The XMP rewriter: the reader's own parse (parseXmp → xmpFindings, so the findings asked about
 * are the ones inspect reported), one Decision per finding, and edits on the packet text. A
 * top-level property is kept as written when every finding in it is kept, has its value bytes
 * rewritten when a finding is replaced, and is cut out whole (with the whitespace before it)
 * otherwise: a struct or list is never half-cleaned. Namespace declarations no kept property
 * uses go too, rdf:about loses its value (often a document UUID) unless kept, and comments,
 * processing instructions and text outside the properties go. The packet wrapper, x:xmpmeta,
 * rdf:RDF (their attributes other than namespace declarations are properties like any other) and
 * padding stay, so the result is the same well-formed packet minus what the policy removes
 * (scrub's verification parses it again).
 */
import { isUtf8 } from 'node:buffer';
import { malformed } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Finding, Range } from '../../findings/model.js';
import {
  type Decide,
  type Decision,
  RewriteNotes,
  type RewriteResult,
  type Rewriter,
} from '../../scrub/types.js';
import { useXmpPacketRewriter } from '../tiff/rewrite-containers.js';
import { decodePacket } from './offsets.js';
import { isStrayTag, parseXmp, rememberedXml } from './rdf.js';
import { xmpFindings } from './read.js';
import { type Span, xmpSpans } from './rewrite-spans.js';
import { replacementText } from './rewrite-value.js';
import { serialiseXmp } from './write.js';

export const HAS_EXTENDED_XMP = 'xmpNote:HasExtendedXMP';

export interface XmpRewriteOptions {
  /** Maps packet offsets [offset, offset+length) to the file ranges carrying them (extended XMP spans segments). */
  toFile: (offset: number, length: number) => Range[];
  /**
   * xmpNote:HasExtendedXMP, whatever the policy says: a GUID to write (the extension was kept and
   * needs it), or null to remove it (the extension is gone). Undefined: the policy decides.
   */
  extendedGuid?: string | null;
  /** Receives what was removed although kept, or kept although dropped, and why. */
  notes?: RewriteNotes;
}

interface Edit {
  from: number;
  to: number;
  text: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A clean packet holding only kept or replaced properties, or null when nothing is kept. */
export function rewriteXmpPacket(
  bytes: Uint8Array,
  fileOffset: number,
  path: string[],
  decide: Decide,
  notes?: RewriteNotes,
): Uint8Array | null {
  return rewriteXmp(bytes, path, decide, {
    toFile: (offset, length) => [{ offset: fileOffset + offset, length }],
    ...(notes ? { notes } : {}),
  });
}

export function rewriteXmp(
  bytes: Uint8Array,
  path: string[],
  decide: Decide,
  opts: XmpRewriteOptions,
): Uint8Array | null {
  bound(bytes.length, LIMITS.maxXmpBytes, 'XMP packet bytes', opts.toFile(0, 0)[0]?.offset ?? 0);
  const notes = opts.notes ?? new RewriteNotes();
  const where = path.join(' › ');
  const props = parseXmp(bytes, 0);
  // Packet offset of each value → the property and the text it holds.
  const valueAt = new Map<number, { tag: string; text: string }>();
  for (const p of props)
    p.ranges.forEach((r, i) => {
      valueAt.set(r.offset, { tag: p.tag, text: p.values[i] ?? '' });
    });

  const { text, map } = decodePacket(bytes);
  const start = text.indexOf('<');
  let end = text.length;
  while (end > start && /[\0\s]/.test(text.charAt(end - 1))) end--;
  const src = text.slice(start, end);
  const byteOf = (i: number): number => map.byteOf(start + i);
  // The analysis read this very text just before (parseXmp remembers it in scrub): replayed.
  const spans = xmpSpans(src, (i) => opts.toFile(byteOf(i), 0)[0]?.offset ?? byteOf(i), rememberedXml(src));
  // Reported as stray:* findings too (rdf.ts); the note says they went whatever the policy, since
  // a keep list can name them but never keeps them.
  const strays = spans.filter((s) => s.kind === 'stray').length;
  if (strays > 0)
    notes.push(
      `${where}: ${strays} processing instruction(s) or character run(s) outside any property removed`,
    );

  // Each property span's packet byte range, computed in ascending order (the UTF-8 map is a cursor).
  const propSpans = spans.filter((s) => s.kind === 'prop' || s.kind === 'about');
  const bytesOf = new Map<Span, [number, number]>();
  const marks = propSpans.flatMap((s) => [s.from, s.to]).sort((a, b) => a - b);
  const byteAt = new Map(marks.map((i) => [i, byteOf(i)]));
  for (const s of propSpans) bytesOf.set(s, [byteAt.get(s.from) as number, byteAt.get(s.to) as number]);

  // Spans by their first byte, for one search per finding range (a pass over every span per
  // range made a sidecar of 50,000 properties take most of a minute). Spans do not nest; a range
  // the search does not place is looked for in every span, as before, so nothing is misplaced.
  const firstByte = (s: Span): number => (bytesOf.get(s) as [number, number])[0];
  const byStart = [...propSpans].sort((a, b) => firstByte(a) - firstByte(b));
  const holds = (s: Span, range: Range): boolean => {
    const [from, to] = bytesOf.get(s) as [number, number];
    return range.offset >= from && range.offset + range.length <= to;
  };
  const spanHolding = (range: Range): Span | undefined => {
    let lo = 0;
    let hi = byStart.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (firstByte(byStart[mid] as Span) <= range.offset) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const found = last >= 0 ? (byStart[last] as Span) : undefined;
    return found && holds(found, range) ? found : propSpans.find((s) => holds(s, range));
  };

  interface Carried {
    finding: Finding;
    decision: Decision;
    range: Range;
  }
  const carried = new Map<Span, Carried[]>();
  for (const local of xmpFindings(props, path)) {
    // Removed with their stray spans, whatever the policy: an allowlist keeps properties only.
    if (isStrayTag(local.tag)) continue;
    const finding = { ...local, ranges: local.ranges.flatMap((r) => opts.toFile(r.offset, r.length)) };
    const decision = decide(finding);
    for (const range of local.ranges) {
      const span = spanHolding(range);
      if (!span) throw malformed(`XMP: ${local.tag} lies in no property`, range.offset);
      const list = carried.get(span) ?? [];
      list.push({ finding: local, decision, range });
      carried.set(span, list);
    }
  }

  const edits: Edit[] = [];
  const kept: Span[] = [];
  /** Text index of a packet byte offset within `span` (byte offsets grow with text indices). */
  const indexOf = (span: Span, byte: number): number => {
    for (let i = span.from; i <= span.to; i++) if (byteOf(i) === byte) return i;
    throw malformed('XMP: value offset', byte);
  };
  for (const span of propSpans) {
    const list = carried.get(span) ?? [];
    if (span.kind === 'about') {
      // rdf:about stays (the format wants it), its value only when kept.
      if (span.to > span.from && !(list.length > 0 && list.every((c) => c.decision.action === 'keep')))
        edits.push({ from: span.from, to: span.to, text: '' });
      continue;
    }
    const ext = list.find((c) => valueAt.get(c.range.offset)?.tag === HAS_EXTENDED_XMP);
    const values: Edit[] = [];
    let keep = list.length > 0;
    if (ext && opts.extendedGuid !== undefined) {
      if (opts.extendedGuid === null) keep = false;
      else {
        if (ext.decision.action === 'drop')
          notes.keep(where, [HAS_EXTENDED_XMP], 'the kept extended XMP needs it');
        values.push(valueEdit(span, ext.range, opts.extendedGuid));
      }
    } else {
      for (const c of list) {
        if (c.decision.action === 'drop') keep = false;
        if (c.decision.action !== 'replace' || !keep) continue;
        const at = valueAt.get(c.range.offset);
        const t = at && c.range.length > 0 ? replacementText(at.tag, at.text, c.decision.value) : undefined;
        if (t === undefined) {
          keep = false;
          notes.push(`${where}: ${at?.tag ?? c.finding.tag} removed: it cannot carry the replaced value`);
        } else values.push(valueEdit(span, c.range, t));
      }
    }
    if (keep) {
      kept.push(span);
      edits.push(...values);
    } else edits.push({ from: span.from, to: span.to, text: '' });
  }
  if (kept.length === 0) return null;

  function valueEdit(span: Span, range: Range, value: string): Edit {
    return {
      from: indexOf(span, range.offset),
      to: indexOf(span, range.offset + range.length),
      text: esc(value),
    };
  }

  const used = new Set<string>(['rdf', 'x', 'xml']);
  for (const s of kept) for (const p of s.prefixes) used.add(p);
  for (const s of spans) {
    if (s.kind === 'comment' || s.kind === 'stray') edits.push({ from: s.from, to: s.to, text: '' });
    else if (s.kind === 'xmlns' && ![...s.prefixes].some((p) => used.has(p)))
      edits.push({ from: s.from, to: s.to, text: '' });
  }
  const out =
    start > 0 || end < text.length
      ? text.slice(0, start) + apply(src, edits) + text.slice(end)
      : apply(src, edits);
  // Not parsed again here: scrub re-inspects every output with the readers (verify.ts), and an
  // XMP packet that does not parse fails that file (no output), loudly.
  return encodeLike(bytes, out);
}

/** Applies edits; a value edit inside a removed span is moot, removals may nest (comments). */
function apply(src: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.from - b.from || b.to - a.to);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.from < pos) continue; // inside an edit already applied
    out += src.slice(pos, e.from) + e.text;
    pos = e.to;
  }
  return out + src.slice(pos);
}

/** The output in the input's encoding: Latin-1 when the input was not UTF-8 (and fits), else UTF-8. */
function encodeLike(input: Uint8Array, text: string): Uint8Array {
  // Validated in place (no decoded copy of the packet made only to be thrown away).
  const utf8 = isUtf8(input);
  if (!utf8 && /^[\u0000-\u00ff]*$/.test(text)) return new Uint8Array(Buffer.from(text, 'latin1'));
  return new TextEncoder().encode(text);
}

/** An empty packet for a sidecar whose every property is dropped (the file must still be XMP). */
export const emptyPacket = (): Uint8Array => serialiseXmp([]);

/** XMP sidecars (.xmp): the whole file is one packet. */
export const xmpRewriter: Rewriter = {
  id: 'xmp',
  rewrite(src: ByteSource, decide: Decide): RewriteResult {
    bound(src.size, LIMITS.maxXmpBytes, 'XMP sidecar bytes', 0);
    const notes = new RewriteNotes();
    const bytes = src.read(0, src.size);
    const out = rewriteXmp(bytes, ['XMP'], decide, {
      toFile: (offset, length) => [{ offset, length }],
      notes,
    });
    return { bytes: out ?? emptyPacket(), ...notes.result() };
  },
};

// XMP inside TIFF tag 700 is cleaned by this same rewriter, not dropped whole.
useXmpPacketRewriter(rewriteXmpPacket);
