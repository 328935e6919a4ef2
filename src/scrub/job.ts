/**
 * One file through scrub: read → plan → rewrite → verify → write a temp output. Runs the same in
 * a worker thread and in the main thread; the durable part (fsync, journal, rename) is done by
 * the main thread for a batch of jobs at once (commit.ts), so a record always precedes its output.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { ChunkSource } from '../core/bytes.js';
import { asAirlockError } from '../core/errors.js';
import { type Piece, PieceSource } from '../core/piece-source.js';
import { BufferSource, type ByteSource, FileSource } from '../core/source.js';
import { type AnalysisResult, analyseSource } from '../media/registry.js';
import { rememberXmpParses } from '../media/xmp/rdf.js';
import type { Policy } from '../policy/index.js';
import type { PendingCommit } from './commit.js';
import { readWhole, sha256, sha256File } from './files.js';
import {
  type DoneFinding,
  type FindingRecord,
  findingRecords,
  keptTags,
  type ManifestRecord,
} from './manifest.js';
import { type FilePlan, type PlannedFinding, planFile, type RewriterLookup } from './plan.js';
import type { ActionCounts } from './record-head.js';
import { TempOutput } from './temp-output.js';
import { type Changed, verifyOutput } from './verify.js';

// The rewriter parses each XMP packet the analysis parsed just before (and the Exif, XMP and
// extended XMP of one file are a few packets): each is parsed once.
rememberXmpParses(4);

/** Files up to this size may be cleaned in memory; bigger ones only by a rewriter that streams. */
export const MAX_CLEAN_BYTES = 1024 ** 3;
/**
 * Files above this size are hashed and analysed in place; those whose rewriter streams (video)
 * are cleaned in place too, the rest read whole (up to MAX_CLEAN_BYTES).
 */
export const STREAM_ABOVE_BYTES = 64 * 1024 ** 2;

export interface JobSpec {
  input: string;
  /** Absolute final output path. */
  output: string;
  /** Output path relative to DIR, '/'-separated: the manifest key. */
  outputRel: string;
  prior?: ManifestRecord;
  /** Output hashes a record ever gave this path: an existing file with one of them is ours to replace. */
  ours: string[];
  /**
   * Whether anything was at `output` when the run listed its jobs (one readdir per output folder,
   * not a lookup per file in a folder other threads are filling). Absent: looked up here. Either
   * way the final rename replaces what appears there after the check, as it always could.
   */
  exists?: boolean;
  force: boolean;
  dryRun: boolean;
  policyHash: string;
  /** This Airlock's version (run.ts): recorded, and a record from another version is redone (matches). */
  version?: string;
  /** The input's size when listed, if known: orders and spreads the batch's work (run.ts). */
  size?: number;
}

export type JobOutcome =
  /** Journal `pending` (GroupCommit) before this counts as done: the record is final only then. */
  | {
      kind: 'done';
      record: ManifestRecord;
      pending: PendingCommit;
      /** Findings per action, when known without reading `record.findings` (from a worker). */
      counts?: ActionCounts;
    }
  /** Its record matches input, policy and output: nothing redone. */
  | { kind: 'skipped'; record: ManifestRecord }
  /** --dry-run: what would happen. */
  | { kind: 'planned'; record: ManifestRecord; note?: string };

export async function scrubOne(
  spec: JobSpec,
  policy: Policy,
  rewriterFor: RewriterLookup,
): Promise<JobOutcome> {
  let release: (() => void) | undefined;
  const opened: FileSource[] = [];
  try {
    return await scrubFile(
      spec,
      policy,
      rewriterFor,
      (path) => {
        const r = readWhole(path);
        release = r.release;
        return r.bytes;
      },
      opened,
    );
  } finally {
    // Nothing the outcome holds points into the input: the buffer serves the next job.
    release?.();
    for (const f of opened) f.close();
  }
}

