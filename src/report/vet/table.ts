/**
 * The terminal rendering of a vet report and of a release diff. Every string read from the APK
 * (package, hosts, class and entry names, certificate names) goes through visible() first, so a
 * hostile manifest cannot move the cursor or forge lines.
 */
import pc from 'picocolors';
import type { VetDiff, VetReport } from '../../vet/model.js';
import { partsRead } from '../../vet/parts-read.js';
import { signersInEffect } from '../../vet/signers-in-effect.js';
import { visible } from '../format-value.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface VetTableOptions {
  color?: boolean;
  /** Hosts listed before "… and N more" (all with --all). */
  maxHosts?: number;
}

const v = (x: unknown): string => visible(String(x));
/** A diff flag's side: null is a release whose manifest does not say (or was not read). */
const flagValue = (x: boolean | number | null): string => (x === null ? '(not set)' : String(x));

export function renderVetTable(r: VetReport, opts: VetTableOptions = {}): string {
  const c = pc.createColors(opts.color ?? pc.isColorSupported);
  const out: string[] = [];
  const a = r.app;
  // What was not read is said once, here; the sections that rest on it are left out, not empty.
  const read = partsRead(r);
  out.push(
    c.bold(`${v(r.file.path)}`),
    read.manifest
      ? `  ${a.package ? v(a.package) : c.red('no package name read')} ${a.versionName !== undefined ? v(a.versionName) : ''}${a.versionCode !== undefined ? ` (versionCode ${a.versionCode})` : ''}` +
          `${a.minSdk !== undefined ? ` · minSdk ${a.minSdk}` : ''}${a.targetSdk !== undefined ? ` · targetSdk ${a.targetSdk}` : ''}`
      : c.red(
          `  ${!read.file ? 'the file was not read' : !read.archive ? 'not read as an APK' : 'its manifest was not read: no package, version, flags, permissions or components'}`,
        ),
  );
  if (read.file) out.push(`  sha256 ${r.file.sha256} · ${r.file.size} bytes`);
  const flags = !read.manifest
    ? []
    : [
        a.debuggable ? c.red('debuggable') : undefined,
        a.usesCleartextTraffic ? c.yellow('cleartext traffic allowed') : undefined,
        a.allowBackup !== false ? 'backups allowed' : undefined,
        a.networkSecurityConfig && !a.networkSecurity ? 'own network security config (not read)' : undefined,
        a.networkSecurity?.cleartextPermitted
          ? c.yellow('its network security config permits cleartext')
          : undefined,
        a.networkSecurity?.trustsUserCas ? c.yellow('trusts user-installed CAs') : undefined,
        a.networkSecurity?.pinnedDomains.length
          ? `pins certificates for ${a.networkSecurity.pinnedDomains.map(v).join(', ')}`
          : undefined,
      ].filter((x) => x !== undefined);
  if (flags.length) out.push(`  ${flags.join(' · ')}`);
  if (read.archive) {
    out.push('', ...signing(r, c), '', ...permissions(r, c, read.manifest), '');
    out.push(...capabilities(r, c, read.manifest), '', ...sdks(r, c));
    out.push('', ...hosts(r, c, opts.maxHosts ?? 40), '', ...code(r, c));
  }
  if (read.archive && !read.manifest)
    out.push('', `${c.bold('Exported components')}: ${c.red('not read (no manifest)')}`);
  if (r.exported.length) {
    out.push('', c.bold(`Exported components (${r.exported.length}): other apps can start them`));
    for (const e of r.exported.slice(0, 20))
      out.push(`  ${e.kind} ${v(e.name)}${e.permission ? c.dim(` (needs ${v(e.permission)})`) : ''}`);
    if (r.exported.length > 20) out.push(c.dim(`  … and ${r.exported.length - 20} more (--json lists all)`));
  }
  if (r.warnings.length || r.problems.length) out.push('');
  for (const p of r.problems)
    out.push(
      c.red(
        `  not read: ${v(p.part)}: ${v(p.message)}${p.offset !== undefined ? ` at offset ${p.offset}` : ''} (${p.code})`,
      ),
    );
  // One line per kind of warning: a release with 40 unsigned META-INF files is one finding.
  const kinds = new Map<string, { w: VetReport['warnings'][number]; n: number }>();
  for (const w of r.warnings) {
    const k = `${w.part}\u0000${w.name}`;
    const seen = kinds.get(k);
    if (seen) seen.n++;
    else kinds.set(k, { w, n: 1 });
  }
  for (const { w, n } of [...kinds.values()].slice(0, 20))
    out.push(
      c.yellow(
        `  warning ${v(w.part)} ${v(w.name)}${n > 1 ? ` (${n}×, the first)` : ''}${w.offset !== undefined ? ` @${w.offset}` : ''}: ${v(w.detail)}`,
      ),
    );
  if (kinds.size > 20)
    out.push(c.yellow(`  … and ${kinds.size - 20} more kinds of warning (--json lists all)`));
  out.push('', `policy ${v(r.policy.source)} (${r.policy.mode}) · airlock ${r.airlockVersion}`);
  return `${out.join('\n')}\n`;
}

