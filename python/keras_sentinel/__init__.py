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
from ._report import BLOCKING_VERDICTS, VERDICTS, WARNING_VERDICTS, Finding, Location, Report, ScanError
from ._sweep import sweep
from .guard import BlockedModelError, ModelReviewWarning, safe_load_model

__all__ = [
    "BLOCKING_VERDICTS",
    "BlockedModelError",
    "ModelReviewWarning",
    "Policy",
    "Finding",
    "Location",
    "Report",
    "ScanError",
    "safe_load_model",
    "scan",
    "scan_many",
    "sweep",
    "VERDICTS",
    "WARNING_VERDICTS",
    "__version__",
]

__version__ = _core.version()

PathLike = Union[str, "os.PathLike[str]"]


class Policy:
    """A policy file (docs/policy.md): actions per severity and code, allowlists by file
    and lambda SHA-256, trusted modules, extra sinks. Parsed by the native core, the same
    code as ``keras-sentinel scan --policy`` and the page; a malformed file raises
    ``ValueError`` naming its line, column and key."""

    def __init__(self, text: str, name: str = "policy"):
        self.text = text
        self.name = name
        _core.check_policy(text, name)  # parse now: fail early

    @classmethod
    def from_file(cls, path: PathLike) -> "Policy":
        p = os.fspath(path)
        with open(p, encoding="utf-8") as f:
            return cls(f.read(), os.path.basename(p))

    def __repr__(self) -> str:
        return f"Policy({self.name!r})"


def _policy(policy: object):
    """(text, name) for the core, or None for the built-in policy."""
    if policy is None:
        return None
    if isinstance(policy, Policy):
        return (policy.text, policy.name)
    if isinstance(policy, (str, os.PathLike)):
        p = Policy.from_file(policy)
        return (p.text, p.name)
    raise TypeError("policy must be a keras_sentinel.Policy, a path to a policy file, or None")


def scan(
    target: Union[PathLike, bytes, bytearray, memoryview, IO[bytes]],
    policy: "Policy | PathLike | None" = None,
    *,
    name: Optional[str] = None,
) -> Report:
    """Scans one model.

    ``target`` is a path, the file's bytes, or a binary file object with ``seek``/``read``
    (only the byte ranges the scan needs are read: a few KB of a multi-GB ``.h5``).
    ``policy`` (a :class:`Policy` or a path to a policy file) adds an action to every
    finding and to the file (``report.action``); without one the built-in policy decides
    ``report.blocked``.
    ``name`` is what the report calls the file; its extension matters for formats without
    magic bytes, as it does for the loaders (default: the path or ``<bytes>``).
    """
    pol = _policy(policy)
    if isinstance(target, (bytes, bytearray, memoryview)):
        return Report.from_json(_core.scan_bytes(bytes(target), name or "<bytes>", pol))
    if isinstance(target, (str, os.PathLike)):
        path = os.fspath(target)
        if name is None:
            return Report.from_json(_core.scan_path(path, pol))
        with open(path, "rb") as f:
            return _scan_fileobj(f, name, pol)
    if hasattr(target, "read") and hasattr(target, "seek"):
        return _scan_fileobj(target, name or getattr(target, "name", None) or "<file>", pol)
    raise TypeError(f"cannot scan {type(target).__name__}: pass a path, bytes or a binary file object")


def _scan_fileobj(f: IO[bytes], name: str, policy=None) -> Report:
    size = f.seek(0, os.SEEK_END)

    def read(offset: int, length: int) -> bytes:
        f.seek(offset)
        return f.read(length)

    return Report.from_json(_core.scan_reader(read, size, str(name), policy))


def scan_many(
    paths: Iterable[PathLike], workers: Optional[int] = None, policy: "Policy | PathLike | None" = None
) -> List[Report]:
    """Scans many files on ``workers`` native threads (default: the number of CPUs) with
    the GIL released. Reports come back in the order of ``paths``; a file that cannot be
    opened gets an ``error`` report, never silence."""
    pol = _policy(policy)
    ps: Sequence[str] = [os.fspath(p) for p in paths]
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise ValueError("workers must be at least 1")
    return [Report.from_json(t) for t in _core.scan_paths(list(ps), n, pol)]
