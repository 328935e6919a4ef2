/**
 * One file of the reports folder: found inside it (no link leads out), read up to a limit, and
 * judged: an Airlock report, a problem (it claims an Airlock schema but cannot be shown), or
 * none of our business (any other JSON, skipped without a word).
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { AirlockError, type ErrorCode } from '../../core/errors.js';
import { AIRLOCK_VERSION } from '../../report/version.js';
import { KINDS, PART_ONLY, type Readout } from './kinds.js';
import type { ReportLimits } from './limits.js';

export type Judged =
  | { status: 'report'; readout: Readout }
  | { status: 'problem'; error: AirlockError }
  /** Not an Airlock report, or not a regular file: not listed, and 404 when asked for. */
  | { status: 'skip' };

/** What the list keeps of a report between walks: its page is made again when asked for. */
type Summary = Omit<Readout, 'render'>;
type Listed =
  | { status: 'report'; bytes: number; summary: Summary }
  | { status: 'problem'; error: AirlockError }
  | { status: 'skip' };

const problem = (
  code: ErrorCode,
  message: string,
  offset?: number,
): { status: 'problem'; error: AirlockError } => ({
  status: 'problem',
  error: new AirlockError(code, message, offset),
});

/**
 * The file at `segments` under `root` (a realpath), opened: no folder on the way may be a link,
 * and the file, when a link, must end inside `root`. Opened without following a link and without
 * blocking (a FIFO named x.json), then checked to be a regular file.
 */
async function openInside(
  root: string,
  segments: readonly string[],
): Promise<{ fh: FileHandle; st: Stats; real: string } | Exclude<Judged, { status: 'report' }>> {
  const folder = join(root, ...segments.slice(0, -1));
  let real: string;
  try {
    if ((await realpath(folder)) !== folder) return { status: 'skip' };
    real = await realpath(join(root, ...segments));
  } catch (err) {
    return ioProblem(err);
  }
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep))
    return problem('AIRLOCK_ERR_IO', 'a link to outside the reports folder: not read');
  let fh: FileHandle;
  try {
    fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return ioProblem(err);
  }
  try {
    const st = await fh.stat();
    if (st.isFile()) return { fh, st, real };
  } catch (err) {
    await fh.close();
    return ioProblem(err);
  }
  await fh.close();
  return { status: 'skip' };
}

/** Node's error code only: its message would name paths the page has no need to show. */
function ioProblem(err: unknown): Exclude<Judged, { status: 'report' }> {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'skip' };
  return problem('AIRLOCK_ERR_IO', `could not be read (${code ?? 'unexpected error'})`);
}

/** The file's bytes as they were at `st` (a report still being written reads as cut short). */
async function readSized(fh: FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const { bytesRead } = await fh.read(buf, got, size - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

async function readJudged(fh: FileHandle, st: Stats, limits: ReportLimits): Promise<Judged> {
  if (st.size > limits.maxBytes)
    return problem(
      'AIRLOCK_ERR_LIMIT',
      `${st.size} bytes: larger than ${limits.maxBytes}, the most a report is read to`,
    );
  return judge(await readSized(fh, st.size));
}

/** Every Airlock writer puts `schema` first: how a file that does not parse still says what it meant to be. */
const CLAIM = /^\s*\{\s*"schema"\s*:\s*"(airlock\.[^"\\]{1,80})"/;

/** The bytes judged: a report, a problem, or not ours. */
function judge(bytes: Uint8Array): Judged {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (text.trim() === '') return problem('AIRLOCK_ERR_EMPTY', 'empty file: no report in it');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const claim = CLAIM.exec(text.slice(0, 4096))?.[1];
    return claim ? notJson(claim, text, err) : { status: 'skip' };
  }
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (typeof value !== 'object' || Array.isArray(value) || typeof schema !== 'string')
    return { status: 'skip' };
  if (!schema.startsWith('airlock.')) return { status: 'skip' };
  const shown = schema.length > 80 ? `${schema.slice(0, 80)}…` : schema;
  const kind = KINDS.get(schema);
  if (!kind) {
    const why = PART_ONLY.get(schema) ?? `not a report this Airlock (${AIRLOCK_VERSION}) reads`;
    return problem('AIRLOCK_ERR_UNSUPPORTED', `${shown}: ${why}`);
  }
  const got = kind.read(value);
  if (got instanceof AirlockError) return problem(got.code, `${shown}: ${got.message}`);
  return { status: 'report', readout: got };
}

/**
 * Where JSON.parse stopped, in bytes; at the end of the text: cut short. V8's message is not
 * passed on (it quotes the text, which need not be the report it claims to be).
 */
function notJson(claim: string, text: string, err: unknown): Exclude<Judged, { status: 'report' }> {
  const msg = String((err as Error)?.message ?? err);
  const at = /at position (\d+)/.exec(msg);
  const pos = at ? Number(at[1]) : /end of JSON input/.test(msg) ? text.length : undefined;
  if (pos === undefined) return problem('AIRLOCK_ERR_MALFORMED', `${claim}: not valid JSON`);
  const offset = Buffer.byteLength(text.slice(0, pos));
  return pos >= text.length
    ? problem(
        'AIRLOCK_ERR_TRUNCATED',
        `${claim}: the JSON ends early, after ${offset} bytes (cut short while written?)`,
        offset,
      )
    : problem('AIRLOCK_ERR_MALFORMED', `${claim}: not valid JSON at byte offset ${offset}`, offset);
}

/** A file read and judged whole, its page ready to render (renderReport). */
export async function loadReport(
  root: string,
  segments: readonly string[],
  limits: ReportLimits,
): Promise<Judged> {
  const opened = await openInside(root, segments);
  if (!('fh' in opened)) return opened;
  try {
    return await readJudged(opened.fh, opened.st, limits);
  } catch (err) {
    return ioProblem(err);
  } finally {
    await opened.fh.close();
  }
}

/**
 * What the list shows of each file, remembered by its identity and times: the dashboard lists
 * the folder on every page, and a 20 MB report is not parsed again until it changes.
 */
const summaryOf = ({ render: _, ...summary }: Readout): Summary => summary;
const memo = new Map<string, { stamp: string; listed: Listed }>();
const MEMO_MAX = 20_000;

export async function listReport(
  root: string,
  segments: readonly string[],
  limits: ReportLimits,
): Promise<Listed> {
  const opened = await openInside(root, segments);
  if (!('fh' in opened)) return opened;
  const { fh, st, real } = opened;
  try {
    const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${limits.maxBytes}`;
    const had = memo.get(real);
    if (had?.stamp === stamp) return had.listed;
    const judged = await readJudged(fh, st, limits);
    const listed: Listed =
      judged.status === 'report'
        ? { status: 'report', bytes: st.size, summary: summaryOf(judged.readout) }
        : judged;
    memo.delete(real);
    memo.set(real, { stamp, listed });
    if (memo.size > MEMO_MAX) memo.delete(memo.keys().next().value as string);
    return listed;
  } catch (err) {
    return ioProblem(err);
  } finally {
    await fh.close();
  }
}
