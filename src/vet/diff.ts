/**
 * An app release against the one the organisation approved: what the candidate adds (the
 * questions an approval must answer again) and what it drops. Pure: two reports in, a diff out.
 */
import type { VetDiff, VetReport } from './model.js';
import { partsRead } from './parts-read.js';
import { prefixReason } from './review.js';
import { signersInEffect } from './signers-in-effect.js';

function sets(
  approved: Iterable<string>,
  candidate: Iterable<string>,
): { added: string[]; removed: string[] } {
  const a = new Set(approved);
  const c = new Set(candidate);
  return {
    added: [...c].filter((x) => !a.has(x)).sort(),
    removed: [...a].filter((x) => !c.has(x)).sort(),
  };
}

const who = (r: VetReport) => ({
  path: r.file.path,
  sha256: r.file.sha256,
  ...(r.app.package !== undefined ? { package: r.app.package } : {}),
  ...(r.app.versionCode !== undefined ? { versionCode: r.app.versionCode } : {}),
  ...(r.app.versionName !== undefined ? { versionName: r.app.versionName } : {}),
});

/** Every key a device may check the app against, v3.1's rotation included (signers-in-effect.ts). */
const signersOf = (r: VetReport): string[] =>
  signersInEffect(r.signing)
    .map((s) => s.certSha256)
    .sort();

/** The manifest flags whose change an approval should see. */
const FLAGS = [
  'debuggable',
  'allowBackup',
  'usesCleartextTraffic',
  'networkSecurityConfig',
  'minSdk',
  'targetSdk',
] as const;

export function diffReports(approved: VetReport, candidate: VetReport): VetDiff {
  const hosts = sets(
    approved.hosts.map((h) => h.host),
    candidate.hosts.map((h) => h.host),
  );
  const blocked = new Set(candidate.hosts.filter((h) => h.policy.verdict === 'block').map((h) => h.host));
  const sa = signersOf(approved);
  const sc = signersOf(candidate);
  const component = (c: VetReport['exported'][number]) => `${c.kind} ${c.name}`;
  return {
    approved: who(approved),
    candidate: who(candidate),
    samePackage: approved.app.package !== undefined && approved.app.package === candidate.app.package,
    // No signer read on either side is a change too: nothing shows the same key signed both.
    signerChanged: sa.length === 0 || sc.length === 0 || sa.join() !== sc.join(),
    signers: { approved: sa, candidate: sc },
    permissions: sets(
      approved.permissions.map((p) => p.name),
      candidate.permissions.map((p) => p.name),
    ),
    sdks: sets(
      approved.sdks.map((s) => s.id),
      candidate.sdks.map((s) => s.id),
    ),
    capabilities: sets(
      approved.capabilities.map((c) => c.id),
      candidate.capabilities.map((c) => c.id),
    ),
    hosts,
    blockedHostsAdded: hosts.added.filter((h) => blocked.has(h)),
    exported: sets(approved.exported.map(component), candidate.exported.map(component)),
    flags: [
      ...FLAGS.filter((f) => approved.app[f] !== candidate.app[f]).map((f) => ({
        name: f,
        approved: approved.app[f] ?? null,
        candidate: candidate.app[f] ?? null,
      })),
      ...prefixFlag(approved, candidate),
    ],
    reports: { approved, candidate },
  };
}

/**
 * Bytes before the first entry, compared as a flag: a v1-signed release can gain them (Janus) and
 * keep its signer, so the signer and the lists above can all be the same.
 */
function prefixFlag(approved: VetReport, candidate: VetReport): VetDiff['flags'] {
  const bytes = (r: VetReport) => (partsRead(r).archive ? (r.prefix?.bytes ?? 0) : null);
  const a = bytes(approved);
  const c = bytes(candidate);
  return a === c ? [] : [{ name: 'bytesBeforeFirstEntry', approved: a, candidate: c }];
}

/**
 * Whether the candidate needs a new approval: its signature does not verify (the same
 * certificate on a tampered file is no approval), bytes before its first entry ask for review
 * (the same reasoning: they are about the file), another key signed it, or it adds something.
 */
export function diffNeedsReview(d: VetDiff): boolean {
  return (
    d.reports.candidate.signing?.verified !== true ||
    prefixReason(d.reports.candidate) !== undefined ||
    d.signerChanged ||
    !d.samePackage ||
    d.permissions.added.length > 0 ||
    d.sdks.added.length > 0 ||
    d.capabilities.added.length > 0 ||
    d.hosts.added.length > 0 ||
    d.exported.added.length > 0 ||
    d.flags.length > 0
  );
}
