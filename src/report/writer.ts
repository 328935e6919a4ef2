/**
 * A report rendered as it is produced: begin (header) → file (each, in order) → end (totals).
 * Each renderer writes text through a Write and keeps nothing per file, so a run over any
 * number of files renders in constant memory.
 */
import type { FileReport, InspectFooter, InspectHeader, InspectReport } from './model.js';

export type Write = (chunk: string) => void;

export interface ReportWriter {
  begin(header: InspectHeader): void;
  file(f: FileReport): void;
  end(footer: InspectFooter): void;
}

/** The whole report through a writer into one string (the non-streamed renderings use this). */
export function renderWith(make: (write: Write) => ReportWriter, report: InspectReport): string {
  const parts: string[] = [];
  const w = make((s) => parts.push(s));
  const { files, summary, exitCode, ...header } = report;
  w.begin(header);
  for (const f of files) w.file(f);
  w.end({ summary, exitCode });
  return parts.join('');
}
