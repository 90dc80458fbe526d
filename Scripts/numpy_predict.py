#!/usr/bin/env python3
"""Reads an mlp model file with safetensors + NumPy and runs the forward pass independently of mlp.

usage: numpy_predict.py MODEL IMAGES.idx[.gz] [LIMIT]   image model: one predicted class per line
       numpy_predict.py MODEL ROWS.csv[.gz] [LIMIT]     table model: one label, or the target values, per line

Dense weights are stored [out, in] (PyTorch nn.Linear layout), so a layer is x @ W.T + b.
Every architecture token is handled, so any model mlp writes can be cross-checked. A table model
(format 2) carries its preprocessing as JSON in the metadata ("input", "target"): numeric columns
standardized, categorical ones one-hot over the listed categories (unseen: all zeros), missing values
(empty, NA, ?) filled with "impute"; the regression outputs are brought back to the target's units.
"""
import csv
import gzip
import io
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
        rest = ":".join(p for p in rest.split(":") if not p.startswith("maxnorm="))  # training only
        if head.isdigit():
            x = act(rest, x @ tensors[f"layers.{i}.weight"].T + tensors[f"layers.{i}.bias"])
        elif head == "batchnorm":
            mean, var = tensors[f"layers.{i}.running_mean"], tensors[f"layers.{i}.running_var"]
            x = tensors[f"layers.{i}.weight"] * (x - mean) / np.sqrt(var + 1e-5) + tensors[f"layers.{i}.bias"]
        elif head != "dropout":  # dropout is the identity at inference
            x = act(token, x)
    return x


def encode_table(spec, path, limit):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=spec["delimiter"]))
    header, rows = rows[0], [r for r in rows[1:] if r][:limit]
    columns = []
    for c in spec["columns"]:
        values = [r[header.index(c["name"])].strip() for r in rows]
        missing = [v in ("", "NA", "?") for v in values]
        if c["type"] == "numeric":
            x = np.array([c["impute"] if m else float(v) for v, m in zip(values, missing)], dtype=np.float32)
            columns.append(((x - np.float32(c["mean"])) / np.float32(c["std"]))[:, None])
        else:
            filled = [c["impute"] if m else v for v, m in zip(values, missing)]
            columns.append(np.array([[1.0 if v == cat else 0.0 for cat in c["categories"]] for v in filled], dtype=np.float32))
    return np.concatenate(columns, axis=1)


def main():
    model, data = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    tensors = load_file(model)
    with safe_open(model, framework="numpy") as f:
        meta = f.metadata()
    if "input" in meta:  # a table model
        out = forward(tensors, meta, encode_table(json.loads(meta["input"]), data, limit))
        target = json.loads(meta["target"])
        if target["kind"] == "classes":
            for k in out.argmax(axis=1):
                print(target["labels"][k])
        else:
            for row in out * np.array(target["std"], dtype=np.float32) + np.array(target["mean"], dtype=np.float32):
                print(",".join(repr(float(v)) for v in row))
        return
    x = read_idx(data)[:limit].reshape(-1, int(meta["input_features"])).astype(np.float32)
    logits = forward(tensors, meta, x * np.float32(meta["input_scale"]))
    for k in logits.argmax(axis=1):
        print(k)


if __name__ == "__main__":
    main()
