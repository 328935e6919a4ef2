/**
 * The audit shell: captures are streamed from disk through one Auditor (so names learnt from one
 * capture's DNS serve the next, and budgets run across them), each capture's health is recorded,
 * and the report is assembled. A capture that cannot be read to its end makes the report's exit
 * code 2; what was read before the error is still reported.
 */
import { statSync } from 'node:fs';
import { AirlockError, asAirlockError } from '../core/errors.js';
import { isoTimeOfNs } from '../core/iso-time.js';
import { readCaptureFileBatches } from '../net/capture/file.js';
import { CaptureReader } from '../net/capture/reader.js';
import type { NetWarning } from '../net/decode/warning.js';
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

class CaptureTally {
  readonly r: CaptureReport;
  private firstNs: bigint | undefined;
  private lastNs: bigint | undefined;

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

  warn(w: NetWarning): void {
    if (this.r.warnings.length < AUDIT_LIMITS.maxWarningsPerCapture) this.r.warnings.push({ ...w });
    else this.r.warningsDropped++;
  }

  packet(ts: bigint, linkType: number, bytes: number): void {
    this.r.packets++;
    this.r.capturedBytes += bytes;
    const lt = this.r.linkTypes;
    lt[linkType] = (lt[linkType] ?? 0) + 1;
    if (this.firstNs === undefined || ts < this.firstNs) this.firstNs = ts;
    if (this.lastNs === undefined || ts > this.lastNs) this.lastNs = ts;
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
    if (error) {
      this.r.status = this.r.packets > 0 ? 'partial' : 'not-read';
      this.r.error = {
        code: error.code,
        message: error.message,
        ...(error.offset !== undefined ? { offset: error.offset } : {}),
      };
    }
    return this.r;
  }
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
          t.packet(p.ts, p.linkType, p.capturedLength);
          const problem = auditor.packet(p);
          if (problem) {
            t.r.damaged[problem.layer]++;
            t.warn({
              name: `${problem.layer}-${problem.kind === 'need' ? 'truncated' : 'malformed'}`,
              offset: p.recordOffset,
              detail: `packet ${t.r.packets}: ${problem.error.message}${problem.error.offset !== undefined ? ` (at byte ${problem.error.offset} of the layer)` : ''}`,
            });
          }
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
    : byOutcome.blocked + byOutcome.cut > 0
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
