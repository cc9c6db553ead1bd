//! The review step of one file, in the worker: the policy in force and the decision on a
//! scanned file (again once its SHA-256 is known). Kept apart from the page
//! (`bin/app.rs`) so the page's wasm does not link the policy parser or the hash. SARIF
//! is not rendered here: the exporter (`bin/exporter.rs`) builds it from the report JSON.

use keras_sentinel::policy::{self, Context, Policy, PolicyError};
use keras_sentinel::report::FileReport;

/// The policy the worker applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InForce {
    /// No decision at all: the site's policy could not be read and the built-in one must
    /// not silently take its place.
    None,
    Some(Policy),
}

impl InForce {
    /// Does the decision depend on the file's hash (file allowlist entries)?
    pub fn needs_hash(&self) -> bool {
        match self {
            InForce::None => false,
            InForce::Some(p) => p.allow.iter().any(|a| a.kind == policy::AllowKind::File),
        }
    }
}

/// Reads a policy sent by the page: no text means the built-in policy.
pub fn read_policy(text: Option<&str>, name: &str) -> Result<Policy, PolicyError> {
    match text {
        None => Ok(Policy::default()),
        Some(t) => Policy::parse(t, name),
    }
}

/// Sets the file's hash (when known) and the policy's decision on `report`.
pub fn decide(report: &mut FileReport, policy: &InForce, sha256: Option<&str>, today: &str) {
    report.sha256 = sha256.map(str::to_string);
    report.policy = match policy {
        InForce::None => None,
        InForce::Some(p) => Some(policy::apply(p, report, &Context { file_sha256: sha256, today: Some(today) })),
    };
}

/// The file's report as JSON (one `files[]` entry of the CLI's schema): what the page
/// shows and what its exports are built from.
pub fn report_json(report: &FileReport) -> String {
    // Cannot fail (string keys only); no error text, to keep serde_json's messages out of
    // the worker's wasm.
    serde_json::to_string(report).unwrap_or_else(|_| r#"{"error":"report could not be serialized"}"#.into())
}

/// `YYYY-MM-DD` from year, month (1-12) and day: the date policy expiry compares against.
pub fn ymd(year: u32, month: u32, day: u32) -> String {
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use keras_sentinel::limits::Limits;

    const LAMBDA_JSON: &str = r#"{"class_name":"Sequential","config":{"layers":[{"module":"os","class_name":"system","config":{"name":"x"}}]}}"#;

    fn scanned() -> FileReport {
        keras_sentinel::scan(&LAMBDA_JSON.as_bytes().to_vec(), "m.json", &Limits::default())
    }

    #[test]
    fn no_text_is_the_built_in_policy_and_errors_name_line_column_key() {
        assert_eq!(read_policy(None, "x").unwrap(), Policy::default());
        let e = read_policy(Some("version = 1\n[actions]\ncritical = \"maybe\"\n"), "site").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (3, Some("actions.critical")));
        assert!(e.column >= 1);
    }

    #[test]
    fn the_decision_follows_the_policy_and_the_hash() {
        let mut r = scanned();
        assert!(!r.findings.is_empty(), "{r:?}");
        decide(&mut r, &InForce::None, None, "2026-01-01");
        assert!(r.policy.is_none() && r.sha256.is_none());
        decide(&mut r, &InForce::Some(Policy::default()), None, "2026-01-01");
        let builtin = r.policy.clone().unwrap();
        assert_eq!(builtin.policy, "built-in");
        assert_eq!(builtin.findings.len(), r.findings.len());

        let bytes = LAMBDA_JSON.as_bytes().to_vec();
        let sha = keras_sentinel::hash::sha256(&bytes, &mut |_, _| true).unwrap();
        let text = format!(
            "version = 1\nname = \"t\"\n[actions]\nmedium = \"block\"\n[[allow]]\nfile_sha256 = \"{sha}\"\nreason = \"ok\"\nreviewer = \"rev\"\nexpires = 2026-06-30\n"
        );
        let p = InForce::Some(read_policy(Some(&text), "t.toml").unwrap());
        assert!(p.needs_hash());
        decide(&mut r, &p, None, "2026-01-01");
        assert_eq!(r.policy.as_ref().unwrap().action.as_str(), "block", "pending hash: the stricter decision");
        decide(&mut r, &p, Some(&sha), "2026-01-01");
        let d = r.policy.as_ref().unwrap();
        assert_eq!(d.action.as_str(), "ignore");
        assert_eq!(d.file_allowed_by.as_ref().unwrap().reviewer, "rev");
        assert_eq!(r.sha256.as_deref(), Some(sha.as_str()));
        // Expired: the entry no longer applies, and the decision says so.
        decide(&mut r, &p, Some(&sha), "2026-07-01");
        let d = r.policy.as_ref().unwrap();
        assert_eq!(d.action.as_str(), "block");
        assert!(d.notes.iter().any(|n| n.text.contains("expired")), "{:?}", d.notes);
    }

    #[test]
    fn the_report_json_is_the_cli_shape() {
        let mut r = scanned();
        decide(&mut r, &InForce::Some(Policy::default()), Some("ab"), "2026-01-01");
        let v: serde_json::Value = serde_json::from_str(&report_json(&r)).unwrap();
        assert_eq!(v["path"], "m.json");
        assert_eq!(v["sha256"], "ab");
        assert!(v["policy"]["action"].is_string());
        assert_eq!(v["findings"].as_array().unwrap().len(), r.findings.len());
        assert_eq!(ymd(2026, 3, 7), "2026-03-07");
    }
}
