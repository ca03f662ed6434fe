#!/usr/bin/env bash
# Compares spoor's log matcher (internal/match) with Debian's ripgrep
# (rg -F -f patterns.txt) end to end on generated logs: index or automaton
# build included, one core each (taskset -c 0, GOMAXPROCS=1), the same
# logs and indicator values, both writing their hits to a file. ripgrep's
# matching lines that hold no token hit are counted as its false
# positives (a stored evil.com inside notevil.com, 1.2.3.4 inside
# 11.2.3.45); spoor's lines that ripgrep misses are CIDR hits.
#
#   bash bench/match/run.sh
#
# Runs (each generates its logs with internal/match/matchtest, seed 1):
#   A  1M indicators, SMALL_MB (default 64) MB of logs: rg and spoor
#   B  100k indicators, BIG_MB (default 1024) MB of logs: rg and spoor
#   C  1M indicators, BIG_MB MB of logs: spoor alone (ripgrep needs ~10 GB
#      and about 1 MB/s with 1M patterns: it would run for hours)
# Environment: SMALL_MB, BIG_MB, PLANT_EVERY (default 2000), SKIP_C=1.
# Everything generated goes to bench/match/out/ (gitignored).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/out
small=${SMALL_MB:-64}
big=${BIG_MB:-1024}
every=${PLANT_EVERY:-2000}
mkdir -p "$out"
command -v rg >/dev/null || { echo "ripgrep is missing: apt-get install ripgrep" >&2; exit 1; }
echo "$(rg --version | head -1), $(go version | cut -d' ' -f3), $(nproc) cores, $(date -u +%FT%TZ)"
(cd "$root" && go build -o "$out/matchbench" ./bench/match/cmd/matchbench)

timed() { # name, command…: appends "name wall user sys maxrss_kb" to times.txt
  local name=$1
  shift
  /usr/bin/time -o "$out/time.tmp" -f "%e %U %S %M" "$@"
  echo "$name $(cat "$out/time.tmp")" >>"$out/times.txt"
}

row() { # name bytes: prints one result line from times.txt
  awk -v n="$1" -v b="$2" '$1 == n {printf "%-22s wall %7.2f s  CPU %7.2f s  %8.1f MB/s wall  %8.1f MB/s CPU  RSS %7.0f MB\n",
    n, $2, $3+$4, b/1e6/$2, b/1e6/($3+$4), $5/1024}' "$out/times.txt"
}

: >"$out/times.txt"
case_run() { # label indicators MB with_rg
  local label=$1 n=$2 mb=$3 with_rg=$4 dir=$out/$1
  mkdir -p "$dir"
  echo "== $label: $n indicators, $mb MB of logs"
  "$out/matchbench" -mode gen -indicators "$n" -mb "$mb" -plant-every "$every" -out "$dir"
  local bytes
  bytes=$(stat -c %s "$dir/logs.log")
  cat "$dir/logs.log" >/dev/null # page cache, for both tools alike
  timed "$label-spoor" taskset -c 0 env GOMAXPROCS=1 "$out/matchbench" -mode match -in "$dir/indicators.tsv" \
    -hits "$dir/spoor.jsonl" "$dir/logs.log" >"$dir/spoor.json"
  echo "spoor: $(cat "$dir/spoor.json")"
  row "$label-spoor" "$bytes"
  if [ "$with_rg" = 1 ]; then
    timed "$label-rg" taskset -c 0 sh -c "rg -F -f '$dir/patterns.txt' -n --no-filename '$dir/logs.log' >'$dir/rg.out'; [ \$? -le 1 ]"
    row "$label-rg" "$bytes"
    awk -v a="$label-rg" -v b="$label-spoor" '$1 == a {rw=$2; rc=$3+$4} $1 == b {sw=$2; sc=$3+$4}
      END {printf "spoor/ripgrep speed: %.1fx wall, %.1fx CPU\n", rw/sw, rc/sc}' "$out/times.txt"
    echo "lines: $("$out/matchbench" -mode compare -spoor "$dir/spoor.jsonl" -rg "$dir/rg.out")"
  fi
  rm -f "$dir/logs.log"
}

case_run A 1000000 "$small" 1
case_run B 100000 "$big" 1
[ "${SKIP_C:-}" = 1 ] || case_run C 1000000 "$big" 0
