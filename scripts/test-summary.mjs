// Prints "N passed, N failed" from vitest's JSON report (scripts/test.sh's last line).
// A missing or unreadable report counts as a failure: no result is not a pass.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
try {
  const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = r.numFailedTests ?? 0;
  // A suite that fails to load has no tests of its own; count it so it cannot pass silently.
  for (const s of r.testResults ?? [])
    if (s.status === 'failed' && (s.assertionResults ?? []).length === 0) failed++;
} catch {
  failed = 1;
}
// Setup, build, type-check and lint steps that failed (scripts/test.sh): each counts as a failure,
// so the closing line never reads "0 failed" for a run that exits non-zero.
failed += Number(process.env.AIRLOCK_FAILED_STEPS ?? 0) || 0;
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;
