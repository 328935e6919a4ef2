/**
 * scrub runs in this process (workers: 1) over the real corpus (read in place) and over
 * generated inputs: originals untouched, refusals, resume, --force, zones, hostile inputs,
 * verification failures, a full disk. Oracles: SHA-256 of the files, exiftool, stat().
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { defaultPolicy, loadPolicyFile, type Policy, policyHash } from '../../src/policy/index.js';
import { MANIFEST_NAME } from '../../src/scrub/manifest.js';
import { rewriterFor } from '../../src/scrub/registry.js';
import { type ScrubOptions, scrubPaths } from '../../src/scrub/run.js';
import { corpusFile } from '../helpers/corpus.js';
import { exiftoolJson } from '../helpers/exiftool.js';
import {
  droneSrt,
  droneTiff,
  filesUnder,
  hashTree,
  readManifest,
  runOptions,
  scratchFolders,
  sha,
  statTree,
  writeBatch,
} from './run-fixtures.js';

const fresh = scratchFolders('airlock-scrub-run-');
const opts = (
  out: string,
  policy: Policy = defaultPolicy(),
  more: Partial<ScrubOptions> = {},
): ScrubOptions => runOptions(out, more, policy);
/** Outputs only: the manifest and its journal are not copies. */
const outputs = (out: string): string[] =>
  [...filesUnder(out).keys()].filter(
    (k) => !k.startsWith('airlock-manifest') && !k.startsWith('.airlock-manifest'),
  );

describe('scrub over the corpus', () => {
  it('leaves every original byte-identical and withholds the formats it cannot clean, listing each', async () => {
    const roots = [corpusFile('media'), corpusFile('srt'), corpusFile('flightlog')];
    const before = roots.map(hashTree);
    const out = join(fresh(), 'out');
    const r = await scrubPaths(roots, opts(out));
    expect(roots.map(hashTree)).toEqual(before);

    const byInput = new Map(r.manifest.files.map((f) => [f.input, f]));
    for (const name of ['mat2-dirty.png', 'exiftool-QuickTime.heic']) {
      const rec = byInput.get(corpusFile('media', name));
      expect(rec?.status, name).toBe('withheld');
      expect(rec?.withheld?.why, name).toBe('unsupported');
      expect(existsSync(join(out, 'media', name)), name).toBe(false);
      expect(r.failures.some((f) => f.includes(name))).toBe(true);
    }
    // Videos are cleaned; ExifTool's test MOV declares samples its chunk table does not hold, so
    // its copy cannot be shown lossless: an error, nothing written.
    expect(byInput.get(corpusFile('media', 'mat2-dirty.mp4'))?.status).toBe('clean');
    const mov = byInput.get(corpusFile('media', 'exiftool-QuickTime.mov'));
    expect(mov?.status).toBe('error');
    expect(mov?.error).toMatch(/stsc/);
    expect(existsSync(join(out, 'media', 'exiftool-QuickTime.mov'))).toBe(false);
    const broken = byInput.get(corpusFile('srt', 'srtparser-broken_incomplete.SRT'));
    expect(broken?.withheld).toMatchObject({ why: 'unreadable' });
    expect(broken?.withheld?.detail).toMatch(/offset \d+/);
    expect(r.exitCode).toBe(2);
    // Every input has a record, and the manifest heads with the version and the policy hash.
    expect(r.manifest.files).toHaveLength(roots.flatMap((d) => [...filesUnder(d).keys()]).length);
    const m = readManifest(out);
    expect(Object.keys(m).slice(0, 3)).toEqual(['schema', 'airlockVersion', 'policyHash']);
    expect(m.policyHash).toBe(policyHash(defaultPolicy()));
    // Each file written is the one its record hashes.
    for (const rel of outputs(out)) {
      const rec = m.files.find((f) => f.output === rel);
      expect(rec?.outputSha256, rel).toBe(sha(readFileSync(join(out, rel))));
      expect(rec?.inputSha256).toBe(sha(readFileSync(rec?.input as string)));
    }
  });

  it('never writes an original value into the manifest (serials, exact coordinates)', async () => {
    const out = join(fresh(), 'out');
    await scrubPaths([corpusFile('media', 'dji-thermal-flir.tif')], opts(out));
    const text = readFileSync(join(out, MANIFEST_NAME), 'utf8');
    const [rec] = exiftoolJson([corpusFile('media', 'dji-thermal-flir.tif')]);
    const lat = String(rec?.['GPS:GPSLatitude']).slice(0, 7);
    expect(lat).toMatch(/^50\.86/);
    expect(text).not.toContain(lat);
    expect(readManifest(out).files[0]?.status).toBe('clean');
  });
});

