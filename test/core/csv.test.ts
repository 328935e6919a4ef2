import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { csvField } from '../../src/core/csv.js';

/** Python's csv module reads the rows back: the quoting is judged by a reader we did not write. */
function pythonRows(csv: string): string[][] {
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import csv,io,json,sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))',
    ],
    { input: csv },
  );
  return JSON.parse(out.toString()) as string[][];
}

describe('csvField', () => {
  const awkward = ['plain', 'a,b', 'say "hi"', 'two\r\nlines', 'lf\nonly', '', ' spaced ', 'ünïcode'];

  it('round-trips awkward text through an independent CSV reader', () => {
    const line = `${awkward.map(csvField).join(',')}\r\n`;
    expect(pythonRows(line)).toEqual([awkward]);
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    const hostile = ['=HYPERLINK("http://x","y")', '+1+cmd', '-2+3', '@SUM(A1)', '\tx', '\r=1'];
    const [row] = pythonRows(`${hostile.map(csvField).join(',')}\r\n`);
    expect(row).toEqual(hostile.map((h) => `'${h}`));
  });

  it('leaves numbers and numeric text alone', () => {
    expect([-5, 3.25, true, '-12.5', '42'].map(csvField)).toEqual(['-5', '3.25', 'true', '-12.5', '42']);
  });
});
