//! Renderings of a report: text for people, SARIF 2.1.0 for code-scanning tools, and
//! the rule documentation (`explain`, `rules`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use keras_sentinel::limits::Limits;
use keras_sentinel::report::{FileReport, Finding, RuleText, ScanReport, Severity, Skipped, Verdict};
use keras_sentinel::rules;
use serde_json::Value;

use crate::words::Lang;

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn verdict(&self, v: Verdict, lang: Lang) -> String {
        let label = lang.w(&format!("v_{}", v.as_str()));
        let code = match v {
            Verdict::Malicious => "1;31",
            Verdict::Suspicious => "1;33",
            Verdict::Lambda => "1;36",
            Verdict::Review => "1;34",
            Verdict::Clean => "1;32",
            Verdict::Error => "1;35",
        };
        self.wrap(code, &format!("{label:<10}"))
    }
    fn severity(&self, s: Severity, lang: Lang) -> String {
        let code = match s {
            Severity::Critical => "31",
            Severity::High => "33",
            Severity::Medium => "36",
            Severity::Low | Severity::Info => "2",
        };
        self.wrap(code, &format!("{:<8}", lang.w(&format!("s_{}", s.as_str()))))
    }
}

/// Sizes in binary units named as such (KiB, MiB: 1024-based), as the page shows them.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn indent_block(out: &mut String, label: &str, body: &str) {
    let mut lines = body.lines();
    let first = lines.next().unwrap_or("");
    let _ = writeln!(out, "      {label:<9} {first}");
    for l in lines {
        let _ = writeln!(out, "      {:<9} {l}", "");
    }
}

fn title(lang: Lang, f: &Finding) -> String {
    match (&f.title, lang.turkish) {
        (Some(t), _) => lang.msg(t),
        (None, true) => rules::find(f.code).map(|r| r.tr.title.to_string()).unwrap_or_default(),
        (None, false) => f.title_text().to_string(),
    }
}

fn finding_text(out: &mut String, f: &Finding, p: &Paint, lang: Lang) {
    let _ = writeln!(out, "    {} {}  {}", p.severity(f.severity, lang), f.code, title(lang, f));
    if !f.layer.is_empty() {
        indent_block(out, lang.w("layer"), &f.layer);
    }
    indent_block(out, lang.w("location"), &lang.location(&f.location));
    let e = &f.evidence;
    if let Some(v) = &e.python_version {
        indent_block(out, lang.w("python"), v);
    }
    if let Some(s) = &e.source {
        indent_block(out, lang.w("source"), s);
    }
    if !e.calls.is_empty() {
        indent_block(out, lang.w("calls"), &e.calls.join("\n"));
    }
    if !e.strings.is_empty() {
        let strings = e.strings.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join("\n");
        indent_block(out, lang.w("strings"), &strings);
    }
    if !e.categories.is_empty() {
        let cats: Vec<String> = e.categories.iter().map(|c| lang.msg(c)).collect();
        indent_block(out, lang.w("category"), &cats.join(", "));
    }
    if let Some(r) = &e.reference {
        indent_block(out, lang.w("reference"), r);
    }
    if !e.imports.is_empty() {
        indent_block(out, lang.w("imports"), &e.imports.join(", "));
    }
    let mut payload = Vec::new();
    if let Some(enc) = &e.encoding {
        payload.push(enc.clone());
    }
    if let Some(n) = e.decoded_bytes {
        payload.push(lang.f("bytes", &[&n]));
    }
    if let Some(h) = &e.sha256 {
        payload.push(format!("sha256 {}", &h[..16.min(h.len())]));
    }
    if !payload.is_empty() {
        indent_block(out, lang.w("payload"), &payload.join(", "));
    }
    for n in &e.notes {
        indent_block(out, lang.w("note"), &lang.msg(n));
    }
    let cves = f.rule().map_or(&[][..], |r| r.cves);
    if !cves.is_empty() {
        indent_block(out, lang.w("cve"), &cves.join(", "));
    }
    for o in &e.also_at {
        indent_block(out, lang.w("also_at"), &format!("{} ({})", o.layer, lang.location(&o.location)));
    }
}

