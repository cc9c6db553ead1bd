//! The verdict words of the CLI: `review` (custom classes, no embedded code) exits 0,
//! a file that is no Keras model is `error` and exits 2, a clean file with notes says how
//! many, sizes are binary units; every command has `--help`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keras-sentinel")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ks-verdicts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn review_exits_0_and_says_what_it_means() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crate/tests/data/models/rules/custom_layer_tf215.h5");
    let o = run(&["scan", f.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.starts_with("REVIEW "), "{t}");
    assert!(t.contains("KiB") && !t.contains(" KB"), "{t}");
    assert!(t.contains("1 files: 0 malicious, 0 suspicious, 0 lambda, 1 review, 0 clean, 0 error"), "{t}");
}

#[test]
fn a_json_that_is_no_keras_config_is_an_error_with_exit_2() {
    let f = temp("package.json", r#"{"name": "left-pad", "version": "1.3.0", "dependencies": {}}"#);
    let o = run(&["scan", "--format", "json", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["verdict"], "error");
    let m = &v["files"][0]["errors"][0]["message"];
    assert_eq!(m["id"], "error.not_keras_config", "{v}");
    assert!(m["text"].as_str().unwrap().starts_with("not a Keras model config"), "{v}");
}

#[test]
fn a_clean_file_with_notes_says_how_many() {
    let f = temp(
        "notes.json",
        r#"{"class_name": "Sequential", "class_name": "Sequential", "config": {"name": "s", "layers": [], "x": NaN}}"#,
    );
    let o = run(&["scan", f.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("clean, 2 notes to read") && !t.contains("nothing"), "{t}");
    let bare = temp("bare.json", r#"{"class_name": "Sequential", "config": {"name": "s", "layers": []}}"#);
    assert!(text(&run(&["scan", bare.to_str().unwrap()])).contains("clean: nothing dangerous found"));
}

#[test]
fn every_command_has_help() {
    for (args, head) in [
        (&["--help"][..], "Usage:"),
        (&["scan", "--help"], "Usage: keras-sentinel scan"),
        (&["scan", "-h"], "Usage: keras-sentinel scan"),
        (&["explain", "--help"], "Usage: keras-sentinel explain"),
        (&["rules", "--help"], "Usage: keras-sentinel rules"),
        (&["limits", "--help"], "Usage: keras-sentinel limits"),
        (&["help", "scan"], "Usage: keras-sentinel scan"),
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(text(&o).starts_with(head), "{args:?}: {}", text(&o));
    }
    // A usage error shows the command's own help on stderr, exit 2.
    let o = run(&["scan", "--bogus", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Usage: keras-sentinel scan"));
}

#[test]
fn byte_limits_are_also_shown_in_binary_units() {
    let t = text(&run(&["limits"]));
    assert!(t.contains("max_json_bytes = 268435456 (256.0 MiB)"), "{t}");
    assert!(t.contains("max_scan_ms = 30000\n"), "{t}");
}
