//! Keras Sentinel's detection core.
//!
//! Data flows one way:
//! byte [`source`] → [`sniff`] → [`container`] (zip / HDF5 / JSON / SavedModel metadata)
//! → [`keras`] config walk → [`python`] code analysis → [`rules`] → [`report`].
//!
//! Nothing here runs, imports or loads anything from the file; it reads bytes and
//! reasons about them. The crate has no web or CLI dependencies and builds for
//! `wasm32-unknown-unknown`.

pub mod container;
pub mod keras;
pub mod limits;
pub mod python;
pub mod report;
pub mod rules;
pub mod sniff;
pub mod source;

use std::collections::HashMap;

use container::json::{self, Json};
use keras::{Item, Payload, Reference};
use limits::Limits;
use python::{payload, Classification, FunctionInput};
use report::{Evidence, FileReport, Finding, Location, Occurrence, ScanError, Stats};
use rules::{lambda as lr, sinks, RuleDoc};
use source::{ByteSource, Counting};

/// Scans one file. `path` is what the report calls it (and a hint for formats without
/// magic bytes). Never panics on any input; problems become errors in the report.
pub fn scan(src: &dyn ByteSource, path: &str, limits: &Limits) -> FileReport {
    let counting = Counting::new(src);
    let format = sniff::sniff(&counting, path);
    let extracted = container::extract(&counting, format, limits);

    let mut s = Scan {
        limits,
        findings: Vec::new(),
        errors: extracted.errors,
        by_hash: HashMap::new(),
        functions: 0,
        dropped: 0,
    };
    for note in &extracted.notes {
        s.add(finding(
            &lr::LENIENCY,
            "Container oddity",
            "",
            Location { container: note.clone(), pointer: String::new() },
            Evidence { notes: vec![note.clone()], ..Evidence::default() },
        ));
    }
    for doc in &extracted.docs {
        s.document(doc);
    }
    if s.dropped > 0 {
        s.errors.push(ScanError {
            location: "report".into(),
            message: format!("{} more findings were not listed (limit {})", s.dropped, limits.max_findings),
        });
    }

    let verdict = FileReport::compute_verdict(&s.findings, &s.errors);
    let mut findings = s.findings;
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    FileReport {
        path: path.to_string(),
        format: format.as_str().to_string(),
        verdict,
        findings,
        errors: s.errors,
        keras_version: extracted.keras_version,
        stats: Stats { file_bytes: src.len(), bytes_read: counting.bytes_read(), reads: counting.reads() },
    }
}

fn finding(rule: &RuleDoc, title: &str, layer: &str, location: Location, evidence: Evidence) -> Finding {
    Finding {
        code: rule.code,
        severity: rule.severity,
        title: if title.is_empty() { rule.en.title.to_string() } else { title.to_string() },
        layer: layer.to_string(),
        location,
        evidence,
        explanation: rule.explanation(),
        cves: rule.cves.to_vec(),
    }
}

struct Scan<'l> {
    limits: &'l Limits,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    /// SHA-256 of decoded code → index of its finding (one finding, every location).
    by_hash: HashMap<String, usize>,
    functions: usize,
    dropped: usize,
}

