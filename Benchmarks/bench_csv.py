"""The Python side of Benchmarks/bench_csv.sh.

  python bench_csv.py generate OUT [--rows 1000000] [--columns 20] [--seed 0]
      writes a seeded numeric CSV with a header: columns cycle through four kinds of realistic
      values: -123.4567 (4 decimals), 0.0001234 or 4.381e-05 (4 significant digits), 1398765.42
      (2 decimals) and 421337 (integers), about 178 bytes a row at 20 columns.
  python bench_csv.py pandas FILE
      loads FILE with pandas.read_csv (C engine) and prints one JSON object like csv-bench's:
      {"rows","columns","seconds","cpu_seconds","peak_rss_mb","sum"} (sum of every value, float64).
  python bench_csv.py report RAWDIR
      the table of Benchmarks/bench_csv.sh from RAWDIR/{mlp-tN,pandas}-RUN.json: per reader the median,
      min and max of wall seconds, CPU seconds and peak RSS; the ratio of pandas' median time to
      each mlp median, and the median of the per-round ratios; whether the values agree (sums within
      1e-6 relatively: float32 against float64) and the memory bound the reader must meet (peak RSS under
      1.5 × (float32 matrix + file)).
"""
import argparse
import json
import resource
import sys
import time


def generate(out, rows, columns, seed):
    import numpy as np
    rng = np.random.default_rng(seed)
    kinds = []
    for c in range(columns):
        k = c % 4
        if k == 0:
            v = rng.normal(0, 100, rows)
            kinds.append(np.char.mod("%.4f", v))
        elif k == 1:
            v = rng.exponential(0.001, rows)
            kinds.append(np.char.mod("%.4g", v))
        elif k == 2:
            v = rng.uniform(0, 2_000_000, rows)
            kinds.append(np.char.mod("%.2f", v))
        else:
            v = rng.integers(-1000, 1_000_000, rows)
            kinds.append(v.astype(str))
    header = ",".join(f"f{c}" for c in range(columns))
    with open(out, "w") as f:
        f.write(header + "\n")
        step = 100000
        for start in range(0, rows, step):
            block = np.stack([k[start:start + step] for k in kinds], axis=1)
            f.write("\n".join(",".join(r) for r in block.tolist()))
            f.write("\n")


def load_pandas(path):
    import pandas as pd
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    frame = pd.read_csv(path, engine="c")
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    peak = usage.ru_maxrss / 1024
    total = float(frame.select_dtypes("number").to_numpy(dtype="float64").sum())
    print(json.dumps({"rows": len(frame), "columns": frame.shape[1], "seconds": round(seconds, 4),
                      "cpu_seconds": round(cpu, 4), "peak_rss_mb": round(peak, 1), "sum": total,
                      "pandas": pd.__version__}))


def report(rawdir):
    import glob
    import os
    import statistics
    runs = {}
    for path in sorted(glob.glob(os.path.join(rawdir, "*.json"))):
        name, run = os.path.basename(path)[:-5].rsplit("-", 1)
        with open(path) as f:
            runs.setdefault(name, {})[run] = json.load(f)
    pandas = runs.pop("pandas")
    readers = sorted(runs, key=lambda n: int(n.split("-t")[1]))
    p_med = statistics.median(r["seconds"] for r in pandas.values())
    first = next(iter(pandas.values()))
    lines = ["| reader | wall s median (min–max) | CPU s median | peak RSS MB median (max) | pandas ÷ this, medians | per-round ratio, median (min–max) |",
             "| --- | --- | --- | --- | --- | --- |"]

    def row(label, data, ratio_text, pair_text):
        secs = [r["seconds"] for r in data.values()]
        cpus = [r.get("cpu_seconds", float("nan")) for r in data.values()]
        peaks = [r["peak_rss_mb"] for r in data.values()]
        lines.append(f"| {label} | {statistics.median(secs):.3f} ({min(secs):.3f}–{max(secs):.3f}) | "
                     f"{statistics.median(cpus):.3f} | {statistics.median(peaks):.0f} ({max(peaks):.0f}) | "
                     f"{ratio_text} | {pair_text} |")

    checks = []
    for name in readers:
        data = runs[name]
        med = statistics.median(r["seconds"] for r in data.values())
        pairs = [pandas[k]["seconds"] / data[k]["seconds"] for k in data if k in pandas]
        row(f"mlp CSVReader, {name.split('-t')[1]} thread(s)", data, f"{p_med / med:.2f}×",
            f"{statistics.median(pairs):.2f}× ({min(pairs):.2f}–{max(pairs):.2f})")
        r = next(iter(data.values()))
        agree = abs(r["sum"] - first["sum"]) <= 1e-6 * abs(first["sum"]) and r["rows"] == first["rows"]
        bound = 1.5 * (r["matrix_mb"] + r["file_mb"])
        peak = max(x["peak_rss_mb"] for x in data.values())
        checks.append(f"- {name}: {r['rows']:,} rows × {r['columns']} columns, values agree with pandas: "
                      f"{'yes' if agree else 'NO'} (sums {r['sum']:.6g} and {first['sum']:.6g}); peak RSS "
                      f"{peak:.0f} MB (largest run) against the bound 1.5 × ({r['matrix_mb']:.0f} MB matrix + "
                      f"{r['file_mb']:.0f} MB file) = {bound:.0f} MB: {'under' if peak < bound else 'OVER'}")
    row(f"pandas {first.get('pandas', '')} read_csv (C engine)", pandas, "1.00×", "")
    print("\n".join(lines))
    print()
    print(f"{len(pandas)} rounds, readers run one after the other in each round, each a fresh process timing its own load.")
    print("\n".join(checks))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("out")
    g.add_argument("--rows", type=int, default=1_000_000)
    g.add_argument("--columns", type=int, default=20)
    g.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("pandas")
    p.add_argument("file")
    r = sub.add_parser("report")
    r.add_argument("rawdir")
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.out, args.rows, args.columns, args.seed)
    elif args.command == "pandas":
        load_pandas(args.file)
    else:
        report(args.rawdir)


if __name__ == "__main__":
    sys.exit(main())
