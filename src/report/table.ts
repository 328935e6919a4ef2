/**
 * The terminal rendering of an inspect report: per file a header line, then one row per
 * folded finding group, then the summary. Every string from a file goes through visible()
 * first, so a hostile tag value cannot move the cursor or forge lines.
 */
import pc from 'picocolors';
import { type Category, formatPath, isSensitive } from '../findings/model.js';
import { EXIT } from './exit-codes.js';
import { formatValue, visible } from './format-value.js';
import { formatRanges, groupFindings } from './group.js';
import type { FileReport, InspectFooter, InspectHeader, InspectReport } from './model.js';
import { type ReportWriter, renderWith, type Write } from './writer.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface TableOptions {
  /** Default: picocolors' own detection (TTY, NO_COLOR, FORCE_COLOR). */
  color?: boolean;
}

const MAX_WHERE = 70;

export function renderTable(report: InspectReport, opts: TableOptions = {}): string {
  return renderWith((write) => tableWriter(write, opts), report);
}

/** The table, one file block at a time (each printed as soon as its file is inspected). */
export function tableWriter(write: Write, opts: TableOptions = {}): ReportWriter {
  const c = pc.createColors(opts.color ?? pc.isColorSupported);
  let header: InspectHeader | undefined;
  return {
    begin(h) {
      header = h;
    },
    file(f) {
      write(`${renderFile(f, c).join('\n')}\n\n`);
    },
    end(foot) {
      write(`${renderSummary(header, foot, c).join('\n')}\n`);
    },
  };
}

function statusText(f: FileReport, c: Colors): string {
  switch (f.status) {
    case 'read':
      return f.findings.some((x) => isSensitive(x.category)) ? c.yellow('sensitive') : c.green('clean');
    case 'partial':
      return c.red('partly read');
    case 'not-read':
      return c.red('not read');
    case 'error':
      return c.red('error');
  }
}

function renderFile(f: FileReport, c: Colors): string[] {
  const lines = [`${c.bold(visible(f.path))}  ${c.dim(f.format ?? '-')}  ${statusText(f, c)}`];
  if (f.reason) lines.push(`  ${c.red(visible(f.reason))}`);
  if (f.error && f.status !== 'partial' && f.reason !== f.error.message) {
    const at = f.error.offset === undefined ? '' : ` at offset ${f.error.offset}`;
    lines.push(`  ${c.red(`${visible(f.error.message)}${at} (${f.error.code})`)}`);
  }
  for (const w of f.warnings) {
    const at = w.offset === undefined ? '' : ` @${w.offset}`;
    lines.push(`  ${c.yellow(`warning ${visible(w.name)}${at}: ${visible(w.detail)}`)}`);
  }
  for (const z of f.zones) {
    lines.push(`  ${c.magenta(`zone ${visible(z.zone)}: ${z.role} position inside → ${z.action}`)}`);
  }
  const groups = groupFindings(f.findings);
  if (groups.length === 0) return lines;
  const rows = groups.map((g) => {
    const where = `${formatPath(g.first.path)} ${formatRanges(g.ranges)}`.trim();
    return [
      g.first.category,
      g.first.tag,
      clip(visible(where), MAX_WHERE),
      g.count > 1 ? `${g.count}×` : '',
      (g.count > 1 ? 'first: ' : '') + formatValue(g.first.value),
      g.first.action ?? '',
    ].map((s) => visible(s));
  });
  const header = ['category', 'tag', 'where', 'n', 'value', 'action'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => width(r[i] ?? ''))));
  const pad = (cells: string[], paint: (s: string) => string = (s) => s): string =>
    `  ${cells.map((s, i) => (i === cells.length - 1 ? s : s + ' '.repeat(widths[i]! - width(s)))).join('  ')}`
      .trimEnd()
      .replace(/^( {2}\S+)/, (m) => paint(m));
  lines.push(c.dim(pad(header)));
  for (const [i, r] of rows.entries()) lines.push(pad(r, colorCategory(groups[i]!.first.category, c)));
  return lines;
}

function colorCategory(cat: Category, c: Colors): (s: string) => string {
  if (cat.startsWith('location.')) return c.red;
  if (cat.startsWith('identity.') || cat === 'infrastructure') return c.yellow;
  if (cat === 'display') return c.dim;
  return (s) => s;
}

function renderSummary(h: InspectHeader | undefined, r: InspectFooter, c: Colors): string[] {
  const s = r.summary;
  const status = [
    `${s.byStatus.read} read`,
    s.byStatus.partial ? c.red(`${s.byStatus.partial} partly read`) : '',
    s.byStatus['not-read'] ? c.red(`${s.byStatus['not-read']} not read`) : '',
    s.byStatus.error ? c.red(`${s.byStatus.error} errors`) : '',
  ].filter(Boolean);
  const cats = Object.entries(s.byCategory)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const verdict =
    r.exitCode === EXIT.ERROR
      ? c.red('Some files were not fully read: nothing can be said about what they hold (exit 2).')
      : r.exitCode === EXIT.SENSITIVE
        ? c.yellow(`Sensitive data found in ${s.sensitiveFiles} of ${s.files} files (exit 1).`)
        : c.green('Nothing sensitive found (exit 0).');
  const lines = [
    c.bold(`${s.files} files: ${status.join(', ')}`),
    `${s.findings} findings${cats ? `: ${cats}` : ''}`,
  ];
  if (s.filesInZones) lines.push(c.magenta(`${s.filesInZones} files with positions inside protected zones`));
  lines.push(`policy ${h?.policyHash ?? '-'} · airlock ${h?.airlockVersion ?? '-'}`, verdict);
  return lines;
}

/** Characters, not UTF-16 units, so '×' and '›' line up. */
const width = (s: string): number => [...s].length;

function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}
