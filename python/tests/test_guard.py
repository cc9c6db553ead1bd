"""safe_load_model with REAL Keras 3: a benign model loads, an attack file is refused
before Keras ever sees it (and the marker its payload would create never appears)."""

import json
import os

import pytest

import keras_sentinel
from conftest import REPO, require

ADVERSARIAL = REPO / "crate" / "tests" / "data" / "adversarial"


@pytest.fixture
def keras(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "jax"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    return require("keras")


def test_benign_model_loads(keras, tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    path = tmp_path / "benign.keras"
    model.save(path)
    loaded = keras_sentinel.safe_load_model(path)
    assert [l.name for l in loaded.layers] == ["d"]


def test_policy_blocks_what_it_says(keras, tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2.0, name="double")])
    path = tmp_path / "lambda.keras"
    model.save(path)
    policy = REPO / "cli" / "tests" / "data" / "policy" / "per_severity.toml"  # medium = "block"
    with pytest.raises(keras_sentinel.BlockedModelError) as e:
        keras_sentinel.safe_load_model(path, policy=policy, safe_mode=False)
    assert e.value.report.verdict == "lambda" and e.value.report.action == "block"
    with pytest.warns(keras_sentinel.ModelReviewWarning, match="lambda"):
        loaded = keras_sentinel.safe_load_model(path, safe_mode=False)  # built-in: lambda warns
    assert loaded.layers[-1].name == "double"


def attack_files():
    """Attack fixtures that real Keras 3 was shown to execute (fixtures/adversarial)."""
    m = ADVERSARIAL / "manifest.json"
    if not m.is_file():
        return []
    entries = json.loads(m.read_text())
    entries = entries.get("files", entries.get("fixtures", entries)) if isinstance(entries, dict) else entries
    out = []
    for e in entries:
        name = e.get("name") or e.get("path")
        executes = e.get("executes") or e.get("executed_by") or {}
        ran_in_k3 = any("keras3" in str(k).lower() or "keras 3" in str(k).lower() for k in (executes if isinstance(executes, (list, dict)) else [executes]))
        if e.get("expected") == "malicious" or e.get("verdict") == "malicious":
            if ran_in_k3 and str(name).endswith(".keras"):
                out.append((ADVERSARIAL / name, e))
    return out


def test_attack_file_is_refused_and_never_runs(keras, tmp_path, monkeypatch):
    attacks = attack_files()
    assert attacks, "no Keras-3-verified attack fixture found in crate/tests/data/adversarial"
    monkeypatch.chdir(tmp_path)
    for path, entry in attacks[:5]:
        before = set(os.listdir(tmp_path))
        with pytest.raises(keras_sentinel.BlockedModelError) as e:
            keras_sentinel.safe_load_model(path, safe_mode=False)
        assert e.value.report.verdict in ("malicious", "suspicious")
        assert e.value.report.path == str(path)
        assert set(os.listdir(tmp_path)) == before, "the payload left a file: it ran"
