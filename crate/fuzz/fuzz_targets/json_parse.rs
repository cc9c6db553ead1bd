//! The JSON parser (Python `json.loads` semantics): bounded depth, and a parsed value
//! survives a round trip through its compact form unchanged.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::json_parse::run(data));
