/**
 * One APK in, one VetReport out. Pure over the bytes (the CLI reads the file): the ZIP is read
 * first (nothing else can be without it), then each part on its own, so a manifest, DEX file
 * or signature that cannot be read costs only its own findings and is listed as a problem.
 */
import { createHash } from 'node:crypto';
import { AirlockError, asAirlockError } from '../core/errors.js';
import type { Policy } from '../policy/index.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import {
  type Manifest,
  parseAxml,
  type ResourceTable,
  readManifest,
  readNetworkSecurityConfig,
  readResourceTable,
} from './axml/index.js';
import { type DexUse, dexUseOf, findCapabilities } from './capabilities.js';
import { codeKind, isLoadedDex, mayCarryCode, nativeLibOf } from './code-entries.js';
import { hostsIn, readDex } from './dex/index.js';
import { entryHead } from './entry-head.js';
import { type HostSighting, judgeHosts } from './hosts-judged.js';
import { appOf, exportedOf, permissionsOf } from './manifest-facts.js';
import {
  VET_SCHEMA_ID,
  type VetApp,
  type VetCode,
  type VetPrefix,
  type VetProblem,
  type VetReport,
  type VetSigning,
} from './model.js';
import { PART } from './parts-read.js';
import { findSdks } from './sdks-found.js';
import { readSigning } from './signing/index.js';
import { entryBytes, readZip, type ZipArchive, type ZipEntry } from './zip/index.js';

/** Largest entry (manifest, DEX) inflated into memory. */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
/** DEX files read per APK (multidex apps have tens; a hostile one could list thousands). */
export const MAX_DEX_FILES = 256;
/** Entries whose first bytes are checked for carried code. */
const MAX_HEAD_CHECKS = 20_000;

export interface VetOptions {
  policy: Policy;
  /** What the report names as the policy: a file path, or 'built-in defaults'. */
  policySource: string;
  nowMs: number;
}

const problemOf = (part: string, e: unknown, path: string): VetProblem => {
  const err = asAirlockError(e, path);
  return {
    part,
    message: err.message,
    code: err.code,
    ...(err.offset !== undefined ? { offset: err.offset } : {}),
  };
};

function emptyReport(file: VetReport['file'], opts: VetOptions): VetReport {
  return {
    schema: VET_SCHEMA_ID,
    airlockVersion: AIRLOCK_VERSION,
    file,
    policy: { source: opts.policySource, mode: opts.policy.network.mode },
    app: {},
    permissions: [],
    exported: [],
    sdks: [],
    capabilities: [],
    hosts: [],
    code: { dex: [], nativeLibs: [], embedded: [] },
    warnings: [],
    problems: [],
  };
}

/** The report of a file that could not be read at all (missing, unreadable, too big). */
export function unreadReport(path: string, err: unknown, opts: VetOptions): VetReport {
  const r = emptyReport({ path, size: 0, sha256: '' }, opts);
  r.problems.push(problemOf(PART.file, err, path));
  return r;
}

/** What every part reader shares: the APK, its entries by name, and the report it fills. */
interface Parts {
  apk: Uint8Array;
  zip: ZipArchive;
  /** Android reads the central directory's first entry of a name; a second is an archive warning. */
  byName: ReadonlyMap<string, ZipEntry>;
  report: VetReport;
  /** Records a part that could not be read; the others go on. */
  problem: (part: string, e: unknown) => void;
}

export function vetApk(apk: Uint8Array, path: string, opts: VetOptions): VetReport {
  const report = emptyReport(
    { path, size: apk.length, sha256: createHash('sha256').update(apk).digest('hex') },
    opts,
  );
  const problem = (part: string, e: unknown) => report.problems.push(problemOf(part, e, path));
  let zip: ZipArchive;
  try {
    zip = readZip(apk);
  } catch (e) {
    problem(PART.archive, e);
    return report;
  }
  for (const w of zip.warnings) report.warnings.push({ ...w, part: PART.archive });
  const byName = new Map<string, ZipEntry>();
  for (const e of zip.entries) if (!byName.has(e.name)) byName.set(e.name, e);
  const parts: Parts = { apk, zip, byName, report, problem };

  readManifestPart(parts, readResourcesPart(parts));
  // After the manifest: which schemes Android requires depends on the app's SDK levels.
  try {
    report.signing = signingOf(apk, zip, report.app, report.warnings);
  } catch (e) {
    problem('signing', e);
  }
  // After the signature: whether a scheme that covers these bytes holds.
  if (zip.prefixBytes > 0) report.prefix = prefixOf(apk, zip.prefixBytes, report.signing);
  report.code = codeOf(apk, zip);
  const { classes, uses, sightings } = readDexParts(parts);
  report.sdks = findSdks(classes);
  report.capabilities = findCapabilities({
    permissions: report.permissions,
    dex: uses,
    sdks: report.sdks,
    code: report.code,
  });
  report.hosts = judgeHosts(sightings, opts.policy, opts.nowMs);
  return report;
}

