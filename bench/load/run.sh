#!/usr/bin/env bash
# Read load on loopback: loadbench starts `spoor serve` on a copy of a
# collected store, signs in as a reader and runs 50 concurrent clients
# over the group page, search, the indicator list, the dashboard and the
# API, on SQLite and on PostgreSQL, alternating the binaries given.
#
#   bash bench/load/run.sh                        # this checkout's spoor only
#   BINARIES="spoor-before bin/spoor" PG=postgres://postgres@127.0.0.1:5432 bash bench/load/run.sh
#
# Environment: MIRROR (a collected SQLite store, never written: each run
# serves a fresh copy; by default bench/load/out/mirror.db, collected once
# from the offline mirror in SPOOR_DATA, default ../shared/data), PG (a
# PostgreSQL server URL without a database; unset skips PostgreSQL),
# ROUNDS (default 2), N
# (requests, default 3000), DURATION (default 60s), CLIENTS (default 50).
# Each binary gets its own PostgreSQL database, spoor_load_<i>, filled by
# that binary's `spoor migrate` (schemas differ between versions).
# Outputs go to bench/load/out/ (gitignored).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/out
mirror=${MIRROR:-$out/mirror.db}
pg=${PG:-}
rounds=${ROUNDS:-2}
mkdir -p "$out"

echo "== build"
(cd "$root" && CGO_ENABLED=0 go build -o "$out/spoor" ./cmd/spoor && go build -o "$out/loadbench" ./bench/load/cmd/loadbench)
read -r -a bins <<<"${BINARIES:-$out/spoor}"

if [ ! -f "$mirror" ]; then
  echo "== collect the offline mirror into $mirror"
  "$out/spoor" collect --db "$mirror" --all --mirror "${SPOOR_DATA:-$root/../shared/data}" >/dev/null
fi

echo "== stores"
for i in "${!bins[@]}"; do
  rm -f "$out/store-$i.src.db-wal" "$out/store-$i.src.db-shm" # of an interrupted run
  cp "$mirror" "$out/store-$i.src.db"
  "${bins[$i]}" user list --db "$out/store-$i.src.db" >/dev/null # migrates the copy
  if [ -n "$pg" ]; then
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS spoor_load_$i" -c "CREATE DATABASE spoor_load_$i"
    "${bins[$i]}" migrate --from "$out/store-$i.src.db" --to "$pg/spoor_load_$i?sslmode=disable" >/dev/null
  fi
done

echo "== load"
for round in $(seq "$rounds"); do
  for i in "${!bins[@]}"; do
    cp "$out/store-$i.src.db" "$out/store-$i.db"
    rm -f "$out/store-$i.db-wal" "$out/store-$i.db-shm"
    targets=("$out/store-$i.db")
    [ -n "$pg" ] && targets+=("$pg/spoor_load_$i?sslmode=disable")
    for db in "${targets[@]}"; do
      engine=sqlite; [[ $db == postgres* ]] && engine=postgres
      echo "-- round $round, ${bins[$i]}, $engine"
      "$out/loadbench" -serve "${bins[$i]}" -db "$db" -clients "${CLIENTS:-50}" -n "${N:-3000}" \
        -duration "${DURATION:-60s}" -json "$out/r$round-$i-$engine.json" 2>"$out/r$round-$i-$engine.log" |
        tee "$out/r$round-$i-$engine.txt"
    done
  done
done
