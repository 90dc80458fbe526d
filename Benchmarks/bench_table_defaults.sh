#!/usr/bin/env bash
# Do mlp's defaults for tables converge? On every table in ../shared/data/tabular (iris, wine,
# breast_cancer and diabetes, each split once into 75% training and 25% test rows, seeded and
# stratified; Adult and Diamonds raw with their test files), this runs, with nothing but the target
# (and --missing most-frequent for Adult, which has missing values):
#
#   mlp train --data TRAIN --test-data TEST ...                  the defaults (no --epochs)
#   mlp train --data TRAIN --test-data TEST ... --epochs N       N = 20, 50, 100, 200
#   scikit-learn's MLPClassifier / MLPRegressor with its defaults, in a pipeline with mlp's preprocessing
#     (Benchmarks/bench_table_defaults.py says exactly which)
#
# and writes the table (bench-out/table-defaults.md): the defaults' test accuracy (R² for the regressions)
# against the best of the four epoch counts, and the whole `mlp train` process's wall time against
# scikit-learn's fit. The targets: the defaults within 0.5 points of accuracy (0.01 of R²) of the best
# epoch count, in less wall time than scikit-learn's fit. mlp runs at its default threads (what a user
# gets); scikit-learn at its own. Each configuration runs BENCH_RUNS times (median times; mlp's figures
# are the same every run, as they are seeded). mlp and scikit-learn alternate, so a busy machine slows
# both alike; the load average is recorded before and after.
#
# Installs scikit-learn and pandas into .venv-bench/ when they are missing (as bench_tabular.sh does).
# Knobs: BENCH_RUNS (default 3), BENCH_TABULAR_DATA (default ../shared/data/tabular), BENCH_ONLY (a
# space-separated list of tables, default all).
set -eu

cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-3}
DATA=${BENCH_TABULAR_DATA:-../shared/data/tabular}
OUT=bench-out
RAW=$OUT/raw/table-defaults
WORK=$OUT/table-defaults
VENV=.venv-bench
PY=$VENV/bin/python
MLP=.build/release/mlp

log() { echo "bench-table-defaults: $*" >&2; }

if [ ! -d "$DATA/small" ] || [ ! -d "$DATA/adult" ] || [ ! -d "$DATA/diamonds" ]; then
    log "skipped: $DATA has no small/, adult/ and diamonds/ (set BENCH_TABULAR_DATA)"
    exit 0
fi
if ! { [ -x "$PY" ] && "$PY" -c 'import sklearn, pandas, numpy' 2>/dev/null; }; then
    log "installing scikit-learn and pandas into $VENV/"
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install --quiet scikit-learn pandas numpy >&2
fi
log "building release"
swift build -c release --product mlp >&2
mkdir -p "$RAW" "$WORK"
rm -f "$RAW"/*.json "$RAW"/*.log
"$PY" Benchmarks/bench_table_defaults.py prepare --data-dir "$DATA" --out "$WORK" >"$WORK/datasets.txt"
cp "$WORK/datasets.json" "$RAW/datasets.json"

# One mlp run: its --json output with the process's wall seconds added.
run_mlp() {  # name train test config run flags...
    local name=$1 train=$2 test=$3 config=$4 run=$5
    shift 5
    local extra=()
    if [ "$config" != default ]; then extra=(--epochs "${config#e}"); fi
    local start end
    start=$(date +%s%N)
    "$MLP" train --data "$train" --test-data "$test" "$@" "${extra[@]}" --quiet --json \
        --out "$WORK/model-$name-$config.safetensors" >"$RAW/mlp.tmp" 2>"$RAW/mlp-$name-$config-$run.log"
    end=$(date +%s%N)
    "$PY" -c 'import json, sys; r = json.load(open(sys.argv[1])); r["wall_seconds"] = int(sys.argv[2]) / 1e9; print(json.dumps(r))' \
        "$RAW/mlp.tmp" "$((end - start))" >"$RAW/mlp-$name-$config-$run.json"
    rm -f "$RAW/mlp.tmp"
}

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1), $(nproc) cores"
    echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "mlp: $("$MLP" --version | head -1)"
    echo "python: $("$PY" -c 'import sys, sklearn, pandas, numpy; print(sys.version.split()[0], "scikit-learn", sklearn.__version__, "pandas", pandas.__version__, "numpy", numpy.__version__)')"
    echo "runs: $RUNS per configuration (median wall seconds)"
} >"$RAW/header.txt"

while read -r name train test flags; do
    if [ -n "${BENCH_ONLY:-}" ] && ! [[ " $BENCH_ONLY " == *" $name "* ]]; then continue; fi
    for r in $(seq 1 "$RUNS"); do
        for config in default e20 e50 e100 e200; do
            log "$name: mlp $config, run $r of $RUNS"
            # shellcheck disable=SC2086
            run_mlp "$name" "$train" "$test" "$config" "$r" $flags
        done
        log "$name: scikit-learn defaults, run $r of $RUNS"
        "$PY" Benchmarks/bench_table_defaults.py sklearn --dataset "$name" --manifest "$WORK/datasets.json" \
            >"$RAW/sklearn-$name-$r.json"
    done
done <"$WORK/datasets.txt"

echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/header.txt"
"$PY" Benchmarks/bench_table_defaults.py report "$RAW" "$RAW/header.txt" >"$OUT/table-defaults.md"
cat "$OUT/table-defaults.md"
