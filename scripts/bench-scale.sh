#!/usr/bin/env bash
# Whole-program scale benchmark (not part of CI's tests): generates 1M and 10M
# incidents with `riskrate gen`, then reports the median wall time and peak RSS
# (/usr/bin/time -v) of `score`, `diff` and `backtest` over RUNS runs each.
# Beside `score`, turn about with it, it runs the issue's yardstick
# (examples/reference-parse.rs: serde_json on one thread, reading and parsing
# only), whose time the issue quotes for 1M (0.62 s); the ratio of the two holds
# still while the machine's speed moves.
#
#   scripts/bench-scale.sh            # 1M and 10M, 3 runs each
#   SIZES="1000000" RUNS=5 scripts/bench-scale.sh
#   BASELINE=/tmp/old/riskrate scripts/bench-scale.sh   # also: old and new, turn about
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000000 10000000"}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-target/bench-scale}
mkdir -p "$DIR"
cargo build --release --quiet
cargo build --release --quiet --example reference-parse
B=target/release/riskrate
REF=target/release/examples/reference-parse
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

once() { # the command; appends its wall seconds and peak KB to $DIR/$1.runs
  local name=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$DIR/time.log"
  echo "$(grep 'Elapsed (wall clock)' "$DIR/time.log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')" \
    "$(grep 'Maximum resident' "$DIR/time.log" | awk '{print $NF}')" >>"$DIR/$name.runs"
}

middle() { # the median of the numbers on standard input, one a line
  sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

median() { # column of $DIR/$1.runs (1: seconds, 2: KB)
  awk -v c="$2" '{print $c}' "$DIR/$1.runs" | middle
}

row() { # label, runs name
  printf '| %-38s | %8.2f s | %7d MB |\n' "$1" "$(median "$2" 1)" "$(($(median "$2" 2) / 1024))"
}

measure() { # label, runs name, then the command
  local label=$1 name=$2; shift 2
  rm -f "$DIR/$name.runs"
  for _ in $(seq "$RUNS"); do once "$name" "$@"; done
  row "$label" "$name"
}

ratio() { # runs names a, b: median a / median b
  awk -v a="$(median "$1" 1)" -v b="$(median "$2" 1)" 'BEGIN {printf "%.2f", a / b}'
}

paired() { # runs names a, b, run in turn: the median of the runs' own ratios a/b
  paste -d' ' "$DIR/$1.runs" "$DIR/$2.runs" | awk '{print $1 / $3}' | middle |
    awk '{printf "%.3f", $1}'
}

RATIOS=()
echo "| run (median of $RUNS) | wall | peak RSS |"
echo "|---|---|---|"
for n in $SIZES; do
  f="$DIR/gen-$n.jsonl"
  [ -f "$f" ] || $B gen --incidents "$n" --companies $((n / 10)) --seed 7 --output "$f"
  # The yardstick and `score` turn about, so that both meet the same machine.
  rm -f "$DIR/ref.runs" "$DIR/score.runs"
  for _ in $(seq "$RUNS"); do
    once ref "$REF" "$f"
    once score $B score "$f" --as-of 2026-01-01 --format jsonl
  done
  row "reference-parse $n (one thread)" ref
  row "score $n" score
  measure "diff $n" diff $B diff --rules scoring-rules/default.toml --rules scoring-rules/short-memory.toml "$f" --as-of 2026-01-01 --format json
  measure "backtest $n (8 cutoffs)" backtest $B backtest "$f" --from 2017-01-01 --to 2024-01-01 --step 1y --format json
  RATIOS+=("| score / reference-parse, $n | $(ratio score ref) (run by run: $(paired score ref)) |")
  RATIOS+=("| diff / score, $n | $(ratio diff score) |")
  RATIOS+=("| backtest / score, $n | $(ratio backtest score) |")
done
echo
echo "| ratio of medians | |"
echo "|---|---|"
printf '%s\n' "${RATIOS[@]}"
echo "(targets: score 0.5 s at 1M against the yardstick's 0.62 s in the issue, 0.81;"
echo " diff at most 2, backtest at most 3)"

# Against a baseline binary (a build of an earlier commit): each command run by
# the old and the new binary turn about, so both meet the same machine; the
# ratio is the median of the runs' own new/old ratios.
[ -n "${BASELINE:-}" ] || exit 0
against() { # label, then the command's arguments (without the binary)
  local label=$1; shift
  rm -f "$DIR/old.runs" "$DIR/new.runs"
  for _ in $(seq "$RUNS"); do
    once old "$BASELINE" "$@"
    once new $B "$@"
  done
  paste -d' ' "$DIR/old.runs" "$DIR/new.runs" | awk '{print $4 / $2}' >"$DIR/rss.ratios"
  printf '| %-30s | %6.2f s, %5d MB | %6.2f s, %5d MB | %s | %.3f |\n' "$label" \
    "$(median old 1)" "$(($(median old 2) / 1024))" "$(median new 1)" "$(($(median new 2) / 1024))" \
    "$(paired new old)" "$(middle <"$DIR/rss.ratios")"
}
echo
echo "| against $BASELINE (median of $RUNS) | old | new | new/old wall | new/old RSS |"
echo "|---|---|---|---|---|"
for n in $SIZES; do
  f="$DIR/gen-$n.jsonl"
  against "score $n" score "$f" --as-of 2026-01-01 --format jsonl
  against "diff $n" diff --rules scoring-rules/default.toml --rules scoring-rules/short-memory.toml "$f" --as-of 2026-01-01 --format json
  against "backtest $n" backtest "$f" --from 2017-01-01 --to 2024-01-01 --step 1y --format json
done
