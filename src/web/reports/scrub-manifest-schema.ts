/**
 * The scrub manifest (src/scrub/manifest.ts) as read back by the dashboard. Scrub's own reader
 * (loadPrior) checks only what a resume needs (`schema`, each record's `output`), so a page
 * rendered from a manifest needs this fuller check. The two type assertions at the end fail to
 * compile when this schema and the Manifest interface drift apart.
 */
import { z } from 'zod';
import { findingSchema } from '../../report/model.js';
import { MANIFEST_SCHEMA, type Manifest } from '../../scrub/manifest.js';

const count = z.number().int().nonnegative();

const zoneHit = z.object({
  zone: z.string(),
  role: z.enum(['drone', 'target', 'operator']),
  action: z.enum(['withhold', 'drop-location']),
});

const findingRecord = z.object({
  category: z.string(),
  tag: z.string(),
  path: z.string(),
  action: z.enum(['keep', 'drop', 'replace']),
  count,
  written: findingSchema.shape.value.optional(),
  asked: z.enum(['keep', 'replace']).optional(),
});

const record = z.object({
  input: z.string(),
  inputSha256: z.string(),
  inputSize: count,
  output: z.string(),
  outputSha256: z.string().optional(),
  status: z.enum(['clean', 'copied', 'withheld', 'error', 'verify-failed']),
  format: z.string().nullable(),
  policyHash: z.string(),
  withheld: z
    .object({
      why: z.enum(['zone', 'unreadable', 'unsupported', 'flight-record', 'faces', 'empty', 'error']),
      detail: z.string(),
      zones: z.array(zoneHit).optional(),
    })
    .optional(),
  error: z.string().optional(),
  problems: z.array(z.string()).optional(),
  findings: z.array(findingRecord),
  kept: z.array(z.string()),
  notes: z.array(z.string()),
  imageHashIn: z.string().optional(),
  imageHashOut: z.string().optional(),
  ownedSha256: z.array(z.string()).optional(),
  airlockVersion: z.string().optional(),
  finishedAt: z.string(),
});

export const scrubManifestSchema = z.object({
  schema: z.literal(MANIFEST_SCHEMA),
  airlockVersion: z.string(),
  policyHash: z.string(),
  conventions: z.record(z.string(), z.string()),
  updatedAt: z.string(),
  complete: z.boolean(),
  files: z.array(record),
});

// Both ways: what this schema gives is a Manifest, and every Manifest scrub writes passes it.
type Is<T extends true> = T;
export type _ReadIsManifest = Is<z.output<typeof scrubManifestSchema> extends Manifest ? true : false>;
export type _ManifestIsRead = Is<Manifest extends z.input<typeof scrubManifestSchema> ? true : false>;
