#!/usr/bin/env bash
# Start-up of `bosun server start` published plainly (IL, JIT at start) and ReadyToRun, measured in one run, alternating.
# Usage: bench/startup.sh [samples]   (publishes both into a temporary directory first; needs no network)
set -euo pipefail
samples=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish "$root/src/Bosun.Cli" -c Release -o "$work/il" -v quiet -nologo >/dev/null
dotnet publish "$root/src/Bosun.Cli" -c Release -r linux-x64 --self-contained false -o "$work/r2r" -v quiet -nologo >/dev/null

# Milliseconds from the process's start to the server's "listening" line, then to its first answered /api/health.
measure() {
  local dir=$1 db="$work/db-$RANDOM" start ready health pid port
  start=$(date +%s%N)
  dotnet "$dir/bosun.dll" server start --port 0 --database "$db.db" --key-file "$db.key" > "$db.log" 2>&1 &
  pid=$!
  until grep -q 'export BOSUN_API_URL=' "$db.log"; do sleep 0.01; done
  ready=$(date +%s%N)
  url=$(grep -o 'export BOSUN_API_URL=[^ )]*' "$db.log" | head -1 | cut -d= -f2)
  curl -sf "$url/health" >/dev/null
  health=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$(( (ready - start) / 1000000 )) $(( (health - start) / 1000000 ))"
}

for kind in il r2r; do : > "$work/$kind.txt"; done
for i in $(seq "$samples"); do
  for kind in il r2r; do measure "$work/$kind" >> "$work/$kind.txt"; done
done
echo "commit $(git -C "$root" rev-parse --short HEAD), load $(cut -d' ' -f1 /proc/loadavg), $samples samples each (median):"
for kind in il r2r; do
  listen=$(cut -d' ' -f1 "$work/$kind.txt" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  first=$(cut -d' ' -f2 "$work/$kind.txt" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "  $kind: listening after $listen ms, first /api/health answered after $first ms"
done
