/**
 * DIR/airlock-manifest.json: what scrub did, per file, under which policy. Records never carry
 * an original value (the manifest travels with the clean copies): findings are listed by
 * category, tag, path and the action taken, with the value written where one was replaced.
 *
 * Durability: a record is appended (and fsync'ed, a batch at a time: commit.ts) to
 * DIR/.airlock-manifest.journal before its output is renamed into place; at the end of a run the
 * manifest is written atomically (temp, fsync, rename), streamed from the earlier manifest's
 * records and the journal, and the journal removed. A run killed at any moment therefore leaves
 * every output under a final name described by a record, and a rerun reads manifest + journal.
 * Each file's record is one line of the manifest (as in the journal): grep-able, never re-encoded.
 */
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  write,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AirlockError } from '../core/errors.js';
import { pathFormatter, type Value } from '../findings/model.js';
import type { ZoneHit } from '../policy/index.js';
import { writeAll } from './files.js';
import type { PlannedFinding, WithholdReason } from './plan.js';

export const MANIFEST_NAME = 'airlock-manifest.json';
export const JOURNAL_NAME = '.airlock-manifest.journal';
export const MANIFEST_SCHEMA = 'airlock.scrub-manifest/1';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

export type RecordStatus =
  /** A clean copy written and verified. */
  | 'clean'
  /** Copied as is on purpose (media.flightRecords: copy). */
  | 'copied'
  /** Not copied: see `withheld`. */
  | 'withheld'
  /** Rewrite or write failed: no output. */
  | 'error'
  /** The output failed verification: not put in place. */
  | 'verify-failed';

export interface FindingRecord {
  category: string;
  tag: string;
  path: string;
  action: 'keep' | 'drop' | 'replace';
  /** How many findings (SRT frames, CSV rows) share this line. */
  count: number;
  /** The value written instead, when one finding was replaced. */
  written?: Value;
  /**
   * What the policy asked, where the clean copy holds something else: the finding went with a
   * container the rewriter removed whole (a thumbnail's IFD, a maker note it cannot move, an XMP
   * struct holding something dropped; `action` then says 'drop'), or a kept value was rewritten
   * with the value it follows (GPSAltitudeRef when -4 m became 0 m; `action` 'replace', `written`).
   */
  asked?: 'keep' | 'replace';
}

export interface ManifestRecord {
  input: string;
  inputSha256: string;
  inputSize: number;
  /** Relative to DIR, '/'-separated. */
  output: string;
  outputSha256?: string;
  status: RecordStatus;
  format: string | null;
  policyHash: string;
  withheld?: { why: WithholdReason | 'error'; detail: string; zones?: ZoneHit[] };
  error?: string;
  /** Verification problems, for 'verify-failed'. */
  problems?: string[];
  findings: FindingRecord[];
  /** Tags kept (category:tag), for a quick look at what left. */
  kept: string[];
  /** What the rewriter kept although the policy drops it, and why. */
  notes: string[];
  imageHashIn?: string;
  imageHashOut?: string;
  /**
   * A record without `outputSha256` (error, withheld, verify-failed): the output hashes earlier
   * records gave this path, carried forward so the file an earlier run wrote there stays known as
   * Airlock's (replaced by a later run, never refused as somebody else's).
   */
  ownedSha256?: string[];
  /** The Airlock that made the record: a record from another version is redone (matches, job.ts). */
  airlockVersion?: string;
  finishedAt: string;
}

export interface Manifest {
  schema: typeof MANIFEST_SCHEMA;
  airlockVersion: string;
  policyHash: string;
  /** How date-only times are written (so a reader never takes 00:00:00 for a capture time). */
  conventions: Record<string, string>;
  updatedAt: string;
  /** True once a run finished every input. */
  complete: boolean;
  files: ManifestRecord[];
}