describe('refusals', () => {
  it('refuses an --out equal to or inside an input, and writes nothing there', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 4);
    const before = hashTree(input);
    for (const out of [input, join(input, 'clean'), join(input, 'a', 'deeper', 'still')]) {
      await expect(scrubPaths([input], opts(out))).rejects.toMatchObject({ code: 'AIRLOCK_ERR_USAGE' });
    }
    await expect(
      scrubPaths([join(input, 'a', 'DJI_0001.SRT')], opts(join(input, 'a', 'DJI_0001.SRT'))),
    ).rejects.toBeInstanceOf(AirlockError);
    expect(hashTree(input)).toEqual(before);
  });

  it('refuses to overwrite an output it has no record of, unless --force', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 3);
    const out = join(d, 'out');
    mkdirSync(join(out, 'b'), { recursive: true });
    writeFileSync(join(out, 'b', 'DJI_0000.tif'), 'somebody else’s file');
    const r = await scrubPaths([input], opts(out));
    expect(r.exitCode).toBe(2);
    expect(r.failures.join('\n')).toMatch(/DJI_0000\.tif exists .* --force/);
    expect(readFileSync(join(out, 'b', 'DJI_0000.tif'), 'utf8')).toBe('somebody else’s file');
    expect(existsSync(join(out, 'a', 'DJI_0001.SRT'))).toBe(true);

    expect(readdirSync(join(out, 'b')).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const forced = await scrubPaths([input], opts(out, defaultPolicy(), { force: true }));
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(join(out, 'b', 'DJI_0000.tif'), 'utf8')).not.toContain('somebody');
  });

  it('an output name taken by a folder: the file named with its error, no temp left beside it', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 3);
    const out = join(d, 'out');
    mkdirSync(join(out, 'b', 'DJI_0000.tif'), { recursive: true });
    const r = await scrubPaths([input], opts(out));
    expect(r.exitCode).toBe(2);
    expect(r.failures.join('\n')).toMatch(/DJI_0000\.tif.*EISDIR/);
    expect(readdirSync(join(out, 'b')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(out, 'a', 'DJI_0001.SRT'))).toBe(true);
  });
});

describe('resume', () => {
  it('a rerun redoes nothing that is finished: same inode and mtime, every outcome skipped', async () => {
    const d = fresh();
    writeBatch(join(d, 'in'), 12);
    const out = join(d, 'out');
    const first = await scrubPaths([join(d, 'in')], opts(out));
    expect(first.exitCode).toBe(0);
    const stats = statTree(out);
    const again = await scrubPaths([join(d, 'in')], opts(out));
    expect(again.outcomes.map((o) => o.kind)).toEqual(new Array(12).fill('skipped'));
    for (const rel of outputs(out)) expect(statTree(out).get(rel), rel).toBe(stats.get(rel));
  });

  it('redoes a file whose input changed, and one whose output was removed', async () => {
    const d = fresh();
    writeBatch(join(d, 'in'), 4);
    const out = join(d, 'out');
    await scrubPaths([join(d, 'in')], opts(out));
    writeFileSync(join(d, 'in', 'a', 'DJI_0001.SRT'), droneSrt(77));
    rmSync(join(out, 'a', 'DJI_0002.tif'));
    const r = await scrubPaths([join(d, 'in')], opts(out));
    const kinds = Object.fromEntries(r.outcomes.map((o) => [o.record.output, o.kind]));
    expect(kinds).toEqual({
      'a/DJI_0001.SRT': 'done',
      'a/DJI_0002.tif': 'done',
      'b/DJI_0000.tif': 'skipped',
      'b/DJI_0003.SRT': 'skipped',
    });
  });

  it('puts several inputs each under DIR/<basename>', async () => {
    const d = fresh();
    writeFileSync(join(d, 'one.tif'), droneTiff(1));
    mkdirSync(join(d, 'folder'));
    writeFileSync(join(d, 'folder', 'two.SRT'), droneSrt(2));
    const out = join(d, 'out');
    await scrubPaths([join(d, 'one.tif'), join(d, 'folder')], opts(out));
    expect(outputs(out)).toEqual(['folder/two.SRT', 'one.tif']);
  });
});

