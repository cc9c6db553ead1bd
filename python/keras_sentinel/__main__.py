"""``keras-sentinel`` / ``python -m keras_sentinel``: the CLI, plus ``sweep`` on Ray.

Every command except ``sweep`` is the Rust CLI itself (same options, output and exit
codes), running in this process through the native module.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from . import _core

SWEEP_USAGE = "keras-sentinel sweep SOURCE --out FILE [--workers N] [--sha256] [--address ADDR] [--batch-size N]"


def _sweep(argv: List[str]) -> int:
    p = argparse.ArgumentParser(
        prog="keras-sentinel sweep",
        description="Scan every model file under a folder or object-store prefix on Ray; "
        "one JSONL (or .parquet) row per file plus OUT.summary.json.",
    )
    p.add_argument("source", help="a path or fsspec URL (s3://bucket/prefix, ...)")
    p.add_argument("--out", required=True, help="rows: .jsonl or .parquet")
    p.add_argument("--workers", type=int, default=None, help="concurrent Ray tasks (default: Ray's CPUs)")
    p.add_argument("--sha256", action="store_true", help="also hash each file (reads it whole)")
    p.add_argument("--address", default=None, help="Ray cluster address (default: RAY_ADDRESS or a local Ray)")
    p.add_argument("--batch-size", type=int, default=32, help="files per Ray task")
    a = p.parse_args(argv)
    from ._sweep import sweep

    summary = sweep(
        a.source, a.out, workers=a.workers, sha256=a.sha256, address=a.address, batch_size=a.batch_size
    )
    print(json.dumps(summary, indent=2))
    v = summary["verdicts"]
    if v.get("malicious") or v.get("suspicious"):
        return 1
    if v.get("error"):
        return 2
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "sweep":
        return _sweep(args[1:])
    sys.stdout.flush()
    return int(_core.cli_main(args))


if __name__ == "__main__":
    sys.exit(main())
