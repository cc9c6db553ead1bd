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
use crate::report::{ScanReport, Severity};
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

/// A string field of a report object ("" when absent: the report leaves empty fields out).
fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A catalogue message's English text (schema 2: `{id, args, text}`), or a plain string.
fn message_text(m: &Value) -> &str {
    m.as_str().or_else(|| m.get("text").and_then(Value::as_str)).unwrap_or("")
}

/// `Location`'s `Display` (`crate::report`), from its JSON.
fn location_text(loc: &Value) -> String {
    let (c, p) = (s(loc, "container"), s(loc, "pointer"));
    match (c.is_empty(), p.is_empty()) {
        (true, true) => "(file)".to_string(),
        (false, true) => c.to_string(),
        (true, false) => p.to_string(),
        (false, false) => format!("{c} {p}"),
    }
}

fn severity(s: &str) -> Severity {
    match s {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Info,
    }
}

/// A fingerprint that stays the same for the same finding in the same file across runs:
/// rule, layer, place in the file, and the payload's hash when there is one.
fn fingerprint(f: &Value) -> String {
    let mut h = Sha256::new();
    let loc = &f["location"];
    for part in [s(f, "code"), s(f, "layer"), s(loc, "container"), s(loc, "pointer"), s(&f["evidence"], "sha256")] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    crate::hash::hex(&h.finalize()[..16])
}

fn result(file: &Value, index: usize, f: &Value) -> Value {
    let ev = &f["evidence"];
    let code = s(f, "code");
    let sev = severity(s(f, "severity"));
    // Schema 2: the rule's texts live once per report; a finding has its own title only
    // when it names the specific thing found (a catalogue message, `text` in English).
    let rule = rules::reference(code);
    let title = f["title"].get("text").and_then(Value::as_str).unwrap_or_else(|| rule.map_or("", |r| r.title));
    let explanation = rule.map(|r| r.explanation()).unwrap_or_default();
    let mut msg = format!("{title}: {explanation}");
    if let Some(src) = ev.get("source").and_then(Value::as_str) {
        msg.push_str(&format!(" Source: {src}"));
    }
    let calls: Vec<&str> =
        ev.get("calls").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if !calls.is_empty() {
        msg.push_str(&format!(" Calls: {}.", calls.join(", ")));
    }
    let layer = s(f, "layer");
    let place = if layer.is_empty() { location_text(&f["location"]) } else { layer.to_string() };
    let mut physical = json!({"artifactLocation": artifact_location(s(file, "path"))});
    let file_bytes = file["stats"]["file_bytes"].as_u64().unwrap_or(0);
    if file_bytes > 0 {
        physical["region"] = json!({"byteOffset": 0, "byteLength": file_bytes});
    }
    let mut r = json!({
        "ruleId": code,
        "ruleIndex": rules::ALL.iter().position(|r| r.code == code),
        "level": level(sev),
        "message": {"text": msg},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{"fullyQualifiedName": place, "kind": "member"}],
        }],
        "partialFingerprints": {"kerasSentinelFinding/v1": fingerprint(f)},
        "properties": {
            "verdict": s(file, "verdict"),
            "severity": s(f, "severity"),
            "location": location_text(&f["location"]),
            "evidence": ev.as_object().map_or_else(|| json!({}), |_| ev.clone()),
            "cves": rule.map_or(&[][..], |r| r.cves),
        },
    });
    // A finding the policy lets through is a suppressed result, with who accepted it.
    let policy = &file["policy"];
    if let Some(fd) = policy.get("findings").and_then(|d| d.get(index)) {
        r["properties"]["action"] = fd["action"].clone();
        if s(fd, "action") == Action::Ignore.as_str() {
            let name = s(policy, "policy");
            let allowed = fd.get("allowed_by").or_else(|| policy.get("file_allowed_by")).filter(|a| a.is_object());
            let note = fd.get("note").map(|n| crate::messages::render_json(n, &|_| None));
            let justification = match (allowed, note) {
                (Some(a), _) => format!(
                    "{} (reviewer {}, policy {name} line {})",
                    s(a, "reason"),
                    s(a, "reviewer"),
                    a["line"].as_u64().unwrap_or(0)
                ),
                (None, Some(n)) => format!("{n} (policy {name})"),
                (None, None) => format!("ignored by policy {name}"),
            };
            r["suppressions"] = json!([{"kind": "external", "status": "accepted", "justification": justification}]);
        }
    }
    r
}

