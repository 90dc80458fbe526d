#!/usr/bin/env bash
# `make bench` (issue 5): mlp against PyTorch on the same CPU, and against what OpenBLAS's sgemm can do.
#
# Builds release, fetches MNIST, installs PyTorch into .venv-bench/ when it is not there yet, then for
# every workload and thread count runs one warm-up and BENCH_RUNS measured runs of `mlp train` (+ `mlp
# evaluate` on the model it wrote) and of Scripts/bench_torch.py, alternating the two so that a noisy
# neighbour hurts both alike, plus BENCH_RUNS runs of gemm-bench for the sgemm lower bound. Medians go
# into a table printed on stdout and written to bench-out/results.md; every raw JSON is kept under
# bench-out/raw/.
#
# Workloads (the same for mlp and PyTorch; Scripts/bench_torch.py holds the PyTorch side):
#   A  784-128-10 ReLU,        SGD lr 0.1 (no momentum), batch 64,  3 epochs
#   B  784-256-128-10 ReLU,    Adam lr 1e-3,             batch 128, 3 epochs
#   C  784-1024-1024-10 ReLU,  SGD lr 0.05 momentum 0.9, batch 256, 1 epoch
#
# Knobs: BENCH_RUNS (default 3), BENCH_WORKLOADS (default "A B C"), BENCH_THREADS (default "1 2"),
#        BENCH_TORCH: auto (default) | pypi | a pip requirement such as "torch==2.15.0" (see ensure_torch),
#        BENCH_IDLE_WAIT: seconds to wait before each run for other processes to leave the CPUs (default 30).
#
# The bench needs the machine to itself: with 2 cores, one busy process elsewhere makes 2-thread runs
# meaningless (PyTorch's OpenMP threads spin at barriers and went from 0.6 to 20 s/epoch for A here).
# Before every run it waits for the CPUs to be idle and records how busy they were from outside
# (bench-out/raw/*.busy); the table shows the worst of a row's runs.
set -eu

cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-3}
WORKLOADS=${BENCH_WORKLOADS:-"A B C"}
THREADS=${BENCH_THREADS:-"1 2"}
TORCH_SOURCE=${BENCH_TORCH:-auto}
IDLE_WAIT=${BENCH_IDLE_WAIT:-30}
OUT=bench-out
RAW=$OUT/raw
VENV=.venv-bench
MLP=.build/release/mlp
GEMM=.build/release/gemm-bench

log() { echo "bench: $*" >&2; }

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

# PyTorch into $VENV, once. PyPI's `torch` for Linux x86_64 is the CUDA build: its libtorch.so needs
# libtorch_cuda.so, which needs libcudart, cuBLAS, cuDNN, NCCL ... from ~3 GB of nvidia-* wheels, so
# `pip install torch --no-deps` installs but `import torch` fails (libcudart.so.13 / libcublasLt not
# found). PyPI serves no CPU-only (+cpu) build. What works, in order:
#   1. a CPU-only wheel (torch-*+cpu-cpXY-*.whl) in a directory pip's find-links names (this machine
#      image has /opt/wheels with torch 2.13.0+cpu, ~190 MB): install it --no-deps plus torch's small
#      pure-Python requirements. No CUDA libraries are mapped, so peak RSS is PyTorch's own (~580 MB
#      rather than ~910 MB for workload A with the CUDA build).
#   2. otherwise PyPI's torch with all its requirements (CUDA libraries included, unused on the CPU):
#      ~3 GB, about 2 minutes here the first time; pip's cache keeps the wheels for the next venv.
# BENCH_TORCH=pypi skips step 1; BENCH_TORCH="torch==X" installs that requirement with its dependencies.
ensure_torch() {
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import torch, numpy' 2>/dev/null; then
        return
    fi
    log "installing PyTorch into $VENV (once)"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    local pip="$VENV/bin/pip" wheel="" dir pyver
    pyver=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
    if [ "$TORCH_SOURCE" = auto ]; then
        # find-links from the environment or pip's configuration (space-separated or one per line).
        for dir in ${PIP_FIND_LINKS:-} $("$pip" config get global.find-links 2>/dev/null || true); do
            for f in "$dir"/torch-*+cpu-"$pyver"-*linux*x86_64*.whl; do
                if [ -f "$f" ]; then wheel=$f; fi
            done
        done
    fi
    if [ -n "$wheel" ]; then
        log "CPU-only wheel $wheel"
        "$pip" install --no-deps "$wheel"
        # torch's Requires-Dist minus the CUDA/triton ones, plus numpy for reading IDX files.
        "$pip" install filelock "typing-extensions>=4.13.0" "setuptools>=77.0.3" "sympy>=1.13.3" "networkx>=2.5.1" jinja2 "fsspec>=0.8.5" numpy
    else
        case "$TORCH_SOURCE" in auto | pypi) TORCH_SOURCE=torch ;; esac
        log "no CPU-only wheel in pip's find-links: pip install $TORCH_SOURCE (CUDA build, ~3 GB)"
        "$pip" install "$TORCH_SOURCE" numpy
    fi
    "$VENV/bin/python" -c 'import torch; print("bench: torch", torch.__version__, "installed")' >&2
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

