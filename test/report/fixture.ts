/** A hand-written report for rendering tests: hostile strings where a file could put them. */
import type { InspectReport } from '../../src/report/model.js';

export const HOSTILE = '<script>alert("x")</script><img src=http://evil.example/a.png>';
export const ANSI = '\u001b[2J\u001b[31mFORGED\u001b[0m\nfake line';

export function hostileReport(): InspectReport {
  const frames = Array.from({ length: 5000 }, (_, i) => ({
    category: 'location.drone' as const,
    tag: 'latitude',
    path: ['SRT', 'frame'],
    ranges: [{ offset: 100 + i * 200, length: 9 }],
    value: { kind: 'position' as const, position: { lat: 51.5 + i * 1e-6, lon: -0.1 } },
    frame: i + 1,
    action: 'drop' as const,
  }));
  return {
    schema: 'airlock.inspect/1',
    airlockVersion: '0.1.0',
    policyHash: 'sha256:abc',
    generatedAt: '2024-01-01T00:00:00.000Z',
    command: `airlock inspect ${HOSTILE}`,
    roots: ['media'],
    files: [
      {
        path: `media/${HOSTILE}.jpg`,
        size: 1234,
        format: 'jpeg',
        status: 'read',
        findings: [
          {
            category: 'identity.person',
            tag: 'Artist',
            path: ['APP1 Exif', 'IFD0'],
            ranges: [{ offset: 40, length: 64 }],
            value: { kind: 'text', text: HOSTILE },
            action: 'drop',
          },
          {
            category: 'other',
            tag: 'ImageDescription',
            path: ['APP1 Exif', 'IFD0'],
            ranges: [{ offset: 120, length: 30 }],
            value: { kind: 'text', text: ANSI },
            action: 'drop',
          },
        ],
        warnings: [{ name: 'odd', detail: HOSTILE, offset: 7 }],
        facts: {},
        zones: [],
      },
      {
        path: 'media/flight.SRT',
        size: 1_000_000,
        format: 'srt',
        status: 'read',
        findings: frames,
        warnings: [],
        facts: { frames: 5000 },
        zones: [{ zone: HOSTILE, role: 'drone', action: 'withhold' }],
      },
      {
        path: 'media/clip.mp4',
        size: 10,
        format: null,
        status: 'not-read',
        reason: "ISO-BMFF video (brand 'isom'): not yet supported",
        findings: [],
        warnings: [],
        facts: {},
        zones: [],
      },
    ],
    summary: {
      files: 3,
      byStatus: { read: 2, partial: 0, 'not-read': 1, error: 0 },
      sensitiveFiles: 2,
      findings: 5002,
      byCategory: { 'location.drone': 5000, 'identity.person': 1, other: 1 },
      filesInZones: 1,
    },
    exitCode: 2,
  };
}
