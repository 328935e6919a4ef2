/**
 * The audit report as data: one zod schema is the TypeScript type, the runtime check and (through
 * scripts/gen-schema.mjs) the shipped JSON Schema, schema/audit-report.v1.json. Byte and packet
 * counts speak Zeek's conn.log: orig = the side that opened the connection, resp = the other;
 * `bytes` = transport payload as its headers declare it (tshark's tcp.len: a capture cut by its
 * snap length still counts every byte sent), `ipBytes` = IP datagram lengths, `pkts` = packets.
 */
import { z } from 'zod';
import { UNHEARD_REASONS, type UnheardReason } from '../../audit/destination.js';
import { PURPOSES } from '../../catalog/types.js';
import { FRONT_REASONS, type FrontReason } from '../../net/app/transparent-front.js';
import { REASONS } from '../../policy/egress/types.js';

export const AUDIT_SCHEMA_ID = 'airlock.audit/1';

const count = z.number().int().nonnegative();

/**
 * A connection's reason: the gate's (policy/egress REASONS), a transparent front's refusal
 * (net/app/transparent-front.ts), or the gateway's for a head that never came (audit/destination.ts).
 */
type Reason = keyof typeof REASONS | FrontReason | UnheardReason;
const REASON_NAMES: Reason[] = [
  ...(Object.keys(REASONS) as (keyof typeof REASONS)[]),
  ...FRONT_REASONS,
  ...UNHEARD_REASONS,
];
const reason = z.enum(REASON_NAMES as [Reason, ...Reason[]]);
const direction = z.object({ bytes: count, ipBytes: count, pkts: count });
const warning = z.object({ name: z.string(), offset: z.number().optional(), detail: z.string() });

export const CAPTURE_STATUSES = ['read', 'partial', 'not-read'] as const;

export const captureReportSchema = z.object({
  path: z.string(),
  size: count.nullable(),
  format: z.enum(['pcap', 'pcapng']).nullable(),
  /** read: to the end (warnings possible); partial: an unrecoverable error after some packets; not-read: none. */
  status: z.enum(CAPTURE_STATUSES),
  error: z.object({ code: z.string(), message: z.string(), offset: z.number().optional() }).optional(),
  packets: count,
  /** Captured bytes of those packets. */
  capturedBytes: count,
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  /** pcap records / pcapng blocks by type. */
  blockCounts: z.record(z.string(), count),
  /** Packets by LINKTYPE_*. */
  linkTypes: z.record(z.string(), count),
  /** Packets of link types Airlock does not read, by LINKTYPE_* (counted, not decoded). */
  unsupportedLinks: z.record(z.string(), count),
  /** Packets whose link, IP or transport header could not be read whole. */
  damaged: z.object({ link: count, ip: count, transport: count }),
  warnings: z.array(warning),
  /** Warnings beyond the ones listed. */
  warningsDropped: count,
});
export type CaptureReport = z.infer<typeof captureReportSchema>;

const catalogSchema = z.object({
  host: z.string(),
  purposes: z.array(z.enum(PURPOSES)),
  vendor: z.string(),
  label: z.string(),
  evidence: z.enum(['host', 'service']),
  sources: z.array(
    z.object({
      kind: z.enum(['audit', 'vendor-docs', 'decompiled-code']),
      ref: z.string(),
      note: z.string(),
    }),
  ),
});

export const WINDOW_PROBLEMS = ['bad-mac', 'no-mac', 'unverified', 'chain-mismatch'] as const;

export const OUTCOMES = ['allowed', 'blocked', 'cut', 'mixed', 'unheard'] as const;

