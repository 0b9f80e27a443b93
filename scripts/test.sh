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

# Every test project, and the server suite a second time on PostgreSQL (the storage and API suite runs on both
# stores), as separate test runs in a pool of BOSUN_TEST_JOBS (default 2: what `dotnet test` on the solution ran at
# once), the longest first so that the long ones do not end up last. Each run's console output is printed whole
# when it ends. The weights are seconds a run took on a 2-core CI machine; a project not listed counts as 300.
jobs="${BOSUN_TEST_JOBS:-2}"
weight() {
  case "$1" in
    server-postgresql) echo 880 ;; Bosun.Server.Tests) echo 710 ;; Bosun.Docker.Tests) echo 420 ;;
    Bosun.Kubernetes.Tests) echo 390 ;; Bosun.Ui.Tests) echo 350 ;; Bosun.Faults.Tests) echo 250 ;;
    Bosun.Sdk.Tests) echo 200 ;; Bosun.Postgres.Tests) echo 120 ;; Bosun.Worker.Tests) echo 120 ;;
    Bosun.Cli.Tests) echo 70 ;; Bosun.Contract.Tests) echo 50 ;; Bosun.Contracts.Tests) echo 5 ;; *) echo 300 ;;
  esac
}
suites=$( {
  for project in tests/*.Tests/*.Tests.csproj; do
    name=$(basename "$project" .csproj)
    echo "$(weight "$name") $name $project sqlite"
  done
  echo "$(weight server-postgresql) server-postgresql tests/Bosun.Server.Tests/Bosun.Server.Tests.csproj postgresql"
} | sort -rn)

run_suite() {
  local name=$1 project=$2 store=$3; shift 3
  local log="$results/$name.log" started=$SECONDS
  BOSUN_TEST_STORE="$store" dotnet test "$project" -c "$configuration" --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" \
    > "$log" 2>&1
  local code=$?
  echo "$code" > "$results/$name.status"
  flock "$results/.print" bash -c 'echo "== test: $1 (store $2): exit $3 after $4 s"; cat "$5"' _ \
    "$name" "$store" "$code" "$((SECONDS - started))" "$log"
}

echo "== test ($jobs at a time)"
while read -r _ name project store; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_suite "$name" "$project" "$store" "$@" &
done <<< "$suites"
wait
status=0
for code in "$results"/*.status; do
  [ "$(cat "$code")" = "0" ] || status=1
done

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
# The failed tests by name, with the first line of each one's message, just above the summary: the end of a long
# CI log is what gets read.
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  awk -v suite="$(basename "$trx" .trx)" '
    function text(s) { gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s); return s }
    /<UnitTestResult / && /outcome="(Failed|Error|Timeout|Aborted)"/ {
      match($0, /testName="[^"]*"/); name = text(substr($0, RSTART + 10, RLENGTH - 11)); want = 1; next
    }
    want && /<Message>/ {
      line = $0; sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line)
      printf "FAILED (%s) %s: %s\n", suite, name, substr(text(line), 1, 400); want = 0
    }
    want && /<\/UnitTestResult>/ { printf "FAILED (%s) %s\n", suite, name; want = 0 }
  ' "$trx"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
