#!/usr/bin/env bash
# INT8 inference against float and against PyTorch: 10,000 MNIST test images in batches of
# 1,000 through workload C's network (784-1024-1024-10) and the default network (784-128-10), at 1 and
# 2 threads, on the same trained weights:
#   mlp fp32      OpenBLAS sgemm, bias and ReLU in a loop        (int8-bench)
#   mlp dynamic   oneDNN INT8, activations quantized per batch   (int8-bench)
#   mlp static    oneDNN INT8, activation ranges calibrated on 5,000 training images
#   mlp dynamic_bytes, static_bytes: the same from the pixel bytes (as mlp reads images), which are
#                 the first layer's u8 input as they are: no first quantization pass
#   torch fp32, torch dynamic (quantize_dynamic, default per-tensor qconfig), torch dynamic_pc
#   (per-channel qconfig)                                        (Benchmarks/bench_int8_torch.py)
# Each round runs int8-bench and the PyTorch script once per network, one after the other, each
# process timing BENCH_RUNS passes per mode after a warm-up; BENCH_ROUNDS rounds alternate the two so a
# noisy neighbour hurts both alike. The table gives, per row, the median over rounds of each round's
# median pass time, with the lowest and highest round median, and the ratios of those medians.
#
# Then the command line end to end, on real files: `mlp quantize` writes each network's INT8 model
# (dynamic activations, the default) and `mlp evaluate --json` runs the float and the INT8 file over
# the 10,000 test images once per round and thread count; its "seconds" is the forward passes in one
# process, including what a user's evaluate pays once: oneDNN making its primitives for the batch
# size (tens of milliseconds per layer). The steady-state table above comes from int8-bench because
# a pass of the default network takes about 10 ms, less than that one-time cost or the process start,
# and because it times mlp's and PyTorch's passes alike: warm, in turn, on the same weights.
#
# Knobs: BENCH_ROUNDS (default 3), BENCH_RUNS (passes per mode per process, default 7),
#        BENCH_IDLE_WAIT (seconds to wait for idle CPUs before each process, default 30),
#        BENCH_TORCH (where PyTorch comes from, as for Benchmarks/bench.sh),
#        BENCH_INT8_C, BENCH_INT8_DEFAULT: float models to use (Benchmarks/bench.sh passes the ones its
#        training section wrote, so both sections measure the same weights).
# Output: the tables on stdout and in bench-out/int8/results.md, raw JSON lines in bench-out/int8/raw.jsonl.
# Models: bench-out/int8/{c,default}.safetensors, trained here with seed 1 when missing (or copied
# from BENCH_INT8_C and BENCH_INT8_DEFAULT), and their INT8 models {c,default}-int8.safetensors.
set -eu

cd "$(dirname "$0")/.."
ROUNDS=${BENCH_ROUNDS:-3}
RUNS=${BENCH_RUNS:-7}
IDLE_WAIT=${BENCH_IDLE_WAIT:-30}
OUT=bench-out/int8
VENV=.venv-bench
TORCH_SOURCE=${BENCH_TORCH:-auto}
MLP=.build/release/mlp
BENCH=.build/release/int8-bench

log() { echo "bench_int8: $*" >&2; }
# ensure_torch (as Benchmarks/bench.sh installs it) and wait_idle.
# shellcheck source=Benchmarks/bench_common.sh
. Benchmarks/bench_common.sh

log "building release (mlp, int8-bench)"
swift build -c release --product mlp >&2
swift build -c release --product int8-bench >&2
bash Scripts/fetch-mnist.sh
ensure_torch
mkdir -p "$OUT"
if [ -n "${BENCH_INT8_C:-}" ]; then cp "$BENCH_INT8_C" "$OUT/c.safetensors"; fi
if [ -n "${BENCH_INT8_DEFAULT:-}" ]; then cp "$BENCH_INT8_DEFAULT" "$OUT/default.safetensors"; fi
if [ ! -f "$OUT/c.safetensors" ]; then
    log "training workload C's network (1 epoch)"
    "$MLP" train --data data/mnist --layers 1024:relu,1024:relu,10 --batch-size 256 --epochs 1 --seed 1 --out "$OUT/c.safetensors" --quiet
fi
if [ ! -f "$OUT/default.safetensors" ]; then
    log "training the default network"
    "$MLP" train --data data/mnist --seed 1 --out "$OUT/default.safetensors" --quiet
fi
for net in c default; do
    "$MLP" quantize --model "$OUT/$net.safetensors" --out "$OUT/$net-int8.safetensors" 2>&1 | sed 's/^/bench_int8: /' >&2
done

# A network's name as int8-bench gives it: the widths, e.g. 784-1024-1024-10.
widths() {
    "$MLP" summary --json "$OUT/$1.safetensors" | python3 -c 'import json, sys; s = json.load(sys.stdin)
print("-".join([str(s["input_shape"][1])] + [str(l["output_shape"][1]) for l in s["layers"] if l["layer"] == "Dense"]))'
}

# One `mlp evaluate --json` on a model file: its seconds and accuracy as a raw JSON line.
evaluate() {  # net file-suffix mode threads round busy
    "$MLP" evaluate --model "$OUT/$1$2.safetensors" --data data/mnist --threads "$4" --json |
        python3 -c 'import json, os, sys; e = json.load(sys.stdin); a = sys.argv[1:]
print(json.dumps({"engine": "mlp evaluate", "network": a[6], "mode": a[1], "threads": int(a[2]), "median_s": e["seconds"],
                  "accuracy": e["accuracy"], "bytes": os.path.getsize(a[3]), "round": int(a[4]), "busy": int(a[5])}))' \
            "$1" "$3" "$4" "$OUT/$1$2.safetensors" "$5" "$6" "$(widths "$1")"
}

