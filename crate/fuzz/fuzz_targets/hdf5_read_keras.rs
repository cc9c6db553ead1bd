//! Fuzzes the HDF5 reader: open, read the Keras root attributes and walk every object.
//! Run: `cargo +nightly fuzz run hdf5_read_keras -- -rss_limit_mb=1024 -timeout=5`
//! (seed the corpus with crate/tests/data/hdf5/*.h5).
#![no_main]

use keras_sentinel::container::hdf5::{list_group, read_keras};
use keras_sentinel::limits::Limits;
use keras_sentinel::sniff::find_hdf5_superblock;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { hdf5_verify_checksums: data.first().is_some_and(|b| b & 1 == 1), ..Limits::default() };
    let sb = find_hdf5_superblock(&data).unwrap_or(0);
    let _ = read_keras(&data, sb, &limits);
    let _ = list_group(&data, sb, &limits, "/model_weights");
});