# Percentage of CPU time that was not idle over half a second (from /proc/stat), i.e. others' load.
cpu_busy() {
    local a b
    a=$(head -1 /proc/stat)
    sleep 0.5
    b=$(head -1 /proc/stat)
    # Fields after "cpu": user nice system idle iowait irq softirq steal ...; idle + iowait count as idle.
    awk -v a="$a" -v b="$b" 'BEGIN {
        n = split(a, x); split(b, y); total = 0; idle = 0
        for (i = 2; i <= n; i++) { d = y[i] - x[i]; total += d; if (i == 5 || i == 6) idle += d }
        printf "%d\n", (total > 0 ? 100 * (total - idle) / total : 0) }'
}

# Waits up to IDLE_WAIT seconds for the CPUs to be at most 10% busy; writes the last reading to $1.
wait_idle() {
    local busy waited=0
    busy=$(cpu_busy)
    while [ "$busy" -gt 10 ] && [ "$waited" -lt "$IDLE_WAIT" ]; do
        if [ "$waited" = 0 ]; then log "CPUs ${busy}% busy with other work: waiting up to ${IDLE_WAIT}s"; fi
        sleep 2
        waited=$((waited + 3))
        busy=$(cpu_busy)
    done
    if [ "$busy" -gt 10 ]; then log "warning: measuring while the CPUs are ${busy}% busy with other work"; fi
    echo "$busy" >"$1"
}

log "building release"
swift build -c release >&2  # stdout is for the table
bash Scripts/fetch-mnist.sh
ensure_torch
ensure_gnu_time
mkdir -p "$RAW"
rm -f "$RAW"/*.json "$RAW"/*.rss "$RAW"/*.busy

# The header: when, where, with what.
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
    echo "OPENBLAS_* environment: $(env | grep '^OPENBLAS' | tr '\n' ' ' || true)"
    echo "openblas: $("$GEMM" --layers 10,10 --batch 1 --samples 1 --seconds 0.001 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["openblas_config"])')"
    echo "torch: $("$VENV/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null)"
    echo "swift: $(swift --version 2>&1 | head -1)"
    echo "runs: 1 warm-up + $RUNS measured (medians), workloads: $WORKLOADS, threads: $THREADS"
} >"$OUT/header.txt"
cat "$OUT/header.txt" >&2

for w in $WORKLOADS; do
    flags=$(mlp_flags "$w")
    for t in $THREADS; do
        log "workload $w, $t thread(s): sgemm rates"
        for r in $(seq 1 "$RUNS"); do
            wait_idle "$RAW/$w-t$t-gemm-$r.busy"
            # shellcheck disable=SC2046
            "$GEMM" $(gemm_flags "$w") --threads "$t" >"$RAW/$w-t$t-gemm-$r.json"
        done
        # Run 0 is the warm-up (page cache, CPU clocks); its files are kept but not counted.
        for r in $(seq 0 "$RUNS"); do
            log "workload $w, $t thread(s): run $r of $RUNS (0 = warm-up)"
            model="$OUT/model-$w-t$t.safetensors"
            wait_idle "$RAW/$w-t$t-mlp-$r.busy"
            # shellcheck disable=SC2086
            timed "$RAW/$w-t$t-mlp-$r.rss" "$MLP" train --data data/mnist $flags --seed 1 --threads "$t" \
                --out "$model" --json --quiet >"$RAW/$w-t$t-mlp-$r.json"
            "$MLP" evaluate --model "$model" --data data/mnist --threads "$t" --json >"$RAW/$w-t$t-eval-$r.json"
            wait_idle "$RAW/$w-t$t-torch-$r.busy"
            # BENCH_LAUNCH_NS: the process start that PyTorch's start-up time counts from.
            BENCH_LAUNCH_NS=$(date +%s%N) timed "$RAW/$w-t$t-torch-$r.rss" "$VENV/bin/python" \
                Scripts/bench_torch.py --workload "$w" --threads "$t" --data data/mnist --seed 1 \
                >"$RAW/$w-t$t-torch-$r.json" 2>>"$OUT/torch-stderr.log"
        done
    done
done

python3 Scripts/bench_report.py "$RAW" "$OUT/header.txt" "$RUNS" "$WORKLOADS" "$THREADS" >"$OUT/results.md"
cat "$OUT/results.md"
