/**
 * `airlock vet --html FILE`: the run as one self-contained offline page, the record an approval
 * can keep: per release its review reasons, signature, permissions, capabilities with evidence,
 * SDKs, hosts with the policy's verdict, code and exported components; then each diff against the
 * approved release. Inline CSS; no script, no link or image to anywhere (DESIGN.md: "no CDN in
 * reports"). Every string read from an APK is escaped.
 */
import type { VetDiff, VetReport } from '../../vet/model.js';
import { partsRead } from '../../vet/parts-read.js';
import { reviewReasons } from '../../vet/review.js';
import { signersInEffect } from '../../vet/signers-in-effect.js';
import { escapeHtml as e, HTML_PAGE_END, htmlPageStart } from '../html.js';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .3em;border-top:2px solid #ddd;padding-top:.6em}
h3{font-size:1.05em;margin:1.2em 0 .3em}.meta{color:#666}.bad{color:#b00020}.warn{color:#8a5a00}.ok{color:#1b5e20}
table{border-collapse:collapse;margin:.3em 0 1em;width:100%}th,td{text-align:left;padding:.2em .5em;border-bottom:1px solid #eee;vertical-align:top}
th{color:#666;font-weight:600}tr.block td{background:#fff0f0}code{font-size:.95em;word-break:break-all}
ul{margin:.2em 0 .8em}
`;

export interface VetHtmlRun {
  airlockVersion: string;
  command: string;
  exitCode: number;
  reports: readonly VetReport[];
  approved?: VetReport;
  diffs: readonly VetDiff[];
}

export function renderVetHtml(run: VetHtmlRun): string {
  const body = [
    '<h1>Airlock vet report</h1>',
    `<p class="meta">Airlock ${e(run.airlockVersion)} · exit code ${run.exitCode}<br><code>${e(run.command)}</code></p>`,
    ...run.diffs.map(diffHtml),
    ...run.reports.map((r) => reportHtml(r)),
    ...(run.approved ? [reportHtml(run.approved, 'approved release')] : []),
  ].join('\n');
  return `${htmlPageStart('Airlock vet report', CSS)}${body}\n${HTML_PAGE_END}`;
}

const list = (items: readonly string[], cls = ''): string =>
  items.length === 0
    ? '<p class="meta">none</p>'
    : `<ul${cls ? ` class="${cls}"` : ''}>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;

function reportHtml(r: VetReport, role = 'release'): string {
  const a = r.app;
  const why = reviewReasons(r);
  const s = r.signing;
  // Sections resting on a part that was not read are left out or say so, not shown empty.
  const read = partsRead(r);
  const notRead = '<p class="bad">not read (no manifest)</p>';
  const out = [
    `<h2>${e(a.package ?? r.file.path)} ${e(a.versionName ?? '')}${a.versionCode !== undefined ? ` (versionCode ${a.versionCode})` : ''} <span class="meta">· ${e(role)}</span></h2>`,
    `<p class="meta">${e(r.file.path)}${read.file ? ` · ${r.file.size} bytes · sha256 <code>${e(r.file.sha256)}</code>` : ' · not read'}<br>` +
      `${read.manifest ? `minSdk ${a.minSdk ?? '-'} · targetSdk ${a.targetSdk ?? '-'} · ` : ''}policy ${e(r.policy.source)} (${e(r.policy.mode)})</p>`,
    why.length
      ? `<p class="bad"><b>Needs review:</b> ${why.map(e).join('; ')}.</p>`
      : '<p class="ok">Nothing here asks for review.</p>',
  ];
  for (const p of r.problems)
    out.push(
      `<p class="bad">Not read: ${e(p.part)}: ${e(p.message)}${p.offset !== undefined ? ` at offset ${p.offset}` : ''} (${e(p.code)})</p>`,
    );
  if (!read.archive) return out.join('\n');
  out.push(
    '<h3>Signature</h3>',
    s
      ? `<p class="${s.verified ? 'ok' : 'bad'}">${s.verified ? 'Verifies' : 'Does not verify'} · ${Object.entries(
          s.schemes,
        )
          .map(([k, v]) => `${e(k)} ${e(v)}`)
          .join(', ')}</p>` +
          list(
            signersInEffect(s).map(
              (g) =>
                `<code>${e(g.certSha256)}</code> ${e(g.subject)} <span class="meta">${e(g.keyAlgorithm ?? '')} ${g.keyBits ?? ''} · ${e(g.notBefore ?? '')} to ${e(g.notAfter ?? '')}${g.rotatedFor13 ? ' · v3.1: Android 13 and later' : ''}</span>`,
            ),
          ) +
          (s.problems.length ? list(s.problems.map(e), 'bad') : '')
      : '<p class="bad">not read</p>',
    read.manifest ? `<h3>Permissions (${r.permissions.length})</h3>` : '<h3>Permissions</h3>',
    !read.manifest
      ? notRead
      : table(
          ['permission', 'reaches', 'protection', 'note'],
          r.permissions.map((p) => [
            `<code>${e(p.name)}</code>`,
            e(p.label ? `${p.concern}: ${p.label}` : ''),
            e(p.protection ?? ''),
            e(
              [
                p.implied ? `implied: ${p.implied}` : '',
                p.maxSdkVersion !== undefined ? `up to SDK ${p.maxSdkVersion}` : '',
              ]
                .filter(Boolean)
                .join('; '),
            ),
          ]),
        ),
    `<h3>What its code can do (${r.capabilities.length})</h3>`,
    list(
      r.capabilities.map(
        (c) =>
          `<b>${e(c.id)}</b>: ${e(c.label)}<br><span class="meta">${c.evidence.map((x) => `${e(x.kind)} <code>${e(x.what)}</code>${x.where ? ` in ${e(x.where)}` : ''}`).join('<br>')}</span>`,
      ),
    ),
    `<h3>SDKs (${r.sdks.length})</h3>`,
    list(
      r.sdks.map(
        (x) =>
          `<b>${e(x.name)}</b> (${e(x.vendor)}): ${e(x.purposes.join(', '))} <span class="meta">· ${x.classes} classes, e.g. <code>${e(x.example)}</code></span>`,
      ),
    ),
    `<h3>Hosts its code names (${r.hosts.length})</h3>`,
    table(
      ['host', 'ports', 'label', 'policy', 'found in'],
      r.hosts.map((h) => [
        `<code>${e(h.host)}</code>${h.cleartext ? ' <span class="warn">cleartext</span>' : ''}<br><span class="meta">${e(h.example)}</span>`,
        e(h.ports.join(', ')),
        e(h.catalog ? `${h.catalog.vendor}: ${h.catalog.label}` : h.sdk ? `SDK ${h.sdk}` : ''),
        `${e(h.policy.verdict)}<br><span class="meta">${e(h.policy.detail)}</span>`,
        e(h.where.join(', ')),
      ]),
      r.hosts.map((h) => h.policy.verdict),
    ),
    '<h3>Code</h3>',
    list([
      ...r.code.dex.map(
        (d) =>
          `<code>${e(d.name)}</code>: ${d.classes} classes, ${d.strings} strings, ${d.methods} method references`,
      ),
      ...r.code.nativeLibs.map((l) => `native <code>lib/${e(l.abi)}/${e(l.name)}</code> (${l.size} bytes)`),
      ...r.code.embedded.map(
        (x) => `<span class="warn">carries ${e(x.kind)} <code>${e(x.entry)}</code> (${x.size} bytes)</span>`,
      ),
    ]),
    read.manifest ? `<h3>Exported components (${r.exported.length})</h3>` : '<h3>Exported components</h3>',
    !read.manifest
      ? notRead
      : list(
          r.exported.map(
            (c) =>
              `${e(c.kind)} <code>${e(c.name)}</code>${c.permission ? ` <span class="meta">needs ${e(c.permission)}</span>` : ''}`,
          ),
        ),
  );
  if (r.warnings.length)
    out.push(
      `<h3>Warnings (${r.warnings.length})</h3>`,
      list(
        r.warnings.map(
          (w) => `${e(w.part)} ${e(w.name)}${w.offset !== undefined ? ` @${w.offset}` : ''}: ${e(w.detail)}`,
        ),
        'warn',
      ),
    );
  return out.join('\n');
}

function diffHtml(d: VetDiff): string {
  const rel = (x: VetDiff['approved']) =>
    `${e(x.package ?? '?')} ${e(x.versionName ?? '')}${x.versionCode !== undefined ? ` (${x.versionCode})` : ''} <span class="meta">${e(x.path)}</span>`;
  const changes = (title: string, s: { added: string[]; removed: string[] }) =>
    s.added.length || s.removed.length
      ? `<h3>${e(title)}</h3>${list([...s.added.map((x) => `<span class="warn">+ ${e(x)}</span>`), ...s.removed.map((x) => `− ${e(x)}`)])}`
      : '';
  return [
    '<h2>Release against the approved one</h2>',
    `<p>Approved: ${rel(d.approved)}<br>Candidate: ${rel(d.candidate)}</p>`,
    d.samePackage ? '' : '<p class="bad">Not the same app: the package names differ (or were not read).</p>',
    d.signerChanged
      ? `<p class="bad"><b>Signer changed</b>: ${e(d.signers.approved.join(', ') || 'none read')} → ${e(d.signers.candidate.join(', ') || 'none read')}</p>`
      : `<p class="ok">Same signer <code>${e(d.signers.candidate.join(', '))}</code></p>`,
    changes('Permissions', d.permissions),
    changes('Capabilities', d.capabilities),
    changes('SDKs', d.sdks),
    changes('Hosts', d.hosts),
    changes('Exported components', d.exported),
    d.flags.length
      ? `<h3>Flags</h3>${list(d.flags.map((f) => `${e(f.name)}: ${flagValue(f.approved)} → ${flagValue(f.candidate)}`))}`
      : '',
  ].join('\n');
}

/** A diff flag's side: null is a release whose manifest does not say (or was not read). */
const flagValue = (x: boolean | number | null): string => (x === null ? '(not set)' : String(x));

function table(head: readonly string[], rows: readonly string[][], classes?: readonly string[]): string {
  if (rows.length === 0) return '<p class="meta">none</p>';
  return `<table><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr>
${rows.map((r, i) => `<tr${classes?.[i] ? ` class="${e(classes[i]!)}"` : ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}
</table>`;
}
