/**
 * The audit shell: captures are streamed from disk through one Auditor (so names learnt from one
 * capture's DNS serve the next, and budgets run across them), each capture's health is recorded,
 * and the report is assembled. A capture that was not read whole makes the report's exit code 2:
 * one the reader could not go on with, and as much one whose records were skipped or cut off, or
 * whose packets could not be decoded (damaged, or of a link type Airlock does not read), since
 * the audit cannot speak for what those held. What was read is still reported. Otherwise exit 1
 * when a connection would have been blocked or cut, or a client stream could not be read as the
 * gateway's stack reads it (a 'stream-ambiguous' warning says which and why).
 */
import { statSync } from 'node:fs';
import { AirlockError, asAirlockError, type ErrorCode } from '../core/errors.js';
import { isoTimeOfNs } from '../core/iso-time.js';
import { readCaptureFileBatches } from '../net/capture/file.js';
import { CaptureReader } from '../net/capture/reader.js';
import type { CapturedPacket } from '../net/capture/types.js';
import type { NetWarning } from '../net/decode/warning.js';
import type { Dissected } from '../net/flow/dissect.js';
import type { UnlockWindow } from '../policy/egress/types.js';
import { policyHash } from '../policy/hash.js';
import type { Policy } from '../policy/types.js';
import { AUDIT_SCHEMA_ID, type AuditReport, type CaptureReport } from '../report/audit/model.js';
import { EXIT } from '../report/exit-codes.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { Auditor, type AuditorOptions } from './auditor.js';
import { describeDestination } from './describe.js';
import { AUDIT_LIMITS } from './limits.js';
import { VERDICT_THRESHOLDS } from './thresholds.js';

export interface AuditOptions {
  policy: Policy;
  /** Unlock windows from the store (loaded by the caller: see windows.ts). */
  windows?: UnlockWindow[];
  /** The store they came from, for the report. */
  storePath?: string;
  command?: string;
  /** Fixed clock for reproducible reports (tests). */
  now?: Date;
  /** Each flow as it ends, judged: the per-connection answers the report sums per destination. */
  onFlow?: AuditorOptions['onFlow'];
  /** Each DNS query as it is judged. */
  onDnsQuery?: AuditorOptions['onDnsQuery'];
}

/** One kind of what a capture lost (a record skipped, packets not decoded): where it was first met, and how often. */
interface Loss {
  readonly code: ErrorCode;
  readonly offset: number;
  /** In words, given how many times it happened. */
  readonly text: (count: number) => string;
  count: number;
}

const packets = (n: number): string => `${n} packet${n === 1 ? '' : 's'}`;

type Warning = CaptureReport['warnings'][number];

class CaptureTally {
  readonly r: CaptureReport;
  private firstNs: bigint | undefined;
  private lastNs: bigint | undefined;
  /** By kind, in the order first met (file order): the report's error when the read itself went on. */
  private readonly losses = new Map<string, Loss>();
  /** Packets not decoded at all: damaged below the transport header, or of an unsupported link type. */
  private undecoded = 0;
  /** Packets cut by the snap length: their count, the first's lengths, and the one warning that says so (when kept). */
  private snapped = 0;
  private firstSnapped = { captured: 0, original: 0 };
  private snapWarning: Warning | undefined;

  constructor(path: string) {
    let size: number | null = null;
    try {
      size = statSync(path).size;
    } catch {}
    this.r = {
      path,
      size,
      format: null,
      status: 'read',
      packets: 0,
      capturedBytes: 0,
      firstSeen: null,
      lastSeen: null,
      blockCounts: {},
      linkTypes: {},
      unsupportedLinks: {},
      damaged: { link: 0, ip: 0, transport: 0 },
      warnings: [],
      warningsDropped: 0,
    };
  }

