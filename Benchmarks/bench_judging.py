#!/usr/bin/env python3
"""scikit-learn's MLP on Adult raw, unweighted and with balanced sample weights, judged by the figures
`mlp evaluate` reports: the peer of Benchmarks/bench_judging.sh.

usage: bench_judging.py DATA_DIR SEED WEIGHTING      (WEIGHTING: none or balanced)

Preprocessing as mlp's for a table (and bench_tabular.py's): the missing values of every column ("",
NA, ?) filled with the training rows' most frequent value, numeric columns standardized, text columns
one-hot encoded (a category unseen in training: all zeros). MLPClassifier((64,)) with bench_tabular.py's
"matched" settings: Adam, lr 0.002, alpha 0.0384 (mlp's L2 3e-4 at batch 128), batch 128, 20 epochs,
no early stop, random_state SEED. scikit-learn's MLP has no class_weight; "balanced" passes
sample_weight=compute_sample_weight("balanced", y) to fit, which weighs each row by its class's
balanced weight, the same weights as mlp's --class-weight balanced. Prints one JSON object: the figures
on the test rows (positive class >50K, threshold 0.5) and the fit's seconds.
"""
import csv
import gzip
import json
import sys
import time
import warnings

import numpy as np
from sklearn import metrics
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

MISSING = {"", "NA", "?"}


def read(path):
    with gzip.open(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def main():
    data_dir, seed, weighting = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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
    train_num, train_text = columns(train)
    test_num, test_text = columns(test)
    y_train = np.array([r[target] for r in train])
    y_test = np.array([r[target] for r in test])

    t0 = time.perf_counter()
    impute_num = SimpleImputer(strategy="most_frequent").fit(train_num)
    impute_text = SimpleImputer(strategy="most_frequent", missing_values=np.nan).fit(train_text)
    scale = StandardScaler().fit(impute_num.transform(train_num))
    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(impute_text.transform(train_text))

    def encode(x_num, x_text):
        return np.hstack([scale.transform(impute_num.transform(x_num)), onehot.transform(impute_text.transform(x_text))])
    x_train, x_test = encode(train_num, train_text), encode(test_num, test_text)
    model = MLPClassifier(hidden_layer_sizes=(64,), solver="adam", batch_size=128, max_iter=20, learning_rate_init=0.002,
                          alpha=0.0384, shuffle=True, random_state=seed, tol=0.0, n_iter_no_change=21, early_stopping=False)
    warnings.simplefilter("ignore", ConvergenceWarning)
    weights = compute_sample_weight("balanced", y_train) if weighting == "balanced" else None
    model.fit(x_train, y_train, sample_weight=weights)
    fit_seconds = time.perf_counter() - t0

    positive = list(model.classes_).index(">50K")
    p = model.predict_proba(x_test)[:, positive]
    y = (y_test == ">50K").astype(np.int64)
    predicted = (p >= 0.5).astype(np.int64)
    print(json.dumps({
        "seed": seed, "weighting": weighting, "features": int(x_train.shape[1]), "fit_seconds": round(fit_seconds, 3),
        "accuracy": metrics.accuracy_score(y, predicted),
        "recall": metrics.recall_score(y, predicted),
        "precision": metrics.precision_score(y, predicted, zero_division=0),
        "f1": metrics.f1_score(y, predicted),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, predicted),
        "auc": metrics.roc_auc_score(y, p),
        "pr_auc": metrics.average_precision_score(y, p),
        "log_loss": metrics.log_loss(y, p),
        "brier": metrics.brier_score_loss(y, p),
    }))


if __name__ == "__main__":
    main()
