#!/usr/bin/env bash
# Judging a classifier on Adult raw (make bench-judging), two measurements:
#
# 1. Class weights: `mlp train` unweighted and with --class-weight balanced, the same seed and settings
#    otherwise (bench_tabular.sh's Adult run: --target income --missing most-frequent --hidden 64
#    --epochs 20 --batch-size 128, the table defaults), each judged by `mlp evaluate --json` on the
#    test rows: recall of >50K, balanced accuracy, ROC AUC, log-loss (and accuracy, precision, F1, PR
#    AUC, Brier); beside scikit-learn's MLPClassifier with the same preprocessing, unweighted and with
#    balanced sample weights (Benchmarks/bench_judging.py). Seeds 1 to BENCH_SEEDS; the table gives the
#    mean and the range over them.
# 2. What the figures cost: `mlp evaluate` of the unweighted model on the test rows (16,281), with
#    every figure, against an mlp that reports only accuracy, loss and the per-class table
#    (BENCH_OLD_MLP, default the build of the commit before the figures, /work/notes/mlp-84c95e0 when it
#    is there; it reads the same model file): one warm-up pair, then BENCH_RUNS alternating runs of each
#    whole process, and evaluate's own "seconds" (the forward pass, and for the new binary every figure
#    computed from the probabilities; not reading the CSV, which changed between the two builds too),
#    medians. The section is skipped when BENCH_OLD_MLP is not there or BENCH_RUNS is 0.
#
# Needs python3 with scikit-learn and numpy. Writes bench-out/judging.md and prints it.
# Knobs: BENCH_SEEDS (default 3), BENCH_RUNS (default 15), BENCH_OLD_MLP, BENCH_TABULAR_DATA (default
# ../shared/data/tabular), BENCH_THREADS (default 1: the small network trains fastest on one).
set -eu

cd "$(dirname "$0")/.."
SEEDS=${BENCH_SEEDS:-3}
RUNS=${BENCH_RUNS:-15}
DATA=${BENCH_TABULAR_DATA:-../shared/data/tabular}
THREADS=${BENCH_THREADS:-1}
OLD=${BENCH_OLD_MLP:-/work/notes/mlp-84c95e0}
MLP=.build/release/mlp
OUT=bench-out/judging
mkdir -p "$OUT"
[ -f "$DATA/adult/adult-raw-train.csv.gz" ] || { echo "bench_judging: no Adult in $DATA (BENCH_TABULAR_DATA)" >&2; exit 1; }
python3 -c 'import sklearn, numpy' 2>/dev/null || { echo "bench_judging: python3 cannot import scikit-learn (python3 -m pip install scikit-learn)" >&2; exit 1; }
swift build -c release --product mlp >&2

train=$DATA/adult/adult-raw-train.csv.gz test=$DATA/adult/adult-raw-test.csv.gz
for seed in $(seq 1 "$SEEDS"); do
  for weighting in none balanced; do
    extra=()
    [ "$weighting" = balanced ] && extra=(--class-weight balanced)
    "$MLP" train --data "$train" --test-data "$test" --target income --missing most-frequent --hidden 64 --epochs 20 \
      --batch-size 128 --seed "$seed" --threads "$THREADS" --quiet --quiet "${extra[@]}" --out "$OUT/adult-$weighting-$seed.safetensors" >/dev/null
    "$MLP" evaluate --model "$OUT/adult-$weighting-$seed.safetensors" --data "$test" --json --silent > "$OUT/mlp-$weighting-$seed.json"
    OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS python3 Benchmarks/bench_judging.py "$DATA" "$seed" "$weighting" > "$OUT/sklearn-$weighting-$seed.json"
  done
done

# evaluate's time: the same model and rows, the two binaries alternating.
model=$OUT/adult-none-1.safetensors
: > "$OUT/times.txt"
if [ -x "$OLD" ] && [ "$RUNS" -gt 0 ]; then
  # Round 0 is the warm-up (page cache, CPU frequency), not recorded.
  for round in $(seq 0 "$RUNS"); do
    for which in new old; do
      bin=$MLP; [ "$which" = old ] && bin=$OLD
      start=$(date +%s%N)
      "$bin" evaluate --model "$model" --data "$test" --threads "$THREADS" --json 2>/dev/null > "$OUT/evaluate-$which.json"
      end=$(date +%s%N)
      [ "$round" -gt 0 ] || continue
      echo "$which $(( (end - start) / 1000 ))e-6 $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$OUT/evaluate-$which.json")" >> "$OUT/times.txt"
    done
  done
fi

python3 - "$OUT" "$SEEDS" "$OLD" <<'EOF' | tee bench-out/judging.md
import json, os, platform, statistics, subprocess, sys, datetime
out, seeds, old = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def load(kind, w):
    return [json.load(open(f"{out}/{kind}-{w}-{s}.json")) for s in range(1, seeds + 1)]
def cell(values):
    m = statistics.mean(values)
    return f"{m:.4f} ({min(values):.4f}–{max(values):.4f})" if len(values) > 1 else f"{m:.4f}"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"**{datetime.date.today().isoformat()}**, {cpu}, {os.cpu_count()} CPUs; seeds 1–{seeds}, mean (min–max)\n")
print("| model | recall of >50K | balanced accuracy | ROC AUC | log-loss | accuracy | precision | F1 | PR AUC | Brier |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
names = {("mlp", "none"): "mlp, unweighted", ("mlp", "balanced"): "mlp, `--class-weight balanced`",
         ("sklearn", "none"): "scikit-learn MLPClassifier, unweighted",
         ("sklearn", "balanced"): "scikit-learn, `sample_weight` balanced"}
for kind in ["mlp", "sklearn"]:
    for w in ["none", "balanced"]:
        rows = load(kind, w)
        print(f"| {names[(kind, w)]} | " + " | ".join(cell([r[k] for r in rows]) for k in
              ["recall", "balanced_accuracy", "auc", "log_loss", "accuracy", "precision", "f1", "pr_auc", "brier"]) + " |")
times = [l.split() for l in open(f"{out}/times.txt")]
if times:
    def med(which, i):
        return statistics.median(float(t[i]) for t in times if t[0] == which)
    n = sum(1 for t in times if t[0] == "new")
    def spread(which, i):
        v = [float(t[i]) for t in times if t[0] == which]
        return f"{min(v) * 1000:.1f}–{max(v) * 1000:.1f} ms"
    print(f"\nmlp evaluate of the unweighted seed-1 model on the 16,281 test rows, {n} alternating runs each "
          f"after a warm-up, medians (min–max):\n")
    print("| binary | figures | whole process | evaluate's `seconds` (forward pass and figures) |")
    print("|---|---|---:|---:|")
    print(f"| this build | every figure | {med('new', 1) * 1000:.1f} ms ({spread('new', 1)}) | "
          f"{med('new', 2) * 1000:.2f} ms ({spread('new', 2)}) |")
    print(f"| {os.path.basename(old)} | accuracy, loss, confusion matrix, per-class table | {med('old', 1) * 1000:.1f} ms "
          f"({spread('old', 1)}) | {med('old', 2) * 1000:.2f} ms ({spread('old', 2)}) |")
    print(f"| ratio | | {med('new', 1) / med('old', 1):.2f}× | {med('new', 2) / med('old', 2):.2f}× |")
EOF
