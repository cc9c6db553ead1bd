//! Scans every model in `tests/data/models/manifest.json` (made by the real Keras
//! producers with `fixtures/generate_models.py`) and `tests/data/models/crafted/manifest.json`
//! (one crafted file per rule and leniency case, `fixtures/generate_crafted.py`) and
//! compares each report with its manifest entry.
//!
//! Two kinds of expectation per fixture:
//! - **layer paths** (`layers`): each must appear as some finding's `layer` or
//!   `evidence.also_at[].layer`. They depend only on the container reader (`layer_needs`).
//! - **verdict and codes** (`verdict`, `codes`): they depend on every capability in
//!   `needs` (the container reader, the code analysis, the Windows repair, …).
//!
//! An expectation is checked only when all of its capabilities are in [`READY`]; the
//! others are listed as deferred, by missing capability, in the test output. Widen
//! `READY` as capabilities land: a fixture that then disagrees fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use keras_sentinel::limits::Limits;
use keras_sentinel::report::FileReport;
use keras_sentinel::source::FileSource;
use serde_json::Value;

/// Capabilities of the scanner that are finished. The ONE place to widen.
///
/// Known capability names (see fixtures/README.md): json, zip, hdf5, savedmodel,
/// savedmodel-zip, analysis, references, gadgets, pickle, windows-repair,
/// raw-unicode-escape, base64-padding, json-duplicates, zip-duplicates, nan.
const READY: &[&str] = &[
    "json",
    "zip",
    "hdf5",
    "savedmodel",
    "savedmodel-zip",
    "references",
    "gadgets",
    "pickle",
    "nan",
    "json-duplicates",
    "tfkeras-optimizer-names",
    "zip-duplicates",
    "base64-padding",
    "analysis",
    "raw-unicode-escape",
    "windows-repair",
];

struct Row {
    path: String,
    container: String,
    expected: String,
    got: String,
    verdict: &'static str,
    layers: String,
}

fn strs(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn missing(needs: &[String]) -> Vec<String> {
    needs.iter().filter(|n| !READY.contains(&n.as_str())).cloned().collect()
}

fn layers_of(report: &FileReport) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in &report.findings {
        out.insert(f.layer.clone());
        for o in &f.evidence.also_at {
            out.insert(o.layer.clone());
        }
    }
    out
}

#[test]
fn model_fixtures_match_manifest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/models");
    // The real-producer fixtures and the crafted ones (fixtures/generate_crafted.py).
    let mut fixtures = Vec::new();
    for m in ["manifest.json", "crafted/manifest.json"] {
        let text = std::fs::read_to_string(dir.join(m)).unwrap_or_else(|e| panic!("read {m}: {e}"));
        let manifest: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {m}: {e}"));
        let list = manifest["fixtures"].as_array().unwrap_or_else(|| panic!("{m}: no fixtures array"));
        assert!(!list.is_empty(), "{m} lists no fixture");
        fixtures.extend(list.iter().cloned());
    }
    let fixtures = &fixtures;

    let mut rows = Vec::new();
    let mut mismatches = Vec::new();
    // missing capability set → fixtures whose verdict check waits for it
    let mut deferred_verdicts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut deferred_layers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut would_match = 0usize;
    let (mut verdicts_checked, mut layers_checked) = (0usize, 0usize);

    for fx in fixtures {
        let rel = fx["path"].as_str().expect("path").to_string();
        let expected = fx["verdict"].as_str().expect("verdict").to_string();
        let codes = strs(fx, "codes");
        let want_layers = strs(fx, "layers");
        let needs = strs(fx, "needs");
        let layer_needs = strs(fx, "layer_needs");
        let container = fx["container"].as_str().unwrap_or("").to_string();

        let path = dir.join(&rel);
        let src = match FileSource::open(&path) {
            Ok(s) => s,
            Err(e) => {
                mismatches.push(format!("{rel}: cannot open: {e}"));
                continue;
            }
        };
        let report = keras_sentinel::scan(&src, &rel, &Limits::default());
        let got = report.verdict.as_str().to_string();
        let found_layers = layers_of(&report);
        let found_codes: BTreeSet<&str> = report.findings.iter().map(|f| f.code).collect();
        let missing_codes: Vec<&String> = codes.iter().filter(|c| !found_codes.contains(c.as_str())).collect();
        let verdict_ok = got == expected && missing_codes.is_empty();
        if verdict_ok {
            would_match += 1;
        }

        // Layer paths.
        let missing_layers: Vec<&String> = want_layers.iter().filter(|l| !found_layers.contains(*l)).collect();
        let layer_gap = missing(&layer_needs);
        let layers = if want_layers.is_empty() {
            "-".to_string()
        } else if !layer_gap.is_empty() {
            deferred_layers.entry(layer_gap.join("+")).or_default().push(rel.clone());
            if missing_layers.is_empty() { "deferred (ok)" } else { "deferred" }.to_string()
        } else {
            layers_checked += 1;
            if missing_layers.is_empty() {
                "ok".to_string()
            } else {
                mismatches.push(format!(
                    "{rel}: layer path(s) {missing_layers:?} not among the findings' layers {found_layers:?}"
                ));
                "MISSING".to_string()
            }
        };

        // Verdict and codes.
        let gap = missing(&needs);
        let verdict = if !gap.is_empty() {
            deferred_verdicts.entry(gap.join("+")).or_default().push(rel.clone());
            if verdict_ok {
                "deferred (ok)"
            } else {
                "deferred"
            }
        } else {
            verdicts_checked += 1;
            if verdict_ok {
                "ok"
            } else {
                let summary: Vec<String> = report
                    .findings
                    .iter()
                    .map(|f| format!("{} {} @ {:?}", f.code, f.severity.as_str(), f.layer))
                    .collect();
                let errors: Vec<String> =
                    report.errors.iter().map(|e| format!("{}: {}", e.location, e.message)).collect();
                mismatches.push(format!(
                    "{rel}: verdict {got}, expected {expected}; missing codes {missing_codes:?}; findings {summary:?}; errors {errors:?}"
                ));
                "MISMATCH"
            }
        };
        rows.push(Row { path: rel, container, expected, got, verdict, layers });
    }

    // The table.
    let w = rows.iter().map(|r| r.path.len()).max().unwrap_or(4).max(4);
    println!();
    println!("READY = {READY:?}");
    println!("{:<w$}  {:<19}  {:<10}  {:<10}  {:<13}  layers", "file", "container", "expected", "got", "verdict");
    println!("{}", "-".repeat(w + 70));
    for r in &rows {
        println!(
            "{:<w$}  {:<19}  {:<10}  {:<10}  {:<13}  {}",
            r.path, r.container, r.expected, r.got, r.verdict, r.layers
        );
    }
    println!();
    println!(
        "{} fixtures; verdict checked for {verdicts_checked}, layer paths checked for {layers_checked}; \
         {would_match} of {} already give the expected verdict and codes",
        rows.len(),
        rows.len()
    );
    for (gap, files) in &deferred_verdicts {
        println!("verdict checks deferred for {} fixtures: needs {gap}", files.len());
    }
    for (gap, files) in &deferred_layers {
        println!("layer-path checks deferred for {} fixtures: needs {gap}", files.len());
    }
    if !mismatches.is_empty() {
        println!();
        for m in &mismatches {
            println!("MISMATCH {m}");
        }
        panic!("{} mismatch(es) against manifest.json:\n{}", mismatches.len(), mismatches.join("\n"));
    }
}
