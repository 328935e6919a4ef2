/**
 * Seeded mutations of real files: every case is reproducible from (seed, case number), and says
 * in words what it did so a failure can be read, not just replayed.
 */

import { prng, type Rng, rngOf } from '../helpers/prng.js';
import type { Field, Layout } from './layout.js';
import { blockInsert, blockResize, valueEdit } from './mutate-structure.js';
import { versionSwitch } from './record-layout.js';

export { prng, type Rng, rngOf };

export interface Mutant {
  bytes: Uint8Array;
  what: string[];
}

function put(b: Uint8Array, f: Field, v: number): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (f.pos + f.size > b.length) return;
  if (f.size === 2) dv.setUint16(f.pos, v & 0xffff, f.littleEndian);
  else dv.setUint32(f.pos, v >>> 0, f.littleEndian);
}

const HUGE = [0, 1, 2, 3, 0x7fff, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

export type Op = (b: Uint8Array, r: Rng, layout: Layout) => [Uint8Array, string] | undefined;

const truncate: Op = (b, r) => {
  const at = r.int(b.length);
  return [b.slice(0, at), `truncate at ${at}`];
};
const bitFlips: Op = (b, r) => {
  const n = 1 + r.int(8);
  const at: number[] = [];
  for (let i = 0; i < n && b.length > 0; i++) {
    const p = r.int(b.length);
    b[p] = b[p]! ^ (1 << r.int(8));
    at.push(p);
  }
  return [b, `flip bits at ${at.join(',')}`];
};
const splice: Op = (b, r) => {
  if (b.length < 2) return undefined;
  const from = r.int(b.length);
  const len = 1 + r.int(Math.min(256, b.length - from));
  const to = r.int(b.length);
  const chunk = b.slice(from, from + len);
  const mode = r.int(3);
  if (mode === 0) {
    b.set(chunk.subarray(0, b.length - to), to);
    return [b, `overwrite ${to} with ${len} bytes from ${from}`];
  }
  if (mode === 1) {
    const out = new Uint8Array(b.length + len);
    out.set(b.subarray(0, to));
    out.set(chunk, to);
    out.set(b.subarray(to), to + len);
    return [out, `insert ${len} bytes from ${from} at ${to}`];
  }
  const cut = Math.min(len, b.length - to);
  const out = new Uint8Array(b.length - cut);
  out.set(b.subarray(0, to));
  out.set(b.subarray(to + cut), to);
  return [out, `delete ${cut} bytes at ${to}`];
};
const hugeLength: Op = (b, r, l) => {
  if (l.fields.length === 0) return undefined;
  const f = r.pick(l.fields);
  const v = r.int(4) === 0 ? r.int(0x100000000) : r.pick(HUGE);
  put(b, f, v);
  return [b, `${f.kind} at ${f.pos} := ${v}`];
};
const ifdLoop: Op = (b, r, l) => {
  const links = l.fields.filter((f) => f.kind === 'next-ifd' || f.kind === 'ifd-pointer');
  if (links.length === 0) return undefined;
  const f = r.pick(links);
  // Point the link at its own IFD, or at the first IFD of its TIFF: a cycle either way.
  const target =
    r.int(2) === 0
      ? f.ifd!
      : (l.fields.find((g) => g.tiffBase === f.tiffBase && g.kind === 'ifd-count')?.ifd ?? 8);
  put(b, f, target);
  return [b, `${f.kind} at ${f.pos} := ${target} (loop)`];
};
const pastEnd: Op = (b, r, l) => {
  const offs = l.fields.filter(
    (f) => f.kind !== 'segment-length' && f.kind !== 'ifd-count' && f.kind !== 'value-count',
  );
  if (offs.length === 0) return undefined;
  const f = r.pick(offs);
  const v = b.length - (f.tiffBase ?? 0) + r.int(4096);
  put(b, f, v);
  return [b, `${f.kind} at ${f.pos} := ${v} (past end)`];
};

const TEXT_BITS = [
  '\0',
  '\r',
  '\n',
  '\n\n\n',
  '-->',
  ',',
  ']',
  '[',
  '(',
  ')',
  '9'.repeat(400),
  '-1e309',
  'NaN',
  '\uFFFD',
];
const textInsert: Op = (b, r) => {
  const s = new TextEncoder().encode(r.pick(TEXT_BITS).repeat(1 + r.int(3)));
  const at = r.int(b.length + 1);
  const out = new Uint8Array(b.length + s.length);
  out.set(b.subarray(0, at));
  out.set(s, at);
  out.set(b.subarray(at), at + s.length);
  return [out, `insert text ${JSON.stringify(new TextDecoder().decode(s).slice(0, 20))} at ${at}`];
};

/** XML-specific hostility: deep nesting, entity expansion, unclosed tags. */
const XML_BITS = [
  '<a>'.repeat(5000),
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
  '&c;&c;&c;&c;',
  '<rdf:Description rdf:about="" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
  '</rdf:RDF>',
  '<![CDATA[',
  '&#x0;',
  ' xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GpsLatitude="91.5"',
];
const xmlInsert: Op = (b, r) => {
  const s = new TextEncoder().encode(r.pick(XML_BITS));
  const at = r.int(b.length + 1);
  const out = new Uint8Array(b.length + s.length);
  out.set(b.subarray(0, at));
  out.set(s, at);
  out.set(b.subarray(at), at + s.length);
  return [out, `insert xml ${JSON.stringify(new TextDecoder().decode(s).slice(0, 30))} at ${at}`];
};

/**
 * 'record' is structure-aware (flight records): most edits keep the framing true so cases reach
 * the decoding; byte-level damage and truncation come on top in a minority of cases.
 */
export type Family = 'binary' | 'text' | 'xml' | 'record';
const OPS: Record<Family, Op[]> = {
  binary: [bitFlips, splice, hugeLength, hugeLength, ifdLoop, pastEnd],
  text: [bitFlips, splice, textInsert, textInsert],
  xml: [bitFlips, splice, textInsert, xmlInsert, xmlInsert],
  record: [valueEdit, valueEdit, valueEdit, valueEdit, versionSwitch],
};
/** Edits that change sizes, applied after the in-place ones (whose positions they would move). */
const RESIZE: Op[] = [blockResize, blockResize, blockInsert];
const DAMAGE: Op[] = [bitFlips, splice, hugeLength, pastEnd];

/** One case: 1–3 edits, then (one time in three) a truncation, which is the commonest real damage. */
export function mutate(seed: Uint8Array, layout: Layout, family: Family, r: Rng): Mutant {
  if (family === 'record') return mutateStructure(seed, layout, r);
  // A copy even when the seed is a Buffer, whose slice() shares memory (edits would pile up in the seed).
  let b: Uint8Array = Uint8Array.prototype.slice.call(seed);
  const what: string[] = [];
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const res = r.pick(OPS[family])(b, r, layout);
    if (res) {
      b = res[0];
      what.push(res[1]);
    }
  }
  if (r.int(3) === 0 || what.length === 0) {
    const [t, w] = truncate(b, r, layout)!;
    b = t;
    what.push(w);
  }
  return { bytes: b, what };
}

/**
 * Structure-aware case: 1–3 in-place edits, then one time in three a consistent resize, one time
 * in four byte-level damage and one time in eight a truncation.
 */
function mutateStructure(seed: Uint8Array, layout: Layout, r: Rng): Mutant {
  let b: Uint8Array = Uint8Array.prototype.slice.call(seed);
  const what: string[] = [];
  const apply = (op: Op) => {
    const res = op(b, r, layout);
    if (res) {
      b = res[0];
      what.push(res[1]);
    }
  };
  for (let n = 1 + r.int(3); n > 0; n--) apply(r.pick(OPS.record));
  if (r.int(3) === 0) apply(r.pick(RESIZE));
  if (r.int(4) === 0) apply(r.pick(DAMAGE));
  if (r.int(8) === 0) apply(truncate);
  return { bytes: b, what };
}