/// The text block of one file (printed as soon as the file is scanned); evidence,
/// titles and errors in Turkish when `turkish`.
pub fn text_file(f: &FileReport, color: bool, turkish: bool) -> String {
    let p = Paint(color);
    let lang = Lang { turkish };
    let mut out = String::new();
    let (size, read) = (human_bytes(f.stats.file_bytes), human_bytes(f.stats.bytes_read));
    let head = lang.f("file_head", &[&f.format, &size, &read]);
    let _ = writeln!(out, "{} {}  {head}", p.verdict(f.verdict, lang), f.path);
    if let Some(line) = verdict_line(f, lang) {
        let _ = writeln!(out, "    {line}");
    }
    for finding in &f.findings {
        finding_text(&mut out, finding, &p, lang);
    }
    for e in &f.errors {
        let label = p.wrap("1;35", &format!("{:<8}", lang.w("error")));
        let _ = writeln!(out, "    {label} {}: {}", lang.place(&e.location), lang.msg(&e.message));
    }
    if let Some(d) = &f.policy {
        policy_text(&mut out, f, d, &p, lang);
    }
    out
}

/// What a clean or review verdict means for the reader, in words: a clean file with
/// notes says how many (never "nothing found" while findings are listed).
fn verdict_line(f: &FileReport, lang: Lang) -> Option<String> {
    let notes = f.notes();
    match f.verdict {
        Verdict::Clean if notes == 1 => Some(lang.w("clean_note").into()),
        Verdict::Clean if notes > 1 => Some(lang.f("clean_notes", &[&notes])),
        Verdict::Clean => Some(lang.w("clean_nothing").into()),
        Verdict::Review => Some(lang.w("review_line").into()),
        _ => None,
    }
}

/// The policy's decision under a file: its action, then every finding whose action is
/// not the plain one for its severity (allowed, trusted, policy sinks), and notes.
fn policy_text(out: &mut String, f: &FileReport, d: &keras_sentinel::policy::Decision, p: &Paint, lang: Lang) {
    use keras_sentinel::policy::Action;
    let label = match d.action {
        Action::Block => p.wrap("1;31", &format!("{:<8}", lang.w("a_block"))),
        Action::Warn => p.wrap("1;33", &format!("{:<8}", lang.w("a_warn"))),
        Action::Ignore => p.wrap("1;32", &format!("{:<8}", lang.w("a_pass"))),
    };
    let _ = writeln!(out, "    {label} {}", lang.f("by_policy", &[&d.policy]));
    if let Some(a) = &d.file_allowed_by {
        let _ = writeln!(out, "      {}", lang.f("file_allowed", &[&a.line, &a.reviewer, &a.reason]));
    }
    for (finding, fd) in f.findings.iter().zip(&d.findings) {
        let action = lang.w(&format!("action_{}", fd.action.as_str()));
        if let Some(a) = fd.allowed_by.as_ref().filter(|_| d.file_allowed_by.is_none()) {
            let line = lang.f("finding_allowed", &[&finding.code, &action, &a.line, &a.reviewer, &a.reason]);
            let _ = writeln!(out, "      {line}");
        } else if let Some(n) = &fd.note {
            let _ = writeln!(out, "      {} {action}: {}", finding.code, lang.msg(n));
        }
    }
    for n in &d.notes {
        let _ = writeln!(out, "      {}", lang.f("policy_note", &[&lang.msg(n)]));
    }
}

/// The closing lines of a text report: counts per verdict and skipped paths.
pub fn text_summary(files: &[FileReport], skipped: &[Skipped], turkish: bool) -> String {
    let lang = Lang { turkish };
    let mut out = String::new();
    let count = |v: Verdict| files.iter().filter(|f| f.verdict == v).count();
    let counts =
        [Verdict::Malicious, Verdict::Suspicious, Verdict::Lambda, Verdict::Review, Verdict::Clean, Verdict::Error]
            .map(count);
    let [m, s, l, r, c, e] = &counts;
    let _ = writeln!(out, "\n{}", lang.f("summary", &[&files.len(), m, s, l, r, c, e]));
    if !skipped.is_empty() {
        let _ = writeln!(out, "{}", lang.f("skipped", &[&skipped.len()]));
        for s in skipped {
            let _ = writeln!(out, "  {} ({})", s.path, lang.skip_reason(&s.reason));
        }
    }
    out
}

/// Writes the JSON report (`ScanReport`) one file at a time: the header when scanning
/// starts, each file when it is done, the rest at the end. The output is the same
/// document `json_text::to_string(&report)` gives, so a reader that waits for the end
/// sees no difference, and a crash midway loses only the files not yet done. Each file,
/// or each group of files done at once, goes out in one write that ends a line (its
/// separator after it, which is why the stream is told how many files come): stdout is
/// line-buffered, so that is one system call, not three per file.
pub struct JsonStream {
    files: usize,
    total: usize,
    /// Files not yet written, kept between writes for its capacity.
    buf: Vec<u8>,
}

