#!/usr/bin/env python3
"""Checks an ONNX file with the onnx package and runs it with onnxruntime, independently of mlp.

usage: onnx_check.py MODEL.onnx [INPUT] [--batch B] [--limit N] [--threads T] [--no-optimize] [--optimized]
       onnx_check.py MODEL.onnx --csv ROWS.csv[.gz] [--delimiter D] [...]   a table model, on raw rows
       onnx_check.py --jobs JOBS.json [...]   JOBS: [{"model": M, "input": I, "batch": B}, ...] ("csv": F for rows)

Without INPUT: onnx.load + onnx.checker.check_model(full_check=True), then an onnxruntime session is
created; prints the model's description as JSON. With INPUT, also runs the model on it and adds the
outputs, one list per row. INPUT is one of
  a .npy file         a float array [rows, features] (or one row [features])
  an IDX file         raw or gzip (e.g. MNIST images): each item flattened to one row, values as float
  anything else       raw little-endian float32, rows of the model's input width
Rows go through the model in batches of B (default: all at once). An INT8 model quantizes each
batch's activations with one scale, so its outputs depend on how the rows are batched.

With --csv, the model is a table model exported by mlp (one input per column, described by the
metadata's "inputs"): the file is read with the csv module, as a program serving the model would, and
each column goes to its input: a float input takes float(field), NaN for a field that is not a number
(empty, NA, ?); a string input takes the field with its surrounding spaces trimmed (as mlp reads an
unquoted field; "" and the other missing markers are left to the graph); a double (date) input takes
an ISO 8601 date or date-time (2012-01-31, 2012-01-31T13:45:00, 2012-01-31 13:45; no zone: UTC) as
seconds since 1970-01-01T00:00:00Z, NaN when empty or a missing marker. Other columns are left out.
"outputs" is then an object: one list per graph output (label, probabilities or values), NaN as null.

With --jobs, prints a JSON list: one report per job, or {"error": ..., "status": ...} for a job that
failed; the exit status is then 0 unless JOBS itself cannot be read.

Exit status: 0 ok; 1 the model fails to load, check or run; 2 the input cannot be read;
3 onnx or onnxruntime cannot be imported (pip install onnx onnxruntime).
"""
import argparse
import csv
import datetime
import gzip
import io
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


def seconds_since_1970(text):
    """An ISO 8601 date or date-time as seconds since 1970-01-01T00:00:00Z (UTC when no zone is given)."""
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (moment - epoch) / datetime.timedelta(seconds=1)


def read_rows(path, inputs, delimiter):
    """The feeds of a table graph: one [rows, 1] array per graph input, from the CSV columns."""
    try:
        raw = open(path, "rb").read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as e:
        raise Failure(2, f"{path}: {one_line(e)}")
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise Failure(2, f"{path}: is empty, expected a header")
    index = {name.strip(): i for i, name in enumerate(header)}
    missing = [i["column"] for i in inputs if i["column"] not in index]
    if missing:
        raise Failure(2, f"{path}: no column {missing[0]!r}, which the model takes")
    rows = [r for r in reader if r]
    feeds = {}
    for spec in inputs:
        fields = [r[index[spec["column"]]].strip() if index[spec["column"]] < len(r) else "" for r in rows]
        kind = spec["element_type"]
        if kind == "float":
            values = []
            for f in fields:
                try:
                    values.append(float(f))
                except ValueError:
                    values.append(float("nan"))
            feeds[spec["name"]] = np.array(values, dtype=np.float32).reshape(-1, 1)
        elif kind == "string":
            feeds[spec["name"]] = np.array(fields, dtype=object).reshape(-1, 1)
        elif kind == "double":
            values = []
            for line, f in enumerate(fields, start=2):
                if f in ("", "NA", "?"):
                    values.append(float("nan"))
                    continue
                try:
                    values.append(seconds_since_1970(f))
                except ValueError:
                    raise Failure(2, f"{path}: line {line}: {f!r} in column {spec['column']!r} is not an ISO 8601 date")
            feeds[spec["name"]] = np.array(values, dtype=np.float64).reshape(-1, 1)
        else:
            raise Failure(2, f"{path}: input {spec['name']!r} has element type {kind!r}, expected float, string or double")
    return feeds, len(rows)


def to_json(array):
    if array.dtype == object:
        return [str(v) for v in array.tolist()]
    if array.dtype.kind in "iu":
        return array.tolist()
    values = array.astype(np.float64)
    return np.where(np.isnan(values), None, values).tolist()


def check(model_path, input_path=None, batch=0, limit=0, threads=0, optimize=True, optimized=False,
          csv_path=None, delimiter=","):
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
    graph_inputs, graph_outputs = session.get_inputs(), session.get_outputs()
    inp, out = graph_inputs[0], graph_outputs[0]
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
        "graph_inputs": [{"name": i.name, "type": i.type, "shape": i.shape} for i in graph_inputs],
        "graph_outputs": [{"name": o.name, "type": o.type, "shape": o.shape} for o in graph_outputs],
    }
    if optimized_ops is not None:
        report["optimized_operators"] = optimized_ops
    if csv_path is not None:
        try:
            inputs = json.loads(report["metadata"]["inputs"])
        except (KeyError, ValueError):
            raise Failure(2, f"{model_path}: no \"inputs\" in the metadata: not a table model exported by mlp")
        feeds, count = read_rows(csv_path, inputs, delimiter)
        if limit:
            feeds, count = {k: v[:limit] for k, v in feeds.items()}, min(count, limit)
        step = batch or max(count, 1)
        names = [o.name for o in graph_outputs]
        try:
            parts = [session.run(names, {k: v[i:i + step] for k, v in feeds.items()}) for i in range(0, count, step)]
        except Exception as e:
            raise Failure(1, f"{model_path}: onnxruntime failed: {one_line(e)}")
        report["rows"] = count
        report["outputs"] = {name: to_json(np.concatenate([p[k] for p in parts])) if parts else []
                             for k, name in enumerate(names)}
    elif input_path is not None:
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
    parser.add_argument("--csv", help="a table model's raw rows (CSV, or gzip of it)")
    parser.add_argument("--delimiter", default=",", help="the CSV delimiter (default ,)")
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
                reports.append(check(job["model"], job.get("input"), job.get("batch", 0), csv_path=job.get("csv"),
                                     delimiter=job.get("delimiter", ","), **common))
            except Failure as f:
                reports.append({"error": str(f), "status": f.status})
        json.dump(reports, sys.stdout)
        print()
        return 0
    if args.model is None:
        parser.error("give MODEL.onnx [INPUT], or --jobs FILE")
    try:
        json.dump(check(args.model, args.input, args.batch, csv_path=args.csv, delimiter=args.delimiter, **common),
                  sys.stdout)
    except Failure as f:
        print(f"onnx_check: {f}", file=sys.stderr)
        return f.status
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