describe('zones', () => {
  /** An ED-269 zone: a 0.01° square around the thermal TIFF's position as exiftool reads it. */
  function zonePolicy(dir: string, action: 'withhold' | 'drop-location'): Policy {
    const [rec] = exiftoolJson([corpusFile('media', 'dji-thermal-flir.tif')]);
    const lat = rec?.['GPS:GPSLatitude'] as number;
    const lon = rec?.['GPS:GPSLongitude'] as number;
    const ring = [
      [lon - 0.005, lat - 0.005],
      [lon + 0.005, lat - 0.005],
      [lon + 0.005, lat + 0.005],
      [lon - 0.005, lat + 0.005],
      [lon - 0.005, lat - 0.005],
    ];
    const ed269 = {
      title: 'test zones',
      features: [
        {
          identifier: 'TEST-SUBSTATION',
          country: 'BEL',
          name: 'Leuven substation',
          type: 'COMMON',
          restriction: 'PROHIBITED',
          reason: ['SENSITIVE'],
          applicability: [{ permanent: 'YES' }],
          geometry: [{ uomDimensions: 'M', horizontalProjection: { type: 'Polygon', coordinates: [ring] } }],
        },
      ],
    };
    writeFileSync(join(dir, 'zones.json'), JSON.stringify(ed269));
    writeFileSync(
      join(dir, 'airlock.yaml'),
      `version: 1\nzones:\n  - import: zones.json\n    action: ${action}\n`,
    );
    return loadPolicyFile(join(dir, 'airlock.yaml'));
  }

  it('withholds a still whose drone position lies inside an ED-269 zone, naming the zone; the rest is written', async () => {
    const d = fresh();
    const policy = zonePolicy(d, 'withhold');
    const out = join(d, 'out');
    const tif = corpusFile('media', 'dji-thermal-flir.tif');
    const srt = corpusFile('srt', 'srtparser-mavic_air2.srt');
    const r = await scrubPaths([tif, srt], opts(out, policy));
    const rec = r.manifest.files.find((f) => f.input === tif);
    expect(rec?.status).toBe('withheld');
    expect(rec?.withheld?.why).toBe('zone');
    expect(rec?.withheld?.detail).toContain('Leuven substation');
    expect(existsSync(join(out, 'dji-thermal-flir.tif'))).toBe(false);
    expect(existsSync(join(out, 'srtparser-mavic_air2.srt'))).toBe(true);
    expect(r.exitCode).toBe(0); // withholding by zone is the policy working, not an error
  });

  it('drop-location: the copy is written and exiftool finds no GPS position in it', async () => {
    const d = fresh();
    const out = join(d, 'out');
    const r = await scrubPaths(
      [corpusFile('media', 'dji-thermal-flir.tif')],
      opts(out, zonePolicy(d, 'drop-location')),
    );
    expect(r.failures).toEqual([]);
    const [rec] = exiftoolJson([join(out, 'dji-thermal-flir.tif')]);
    const gps = Object.keys(rec ?? {}).filter((k) =>
      /GPS(Latitude|Longitude|Position)|drone-dji:Gps/i.test(k),
    );
    expect(gps).toEqual([]);
  });
});