async function scrubFile(
  spec: JobSpec,
  policy: Policy,
  rewriterFor: RewriterLookup,
  read: (path: string) => Uint8Array,
  /** Inputs kept open for reading in place: closed by the caller once the outcome is written. */
  opened: FileSource[],
): Promise<JobOutcome> {
  const base = (sha: string, size: number, format: string | null): ManifestRecord => ({
    input: spec.input,
    inputSha256: sha,
    inputSize: size,
    output: spec.outputRel,
    status: 'error',
    format,
    policyHash: spec.policyHash,
    findings: [],
    kept: [],
    notes: [],
    finishedAt: new Date().toISOString(),
  });

  /** The clean copy's temp file, started once one will likely be written. */
  let temp: TempOutput | undefined;
  let bytes: Uint8Array | undefined;
  let inputSha: string;
  let size: number;
  let result: AnalysisResult;
  let inPlace: FileSource | undefined;
  try {
    size = statSync(spec.input).size;
    if (size <= STREAM_ABOVE_BYTES) {
      bytes = read(spec.input);
      inputSha = sha256(bytes);
    } else {
      inputSha = sha256File(spec.input);
    }
  } catch (err) {
    const e = asAirlockError(err, spec.input);
    const r = {
      ...base('', 0, null),
      withheld: { why: 'unreadable' as const, detail: e.describe() },
    };
    r.status = 'withheld';
    return finish(r);
  }

  if (!spec.dryRun && spec.prior && matches(spec.prior, inputSha, spec))
    return { kind: 'skipped', record: spec.prior };

  // One source for the analysis and the rewrite: a rewriter follows the walks the analysis made
  // over it (src/media/tiff/exif.ts walkedBefore) instead of making them again.
  // Over a plain Uint8Array view, not the Buffer: the readers take thousands of small views per
  // file, and a Buffer's subarray builds each through Node's JS Buffer constructor.
  const inMemory = (b: Uint8Array): BufferSource =>
    new BufferSource(new Uint8Array(b.buffer, b.byteOffset, b.length));
  let source: ByteSource | undefined = bytes ? inMemory(bytes) : undefined;
  if (source) {
    result = analyseSource(source, spec.input);
  } else {
    // Left open for a rewriter that streams (closed by scrubOne once the copy is written).
    inPlace = FileSource.open(spec.input);
    opened.push(inPlace);
    result = analyseSource(inPlace, spec.input);
  }
  let plan = planFile(result, policy, rewriterFor);
  const record = base(inputSha, size, plan.format);
  /** Faces masked in the picture: recorded with the copy's findings. */
  let maskedFaces: FindingRecord[] = [];
  if (plan.kind !== 'withhold' && policy.media.faces !== 'keep') {
    const { facesStep } = await import('./faces.js');
    const faced = await facesStep(
      plan,
      bytes ?? spec.input,
      () => (bytes ??= read(spec.input)),
      spec.input,
      policy.media,
    );
    if (faced.kind === 'withhold') {
      plan = faced.plan;
      record.findings = faced.findings;
    } else if (faced.kind === 'masked') {
      // The masked picture is what is cleaned: analysed and planned afresh (its metadata is the input's).
      bytes = faced.bytes;
      source = inMemory(bytes);
      result = analyseSource(source, spec.input);
      plan = planFile(result, policy, rewriterFor);
      record.notes.push(faced.note);
      maskedFaces = faced.findings;
    }
  }

  if (plan.kind === 'withhold') {
    record.status = 'withheld';
    record.withheld = {
      why: plan.why,
      detail: plan.detail,
      ...(plan.zones.length ? { zones: plan.zones } : {}),
    };
    if (plan.why === 'zone')
      record.findings = findingRecords(
        result.findings.map((finding) => ({ finding, decision: { action: 'drop' } })),
      );
    if (spec.dryRun) return { kind: 'planned', record };
    return finish(record, { removeOurs: true });
  }
  if (!source) {
    if (plan.kind === 'rewrite' && plan.rewriter.streams) source = inPlace;
    else if (size <= MAX_CLEAN_BYTES) {
      bytes = read(spec.input);
      source = inMemory(bytes);
    }
  }
  if (!source) {
    record.error = `larger than ${MAX_CLEAN_BYTES} bytes: too large to clean in memory`;
    return finish(record);
  }
  // From here a clean copy is likely: its temp file is made while the file is cleaned.
  if (!spec.dryRun) temp = TempOutput.start(spec.output);
  if (plan.kind === 'copy') {
    record.status = 'copied';
    record.notes = [plan.detail];
    record.outputSha256 = inputSha;
    // A copy of a file kept in place is written from it block by block.
    return finish(
      record,
      bytes ? { chunks: [bytes] } : { pieces: [{ offset: 0, length: size }], input: source },
    );
  }
  return rewrite(plan, source, record);

  async function rewrite(
    plan: Extract<FilePlan, { kind: 'rewrite' }>,
    input: ByteSource,
    record: ManifestRecord,
  ): Promise<JobOutcome> {
    // The plan as the record states it, made once the copy is verified: then from what the copy
    // holds (most JPEGs lose their thumbnail IFD's keeps), from the plan on any failure.
    const asPlanned = (): void => {
      record.findings = findingRecords(plan.planned);
      record.kept = keptTags(plan.planned);
    };
    if (plan.zones.length)
      record.notes.push(`location dropped: inside ${plan.zones.map((z) => z.zone).join(', ')}`);
    // A dry run rewrites and verifies too, in memory: its plan says what the copy would hold
    // (what goes with a container, a verification failure), not only what the policy asks.
    let out: Written;
    try {
      // The analysis above read the whole file: the rewriter starts from its findings.
      const known = result.status === 'read' ? result.findings : undefined;
      const r = plan.rewriter.rewrite(input, plan.decide, known);
      out = r.pieces ? { pieces: r.pieces, input } : { chunks: r.chunks ?? [r.bytes] };
      record.notes.push(...r.notes);
      // The rewriter's own source over the output when it has one: walks shared (types.ts).
      const outSource =
        r.source ?? ('pieces' in out ? new PieceSource(out.pieces, input) : new ChunkSource(out.chunks));
      // The copy's findings are new to the plan: asked afresh, not looked up among the planned.
      const v = verifyOutput(outSource, spec.input, plan.format, plan.planned, plan.decideAfresh, r);
      if (r.imageHashIn !== undefined) record.imageHashIn = r.imageHashIn;
      if (r.imageHashOut !== undefined) record.imageHashOut = r.imageHashOut;
      if (!v.ok) {
        asPlanned();
        record.status = 'verify-failed';
        record.problems = v.problems;
        record.error = `verification failed: ${v.problems[0]}`;
        return finish(record);
      }
      if (v.lost.length > 0 || v.changed.length > 0) {
        // The manifest says what the copy holds: what went with its container is recorded as
        // gone, a kept value the copy holds otherwise as replaced.
        const done = asDone(plan.planned, v.lost, v.changed);
        record.findings = findingRecords(done);
        record.kept = keptTags(done);
        if (v.lost.length > 0) record.notes.push(lostNote(v.lost));
        if (v.changed.length > 0) record.notes.push(changedNote(v.changed));
      } else asPlanned();
      record.findings.push(...maskedFaces);
    } catch (err) {
      asPlanned();
      // The record and every line that shows it name the input already.
      record.error = `rewrite failed: ${asAirlockError(err, spec.input).describe(false)}`;
      return finish(record);
    }
    record.status = 'clean';
    // outputSha256: taken by the write itself, over exactly the bytes it wrote (finish).
    return finish(record, { ...out, hashOutput: true });
  }

  /**
   * Leave the output in a temp file beside its final name (no fsync here) and hand back what is
   * still to be made durable: the record, journalled and then the temp renamed, a batch at a time
   * by the main thread (commit.ts). Only a record can make an output appear under its final name.
   */
  async function finish(
    record: ManifestRecord,
    opts: (Written | { chunks?: undefined }) & { removeOurs?: boolean; hashOutput?: boolean } = {},
  ): Promise<JobOutcome> {
    const writes = 'pieces' in opts || 'chunks' in opts;
    record.finishedAt = new Date().toISOString();
    if (spec.version !== undefined) record.airlockVersion = spec.version;
    // No output of its own: what an earlier run wrote there stays known as Airlock's (loadPrior).
    const owned = (r: ManifestRecord): ManifestRecord => {
      if (r.outputSha256 === undefined && spec.ours.length > 0) r.ownedSha256 = [...spec.ours];
      else delete r.ownedSha256;
      return r;
    };
    if (spec.dryRun) {
      // What the run would refuse, the plan says it refuses: an error, and the run's exit code.
      const refusal = writes ? refused() : undefined;
      if (refusal === undefined) return { kind: 'planned', record };
      const failed: ManifestRecord = { ...record, status: 'error', error: refusal };
      delete failed.outputSha256;
      return { kind: 'planned', record: failed };
    }
    const started = temp;
    temp = undefined;
    if (!writes) {
      await started?.discard();
      const there = opts.removeOurs && spec.ours.length > 0 ? outputHash(spec) : undefined;
      const stale = there !== undefined && spec.ours.includes(there);
      owned(record);
      return {
        kind: 'done',
        record,
        pending: { record, output: spec.output, ...(stale ? { removeStale: true } : {}) },
      };
    }
    const out = started ?? TempOutput.start(spec.output);
    try {
      const refusal = refused();
      if (refusal !== undefined) {
        await out.discard();
        throw new Error(refusal);
      }
      const hash = opts.hashOutput ? createHash('sha256') : undefined;
      const size = await out.write(blocksOf(opts as Written), hash);
      if (hash) record.outputSha256 = hash.digest('hex');
      owned(record);
      // Serialised here, in parallel, rather than by the main thread for its journal.
      const line = JSON.stringify(record);
      return {
        kind: 'done',
        record,
        pending: {
          record,
          output: spec.output,
          tmp: out.path,
          size,
          line,
          ...(spec.ours.length > 0 ? { ours: spec.ours } : {}),
        },
      };
    } catch (err) {
      // Whatever failed before the write (reading an existing output), the temp goes too.
      await out.discard();
      const e = err as NodeJS.ErrnoException;
      const failed: ManifestRecord = { ...record, status: 'error' };
      delete failed.outputSha256;
      failed.error = e?.code ? `cannot write ${spec.output}: ${e.message}` : String(e?.message ?? e);
      owned(failed);
      return { kind: 'done', record: failed, pending: { record: failed, output: spec.output } };
    }
  }

  /** Why the output may not be replaced (something there that no record of ours wrote, no --force); else undefined. */
  function refused(): string | undefined {
    const there = spec.force ? undefined : outputHash(spec);
    if (there === undefined || spec.ours.includes(there)) return undefined;
    return spec.ours.length > 0 || spec.prior
      ? `${spec.output} exists and was changed since Airlock wrote it (its SHA-256 matches no manifest record for it): not overwritten (use --force)`
      : `${spec.output} exists and no manifest record says Airlock wrote it: not overwritten (use --force)`;
  }
}

