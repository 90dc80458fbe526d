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
# The searches of 1 and 2 run BENCH_RUNS rounds (default 3), each round scikit-learn, mlp, mlp on 2
# ranks in turn (the machine's load drifts: a round compares them under the same), medians.
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
RUNS=${BENCH_RUNS:-3}
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

measure mlp-search-dropout "${search[@]}" --dropout 0..0.3 --out-dir "$OUT/search-dropout" --report "$OUT/search-dropout.html"
for run in $(seq 1 "$RUNS"); do
  measure "sklearn-search-$run" env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    python3 Benchmarks/bench_experiments.py search "$DATA" "$SEED" "$TRIALS" "$MIN" "$MAX" "$ETA" 2
  measure "mlp-search-$run" "${search[@]}" --out-dir "$OUT/search-$run" --report "$OUT/search-$run.html"
  if command -v mpirun >/dev/null; then
    measure "mlp-search-mpi-$run" sh Scripts/mpirun.sh -np 2 "${search[@]}" --threads 1 --out-dir "$OUT/search-mpi-$run"
  fi
done

for set in iris:species wine:cultivar breast_cancer:benign diabetes:progression; do
  name=${set%%:*} target=${set#*:}
  task=classification
  [ "$name" = diabetes ] && task=regression
  measure "mlp-cv-$name" "$MLP" cv --data "$DATA/small/$name.csv.gz" --target "$target" --folds 5 --hidden 64 --batch-size 32 \
    --epochs 100 --seed "$SEED" --json --quiet --report "$OUT/cv-$name.html"
  measure "sklearn-cv-$name" env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    python3 Benchmarks/bench_experiments.py cv "$DATA" "$name" "$target" "$task" "$SEED" 2
done

python3 - "$OUT" "$TRIALS" "$MIN" "$MAX" "$ETA" "$RUNS" <<'EOF' | tee bench-out/experiments.md
import datetime, json, os, platform, statistics, sys
out, trials, lo, hi, eta, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
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
def rounds(name):
    got = [load(f"{name}-{r}") for r in range(1, runs + 1)]
    return [g for g in got if g[0]]
def spread(values, digits=1):
    return f"{statistics.median(values):.{digits}f}" + (f" ({min(values):.{digits}f}–{max(values):.{digits}f})" if len(values) > 1 else "")
print("| search | best validation accuracy | its test accuracy | results | wall time, median (min–max) | search alone |")
print("|---|---:|---:|---:|---:|---:|")
skr = rounds("sklearn-search")
sk = skr[0][0] if skr else None
sk_t = statistics.median(t for _, t in skr) if skr else None
if sk:
    print(f"| scikit-learn HalvingRandomSearchCV, n_jobs=2{f', {len(skr)} rounds' if len(skr) > 1 else ''} | "
          + " / ".join(f"{m['best_validation_accuracy']:.4f}" for m, _ in skr) + " | "
          + " / ".join(f"{m['test_accuracy']:.4f}" for m, _ in skr) + f" | {sk['fits']} | {spread([t for _, t in skr])} s | "
          f"{spread([m['search_seconds'] for m, _ in skr])} s (+ {spread([m['refit_seconds'] for m, _ in skr])} s training the best again) |")
rows = [("mlp-search", "mlp search, 2 trials side by side"), ("mlp-search-mpi", "mlp search on 2 MPI ranks, 1 trial each"),
        ("mlp-search-dropout", "mlp search, dropout 0..0.3 added")]
for name, label in rows:
    got = rounds(name) if name != "mlp-search-dropout" else [load(name)] if load(name)[0] else []
    if not got:
        continue
    # Each round's best and its test accuracy (side by side, the order results arrive in, and so the
    # promotions, can differ between rounds).
    best = " / ".join(f"{m['best']['value']:.4f}" for m, _ in got)
    tested = " / ".join(f"{m['test']['accuracy']:.4f}" for m, _ in got)
    walls = [t for _, t in got]
    ratio = f" ({sk_t / statistics.median(walls):.1f}× faster)" if sk else ""
    print(f"| {label}{f', {len(got)} rounds' if len(got) > 1 else ''} | {best} | {tested} | {got[0][0]['results']} | "
          f"{spread(walls)} s{ratio} | {spread([m['seconds'] for m, _ in got])} s |")
if sk:
    print(f"\nscikit-learn's best: {json.dumps(sk['best_params'])}")
for name, label in rows:
    got = rounds(name) if name != "mlp-search-dropout" else [load(name)] if load(name)[0] else []
    for m, _ in got[:1]:
        print(f"\n{label}'s best (first round): {json.dumps(m['best']['parameters'])} after {m['best']['epochs']} epochs, "
              f"{m['epochs_trained']} epochs trained in all")
one, two = rounds("mlp-search"), rounds("mlp-search-mpi")
if one and two:
    a = [m["results_per_minute"] for m, _ in one]
    b = [m["results_per_minute"] for m, _ in two]
    print(f"\nResults (trial rungs) per minute, the search alone (after loading the data), median (min–max) of {len(a)} rounds: "
          f"1 process with 2 trials side by side {spread(a)}, 2 MPI ranks with 1 trial each {spread(b)} "
          f"({statistics.median(b) / statistics.median(a):.2f}×).")
print("\n5-fold cross-validation, 64 hidden units, batch 32, 100 epochs, mean ± standard deviation over the folds:\n")
print("| data | figure | mlp cv | scikit-learn cross_validate | mlp time | scikit-learn time (cross_validate alone) |")
print("|---|---|---:|---:|---:|---:|")
for name in ["iris", "wine", "breast_cancer", "diabetes"]:
    m, mt = load(f"mlp-cv-{name}")
    s, st = load(f"sklearn-cv-{name}")
    if not m or not s:
        continue
    for fig in s["metrics"]:
        a, b = m["metrics"][fig], s["metrics"][fig]
        print(f"| {name} | {fig} | {a['mean']:.4f} ± {a['std']:.4f} | {b['mean']:.4f} ± {b['std']:.4f} | {mt:.2f} s | "
              f"{st:.2f} s ({s['cv_seconds']:.2f} s) |")
EOF