/**
 * The resource table, which resolves what the manifest names by reference (versionName, flags,
 * the network security config's file); without it those stay unresolved.
 */
function readResourcesPart({ apk, byName, report, problem }: Parts): ResourceTable | undefined {
  const arsc = byName.get('resources.arsc');
  if (!arsc) return undefined;
  try {
    const resources = readResourceTable(entryBytes(apk, arsc, MAX_ENTRY_BYTES));
    for (const w of resources.warnings) report.warnings.push({ ...w, part: 'resources.arsc' });
    return resources;
  } catch (e) {
    problem('resources.arsc', e);
    return undefined;
  }
}

/** The manifest: the app, its permissions and exported components, its network security config. */
function readManifestPart(parts: Parts, resources: ResourceTable | undefined): void {
  const { apk, byName, report, problem } = parts;
  const entry = byName.get(PART.manifest);
  if (!entry) {
    report.problems.push({
      part: PART.manifest,
      message: 'the APK has no AndroidManifest.xml',
      code: 'AIRLOCK_ERR_MALFORMED',
    });
    return;
  }
  let m: Manifest;
  try {
    const tree = parseAxml(entryBytes(apk, entry, MAX_ENTRY_BYTES));
    for (const w of tree.warnings) report.warnings.push({ ...w, part: PART.manifest });
    m = readManifest(tree.root, resources);
  } catch (e) {
    problem(PART.manifest, e);
    return;
  }
  for (const w of m.warnings) report.warnings.push({ ...w, part: PART.manifest });
  report.app = appOf(m);
  report.permissions = permissionsOf(m);
  report.exported = exportedOf(m);
  const nsc = m.application?.networkSecurityConfig;
  if (nsc === undefined) return;
  try {
    report.app.networkSecurity = networkSecurityOf(parts, resources, nsc, m.effectiveTargetSdk);
  } catch (e) {
    problem(`network security config @0x${nsc.toString(16)}`, e);
  }
}

/**
 * Every DEX file Android loads, one at a time: its classes (for SDKs), what the capability
 * catalog asks about, and the hosts its strings name. Each file's tables go once it is read.
 */
function readDexParts({ apk, byName, report, problem }: Parts): {
  classes: string[];
  uses: DexUse[];
  sightings: HostSighting[];
} {
  const uses: DexUse[] = [];
  const sightings: HostSighting[] = [];
  const classes: string[] = [];
  const entries = [...byName.values()].filter((e) => isLoadedDex(e.name)).sort(dexOrder);
  if (entries.length > MAX_DEX_FILES)
    report.problems.push({
      part: 'classes.dex',
      message: `${entries.length} DEX files: only the first ${MAX_DEX_FILES} are read`,
      code: 'AIRLOCK_ERR_LIMIT',
    });
  for (const e of entries.slice(0, MAX_DEX_FILES)) {
    try {
      const dex = readDex(entryBytes(apk, e, MAX_ENTRY_BYTES), e.name);
      for (const w of dex.warnings) report.warnings.push({ ...w, part: e.name });
      report.code.dex.push({
        name: e.name,
        version: dex.version,
        classes: dex.classes.length,
        strings: dex.strings.length,
        methods: dex.methods.length,
      });
      for (const c of dex.classes) classes.push(c.descriptor);
      uses.push(dexUseOf(e.name, dex.methods, dex.strings));
      for (const h of hostsIn(dex.strings)) sightings.push({ ...sightingOf(h), where: e.name });
    } catch (err) {
      problem(e.name, err);
    }
  }
  return { classes, uses, sightings };
}

/** classes.dex, classes2.dex, classes3.dex…, in the order Android loads them. */
const dexOrder = (a: ZipEntry, b: ZipEntry): number => dexNumber(a.name) - dexNumber(b.name);
const dexNumber = (name: string): number => Number(/^classes(\d*)\.dex$/.exec(name)?.[1] || '1');

