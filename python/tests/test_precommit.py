"""The pre-commit hook (.pre-commit-hooks.yaml) in a temporary git repository: a
malicious model blocks the commit, a benign one passes. pre-commit installs the hook
from this repository (building the wheel from source, as a user's pre-commit would)."""

import os
import shutil
import subprocess

from conftest import REPO, manifest, require


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def test_hook_blocks_malicious_and_passes_benign(tmp_path):
    require("pre_commit")
    fixtures = manifest()
    bad = next(p for p, v in fixtures if v == "malicious" and p.suffix == ".keras")
    good = next(p for p, v in fixtures if v == "clean" and p.suffix == ".keras")
    repo = tmp_path / "models"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ci@example.invalid")
    git(repo, "config", "user.name", "ci")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {REPO}\n  rev: {rev}\n  hooks:\n  - id: keras-sentinel\n"
    )
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pc-home"))
    pc = shutil.which("pre-commit")
    assert pc
    r = subprocess.run([pc, "install"], cwd=repo, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr

    shutil.copy(good, repo / "good.keras")
    git(repo, "add", "good.keras", ".pre-commit-config.yaml")
    r = subprocess.run(["git", "commit", "-q", "-m", "benign"], cwd=repo, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr

    shutil.copy(bad, repo / "bad.keras")
    git(repo, "add", "bad.keras")
    r = subprocess.run(["git", "commit", "-q", "-m", "malicious"], cwd=repo, capture_output=True, text=True, env=env)
    assert r.returncode != 0, "the malicious model was committed"
    assert "malicious" in (r.stdout + r.stderr)
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1
