"""``safe_load_model``: scan first, load only what the policy lets through."""

from __future__ import annotations

import os
import warnings
from typing import Any, Optional

from ._report import Report, ScanError


class ModelReviewWarning(UserWarning):
    """The model was loaded, but the policy warns on it: embedded code (verdict ``lambda``)
    or custom classes whose code comes from your environment (verdict ``review``)."""


class BlockedModelError(Exception):
    """The model was not loaded because its scan is blocked by the policy.

    ``report`` holds the full :class:`~keras_sentinel.Report`."""

    def __init__(self, report: Report):
        self.report = report
        lines = [f"refused to load {report.path}: verdict {report.verdict}"]
        for f in report.findings[:5]:
            lines.append(f"  {f.code} ({f.severity}) {f.title} at {f.layer or f.location}")
        for e in report.errors[:3]:
            lines.append(f"  error at {e.location}: {e.message}")
        super().__init__("\n".join(lines))


def _loader(backend: str):
    if backend == "keras":
        import keras  # Keras 3

        return keras.saving.load_model
    if backend == "tf.keras":
        import tensorflow as tf

        return tf.keras.models.load_model
    if backend != "auto":
        raise ValueError("loader must be 'auto', 'keras' or 'tf.keras'")
    try:
        import keras

        if int(keras.__version__.split(".")[0]) >= 3:
            return keras.saving.load_model
    except ImportError:
        pass
    import tensorflow as tf

    return tf.keras.models.load_model


def safe_load_model(path: "str | os.PathLike[str]", policy: Any = None, *, loader: str = "auto", **kwargs: Any):
    """Scans ``path`` and, only if the policy does not block it, loads it with
    ``keras.saving.load_model`` (Keras 3) or ``tf.keras.models.load_model`` (tf.keras 2),
    passing ``**kwargs`` through (e.g. ``safe_mode=False`` for a reviewed Lambda model).

    Raises :class:`BlockedModelError` (carrying the report) when the file is blocked:
    with the built-in policy, any ``malicious``, ``suspicious`` or ``error`` verdict; with
    ``policy`` (a :class:`~keras_sentinel.Policy` or a policy file's path), whatever it
    blocks. A file the policy warns on (built-in: ``lambda`` and ``review``) is loaded
    and a :class:`ModelReviewWarning` names its verdict and top finding.
    The scan reads the same path the loader then opens; for a SavedModel directory the
    ``keras_metadata.pb`` and ``saved_model.pb`` inside it are scanned.
    """
    from . import scan

    p = os.fspath(path)
    targets = [p]
    if os.path.isdir(p):
        targets = [os.path.join(p, n) for n in ("keras_metadata.pb", "saved_model.pb") if os.path.exists(os.path.join(p, n))]
        if not targets:
            raise BlockedModelError(
                Report(
                    path=p,
                    format="unknown",
                    verdict="error",
                    findings=[],
                    errors=[ScanError(p, "a directory without keras_metadata.pb or saved_model.pb: nothing a loader reads could be scanned")],
                    stats={},
                )
            )
    for t in targets:
        report = scan(t, policy)
        if report.blocked:
            raise BlockedModelError(report)
        if report.action == "warn":
            warnings.warn(f"loading after a warning: {report.summary()}", ModelReviewWarning, stacklevel=2)
    return _loader(loader)(p, **kwargs)
