"""The JSON report validates against the committed schema (docs/report.schema.json): the
CLI's output on every fixture (and the wild corpus when ../shared is there), with and
without a policy, and the Python package's reports."""

import json
import sys
import os
import subprocess

from conftest import MODELS, REPO, require

import keras_sentinel

SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())
WILD = REPO.parent / "shared" / "corpus" / "wild"


def validator():
    jsonschema = require("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


def cli_json(*args):
    r = subprocess.run(["keras-sentinel", "scan", "--quiet", "--format", "json", *args], capture_output=True, text=True)
    assert r.returncode in (0, 1, 2), r.stderr
    return json.loads(r.stdout)


def test_cli_json_validates():
    v = validator()
    paths = [str(REPO / "crate" / "tests" / "data")]
    if WILD.is_dir():
        paths.append(str(WILD))
    else:
        # Not captured by pytest: a skipped part must be seen (README, "Test data").
        sys.__stderr__.write(f"skipped test_cli_json_validates: its wild-corpus part, {WILD} not found: fixtures only\n")
    doc = cli_json(*paths)
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    assert len(doc["files"]) > 200
    policy = REPO / "cli" / "tests" / "data" / "policy" / "allow_file.toml"
    doc = cli_json("--policy", str(policy), str(MODELS / "tf215" / "h5_benign_scale.h5"), str(MODELS / "keras3"))
    assert not list(v.iter_errors(doc))
    assert any("policy" in f and "sha256" in f for f in doc["files"])


def test_python_reports_validate():
    v = validator()
    reports = keras_sentinel.scan_many(sorted(p for p in MODELS.rglob("*") if p.is_file() and p.suffix != ".json"), workers=2)
    codes = {f.code for r in reports for f in r.findings}
    doc = {
        "schema_version": 2,
        "scanner": "keras-sentinel",
        "scanner_version": keras_sentinel.__version__,
        "files": [r.to_dict() for r in reports],
        "rules": {c: t for c, t in keras_sentinel._report.rule_texts().items() if c in codes},
    }
    errors = list(v.iter_errors(doc))
    assert not errors, errors[0].message
