//! Golden test for the JSON and protobuf readers against Python's own reading.
//!
//! `tests/data/parsers/json_pb/expected.json` is written by
//! `fixtures/parsers/json_pb_cases.py`, which reads every crafted file with CPython's
//! `zipfile` + `json.loads(bytes)` and with the real protobuf classes of tensorflow /
//! tf.keras (upb). For each case this test checks:
//! - the verdict and the set of rule codes of the whole scan;
//! - our reading equals Python's: for JSON, the decoded document (compact text, same
//!   encoding detected) or an error exactly when Python raises; for protobuf, the
//!   `metadata` of every node the tf.keras loader reads, in order.

use std::collections::BTreeSet;
use std::path::Path;

use keras_sentinel::container::json::{self, encoding};
use keras_sentinel::container::{self, savedmodel};
use keras_sentinel::limits::Limits;
use keras_sentinel::source::FileSource;
use serde_json::Value;

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parsers/json_pb")
}

/// The raw bytes json.loads is given: the `config.json` member for `.keras`, the file otherwise.
fn json_bytes(path: &Path, kind: &str) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if kind != "keras" {
        return bytes;
    }
    let src = FileSource::open(path).unwrap();
    let limits = Limits::default();
    let archive = container::zip::list(&src, &limits).unwrap();
    let m = archive.members.iter().rev().find(|m| m.name == "config.json").expect("config.json member");
    container::zip::read_member(&src, m, &limits, limits.max_json_bytes).unwrap()
}

/// Our reading of a JSON case: Ok((encoding, compact text)) or Err(reason).
fn our_json(raw: &[u8]) -> Result<(String, String), String> {
    let d = encoding::decode_bytes(raw).map_err(|e| e.to_string())?;
    let p = json::parse(&d.text, Limits::default().max_json_depth).map_err(|e| e.to_string())?;
    Ok((d.encoding.python_name().to_string(), p.value.to_compact()))
}

/// The metadata of each node Python's tf.keras loader reads.
fn our_pb(bytes: &[u8], kind: &str) -> Result<Vec<(u64, String)>, String> {
    let nodes = match kind {
        "keras_metadata" => savedmodel::parse(bytes, 1000),
        _ => savedmodel::user_object_metadata(bytes, 1000),
    }
    .map_err(|e| e.to_string())?;
    Ok(nodes.into_iter().filter(|n| !n.metadata.is_empty()).map(|n| (n.node_id, n.metadata)).collect())
}

#[test]
fn json_and_protobuf_readings_match_python() {
    let text = std::fs::read_to_string(dir().join("expected.json")).expect("expected.json");
    let expected: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(expected["json_max_depth"].as_u64(), Some(Limits::default().max_json_depth as u64));
    let cases = expected["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for c in cases {
        let file = c["file"].as_str().unwrap();
        let kind = c["kind"].as_str().unwrap();
        let path = dir().join(file);
        let py = &c["python"];

        let src = FileSource::open(&path).unwrap();
        let report = keras_sentinel::scan(&src, file, &Limits::default());
        let codes: BTreeSet<&str> = report.findings.iter().map(|f| f.code).collect();
        let want_codes: BTreeSet<&str> = c["codes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let verdict = report.verdict.as_str();
        let mut line = format!("{file:40} {verdict:10} {:?}", codes);
        if verdict != c["verdict"].as_str().unwrap() || codes != want_codes {
            failures.push(format!(
                "{file}: got {verdict} {codes:?}, expected {} {want_codes:?}; errors {:?}",
                c["verdict"], report.errors
            ));
        }

        match kind {
            "keras" | "json" => {
                let ours = our_json(&json_bytes(&path, kind));
                let agree = match (&ours, py["loads"].as_bool().unwrap()) {
                    (Ok((enc, value)), true) => {
                        enc == py["encoding"].as_str().unwrap() && value == py["value"].as_str().unwrap()
                    }
                    (Err(_), false) => true,
                    // Recent CPython refuses integers past 4300 digits; older ones load them: we read.
                    (Ok(_), false) => py["error"].as_str().unwrap().contains("4300 digits"),
                    (Err(_), true) => false,
                };
                line.push_str(if agree { "  reading = Python's" } else { "  READING DIFFERS" });
                if !agree {
                    failures.push(format!("{file}: our reading {ours:?} differs from Python's {py}"));
                }
            }
            _ => {
                let ours = our_pb(&std::fs::read(&path).unwrap(), kind);
                // Python refuses the message (DecodeError): so must we.
                let theirs: Result<Vec<(u64, String)>, ()> = match py["parses"].as_bool().unwrap() {
                    false => Err(()),
                    true => Ok(py["nodes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| (n["node_id"].as_u64().unwrap(), n["metadata"].as_str().unwrap().to_string()))
                        .collect()),
                };
                if ours.as_ref().map_err(|_| ()) != theirs.as_ref().map_err(|_| ()) {
                    failures.push(format!("{file}: our nodes {ours:?} differ from Python's {theirs:?}"));
                    line.push_str("  READING DIFFERS");
                } else {
                    line.push_str("  reading = Python's");
                }
            }
        }
        println!("{line}");
    }
    assert!(failures.is_empty(), "{} case(s) differ:\n{}", failures.len(), failures.join("\n"));
}