describe('hostile inputs and failures', () => {
  it('a file that fails to parse gets no output and a clear error; the rest of the batch is written', async () => {
    const d = fresh();
    const input = join(d, 'in');
    const good = writeBatch(input, 6);
    const tif = droneTiff(99);
    writeFileSync(join(input, 'truncated.tif'), tif.subarray(0, 40));
    writeFileSync(
      join(input, 'garbage.tif'),
      Uint8Array.from([0x4d, 0x4d, 0, 42, 0xff, 0xff, 0xff, 0xf0, 1, 2]),
    );
    const out = join(d, 'out');
    const r = await scrubPaths([input], opts(out));
    for (const bad of ['truncated.tif', 'garbage.tif']) {
      expect(existsSync(join(out, bad)), bad).toBe(false);
      const rec = r.manifest.files.find((f) => f.output === bad);
      expect(rec?.status, bad).toBe('withheld');
      expect(rec?.withheld?.detail, bad).toMatch(/offset \d+.*AIRLOCK_ERR_/);
      expect(r.failures.some((f) => f.includes(bad))).toBe(true);
    }
    expect(good.every((p) => r.manifest.files.some((f) => f.input === p && f.status === 'clean'))).toBe(true);
    expect(r.exitCode).toBe(2);
  });

  it('fuzzed TIFFs: each either gets a verified clean copy or no output and a reason, never a crash', async () => {
    const d = fresh();
    const input = join(d, 'in');
    mkdirSync(input);
    let seed = 12345;
    const rnd = (k: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    for (let i = 0; i < 40; i++) {
      const b = droneTiff(i, { littleEndian: i % 2 === 0 });
      for (let m = 0; m < 1 + rnd(4); m++) b[rnd(b.length)] = rnd(256);
      writeFileSync(join(input, `f${i}.tif`), rnd(5) === 0 ? b.subarray(0, rnd(b.length)) : b);
    }
    const out = join(d, 'out');
    const r = await scrubPaths([input], opts(out));
    expect(r.manifest.files).toHaveLength(40);
    for (const f of r.manifest.files) {
      const written = existsSync(join(out, f.output));
      if (f.status === 'clean') {
        expect(written).toBe(true);
        expect(sha(readFileSync(join(out, f.output)))).toBe(f.outputSha256);
      } else {
        expect(written, f.output).toBe(false);
        expect(f.error ?? f.withheld?.detail, f.output).toBeTruthy();
      }
    }
  });

  it('a rewriter that leaves a serial behind fails verification: no output, the file named, exit 2', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 2);
    const out = join(d, 'out');
    const leaky = {
      id: 'tiff',
      rewrite: (src: { size: number; read: (o: number, l: number) => Uint8Array }) => ({
        bytes: src.read(0, src.size).slice(),
        notes: [],
        imageHashIn: 'x',
        imageHashOut: 'x',
      }),
    };
    const r = await scrubPaths(
      [input],
      opts(out, defaultPolicy(), { rewriterFor: (f) => (f === 'tiff' ? leaky : rewriterFor(f)) }),
    );
    const rec = r.manifest.files.find((f) => f.output === 'b/DJI_0000.tif');
    expect(rec?.status).toBe('verify-failed');
    expect(rec?.problems?.join('\n')).toMatch(/BodySerialNumber|SerialNumber/);
    expect(rec?.problems?.join('\n')).toMatch(/GPSPosition/);
    expect(existsSync(join(out, 'b', 'DJI_0000.tif'))).toBe(false);
    expect(r.failures.some((f) => f.includes('DJI_0000.tif') && f.includes('VERIFICATION FAILED'))).toBe(
      true,
    );
    expect(r.exitCode).toBe(2);
    expect(existsSync(join(out, 'a', 'DJI_0001.SRT'))).toBe(true);
  });

  it('a full disk (small tmpfs): a clear ENOSPC error naming the file, nothing half-written, no temp left', async () => {
    const d = fresh();
    const input = join(d, 'in');
    mkdirSync(input);
    // Long SRTs (300 cues each): six clean copies do not fit in 128 KiB.
    for (let i = 0; i < 6; i++) {
      const cues: string[] = [];
      for (let c = 0; c < 300; c++)
        cues.push(
          droneSrt(i, 1)
            .replace(/^1\n/, `${c + 1}\n`)
            .replace(/00:00:00,000 --> 00:00:01,000/, `${ts(c)} --> ${ts(c + 1)}`),
        );
      writeFileSync(join(input, `big${i}.SRT`), cues.join('\n'));
    }
    const out = join(d, 'tmpfs');
    mkdirSync(out);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', out]);
    try {
      let failures: string[] = [];
      try {
        const r = await scrubPaths([input], opts(out));
        failures = r.failures;
        expect(r.exitCode).toBe(2);
      } catch (err) {
        failures = [String((err as Error).message)];
      }
      expect(failures.some((f) => /ENOSPC/.test(f) && /big\d+\.SRT/.test(f))).toBe(true);
      const left = [...filesUnder(out).keys()];
      expect(left.filter((k) => k.endsWith('.tmp'))).toEqual([]);
      const m = existsSync(join(out, MANIFEST_NAME)) ? readManifest(out) : undefined;
      for (const rel of left.filter((k) => k.endsWith('.SRT'))) {
        // Whatever sits under a final name is complete: its bytes are what the journal or manifest recorded.
        const journal = existsSync(join(out, '.airlock-manifest.journal'))
          ? readFileSync(join(out, '.airlock-manifest.journal'), 'utf8')
          : '';
        const h = sha(readFileSync(join(out, rel)));
        expect(journal.includes(h) || m?.files.some((f) => f.outputSha256 === h), rel).toBe(true);
      }
    } finally {
      execFileSync('umount', [out]);
    }
  });
});

function ts(s: number): string {
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss},000`;
}