/** A clean copy to write: pieces in memory, or pieces and ranges of an input read in place. */
type Written = { chunks: readonly Uint8Array[] } | { pieces: readonly Piece[]; input: ByteSource };

/** The bytes of a copy in order: an array when all are in memory, else blocks read as written. */
function blocksOf(w: Written): readonly Uint8Array[] | Iterable<Uint8Array> {
  if ('chunks' in w) return w.chunks;
  const { pieces, input } = w;
  if (input instanceof BufferSource)
    return pieces.map((p) => (p instanceof Uint8Array ? p : input.read(p.offset, p.length)));
  return new PieceSource(pieces, input).blocks();
}

/** Whether a previous record already covers this input under this policy, output included. */
function matches(prior: ManifestRecord, inputSha: string, spec: JobSpec): boolean {
  if (prior.inputSha256 !== inputSha || prior.policyHash !== spec.policyHash) return false;
  // Another Airlock made it (or one that recorded no version): a scrubber fix must reach trees
  // already scrubbed, so it is redone; its output is in `ours`, so it is replaced.
  if (prior.airlockVersion !== spec.version) return false;
  if (prior.status === 'clean' || prior.status === 'copied') {
    return prior.outputSha256 !== undefined && outputHash(spec) === prior.outputSha256;
  }
  // A zone, a flight record, faces or an empty file stays withheld under the same policy (the
  // detector gives the same answer for the same bytes); an unreadable or unsupported file is
  // tried again (a newer Airlock may read it).
  return (
    prior.status === 'withheld' &&
    ['zone', 'flight-record', 'faces', 'empty'].includes(prior.withheld?.why ?? '') &&
    !(spec.exists ?? existsSync(spec.output))
  );
}

