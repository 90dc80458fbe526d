#!/usr/bin/env python3
"""The peers' side of Benchmarks/bench_tabular.sh: scikit-learn and Vowpal Wabbit on the raw
Adult and Diamonds CSV files, and the report that puts them beside mlp.

  bench_tabular.py sklearn --dataset adult|diamonds --data-dir DIR [--threads N] [--config matched|defaults]
      loads the raw train and test files with pandas, fits a scikit-learn pipeline (below), predicts the
      test file and prints one JSON object: load_seconds, fit_seconds (preprocessing + training),
      predict_seconds, the test figures (accuracy; or rmse, mae, r2), n_iter_, versions, the BLAS
      libraries and their thread counts as threadpoolctl sees them. --threads N limits every BLAS/OpenMP
      pool to N threads (threadpoolctl) for the whole process; without it they keep their defaults.
  bench_tabular.py vw-convert --data-dir DIR --out DIR
      writes adult-train.vw and adult-test.vw (Vowpal Wabbit's text format) from the raw Adult files.
  bench_tabular.py vw --model nn64|logistic --vw-dir DIR [--python PY]
      trains Vowpal Wabbit on adult-train.vw and predicts adult-test.vw, each a `python -m vowpalwabbit`
      process timed from outside, and prints one JSON object (train_seconds, predict_seconds, seconds,
      accuracy, passes_used, the exact arguments).
  bench_tabular.py report RAWDIR HEADER RUNS
      the markdown table of Benchmarks/bench_tabular.sh from RAWDIR's JSON files.

The scikit-learn pipeline, the same preprocessing as mlp's (README, "Tables (CSV)"):
  numeric columns:  SimpleImputer(most_frequent) [Adult only] -> StandardScaler
  text columns:     SimpleImputer(most_frequent) [Adult only] -> OneHotEncoder(handle_unknown="ignore")
  Adult:     MLPClassifier(hidden_layer_sizes=(64,))
  Diamonds:  TransformedTargetRegressor(MLPRegressor(hidden_layer_sizes=(128, 64)), transformer=StandardScaler())
  both:      solver adam, batch_size 128, max_iter = mlp's epochs (20, 30), shuffle True, random_state 0,
             tol 0 and n_iter_no_change = max_iter + 1 so that every epoch runs (no early stop),
             early_stopping False; the rest as below.
  --config matched (the default) follows mlp's table defaults where scikit-learn can:
             learning_rate_init 0.002 (mlp: Adam lr 0.002), constant (scikit-learn's Adam has no cosine
             schedule; mlp anneals to 0 over the run), and alpha equivalent to mlp's L2 3e-4.
             mlp adds 3e-4·w to the gradient of its mean batch loss; scikit-learn adds alpha·w/batch_size
             to the gradient of its mean batch loss, so alpha = 128 × 3e-4 = 0.0384 for Adult (both use
             log loss). For Diamonds scikit-learn's squared loss is ½·mean((y−ŷ)²), half of mlp's
             mean((y−ŷ)²), so the same balance of data and penalty is alpha = 0.0384 / 2 = 0.0192.
  --config defaults: scikit-learn's own learning_rate_init 0.001 and alpha 1e-4 (the baselines).
"""
import time

T_SCRIPT = time.time()

import argparse
import glob
import json
import os
import resource
import statistics
import subprocess
import sys

DATASETS = {
    # name: (directory, file stem, target, hidden sizes, epochs, classification, impute)
    "adult": ("adult", "adult-raw", "income", (64,), 20, True, True),
    "diamonds": ("diamonds", "diamonds-raw", "price", (128, 64), 30, False, False),
}
BATCH = 128
MLP_WEIGHT_DECAY = 3e-4  # mlp's table default (README, "Defaults for tables")
MLP_LR = 0.002


