//! Browser tests live in `tests/` (wasm-bindgen-test, headless Chromium) and `e2e/`
//! (Playwright against the built page). Run them with `scripts/test-browser.sh`.
