#!/usr/bin/env bash
# Builds the Python wheel (maturin) and tests it in a fresh virtualenv: the API, the CLI
# entry point, safe_load_model with real Keras 3, Ray sweeps, and the pre-commit hook.
# Everything comes from PyPI; the venvs live under target/ and are reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
PY=${PYTHON:-python3}
ROOT=$(pwd)
TARGET=$(realpath -m "${CARGO_TARGET_DIR:-target}")
BUILD_VENV="$TARGET/py-build"
TEST_VENV="$TARGET/py-test"
WHEELS="$TARGET/wheels"

log() { printf '[test-python] %s\n' "$*" >&2; }

if [ ! -x "$BUILD_VENV/bin/maturin" ]; then
  log "creating $BUILD_VENV with maturin"
  "$PY" -m venv "$BUILD_VENV"
  "$BUILD_VENV/bin/pip" install -q 'maturin>=1.9,<2'
fi
rm -rf "$WHEELS"
log "building the wheel"
"$BUILD_VENV/bin/maturin" build --locked --profile python -o "$WHEELS" 2>&1 | grep -v '^\s*Compiling' >&2
WHEEL=$(ls "$WHEELS"/keras_sentinel-*.whl)

if [ ! -x "$TEST_VENV/bin/pytest" ]; then
  log "creating $TEST_VENV (pytest, keras 3 + jax, ray, fsspec, pyarrow, pre-commit, jsonschema)"
  "$PY" -m venv "$TEST_VENV"
fi
"$TEST_VENV/bin/pip" install -q --disable-pip-version-check pytest jsonschema pyarrow pyyaml keras 'jax[cpu]' 'ray>=2.9' fsspec pre-commit
"$TEST_VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$WHEEL"

log "pytest"
cd "$ROOT/python/tests"
export KS_REQUIRE_ALL=1 KERAS_BACKEND=jax RAY_USAGE_STATS_ENABLED=0
# The pre-commit test builds the package from this repository's committed HEAD.
export CARGO_TARGET_DIR="$TARGET/pre-commit"
PATH="$TEST_VENV/bin:$PATH" "$TEST_VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