export const CONVENTIONS: Record<string, string> = {
  'date-only':
    "EXIF times become 'YYYY:MM:DD 00:00:00' (the tag's fixed form); ISO/XMP/SRT times become 'YYYY-MM-DD'; times without a date are dropped",
  coarsen:
    'cell centre of a grid: latitude step = metres / 111320 degrees, longitude step = metres / (111320 × cos(snapped latitude)); 7 decimals; altitudes to 100 m',
  output: 'one input: its tree directly under DIR; several inputs: each under DIR/<input basename>',
};

/** A planned finding as it went: dropped with its container, or rewritten, although the policy asked `asked`. */
export type DoneFinding = PlannedFinding & { asked?: 'keep' | 'replace' };

/** Findings grouped by (category, tag, path, action): a 10,000-frame SRT stays readable. */
export function findingRecords(planned: readonly DoneFinding[]): FindingRecord[] {
  const byKey = new Map<string, FindingRecord>();
  const pathOf = pathFormatter();
  for (const { finding: f, decision: d, asked } of planned) {
    const path = pathOf(f.path);
    const key = `${f.category}\0${f.tag}\0${path}\0${d.action}\0${asked ?? ''}`;
    const had = byKey.get(key);
    if (had) {
      had.count += 1;
      delete had.written; // one value per line only when the line is one finding
      continue;
    }
    const r: FindingRecord = { category: f.category, tag: f.tag, path, action: d.action, count: 1 };
    if (d.action === 'replace') r.written = d.value;
    if (asked) r.asked = asked;
    byKey.set(key, r);
  }
  return [...byKey.values()];
}

export const keptTags = (planned: readonly PlannedFinding[]): string[] => [
  ...new Set(
    planned.filter((p) => p.decision.action !== 'drop').map((p) => `${p.finding.category}:${p.finding.tag}`),
  ),
];

/** Previous records by output path, and every output hash ever recorded for a path (ours). */
export interface PriorState {
  records: Map<string, ManifestRecord>;
  ours: Map<string, Set<string>>;
}

/** How to get past a manifest or journal that cannot be read (said in every refusal). */
const MOVE_ASIDE =
  'move it aside (e.g. add .bad to its name) to start afresh: outputs already in the folder are then not overwritten without --force';

/**
 * Where `text` stops being JSON, as a byte offset (V8's message gives no position for an
 * unexpected token): a small syntax scan, run only once JSON.parse has failed.
 */
function parseErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (w: string): void => {
    if (text.startsWith(w, i)) i += w.length;
    else fail();
  };
  const str = (): void => {
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c) || c < 0x20) fail();
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else fail();
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          str();
          ws();
          lit(':');
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined;
    if (c === '"') str();
    else if (word) lit(word);
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail();
      i += (m as RegExpExecArray)[0].length;
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (at) {
    return typeof at === 'number' ? Buffer.byteLength(text.slice(0, at)) : undefined;
  }
}

function unreadable(path: string, what: string, offset?: number): AirlockError {
  return new AirlockError(
    'AIRLOCK_ERR_MALFORMED',
    `${path}: ${what}${offset === undefined ? '' : ` at byte offset ${offset}`}: refused (scrub never replaces records it cannot read); ${MOVE_ASIDE}`,
    offset,
  );
}

const isRecord = (r: unknown): r is ManifestRecord =>
  typeof r === 'object' && r !== null && typeof (r as ManifestRecord).output === 'string';

/**
 * The records an earlier run left in DIR: its manifest, overlaid by a journal a killed run left.
 * Throws (AIRLOCK_ERR_MALFORMED, naming the file and the byte offset) when either cannot be read:
 * trusting nothing would make every output already there "not Airlock's", and the manifest the
 * run writes would replace the records that say otherwise. The one exception is a journal's last
 * line without its newline: torn by a kill mid-append, its output was never renamed into place.
 */
