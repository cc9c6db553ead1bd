#!/usr/bin/env bash
# Browser tests of Keras Sentinel, self-contained and idempotent:
#   1. scripts/setup.sh (installs only what is missing: wasm target, wasm-bindgen-cli,
#      trunk, chromium + chromedriver, npm binaryen/playwright-core)
#   2. trunk build --release            -> dist/
#   3. wasm-bindgen tests in headless Chromium (tests-wasm/tests: main thread + worker)
#   4. Playwright end-to-end test of dist/ (tests-wasm/e2e/e2e.mjs, then review.mjs: policy,
#      hash, cancel, exports)
# Needs the test corpus at ../shared (or KS_SHARED=/path/to/shared).
# Exit status: 0 only if every step passed. Screenshots: /tmp/ks-e2e-*.png.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

step() { printf '\n==== %s\n' "$*"; }
fail() { printf '\n[test-browser] FAILED: %s\n' "$*" >&2; exit 1; }

step "setup"
scripts/setup.sh || fail "setup"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-web}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
export KS_SHARED="${KS_SHARED:-$(cd "$ROOT/.." && pwd)/shared}"
[ "$(wasm-opt --version | awk '{print $3}')" = "132" ] || fail "wasm-opt on PATH is not binaryen 132 ($(command -v wasm-opt))"
[ -d "$KS_SHARED/corpus" ] || fail "test corpus not found at $KS_SHARED/corpus (set KS_SHARED)"

step "trunk build --release"
trunk build --release || fail "trunk build"
ls -l dist

step "wasm-bindgen tests in headless Chromium (main thread and dedicated worker)"
cargo test -p keras-sentinel-tests-wasm --target wasm32-unknown-unknown || fail "wasm-bindgen tests"

step "end-to-end test of dist/ in Chromium (playwright-core)"
KS_DIST="$ROOT/dist" node tests-wasm/e2e/e2e.mjs || fail "end-to-end test"

step "end-to-end test of the review workflow (policy, hash, cancel, exports; JSON compared with the CLI's)"
cargo build -p keras-sentinel-cli --bin keras-sentinel || fail "cargo build of the CLI"
KS_CLI="$CARGO_TARGET_DIR/debug/keras-sentinel" KS_DIST="$ROOT/dist" node tests-wasm/e2e/review.mjs || fail "review end-to-end test"

step "end-to-end test of Turkish mode (the wild malicious files show no English evidence text)"
KS_DIST="$ROOT/dist" node tests-wasm/e2e/turkish.mjs || fail "Turkish end-to-end test"

printf '\n[test-browser] all browser tests passed\n'