def sklearn_params(dataset, config):
    _, _, _, hidden, epochs, classification, _ = DATASETS[dataset]
    if config == "matched":
        alpha = BATCH * MLP_WEIGHT_DECAY * (1.0 if classification else 0.5)
        lr = MLP_LR
    else:
        alpha, lr = 1e-4, 1e-3
    return dict(hidden_layer_sizes=hidden, solver="adam", batch_size=BATCH, max_iter=epochs,
                learning_rate_init=lr, alpha=round(alpha, 6), shuffle=True, random_state=0,
                tol=0.0, n_iter_no_change=epochs + 1, early_stopping=False)


def run_sklearn(args):
    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import accuracy_score, mean_absolute_error, mean_squared_error, r2_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from threadpoolctl import threadpool_info, threadpool_limits
    t_imported = time.time()
    # After the imports: threadpoolctl limits the libraries loaded so far (numpy's and scipy's OpenBLAS,
    # scikit-learn's OpenMP runtime).
    limiter = threadpool_limits(limits=args.threads) if args.threads is not None else None

    folder, stem, target, _, _, classification, impute = DATASETS[args.dataset]
    base = os.path.join(args.data_dir, folder, stem)
    t0 = time.perf_counter()
    # The missing-value spellings mlp knows: an empty field, NA and ?. Text columns as Python objects
    # (pandas 3 would make them its own string dtype).
    read = dict(na_values=["", "NA", "?"], keep_default_na=False)
    train = pd.read_csv(base + "-train.csv.gz", **read)
    test = pd.read_csv(base + "-test.csv.gz", **read)
    load_seconds = time.perf_counter() - t0
    x_train, y_train = train.drop(columns=[target]), train[target]
    x_test, y_test = test.drop(columns=[target]), test[target]
    numeric = [c for c in x_train.columns if pd.api.types.is_numeric_dtype(x_train[c])]
    text = [c for c in x_train.columns if c not in numeric]
    x_train[text] = x_train[text].astype(object)
    x_test[text] = x_test[text].astype(object)

    def steps(last):
        return Pipeline(([("impute", SimpleImputer(strategy="most_frequent"))] if impute else []) + [last])

    prep = ColumnTransformer([
        ("numeric", steps(("scale", StandardScaler())), numeric),
        ("text", steps(("onehot", OneHotEncoder(handle_unknown="ignore"))), text),
    ])
    params = sklearn_params(args.dataset, args.config)
    if classification:
        model = Pipeline([("prep", prep), ("mlp", MLPClassifier(**params))])
    else:
        model = TransformedTargetRegressor(
            regressor=Pipeline([("prep", prep), ("mlp", MLPRegressor(**params))]), transformer=StandardScaler())

    import warnings
    from sklearn.exceptions import ConvergenceWarning
    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the epoch count, on purpose
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    model.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    predicted = model.predict(x_test)
    predict_seconds = time.perf_counter() - t0

    estimator = model.named_steps["mlp"] if classification else model.regressor_.named_steps["mlp"]
    result = dict(dataset=args.dataset, config=args.config, threads_limit=args.threads,
                  load_seconds=round(load_seconds, 4), fit_seconds=round(fit_seconds, 4),
                  fit_cpu_seconds=round(usage1.ru_utime + usage1.ru_stime - usage0.ru_utime - usage0.ru_stime, 4),
                  predict_seconds=round(predict_seconds, 4), import_seconds=round(t_imported - T_SCRIPT, 4),
                  n_iter=int(estimator.n_iter_), features=int(estimator.coefs_[0].shape[0]),
                  train_rows=len(train), test_rows=len(test),
                  peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  sklearn=sklearn.__version__, numpy=np.__version__, pandas=pd.__version__,
                  params={k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()},
                  blas=[dict(api=p.get("internal_api"), version=p.get("version"), threads=p.get("num_threads"),
                             library=os.path.basename(p.get("filepath", ""))) for p in threadpool_info()])
    if classification:
        result["accuracy"] = float(accuracy_score(y_test, predicted))
    else:
        result["rmse"] = float(mean_squared_error(y_test, predicted) ** 0.5)
        result["mae"] = float(mean_absolute_error(y_test, predicted))
        result["r2"] = float(r2_score(y_test, predicted))
    del limiter
    print(json.dumps(result))


