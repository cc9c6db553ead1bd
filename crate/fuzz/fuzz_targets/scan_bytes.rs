//! The whole pipeline on arbitrary bytes, under each name a Keras file can have
//! (the name decides the reading, issue 10): `scan` must end, not panic, and return a
//! report whose verdict follows from its findings and errors.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::scan_bytes::run(data));
