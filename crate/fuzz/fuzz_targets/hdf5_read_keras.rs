//! Fuzzes the HDF5 reader: open, read the Keras root attributes and walk every object.
//! (Body and invariants: `checks.rs`, shared with crate/tests/fuzz_regressions.rs.)
#![no_main]

#[path = "checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::hdf5_read_keras::run(data));
