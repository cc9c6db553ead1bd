//! The page's exports, built from the reports it holds (the worker's `FileReport` JSON):
//! the CLI's JSON document, the CLI's SARIF log, a standalone HTML report and a Markdown
//! summary for a ticket. Pure functions of JSON values, so they are tested natively; they
//! run in the exporter (`bin/exporter.rs`), a wasm the page loads on its first export
//! only, and the page turns the text into a Blob URL download.
//!
//! Every string from a report is attacker-controlled (file names, evidence, strings
//! recovered from a model): it is escaped for HTML and for Markdown here, and the HTML
//! report carries a Content-Security-Policy that forbids every script and every request.

use keras_sentinel::report::SCHEMA_VERSION;
use keras_sentinel::rules;
use serde_json::{json, Value};

/// UI language of a report and its strings (`key` → text, the page's i18n table, sent
/// to the exporter with the export request).
pub struct Labels<'a> {
    pub lang: &'a str,
    pub t: &'a dyn Fn(&str) -> &'a str,
}

impl<'a> Labels<'a> {
    fn t(&self, key: &str) -> &'a str {
        (self.t)(key)
    }
    fn rule_title(&self, code: &str) -> String {
        match rules::find(code) {
            Some(r) if self.lang == "tr" => r.tr.title.to_string(),
            Some(r) => r.en.title.to_string(),
            None => code.to_string(),
        }
    }
    /// A report message (`{id, args, text}`) in the report's language: the page sends
    /// the catalogue's templates in its labels as `m:<id>` (this module, which may run in
    /// the scanning worker, does not link the Turkish table).
    fn msg(&self, v: &Value) -> String {
        if self.lang == "en" {
            return keras_sentinel::messages::render_json(v, &|_| None);
        }
        keras_sentinel::messages::render_json(v, &|id| Some((self.t)(&format!("m:{id}"))).filter(|t| !t.is_empty()))
    }
    /// A location label of the report in the report's language (its words are catalogue
    /// templates too, sent as `m:<id>`).
    fn place(&self, label: &str) -> String {
        if self.lang == "en" {
            return label.to_string();
        }
        keras_sentinel::messages::render_place(label, &|id| {
            Some((self.t)(&format!("m:{id}"))).filter(|t| !t.is_empty())
        })
    }
    fn msgs(&self, v: &Value, key: &str) -> Vec<String> {
        v.get(key).and_then(Value::as_array).map(|a| a.iter().map(|m| self.msg(m)).collect()).unwrap_or_default()
    }
    /// The finding's title: the specific one when there is one, else the rule's.
    fn finding_title(&self, f: &Value) -> String {
        match f.get("title") {
            Some(t) => self.msg(t),
            None => self.rule_title(s(f, "code")),
        }
    }
}

/// The CLI's JSON document (`keras-sentinel scan --format json`) for these file reports.
pub fn scan_report(files: &[Value]) -> Value {
    json!({
        "schema_version": SCHEMA_VERSION,
        "scanner": "keras-sentinel",
        "scanner_version": env!("CARGO_PKG_VERSION"),
        "files": files,
    })
}

/// The CLI's JSON document from file reports as the worker serialized them: the text is
/// kept as it is, so the keys stay in the CLI's order (a `Value` would sort them).
/// Each entry must be one JSON object (checked by `build`).
pub fn scan_report_text(raw: &[String], reports: &[Value]) -> String {
    let codes = reports.iter().flat_map(|r| r["findings"].as_array().into_iter().flatten()).map(|f| s(f, "code"));
    let rules = serde_json::to_string(&keras_sentinel::report::rule_texts_of(codes)).unwrap_or_default();
    format!(
        "{{\"schema_version\":{SCHEMA_VERSION},\"scanner\":\"keras-sentinel\",\"scanner_version\":\"{}\",\"files\":[{}],\"rules\":{rules}}}\n",
        env!("CARGO_PKG_VERSION"),
        raw.join(",")
    )
}

/// The CLI's `scan --format sarif` output for these file reports (the same renderer,
/// `keras_sentinel::sarif::render_files`, and the same text: pretty, one final newline).
/// Files the page reported itself (stopped by the watchdog, cancelled) are in it too: their
/// errors become notifications and the run is not `executionSuccessful`.
pub fn sarif_text(files: &[Value]) -> String {
    serde_json::to_string_pretty(&keras_sentinel::sarif::render_files(files)).unwrap_or_default() + "\n"
}

