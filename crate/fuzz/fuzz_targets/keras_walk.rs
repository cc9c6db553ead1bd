//! The Keras config walk on any JSON: every function, reference and object it reports
//! sits at a JSON pointer, and the walk ends.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::keras_walk::run(data));
