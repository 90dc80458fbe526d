#!/usr/bin/env python3
"""Reads an mlp model file with safetensors + NumPy and runs the forward pass independently of mlp.

usage: numpy_predict.py MODEL IMAGES.idx[.gz] [LIMIT]   prints one predicted class per line

Dense weights are stored [out, in] (PyTorch nn.Linear layout), so a layer is x @ W.T + b.
Every architecture token is handled, so any model mlp writes can be cross-checked.
"""
import gzip
import json
import struct
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def read_idx(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndims = raw[3]
    dims = struct.unpack(">" + "I" * ndims, raw[4:4 + 4 * ndims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def act(name, z):
    kind, _, arg = name.partition(":")
    if kind == "relu":
        return np.maximum(z, 0)
    if kind == "leaky_relu":
        return np.where(z > 0, z, float(arg or 0.01) * z)
    if kind == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if kind == "tanh":
        return np.tanh(z)
    if kind == "gelu":  # tanh approximation, as mlp
        return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)))
    if kind in ("swish", "silu"):
        return z / (1 + np.exp(-z))
    return z  # linear


def forward(tensors, meta, x):
    for i, token in enumerate(meta["architecture"].split(",")):
        head, _, rest = token.partition(":")
        if head.isdigit():
            x = act(rest, x @ tensors[f"layers.{i}.weight"].T + tensors[f"layers.{i}.bias"])
        elif head == "batchnorm":
            mean, var = tensors[f"layers.{i}.running_mean"], tensors[f"layers.{i}.running_var"]
            x = tensors[f"layers.{i}.weight"] * (x - mean) / np.sqrt(var + 1e-5) + tensors[f"layers.{i}.bias"]
        elif head != "dropout":  # dropout is the identity at inference
            x = act(token, x)
    return x


def main():
    model, images = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    tensors = load_file(model)
    with safe_open(model, framework="numpy") as f:
        meta = f.metadata()
    x = read_idx(images)[:limit].reshape(-1, int(meta["input_features"])).astype(np.float32)
    logits = forward(tensors, meta, x * np.float32(meta["input_scale"]))
    for k in logits.argmax(axis=1):
        print(k)


if __name__ == "__main__":
    main()
