#!/usr/bin/env python3
"""The Python side of Benchmarks/bench_table_defaults.sh: the tables, scikit-learn's defaults on them,
and the report.

  bench_table_defaults.py prepare --data-dir DIR --out DIR
      writes OUT/datasets.json, the tables measured: the small classics (iris, wine, breast_cancer,
      diabetes), which have no test file, each split once into OUT/NAME-train.csv and OUT/NAME-test.csv
      (25% test rows, seeded, stratified for the classifications, as scikit-learn's train_test_split
      with random_state 0 makes it); Adult and Diamonds raw with their own test files.
  bench_table_defaults.py sklearn --dataset NAME --manifest OUT/datasets.json
      fits scikit-learn's MLPClassifier or MLPRegressor with its defaults (hidden (100,), adam lr 0.001,
      batch min(200, n), up to 200 epochs, stopping when the training loss has not improved by 1e-4 for
      10 epochs; random_state 0) in a pipeline with mlp's preprocessing: SimpleImputer(most_frequent)
      where mlp is given --missing most-frequent, StandardScaler on the numeric columns,
      OneHotEncoder(handle_unknown="ignore") on the text columns, and for a regression the target
      standardized (TransformedTargetRegressor). Prints one JSON object: fit_seconds (preprocessing and
      training, the CSV already in memory), the test figure (accuracy, or r2), n_iter.
  bench_table_defaults.py report RAWDIR HEADER
      the Markdown table from RAWDIR's JSON files (mlp-NAME-CONFIG-RUN.json with "wall_seconds" added by
      the shell script, sklearn-NAME-RUN.json): per table, mlp's defaults, the best of --epochs
      20/50/100/200, scikit-learn's defaults, and whether the defaults meet the targets (within 0.5
      points of accuracy, or 0.01 of R², of the best epoch count; less wall time than scikit-learn's fit).
"""
import argparse
import glob
import json
import os
import statistics
import sys
import time

SMALL = {
    # name: (target, classification)
    "iris": ("species", True),
    "wine": ("cultivar", True),
    "breast_cancer": ("benign", True),
    "diabetes": ("progression", False),
}
EPOCHS = [20, 50, 100, 200]


def prepare(args):
    import pandas as pd
    from sklearn.model_selection import train_test_split
    os.makedirs(args.out, exist_ok=True)
    sets = []
    for name, (target, classification) in SMALL.items():
        frame = pd.read_csv(os.path.join(args.data_dir, "small", f"{name}.csv.gz"))
        train, test = train_test_split(frame, test_size=0.25, random_state=0,
                                       stratify=frame[target] if classification else None)
        paths = {}
        for part, rows in (("train", train), ("test", test)):
            paths[part] = os.path.join(args.out, f"{name}-{part}.csv")
            rows.to_csv(paths[part], index=False)
        sets.append(dict(name=name, train=paths["train"], test=paths["test"], target=target,
                         classification=classification, impute=False, flags=["--target", target]))
    for name, folder, target, classification, impute in (("adult", "adult", "income", True, True),
                                                         ("diamonds", "diamonds", "price", False, False)):
        base = os.path.join(args.data_dir, folder, f"{folder}-raw")
        flags = ["--target", target] + (["--missing", "most-frequent"] if impute else [])
        sets.append(dict(name=name, train=base + "-train.csv.gz", test=base + "-test.csv.gz", target=target,
                         classification=classification, impute=impute, flags=flags))
    with open(os.path.join(args.out, "datasets.json"), "w") as f:
        json.dump(sets, f, indent=1)
    for s in sets:
        print(f"{s['name']} {s['train']} {s['test']} {' '.join(s['flags'])}")


def run_sklearn(args):
    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    warnings.simplefilter("ignore", ConvergenceWarning)  # the defaults as they are, warning or not

    with open(args.manifest) as f:
        d = next(s for s in json.load(f) if s["name"] == args.dataset)
    # The missing-value spellings mlp knows: an empty field, NA and ?.
    read = dict(na_values=["", "NA", "?"], keep_default_na=False)
    train, test = pd.read_csv(d["train"], **read), pd.read_csv(d["test"], **read)
    target = d["target"]
    x_train, y_train = train.drop(columns=[target]), train[target]
    x_test, y_test = test.drop(columns=[target]), test[target]
    numeric = [c for c in x_train.columns if pd.api.types.is_numeric_dtype(x_train[c])]
    text = [c for c in x_train.columns if c not in numeric]
    x_train[text] = x_train[text].astype(object)
    x_test[text] = x_test[text].astype(object)

    def steps(last):
        return Pipeline(([("impute", SimpleImputer(strategy="most_frequent"))] if d["impute"] else []) + [last])

    prep = ColumnTransformer([
        ("numeric", steps(("scale", StandardScaler())), numeric),
        ("text", steps(("onehot", OneHotEncoder(handle_unknown="ignore"))), text),
    ])
    if d["classification"]:
        model = Pipeline([("prep", prep), ("mlp", MLPClassifier(random_state=0))])
    else:
        model = TransformedTargetRegressor(regressor=Pipeline([("prep", prep), ("mlp", MLPRegressor(random_state=0))]),
                                           transformer=StandardScaler())
    t0 = time.perf_counter()
    model.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - t0
    predicted = model.predict(x_test)
    estimator = model.named_steps["mlp"] if d["classification"] else model.regressor_.named_steps["mlp"]
    result = dict(dataset=d["name"], fit_seconds=round(fit_seconds, 4), n_iter=int(estimator.n_iter_),
                  train_rows=len(train), test_rows=len(test), sklearn=sklearn.__version__, numpy=np.__version__,
                  pandas=pd.__version__)
    if d["classification"]:
        result["accuracy"] = float(accuracy_score(y_test, predicted))
    else:
        result["r2"] = float(r2_score(y_test, predicted))
    print(json.dumps(result))


