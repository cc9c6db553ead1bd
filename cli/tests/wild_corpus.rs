//! The CLI on real-world files: ../shared/corpus/wild, labelled by hand and decoded
//! independently (records/analysis.json lists every function of every file with its
//! JSON path, layer name and decoded size).
//!
//! Checks: every function the ground truth lists is reported at its exact JSON pointer,
//! under a layer path ending in its layer name, with the same decoded length; no file
//! that holds a lambda is `clean`; each file's verdict is one labels.json allows.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// `$.config.layers[3].config.function` → `/config/layers/3/config/function`.
fn json_path_to_pointer(path: &str) -> String {
    let mut out = String::new();
    let body = path.strip_prefix('$').unwrap_or(path);
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => out.push('/'),
            '[' => {
                out.push('/');
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    out.push(d);
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn run_scan(args: &[&str]) -> (Value, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_keras-sentinel"))
        .arg("scan")
        .arg("--format")
        .arg("json")
        .arg("--quiet")
        .args(args)
        .output()
        .expect("run keras-sentinel");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (v, out.status.code().unwrap_or(-1))
}

/// Every (layer, pointer, decoded_bytes) the report lists, including `also_at`.
fn reported_sites(file: &Value) -> Vec<(String, String, Option<u64>, String)> {
    let mut v = Vec::new();
    for f in file["findings"].as_array().unwrap() {
        let bytes = f["evidence"]["decoded_bytes"].as_u64();
        let code = f["code"].as_str().unwrap().to_string();
        let loc = |l: &Value| l["pointer"].as_str().unwrap_or("").to_string();
        v.push((f["layer"].as_str().unwrap().to_string(), loc(&f["location"]), bytes, code.clone()));
        if let Some(also) = f["evidence"]["also_at"].as_array() {
            for o in also {
                v.push((o["layer"].as_str().unwrap().to_string(), loc(&o["location"]), bytes, code.clone()));
            }
        }
    }
    v
}

#[test]
fn every_lambda_in_the_wild_corpus_is_listed_with_its_layer_path() {
    let Some(wild) = common::wild_or_skip() else { return };
    let labels = read_json(&wild.join("labels.json"));
    let truth = read_json(&wild.join("records/analysis.json"));
    let (report, _) = run_scan(&[wild.to_str().unwrap()]);
    let files: BTreeMap<String, &Value> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = f["path"].as_str().unwrap();
            let rel = Path::new(p).strip_prefix(&wild).unwrap_or(Path::new(p));
            (rel.display().to_string(), f)
        })
        .collect();

    let mut problems = Vec::new();
    let mut checked_functions = 0;
    for (name, entry) in truth.as_object().unwrap() {
        let Some(file) = files.get(name) else {
            problems.push(format!("{name}: not in the report"));
            continue;
        };
        let sites = reported_sites(file);
        for f in entry["functions"].as_array().unwrap() {
            checked_functions += 1;
            let pointer = json_path_to_pointer(f["json_path"].as_str().unwrap());
            let want_bytes = f["bytes"].as_u64();
            let layer_name = f["context"]["name"].as_str();
            let hit = sites.iter().find(|(layer, ptr, bytes, _)| {
                ptr == &pointer
                    && (want_bytes.is_none() || *bytes == want_bytes)
                    && layer_name.is_none_or(|n| layer.rsplit(" > ").next() == Some(n))
            });
            if hit.is_none() {
                problems.push(format!(
                    "{name}: function at {pointer} (layer {layer_name:?}, {want_bytes:?} bytes) not reported; got {sites:?}"
                ));
            }
        }
        let holds_code = entry["functions"].as_array().unwrap().iter().any(|f| f["bytes"].as_u64().is_some());
        if holds_code && file["verdict"] == "clean" {
            problems.push(format!("{name}: holds a lambda but was reported clean"));
        }
    }
    // Verdicts: each file gets one labels.json allows. An `error` verdict is never allowed.
    for (name, allowed) in labels["files"].as_object().unwrap() {
        let Some(file) = files.get(name) else {
            problems.push(format!("{name}: labelled but not in the report"));
            continue;
        };
        let got = file["verdict"].as_str().unwrap();
        let allowed: Vec<&str> = allowed.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        if !allowed.contains(&got) {
            problems.push(format!("{name}: verdict {got}, allowed {allowed:?}; errors: {}", file["errors"]));
        }
    }
    assert!(checked_functions >= 69, "ground truth lists only {checked_functions} functions");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn non_model_files_get_a_clear_error_and_exit_code_2() {
    let dir = std::env::temp_dir().join(format!("ks-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("notes.h5");
    std::fs::write(&junk, b"this is not a model, whatever its name says").unwrap();
    let (report, code) = run_scan(&[junk.to_str().unwrap()]);
    let f = &report["files"][0];
    assert_eq!(f["verdict"], "error");
    assert!(f["errors"][0]["message"]["text"].as_str().unwrap().contains("not a Keras model file"), "{f}");
    assert_eq!(code, 2);

    // A missing path is an error too, never a silent skip.
    let (report, code) = run_scan(&[dir.join("missing.keras").to_str().unwrap()]);
    assert_eq!(report["files"][0]["verdict"], "error");
    assert_eq!(code, 2);

    // In a directory, non-model files are listed as skipped, not dropped.
    let (report, _) = run_scan(&[dir.to_str().unwrap()]);
    std::fs::write(dir.join("readme.txt"), b"hi").unwrap();
    let (report2, _) = run_scan(&[dir.to_str().unwrap()]);
    assert_eq!(report["files"].as_array().unwrap().len(), 1);
    assert!(report2["skipped"].as_array().unwrap().iter().any(|s| s["path"].as_str().unwrap().ends_with("readme.txt")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn exit_codes_follow_the_worst_verdict() {
    let Some(wild) = common::wild_or_skip() else { return };
    // A benign JSON model with a lambda: verdict lambda, exit 0.
    let (r, code) = run_scan(&[wild.join("benign/datlife-behavioral-cloning__model_cnn.json").to_str().unwrap()]);
    assert_eq!(r["files"][0]["verdict"], "lambda");
    assert_eq!(code, 0);
    // A transcribed malicious payload: exit 1 whatever else is scanned with it.
    let (r, code) = run_scan(&[
        wild.join("malicious-excerpts/unknown-htb-writeup-71206110419__hyperDense.lambda.json").to_str().unwrap(),
        wild.join("benign/datlife-behavioral-cloning__model_cnn.json").to_str().unwrap(),
    ]);
    assert_eq!(r["files"][0]["verdict"], "malicious", "{}", r["files"][0]);
    assert_eq!(code, 1);
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let Some(wild) = common::wild_or_skip() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_keras-sentinel"))
        .args(["scan", "--format", "sarif", "--quiet"])
        .arg(wild.join("benign/datlife-behavioral-cloning__model_cnn.json"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "PAIT-KERAS-100");
    assert_eq!(result["level"], "warning");
    assert_eq!(rules[result["ruleIndex"].as_u64().unwrap() as usize], "PAIT-KERAS-100");
    assert!(result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .unwrap()
        .ends_with("lambda_1"));
}

#[test]
fn explain_prints_the_rule_docs_in_both_languages() {
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_keras-sentinel")).args(args).output().unwrap();
        (String::from_utf8(o.stdout).unwrap(), o.status.code())
    };
    let (en, code) = run(&["explain", "PAIT-KERAS-102"]);
    assert_eq!(code, Some(0));
    assert!(en.contains("Suspicious operator"), "{en}");
    let (tr, _) = run(&["explain", "--tr", "pait-keras-102"]);
    assert!(tr.contains("şüpheli"), "{tr}");
    let (_, code) = run(&["explain", "NOPE-1"]);
    assert_eq!(code, Some(2));
}
