#!/usr/bin/env bash
# Browser tests of Keras Sentinel, self-contained and idempotent:
#   1. scripts/setup.sh (installs only what is missing: wasm target, wasm-bindgen-cli,
#      trunk, chromium + chromedriver, npm binaryen/playwright-core)
#   2. trunk build --release            -> dist/
#   3. wasm-bindgen tests in headless Chromium (tests-wasm/tests: main thread + worker)
#   4. Playwright end-to-end test of dist/ (tests-wasm/e2e/e2e.mjs, then review.mjs: policy,
#      hash, cancel, exports)
#   5. the model overview (overview.mjs) and the results table (table.mjs; its wild-folder
#      part needs the corpus), screenshots in $KS_ARTIFACTS
#   6. accessibility (axe-core, light and dark) and precompressed assets (tests-wasm/e2e/a11y.mjs)
# Steps 3 and 4 read the test corpus at ../shared (or KS_SHARED=/path/to/shared); without
# it each is skipped with one line saying so, and the rest runs.
# Exit status: 0 only if every step that ran passed. Screenshots: /tmp/ks-e2e-*.png and
# $KS_ARTIFACTS (default target-web/e2e-artifacts).
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
HAVE_CORPUS=1
[ -d "$KS_SHARED/corpus" ] || HAVE_CORPUS=0
skip() { printf '[test-browser] skipped: %s (needs the test corpus at %s/corpus, not in this repository: see README; set KS_SHARED)\n' "$*" "$KS_SHARED"; }

step "trunk build --release"
trunk build --release || fail "trunk build"
ls -l dist

step "wasm-bindgen tests in headless Chromium (main thread and dedicated worker)"
if [ "$HAVE_CORPUS" = 1 ]; then
  cargo test -p keras-sentinel-tests-wasm --target wasm32-unknown-unknown || fail "wasm-bindgen tests"
else skip "wasm-bindgen tests in Chromium"; fi

step "end-to-end test of dist/ in Chromium (playwright-core)"
if [ "$HAVE_CORPUS" = 1 ]; then
  KS_DIST="$ROOT/dist" node tests-wasm/e2e/e2e.mjs || fail "end-to-end test"
else skip "end-to-end test tests-wasm/e2e/e2e.mjs"; fi

step "end-to-end test of the review workflow (policy, hash, cancel, exports; JSON compared with the CLI's)"
if [ "$HAVE_CORPUS" = 1 ]; then
  cargo build -p keras-sentinel-cli --bin keras-sentinel || fail "cargo build of the CLI"
  KS_CLI="$CARGO_TARGET_DIR/debug/keras-sentinel" KS_DIST="$ROOT/dist" node tests-wasm/e2e/review.mjs || fail "review end-to-end test"
else skip "end-to-end test tests-wasm/e2e/review.mjs"; fi

step "end-to-end test of the model overview (tree of a nested model, finding <-> layer; screenshots in KS_ARTIFACTS)"
KS_DIST="$ROOT/dist" node tests-wasm/e2e/overview.mjs || fail "model overview end-to-end test"
step "end-to-end test of the results table (wild folder: sort, filters, chips, cards, keyboard; 1,000 files responsive)"
KS_DIST="$ROOT/dist" KS_ARTIFACTS="${KS_ARTIFACTS:-$CARGO_TARGET_DIR/e2e-artifacts}" node tests-wasm/e2e/table.mjs || fail "results table end-to-end test"

step "end-to-end test of Turkish mode (broken containers' errors; the wild malicious files' evidence when the corpus is there)"
KS_DIST="$ROOT/dist" node tests-wasm/e2e/turkish.mjs || fail "Turkish end-to-end test"

step "end-to-end test of the worker pool (files held behind a scan; cancelling one of them)"
KS_DIST="$ROOT/dist" node tests-wasm/e2e/pool.mjs || fail "worker pool end-to-end test"

step "accessibility (axe-core, light and dark) and precompressed assets"
KS_DIST="$ROOT/dist" KS_ARTIFACTS="${KS_ARTIFACTS:-$ROOT/target-web/e2e-artifacts}" node tests-wasm/e2e/a11y.mjs || fail "accessibility test"

if [ "$HAVE_CORPUS" = 1 ]; then
  printf '\n[test-browser] all browser tests passed\n'
else
  printf '\n[test-browser] the browser tests that ran passed; 4 steps were skipped (no test corpus at %s/corpus)\n' "$KS_SHARED"
fi
