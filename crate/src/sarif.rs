//! SARIF 2.1.0 rendering of a report, shared by the CLI (`--format sarif`) and the page's
//! export, so both produce the same document for the same scan.
//!
//! Follows what the official validator (`Sarif.Multitool validate`) and GitHub code
//! scanning expect: artifact URIs relative to `%SRCROOT%` (or absolute `file://` URIs),
//! a whole-file byte region (a model is a binary artifact: no lines), rule help in text
//! and Markdown, `security-severity`, and a stable `partialFingerprints` entry per result.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::policy::Action;
use crate::report::{FileReport, Finding, ScanReport, Severity};
use crate::rules::{self, RuleDoc};

/// The base every relative artifact URI is resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

/// Percent-encodes a path for a URI (RFC 3986: unreserved characters and `/` stay).
fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The artifact location of a report path: relative paths against `%SRCROOT%`, absolute
/// ones as `file://` URIs (SARIF1004: a relative reference must not begin with a slash).
pub fn artifact_location(path: &str) -> Value {
    let p = normalize(&path.replace('\\', "/"));
    let windows_drive = p.len() >= 2 && p.as_bytes()[1] == b':' && p.as_bytes()[0].is_ascii_alphabetic();
    if p.starts_with('/') {
        json!({"uri": format!("file://{}", encode_path(&p))})
    } else if windows_drive {
        json!({"uri": format!("file:///{}{}", &p[..2], encode_path(&p[2..]))})
    } else {
        let rel = p.trim_start_matches("./");
        json!({"uri": encode_path(rel), "uriBaseId": SRCROOT})
    }
}

/// Removes `.` segments and folds `dir/..` (SARIF1002: URIs must not hold dot segments).
/// A relative path keeps the `..` that climb above its start: only the CLI, which knows
/// the working directory, could resolve those.
fn normalize(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            ".." if absolute => {}
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn rule_json(r: &RuleDoc) -> Value {
    let t = &r.en;
    let mut md =
        format!("**{}**\n\n{}\n\n**Why it matters.** {}\n\n**What to do.** {}\n", t.title, t.what, t.why, t.remedy);
    if !r.cves.is_empty() {
        md.push_str(&format!("\nCVE: {}\n", r.cves.join(", ")));
    }
    for (q, a) in t.faq {
        md.push_str(&format!("\n**{q}** {a}\n"));
    }
    json!({
        "id": r.code,
        "name": r.code.replace('-', ""),
        "shortDescription": {"text": t.title},
        "fullDescription": {"text": format!("{} {}", t.what, t.why)},
        "help": {"text": format!("{} {} What to do: {}", t.what, t.why, t.remedy), "markdown": md},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "security-severity": security_severity(r.severity),
            "problem.severity": if r.severity >= Severity::High { "error" } else if r.severity == Severity::Medium { "warning" } else { "recommendation" },
            "tags": ["security"],
        },
    })
}

/// A fingerprint that stays the same for the same finding in the same file across runs:
/// rule, layer, place in the file, and the payload's hash when there is one.
fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    for part in
        [f.code, &f.layer, &f.location.container, &f.location.pointer, f.evidence.sha256.as_deref().unwrap_or("")]
    {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn result(file: &FileReport, index: usize, f: &Finding) -> Value {
    let explanation = f.rule().map(|r| r.explanation()).unwrap_or_default();
    let mut msg = format!("{}: {explanation}", f.title_text());
    if let Some(s) = &f.evidence.source {
        msg.push_str(&format!(" Source: {s}"));
    }
    if !f.evidence.calls.is_empty() {
        msg.push_str(&format!(" Calls: {}.", f.evidence.calls.join(", ")));
    }
    let place = if f.layer.is_empty() { f.location.to_string() } else { f.layer.clone() };
    let mut physical = json!({"artifactLocation": artifact_location(&file.path)});
    if file.stats.file_bytes > 0 {
        physical["region"] = json!({"byteOffset": 0, "byteLength": file.stats.file_bytes});
    }
    let mut r = json!({
        "ruleId": f.code,
        "ruleIndex": rules::ALL.iter().position(|r| r.code == f.code),
        "level": level(f.severity),
        "message": {"text": msg},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{"fullyQualifiedName": place, "kind": "member"}],
        }],
        "partialFingerprints": {"kerasSentinelFinding/v1": fingerprint(f)},
        "properties": {
            "verdict": file.verdict.as_str(),
            "severity": f.severity.as_str(),
            "location": f.location.to_string(),
            "evidence": f.evidence,
            "cves": f.rule().map_or(&[][..], |r| r.cves),
        },
    });
    // A finding the policy lets through is a suppressed result, with who accepted it.
    if let Some(d) = file.policy.as_ref().and_then(|p| p.findings.get(index).map(|fd| (p, fd))) {
        let (policy, fd) = d;
        r["properties"]["action"] = json!(fd.action);
        if fd.action == Action::Ignore {
            let allowed = fd.allowed_by.as_ref().or(policy.file_allowed_by.as_ref());
            let justification = match (allowed, &fd.note) {
                (Some(a), _) => {
                    format!("{} (reviewer {}, policy {} line {})", a.reason, a.reviewer, policy.policy, a.line)
                }
                (None, Some(n)) => format!("{n} (policy {})", policy.policy),
                (None, None) => format!("ignored by policy {}", policy.policy),
            };
            r["suppressions"] = json!([{"kind": "external", "status": "accepted", "justification": justification}]);
        }
    }
    r
}

/// SARIF 2.1.0: one run, every rule in the driver, one result per finding, scan errors
/// as tool execution notifications (`executionSuccessful` is false when there are any).
pub fn render(report: &ScanReport) -> Value {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in &report.files {
        for (i, f) in file.findings.iter().enumerate() {
            results.push(result(file, i, f));
        }
        for e in &file.errors {
            notifications.push(json!({
                "level": "error",
                "message": {"text": format!("{}: {}: {}", file.path, e.location, e.message)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact_location(&file.path)}}],
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "keras-sentinel",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules::ALL.iter().map(rule_json).collect::<Vec<_>>(),
            }},
            "results": results,
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris() {
        assert_eq!(
            artifact_location("models/a b.keras"),
            json!({"uri": "models/a%20b.keras", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(artifact_location("./m.h5"), json!({"uri": "m.h5", "uriBaseId": "%SRCROOT%"}));
        assert_eq!(artifact_location("/work/x/ç.h5"), json!({"uri": "file:///work/x/%C3%A7.h5"}));
        assert_eq!(artifact_location("C:\\m\\x.h5"), json!({"uri": "file:///C:/m/x.h5"}));
        assert_eq!(artifact_location("/a/cli/../b/./c.h5"), json!({"uri": "file:///a/b/c.h5"}));
        assert_eq!(artifact_location("a/../../b.h5"), json!({"uri": "../b.h5", "uriBaseId": "%SRCROOT%"}));
    }
}
