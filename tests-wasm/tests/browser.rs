//! Runs on the page's main thread in headless Chromium: the core itself compiled to wasm,
//! and what the page gets from web/ (rule docs in both languages).
#![cfg(target_arch = "wasm32")]

mod common;

use js_sys::{Array, Uint8Array};
use keras_sentinel_web::{rule_docs_json, scan_source_json, BlobSource};
use serde_json::Value;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn core_scans_in_memory_bytes_in_the_browser() {
    let bytes = common::malicious().to_vec();
    let report: Value = serde_json::from_str(&scan_source_json(&bytes, "m.keras")).unwrap();
    common::assert_malicious_report(&report);
}

#[wasm_bindgen_test]
fn rule_docs_are_complete_in_english_and_turkish() {
    let docs: Value = serde_json::from_str(&rule_docs_json()).unwrap();
    let docs = docs.as_array().unwrap();
    assert_eq!(docs.len(), keras_sentinel::rules::ALL.len());
    for code in ["PAIT-KERAS-100", "PAIT-KERAS-101", "PAIT-KERAS-102"] {
        let r = docs.iter().find(|r| r["code"] == code).unwrap_or_else(|| panic!("{code} missing"));
        for lang in ["en", "tr"] {
            for k in ["title", "what", "why", "remedy"] {
                assert!(!r[lang][k].as_str().unwrap_or("").is_empty(), "{code} {lang}.{k}");
            }
        }
        assert_ne!(r["en"]["title"], r["tr"]["title"], "{code}: Turkish title is not translated");
        assert_eq!(r["en"]["faq"].as_array().unwrap().len(), r["tr"]["faq"].as_array().unwrap().len());
    }
}

#[wasm_bindgen_test]
fn blob_source_explains_it_needs_a_worker() {
    let blob = web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(&b"x"[..]))).unwrap();
    match BlobSource::new(blob) {
        Ok(_) => panic!("FileReaderSync should not exist on the main thread"),
        Err(e) => assert!(e.contains("worker"), "{e}"),
    }
}
