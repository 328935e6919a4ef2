/**
 * `airlock scrub IN… --out DIR [--policy FILE] [--dry-run] [--force] [--json] [--no-progress]`:
 * flags → scrubPaths → one line per file (or the manifest as JSON).
 *
 * Output layout: one input → its tree directly under DIR (a single file → DIR/<name>); several
 * inputs → each under DIR/<its basename>. Exit codes (src/report/exit-codes.ts): 0 every file
 * written and verified, or withheld on purpose (zone, flight record); 2 a file unreadable,
 * unsupported, failed, or failing verification (named on stderr; no output for it); 64 usage.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { AirlockError } from '../core/errors.js';
import { formatPath } from '../findings/model.js';
import { EXIT } from '../report/exit-codes.js';
import { visible } from '../report/format-value.js';
import type { JobOutcome } from '../scrub/job.js';
import type { ManifestRecord } from '../scrub/manifest.js';
import { countActions } from '../scrub/record-head.js';
import { scrubPaths } from '../scrub/run.js';
import { policyFor } from './policy-for.js';
import type { CliContext } from './types.js';

interface Flags {
  out: string;
  policy?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  progress: boolean;
  workers?: string;
}

export function registerScrub(program: Command, ctx: CliContext): void {
  program
    .command('scrub')
    .description('write clean copies under a policy: losslessly, originals untouched, verified')
    .argument('<inputs...>', 'files and folders to scrub')
    .requiredOption('--out <dir>', 'folder for the clean copies and airlock-manifest.json')
    .option('--policy <file>', 'the policy (airlock.yaml); default: built-in defaults')
    .option('--dry-run', 'print the plan per file; write nothing')
    .option('--force', 'overwrite outputs the manifest has no record of')
    .option('--json', 'print the manifest (or, with --dry-run, the plan) as JSON')
    .option('--no-progress', 'never show a progress bar')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .action(async (inputs: string[], flags: Flags) => {
      const workers = workerCount(flags.workers);
      const { policy, hash } = await policyFor(flags.policy);
      const progress = progressBar(flags.progress && !flags.json);
      const dryRun = flags.dryRun ?? false;
      // Lines are printed as files finish, in input order, and forgotten: memory stays flat.
      const lines = inOrder((text) => progress.print(text));
      const tally = new Map<string, number>();
      let result: Awaited<ReturnType<typeof scrubPaths>>;
      try {
        result = await scrubPaths(inputs, {
          out: flags.out,
          policy,
          policyHash: hash,
          force: flags.force ?? false,
          dryRun,
          ...(workers !== undefined ? { workers } : {}),
          onProgress: progress.update,
          // --dry-run --json prints the plan records at the end, so only it keeps them.
          keepOutcomes: dryRun && (flags.json ?? false),
          // Entries the walk could not use, or refused, are files of the run too: listed and counted.
          onUnlisted: flags.json
            ? undefined
            : (r) => {
                tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
                progress.print(dryRun ? planLines({ kind: 'planned', record: r }) : recordLine(r));
              },
          onOutcome: flags.json
            ? undefined
            : (o, i) => {
                const k = o.kind === 'skipped' ? 'unchanged' : o.record.status;
                tally.set(k, (tally.get(k) ?? 0) + 1);
                lines.put(i, dryRun ? planLines(o) : outcomeLine(o));
              },
        });
      } finally {
        progress.stop();
      }
      if (flags.json) {
        const body = dryRun ? [...result.unlisted, ...result.outcomes.map((o) => o.record)] : result.manifest;
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      } else {
        process.stdout.write(summary(tally, dryRun));
      }
      for (const f of result.failures) process.stderr.write(`airlock: ${v(f)}\n`);
      ctx.setExit(result.exitCode === EXIT.OK ? EXIT.OK : EXIT.ERROR);
    });
}

function counts(o: JobOutcome): string {
  // A worker's outcome counts for itself: its findings list is then never parsed here.
  const n = (o.kind === 'done' ? o.counts : undefined) ?? countActions(o.record.findings);
  return `${n.drop} dropped, ${n.replace} replaced, ${n.keep} kept`;
}

/** `--workers N`: a whole number from 1; anything else is a usage error (exit 64), never ignored. */
function workerCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new AirlockError(
      'AIRLOCK_ERR_USAGE',
      `--workers ${text}: expected a whole number of threads, 1 or more`,
    );
  return n;
}

