//! One file cannot lose the others: a scanner panic (forced by the debug-only
//! `KS_TEST_PANIC_ON` hook) or a limit makes that file `error`, the other files are
//! still reported, the JSON is one valid document, and the exit code follows the rules.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const CLEAN: &str = r#"{"class_name": "Sequential", "config": {"name": "s", "layers": []}}"#;
/// A Lambda holding source text that names os.system: suspicious (exit 1).
const SUSPICIOUS: &str =
    r#"{"class_name": "Lambda", "config": {"name": "l", "function": "lambda x: os.system('id')"}}"#;

fn dir(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ks-isolation-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    d
}

fn run(args: &[&str], panic_on: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keras-sentinel"));
    c.args(args);
    match panic_on {
        Some(p) => c.env("KS_TEST_PANIC_ON", p),
        None => c.env_remove("KS_TEST_PANIC_ON"),
    };
    c.output().expect("run keras-sentinel")
}

fn by_name<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["files"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with(name)).unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn a_panic_in_one_file_is_that_files_error_and_the_others_are_reported() {
    let d = dir("panic", &[("a.json", CLEAN), ("b-boom.json", CLEAN), ("c.json", CLEAN)]);
    let p = d.to_str().unwrap();
    let out = run(&["scan", "--format", "json", "--quiet", p], Some("boom"));
    let r = json(&out);
    assert_eq!(r["files"].as_array().unwrap().len(), 3);
    assert_eq!(by_name(&r, "a.json")["verdict"], "clean");
    assert_eq!(by_name(&r, "c.json")["verdict"], "clean", "the file after the panic was scanned");
    let boom = by_name(&r, "b-boom.json");
    assert_eq!(boom["verdict"], "error");
    let msg = boom["errors"][0]["message"]["text"].as_str().unwrap();
    assert!(msg.contains("internal error") && msg.contains("KS_TEST_PANIC_ON"), "{msg}");
    assert_eq!(out.status.code(), Some(2), "an unscanned file: exit 2");

    // A finding outranks the failure: exit 1.
    let d = dir("panic-exit1", &[("a.json", SUSPICIOUS), ("b-boom.json", CLEAN)]);
    let out = run(&["scan", "--format", "json", "--quiet", d.to_str().unwrap()], Some("boom"));
    assert_eq!(json(&out)["files"].as_array().unwrap().len(), 2);
    assert_eq!(out.status.code(), Some(1));

    // Text output: each file's block, then the summary.
    let out = run(&["scan", "--quiet", p], Some("boom"));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("internal error"), "{text}");
    assert!(text.contains("3 files: 0 malicious, 0 suspicious, 0 lambda, 0 review, 2 clean, 1 error"), "{text}");
}

#[test]
fn a_limit_is_reported_by_name_and_makes_the_file_error() {
    let d = dir("limit", &[("a.json", CLEAN), ("b.json", CLEAN), ("x.json", CLEAN), ("y.json", CLEAN)]);
    let out = run(&["scan", "--format", "json", "--quiet", "--limit", "max_work=10", d.to_str().unwrap()], None);
    let r = json(&out);
    for f in r["files"].as_array().unwrap() {
        assert_eq!(f["verdict"], "error");
        assert_eq!(f["errors"][0]["limit"], "max_work", "{f}");
        assert!(f["errors"][0]["message"]["text"].as_str().unwrap().contains("max_work = 10"));
    }
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["scan", "--format", "json", "--quiet", d.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(json(&out)["files"].as_array().unwrap().iter().all(|f| f["verdict"] == "clean"));
}

#[test]
fn limits_are_listed_and_a_bad_one_is_a_usage_error() {
    let out = run(&["limits"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for f in keras_sentinel::limits::Limits::FIELDS {
        assert!(text.contains(&format!("{} = ", f.name)), "{} not listed", f.name);
    }
    assert!(text.contains("max_scan_ms = 30000"));
    let x = Path::new("x.json");
    for (arg, named) in [("max_nothing=1", "max_nothing"), ("max_work=many", "max_work"), ("max_work", "NAME=VALUE")] {
        let out = run(&["scan", "--limit", arg, x.to_str().unwrap()], None);
        assert_eq!(out.status.code(), Some(2), "{arg}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(named), "{arg}: {err}");
    }
}
