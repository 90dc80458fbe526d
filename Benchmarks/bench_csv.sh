#!/usr/bin/env bash
# The CSV loading benchmark: mlp's CSVReader (csv-bench) against pandas.read_csv (C engine)
# on the same numeric file, in the same run.
#
# Builds csv-bench (release), installs pandas and numpy into .venv-bench/ when they are missing,
# generates bench-out/csv/numeric-<rows>x20.csv once (seeded numpy values such as -123.4567,
# 0.0001234, 4.381e-05, 1398765.42, 421337; about 178 MB at a million rows), reads it once to have it
# in the page cache, then runs one warm-up and BENCH_CSV_RUNS measured rounds; each round runs
# csv-bench at every thread count and pandas, one after the other, so a noisy neighbour hurts both
# alike. Every run is a fresh process timing its own load (file read, parse, column arrays) and
# reporting its peak RSS (getrusage). The table (medians, min–max, the pandas/mlp ratio of medians
# and the memory bound the reader must meet) goes to stdout and bench-out/csv/results.md; raw JSON is kept
# in bench-out/csv/raw/.
#
# Knobs: BENCH_CSV_RUNS (default 5), BENCH_CSV_ROWS (default 1000000), BENCH_CSV_THREADS (default "1 2").
set -eu

cd "$(dirname "$0")/.."
RUNS=${BENCH_CSV_RUNS:-5}
ROWS=${BENCH_CSV_ROWS:-1000000}
THREADS=${BENCH_CSV_THREADS:-"1 2"}
OUT=bench-out/csv
VENV=.venv-bench
PY=$VENV/bin/python

swift build -c release --static-swift-stdlib --product csv-bench >&2
BENCH=.build/release/csv-bench

if ! "$PY" -c 'import pandas, numpy' 2>/dev/null; then
    echo "installing pandas and numpy into $VENV/" >&2
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install --quiet pandas numpy >&2
fi

mkdir -p "$OUT"
rm -rf "$OUT/raw"
mkdir -p "$OUT/raw"
FILE=$OUT/numeric-${ROWS}x20.csv
if [ ! -s "$FILE" ]; then
    echo "generating $FILE" >&2
    "$PY" Benchmarks/bench_csv.py generate "$FILE.tmp" --rows "$ROWS" --columns 20 --seed 0
    mv "$FILE.tmp" "$FILE"
fi
cat "$FILE" > /dev/null

one_round() {  # $1: the round's name (warmup or a number)
    for t in $THREADS; do
        "$BENCH" "$FILE" --threads "$t" > "$OUT/raw/mlp-t$t-$1.json"
    done
    "$PY" Benchmarks/bench_csv.py pandas "$FILE" > "$OUT/raw/pandas-$1.json"
}

one_round warmup
for run in $(seq 1 "$RUNS"); do
    echo "round $run of $RUNS" >&2
    one_round "$run"
done
rm -f "$OUT"/raw/*-warmup.json

"$PY" Benchmarks/bench_csv.py report "$OUT/raw" | tee "$OUT/results.md"
