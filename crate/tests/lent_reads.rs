//! A source that holds the file in memory lends its bytes to the readers instead of
//! copying them (`ByteSource::slice_at`, `source::read_cow`). The report must not tell
//! the difference: for every committed fixture, a scan over the bytes in memory and one
//! over a source that can only copy give the same report (stats included), also when the
//! scan is stopped part way (the should-stop hook after N polls), where reads are refused.

mod common;

use std::cell::Cell;
use std::path::Path;

use keras_sentinel::limits::Limits;
use keras_sentinel::source::{ByteSource, SourceError};

/// Reads only, as a file read in ranges or a browser Blob does.
struct Copying<'a>(&'a [u8]);

impl ByteSource for Copying<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        self.0.read_at(offset, buf)
    }
}

fn report(src: &dyn ByteSource, name: &str, stop_after: Option<u32>) -> String {
    let polls = Cell::new(0u32);
    let stop = || {
        polls.set(polls.get() + 1);
        stop_after.is_some_and(|n| polls.get() > n)
    };
    let r = keras_sentinel::scan_with(src, name, &Limits::default(), Some(&stop));
    serde_json::to_string(&r).expect("report serializes")
}

#[test]
fn lent_and_copied_reads_give_the_same_report() {
    let mut all = Vec::new();
    common::files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"), &mut all);
    all.sort();
    assert!(all.len() > 100, "{} fixtures", all.len());
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        let name = path.to_string_lossy();
        assert!(bytes.in_memory() && !Copying(&bytes).in_memory());
        for stop_after in [None, Some(0), Some(3), Some(40)] {
            assert_eq!(
                report(&bytes, &name, stop_after),
                report(&Copying(&bytes), &name, stop_after),
                "{name}, stopped after {stop_after:?} polls"
            );
        }
    }
}