  /** A warning for the report; one that says capture bytes were skipped is a loss too. */
  warn(w: NetWarning): Warning | undefined {
    if (w.lost && !this.counted(w.name))
      this.losses.set(w.name, {
        code: w.name === 'truncated-tail' ? 'AIRLOCK_ERR_TRUNCATED' : 'AIRLOCK_ERR_MALFORMED',
        offset: w.offset,
        text: (n) => `${w.detail}${n > 1 ? ` (and ${n - 1} more ${w.name})` : ''}`,
        count: 1,
      });
    if (this.r.warnings.length >= AUDIT_LIMITS.maxWarningsPerCapture) {
      this.r.warningsDropped++;
      return undefined;
    }
    const kept = { name: w.name, offset: w.offset, detail: w.detail };
    this.r.warnings.push(kept);
    return kept;
  }

  packet(p: CapturedPacket): void {
    const { ts, linkType } = p;
    this.r.packets++;
    this.r.capturedBytes += p.capturedLength;
    const lt = this.r.linkTypes;
    lt[linkType] = (lt[linkType] ?? 0) + 1;
    if (this.firstNs === undefined || ts < this.firstNs) this.firstNs = ts;
    if (this.lastNs === undefined || ts > this.lastNs) this.lastNs = ts;
    if (p.capturedLength < p.originalLength && this.snapped++ === 0) {
      // One warning for the capture, its count filled in at the end.
      this.firstSnapped = { captured: p.capturedLength, original: p.originalLength };
      this.snapWarning = this.warn({ name: 'snapped', offset: p.recordOffset, detail: '' });
    }
  }

  /** What the dissector made of the packet just counted: a damaged or unsupported one is a loss. */
  dissected(p: CapturedPacket, d: Dissected): void {
    if (d.link?.network === 'unsupported-link') {
      this.undecoded++;
      if (!this.counted('unsupported-link'))
        this.losses.set('unsupported-link', {
          code: 'AIRLOCK_ERR_UNSUPPORTED',
          offset: p.recordOffset,
          text: (n) => `${packets(n)} of a link type Airlock does not read`,
          count: 1,
        });
      return;
    }
    const problem = d.problem;
    if (!problem) return;
    const n = this.r.packets;
    if (problem.layer !== 'transport') this.undecoded++;
    this.r.damaged[problem.layer]++;
    const kind = problem.kind === 'need' ? 'truncated' : 'malformed';
    const detail = `packet ${n}: ${problem.error.message}${problem.error.offset !== undefined ? ` (at byte ${problem.error.offset} of the layer)` : ''}`;
    this.warn({ name: `${problem.layer}-${kind}`, offset: p.recordOffset, detail });
    if (!this.counted('damaged-packet'))
      this.losses.set('damaged-packet', {
        code: problem.error.code,
        offset: p.recordOffset,
        text: (n) => `${packets(n)} whose headers could not be read (the first, ${detail})`,
        count: 1,
      });
  }

  /** Counts one more loss of `kind` when one was met before; false for the first (the caller records it). */
  private counted(kind: string): boolean {
    const l = this.losses.get(kind);
    if (l) l.count++;
    return l !== undefined;
  }

  done(
    reader: CaptureReader,
    unsupported: Map<number, number>,
    before: Map<number, number>,
    error?: AirlockError,
  ): CaptureReport {
    this.r.format = reader.format ?? null;
    this.r.blockCounts = { ...reader.blockCounts };
    for (const [lt, n] of unsupported) {
      const d = n - (before.get(lt) ?? 0);
      if (d > 0) this.r.unsupportedLinks[lt] = d;
    }
    const iso = (ns: bigint | undefined) => (ns === undefined ? null : isoTimeOfNs(ns));
    this.r.firstSeen = iso(this.firstNs);
    this.r.lastSeen = iso(this.lastNs);
    if (this.snapWarning) this.snapWarning.detail = snappedDetail(this.snapped, this.firstSnapped);
    if (error) {
      this.r.status = this.r.packets > 0 ? 'partial' : 'not-read';
      this.r.error = {
        code: error.code,
        message: error.message,
        ...(error.offset !== undefined ? { offset: error.offset } : {}),
      };
    } else if (this.losses.size > 0) {
      // Read to its end, but not whole: the first loss names where, the message every kind.
      const [first, ...more] = this.losses.values();
      const parts = [
        first!.text(first!.count),
        ...more.map((l) => `${l.text(l.count)} from offset ${l.offset}`),
      ];
      this.r.status = this.r.packets > this.undecoded ? 'partial' : 'not-read';
      this.r.error = {
        code: first!.code,
        message: `not read whole: ${parts.join('; ')}`,
        offset: first!.offset,
      };
    }
    return this.r;
  }
}