# Vowpal Wabbit ---------------------------------------------------------------------------------------

VW_ARGS = {
    # The command lines compared. --passes needs a cache (-c; -k rebuilds it every run, so building it is
    # part of the timed training). VW's multi-pass defaults stay as they are: it holds out every 10th
    # example and stops after 3 passes without a better holdout loss.
    "nn64": ["--nn", "64", "--loss_function", "logistic", "--passes", "20"],
    # "its plain logistic model": the same without --nn.
    "logistic": ["--loss_function", "logistic", "--passes", "20"],
}


def vw_convert(args):
    """Adult in VW's format: label 1 (>50K) or -1; namespace n for the numeric columns standardized with the
    training rows' mean and (population) standard deviation, as mlp and scikit-learn do; namespace c for the
    text columns as `column=value` indicators; missing values filled with the training rows' most frequent
    value (as --missing most-frequent). Feature names have spaces, | and : replaced."""
    import pandas as pd
    base = os.path.join(args.data_dir, "adult", "adult-raw")
    read = dict(na_values=["", "NA", "?"], keep_default_na=False)
    train = pd.read_csv(base + "-train.csv.gz", **read)
    test = pd.read_csv(base + "-test.csv.gz", **read)
    target = "income"
    features = [c for c in train.columns if c != target]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(train[c])]
    text = [c for c in features if c not in numeric]
    fill = {c: train[c].mode(dropna=True).iloc[0] for c in features}
    mean = {c: train[c].fillna(fill[c]).mean() for c in numeric}
    std = {c: train[c].fillna(fill[c]).std(ddof=0) or 1.0 for c in numeric}

    def clean(s):
        return str(s).replace(" ", "_").replace("|", "_").replace(":", "_")

    os.makedirs(args.out, exist_ok=True)
    for name, frame in (("train", train), ("test", test)):
        frame = frame.fillna(fill)
        labels = (frame[target].astype(str).str.strip() == ">50K").map({True: "1", False: "-1"})
        num = [frame[c].map(lambda v, c=c: f"{c}:{(v - mean[c]) / std[c]:.6g}") for c in numeric]
        cat = [frame[c].map(lambda v, c=c: f"{c}={clean(v)}") for c in text]
        lines = []
        for i in range(len(frame)):
            lines.append(f"{labels.iat[i]} |n {' '.join(s.iat[i] for s in num)} |c {' '.join(s.iat[i] for s in cat)}")
        with open(os.path.join(args.out, f"adult-{name}.vw"), "w") as f:
            f.write("\n".join(lines) + "\n")


def run_vw(args):
    d = args.vw_dir
    tag = args.model
    model = os.path.join(d, f"{tag}.model")
    cache = os.path.join(d, f"{tag}.cache")
    preds = os.path.join(d, f"{tag}.pred")
    for p in (model, cache, preds):
        if os.path.exists(p):
            os.remove(p)
    train_args = ["-d", os.path.join(d, "adult-train.vw"), *VW_ARGS[tag], "-f", model]
    if "--passes" in train_args:
        train_args[train_args.index("--passes"):train_args.index("--passes")] = ["-c", "-k", "--cache_file", cache]
    test_args = ["-t", "-i", model, "-d", os.path.join(d, "adult-test.vw"), "-p", preds, "--quiet"]
    vw = [args.python, "-m", "vowpalwabbit"]
    # VW's progress report (stderr, a few dozen lines) is captured, not silenced: it says how many passes
    # were made.
    t0 = time.perf_counter()
    trained = subprocess.run(vw + train_args, check=True, capture_output=True, text=True)
    t1 = time.perf_counter()
    subprocess.run(vw + test_args, check=True)
    t2 = time.perf_counter()
    # The start-up every VW process above paid: the interpreter and `import vowpalwabbit`.
    t3 = time.perf_counter()
    subprocess.run([args.python, "-c", "import vowpalwabbit"], check=True)
    startup = time.perf_counter() - t3
    with open(os.path.join(d, "adult-test.vw")) as f:
        labels = [float(line.split(" ", 1)[0]) for line in f]
    with open(preds) as f:
        scores = [float(line.split()[0]) for line in f]
    correct = sum((s > 0) == (y > 0) for s, y in zip(scores, labels))
    # How many passes VW made (with a holdout set it stops early) and the loss it reports.
    passes_used = 1
    average_loss = None
    for line in (trained.stdout + trained.stderr).splitlines():
        if "passes used" in line:
            passes_used = int(line.split("=")[-1])
        elif line.startswith("average loss"):
            average_loss = line.split("=", 1)[-1].strip()
    import vowpalwabbit
    print(json.dumps(dict(model=tag, train_seconds=round(t1 - t0, 4), predict_seconds=round(t2 - t1, 4),
                          seconds=round(t2 - t0, 4), process_startup_seconds=round(startup, 4),
                          accuracy=correct / len(labels), test_rows=len(labels), passes_used=passes_used,
                          average_loss=average_loss, train_args=["vw"] + train_args,
                          test_args=["vw"] + [a for a in test_args if a != "--quiet"],
                          vowpalwabbit=getattr(vowpalwabbit, "__version__", None))))


