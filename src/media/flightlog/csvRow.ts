/**
 * One CSV line → fields with their character spans. Hand-written rather than csv-parse because
 * scrub needs every cell's exact position, which csv-parse reports per record only.
 * RFC 4180 quotes ("" escapes a quote); a quoted field never spans lines in DJI exports.
 */
import { bound } from '../../core/limits.js';

export interface Cell {
  text: string;
  /** Character index of the cell's raw text (quotes included) in the line. */
  start: number;
  length: number;
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
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          text += line.slice(i);
          i = line.length;
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
    cells.push({ text: text.trim(), start, length: i - start });
    if (i >= line.length) return cells;
    i++;
  }
}
