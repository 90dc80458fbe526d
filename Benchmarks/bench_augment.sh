#!/usr/bin/env bash
# What --augment costs: a few epochs of the 784-1024-1024-10 network of `make best` (batch norm and
# dropout, batch 128, SGD with momentum) on MNIST's 60,000 training images, without augmentation and
# with each spec below, on BENCH_AUGMENT_THREADS threads. The augmentation's time is what mlp reports
# per epoch as augment_seconds: the batch gathers that distort the images (on every thread the loops
# use), which would otherwise be plain gathers of a few milliseconds an epoch. The table gives, per
# spec, the median over every epoch of every round of the epoch's seconds and of its augmentation
# seconds, with the lowest and highest, the median share of the epoch, and the median epoch against
# the run without augmentation.
#
# Knobs: BENCH_AUGMENT_EPOCHS (epochs per run, default 3), BENCH_ROUNDS (rounds of all specs, default 2),
#        BENCH_AUGMENT_THREADS (default 2), BENCH_IDLE_WAIT (seconds to wait for idle CPUs before each
#        run, default 30), BENCH_AUGMENT_SPECS (specs separated by spaces; default below).
# Output: the table on stdout and in bench-out/augment/results.md, each run's --json line in
# bench-out/augment/raw.jsonl (with how busy other work kept the CPUs just before), the epoch lines in
# bench-out/augment/train.log.
set -eu

cd "$(dirname "$0")/.."
EPOCHS=${BENCH_AUGMENT_EPOCHS:-3}
ROUNDS=${BENCH_ROUNDS:-2}
THREADS=${BENCH_AUGMENT_THREADS:-2}
IDLE_WAIT=${BENCH_IDLE_WAIT:-30}
SPECS=${BENCH_AUGMENT_SPECS:-shift:2,rotate:15,scale:0.15,shear:0.3 elastic:34:4 shift:2,rotate:15,scale:0.15,shear:0.3,elastic:34:4}
OUT=bench-out/augment
MLP=.build/release/mlp

log() { echo "bench_augment: $*" >&2; }
# wait_idle
# shellcheck source=Benchmarks/bench_common.sh
. Benchmarks/bench_common.sh

log "building release (mlp)"
swift build -c release --product mlp >&2
bash Scripts/fetch-mnist.sh
mkdir -p "$OUT"
: > "$OUT/raw.jsonl"
: > "$OUT/train.log"

for round in $(seq 1 "$ROUNDS"); do
    for spec in none $SPECS; do
        wait_idle "$OUT/.busy"
        log "round $round/$ROUNDS: ${spec} (CPUs $(cat "$OUT/.busy")% busy with other work before it)"
        flags=()
        if [ "$spec" != none ]; then flags=(--augment "$spec"); fi
        line=$("$MLP" train --train-images data/mnist/train-images-idx3-ubyte.gz --train-labels data/mnist/train-labels-idx1-ubyte.gz \
            --layers dropout:0.2,1024,batchnorm,relu,dropout:0.5,1024,batchnorm,relu,dropout:0.5,10 \
            --optimizer sgd --momentum 0.9 --lr 0.05 --weight-decay 5e-4 --batch-size 128 --epochs "$EPOCHS" --seed 1 \
            --threads "$THREADS" "${flags[@]}" --json --quiet --out "$OUT/model.safetensors" 2>>"$OUT/train.log")
        printf '{"spec":"%s","round":%d,"busy_before":%s,"run":%s}\n' "$spec" "$round" "$(cat "$OUT/.busy")" "$line" >> "$OUT/raw.jsonl"
    done
done
rm -f "$OUT/model.safetensors" "$OUT/.busy"

python3 - "$OUT/raw.jsonl" "$THREADS" "$EPOCHS" "$ROUNDS" > "$OUT/results.md" <<'EOF'
import json, statistics, sys
path, threads, epochs, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
runs = [json.loads(l) for l in open(path)]
specs = []
for r in runs:
    if r["spec"] not in specs:
        specs.append(r["spec"])
def epochs_of(spec):
    return [e for r in runs if r["spec"] == spec for e in r["run"]["epochs"]]
def spread(xs):
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"
base = statistics.median(e["seconds"] for e in epochs_of("none"))
print(f"784-1024-1024-10 (batch norm, dropout), batch 128, {threads} thread(s), {rounds} round(s) of {epochs} epoch(s) per spec; seconds per epoch, median (lowest–highest)")
print()
print("| --augment | epoch s | augmentation s | share of the epoch | epoch / without |")
print("| --- | --- | --- | --- | --- |")
for spec in specs:
    es = epochs_of(spec)
    seconds = [e["seconds"] for e in es]
    if spec == "none":
        print(f"| (none) | {spread(seconds)} | | | 1.00 |")
        continue
    aug = [e["augment_seconds"] for e in es]
    share = statistics.median(e["augment_seconds"] / e["seconds"] for e in es)
    print(f"| `{spec}` | {spread(seconds)} | {spread(aug)} | {100 * share:.1f}% | {statistics.median(seconds) / base:.2f} |")
EOF
cat "$OUT/results.md"