function signingOf(
  apk: Uint8Array,
  zip: ZipArchive,
  app: VetApp,
  warnings: VetReport['warnings'],
): VetSigning {
  const s = readSigning(apk, zip, {
    // Android's default when the manifest names none, as apksigner takes it.
    minSdk: app.minSdk ?? 1,
    ...(app.targetSdk !== undefined ? { targetSdk: app.targetSdk } : {}),
  });
  for (const w of s.warnings) warnings.push({ ...w, part: 'signing' });
  const signer = (g: (typeof s.signers)[number]): VetSigning['signers'][number] => ({
    scheme: g.scheme,
    certSha256: g.certSha256,
    subject: g.subject,
    ...(g.keyAlgorithm !== undefined ? { keyAlgorithm: g.keyAlgorithm } : {}),
    ...(g.keyBits !== undefined ? { keyBits: g.keyBits } : {}),
    ...(g.notBefore !== undefined ? { notBefore: g.notBefore } : {}),
    ...(g.notAfter !== undefined ? { notAfter: g.notAfter } : {}),
  });
  const v31 = s.bySchemes.v31;
  return {
    verified: s.verified,
    schemes: { ...s.schemes },
    signers: s.signers.map(signer),
    ...(v31?.length ? { v31Signers: v31.map(signer) } : {}),
    problems: [...s.problems],
  };
}

/** The network security config the manifest names: its file found through the resource table. */
function networkSecurityOf(
  { apk, byName, report }: Parts,
  resources: ResourceTable | undefined,
  id: number,
  targetSdk: number,
): NonNullable<VetApp['networkSecurity']> {
  const file = resources?.resolve(id)?.value;
  if (typeof file !== 'string')
    throw new AirlockError('AIRLOCK_ERR_MALFORMED', 'the resource table does not name its file');
  const entry = byName.get(file);
  if (!entry) throw new AirlockError('AIRLOCK_ERR_MALFORMED', `${file} is not in the APK`);
  const doc = parseAxml(entryBytes(apk, entry, MAX_ENTRY_BYTES));
  const nsc = readNetworkSecurityConfig(doc.root, targetSdk);
  for (const w of [...doc.warnings, ...nsc.warnings]) report.warnings.push({ ...w, part: file });
  return {
    file,
    cleartextPermitted: nsc.cleartextAnywhere,
    trustsUserCas: nsc.trustsUserCas,
    pinnedDomains: nsc.domains.filter((d) => d.pins.length > 0).flatMap((d) => d.domains.map((x) => x.name)),
  };
}

/**
 * The bytes before the first entry: a DEX file there is Janus. Only a v2/v3/v3.1 signature covers
 * them (its digest runs from byte 0 to the signing block); JAR signing (v1) signs entries, so a
 * v1-only APK can gain them after it was signed and still verify.
 */
function prefixOf(apk: Uint8Array, bytes: number, signing: VetSigning | undefined): VetPrefix {
  const covering = (['v2', 'v3', 'v31'] as const).some((s) => signing?.schemes[s] === 'verified');
  return {
    bytes,
    dex: codeKind(apk.subarray(0, Math.min(bytes, 8))) === 'dex',
    signed: signing?.verified === true && covering,
  };
}

function codeOf(apk: Uint8Array, zip: ZipArchive): VetCode {
  const code: VetCode = { dex: [], nativeLibs: [], embedded: [] };
  let checks = 0;
  for (const e of zip.entries) {
    const lib = nativeLibOf(e.name);
    if (lib) {
      code.nativeLibs.push({ ...lib, size: e.uncompressedSize });
      continue;
    }
    if (!mayCarryCode(e.name) || e.uncompressedSize < 4 || checks++ >= MAX_HEAD_CHECKS) continue;
    let kind = codeKind(entryHead(apk, e));
    if (kind === 'zip') kind = /\.apk$/i.test(e.name) ? 'apk' : /\.jar$/i.test(e.name) ? 'jar' : 'zip';
    if (kind) code.embedded.push({ entry: e.name, kind, size: e.uncompressedSize });
  }
  return code;
}

function sightingOf(h: ReturnType<typeof hostsIn>[number]): Omit<HostSighting, 'where'> {
  return { host: h.host, ports: h.ports, cleartext: h.cleartext, count: h.count, example: h.example };
}
