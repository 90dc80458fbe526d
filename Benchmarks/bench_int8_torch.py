#!/usr/bin/env python3
"""PyTorch's side of the INT8 inference benchmark: the same trained mlp model and MNIST test
images as int8-bench, in fp32 and through torch.ao.quantization.quantize_dynamic.

    bench_int8_torch.py --model c.safetensors --data data/mnist [--batch 1000] [--threads 1,2] [--runs 7]

Modes: fp32 = the float nn.Sequential; dynamic = quantize_dynamic with its default qconfig (per-tensor
int8 weights, the most common use); dynamic_pc = the per-channel dynamic qconfig (one weight scale per
output unit, as mlp's INT8 model). Both quantize activations per batch to quint8 (fbgemm on x86).
For each thread count: a warm-up pass of every mode, then --runs rounds timing one pass of every mode in
turn, each pass all test images in batches of --batch under torch.inference_mode(). Prints one JSON
object per (threads, mode) on stdout, as int8-bench does, and a readable table on stderr.

The model file is read directly (safetensors is an 8-byte header length, a JSON header, raw data),
so nothing beyond torch and numpy is needed.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            sys.exit(f"bench_int8_torch: {path}: tensor {name} is {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[base + begin : base + end], dtype="<f4").reshape(info["shape"]).copy()
    return tensors, meta


ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": lambda: nn.GELU(approximate="tanh"),
    "swish": nn.SiLU,
    "silu": nn.SiLU,
}


def activation(token):
    name, _, arg = token.partition(":")
    if name in ("leaky_relu", "leakyrelu", "lrelu"):
        return nn.LeakyReLU(float(arg) if arg else 0.01)
    if name in ("linear", "none", "identity"):
        return None
    if name not in ACTIVATIONS:
        sys.exit(f"bench_int8_torch: activation '{token}' is not supported here")
    return ACTIVATIONS[name]()


def build(path):
    """The model as nn.Sequential: layers.I.* tensors, architecture from the metadata."""
    tensors, meta = read_safetensors(path)
    width = int(meta["input_features"])
    modules = []
    for i, token in enumerate(meta["architecture"].split(",")):
        head, _, rest = token.partition(":")
        if head.isdigit():
            units = int(head)
            lin = nn.Linear(width, units)
            lin.weight.data = torch.from_numpy(tensors[f"layers.{i}.weight"])
            lin.bias.data = torch.from_numpy(tensors[f"layers.{i}.bias"])
            modules.append(lin)
            if rest:
                act = activation(rest)
                if act is not None:
                    modules.append(act)
            width = units
        elif head in ("batchnorm", "bn", "batch_norm"):
            bn = nn.BatchNorm1d(width)
            for name, attr in (("weight", "weight"), ("bias", "bias"), ("running_mean", "running_mean"), ("running_var", "running_var")):
                getattr(bn, attr).data = torch.from_numpy(tensors[f"layers.{i}.{name}"])
            modules.append(bn)
        elif head == "dropout":
            continue
        else:
            act = activation(token)
            if act is not None:
                modules.append(act)
    return nn.Sequential(*modules).eval(), float(meta["input_scale"]), meta["architecture"], int(meta["input_features"])


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data, name):
    for suffix in (".gz", ""):
        if os.path.exists(os.path.join(data, name + suffix)):
            return os.path.join(data, name + suffix)
    sys.exit(f"bench_int8_torch: {data}/{name}[.gz]: no such file")


def main():
    # torch 2.13 deprecates torch.ao.quantization (moving to torchao), but quantize_dynamic is the peer
    # compared against.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
    warnings.filterwarnings("ignore", message=".*quantize_per_channel.*")
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--modes", default="fp32,dynamic,dynamic_pc")
    a = ap.parse_args()

    model, scale, arch, features = build(a.model)
    images = read_idx(find(a.data, "t10k-images-idx3-ubyte"))
    labels = torch.from_numpy(read_idx(find(a.data, "t10k-labels-idx1-ubyte")).astype(np.int64))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) * np.float32(scale))
    if x.shape[1] != features:
        sys.exit(f"bench_int8_torch: the model takes {features} inputs, the images have {x.shape[1]}")
    batches = list(torch.split(x, a.batch))

    qdefault = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    qchannel = torch.ao.quantization.quantize_dynamic(
        model, {nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}, dtype=torch.qint8)
    models = {"fp32": model, "dynamic": qdefault, "dynamic_pc": qchannel}
    modes = a.modes.split(",")
    for m in modes:
        if m not in models:
            sys.exit(f"bench_int8_torch: unknown mode '{m}' (fp32, dynamic, dynamic_pc)")

    sizes = [features] + [m.out_features for m in model if isinstance(m, nn.Linear)]
    network = "-".join(map(str, sizes))
    print(f"bench_int8_torch: torch {torch.__version__}, quantized engine {torch.backends.quantized.engine}, "
          f"{network} ({arch}), {len(x)} images, batches of {a.batch}", file=sys.stderr)

    def run(m):
        t0 = time.perf_counter()
        with torch.inference_mode():
            outs = [m(b) for b in batches]
        t = time.perf_counter() - t0
        acc = (torch.cat(outs).argmax(1) == labels).double().mean().item()
        return t, acc

    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        for m in modes:
            run(models[m])  # warm-up
        times = {m: [] for m in modes}
        accuracy = {}
        for _ in range(a.runs):
            for m in modes:
                t, acc = run(models[m])
                times[m].append(t)
                accuracy[m] = acc
        print(f"\nthreads {threads}        median s    min s    max s  accuracy", file=sys.stderr)
        for m in modes:
            t = times[m]
            print(f"  {m:<11} {statistics.median(t):8.4f} {min(t):8.4f} {max(t):8.4f}  {accuracy[m]:.4f}", file=sys.stderr)
            print(json.dumps({"engine": "torch", "network": network, "threads": threads, "mode": m,
                              "median_s": statistics.median(t), "min_s": min(t), "max_s": max(t),
                              "accuracy": accuracy[m], "runs": len(t), "torch": torch.__version__}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
