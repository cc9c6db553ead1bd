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
