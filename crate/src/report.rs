//! The report model: files → verdict → findings. Serialized as the CLI's JSON and sent
//! from the browser worker to the page, so its field names are a versioned schema.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::messages::{en, Message};
use crate::msg;

/// Version of the JSON schema below; bump on any incompatible change.
/// 2: evidence notes, categories, specific titles and error messages are catalogue
/// messages (`{id, args, text}`); rule texts are once per report in `rules`.
pub const SCHEMA_VERSION: u32 = 2;

/// Shortens evidence text to at most `max` bytes (on a character boundary), marking the cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The verdict of one file (detection-rules.md, "Verdict of a file").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Malicious,
    Suspicious,
    Lambda,
    /// No embedded code, but custom classes whose code the loader's environment supplies.
    Review,
    Clean,
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Malicious => "malicious",
            Verdict::Suspicious => "suspicious",
            Verdict::Lambda => "lambda",
            Verdict::Review => "review",
            Verdict::Clean => "clean",
            Verdict::Error => "error",
        }
    }
}

/// The code of a proven-ordinary embedded lambda: the one `medium` finding that makes a
/// file `lambda` rather than `review`.
pub const LAMBDA_PRESENT: &str = "PAIT-KERAS-100";

/// Where in the file a finding sits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The container part: a zip member (`config.json`), an HDF5 attribute
    /// (`/model_config`), a protobuf node (`keras_metadata.pb node root.layer-1`), or empty
    /// for a bare JSON file.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub container: String,
    /// RFC 6901 JSON pointer inside that part's JSON document.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pointer: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.container.is_empty(), self.pointer.is_empty()) {
            (true, true) => write!(f, "(file)"),
            (false, true) => write!(f, "{}", self.container),
            (true, false) => write!(f, "{}", self.pointer),
            (false, false) => write!(f, "{} {}", self.container, self.pointer),
        }
    }
}

impl Location {
    /// As `Display`, with the container label in the language of `lookup` (see
    /// [`crate::messages::render_place`]).
    pub fn render<'t>(&self, lookup: &dyn Fn(&str) -> Option<&'t str>) -> String {
        let place = |s: &str| crate::messages::render_place(s, lookup);
        match (self.container.is_empty(), self.pointer.is_empty()) {
            (true, true) => place("(file)"),
            (false, true) => place(&self.container),
            (true, false) => self.pointer.clone(),
            (false, false) => format!("{} {}", place(&self.container), self.pointer),
        }
    }
}

/// One more place where the same thing (e.g. the same decoded lambda) was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    pub layer: String,
    pub location: Location,
}

/// What supports a finding. Every field is optional; a finding fills what it knows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// How the payload was stored: `base64`, `raw_unicode_escape`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Length of the decoded payload (marshal bytes) in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded_bytes: Option<u64>,
    /// SHA-256 of the decoded payload, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The Python version (or range) the bytecode was made by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_version: Option<String>,
    /// The lambda rendered as readable Python-like code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Calls the code makes, resolved to dotted names with folded arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
    /// Strings recovered by deobfuscation (decoded base64, joined chr() codes, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub strings: Vec<String>,
    /// Rule categories hit (`command execution`, `network`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Message>,
    /// A referenced module / class / function (`builtins.exec`, `keras.utils.get_file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Python globals a pickle imports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<String>,
    /// Anything else worth a reviewer's eye, one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Message>,
    /// Other places where the same payload was found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_at: Vec<Occurrence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Rule code, e.g. `PAIT-KERAS-101` or `KS-CONFIG-MODULE`.
    pub code: &'static str,
    pub severity: Severity,
    /// A title naming the specific thing found (`Config calls keras.utils.get_file`),
    /// when the rule's title (in the report's `rules`) is not specific enough.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Message>,
    /// Layer path in the model, e.g. `model > inner > lambda_3`.
    pub layer: String,
    pub location: Location,
    pub evidence: Evidence,
}

