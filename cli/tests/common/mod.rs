//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)] // each test binary uses a subset

/// The wild corpus (`../shared/corpus/wild`) when this checkout has it. Otherwise prints
/// one line naming the test that is skipped and returns `None`: the corpus lives next to
/// the repository, not in it (README, "Test data").
pub fn wild_or_skip() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/wild");
    if p.join("labels.json").exists() {
        return Some(p);
    }
    let shown =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).map(|r| r.join("shared/corpus/wild"));
    skip(&format!(
        "{} not found (../shared holds the test corpus; see README, Test data)",
        shown.unwrap_or(p).join("labels.json").display()
    ));
    None
}

/// One visible line for a skipped test (or skipped part of one). Written to the
/// process's stderr directly: libtest captures `println!`/`eprintln!` of passing tests.
pub fn skip(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr().lock(), "skipped {test}: {why}");
}

/// The repository root (the CLI's tests run from there, so paths in goldens are relative).
pub fn repo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

/// Runs the CLI from the repository root without colours: (stdout, stderr, exit status).
pub fn cli(args: &[&str]) -> (String, String, i32) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keras-sentinel"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}
