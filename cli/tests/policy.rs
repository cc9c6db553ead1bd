//! `scan --policy`: golden outputs for policy combinations (per severity, per code,
//! allowlisted lambda, allowlisted file, expired entry, trusted module, policy sink,
//! malformed policies). Each case is `tests/data/policy/NAME.toml` with the model paths
//! in `NAME.args`; `NAME.out` holds the expected stdout, stderr and exit status, and also
//! the JSON decisions. `KS_BLESS=1` rewrites the `.out` files (review the diff).

mod common;

use std::path::PathBuf;

use common::{cli as run, repo};

/// The JSON decisions, one line per file and finding: stable and readable in a diff.
fn decisions(json: &str) -> String {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(json) else { return "(no JSON)\n".into() };
    let mut s = String::new();
    for f in doc["files"].as_array().into_iter().flatten() {
        let d = &f["policy"];
        s.push_str(&format!(
            "{} verdict={} action={} policy={}\n",
            f["path"].as_str().unwrap_or(""),
            f["verdict"].as_str().unwrap_or(""),
            d["action"].as_str().unwrap_or("-"),
            d["policy"].as_str().unwrap_or("-")
        ));
        for (finding, fd) in
            f["findings"].as_array().into_iter().flatten().zip(d["findings"].as_array().into_iter().flatten())
        {
            let allowed = fd["allowed_by"]["line"].as_u64().map(|l| format!(" allowed_by=line{l}")).unwrap_or_default();
            let note = fd["note"]["text"].as_str().map(|n| format!(" note={n:?}")).unwrap_or_default();
            s.push_str(&format!(
                "  {} {}{allowed}{note}\n",
                finding["code"].as_str().unwrap_or(""),
                fd["action"].as_str().unwrap_or("")
            ));
        }
        for n in d["notes"].as_array().into_iter().flatten() {
            s.push_str(&format!("  note: {}\n", n["text"].as_str().unwrap_or("")));
        }
        if let Some(h) = f["sha256"].as_str() {
            s.push_str(&format!("  sha256={h}\n"));
        }
    }
    s
}

#[test]
fn policy_cases_match_their_golden_output() {
    let dir = repo().join("cli/tests/data/policy");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "policy cases missing in {}", dir.display());
    let bless = std::env::var_os("KS_BLESS").is_some();
    let mut failures = Vec::new();
    for toml in &cases {
        let name = toml.file_stem().unwrap().to_string_lossy().into_owned();
        let models = std::fs::read_to_string(toml.with_extension("args")).unwrap();
        let policy = format!("cli/tests/data/policy/{name}.toml");
        let mut args = vec!["scan", "--quiet", "--policy", policy.as_str()];
        args.extend(models.split_whitespace());
        let (stdout, stderr, code) = run(&args);
        let mut json_args = vec!["scan", "--quiet", "--format", "json", "--policy", policy.as_str()];
        json_args.extend(models.split_whitespace());
        let (json, _, json_code) = run(&json_args);
        assert_eq!(code, json_code, "{name}: text and JSON runs disagree on the exit status");
        let got = format!("exit {code}\n--- stdout\n{stdout}--- stderr\n{stderr}--- decisions\n{}", decisions(&json));
        let golden = toml.with_extension("out");
        if bless {
            std::fs::write(&golden, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        if want != got {
            failures.push(format!("{name}: output differs from {}\n--- got\n{got}--- want\n{want}", golden.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sarif_marks_allowed_findings_as_suppressed() {
    let (out, _, code) = run(&[
        "scan",
        "--quiet",
        "--format",
        "sarif",
        "--policy",
        "cli/tests/data/policy/allow_lambda.toml",
        "crate/tests/data/models/keras3/benign_ops.keras",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &doc["runs"][0]["results"][0];
    assert_eq!(r["suppressions"][0]["kind"], "external");
    assert!(r["suppressions"][0]["justification"].as_str().unwrap().contains("reviewer ayse"), "{r}");
    assert_eq!(r["properties"]["action"], "ignore");
}
