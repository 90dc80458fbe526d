#!/usr/bin/env bash
# Shell functions the benches share (sourced by Benchmarks/bench.sh, bench_tabular.sh and bench_int8.sh):
# PyTorch into the benches' venv, and running a measurement only on idle, healthy CPUs.
#
# The sourcing script defines log() and sets what these read:
#   VENV            the benches' Python venv (ensure_torch)
#   TORCH_SOURCE    auto (default) | pypi | a pip requirement for torch (ensure_torch)
#   GEMM            the gemm-bench binary (the probes)
#   IDLE_WAIT       seconds wait_idle waits for the CPUs to be at most 10% busy
#   CORE_RATE       one core's sgemm rate, from single_core_rate (healthy)
#   HEALTH          the fraction of t × CORE_RATE that t threads must reach to count as healthy
#   HEALTH_WAIT     seconds wait_healthy waits for that
#   REDO            how many times measured runs a command again after a slow phase

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
    if [ "${TORCH_SOURCE:-auto}" = auto ]; then
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
        case "${TORCH_SOURCE:-auto}" in auto | pypi) TORCH_SOURCE=torch ;; esac
        log "no CPU-only wheel in pip's find-links: pip install $TORCH_SOURCE (CUDA build, ~3 GB)"
        "$pip" install "$TORCH_SOURCE" numpy
    fi
    "$VENV/bin/python" -c 'import torch; print("torch", torch.__version__, "installed")' >&2
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

# Waits up to IDLE_WAIT seconds for the CPUs to be at most 10% busy; writes the last reading to file $1,
# or prints it when there is no $1.
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
    if [ $# -gt 0 ]; then echo "$busy" >"$1"; else echo "$busy"; fi
}

# One core's sgemm rate at the probe's shape, the best of five probes: what "healthy" is measured against.
single_core_rate() {
    local best=0 g i
    for i in 1 2 3 4 5; do
        g=$("$GEMM" --probe --threads 1 --seconds 0.1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["gflops_1"])')
        best=$(awk -v a="$best" -v b="$g" 'BEGIN { print (b > a ? b : a) }')
    done
    echo "$best"
}

# Probes the CPUs on $1 threads and appends the health (t-thread rate / (t × CORE_RATE)) to $2; true when
# it is at least HEALTH.
healthy() {
    local h
    h=$("$GEMM" --probe --threads "$1" --seconds 0.1 |
        python3 -c "import json,sys; d=json.load(sys.stdin); print(round(d['gflops_n'] / ($1 * $CORE_RATE), 3))")
    echo "$h" >>"$2"
    awk -v h="$h" -v min="$HEALTH" 'BEGIN { exit !(h >= min) }'
}

# Waits up to HEALTH_WAIT seconds for healthy CPUs on $1 threads (probe results go to $2).
wait_healthy() {
    local waited=0
    while ! healthy "$1" "$2"; do
        if [ "$waited" -ge "$HEALTH_WAIT" ]; then
            log "warning: measuring while $1 thread(s) reach only $(tail -1 "$2") of their rate"
            return
        fi
        if [ "$waited" = 0 ]; then log "$1 thread(s) reach only $(tail -1 "$2") of their sgemm rate: waiting up to ${HEALTH_WAIT}s"; fi
        sleep 3
        waited=$((waited + 3))
    done
}

# measured NAME THREADS COMMAND...: runs COMMAND on idle, healthy CPUs, and again (up to REDO times) when
# the probe after it finds them slowed down. NAME prefixes the .busy, .probe and .redo files, and NAME.wall
# gets the command's wall seconds (process start to end) of the run that was kept.
measured() {
    local name=$1 t=$2 attempt=0 t0 t1
    shift 2
    rm -f "$name.probe"
    while :; do
        wait_idle "$name.busy"
        wait_healthy "$t" "$name.probe"
        t0=$(date +%s%N)
        "$@"
        t1=$(date +%s%N)
        if healthy "$t" "$name.probe" || [ "$attempt" -ge "$REDO" ]; then break; fi
        attempt=$((attempt + 1))
        log "the CPUs slowed down during ${name##*/}: running it again ($attempt of $REDO)"
    done
    echo "$attempt" >"$name.redo"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }' >"$name.wall"
}
