#!/usr/bin/env bash
# Trains the same four runs with two mlp binaries and compares the models' tensors byte for byte:
# the default MNIST network; a network with dropout, batch norm and Adam; Adult (raw CSV:
# categorical columns and missing values); Diamonds (raw CSV regression). For refactorings that
# must not change a single bit. Usage: Scripts/same_models.sh OLD_MLP NEW_MLP [THREADS]
set -eu
cd "$(dirname "$0")/.."
old=$1 new=$2 threads=${3:-2}
tabular=../shared/data/tabular
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash Scripts/fetch-mnist.sh >/dev/null 2>&1
runs=(
  "mnist-default|--data data/mnist --epochs 2"
  "mnist-dropout-bn-adam|--data data/mnist --layers dropout:0.2,256,batchnorm,relu,dropout:0.3,128:relu,10 --optimizer adam --batch-size 128 --epochs 2"
  "adult-raw|--data $tabular/adult/adult-raw-train.csv.gz --test-data $tabular/adult/adult-raw-test.csv.gz --target income --missing most-frequent --hidden 64 --batch-size 128 --epochs 3"
  "diamonds-raw|--data $tabular/diamonds/diamonds-raw-train.csv.gz --test-data $tabular/diamonds/diamonds-raw-test.csv.gz --target price --hidden 128,64 --batch-size 128 --epochs 3"
)
status=0
for run in "${runs[@]}"; do
  name=${run%%|*} args=${run#*|}
  # shellcheck disable=SC2086
  "$old" train $args --seed 1 --threads "$threads" --quiet --out "$work/$name-old.safetensors" >/dev/null 2>"$work/$name-old.err" || { echo "$name: the old binary failed"; cat "$work/$name-old.err"; status=1; continue; }
  # shellcheck disable=SC2086
  "$new" train $args --seed 1 --threads "$threads" --quiet --out "$work/$name-new.safetensors" >/dev/null 2>"$work/$name-new.err" || { echo "$name: the new binary failed"; cat "$work/$name-new.err"; status=1; continue; }
  printf '%-24s ' "$name"
  python3 Scripts/same_tensors.py "$work/$name-old.safetensors" "$work/$name-new.safetensors" || status=1
done
exit $status
