/**
 * The machine-readable report: every finding, unfolded (schema/inspect-report.v1.json).
 * jsonWriter streams the header fields, then the files array one element at a time, then summary
 * and exitCode. Each file is one compact line (`jq -c '.files[]'`-style): indenting every finding
 * cost more than reading the files (about a sixth of a 2,000-file run), and a line per file is
 * what grep and line-oriented tools want; the rest stays indented for people.
 */
import type { FileReport, InspectFooter, InspectHeader, InspectReport } from './model.js';
import { type ReportWriter, renderWith, type Write } from './writer.js';

export const renderJson = (report: InspectReport): string => renderWith(jsonWriter, report);

/**
 * Findings serialised per write. A file's line is written in pieces, never made one string: V8
 * caps a string near 512 MB, which a long flight log's or SRT's findings can pass.
 */
const FINDINGS_PER_WRITE = 4096;

/** One line per file (JSON strings never hold a raw newline); its findings come last. */
function writeElement(write: Write, f: FileReport): void {
  const { findings, ...rest } = f;
  const head = JSON.stringify(rest);
  write(`${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"findings":[`);
  for (let i = 0; i < findings.length; i += FINDINGS_PER_WRITE) {
    const part = findings.slice(i, i + FINDINGS_PER_WRITE).map((x) => JSON.stringify(x));
    write(`${i > 0 ? ',' : ''}${part.join(',')}`);
  }
  write(']}');
}

export function jsonWriter(write: Write): ReportWriter {
  let count = 0;
  return {
    begin(h: InspectHeader) {
      const head = JSON.stringify({ ...h, files: [] }, null, 2);
      // '…"files": []\n}' → '…"files": [' (the elements and the closing bracket follow).
      write(head.slice(0, head.lastIndexOf(']')));
    },
    file(f: FileReport) {
      write(count++ === 0 ? '\n    ' : ',\n    ');
      writeElement(write, f);
    },
    end(foot: InspectFooter) {
      const tail = JSON.stringify({ summary: foot.summary, exitCode: foot.exitCode }, null, 2);
      // '{\n  "summary": …\n}' → ',\n  "summary": …\n}'
      write(`${count > 0 ? '\n  ]' : ']'},${tail.slice(1)}\n`);
    },
  };
}