# The report ------------------------------------------------------------------------------------------

def _read(path, convert=str):
    try:
        with open(path) as f:
            text = f.read().strip()
        return convert(text) if text else None
    except (OSError, ValueError):
        return None


def _json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _health(path):
    """The lowest health of the two probes that bracketed the run that was kept (the file's last two)."""
    values = _read(path, lambda t: [float(x) for x in t.split()])
    return min(values[-2:]) if values else None


def _spread(values, digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class Runs:
    """The measured runs (1..RUNS) of one program: its JSON objects and what bench_tabular.sh recorded."""

    def __init__(self, rawdir, name, runs):
        self.prefixes = [os.path.join(rawdir, f"{name}-{r}") for r in range(1, runs + 1)]
        self.data = [_json(p + ".json") for p in self.prefixes]
        self.present = all(d is not None for d in self.data) and bool(self.data)

    def field(self, key):
        return [d.get(key) if d else None for d in self.data]

    def wall(self):
        return [_read(p + ".wall", float) for p in self.prefixes]

    def busy(self):
        return max([b for b in (_read(p + ".busy", int) for p in self.prefixes) if b is not None], default=None)

    def redone(self):
        return sum(_read(p + ".redo", int) or 0 for p in self.prefixes)

    def health(self):
        return min([h for h in (_health(p + ".probe") for p in self.prefixes) if h is not None], default=None)

    def noise(self):
        b, h = self.busy(), self.health()
        return ["–" if b is None else str(b), str(self.redone()), "–" if h is None else f"{h:.2f}"]


def report(args):
    import contextlib
    import io
    raw, runs = args.rawdir, args.runs
    with open(args.header) as f:
        header = f.read().strip().splitlines()
    names = {os.path.basename(p)[:-len("-1.json")] for p in glob.glob(os.path.join(raw, "*-1.json"))}
    mlp_threads = sorted({int(n.rsplit("-t", 1)[1]) for n in names if n.startswith("mlp-")})
    sk_runs = sorted({n.split("-", 2)[2] for n in names if n.startswith("sklearn-")},
                     key=lambda s: (s.split("-")[0] != "matched", s.split("-")[1] != "default", s))
    vw_models = [m for m in VW_ARGS if f"vw-{m}" in names]

    out = ["# Tables: mlp against scikit-learn, Vowpal Wabbit and pandas", "", "One measurement on one machine:", ""]
    out += [f"- {line}" for line in header]
    out += ["", "Times are medians of the measured rounds with the fastest and slowest in brackets. mlp's time is its "
            "whole `mlp train` process (CSV load, encoding, training, the test set after every epoch, the model "
            "written); its own `train_seconds` (--json: the epochs, test passes included) is beside it. "
            "scikit-learn's is `fit` (preprocessing and training; CSV parsing by pandas is not in it), with its "
            "whole process (interpreter, imports, load, fit, predict) beside it. Vowpal Wabbit's is its training "
            "process plus its prediction process (`python -m vowpalwabbit`, each paying the interpreter's start "
            "given beside it). The ratio columns are this row's time over mlp's at 1 and at 2 threads: above 1, "
            "mlp is that many times faster. Others' CPU % is the busiest the CPUs were just before one of the "
            "row's runs; health is as in bench.sh (sgemm rate on the run's threads over threads × one core's; "
            "runs below the threshold after they ended were redone).", ""]

    mlp_wall = {}
    results = {}  # (dataset, program) -> quality dict
    cols = ["data set", "program", "threads", "timed s", "also", "test result"]
    cols += [f"÷ mlp {t} thread{'s' if t > 1 else ''}" for t in mlp_threads]
    cols += ["others' CPU % (max)", "runs redone", "lowest health"]
    rows = []
    detail = []

    def ratios(values):
        m = _med(values)
        return ["–" if m is None or not mlp_wall.get((ds, t)) else f"{m / mlp_wall[(ds, t)]:.2f}"
                for t in mlp_threads]

    for ds in DATASETS:
        classification = DATASETS[ds][5]

        def quality(d):
            if classification:
                return f"accuracy {statistics.median(d['accuracy']):.4f}"
            return (f"RMSE {statistics.median(d['rmse']):.1f}, MAE {statistics.median(d['mae']):.1f}, "
                    f"R² {statistics.median(d['r2']):.4f}")

        for t in mlp_threads:
            r = Runs(raw, f"mlp-{ds}-t{t}", runs)
            if not r.present:
                continue
            mlp_wall[(ds, t)] = _med(r.wall())
        for t in mlp_threads:
            r = Runs(raw, f"mlp-{ds}-t{t}", runs)
            if not r.present:
                continue
            q = {"accuracy": r.field("test_accuracy")} if classification else \
                {"rmse": r.field("test_rmse"), "mae": r.field("test_mae"), "r2": r.field("test_r2")}
            results[(ds, f"mlp-t{t}")] = {k: statistics.median(v) for k, v in q.items()}
            used = [u for u in r.field("threads") if u is not None]
            label = str(t) if not used or statistics.median(used) == t else \
                f"{t} (its default: {int(statistics.median(used))} used)"
            rows.append([ds, "mlp train", label, _spread(r.wall()), f"train_seconds {_spread(r.field('train_seconds'))}",
                         quality(q)] + ratios(r.wall()) + r.noise())
            # The first and last three epochs: the same work each, so a difference is the machine or the numbers
            # (subnormal floats in the weights slow the GEMMs down).
            first = _med([sum(e["seconds"] for e in d["epochs"][:3]) / 3 for d in r.data])
            last = _med([sum(e["seconds"] for e in d["epochs"][-3:]) / 3 for d in r.data])
            detail.append([ds, f"mlp, {t} thread(s)", " ".join(f"{w:.2f}" for w in r.wall() if w is not None),
                           f"{first:.3f} → {last:.3f}"])
        for s in sk_runs:
            r = Runs(raw, f"sklearn-{ds}-{s}", runs)
            if not r.present:
                continue
            config, threads = s.split("-")
            first = r.data[0]
            blas = max((b["threads"] for b in first["blas"] if b.get("threads")), default=None)
            label = "default" if threads == "default" else threads
            q = {"accuracy": r.field("accuracy")} if classification else \
                {"rmse": r.field("rmse"), "mae": r.field("mae"), "r2": r.field("r2")}
            results[(ds, f"sklearn-{s}")] = {k: statistics.median(v) for k, v in q.items()}
            rows.append([ds, f"scikit-learn {first['sklearn']} {config}", f"{label} (BLAS {blas})",
                         _spread(r.field("fit_seconds")), f"process {_spread(r.wall())}", quality(q)]
                        + ratios(r.field("fit_seconds")) + r.noise())
            detail.append([ds, f"scikit-learn {config}, threads {label}",
                           " ".join(f"{w:.2f}" for w in r.field("fit_seconds")), ""])
        if ds == "adult":
            for m in vw_models:
                r = Runs(raw, f"vw-{m}", runs)
                if not r.present:
                    continue
                q = {"accuracy": r.field("accuracy")}
                results[(ds, f"vw-{m}")] = {"accuracy": statistics.median(q["accuracy"])}
                passes = sorted({p for p in r.field("passes_used") if p is not None})
                rows.append([ds, f"Vowpal Wabbit {r.data[0].get('vowpalwabbit') or ''} {' '.join(VW_ARGS[m])}", "1",
                             _spread(r.field("seconds")),
                             f"train {_spread(r.field('train_seconds'))}, start-up {_spread(r.field('process_startup_seconds'))}, "
                             f"passes used {'/'.join(map(str, passes))}",
                             quality(q)] + ratios(r.field("seconds")) + r.noise())
                detail.append([ds, f"Vowpal Wabbit {m}", " ".join(f"{w:.2f}" for w in r.field("seconds")), ""])

    out += ["## Training on Adult and Diamonds", ""]
    out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    out += ["", "Every measured run's time (s), in round order, and mlp's seconds per epoch over its first three and "
            "its last three epochs (medians of the runs; each epoch is the same work):", "",
            "| data set | program | runs | mlp s/epoch, first 3 → last 3 |", "|---|---|---|---|"]
    out += ["| " + " | ".join(row) + " |" for row in detail]

    # The exact peer configurations, from the runs themselves.
    out += ["", "Configurations:", ""]
    for ds in DATASETS:
        folder, stem, target, hidden, epochs, classification, impute = DATASETS[ds]
        for s in sk_runs:
            r = Runs(raw, f"sklearn-{ds}-{s}", runs)
            if r.present:
                params = ", ".join(f"{k}={v}" for k, v in r.data[0]["params"].items())
                kind = "MLPClassifier" if classification else "MLPRegressor in TransformedTargetRegressor(StandardScaler())"
                out.append(f"- scikit-learn {ds} {s}: {'SimpleImputer(most_frequent) → ' if impute else ''}"
                           f"StandardScaler / OneHotEncoder(handle_unknown=ignore) → {kind}({params})")
    for m in vw_models:
        r = Runs(raw, f"vw-{m}", runs)
        out.append(f"- Vowpal Wabbit {m}: `{' '.join(r.data[0]['train_args'])}` then `{' '.join(r.data[0]['test_args'])}`")

    # CSV loading: Benchmarks/bench_csv.py's own table.
    csv_dir = os.path.join(raw, "csv")
    csv_ok = bool(glob.glob(os.path.join(csv_dir, "pandas-*.json")))
    if csv_ok:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import bench_csv
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            bench_csv.report(csv_dir)
        r = Runs(raw, "csv", runs)
        out += ["", "## Loading a CSV file: mlp's reader (csv-bench) against pandas.read_csv", "",
                text.getvalue().rstrip(), "",
                f"Others' CPU % (max) {r.noise()[0]}, rounds redone {r.noise()[1]}, lowest health {r.noise()[2]}."]

    # The targets the tabular section must meet.
    out += ["", "## Targets", ""]

    def verdict(ok):
        return "met" if ok else "NOT met"

    # scikit-learn at its default threads against mlp at its default (every core: the largest count measured),
    # scikit-learn limited to N threads against mlp at N.
    for ds in DATASETS:
        for s in sk_runs:
            config, threads = s.split("-")
            t = max(mlp_threads) if threads == "default" else int(threads)
            base = mlp_wall.get((ds, t))
            if config == "matched" and (ds, f"sklearn-{s}") in results and base:
                fit = _med(Runs(raw, f"sklearn-{ds}-{s}", runs).field("fit_seconds"))
                out.append(f"- Speed, {ds}, scikit-learn ({config} settings, {threads} threads) against mlp at {t} "
                           f"thread(s): {fit:.2f} s ÷ {base:.2f} s = {fit / base:.1f}× (target ≥ 5×): {verdict(fit / base >= 5)}")
    for t in mlp_threads:
        if ("adult", "vw-nn64") in results and mlp_wall.get(("adult", t)):
            vw = _med(Runs(raw, "vw-nn64", runs).field("seconds"))
            acc_m, acc_v = results[("adult", f"mlp-t{t}")]["accuracy"], results[("adult", "vw-nn64")]["accuracy"]
            ok = vw > mlp_wall[("adult", t)] and acc_m > acc_v
            out.append(f"- Speed, Adult, mlp at {t} thread(s) against Vowpal Wabbit --nn 64: {vw:.2f} s ÷ "
                       f"{mlp_wall[('adult', t)]:.2f} s = {vw / mlp_wall[('adult', t)]:.1f}× faster, accuracy "
                       f"{acc_m:.4f} against {acc_v:.4f} (target: faster and more accurate): {verdict(ok)}")
    if csv_ok:
        pandas = [x["seconds"] for x in map(_json, glob.glob(os.path.join(csv_dir, "pandas-*.json")))]
        for t in mlp_threads:
            files = glob.glob(os.path.join(csv_dir, f"mlp-t{t}-*.json"))
            if not files:
                continue
            data = [_json(f) for f in files]
            secs = statistics.median(x["seconds"] for x in data)
            peak = max(x["peak_rss_mb"] for x in data)
            bound = 1.5 * (data[0]["matrix_mb"] + data[0]["file_mb"])
            out.append(f"- CSV loading, {t} thread(s): pandas {statistics.median(pandas):.3f} s ÷ mlp {secs:.3f} s = "
                       f"{statistics.median(pandas) / secs:.2f}× (target > 1), peak RSS {peak:.0f} MB against "
                       f"{bound:.0f} MB: {verdict(statistics.median(pandas) > secs and peak < bound)}")
    for t in mlp_threads:
        a = results.get(("adult", f"mlp-t{t}"))
        vw = results.get(("adult", "vw-nn64"))
        if a:
            ok = a["accuracy"] >= 0.858 and (vw is None or a["accuracy"] > vw["accuracy"])
            above = "" if vw is None else f" and above Vowpal Wabbit --nn 64's {vw['accuracy']:.4f}"
            out.append(f"- Quality, Adult, mlp at {t} thread(s): accuracy {a['accuracy']:.4f} (target ≥ 0.858{above}): "
                       f"{verdict(ok)}")
        d = results.get(("diamonds", f"mlp-t{t}"))
        if d:
            peers = {s: results[("diamonds", f"sklearn-{s}")]["rmse"] for s in sk_runs
                     if ("diamonds", f"sklearn-{s}") in results}
            ok = d["r2"] >= 0.98 and all(d["rmse"] < v for v in peers.values())
            against = ", ".join(f"{s.replace('-', ' threads ')} {v:.1f}" for s, v in peers.items())
            out.append(f"- Quality, Diamonds, mlp at {t} thread(s): R² {d['r2']:.4f} (target ≥ 0.98), RMSE "
                       f"{d['rmse']:.1f} against scikit-learn's {against} (target: below): {verdict(ok)}")
    print("\n".join(out))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sklearn")
    s.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    s.add_argument("--data-dir", required=True)
    s.add_argument("--threads", type=int)
    s.add_argument("--config", choices=["matched", "defaults"], default="matched")
    c = sub.add_parser("vw-convert")
    c.add_argument("--data-dir", required=True)
    c.add_argument("--out", required=True)
    v = sub.add_parser("vw")
    v.add_argument("--model", choices=sorted(VW_ARGS), required=True)
    v.add_argument("--vw-dir", required=True)
    v.add_argument("--python", default=sys.executable)
    r = sub.add_parser("report")
    r.add_argument("rawdir")
    r.add_argument("header")
    r.add_argument("runs", type=int)
    a = parser.parse_args()
    if a.command == "sklearn":
        run_sklearn(a)
    elif a.command == "vw-convert":
        vw_convert(a)
    elif a.command == "vw":
        run_vw(a)
    else:
        report(a)
