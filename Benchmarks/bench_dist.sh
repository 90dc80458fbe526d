#!/usr/bin/env bash
# `make bench-dist`: data-parallel training of workload C (784-1024-1024-10 ReLU, SGD lr
# 0.05 momentum 0.9, global batch 256, 1 epoch of MNIST) in the same run, three ways:
#   mlp-2x1   mpirun -np 2 (Scripts/mpirun.sh) mlp train --threads 1: two ranks of one thread
#   mlp-1x2   mlp train --threads 2: one process of two threads (the baseline the ranks must keep up with)
#   ddp-2x1   torchrun --nproc_per_node 2 Benchmarks/bench_ddp.py: PyTorch DDP, gloo over loopback, one
#             thread per rank (OMP_NUM_THREADS=1, GLOO_SOCKET_IFNAME=lo)
# BENCH_RUNS rounds (default 3), the three in a rotating order each round so that a noisy neighbour
# hurts all alike; medians with min and max. Then the scaling model (Benchmarks/scaling_model.py) from
# per-example compute times measured here on one thread for workloads A, C and a wide network W
# (784-4096-4096-10), trained on a tenth of MNIST (--validation-split 0.9; the epoch time counts the
# training steps only). Everything is printed and written to bench-out/dist.md; raw JSON under
# bench-out/raw/dist-*.
#
# Targets: mlp-2x1 ≤ 0.7 × ddp-2x1, and ≤ 1.1 × mlp-1x2. Needs the machine to itself: with 2 cores,
# anything else running makes two busy-polling MPI ranks wait for each other.
set -eu

cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-3}
OUT=bench-out
RAW=$OUT/raw
VENV=.venv-bench
MLP=.build/release/mlp
C_FLAGS="--data data/mnist --layers 1024:relu,1024:relu,10 --optimizer sgd --momentum 0.9 --lr 0.05 --batch-size 256 --epochs 1 --seed 1 --json --quiet"

log() { echo "bench-dist: $*" >&2; }

bash Scripts/deps.sh
bash Scripts/fetch-mnist.sh
log "building release"
swift build -c release --static-swift-stdlib --product mlp 2>&1 | tail -n 1 >&2
BENCH_VENV_ONLY=1 bash Benchmarks/bench.sh   # PyTorch into .venv-bench/, once
mkdir -p "$RAW"
if ! "$VENV/bin/python" -c 'import torch.distributed' 2>/dev/null; then
    log "this PyTorch has no torch.distributed; the DDP peer cannot run"
    exit 1
fi

# field FILE NAME: a number from a one-line JSON object.
field() { "$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

run_one() {
    local kind=$1 round=$2 out="$RAW/dist-$1-$2.json"
    case "$kind" in
        mlp-2x1) bash Scripts/mpirun.sh -np 2 "$MLP" train $C_FLAGS --threads 1 --out "$RAW/dist-model.safetensors" >"$out" ;;
        mlp-1x2) "$MLP" train $C_FLAGS --threads 2 --out "$RAW/dist-model.safetensors" >"$out" ;;
        ddp-2x1) OMP_NUM_THREADS=1 GLOO_SOCKET_IFNAME=lo "$VENV/bin/torchrun" --standalone --nproc_per_node 2 \
                     Benchmarks/bench_ddp.py --data data/mnist 2>/dev/null | tail -n 1 >"$out" ;;
    esac
    log "round $round $kind: $(field "$out" seconds_per_epoch) s/epoch, test accuracy $(field "$out" test_accuracy)"
}

kinds=(mlp-2x1 mlp-1x2 ddp-2x1)
for ((r = 1; r <= RUNS; r++)); do
    for ((k = 0; k < 3; k++)); do
        run_one "${kinds[$(((k + r) % 3))]}" "$r"
    done
done

# Per-example compute on one thread, for the scaling model.
log "per-example compute on one thread (A, C, W on a tenth of MNIST)"
per_example() {
    local name=$1 layers=$2 batch=$3 out="$RAW/dist-compute-$1.json"
    "$MLP" train --data data/mnist --layers "$layers" --optimizer sgd --momentum 0.9 --lr 0.01 --batch-size "$batch" \
        --epochs 1 --validation-split 0.9 --threads 1 --json --quiet --out "$RAW/dist-model.safetensors" >"$out"
    "$VENV/bin/python" -c 'import json, sys; j = json.load(open(sys.argv[1])); print(j["seconds_per_epoch"] / 6000, j["parameters"])' "$out"
}
read -r tA pA <<<"$(per_example A 128:relu,10 64)"
read -r tC pC <<<"$(per_example C 1024:relu,1024:relu,10 256)"
read -r tW pW <<<"$(per_example W 4096:relu,4096:relu,10 256)"

"$VENV/bin/python" - "$RAW" "$RUNS" "$tA" "$pA" "$tC" "$pC" "$tW" "$pW" >"$OUT/dist.md" <<'EOF'
import json, statistics, subprocess, sys, os
raw, runs = sys.argv[1], int(sys.argv[2])
tA, pA, tC, pC, tW, pW = sys.argv[3:9]
def load(kind):
    return [json.load(open(f"{raw}/dist-{kind}-{r}.json")) for r in range(1, runs + 1)]
rows = {k: load(k) for k in ("mlp-2x1", "mlp-1x2", "ddp-2x1")}
med = {k: statistics.median(j["seconds_per_epoch"] for j in v) for k, v in rows.items()}
def spread(k):
    s = [j["seconds_per_epoch"] for j in rows[k]]
    return f"{min(s):.2f}–{max(s):.2f}"
names = {"mlp-2x1": "mlp, mpirun -np 2, 1 thread per rank", "mlp-1x2": "mlp, one process, 2 threads",
         "ddp-2x1": "PyTorch DDP (gloo, loopback), 2 ranks × 1 thread"}
print(f"Workload C (784-1024-1024-10, SGD momentum 0.9, global batch 256, 1 epoch), {runs} rounds, median (min–max):\n")
print("| run | s/epoch | test accuracy |")
print("|---|---:|---:|")
for k in rows:
    acc = statistics.median(j["test_accuracy"] for j in rows[k])
    print(f"| {names[k]} | {med[k]:.2f} ({spread(k)}) | {acc:.4f} |")
two = rows["mlp-2x1"]
ar = statistics.median(j["allreduce_seconds"] for j in two)
steps = -(-60000 // 256)
print()
print(f"mlp 2 ranks / PyTorch DDP: {med['mlp-2x1'] / med['ddp-2x1']:.2f}× (target ≤ 0.7)")
print(f"mlp 2 ranks / mlp 1 process × 2 threads: {med['mlp-2x1'] / med['mlp-1x2']:.2f}× (target ≤ 1.1)")
print(f"all-reduce: {1000 * ar / steps:.2f} ms per step ({two[0]['allreduce_bytes_per_step'] / 1e6:.2f} MB of gradients), "
      f"{100 * ar / med['mlp-2x1']:.0f}% of the epoch (waiting for the other rank included)\n")
sys.stdout.flush()
subprocess.run([sys.executable, "Benchmarks/scaling_model.py",
                "--workload", f"A:{pA}:64:{tA}", "--workload", f"C:{pC}:256:{tC}", "--workload", f"W:{pW}:256:{tW}"], check=True)
EOF
cat "$OUT/dist.md"
