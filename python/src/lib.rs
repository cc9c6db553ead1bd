//! `keras_sentinel._core`: the detection core for Python.
//!
//! Thin on purpose: every function takes bytes or a path (or a ranged-read callable),
//! runs the same `keras_sentinel::scan` as the CLI and the page, and returns the
//! report as the CLI's JSON text. The typed objects live in the Python package
//! (`keras_sentinel/_report.py`), so this module has no object model to keep in sync.

use keras_sentinel::limits::Limits;
use keras_sentinel::policy::{apply, AllowKind, Context, Policy};
use keras_sentinel::report::FileReport;
use keras_sentinel::source::{ByteSource, SourceError};
use keras_sentinel_cli::batch;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A policy given as `(text, name)`, parsed once per call; a malformed one is a
/// `ValueError` naming line, column and key.
fn parse_policy(policy: Option<(String, String)>) -> PyResult<Option<Policy>> {
    policy
        .map(|(text, name)| {
            Policy::parse(&text, &name).map_err(|e| PyValueError::new_err(format!("policy {name}: {e}")))
        })
        .transpose()
}

/// Applies `policy` to `report`; `hash` gives the file's SHA-256 when the policy has file
/// entries (only then is the file read whole).
fn decide(policy: Option<&Policy>, report: &mut FileReport, hash: impl FnOnce() -> Option<String>) {
    let Some(p) = policy else { return };
    if report.sha256.is_none() && p.allow.iter().any(|a| a.kind == AllowKind::File) {
        report.sha256 = hash();
    }
    let today = keras_sentinel_cli::today();
    let cx = Context { file_sha256: report.sha256.as_deref(), today: today.as_deref() };
    report.policy = Some(apply(p, report, &cx));
}

fn to_json(r: &FileReport) -> PyResult<String> {
    serde_json::to_string(r).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Scans the file at `path`; returns the report as JSON. The GIL is released while
/// scanning.
#[pyfunction]
#[pyo3(signature = (path, policy=None))]
fn scan_path(py: Python<'_>, path: String, policy: Option<(String, String)>) -> PyResult<String> {
    let policy = parse_policy(policy)?;
    let mut report = None;
    py.detach(|| {
        batch::scan_files(&[&path], &Limits::default(), policy.as_ref(), 1, |_, r| {
            report = Some(r);
            true
        })
    });
    to_json(&report.expect("one path, one report"))
}

/// Scans in-memory bytes; `name` is what the report calls the file (its extension
/// tells formats without magic bytes apart, as a loader would).
#[pyfunction]
#[pyo3(signature = (data, name, policy=None))]
fn scan_bytes(
    py: Python<'_>,
    data: &Bound<'_, PyBytes>,
    name: String,
    policy: Option<(String, String)>,
) -> PyResult<String> {
    let policy = parse_policy(policy)?;
    let bytes: &[u8] = data.as_bytes();
    let report = py.detach(|| {
        let mut r = keras_sentinel::scan(&bytes, &name, &Limits::default());
        decide(policy.as_ref(), &mut r, || keras_sentinel::hash::sha256(&bytes, &mut |_, _| true).ok());
        r
    });
    to_json(&report)
}

/// A byte source backed by a Python callable `read(offset, length) -> bytes`, so a
/// file object, an fsspec / pyarrow file or an object-store client costs only the
/// ranges the scan asks for.
struct PyRangeSource<'py> {
    read: Bound<'py, PyAny>,
    len: u64,
}

impl ByteSource for PyRangeSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        keras_sentinel::source::check_range(offset, buf.len() as u64, self.len)?;
        let got = self.read.call1((offset, buf.len())).map_err(|e| SourceError::Io(e.to_string()))?;
        let bytes = got.cast::<PyBytes>().map_err(|_| SourceError::Io("read() did not return bytes".into()))?;
        let b = bytes.as_bytes();
        if b.len() != buf.len() {
            return Err(SourceError::Io(format!("short read: {} of {} bytes at offset {offset}", b.len(), buf.len())));
        }
        buf.copy_from_slice(b);
        Ok(())
    }
}

/// Scans through `read(offset, length) -> bytes` over a source of `size` bytes.
#[pyfunction]
#[pyo3(signature = (read, size, name, policy=None))]
fn scan_reader(read: Bound<'_, PyAny>, size: u64, name: String, policy: Option<(String, String)>) -> PyResult<String> {
    if !read.is_callable() {
        return Err(PyValueError::new_err("read must be callable as read(offset, length) -> bytes"));
    }
    let policy = parse_policy(policy)?;
    let src = PyRangeSource { read, len: size };
    let mut r = keras_sentinel::scan(&src, &name, &Limits::default());
    decide(policy.as_ref(), &mut r, || keras_sentinel::hash::sha256(&src, &mut |_, _| true).ok());
    to_json(&r)
}

/// Scans many paths on `workers` threads with the GIL released; reports in the order
/// of `paths`.
#[pyfunction]
#[pyo3(signature = (paths, workers, policy=None))]
fn scan_paths(
    py: Python<'_>,
    paths: Vec<String>,
    workers: usize,
    policy: Option<(String, String)>,
) -> PyResult<Vec<String>> {
    let policy = parse_policy(policy)?;
    let mut reports = Vec::with_capacity(paths.len());
    // The CLI's own parallel path: files in the order given, a panic or the deadline
    // (`max_scan_ms`) makes that file's report `error` and the others are scanned.
    py.detach(|| {
        batch::scan_files(&paths, &Limits::default(), policy.as_ref(), workers.clamp(1, 256), |_, r| {
            reports.push(r);
            true
        })
    });
    reports.iter().map(to_json).collect()
}

/// Runs the CLI with `argv` (without the program name) in this process; returns its
/// exit status. The GIL is released while it scans.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| keras_sentinel_cli::run(&argv))
}

/// Parses a policy file and discards it: `Policy(...)` fails early with the same
/// `ValueError` a scan would raise, without scanning anything.
#[pyfunction]
fn check_policy(text: String, name: String) -> PyResult<()> {
    parse_policy(Some((text, name))).map(|_| ())
}

/// The texts of every rule (title, severity, explanation, CVEs) keyed by code, as JSON:
/// a file's report names its rules by code; the CLI's document carries these once.
#[pyfunction]
fn rules() -> String {
    let all = keras_sentinel::report::rule_texts_of(keras_sentinel::rules::REFS.iter().map(|r| r.code));
    serde_json::to_string(&all).unwrap_or_default()
}

#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_path, m)?)?;
    m.add_function(wrap_pyfunction!(scan_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(scan_reader, m)?)?;
    m.add_function(wrap_pyfunction!(scan_paths, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(check_policy, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(rules, m)?)?;
    Ok(())
}
