/**
 * What `airlock vet` reports about one app release: who signed it, what it asks for (manifest),
 * what its code can do (DEX method references, native libraries, code it carries to load later),
 * the SDKs inside it, and the hosts it names, each judged by the policy the gateway enforces.
 * Every part is read on its own: a DEX that cannot be read loses its own findings, not the
 * manifest's, and the report says what was not read (`problems`).
 *
 * One zod schema per shape is the TypeScript type, the runtime check and (scripts/gen-schema.mjs)
 * the shipped JSON Schema, schema/vet-report.v1.json, as for the audit report.
 */
import { z } from 'zod';
import { CAPABILITIES } from '../catalog/api-capabilities.js';
import { PERMISSION_CONCERNS } from '../catalog/permissions.js';
import { SDK_PURPOSES } from '../catalog/sdks.js';
import { PURPOSES } from '../catalog/types.js';
import { ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { REASONS, type ReasonCode } from '../policy/egress/types.js';

export const VET_SCHEMA_ID = 'airlock.vet/1';
export const VET_RUN_SCHEMA_ID = 'airlock.vet-run/1';

const count = z.number().int().nonnegative();
const reason = z.enum(Object.keys(REASONS) as [ReasonCode, ...ReasonCode[]]);

export const vetAppSchema = z.object({
  package: z.string().optional(),
  versionCode: z.number().optional(),
  versionName: z.string().optional(),
  minSdk: z.number().optional(),
  targetSdk: z.number().optional(),
  debuggable: z.boolean().optional(),
  allowBackup: z.boolean().optional(),
  usesCleartextTraffic: z.boolean().optional(),
  /** The application names a network security config resource. */
  networkSecurityConfig: z.boolean().optional(),
  /** What that config says, when it could be read. */
  networkSecurity: z
    .object({
      file: z.string(),
      /** Somewhere (outside debug overrides) cleartext traffic is permitted. */
      cleartextPermitted: z.boolean(),
      /** User-installed CAs are trusted: a proxy the user adds can read its TLS. */
      trustsUserCas: z.boolean(),
      /** Domains whose certificates are pinned. */
      pinnedDomains: z.array(z.string()),
    })
    .optional(),
});
export type VetApp = z.output<typeof vetAppSchema>;

export const vetSignerSchema = z.object({
  scheme: z.string(),
  /** SHA-256 of the DER certificate, hex: apksigner's "certificate SHA-256 digest", F-Droid's signer. */
  certSha256: z.string(),
  subject: z.string(),
  keyAlgorithm: z.string().optional(),
  keyBits: z.number().optional(),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
});
export type VetSigner = z.output<typeof vetSignerSchema>;

export const vetSigningSchema = z.object({
  /** apksigner's overall verdict as far as Airlock matches it. */
  verified: z.boolean(),
  /** Scheme ('v1', 'v2', 'v3', 'v31') → 'absent' | 'verified' | 'failed'. */
  schemes: z.record(z.string(), z.string()),
  signers: z.array(vetSignerSchema),
  /**
   * APK Signature Scheme v3.1's signers, when it has a block: the key Android 13 and later use in
   * place of `signers` (a rotation for new devices only). signers-in-effect.ts reads both.
   */
  v31Signers: z.array(vetSignerSchema).optional(),
  problems: z.array(z.string()),
});
export type VetSigning = z.output<typeof vetSigningSchema>;

export const vetPermissionSchema = z.object({
  name: z.string(),
  /** Why Android grants it without the manifest naming it (aapt's uses-implied-permission). */
  implied: z.string().optional(),
  maxSdkVersion: z.number().optional(),
  concern: z.enum(PERMISSION_CONCERNS).optional(),
  protection: z.string().optional(),
  label: z.string().optional(),
});
export type VetPermission = z.output<typeof vetPermissionSchema>;

export const vetComponentSchema = z.object({
  kind: z.string(),
  name: z.string(),
  permission: z.string().optional(),
  actions: z.array(z.string()),
});
export type VetComponent = z.output<typeof vetComponentSchema>;

export const vetSdkSchema = z.object({
  id: z.string(),
  name: z.string(),
  vendor: z.string(),
  purposes: z.array(z.enum(SDK_PURPOSES)),
  /** Classes of the SDK the DEX files define, and one of them. */
  classes: count,
  example: z.string(),
});
export type VetSdk = z.output<typeof vetSdkSchema>;

/** Why Airlock says the app has a capability: a permission, an API reference, an SDK, a file. */
export const evidenceSchema = z.object({
  kind: z.enum(['permission', 'api', 'sdk', 'string', 'entry']),
  /** 'android.permission.X', 'Ldalvik/system/DexClassLoader;-><init>', 'Tinker', 'assets/x.apk (apk)'. */
  what: z.string(),
  /** Where: a DEX file name or 'AndroidManifest.xml'. */
  where: z.string().optional(),
});
export type Evidence = z.output<typeof evidenceSchema>;

export const vetCapabilitySchema = z.object({
  id: z.enum(CAPABILITIES),
  label: z.string(),
  evidence: z.array(evidenceSchema),
});
export type VetCapability = z.output<typeof vetCapabilitySchema>;

export const vetHostSchema = z.object({
  host: z.string(),
  /** Ports named with it in URLs (none: a bare name). */
  ports: z.array(count),
  /** Named in an http:// or ws:// URL: the app can send to it unencrypted. */
  cleartext: z.boolean(),
  /** How many strings name it, and one of them. */
  count,
  example: z.string(),
  /** The DEX files it was found in. */
  where: z.array(z.string()),
  catalog: z
    .object({ vendor: z.string(), label: z.string(), purposes: z.array(z.enum(PURPOSES)) })
    .optional(),
  /** An SDK whose documented hosts include it. */
  sdk: z.string().optional(),
  /** What the gateway would do with a connection to it (port 443 unless a URL names others). */
  policy: z.object({ verdict: z.enum(['allow', 'block']), reason, detail: z.string() }),
});
export type VetHost = z.output<typeof vetHostSchema>;

export const vetCodeSchema = z.object({
  dex: z.array(
    z.object({
      name: z.string(),
      version: z.number().optional(),
      classes: count,
      strings: count,
      methods: count,
    }),
  ),
  nativeLibs: z.array(z.object({ abi: z.string(), name: z.string(), size: count })),
  /** Code carried inside the APK beside its own DEX files (to load later, or to install). */
  embedded: z.array(
    z.object({ entry: z.string(), kind: z.enum(['apk', 'dex', 'jar', 'so', 'zip']), size: count }),
  ),
});
export type VetCode = z.output<typeof vetCodeSchema>;

/**
 * Bytes in front of the ZIP's first entry. Android's ZIP reader skips them, but before the
 * December 2017 fix its runtime ran them as the app's code when they are a DEX file (Janus,
 * CVE-2017-13156, Android 5.0 to 8.0). JAR signing (v1) covers the entries only; v2 and later
 * cover every byte before the signing block, these too.
 */
export const vetPrefixSchema = z.object({
  bytes: count,
  /** They start as a DEX file does ("dex\n"). */
  dex: z.boolean(),
  /** A v2, v3 or v3.1 signature that verifies covers them: its signer put them there. */
  signed: z.boolean(),
});
export type VetPrefix = z.output<typeof vetPrefixSchema>;

export const vetProblemSchema = z.object({
  /** The part not read: 'archive', 'AndroidManifest.xml', 'classes2.dex', 'signing'… */
  part: z.string(),
  message: z.string(),
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  offset: z.number().optional(),
});
export type VetProblem = z.output<typeof vetProblemSchema>;

export const vetReportSchema = z.object({
  schema: z.literal(VET_SCHEMA_ID),
  airlockVersion: z.string(),
  file: z.object({ path: z.string(), size: count, sha256: z.string() }),
  policy: z.object({ source: z.string(), mode: z.string() }),
  app: vetAppSchema,
  signing: vetSigningSchema.optional(),
  permissions: z.array(vetPermissionSchema),
  /** Components other apps can start (exported): attack surface. */
  exported: z.array(vetComponentSchema),
  sdks: z.array(vetSdkSchema),
  capabilities: z.array(vetCapabilitySchema),
  hosts: z.array(vetHostSchema),
  code: vetCodeSchema,
  /** Present when there are bytes before the first entry (and the archive was read). */
  prefix: vetPrefixSchema.optional(),
  warnings: z.array(
    z.object({ part: z.string(), name: z.string(), offset: z.number().optional(), detail: z.string() }),
  ),
  problems: z.array(vetProblemSchema),
});
export type VetReport = z.output<typeof vetReportSchema>;

const added = z.object({ added: z.array(z.string()), removed: z.array(z.string()) });
const release = z.object({
  path: z.string(),
  sha256: z.string(),
  package: z.string().optional(),
  versionCode: z.number().optional(),
  versionName: z.string().optional(),
});

/** Two releases compared: what the candidate adds or drops against the approved one. */
export const vetDiffSchema = z.object({
  approved: release,
  candidate: release,
  samePackage: z.boolean(),
  /** The candidate's signers are not the approved release's: another key signed it. */
  signerChanged: z.boolean(),
  signers: z.object({ approved: z.array(z.string()), candidate: z.array(z.string()) }),
  permissions: added,
  sdks: added,
  capabilities: added,
  hosts: added,
  /** Added hosts the policy would block. */
  blockedHostsAdded: z.array(z.string()),
  exported: added,
  /**
   * A manifest flag or SDK level that changed, or the bytes before the first entry
   * (bytesBeforeFirstEntry, 0 when there are none); null where a release does not say.
   */
  flags: z.array(
    z.object({
      name: z.string(),
      approved: z.union([z.boolean(), z.number(), z.null()]),
      candidate: z.union([z.boolean(), z.number(), z.null()]),
    }),
  ),
});
export type VetDiffCore = z.output<typeof vetDiffSchema>;
/** The diff with the two reports it was made from (not printed twice in JSON). */
export type VetDiff = VetDiffCore & { reports: { approved: VetReport; candidate: VetReport } };

/** `airlock vet --json`: the whole run. */
export const vetRunSchema = z.object({
  schema: z.literal(VET_RUN_SCHEMA_ID),
  airlockVersion: z.string(),
  /** When the run was made (ISO 8601); absent in runs written before it was recorded. */
  generatedAt: z.string().optional(),
  command: z.string(),
  exitCode: z.number().int(),
  reports: z.array(vetReportSchema.extend({ review: z.array(z.string()) })),
  approved: vetReportSchema.extend({ review: z.array(z.string()) }).optional(),
  diffs: z.array(vetDiffSchema.extend({ needsReview: z.boolean() })).optional(),
});
export type VetRun = z.output<typeof vetRunSchema>;
