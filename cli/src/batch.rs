//! Scanning many files on several threads: the one path the CLI (`scan --jobs N`) and the
//! Python package (`scan_many`, `scan_path`) both take, so a panic, a deadline or a policy
//! is handled the same way everywhere.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keras_sentinel::limits::Limits;
use keras_sentinel::messages::{en, Message};
use keras_sentinel::msg;
use keras_sentinel::policy::Policy;
use keras_sentinel::report::{FileReport, ScanError, Stats, Verdict};
use keras_sentinel::source::{FileSource, LocalFile};

use crate::isolate;

/// Files up to this size are read whole with one read and scanned in memory: the
/// readers then copy from memory instead of asking the kernel ~150 times for a small
/// `.h5`. Larger files keep positioned reads of only the ranges the scan needs (a 5 GB
/// model costs its few KB of metadata).
pub const READ_WHOLE_BELOW: u64 = 1 << 20;

/// A file to scan: its path, and its size when the caller has just seen it (the stat
/// that listed it), which spares the scan asking again ([`LocalFile::open_seen`]).
pub trait Target: Sync {
    fn path(&self) -> &Path;
    fn seen_len(&self) -> Option<u64> {
        None
    }
}

impl<P: AsRef<Path> + Sync> Target for P {
    fn path(&self) -> &Path {
        self.as_ref()
    }
}

/// A file found by listing the command line's paths, with the size its stat gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub len: Option<u64>,
}

impl Target for Found {
    fn path(&self) -> &Path {
        &self.path
    }
    fn seen_len(&self) -> Option<u64> {
        self.len
    }
}

/// Scans `paths` on `jobs` threads (at least one, at most one per file; the calling
/// thread is one of them) and hands each report to `sink` on the calling thread **in the
/// order of `paths`**, each as soon as it and every report before it are done. `sink`
/// returns false to stop (output failed): the threads then finish the file they hold and
/// take no more. Returns false when stopped that way.
pub fn scan_files<T: Target>(
    paths: &[T],
    limits: &Limits,
    policy: Option<&Policy>,
    jobs: usize,
    mut sink: impl FnMut(usize, FileReport) -> bool,
) -> bool {
    scan_files_grouped(paths, limits, policy, jobs, |i, report, _| sink(i, report))
}

/// [`scan_files`], telling `sink` with each report whether the next one is ready too
/// (the other threads finished it meanwhile): the CLI writes such a group in one write.
pub fn scan_files_grouped<T: Target>(
    paths: &[T],
    limits: &Limits,
    policy: Option<&Policy>,
    jobs: usize,
    mut sink: impl FnMut(usize, FileReport, bool) -> bool,
) -> bool {
    isolate::install_panic_hook();
    let today = crate::today();
    let next = AtomicUsize::new(0);
    // The next file not yet scanned, or `None` when all are taken.
    let take = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        paths.get(i).map(|p| (i, p))
    };
    let work = |target: &T| {
        let path = target.path();
        let mut report = scan_one_seen(path, target.seen_len(), limits);
        if let Some(p) = policy {
            decide(p, &mut report, path, today.as_deref());
        }
        report
    };
    let (tx, rx) = mpsc::channel::<(usize, FileReport)>();
    std::thread::scope(|s| {
        for _ in 1..jobs.clamp(1, paths.len().max(1)) {
            let tx = tx.clone();
            let (take, work) = (&take, &work);
            s.spawn(move || {
                while let Some((i, path)) = take() {
                    if tx.send((i, work(path))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut emitted = 0;
        // Hands on every report that is next in order; false once `sink` says stop.
        let mut flush = |pending: &mut std::collections::BTreeMap<usize, FileReport>| {
            while let Some(report) = pending.remove(&emitted) {
                emitted += 1;
                if !sink(emitted - 1, report, pending.contains_key(&emitted)) {
                    next.store(paths.len(), Ordering::Relaxed); // the threads take no more
                    return false;
                }
            }
            true
        };
        // This thread scans too (with one job it is the only one: no hand-off between
        // threads per file), and writes what the others finished in between.
        while let Some((i, path)) = take() {
            pending.insert(i, work(path));
            pending.extend(rx.try_iter());
            if !flush(&mut pending) {
                return false;
            }
        }
        for (i, report) in rx {
            pending.insert(i, report);
            if !flush(&mut pending) {
                return false;
            }
        }
        true
    })
}

/// Applies `policy` to a report: the file's SHA-256 first when the policy allowlists
/// files by hash (a file that cannot be hashed simply matches no file entry).
pub fn decide(policy: &Policy, report: &mut FileReport, path: &Path, today: Option<&str>) {
    if report.sha256.is_none() && policy.allow.iter().any(|a| a.kind == keras_sentinel::policy::AllowKind::File) {
        if let Ok(src) = FileSource::open(path) {
            report.sha256 = keras_sentinel::hash::sha256(&src, &mut |_, _| true).ok();
        }
    }
    let cx = keras_sentinel::policy::Context { file_sha256: report.sha256.as_deref(), today };
    report.policy = Some(keras_sentinel::policy::apply(policy, report, &cx));
}

/// Scans one file in isolation: a limit makes it `error` inside the core; a panic
/// (a scanner bug) is caught here and becomes an `error` report naming the file, and
/// the next file is scanned as usual.
pub fn scan_one(path: &Path, limits: &Limits) -> FileReport {
    scan_one_seen(path, None, limits)
}

/// [`scan_one`] of a file whose size was just seen (`seen_len`).
pub fn scan_one_seen(path: &Path, seen_len: Option<u64>, limits: &Limits) -> FileReport {
    thread_local! {
        /// The buffer of this thread's last small file, reused for the next one.
        static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let name = path.display().to_string();
    let src = match LocalFile::open_seen(path, READ_WHOLE_BELOW, BUFFER.take(), seen_len) {
        Ok(src) => src,
        Err(e) => return error_report(name, "file", msg!(en::ERR_CANNOT_OPEN, detail = e.to_string())),
    };
    // The core reads no clock (it also runs in wasm): the deadline is a hook it polls.
    let deadline = (limits.max_scan_ms > 0).then(|| Instant::now() + Duration::from_millis(limits.max_scan_ms));
    let should_stop = move || deadline.is_some_and(|d| Instant::now() >= d);
    let report = isolate::run(|| {
        isolate::test_hook(&name);
        keras_sentinel::scan_with(&src, &name, limits, Some(&should_stop))
    });
    if let Some(buf) = src.into_buffer() {
        BUFFER.set(buf);
    }
    match report {
        Ok(report) => report,
        Err(panic) => error_report(name, "scanner", msg!(en::ERR_SCANNER_FAILED, detail = panic.to_string())),
    }
}

pub fn error_report(path: String, location: &str, message: Message) -> FileReport {
    FileReport {
        path,
        format: "unknown".into(),
        verdict: Verdict::Error,
        findings: vec![],
        errors: vec![ScanError::new(location, message)],
        keras_version: None,
        stats: Stats::default(),
        sha256: None,
        policy: None,
        model: None,
    }
}
