#!/usr/bin/env python3
"""Reads an mlp model file with safetensors + NumPy and runs the forward pass independently of mlp.

usage: numpy_predict.py MODEL IMAGES.idx[.gz] [LIMIT] [--levels 255|127]   image model: one predicted class per line
       numpy_predict.py MODEL ROWS.csv[.gz] [LIMIT] [--levels 255|127]     table model: one label, or the target values, per line

Dense weights are stored [out, in] (PyTorch nn.Linear layout), so a layer is x @ W.T + b.
An INT8 model (mlp quantize; metadata "quantization") stores them as int8 q with a float32 scale per
output unit (W = weight_scale[:, None] * q); this script then does mlp's INT8 arithmetic itself, in
batches of 1000 as mlp does: each dense layer's input quantized to u8 levels 0..Q (Q = --levels:
255, or 127 where mlp's `--version` says so) in a grid of the batch's own range (dynamic) or of the
stored input_range (static), an image model's first layer taking its pixel bytes as they are; exact
integer sums; then float32 (sum * scale) * input_scale + bias.
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


def grid(lo, hi, levels):
    """mlp's u8 grid for values in [lo, hi] (widened to hold 0), in float32: (scale, zero point)."""
    lo, hi, top = np.float32(min(lo, 0)), np.float32(max(hi, 0)), np.float32(levels)
    if not (hi > lo and np.isfinite(hi - lo)):
        return np.float32(1), np.float32(0)
    s = np.float32((hi - lo) / top)
    return s, np.float32(min(max(np.rint(np.float32(-lo / s)), 0), top))


def quantize(x, s, z, levels):
    """round(x * (1/s) + z) to even, clamped to [0, levels]: u8 levels as int32."""
    t = x.astype(np.float32) * np.float32(1 / s) + z
    return np.clip(np.rint(t), 0, levels).astype(np.int32)


def int8_dense(tensors, i, x, pixels, scale, static, levels):
    """One INT8 dense layer on a batch: the input's u8 levels and grid, integer sums, float epilogue."""
    q8 = tensors[f"layers.{i}.weight"].astype(np.int32)
    if pixels is not None:  # an image model's first layer: the bytes are the levels
        if levels >= 255:
            qx, s, z = pixels.astype(np.int32), np.float32(scale), np.float32(0)
        else:
            qx, s, z = np.minimum(np.rint(pixels / 2), levels).astype(np.int32), np.float32(2) * scale, np.float32(0)
    else:
        lo, hi = tensors[f"layers.{i}.input_range"] if static else (x.min(initial=0), x.max(initial=0))
        s, z = grid(lo, hi, levels)
        qx = quantize(x, s, z, levels)
    sums = (qx - int(z)) @ q8.T
    return (sums.astype(np.float32) * tensors[f"layers.{i}.weight_scale"]) * s + tensors[f"layers.{i}.bias"]


def forward(tensors, meta, x, pixels=None, levels=255):
    if "quantization" in meta and len(x) > 1000:  # mlp quantizes each batch of 1000 on its own
        return np.concatenate([forward(tensors, meta, x[b:b + 1000], None if pixels is None else pixels[b:b + 1000], levels)
                               for b in range(0, len(x), 1000)])
    static = "quantization" in meta and json.loads(meta["quantization"])["activations"] == "static"
    for i, token in enumerate(meta["architecture"].split(",")):
        head, _, rest = token.partition(":")
        rest = ":".join(p for p in rest.split(":") if not p.startswith("maxnorm="))  # training only
        if head.isdigit() and tensors[f"layers.{i}.weight"].dtype == np.int8:
            first = pixels if i == 0 else None
            x = act(rest, int8_dense(tensors, i, x, first, np.float32(meta.get("input_scale", 1)), static, levels))
        elif head.isdigit():
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
    args, levels = sys.argv[1:], 255
    if "--levels" in args:
        k = args.index("--levels")
        levels = int(args[k + 1])
        del args[k:k + 2]
    model, data = args[0], args[1]
    limit = int(args[2]) if len(args) > 2 else None
    tensors = load_file(model)
    with safe_open(model, framework="numpy") as f:
        meta = f.metadata()
    if "input" in meta:  # a table model
        out = forward(tensors, meta, encode_table(json.loads(meta["input"]), data, limit), levels=levels)
        target = json.loads(meta["target"])
        if target["kind"] == "classes":
            for k in out.argmax(axis=1):
                print(target["labels"][k])
        else:
            for row in out * np.array(target["std"], dtype=np.float32) + np.array(target["mean"], dtype=np.float32):
                print(",".join(repr(float(v)) for v in row))
        return
    pixels = read_idx(data)[:limit].reshape(-1, int(meta["input_features"]))
    logits = forward(tensors, meta, pixels.astype(np.float32) * np.float32(meta["input_scale"]), pixels, levels)
    for k in logits.argmax(axis=1):
        print(k)


if __name__ == "__main__":
    main()
