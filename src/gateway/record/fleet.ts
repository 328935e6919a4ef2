/**
 * A fleet's record at a glance (`airlock log fleet`): every box whose record is in the policy's
 * PostgreSQL database, each box its schema, read-only. Per box: when it last wrote a row (a
 * silent box is a box down, or cut off), its traffic in the window summed as the dashboard sums
 * it, and its chain checked where this host has the box's key: the policy's own box with its key
 * and anchor (as `log verify`), another box when its key file is in --keys (its anchor is on the
 * box, so rows cut off its end are not seen here). Without a key a box is read, not vouched for.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../policy/types.js';
import type { Store, TimeWindow } from '../../store/types.js';
import { loadHmacKey } from './key-file.js';
import { type OpenRecord, verifyRecord } from './open.js';
import type { TrafficSummary } from './traffic-tally.js';
import { verificationText } from './verify-text.js';
import { tallyWindow } from './window-tally.js';

export interface FleetBox {
  /** The box's schema (store.postgresSchema on that box). */
  box: string;
  /** The policy's own box. */
  own: boolean;
  /** The box's last row, when it has one. */
  last?: { seq: number; tsMs: number };
  /** The window's rows summed (traffic-tally.ts: the figures `log export` gives). */
  summary: TrafficSummary;
  /** More rows than were read: the summary covers the first `maxRows`. */
  truncated: boolean;
  /** The chain: checked with the box's key, or not (`unchecked`: no key here). */
  chain: { status: 'ok' | 'failed' | 'unchecked'; text: string };
}

const NOT_CHECKED: FleetBox['chain'] = { status: 'unchecked', text: 'not checked here' };

export interface FleetOptions {
  window: Required<TimeWindow>;
  /** Check chains (the CLI); a dashboard page load does not (every box's whole log, each load). */
  checkChains: boolean;
  /** A folder of other boxes' key files, named <box>.hmac.key. */
  keysDir?: string;
  maxRows: number;
  /** Only this box (the dashboard's page of one box); none when the database has no such box. */
  only?: string;
}

/** Every box of the database `own` (the policy's record, opened read-only) is in, in name order. */
export async function readFleet(own: OpenRecord, policy: Policy, opts: FleetOptions): Promise<FleetBox[]> {
  const url = policy.store.postgresUrl as string;
  const { PostgresStore, postgresBoxes } = await import('../../store/postgres.js');
  const boxes = (await postgresBoxes(url)).filter((b) => opts.only === undefined || b === opts.only);
  const out: FleetBox[] = [];
  for (const box of boxes) {
    if (box === policy.store.postgresSchema) {
      let chain = NOT_CHECKED;
      if (opts.checkChains) {
        const said = verificationText(await verifyRecord(own), own.paths.anchor);
        chain = { status: said.ok ? 'ok' : 'failed', text: said.text };
      }
      out.push(await readBox(box, true, own.store, opts, chain));
      continue;
    }
    const keyFile =
      opts.checkChains && opts.keysDir !== undefined ? join(opts.keysDir, `${box}.hmac.key`) : undefined;
    const key = keyFile && existsSync(keyFile) ? loadHmacKey(keyFile, { create: false }) : undefined;
    const store = await PostgresStore.open(url, {
      readonly: true,
      schema: box,
      ...(key ? { hmacKey: key } : {}),
    });
    try {
      let chain = NOT_CHECKED;
      if (key) {
        // Its anchor is on the box: the chain is checked, a cut off its end is not seen from here.
        const said = verificationText({ check: await store.verifyLog() }, `its anchor is on the box ${box}`);
        chain = { status: said.ok ? 'ok' : 'failed', text: said.text };
      } else if (opts.checkChains)
        chain = {
          status: 'unchecked',
          text: `not checked: no key here (${keyFile ?? `--keys DIR with ${box}.hmac.key`})`,
        };
      out.push(await readBox(box, false, store, opts, chain));
    } finally {
      await store.close();
    }
  }
  return out;
}

async function readBox(
  box: string,
  own: boolean,
  store: Store,
  opts: FleetOptions,
  chain: FleetBox['chain'],
): Promise<FleetBox> {
  const { summary, truncated } = await tallyWindow(store, opts.window, opts.maxRows);
  const newest = (await store.logRowsNewestFirst(undefined, 1))[0];
  const last = newest && 'row' in newest ? { seq: newest.seq, tsMs: newest.row.tsMs } : undefined;
  return { box, own, ...(last ? { last } : {}), summary, truncated, chain };
}
