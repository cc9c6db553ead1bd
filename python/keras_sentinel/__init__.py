"""Keras Sentinel: find the Python code hidden in Keras model files before it runs.

    import keras_sentinel
    report = keras_sentinel.scan("vendor_model.keras")
    print(report.verdict, report.codes)

    model = keras_sentinel.safe_load_model("vendor_model.keras")   # scans, then loads

Nothing is executed, imported or loaded from the scanned file: the native core reads
bytes and reasons about them (the same core as the ``keras-sentinel`` CLI and the
browser page).
"""

from __future__ import annotations

import os
from typing import IO, Iterable, List, Optional, Sequence, Union

from . import _core
from ._report import BLOCKING_VERDICTS, Finding, Location, Report, ScanError
from ._sweep import sweep
from .guard import BlockedModelError, safe_load_model

__all__ = [
    "BLOCKING_VERDICTS",
    "BlockedModelError",
    "Finding",
    "Location",
    "Report",
    "ScanError",
    "safe_load_model",
    "scan",
    "scan_many",
    "sweep",
    "__version__",
]

__version__ = _core.version()

PathLike = Union[str, "os.PathLike[str]"]


def _check_policy(policy: object) -> None:
    # The policy module (per-code actions, allowlists) is not part of the core yet; only
    # the built-in policy of detection-rules.md exists. Refuse rather than ignore one.
    if policy is not None:
        raise NotImplementedError(
            "custom policies are not supported yet; policy=None applies the built-in policy "
            "(block malicious, suspicious and error)"
        )


def scan(
    target: Union[PathLike, bytes, bytearray, memoryview, IO[bytes]],
    policy: None = None,
    *,
    name: Optional[str] = None,
) -> Report:
    """Scans one model.

    ``target`` is a path, the file's bytes, or a binary file object with ``seek``/``read``
    (only the byte ranges the scan needs are read: a few KB of a multi-GB ``.h5``).
    ``name`` is what the report calls the file; its extension matters for formats without
    magic bytes, as it does for the loaders (default: the path or ``<bytes>``).
    """
    _check_policy(policy)
    if isinstance(target, (bytes, bytearray, memoryview)):
        return Report.from_json(_core.scan_bytes(bytes(target), name or "<bytes>"))
    if isinstance(target, (str, os.PathLike)):
        path = os.fspath(target)
        if name is None:
            return Report.from_json(_core.scan_path(path))
        with open(path, "rb") as f:
            return _scan_fileobj(f, name)
    if hasattr(target, "read") and hasattr(target, "seek"):
        return _scan_fileobj(target, name or getattr(target, "name", None) or "<file>")
    raise TypeError(f"cannot scan {type(target).__name__}: pass a path, bytes or a binary file object")


def _scan_fileobj(f: IO[bytes], name: str) -> Report:
    size = f.seek(0, os.SEEK_END)

    def read(offset: int, length: int) -> bytes:
        f.seek(offset)
        return f.read(length)

    return Report.from_json(_core.scan_reader(read, size, str(name)))


def scan_many(paths: Iterable[PathLike], workers: Optional[int] = None, policy: None = None) -> List[Report]:
    """Scans many files on ``workers`` native threads (default: the number of CPUs) with
    the GIL released. Reports come back in the order of ``paths``; a file that cannot be
    opened gets an ``error`` report, never silence."""
    _check_policy(policy)
    ps: Sequence[str] = [os.fspath(p) for p in paths]
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise ValueError("workers must be at least 1")
    return [Report.from_json(t) for t in _core.scan_paths(list(ps), n)]