impl Finding {
    /// The rule's own texts (title, explanation, CVEs), which the report carries once.
    pub fn rule(&self) -> Option<&'static crate::rules::RuleRef> {
        crate::rules::reference(self.code)
    }

    /// The title in English: the specific one, else the rule's.
    pub fn title_text(&self) -> &str {
        match &self.title {
            Some(t) => &t.text,
            None => self.rule().map_or("", |r| r.title),
        }
    }
}

/// A rule's texts as a report carries them, once per rule code it mentions.
#[derive(Debug, Clone, Serialize)]
pub struct RuleText {
    pub title: &'static str,
    /// Severity of the rule (a finding may be raised or lowered from it).
    pub severity: Severity,
    /// One paragraph: what was found, why it matters, what to do.
    pub explanation: String,
    /// CVE ids the rule covers, if any.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub cves: &'static [&'static str],
}

/// The rule texts of the findings of `files`, keyed by code (sorted: stable output).
pub fn rule_texts<'a>(files: impl IntoIterator<Item = &'a FileReport>) -> BTreeMap<&'static str, RuleText> {
    rule_texts_of(files.into_iter().flat_map(|f| &f.findings).map(|f| f.code))
}

/// The rule texts of these codes (unknown codes are left out), keyed by code.
pub fn rule_texts_of<'a>(codes: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'static str, RuleText> {
    let mut out = BTreeMap::new();
    for r in codes.into_iter().filter_map(crate::rules::reference) {
        out.entry(r.code).or_insert_with(|| RuleText {
            title: r.title,
            severity: r.severity,
            explanation: r.explanation(),
            cves: r.cves,
        });
    }
    out
}

/// Something that stopped part of the scan. Any error makes the verdict `error`
/// unless a finding already makes the file malicious or suspicious.
#[derive(Debug, Clone, Serialize)]
pub struct ScanError {
    /// Where: container part and place (`config.json`, `HDF5 object header @ 0x1234`).
    pub location: String,
    pub message: Message,
    /// The `Limits` field that stopped this part of the scan, when a limit did
    /// (`keras-sentinel limits` documents it; `--limit name=value` raises it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<&'static str>,
}

impl ScanError {
    pub fn new(location: impl Into<String>, message: Message) -> Self {
        ScanError { location: location.into(), message, limit: None }
    }

    /// An error a reader reported: its technical detail is quoted as it is.
    pub fn unreadable(location: impl Into<String>, detail: impl crate::messages::IntoArg) -> Self {
        ScanError::new(location, Message::new(en::ERR_UNREADABLE, vec![("detail", detail.into_arg())]))
    }

    /// An error caused by a limit; the message names the limit and its value.
    pub fn from_limit(hit: &crate::limits::LimitHit, limits: &crate::limits::Limits) -> Self {
        let value = limits.get(hit.limit).unwrap_or_default();
        ScanError {
            location: hit.location.clone(),
            message: msg!(en::ERR_LIMIT, what = hit.message.clone(), limit = hit.limit, value = value),
            limit: Some(hit.limit),
        }
    }
}

/// How much of the source the scan touched.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub file_bytes: u64,
    pub bytes_read: u64,
    pub reads: u64,
    /// Work units charged to the file's budget (`max_work`).
    pub work_units: u64,
    /// Peak memory estimate charged to the budget (`max_memory_bytes`).
    pub memory_estimate: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    /// What the file is: `keras-zip`, `hdf5`, `json`, `savedmodel-metadata`, … or `unknown`.
    pub format: String,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ScanError>,
    /// Keras version as the file claims it (attacker-controlled: informational only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keras_version: Option<String>,
    pub stats: Stats,
    /// SHA-256 of the file's bytes (hex), when it was computed (a policy with file
    /// entries, the page's hash after the verdict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// What the policy in force decided: an action per finding and for the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<crate::policy::Decision>,
    /// The layer tree as Keras would build it, with the findings on their layers
    /// (display only; `max_overview_nodes` bounds it). Absent when no layer was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<crate::keras::overview::ModelOverview>,
}

