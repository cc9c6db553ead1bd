//! Payload decoding as Keras' `func_load` does: base64 (binascii semantics) with the
//! raw_unicode_escape fallback. Sizes follow the encodings; base64 round-trips.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::payload_decode::run(data));
