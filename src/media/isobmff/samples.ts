/**
 * Where a track's samples lie in the file, from its sample table (ISO/IEC 14496-12 §8.7): sizes
 * (stsz), the run of samples per chunk (stsc) and each chunk's offset (stco, or co64 past 4 GiB).
 * Every count is checked against the bytes of the box that declares it, and every sample against
 * the file, so a hostile table ends in an error naming its offset.
 */
import { malformed, truncated } from '../../core/errors.js';
import { bound, LIMITS } from '../../core/limits.js';
import type { ByteSource } from '../../core/source.js';
import type { Range } from '../../findings/model.js';
import { type Box, type BoxBudget, be32, be64, bodyOf, childrenOf, printable } from './boxes.js';

/** A table box's body, its entry count, and a check that `width` bytes an entry fit. */
function table(src: ByteSource, box: Box, head: number, width: number): { b: Uint8Array; count: number } {
  const r = bodyOf(box);
  bound(r.length, LIMITS.maxBlockBytes, `bytes in a '${printable(box.type)}' box`, box.offset);
  const b = src.read(r.offset, r.length);
  if (b.length < head) throw truncated(`'${printable(box.type)}' header`, r.offset);
  const count = be32(b, head - 4);
  if (head + count * width > b.length)
    throw truncated(`'${printable(box.type)}' of ${count} entries`, r.offset + head);
  return { b, count };
}

/**
 * The byte range of every sample of the track whose stbl is `stbl`, in decoding order; more
 * than `limit` samples is an error (each range is held).
 */
export function sampleRanges(src: ByteSource, stbl: Box, budget: BoxBudget, limit: number): Range[] {
  const boxes = new Map<string, Box>();
  for (const b of childrenOf(src, stbl, budget)) if (!boxes.has(b.type)) boxes.set(b.type, b);
  const stsz = boxes.get('stsz');
  const stsc = boxes.get('stsc');
  const chunkBox = boxes.get('stco') ?? boxes.get('co64');
  if (!stsz || !stsc || !chunkBox) throw malformed('sample table without stsz, stsc or stco', stbl.offset);

  // stsz: version/flags, a size for every sample (or 0), the count, then sizes when 0.
  const sizes = table(src, stsz, 12, 0);
  const fixed = be32(sizes.b, 4);
  const samples = bound(sizes.count, limit, 'samples in one track', stsz.offset);
  if (fixed === 0 && 12 + samples * 4 > sizes.b.length)
    throw truncated(`'stsz' of ${samples} sizes`, stsz.offset + stsz.header + 12);
  const sizeOf = (i: number): number => (fixed !== 0 ? fixed : be32(sizes.b, 12 + i * 4));

  const wide = chunkBox.type === 'co64';
  const chunks = table(src, chunkBox, 8, wide ? 8 : 4);
  const chunkAt = (i: number): number => (wide ? be64(chunks.b, 8 + i * 8) : be32(chunks.b, 8 + i * 4));

  // stsc: runs of (first chunk, samples per chunk, description), first chunks 1-based and rising.
  const runs = table(src, stsc, 8, 12);
  const out: Range[] = [];
  for (let r = 0; r < runs.count && out.length < samples; r++) {
    const first = be32(runs.b, 8 + r * 12);
    const per = be32(runs.b, 12 + r * 12);
    const next = r + 1 < runs.count ? be32(runs.b, 8 + (r + 1) * 12) : chunks.count + 1;
    if (first < 1 || next <= first || next > chunks.count + 1)
      throw malformed(
        `'stsc' run ${r + 1} names chunks ${first} to ${next - 1} of ${chunks.count}`,
        stsc.offset,
      );
    for (let c = first; c < next && out.length < samples; c++) {
      let at = chunkAt(c - 1);
      for (let k = 0; k < per && out.length < samples; k++) {
        const length = sizeOf(out.length);
        if (at + length > src.size) throw truncated(`sample ${out.length + 1} of ${length} bytes`, at);
        out.push({ offset: at, length });
        at += length;
      }
    }
  }
  if (out.length < samples)
    throw malformed(`the chunks hold ${out.length} of the ${samples} samples 'stsz' declares`, stsc.offset);
  return out;
}
