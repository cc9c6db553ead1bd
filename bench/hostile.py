#!/usr/bin/env python3
"""Hostile inputs: time and peak memory of one CLI process per crafted file (issue 10).

Sets: the parser cases (fixtures/parsers: zip, JSON/protobuf, HDF5, each confirmed with
Python's own readers), the fuzz regressions, the rule fixtures' corner cases, and
libhdf5's CVE reproducers (../shared/corpus/hdf5-cve) when present. Each file is scanned
by a separate release CLI process under GNU time; the table gives the worst wall time
and peak RSS per set and how the verdicts fell.
"""

import argparse
import collections
import json
import os
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
SETS = [
    ("parser cases: zip", ROOT / "crate/tests/data/parsers/zip"),
    ("parser cases: JSON / protobuf", ROOT / "crate/tests/data/parsers/json_pb"),
    ("parser cases: HDF5", ROOT / "crate/tests/data/parsers/hdf5"),
    ("fuzz regressions", ROOT / "crate/tests/data/fuzz-regressions"),
    ("corner cases", ROOT / "crate/tests/data/models/corner"),
    ("libhdf5 CVE reproducers", ROOT.parent / "shared/corpus/hdf5-cve"),
]


def measure(cli, path):
    with tempfile.NamedTemporaryFile("r") as t:
        r = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", t.name, cli, "scan", "--quiet", "--format", "json", str(path)],
            capture_output=True, text=True,
        )
        secs, kib = t.read().split()[-2:]
    verdict = json.loads(r.stdout)["files"][0]["verdict"] if r.stdout.strip() else "no report"
    return float(secs), int(kib) / 1024, verdict


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(ROOT / "target/release/keras-sentinel"))
    ap.add_argument("--markdown", required=True)
    a = ap.parse_args()
    lines = ["One release CLI process per file under GNU time (wall seconds, peak RSS).", "",
             "| set | files | worst time s | worst peak RSS MiB | verdicts |", "|---|---:|---:|---:|---|"]
    for name, d in SETS:
        if not d.is_dir():
            lines.append(f"| {name} | absent ({d}) | | | |")
            continue
        files = sorted(p for p in d.rglob("*") if p.is_file() and p.name != "expected.json" and p.suffix != ".md")
        worst_t, worst_m, verdicts = 0.0, 0.0, collections.Counter()
        for p in files:
            t, m, v = measure(a.cli, p)
            worst_t, worst_m = max(worst_t, t), max(worst_m, m)
            verdicts[v] += 1
        vs = ", ".join(f"{k} {n}" for k, n in sorted(verdicts.items()))
        lines.append(f"| {name} | {len(files)} | {worst_t:.2f} | {worst_m:.1f} | {vs} |")
    pathlib.Path(a.markdown).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
