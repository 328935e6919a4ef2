/**
 * The gateway's record checked at start, before it serves or writes anything: the database must
 * still hold the chain its anchor file recorded (anchor.ts). Unchecked, a start continues the chain
 * from wherever the database now ends, and the next anchor write replaces the one that showed rows
 * were cut off the end: the truncation laundered, `airlock log verify` passing after. So a record
 * that does not match its anchor stops the start (fail closed: the record is the evidence), and
 * the anchor is left as it is. Cheap: only the rows from the anchor's on are read (normally a
 * second's worth, as the anchor follows each commit), never the whole log.
 *
 * startVerdict is the pure core (what was read → start, with a note, or the error);
 * checkRecordAtStart reads the anchor and the store for it.
 */
import { AirlockError } from '../../core/errors.js';
import { isoTime } from '../../core/iso-time.js';
import type { ChainHead, Store, TailCheck } from '../../store/types.js';
import { type Anchor, readAnchor } from './anchor.js';

/** What start found: the anchor and the rows from it on; no anchor file; or one that does not parse. */
export type RecordAtStart =
  | { kind: 'anchored'; anchor: Anchor; tail: TailCheck }
  /** lastSeq: where the log ends (0: no rows, a fresh store). */
  | { kind: 'unanchored'; lastSeq: number }
  | { kind: 'unreadable-anchor'; reason: string };

/** Where the record is, as messages name it. */
export interface StartPlaces {
  anchor: string;
  database: string;
  /** The verify command for this record: 'airlock log verify --policy FILE'. */
  verify: string;
  /**
   * Who asks: the gateway's start (the default), or a command that appends a row (`gateway
   * unlock`, `relock`: anchored-write.ts), which would chain on from what is left just the same.
   */
  by?: 'start' | 'write';
}

/** The verify command for the record `policyFile` names, as messages give it. */
const verifyCommand = (policyFile: string | undefined): string =>
  `airlock log verify${policyFile === undefined ? '' : ` --policy ${policyFile}`}`;

/** The anchor at `anchor` and the verify command for `policyFile`'s record, as the checks name them. */
export const anchorPlaces = (anchor: string, policyFile: string | undefined) => ({
  anchor,
  verify: verifyCommand(policyFile),
});

/**
 * Start (with a line to say, sometimes), or not: the error says why and what to do. `head`: the
 * log's last row, when the anchor vouched for the chain up to it (the writer chains on from it).
 */
export type StartVerdict = { ok: true; note?: string; head?: ChainHead } | { ok: false; error: AirlockError };

export function startVerdict(found: RecordAtStart, at: StartPlaces, nowMs: number): StartVerdict {
  switch (found.kind) {
    case 'unanchored':
      // A fresh store has no anchor; one with rows lost it (deleted, or moved aside to start).
      return found.lastSeq === 0
        ? { ok: true }
        : {
            ok: true,
            note: `no anchor file ${at.anchor}, though the event log in ${at.database} holds rows up to seq ${found.lastSeq}: starting, the anchor written afresh from the next rows (rows cut off the end before now show only against a head you kept: ${at.verify} --head SEQ:MAC)`,
          };
    case 'unreadable-anchor':
      return refuse(
        at,
        nowMs,
        `the anchor file cannot be read (${found.reason}), so the event log in ${at.database} cannot be checked against it`,
      );
    case 'anchored': {
      const { anchor, tail } = found;
      if (tail.ok) return { ok: true, head: tail.head };
      return refuse(
        at,
        nowMs,
        `the event log in ${at.database} is not the chain the anchor recorded (seq ${anchor.seq}, written ${isoTime(anchor.tsMs)}): ${difference(anchor, tail)}`,
        anchor,
      );
    }
  }
}

/** What the rows from the anchor on show, in the anchor's terms. */
function difference(anchor: Anchor, tail: Extract<TailCheck, { ok: false }>): string {
  // No row at all: the log emptied, or this anchor is another store's (a policy naming its own
  // sqlitePath beside another store, with the default anchorFile).
  if (tail.lastSeq === 0)
    return `the database holds no rows: emptied, or the anchor is another store's (give each store its own store.anchorFile)`;
  if (tail.lastSeq < anchor.seq) {
    const gone =
      tail.lastSeq + 1 === anchor.seq
        ? `row ${anchor.seq} is`
        : `rows ${tail.lastSeq + 1} to ${anchor.seq} are`;
    return `the database ends at seq ${tail.lastSeq}: ${gone} gone from the end`;
  }
  const where = tail.badSeq === anchor.seq ? "the anchor's row" : `after the anchor's seq ${anchor.seq}`;
  return `row ${tail.badSeq} (${where}) does not hold: ${tail.problem}${tail.detail ? `, ${tail.detail}` : ''}`;
}

function refuse(at: StartPlaces, nowMs: number, what: string, anchor?: Anchor): StartVerdict {
  const kept = `${at.anchor}.${stamp(nowMs)}`;
  const head = anchor
    ? `, and \`${at.verify} --head ${anchor.seq}:${anchor.mac}\` still checks the log against the one kept`
    : '';
  const aside = `keep the anchor as evidence by moving it aside (mv ${at.anchor} ${kept})`;
  const [why, anyway] =
    at.by === 'write'
      ? [
          'Not writing: the row would be chained on from what is left and the anchor written over',
          `to write anyway, ${aside} and run the command again: it then writes a fresh anchor`,
        ]
      : [
          'Not starting: a start would write a new anchor over this one',
          `to start anyway, ${aside} and start again: the gateway then writes a fresh anchor`,
        ];
  return {
    ok: false,
    error: new AirlockError(
      'AIRLOCK_ERR_MALFORMED',
      `${what}. ${why}, and the record is the gateway's evidence. ` +
        'Not always an attack: a power cut can lose the last commits (the store runs WAL with synchronous=NORMAL). ' +
        `Run \`${at.verify}\` to see what is missing; ${anyway}${head}.`,
      undefined,
      at.anchor,
    ),
  };
}

/** Reads the anchor and, when there is one, the rows from its seq on; then startVerdict. */
export async function checkRecordAtStart(
  store: Store,
  at: Omit<StartPlaces, 'database'>,
  nowMs: number,
): Promise<StartVerdict> {
  return startVerdict(await readRecordAtStart(store, at.anchor), { ...at, database: store.path }, nowMs);
}

async function readRecordAtStart(store: Store, anchorPath: string): Promise<RecordAtStart> {
  let anchor: Anchor | undefined;
  try {
    anchor = readAnchor(anchorPath);
  } catch (e) {
    // Not JSON, no head in it, or no read permission: unchecked all the same.
    return { kind: 'unreadable-anchor', reason: (e as Error).message };
  }
  if (anchor) return { kind: 'anchored', anchor, tail: await store.verifyLogFrom(anchor) };
  return { kind: 'unanchored', lastSeq: (await store.logHead())?.seq ?? 0 };
}

/** The anchor's time as ISO 8601; a tsMs beyond what Date holds as the number. */

/** A time for a file name: 2026-11-24T04-01-52Z. */
const stamp = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
