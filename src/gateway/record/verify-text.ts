/**
 * What `airlock log verify` says about a verification, as one line: `ok: …` or `FAILED: …`. The
 * CLI prints it and the dashboard shows it, so an auditor reads the same words in both.
 */
import type { ChainHead } from '../../store/types.js';
import type { Verification } from './open.js';

export interface VerificationText {
  ok: boolean;
  text: string;
}

export function verificationText(
  v: Verification,
  anchorPath: string,
  opts: { head?: ChainHead } = {},
): VerificationText {
  const head = opts.head;
  const against = [
    v.anchor ? `anchor seq ${v.anchor.seq}` : `no anchor file (${anchorPath})`,
    ...(head ? [`kept head seq ${head.seq}`] : []),
  ].join(', ');
  if (!v.check.ok && v.check.problem === 'window-mismatch') {
    return {
      ok: false,
      text: `FAILED: ${v.check.problem}: ${v.check.detail} (the chain's ${v.check.rows} rows verified); ${against}`,
    };
  }
  if (!v.check.ok) {
    const detail = v.check.detail ? `: ${v.check.detail}` : '';
    return {
      ok: false,
      text: `FAILED: ${v.check.problem} at seq ${v.check.badSeq}${detail} (${v.check.rows} rows verified before it); ${against}`,
    };
  }
  if (v.anchorMissing) {
    return {
      ok: false,
      text:
        `FAILED: anchor-missing: ${anchorPath} does not exist, so rows cut off the end would go unseen ` +
        `(the chain itself holds ${v.check.rows} rows, head ${v.check.rows}:${v.check.headMac}); ` +
        'give the head you kept with --head SEQ:MAC, or accept that with --without-anchor',
    };
  }
  const unchecked = !v.anchor && !head ? ' (--without-anchor: truncation from the end is not checked)' : '';
  const w = v.check;
  const windows =
    w.windows === 0
      ? ''
      : `, ${w.windows} unlock window${w.windows === 1 ? '' : 's'}${w.legacyWindows ? ` (${w.legacyWindows} from before windows had MACs: recorded in the chain, not applied)` : ''}`;
  return {
    ok: true,
    text: `ok: ${v.check.rows} rows${windows}, head ${v.check.rows}:${v.check.headMac}; ${against}${unchecked}`,
  };
}