def report(args):
    def load(pattern):
        out = []
        for p in sorted(glob.glob(os.path.join(args.raw, pattern))):
            with open(p) as f:
                text = f.read().strip()
            if text:
                out.append(json.loads(text))
        return out

    with open(args.header) as f:
        header = f.read().strip()
    with open(os.path.join(args.raw, "datasets.json")) as f:
        sets = json.load(f)
    lines = [header, "",
             "| table | task | mlp defaults: test | epochs run | wall s | best of --epochs 20/50/100/200: test (epochs) | "
             "gap | scikit-learn defaults: test | epochs | fit s | defaults' wall / sklearn's fit | targets |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    met_all = True
    for d in sets:
        name, cls = d["name"], d["classification"]
        metric = "test_accuracy" if cls else "test_r2"

        def mlp(config):
            runs = load(f"mlp-{name}-{config}-*.json")
            if not runs:
                return None
            return dict(test=runs[0][metric], epochs=runs[0]["epochs_run"],
                        wall=statistics.median(r["wall_seconds"] for r in runs))

        default = mlp("default")
        fixed = {e: mlp(f"e{e}") for e in EPOCHS}
        sk = load(f"sklearn-{name}-*.json")
        if default is None or any(v is None for v in fixed.values()) or not sk:
            lines.append(f"| {name} | (incomplete) |||||||||||")
            met_all = False
            continue
        best_e = max(EPOCHS, key=lambda e: (fixed[e]["test"], -e))
        best = fixed[best_e]["test"]
        sk_test = sk[0]["accuracy" if cls else "r2"]
        sk_fit = statistics.median(r["fit_seconds"] for r in sk)
        if cls:
            gap = (best - default["test"]) * 100
            shown = lambda x: f"{x:.4f}"
            gap_text, near = f"{gap:.2f} pt", gap <= 0.5 + 1e-9
        else:
            gap = best - default["test"]
            shown = lambda x: f"{x:.4f}"
            gap_text, near = f"{gap:.4f}", gap <= 0.01 + 1e-9
        faster = default["wall"] < sk_fit
        met_all = met_all and near and faster
        verdict = ("within" if near else "MISSED: not within") + (" 0.5 pt" if cls else " 0.01 R²") + \
            ("; faster" if faster else "; MISSED: slower")
        lines.append(f"| {name} | {'accuracy' if cls else 'R²'} | {shown(default['test'])} | {default['epochs']} | "
                     f"{default['wall']:.2f} | {shown(best)} ({best_e}) | {gap_text} | {shown(sk_test)} | "
                     f"{sk[0]['n_iter']} | {sk_fit:.2f} | {default['wall'] / sk_fit:.2f} | {verdict} |")
    lines += ["", "Every --epochs run, test figure and wall seconds:", "",
              "| table | " + " | ".join(f"--epochs {e}" for e in EPOCHS) + " |",
              "| --- |" + " ---: |" * len(EPOCHS)]
    for d in sets:
        name = d["name"]
        metric = "test_accuracy" if d["classification"] else "test_r2"
        cells = []
        for e in EPOCHS:
            runs = load(f"mlp-{name}-e{e}-*.json")
            cells.append(f"{runs[0][metric]:.4f}, {statistics.median(r['wall_seconds'] for r in runs):.2f} s" if runs else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "all targets met" if met_all else "some targets missed"]
    print("\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("prepare")
    a.add_argument("--data-dir", required=True)
    a.add_argument("--out", required=True)
    a = sub.add_parser("sklearn")
    a.add_argument("--dataset", required=True)
    a.add_argument("--manifest", required=True)
    a = sub.add_parser("report")
    a.add_argument("raw")
    a.add_argument("header")
    args = p.parse_args()
    {"prepare": prepare, "sklearn": run_sklearn, "report": report}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