/// One export: `kind` is `json`, `sarif`, `html` or `md`; `raw` are the file reports as
/// JSON text. Returns (text, MIME type, file extension).
pub fn build(kind: &str, raw: &[String], l: &Labels, generated: &str) -> (String, &'static str, &'static str) {
    let parsed: Vec<(String, Value)> = raw
        .iter()
        .filter_map(|t| serde_json::from_str::<Value>(t).ok().filter(Value::is_object).map(|v| (t.clone(), v)))
        .collect();
    let reports: Vec<Value> = parsed.iter().map(|(_, v)| v.clone()).collect();
    match kind {
        // Written as the worker serialized them (only texts that are JSON objects).
        "json" => {
            let texts: Vec<String> = parsed.into_iter().map(|(t, _)| t).collect();
            (scan_report_text(&texts, &reports), "application/json", "json")
        }
        "sarif" => (sarif_text(&reports), "application/sarif+json", "sarif"),
        "html" => (html_report(&reports, l, generated), "text/html", "html"),
        _ => (markdown(&reports, l), "text/markdown", "md"),
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn strs(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect())
        .unwrap_or_default()
}

pub fn escape_html(text: &str) -> String {
    let mut o = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Markdown-inert text: every character Markdown (GitHub, Jira-ish renderers) could read
/// as markup is backslash-escaped, line breaks become spaces (one table cell, one line).
pub fn escape_md(text: &str) -> String {
    let mut o = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // Only what is markup inside a line (every value here follows "| " or "- "):
            // emphasis, code, links, tables, HTML, strikethrough, entities.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '<' | '>' | '~' | '&' => {
                o.push('\\');
                o.push(c);
            }
            '\n' | '\r' | '\t' => o.push(' '),
            c if c.is_control() => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

fn location_text(loc: &Value, l: &Labels) -> String {
    let c = l.place(s(loc, "container"));
    let p = s(loc, "pointer");
    match (c.is_empty(), p.is_empty()) {
        (true, true) => l.t("file_whole").to_string(),
        (false, true) => c,
        (true, false) => p.to_string(),
        (false, false) => format!("{c}  {p}"),
    }
}

/// The policy's action on finding `i` of `r` and, for an allowed one, "reviewer — reason".
/// `msg` renders the policy's note (a catalogue message) in the reader's language.
pub fn finding_action(r: &Value, i: usize, msg: &dyn Fn(&Value) -> String) -> Option<(String, Option<String>)> {
    let d = r.get("policy")?.get("findings")?.get(i)?;
    let allowed = d.get("allowed_by").map(|a| format!("{} — {}", s(a, "reviewer"), s(a, "reason")));
    let allowed = allowed.or_else(|| d.get("note").map(msg));
    Some((s(d, "action").to_string(), allowed))
}

const REPORT_CSS: &str = "body{font:14px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f24;margin:2rem auto;max-width:60rem;padding:0 1rem}\
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem;word-break:break-all}h3{font-size:1rem;margin:1rem 0 .25rem}\
.meta{color:#555}.file{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0;break-inside:avoid-page}\
.verdict{display:inline-block;font-weight:700;padding:.1rem .6rem;border-radius:4px;border:2px solid}\
.verdict-malicious{color:#a00;border-color:#a00}.verdict-suspicious{color:#b35c00;border-color:#b35c00}.verdict-error{color:#7a2e8e;border-color:#7a2e8e}\
.verdict-lambda{color:#0b5cad;border-color:#0b5cad}.verdict-clean{color:#0a7a32;border-color:#0a7a32}\
.verdict-review{color:#1d4ed8;border-color:#1d4ed8}\
.action{font-weight:700;text-transform:uppercase}.action-block{color:#a00}.action-warn{color:#b35c00}.action-ignore{color:#0a7a32}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;border-top:1px solid #ddd;padding:.25rem .5rem}\
code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;word-break:break-all}pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem;border-radius:4px}\
.finding{border-left:4px solid #999;padding:.25rem .75rem;margin:.75rem 0}.sev-critical{border-color:#a00}.sev-high{border-color:#b35c00}.sev-medium{border-color:#0b5cad}\
@media print{body{margin:0;max-width:none}.file{border:none;padding:0}}";

/// A standalone HTML report: inline CSS only, no script, no external resource (its CSP
/// forbids both), printable, in the page's language.
pub fn html_report(files: &[Value], l: &Labels, generated: &str) -> String {
    let mut h = String::new();
    h.push_str("<!doctype html>\n<html lang=\"");
    h.push_str(l.lang);
    h.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    let title = match files {
        [one] => format!("{} — {}", l.t("report_title"), s(one, "path")),
        _ => l.t("report_title").to_string(),
    };
    h.push_str(&escape_html(&title));
    h.push_str("</title>\n<style>");
    h.push_str(REPORT_CSS);
    h.push_str("</style>\n</head>\n<body>\n<h1>");
    h.push_str(&escape_html(l.t("report_title")));
    h.push_str("</h1>\n<p class=\"meta\">");
    h.push_str(&escape_html(&format!(
        "keras-sentinel {} · {} {}",
        env!("CARGO_PKG_VERSION"),
        l.t("generated"),
        generated
    )));
    h.push_str("</p>\n");
    for r in files {
        html_file(&mut h, r, l);
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn row(h: &mut String, label: &str, value_html: &str) {
    h.push_str("<tr><th>");
    h.push_str(&escape_html(label));
    h.push_str("</th><td>");
    h.push_str(value_html);
    h.push_str("</td></tr>\n");
}

/// Findings below `medium`: the notes a clean file still lists.
fn notes(r: &Value) -> usize {
    let findings = r.get("findings").and_then(Value::as_array);
    findings.map_or(0, |f| f.iter().filter(|f| matches!(s(f, "severity"), "low" | "info")).count())
}

/// The verdict's label and sentence, as the page shows them: a clean file with notes
/// says how many to read ("Clean, 3 notes to read"), never a bare "Clean".
fn verdict_text(r: &Value, l: &Labels) -> (String, String) {
    let verdict = s(r, "verdict");
    let n = notes(r);
    let fill = |key: &str| l.t(key).replace("{}", &n.to_string());
    match verdict {
        "clean" if n == 1 => (fill("v_clean_note"), fill("vd_clean_notes")),
        "clean" if n > 1 => (fill("v_clean_notes"), fill("vd_clean_notes")),
        v => (l.t(&format!("v_{v}")).to_string(), l.t(&format!("vd_{v}")).to_string()),
    }
}

/// A size in binary units named as such (KiB, MiB), with the exact byte count.
fn size_text(b: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let (mut v, mut u) = (b as f64 / 1024.0, 0);
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {} ({b} B)", UNITS[u])
}

fn code(text: &str) -> String {
    format!("<code>{}</code>", escape_html(text))
}

fn html_file(h: &mut String, r: &Value, l: &Labels) {
    let verdict = s(r, "verdict");
    h.push_str(&format!("<section class=\"file\" data-verdict=\"{}\">\n<h2>", escape_html(verdict)));
    h.push_str(&escape_html(s(r, "path")));
    h.push_str("</h2>\n<p><span class=\"verdict verdict-");
    h.push_str(&escape_html(verdict));
    h.push_str("\">");
    let (label, sentence) = verdict_text(r, l);
    h.push_str(&escape_html(&label));
    h.push_str("</span> ");
    h.push_str(&escape_html(&sentence));
    h.push_str("</p>\n<table>\n");
    row(h, "SHA-256", &code(r.get("sha256").and_then(Value::as_str).unwrap_or(l.t("hash_unknown"))));
    row(h, l.t("format"), &escape_html(s(r, "format")));
    if let Some(kv) = r.get("keras_version").and_then(Value::as_str) {
        row(h, "Keras", &escape_html(kv));
    }
    if let Some(b) = r.pointer("/stats/file_bytes").and_then(Value::as_u64) {
        row(h, l.t("size"), &escape_html(&size_text(b)));
    }
    match r.get("policy") {
        Some(p) => {
            let action = s(p, "action");
            let pass = if action == "block" { l.t("does_not_pass") } else { l.t("passes") };
            let mut v = format!(
                "{} · <span class=\"action action-{a}\">{a}</span> · {}",
                escape_html(s(p, "policy")),
                escape_html(pass),
                a = escape_html(action)
            );
            if let Some(a) = p.get("file_allowed_by") {
                v.push_str(&format!(
                    "<br>{} {} — {}",
                    escape_html(l.t("allowed_by")),
                    escape_html(s(a, "reviewer")),
                    escape_html(s(a, "reason"))
                ));
            }
            for n in l.msgs(p, "notes") {
                v.push_str(&format!("<br>{}", escape_html(&n)));
            }
            row(h, l.t("policy"), &v);
        }
        None => row(h, l.t("policy"), &escape_html(l.t("policy_not_applied"))),
    }
    h.push_str("</table>\n");

    let errors = r.get("errors").and_then(Value::as_array).cloned().unwrap_or_default();
    if !errors.is_empty() {
        h.push_str(&format!("<h3>{}</h3>\n<ul>\n", escape_html(l.t("errors"))));
        for e in &errors {
            h.push_str(&format!(
                "<li>{} — {}</li>\n",
                code(&l.place(s(e, "location"))),
                escape_html(&l.msg(&e["message"]))
            ));
        }
        h.push_str("</ul>\n");
    }
    let findings = r.get("findings").and_then(Value::as_array).cloned().unwrap_or_default();
    if findings.is_empty() {
        h.push_str(&format!("<p>{}</p>\n", escape_html(l.t("no_findings"))));
    }
    for (i, f) in findings.iter().enumerate() {
        let code_ = s(f, "code");
        let sev = s(f, "severity");
        h.push_str(&format!(
            "<div class=\"finding sev-{}\" data-code=\"{}\">\n<h3>{} · {} · {}</h3>\n<table>\n",
            escape_html(sev),
            escape_html(code_),
            code(code_),
            escape_html(l.t(&format!("s_{sev}"))),
            escape_html(&l.rule_title(code_))
        ));
        if let Some(specific) = f.get("title") {
            row(h, l.t("finding"), &escape_html(&l.msg(specific)));
        }
        if let Some((action, by)) = finding_action(r, i, &|v| l.msg(v)) {
            let mut v = format!("<span class=\"action action-{a}\">{a}</span>", a = escape_html(&action));
            if let Some(by) = by {
                v.push_str(&format!(" — {}", escape_html(&by)));
            }
            row(h, l.t("action"), &v);
        }
        if !s(f, "layer").is_empty() {
            row(h, l.t("layer"), &code(s(f, "layer")));
        }
        if let Some(loc) = f.get("location") {
            row(h, l.t("location"), &code(&location_text(loc, l)));
        }
        let ev = f.get("evidence").cloned().unwrap_or(Value::Null);
        if let Some(x) = ev.get("sha256").and_then(Value::as_str) {
            row(h, l.t("payload"), &code(&format!("sha256 {x}")));
        }
        if let Some(x) = ev.get("reference").and_then(Value::as_str) {
            row(h, l.t("reference"), &code(x));
        }
        for (key, label) in [("calls", "calls"), ("strings", "strings"), ("imports", "imports"), ("notes", "notes")] {
            let items = if key == "notes" { l.msgs(&ev, key) } else { strs(&ev, key) };
            if !items.is_empty() {
                let list: Vec<String> = items.iter().map(|x| code(x)).collect();
                row(h, l.t(label), &list.join("<br>"));
            }
        }
        let categories = l.msgs(&ev, "categories");
        if !categories.is_empty() {
            row(h, l.t("categories"), &escape_html(&categories.join(", ")));
        }
        let cves: Vec<&str> = rules::reference(code_).map_or(&[][..], |r| r.cves).to_vec();
        if !cves.is_empty() {
            row(h, "CVE", &escape_html(&cves.join(", ")));
        }
        h.push_str("</table>\n");
        if let Some(src) = ev.get("source").and_then(Value::as_str) {
            h.push_str(&format!("<pre>{}</pre>\n", escape_html(src)));
        }
        h.push_str("</div>\n");
    }
    html_overview(h, r, l);
    h.push_str("</section>\n");
}

/// Deepest level an export draws nested; deeper layers are listed at that level with
/// their depth written out (a chain of thousands of nested models stays a short list).
const MAX_EXPORT_DEPTH: usize = 24;

/// The model overview of a report (`model`: the layer tree the scan recorded) as lines
/// in tree order: (drawn depth, text). Words come from the page's overview strings
/// (`ov:<key>` in the labels); names and classes are the file's, escaped by the caller.
fn overview_lines(r: &Value, l: &Labels) -> Vec<(usize, String)> {
    let Some(nodes) = r.pointer("/model/nodes").and_then(Value::as_array) else { return Vec::new() };
    let findings = r.get("findings").and_then(Value::as_array);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut roots = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        match n.get("parent").and_then(Value::as_u64).map(|p| p as usize).filter(|&p| p < i) {
            Some(p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    let ov = |key: &str, arg: &str| l.t(&format!("ov:{key}")).replacen("{}", arg, 1);
    let mut out = Vec::new();
    // Depth first with an explicit stack (the file decides the depth).
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        let n = &nodes[i];
        let mut text = String::new();
        if depth == 0 {
            if let Some(c) = n.get("container").and_then(Value::as_str).filter(|c| !c.is_empty()) {
                text.push_str(&format!("[{}] ", l.place(c)));
            }
        } else if depth > MAX_EXPORT_DEPTH {
            text.push_str(&format!("({depth}) "));
        }
        text.push_str(&format!("{} — {}", s(n, "name"), s(n, "class_name")));
        match s(n, "kind") {
            "" | "layer" => {}
            k => text.push_str(&format!(" [{}]", ov(&format!("k_{k}"), ""))),
        }
        let calls = n.get("calls").and_then(Value::as_u64).unwrap_or(0);
        if n.get("shared").and_then(Value::as_bool).unwrap_or(false) {
            text.push_str(&format!(
                " · {}",
                if calls > 1 { ov("called", &calls.to_string()) } else { ov("shared", "") }
            ));
        }
        let lambdas = n.get("lambdas").and_then(Value::as_u64).unwrap_or(0);
        if lambdas > 0 {
            text.push_str(&format!(" · {}", ov("lambda_chip", &lambdas.to_string())));
        }
        for fi in n.get("findings").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_u64) {
            if let Some(f) = findings.and_then(|f| f.get(fi as usize)) {
                text.push_str(&format!(" ← {} #{}", s(f, "code"), fi + 1));
            }
        }
        out.push((depth.min(MAX_EXPORT_DEPTH), text));
        for &c in children[i].iter().rev() {
            stack.push((c, depth + 1));
        }
    }
    let omitted = r.pointer("/model/omitted").and_then(Value::as_u64).unwrap_or(0);
    let limit = r.pointer("/model/limit").and_then(Value::as_str).unwrap_or("max_overview_nodes");
    if omitted > 0 {
        out.push((0, ov("omitted", &omitted.to_string()).replacen("{}", limit, 1)));
    }
    out
}

/// The overview as nested lists in a closed `<details>`.
fn html_overview(h: &mut String, r: &Value, l: &Labels) {
    let lines = overview_lines(r, l);
    if lines.is_empty() {
        return;
    }
    h.push_str(&format!(
        "<details class=\"overview\"><summary>{}</summary>\n",
        escape_html(&format!("{} ({})", l.t("ov:title"), l.t("ov:layers").replacen("{}", &lines.len().to_string(), 1)))
    ));
    let mut open = 0usize; // lists open
    for (depth, text) in &lines {
        while open > depth + 1 {
            h.push_str("</li></ul>\n");
            open -= 1;
        }
        if open == depth + 1 {
            h.push_str("</li>\n");
        }
        while open < depth + 1 {
            h.push_str("<ul>\n");
            open += 1;
        }
        h.push_str("<li>");
        h.push_str(&escape_html(text));
    }
    while open > 0 {
        h.push_str("</li></ul>\n");
        open -= 1;
    }
    h.push_str("</details>\n");
}

/// A short Markdown summary for a ticket: one section per file, a findings table.
pub fn markdown(files: &[Value], l: &Labels) -> String {
    let mut m = String::new();
    m.push_str(&format!("## {} (keras-sentinel {})\n", l.t("report_title"), env!("CARGO_PKG_VERSION")));
    for r in files {
        let verdict = s(r, "verdict");
        m.push_str(&format!(
            "\n### {} — **{}** (`{}`)\n\n",
            escape_md(s(r, "path")),
            escape_md(&verdict_text(r, l).0),
            verdict
        ));
        match r.get("sha256").and_then(Value::as_str) {
            Some(h) if h.bytes().all(|b| b.is_ascii_hexdigit()) => m.push_str(&format!("- SHA-256: `{h}`\n")),
            _ => m.push_str(&format!("- SHA-256: {}\n", escape_md(l.t("hash_unknown")))),
        }
        match r.get("policy") {
            Some(p) => {
                let action = s(p, "action");
                let pass = if action == "block" { l.t("does_not_pass") } else { l.t("passes") };
                m.push_str(&format!(
                    "- {}: {} — **{}** ({})\n",
                    escape_md(l.t("policy")),
                    escape_md(s(p, "policy")),
                    escape_md(action),
                    escape_md(pass)
                ));
                for n in l.msgs(p, "notes") {
                    m.push_str(&format!("  - {}\n", escape_md(&n)));
                }
            }
            None => m.push_str(&format!("- {}: {}\n", escape_md(l.t("policy")), escape_md(l.t("policy_not_applied")))),
        }
        for e in r.get("errors").and_then(Value::as_array).into_iter().flatten() {
            m.push_str(&format!(
                "- {}: {} — {}\n",
                escape_md(l.t("v_error")),
                escape_md(&l.place(s(e, "location"))),
                escape_md(&l.msg(&e["message"]))
            ));
        }
        let findings = r.get("findings").and_then(Value::as_array).cloned().unwrap_or_default();
        if findings.is_empty() {
            m.push_str(&format!("\n{}\n", escape_md(l.t("no_findings"))));
        }
        markdown_findings(&mut m, r, &findings, l);
        let lines = overview_lines(r, l);
        if !lines.is_empty() {
            m.push_str(&format!("\n**{}**\n\n", escape_md(l.t("ov:title"))));
            for (depth, text) in lines {
                m.push_str(&format!("{}- {}\n", "  ".repeat(depth), escape_md(&text)));
            }
        }
    }
    m
}

/// The findings table of one file (nothing when it has none).
fn markdown_findings(m: &mut String, r: &Value, findings: &[Value], l: &Labels) {
    if findings.is_empty() {
        return;
    }
    m.push_str(&format!(
        "\n| {} | {} | {} | {} | {} |\n|---|---|---|---|---|\n",
        escape_md(l.t("code")),
        escape_md(l.t("severity")),
        escape_md(l.t("action")),
        escape_md(l.t("layer")),
        escape_md(l.t("finding"))
    ));
    for (i, f) in findings.iter().enumerate() {
        let code_ = s(f, "code");
        let action = match finding_action(r, i, &|v| l.msg(v)) {
            Some((a, Some(by))) => format!("{} ({})", escape_md(&a), escape_md(&by)),
            Some((a, None)) => escape_md(&a),
            None => "—".into(),
        };
        m.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            escape_md(code_),
            escape_md(l.t(&format!("s_{}", s(f, "severity")))),
            action,
            escape_md(s(f, "layer")),
            escape_md(&l.finding_title(f))
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{self, InForce};
    use keras_sentinel::limits::Limits;

    const HOSTILE: &str = r#"{"class_name":"Sequential","config":{"layers":[{"module":"os","class_name":"system","config":{"name":"</code><script>alert(1)</script>|x"}}]}}"#;

    fn t(key: &str) -> &'static str {
        match key {
            "v_malicious" => "Malicious",
            "passes" => "passes",
            "does_not_pass" => "does not pass",
            _ => "label",
        }
    }

    fn file_report() -> keras_sentinel::report::FileReport {
        let mut r = keras_sentinel::scan(&HOSTILE.as_bytes().to_vec(), "<img src=x>.json", &Limits::default());
        review::decide(&mut r, &InForce::Some(keras_sentinel::policy::Policy::default()), Some("ab12"), "2026-01-01");
        r
    }

    fn report() -> Value {
        serde_json::to_value(file_report()).unwrap()
    }

    #[test]
    fn html_is_escaped_self_contained_and_names_verdict_codes_hash() {
        let r = report();
        assert!(!r["findings"].as_array().unwrap().is_empty(), "{r}");
        let l = Labels { lang: "en", t: &|k| t(k) };
        let h = html_report(std::slice::from_ref(&r), &l, "2026-01-01");
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(!h.contains(" src=\"") && !h.contains("href="), "{h}");
        assert!(h.contains("default-src 'none'"));
        assert!(h.contains("ab12"));
        for f in r["findings"].as_array().unwrap() {
            assert!(h.contains(f["code"].as_str().unwrap()));
        }
        assert!(h.contains(&format!("data-verdict=\"{}\"", r["verdict"].as_str().unwrap())));
    }

    #[test]
    fn markdown_escapes_and_has_one_table_row_per_finding() {
        let r = report();
        let l = Labels { lang: "en", t: &|k| t(k) };
        let m = markdown(std::slice::from_ref(&r), &l);
        assert!(m.match_indices('<').all(|(i, _)| m[..i].ends_with('\\')), "unescaped <: {m}");
        let n = r["findings"].as_array().unwrap().len();
        assert_eq!(m.lines().filter(|x| x.starts_with("| ") && !x.starts_with("| label")).count(), n, "{m}");
        assert!(m.contains("`ab12`"));
        assert_eq!(escape_md("a|b\nc`"), "a\\|b c\\`");
    }

    /// The model overview (tf.keras 2.15's nested model, wrappers and shared layer of
    /// `crate/tests/data/overview`) in both exports: nested as the layers are, the lambda
    /// and its finding marked, the page's words for kinds.
    #[test]
    fn exports_carry_the_model_overview_nested() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../crate/tests/data/overview/nested_shared.h5");
        let bytes = std::fs::read(path).unwrap();
        let r = serde_json::to_value(keras_sentinel::scan(&bytes, "nested_shared.h5", &Limits::default())).unwrap();
        let words = |k: &str| match k {
            "ov:title" => "Model overview",
            "ov:layers" => "{} layer(s)",
            "ov:k_model" => "model",
            "ov:k_wrapper" => "wrapper",
            "ov:k_lambda" => "Lambda",
            "ov:called" => "shared, called {}×",
            "ov:lambda_chip" => "λ {}",
            _ => "label",
        };
        let l = Labels { lang: "en", t: &words };
        let m = markdown(std::slice::from_ref(&r), &l);
        for line in [
            "- \\[HDF5 attribute /model\\_config\\] outer — Functional \\[model\\]",
            "  - td — TimeDistributed \\[wrapper\\]",
            "    - inner — Functional \\[model\\]",
            "      - double — Lambda \\[Lambda\\] · λ 1 ← PAIT-KERAS-100 #1",
            "  - shared\\_dense — Dense · shared, called 2×",
        ] {
            assert!(m.lines().any(|x| x == line), "no line {line:?} in:\n{m}");
        }
        let h = html_report(std::slice::from_ref(&r), &l, "2026-01-01");
        assert!(h.contains("<details class=\"overview\"><summary>Model overview (12 layer(s))</summary>"), "{h}");
        assert_eq!(h.matches("<ul>").count(), h.matches("</ul>").count());
        assert!(h.contains("<li>inner_in — InputLayer</li>\n<li>shared_dense — Dense</li>\n<li>double — Lambda [Lambda] · λ 1 ← PAIT-KERAS-100 #1</li></ul>"), "{h}");
    }

    /// A report's tree is the file's: a chain 5,000 models deep, parents that point
    /// forward or at themselves, nodes without fields and finding indices past the end
    /// draw as a bounded list, with balanced HTML, and never panic.
    #[test]
    fn a_hostile_tree_draws_bounded() {
        let mut nodes: Vec<Value> =
            (0..5000).map(|i| json!({"parent": i.max(1) - 1, "name": "m", "kind": "model"})).collect();
        nodes[0] = json!({"name": "root", "findings": [0, 99, "x"]});
        nodes.push(json!({"parent": 5001, "name": "forward"}));
        nodes.push(json!({"parent": 5001}));
        nodes.push(json!("not a node"));
        let r = json!({"path": "x.h5", "verdict": "clean", "findings": [{"code": "KS-X"}], "model": {"nodes": nodes, "omitted": 7}});
        let l = Labels { lang: "en", t: &|k| t(k) };
        let lines = overview_lines(&r, &l);
        assert_eq!(lines.len(), 5004, "every node drawn once, and the omitted line");
        assert!(lines.iter().all(|(d, _)| *d <= MAX_EXPORT_DEPTH));
        assert!(lines[0].1.contains("← KS-X #1") && !lines[0].1.contains("#100"), "{}", lines[0].1);
        let h = html_report(std::slice::from_ref(&r), &l, "2026-01-01");
        assert_eq!(h.matches("<ul>").count(), h.matches("</ul>").count());
        assert!(h.matches("<ul>").count() <= MAX_EXPORT_DEPTH + 2);
        let m = markdown(std::slice::from_ref(&r), &l);
        assert!(m.lines().all(|x| x.len() < 200), "indentation stays bounded");
    }

    #[test]
    fn turkish_exports_render_messages_from_the_labels_the_page_sends() {
        use keras_sentinel::messages::tr;
        let r = report();
        let labels = |k: &str| k.strip_prefix("m:").and_then(tr::lookup).unwrap_or("label");
        let l = Labels { lang: "tr", t: &labels };
        let h = html_report(std::slice::from_ref(&r), &l, "2026-01-01");
        let m = markdown(std::slice::from_ref(&r), &l);
        assert!(h.contains("Tehlikeli os modülünden nesne") && m.contains("Tehlikeli os modülünden nesne"), "{m}");
        assert!(h.contains("modül &quot;os&quot;, sınıf") || h.contains("modül \"os\", sınıf"), "{h}");
        assert!(!h.contains("dangerous module") && !m.contains("dangerous module"), "{h}");
        // English labels: the report's English text.
        let l = Labels { lang: "en", t: &|k| t(k) };
        assert!(markdown(std::slice::from_ref(&r), &l).contains("Object from dangerous module os"));
    }

    #[test]
    fn the_json_export_carries_each_rule_text_once() {
        let raw = vec![serde_json::to_string(&file_report()).unwrap()];
        let reports: Vec<Value> = raw.iter().map(|t| serde_json::from_str(t).unwrap()).collect();
        let doc: Value = serde_json::from_str(&scan_report_text(&raw, &reports)).unwrap();
        assert_eq!(doc["schema_version"], 2);
        let codes: std::collections::BTreeSet<&str> =
            reports[0]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
        let rules = doc["rules"].as_object().unwrap();
        assert_eq!(rules.keys().map(String::as_str).collect::<std::collections::BTreeSet<_>>(), codes);
        assert!(rules.values().all(|r| r["explanation"].as_str().is_some_and(|e| e.len() > 40)));
    }

    #[test]
    fn sarif_is_the_cli_text_and_keeps_files_the_page_stopped() {
        let fr = file_report();
        let raw = review::report_json(&fr);
        let stopped = crate::watchdog::stopped_report("slow.keras", 3, 10);
        let l = Labels { lang: "en", t: &|k| t(k) };
        let (text, mime, ext) = build("sarif", &[raw.clone(), stopped.to_string()], &l, "");
        assert_eq!((mime, ext), ("application/sarif+json", "sarif"));
        // What the CLI prints for the same report (cli/src/lib.rs: pretty + "\n").
        let cli = keras_sentinel::report::ScanReport::new(vec![fr.clone()]);
        let (one, _, _) = build("sarif", std::slice::from_ref(&raw), &l, "");
        assert_eq!(one, serde_json::to_string_pretty(&keras_sentinel::sarif::render(&cli)).unwrap() + "\n");
        let m: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(m["runs"].as_array().unwrap().len(), 1);
        assert_eq!(m["runs"][0]["results"].as_array().unwrap().len(), fr.findings.len());
        assert_eq!(m["runs"][0]["invocations"][0]["executionSuccessful"], false);
        let notes = m["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
        assert!(notes.iter().any(|n| n["message"]["text"].as_str().unwrap().starts_with("slow.keras: ")), "{m}");
        let empty: Value = serde_json::from_str(&build("sarif", &[], &l, "").0).unwrap();
        assert_eq!(empty["runs"][0]["results"].as_array().unwrap().len(), 0);
        assert_eq!(empty["runs"][0]["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn json_is_the_cli_document_of_the_reports_that_parse() {
        let r = report();
        let doc = scan_report(std::slice::from_ref(&r));
        assert_eq!(doc["schema_version"], SCHEMA_VERSION);
        assert_eq!(doc["files"].as_array().unwrap().len(), 1);
        let raw = review::report_json(&file_report());
        let l = Labels { lang: "en", t: &|k| t(k) };
        let (text, mime, _) = build("json", &[raw.clone(), "not json".into(), raw], &l, "");
        let text: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(mime, "application/json");
        assert_eq!(text["files"].as_array().unwrap().len(), 2);
        assert_eq!(text["files"][1], r);
        assert_eq!(text["schema_version"], SCHEMA_VERSION);
    }

    #[test]
    fn clean_with_notes_says_how_many_and_review_is_named() {
        fn labels(k: &str) -> &'static str {
            match k {
                "v_clean" => "Clean",
                "v_clean_notes" => "Clean, {} notes to read",
                "vd_clean_notes" => "{} notes below",
                "v_review" => "Review",
                _ => "label",
            }
        }
        let l = Labels { lang: "en", t: &|k| labels(k) };
        let info = serde_json::json!({"severity": "info", "code": "KS-JSON-LENIENCY"});
        let clean = serde_json::json!({"path": "a.json", "verdict": "clean", "findings": [info, info.clone(), {"severity": "low"}]});
        let m = markdown(std::slice::from_ref(&clean), &l);
        assert!(m.contains("Clean, 3 notes to read"), "{m}");
        let h = html_report(std::slice::from_ref(&clean), &l, "");
        assert!(h.contains("Clean, 3 notes to read") && h.contains("3 notes below"), "{h}");
        let bare = serde_json::json!({"path": "b.json", "verdict": "clean", "findings": []});
        assert!(markdown(&[bare], &l).contains("**Clean**"));
        let review = serde_json::json!({"path": "c.json", "verdict": "review", "findings": []});
        assert!(html_report(&[review], &l, "").contains("verdict-review\">Review"));
        assert_eq!(size_text(14_123), "13.8 KiB (14123 B)");
        assert_eq!(size_text(10), "10 B");
    }
}
