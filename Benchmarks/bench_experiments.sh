#!/usr/bin/env bash
# Experiments from the shell against scikit-learn (make bench-experiments), three measurements:
#
# 1. Hyperparameter search on Adult raw: `mlp search` against scikit-learn's HalvingRandomSearchCV over
#    MLPClassifier (Benchmarks/bench_experiments.py), one search space (learning rate 1e-4..1e-2 log,
#    hidden 64|128|256|128,64, weight decay 1e-5..1e-3 log, batch size 64|128|256), BENCH_TRIALS
#    sampled configurations (default 27), epochs from BENCH_MIN_EPOCHS (2) up to BENCH_MAX_EPOCHS (18)
#    by the halving factor BENCH_ETA (3), scored by the accuracy on a stratified 20 % of the training
#    rows, the best tested on the test file. mlp once more with dropout 0..0.3 added to its space
#    (scikit-learn's MLP has no dropout). Both use the two cores: mlp its trials side by side,
#    scikit-learn n_jobs=2.
# 2. The same mlp search on 2 MPI ranks (Scripts/mpirun.sh, one thread each) against 1 process:
#    results (trial rungs) per minute.
# 3. `mlp cv --folds 5` on the small classics against scikit-learn's cross_validate, the same network
#    (64 hidden units, batch 32, 100 epochs, Adam lr 0.002, weight decay 3e-4): mean ± standard
#    deviation of the accuracy (R² and RMSE for diabetes), and the time.
#
# Times are whole processes (reading the CSV included), wall clock. BENCH_LOCK=FILE runs every timed
# command under `flock FILE`, so that timed runs of people sharing a machine never overlap.
# Needs python3 with scikit-learn and scipy, and mpirun (openmpi-bin) for the second part. Writes
# bench-out/experiments.md (and each run's JSON and HTML report in bench-out/experiments/) and prints it.
set -eu

cd "$(dirname "$0")/.."
DATA=${BENCH_TABULAR_DATA:-../shared/data/tabular}
SEED=${BENCH_SEED:-1}
TRIALS=${BENCH_TRIALS:-27}
MIN=${BENCH_MIN_EPOCHS:-2}
MAX=${BENCH_MAX_EPOCHS:-18}
ETA=${BENCH_ETA:-3}
LOCK=${BENCH_LOCK:-}
MLP=.build/release/mlp
OUT=bench-out/experiments
[ -f "$DATA/adult/adult-raw-train.csv.gz" ] || { echo "bench_experiments: no Adult in $DATA (BENCH_TABULAR_DATA)" >&2; exit 1; }
python3 -c 'import sklearn, scipy, numpy' 2>/dev/null || {
  echo "bench_experiments: python3 cannot import scikit-learn (python3 -m pip install scikit-learn)" >&2
  exit 1
}
swift build -c release --static-swift-stdlib --product mlp >&2
rm -rf "$OUT"
mkdir -p "$OUT"

# measure NAME COMMAND...: runs the command (under the lock when there is one) with its stdout in
# $OUT/NAME.json, and its start and end times (seconds) in $OUT/NAME.time.
measure() {
  local name=$1
  shift
  local script='s=$(date +%s.%N); "$@" > "$BENCH_FILE.json"; e=$(date +%s.%N); echo "$s $e" > "$BENCH_FILE.time"'
  echo "bench_experiments: $name" >&2
  if [ -n "$LOCK" ]; then
    BENCH_FILE=$OUT/$name flock "$LOCK" bash -c "$script" _ "$@"
  else
    BENCH_FILE=$OUT/$name bash -c "$script" _ "$@"
  fi
}

train=$DATA/adult/adult-raw-train.csv.gz
test=$DATA/adult/adult-raw-test.csv.gz
space=(--lr 1e-4..1e-2:log --hidden '64|128|256|128,64' --weight-decay 1e-5..1e-3:log --batch-size '64|128|256')
search=("$MLP" search --data "$train" --test-data "$test" --target income --missing most-frequent --validation-split 0.2
  "${space[@]}" --trials "$TRIALS" --min-epochs "$MIN" --epochs "$MAX" --eta "$ETA" --objective val_accuracy --seed "$SEED"
  --json --quiet)

