#!/usr/bin/env python3
"""scikit-learn's figures for cases of predictions, the reference that mlp's metrics are tested against.

usage: metrics_oracle.py CASES.json      (or - for standard input)

CASES is a JSON list; each case has a "kind" and prints one JSON object, in order, as a JSON list:
  binary        probabilities [n], positives [n] (0/1), weights [n] or null, threshold
                -> roc_auc, average_precision, precision, recall, f1, f1_weighted, accuracy,
                   balanced_accuracy, log_loss, brier
  multiclass    probabilities [n][C], labels [n] (0..C-1), weights, k
                -> accuracy, balanced_accuracy, f1_macro, f1_weighted, f1 [C], log_loss, brier,
                   top_k, roc_auc_ovr_macro, roc_auc [C]
  multilabel    probabilities [n][L], truth [n][L] (0/1), weights, threshold
                -> subset_accuracy, hamming_loss, f1_micro, f1_macro, f1 [L], precision_micro, recall_micro
  calibration   probabilities [n][C], labels [n], weights, bins
                -> ece, mce, bins [[count, weight, confidence, accuracy], ...]   (a plain numpy
                   implementation of the definition in Sources/Model/Evaluation/Calibration.swift)
  temperature   logits [n][C], labels [n] (softmax) or targets [n][C] (sigmoid: "sigmoid": true),
                weights, range [lo, hi]
                -> temperature, log_loss: scipy.optimize.minimize_scalar over log T
  class_weight  labels [n] -> weights [C]: compute_class_weight("balanced") over the classes present
                (0 for a class with no example, as mlp's rule)
  threshold     probabilities [n], positives [n], weights, rule ("f1" or "youden")
                -> threshold, value: np.argmax of F1 over precision_recall_curve's thresholds, or of
                   TPR − FPR over roc_curve's (without its leading +inf)
  regression    predictions [n][T], truth [n][T], weights
                -> mse [T], mae [T], r2 [T]: mean_squared_error, mean_absolute_error, r2_score
                   (multioutput="raw_values"; R² is null for fewer than two rows, where scikit-learn
                   calls it undefined)

A case with "float32": true has its probabilities and weights rounded to float32 first: the values a
program that computes in float (mlp's network) printed in their shortest form, made exactly the
numbers it computed its figures from.

Conventions shared with mlp: a row of weight 0 is absent, so those rows are dropped before scikit-learn
sees them (scikit-learn drops them itself for ROC AUC and average precision, but would still list their
classes for a macro F1). A figure that is undefined prints as null: ROC AUC with one class (scikit-learn:
nan), average precision without positives (scikit-learn: 0 with a warning), and every figure when the
weights sum to 0. For the one-vs-rest ROC AUC with a class absent from the labels (scikit-learn: nan or
an error), the mean of the binary areas of the classes that have one.

Exit status: 0 ok; 2 the cases cannot be read; 3 scikit-learn, scipy or numpy cannot be imported
(python3 -m pip install scikit-learn).
"""
import json
import math
import sys
import warnings

try:
    import numpy as np
    import scipy.optimize
    import scipy.special
    import sklearn
    from sklearn import metrics
    from sklearn.utils.class_weight import compute_class_weight
except ImportError as e:  # the tests skip on this status
    print(f"metrics_oracle: {e} (python3 -m pip install scikit-learn)", file=sys.stderr)
    sys.exit(3)

warnings.simplefilter("ignore")


def number(x):
    x = float(x)
    return x if math.isfinite(x) else None


def kept(case, *arrays):
    """The arrays without the rows of weight 0, and the remaining weights (None without weights)."""
    if case.get("float32"):
        arrays = [np.asarray(a, dtype=np.float32).astype(np.float64) if i == 0 else a for i, a in enumerate(arrays)]
    w = case.get("weights")
    if w is None:
        return [np.asarray(a) for a in arrays], None
    w = np.asarray(w, dtype=np.float32 if case.get("float32") else np.float64).astype(np.float64)
    keep = w != 0
    return [np.asarray(a)[keep] for a in arrays], w[keep]


def binary(case):
    (p, y), w = kept(case, np.asarray(case["probabilities"], dtype=np.float64), np.asarray(case["positives"], dtype=np.int64))
    if len(y) == 0:
        return {"undefined": True}
    t = case.get("threshold", 0.5)
    pred = (p >= t).astype(np.int64)
    both = len(np.unique(y)) == 2
    return {
        "roc_auc": number(metrics.roc_auc_score(y, p, sample_weight=w)) if both else None,
        "average_precision": number(metrics.average_precision_score(y, p, sample_weight=w)) if y.any() else None,
        "precision": metrics.precision_score(y, pred, sample_weight=w, zero_division=0),
        "recall": metrics.recall_score(y, pred, sample_weight=w, zero_division=0),
        "f1": metrics.f1_score(y, pred, sample_weight=w, zero_division=0),
        "f1_weighted": metrics.f1_score(y, pred, average="weighted", sample_weight=w, zero_division=0),
        "accuracy": metrics.accuracy_score(y, pred, sample_weight=w),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred, sample_weight=w),
        "log_loss": metrics.log_loss(y, p, sample_weight=w, labels=[0, 1]),
        "brier": metrics.brier_score_loss(y, p, sample_weight=w, labels=[0, 1]),
    }