impl JsonStream {
    /// Starts a report of `total` files (each must then be given to [`JsonStream::file`]).
    pub fn start(out: &mut dyn Write, total: usize) -> std::io::Result<Self> {
        let head = ScanReport::new(Vec::new());
        let text = format!(
            "{{\n  \"schema_version\": {},\n  \"scanner\": {},\n  \"scanner_version\": {},\n  \"files\": [{}",
            head.schema_version,
            serde_json::to_string(&head.scanner)?,
            serde_json::to_string(&head.scanner_version)?,
            if total == 0 { "" } else { "\n" },
        );
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(JsonStream { files: 0, total, buf: Vec::new() })
    }

    /// Adds the next file; writes it, with those added before, unless `more` says the
    /// next file is ready too (then it goes out with that one).
    pub fn file(&mut self, out: &mut dyn Write, f: &FileReport, more: bool) -> std::io::Result<()> {
        self.files += 1;
        debug_assert!(self.files <= self.total, "more files than announced");
        self.buf.extend_from_slice(b"    ");
        crate::json_text::write_nested(f, 2, &mut self.buf)?;
        self.buf.extend_from_slice(if self.files < self.total { b",\n" } else { b"\n" });
        if more && self.files < self.total {
            return Ok(());
        }
        let written = out.write_all(&self.buf).and_then(|()| out.flush());
        self.buf.clear();
        written
    }

    pub fn finish(
        self,
        out: &mut dyn Write,
        skipped: &[Skipped],
        rules: &BTreeMap<&'static str, RuleText>,
    ) -> std::io::Result<()> {
        debug_assert_eq!(self.files, self.total, "fewer files than announced");
        let mut tail = Vec::new();
        tail.extend_from_slice(if self.total == 0 { b"]" } else { b"  ]" });
        if !skipped.is_empty() {
            tail.extend_from_slice(b",\n  \"skipped\": ");
            crate::json_text::write_nested(skipped, 1, &mut tail)?;
        }
        tail.extend_from_slice(b",\n  \"rules\": ");
        crate::json_text::write_nested(rules, 1, &mut tail)?;
        tail.extend_from_slice(b"\n}\n");
        out.write_all(&tail)?;
        out.flush()
    }
}

/// Every limit with its value and documentation (`keras-sentinel limits`).
pub fn limits_list(limits: &Limits) -> String {
    let mut out = String::from(
        "Limits bound the work one file may cause. Set one with `scan --limit NAME=VALUE`\n\
         (integers take k/M/G suffixes: KiB, MiB, GiB, ×1024). A file that reaches a limit is reported as\n\
         `error` with the limit's name, never as `clean`.\n\n",
    );
    for f in Limits::FIELDS {
        let value = limits.get(f.name).unwrap_or_default();
        // Byte limits also in binary units (the `M` suffix is MiB), as sizes are shown.
        let bytes = f.name.ends_with("_bytes").then(|| value.parse::<u64>().ok()).flatten();
        match bytes {
            Some(b) if b >= 1024 => {
                let _ = writeln!(out, "{} = {value} ({})", f.name, human_bytes(b));
            }
            _ => {
                let _ = writeln!(out, "{} = {value}", f.name);
            }
        }
        for line in f.doc.lines() {
            let _ = writeln!(out, "    {}", line.trim());
        }
    }
    out
}

/// SARIF 2.1.0 of the report: the core's rendering, the same as the page's export.
/// Relative paths that climb out of the working directory (`../models/x.h5`) become
/// absolute: a SARIF URI relative to `%SRCROOT%` must not hold `..` segments.
pub fn sarif(report: &ScanReport) -> Value {
    let climbs = |p: &str| std::path::Path::new(p).is_relative() && p.split(['/', '\\']).any(|s| s == "..");
    if !report.files.iter().any(|f| climbs(&f.path)) {
        return keras_sentinel::sarif::render(report);
    }
    let mut r = report.clone();
    for f in &mut r.files {
        if climbs(&f.path) {
            if let Ok(abs) = std::fs::canonicalize(&f.path) {
                f.path = abs.display().to_string();
            }
        }
    }
    keras_sentinel::sarif::render(&r)
}

pub fn rules_list() -> String {
    let mut out = String::new();
    for r in rules::ALL {
        let _ = writeln!(out, "{:<22} {:<8} {}", r.code, r.severity.as_str(), r.en.title);
    }
    out
}

