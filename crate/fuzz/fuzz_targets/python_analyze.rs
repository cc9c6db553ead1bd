//! `python::analyze` on arbitrary marshal bytes: version inference, Windows repair,
//! disassembly and symbolic evaluation, with the values Keras binds at load time.
//! Unverifiable code is never called benign.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::python_analyze::run(data));
