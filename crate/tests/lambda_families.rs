//! Payload families compiled by real CPython 3.10 – 3.15 (tests/data/lambdas/, made by
//! fixtures/lambdas/generate.mjs from fixtures/lambdas/families.py).
//!
//! For every interpreter's JSON and every lambda in it:
//! 1. the Keras-style base64 (`keras_b64`, MIME lines) decodes through
//!    `payload::decode_code` to exactly the bytes of the plain `b64` — asserted always;
//! 2. `python::analyze` runs with the defaults, closure and Lambda `arguments` Keras
//!    would bind, and its classification and resolved calls are compared with what the
//!    family says. A per-version confusion matrix and every miss are printed.
//!
//! Run: CARGO_TARGET_DIR=target-lambdas cargo test -p keras-sentinel --test lambda_families -- --nocapture

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use keras_sentinel::container::json::Json;
use keras_sentinel::limits::Limits;
use keras_sentinel::python::payload::{decode_code, Encoding};
use keras_sentinel::python::{analyze, Classification, FunctionInput};
use serde_json::Value;

/// Fail on a missed PAIT-KERAS-101, or a benign lambda reported as suspicious/malicious.
const ENFORCE: bool = true;

/// Also fail when an expected resolved call (e.g. `os.system('id')`) is not among
/// `CodeAnalysis::calls` of a malicious lambda.
const ENFORCE_CALLS: bool = true;

const CLASSES: [&str; 3] = ["malicious", "suspicious", "benign"];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("data").join("lambdas")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("tests/data/lambdas exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Strict RFC 4648 base64 (no newlines, proper padding): an oracle independent of the
/// crate's `binascii`-compatible decoder.
fn b64_strict(s: &str) -> Vec<u8> {
    fn val(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c:#x}"),
        }
    }
    let b = s.as_bytes();
    assert_eq!(b.len() % 4, 0, "plain b64 length");
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    for q in b.chunks(4) {
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        let mut n = 0u32;
        for (i, &c) in q.iter().enumerate() {
            n = (n << 6) | if i >= 4 - pad { 0 } else { val(c) };
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}

fn to_json(v: &Value) -> Option<Json<'static>> {
    if v.is_null() {
        return None;
    }
    let text = serde_json::to_string(v).unwrap();
    Some(keras_sentinel::parse_json(&text).expect("fixture value parses as Python JSON"))
}

fn class_name(c: Classification) -> &'static str {
    match c {
        Classification::Malicious => "malicious",
        Classification::Suspicious => "suspicious",
        Classification::Benign => "benign",
    }
}

fn class_index(s: &str) -> usize {
    CLASSES.iter().position(|c| *c == s).unwrap_or_else(|| panic!("unknown class {s:?}"))
}

/// An expected call `[name, first_arg]` is found when some resolved call contains the
/// dotted name (or, failing that, its last segment followed by `(`, for evaluators that
/// label e.g. `np.load` rather than `numpy.load`) and, when given, the folded first
/// argument.
fn call_found(calls: &[String], name: &str, arg0: Option<&str>) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let call_pat = format!("{last}(");
    calls.iter().any(|c| (c.contains(name) || c.contains(&call_pat)) && arg0.is_none_or(|a| c.contains(a)))
}

struct Miss {
    name: String,
    expected: &'static str,
    got: &'static str,
    missing_calls: Vec<String>,
    got_calls: Vec<String>,
    notes: Vec<keras_sentinel::messages::Message>,
}

