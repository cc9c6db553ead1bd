//! The disassembler on arbitrary bytecode, for every CPython opcode table: instructions
//! are in order, inside the code, and jump targets computed without panicking.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::python_disasm::run(data));
