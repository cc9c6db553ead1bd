//! The full pipeline (`keras_sentinel::scan`) on every labelled real-world file in
//! shared/corpus/wild: each verdict must be one that labels.json allows.
//!
//! `.h5` files need the HDF5 reader (crate/src/container/hdf5/); while it is incomplete
//! those files come back as `error`, and the failure message says so for each of them
//! instead of skipping them.

mod common;

use keras_sentinel::limits::Limits;
use serde_json::Value;

/// The wild corpus, or `None` after one printed line when this checkout has none.
fn wild() -> Option<std::path::PathBuf> {
    common::shared_or_skip("corpus/wild/labels.json").map(|p| p.with_file_name(""))
}

#[test]
fn every_wild_file_gets_an_allowed_verdict() {
    let Some(dir) = wild() else { return };
    let labels: Value = serde_json::from_slice(&std::fs::read(dir.join("labels.json")).unwrap()).unwrap();
    let files = labels["files"].as_object().unwrap();
    assert!(files.len() >= 60, "labels.json lists only {} files", files.len());
    let mut problems = Vec::new();
    let mut ok = 0;
    let mut table = String::new();
    for (name, allowed) in files {
        let allowed: Vec<&str> = allowed.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = keras_sentinel::scan(&bytes, name, &Limits::default());
        let got = report.verdict.as_str();
        let versions: Vec<String> = report.findings.iter().filter_map(|f| f.evidence.python_version.clone()).collect();
        table.push_str(&format!("{got:10} {:28} {name} [{}]\n", format!("{allowed:?}"), versions.join(", ")));
        if allowed.contains(&got) {
            ok += 1;
            continue;
        }
        let errors: Vec<String> = report.errors.iter().map(|e| format!("{}: {}", e.location, e.message)).collect();
        let why = if got == "error" && name.ends_with(".h5") {
            format!(" — the HDF5 reader (crate/src/container/hdf5/) could not read this file yet: {errors:?}")
        } else if got == "error" {
            format!(" — errors: {errors:?}")
        } else {
            let f: Vec<String> = report
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {:?} calls {:?} notes {:?}",
                        f.code, f.layer, f.evidence.source, f.evidence.calls, f.evidence.notes
                    )
                })
                .collect();
            format!(" — findings: {f:#?}")
        };
        problems.push(format!("{name}: verdict {got}, allowed {allowed:?}{why}"));
    }
    eprintln!("{table}\n{ok}/{} wild files have an allowed verdict", files.len());
    assert!(
        problems.is_empty(),
        "{} of {} wild files have a wrong verdict:\n{}",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}
