/**
 * The HMAC chain over log rows: mac(n) = HMAC-SHA256(key, mac(n-1) ‖ '\n' ‖ seq ‖ '\n' ‖
 * canonical JSON of the row). Canonical JSON sorts object keys, so the MAC does not depend on
 * the order a caller built the object in.
 */
import { createHmac } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import { AirlockError } from '../core/errors.js';
import { nativeMacChain } from '../native/mac-chain.js';
import type { ChainHead, LogRow } from './types.js';

export function chainMac(key: Uint8Array, prevMac: string, seq: number, row: LogRow): string {
  return chainMacOfText(key, prevMac, seq, canonicalJson(row));
}

/** The same MAC from the row's canonical JSON text, when the writer already has it (row-json.ts). */
export function chainMacOfText(key: Uint8Array, prevMac: string, seq: number, canonical: string): string {
  return createHmac('sha256', key).update(`${prevMac}\n${seq}\n${canonical}`).digest('hex');
}

/**
 * The MACs of rows `firstSeq`, `firstSeq + 1`, … chained after `prevMac` ('' before the first
 * row), for texts already canonical: one native call for the batch where the addon has one
 * (mac-chain.c), else chainMacOfText row by row. A text holding a newline (never canonical JSON,
 * but the native call splits on them) takes the row-by-row path.
 */
export function chainMacsOfTexts(
  key: Uint8Array,
  prevMac: string,
  firstSeq: number,
  texts: readonly string[],
): string[] {
  const native = nativeMacChain();
  if (native && texts.length > 0 && !texts.some((t) => t.includes('\n'))) {
    const all = native(key, prevMac, firstSeq, texts.join('\n'));
    if (all.length === 64 * texts.length) {
      const macs = new Array<string>(texts.length);
      for (let i = 0; i < texts.length; i++) macs[i] = all.slice(64 * i, 64 * i + 64);
      return macs;
    }
  }
  const macs = new Array<string>(texts.length);
  let prev = prevMac;
  for (let i = 0; i < texts.length; i++) {
    prev = chainMacOfText(key, prev, firstSeq + i, texts[i]!);
    macs[i] = prev;
  }
  return macs;
}

/** A row's place in the chain. */
export interface ChainLink {
  seq: number;
  prevMac: string;
  mac: string;
}

/** The links of `bodies` (canonical texts) chained on after `from` (undefined: an empty log). */
export function chainLinks(
  key: Uint8Array,
  from: ChainHead | undefined,
  bodies: readonly string[],
): ChainLink[] {
  const first = (from?.seq ?? 0) + 1;
  let prevMac = from?.mac ?? '';
  return chainMacsOfTexts(key, prevMac, first, bodies).map((mac, i) => {
    const link = { seq: first + i, prevMac, mac };
    prevMac = mac;
    return link;
  });
}

/**
 * A writer's batch sent after `after`, the head it last saw, when the log's head is now `head`:
 * - `replay`: the same batch was committed already (its writer died before it could say so): the
 *   chain ends exactly where this batch would have ended it; nothing is written again;
 * - `check`: rows were appended since; chaining on is right only while the row at `after.seq`
 *   still carries `after.mac` (another writer, `gateway unlock`, appended them): the store reads
 *   that row's MAC and asks `changedUnderWriter`;
 * - undefined: the head is `after` (or no head was given): chain on from it.
 */
export function resumeAfter(
  key: Uint8Array,
  head: ChainHead | undefined,
  after: ChainHead | undefined,
  bodies: readonly string[],
): { replay: ChainLink[] } | { check: ChainHead } | undefined {
  if (!after || (head?.seq === after.seq && head.mac === after.mac)) return undefined;
  const again = chainLinks(key, after, bodies);
  const last = again[again.length - 1];
  if (head && last && last.seq === head.seq && last.mac === head.mac) return { replay: again };
  return { check: after };
}

/**
 * The refusal when the row a writer last wrote is gone or changed (`keptMac`: that row's MAC now):
 * chaining on from what is left would hide the cut (the next anchor written over the one that
 * shows it). undefined when the row is as the writer left it.
 */
export function changedUnderWriter(
  after: ChainHead,
  keptMac: string | undefined,
  head: ChainHead | undefined,
  where: string,
): AirlockError | undefined {
  if (keptMac === after.mac) return undefined;
  return new AirlockError(
    'AIRLOCK_ERR_MALFORMED',
    `the event log changed under its writer: row ${after.seq}, the last it wrote, ${keptMac !== undefined ? 'carries another MAC' : `is gone (the log ends at seq ${head?.seq ?? 0})`}; not chaining on from what is left (airlock log verify shows what changed)`,
    undefined,
    where,
  );
}
