#!/usr/bin/env bash
# How honest the default MNIST network's probabilities are, before and after `mlp calibrate`: for
# each seed, `mlp train --data data/mnist` (784-128-10, the defaults) on 50,000 training images,
# with the other 10,000 held out by --validation-split and written by --save-split; the expected
# calibration error (ECE, 15 equal-width bins of the top class's probability) and the log-loss on
# the 10,000 test images; `mlp calibrate` on the held-out training images; the same figures again,
# and the reliability diagrams before and after.
#
# Knobs: BENCH_SEEDS (default "1 2 3"), BENCH_EPOCHS (default: train's own default, 5).
# Output: a Markdown table on stdout and in bench-out/calibration/results.md (with BENCH_EPOCHS=N:
# bench-out/calibration-N-epochs/); per seed the models, the held-out split and the SVG diagrams in
# its seed-N/.
set -eu

cd "$(dirname "$0")/.."
MLP=.build/release/mlp
OUT=bench-out/calibration${BENCH_EPOCHS:+-$BENCH_EPOCHS-epochs}
SEEDS=${BENCH_SEEDS:-1 2 3}
EPOCHS=${BENCH_EPOCHS:+--epochs $BENCH_EPOCHS}
[ -x "$MLP" ] || { echo "bench_calibration: build first (make build)" >&2; exit 1; }
mkdir -p "$OUT"

# A member of the one JSON object mlp printed.
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

{
    echo "| seed | T | test ECE before | test ECE after | test log-loss before | test log-loss after | held-out ECE before | held-out ECE after | test accuracy |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} > "$OUT/results.md"
for seed in $SEEDS; do
    dir="$OUT/seed-$seed"
    mkdir -p "$dir"
    # shellcheck disable=SC2086  # EPOCHS is empty or two words
    "$MLP" train --data data/mnist --validation-split 0.1666667 --save-split "$dir/held-out" --seed "$seed" $EPOCHS \
        --quiet --quiet --out "$dir/model.safetensors" > /dev/null
    before=$("$MLP" evaluate --model "$dir/model.safetensors" --data data/mnist --json --plot-calibration "$dir/reliability-before.svg" 2> /dev/null)
    cal=$("$MLP" calibrate --model "$dir/model.safetensors" --data "$dir/held-out" --out "$dir/calibrated.safetensors" --json 2> /dev/null)
    after=$("$MLP" evaluate --model "$dir/calibrated.safetensors" --data data/mnist --json --plot-calibration "$dir/reliability-after.svg" 2> /dev/null)
    printf '| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n' "$seed" \
        "$(echo "$cal" | field temperature)" "$(echo "$before" | field ece)" "$(echo "$after" | field ece)" \
        "$(echo "$before" | field loss)" "$(echo "$after" | field loss)" \
        "$(echo "$cal" | field ece_before)" "$(echo "$cal" | field ece_after)" "$(echo "$after" | field accuracy)" >> "$OUT/results.md"
done
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
echo "" >> "$OUT/results.md"
echo "$(date +%Y-%m-%d), $cpu, $(nproc) cores; ${BENCH_EPOCHS:-5} epochs; held-out: 10,000 training images (--validation-split 0.1666667), test: the 10,000 MNIST test images" >> "$OUT/results.md"
cat "$OUT/results.md"
