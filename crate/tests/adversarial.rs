//! The adversarial corpus of issue 9 (`tests/data/adversarial/manifest.json`, made by
//! `fixtures/adversarial/generate.py`): attacks whose payload was proven to run under the
//! real Keras 3.15 or tf.keras 2.15 loader, and benign lambdas saved by real Keras.
//!
//! Every file must get exactly its `expected` verdict, except the files listed in
//! `known_misses.txt` (today's gaps, each with its reason). A listed file must still miss:
//! when the evaluator improves, the test names the entries to delete, so the list only
//! shrinks and no miss hides in it.

use std::collections::BTreeMap;
use std::path::Path;

use keras_sentinel::limits::Limits;
use keras_sentinel::source::FileSource;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `known_misses.txt`: `<file name>  <reason>` per line; `#` starts a comment line.
fn known_misses(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (name, why) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let why = why.trim();
        assert!(!why.is_empty(), "known_misses.txt: {name} has no reason");
        assert!(out.insert(name.to_string(), why.to_string()).is_none(), "known_misses.txt: {name} listed twice");
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn adversarial_corpus_matches_manifest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/adversarial");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("read manifest.json"))
            .expect("parse manifest.json");
    let files = manifest["files"].as_array().expect("manifest: files");
    assert!(files.len() >= 50, "manifest lists only {} files", files.len());
    let misses = known_misses(&std::fs::read_to_string(dir.join("known_misses.txt")).expect("read known_misses.txt"));

    let mut failures = Vec::new();
    let mut seen = Vec::new();
    // (kind, expected) -> got -> count
    let mut table: BTreeMap<(String, String), BTreeMap<String, usize>> = BTreeMap::new();
    let (mut attacks, mut caught, mut flagged, mut benign, mut benign_flagged) = (0, 0, 0, 0, 0);

    for f in files {
        let name = f["name"].as_str().expect("name");
        let kind = f["kind"].as_str().expect("kind");
        let expected = f["expected"].as_str().expect("expected");
        seen.push(name.to_string());
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            hex(&Sha256::digest(&bytes)),
            f["sha256"].as_str().expect("sha256"),
            "{name}: file differs from the manifest (regenerate with fixtures/adversarial/generate.py)"
        );
        if kind == "attack" {
            let ran = f["executed_by"].as_array().map_or(0, Vec::len);
            assert!(ran > 0, "{name}: an attack in the manifest that no real loader executed");
        }

        let src = FileSource::open(&path).unwrap_or_else(|e| panic!("{name}: cannot open: {e}"));
        let report = keras_sentinel::scan(&src, name, &Limits::default());
        let got = report.verdict.as_str();
        *table.entry((kind.to_string(), expected.to_string())).or_default().entry(got.to_string()).or_default() += 1;
        if kind == "attack" {
            attacks += 1;
            caught += usize::from(got == expected);
            flagged += usize::from(matches!(got, "malicious" | "suspicious"));
        } else {
            benign += 1;
            benign_flagged += usize::from(matches!(got, "malicious" | "suspicious"));
        }

        match (got == expected, misses.get(name)) {
            (true, Some(_)) => failures
                .push(format!("{name}: now gets its expected verdict {expected}: remove it from known_misses.txt")),
            (false, None) => {
                let codes: Vec<String> =
                    report.findings.iter().map(|x| format!("{} {}", x.code, x.severity.as_str())).collect();
                failures.push(format!(
                    "{name}: verdict {got}, expected {expected} (findings {codes:?}); \
                     fix the scanner, or list it in known_misses.txt with the reason"
                ));
            }
            _ => {}
        }
    }
    for name in misses.keys().filter(|m| !seen.contains(m)) {
        failures.push(format!("known_misses.txt: {name} is not in the manifest"));
    }

    println!();
    println!("{:<8} {:<11} got", "kind", "expected");
    for ((kind, expected), got) in &table {
        let got: Vec<String> = got.iter().map(|(v, n)| format!("{v} {n}")).collect();
        println!("{kind:<8} {expected:<11} {}", got.join(", "));
    }
    println!(
        "adversarial corpus: caught {caught}/{attacks} attacks with the expected verdict \
         ({flagged}/{attacks} flagged malicious or suspicious); benign flagged {benign_flagged}/{benign}; \
         {} known misses listed",
        misses.len()
    );
    if !failures.is_empty() {
        panic!("{} disagreement(s):\n{}", failures.len(), failures.join("\n"));
    }
}
