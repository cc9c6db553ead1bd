//! The CLI's SARIF passes Microsoft's official validator (`Sarif.Multitool validate`,
//! npm `@microsoft/sarif-multitool-linux`, installed by scripts/setup.sh) with no error,
//! on every committed fixture model and, when ../shared is present, the wild corpus.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn validator() -> Option<PathBuf> {
    let p = repo().join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    if p.exists() {
        return Some(p);
    }
    // In CI a missing validator is a failure, not a skip.
    assert!(std::env::var_os("CI").is_none(), "Sarif.Multitool missing at {} (run scripts/setup.sh)", p.display());
    common::skip(&format!("Sarif.Multitool not installed at {} (run scripts/setup.sh)", p.display()));
    None
}

#[test]
fn sarif_of_fixtures_and_wild_corpus_validates_without_error() {
    let Some(tool) = validator() else { return };
    let mut paths = vec![repo().join("crate/tests/data")];
    let wild = repo().join("../shared/corpus/wild");
    if wild.join("labels.json").exists() {
        paths.push(wild);
    } else {
        common::skip(&format!(
            "its wild-corpus part, {} not found: validating the fixtures only (see README, Test data)",
            wild.display()
        ));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_keras-sentinel"))
        .args(["scan", "--quiet", "--format", "sarif"])
        .args(&paths)
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 2), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = std::env::temp_dir().join(format!("ks-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sarif = dir.join("scan.sarif");
    std::fs::write(&sarif, &out.stdout).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap().len();
    assert!(results > 100, "only {results} results");
    let v = Command::new(&tool)
        .args(["validate", sarif.to_str().unwrap(), "--log", "ForceOverwrite", "-o"])
        .arg(dir.join("validation.sarif"))
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&v.stdout).into_owned() + &String::from_utf8_lossy(&v.stderr);
    let errors: Vec<&str> = text.lines().filter(|l| l.contains(": error ")).collect();
    assert!(
        errors.is_empty(),
        "{} validator errors, e.g.:\n{}",
        errors.len(),
        errors.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(text.contains("Analysis completed successfully"), "validator did not finish:\n{text}");
    println!("SARIF with {results} results: 0 validator errors");
    let _ = std::fs::remove_dir_all(&dir);
}
