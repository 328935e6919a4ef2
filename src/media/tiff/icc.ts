/**
 * TIFF tag 34675 (InterColorProfile): the profile is display data only when it is one, whole
 * (a header with 'acsp', the size it declares being the entry's); anything else under the tag is
 * other data, as a JPEG's APP2 block that is no profile (jpeg/index.ts judgeIcc). In a profile,
 * its free text (icc/free-text.ts) is reported as other data of its own, which scrub zeroes
 * while the profile stays (rewrite-containers.ts).
 */
import type { Finding } from '../../findings/model.js';
import { iccFreeText, isIccProfile } from '../icc/free-text.js';
import type { Collector } from '../types.js';
import { entryBytes, type IfdEntry, type TiffCtx } from './ifd.js';

export const ICC_TAG = 0x8773;

export function reportIccProfile(
  ctx: TiffCtx,
  e: IfdEntry,
  block: Finding,
  path: string[],
  out: Collector,
): void {
  const bytes = entryBytes(ctx, e, 'ICC_Profile');
  const declared = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) : -1;
  if (!isIccProfile(bytes) || declared !== bytes.length) {
    block.category = 'other';
    out.warn(
      'tiff-icc-invalid',
      `ICC_Profile is not a whole profile (${bytes.length} bytes, ${declared < 0 ? 'no header' : `${declared} declared`}): reported as other data`,
      e.valueOffset,
    );
    return;
  }
  const inside = [...path, 'ICC_Profile'];
  for (const t of iccFreeText(bytes))
    out.add({
      category: 'other',
      tag: t.tag,
      path: inside,
      ranges: t.spans.map((r) => ({ offset: e.valueOffset + r.offset, length: r.length })),
      value: t.text
        ? { kind: 'text', text: t.text }
        : { kind: 'block', size: t.spans.reduce((n, r) => n + r.length, 0) },
    });
}
