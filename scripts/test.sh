#!/usr/bin/env bash
# Runs every test: the core, the CLI and the page's pure code (web crate) natively, the browser tests (the core as wasm in
# headless Chromium, and the page end to end), then the Python package (wheel built by
# maturin, tested with pytest in a fresh virtualenv). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

./scripts/setup.sh

echo "== native tests: core, CLI, the page's pure code (exports, table, knobs, Turkish pack)"
cargo test --locked -p keras-sentinel -p keras-sentinel-cli -p keras-sentinel-web

echo "== browser tests"
./scripts/test-browser.sh

echo "== python package"
./scripts/test-python.sh
