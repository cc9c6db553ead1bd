//! Policy: what a team does with each finding — `block`, `warn` or `ignore` — by
//! severity and by code, with allowlists (a reviewed file or lambda, by SHA-256), trusted
//! module prefixes for the team's own custom classes, and extra sinks. One format and one
//! implementation for the CLI (`--policy FILE`), the page and the Python package; the
//! built-in default is detection-rules.md's ("blocks malicious, suspicious and error,
//! warns on lambda and review").
//!
//! Findings keep their severity; the policy adds an action and, for an allowed finding,
//! the entry that allowed it. See `docs/policy.md` for the file format.

pub mod toml;

use serde::Serialize;

use crate::messages::{en, phrase, term, Message};
use crate::msg;
use crate::report::{FileReport, Finding, Severity};
use toml::{Pos, Table, Value};

/// What to do with a finding or a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Ignore,
    Warn,
    Block,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Ignore => "ignore",
            Action::Warn => "warn",
            Action::Block => "block",
        }
    }
    fn parse(s: &str) -> Option<Action> {
        match s {
            "ignore" => Some(Action::Ignore),
            "warn" => Some(Action::Warn),
            "block" => Some(Action::Block),
            _ => None,
        }
    }
}

/// What an allowlist entry matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AllowKind {
    /// The whole file, by the SHA-256 of its bytes.
    File,
    /// A decoded lambda payload (`evidence.sha256`), wherever it appears.
    Lambda,
}

/// A reviewed file or lambda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allow {
    pub kind: AllowKind,
    pub sha256: String,
    pub reason: String,
    pub reviewer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Line of the entry in the policy file (0 for entries not read from a file).
    pub line: usize,
}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// What the policy calls itself in reports (`name` key, else the file name).
    pub name: String,
    /// Action per severity, indexed by `Severity as usize`.
    pub by_severity: [Action; 5],
    /// Action for a file that could not be scanned to the end.
    pub on_error: Action,
    /// Verdict-named refinements of `medium` (`[actions] lambda`, `review`): the action
    /// for an embedded lambda's PAIT-KERAS-100 and for the other medium findings (custom
    /// classes). `None`: the `medium` action.
    pub on_lambda: Option<Action>,
    pub on_review: Option<Action>,
    /// Action per rule code; overrides the severity's.
    pub by_code: Vec<(String, Action)>,
    pub allow: Vec<Allow>,
    /// Module prefixes of the organisation's own code (`acme.layers`).
    pub trusted_modules: Vec<String>,
    /// Extra dotted names treated as sinks (a module prefix or a callable).
    pub sinks: Vec<String>,
}

impl Default for Policy {
    /// detection-rules.md: block malicious, suspicious and error; warn on lambda and
    /// review (medium); low and info findings are notes.
    fn default() -> Self {
        Policy {
            name: "built-in".into(),
            by_severity: [Action::Ignore, Action::Ignore, Action::Warn, Action::Block, Action::Block],
            on_error: Action::Block,
            on_lambda: None,
            on_review: None,
            by_code: Vec::new(),
            allow: Vec::new(),
            trusted_modules: Vec::new(),
            sinks: Vec::new(),
        }
    }
}

/// Version of the policy format this build reads.
pub const POLICY_VERSION: i64 = 1;

/// A policy that could not be read: where and why (the CLI exits 2 with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub line: usize,
    pub column: usize,
    /// The key the error is about, dotted (`actions.critical`), when there is one.
    pub key: Option<String>,
    pub message: Message,
}

impl PolicyError {
    /// The whole error (line, column, key and why) as a catalogue message.
    pub fn full(&self) -> Message {
        let (line, column) = (self.line, self.column);
        match &self.key {
            Some(k) => msg!(en::POL_ERR_AT_KEY, line = line, column = column, key = k, detail = self.message),
            None => msg!(en::POL_ERR_AT, line = line, column = column, detail = self.message),
        }
    }
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full().text)
    }
}

fn err(pos: Pos, key: &str, message: Message) -> PolicyError {
    PolicyError { line: pos.line, column: pos.column, key: (!key.is_empty()).then(|| key.to_string()), message }
}

