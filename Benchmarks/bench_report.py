#!/usr/bin/env python3
"""Turns bench.sh's raw JSON into the markdown results table (medians of the measured runs).

    bench_report.py RAW_DIR HEADER_FILE RUNS "A B C" "1 2"

Files read, per workload W and thread count T, for runs r = 1..RUNS (run 0, the warm-up, is ignored):
  W-tT-mlp-r.json    `mlp train --json`          W-tT-eval-r.json   `mlp evaluate --json`
  W-tT-torch-r.json  Benchmarks/bench_torch.py      W-tT-gemm-r.json   gemm-bench
  W-tT-{mlp,torch}-r.rss   GNU time's peak RSS in KB (or "null")
  W-tT-torchgemm-r.json   Benchmarks/bench_torch_gemm.py (the GEMM bound through PyTorch; optional)
"""
import json
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def rss_kb(path):
    try:
        with open(path) as f:
            text = f.read().strip().splitlines()
        return float(text[-1]) if text and text[-1] != "null" else None
    except (OSError, ValueError):
        return None


def busy(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def health(path):
    """The lowest health of the probes that bracketed the run that was kept (the file's last two)."""
    try:
        with open(path) as f:
            values = [float(x) for x in f.read().split()]
        return min(values[-2:]) if values else None
    except (OSError, ValueError):
        return None


def redone(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return 0


def mn(values):
    values = [v for v in values if v is not None]
    return min(values) if values else None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def bytes_to_mb(b):
    return None if b is None else b / 2**20


def kb_to_mb(kb):
    return None if kb is None else kb / 1024


def fmt(x, digits=3):
    return "–" if x is None else f"{x:.{digits}f}"


def ratio(a, b, digits=2):
    return "–" if a is None or not b else f"{a / b:.{digits}f}"


def load_optional(path):
    try:
        return load(path)
    except (OSError, ValueError):
        return None


def main():
    raw, header_file, runs, workloads, threads = sys.argv[1:6]
    runs = range(1, int(runs) + 1)
    with open(header_file) as f:
        header = f.read().strip().splitlines()

    main_rows, detail_rows, library_rows = [], [], []
    for w in workloads.split():
        for t in threads.split():
            p = f"{raw}/{w}-t{t}"
            mlp = [load(f"{p}-mlp-{r}.json") for r in runs]
            ev = [load(f"{p}-eval-{r}.json") for r in runs]
            tor = [load(f"{p}-torch-{r}.json") for r in runs]
            gem = [load(f"{p}-gemm-{r}.json") for r in runs]
            m_epoch = med([d["seconds_per_epoch"] for d in mlp])
            t_epoch = med([d["seconds_per_epoch"] for d in tor])
            m_sps = med([60000 / d["seconds_per_epoch"] for d in mlp])
            t_sps = med([d["samples_per_second"] for d in tor])
            m_acc = med([d["test_accuracy"] for d in mlp])
            t_acc = med([d["test_accuracy"] for d in tor])
            m_rss = med([d.get("peak_rss_bytes") for d in mlp])
            t_rss = med([d["peak_rss_bytes"] for d in tor])
            m_start = med([d.get("startup_seconds") for d in mlp])
            t_start = med([d["startup_seconds"] for d in tor])
            m_inf = med([d["seconds"] for d in ev])
            t_inf = med([d["inference_seconds"] for d in tor])
            bound = med([d["lower_bound_seconds_per_epoch"] for d in gem])
            # Noise on a shared host only ever adds time, so the fastest run is also worth a look.
            m_best = mn([d["seconds_per_epoch"] for d in mlp])
            t_best = mn([d["seconds_per_epoch"] for d in tor])
            bound_low = mn([d["lower_bound_seconds_per_epoch"] for d in gem])
            bound_best = med([d["lower_bound_seconds_per_epoch_best"] for d in gem])
            # Every measured process of the row: a noisy neighbour or a slow phase in any of them counts.
            measured = [f"{p}-{k}-{r}" for k in ("mlp", "torch", "gemm", "torchgemm") for r in runs]
            main_rows.append([
                w, t, fmt(m_epoch), fmt(t_epoch), ratio(m_epoch, t_epoch),
                f"{m_sps:,.0f}", f"{t_sps:,.0f}",
                f"{100 * m_acc:.2f}", f"{100 * t_acc:.2f}",
                fmt(bytes_to_mb(m_rss), 0), fmt(bytes_to_mb(t_rss), 0), ratio(m_rss, t_rss),
                fmt(None if m_start is None else 1000 * m_start, 1), fmt(1000 * t_start, 0),
                fmt(m_inf, 4), fmt(t_inf, 4), ratio(m_inf, t_inf),
                fmt(bound), ratio(m_epoch, bound),
                fmt(m_best), fmt(t_best), ratio(m_best, t_best), fmt(bound_low), ratio(m_best, bound_low),
                max([b for b in (busy(f"{m}.busy") for m in measured) if b is not None], default="–"),
                sum(redone(f"{m}.redo") for m in measured),
                fmt(min([h for h in (health(f"{m}.probe") for m in measured) if h is not None], default=None), 2),
            ])
            tgem = [d for d in (load_optional(f"{p}-torchgemm-{r}.json") for r in runs) if d is not None]
            if tgem:
                t_bound = med([d["lower_bound_seconds_per_epoch"] for d in tgem])
                library_rows.append([
                    w, t, fmt(bound), fmt(t_bound), ratio(bound, t_bound),
                    fmt(m_epoch), ratio(m_epoch, bound), fmt(t_epoch), ratio(t_epoch, t_bound),
                    ratio(bound, t_epoch), ratio(m_epoch, t_epoch),
                ])
            detail_rows.append([
                w, t,
                fmt(med([d.get("data_load_seconds") for d in mlp])),
                fmt(med([d["data_load_seconds"] for d in tor])),
                fmt(med([d["import_seconds"] for d in tor])),
                fmt(kb_to_mb(med([rss_kb(f"{p}-mlp-{r}.rss") for r in runs])), 0),
                fmt(kb_to_mb(med([rss_kb(f"{p}-torch-{r}.rss") for r in runs])), 0),
                fmt(med([d["inference_seconds_best"] for d in tor]), 4),
                fmt(bound_best), ratio(m_epoch, bound_best),
                " ".join(fmt(d["seconds_per_epoch"]) for d in mlp),
                " ".join(fmt(d["seconds_per_epoch"]) for d in tor),
            ])

    out = ["# mlp vs PyTorch vs the sgemm bound", "", "One measurement on one machine:", ""]
    out += [f"- {line}" for line in header]
    out += ["", "Medians of the measured runs; ratios are mlp / PyTorch (and mlp / sgemm bound). "
            "Start-up is process start to first training step, data load excluded. Inference is the 10,000 test "
            "images through the trained model (mlp evaluate, batches of 1000; PyTorch one no_grad pass). "
            "Peak RSS is each process's own getrusage maximum. The last column is how busy the CPUs were with "
            "other processes just before the row's runs (over 10% means the row is not trustworthy). Health is the "
            "sgemm rate t threads reached in a quarter-second probe, over t times one core's best: every run was "
            "bracketed by two probes and run again when the one after it fell below the bench's threshold; the "
            "columns give how many runs of the row were redone and the lowest health around the runs kept. Noise on a "
            "shared host only adds time, so the fastest runs (and the lowest of the runs' sgemm bounds) are shown "
            "beside the medians.", ""]
    cols = ["workload", "threads", "mlp s/epoch", "torch s/epoch", "ratio", "mlp samples/s", "torch samples/s",
            "mlp test acc %", "torch test acc %", "mlp RSS MB", "torch RSS MB", "ratio",
            "mlp start-up ms", "torch start-up ms", "mlp inference s", "torch inference s", "ratio",
            "sgemm bound s/epoch", "mlp/bound", "fastest mlp s/epoch", "fastest torch s/epoch", "ratio",
            "lowest bound", "fastest mlp/lowest bound", "others' CPU % (max)", "runs redone", "lowest health"]
    out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in main_rows]
    out += ["", "Details: data load (s), PyTorch's `import torch` (s), peak RSS from GNU time (MB), the best of 3 "
            "inference passes in one PyTorch process, the sgemm bound at the best (not median) call rates, and "
            "every measured run's s/epoch.", ""]
    cols = ["workload", "threads", "mlp data load", "torch data load", "torch import", "mlp RSS (time)",
            "torch RSS (time)", "torch inference best", "bound at best rates", "mlp/that bound",
            "mlp s/epoch runs", "torch s/epoch runs"]
    out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in detail_rows]
    if library_rows:
        out += ["", "GEMM libraries: each framework's epoch against the bound its own GEMM library sets at the "
                "same shapes (gemm-bench through OpenBLAS for mlp; Benchmarks/bench_torch_gemm.py through torch.mm "
                "for PyTorch), medians. The floor is OpenBLAS's bound over PyTorch's epoch: the lowest mlp / "
                "PyTorch could reach with no work besides its GEMMs.", ""]
        cols = ["workload", "threads", "OpenBLAS bound s/epoch", "PyTorch GEMM bound s/epoch", "OpenBLAS / PyTorch GEMMs",
                "mlp s/epoch", "mlp / its bound", "torch s/epoch", "torch / its bound", "floor", "mlp / torch"]
        out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(str(c) for c in row) + " |" for row in library_rows]
    print("\n".join(out))


if __name__ == "__main__":
    main()
