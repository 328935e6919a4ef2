#!/usr/bin/env bash
# What `npm test` runs: test dependencies, build, types, lint, then every test.
# The last line printed is always "N passed, N failed" (from vitest's JSON report).
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
failed_steps=0
step() {
  echo "== $*" >&2
  if ! "$@"; then
    status=1
    failed_steps=$((failed_steps + 1))
    echo "== FAILED: $*" >&2
  fi
}

step bash scripts/setup-test-deps.sh
step npm run --silent build
step npx tsc --noEmit -p tsconfig.json
step npx biome check src test scripts bin

results="$(mktemp -t airlock-vitest-XXXXXX.json)"
trap 'rm -f "$results"' EXIT
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" || status=1

AIRLOCK_FAILED_STEPS="$failed_steps" node scripts/test-summary.mjs "$results" || status=1
exit "$status"