const SEVERITIES: [(&str, Severity); 5] = [
    ("info", Severity::Info),
    ("low", Severity::Low),
    ("medium", Severity::Medium),
    ("high", Severity::High),
    ("critical", Severity::Critical),
];

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

impl Policy {
    /// Parses a policy file. `name` is used when the file has no `name` key.
    pub fn parse(text: &str, name: &str) -> Result<Policy, PolicyError> {
        let root = toml::parse(text).map_err(|e| PolicyError {
            line: e.pos.line,
            column: e.pos.column,
            key: None,
            message: e.message,
        })?;
        let mut p = Policy { name: name.to_string(), ..Policy::default() };
        let mut version_seen = false;
        for (key, value, pos) in &root.entries {
            let pos = *pos;
            match (key.as_str(), value) {
                ("version", Value::Int(v)) => {
                    if *v != POLICY_VERSION {
                        return Err(err(pos, key, msg!(en::POL_ERR_VERSION, version = *v, supported = POLICY_VERSION)));
                    }
                    version_seen = true;
                }
                ("name", Value::Str(s)) => p.name = s.clone(),
                ("actions", Value::Table(t)) => p.read_actions(t)?,
                ("codes", Value::Table(t)) => {
                    for (code, v, pos) in &t.entries {
                        let a = action(v, *pos, &format!("codes.{code}"))?;
                        if !crate::rules::is_code(code) {
                            return Err(err(
                                *pos,
                                &format!("codes.{code}"),
                                msg!(en::POL_ERR_NO_RULE, code = format!("{code:?}")),
                            ));
                        }
                        p.by_code.push((code.clone(), a));
                    }
                }
                ("allow", Value::Array(items)) => {
                    for item in items {
                        let Value::Table(t) = item else {
                            return Err(err(pos, "allow", phrase("use [[allow]] entries")));
                        };
                        p.allow.push(read_allow(t, pos)?);
                    }
                }
                ("trust", Value::Table(t)) => {
                    for (k, v, pos) in &t.entries {
                        match k.as_str() {
                            "modules" => p.trusted_modules = strings(v, *pos, "trust.modules")?,
                            _ => {
                                return Err(err(*pos, &format!("trust.{k}"), phrase("unknown key (expected modules)")))
                            }
                        }
                    }
                }
                ("sinks", Value::Table(t)) => {
                    for (k, v, pos) in &t.entries {
                        match k.as_str() {
                            "names" => p.sinks = strings(v, *pos, "sinks.names")?,
                            _ => return Err(err(*pos, &format!("sinks.{k}"), phrase("unknown key (expected names)"))),
                        }
                    }
                }
                ("version" | "name" | "actions" | "codes" | "allow" | "trust" | "sinks", v) => {
                    return Err(err(pos, key, msg!(en::POL_ERR_CANNOT_BE, key = key, kind = term(v.kind()))))
                }
                _ => {
                    return Err(err(
                        pos,
                        key,
                        phrase("unknown key (expected version, name, actions, codes, allow, trust, sinks)"),
                    ))
                }
            }
        }
        if !version_seen {
            let m = msg!(en::POL_ERR_MISSING_VERSION, version = POLICY_VERSION);
            return Err(err(Pos { line: 1, column: 1 }, "version", m));
        }
        for s in p.trusted_modules.iter().chain(&p.sinks) {
            if s.is_empty() || s.starts_with('.') || s.ends_with('.') {
                return Err(err(Pos { line: 1, column: 1 }, "", msg!(en::POL_ERR_NOT_DOTTED, name = format!("{s:?}"))));
            }
        }
        Ok(p)
    }

    fn read_actions(&mut self, t: &Table) -> Result<(), PolicyError> {
        for (k, v, pos) in &t.entries {
            let a = action(v, *pos, &format!("actions.{k}"))?;
            if k == "error" {
                self.on_error = a;
            } else if k == "lambda" {
                self.on_lambda = Some(a);
            } else if k == "review" {
                self.on_review = Some(a);
            } else if let Some((_, sev)) = SEVERITIES.iter().find(|(n, _)| n == k) {
                self.by_severity[*sev as usize] = a;
            } else {
                return Err(err(
                    *pos,
                    &format!("actions.{k}"),
                    phrase("unknown severity (expected critical, high, medium, low, info, or the verdicts lambda, review, error)"),
                ));
            }
        }
        Ok(())
    }

