//! `keras-sentinel`: scan Keras model files from a terminal or a CI pipeline.
//!
//! Only argument parsing, directory walking and output live here; the detection is the
//! core library's. The command is a library function, [`run`], so that the binary
//! (`main.rs`) and the Python package (`python/`) run the very same code.

mod args;
pub mod batch;
mod isolate;
mod json_text;
mod output;
mod tree;
mod walk;
pub mod words;

use std::io::{IsTerminal, Write};

use keras_sentinel::limits::Limits;
use keras_sentinel::policy::Policy;
use keras_sentinel::report::{ScanReport, Verdict};

use args::{Command, Format};

/// Runs the command line `argv` (without the program name); returns the exit status:
/// 0 nothing above `lambda`/`review`, 1 malicious or suspicious, 2 error or usage error.
pub fn run(argv: &[String]) -> u8 {
    let cmd = match args::parse(argv) {
        Ok(c) => c,
        Err(e) => {
            let topic =
                ["scan", "explain", "rules", "limits"].into_iter().find(|c| argv.first().is_some_and(|a| a == c));
            eprintln!("keras-sentinel: {e}\n\n{}", args::help(topic));
            return 2;
        }
    };
    match cmd {
        Command::Help(topic) => {
            println!("{}", args::help(topic));
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
        Command::Scan { paths, format, quiet, limits, policy, jobs, tree, turkish } => {
            let policy = match policy.as_deref().map(|p| load_policy(p, turkish)).transpose() {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("keras-sentinel: {e}");
                    return 2;
                }
            };
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            scan(&paths, format, Options { quiet, tree, turkish }, &limits, policy.as_ref(), jobs)
        }
    }
}

/// Reads and parses a policy file; the error names the file, line, column and key (in
/// Turkish with `--tr`).
fn load_policy(path: &str, turkish: bool) -> Result<Policy, String> {
    let lang = words::Lang { turkish };
    let text = std::fs::read_to_string(path).map_err(|e| lang.f("policy_unreadable", &[&path, &e]))?;
    let name = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Policy::parse(&text, &name).map_err(|e| lang.f("policy_error", &[&path, &lang.msg(&e.full())]))
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

/// Output switches of `scan`.
struct Options {
    quiet: bool,
    /// `--tree`: the model overview under each file's text block.
    tree: bool,
    /// `--tr`: the text output in Turkish.
    turkish: bool,
}

fn scan(
    paths: &[String],
    format: Format,
    Options { quiet, tree, turkish }: Options,
    settings: &[(String, String)],
    policy: Option<&Policy>,
    jobs: usize,
) -> u8 {
    let mut limits = Limits::default();
    for (name, value) in settings {
        if let Err(e) = limits.set(name, value) {
            eprintln!("keras-sentinel: {e}");
            return 2;
        }
    }
    let (targets, skipped) = walk::collect(paths, jobs);
    let total = targets.len();
    let mut files = Vec::with_capacity(total);
    let color = output::use_color();
    let mut out = std::io::stdout().lock();
    let mut json = match format {
        Format::Json => match output::JsonStream::start(&mut out, total) {
            Ok(s) => Some(s),
            Err(_) => return 2,
        },
        _ => None,
    };
    // Files are scanned on `jobs` threads and written in the order they were listed, each
    // as soon as it and every file before it are done.
    let progress = !quiet && total > 1 && std::io::stderr().is_terminal();
    let mut done = 0;
    let mut text = String::new();
    let finished = batch::scan_files_grouped(&targets, &limits, policy, jobs, |i, report, more| {
        done += 1;
        if progress {
            // Progress goes to stderr, and only on a terminal (never escape codes in CI logs).
            eprint!("\r[{done}/{total}] {}\x1b[K", targets[i].path.display());
        }
        // Each file is written as soon as it can be (with the files ready at the same
        // time): a later file cannot lose it.
        let written = match (&mut json, format) {
            (Some(stream), _) => stream.file(&mut out, &report, more),
            (None, Format::Text) => {
                text.push_str(&output::text_file(&report, color, turkish));
                if tree {
                    text.push_str(&tree::text(&report, turkish));
                }
                if more {
                    Ok(())
                } else {
                    let w = out.write_all(text.as_bytes()).and_then(|_| out.flush());
                    text.clear();
                    w
                }
            }
            _ => Ok(()),
        };
        files.push(report);
        written.is_ok()
    });
    if progress {
        eprint!("\r\x1b[K");
    }
    if !finished {
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
        _ => out.write_all(output::text_summary(&report.files, &report.skipped, turkish).as_bytes()),
    };
    if written.and_then(|_| out.flush()).is_err() {
        return 2;
    }
    match policy {
        Some(_) => u8::from(report.files.iter().any(|f| f.policy.as_ref().is_some_and(|d| !d.passes()))),
        None => exit_code(&report),
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
