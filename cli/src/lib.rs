//! `keras-sentinel`: scan Keras model files from a terminal or a CI pipeline.
//!
//! Only argument parsing, directory walking and output live here; the detection is the
//! core library's. The command is a library function, [`run`], so that the binary
//! (`main.rs`) and the Python package (`python/`) run the very same code.

mod args;
mod output;
mod walk;

use std::io::Write;

use keras_sentinel::limits::Limits;
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
        Command::Scan { paths, format, quiet } => scan(&paths, format, quiet),
    }
}

fn scan(paths: &[String], format: Format, quiet: bool) -> u8 {
    let limits = Limits::default();
    let (targets, skipped) = walk::collect(paths);
    let total = targets.len();
    let mut files = Vec::with_capacity(total);
    for (i, path) in targets.iter().enumerate() {
        // Progress goes to stderr so it never mixes with JSON/SARIF on stdout.
        if !quiet && total > 1 {
            eprint!("\r[{}/{}] {}\x1b[K", i + 1, total, path.display());
        }
        let name = path.display().to_string();
        let report = match FileSource::open(path) {
            Ok(src) => keras_sentinel::scan(&src, &name, &limits),
            Err(e) => FileReport {
                path: name,
                format: "unknown".into(),
                verdict: Verdict::Error,
                findings: vec![],
                errors: vec![ScanError { location: "file".into(), message: format!("cannot open: {e}") }],
                keras_version: None,
                stats: Stats::default(),
            },
        };
        files.push(report);
    }
    if !quiet && total > 1 {
        eprint!("\r\x1b[K");
    }
    let mut report = ScanReport::new(files);
    report.skipped = skipped;

    let text = match format {
        Format::Json => serde_json::to_string_pretty(&report).expect("report serializes") + "\n",
        Format::Sarif => serde_json::to_string_pretty(&output::sarif(&report)).expect("sarif serializes") + "\n",
        Format::Text => output::text(&report, output::use_color()),
    };
    let mut out = std::io::stdout().lock();
    if out.write_all(text.as_bytes()).and_then(|_| out.flush()).is_err() {
        return 2;
    }
    exit_code(&report)
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