#[test]
fn lambda_families() {
    let files = fixture_files();
    assert!(files.len() >= 6, "expected one fixture per CPython 3.10 - 3.15, found {files:?}");
    let limits = Limits::default();
    let mut failures = Vec::<String>::new();
    let mut call_failures = Vec::<String>::new();
    let mut decode_notes = Vec::<String>::new();
    let mut report = String::new();
    let mut name_sets = Vec::<(String, BTreeSet<String>)>::new();
    let mut versions = BTreeSet::new();

    for file in &files {
        let fname = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{fname}: {e}"));
        let python = doc["python"].as_str().expect("python").to_string();
        let vi = doc["version_info"].as_array().expect("version_info");
        versions.insert((vi[0].as_u64().unwrap(), vi[1].as_u64().unwrap()));
        let entries = doc["entries"].as_array().expect("entries");
        assert!(entries.len() >= 60, "{fname}: only {} entries", entries.len());

        let mut matrix = [[0usize; 3]; 3];
        let mut misses = Vec::<Miss>::new();
        let mut names = BTreeSet::new();

        for e in entries {
            let name = e["name"].as_str().unwrap().to_string();
            assert!(names.insert(name.clone()), "{fname}: duplicate entry {name}");
            assert_eq!(e["python"].as_str(), Some(python.as_str()), "{fname}/{name}: python");

            // 1. Keras base64 -> marshal bytes, exactly.
            let plain = b64_strict(e["b64"].as_str().unwrap());
            let keras_b64 = e["keras_b64"].as_str().unwrap();
            let decoded = decode_code(keras_b64);
            assert_eq!(decoded.encoding, Encoding::Base64, "{fname}/{name}: encoding");
            assert!(decoded.bytes == plain, "{fname}/{name}: keras_b64 does not decode to the b64 bytes");
            // Keras' own output carries nothing hidden: any note here is a decoder false
            // positive (printed, not asserted; e.g. the MIME trailing newline after `=`).
            if !decoded.notes.is_empty() {
                decode_notes.push(format!("{fname}/{name}: {:?}", decoded.notes));
            }
            assert_eq!(decode_code(e["b64"].as_str().unwrap()).bytes, plain, "{fname}/{name}: plain b64");

            // 2. Analysis.
            let defaults = to_json(&e["defaults"]);
            let closure = to_json(&e["closure"]);
            let arguments = to_json(&e["arguments"]);
            let input = FunctionInput {
                code: &decoded.bytes,
                defaults: defaults.as_ref(),
                closure: closure.as_ref(),
                arguments: arguments.as_ref(),
                module: None,
            };
            let a = analyze(&input, &limits);
            let expected = CLASSES[class_index(e["expected"].as_str().unwrap())];
            let got = class_name(a.classification);
            matrix[class_index(expected)][class_index(got)] += 1;

            let mut missing_calls = Vec::new();
            for (call, parts) in
                e["expected_calls"].as_array().unwrap().iter().zip(e["expected_call_parts"].as_array().unwrap())
            {
                let cname = parts[0].as_str().unwrap();
                let arg0 = parts[1].as_str();
                if !call_found(&a.calls, cname, arg0) {
                    missing_calls.push(call.as_str().unwrap().to_string());
                }
            }
            if expected != got || !missing_calls.is_empty() {
                if expected == "malicious" && got != "malicious" {
                    failures.push(format!("{fname}/{name}: PAIT-KERAS-101 missed (got {got})"));
                }
                if expected == "benign" && got != "benign" {
                    failures.push(format!("{fname}/{name}: benign lambda reported {got}"));
                }
                if expected == "malicious" && !missing_calls.is_empty() {
                    call_failures.push(format!("{fname}/{name}: calls not resolved: {missing_calls:?}"));
                }
                misses.push(Miss {
                    name,
                    expected,
                    got,
                    missing_calls,
                    got_calls: a.calls.clone(),
                    notes: a.notes.clone(),
                });
            }
        }

        // Per-version confusion matrix, then every miss.
        let total: usize = matrix.iter().flatten().sum();
        let right: usize = (0..3).map(|i| matrix[i][i]).sum();
        let _ = writeln!(
            report,
            "\n== {fname}  (CPython {})  {right}/{total} classified as expected",
            python.split(' ').next().unwrap_or("")
        );
        let _ = writeln!(report, "   expected \\ got   {:>10} {:>10} {:>10}", "malicious", "suspicious", "benign");
        for (i, row) in matrix.iter().enumerate() {
            let _ = writeln!(report, "   {:<16} {:>10} {:>10} {:>10}", CLASSES[i], row[0], row[1], row[2]);
        }
        for m in &misses {
            let _ = write!(report, "   miss {:<28} expected {:<10} got {:<10}", m.name, m.expected, m.got);
            if !m.missing_calls.is_empty() {
                let _ = write!(report, " missing calls {:?}", m.missing_calls);
            }
            if !m.got_calls.is_empty() {
                let _ = write!(report, " got calls {:?}", m.got_calls);
            }
            if !m.notes.is_empty() && m.expected != m.got {
                let _ = write!(report, " notes {:?}", m.notes);
            }
            report.push('\n');
        }
        name_sets.push((fname, names));
    }
    println!("{report}");
    if !decode_notes.is_empty() {
        println!(
            "decoder notes on {} genuine Keras payloads (should be none), first: {}",
            decode_notes.len(),
            decode_notes[0]
        );
    }

    // Every version carries the same family.
    let (first_name, first) = &name_sets[0];
    for (fname, names) in &name_sets[1..] {
        assert_eq!(names, first, "{fname} and {first_name} carry different families");
    }
    for minor in 10..=15 {
        assert!(versions.contains(&(3, minor)), "no fixture from CPython 3.{minor}");
    }

    println!(
        "would-be failures: {} classification (ENFORCE = {ENFORCE}), {} unresolved calls (ENFORCE_CALLS = {ENFORCE_CALLS})",
        failures.len(),
        call_failures.len()
    );
    if ENFORCE {
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    }
    if ENFORCE_CALLS {
        assert!(call_failures.is_empty(), "{} failures:\n{}", call_failures.len(), call_failures.join("\n"));
    }
}
