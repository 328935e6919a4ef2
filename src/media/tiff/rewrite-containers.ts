/**
 * Entries that hold a whole block of findings: MakerNote, DNGPrivateData, XMP (700), IPTC
 * (33723), Photoshop (34377) and the ICC profile (34675). A block is copied only when every
 * finding inside it is kept and its bytes stay valid at a new offset; otherwise it is dropped
 * whole (never half-cleaned), but for an XMP packet (rewritten) and an ICC profile kept for
 * display (its free text zeroed in place).
 */
import type { Finding } from '../../findings/model.js';
import { formatPath } from '../../findings/model.js';
import type { Decide, Decision, RewriteNotes } from '../../scrub/types.js';
import { blankIcc } from '../icc/free-text.js';

export const CONTAINER_TAGS = {
  xmp: 0x02bc,
  iptc: 0x83bb,
  photoshop: 0x8649,
  makerNote: 0x927c,
  dngPrivateData: 0xc634,
  icc: 0x8773,
} as const;
const CONTAINERS = new Set<number>(Object.values(CONTAINER_TAGS));
export const isContainerTag = (tag: number): boolean => CONTAINERS.has(tag);

/**
 * Rewrites an XMP packet found in TIFF tag 700 (the XMP rewriter's job): the new packet, or null
 * to drop it. Registered by whoever links the XMP rewriter in (see `useXmpPacketRewriter`).
 */
export type XmpPacketRewriter = (
  bytes: Uint8Array,
  fileOffset: number,
  path: string[],
  decide: Decide,
  notes: RewriteNotes,
) => Uint8Array | null;

let xmpRewriter: XmpPacketRewriter | undefined;
/** Lets the XMP rewriter clean packets inside TIFF; without it a packet not kept whole is dropped. */
export function useXmpPacketRewriter(fn: XmpPacketRewriter | undefined): void {
  xmpRewriter = fn;
}

/**
 * Maker notes whose internal offsets count from the note itself (or that hold none): these
 * survive being moved. Every other vendor's offsets count from the TIFF header and would break.
 */
const SELF_CONTAINED_NOTES = ['[ae_dbg_info:', 'Apple iOS\0', 'Nikon\0\x02', 'OLYMPUS\0', 'OM SYSTEM\0'];
const startsWith = (b: Uint8Array, s: string): boolean =>
  b.length >= s.length && [...s].every((c, i) => b[i] === c.charCodeAt(0));

export interface ContainerInput {
  tag: number;
  /** The block's bytes as stored, and where they start in the file. */
  bytes: Uint8Array;
  fileOffset: number;
  path: string[];
  /** The findings read from inside the block. */
  inside: Finding[];
  decision: (f: Finding) => Decision;
  decide: Decide;
  notes: RewriteNotes;
}

/** The block to write (the same bytes, or a cleaned XMP packet), or undefined to drop it. */
export function rewriteContainer(c: ContainerInput): Uint8Array | undefined {
  const allKept = c.inside.length > 0 && c.inside.every((f) => c.decision(f).action === 'keep');
  const where = formatPath(c.path);
  switch (c.tag) {
    case CONTAINER_TAGS.xmp: {
      if (xmpRewriter)
        return xmpRewriter(c.bytes, c.fileOffset, [...c.path, 'XMP'], c.decide, c.notes) ?? undefined;
      if (allKept) return c.bytes;
      if (c.inside.some((f) => c.decision(f).action === 'keep'))
        c.notes.push(`${where} › XMP: dropped whole (no XMP rewriter linked to clean it in place)`);
      return undefined;
    }
    case CONTAINER_TAGS.makerNote: {
      if (!allKept) return undefined;
      if (SELF_CONTAINED_NOTES.some((h) => startsWith(c.bytes, h))) return c.bytes;
      c.notes.push(
        `${where} › MakerNote: kept by the policy but dropped: its internal offsets count from the original TIFF header and would not survive the rewrite`,
      );
      return undefined;
    }
    case CONTAINER_TAGS.icc: {
      if (allKept) return c.bytes;
      // A whole profile (tiff/icc.ts) stays for display with the free text the policy drops zeroed.
      const block = c.inside.find((f) => f.tag === 'ICC_Profile' && f.category === 'display');
      if (!block || c.decision(block).action !== 'keep') return undefined;
      const zero = c.inside
        .filter((f) => f !== block && c.decision(f).action !== 'keep')
        .flatMap((f) => f.ranges.map((r) => ({ offset: r.offset - c.fileOffset, length: r.length })));
      return blankIcc(c.bytes, zero);
    }
    // DNGPrivateData records the maker note's original offset, so readers resolve it anywhere.
    default:
      return allKept ? c.bytes : undefined;
  }
}
