#!/usr/bin/env bash
# Publishes the programs the benchmarks start, ReadyToRun for linux-x64 (framework-dependent) as users deploy them, into
# one subfolder each of FOLDER; `BOSUN_BENCH_PUBLISHED=FOLDER dotnet bench/Bosun.Bench/...` then starts these instead of
# the build output (bench/README.md). Usage: bench/publish.sh FOLDER [project...]   (default: the CLI and the peers)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: bench/publish.sh FOLDER [project...]}
shift
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(src/Bosun.Cli bench/Bosun.Bench.Peers.Bosun bench/Bosun.Bench.Peers.Hangfire bench/Bosun.Bench.Peers.Quartz)
for project in "${projects[@]}"; do
  name=$(basename "$project")
  [ "$name" = Bosun.Cli ] && name=bosun
  dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -o "$out/$name" -v quiet -nologo >/dev/null
  echo "published $project into $out/$name"
done
