#!/usr/bin/env python3
"""Checks an ONNX file with the onnx package and runs it with onnxruntime, independently of mlp.

usage: onnx_check.py MODEL.onnx [INPUT] [--batch B] [--limit N] [--threads T] [--no-optimize] [--optimized]
       onnx_check.py --jobs JOBS.json [...]   JOBS: [{"model": M, "input": I, "batch": B}, ...]

Without INPUT: onnx.load + onnx.checker.check_model(full_check=True), then an onnxruntime session is
created; prints the model's description as JSON. With INPUT, also runs the model on it and adds the
outputs, one list per row. INPUT is one of
  a .npy file         a float array [rows, features] (or one row [features])
  an IDX file         raw or gzip (e.g. MNIST images): each item flattened to one row, values as float
  anything else       raw little-endian float32, rows of the model's input width
Rows go through the model in batches of B (default: all at once). An INT8 model quantizes each
batch's activations with one scale, so its outputs depend on how the rows are batched.

With --jobs, prints a JSON list: one report per job, or {"error": ..., "status": ...} for a job that
failed; the exit status is then 0 unless JOBS itself cannot be read.

Exit status: 0 ok; 1 the model fails to load, check or run; 2 the input cannot be read;
3 onnx or onnxruntime cannot be imported (pip install onnx onnxruntime).
"""
import argparse
import gzip
import json
import os
import struct
import sys
import tempfile

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
except ImportError as e:  # the tests skip on this status
    print(f"onnx_check: {e} (pip install numpy onnx onnxruntime)", file=sys.stderr)
    sys.exit(3)

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class Failure(Exception):
    """A one-line reason, with the exit status it stands for."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def one_line(e):
    return " ".join(str(e).split())


def read_idx(path, raw):
    kind, ndims = raw[2], raw[3]
    if kind not in IDX_TYPES or ndims == 0:
        raise Failure(2, f"{path}: IDX type 0x{kind:02x} with {ndims} dimensions is not supported")
    if len(raw) < 4 + 4 * ndims:
        raise Failure(2, f"{path}: IDX header is cut short at byte {len(raw)}")
    dims = struct.unpack(">" + "I" * ndims, raw[4:4 + 4 * ndims])
    dtype = np.dtype(IDX_TYPES[kind])
    count = int(np.prod(dims))
    if len(raw) != 4 + 4 * ndims + count * dtype.itemsize:
        raise Failure(2, f"{path}: IDX dimensions {list(dims)} need {count * dtype.itemsize} data bytes, "
                         f"the file has {len(raw) - 4 - 4 * ndims}")
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndims, count=count)
    return data.reshape(dims[0], -1).astype(np.float32)


def read_input(path, width):
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        raise Failure(2, f"{path}: {e.strerror}")
    if raw[:6] == b"\x93NUMPY":
        try:
            x = np.load(path, allow_pickle=False)
        except ValueError as e:
            raise Failure(2, f"{path}: not a readable .npy file: {one_line(e)}")
        x = np.asarray(x, dtype=np.float32)
        return x.reshape(1, -1) if x.ndim == 1 else x
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise Failure(2, f"{path}: bad gzip data: {one_line(e)}")
        return read_idx(path, raw)
    if len(raw) >= 4 and raw[0] == 0 and raw[1] == 0 and raw[2] in IDX_TYPES and 1 <= raw[3] <= 4:
        return read_idx(path, raw)
    if width is None:
        raise Failure(2, f"{path}: raw float32 input needs a model input with a fixed width")
    if len(raw) % (4 * width) != 0:
        raise Failure(2, f"{path}: {len(raw)} bytes is not a whole number of rows of {width} float32 values")
    return np.frombuffer(raw, dtype="<f4").reshape(-1, width)


def check(model_path, input_path=None, batch=0, limit=0, threads=0, optimize=True, optimized=False):
    """The report for one model (and input), as a dict; raises Failure."""
    try:
        model = onnx.load(model_path)
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:  # the checker's own exception types vary between versions
        raise Failure(1, f"{model_path}: {type(e).__name__}: {one_line(e)}")

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3  # errors only: no warning about saving the optimized graph
    # x86 CPUs without VNNI multiply u8 by s8 with VPMADDUBSW, whose 16-bit pair sums can saturate
    # (255·127·2 > 32767); this makes onnxruntime use exact u8 × u8 products there. Not for s8
    # activations (QuantizeLinear to int8): onnxruntime 1.32 then finds no kernel for the fused node.
    # (QuantizeLinear to uint8, a fixed grid of mlp's static INT8 models, is u8 like the rest.)
    types = {t.name: t.data_type for t in model.graph.initializer}
    if not any(n.op_type == "QuantizeLinear" and len(n.input) > 2 and types.get(n.input[2]) == onnx.TensorProto.INT8
               for n in model.graph.node):
        options.add_session_config_entry("session.x64quantprecision", "1")
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    optimized_ops = None
    try:
        if optimized:  # the nodes onnxruntime runs after its graph optimizations, in order
            with tempfile.TemporaryDirectory() as scratch:
                options.optimized_model_filepath = os.path.join(scratch, "optimized.onnx")
                session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
                optimized_ops = [(n.domain + ":" if n.domain else "") + n.op_type
                                 for n in onnx.load(options.optimized_model_filepath).graph.node]
        else:
            session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise Failure(1, f"{model_path}: onnxruntime cannot load it: {one_line(e)}")
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    width = inp.shape[-1] if isinstance(inp.shape[-1], int) else None

    report = {
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "ir_version": model.ir_version,
        "opset": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "checker": "ok",
        "input": {"name": inp.name, "shape": inp.shape},
        "output": {"name": out.name, "shape": out.shape},
        "metadata": {p.key: p.value for p in model.metadata_props},
        "operators": sorted({n.op_type for n in model.graph.node}),
    }
    if optimized_ops is not None:
        report["optimized_operators"] = optimized_ops
    if input_path is not None:
        x = read_input(input_path, width)
        if limit:
            x = x[:limit]
        if width is not None and x.shape[1] != width:
            raise Failure(2, f"{input_path}: rows of {x.shape[1]} values, the model takes {width}")
        step = batch or max(len(x), 1)
        try:
            parts = [session.run([out.name], {inp.name: x[i:i + step]})[0] for i in range(0, len(x), step)]
        except Exception as e:
            raise Failure(1, f"{model_path}: onnxruntime failed: {one_line(e)}")
        report["rows"] = len(x)
        report["outputs"] = np.concatenate(parts).astype(np.float64).tolist() if parts else []
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", nargs="?")
    parser.add_argument("input", nargs="?")
    parser.add_argument("--batch", type=int, default=0, help="rows per run (default: all)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N rows")
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0: its default)")
    parser.add_argument("--no-optimize", action="store_true", help="disable onnxruntime's graph optimizations")
    parser.add_argument("--optimized", action="store_true",
                        help="also list the operators of onnxruntime's optimized graph")
    parser.add_argument("--jobs", help="a JSON list of {model, input, batch}: one report (or error) each")
    args = parser.parse_args()
    common = dict(limit=args.limit, threads=args.threads, optimize=not args.no_optimize, optimized=args.optimized)

    if args.jobs:
        try:
            jobs = json.load(open(args.jobs))
        except (OSError, ValueError) as e:
            print(f"onnx_check: {args.jobs}: {one_line(e)}", file=sys.stderr)
            return 2
        reports = []
        for job in jobs:
            try:
                reports.append(check(job["model"], job.get("input"), job.get("batch", 0), **common))
            except Failure as f:
                reports.append({"error": str(f), "status": f.status})
        json.dump(reports, sys.stdout)
        print()
        return 0
    if args.model is None:
        parser.error("give MODEL.onnx [INPUT], or --jobs FILE")
    try:
        json.dump(check(args.model, args.input, args.batch, **common), sys.stdout)
    except Failure as f:
        print(f"onnx_check: {f}", file=sys.stderr)
        return f.status
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
