#!/usr/bin/env bash
# `make bench`: mlp against PyTorch on the same CPU, and against what OpenBLAS's sgemm can do.
#
# Builds release, fetches MNIST, installs PyTorch into .venv-bench/ when it is not there yet, then for
# every workload and thread count runs one warm-up and BENCH_RUNS measured runs of `mlp train` (+ `mlp
# evaluate` on the model it wrote) and of Benchmarks/bench_torch.py, alternating the two so that a noisy
# neighbour hurts both alike, plus BENCH_RUNS runs of gemm-bench for the sgemm lower bound and of
# Benchmarks/bench_torch_gemm.py for the same bound through PyTorch's GEMM library. Medians go
# into a table printed on stdout and written to bench-out/results.md; every raw JSON is kept under
# bench-out/raw/.
#
# Workloads (the same for mlp and PyTorch; Benchmarks/bench_torch.py holds the PyTorch side):
#   A  784-128-10 ReLU,        SGD lr 0.1 (no momentum), batch 64,  3 epochs
#   B  784-256-128-10 ReLU,    Adam lr 1e-3,             batch 128, 3 epochs
#   C  784-1024-1024-10 ReLU,  SGD lr 0.05 momentum 0.9, batch 256, 1 epoch
#
# Knobs: BENCH_RUNS (default 3), BENCH_WORKLOADS (default "A B C"), BENCH_THREADS (default "1 2"),
#        BENCH_TORCH: auto (default) | pypi | a pip requirement such as "torch==2.15.0" (see ensure_torch),
#        BENCH_IDLE_WAIT: seconds to wait before each run for other processes to leave the CPUs (default 30),
#        BENCH_HEALTH: the fraction of t × one core's sgemm rate that t threads must reach for the CPUs to count
#        as healthy (default 0.8), BENCH_HEALTH_WAIT: seconds to wait for that (default 120), BENCH_REDO: how
#        many times a run spoiled by a slow phase is run again (default 3).
#
# The bench needs the machine to itself: with 2 cores, one busy process elsewhere makes 2-thread runs
# meaningless (PyTorch's OpenMP threads spin at barriers and went from 0.6 to 20 s/epoch for A here).
# Before every run it waits for the CPUs to be idle and records how busy they were from outside
# (bench-out/raw/*.busy); the table shows the worst of a row's runs.
#
# Other processes are not the only noise. On this project's 2-vCPU VM one vCPU sometimes runs at half
# speed for seconds to minutes (the host is busy; /proc/stat shows no steal): 2-thread runs then take
# twice as long, for mlp and PyTorch alike, while 1-thread runs barely move. So every run is bracketed
# by `gemm-bench --probe` (sgemm on t threads, a quarter of a second) and must find the CPUs healthy
# before it starts and after it ends, or it is run again (bench-out/raw/*.probe, *.redo; the table shows
# redone runs and the lowest health seen in the runs it kept).
set -eu

cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-3}
WORKLOADS=${BENCH_WORKLOADS:-"A B C"}
THREADS=${BENCH_THREADS:-"1 2"}
TORCH_SOURCE=${BENCH_TORCH:-auto}
IDLE_WAIT=${BENCH_IDLE_WAIT:-30}
HEALTH=${BENCH_HEALTH:-0.8}
HEALTH_WAIT=${BENCH_HEALTH_WAIT:-120}
REDO=${BENCH_REDO:-3}
OUT=bench-out
RAW=$OUT/raw
VENV=.venv-bench
MLP=.build/release/mlp
GEMM=.build/release/gemm-bench

log() { echo "bench: $*" >&2; }
# ensure_torch, and the idle/health checks around every measured run.
# shellcheck source=Benchmarks/bench_common.sh
. Benchmarks/bench_common.sh

# The mlp flags of each workload. mlp's SGD defaults to momentum 0.9, so A says --momentum 0.
mlp_flags() {
    case "$1" in
        A) echo '--layers 128:relu,10 --optimizer sgd --momentum 0 --lr 0.1 --batch-size 64 --epochs 3' ;;
        B) echo '--layers 256:relu,128:relu,10 --optimizer adam --lr 0.001 --batch-size 128 --epochs 3' ;;
        C) echo '--layers 1024:relu,1024:relu,10 --optimizer sgd --momentum 0.9 --lr 0.05 --batch-size 256 --epochs 1' ;;
        *) log "unknown workload '$1' (A, B or C)"; exit 2 ;;
    esac
}

# gemm-bench's view of the same workload: layer sizes and batch.
gemm_flags() {
    case "$1" in
        A) echo '--layers 784,128,10 --batch 64' ;;
        B) echo '--layers 784,256,128,10 --batch 128' ;;
        C) echo '--layers 784,1024,1024,10 --batch 256' ;;
    esac
}

# GNU time measures each process's peak RSS from outside, as a cross-check of what the programs report.
ensure_gnu_time() {
    if [ -x /usr/bin/time ]; then return; fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing GNU time (apt package time)"
        apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null || true
    fi
}

# Runs "$@" under GNU time when there is one, leaving the peak RSS in KB in file $1.
timed() {
    local rss_file=$1
    shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$rss_file" "$@"
    else
        echo null >"$rss_file"
        "$@"
    fi
}

