#!/usr/bin/env python3
"""Sweep throughput on Ray: files/s with 1 and 2 workers, and bytes read per file
versus file size (issue 13). Run by bench/run.sh with the test venv's Python (which has
the wheel, Ray and fsspec); writes a Markdown section.

The registry is generated: copies of the committed real-producer fixtures
(crate/tests/data/models, 2-60 KB each) in nested folders, plus a few large .h5 files
written with h5py when it is available (a model_config and one big dataset), so the
bytes-read column shows what a multi-MB file costs.
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
MODELS = REPO / "crate" / "tests" / "data" / "models"


def make_registry(root: pathlib.Path, copies: int, big_mib: list) -> int:
    fixtures = [MODELS / f["path"] for f in json.loads((MODELS / "manifest.json").read_text())["fixtures"]]
    fixtures = [p for p in fixtures if p.is_file()]
    n = 0
    for i in range(copies):
        d = root / f"team{i % 5}" / f"run{i}"
        d.mkdir(parents=True)
        for p in fixtures:
            shutil.copy(p, d / f"{n:06d}_{p.name}")
            n += 1
    try:
        import h5py
        import numpy as np
    except ImportError:
        return n
    src = next(p for p in fixtures if p.suffix == ".h5")
    with h5py.File(src, "r") as f:
        config = f.attrs["model_config"]
    for mib in big_mib:
        p = root / "big" / f"model_{mib}MiB.h5"
        p.parent.mkdir(exist_ok=True)
        with h5py.File(p, "w") as f:
            f.attrs["model_config"] = config
            f.attrs["keras_version"] = "2.15.0"
            f.create_dataset("model_weights/w", data=np.zeros((mib, 1 << 18), dtype="float32"))
        n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=60)
    ap.add_argument("--big", default="16,256", help="sizes in MiB of generated large .h5 files")
    ap.add_argument("--markdown", required=True)
    a = ap.parse_args()
    import ray

    import keras_sentinel

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="ks-sweep-bench-"))
    try:
        n = make_registry(tmp / "registry", a.copies, [int(x) for x in a.big.split(",") if x])
        lines = [
            f"{n} files: {a.copies} copies of the {len(json.loads((MODELS / 'manifest.json').read_text())['fixtures'])} "
            f"real-producer fixtures plus large .h5 files of {' and '.join(a.big.split(','))} MiB; local Ray, one CPU per task, "
            "64 files per task; each timed run follows an untimed warm-up sweep (Ray's worker processes start once).",
            "",
            "| workers | files | seconds | files/s |",
            "|---:|---:|---:|---:|",
        ]
        rows = None
        for workers in (1, 2):
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            try:
                warm = tmp / "registry" / "team0" / "run0"
                keras_sentinel.sweep(str(warm), str(tmp / "warm.jsonl"), workers=workers, batch_size=8, progress=False)
                t = time.monotonic()
                out = tmp / f"rows{workers}.jsonl"
                s = keras_sentinel.sweep(str(tmp / "registry"), str(out), workers=workers, batch_size=64, progress=False)
                dt = time.monotonic() - t
            finally:
                ray.shutdown()
            lines.append(f"| {workers} | {s['files']} | {dt:.2f} | {s['files'] / dt:.0f} |")
            rows = [json.loads(l) for l in out.read_text().splitlines()]
        lines += ["", "Bytes read per file versus file size (same run):", "", "| file size | files | mean size | mean bytes read | max bytes read |", "|---|---:|---:|---:|---:|"]
        buckets = [("< 16 KiB", 0, 16 << 10), ("16 KiB – 1 MiB", 16 << 10, 1 << 20), ("≥ 1 MiB", 1 << 20, 1 << 62)]
        for label, lo, hi in buckets:
            b = [r for r in rows if lo <= r["size"] < hi]
            if b:
                lines.append(
                    f"| {label} | {len(b)} | {statistics.mean(r['size'] for r in b):,.0f} | "
                    f"{statistics.mean(r['bytes_read'] for r in b):,.0f} | {max(r['bytes_read'] for r in b):,} |"
                )
        lines.append("")
        lines.append("Verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(s["verdicts"].items())))
        pathlib.Path(a.markdown).write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