export function loadPrior(dir: string): PriorState {
  const records = new Map<string, ManifestRecord>();
  const ours = new Map<string, Set<string>>();
  const add = (r: ManifestRecord): void => {
    records.set(r.output, r);
    const hashes = [...(r.outputSha256 ? [r.outputSha256] : []), ...(r.ownedSha256 ?? [])];
    if (hashes.length === 0) return;
    const s = ours.get(r.output) ?? new Set<string>();
    for (const h of hashes) s.add(h);
    ours.set(r.output, s);
  };
  const manifestPath = join(dir, MANIFEST_NAME);
  if (existsSync(manifestPath)) {
    const text = readFileSync(manifestPath, 'utf8');
    let m: Manifest;
    try {
      m = JSON.parse(text) as Manifest;
    } catch {
      throw unreadable(manifestPath, 'not valid JSON', parseErrorOffset(text));
    }
    if (m?.schema !== MANIFEST_SCHEMA || !Array.isArray(m.files))
      throw unreadable(manifestPath, `not an Airlock scrub manifest (schema ${MANIFEST_SCHEMA})`);
    for (const [i, r] of m.files.entries()) {
      if (!isRecord(r)) throw unreadable(manifestPath, `files[${i}] is not a record`);
      add(r);
    }
  }
  const journalPath = join(dir, JOURNAL_NAME);
  if (existsSync(journalPath)) {
    const bytes = readFileSync(journalPath);
    for (let at = 0; at < bytes.length; ) {
      const nl = bytes.indexOf(0x0a, at);
      if (nl < 0) break; // the torn last line of a journal killed mid-append
      const line = bytes.subarray(at, nl).toString('utf8');
      let r: unknown;
      try {
        r = JSON.parse(line);
      } catch {
        throw unreadable(journalPath, 'a line is not valid JSON', at + (parseErrorOffset(line) ?? 0));
      }
      if (!isRecord(r)) throw unreadable(journalPath, 'a line is not a record', at);
      add(r);
      at = nl + 1;
    }
  }
  return { records, ours };
}

/** Where a record sits in the journal: the final manifest is streamed from there, not kept in memory. */
export interface JournalEntry {
  offset: number;
  length: number;
}

/**
 * Appends records durably (fdatasync) before outputs are renamed into place, and remembers where
 * each output's latest record sits (a few numbers per file, never the record).
 */
