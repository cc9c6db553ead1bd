//! Evasion techniques against the allowlist analysis (issue 9), one lambda each, compiled
//! by CPython 3.11 (tests/data/lambda_techniques/, made by fixtures/lambdas/techniques.py).
//!
//! Each lambda is analysed as the Keras line named in the fixture loads it (its loader's
//! globals are bare globals), with the tf.keras `module` field when given. Attacks must
//! be malicious (suspicious where they only read or where the contract asks for "cannot
//! verify"), benign lambdas benign. A table of every result is printed.
//!
//! Run: cargo test -p keras-sentinel --test lambda_techniques -- --nocapture

use keras_sentinel::limits::Limits;
use keras_sentinel::python::payload::a2b_base64;
use keras_sentinel::python::tables::KerasLine;
use keras_sentinel::python::{analyze_for, Classification, FunctionInput};
use serde_json::Value;

fn lines(tag: &str) -> &'static [KerasLine] {
    match tag {
        "keras3" => &[KerasLine::Keras3],
        "tfkeras2" => &[KerasLine::TfKeras2],
        "all" => &KerasLine::ALL,
        other => panic!("unknown line {other:?}"),
    }
}

fn class(s: &str) -> Classification {
    match s {
        "malicious" => Classification::Malicious,
        "suspicious" => Classification::Suspicious,
        "benign" => Classification::Benign,
        other => panic!("unknown class {other:?}"),
    }
}

#[test]
fn every_technique_is_classified_as_expected() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lambda_techniques/cpython-3.11.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let entries = doc["entries"].as_array().unwrap();
    assert!(entries.len() >= 60, "only {} techniques", entries.len());
    let mut wrong = Vec::new();
    for e in entries {
        let name = e["name"].as_str().unwrap();
        let code = a2b_base64(e["b64"].as_str().unwrap().as_bytes()).unwrap().bytes;
        let input =
            FunctionInput { code: &code, defaults: None, closure: None, arguments: None, module: e["module"].as_str() };
        let a = analyze_for(&input, lines(e["line"].as_str().unwrap()), &Limits::default());
        let want = class(e["expected"].as_str().unwrap());
        let ok = a.classification == want;
        println!(
            "{} {:<28} {:<20} want {:<10} got {:?}",
            if ok { "ok  " } else { "MISS" },
            name,
            e["technique"].as_str().unwrap(),
            format!("{want:?}"),
            a.classification
        );
        if !ok {
            wrong.push(format!(
                "{name}: got {:?}, want {want:?}\n  source {:?}\n  calls {:?}\n  notes {:?}",
                a.classification, a.source, a.calls, a.notes
            ));
        }
    }
    assert!(wrong.is_empty(), "{} of {} wrong:\n{}", wrong.len(), entries.len(), wrong.join("\n"));
}