function signing(r: VetReport, c: Colors): string[] {
  const s = r.signing;
  if (!s) return [c.red('Signature: not read')];
  const schemes = Object.entries(s.schemes)
    .filter(([, st]) => st !== 'absent')
    .map(([k, st]) => `${k} ${st === 'verified' ? c.green(st) : c.red(st)}`)
    .join(', ');
  const out = [
    `${c.bold('Signature')}: ${s.verified ? c.green('verifies') : c.red('DOES NOT VERIFY')}${schemes ? ` (${schemes})` : ' (unsigned)'}`,
  ];
  for (const g of signersInEffect(s))
    out.push(
      `  signer ${g.certSha256}  ${v(g.subject)}${g.keyAlgorithm ? c.dim(` · ${g.keyAlgorithm}${g.keyBits ? ` ${g.keyBits}` : ''}`) : ''}${g.rotatedFor13 ? c.yellow(' · v3.1: Android 13 and later') : ''}`,
    );
  for (const p of s.problems.slice(0, 5)) out.push(c.red(`  ${v(p)}`));
  if (s.problems.length > 5) out.push(c.red(`  … and ${s.problems.length - 5} more problems`));
  return out;
}

function permissions(r: VetReport, c: Colors, manifest: boolean): string[] {
  if (!manifest) return [`${c.bold('Permissions')}: ${c.red('not read (no manifest)')}`];
  const dangerous = r.permissions.filter((p) => p.protection === 'dangerous').length;
  const out = [c.bold(`Permissions (${r.permissions.length}, ${dangerous} needing the user's consent)`)];
  const order = (p: VetReport['permissions'][number]) => (p.concern ? 0 : 1);
  for (const p of [...r.permissions].sort((x, y) => order(x) - order(y) || x.name.localeCompare(y.name))) {
    const label = p.label ? `${p.concern}: ${p.label}` : '';
    const mark = p.protection === 'dangerous' ? c.yellow('!') : ' ';
    out.push(
      `  ${mark} ${v(p.name)}${label ? c.dim(`  ${label}`) : ''}${p.implied ? c.dim(` (implied: ${v(p.implied)})`) : ''}${p.maxSdkVersion !== undefined ? c.dim(` (up to SDK ${p.maxSdkVersion})`) : ''}`,
    );
  }
  return out;
}

function capabilities(r: VetReport, c: Colors, manifest: boolean): string[] {
  const out = [c.bold(`What its code can do (${r.capabilities.length})`)];
  if (r.capabilities.length === 0)
    out.push(
      c.dim(`  nothing catalogued found${manifest ? '' : ' in its code (its permissions were not read)'}`),
    );
  for (const cap of r.capabilities) {
    const loud = cap.id === 'dynamic-code' || cap.id === 'install-packages';
    out.push(`  ${loud ? c.red(cap.id) : cap.id}: ${cap.label}`);
    for (const e of cap.evidence.slice(0, 3))
      out.push(c.dim(`      ${e.kind} ${v(e.what)}${e.where ? ` in ${v(e.where)}` : ''}`));
    if (cap.evidence.length > 3) out.push(c.dim(`      … ${cap.evidence.length - 3} more`));
  }
  return out;
}

function sdks(r: VetReport, c: Colors): string[] {
  const out = [c.bold(`SDKs (${r.sdks.length})`)];
  if (r.sdks.length === 0) out.push(c.dim('  none of the catalogued SDKs'));
  for (const s of r.sdks)
    out.push(
      `  ${s.name} (${s.vendor}): ${s.purposes.join(', ')}${c.dim(` · ${s.classes} classes, e.g. ${v(s.example)}`)}`,
    );
  return out;
}

