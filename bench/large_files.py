#!/usr/bin/env python3
"""Bytes read and time to verdict on large models: generated 1 GB and 5 GB .h5 and .keras.

Each file is a real Keras-shaped model (a legacy .h5 with a `model_config` holding a
Lambda, weights in `model_weights`; a .keras zip with config.json, metadata.json and
model.weights.h5 stored uncompressed, zip64 for the 5 GB one) padded with a weight
dataset of the target size. The scanner should read only the metadata.

Needs h5py and numpy (bench/run.sh installs them into its virtualenv). Files are kept in
--dir between runs. Usage: large_files.py [--sizes 1,5] [--peers] [--markdown FILE]
"""
import argparse
import json
import os
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GIB = 1 << 30

# marshal of `lambda x: x / 255.0 - 0.5` compiled (not called) by CPython 3.11.7.
LAMBDA_B64 = ("4wEAAAAAAAAAAAAAAAIAAAADAAAA8xIAAACXAHwAZAF6CwAAZAJ6CgAAUwApA05nAAAAAADgb0Bn\n"
              "AAAAAAAA4D+pACkB2gF4cwEAAAAg+gg8c3RyaW5nPvoIPGxhbWJkYT5yBQAAAAEAAABzDgAAAIAA\n"
              "iCGIZYkpkGOJL4AA8wAAAAA=\n")


def config(name):
    return {"class_name": "Sequential", "config": {"name": name, "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "input_1"}},
        {"class_name": "Lambda", "config": {"name": "lambda", "trainable": True, "dtype": "float32",
                                            "function": [LAMBDA_B64, None, None], "function_type": "lambda",
                                            "module": "__main__", "output_shape": None, "output_shape_type": "raw",
                                            "output_shape_module": None, "arguments": {}}}]}}


def write_h5(path, size, with_config=True):
    import h5py
    import numpy as np
    n = size // 4
    with h5py.File(path, "w") as f:
        if with_config:
            f.attrs["model_config"] = json.dumps(config("big")).encode()
            f.attrs["keras_version"] = "2.15.0"
            f.attrs["backend"] = "tensorflow"
        g = f.create_group("model_weights").create_group("dense").create_group("dense")
        d = g.create_dataset("kernel:0", shape=(n,), dtype="float32")
        step = 16 << 20
        block = np.zeros(step, dtype="float32")
        for a in range(0, n, step):
            b = min(n, a + step)
            d[a:b] = block[: b - a]


def write_keras(path, size, tmpdir):
    weights = os.path.join(tmpdir, f"weights-{size // GIB}g.h5")
    if not os.path.exists(weights):
        write_h5(weights, size, with_config=False)
    k3 = {"module": "keras", "class_name": "Sequential", "registered_name": None, "config": {"name": "big", "layers": [
        {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
         "config": {"name": "lambda", "trainable": True,
                    "function": {"class_name": "__lambda__", "config": {"code": LAMBDA_B64, "defaults": None, "closure": None}},
                    "arguments": {}}}]}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "2026-01-01"}))
        z.writestr("config.json", json.dumps(k3))
        z.write(weights, "model.weights.h5")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/ks-large")
    ap.add_argument("--sizes", default="1,5")
    ap.add_argument("--cli", default=os.path.join(ROOT, "target", "release", "keras-sentinel"))
    ap.add_argument("--peers", action="store_true")
    ap.add_argument("--peer-bin", default="/tmp/ks-peers/bin")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    rows = ["| file | size | tool | verdict | time s | bytes read | peak RSS MiB |", "|---|---|---|---|---|---|---|"]
    for gb in [int(s) for s in args.sizes.split(",")]:
        for kind in ("h5", "keras"):
            path = os.path.join(args.dir, f"model-{gb}g.{kind}")
            if not os.path.exists(path):
                print(f"generating {path}", file=sys.stderr)
                (write_h5(path, gb * GIB) if kind == "h5" else write_keras(path, gb * GIB, args.dir))
            size = os.path.getsize(path)
            out, dt, rss = measure.run([args.cli, "scan", "--format", "json", "--quiet", path])
            f = json.loads(out)["files"][0]
            rows.append(f"| {os.path.basename(path)} | {size / GIB:.2f} GiB | keras-sentinel | {f['verdict']} | {dt:.3f} "
                        f"| {f['stats']['bytes_read']:,} ({f['stats']['reads']} reads) | {rss:.0f} |")
            if args.peers and gb == 1:
                _, dt, rss = measure.run([os.path.join(args.peer_bin, "modelscan"), "scan", "-p", path, "-r", "json", "-l", "CRITICAL"])
                rows.append(f"| {os.path.basename(path)} | {size / GIB:.2f} GiB | modelscan | – | {dt:.2f} | – | {rss:.0f} |")
                env = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1")
                _, dt, rss = measure.run([os.path.join(args.peer_bin, "modelaudit"), "scan", "--format", "json", "--no-cache", "-q", path], env)
                rows.append(f"| {os.path.basename(path)} | {size / GIB:.2f} GiB | modelaudit | – | {dt:.2f} | – | {rss:.0f} |")
    text = "\n".join(rows) + "\n"
    print(text)
    if args.markdown:
        open(args.markdown, "w").write(text)


if __name__ == "__main__":
    main()
