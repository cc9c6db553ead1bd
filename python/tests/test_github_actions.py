"""docs/github-actions.md stays true: its workflow parses, and its scan command (with the
repository's fixtures in place of models/ and a fixture policy) runs with the CLI's
options and writes SARIF 2.1.0 with results."""

import json
import re
import shlex
import subprocess

from conftest import REPO, require


def test_documented_workflow_runs():
    yaml = require("yaml")
    text = (REPO / "docs" / "github-actions.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    wf = yaml.safe_load(block)
    steps = wf["jobs"]["scan-models"]["steps"]
    scan = next(s for s in steps if s.get("id") == "scan")
    assert any("upload-sarif" in s.get("uses", "") for s in steps)
    cmd, _, out = scan["run"].partition(">")
    argv = shlex.split(cmd)
    assert argv[:2] == ["keras-sentinel", "scan"] and out.strip() == "keras-sentinel.sarif"
    argv[argv.index("--policy") + 1] = str(REPO / "cli" / "tests" / "data" / "policy" / "trusted.toml")
    argv[argv.index("models/")] = str(REPO / "crate" / "tests" / "data" / "models" / "keras3")
    r = subprocess.run(argv, capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    sarif = json.loads(r.stdout)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