/// SARIF 2.1.0: one run, every rule in the driver, one result per finding, scan errors
/// as tool execution notifications (`executionSuccessful` is false when there are any).
pub fn render(report: &ScanReport) -> Value {
    let files: Vec<Value> = report
        .files
        .iter()
        .map(|f| {
            serde_json::to_value(f).unwrap_or_else(|e| {
                json!({"path": f.path, "errors": [{"location": "report", "message": {"text": format!("report could not be serialized: {e}")}}]})
            })
        })
        .collect();
    render_files(&files)
}

/// [`render`] from file reports as JSON (`files[]` entries of the CLI's report, as the
/// page holds them): the page's exporter and the CLI share this, so a SARIF export from
/// the page is the CLI's `--format sarif` for the same files.
pub fn render_files(files: &[Value]) -> Value {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in files {
        let path = s(file, "path");
        for (i, f) in file.get("findings").and_then(Value::as_array).into_iter().flatten().enumerate() {
            results.push(result(file, i, f));
        }
        for e in file.get("errors").and_then(Value::as_array).into_iter().flatten() {
            notifications.push(json!({
                "level": "error",
                "message": {"text": format!("{path}: {}: {}", s(e, "location"), message_text(&e["message"]))},
                "locations": [{"physicalLocation": {"artifactLocation": artifact_location(path)}}],
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

    #[test]
    fn a_review_file_is_a_warning_with_its_verdict() {
        let cfg = r#"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "AcmeLayer", "config": {"name": "a", "trainable": true}}]}}"#;
        let file = crate::scan(&cfg.as_bytes().to_vec(), "m.json", &crate::limits::Limits::default());
        assert_eq!(file.verdict, crate::report::Verdict::Review);
        let log = render(&ScanReport::new(vec![file]));
        let r = &log["runs"][0]["results"][0];
        assert_eq!(r["ruleId"], "KS-CUSTOM-CLASS");
        assert_eq!(r["level"], "warning");
        assert_eq!(r["properties"]["verdict"], "review");
    }

    /// A config JSON with a custom class under a trusted module (a note), a lambda-free
    /// `os.system` layer (allowed by the file entry), and the SARIF rendered from the
    /// report and from its JSON text (what the page's exporter holds).
    #[test]
    fn suppressions_name_who_accepted_and_json_input_renders_the_same() {
        use crate::policy::{self, Context, Policy};
        let cfg = br#"{"class_name":"Functional","config":{"layers":[
            {"module":"acme.layers","class_name":"Attention","config":{"name":"att"}},
            {"module":"os","class_name":"system","config":{"name":"x"}}]}}"#;
        let mut r = crate::scan(&cfg.to_vec(), "dir/m.json", &crate::limits::Limits::default());
        let p = Policy::parse(
            "version = 1\nname = \"t\"\n[actions]\ncritical = \"warn\"\n[trust]\nmodules = [\"acme\"]\n",
            "t.toml",
        )
        .unwrap();
        r.policy = Some(policy::apply(&p, &r, &Context { file_sha256: Some("ab"), today: Some("2026-01-01") }));
        let report = ScanReport::new(vec![r.clone()]);
        let sarif = render(&report);
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), r.findings.len(), "{sarif}");
        let suppressed: Vec<&Value> = results.iter().filter(|x| x.get("suppressions").is_some()).collect();
        assert!(!suppressed.is_empty(), "{sarif}");
        for x in &suppressed {
            assert_eq!(x["properties"]["action"], "ignore");
            let j = x["suppressions"][0]["justification"].as_str().unwrap();
            assert_eq!(j, "trusted module acme (policy t)");
        }
        assert!(results.iter().any(|x| x["properties"]["action"] == "warn"));
        for x in results {
            assert_eq!(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "dir/m.json");
            assert_eq!(x["properties"]["verdict"], r.verdict.as_str());
            assert!(x["ruleIndex"].is_u64() && x["partialFingerprints"]["kerasSentinelFinding/v1"].is_string());
        }
        // From the JSON text, as the page's exporter receives it: the same document.
        let text = serde_json::to_string(&r).unwrap();
        let from_text = render_files(&[serde_json::from_str(&text).unwrap()]);
        assert_eq!(from_text.to_string(), sarif.to_string());
    }
}
