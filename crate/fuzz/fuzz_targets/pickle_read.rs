//! The pickle opcode reader (what an archive member that is a pickle would import and
//! call). Every count is bounded by the opcodes read.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::pickle_read::run(data));