export class Journal {
  private fd: number;
  private end: number;
  /** A failed append could not be undone: nothing more is appended (records stay in memory). */
  private broken: Error | undefined;
  readonly index = new Map<string, JournalEntry>();
  constructor(readonly dir: string) {
    this.fd = openSync(join(dir, JOURNAL_NAME), 'a+');
    try {
      this.end = lastLineEnd(this.fd, fstatSync(this.fd).size);
      // A torn last line (a kill mid-append) is cut off: the next line must start a line.
      if (this.end !== fstatSync(this.fd).size) ftruncateSync(this.fd, this.end);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }
  append(r: ManifestRecord): void {
    this.appendMany([r]);
  }
  /** Several records, one write and one fsync (group commit, src/scrub/commit.ts). */
  appendMany(rs: readonly ManifestRecord[], lines?: readonly (string | undefined)[]): void {
    const enc = this.encode(rs, lines);
    if (!enc) return;
    try {
      writeAll(this.fd, enc.bytes);
      fdatasyncSync(this.fd);
    } catch (err) {
      this.undo(err);
      throw err;
    }
    this.done(enc);
  }
  /** appendMany with the write and the fsync on libuv's thread pool. */
  async appendManyAsync(
    rs: readonly ManifestRecord[],
    lines?: readonly (string | undefined)[],
  ): Promise<void> {
    const enc = this.encode(rs, lines);
    if (!enc) return;
    const bytes = enc.bytes;
    try {
      for (let off = 0; off < bytes.length; )
        off += (await writeAsync(this.fd, bytes, off, bytes.length - off)).bytesWritten;
      await fdatasyncAsync(this.fd);
    } catch (err) {
      this.undo(err);
      throw err;
    }
    this.done(enc);
  }
  /**
   * The lines to append, and where each record will land: indexed only once the append is
   * durable (done), so a failed one leaves the index pointing at lines that are there.
   */
  private encode(
    rs: readonly ManifestRecord[],
    lines?: readonly (string | undefined)[],
  ): { bytes: Buffer; at: [string, JournalEntry][] } | undefined {
    if (rs.length === 0) return undefined;
    if (this.broken) throw this.broken;
    // Each line encoded once, straight into the batch's one buffer, its length read off the
    // encoder (not measured, then encoded again: that was most of the main thread's work per
    // file; nor a buffer per line, then joined: a fresh 8-16 KB buffer per record cost the main
    // thread more than the encoding did). UTF-8 takes at most 3 bytes per UTF-16 unit.
    const texts = rs.map((r, i) => lines?.[i] ?? JSON.stringify(r));
    const bytes = Buffer.allocUnsafe(texts.reduce((n, t) => n + 3 * t.length + 1, 0));
    let used = 0;
    const entries: [string, JournalEntry][] = [];
    for (const [i, r] of rs.entries()) {
      const length = bytes.write(texts[i] as string, used) + 1;
      bytes[used + length - 1] = 0x0a;
      entries.push([r.output, { offset: this.end + used, length }]);
      used += length;
    }
    return { bytes: bytes.subarray(0, used), at: entries };
  }
  private done(enc: { bytes: Buffer; at: [string, JournalEntry][] }): void {
    for (const [k, e] of enc.at) this.index.set(k, e);
    this.end += enc.bytes.length;
  }
  /**
   * A failed append (ENOSPC, EIO) may have left part of its lines: cut the journal back to its
   * last good length, so the next append starts a line where the index expects it. If even that
   * fails, the journal takes no more lines (the run keeps those records in memory).
   */
  private undo(err: unknown): void {
    try {
      ftruncateSync(this.fd, this.end);
    } catch {
      this.broken = new Error(
        `${join(this.dir, JOURNAL_NAME)}: a failed append could not be undone (${(err as Error)?.message ?? err})`,
      );
    }
  }
  /** One record back, as journalled. */
  read(e: JournalEntry): ManifestRecord {
    return JSON.parse(this.readLine(e)) as ManifestRecord;
  }
  /** One record's JSON text, as journalled (without its newline). */
  readLine(e: JournalEntry): string {
    return this.readBytes(e).toString('utf8');
  }
  /** The same, as the bytes journalled: the manifest copies them without decoding and re-encoding. */
  readBytes(e: JournalEntry): Buffer {
    const buf = Buffer.allocUnsafe(e.length + 1);
    return buf.subarray(0, this.readInto(e, buf, 0));
  }
  /**
   * One record's bytes as journalled (without its newline) read into `buf` at `at`, which has
   * room for `e.length + 1` bytes; returns how many it holds. The manifest is streamed through
   * one buffer this way, not a buffer per record.
   */
  readInto(e: JournalEntry, buf: Buffer, at: number): number {
    // The manifest must be JSON: a record copied from the wrong offset would break it. A line
    // as journalled starts after a newline, ends with one, holds none and is a JSON object.
    // Read with the byte before it (one read): the newline that ends the line before.
    const pre = e.offset > 0 ? 1 : 0;
    const len = e.length + pre;
    if (buf.length - at < len) throw new RangeError(`readInto: ${len} bytes do not fit at ${at}`);
    for (let got = 0; got < len; ) {
      const n = readSync(this.fd, buf, at + got, len - got, e.offset - pre + got);
      if (n === 0)
        throw new Error(`${join(this.dir, JOURNAL_NAME)}: ends before offset ${e.offset + e.length}`);
      got += n;
    }
    const body = buf.subarray(at + pre, at + len - 1);
    if (
      (pre && buf[at] !== 0x0a) ||
      buf[at + len - 1] !== 0x0a ||
      body[0] !== 0x7b ||
      body[body.length - 1] !== 0x7d ||
      body.includes(0x0a)
    )
      throw new Error(
        `${join(this.dir, JOURNAL_NAME)}: no whole record at offset ${e.offset} (${e.length} bytes): the manifest is not written`,
      );
    if (pre) buf.copyWithin(at, at + pre, at + len - 1);
    return e.length - 1;
  }
  /** Once the manifest holds everything, the journal is no longer needed. */
  closeAndRemove(): void {
    this.close();
    rmSync(join(this.dir, JOURNAL_NAME), { force: true });
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Where the journal's last whole line ends (a torn tail after it is not counted). */
function lastLineEnd(fd: number, size: number): number {
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - buf.length);
    const n = readSync(fd, buf, 0, end - start, start);
    const nl = buf.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}

/** Write `data` to `path` atomically: temp name in the same folder, fsync, rename. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  writeAtomicWith(path, (fd) => writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data));
}

/** `fill` writes the content to an open temp file; then fsync and rename it over `path`. */
function writeAtomicWith(path: string, fill: (fd: number) => void): void {
  const tmp = `${path}.airlock-${process.pid}.tmp`;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    fill(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * The manifest's text: its head pretty-printed, then each file's record on one line (grep-able,
 * and copied from the journal as journalled, with no decoding and re-encoding per record).
 */
function manifestText<R>(head: Omit<Manifest, 'files'>, records: Iterable<R>): Iterable<string | R> {
  const top = JSON.stringify({ ...head, files: [] }, null, 2);
  // `"files": []` is the last member: opened, one record a line, closed.
  const open = `${top.slice(0, top.lastIndexOf('[]'))}[`;
  return (function* () {
    let n = 0;
    for (const r of records) {
      yield `${n++ ? ',' : open}\n    `;
      yield r;
    }
    yield n ? '\n  ]\n}\n' : `${top}\n`;
  })();
}

export function writeManifest(dir: string, m: Manifest): void {
  const { files, ...head } = m;
  writeAtomic(
    join(dir, MANIFEST_NAME),
    [
      ...manifestText(
        head,
        files.map((r) => JSON.stringify(r)),
      ),
    ].join(''),
  );
}

const byOutput = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Bytes gathered before each write while streaming the manifest. */
const STREAM_CHUNK = 1 << 20;

/**
 * The manifest written record by record (atomically: temp, fsync, rename), in the same text
 * writeManifest gives: `files` are the earlier records overlaid by this run's journalled ones,
 * sorted by output, each copied from the journal, written and forgotten, so a batch of any size
 * costs the memory of one record.
 */
export function writeManifestStreamed(
  dir: string,
  head: Omit<Manifest, 'files'>,
  earlier: ReadonlyMap<string, ManifestRecord>,
  journal: Journal,
  /** This run's records the journal could not take: they win over both. */
  latest: ReadonlyMap<string, ManifestRecord> = new Map(),
): void {
  const keys = [...new Set([...earlier.keys(), ...journal.index.keys(), ...latest.keys()])].sort(byOutput);
  const lines = (function* () {
    for (const k of keys) {
      const late = latest.get(k);
      const at = journal.index.get(k);
      if (late) yield JSON.stringify(late);
      else if (at) yield at;
      else yield JSON.stringify(earlier.get(k));
    }
  })();
  writeAtomicWith(join(dir, MANIFEST_NAME), (fd) => {
    // Every piece is encoded (or read from the journal) straight into one buffer, written each
    // time it is full: no buffer per record (2,000 records made 2,000 buffers and as many
    // encodings at the end of a run, with nothing else left to overlap them).
    const buf = Buffer.allocUnsafe(STREAM_CHUNK);
    let used = 0;
    const flush = (): void => {
      if (used > 0) writeAll(fd, buf.subarray(0, used));
      used = 0;
    };
    for (const piece of manifestText<string | JournalEntry>(head, lines)) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; a journal read, its line and one byte more.
      const most = typeof piece === 'string' ? 3 * piece.length : piece.length + 1;
      if (used + most > buf.length) flush();
      if (most > buf.length)
        writeAll(fd, typeof piece === 'string' ? Buffer.from(piece) : journal.readBytes(piece));
      else used += typeof piece === 'string' ? buf.write(piece, used) : journal.readInto(piece, buf, used);
    }
    flush();
  });
}
