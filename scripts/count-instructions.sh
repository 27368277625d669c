#!/usr/bin/env bash
# Instructions executed by one `riskrate score` on 100k generated incidents, on one
# thread, under valgrind's cachegrind: a count that does not move with the load of
# a shared machine, for comparing two builds one change at a time (wall times here
# vary by 30% between runs of one binary). Not part of CI's tests.
#
#   scripts/count-instructions.sh                 # total, then the top functions
#   N=300000 TOP=40 scripts/count-instructions.sh
#
# Needs valgrind (`apt-get install valgrind`). A count is not a time: memory stalls
# do not show in it, so check a change that moves data with bench-scale.sh too.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
TOP=${TOP:-25}
DIR=${BENCH_DIR:-target/bench-scale}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
mkdir -p "$DIR"
cargo build --release --quiet
B=target/release/riskrate
f="$DIR/gen-$N.jsonl"
[ -f "$f" ] || $B gen --incidents "$N" --companies $((N / 10)) --seed 7 --output "$f"
out="$DIR/cachegrind.out"
RAYON_NUM_THREADS=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out" \
  $B score "$f" --as-of 2026-01-01 --format jsonl 2>&1 >/dev/null | grep -E "I +refs"
cg_annotate "$out" 2>/dev/null | awk '/file:function/{p=1; next} p && NF' | head -n "$TOP"