function hosts(r: VetReport, c: Colors, max: number): string[] {
  const blocked = r.hosts.filter((h) => h.policy.verdict === 'block').length;
  const out = [c.bold(`Hosts its code names (${r.hosts.length}; the policy would block ${blocked})`)];
  // Catalogued and cleartext names first: they are what an approval asks about.
  const rank = (h: VetReport['hosts'][number]) => (h.catalog || h.sdk ? 0 : h.cleartext ? 1 : 2);
  const list = [...r.hosts].sort((x, y) => rank(x) - rank(y) || x.host.localeCompare(y.host));
  for (const h of list.slice(0, max)) {
    const verdict = h.policy.verdict === 'block' ? c.red(`block (${h.policy.reason})`) : c.green('allow');
    const label = h.catalog ? `${h.catalog.vendor}: ${h.catalog.label}` : h.sdk ? `SDK ${h.sdk}` : '';
    out.push(
      `  ${v(h.host)}${h.ports.length ? `:${h.ports.join(',')}` : ''}  ${verdict}${h.cleartext ? c.yellow(' cleartext') : ''}${label ? c.dim(`  ${v(label)}`) : ''}`,
    );
  }
  if (list.length > max) out.push(c.dim(`  … and ${list.length - max} more (--all or --json lists all)`));
  return out;
}

function code(r: VetReport, c: Colors): string[] {
  const k = r.code;
  const out = [
    c.bold('Code'),
    `  ${k.dex.length} DEX files: ${k.dex.map((d) => `${v(d.name)} (${d.classes} classes)`).join(', ') || 'none'}`,
  ];
  const abis = [...new Set(k.nativeLibs.map((l) => l.abi))];
  if (k.nativeLibs.length)
    out.push(`  ${k.nativeLibs.length} native libraries (${abis.map(v).join(', ')}): not readable here`);
  for (const e of k.embedded)
    out.push(
      c.yellow(`  carries ${e.kind} ${v(e.entry)} (${e.size} bytes): code it can load or install later`),
    );
  return out;
}

export function renderVetDiffTable(d: VetDiff, opts: VetTableOptions = {}): string {
  const c = pc.createColors(opts.color ?? pc.isColorSupported);
  const name = (x: VetDiff['approved']) =>
    `${v(x.path)}: ${x.package ? v(x.package) : '?'} ${x.versionName !== undefined ? v(x.versionName) : ''}${x.versionCode !== undefined ? ` (${x.versionCode})` : ''}`;
  const out = [c.bold('Approved  ') + name(d.approved), c.bold('Candidate ') + name(d.candidate), ''];
  if (!d.samePackage) out.push(c.red('  not the same app: the package names differ (or were not read)'));
  else if (
    d.candidate.versionCode !== undefined &&
    d.approved.versionCode === d.candidate.versionCode &&
    d.approved.sha256 !== d.candidate.sha256
  )
    out.push(c.yellow('  the same version as the approved release, but another file'));
  out.push(
    d.signerChanged
      ? c.red(
          `  SIGNER CHANGED: ${d.signers.approved.join(', ') || 'none read'} → ${d.signers.candidate.join(', ') || 'none read'}`,
        )
      : c.green(`  same signer ${d.signers.candidate.join(', ')}`),
  );
  const list = (title: string, s: { added: string[]; removed: string[] }) => {
    if (s.added.length === 0 && s.removed.length === 0) return;
    out.push(c.bold(`  ${title}`));
    for (const x of s.added) out.push(c.yellow(`    + ${v(x)}`));
    for (const x of s.removed) out.push(c.dim(`    - ${v(x)}`));
  };
  list('Permissions', d.permissions);
  list('Capabilities', d.capabilities);
  list('SDKs', d.sdks);
  list('Hosts', d.hosts);
  list('Exported components', d.exported);
  for (const f of d.flags) out.push(`  ${f.name}: ${flagValue(f.approved)} → ${flagValue(f.candidate)}`);
  if (d.blockedHostsAdded.length)
    out.push(c.yellow(`  the policy would block ${d.blockedHostsAdded.length} of the added hosts`));
  return `${out.join('\n')}\n`;
}