/** SHA-256 of what is at the output now; undefined when nothing is (none when listed, or gone since). */
function outputHash(spec: JobSpec): string | undefined {
  if (!(spec.exists ?? existsSync(spec.output))) return undefined;
  try {
    return sha256File(spec.output);
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The plan as the copy holds it (verify.ts): each lost finding recorded as dropped, each changed
 * keep as replaced by the value the copy holds, with what the policy asked.
 */
function asDone(
  planned: readonly PlannedFinding[],
  lost: readonly PlannedFinding[],
  changed: readonly Changed[],
): DoneFinding[] {
  const gone = new Set(lost);
  const other = new Map(changed.map((c) => [c.planned, c.value]));
  return planned.map((p) => {
    if (p.decision.action === 'drop') return p;
    if (gone.has(p)) return { finding: p.finding, decision: { action: 'drop' }, asked: p.decision.action };
    const value = other.get(p);
    return value ? { finding: p.finding, decision: { action: 'replace', value }, asked: 'keep' } : p;
  });
}

const NAMED = 12;

/** The first NAMED distinct tags, and how many more. */
function someTags(planned: readonly PlannedFinding[]): string {
  const tags = [...new Set(planned.map((p) => p.finding.tag))];
  return tags.slice(0, NAMED).join(', ') + (tags.length > NAMED ? `, and ${tags.length - NAMED} more` : '');
}

function lostNote(lost: readonly PlannedFinding[]): string {
  return `${lost.length} finding(s) the policy keeps went with a container removed whole (see each finding's "asked"): ${someTags(lost)}`;
}

function changedNote(changed: readonly Changed[]): string {
  return `${changed.length} finding(s) the policy keeps hold another value in the copy, rewritten with the value they qualify or point to (see each finding's "asked"): ${someTags(changed.map((c) => c.planned))}`;
}