export const destinationSchema = z.object({
  scope: z.enum(['egress', 'local']),
  /** The name the device used (SNI, QUIC SNI, HTTP Host, else its DNS answer); null when none. */
  name: z.string().nullable(),
  /**
   * How the name was learnt (several when connections differ); 'claim': the connection named none
   * and the policy's allowlist entry claims unnamed connections on its port (claimsUnnamed).
   */
  nameSources: z.array(z.enum(['sni', 'quic-sni', 'http-host', 'dns', 'claim', 'none'])),
  /** Encrypted Client Hello: the name is the outer one; the real name is hidden. */
  echInnerHidden: z.boolean(),
  alpn: z.array(z.string()),
  ips: z.array(z.string()),
  port: count,
  protocol: z.string(),
  connections: count,
  orig: direction,
  resp: direction,
  firstSeen: z.string(),
  lastSeen: z.string(),
  /** The catalog entry for the name; null when unknown (never guessed). */
  catalog: catalogSchema.nullable(),
  verdict: z.enum(['upload', 'download', 'control']),
  verdictReason: z.string(),
  /**
   * The largest payload one connection sent, and the largest over a rolling hour: stream bytes,
   * each byte once by TCP sequence number (a retransmission not again), as the gateway's budgets
   * count them.
   */
  maxConnectionUp: count,
  maxHourUp: count,
  budget: z.object({ perConnection: z.number(), perHour: z.number() }),
  outcome: z.object({
    /**
     * What the policy would have done: every connection allowed, blocked at connect, cut, or a mix
     * of those; unheard when no connection sent its head (its client closed first, or the
     * gateway's handshake timeout ran out), so the policy was never asked.
     */
    kind: z.enum(OUTCOMES),
    allowed: count,
    blocked: count,
    cut: count,
    /**
     * Connections whose head never came (UNHEARD_REASONS): nothing asked, nothing left. Absent in
     * reports written before they were counted apart (then among `blocked`).
     */
    unheard: count.optional(),
    /** The first cut connection's bytes passed before the cut. */
    cutAfterBytes: count.optional(),
    /** The gate's reasons, the transparent fronts' refusals (FRONT_REASONS), and no head (UNHEARD_REASONS). */
    reasons: z.array(reason),
    detail: z.string(),
  }),
  dns: z.object({ queries: count, blocked: count }).optional(),
  /**
   * Connections that were forward-proxy requests (CONNECT, or an absolute URI) to this destination,
   * judged by their target as the gateway's proxy judges them, and the proxies ('ip:port') they
   * went to; absent when none. `ips` lists only addresses the capture shows connections reaching:
   * a proxy request to a name has none (the proxy resolves it).
   */
  viaProxy: z.object({ connections: count, proxies: z.array(z.string()) }).optional(),
  /** Bytes up over time (stream bytes, as maxHourUp): bins of binMs milliseconds starting at startMs (epoch ms). */
  timeline: z.object({ binMs: z.number().positive(), bins: z.array(z.tuple([z.number(), count])) }),
});
export type DestinationReport = z.infer<typeof destinationSchema>;

/** One unlock window as the store holds it (a forged row's columns may hold anything: numbers here). */
const unlockWindowSchema = z.object({
  id: count,
  host: z.string(),
  fromMs: z.number(),
  untilMs: z.number(),
  reason: z.string(),
});

/**
 * Unlock windows are authenticated by the store's HMAC key (store/window-mac.ts). `verified`: each
 * window's MAC was checked, and, when it held, the window against its latest chained unlock row;
 * those that pass are `applied`, those that fail either are listed in `unauthenticated` and NOT
 * applied. `unverified`: the key could not be read (`detail` says why), so no window was applied:
 * each is listed with problem `unverified` (whoever can write the database could have added it).
 */
export const windowCheckSchema = z.object({
  status: z.enum(['verified', 'unverified']),
  detail: z.string().optional(),
  /** The windows applied to the replay; absent in reports written before they were listed. */
  applied: z.array(unlockWindowSchema).optional(),
  unauthenticated: z.array(
    unlockWindowSchema.extend({
      /**
       * bad-mac: forged, or edited in the database; no-mac: written before windows had MACs, or
       * inserted directly; unverified: there was no key to check it with; chain-mismatch: its MAC
       * checks but it is not what its latest chained unlock row says, or no such row records it
       * (an earlier authentic state put back in the database, e.g. a relocked window restored).
       */
      problem: z.enum(WINDOW_PROBLEMS),
      /** chain-mismatch: how the window differs from the chain, in words ('it is not what …'). */
      detail: z.string().optional(),
    }),
  ),
});
export type WindowCheck = z.infer<typeof windowCheckSchema>;

export const auditReportSchema = z.object({
  schema: z.literal(AUDIT_SCHEMA_ID),
  airlockVersion: z.string(),
  /** policyHash() of the policy replayed. */
  policyHash: z.string(),
  policyMode: z.enum(['sealed', 'one-way', 'monitor']),
  generatedAt: z.string(),
  command: z.string(),
  /** The store the unlock windows came from (null: none used), and how many windows were applied. */
  store: z.string().nullable(),
  unlockWindows: count,
  /** How the store's windows were authenticated; absent when no store was read. */
  unlockWindowCheck: windowCheckSchema.optional(),
  thresholds: z.object({ controlMaxBytes: count, downloadRatio: z.number(), hourMs: count }),
  captures: z.array(captureReportSchema),
  destinations: z.array(destinationSchema),
  /** Destinations beyond the report's limit were folded into one row per scope. */
  destinationsFolded: z.boolean(),
  summary: z.object({
    egress: count,
    local: count,
    connections: count,
    origBytes: count,
    respBytes: count,
    byVerdict: z.object({ upload: count, download: count, control: count }),
    /** Connections by what the policy would have done; unheard: no head came, the policy was never asked. */
    byOutcome: z.object({ allowed: count, blocked: count, cut: count, unheard: count.optional() }),
  }),
  /** 2: a capture not fully read; 1: the policy would have blocked or cut something (unheard connections do not count); else 0. */
  exitCode: z.number().int(),
});
export type AuditReport = z.infer<typeof auditReportSchema>;
