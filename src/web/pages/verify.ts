/** The dashboard's log verification: the same check and words as `airlock log verify`. */
import { isoTime } from '../../core/iso-time.js';
import { escapeHtml as e } from '../../report/html.js';
import { count, page } from './layout.js';

export interface VerificationView {
  /** When it ran. */
  atMs: number;
  /** How long it took. */
  tookMs: number;
  ok: boolean;
  /** `airlock log verify`'s line. */
  text: string;
}

/** One line for the overview: the verdict, when, and a link to run it again. */
export const verificationLine = (v: VerificationView): string =>
  `<span class="${v.ok ? 'ok' : 'bad'}">${e(v.text)}</span> <span class="meta">(verified ${e(isoTime(v.atMs))}; <a href="/verify">again</a>)</span>`;

export function renderVerify(v: VerificationView, storePath: string): string {
  const body = [
    '<h1>Verify the log</h1>',
    `<p class="meta">Store ${e(storePath)}: every row re-computed against the HMAC chain, every column against its row, the anchor file, and every unlock window against the chain, as <code>airlock log verify</code> does (${count(Math.round(v.tookMs))} ms).</p>`,
    `<p class="${v.ok ? 'ok' : 'bad'}"><b>${e(v.text)}</b></p>`,
    v.ok
      ? ''
      : '<p>Rows that fail their own link are marked in the <a href="/log?damaged=1">event log</a>; <code>airlock log export --json</code> gives each with why.</p>',
  ].join('\n');
  return page('Verify', 'verify', body);
}