impl Scan<'_> {
    fn add(&mut self, f: Finding) -> Option<usize> {
        if self.findings.len() >= self.limits.max_findings {
            self.dropped += 1;
            return None;
        }
        self.findings.push(f);
        Some(self.findings.len() - 1)
    }

    fn document(&mut self, doc: &container::ConfigText) {
        let parsed = match json::parse(&doc.text, self.limits.max_json_depth) {
            Ok(p) => p,
            Err(e) => {
                let at = if doc.container.is_empty() { "JSON".to_string() } else { doc.container.clone() };
                self.errors.push(ScanError { location: at, message: e.to_string() });
                return;
            }
        };
        for l in &parsed.leniencies {
            let loc = Location { container: doc.container.clone(), pointer: String::new() };
            self.add(finding(
                &lr::LENIENCY,
                "",
                "",
                loc,
                Evidence { notes: vec![l.to_string()], ..Evidence::default() },
            ));
        }
        let (value, unwrapped) =
            keras::unwrap_double_encoded(parsed.value, self.limits.max_json_unwrap, self.limits.max_json_depth);
        let container = if unwrapped > 0 {
            let what = if doc.container.is_empty() { "file".to_string() } else { doc.container.clone() };
            format!("{what} (JSON string decoded {unwrapped}×)")
        } else {
            doc.container.clone()
        };
        for item in keras::walk::walk(&value) {
            match item {
                Item::Function(p) => self.function(&p, &container),
                Item::Reference(r) => self.reference(&r, &container),
                Item::SourceText { site, text } => {
                    let loc = Location { container: container.clone(), pointer: site.pointer.clone() };
                    let mut ev = Evidence { source: Some(text.clone()), ..Evidence::default() };
                    ev.notes.push("the function slot holds text, not marshalled code: Keras cannot load it, and it cannot be verified".into());
                    for w in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
                        if let Some(hit) = sinks::classify(w).or_else(|| sinks::classify(&format!("builtins.{w}"))) {
                            ev.categories.push(hit.category.to_string());
                            ev.calls.push(w.to_string());
                        }
                    }
                    self.add(finding(
                        &lr::SUSPICIOUS,
                        "Lambda holds source text instead of code",
                        &site.layer,
                        loc,
                        ev,
                    ));
                }
            }
        }
    }

    fn function(&mut self, p: &Payload, container: &str) {
        let loc = Location { container: container.to_string(), pointer: p.site.pointer.clone() };
        let decoded = payload::decode_code(&p.code);
        let hash = decoded.sha256_hex();
        if let Some(&i) = self.by_hash.get(&hash) {
            self.findings[i].evidence.also_at.push(Occurrence { layer: p.site.layer.clone(), location: loc });
            return;
        }
        self.functions += 1;
        if self.functions > self.limits.max_functions {
            if self.functions == self.limits.max_functions + 1 {
                self.errors.push(ScanError {
                    location: container.to_string(),
                    message: format!(
                        "more than {} distinct functions; the rest were not analysed",
                        self.limits.max_functions
                    ),
                });
            }
            return;
        }
        let mut ev = Evidence {
            encoding: Some(decoded.encoding.as_str().to_string()),
            decoded_bytes: Some(decoded.bytes.len() as u64),
            sha256: Some(hash.clone()),
            notes: decoded.notes.clone(),
            ..Evidence::default()
        };
        ev.notes.insert(0, format!("stored as {} in `{}`", p.shape.describe(), p.site.slot));
        let analysis = if decoded.bytes.len() as u64 > self.limits.max_payload_bytes {
            ev.notes.push(format!(
                "payload larger than the limit of {} bytes; not analysed",
                self.limits.max_payload_bytes
            ));
            None
        } else {
            let input = FunctionInput {
                code: &decoded.bytes,
                defaults: p.defaults.as_ref(),
                closure: p.closure.as_ref(),
                arguments: p.arguments.as_ref(),
                module: p.module.as_deref(),
            };
            Some(python::analyze(&input, self.limits))
        };
        for (what, v) in [("defaults", &p.defaults), ("closure", &p.closure), ("arguments", &p.arguments)] {
            if let Some(v) = v {
                ev.notes.push(format!("{what}: {}", truncate(&v.to_compact(), 200)));
            }
        }
        let class = match analysis {
            Some(a) => {
                ev.python_version = a.python_version;
                ev.source = a.source;
                ev.calls = a.calls;
                ev.strings = a.strings;
                ev.categories = a.categories;
                ev.notes.extend(a.notes);
                a.classification
            }
            None => Classification::Suspicious,
        };
        let rule = match class {
            Classification::Malicious => &lr::MALICIOUS,
            Classification::Suspicious => &lr::SUSPICIOUS,
            Classification::Benign => &lr::PRESENT,
        };
        if let Some(i) = self.add(finding(rule, "", &p.site.layer, loc, ev)) {
            self.by_hash.insert(hash, i);
        }
    }

    fn reference(&mut self, r: &Reference, container: &str) {
        let loc = Location { container: container.to_string(), pointer: r.site.pointer.clone() };
        let dotted = r.dotted();
        let mut ev = Evidence { reference: Some(dotted.clone()), ..Evidence::default() };
        // Keras 3 writes user functions as module "builtins": `builtins.exec` is the builtin.
        let hit = sinks::classify(&dotted).or_else(|| {
            r.module
                .as_deref()
                .filter(|m| !m.is_empty() && *m != "builtins" && *m != "__main__")
                .and_then(sinks::classify_module)
        });
        match hit {
            Some(h) => {
                ev.categories.push(h.category.to_string());
                let (rule, title) = match h.danger {
                    sinks::Danger::Malicious => (&lr::MALICIOUS, format!("Lambda calls {dotted} by name")),
                    sinks::Danger::Suspicious => (&lr::SUSPICIOUS, format!("Lambda calls {dotted} by name")),
                };
                self.add(finding(rule, &title, &r.site.layer, loc, ev));
            }
            None => {
                ev.notes.push(format!("`{}` names a function whose code is not in the file", r.site.slot));
                self.add(finding(&lr::REFERENCE, "", &r.site.layer, loc, ev));
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Parses JSON text as Python would (re-exported for the CLI and tests).
pub fn parse_json(text: &str) -> Result<Json, json::JsonError> {
    json::parse(text, Limits::default().max_json_depth).map(|p| p.value)
}
