//! Golden test of the zip reader against CPython's own `zipfile` (and h5py for polyglots).
//!
//! `fixtures/parsers/zip_cases.py` builds each crafted case in `tests/data/parsers/zip/` and
//! records in `expected.json` what Python reads: `zipfile.is_zipfile`, `h5py.is_hdf5`, and
//! `zf.read(name)` for each name (sha256 and length, or the exception), once with the
//! zipfile that runs Keras here (3.11.7: reads overlapping entries) and once with a newer
//! one (refuses them). Each case must give:
//! - the same answers from `python_zipfile::read` (bzip2 / lzma members excepted: Python
//!   reads them, the scanner says it cannot, which this test checks too);
//! - the expected verdict and exactly the expected finding codes from a full scan;
//! - bounded work: source bytes read at most a small multiple of the file size.

use std::collections::BTreeSet;
use std::path::Path;

use keras_sentinel::container::zip::python_zipfile::{self, Version};
use keras_sentinel::limits::Limits;
use keras_sentinel::sniff;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// Compares our `read` of every recorded name with zipfile's answer; returns mismatches.
fn compare_reads(file: &str, bytes: &[u8], reads: &Value, version: Version) -> Vec<String> {
    let mut bad = Vec::new();
    let limits = Limits::default();
    let listing = match python_zipfile::central_directory(&bytes, &limits) {
        Ok(l) => l,
        Err(e) => return vec![format!("{file}: zipfile lists it, we do not: {e}")],
    };
    for (name, want) in reads.as_object().expect("reads object") {
        let got = python_zipfile::read(&bytes, &listing, name, &limits, version);
        match (want.get("sha256").and_then(Value::as_str), got) {
            (Some(sha), Ok(data)) => {
                if hex(&data) != sha || data.len() as u64 != want["len"].as_u64().unwrap() {
                    bad.push(format!("{file} {name} ({version:?}): other bytes than zipfile's"));
                }
            }
            (None, Err(_)) => {}
            (Some(_), Err(e)) => {
                let m = &listing.members[python_zipfile::name_to_info(&listing.members)[name.as_str()]];
                let unsupported =
                    matches!(m.method, 12 | 14) && (e.0.text.contains("bzip2") || e.0.text.contains("lzma"));
                if !unsupported {
                    bad.push(format!("{file} {name} ({version:?}): zipfile reads it, we fail: {e}"));
                }
            }
            (None, Ok(_)) => {
                bad.push(format!("{file} {name} ({version:?}): zipfile raises {}, we read it", want["error"]))
            }
        }
    }
    bad
}

#[test]
fn zip_cases_read_like_cpython_and_scan_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parsers/zip");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json")).unwrap();
    let cases = expected["cases"].as_array().expect("cases");
    assert!(cases.len() >= 11, "the generator writes 11 cases");
    let mut bad = Vec::new();
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let py = &case["python"];

        // What the bytes allow, as Python's own predicates answer it.
        let is_zip = python_zipfile::end_record(&bytes).ok().flatten().is_some();
        let is_hdf5 = sniff::find_hdf5_superblock(&bytes).is_some();
        if is_zip != py["is_zipfile"].as_bool().unwrap() || is_hdf5 != py["is_hdf5"].as_bool().unwrap() {
            bad.push(format!(
                "{file}: is_zipfile/is_hdf5 {is_zip}/{is_hdf5}, Python says {}/{}",
                py["is_zipfile"], py["is_hdf5"]
            ));
        }
        if let Ok(l) = python_zipfile::central_directory(&bytes, &Limits::default()) {
            let names: Vec<&str> = l.members.iter().take(8).map(|m| m.name.as_str()).collect();
            let want: Vec<&str> = py["namelist"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            if names != want || l.members.len() as u64 != py["entries"].as_u64().unwrap() {
                bad.push(format!(
                    "{file}: names {names:?} ({}), zipfile {want:?} ({})",
                    l.members.len(),
                    py["entries"]
                ));
            }
        }
        bad.extend(compare_reads(file, &bytes, &py["reads"], Version::ReadsOverlaps));
        bad.extend(compare_reads(file, &bytes, &py["reads_refusing_overlaps"], Version::RefusesOverlaps));

        // The scan: verdict and exactly these codes.
        let report = keras_sentinel::scan(&bytes, file, &Limits::default());
        let codes: BTreeSet<&str> = report.findings.iter().map(|f| f.code).collect();
        let want: BTreeSet<&str> = case["codes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let verdict = report.verdict.as_str();
        println!(
            "{file:30} {:>6} B  {verdict:10} {codes:?}  read {} B in {} reads",
            bytes.len(),
            report.stats.bytes_read,
            report.stats.reads
        );
        if verdict != case["verdict"].as_str().unwrap() || codes != want {
            bad.push(format!(
                "{file}: {verdict} {codes:?}, expected {} {want:?}; errors {:?}",
                case["verdict"],
                report.errors.iter().map(|e| format!("{}: {}", e.location, e.message)).collect::<Vec<_>>()
            ));
        }
        // Bounded work: no entry makes the reader go over the same bytes again and again.
        if report.stats.bytes_read > 8 * bytes.len() as u64 + (64 << 10) {
            bad.push(format!("{file}: read {} bytes of a {}-byte file", report.stats.bytes_read, bytes.len()));
        }
    }
    assert!(bad.is_empty(), "{} mismatches:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn unreadable_methods_are_errors_that_say_so() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parsers/zip");
    for (file, method) in [("bzip2_config.keras", "bzip2"), ("lzma_config.keras", "lzma")] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let r = keras_sentinel::scan(&bytes, file, &Limits::default());
        assert!(
            r.errors.iter().any(|e| e.location == "config.json" && e.message.text.contains(method)),
            "{file}: {:?}",
            r.errors
        );
    }
}

/// Every byte of each case's zip structures (the end record, the central directory, the
/// first local header) set to 0x00 and to 0xFF: the scan never panics and stays within
/// its read bound.
#[test]
fn mutated_zip_structures_never_panic_and_stay_bounded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parsers/zip");
    let mut scans = 0usize;
    for file in ["nul_cut_name.keras", "duplicate_last_wins.keras", "count_lies.keras", "weights_at_512.keras"] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let cd = python_zipfile::central_directory(&bytes, &Limits::default()).unwrap().start_dir as usize;
        let places = (0..64.min(bytes.len())).chain(cd..bytes.len());
        for at in places {
            for v in [0x00u8, 0xFF] {
                let mut m = bytes.clone();
                m[at] = v;
                let r = keras_sentinel::scan(&m, file, &Limits::default());
                scans += 1;
                assert!(r.stats.bytes_read <= 8 * m.len() as u64 + (64 << 10), "{file} byte {at}={v:#x}");
            }
        }
    }
    println!("{scans} mutated scans");
}

/// 400 overlapping entries make one overlap finding and one note per kind of oddity, so
/// that even a small findings cap keeps the finding that decides the verdict.
#[test]
fn an_overlap_bomb_is_one_finding_not_hundreds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parsers/zip");
    let bytes = std::fs::read(dir.join("overlap_bomb.keras")).unwrap();
    let limits = Limits { max_findings: 20, ..Limits::default() };
    let r = keras_sentinel::scan(&bytes, "overlap_bomb.keras", &limits);
    let overlap = r.findings.iter().filter(|f| f.code == "KS-ZIP-OVERLAP").count();
    assert_eq!((overlap, r.verdict.as_str()), (1, "suspicious"), "{:#?}", r.findings);
    assert!(r.findings.len() <= 3, "{:#?}", r.findings);
}
