#!/usr/bin/env python3
"""scikit-learn's side of Benchmarks/bench_experiments.sh: the peers of `mlp search` and `mlp cv`.

usage: bench_experiments.py search DATA_DIR SEED CANDIDATES MIN_EPOCHS MAX_EPOCHS FACTOR JOBS
       bench_experiments.py cv DATA_DIR NAME TARGET TASK SEED JOBS

search: HalvingRandomSearchCV over MLPClassifier on Adult raw, the search space of the mlp search in
bench_experiments.sh: learning rate log-uniform in [1e-4, 1e-2], hidden layers 64, 128, 256 or
128,64, weight decay log-uniform in [1e-5, 1e-3] and batch size 64, 128 or 256 (scikit-learn's MLP
has no dropout). The resource is the epochs (max_iter) from MIN_EPOCHS up to MAX_EPOCHS by FACTOR:
with 27 candidates, 2 to 18 by 3, it runs 27 candidates for 2 epochs, the best 9 for 6 and the best
3 for 18, as mlp's successive halving does (scikit-learn trains each promoted candidate from
scratch, mlp continues its checkpoint). The candidates are scored on one stratified validation split
of 20 % of the training rows (mlp's --validation-split 0.2); the best is then trained on the other
80 % for MAX_EPOCHS and tested on the test rows, as mlp's best model is the best trial's own network.
mlp's weight decay is an L2 term on the gradient (wd·W); scikit-learn's alpha adds alpha·W/batch, so
alpha = weight decay × batch size. Adam, no early stopping, shuffled batches.

cv: cross_validate of MLPClassifier (MLPRegressor with a standardized target for a regression)
behind a StandardScaler, 5 folds (stratified for a classification) shuffled with SEED, the network
of the mlp cv in bench_experiments.sh: one hidden layer of 64, Adam with lr 0.002, weight decay 3e-4
(alpha 3e-4 × 32), batch 32, 100 epochs. Figures: accuracy (a classification), R² and RMSE (a regression).

Preprocessing as mlp's for a table (bench_judging.py's): missing values ("", NA, ?) filled with the
training rows' most frequent value, numeric columns standardized, text columns one-hot encoded.
Prints one JSON object; its times are wall-clock seconds measured inside this process.
"""
import csv
import gzip
import json
import sys
import time
import warnings

import numpy as np
from scipy.stats import loguniform
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401 (makes HalvingRandomSearchCV importable)
from sklearn.impute import SimpleImputer
from sklearn.model_selection import HalvingRandomSearchCV, KFold, StratifiedKFold, StratifiedShuffleSplit, cross_validate
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MISSING = {"", "NA", "?"}
warnings.simplefilter("ignore", ConvergenceWarning)


