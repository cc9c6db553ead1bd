"""Tests of the installed `keras-sentinel` wheel (run by scripts/test-python.sh in a fresh
virtualenv). Fixtures are the repository's own committed model files."""

import json
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
MODELS = REPO / "crate" / "tests" / "data" / "models"


def manifest():
    m = json.loads((MODELS / "manifest.json").read_text())
    return [(MODELS / f["path"], f["verdict"]) for f in m["fixtures"] if (MODELS / f["path"]).is_file()]


@pytest.fixture(scope="session")
def fixtures():
    return manifest()


def require(module: str):
    """Import `module`; under KS_REQUIRE_ALL=1 (CI) a missing one is a failure, not a skip."""
    if os.environ.get("KS_REQUIRE_ALL") == "1":
        return __import__(module)
    return pytest.importorskip(module)
