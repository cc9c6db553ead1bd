//! The marshal parser in every code-object layout (2.7, 3.0, 3.8, 3.11), plus version
//! inference and the Windows repair search on the same bytes. Object counts stay under
//! the limits; a parse that succeeds consumed the whole input.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::marshal_parse::run(data));