/** What a capture cut by its snap length did not give the audit, and what it counts instead. */
function snappedDetail(count: number, first: { captured: number; original: number }): string {
  return (
    `${count} packet${count === 1 ? ' was' : 's were'} cut by the capture's snap length (the first: ${first.captured} of ${first.original} bytes kept): ` +
    "payload past the cut (a TLS SNI, an HTTP Host, a DNS answer) was not read; bytes up and down are counted from the IP and TCP headers' lengths"
  );
}

export async function auditCaptures(paths: readonly string[], opts: AuditOptions): Promise<AuditReport> {
  let tally: CaptureTally | undefined;
  const auditor = new Auditor(opts.policy, {
    ...(opts.windows ? { windows: opts.windows } : {}),
    warn: (w) => tally?.warn(w),
    ...(opts.onFlow ? { onFlow: opts.onFlow } : {}),
    ...(opts.onDnsQuery ? { onDnsQuery: opts.onDnsQuery } : {}),
  });
  const captures: CaptureReport[] = [];
  for (const path of paths) {
    const t = new CaptureTally(path);
    tally = t;
    const reader = new CaptureReader();
    const before = new Map(auditor.dissector.unsupportedLinks);
    let error: AirlockError | undefined;
    try {
      for await (const batch of readCaptureFileBatches(path, reader)) {
        for (const item of batch) {
          if (item.kind === 'warning') {
            t.warn(item.warning);
            continue;
          }
          const p = item.packet;
          t.packet(p);
          t.dissected(p, auditor.packet(p));
        }
      }
    } catch (e) {
      error = e instanceof AirlockError ? e : asAirlockError(e, path);
    }
    captures.push(t.done(reader, auditor.dissector.unsupportedLinks, before, error));
  }
  tally = undefined;
  const destinations = auditor.finish().map((d) => describeDestination(d, opts.policy));
  const sum = (f: (d: (typeof destinations)[number]) => number) => destinations.reduce((a, d) => a + f(d), 0);
  const byOutcome = {
    allowed: sum((d) => d.outcome.allowed),
    blocked: sum((d) => d.outcome.blocked),
    cut: sum((d) => d.outcome.cut),
    unheard: sum((d) => d.outcome.unheard ?? 0),
  };
  const exitCode = captures.some((c) => c.status !== 'read')
    ? EXIT.ERROR
    : byOutcome.blocked + byOutcome.cut > 0 || auditor.ambiguous > 0
      ? EXIT.SENSITIVE
      : EXIT.OK;
  return {
    schema: AUDIT_SCHEMA_ID,
    airlockVersion: AIRLOCK_VERSION,
    policyHash: policyHash(opts.policy),
    policyMode: opts.policy.network.mode,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    command: opts.command ?? `airlock audit ${paths.join(' ')}`,
    store: opts.storePath ?? null,
    unlockWindows: opts.windows?.length ?? 0,
    thresholds: { ...VERDICT_THRESHOLDS },
    captures,
    destinations,
    destinationsFolded: auditor.overflowed,
    summary: {
      egress: destinations.filter((d) => d.scope === 'egress').length,
      local: destinations.filter((d) => d.scope === 'local').length,
      connections: sum((d) => d.connections),
      origBytes: sum((d) => d.orig.bytes),
      respBytes: sum((d) => d.resp.bytes),
      byVerdict: {
        upload: destinations.filter((d) => d.verdict === 'upload').length,
        download: destinations.filter((d) => d.verdict === 'download').length,
        control: destinations.filter((d) => d.verdict === 'control').length,
      },
      byOutcome,
    },
    exitCode,
  };
}
