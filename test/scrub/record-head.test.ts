/**
 * The record a worker's outcome becomes on the main thread (head fields + the journal text):
 * the same record the worker made, serialised the same, its lists parsed only when read.
 */
import { describe, expect, it } from 'vitest';
import type { ManifestRecord } from '../../src/scrub/manifest.js';
import { countActions, recordFromHead, recordHead } from '../../src/scrub/record-head.js';

const record = (): ManifestRecord => ({
  input: '/in/a.jpg',
  inputSha256: 'aa',
  inputSize: 10,
  output: 'a.jpg',
  status: 'clean',
  format: 'jpeg',
  policyHash: 'pp',
  findings: [
    { category: 'location.drone', tag: 'GPS', path: 'APP1 Exif › GPS', action: 'replace', count: 1 },
    { category: 'identity.device', tag: 'SerialNumber', path: 'APP1 Exif › IFD0', action: 'drop', count: 2 },
    { category: 'display', tag: 'Orientation', path: 'APP1 Exif › IFD0', action: 'keep', count: 3 },
  ],
  kept: ['display:Orientation'],
  notes: ['a note'],
  finishedAt: '2026-01-01T00:00:00.000Z',
  imageHashIn: 'ii',
  imageHashOut: 'ii',
  outputSha256: 'oo',
});

describe('recordFromHead', () => {
  it('serialises, spreads and reads as the record it came from', () => {
    const r = record();
    const line = JSON.stringify(r);
    const back = recordFromHead(structuredClone(recordHead(r)), line);
    expect(JSON.stringify(back)).toBe(line);
    expect({ ...back }).toEqual(r);
    expect(Object.keys(back)).toEqual(Object.keys(r));
    expect(back.findings).toEqual(r.findings);
    expect(back.kept).toEqual(r.kept);
  });

  it('never parses the text while only the head is read', () => {
    const r = record();
    // Not JSON: any parse would throw.
    const back = recordFromHead(recordHead(r), 'not json');
    expect(back.status).toBe('clean');
    expect(back.notes).toEqual(['a note']);
    expect(JSON.stringify({ status: back.status, output: back.output })).toContain('a.jpg');
    expect(() => back.findings).toThrow();
  });

  it('takes a list assigned to it, as a plain record does', () => {
    const r = record();
    const back = recordFromHead(recordHead(r), JSON.stringify(r));
    back.findings = [];
    expect(back.findings).toEqual([]);
    expect(JSON.parse(JSON.stringify(back)).findings).toEqual([]);
  });

  it('counts findings per action, lines weighted by their count', () => {
    expect(recordHead(record()).counts).toEqual({ keep: 3, drop: 2, replace: 1 });
    expect(countActions([])).toEqual({ keep: 0, drop: 0, replace: 0 });
  });
});