    /// The action for one finding before allowlists: its code's, else (for a `medium`)
    /// its verdict's (`lambda` or `review`), else its severity's.
    fn base_action(&self, f: &Finding) -> Action {
        let by_verdict = match f.severity {
            Severity::Medium if f.code == crate::report::LAMBDA_PRESENT => self.on_lambda,
            Severity::Medium => self.on_review,
            _ => None,
        };
        self.by_code
            .iter()
            .rev()
            .find(|(c, _)| c == f.code)
            .map(|(_, a)| *a)
            .or(by_verdict)
            .unwrap_or(self.by_severity[f.severity as usize])
    }
}

fn action(v: &Value, pos: Pos, key: &str) -> Result<Action, PolicyError> {
    match v {
        Value::Str(s) => {
            Action::parse(s).ok_or_else(|| err(pos, key, msg!(en::POL_ERR_NOT_ACTION, value = format!("{s:?}"))))
        }
        other => Err(err(pos, key, msg!(en::POL_ERR_EXPECTED_ACTION, kind = term(other.kind())))),
    }
}

fn strings(v: &Value, pos: Pos, key: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Str(s) => Ok(s.clone()),
                other => Err(err(pos, key, msg!(en::POL_ERR_EXPECTED_STRINGS, kind = term(other.kind())))),
            })
            .collect(),
        other => Err(err(pos, key, msg!(en::POL_ERR_EXPECTED_ARRAY, kind = term(other.kind())))),
    }
}

fn read_allow(t: &Table, first: Pos) -> Result<Allow, PolicyError> {
    // Each entry by its own `[[allow]]` header (the array's position is the first one's).
    let header = if t.pos.line > 0 { t.pos } else { first };
    let mut kind = None;
    let (mut reason, mut reviewer, mut expires) = (None, None, None);
    for (k, v, pos) in &t.entries {
        let key = format!("allow.{k}");
        let s = match v {
            Value::Str(s) => s.clone(),
            Value::Date(d) if k == "expires" => d.clone(),
            other => return Err(err(*pos, &key, msg!(en::POL_ERR_EXPECTED_STRING, kind = term(other.kind())))),
        };
        match k.as_str() {
            "file_sha256" | "lambda_sha256" => {
                if kind.is_some() {
                    return Err(err(*pos, &key, phrase("an entry allows one file or one lambda, not both")));
                }
                if !is_sha256(&s) {
                    return Err(err(*pos, &key, phrase("expected 64 hexadecimal digits")));
                }
                let k = if k == "file_sha256" { AllowKind::File } else { AllowKind::Lambda };
                kind = Some((k, s.to_ascii_lowercase()));
            }
            "reason" => reason = Some(s),
            "reviewer" => reviewer = Some(s),
            "expires" => {
                if !toml::is_date(&s) {
                    return Err(err(*pos, &key, phrase("expected a date, YYYY-MM-DD")));
                }
                expires = Some(s)
            }
            _ => {
                return Err(err(
                    *pos,
                    &key,
                    phrase("unknown key (expected file_sha256 or lambda_sha256, reason, reviewer, expires)"),
                ))
            }
        }
    }
    let (kind, sha256) =
        kind.ok_or_else(|| err(header, "allow", phrase("an [[allow]] entry needs file_sha256 or lambda_sha256")))?;
    let need = |v: Option<String>, k: &str| {
        v.filter(|s| !s.trim().is_empty())
            .ok_or_else(|| err(header, &format!("allow.{k}"), msg!(en::POL_ERR_NEEDS_NONEMPTY, key = k)))
    };
    Ok(Allow {
        kind,
        sha256,
        reason: need(reason, "reason")?,
        reviewer: need(reviewer, "reviewer")?,
        expires,
        line: header.line,
    })
}

/// The policy's decision on one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingDecision {
    pub action: Action,
    /// The allowlist entry that allowed it, or why the action differs from the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_by: Option<Allow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Message>,
}

