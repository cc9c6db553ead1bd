//! Every rule fails a test when it is removed: each code in `rules::ALL` must be produced
//! by scanning at least one committed fixture under `tests/data/` (real-producer models,
//! crafted files, lambda tables, HDF5 files, fuzz regressions excluded).
//!
//! A rule whose emission is deleted from the scanner, or whose only fixture stops
//! producing it, turns this test red with the rule named. The table printed with
//! `--nocapture` says which fixtures carry each rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keras_sentinel::limits::Limits;
use keras_sentinel::rules;
use keras_sentinel::source::FileSource;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read tests/data").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            // Fuzz regressions are garbage by design; they must not carry a rule.
            if p.file_name().is_some_and(|n| n == "fuzz-regressions") {
                continue;
            }
            files(&p, out);
        } else if !p.to_string_lossy().ends_with(".expected.json") && !p.ends_with("manifest.json") {
            out.push(p);
        }
    }
}

#[test]
fn every_rule_is_produced_by_a_committed_fixture() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut all = Vec::new();
    files(&data, &mut all);
    assert!(all.len() > 50, "only {} fixtures found under {}", all.len(), data.display());

    let mut produced: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for path in &all {
        let rel = path.strip_prefix(&data).unwrap().to_string_lossy().replace('\\', "/");
        let src = FileSource::open(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let report = keras_sentinel::scan(&src, &rel, &Limits::default());
        for f in &report.findings {
            let files = produced.entry(f.code).or_default();
            if !files.contains(&rel) {
                files.push(rel.clone());
            }
        }
    }

    let mut missing = Vec::new();
    for rule in rules::ALL {
        match produced.get(rule.code) {
            Some(files) => {
                let shown: Vec<_> = files.iter().take(3).map(String::as_str).collect();
                println!("{:<28} {:>3} fixture(s): {}", rule.code, files.len(), shown.join(", "));
            }
            None => {
                println!("{:<28}   NO fixture", rule.code);
                missing.push(rule.code);
            }
        }
    }
    for code in produced.keys() {
        assert!(rules::find(code).is_some(), "a finding carries {code}, which no rule in rules::ALL has");
    }
    assert!(
        missing.is_empty(),
        "no committed fixture produces {missing:?}: removing these rules would pass every test; add a fixture"
    );
}

/// The fixtures made for this test (fixtures/generate_rule_fixtures.py) keep producing
/// the rule they were made for.
#[test]
fn rule_fixtures_produce_their_rule() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/models/rules");
    for (file, code, verdict) in [
        ("windows_repair_tf215.h5", "KS-WINDOWS-REPAIR", "lambda"),
        // A custom class and no embedded code: `review` (detection-rules.md).
        ("custom_layer_tf215.h5", "KS-CUSTOM-CLASS", "review"),
    ] {
        let src = FileSource::open(&data.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let report = keras_sentinel::scan(&src, file, &Limits::default());
        let codes: Vec<_> = report.findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&code), "{file}: {code} missing, got {codes:?}");
        assert_eq!(report.verdict.as_str(), verdict, "{file}: {codes:?} {:?}", report.errors);
    }
}
