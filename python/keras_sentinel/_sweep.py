"""Registry sweeps on Ray: list a folder or object-store prefix, scan every model file in
Ray tasks reading only the byte ranges the scan needs, write one JSONL (or Parquet) row
per file plus a summary.

    import keras_sentinel
    summary = keras_sentinel.sweep("s3://models/prod/", "sweep.jsonl")

Runs unchanged on a laptop (a local Ray instance is started) and on a cluster
(``address="auto"`` or ``RAY_ADDRESS``). Listing and reading go through fsspec, so any
filesystem fsspec knows works (local paths, ``s3://``, ``gs://``, ``hf://``, ...), given its
fsspec plugin is installed on the workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from ._report import Report

#: The names the CLI scans when it walks a directory (cli/src/walk.rs).
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5", ".json", ".zip")
MODEL_NAMES = ("keras_metadata.pb", "saved_model.pb")


def is_model_name(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name.endswith(MODEL_SUFFIXES) or name.endswith(MODEL_NAMES)


def _list(fs, root: str) -> Tuple[List[Tuple[str, int]], List[Tuple[str, str]]]:
    """(model files with sizes, skipped files with reasons), sorted by path."""
    if fs.isfile(root):
        info = fs.info(root)
        return [(root, int(info.get("size") or 0))], []
    files, skipped = [], []
    for path, info in sorted(fs.find(root, detail=True).items()):
        if info.get("type") != "file":
            continue
        if is_model_name(path):
            files.append((path, int(info.get("size") or 0)))
        else:
            skipped.append((path, "not a model file name"))
    return files, skipped


def scan_one(fs, path: str, size: int, sha256: bool) -> Dict[str, Any]:
    """Scans one file through ranged reads of ``fs``; the row written for it."""
    from . import _core

    row: Dict[str, Any] = {"path": path, "size": size}
    try:
        with fs.open(path, "rb") as f:

            def read(offset: int, length: int) -> bytes:
                f.seek(offset)
                return f.read(length)

            report = Report.from_json(_core.scan_reader(read, size, path))
            if sha256:
                f.seek(0)
                h = hashlib.sha256()
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
                row["sha256"] = h.hexdigest()
    except Exception as e:  # an unreadable file is an error row, never a silent skip
        row.update(verdict="error", codes=[], format="unknown", bytes_read=0, errors=[f"cannot read: {e}"])
        return row
    row.update(
        verdict=report.verdict,
        codes=report.codes,
        format=report.format,
        bytes_read=int(report.stats.get("bytes_read", 0)),
        errors=[f"{e.location}: {e.message}" for e in report.errors],
    )
    return row


def _scan_batch(fs, batch: Sequence[Tuple[str, int]], sha256: bool) -> List[Dict[str, Any]]:
    return [scan_one(fs, p, s, sha256) for p, s in batch]


def _batches(items: Sequence[Tuple[str, int]], size: int) -> Iterator[Sequence[Tuple[str, int]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def sweep(
    source: str,
    out: str,
    *,
    workers: Optional[int] = None,
    sha256: bool = False,
    batch_size: int = 32,
    address: Optional[str] = None,
    storage_options: Optional[Dict[str, Any]] = None,
    progress: bool = True,
) -> Dict[str, Any]:
    """Scans every model file under ``source`` (a path or fsspec URL) with Ray tasks.

    ``out`` receives one row per file: JSON Lines, or Parquet when it ends in
    ``.parquet`` (needs pyarrow). Each row: path, size, verdict, codes, format,
    bytes_read, errors, and sha256 when ``sha256=True`` (that reads whole files).
    ``workers`` caps concurrent tasks (default: Ray's CPU count). The summary (counts per
    verdict, files, bytes, bytes read, seconds) is returned and written to
    ``out + ".summary.json"``.
    """
    import fsspec
    import ray

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    fs, root = fsspec.core.url_to_fs(source, **(storage_options or {}))
    started = time.monotonic()
    files, skipped = _list(fs, root)

    if not ray.is_initialized():
        init: Dict[str, Any] = {"ignore_reinit_error": True, "include_dashboard": False, "log_to_driver": False}
        if address:
            init["address"] = address
        elif workers:
            init["num_cpus"] = workers
        ray.init(**init)
    remote = ray.remote(num_cpus=1)(_scan_batch)
    fs_ref = ray.put(fs)
    limit = workers or max(1, int(ray.available_resources().get("CPU", 1)))

    rows: List[Dict[str, Any]] = []
    pending: list = []
    todo = _batches(files, batch_size)
    counts: Dict[str, int] = {}
    bytes_read = 0
    parquet = out.endswith(".parquet")
    sink = None if parquet else open(out, "w", encoding="utf-8")
    try:
        while True:
            while len(pending) < 2 * limit:
                batch = next(todo, None)
                if batch is None:
                    break
                pending.append(remote.remote(fs_ref, list(batch), sha256))
            if not pending:
                break
            done, pending = ray.wait(pending, num_returns=1)
            for r in ray.get(done[0]):
                counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
                bytes_read += r.get("bytes_read", 0)
                if sink is not None:
                    sink.write(json.dumps(r) + "\n")
                else:
                    rows.append(r)
            if progress:
                n = sum(counts.values())
                print(f"\rkeras-sentinel sweep: {n}/{len(files)} files", end="", file=sys.stderr, flush=True)
    finally:
        if sink is not None:
            sink.close()
    if progress:
        print(file=sys.stderr)
    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows.sort(key=lambda r: r["path"])
        pq.write_table(pa.Table.from_pylist(rows), out)

    summary = {
        "source": source,
        "files": len(files),
        "skipped": len(skipped),
        "verdicts": dict(sorted(counts.items())),
        "bytes": sum(s for _, s in files),
        "bytes_read": bytes_read,
        "seconds": round(time.monotonic() - started, 3),
        "out": out,
    }
    with open(out + ".summary.json", "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
    return summary