def multiclass(case):
    (p, y), w = kept(case, np.asarray(case["probabilities"], dtype=np.float64), np.asarray(case["labels"], dtype=np.int64))
    if len(y) == 0:
        return {"undefined": True}
    c = p.shape[1]
    k = case.get("k", 5)
    labels = list(range(c))
    pred = np.argmax(p, axis=1)
    if c == 2:  # scikit-learn takes a binary problem's scores as one column, the positive class's
        top_k = metrics.top_k_accuracy_score(y, p[:, 1], k=k, sample_weight=w, labels=labels)
    else:
        top_k = metrics.top_k_accuracy_score(y, p, k=k, sample_weight=w, labels=labels)
    per_class_auc = []
    for j in range(c):
        yj = (y == j).astype(np.int64)
        per_class_auc.append(number(metrics.roc_auc_score(yj, p[:, j], sample_weight=w)) if 0 < yj.sum() < len(yj) else None)
    if all(a is not None for a in per_class_auc):
        if c == 2:
            ovr = metrics.roc_auc_score(y, p[:, 1], sample_weight=w)
        else:
            ovr = metrics.roc_auc_score(y, p, multi_class="ovr", average="macro", sample_weight=w, labels=labels)
    else:
        defined = [a for a in per_class_auc if a is not None]
        ovr = sum(defined) / len(defined) if defined else None
    return {
        "accuracy": metrics.accuracy_score(y, pred, sample_weight=w),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred, sample_weight=w),
        "f1_macro": metrics.f1_score(y, pred, average="macro", sample_weight=w, zero_division=0),
        "f1_weighted": metrics.f1_score(y, pred, average="weighted", sample_weight=w, zero_division=0),
        "f1": [float(v) for v in metrics.f1_score(y, pred, labels=labels, average=None, sample_weight=w, zero_division=0)],
        "log_loss": metrics.log_loss(y, p, sample_weight=w, labels=labels),
        "brier": metrics.brier_score_loss(y, p, sample_weight=w, labels=labels),
        "top_k": top_k,
        "roc_auc_ovr_macro": None if ovr is None else number(ovr),
        "roc_auc": per_class_auc,
    }


def multilabel(case):
    (p, y), w = kept(case, np.asarray(case["probabilities"], dtype=np.float64), np.asarray(case["truth"], dtype=np.int64))
    if len(y) == 0:
        return {"undefined": True}
    pred = (p >= case.get("threshold", 0.5)).astype(np.int64)
    if y.shape[1] == 1:
        # scikit-learn reads one indicator column as a binary target (and would average over its two
        # values); one label's figures are those of its positive class
        y, pred = y[:, 0], pred[:, 0]
        f1 = metrics.f1_score(y, pred, sample_weight=w, zero_division=0)
        return {
            "subset_accuracy": metrics.accuracy_score(y, pred, sample_weight=w),
            "hamming_loss": metrics.hamming_loss(y, pred, sample_weight=w),
            "f1_micro": f1, "f1_macro": f1, "f1": [f1],
            "precision_micro": metrics.precision_score(y, pred, sample_weight=w, zero_division=0),
            "recall_micro": metrics.recall_score(y, pred, sample_weight=w, zero_division=0),
        }
    return {
        "subset_accuracy": metrics.accuracy_score(y, pred, sample_weight=w),
        "hamming_loss": metrics.hamming_loss(y, pred, sample_weight=w),
        "f1_micro": metrics.f1_score(y, pred, average="micro", sample_weight=w, zero_division=0),
        "f1_macro": metrics.f1_score(y, pred, average="macro", sample_weight=w, zero_division=0),
        "f1": [float(v) for v in metrics.f1_score(y, pred, average=None, sample_weight=w, zero_division=0)],
        "precision_micro": metrics.precision_score(y, pred, average="micro", sample_weight=w, zero_division=0),
        "recall_micro": metrics.recall_score(y, pred, average="micro", sample_weight=w, zero_division=0),
    }


