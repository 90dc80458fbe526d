#!/usr/bin/env python3
"""PyTorch DistributedDataParallel side of `make bench-dist`: workload C on N ranks.

    GLOO_SOCKET_IFNAME=lo torchrun --standalone --nproc_per_node 2 Benchmarks/bench_ddp.py \
        [--data data/mnist] [--seed 1] [--epochs 1] [--bucket-cap-mb 25]

Workload C: 784-1024-1024-10 ReLU, softmax cross-entropy, SGD lr 0.05 momentum 0.9, global batch
256 (each of the N ranks takes a contiguous 256/N share of every global batch), 1 epoch of MNIST.
One thread per rank, gloo backend (over loopback on one machine: GLOO_SOCKET_IFNAME=lo).

Set up the way bench_torch.py sets up the single-process runs, so the two compare: the training set
is a float32 tensor in memory scaled to [0, 1], every rank draws the same permutation from a seeded
generator each epoch, batches are gathered with index_select, and the initialisation is mlp's (He
normal for ReLU layers, Xavier uniform for the output layer, zero biases). DDP broadcasts rank 0's
initial weights and averages the gradients across ranks during backward (buckets of
--bucket-cap-mb MB, PyTorch's default 25: C's 7.4 MB of gradients are then a single bucket).

The epoch time covers the training steps only, from a barrier before the first step to a barrier
after the last, as the slowest rank saw it. Rank 0 then evaluates the test set and prints one JSON
object on stdout; the other ranks print nothing.
"""
import time

T_SCRIPT = time.time()

import argparse
import gzip
import json
import os
import resource
import sys


def read_idx(path, np):
    """Parses a gzip IDX file (unsigned bytes, as MNIST is) into a numpy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert raw[2] == 0x08, f"{path}: only unsigned byte IDX files are supported"
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=256, help="the global batch")
    ap.add_argument("--bucket-cap-mb", type=float, default=25.0)
    args = ap.parse_args()
    sizes, lr, momentum = [784, 1024, 1024, 10], 0.05, 0.9

    # One thread per rank, set before torch starts its pools.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    import numpy as np
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch.nn.parallel import DistributedDataParallel as DDP

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        sys.exit(f"bench_ddp: the global batch {args.batch_size} must divide among {world} ranks")
    share = args.batch_size // world
    torch.manual_seed(args.seed)

    d = args.data
    x_train = torch.from_numpy(read_idx(f"{d}/train-images-idx3-ubyte.gz", np).reshape(60000, -1).astype(np.float32) / 255.0)
    y_train = torch.from_numpy(read_idx(f"{d}/train-labels-idx1-ubyte.gz", np).astype(np.int64))

    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for i, m in enumerate(linears):
            if i < len(linears) - 1:
                torch.nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            else:
                torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    ddp = DDP(model, bucket_cap_mb=args.bucket_cap_mb)
    opt = torch.optim.SGD(ddp.parameters(), lr=lr, momentum=momentum)

    gen = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    epochs = []
    for epoch in range(1, args.epochs + 1):
        ddp.train()
        perm = torch.randperm(n, generator=gen)  # the same on every rank
        loss_sum = torch.zeros(())
        dist.barrier()
        t0 = time.perf_counter()
        for start in range(0, n, args.batch_size):
            batch = perm[start:start + args.batch_size]
            # This rank's contiguous share; the last, short batch is split as evenly as it goes.
            per = (batch.shape[0] + world - 1) // world
            idx = batch[rank * per:(rank + 1) * per]
            xb = x_train.index_select(0, idx)
            yb = y_train.index_select(0, idx)
            loss = F.cross_entropy(ddp(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach() * yb.shape[0]
        dist.barrier()
        mine = time.perf_counter() - t0
        # The epoch took as long as its slowest rank.
        t = torch.tensor([mine])
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        dist.all_reduce(loss_sum)
        epochs.append({"epoch": epoch, "seconds": t.item(), "rank0_seconds": mine if rank == 0 else None,
                       "loss": loss_sum.item() / n})
        if rank == 0:
            print(f"ddp C {world}x1 epoch {epoch}: loss {epochs[-1]['loss']:.4f} {t.item():.3f} s", file=sys.stderr)

    if rank == 0:
        x_test = torch.from_numpy(read_idx(f"{d}/t10k-images-idx3-ubyte.gz", np).reshape(10000, -1).astype(np.float32) / 255.0)
        y_test = torch.from_numpy(read_idx(f"{d}/t10k-labels-idx1-ubyte.gz", np).astype(np.int64))
        model.eval()
        with torch.no_grad():
            logits = model(x_test)
        seconds = sum(e["seconds"] for e in epochs)
        print(json.dumps({
            "framework": "pytorch-ddp",
            "torch_version": torch.__version__,
            "backend": dist.get_backend(),
            "workload": "C",
            "ranks": world,
            "threads_per_rank": torch.get_num_threads(),
            "layers": sizes, "optimizer": "sgd", "lr": lr, "momentum": momentum,
            "batch_size": args.batch_size, "batch_per_rank": share,
            "bucket_cap_mb": args.bucket_cap_mb,
            "epochs": epochs,
            "seconds_per_epoch": seconds / len(epochs),
            "samples_per_second": n * len(epochs) / seconds,
            "test_accuracy": (logits.argmax(1) == y_test).float().mean().item(),
            "test_loss": F.cross_entropy(logits, y_test).item(),
            "peak_rss_bytes_rank0": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }), flush=True)
    # Leave together: a rank that tears gloo down while another still evaluates can abort
    # ("terminate called without an active exception") and torchrun then kills the other.
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
