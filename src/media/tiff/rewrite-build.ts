/**
 * From the reader's walk (IFD tree + the findings of each IFD) and the decisions, the output
 * tree: which IFDs stay, which entries stay (copied), change (re-encoded) or go.
 *
 * Fail closed: an entry no finding speaks for (an odd pointer, a tag the reader could not
 * place) is dropped; a block holding a dropped finding is dropped whole.
 */
import type { Finding } from '../../findings/model.js';
import { formatPath } from '../../findings/model.js';
import type { Decide, Decision, RewriteNotes } from '../../scrub/types.js';
import type { IfdNode, TiffTrace } from './exif.js';
import { fieldSize } from './format.js';
import { entryBytes, type IfdEntry, type TiffCtx } from './ifd.js';
import { isContainerTag, rewriteContainer } from './rewrite-containers.js';
import { DATA_TAGS, type DataBudget, dataBlocks, LENGTH_TAGS } from './rewrite-data.js';
import type { OutEntry, OutIfd } from './rewrite-layout.js';
import { encodeReplacement, gpsPositionEntries, positionTags } from './rewrite-values.js';

export interface Build {
  ctx: TiffCtx;
  decide: Decide;
  /** Each finding is asked about once. */
  decisions: Map<Finding, Decision>;
  notes: RewriteNotes;
  kind: 'exif-app1' | 'tiff-file';
  isDng: boolean;
  budget: DataBudget;
}

const POINTER_TAGS = new Set([0x8769, 0x8825, 0xa005, 0x014a]);
const GPS_VERSION_ID = 0x0000;

const decisionOf = (b: Build, f: Finding): Decision => {
  let d = b.decisions.get(f);
  if (!d) {
    d = b.decide(f);
    b.decisions.set(f, d);
  }
  return d;
};

/** The output's first IFD and its chain. IFD0 always stays: a TIFF structure needs one. */
export function buildTiff(trace: TiffTrace, b: Build): OutIfd {
  // Every finding of the walk is asked about, in the order the reader reported them.
  for (const node of allNodes(trace)) for (const f of node.findings) decisionOf(b, f);
  const kept: OutIfd[] = [];
  trace.chain.forEach((node, i) => {
    const ifd = buildIfd(node, b, i === 0);
    if (ifd) kept.push(ifd);
  });
  const first = kept[0] ?? { entries: [] };
  for (let i = 0; i + 1 < kept.length; i++) (kept[i] as OutIfd).next = kept[i + 1];
  return first;
}

function allNodes(trace: TiffTrace): IfdNode[] {
  const out: IfdNode[] = [];
  const visit = (n: IfdNode): void => {
    out.push(n);
    for (const c of n.children) visit(c.node);
  };
  for (const n of trace.chain) visit(n);
  return out;
}

/** Whether the picture an IFD holds (a thumbnail, a preview) stays. */
function keepsImage(node: IfdNode, b: Build, required: boolean): boolean {
  const dropped = node.images.filter((f) => decisionOf(b, f).action !== 'keep');
  if (dropped.length === 0) return true;
  if (!required) return false;
  const what = b.isDng ? 'a DNG needs its IFD0 image' : 'a TIFF needs its first image';
  b.notes.keep(
    formatPath(node.path),
    dropped.map((f) => f.tag),
    `${what}; its metadata scrubbed`,
  );
  return true;
}

/** Entries of `node` whose value bytes hold some range of `f`. */
function entriesOf(node: IfdNode, f: Finding): IfdEntry[] {
  return node.ifd.entries.filter((e) =>
    f.ranges.some((r) => r.offset >= e.valueOffset && r.offset + r.length <= e.valueOffset + e.valueLength),
  );
}

