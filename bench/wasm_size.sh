#!/usr/bin/env bash
# Size of the page bundle as shipped: builds dist/ with `trunk build --release` into a
# temporary directory (the checked-out dist/ is left alone) and prints the app and
# worker wasm sizes, raw and gzipped (gzip -9, what a static server sends pre-compressed),
# as a Markdown table (KB = 1024 bytes). Budget: app + worker under 400 KB gzipped (issue 9).
# Usage: bench/wasm_size.sh [--no-build DIST]   (--no-build: measure an existing dist)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
BUDGET_KB=400

if [ "${1:-}" = "--no-build" ]; then
  dist=${2:?usage: bench/wasm_size.sh --no-build DIST}
else
  [ -x node_modules/.bin/wasm-opt ] || scripts/setup.sh >&2
  [ "$(wasm-opt --version | awk '{print $3}')" = "132" ] \
    || { echo "[wasm_size] wasm-opt on PATH is not binaryen 132" >&2; exit 1; }
  dist=$(mktemp -d)
  trap 'rm -rf "$dist"' EXIT
  trunk build --release --dist "$dist" >&2
fi

kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
row() { # name file -> prints a table row, sets gz
  local raw
  raw=$(wc -c < "$2")
  gz=$(gzip -9 -c "$2" | wc -c)
  printf '| %s | %s | %s |\n' "$1" "$(kb "$raw")" "$(kb "$gz")"
}

app=$(ls "$dist"/app-*_bg.wasm)
worker=$(ls "$dist"/worker*_bg.wasm)   # a worker asset has no hash in its name
echo "| wasm | raw KB | gzip -9 KB |"
echo "|---|---:|---:|"
row "page (app)" "$app"; app_gz=$gz
row "worker (analysis)" "$worker"; worker_gz=$gz
total=$((app_gz + worker_gz))
verdict=$(awk -v t="$total" -v b="$BUDGET_KB" 'BEGIN { print (t / 1024 < b) ? "within" : "OVER" }')
printf '| **total** | | **%s** (%s the %s KB budget) |\n' "$(kb "$total")" "$verdict" "$BUDGET_KB"