/**
 * A name or message as the terminal shows it: control characters escaped (\u001b…), as inspect
 * prints them, so a file named with an escape sequence or a newline cannot rewrite the screen or
 * split a line. The manifest keeps the names as they are.
 */
const v = visible;

function outcomeLine(o: JobOutcome): string {
  const r = o.record;
  if (o.kind === 'skipped')
    // A file withheld before (zone, flight record, faces) is still withheld, not "clean".
    return r.status === 'withheld'
      ? `withheld   ${v(r.input)}: ${v(r.withheld?.detail ?? '')} (as before, under this policy)\n`
      : `unchanged  ${v(r.input)} → ${v(r.output)} (already clean under this policy)\n`;
  return recordLine(r, o);
}

function recordLine(r: ManifestRecord, o?: JobOutcome): string {
  switch (r.status) {
    case 'clean':
      return `clean      ${v(r.input)} → ${v(r.output)} (${o ? counts(o) : ''})\n`;
    case 'copied':
      return `copied     ${v(r.input)} → ${v(r.output)} (${v(r.notes[0] ?? '')})\n`;
    case 'withheld':
      return `withheld   ${v(r.input)}: ${v(r.withheld?.detail ?? '')}\n`;
    case 'verify-failed':
      return `FAILED     ${v(r.input)}: ${v(r.error ?? 'verification failed')}\n`;
    case 'error':
      return `error      ${v(r.input)}: ${v(r.error ?? '')}\n`;
  }
}

/** --dry-run: the plan, finding by finding (grouped), and what would be written where. */
function planLines(o: JobOutcome): string {
  const r = o.record;
  if (r.status === 'withheld') return `${v(r.input)}\n  withhold: ${v(r.withheld?.detail ?? '')}\n`;
  if (r.status !== 'clean' && r.status !== 'copied') return `${v(r.input)}\n  error: ${v(r.error ?? '')}\n`;
  const head = `${v(r.input)}\n  → ${v(r.output)}${o.kind === 'planned' && o.note ? ` (${v(o.note)})` : ''}\n`;
  const body = r.findings.map((f) => {
    const written = f.written
      ? ` → ${JSON.stringify(f.written.kind === 'position' ? f.written.position : f.written)}`
      : '';
    const times = f.count > 1 ? ` ×${f.count}` : '';
    const asked = f.asked ? ` [policy: ${f.asked}; goes with its container]` : '';
    return `    ${f.action.padEnd(7)} ${f.category.padEnd(18)} ${v(f.tag)} (${v(f.path || formatPath([]))})${times}${written}${asked}\n`;
  });
  return head + body.join('') + r.notes.map((n) => `    note: ${v(n)}\n`).join('');
}

function summary(by: ReadonlyMap<string, number>, dryRun: boolean): string {
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  const parts = [...by.entries()].map(([k, n]) => `${n} ${k}`);
  return `${dryRun ? 'plan: ' : ''}${total} files${parts.length ? `: ${parts.join(', ')}` : ''}\n`;
}

/** Texts given by index in any order, passed on in index order (holding only those ahead of a gap). */
function inOrder(emit: (text: string) => void) {
  const held = new Map<number, string>();
  let next = 0;
  return {
    put(i: number, text: string): void {
      held.set(i, text);
      for (let t = held.get(next); t !== undefined; t = held.get(next)) {
        held.delete(next);
        next += 1;
        emit(t);
      }
    },
  };
}

/** files/s and ETA on stderr, only on a TTY and only for runs long enough to need it. */
function progressBar(enabled: boolean, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  const on = enabled && stream.isTTY;
  return {
    update(done: number, total: number): void {
      if (!on) return;
      const secs = (Date.now() - started) / 1000;
      if (!bar) {
        if (secs < 0.75) return;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: 'scrub [{bar}] {value}/{total} files · {rate} files/s · {eta_formatted} left',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { rate: '0.0' });
      }
      bar.update(done, { rate: (done / Math.max(secs, 0.001)).toFixed(1) });
    },
    /** Write to stdout without tearing the bar: clear its line first; it redraws on the next update. */
    print(text: string): void {
      if (bar) stream.write('\r\x1b[K');
      process.stdout.write(text);
    },
    stop(): void {
      bar?.stop();
    },
  };
}
