/**
 * Hostile SRT against the scrubber: the corpus subtitles' coordinates moved where the layout
 * parsers do not read them (the truncated corpus file is withheld whatever is done to it), then
 * scrubbed by the built CLI with location `drop`. The oracle is the text itself: each coordinate
 * as the input writes it ("53.365080", "-58.851745"), found by a plain match on
 * `[latitude: …] [longitude: …]` or `GPS(a, b, …)`, must appear nowhere in a copy Airlock wrote as
 * clean. A file Airlock withholds or fails is no leak (it wrote nothing, which is checked too).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusDir } from '../../helpers/corpus.js';
import { caseName, scratchDir, scrubDrop } from './oracles.js';

const base = scratchDir();
afterAll(() => rmSync(base, { recursive: true, force: true }));

const COORDS = [
  /\[latitude\s*:\s*([-+]?\d+\.\d{4,})\]\s*\[longi?tude\s*:\s*([-+]?\d+\.\d{4,})\]/,
  /GPS ?\(\s*([-+]?\d+\.\d{4,})\s*,\s*([-+]?\d+\.\d{4,})[^)]*\)/,
];
const coordsIn = (line: string): RegExpExecArray | undefined =>
  COORDS.map((re) => re.exec(line)).find((m): m is RegExpExecArray => m !== null);
const SRT_SMUGGLE: Record<string, (line: string, a: string, b: string, m: RegExpExecArray) => string> = {
  'GPS tuple on the line': (l, a, b) => `${l} GPS(${b},${a},18)`,
  'keys renamed': (l, a, b, m) => l.replace(m[0], `[lat: ${a}] [lon: ${b}]`),
  'a group without a colon': (l, a, b, m) => l.replace(m[0], `[pos ${a} ${b}]`),
  'a fourth tuple value': (l, a, b, m) => l.replace(m[0], `GPS(${a}, ${b}, 16, ${a}${b})`),
  'bare numbers at the end': (l, a, b) =>
    l.includes('</font>') ? l.replace('</font>', ` ${a} ${b}</font>`) : `${l.trimEnd()} ${a} ${b}`,
  'a line of their own': (l, a, b) => `${l}\n${a}, ${b}`,
  // Subtitle markup is kept as display: its attributes must not carry data through.
  'in a markup attribute': (l, a, b) =>
    /<font /.test(l) ? l.replace('<font ', `<font face="${a} ${b}" `) : `<font face="${a} ${b}">${l}</font>`,
  // Applied to the cue's timing line ("00:00:01,000 --> 00:00:02,000 lat lon"), which players ignore past the times.
  'after the timing': (l, a, b) => l.replace(/\r?$/, (cr) => ` ${a} ${b}${cr}`),
  // ...or in place of its end time: no longer a timing a player reads, so the file may not pass.
  'instead of the end time': (l, a, b) => l.replace(/-->.*?(\r?)$/, `--> ${a} ${b}$1`),
};

describe('hostile SRT: coordinates the layout does not expect are not let through', () => {
  it('every smuggled coordinate text is gone from the clean copy', () => {
    const dir = join(base, 'srt');
    mkdirSync(dir);
    const coords = new Map<string, string[]>();
    for (const file of corpusDir('srt')) {
      const text = readFileSync(file, 'latin1');
      for (const [how, edit] of Object.entries(SRT_SMUGGLE)) {
        const found: string[] = [];
        const lines = text.split('\n');
        let timing = -1;
        for (const [k, line] of lines.entries()) {
          if (line.includes('-->')) timing = k;
          const m = coordsIn(line);
          if (!m || Number(m[1]) === 0) continue;
          found.push(m[1] as string, m[2] as string);
          if (!/timing|end time/.test(how)) lines[k] = edit(line, m[1] as string, m[2] as string, m);
          else if (timing >= 0)
            lines[timing] = edit(lines[timing] as string, m[1] as string, m[2] as string, m);
        }
        const smuggled = lines.join('\n');
        if (found.length === 0) continue;
        const name = `${caseName(how)}-${file.split('/').pop()}`;
        writeFileSync(join(dir, name), smuggled, 'latin1');
        coords.set(name, [...new Set(found)]);
      }
    }
    expect(coords.size).toBeGreaterThanOrEqual(10 * 9);
    const { out, files } = scrubDrop(base, dir, 'srt');
    const leaked: string[] = [];
    for (const f of files) {
      const name = f.input.split('/').pop() as string;
      if (f.status !== 'clean') continue;
      const text = readFileSync(join(out, f.output), 'latin1');
      for (const c of coords.get(name) ?? []) if (text.includes(c)) leaked.push(`${name}: ${c}`);
    }
    console.log(
      `[scrub-leak srt] ${coords.size} files: ${files.filter((f) => f.status === 'clean').length} clean`,
    );
    expect(leaked.slice(0, 20)).toEqual([]);
  }, 120_000);
});
