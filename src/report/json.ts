/**
 * The machine-readable report: every finding, unfolded (schema/inspect-report.v1.json).
 * jsonWriter streams the same bytes renderJson gives for the whole report: the header fields,
 * then the files array one element at a time, then summary and exitCode.
 */
import type { FileReport, InspectFooter, InspectHeader, InspectReport } from './model.js';
import type { ReportWriter, Write } from './writer.js';

export const renderJson = (report: InspectReport): string => `${JSON.stringify(report, null, 2)}\n`;

/** Two levels deep inside the report object ("files": [ … ]). JSON strings never hold a raw newline. */
const asElement = (f: FileReport): string => JSON.stringify(f, null, 2).replaceAll('\n', '\n    ');

export function jsonWriter(write: Write): ReportWriter {
  let count = 0;
  return {
    begin(h: InspectHeader) {
      const head = JSON.stringify({ ...h, files: [] }, null, 2);
      // '…"files": []\n}' → '…"files": [' (the elements and the closing bracket follow).
      write(head.slice(0, head.lastIndexOf(']')));
    },
    file(f: FileReport) {
      write(`${count++ === 0 ? '\n    ' : ',\n    '}${asElement(f)}`);
    },
    end(foot: InspectFooter) {
      const tail = JSON.stringify({ summary: foot.summary, exitCode: foot.exitCode }, null, 2);
      // '{\n  "summary": …\n}' → ',\n  "summary": …\n}'
      write(`${count > 0 ? '\n  ]' : ']'},${tail.slice(1)}\n`);
    },
  };
}
