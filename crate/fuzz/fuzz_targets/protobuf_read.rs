//! The protobuf readers: `keras_metadata.pb` nodes, `saved_model.pb` graph ops and
//! user-object metadata. Counts stay within the caps given.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::protobuf_read::run(data));