/// The policy's decision on one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub policy: String,
    /// The file's action: the worst of its findings' and of its errors'.
    pub action: Action,
    /// One per finding, in the report's order.
    pub findings: Vec<FindingDecision>,
    /// The entry that allowed the whole file, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_allowed_by: Option<Allow>,
    /// Expired entries that matched and no longer apply, and similar remarks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Message>,
}

impl Decision {
    pub fn passes(&self) -> bool {
        self.action != Action::Block
    }
}

/// What the policy needs beyond the report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// SHA-256 of the file's bytes (hex), when known; file entries need it.
    pub file_sha256: Option<&'a str>,
    /// Today, `YYYY-MM-DD`, to expire entries; `None` treats every dated entry as expired
    /// (fail closed: an allowance that cannot be checked does not apply).
    pub today: Option<&'a str>,
}

/// The names a finding's evidence reaches: resolved calls (`os.system(…)` → `os.system`),
/// a referenced module/class/function, pickle imports.
fn reached_names(f: &Finding) -> impl Iterator<Item = &str> {
    let e = &f.evidence;
    e.calls
        .iter()
        .map(|c| c.split('(').next().unwrap_or(c).trim())
        .chain(e.reference.as_deref())
        .chain(e.imports.iter().map(String::as_str))
}

fn under(name: &str, prefix: &str) -> bool {
    name == prefix || name.strip_prefix(prefix).is_some_and(|r| r.starts_with('.'))
}

/// Applies `policy` to a scanned file.
pub fn apply(policy: &Policy, report: &FileReport, cx: &Context<'_>) -> Decision {
    let mut notes = Vec::new();
    let live = |a: &Allow, notes: &mut Vec<Message>| -> bool {
        match (&a.expires, cx.today) {
            (None, _) => true,
            (Some(exp), Some(today)) if today <= exp.as_str() => true,
            (Some(exp), _) => {
                let n = msg!(
                    en::POL_EXPIRED,
                    line = a.line,
                    kind = if a.kind == AllowKind::File { "file" } else { "lambda" },
                    hash = &a.sha256[..12],
                    date = exp.as_str()
                );
                if !notes.contains(&n) {
                    notes.push(n);
                }
                false
            }
        }
    };
    let file_allow = cx.file_sha256.and_then(|h| {
        policy
            .allow
            .iter()
            .find(|a| a.kind == AllowKind::File && a.sha256.eq_ignore_ascii_case(h) && live(a, &mut notes))
    });
    let mut findings = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        let mut d = FindingDecision { action: policy.base_action(f), allowed_by: None, note: None };
        let sink = reached_names(f).find_map(|n| policy.sinks.iter().find(|s| under(n, s)).map(|s| (n.to_string(), s)));
        if let Some((name, s)) = sink {
            d.action = Action::Block;
            d.note = Some(msg!(en::POL_SINK, name = name, sink = s));
        } else if let Some(a) = file_allow {
            d.action = Action::Ignore;
            d.allowed_by = Some(a.clone());
        } else if let Some(a) = f.evidence.sha256.as_deref().and_then(|h| {
            policy
                .allow
                .iter()
                .find(|a| a.kind == AllowKind::Lambda && a.sha256.eq_ignore_ascii_case(h) && live(a, &mut notes))
        }) {
            d.action = Action::Ignore;
            d.allowed_by = Some(a.clone());
        } else if matches!(f.code, "KS-CUSTOM-CLASS" | "KS-CONFIG-MODULE") && f.severity != Severity::Critical {
            if let Some(t) =
                f.evidence.reference.as_deref().and_then(|r| policy.trusted_modules.iter().find(|t| under(r, t)))
            {
                d.action = Action::Ignore;
                d.note = Some(msg!(en::POL_TRUSTED, module = t));
            }
        }
        findings.push(d);
    }
    let mut action = findings.iter().map(|d| d.action).max().unwrap_or(Action::Ignore);
    if !report.errors.is_empty() {
        // An allowed file was reviewed as it is; errors still mean the scan saw less.
        action = action.max(policy.on_error);
    }
    Decision { policy: policy.name.clone(), action, findings, file_allowed_by: file_allow.cloned(), notes }
}

#[cfg(test)]
mod tests;
