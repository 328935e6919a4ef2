/**
 * The terminal rendering of an audit report: egress destinations first, then local ones, then
 * the captures' health and the summary. Strings from the capture go through visible() first, so a
 * hostile SNI or Host cannot move the cursor or forge lines.
 */
import pc from 'picocolors';
import { isoTime } from '../../core/iso-time.js';
import { EXIT } from '../exit-codes.js';
import { visible } from '../format-value.js';
import { destinationLabel, formatBytes, outcomeLabel, purposeLabel, windowProblemText } from './format.js';
import type { AuditReport, DestinationReport } from './model.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface AuditTableOptions {
  color?: boolean;
}

const MAX_NAME = 60;

export function renderAuditTable(report: AuditReport, opts: AuditTableOptions = {}): string {
  const c = pc.createColors(opts.color ?? pc.isColorSupported);
  const out: string[] = [];
  for (const scope of ['egress', 'local'] as const) {
    const ds = report.destinations.filter((d) => d.scope === scope);
    out.push(
      c.bold(
        `${scope === 'egress' ? 'Egress' : 'Local'} (${ds.length} destination${ds.length === 1 ? '' : 's'})`,
      ),
    );
    if (ds.length === 0) out.push(c.dim('  none'));
    else out.push(...table(ds, c));
    out.push('');
  }
  for (const cap of report.captures) {
    const st =
      cap.status === 'read' ? c.green('read') : c.red(cap.status === 'partial' ? 'partly read' : 'not read');
    out.push(`${c.bold(visible(cap.path))}  ${cap.format ?? '-'}  ${st}  ${cap.packets} packets`);
    if (cap.error) {
      const at = cap.error.offset === undefined ? '' : ` at offset ${cap.error.offset}`;
      out.push(`  ${c.red(`${visible(cap.error.message)}${at} (${cap.error.code})`)}`);
    }
    const unsup = Object.entries(cap.unsupportedLinks);
    if (unsup.length)
      out.push(
        `  ${c.yellow(`unsupported link types: ${unsup.map(([k, n]) => `${k} (${n} packets)`).join(', ')}`)}`,
      );
    for (const w of cap.warnings) {
      const at = w.offset === undefined ? '' : ` @${w.offset}`;
      out.push(`  ${c.yellow(`warning ${visible(w.name)}${at}: ${visible(w.detail)}`)}`);
    }
    if (cap.warningsDropped) out.push(`  ${c.yellow(`… and ${cap.warningsDropped} more warnings`)}`);
  }
  const s = report.summary;
  out.push(
    `${s.connections} connections · ${formatBytes(s.origBytes)} up · ${formatBytes(s.respBytes)} down · ` +
      `${s.byOutcome.allowed} allowed, ${s.byOutcome.blocked} blocked at connect, ${s.byOutcome.cut} cut, ${s.byOutcome.unheard ?? 0} unheard`,
    `policy ${report.policyHash} (${report.policyMode})${report.store ? ` · ${report.unlockWindows} unlock windows from ${visible(report.store)}` : ''} · airlock ${report.airlockVersion}`,
    ...windowCheckLines(report, c),
    report.exitCode === EXIT.ERROR
      ? c.red('Some captures were not fully read: the audit cannot speak for what they hold (exit 2).')
      : report.exitCode === EXIT.SENSITIVE
        ? c.yellow('The policy would have blocked or cut traffic in this capture (exit 1).')
        : c.green('The policy would have allowed everything in this capture (exit 0).'),
  );
  return `${out.join('\n')}\n`;
}

/** Windows not applied: not authenticated, not what the chain says, or no key to check them with. */
function windowCheckLines(report: AuditReport, c: Colors): string[] {
  const check = report.unlockWindowCheck;
  if (!check) return [];
  return check.unauthenticated.map((w) =>
    c.red(
      `unlock window ${w.id} (${visible(w.host)}, ${isoTime(w.fromMs)} to ${isoTime(w.untilMs)}) not applied: ${visible(windowProblemText(w, check))}`,
    ),
  );
}

function table(ds: DestinationReport[], c: Colors): string[] {
  const header = ['destination', 'port', 'purpose', 'conns', 'up', 'down', 'verdict', 'policy'];
  const rows = ds.map((d) => [
    clip(visible(destinationLabel(d)), MAX_NAME),
    `${d.port}/${d.protocol}`,
    visible(purposeLabel(d)),
    String(d.connections),
    formatBytes(d.orig.bytes),
    formatBytes(d.resp.bytes),
    d.verdict,
    outcomeLabel(d),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => width(r[i]!))));
  const pad = (cells: string[]) =>
    `  ${cells.map((s, i) => (i === cells.length - 1 ? s : s + ' '.repeat(widths[i]! - width(s)))).join('  ')}`.trimEnd();
  const lines = [c.dim(pad(header))];
  for (const [i, r] of rows.entries()) {
    const d = ds[i]!;
    const line = pad(r);
    lines.push(d.outcome.kind === 'allowed' ? (d.verdict === 'upload' ? c.yellow(line) : line) : c.red(line));
  }
  return lines;
}

const width = (s: string): number => [...s].length;

function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}
