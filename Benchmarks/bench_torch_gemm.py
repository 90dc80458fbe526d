#!/usr/bin/env python3
"""PyTorch's side of gemm-bench: the training GEMMs of a bench workload timed through torch.mm, and the
lower bound on epoch time those rates imply. Prints one JSON object with the fields of gemm-bench's.

    bench_torch_gemm.py --layers 784,1024,1024,10 --batch 256 [--samples 60000] [--threads 2] [--seconds 0.2]

The same shapes and the same arithmetic as Benchmarks/GemmBench/main.swift, so that `make bench` can set
the GEMM library PyTorch calls (MKL or oneDNN in its x86 wheels) beside OpenBLAS's:
  forward  Y  = X · Wᵀ    (B, out)    weights  dW = dYᵀ · X   (out, in)    input  dX = dY · W   (B, in)
with W stored (out, in) as nn.Linear keeps it, so the transposes are views as in autograd's calls; the
first layer has no input GEMM. Each shape is timed call by call (into a preallocated output) for about
--seconds after a warm-up; the bound is Σ steps Σ GEMMs flops / median rate (and / best rate).

Where mlp's epoch is T_mlp, PyTorch's T_torch and OpenBLAS's bound L: mlp / PyTorch can be no lower than
L / T_torch (mlp with no work besides its GEMMs), and T_torch − this bound is what PyTorch spends
outside its GEMMs.
"""
import argparse
import json
import os
import statistics
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=0.2)
    args = ap.parse_args()
    sizes = [int(s) for s in args.layers.split(",")]

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch
    torch.set_num_threads(args.threads)

    gen = torch.Generator().manual_seed(1)

    def rand(*shape):
        return torch.rand(*shape, generator=gen) * 2 - 1

    def measure(kind, b, fin, fout):
        """GFLOP/s (best, median) and call count of one GEMM kind at batch b."""
        if kind == "forward":
            a, w, out = rand(b, fin), rand(fout, fin), torch.empty(b, fout)
            call = lambda: torch.mm(a, w.t(), out=out)
            flops = 2.0 * b * fout * fin
        elif kind == "weights":
            dy, x, out = rand(b, fout), rand(b, fin), torch.empty(fout, fin)
            call = lambda: torch.mm(dy.t(), x, out=out)
            flops = 2.0 * fout * fin * b
        else:
            dy, w, out = rand(b, fout), rand(fout, fin), torch.empty(b, fin)
            call = lambda: torch.mm(dy, w, out=out)
            flops = 2.0 * b * fin * fout
        warm_end = time.perf_counter() + args.seconds / 10
        n = 0
        while n < 3 or time.perf_counter() < warm_end:
            call()
            n += 1
        times = []
        end = time.perf_counter() + args.seconds
        while len(times) < 5 or time.perf_counter() < end:
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        return flops, flops / 1e9 / min(times), flops / 1e9 / statistics.median(times), len(times)

    full, rest = divmod(args.samples, args.batch)
    batches = [(args.batch, full)] + ([(rest, 1)] if rest else [])
    cache, gemms = {}, []
    bound_median = bound_best = flops_epoch = 0.0
    for b, steps in batches:
        for l in range(len(sizes) - 1):
            fin, fout = sizes[l], sizes[l + 1]
            for kind in ("forward", "weights") + (("input",) if l > 0 else ()):
                key = (kind, b, fin, fout)
                if key not in cache:
                    cache[key] = measure(kind, b, fin, fout)
                flops, best, median, calls = cache[key]
                f = flops * steps
                bound_median += f / (median * 1e9)
                bound_best += f / (best * 1e9)
                flops_epoch += f
                gemms.append({"layer": l + 1, "kind": kind, "batch": b, "steps": steps, "gflops_best": best,
                              "gflops_median": median, "calls": calls})
    print(json.dumps({
        "library": "torch " + torch.__version__,
        "layers": sizes, "batch": args.batch, "samples": args.samples, "threads": args.threads,
        "torch_threads": torch.get_num_threads(), "seconds_per_shape": args.seconds,
        "flops_per_epoch": flops_epoch,
        "lower_bound_seconds_per_epoch": bound_median,
        "lower_bound_seconds_per_epoch_best": bound_best,
        "gemms": gemms,
    }))


if __name__ == "__main__":
    main()
