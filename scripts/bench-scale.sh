#!/usr/bin/env bash
# Whole-program scale benchmark (not part of CI's tests): generates 1M and 10M
# incidents with `riskrate gen`, then reports the median wall time and peak RSS
# (/usr/bin/time -v) of `score`, `diff` and `backtest` over RUNS runs each.
#
#   scripts/bench-scale.sh            # 1M and 10M, 3 runs each
#   SIZES="1000000" RUNS=5 scripts/bench-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000000 10000000"}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-target/bench-scale}
mkdir -p "$DIR"
cargo build --release --quiet
B=target/release/riskrate
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

measure() { # label, then the command; prints "median_s peak_mb"
  local label=$1; shift
  local times=() mems=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -v "$@" >/dev/null 2>"$DIR/time.log"
    times+=("$(grep 'Elapsed (wall clock)' "$DIR/time.log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')")
    mems+=("$(grep 'Maximum resident' "$DIR/time.log" | awk '{print $NF}')")
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  m=$(printf '%s\n' "${mems[@]}" | sort -g | awk '{a[NR]=$1} END {print int(a[int((NR+1)/2)]/1024)}')
  printf '| %-34s | %8.2f s | %7d MB |\n' "$label" "$t" "$m"
}

echo "| run (median of $RUNS) | wall | peak RSS |"
echo "|---|---|---|"
for n in $SIZES; do
  f="$DIR/gen-$n.jsonl"
  [ -f "$f" ] || $B gen --incidents "$n" --companies $((n / 10)) --seed 7 --output "$f"
  measure "score $n" $B score "$f" --as-of 2026-01-01 --format jsonl
  measure "diff $n" $B diff --rules scoring-rules/default.toml --rules scoring-rules/short-memory.toml "$f" --as-of 2026-01-01 --format json
  measure "backtest $n (8 cutoffs)" $B backtest "$f" --from 2017-01-01 --to 2024-01-01 --step 1y --format json
done
