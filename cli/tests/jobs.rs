//! `scan --jobs N`: files scanned in parallel give the same report, in the same order, as
//! one at a time (the output order is the order of the files, not of completion).

use std::path::Path;
use std::process::Command;

fn scan(jobs: &str, format: &str) -> (Vec<u8>, Option<i32>) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crate/tests/data");
    let out = Command::new(env!("CARGO_BIN_EXE_keras-sentinel"))
        .args(["scan", "--quiet", "--jobs", jobs, "--format", format])
        .arg(&data)
        .output()
        .unwrap();
    (out.stdout, out.status.code())
}

#[test]
fn parallel_scans_match_sequential_ones() {
    for format in ["json", "text", "sarif"] {
        let (one, c1) = scan("1", format);
        let (four, c4) = scan("4", format);
        assert_eq!(c1, c4, "{format}: exit status differs");
        assert!(one.len() > 10_000, "{format}: output too small");
        assert!(one == four, "{format}: --jobs 4 output differs from --jobs 1");
    }
    let doc: serde_json::Value = serde_json::from_slice(&scan("3", "json").0).unwrap();
    assert!(doc["files"].as_array().unwrap().len() > 300);
}
