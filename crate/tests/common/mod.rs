//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a subset

use keras_sentinel::python::opcodes::Py;

/// A path under ../shared (read at test time, never copied into the repo). Fails clearly
/// when the shared material is missing instead of letting a test pass on nothing.
pub fn shared(rel: &str) -> std::path::PathBuf {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared").join(rel);
    assert!(p.exists(), "shared reference data missing: {} (the tests need ../shared)", p.display());
    p
}

/// `../shared/<rel>` when this checkout has it. Otherwise prints one line naming the
/// test that is skipped and why, and returns `None`: the corpus and the interpreters'
/// reference data live next to the repository, not in it (README, "Test data").
pub fn shared_or_skip(rel: &str) -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared").join(rel);
    if p.exists() {
        return Some(p);
    }
    // Named without `crate/../..`: the folder next to the clone.
    let shown = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).map(|r| r.join("shared").join(rel));
    skip(&format!(
        "{} not found (../shared holds the test corpus and reference data; see README)",
        shown.unwrap_or(p).display()
    ));
    None
}

/// One visible line for a skipped test. Written to the process's stderr directly:
/// libtest captures `println!`/`eprintln!` of passing tests, and a skip must be seen.
pub fn skip(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr().lock(), "skipped {test}: {why}");
}

/// The real-interpreter ground truth in ../shared/reference/interpreters: (file, version).
pub const INTERPRETERS: &[(&str, Py)] = &[
    ("pyodide-0.21.3.json", Py::Py310),
    ("pyodide-0.23.4.json", Py::Py311),
    ("pyodide-0.26.4.json", Py::Py312),
    ("pyodide-0.27.7.json", Py::Py312),
    ("pyodide-0.28.3.json", Py::Py313),
    ("pyodide-314.0.7.json", Py::Py314),
    ("pyodide-315.0.0-alpha.2.json", Py::Py315),
];

/// xorshift64*: reproducible pseudo-random numbers for mutation tests, no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 when `n` is 0), as usize for indexing.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Every file under `dir`, recursively (nothing when it cannot be listed).
pub fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}