impl FileReport {
    /// The verdict implied by findings and errors (detection-rules.md): the worst
    /// finding decides; an error makes an otherwise lambda/review/clean file `error`,
    /// because a file that could not be fully verified is never `clean`. Among `medium`
    /// findings, an embedded lambda (PAIT-KERAS-100) makes the file `lambda`; any other
    /// (a custom class) makes it `review`: no code in the file, but code from the
    /// loader's environment.
    pub fn compute_verdict(findings: &[Finding], errors: &[ScanError]) -> Verdict {
        let worst = findings.iter().map(|f| f.severity).max();
        match worst {
            Some(Severity::Critical) => Verdict::Malicious,
            Some(Severity::High) => Verdict::Suspicious,
            _ if !errors.is_empty() => Verdict::Error,
            Some(Severity::Medium) if findings.iter().any(|f| f.code == LAMBDA_PRESENT) => Verdict::Lambda,
            Some(Severity::Medium) => Verdict::Review,
            _ => Verdict::Clean,
        }
    }

    /// Findings below `medium` (`low`, `info`): notes a clean file still shows.
    pub fn notes(&self) -> usize {
        self.findings.iter().filter(|f| f.severity < Severity::Medium).count()
    }
}

/// A path that was seen but not scanned, and why (never skipped silently).
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub scanner: &'static str,
    pub scanner_version: &'static str,
    pub files: Vec<FileReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// The texts of every rule the findings name, once per report (not per finding).
    pub rules: BTreeMap<&'static str, RuleText>,
}

impl ScanReport {
    pub fn new(files: Vec<FileReport>) -> Self {
        ScanReport {
            schema_version: SCHEMA_VERSION,
            scanner: "keras-sentinel",
            scanner_version: env!("CARGO_PKG_VERSION"),
            rules: rule_texts(&files),
            files,
            skipped: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(sev: Severity) -> Finding {
        coded(if sev == Severity::Medium { LAMBDA_PRESENT } else { "X" }, sev)
    }

    fn coded(code: &'static str, sev: Severity) -> Finding {
        Finding {
            code,
            severity: sev,
            title: None,
            layer: String::new(),
            location: Location::default(),
            evidence: Evidence::default(),
        }
    }

    #[test]
    fn worst_finding_decides_and_errors_block_clean() {
        let err = ScanError::unreadable("x", "y");
        assert_eq!(FileReport::compute_verdict(&[], &[]), Verdict::Clean);
        assert_eq!(FileReport::compute_verdict(&[finding(Severity::Info)], &[]), Verdict::Clean);
        assert_eq!(FileReport::compute_verdict(&[finding(Severity::Medium)], &[]), Verdict::Lambda);
        assert_eq!(
            FileReport::compute_verdict(&[finding(Severity::Medium)], std::slice::from_ref(&err)),
            Verdict::Error
        );
        assert_eq!(FileReport::compute_verdict(&[], std::slice::from_ref(&err)), Verdict::Error);
        // A custom class alone is `review`; with an embedded lambda the file is `lambda`.
        let custom = coded("KS-CUSTOM-CLASS", Severity::Medium);
        assert_eq!(FileReport::compute_verdict(std::slice::from_ref(&custom), &[]), Verdict::Review);
        assert_eq!(
            FileReport::compute_verdict(&[custom.clone(), finding(Severity::Medium), finding(Severity::Low)], &[]),
            Verdict::Lambda
        );
        assert_eq!(FileReport::compute_verdict(&[custom], std::slice::from_ref(&err)), Verdict::Error);
        assert_eq!(FileReport::compute_verdict(&[finding(Severity::High)], &[err]), Verdict::Suspicious);
        assert_eq!(
            FileReport::compute_verdict(&[finding(Severity::High), finding(Severity::Critical)], &[]),
            Verdict::Malicious
        );
    }
}
