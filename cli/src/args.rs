//! Command-line arguments. Hand-parsed: four subcommands do not need a parser crate.

pub const USAGE: &str = "\
Usage:
  keras-sentinel scan [--format text|json|sarif] [--quiet] [--tree] [--tr] [--jobs N] [--policy FILE] [--limit NAME=VALUE]... PATH...
  keras-sentinel explain [--tr] CODE
  keras-sentinel rules
  keras-sentinel limits
  keras-sentinel --version

scan     Scan model files or directories (`keras-sentinel scan --help`).
explain  Show what a finding code means, why it matters and what to do (--tr: Turkish).
rules    List every finding code.
limits   List every limit with its default value and what it bounds.

Every command takes --help.

EXIT_CODES";

pub const SCAN_USAGE: &str = "\
Usage: keras-sentinel scan [--format text|json|sarif] [--quiet] [--tree] [--tr] [--jobs N] [--policy FILE] [--limit NAME=VALUE]... PATH...

Scan model files (.keras, .h5, .json, keras_metadata.pb, …) or directories (recursed;
files that are not model files are listed as skipped). Each file's result is written as
soon as it is done (text and json; sarif at the end). A file that hits a limit or
crashes the scanner is reported as `error`; the other files are still scanned and
reported. Sizes are in binary units (KiB = 1024 bytes, MiB, GiB).

  -f, --format FORMAT  text (default), json (docs/report.schema.json) or sarif (2.1.0).
  -q, --quiet          no progress line (progress is only shown on a terminal anyway).
  --tree               text output: draw each file's model overview (layers, nested
                       models, wrappers, shared layers) with its lambdas and findings
                       marked; json always has it in `model`.
  --tr                 text output in Turkish (labels, verdicts, rule titles, evidence,
                       errors, locations, policy lines, --tree); json and sarif keep
                       English text beside the message ids.
  -j, --jobs N         scan N files at a time (default: the number of cores); the
                       output keeps the order of the files.
  --policy FILE        apply a policy (docs/policy.md): each finding and file gets an
                       action (block, warn, ignore); exit 1 exactly when something is
                       blocked, 0 otherwise.
  --limit NAME=VALUE   change one limit (repeatable); see `keras-sentinel limits`.
  --                   everything after it is a path.

EXIT_CODES";

pub const EXPLAIN_USAGE: &str = "\
Usage: keras-sentinel explain [--tr] CODE

Show what a finding code (PAIT-KERAS-101, KS-CUSTOM-CLASS, …) means, why it matters and
what to do. --tr prints it in Turkish. `keras-sentinel rules` lists the codes.";

pub const RULES_USAGE: &str = "\
Usage: keras-sentinel rules

List every finding code with its severity and title.";

pub const LIMITS_USAGE: &str = "\
Usage: keras-sentinel limits

List every limit with its default value and what it bounds. `scan --limit NAME=VALUE`
changes one (sizes take K/M/G suffixes).";

/// Exit codes, shared by the general and the `scan` help.
pub const EXIT_CODES: &str = "\
Exit codes: 0 every file is clean, lambda or review (nothing above `lambda`/`review`);
            1 something malicious or suspicious (1 wins over 2: a finding matters
              more than a failure elsewhere);
            2 a file could not be scanned, hit a limit or is not a Keras model
              (or a usage error).
            With --policy: 1 when the policy blocks a file, else 0; 2 for usage errors
            and a policy file that cannot be read (its line, column and key named).";

