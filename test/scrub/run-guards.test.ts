/**
 * What guards a scrub's --out folder and its records (QA findings): a journal append that fails
 * half-way, a manifest or journal that cannot be read, two runs at once, inputs inside --out
 * (directly or through a link), inputs named like Airlock's own files, a dry run that must
 * refuse what the run refuses, ownership kept across failed records, records of another
 * version, long names, and what the run reports. In this process (workers: 1).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/scrub/commit.js';
import { LOCK_NAME } from '../../src/scrub/files.js';
import {
  CONVENTIONS,
  JOURNAL_NAME,
  Journal,
  loadPrior,
  MANIFEST_NAME,
  MANIFEST_SCHEMA,
  type ManifestRecord,
  writeManifestStreamed,
} from '../../src/scrub/manifest.js';
import { scrubPaths } from '../../src/scrub/run.js';
import { TEMP_PREFIX, TEMP_SUFFIX, tempName } from '../../src/scrub/temp-output.js';
import {
  droneSrt,
  filesUnder,
  hashTree,
  readManifest,
  runOptions,
  scratchFolders,
  sha,
  writeBatch,
} from './run-fixtures.js';

const fresh = scratchFolders('airlock-scrub-guards-');
const opts = runOptions;
const kinds = (r: Awaited<ReturnType<typeof scrubPaths>>): Record<string, string> =>
  Object.fromEntries(r.outcomes.map((o) => [o.record.output, `${o.kind}:${o.record.status}`]));

const rec = (output: string, extra: Partial<ManifestRecord> = {}): ManifestRecord => ({
  input: `/in/${output}`,
  inputSha256: 'a'.repeat(64),
  inputSize: 1,
  output,
  outputSha256: 'b'.repeat(64),
  status: 'clean',
  format: 'jpeg',
  policyHash: 'p',
  findings: [],
  kept: [],
  notes: [],
  finishedAt: '2026-11-23T00:00:00.000Z',
  ...extra,
});

describe('the journal after a failed append (disk full, then space again)', () => {
  it('is cut back to its last whole line: later records land where indexed, the manifest is valid JSON', () => {
    const d = fresh();
    const mnt = join(d, 'tmpfs');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
    try {
      const journal = new Journal(mnt);
      journal.appendMany([rec('a.jpg')]);
      // Fill the disk, then free two pages: a 20 KB record is written in part, then ENOSPC.
      const filler = join(mnt, 'filler');
      const fd = openSync(filler, 'w');
      const block = Buffer.alloc(4096, 1);
      let size = 0;
      try {
        for (;;) size += writeSync(fd, block);
      } catch {}
      closeSync(fd);
      execFileSync('truncate', ['-s', String(size - 8192), filler]);
      const before = statSync(join(mnt, JOURNAL_NAME)).size;
      expect(() => journal.appendMany([rec('big.jpg', { notes: ['x'.repeat(20_000)] })])).toThrow(/ENOSPC/);
      expect(statSync(join(mnt, JOURNAL_NAME)).size).toBe(before);
      rmSync(filler);
      journal.appendMany([rec('c.jpg'), rec('d.jpg')]);
      writeManifestStreamed(
        mnt,
        {
          schema: MANIFEST_SCHEMA,
          airlockVersion: 't',
          policyHash: 'p',
          conventions: CONVENTIONS,
          updatedAt: 'now',
          complete: true,
        },
        new Map(),
        journal,
      );
      journal.close();
      const m = readManifest(mnt);
      expect(m.files.map((f) => f.output)).toEqual(['a.jpg', 'c.jpg', 'd.jpg']);
      expect([...loadPrior(mnt).records.keys()].sort()).toEqual(['a.jpg', 'c.jpg', 'd.jpg']);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('a record copied from the wrong offset is never written into a manifest', () => {
    const d = fresh();
    const journal = new Journal(d);
    journal.appendMany([rec('a.jpg'), rec('b.jpg')]);
    const e = journal.index.get('a.jpg') as { offset: number; length: number };
    journal.index.set('a.jpg', { offset: e.offset + 3, length: e.length });
    const head = {
      schema: MANIFEST_SCHEMA,
      airlockVersion: 't',
      policyHash: 'p',
      conventions: CONVENTIONS,
      updatedAt: 'now',
      complete: true,
    } as const;
    expect(() => writeManifestStreamed(d, head, new Map(), journal)).toThrow(/no whole record at offset/);
    journal.close();
    expect(existsSync(join(d, MANIFEST_NAME))).toBe(false);
    expect(filesUnder(d).size).toBe(1); // the journal only: no temp left
  });

  it('a torn last line (killed mid-append) is tolerated and cut off before the next append', async () => {
    const d = fresh();
    writeBatch(join(d, 'in'), 3);
    const out = join(d, 'out');
    mkdirSync(out);
    writeFileSync(join(out, JOURNAL_NAME), `${JSON.stringify(rec('zz.jpg'))}\n{"input":"/in/torn`);
    const r = await scrubPaths([join(d, 'in')], opts(out));
    expect(r.exitCode).toBe(0);
    expect(readManifest(out).files.map((f) => f.output)).toContain('zz.jpg');
  });
});

describe('a manifest or journal that cannot be read', () => {
  it('is refused, naming the file and the byte offset, and nothing is replaced', async () => {
    const d = fresh();
    writeBatch(join(d, 'in'), 3);
    const out = join(d, 'out');
    await scrubPaths([join(d, 'in')], opts(out));
    const good = readFileSync(join(out, MANIFEST_NAME), 'utf8');
    const at = good.indexOf('{"input"');
    const bad = `${good.slice(0, at)}x${good.slice(at)}`;
    writeFileSync(join(out, MANIFEST_NAME), bad);
    const tree = hashTree(out);
    const err = await scrubPaths([join(d, 'in')], opts(out)).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(
      new RegExp(
        `${MANIFEST_NAME}: not valid JSON at byte offset ${Buffer.byteLength(good.slice(0, at))}:.*move it aside`,
      ),
    );
    expect((err as { code?: string }).code).toBe('AIRLOCK_ERR_MALFORMED');
    expect(hashTree(out)).toEqual(tree);
    // A dry run says the same.
    await expect(scrubPaths([join(d, 'in')], opts(out, { dryRun: true }))).rejects.toThrow(/byte offset/);

    writeFileSync(join(out, MANIFEST_NAME), good);
    const line = JSON.stringify(rec('x.jpg'));
    writeFileSync(join(out, JOURNAL_NAME), `${line}\n{"input":\n${line}\n`);
    await expect(scrubPaths([join(d, 'in')], opts(out))).rejects.toThrow(
      new RegExp(`${JOURNAL_NAME}: a line is not valid JSON at byte offset ${line.length + 1 + 9}`),
    );
  });
});

describe('one run at a time per --out', () => {
  it('a second run is refused while the first holds the lock; a dry run still plans', async () => {
    const d = fresh();
    writeBatch(join(d, 'in'), 3);
    const out = join(d, 'out');
    const first = scrubPaths([join(d, 'in')], opts(out));
    const second = scrubPaths([join(d, 'in')], opts(out)).catch((e: Error) => e);
    const [a, b] = await Promise.all([first, second]);
    expect(a.exitCode).toBe(0);
    expect(String((b as Error).message)).toMatch(/in use by another airlock scrub \(pid \d+/);
    expect(existsSync(join(out, LOCK_NAME))).toBe(false);

    writeFileSync(join(out, LOCK_NAME), `${process.pid} ${hostname()} 2026-01-01T00:00:00Z\n`);
    const tree = hashTree(out);
    await expect(scrubPaths([join(d, 'in')], opts(out, { force: true }))).rejects.toThrow(
      /in use by another airlock scrub/,
    );
    expect(hashTree(out)).toEqual(tree);
    const dry = await scrubPaths([join(d, 'in')], opts(out, { dryRun: true }));
    expect(dry.exitCode).toBe(0);
    expect(hashTree(out)).toEqual(tree);
  });

  it('takes over a lock whose run is gone, and releases it at the end', async () => {
    const d = fresh();
    writeBatch(join(d, 'in'), 2);
    const out = join(d, 'out');
    mkdirSync(out);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    writeFileSync(join(out, LOCK_NAME), `${gone} ${hostname()} 2026-01-01T00:00:00Z\n`);
    const r = await scrubPaths([join(d, 'in')], opts(out));
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(out, LOCK_NAME))).toBe(false);
  });
});

describe('a lock whose pid now belongs to another process', () => {
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const lockedBy = async (fields: string): Promise<number | Error> => {
    const d = fresh();
    writeBatch(join(d, 'in'), 1);
    const out = join(d, 'out');
    mkdirSync(out);
    // This test's own pid stands for a pid reused by a live process.
    writeFileSync(join(out, LOCK_NAME), `${process.pid} ${hostname()} 2026-01-01T00:00:00Z ${fields}\n`);
    return scrubPaths([join(d, 'in')], opts(out)).then(
      (r) => r.exitCode,
      (e: Error) => e,
    );
  };

  it('is stale after a reboot (another boot id) and when the pid started after the lock was written', async () => {
    expect(await lockedBy(`00000000-0000-0000-0000-000000000000 ${start}`)).toBe(0);
    expect(await lockedBy(`${boot} ${Number(start) + 1}`)).toBe(0);
  });

  it('still holds while the same process (same boot, same start) runs', async () => {
    expect(String(await lockedBy(`${boot} ${start}`))).toMatch(/in use by another airlock scrub/);
  });
});

describe('inputs inside --out', () => {
  it('an input equal to or inside --out is refused, even with --force, even through a link', async () => {
    const d = fresh();
    const out = join(d, 'o');
    writeBatch(join(out, 'media'), 3);
    symlinkSync(join(out, 'media'), join(d, 'alias'));
    const tree = hashTree(out);
    for (const input of [join(out, 'media'), out, join(d, 'alias')])
      await expect(scrubPaths([input], opts(out, { force: true }))).rejects.toMatchObject({
        code: 'AIRLOCK_ERR_USAGE',
        message: expect.stringMatching(/inside --out|--out .* the same as the input/),
      });
    expect(hashTree(out)).toEqual(tree);
  });

  it('a link inside an input that leads into --out is not followed: one record names it', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 2);
    const out = join(d, 'o');
    mkdirSync(join(out, 'x'), { recursive: true });
    writeFileSync(join(out, 'x', 'DJI_0009.SRT'), droneSrt(9));
    symlinkSync('../o', join(input, 'link'));
    const r = await scrubPaths([input], opts(out, { force: true }));
    expect(readFileSync(join(out, 'x', 'DJI_0009.SRT'), 'utf8')).toBe(droneSrt(9));
    expect(existsSync(join(out, 'link'))).toBe(false);
    const linked = r.manifest.files.filter((f) => f.input.includes('link'));
    expect(linked).toHaveLength(1);
    expect(linked[0]?.withheld?.detail).toMatch(/a link into --out/);
    expect(r.unlisted).toHaveLength(1);
    expect(r.exitCode).toBe(2);
  });

  it('a file link into --out, and a folder link to a folder inside it, are not followed either; plain files beside them are scrubbed', async () => {
    // Files that are no links are placed by their folder's real path (resolved once a folder);
    // a link of either kind is resolved itself.
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(join(input, 'sub'), 2);
    const out = join(d, 'o');
    mkdirSync(join(out, 'x', 'y'), { recursive: true });
    writeFileSync(join(out, 'x', 'DJI_0009.SRT'), droneSrt(9));
    writeFileSync(join(out, 'x', 'y', 'DJI_0008.SRT'), droneSrt(8));
    symlinkSync(join(out, 'x', 'DJI_0009.SRT'), join(input, 'sub', 'file-link.SRT'));
    symlinkSync('../../o/x/y', join(input, 'sub', 'folder-link'));
    const r = await scrubPaths([input], opts(out, { force: true }));
    expect(readFileSync(join(out, 'x', 'DJI_0009.SRT'), 'utf8')).toBe(droneSrt(9));
    expect(readFileSync(join(out, 'x', 'y', 'DJI_0008.SRT'), 'utf8')).toBe(droneSrt(8));
    expect(existsSync(join(out, 'sub', 'file-link.SRT'))).toBe(false);
    expect(existsSync(join(out, 'sub', 'folder-link'))).toBe(false);
    expect(r.unlisted.map((u) => u.input).sort()).toEqual([
      join(input, 'sub', 'file-link.SRT'),
      join(input, 'sub', 'folder-link'),
    ]);
    for (const u of r.unlisted) expect(u.withheld?.detail).toMatch(/a link into --out/);
    expect(r.manifest.files.filter((f) => f.status === 'clean')).toHaveLength(2);
    expect(r.exitCode).toBe(2);
  });
});

describe('inputs named like Airlock’s own files', () => {
  it('are withheld as reserved names, never reported clean, never overwritten or swept', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 2);
    writeFileSync(join(input, MANIFEST_NAME), droneSrt(1));
    writeFileSync(join(input, JOURNAL_NAME), droneSrt(2));
    writeFileSync(join(input, 'a', `${TEMP_PREFIX}x${TEMP_SUFFIX}`), droneSrt(3));
    const out = join(d, 'out');
    const r = await scrubPaths([input], opts(out));
    const m = readManifest(out);
    for (const name of [MANIFEST_NAME, JOURNAL_NAME, `a/${TEMP_PREFIX}x${TEMP_SUFFIX}`]) {
      const f = m.files.find((x) => x.output === name);
      expect(f?.status, name).toBe('withheld');
      expect(f?.withheld?.detail, name).toMatch(/reserved name/);
    }
    expect(r.outcomes.some((o) => o.record.output.includes(MANIFEST_NAME))).toBe(false);
    expect(r.exitCode).toBe(2);
    expect(existsSync(join(out, JOURNAL_NAME))).toBe(false);
    expect(r.failures.filter((f) => /reserved name/.test(f))).toHaveLength(3);
  });
});

describe('a file name that is not UTF-8', () => {
  it('is withheld with its bytes named (not "missing"), and the rest of the batch is scrubbed', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 2);
    // Latin-1 'é' (0xE9): Node decodes the name to U+FFFD and could not open what it lists.
    writeFileSync(
      Buffer.concat([Buffer.from(join(input, 'a', 'DJI_')), Buffer.from([0xe9, 0x2e, 0x73, 0x72, 0x74])]),
      droneSrt(1),
    );
    const out = join(d, 'out');
    const r = await scrubPaths([input], opts(out));
    const m = readManifest(out);
    const bad = m.files.filter((f) => f.status === 'withheld');
    expect(bad).toHaveLength(1);
    expect(bad[0]?.withheld?.detail).toMatch(/not UTF-8 \(DJI_\\xe9\.srt\).*rename/);
    expect(m.files.filter((f) => f.status === 'clean')).toHaveLength(2);
    expect(r.exitCode).toBe(2);
  });
});

describe('--dry-run refuses what the run refuses', () => {
  it('an existing output with no record: an error in the plan, and the run’s exit code', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 2);
    const out = join(d, 'out');
    mkdirSync(join(out, 'b'), { recursive: true });
    writeFileSync(join(out, 'b', 'DJI_0000.tif'), 'somebody else’s');
    const dry = await scrubPaths([input], opts(out, { dryRun: true }));
    expect(kinds(dry)['b/DJI_0000.tif']).toBe('planned:error');
    expect(dry.outcomes.find((o) => o.record.output === 'b/DJI_0000.tif')?.record.error).toMatch(
      /no manifest record says Airlock wrote it.*--force/,
    );
    const real = await scrubPaths([input], opts(out));
    expect(dry.exitCode).toBe(real.exitCode);
    expect(dry.exitCode).toBe(2);
    const forced = await scrubPaths([input], opts(out, { dryRun: true, force: true }));
    expect(forced.exitCode).toBe(0);
  });
});

describe('an output stays Airlock’s across error and withheld records', () => {
  it('an input unreadable for a while: once back, its output is replaced, not refused', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 2);
    const out = join(d, 'out');
    await scrubPaths([input], opts(out));
    const file = join(input, 'a', 'DJI_0001.SRT');
    const bytes = readFileSync(file);
    rmSync(file);
    symlinkSync(join(d, 'nowhere'), file); // a dangling link: the walk cannot use it
    const gone = await scrubPaths([input], opts(out));
    expect(gone.exitCode).toBe(2);
    rmSync(file);
    writeFileSync(file, Buffer.concat([bytes, Buffer.from('\n')]));
    const back = await scrubPaths([input], opts(out));
    expect(back.failures).toEqual([]);
    expect(kinds(back)['a/DJI_0001.SRT']).toBe('done:clean');
  });

  it('an output edited by hand is refused; restored, the next run replaces it', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 2);
    const out = join(d, 'out');
    await scrubPaths([input], opts(out));
    const target = join(out, 'a', 'DJI_0001.SRT');
    const mine = readFileSync(target);
    writeFileSync(target, 'edited');
    const refused = await scrubPaths([input], opts(out));
    expect(refused.failures.join('\n')).toMatch(/was changed since Airlock wrote it.*--force/);
    writeFileSync(target, mine);
    const again = await scrubPaths([input], opts(out));
    expect(again.failures).toEqual([]);
    expect(readManifest(out).files.find((f) => f.output === 'a/DJI_0001.SRT')?.status).toBe('clean');
  });

  it('a write that fails keeps what the earlier record owned', async () => {
    const d = fresh();
    const journal = new Journal(d);
    const commit = new GroupCommit(journal, () => {});
    const settled = commit.add({
      record: rec('a.jpg', { outputSha256: 'c'.repeat(64) }),
      output: join(d, 'a.jpg'),
      tmp: join(d, '.airlock-missing.tmp'),
      size: 1,
      ours: ['b'.repeat(64)],
    });
    await commit.flush();
    const got = await settled;
    journal.close();
    expect(got.status).toBe('error');
    expect(got.error).not.toMatch(/ENOENT \(ENOENT/);
    expect(got.ownedSha256).toEqual(['b'.repeat(64)]);
    expect(loadPrior(d).ours.get('a.jpg')?.has('b'.repeat(64))).toBe(true);
  });
});

describe('records of another Airlock version', () => {
  it('are redone, their outputs replaced as ours', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 3);
    const out = join(d, 'out');
    const first = await scrubPaths([input], opts(out));
    expect(first.manifest.files.every((f) => typeof f.airlockVersion === 'string')).toBe(true);
    const again = await scrubPaths([input], opts(out));
    expect(again.outcomes.every((o) => o.kind === 'skipped')).toBe(true);
    const m = readManifest(out);
    m.files = m.files.map((f) => ({ ...f, airlockVersion: '0.0.1' }));
    writeFileSync(join(out, MANIFEST_NAME), JSON.stringify(m));
    const upgraded = await scrubPaths([input], opts(out));
    expect(upgraded.failures).toEqual([]);
    expect(upgraded.outcomes.map((o) => o.kind)).toEqual(['done', 'done', 'done']);
  });
});

describe('names and texts', () => {
  it('an output name of 250 bytes is written (its temp name fits NAME_MAX)', async () => {
    const d = fresh();
    const input = join(d, 'in');
    mkdirSync(input);
    const name = `${'é'.repeat(100)}${'a'.repeat(46)}.SRT`;
    expect(Buffer.byteLength(name)).toBe(250);
    writeFileSync(join(input, name), droneSrt(1));
    const out = join(d, 'out');
    const r = await scrubPaths([input], opts(out));
    expect(r.failures).toEqual([]);
    expect(sha(readFileSync(join(out, name)))).toBe(r.manifest.files[0]?.outputSha256);
    const t = tempName(name);
    expect(Buffer.byteLength(t)).toBeLessThanOrEqual(255);
    expect(t.startsWith(TEMP_PREFIX) && t.endsWith(TEMP_SUFFIX)).toBe(true);
    expect(t).not.toBe(tempName(name));
  });

  it('walk entries are reported to the caller; a missing input is refused before anything is made', async () => {
    const d = fresh();
    const input = join(d, 'in');
    writeBatch(input, 2);
    symlinkSync(join(d, 'nowhere'), join(input, 'dangling.SRT'));
    const seen: string[] = [];
    const r = await scrubPaths([input], opts(join(d, 'out'), { onUnlisted: (x) => seen.push(x.output) }));
    expect(seen).toEqual(['dangling.SRT']);
    expect(r.unlisted[0]?.withheld?.detail).not.toMatch(/ENOENT: ENOENT/);

    await expect(scrubPaths([join(d, 'nope')], opts(join(d, 'out2')))).rejects.toThrow(/does not exist/);
    expect(existsSync(join(d, 'out2'))).toBe(false);
  });
});