pub fn explain(code: &str, turkish: bool) -> Option<String> {
    let r = rules::find(code)?;
    let t = if turkish { r.tr } else { r.en };
    let mut out = String::new();
    let _ = writeln!(out, "{} — {} ({})\n", r.code, t.title, r.severity.as_str());
    for (label_en, label_tr, body) in
        [("What", "Ne", t.what), ("Why", "Neden", t.why), ("What to do", "Ne yapmalı", t.remedy)]
    {
        let _ = writeln!(out, "{}: {}\n", if turkish { label_tr } else { label_en }, body);
    }
    if !r.cves.is_empty() {
        let _ = writeln!(out, "CVE: {}\n", r.cves.join(", "));
    }
    for (q, a) in t.faq {
        let _ = writeln!(out, "Q: {q}\nA: {a}\n");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keras_sentinel::report::{ScanError, Stats};

    fn file(path: &str) -> FileReport {
        FileReport {
            path: path.into(),
            format: "json".into(),
            verdict: Verdict::Error,
            findings: vec![],
            errors: vec![ScanError::unreadable("x", "y \"quoted\"\nline")],
            keras_version: None,
            stats: Stats::default(),
            sha256: None,
            policy: None,
            model: None,
        }
    }

    fn with_finding(path: &str) -> FileReport {
        let mut f = file(path);
        f.findings.push(Finding {
            code: "PAIT-KERAS-101",
            severity: Severity::Critical,
            title: None,
            layer: "m > l".into(),
            location: Default::default(),
            evidence: Default::default(),
        });
        f
    }

    #[test]
    fn scan_tr_renders_titles_evidence_and_errors_in_turkish() {
        let doc = br#"{"class_name":"Sequential","config":{"layers":[{"module":"os","class_name":"system","config":{"name":"x"}}]}}"#;
        let mut r = keras_sentinel::scan(&doc.to_vec(), "m.json", &Limits::default());
        r.errors.push(ScanError::new("x", keras_sentinel::msg!(keras_sentinel::messages::en::LIM_ALSO_AT)));
        let en = text_file(&r, false, false);
        let tr = text_file(&r, false, true);
        for english in
            ["Object from dangerous module os", "module \"os\", class \"system\"", "more places than are listed"]
        {
            assert!(en.contains(english) && !tr.contains(english), "{english}\n{en}\n{tr}");
        }
        for turkish in ["Tehlikeli os modülünden nesne", "modül \"os\", sınıf \"system\"", "daha fazla yerde bulunan"]
        {
            assert!(tr.contains(turkish), "{turkish}\n{tr}");
        }
    }

    #[test]
    fn the_streamed_json_is_the_report_document() {
        for (files, skipped) in [
            (vec![], vec![]),
            (vec![file("a")], vec![]),
            (vec![file("a"), with_finding("b")], vec![Skipped { path: "c".into(), reason: "not a model".into() }]),
        ] {
            let mut out = Vec::new();
            let mut s = JsonStream::start(&mut out, files.len()).unwrap();
            for f in &files {
                s.file(&mut out, f, false).unwrap();
            }
            let mut report = ScanReport::new(files.clone());
            s.finish(&mut out, &skipped, &report.rules).unwrap();
            report.skipped = skipped;
            let want = crate::json_text::to_string(&report).unwrap() + "\n";
            assert_eq!(String::from_utf8(out).unwrap(), want);
            assert_eq!(report.rules.len(), usize::from(report.files.len() > 1), "{:?}", report.rules);
        }
    }

    /// Stdout is line-buffered: a file given to it in one write that ends a line costs
    /// one system call; one that ends mid-line costs two (the rest waits for the flush).
    #[test]
    fn each_streamed_file_is_one_write_ending_a_line() {
        struct Writes(Vec<Vec<u8>>);
        impl Write for Writes {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.push(b.to_vec());
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let files = [file("a"), with_finding("b"), file("c"), file("d")];
        let mut out = Writes(Vec::new());
        let mut s = JsonStream::start(&mut out, files.len()).unwrap();
        for (i, f) in files.iter().enumerate() {
            let before = out.0.len();
            s.file(&mut out, f, false).unwrap();
            assert_eq!(out.0.len(), before + 1, "file {i}");
            assert!(out.0.last().unwrap().ends_with(b"\n"), "file {i}");
        }
        assert!(out.0.iter().all(|w| w.ends_with(b"\n")));
        // Files ready together go out together, as the same bytes.
        let mut grouped = Writes(Vec::new());
        let mut s = JsonStream::start(&mut grouped, files.len()).unwrap();
        for (f, more) in files.iter().zip([true, false, true, true]) {
            s.file(&mut grouped, f, more).unwrap(); // the last file never waits
        }
        assert_eq!(grouped.0.len(), 3);
        assert_eq!(grouped.0.concat(), out.0.concat());
    }
}
