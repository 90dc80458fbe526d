#!/usr/bin/env bash
# The tabular section of `make bench`: mlp on CSV tables against scikit-learn's MLP, Vowpal
# Wabbit and pandas, in the same run.
#
# Builds release, installs scikit-learn, pandas and vowpalwabbit into .venv-bench/ when they are missing
# (next to bench.sh's PyTorch), converts Adult to Vowpal Wabbit's text format (not timed), then runs one
# warm-up round and BENCH_RUNS measured rounds. A round runs every program once, mlp and its peers one
# after the other, so a noisy neighbour hurts both alike:
#
#   Adult (adult-raw-{train,test}.csv.gz: 6 numeric and 8 text columns, missing values; target income)
#     mlp train --data TRAIN --test-data TEST --target income --missing most-frequent --hidden 64 --epochs 20
#               --batch-size 128 --threads T        (every other setting at mlp's table defaults)
#     scikit-learn: imputation, one-hot, scaling, MLPClassifier((64,)), batch 128, 20 epochs
#     Vowpal Wabbit: --nn 64 --loss_function logistic --passes 20, and the same without --nn
#   Diamonds (diamonds-raw-{train,test}.csv.gz: 6 numeric and 3 text columns; target price, a regression)
#     mlp train ... --target price --hidden 128,64 --epochs 30 --batch-size 128 --threads T
#     scikit-learn: one-hot, scaling, standardized target, MLPRegressor((128, 64)), batch 128, 30 epochs
#   CSV loading: csv-bench (mlp's CSV reader) on a 1,000,000 × 20 numeric file against pandas.read_csv
#     (Benchmarks/bench_csv.py generates the file, once, into bench-out/csv/).
#
# What is timed: the whole `mlp train` process (load, encode, train, the test set after every epoch, the
# model written), beside mlp's own train_seconds from --json; scikit-learn's fit (preprocessing and
# training, the CSV already in memory), beside its whole process; Vowpal Wabbit's training and prediction
# processes (`python -m vowpalwabbit`, cache built in the timed run). Benchmarks/bench_tabular.py holds the
# exact scikit-learn and Vowpal Wabbit configurations and why they were chosen.
#
# As bench.sh does, every run waits for the CPUs to be idle (bench-out/raw/tabular/*.busy) and is bracketed
# by `gemm-bench --probe` on its thread count, and run again when the CPUs slowed down during it
# (*.probe, *.redo). The table (medians, min–max, ratios, the targets) goes to stdout and
# bench-out/tabular.md; every raw JSON is kept under bench-out/raw/tabular/.
#
# Knobs: BENCH_RUNS (default 3), BENCH_THREADS: mlp's thread counts (default "1 2"),
#        BENCH_SKLEARN: the scikit-learn runs as CONFIG:THREADS, CONFIG matched (mlp's optimizer settings)
#        or defaults (scikit-learn's), THREADS default (its BLAS pools as they come) or a number
#        (threadpoolctl) (default "matched:default matched:1 defaults:default"),
#        BENCH_VW: Vowpal Wabbit models (default "nn64 logistic"; "" skips it),
#        BENCH_CSV_ROWS (default 1000000; 0 skips the CSV loading part),
#        BENCH_TABULAR_DATA: the folder with adult/ and diamonds/ (default ../shared/data/tabular),
#        BENCH_IDLE_WAIT, BENCH_HEALTH, BENCH_HEALTH_WAIT, BENCH_REDO as in bench.sh.
set -eu

cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-3}
THREADS=${BENCH_THREADS:-"1 2"}
SKLEARN_RUNS=${BENCH_SKLEARN:-"matched:default matched:1 defaults:default"}
VW_MODELS=${BENCH_VW-"nn64 logistic"}
CSV_ROWS=${BENCH_CSV_ROWS:-1000000}
DATA=${BENCH_TABULAR_DATA:-../shared/data/tabular}
IDLE_WAIT=${BENCH_IDLE_WAIT:-30}
HEALTH=${BENCH_HEALTH:-0.8}
HEALTH_WAIT=${BENCH_HEALTH_WAIT:-120}
REDO=${BENCH_REDO:-3}
OUT=bench-out
RAW=$OUT/raw/tabular
WORK=$OUT/tabular
VENV=.venv-bench
PY=$VENV/bin/python
MLP=.build/release/mlp
GEMM=.build/release/gemm-bench
CSVBENCH=.build/release/csv-bench
CORES=$(nproc)

log() { echo "bench-tabular: $*" >&2; }
# The idle/health checks around every measured run.
# shellcheck source=Benchmarks/bench_common.sh
. Benchmarks/bench_common.sh

for f in adult/adult-raw-train.csv.gz adult/adult-raw-test.csv.gz diamonds/diamonds-raw-train.csv.gz \
    diamonds/diamonds-raw-test.csv.gz; do
    if [ ! -s "$DATA/$f" ]; then
        log "skipped: $DATA/$f not found (set BENCH_TABULAR_DATA to the folder with adult/ and diamonds/)"
        exit 0
    fi
done

# The Python peers into bench.sh's venv, without disturbing what is there (bench.sh rebuilds the venv
# only when torch is missing, and then this installs them again from pip's cache).
ensure_peers() {
    if [ -x "$PY" ] && "$PY" -c 'import sklearn, pandas, numpy, threadpoolctl, vowpalwabbit' 2>/dev/null; then
        return
    fi
    log "installing scikit-learn, pandas and vowpalwabbit into $VENV/"
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install --quiet scikit-learn pandas numpy threadpoolctl vowpalwabbit >&2
}

# The mlp flags of each data set, beyond --data/--test-data.
mlp_flags() {
    case "$1" in
        adult) echo '--target income --missing most-frequent --hidden 64 --epochs 20 --batch-size 128' ;;
        diamonds) echo '--target price --hidden 128,64 --epochs 30 --batch-size 128' ;;
    esac
}