measure sklearn-search env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  python3 Benchmarks/bench_experiments.py search "$DATA" "$SEED" "$TRIALS" "$MIN" "$MAX" "$ETA" 2
measure mlp-search "${search[@]}" --out-dir "$OUT/search" --report "$OUT/search.html"
measure mlp-search-dropout "${search[@]}" --dropout 0..0.3 --out-dir "$OUT/search-dropout" --report "$OUT/search-dropout.html"
if command -v mpirun >/dev/null; then
  measure mlp-search-mpi sh Scripts/mpirun.sh -np 2 "${search[@]}" --threads 1 --out-dir "$OUT/search-mpi"
fi

for set in iris:species wine:cultivar breast_cancer:benign diabetes:progression; do
  name=${set%%:*} target=${set#*:}
  task=classification
  [ "$name" = diabetes ] && task=regression
  measure "mlp-cv-$name" "$MLP" cv --data "$DATA/small/$name.csv.gz" --target "$target" --folds 5 --hidden 64 --batch-size 32 \
    --epochs 100 --seed "$SEED" --json --quiet --report "$OUT/cv-$name.html"
  measure "sklearn-cv-$name" env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    python3 Benchmarks/bench_experiments.py cv "$DATA" "$name" "$target" "$task" "$SEED" 2
done

python3 - "$OUT" "$TRIALS" "$MIN" "$MAX" "$ETA" <<'EOF' | tee bench-out/experiments.md
import datetime, json, os, platform, sys
out, trials, lo, hi, eta = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def load(name):
    path = f"{out}/{name}.json"
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None, None
    s, e = map(float, open(f"{out}/{name}.time").read().split())
    return json.load(open(path)), e - s
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"**{datetime.date.today().isoformat()}**, {cpu}, {os.cpu_count()} CPUs\n")
print(f"Adult raw, {trials} configurations, epochs {lo} up to {hi} by η {eta}, validation: a stratified 20 % of the training rows; "
      "times are whole processes (reading the CSV included).\n")
print("| search | best validation accuracy | its test accuracy | results | wall time | search alone |")
print("|---|---:|---:|---:|---:|---:|")
sk, sk_t = load("sklearn-search")
if sk:
    print(f"| scikit-learn HalvingRandomSearchCV, n_jobs=2 | {sk['best_validation_accuracy']:.4f} | {sk['test_accuracy']:.4f} | "
          f"{sk['fits']} | {sk_t:.1f} s | {sk['search_seconds']:.1f} s (+ {sk['refit_seconds']:.1f} s training the best again) |")
rows = [("mlp-search", "mlp search, 2 trials side by side"), ("mlp-search-dropout", "mlp search, dropout 0..0.3 added"),
        ("mlp-search-mpi", "mlp search on 2 MPI ranks")]
for name, label in rows:
    m, t = load(name)
    if m:
        ratio = f" ({sk_t / t:.1f}× faster)" if sk else ""
        print(f"| {label} | {m['best']['value']:.4f} | {m['test']['accuracy']:.4f} | {m['results']} | {t:.1f} s{ratio} | {m['seconds']:.1f} s |")
if sk:
    print(f"\nscikit-learn's best: {json.dumps(sk['best_params'])}")
for name, label in rows:
    m, _ = load(name)
    if m:
        print(f"\n{label}'s best: {json.dumps(m['best']['parameters'])} after {m['best']['epochs']} epochs")
one, _ = load("mlp-search")
two, _ = load("mlp-search-mpi")
if one and two:
    print(f"\nResults (trial rungs) per minute: 1 process {one['results_per_minute']:.1f}, 2 MPI ranks {two['results_per_minute']:.1f} "
          f"({two['results_per_minute'] / one['results_per_minute']:.2f}×).")
print("\n5-fold cross-validation, 64 hidden units, batch 32, 100 epochs, mean ± standard deviation over the folds:\n")
print("| data | figure | mlp cv | scikit-learn cross_validate | mlp time | scikit-learn time |")
print("|---|---|---:|---:|---:|---:|")
for name in ["iris", "wine", "breast_cancer", "diabetes"]:
    m, mt = load(f"mlp-cv-{name}")
    s, st = load(f"sklearn-cv-{name}")
    if not m or not s:
        continue
    for fig in s["metrics"]:
        a, b = m["metrics"][fig], s["metrics"][fig]
        print(f"| {name} | {fig} | {a['mean']:.4f} ± {a['std']:.4f} | {b['mean']:.4f} ± {b['std']:.4f} | {mt:.2f} s | {st:.2f} s |")
EOF