/// The help text of a command (`None`: the general one).
pub fn help(topic: Option<&str>) -> String {
    let text = match topic {
        Some("scan") => SCAN_USAGE,
        Some("explain") => EXPLAIN_USAGE,
        Some("rules") => RULES_USAGE,
        Some("limits") => LIMITS_USAGE,
        _ => USAGE,
    };
    text.replace("EXIT_CODES", EXIT_CODES)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// `limits`: NAME=VALUE pairs, already checked against `Limits`.
    Scan {
        paths: Vec<String>,
        format: Format,
        quiet: bool,
        limits: Vec<(String, String)>,
        /// `--policy FILE`.
        policy: Option<String>,
        /// `--jobs N` (default: the number of cores).
        jobs: Option<usize>,
        /// `--tree`: the model overview under each file's text block.
        tree: bool,
        /// `--tr`: the text output in Turkish.
        turkish: bool,
    },
    Explain {
        code: String,
        turkish: bool,
    },
    Rules,
    Limits,
    /// `--help`, general or of one command (`scan --help`).
    Help(Option<&'static str>),
    Version,
}

pub fn parse(argv: &[String]) -> Result<Command, String> {
    let Some(first) = argv.first() else { return Ok(Command::Help(None)) };
    // `CMD --help` anywhere before a `--` asks for that command's help, whatever else is there.
    let wants_help = argv[1..].iter().take_while(|a| *a != "--").any(|a| a == "-h" || a == "--help");
    if let Some(cmd) = ["scan", "explain", "rules", "limits"].into_iter().find(|c| c == first).filter(|_| wants_help) {
        return Ok(Command::Help(Some(cmd)));
    }
    match first.as_str() {
        "-h" | "--help" => Ok(Command::Help(None)),
        "help" => Ok(Command::Help(
            argv.get(1).and_then(|t| ["scan", "explain", "rules", "limits"].into_iter().find(|c| c == t)),
        )),
        "-V" | "--version" => Ok(Command::Version),
        "rules" | "limits" if argv.len() > 1 => Err(format!("{first} takes no arguments (got {:?})", argv[1])),
        "rules" => Ok(Command::Rules),
        "limits" => Ok(Command::Limits),
        "explain" => {
            let mut turkish = false;
            let mut code = None;
            for a in &argv[1..] {
                match a.as_str() {
                    "--tr" => turkish = true,
                    s if s.starts_with('-') => return Err(format!("unknown option {s}")),
                    s if code.is_none() => code = Some(s.to_string()),
                    s => return Err(format!("unexpected argument {s}")),
                }
            }
            Ok(Command::Explain { code: code.ok_or("explain needs a finding code")?, turkish })
        }
        "scan" => {
            let mut format = Format::Text;
            let mut quiet = false;
            let mut paths = Vec::new();
            let mut limits = Vec::new();
            let mut policy = None;
            let mut jobs = None;
            let mut tree = false;
            let mut turkish = false;
            let mut it = argv[1..].iter();
            let mut only_paths = false;
            while let Some(a) = it.next() {
                if only_paths {
                    paths.push(a.clone());
                    continue;
                }
                let value = |it: &mut std::slice::Iter<String>, inline: Option<&str>| {
                    inline.map(str::to_string).or_else(|| it.next().cloned()).ok_or(format!("{a} needs a value"))
                };
                match a.split_once('=') {
                    _ if a == "--" => only_paths = true,
                    Some(("--format", v)) => format = fmt(&value(&mut it, Some(v))?)?,
                    _ if a == "--format" || a == "-f" => format = fmt(&value(&mut it, None)?)?,
                    Some(("--limit", v)) => limits.push(limit(&value(&mut it, Some(v))?)?),
                    _ if a == "--limit" => limits.push(limit(&value(&mut it, None)?)?),
                    Some(("--policy", v)) => policy = Some(value(&mut it, Some(v))?),
                    Some(("--jobs", v)) => jobs = Some(count(&value(&mut it, Some(v))?)?),
                    _ if a == "--jobs" || a == "-j" => jobs = Some(count(&value(&mut it, None)?)?),
                    _ if a == "--policy" => policy = Some(value(&mut it, None)?),
                    _ if a == "--quiet" || a == "-q" => quiet = true,
                    _ if a == "--tree" => tree = true,
                    _ if a == "--tr" => turkish = true,
                    _ if a.starts_with('-') && a.len() > 1 => return Err(format!("unknown option {a}")),
                    _ => paths.push(a.clone()),
                }
            }
            if paths.is_empty() {
                return Err("scan needs at least one path".into());
            }
            Ok(Command::Scan { paths, format, quiet, limits, policy, jobs, tree, turkish })
        }
        other => Err(format!("unknown command {other:?}")),
    }
}

/// A positive number of parallel scans.
fn count(v: &str) -> Result<usize, String> {
    v.parse::<usize>().ok().filter(|&n| n >= 1).ok_or(format!("--jobs {v:?}: expected a positive integer"))
}

/// `NAME=VALUE`, checked now so a typo is a usage error before anything is scanned.
fn limit(v: &str) -> Result<(String, String), String> {
    let (name, value) = v.split_once('=').ok_or(format!("--limit {v:?}: expected NAME=VALUE"))?;
    keras_sentinel::limits::Limits::default().set(name.trim(), value)?;
    Ok((name.trim().to_string(), value.to_string()))
}

fn fmt(v: &str) -> Result<Format, String> {
    match v {
        "text" => Ok(Format::Text),
        "json" => Ok(Format::Json),
        "sarif" => Ok(Format::Sarif),
        _ => Err(format!("unknown format {v:?} (text, json or sarif)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_scan_variants() {
        assert_eq!(
            p(&["scan", "--format", "json", "a.h5", "b"]).unwrap(),
            Command::Scan {
                paths: vec!["a.h5".into(), "b".into()],
                format: Format::Json,
                quiet: false,
                limits: vec![],
                policy: None,
                jobs: None,
                tree: false,
                turkish: false,
            }
        );
        assert_eq!(
            p(&["scan", "--format=sarif", "-q", "--", "-odd-name"]).unwrap(),
            Command::Scan {
                paths: vec!["-odd-name".into()],
                format: Format::Sarif,
                quiet: true,
                limits: vec![],
                policy: None,
                jobs: None,
                tree: false,
                turkish: false,
            }
        );
        assert!(p(&["scan"]).is_err());
        assert!(p(&["scan", "--format", "xml", "a"]).is_err());
        assert!(p(&["scan", "--bogus", "a"]).is_err());
        assert_eq!(
            p(&["explain", "--tr", "PAIT-KERAS-101"]).unwrap(),
            Command::Explain { code: "PAIT-KERAS-101".into(), turkish: true }
        );
        assert_eq!(p(&[]).unwrap(), Command::Help(None));
        assert_eq!(p(&["--help"]).unwrap(), Command::Help(None));
        assert_eq!(p(&["scan", "--help"]).unwrap(), Command::Help(Some("scan")));
        assert_eq!(p(&["scan", "-f", "json", "-h", "a"]).unwrap(), Command::Help(Some("scan")));
        assert_eq!(p(&["explain", "--help"]).unwrap(), Command::Help(Some("explain")));
        assert_eq!(p(&["rules", "-h"]).unwrap(), Command::Help(Some("rules")));
        assert_eq!(p(&["limits", "--help"]).unwrap(), Command::Help(Some("limits")));
        assert_eq!(p(&["help", "scan"]).unwrap(), Command::Help(Some("scan")));
        assert!(p(&["rules", "extra"]).is_err());
        // After `--`, `--help` is a file name.
        assert!(matches!(p(&["scan", "--", "--help"]).unwrap(), Command::Scan { .. }));
        for topic in [None, Some("scan"), Some("explain"), Some("rules"), Some("limits")] {
            assert!(help(topic).starts_with("Usage"), "{topic:?}");
            assert!(!help(topic).contains("EXIT_CODES"));
        }
        assert_eq!(
            p(&["scan", "--limit", "max_work=1M", "--limit=max_findings=3", "a"]).unwrap(),
            Command::Scan {
                paths: vec!["a".into()],
                format: Format::Text,
                quiet: false,
                limits: vec![("max_work".into(), "1M".into()), ("max_findings".into(), "3".into())],
                policy: None,
                jobs: None,
                tree: false,
                turkish: false,
            }
        );
        assert_eq!(
            p(&["scan", "--policy", "p.toml", "a"]).unwrap(),
            Command::Scan {
                paths: vec!["a".into()],
                format: Format::Text,
                quiet: false,
                limits: vec![],
                policy: Some("p.toml".into()),
                jobs: None,
                tree: false,
                turkish: false,
            }
        );
        assert!(p(&["scan", "a", "--policy"]).unwrap_err().contains("--policy needs a value"));
        assert!(matches!(p(&["scan", "-j", "3", "a"]).unwrap(), Command::Scan { jobs: Some(3), .. }));
        assert!(matches!(p(&["scan", "--tree", "a"]).unwrap(), Command::Scan { tree: true, .. }));
        assert!(matches!(p(&["scan", "--tr", "a"]).unwrap(), Command::Scan { turkish: true, .. }));
        assert!(p(&["scan", "--jobs", "0", "a"]).unwrap_err().contains("positive integer"));
        assert!(p(&["scan", "--limit", "max_nope=1", "a"]).unwrap_err().contains("max_nope"));
        assert!(p(&["scan", "--limit", "max_work=lots", "a"]).unwrap_err().contains("max_work"));
        assert!(p(&["scan", "--limit", "max_work", "a"]).unwrap_err().contains("NAME=VALUE"));
        assert!(p(&["scan", "a", "--limit"]).unwrap_err().contains("--limit needs a value"));
        assert_eq!(p(&["limits"]).unwrap(), Command::Limits);
    }
}
