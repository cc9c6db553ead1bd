//! `scan --tree`: the model overview drawn under each file's text block. The file lines
//! and the tree blocks (not the findings' texts, which have their own tests) are compared
//! with `tests/data/tree/nested_shared.out` (`KS_BLESS=1` rewrites it; review the diff).

mod common;

use common::repo;

fn run(args: &[&str]) -> (String, i32) {
    let (out, _, code) = common::cli(args);
    (out, code)
}

#[test]
fn the_tree_of_a_nested_model_matches_its_golden_output() {
    let files = ["crate/tests/data/overview/nested_shared.keras", "crate/tests/data/overview/nested_shared.h5"];
    let mut args = vec!["scan", "--quiet", "--jobs", "1", "--tree"];
    args.extend(files);
    let (out, code) = run(&args);
    assert_eq!(code, 0, "{out}");
    // Each file's first line and its tree: the lines from `model overview:` on, up to the
    // next line that is not indented.
    let mut got = format!("exit {code}\n");
    let mut in_tree = false;
    for line in out.lines() {
        in_tree = (in_tree && line.starts_with("  ")) || line == "    model overview:";
        if in_tree || !line.starts_with(' ') {
            got.push_str(line);
            got.push('\n');
        }
    }
    let golden = repo().join("cli/tests/data/tree/nested_shared.out");
    if std::env::var_os("KS_BLESS").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    assert_eq!(got, std::fs::read_to_string(&golden).unwrap_or_default(), "KS_BLESS=1 rewrites {}", golden.display());
    // Without --tree the text output has no tree; --tree is a text-output switch.
    let (plain, _) = run(&["scan", "--quiet", files[0]]);
    assert!(!plain.contains("model overview"));
    assert!(out.contains("│     └─ double  Lambda  [lambda]  λ×1  ← medium PAIT-KERAS-100 #1"), "{out}");
    assert!(out.contains("├─ shared_dense  Dense  shared, called 2×"), "{out}");
}