run_gemm() {  # workload threads run
    # shellcheck disable=SC2046
    "$GEMM" $(gemm_flags "$1") --threads "$2" >"$RAW/$1-t$2-gemm-$3.json"
}

# PyTorch's GEMM library at the same shapes (Benchmarks/bench_torch_gemm.py): its bound beside OpenBLAS's.
run_torch_gemm() {  # workload threads run
    # shellcheck disable=SC2046
    "$VENV/bin/python" Benchmarks/bench_torch_gemm.py $(gemm_flags "$1") --threads "$2" >"$RAW/$1-t$2-torchgemm-$3.json"
}

run_mlp() {  # workload threads run
    local model="$OUT/model-$1-t$2.safetensors"
    # shellcheck disable=SC2046
    timed "$RAW/$1-t$2-mlp-$3.rss" "$MLP" train --data data/mnist $(mlp_flags "$1") --seed 1 --threads "$2" \
        --out "$model" --json --quiet >"$RAW/$1-t$2-mlp-$3.json"
    "$MLP" evaluate --model "$model" --data data/mnist --threads "$2" --json >"$RAW/$1-t$2-eval-$3.json"
}

run_torch() {  # workload threads run
    # BENCH_LAUNCH_NS: the process start that PyTorch's start-up time counts from.
    BENCH_LAUNCH_NS=$(date +%s%N) timed "$RAW/$1-t$2-torch-$3.rss" "$VENV/bin/python" \
        Benchmarks/bench_torch.py --workload "$1" --threads "$2" --data data/mnist --seed 1 \
        >"$RAW/$1-t$2-torch-$3.json" 2>>"$OUT/torch-stderr.log"
}

# BENCH_VENV_ONLY=1: only make sure PyTorch is in $VENV (for the other benches' PyTorch peers).
if [ -n "${BENCH_VENV_ONLY:-}" ]; then
    ensure_torch
    exit 0
fi

log "building release"
swift build -c release --static-swift-stdlib >&2  # stdout is for the table; static as `make build`
bash Scripts/fetch-mnist.sh
ensure_torch
ensure_gnu_time
mkdir -p "$RAW"
rm -f "$RAW"/*.json "$RAW"/*.rss "$RAW"/*.busy "$RAW"/*.probe "$RAW"/*.redo "$RAW"/*.wall
CORE_RATE=$(single_core_rate)
log "one core: $CORE_RATE GFLOP/s at the probe's sgemm shape"

# The header: when, where, with what.
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
    echo "OPENBLAS_* environment: $(env | grep '^OPENBLAS' | tr '\n' ' ' || true)"
    echo "openblas: $("$GEMM" --layers 10,10 --batch 1 --samples 1 --seconds 0.001 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["openblas_config"])')"
    echo "torch: $("$VENV/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null)"
    echo "swift: $(swift --version 2>&1 | head -1)"
    echo "runs: 1 warm-up + $RUNS measured (medians), workloads: $WORKLOADS, threads: $THREADS"
    echo "health check: one core's sgemm rate $CORE_RATE GFLOP/s; t threads must reach $HEALTH of t times it before and after each run (redone up to $REDO times)"
} >"$OUT/header.txt"
cat "$OUT/header.txt" >&2

for w in $WORKLOADS; do
    for t in $THREADS; do
        log "workload $w, $t thread(s): sgemm rates"
        for r in $(seq 1 "$RUNS"); do
            measured "$RAW/$w-t$t-gemm-$r" "$t" run_gemm "$w" "$t" "$r"
            measured "$RAW/$w-t$t-torchgemm-$r" "$t" run_torch_gemm "$w" "$t" "$r"
        done
        # Run 0 is the warm-up (page cache, CPU clocks); its files are kept but not counted.
        for r in $(seq 0 "$RUNS"); do
            log "workload $w, $t thread(s): run $r of $RUNS (0 = warm-up)"
            measured "$RAW/$w-t$t-mlp-$r" "$t" run_mlp "$w" "$t" "$r"
            measured "$RAW/$w-t$t-torch-$r" "$t" run_torch "$w" "$t" "$r"
        done
    done
done

python3 Benchmarks/bench_report.py "$RAW" "$OUT/header.txt" "$RUNS" "$WORKLOADS" "$THREADS" >"$OUT/results.md"
cat "$OUT/results.md"

# The inference section: fp32 against INT8 and against PyTorch's quantize_dynamic
# (Benchmarks/bench_int8.sh), on the weights trained above: C's network and A's (the default 784-128-10)
# from the first thread count, when those workloads ran; otherwise it trains its own. BENCH_INT8=0 skips it.
if [ "${BENCH_INT8:-1}" != 0 ]; then
    first=${THREADS%% *}
    c_model="$OUT/model-C-t$first.safetensors" a_model="$OUT/model-A-t$first.safetensors"
    if [ -f "$c_model" ]; then export BENCH_INT8_C="$c_model"; fi
    if [ -f "$a_model" ]; then export BENCH_INT8_DEFAULT="$a_model"; fi
    echo
    bash Benchmarks/bench_int8.sh
fi
