//! `keras-sentinel`: scan Keras model files from a terminal or a CI pipeline.
//!
//! Only argument parsing, directory walking and output live here; the detection is the
//! core library's. The command is a library function, [`run`], so that the binary
//! (`main.rs`) and the Python package (`python/`) run the very same code.

mod args;
mod isolate;
mod json_text;
mod output;
mod walk;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keras_sentinel::limits::Limits;
use keras_sentinel::messages::{en, Message};
use keras_sentinel::msg;
use keras_sentinel::policy::Policy;
use keras_sentinel::report::{FileReport, ScanError, ScanReport, Stats, Verdict};
use keras_sentinel::source::FileSource;

use args::{Command, Format};

/// Runs the command line `argv` (without the program name); returns the exit status:
/// 0 nothing above `lambda`, 1 malicious or suspicious, 2 error or usage error.
pub fn run(argv: &[String]) -> u8 {
    let cmd = match args::parse(argv) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("keras-sentinel: {e}\n\n{}", args::USAGE);
            return 2;
        }
    };
    match cmd {
        Command::Help => {
            println!("{}", args::USAGE);
            0
        }
        Command::Version => {
            println!("keras-sentinel {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Command::Rules => {
            print!("{}", output::rules_list());
            0
        }
        Command::Limits => {
            print!("{}", output::limits_list(&Limits::default()));
            0
        }
        Command::Explain { code, turkish } => match output::explain(&code, turkish) {
            Some(text) => {
                print!("{text}");
                0
            }
            None => {
                eprintln!("keras-sentinel: no rule {code:?}; `keras-sentinel rules` lists them");
                2
            }
        },
        Command::Scan { paths, format, quiet, limits, policy, jobs, turkish } => {
            let policy = match policy.as_deref().map(load_policy).transpose() {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("keras-sentinel: {e}");
                    return 2;
                }
            };
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            scan(&paths, format, quiet, &limits, policy.as_ref(), jobs, turkish)
        }
    }
}

/// Reads and parses a policy file; the error names the file, line, column and key.
fn load_policy(path: &str) -> Result<Policy, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("policy {path}: cannot read: {e}"))?;
    let name = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Policy::parse(&text, &name).map_err(|e| format!("policy {path}: {e}"))
}