: >"$OUT/raw.jsonl"
"$BENCH" --model "$OUT/c.safetensors" --runs 1 --threads 1 --modes dynamic 2>&1 >/dev/null | head -3 | sed 's/^/bench_int8: /' >&2
for round in $(seq 1 "$ROUNDS"); do
    for net in c default; do
        busy=$(wait_idle)
        log "round $round/$ROUNDS, $net: mlp (others ${busy}% busy)"
        "$BENCH" --model "$OUT/$net.safetensors" --data data/mnist --runs "$RUNS" --threads 1,2 \
            2>>"$OUT/stderr.log" | sed "s/}\$/,\"round\":$round,\"busy\":$busy}/" >>"$OUT/raw.jsonl"
        busy=$(wait_idle)
        log "round $round/$ROUNDS, $net: torch (others ${busy}% busy)"
        "$VENV/bin/python" Benchmarks/bench_int8_torch.py --model "$OUT/$net.safetensors" --data data/mnist --runs "$RUNS" --threads 1,2 \
            2>>"$OUT/stderr.log" | sed "s/}\$/, \"round\": $round, \"busy\": $busy}/" >>"$OUT/raw.jsonl"
        busy=$(wait_idle)
        log "round $round/$ROUNDS, $net: mlp evaluate, fp32 and INT8 files (others ${busy}% busy)"
        for t in 1 2; do
            evaluate "$net" "" fp32 "$t" "$round" "$busy" >>"$OUT/raw.jsonl"
            evaluate "$net" -int8 dynamic "$t" "$round" "$busy" >>"$OUT/raw.jsonl"
        done
    done
done

python3 - "$OUT/raw.jsonl" <<'EOF' | tee "$OUT/results.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(net, t, engine, mode):
    v = [r["median_s"] for r in rows if (r["network"], r["threads"], r["engine"], r["mode"]) == (net, t, engine, mode)]
    return (statistics.median(v), min(v), max(v)) if v else None
def acc(net, engine, mode):
    v = [r["accuracy"] for r in rows if (r["network"], r["engine"], r["mode"]) == (net, engine, mode)]
    return v[0] if v else None
torch_version = next((r["torch"] for r in rows if r["engine"] == "torch"), "?")
busy = max((r["busy"] for r in rows), default=0)
print(f"INT8 inference, 10,000 MNIST test images in batches of 1,000; seconds per pass: median of {len(set(r['round'] for r in rows))} "
      f"rounds' medians (lowest–highest round); PyTorch {torch_version}; others' CPU use before a process at most {busy}%.\n")
print("| network | threads | engine | mode | s per pass | range | accuracy | fp32 / this | this vs mlp dynamic |")
print("|---|---:|---|---|---:|---|---:|---:|---:|")
for net in sorted({r["network"] for r in rows if r["engine"] != "mlp evaluate"}, key=lambda n: -len(n)):
    for t in sorted({r["threads"] for r in rows}):
        mine = med(net, t, "mlp", "dynamic")
        for engine, modes in (("mlp", ("fp32", "dynamic", "static", "dynamic_bytes", "static_bytes")), ("torch", ("fp32", "dynamic", "dynamic_pc"))):
            f = med(net, t, engine, "fp32")
            for mode in modes:
                m = med(net, t, engine, mode)
                if not m: continue
                speed = f"{f[0] / m[0]:.2f}×" if f and mode != "fp32" else ""
                versus = f"{m[0] / mine[0]:.2f}×" if mine and (engine, mode) != ("mlp", "dynamic") else ""
                print(f"| {net} | {t} | {engine} | {mode} | {m[0]:.4f} | {m[1]:.4f}–{m[2]:.4f} | {acc(net, engine, mode):.4f} | {speed} | {versus} |")
print("\n'fp32 / this': the same engine's fp32 time over this row's (the INT8 speed-up). "
      "'this vs mlp dynamic': this row's time over mlp's dynamic INT8 time (above 1: mlp's INT8 is faster).")
print("\nThe command line end to end: `mlp evaluate --json` on the float file and on the file `mlp quantize` wrote "
      "(dynamic activations); seconds in the process for the 10,000 images, with oneDNN's one-time primitive creation.\n")
print("| network | threads | file | bytes | evaluate s | range | accuracy | fp32 / INT8 |")
print("|---|---:|---|---:|---:|---|---:|---:|")
for net in sorted({r["network"] for r in rows if r["engine"] == "mlp evaluate"}, key=lambda n: -len(n)):
    for t in sorted({r["threads"] for r in rows if r["engine"] == "mlp evaluate"}):
        f = med(net, t, "mlp evaluate", "fp32")
        for mode, label in (("fp32", "float32"), ("dynamic", "INT8")):
            m = med(net, t, "mlp evaluate", mode)
            if not m: continue
            size = next(r["bytes"] for r in rows if (r["engine"], r["network"], r["mode"]) == ("mlp evaluate", net, mode))
            speed = f"{f[0] / m[0]:.2f}×" if f and mode != "fp32" else ""
            print(f"| {net} | {t} | {label} | {size:,} | {m[0]:.4f} | {m[1]:.4f}–{m[2]:.4f} | {acc(net, 'mlp evaluate', mode):.4f} | {speed} |")
EOF
