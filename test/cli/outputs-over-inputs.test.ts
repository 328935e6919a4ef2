/**
 * A report written over an input would lose it: the HTML report is renamed into place once the
 * run ends, so `--html` naming a photo, a capture or an APK being read replaced it. Each command
 * with an output file refuses such a path (exit 64, naming both) before reading anything, and
 * the input stays byte for byte.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusFile } from '../helpers/corpus.js';
import { airlock, ensureBuilt } from './built.js';

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'airlock-over-inputs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refused(args: string[], input: string, original: string): void {
  const r = airlock(args);
  expect({ code: r.code, stderr: r.stderr }).toEqual({
    code: 64,
    stderr: expect.stringMatching(/would replace .*: write it elsewhere/),
  });
  expect(readFileSync(input).equals(readFileSync(original))).toBe(true);
}

describe('an output over an input is refused, the input intact', () => {
  it('inspect --html naming a photo in the folder inspected, or the photo itself', () => {
    const dcim = join(dir, 'DCIM');
    mkdirSync(dcim);
    const photo = join(dcim, 'IMG_0001.JPG');
    const original = corpusFile('media', 'exiftool-GPS.jpg');
    copyFileSync(original, photo);
    refused(['inspect', dcim, '--html', photo], photo, original);
    refused(['inspect', photo, '--html', photo], photo, original);
    // A new file in the folder is no input: written.
    const r = airlock(['inspect', dcim, '--html', join(dcim, 'report.html')]);
    expect(r.code).toBe(1);
    expect(existsSync(join(dcim, 'report.html'))).toBe(true);
  });

  it('vet --html naming the APK vetted', () => {
    const apk = join(dir, 'app.apk');
    const original = corpusFile('apk', 'apksig/golden-aligned-out.apk');
    copyFileSync(original, apk);
    refused(['vet', apk, '--html', apk], apk, original);
  });

  it('audit --html and --connections naming the capture', () => {
    const pcap = join(dir, 'tablet.pcap');
    const original = corpusFile('pcap', 'zeek-http-get.pcap');
    copyFileSync(original, pcap);
    refused(['audit', pcap, '--html', pcap], pcap, original);
    refused(['audit', pcap, '--connections', pcap], pcap, original);
  });
});