# At as many threads as the machine has cores, mlp runs at its default (no --threads): every core, or
# one for networks whose layers are all small (what a user gets; the report says which it used).
run_mlp() {  # dataset threads run
    local d=$DATA/$1/$1-raw threads=(--threads "$2")
    if [ "$2" = "$CORES" ]; then threads=(); fi
    # shellcheck disable=SC2046
    "$MLP" train --data "$d-train.csv.gz" --test-data "$d-test.csv.gz" $(mlp_flags "$1") "${threads[@]}" \
        --out "$WORK/model-$1-t$2.safetensors" --json --quiet >"$RAW/mlp-$1-t$2-$3.json" 2>"$RAW/mlp-$1-t$2-$3.log"
}

run_sklearn() {  # dataset config threads run
    local limit=()
    if [ "$3" != default ]; then limit=(--threads "$3"); fi
    "$PY" Benchmarks/bench_tabular.py sklearn --dataset "$1" --data-dir "$DATA" --config "$2" "${limit[@]}" \
        >"$RAW/sklearn-$1-$2-$3-$4.json"
}

run_vw() {  # model run
    "$PY" Benchmarks/bench_tabular.py vw --model "$1" --vw-dir "$WORK/vw" >"$RAW/vw-$1-$2.json"
}

run_csv() {  # run (the warm-up's files go to csv-warmup/: Benchmarks/bench_csv.py's report counts every file)
    local t dir=$RAW/csv
    if [ "$1" = 0 ]; then dir=$RAW/csv-warmup; fi
    for t in $THREADS; do
        "$CSVBENCH" "$CSV_FILE" --threads "$t" >"$dir/mlp-t$t-$1.json"
    done
    "$PY" Benchmarks/bench_csv.py pandas "$CSV_FILE" >"$dir/pandas-$1.json"
}

log "building release"
swift build -c release >&2  # mlp, gemm-bench, csv-bench; stdout is for the table
ensure_peers
mkdir -p "$RAW/csv" "$RAW/csv-warmup" "$WORK/vw"
rm -f "$RAW"/*.json "$RAW"/*.log "$RAW"/*.busy "$RAW"/*.probe "$RAW"/*.redo "$RAW"/*.wall "$RAW"/csv*/*.json
log "converting Adult to Vowpal Wabbit's format (not timed)"
"$PY" Benchmarks/bench_tabular.py vw-convert --data-dir "$DATA" --out "$WORK/vw"
if [ "$CSV_ROWS" != 0 ]; then
    CSV_FILE=$OUT/csv/numeric-${CSV_ROWS}x20.csv  # shared with Benchmarks/bench_csv.sh
    if [ ! -s "$CSV_FILE" ]; then
        log "generating $CSV_FILE"
        mkdir -p "$OUT/csv"
        "$PY" Benchmarks/bench_csv.py generate "$CSV_FILE.tmp" --rows "$CSV_ROWS" --columns 20 --seed 0
        mv "$CSV_FILE.tmp" "$CSV_FILE"
    fi
    cat "$CSV_FILE" >/dev/null  # into the page cache
fi
CORE_RATE=$(single_core_rate)
log "one core: $CORE_RATE GFLOP/s at the probe's sgemm shape"

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $CORES cores"
    echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "swift: $(swift --version 2>&1 | head -1)"
    echo "python: $("$PY" -c 'import sys, sklearn, pandas, numpy, vowpalwabbit, importlib.metadata as m; print(sys.version.split()[0], "scikit-learn", sklearn.__version__, "pandas", pandas.__version__, "numpy", numpy.__version__, "vowpalwabbit", m.version("vowpalwabbit"))')"
    echo "runs: 1 warm-up + $RUNS measured rounds (medians), mlp threads: $THREADS, scikit-learn: $SKLEARN_RUNS, Vowpal Wabbit: ${VW_MODELS:-none}, CSV rows: $CSV_ROWS"
    echo "health check: one core's sgemm rate $CORE_RATE GFLOP/s; t threads must reach $HEALTH of t times it before and after each run (redone up to $REDO times)"
} >"$RAW/header.txt"
cat "$RAW/header.txt" >&2

# Run 0 is the warm-up (page cache, CPU clocks, Python's bytecode caches); its files are kept but not counted.
for r in $(seq 0 "$RUNS"); do
    for ds in adult diamonds; do
        for t in $THREADS; do
            log "round $r of $RUNS (0 = warm-up): mlp $ds, $t thread(s)"
            measured "$RAW/mlp-$ds-t$t-$r" "$t" run_mlp "$ds" "$t" "$r"
        done
        for s in $SKLEARN_RUNS; do
            config=${s%%:*} threads=${s#*:}
            log "round $r of $RUNS: scikit-learn $ds, $config, threads $threads"
            probe_threads=$threads
            if [ "$threads" = default ]; then probe_threads=$CORES; fi
            measured "$RAW/sklearn-$ds-$config-$threads-$r" "$probe_threads" run_sklearn "$ds" "$config" "$threads" "$r"
        done
    done
    for m in $VW_MODELS; do
        log "round $r of $RUNS: Vowpal Wabbit $m"
        measured "$RAW/vw-$m-$r" 1 run_vw "$m" "$r"
    done
    if [ "$CSV_ROWS" != 0 ]; then
        log "round $r of $RUNS: CSV loading"
        measured "$RAW/csv-$r" "$CORES" run_csv "$r"
    fi
done

echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/header.txt"
"$PY" Benchmarks/bench_tabular.py report "$RAW" "$RAW/header.txt" "$RUNS" >"$OUT/tabular.md"
cat "$OUT/tabular.md"
