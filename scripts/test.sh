#!/usr/bin/env bash
# Builds Bosun and runs every test project; the last line is "N passed, N failed, N skipped".
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter ClaimTests]
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration="${BOSUN_TEST_CONFIGURATION:-Release}"
results="${BOSUN_TEST_RESULTS:-$(pwd)/artifacts/test-results}"
rm -rf "$results" && mkdir -p "$results"

# Machine set-up: each script installs/starts one service the tests need (idempotent; skipped with BOSUN_SKIP_SETUP=1).
if [ "${BOSUN_SKIP_SETUP:-0}" != "1" ]; then
  for setup in scripts/ci-setup/*.sh; do
    [ -e "$setup" ] || continue
    echo "== setup: $setup"
    if ! bash "$setup"; then
      echo "setup step $setup failed"
      echo "0 passed, 1 failed"
      exit 1
    fi
  done
fi

echo "== build ($configuration)"
if ! dotnet build Bosun.slnx -c "$configuration" -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== test"
dotnet test Bosun.slnx -c "$configuration" --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

# The same server suite again on PostgreSQL (the storage and API suite runs on both stores).
echo "== test (server suite on PostgreSQL)"
BOSUN_TEST_STORE=postgresql dotnet test tests/Bosun.Server.Tests -c "$configuration" --no-build -nologo \
  --logger "trx;LogFileName=server-postgresql.trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
[ $? -eq 0 ] || status=1

# Sum the counters of every TRX file: <Counters total=".." executed=".." passed=".." failed=".." ... notExecuted="..">
passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { local v; v=$(printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'); echo "${v:-0}"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done
if [ "$files" -eq 0 ]; then
  echo "no test results were written"
  failed=$((failed + 1))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # dotnet test failed without a failed test (a crashed test host): count it as a failure.
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