/// Today (UTC) as `YYYY-MM-DD`, for policy entries that expire.
pub fn today() -> Option<String> {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Applies `policy` to a report: the file's SHA-256 first when the policy allowlists
/// files by hash (a file that cannot be hashed simply matches no file entry).
fn decide(policy: &Policy, report: &mut FileReport, path: &std::path::Path, today: Option<&str>) {
    if report.sha256.is_none() && policy.allow.iter().any(|a| a.kind == keras_sentinel::policy::AllowKind::File) {
        if let Ok(src) = FileSource::open(path) {
            report.sha256 = keras_sentinel::hash::sha256(&src, &mut |_, _| true).ok();
        }
    }
    let cx = keras_sentinel::policy::Context { file_sha256: report.sha256.as_deref(), today };
    report.policy = Some(keras_sentinel::policy::apply(policy, report, &cx));
}

fn scan(
    paths: &[String],
    format: Format,
    quiet: bool,
    settings: &[(String, String)],
    policy: Option<&Policy>,
    jobs: usize,
    turkish: bool,
) -> u8 {
    let today = today();
    let mut limits = Limits::default();
    for (name, value) in settings {
        if let Err(e) = limits.set(name, value) {
            eprintln!("keras-sentinel: {e}");
            return 2;
        }
    }
    let (targets, skipped) = walk::collect(paths);
    let total = targets.len();
    let mut files = Vec::with_capacity(total);
    let color = output::use_color();
    let mut out = std::io::stdout().lock();
    let mut json = match format {
        Format::Json => match output::JsonStream::start(&mut out) {
            Ok(s) => Some(s),
            Err(_) => return 2,
        },
        _ => None,
    };
    isolate::install_panic_hook();
    // Files are scanned on `jobs` threads and written in the order they were listed, each
    // as soon as it and every file before it are done.
    let progress = !quiet && total > 1 && std::io::stderr().is_terminal();
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, FileReport)>();
    let failed = std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, total.max(1)) {
            let tx = tx.clone();
            let (next, targets, limits, today) = (&next, &targets, &limits, &today);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = targets.get(i) else { break };
                let mut report = scan_one(path, limits);
                if let Some(p) = policy {
                    decide(p, &mut report, path, today.as_deref());
                }
                if tx.send((i, report)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut done = 0;
        for (i, report) in rx {
            done += 1;
            if progress {
                // Progress goes to stderr, and only on a terminal (never escape codes in CI logs).
                eprint!("\r[{done}/{total}] {}\x1b[K", targets[i].display());
            }
            pending.insert(i, report);
            while let Some(report) = pending.remove(&files.len()) {
                // Each file is written as soon as it can be: a later file cannot lose it.
                let written = match (&mut json, format) {
                    (Some(stream), _) => stream.file(&mut out, &report),
                    (None, Format::Text) => {
                        out.write_all(output::text_file(&report, color, turkish).as_bytes()).and_then(|_| out.flush())
                    }
                    _ => Ok(()),
                };
                if written.is_err() {
                    return true;
                }
                files.push(report);
            }
        }
        if progress {
            eprint!("\r\x1b[K");
        }
        false
    });
    if failed {
        return 2;
    }
    let mut report = ScanReport::new(files);
    report.skipped = skipped;

    let written = match (json, format) {
        (Some(stream), _) => stream.finish(&mut out, &report.skipped, &report.rules),
        (None, Format::Sarif) => {
            let text = serde_json::to_string_pretty(&output::sarif(&report)).expect("sarif serializes") + "\n";
            out.write_all(text.as_bytes())
        }
        _ => out.write_all(output::text_summary(&report.files, &report.skipped).as_bytes()),
    };
    if written.and_then(|_| out.flush()).is_err() {
        return 2;
    }
    match policy {
        Some(_) => u8::from(report.files.iter().any(|f| f.policy.as_ref().is_some_and(|d| !d.passes()))),
        None => exit_code(&report),
    }
}

/// Scans one file in isolation: a limit makes it `error` inside the core; a panic
/// (a scanner bug) is caught here and becomes an `error` report naming the file, and
/// the next file is scanned as usual.
fn scan_one(path: &std::path::Path, limits: &Limits) -> FileReport {
    let name = path.display().to_string();
    let src = match FileSource::open(path) {
        Ok(src) => src,
        Err(e) => return error_report(name, "file", msg!(en::ERR_CANNOT_OPEN, detail = e.to_string())),
    };
    // The core reads no clock (it also runs in wasm): the deadline is a hook it polls.
    let deadline = (limits.max_scan_ms > 0).then(|| Instant::now() + Duration::from_millis(limits.max_scan_ms));
    let should_stop = move || deadline.is_some_and(|d| Instant::now() >= d);
    match isolate::run(|| {
        isolate::test_hook(&name);
        keras_sentinel::scan_with(&src, &name, limits, Some(&should_stop))
    }) {
        Ok(report) => report,
        Err(panic) => error_report(name, "scanner", msg!(en::ERR_SCANNER_FAILED, detail = panic.to_string())),
    }
}

fn error_report(path: String, location: &str, message: Message) -> FileReport {
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
    }
}

/// 1 when anything is malicious or suspicious (the finding matters more than a failure
/// elsewhere), else 2 when anything could not be scanned, else 0.
fn exit_code(report: &ScanReport) -> u8 {
    let v = |w: Verdict| report.files.iter().any(|f| f.verdict == w);
    if v(Verdict::Malicious) || v(Verdict::Suspicious) {
        1
    } else if v(Verdict::Error) || report.files.is_empty() {
        2
    } else {
        0
    }
}
