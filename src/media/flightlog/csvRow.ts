/**
 * One CSV line → fields with their character spans. Hand-written rather than csv-parse because
 * scrub needs every cell's exact position, which csv-parse reports per record only.
 * RFC 4180 quotes ("" escapes a quote). A quoted field never spans lines in DJI exports: one
 * whose closing quote is not on its line is marked `open`, and the reader refuses the file
 * (csv.ts cellsOf) rather than read the rest of the field as rows.
 */
import { bound } from '../../core/limits.js';

export interface Cell {
  text: string;
  /** Character index of the cell's raw text (quotes included) in the line. */
  start: number;
  length: number;
  /** A quoted cell whose closing quote is not on this line (its text runs to the line's end). */
  open?: true;
}

/** Columns one row may hold: AirData's widest export has under 200. */
export const maxCsvColumns = 4096;

export function splitCsvLine(line: string, offset: number): Cell[] {
  const cells: Cell[] = [];
  let i = 0;
  for (;;) {
    bound(cells.length + 1, maxCsvColumns, 'CSV columns', offset);
    const start = i;
    let text = '';
    let open = false;
    // Spaces before the opening quote are allowed (a lenient reader takes the cell as quoted).
    let lead = i;
    while (line[lead] === ' ' || line[lead] === '\t') lead++;
    if (line[lead] === '"') {
      i = lead + 1;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          text += line.slice(i);
          i = line.length;
          open = true;
          break;
        }
        text += line.slice(i, q);
        if (line[q + 1] === '"') {
          text += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = line.indexOf(',', i);
      i = comma < 0 ? line.length : comma;
    } else {
      const comma = line.indexOf(',', i);
      i = comma < 0 ? line.length : comma;
      text = line.slice(start, i);
    }
    cells.push(
      open
        ? { text: text.trim(), start, length: i - start, open }
        : { text: text.trim(), start, length: i - start },
    );
    if (open) return cells;
    if (i >= line.length) return cells;
    i++;
  }
}
