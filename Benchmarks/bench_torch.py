#!/usr/bin/env python3
"""PyTorch side of `make bench`: trains the bench workloads on CPU and prints one JSON object.

    bench_torch.py --workload A|B|C --threads N [--data data/mnist] [--seed 1] [--epochs E]

Measured the way PyTorch is at its best on a CPU for these small MLPs: the whole training set is a
float32 tensor in memory (scaled to [0, 1], no normalization), each epoch draws a fresh permutation from
a seeded generator, and batches are gathered with index_select (no DataLoader, no worker processes).
Per-epoch time covers the training steps only; the test set is evaluated after the last epoch.

Timings:
  startup_seconds     process start -> first training step, minus data load (includes torch import,
                      model and optimizer construction). Process start is BENCH_LAUNCH_NS (nanoseconds
                      since the epoch, set by bench.sh right before exec) when given, else the kernel's
                      process start time (/proc, 10 ms resolution).
  import_seconds      `import torch` alone.
  data_load_seconds   gzip + parse + scale of the four IDX files.
  inference_seconds   one forward pass over the 10,000 test images (no_grad), the first one after training,
                      as `mlp evaluate` does once per process (the best of 3 is given as well).
"""
import time

T_SCRIPT = time.time()  # as early as possible; before any heavy import

import argparse
import gzip
import json
import os
import resource
import sys

WORKLOADS = {
    # name: (layer sizes, optimizer, lr, momentum, batch, epochs)
    "A": ([784, 128, 10], "sgd", 0.1, 0.0, 64, 3),
    "B": ([784, 256, 128, 10], "adam", 1e-3, 0.0, 128, 3),
    # C: lr 0.05 with momentum 0.9 trains well in one epoch (see bench.sh: mlp gets the same).
    "C": ([784, 1024, 1024, 10], "sgd", 0.05, 0.9, 256, 1),
}


def process_start_time():
    """Wall-clock time (s since the epoch) at which this process started."""
    launch = os.environ.get("BENCH_LAUNCH_NS")
    if launch:
        return int(launch) / 1e9
    # /proc/self/stat field 22: start time in clock ticks after boot; /proc/stat btime: boot time.
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    start_ticks = int(fields[19])
    with open("/proc/stat") as f:
        btime = next(int(line.split()[1]) for line in f if line.startswith("btime"))
    return btime + start_ticks / os.sysconf("SC_CLK_TCK")


def read_idx(path, np):
    """Parses a gzip IDX file (ubyte only, which is all MNIST uses) into a numpy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    assert raw[2] == 0x08, f"{path}: only unsigned byte IDX files are supported"
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", required=True, choices=sorted(WORKLOADS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, help="override the workload's epoch count")
    ap.add_argument("--lr", type=float, help="override the workload's learning rate")
    args = ap.parse_args()
    sizes, opt_name, lr, momentum, batch, epochs = WORKLOADS[args.workload]
    epochs = args.epochs or epochs
    lr = args.lr or lr

    # Thread pools must be sized before torch starts them: OpenMP (intra-op, MKL) via the environment.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    t_import0 = time.time()
    import numpy as np
    import torch
    import torch.nn.functional as F
    import_seconds = time.time() - t_import0

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)  # no inter-op parallelism in a sequential MLP step
    torch.manual_seed(args.seed)

    t_data0 = time.time()
    d = args.data
    # Whole training set as one float32 tensor, like a user at their best would keep it.
    x_train = torch.from_numpy(read_idx(f"{d}/train-images-idx3-ubyte.gz", np).reshape(60000, -1).astype(np.float32) / 255.0)
    y_train = torch.from_numpy(read_idx(f"{d}/train-labels-idx1-ubyte.gz", np).astype(np.int64))
    x_test = torch.from_numpy(read_idx(f"{d}/t10k-images-idx3-ubyte.gz", np).reshape(10000, -1).astype(np.float32) / 255.0)
    y_test = torch.from_numpy(read_idx(f"{d}/t10k-labels-idx1-ubyte.gz", np).astype(np.int64))
    data_load_seconds = time.time() - t_data0

    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    # The same initialization as mlp's defaults, so the accuracies compare the training and not
    # the init: He normal (fan_in, gain √2) for the ReLU layers, Xavier uniform for the output
    # layer, zero biases. (PyTorch's own default, kaiming_uniform with a=√5, is about LeCun scale
    # and trains C about 1.5 points worse in one epoch.)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for i, m in enumerate(linears):
            if i < len(linears) - 1:
                torch.nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            else:
                torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    if opt_name == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)

    gen = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    results = []
    first_step_at = None
    train_seconds = 0.0
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        if first_step_at is None:
            first_step_at = time.time()
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            xb = x_train.index_select(0, idx)
            yb = y_train.index_select(0, idx)
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss.detach() * yb.shape[0]
                correct += (logits.argmax(1) == yb).sum()
        seconds = time.perf_counter() - t0
        train_seconds += seconds
        results.append({
            "epoch": epoch,
            "loss": loss_sum.item() / n,
            "accuracy": correct.item() / n,
            "seconds": seconds,
            "samples_per_second": n / seconds,
        })
        print(f"torch {args.workload} t{args.threads} epoch {epoch}: loss {results[-1]['loss']:.4f} "
              f"{seconds:.3f} s", file=sys.stderr)

    # Inference: the 10,000 test images in one forward pass.
    model.eval()
    inference = []
    for _ in range(3):
        t0 = time.perf_counter()
        with torch.no_grad():
            logits = model(x_test)
        inference.append(time.perf_counter() - t0)
        test_loss = F.cross_entropy(logits, y_test).item()
        test_accuracy = (logits.argmax(1) == y_test).float().mean().item()

    print(json.dumps({
        "framework": "pytorch",
        "torch_version": torch.__version__,
        "workload": args.workload,
        "threads": args.threads,
        "torch_threads": torch.get_num_threads(),
        "layers": sizes, "optimizer": opt_name, "lr": lr, "momentum": momentum,
        "batch_size": batch,
        "epochs": results,
        "test_accuracy": test_accuracy,
        "test_loss": test_loss,
        "train_seconds": train_seconds,
        "seconds_per_epoch": train_seconds / epochs,
        "samples_per_second": n * epochs / train_seconds,
        "startup_seconds": first_step_at - process_start_time() - data_load_seconds,
        "script_startup_seconds": first_step_at - T_SCRIPT - data_load_seconds,
        "import_seconds": import_seconds,
        "data_load_seconds": data_load_seconds,
        "inference_seconds": inference[0],
        "inference_seconds_best": min(inference),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
