#!/usr/bin/env python3
"""Compares the tensors of two safetensors files byte for byte (names, dtypes, shapes, data);
the metadata (which records versions and timings) is not compared. Exit 0 when all are equal."""
import json
import struct
import sys


def tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = (info["dtype"], tuple(info["shape"]), body[start:end])
    return out


def main():
    a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
    if a.keys() != b.keys():
        print(f"different tensors: {sorted(a.keys() ^ b.keys())}")
        return 1
    differ = [k for k in a if a[k] != b[k]]
    for k in differ:
        print(f"{k}: differs ({a[k][0]} {a[k][1]} vs {b[k][0]} {b[k][1]})")
    if not differ:
        print(f"{len(a)} tensors, {sum(len(v[2]) for v in a.values())} bytes: identical")
    return 1 if differ else 0


sys.exit(main())
