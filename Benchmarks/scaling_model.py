#!/usr/bin/env python3
"""Predicted data-parallel scaling beyond one machine, from figures measured on this one.

    python3 Benchmarks/scaling_model.py --workload A:101770:64:0.0000021 --workload C:1863690:256:0.000061 \
        [--examples 60000] [--latency-us 25] [--ranks 2,4,8,16,32,64] [--gbits 10,25,100]

Each --workload is NAME:PARAMETERS:GLOBAL_BATCH:SECONDS_PER_EXAMPLE, the last being one rank's
compute time per training example (forward, backward and update, one thread), measured by
Benchmarks/bench_dist.sh with `mlp train` on one process.

The model, per step of a global batch B on N ranks:
    compute(N)    = (B / N) * t_example                      (each rank's share; ideal, see below)
    allreduce(N)  = 2 (N-1)/N * bytes / bandwidth + 2 (N-1) * latency
                    (ring all-reduce: reduce-scatter then all-gather, each N-1 messages of bytes/N;
                     bytes = 4 * parameters, the flat float32 gradient buffer)
    step(N)       = compute(N) + allreduce(N)                 (no overlap: mlp reduces after backward)
    epoch(N)      = ceil(examples / B) * step(N)
    efficiency(N) = epoch(1) / (N * epoch(N))
and the global batch at which a step's compute equals its all-reduce, above which communication no
longer dominates:  B* = N * allreduce(N) / t_example.

What it leaves out, all of which make real runs slower than predicted: GEMMs lose efficiency on
small per-rank batches (B/N rows), the optimizer update does not shrink with N, congestion and
stragglers. What it leaves out that would make them faster: overlapping the all-reduce with the
backward pass, and tree or hierarchical all-reduce at large N (the ring's latency term grows as 2(N-1)).
"""
import argparse
import math
import sys


def parse_workload(text):
    try:
        name, params, batch, t = text.split(":")
        return name, int(params), int(batch), float(t)
    except ValueError:
        sys.exit(f"scaling_model.py: --workload takes NAME:PARAMETERS:GLOBAL_BATCH:SECONDS_PER_EXAMPLE, got '{text}'")


def seconds(x):
    return f"{x:.3g} s" if x >= 1 else f"{x * 1000:.3g} ms"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", action="append", required=True, type=parse_workload)
    ap.add_argument("--examples", type=int, default=60000)
    ap.add_argument("--latency-us", type=float, default=25.0, help="per message (TCP over Ethernet: 15-50 µs)")
    ap.add_argument("--ranks", default="2,4,8,16,32,64")
    ap.add_argument("--gbits", default="10,25,100")
    a = ap.parse_args()
    ranks = [int(n) for n in a.ranks.split(",")]
    gbits = [float(g) for g in a.gbits.split(",")]
    alpha = a.latency_us * 1e-6

    print(f"Predicted epoch time (efficiency) on N ranks, one thread each, {a.examples} examples per epoch; "
          f"ring all-reduce, {a.latency_us:g} µs per message; B* = the global batch at which a step's compute "
          f"equals its all-reduce.\n")
    for name, params, batch, t in a.workload:
        grad_bytes = 4 * params
        steps = math.ceil(a.examples / batch)
        epoch1 = steps * batch * t
        print(f"Workload {name}: {params:,} parameters ({grad_bytes / 1e6:.2f} MB of gradients per step), "
              f"global batch {batch}, measured {t * 1e6:.3g} µs per example on one thread: "
              f"one rank {seconds(epoch1)} per epoch.\n")
        header = "| N |" + "|".join(f" {g:g} Gbit/s: epoch (eff.) | B* " for g in gbits) + "|"
        print(header)
        print("|---:|" + "|".join("---:|---:" for _ in gbits) + "|")
        for n in ranks:
            cells = []
            for g in gbits:
                bw = g * 1e9 / 8
                comm = 2 * (n - 1) / n * grad_bytes / bw + 2 * (n - 1) * alpha
                step = batch / n * t + comm
                epoch = steps * step
                eff = epoch1 / (n * epoch)
                bstar = n * comm / t
                cells.append(f" {seconds(epoch)} ({eff:.0%}) | {bstar:,.0f} ")
            print(f"| {n} |" + "|".join(cells) + "|")
        print()


if __name__ == "__main__":
    main()
