import io
import json
import os
import subprocess
import sys

import pytest

import keras_sentinel
from conftest import MODELS, REPO, manifest


@pytest.mark.parametrize("path,verdict", manifest(), ids=lambda v: getattr(v, "name", v))
def test_scan_path_matches_manifest(path, verdict):
    r = keras_sentinel.scan(path)
    assert r.verdict == verdict, r.summary()
    assert r.path == str(path)
    assert isinstance(r.findings, list)


def test_typed_report_carries_the_evidence(fixtures):
    malicious = [p for p, v in fixtures if v == "malicious" and p.suffix == ".keras"]
    assert malicious, "no malicious .keras fixture"
    r = keras_sentinel.scan(malicious[0])
    assert r.blocked
    top = r.findings[0]
    assert top.severity == "critical"
    assert top.code in r.codes
    assert str(top.location)
    d = json.loads(r.to_json())
    assert d["verdict"] == "malicious" and d["findings"][0]["code"] == top.code


def test_bytes_fileobj_and_path_agree(fixtures):
    for path, verdict in fixtures:
        data = path.read_bytes()
        by_bytes = keras_sentinel.scan(data, name=path.name)
        by_file = keras_sentinel.scan(io.BytesIO(data), name=path.name)
        assert by_bytes.verdict == verdict, by_bytes.summary()
        assert by_file.verdict == verdict, by_file.summary()
        assert by_bytes.codes == by_file.codes


def test_file_object_is_read_by_ranges():
    """A large .h5 costs only the ranges the scan needs, through any file object."""
    h5 = next(p for p, v in manifest() if p.suffix == ".h5")
    data = h5.read_bytes() + b"\0" * (64 << 20)  # 64 MiB of trailing weights

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, n=-1):
            b = super().read(n)
            Counting.read_bytes += len(b)
            return b

    f = Counting(data)
    r = keras_sentinel.scan(f, name=h5.name)
    assert r.verdict != "error"
    assert Counting.read_bytes < 1 << 20, Counting.read_bytes
    assert r.stats["bytes_read"] <= Counting.read_bytes


def test_scan_many_keeps_order_and_verdicts(fixtures):
    paths = [p for p, _ in fixtures] + [MODELS / "does-not-exist.keras"]
    reports = keras_sentinel.scan_many(paths, workers=2)
    assert [r.path for r in reports] == [str(p) for p in paths]
    for (p, v), r in zip(fixtures, reports):
        assert r.verdict == v, r.summary()
    assert reports[-1].verdict == "error"
    assert "cannot open" in reports[-1].errors[0].message


POLICIES = REPO / "cli" / "tests" / "data" / "policy"
BENIGN_OPS = MODELS / "keras3" / "benign_ops.keras"


def test_policy_decides_like_the_cli():
    allow = keras_sentinel.Policy.from_file(POLICIES / "allow_lambda.toml")
    r = keras_sentinel.scan(BENIGN_OPS, policy=allow)
    assert r.verdict == "lambda" and r.action == "ignore" and not r.blocked
    assert r.policy["findings"][0]["allowed_by"]["reviewer"] == "ayse"
    strict = POLICIES / "per_severity.toml"  # medium = "block", as a path
    assert keras_sentinel.scan(BENIGN_OPS, policy=strict).blocked
    assert keras_sentinel.scan(BENIGN_OPS.read_bytes(), name="m.keras", policy=strict).blocked
    assert [r.action for r in keras_sentinel.scan_many([BENIGN_OPS], policy=allow)] == ["ignore"]
    # Without a policy: the built-in one (lambda warns).
    assert keras_sentinel.scan(BENIGN_OPS).action == "warn"
    file_allow = keras_sentinel.scan(MODELS / "tf215" / "h5_benign_scale.h5", policy=POLICIES / "allow_file.toml")
    assert file_allow.action == "ignore" and len(file_allow.sha256) == 64


def test_review_verdict_warns_and_non_models_are_errors():
    custom = b'{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "AcmeLayer", "config": {"name": "a", "trainable": true}}]}}'
    r = keras_sentinel.scan(custom, name="custom.json")
    assert r.verdict == "review" and r.action == "warn" and not r.blocked, r.summary()
    assert "KS-CUSTOM-CLASS" in r.codes
    strict = keras_sentinel.Policy('version = 1\n[actions]\nreview = "block"\n', "strict")
    assert keras_sentinel.scan(custom, name="custom.json", policy=strict).blocked
    for text in (b'{"name": "left-pad", "version": "1.3.0"}', b"{}", b"[1, 2]"):
        e = keras_sentinel.scan(text, name="package.json")
        assert e.verdict == "error" and e.blocked, e.summary()
        assert e.errors[0].message.startswith("not a Keras model config")
    assert keras_sentinel.VERDICTS[-1] == "clean" and "review" in keras_sentinel.VERDICTS


def test_malformed_policy_names_line_column_and_key():
    with pytest.raises(ValueError, match=r"line 3, column 1, key actions.critical"):
        keras_sentinel.Policy.from_file(POLICIES / "malformed.toml")
    with pytest.raises(TypeError):
        keras_sentinel.scan(BENIGN_OPS, policy={"block": []})


def test_wrong_target_type():
    with pytest.raises(TypeError):
        keras_sentinel.scan(12345)


def cli(*args, cwd=None):
    return subprocess.run(["keras-sentinel", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_is_the_rust_cli(fixtures):
    malicious = next(p for p, v in fixtures if v == "malicious")
    clean = next(p for p, v in fixtures if v == "clean")
    r = cli("scan", "--format", "json", str(malicious))
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 2 and doc["files"][0]["verdict"] == "malicious"
    assert cli("scan", "--quiet", str(clean)).returncode == 0
    assert cli("scan", "--bogus-flag").returncode == 2
    assert "PAIT-KERAS-101" in cli("rules").stdout
    m = subprocess.run([sys.executable, "-m", "keras_sentinel", "explain", "PAIT-KERAS-101"], capture_output=True, text=True)
    assert m.returncode == 0 and "Malicious code" in m.stdout
    sarif = json.loads(cli("scan", "--format", "sarif", str(malicious)).stdout)
    assert sarif["version"] == "2.1.0"


def test_version_matches_the_core():
    assert keras_sentinel.__version__ == keras_sentinel._core.version()
