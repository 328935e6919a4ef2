/**
 * The inspect report as data: one zod schema is the TypeScript type, the runtime check and
 * (through scripts/gen-schema.ts) the shipped JSON Schema, schema/inspect-report.v1.json.
 * Change a field here → regenerate the schema; a test fails while the two differ.
 */
import { z } from 'zod';
import { CATEGORIES } from '../findings/model.js';
import { INSPECT_SCHEMA_ID } from './schema-id.js';

export { INSPECT_SCHEMA_ID };

const range = z.object({ offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() });

const position = z.object({ lat: z.number(), lon: z.number(), alt: z.number().optional() });

const value = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('number'), value: z.number(), unit: z.string().optional() }),
  z.object({ kind: z.literal('position'), position }),
  z.object({ kind: z.literal('time'), text: z.string() }),
  z.object({
    kind: z.literal('block'),
    size: z.number().int().nonnegative(),
    mime: z.string().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    note: z.string().optional(),
  }),
  z.object({
    kind: z.literal('region'),
    x: z.number(),
    y: z.number(),
    width: z.number(),
    height: z.number(),
    score: z.number(),
  }),
]);

export const findingSchema = z.object({
  category: z.enum(CATEGORIES),
  tag: z.string(),
  path: z.array(z.string()),
  ranges: z.array(range),
  value,
  frame: z.number().int().positive().optional(),
  action: z.enum(['keep', 'drop', 'coarsen', 'date-only', 'withhold', 'mask']).optional(),
  actionReason: z.string().optional(),
});

const warning = z.object({ name: z.string(), offset: z.number().optional(), detail: z.string() });

export const FILE_STATUSES = ['read', 'partial', 'not-read', 'error'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

const zoneHit = z.object({
  zone: z.string(),
  role: z.enum(['drone', 'target', 'operator']),
  action: z.enum(['withhold', 'drop-location']),
});

export const fileReportSchema = z.object({
  path: z.string(),
  /** Bytes; null when the entry could not be stat'ed. */
  size: z.number().int().nonnegative().nullable(),
  format: z.string().nullable(),
  status: z.enum(FILE_STATUSES),
  reason: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string(), offset: z.number().optional() }).optional(),
  findings: z.array(findingSchema),
  warnings: z.array(warning),
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  zones: z.array(zoneHit),
});
export type FileReport = z.infer<typeof fileReportSchema>;
export type ZoneHitReport = z.infer<typeof zoneHit>;

export const summarySchema = z.object({
  files: z.number().int().nonnegative(),
  byStatus: z.object({
    read: z.number().int().nonnegative(),
    partial: z.number().int().nonnegative(),
    'not-read': z.number().int().nonnegative(),
    error: z.number().int().nonnegative(),
  }),
  /** Files with at least one sensitive finding (any category but 'display'). */
  sensitiveFiles: z.number().int().nonnegative(),
  findings: z.number().int().nonnegative(),
  byCategory: z.partialRecord(z.enum(CATEGORIES), z.number().int().nonnegative()),
  /** Files with a position inside a protected zone. */
  filesInZones: z.number().int().nonnegative(),
});
export type Summary = z.infer<typeof summarySchema>;

export const inspectReportSchema = z.object({
  schema: z.literal(INSPECT_SCHEMA_ID),
  airlockVersion: z.string(),
  /** policyHash() of the policy the actions were chosen under. */
  policyHash: z.string(),
  generatedAt: z.string(),
  /** The command line, e.g. 'airlock inspect --json media/'. */
  command: z.string(),
  roots: z.array(z.string()),
  files: z.array(fileReportSchema),
  summary: summarySchema,
  /** What the CLI exits with for this report (README, "Exit codes"). */
  exitCode: z.number().int(),
});
export type InspectReport = z.infer<typeof inspectReportSchema>;

/** What a streamed report writes before its first file: every field but files, summary and exitCode. */
export type InspectHeader = Omit<InspectReport, 'files' | 'summary' | 'exitCode'>;
/** What a streamed report writes after its last file. */
export type InspectFooter = Pick<InspectReport, 'summary' | 'exitCode'>;
