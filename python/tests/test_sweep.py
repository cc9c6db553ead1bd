"""Registry sweep on a local Ray cluster over a few thousand files: the same verdicts as
the core's scan of the same files, and bytes read per file far below file size."""

import json
import shutil

from conftest import manifest, require

import keras_sentinel


def test_sweep_matches_scan_on_thousands_of_files(tmp_path):
    ray = require("ray")
    require("fsspec")
    src = tmp_path / "registry"
    fixtures = manifest()
    n = 0
    for i in range(40):  # 40 copies of every fixture, in nested folders
        d = src / f"team{i % 7}" / f"batch{i}"
        d.mkdir(parents=True)
        for p, _ in fixtures:
            shutil.copy(p, d / f"{n:05d}_{p.name}")
            n += 1
    (src / "README.txt").write_text("not a model")
    assert n >= 2000
    out = tmp_path / "rows.jsonl"
    try:
        summary = keras_sentinel.sweep(str(src), str(out), workers=2, batch_size=64, progress=False)
    finally:
        ray.shutdown()
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert summary["files"] == n == len(rows)
    assert summary["skipped"] == 1
    by_path = {r["path"]: r for r in rows}
    paths = sorted(by_path)
    expected = keras_sentinel.scan_many(paths, workers=2)
    for r in expected:
        row = by_path[r.path]
        assert row["verdict"] == r.verdict, (r.path, row)
        assert row["codes"] == r.codes
    assert sum(summary["verdicts"].values()) == n
    assert summary["bytes_read"] <= summary["bytes"]
    assert json.loads((tmp_path / "rows.jsonl.summary.json").read_text())["files"] == n


def test_sweep_hashes_when_asked(tmp_path):
    import hashlib

    ray = require("ray")
    require("fsspec")
    p, _ = manifest()[0]
    shutil.copy(p, tmp_path / p.name)
    out = tmp_path / "rows.jsonl"
    try:
        keras_sentinel.sweep(str(tmp_path), str(out), workers=1, sha256=True, progress=False)
    finally:
        ray.shutdown()
    row = json.loads(out.read_text().splitlines()[0])
    assert row["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()


def test_sweep_writes_parquet(tmp_path):
    ray = require("ray")
    require("fsspec")
    require("pyarrow")
    import pyarrow.parquet as pq
    fixtures = manifest()[:12]
    for p, _ in fixtures:
        shutil.copy(p, tmp_path / p.name)
    out = tmp_path / "rows.parquet"
    try:
        summary = keras_sentinel.sweep(str(tmp_path), str(out), workers=1, progress=False)
    finally:
        ray.shutdown()
    table = pq.read_table(out).to_pylist()
    assert len(table) == summary["files"] == len({p.name for p, _ in fixtures})
    by_name = {r["path"].rsplit("/", 1)[-1]: r for r in table}
    for p, verdict in fixtures:
        assert by_name[p.name]["verdict"] == verdict