def read(path):
    with gzip.open(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


class Net(BaseEstimator, ClassifierMixin):
    """MLPClassifier with mlp's names: the weight decay becomes alpha at the batch size."""

    def __init__(self, lr=1e-3, hidden="64", weight_decay=1e-4, batch_size=128, max_iter=18, seed=1):
        self.lr = lr
        self.hidden = hidden
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.seed = seed

    def fit(self, x, y):
        self.model_ = MLPClassifier(
            hidden_layer_sizes=tuple(int(h) for h in self.hidden.split(",")), solver="adam", learning_rate_init=self.lr,
            alpha=self.weight_decay * self.batch_size, batch_size=self.batch_size, max_iter=self.max_iter, shuffle=True,
            random_state=self.seed, tol=0.0, n_iter_no_change=10**6, early_stopping=False)
        self.model_.fit(x, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, x):
        return self.model_.predict(x)


def adult(data_dir):
    header, train = read(f"{data_dir}/adult/adult-raw-train.csv.gz")
    _, test = read(f"{data_dir}/adult/adult-raw-test.csv.gz")
    target = header.index("income")
    features = [i for i in range(len(header)) if i != target]

    def is_number(v):
        try:
            float(v)
            return True
        except ValueError:
            return False
    numeric = [i for i in features if all(r[i] in MISSING or is_number(r[i]) for r in train)]
    text = [i for i in features if i not in numeric]

    def columns(rows):
        x_num = np.array([[float(r[i]) if r[i] not in MISSING else np.nan for i in numeric] for r in rows])
        x_text = np.array([[r[i] if r[i] not in MISSING else np.nan for i in text] for r in rows], dtype=object)
        return x_num, x_text
    return columns(train), columns(test), np.array([r[target] for r in train]), np.array([r[target] for r in test])


def search(data_dir, seed, candidates, min_epochs, max_epochs, factor, jobs):
    t0 = time.perf_counter()
    (train_num, train_text), (test_num, test_text), y_train, y_test = adult(data_dir)
    # The validation rows: a stratified 20 %; the encoders learn from the other 80 % (as mlp's do).
    fit_rows, val_rows = next(StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=seed).split(train_num, y_train))
    impute_num = SimpleImputer(strategy="most_frequent").fit(train_num[fit_rows])
    impute_text = SimpleImputer(strategy="most_frequent", missing_values=np.nan).fit(train_text[fit_rows])
    scale = StandardScaler().fit(impute_num.transform(train_num[fit_rows]))
    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(impute_text.transform(train_text[fit_rows]))

    def encode(x_num, x_text):
        return np.hstack([scale.transform(impute_num.transform(x_num)), onehot.transform(impute_text.transform(x_text))])
    x_train, x_test = encode(train_num, train_text), encode(test_num, test_text)
    t1 = time.perf_counter()
    space = {
        "lr": loguniform(1e-4, 1e-2), "hidden": ["64", "128", "256", "128,64"], "weight_decay": loguniform(1e-5, 1e-3),
        "batch_size": [64, 128, 256],
    }
    s = HalvingRandomSearchCV(
        Net(seed=seed), space, n_candidates=candidates, factor=factor, resource="max_iter", min_resources=min_epochs,
        max_resources=max_epochs, cv=[(fit_rows, val_rows)], scoring="accuracy", refit=False, random_state=seed, n_jobs=jobs)
    s.fit(x_train, y_train)
    t2 = time.perf_counter()
    best = Net(seed=seed, **{k: v for k, v in s.best_params_.items() if k != "max_iter"}).set_params(max_iter=max_epochs)
    best.fit(x_train[fit_rows], y_train[fit_rows])
    t3 = time.perf_counter()
    print(json.dumps({
        "best_params": {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in s.best_params_.items()},
        "best_validation_accuracy": float(s.best_score_), "test_accuracy": float(best.score(x_test, y_test)),
        "validation_accuracy_refit": float(best.score(x_train[val_rows], y_train[val_rows])),
        "iterations": [int(n) for n in s.n_candidates_], "resources": [int(r) for r in s.n_resources_],
        "fits": int(sum(s.n_candidates_)), "load_seconds": t1 - t0, "search_seconds": t2 - t1, "refit_seconds": t3 - t2,
        "seconds": t3 - t0,
    }))


def cv(data_dir, name, target, task, seed, jobs):
    t0 = time.perf_counter()
    header, rows = read(f"{data_dir}/small/{name}.csv.gz")
    t = header.index(target)
    x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows])
    net = dict(hidden_layer_sizes=(64,), solver="adam", learning_rate_init=0.002, alpha=3e-4 * 32, batch_size=32, max_iter=100,
               shuffle=True, random_state=seed, tol=0.0, n_iter_no_change=10**6, early_stopping=False)
    if task == "classification":
        y = np.array([r[t] for r in rows])
        model = make_pipeline(StandardScaler(), MLPClassifier(**net))
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        scoring = {"accuracy": "accuracy"}
    else:
        y = np.array([float(r[t]) for r in rows])
        model = make_pipeline(StandardScaler(), TransformedTargetRegressor(MLPRegressor(**net), transformer=StandardScaler()))
        folds = KFold(5, shuffle=True, random_state=seed)
        scoring = {"r2": "r2", "rmse": "neg_root_mean_squared_error"}
    t1 = time.perf_counter()
    r = cross_validate(model, x, y, cv=folds, scoring=scoring, n_jobs=jobs)
    t2 = time.perf_counter()
    figures = {}
    for k in scoring:
        v = np.abs(r[f"test_{k}"]) if k == "rmse" else r[f"test_{k}"]
        figures[k] = {"mean": float(np.mean(v)), "std": float(np.std(v)), "folds": [float(f) for f in v]}
    print(json.dumps({"metrics": figures, "cv_seconds": t2 - t1, "seconds": t2 - t0}))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "search":
        d, seed, n, lo, hi, eta, jobs = sys.argv[2:9]
        search(d, int(seed), int(n), int(lo), int(hi), int(eta), int(jobs))
    else:
        d, name, target, task, seed, jobs = sys.argv[2:8]
        cv(d, name, target, task, int(seed), int(jobs))
