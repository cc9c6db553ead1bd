#!/usr/bin/env bash
# Serves the browser app on http://127.0.0.1:8080 (override: PORT=...).
#   scripts/serve.sh            trunk serve --release (rebuilds when crate/ web/ static/ change)
#   scripts/serve.sh --static   trunk build --release, then a plain static server of dist/
# Runs scripts/setup.sh first (idempotent). Nothing is downloaded by Trunk (offline = true);
# wasm-opt is binaryen 132 from node_modules (never Debian's binaryen, which breaks the output).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Builds of the app stay out of the CLI's target dir (and out of others' way).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target-web}"
PORT="${PORT:-8080}"

if [ "$(wasm-opt --version | awk '{print $3}')" != "132" ]; then
  echo "[serve] wasm-opt on PATH is not binaryen 132: $(command -v wasm-opt)" >&2
  exit 1
fi

if [ "${1:-}" = "--static" ]; then
  trunk build --release
  echo "[serve] http://127.0.0.1:$PORT/ (static dist/, Ctrl-C to stop)"
  exec node scripts/static-server.mjs dist "$PORT"
fi
echo "[serve] http://127.0.0.1:$PORT/ (trunk serve --release, Ctrl-C to stop)"
exec trunk serve --release --port "$PORT"
