//! Runs in a dedicated worker in headless Chromium: the page's real scanning path —
//! `FileReaderSync` + `Blob.slice` behind the core's `ByteSource`.
#![cfg(target_arch = "wasm32")]

mod common;

use js_sys::{Array, Uint8Array};
use keras_sentinel::source::{ByteSource, SourceError};
use keras_sentinel_web::blob_source::{BlobSource, BLOCK};
use keras_sentinel_web::scan_blob;
use serde_json::Value;
use wasm_bindgen_test::*;
use web_sys::{Blob, File};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn blob(bytes: &[u8]) -> Blob {
    Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(bytes))).unwrap()
}

fn file(bytes: &[u8], name: &str) -> File {
    File::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(bytes)), name).unwrap()
}

#[wasm_bindgen_test]
fn blob_source_reads_exactly_the_requested_ranges() {
    let data: Vec<u8> = (0..(3 * BLOCK as usize + 1234)).map(|i| (i * 7 + i / 251) as u8).collect();
    let src = BlobSource::new(blob(&data)).expect("FileReaderSync exists in a worker");
    assert_eq!(src.len(), data.len() as u64);
    // small reads inside a block, across a block boundary, at the very end; a large read
    for (off, len) in [
        (0usize, 4usize),
        (10, 100),
        (BLOCK as usize - 3, 10),
        (data.len() - 5, 5),
        (100, 2 * BLOCK as usize + 17),
        (0, 0),
    ] {
        let mut buf = vec![0u8; len];
        src.read_at(off as u64, &mut buf).unwrap();
        assert_eq!(buf, &data[off..off + len], "read of {len} at {off}");
    }
    let mut buf = [0u8; 8];
    assert!(matches!(src.read_at(data.len() as u64 - 4, &mut buf), Err(SourceError::OutOfBounds { .. })));
    assert!(src.read_at(u64::MAX - 2, &mut buf).is_err());
}

#[wasm_bindgen_test]
fn small_reads_are_served_from_the_block_cache() {
    let data = vec![0x5au8; 8 * BLOCK as usize];
    let src = BlobSource::new(blob(&data)).unwrap();
    let mut b = [0u8; 16];
    for i in 0..1000u64 {
        src.read_at(i * 16, &mut b).unwrap(); // all inside the first block
    }
    assert_eq!(src.blob_reads(), 1, "1000 neighbouring small reads should cost one FileReaderSync read");
    assert_eq!(src.blob_bytes(), BLOCK);
}

#[wasm_bindgen_test]
fn a_small_file_is_read_whole_once_and_served_exactly() {
    let data: Vec<u8> = (0..(5 * BLOCK as usize + 77)).map(|i| (i * 13 + i / 509) as u8).collect();
    let src = BlobSource::new(blob(&data)).unwrap().read_whole_below(data.len() as u64);
    for (off, len) in [(0usize, 4usize), (BLOCK as usize - 3, 10), (data.len() - 5, 5), (9, 3 * BLOCK as usize), (0, 0)]
    {
        let mut buf = vec![0u8; len];
        src.read_at(off as u64, &mut buf).unwrap();
        assert_eq!(buf, &data[off..off + len], "read of {len} at {off}");
    }
    assert_eq!((src.blob_reads(), src.blob_bytes()), (1, data.len() as u64));
    let mut buf = [0u8; 8];
    assert!(matches!(src.read_at(data.len() as u64 - 4, &mut buf), Err(SourceError::OutOfBounds { .. })));
    // One byte over the limit: ranged reads as before.
    let src = BlobSource::new(blob(&data)).unwrap().read_whole_below(data.len() as u64 - 1);
    src.read_at(0, &mut buf).unwrap();
    assert_eq!(src.blob_bytes(), BLOCK);
}

#[wasm_bindgen_test]
fn only_the_needed_bytes_of_a_large_file_are_read() {
    // A 24 MiB blob of which the scanner should read only a few blocks (no zip/HDF5
    // signature: it must give up quickly, not read everything).
    let big = vec![0u8; 24 << 20];
    let src = BlobSource::new(blob(&big)).unwrap();
    let report: Value = serde_json::from_str(&keras_sentinel_web::scan_source_json(&src, "zeros.bin")).unwrap();
    assert!(report["verdict"].is_string());
    assert!(src.blob_bytes() < 4 << 20, "read {} bytes of a 24 MiB file", src.blob_bytes());
}

#[wasm_bindgen_test]
fn scans_a_malicious_keras_file_through_the_blob_source() {
    let bytes = common::malicious();
    let json = scan_blob(&file(bytes, "model.keras"), "uploads/model.keras").expect("scan");
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["path"], "uploads/model.keras");
    assert_eq!(report["format"].as_str().map(|f| f.contains("zip")), Some(true), "{report}");
    assert_eq!(report["stats"]["file_bytes"], bytes.len() as u64);
    common::assert_malicious_report(&report);
}

#[wasm_bindgen_test]
fn scans_a_benign_lambda_model_without_a_dangerous_finding() {
    let report: Value = serde_json::from_str(&scan_blob(&blob(common::benign()), "siamese.keras").unwrap()).unwrap();
    let lambdas = common::lambda_findings(&report);
    assert!(!lambdas.is_empty(), "{report}");
    for f in lambdas {
        assert_eq!(f["code"], "PAIT-KERAS-100", "{f}");
    }
    assert!(!["malicious", "suspicious"].contains(&report["verdict"].as_str().unwrap()), "{report}");
}