function buildIfd(node: IfdNode, b: Build, isFirst: boolean): OutIfd | undefined {
  const required = isFirst && b.kind === 'tiff-file';
  if (!keepsImage(node, b, required)) return isFirst ? { entries: [] } : undefined;

  const le = b.ctx.e.le;
  const findingsOf = new Map<IfdEntry, Finding[]>();
  const out: OutEntry[] = [];
  const consumed = new Set<IfdEntry>();
  const images = new Set(node.images);
  for (const f of node.findings) {
    if (images.has(f)) continue;
    const entries = entriesOf(node, f);
    for (const e of entries) {
      const list = findingsOf.get(e);
      if (list) list.push(f);
      else findingsOf.set(e, [f]);
    }
    // A replaced position writes its own GPS entries; the ones it came from (and any stale
    // altitude) go.
    const d = decisionOf(b, f);
    if (f.value.kind === 'position' && d.action === 'replace') {
      const target = f.category === 'location.target';
      const tags = positionTags(target);
      for (const e of node.ifd.entries) if (tags.includes(e.tag)) consumed.add(e);
      for (const e of entries) consumed.add(e);
      if (d.value.kind === 'position') out.push(...gpsPositionEntries(d.value.position, target, le));
      else b.notes.push(`${formatPath(node.path)}: ${f.tag} replacement is not a position: dropped`);
    }
  }

  const seen = new Set<number>(out.map((e) => e.tag));
  for (const e of node.ifd.entries) {
    if (consumed.has(e) || seen.has(e.tag)) continue;
    const entry = buildEntry(node, e, findingsOf.get(e) ?? [], b);
    if (entry) {
      seen.add(e.tag);
      out.push(entry);
    }
  }
  if (out.length === 0 && !isFirst) return undefined;
  // A GPS IFD left with nothing but its version says nothing: drop it rather than keep a husk.
  if (node.role === 'gps' && out.every((e) => e.tag === GPS_VERSION_ID)) return undefined;
  return { entries: out };
}

function buildEntry(node: IfdNode, e: IfdEntry, fs: Finding[], b: Build): OutEntry | undefined {
  const isImage = node.role === 'image' || node.role === 'thumbnail';
  if (POINTER_TAGS.has(e.tag)) return pointerEntry(node, e, b);
  if (isImage && DATA_TAGS.has(e.tag)) {
    const blocks = dataBlocks(b.ctx, node.ifd, e, b.budget);
    return {
      tag: e.tag,
      type: 4,
      count: blocks.length,
      bytes: new Uint8Array(0),
      link: { kind: 'data', blocks },
    };
  }
  if (isImage && LENGTH_TAGS.has(e.tag)) return copy(b, e);
  if (isContainerTag(e.tag) && node.role !== 'gps') {
    const bytes = rewriteContainer({
      tag: e.tag,
      bytes: entryBytes(b.ctx, e, formatPath(node.path)),
      fileOffset: e.valueOffset,
      path: node.path,
      inside: [...fs, ...orphansOf(node, e)],
      decision: (f) => decisionOf(b, f),
      decide: b.decide,
      notes: b.notes,
    });
    if (!bytes) return undefined;
    const size = fieldSize(e.type);
    return bytes.length % size === 0
      ? { tag: e.tag, type: e.type, count: bytes.length / size, bytes }
      : { tag: e.tag, type: 7, count: bytes.length, bytes };
  }
  if (fs.length === 0) return undefined;
  const ds = fs.map((f) => decisionOf(b, f));
  if (ds.some((d) => d.action === 'drop')) return undefined;
  const replace = ds.find((d) => d.action === 'replace');
  if (replace?.action === 'replace') {
    const r = encodeReplacement(e, replace.value, b.ctx.e.le);
    if (!r)
      b.notes.push(
        `${formatPath(node.path)}: ${fs[0]?.tag}: the replacement cannot be written in the tag's format: dropped`,
      );
    return r;
  }
  return copy(b, e);
}

const copy = (b: Build, e: IfdEntry): OutEntry => ({
  tag: e.tag,
  type: e.type,
  count: e.count,
  bytes: entryBytes(b.ctx, e, `tag 0x${e.tag.toString(16)}`),
});

/** Maker-note findings that lie outside the note's bytes (a preview it points at) still belong to it. */
function orphansOf(node: IfdNode, e: IfdEntry): Finding[] {
  if (e.tag !== 0x927c) return [];
  return node.findings.filter(
    (f) => f.path.some((s) => s.startsWith('MakerNote')) && entriesOf(node, f).length === 0,
  );
}

function pointerEntry(node: IfdNode, e: IfdEntry, b: Build): OutEntry | undefined {
  const targets: OutIfd[] = [];
  for (const c of node.children) {
    if (c.via !== e) continue;
    const child = buildIfd(c.node, b, false);
    if (child) targets.push(child);
  }
  if (targets.length === 0) return undefined;
  return {
    tag: e.tag,
    type: e.type === 13 ? 13 : 4,
    count: targets.length,
    bytes: new Uint8Array(0),
    link: { kind: 'ifd', targets },
  };
}
