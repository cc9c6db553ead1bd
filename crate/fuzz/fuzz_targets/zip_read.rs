//! The zip reader: list the central directory, then open and read every member with
//! small bounds. Sizes returned must be the ones the directory and limits allow.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::zip_read::run(data));