def calibration(case):
    (p, y), w = kept(case, np.asarray(case["probabilities"], dtype=np.float64), np.asarray(case["labels"], dtype=np.int64))
    if len(y) == 0:
        return {"undefined": True}
    w = np.ones(len(y)) if w is None else w
    nbins = case.get("bins", 15)
    confidence = p.max(axis=1)
    right = (p.argmax(axis=1) == y).astype(np.float64)
    # bin b holds (b/B, (b+1)/B]: an edge goes to the lower bin
    b = np.clip(np.ceil(confidence * nbins).astype(np.int64) - 1, 0, nbins - 1)
    total = w.sum()
    ece, mce, bins = 0.0, 0.0, []
    for j in range(nbins):
        m = b == j
        wb = w[m].sum()
        if wb > 0:
            conf = (w[m] * confidence[m]).sum() / wb
            acc = (w[m] * right[m]).sum() / wb
            ece += wb / total * abs(acc - conf)
            mce = max(mce, abs(acc - conf))
        else:
            conf = acc = 0.0
        bins.append([int(m.sum()), float(wb), float(conf), float(acc)])
    return {"ece": ece, "mce": mce, "bins": bins}


def temperature(case):
    logits = np.asarray(case["logits"], dtype=np.float64)
    w = case.get("weights")
    w = np.ones(len(logits)) if w is None else np.asarray(w, dtype=np.float64)
    lo, hi = case.get("range", [0.01, 100])
    if case.get("sigmoid"):
        t = np.asarray(case["targets"], dtype=np.float64)

        def loss(log_t):
            a = logits / math.exp(log_t)
            per_row = (np.logaddexp(0, a) - t * a).mean(axis=1)
            return float((w * per_row).sum() / w.sum())
    else:
        y = np.asarray(case["labels"], dtype=np.int64)

        def loss(log_t):
            a = logits / math.exp(log_t)
            nll = scipy.special.logsumexp(a, axis=1) - a[np.arange(len(y)), y]
            return float((w * nll).sum() / w.sum())
    r = scipy.optimize.minimize_scalar(loss, bounds=(math.log(lo), math.log(hi)), method="bounded",
                                       options={"xatol": 1e-12, "maxiter": 2000})
    return {"temperature": math.exp(r.x), "log_loss": float(r.fun), "log_loss_at_1": loss(0.0)}


def class_weight(case):
    y = np.asarray(case["labels"], dtype=np.int64)
    present = np.unique(y)
    w = compute_class_weight("balanced", classes=present, y=y)
    out = [0.0] * int(case.get("classes", int(y.max()) + 1))
    for c, v in zip(present, w):
        out[int(c)] = float(v)
    return {"weights": out}


def threshold(case):
    (p, y), w = kept(case, np.asarray(case["probabilities"], dtype=np.float64), np.asarray(case["positives"], dtype=np.int64))
    if case["rule"] == "youden":
        if len(np.unique(y)) < 2:
            return {"undefined": True}
        fpr, tpr, thresholds = metrics.roc_curve(y, p, sample_weight=w)
        j = tpr[1:] - fpr[1:]
        i = int(np.argmax(j))
        return {"threshold": float(thresholds[1:][i]), "value": float(j[i])}
    if not y.any():
        return {"undefined": True}
    precision, recall, thresholds = metrics.precision_recall_curve(y, p, sample_weight=w)
    precision, recall = precision[:-1], recall[:-1]
    denominator = precision + recall
    f1 = np.where(denominator > 0, 2 * precision * recall / np.where(denominator > 0, denominator, 1), 0)
    i = int(np.argmax(f1))
    return {"threshold": float(thresholds[i]), "value": float(f1[i])}


def regression(case):
    (yhat, y), w = kept(case, np.asarray(case["predictions"], dtype=np.float64), np.asarray(case["truth"], dtype=np.float64))
    if len(y) == 0:
        return {"undefined": True}
    return {
        "mse": [float(v) for v in metrics.mean_squared_error(y, yhat, sample_weight=w, multioutput="raw_values")],
        "mae": [float(v) for v in metrics.mean_absolute_error(y, yhat, sample_weight=w, multioutput="raw_values")],
        "r2": [number(v) for v in np.atleast_1d(metrics.r2_score(y, yhat, sample_weight=w, multioutput="raw_values"))],
    }


KINDS = {"binary": binary, "multiclass": multiclass, "multilabel": multilabel, "calibration": calibration,
         "temperature": temperature, "class_weight": class_weight, "threshold": threshold, "regression": regression}


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    try:
        source = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])
        cases = json.load(source)
    except (OSError, ValueError) as e:
        print(f"metrics_oracle: {sys.argv[1]}: {e}", file=sys.stderr)
        sys.exit(2)
    results = []
    for i, case in enumerate(cases):
        kind = case.get("kind")
        if kind not in KINDS:
            print(f"metrics_oracle: case {i}: unknown kind {kind!r}, expected one of {', '.join(KINDS)}", file=sys.stderr)
            sys.exit(2)
        results.append(KINDS[kind](case))
    json.dump({"sklearn": sklearn.__version__, "results": results}, sys.stdout, allow_nan=False, default=float)
    print()


if __name__ == "__main__":
    main()
