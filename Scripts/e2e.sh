#!/usr/bin/env bash
# The project's own end-to-end check on real MNIST: build release, fetch the data, train the
# default network, and gate on its test accuracy with `mlp evaluate --min-accuracy`.
set -eu
cd "$(dirname "$0")/.."

min_accuracy="${MIN_ACCURACY:-0.97}"
model="${TMPDIR:-/tmp}/mlp-e2e-$$.safetensors"
trap 'rm -f "$model"' EXIT

bash Scripts/fetch-mnist.sh
swift build -c release --product mlp 2>&1 | tail -n 1
mlp=.build/release/mlp

echo "e2e: training the default network (784-128-10, 5 epochs, cosine schedule)" >&2
"$mlp" train --data data/mnist --schedule cosine --out "$model"
echo "e2e: evaluating with --min-accuracy $min_accuracy" >&2
"$mlp" evaluate --model "$model" --data data/mnist --min-accuracy "$min_accuracy"
echo "e2e: passed" >&2
