//! Browser glue shared by the page and its scanning workers (one wasm: `bin/app.rs`, the
//! workers' code in `bin/app/scan_worker.rs`), the exporter (`bin/exporter.rs`, loaded on
//! the first export) and the browser tests (`tests-wasm`).
//!
//! - [`blob_source::BlobSource`]: the core's [`ByteSource`](keras_sentinel::source::ByteSource)
//!   over a `Blob`/`File`, read synchronously with `FileReaderSync` + `Blob.slice` inside a
//!   dedicated worker. Only the ranges the scanner asks for are read; a multi-GB model is
//!   never loaded whole.
//! - [`scan_blob`]: one scan, as the JSON the worker posts to the page.
//! - [`rule_docs_json`]: every rule's documentation (English and Turkish) as JSON.
//! - [`tr_pack`]: the Turkish catalogue as the language pack the page fetches (`tr.json`).
//! - [`watchdog`]: the per-scan deadline the page enforces on the worker.
//!
//! Nothing here opens a network connection: the file never leaves the machine.

pub mod blob_source;
pub mod export;
pub mod num_text;
pub mod protocol;
pub mod results_table;
pub mod review;
pub mod rule_heads;
pub mod tr_pack;
pub mod watchdog;

use keras_sentinel::limits::Limits;
use keras_sentinel::rules::{self, RuleDoc, Text};
use serde::Serialize;

pub use blob_source::BlobSource;

/// Scans a `Blob` (a dropped `File`) and returns the report as JSON
/// (`keras_sentinel::report::FileReport`). Must run in a worker: `FileReaderSync` does not
/// exist on the main thread.
pub fn scan_blob(blob: &web_sys::Blob, name: &str) -> Result<String, String> {
    let src = BlobSource::new(blob.clone())?;
    Ok(scan_source_json(&src, name))
}

/// Scans any byte source and serializes the report.
pub fn scan_source_json(src: &dyn keras_sentinel::source::ByteSource, name: &str) -> String {
    let report = keras_sentinel::scan(src, name, &Limits::default());
    serde_json::to_string(&report).unwrap_or_else(|e| {
        let message = keras_sentinel::msg!(keras_sentinel::messages::en::ERR_SERIALIZE, detail = e.to_string());
        format!(r#"{{"path":{},"format":"unknown","verdict":"error","findings":[],"errors":[{{"location":"report","message":{}}}],"stats":{{"file_bytes":0,"bytes_read":0,"reads":0}}}}"#,
            serde_json::to_string(name).unwrap_or_default(),
            serde_json::to_string(&message).unwrap_or_default())
    })
}

/// One rule's documentation in one language, as serialized for the page.
#[derive(Serialize)]
pub struct TextDoc {
    pub title: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub remedy: &'static str,
    pub faq: Vec<Faq>,
}

#[derive(Serialize)]
pub struct Faq {
    pub q: &'static str,
    pub a: &'static str,
}

#[derive(Serialize)]
pub struct RuleDocJson {
    pub code: &'static str,
    pub severity: &'static str,
    pub cves: &'static [&'static str],
    pub en: TextDoc,
    pub tr: TextDoc,
}

fn text(t: &Text) -> TextDoc {
    TextDoc {
        title: t.title,
        what: t.what,
        why: t.why,
        remedy: t.remedy,
        faq: t.faq.iter().map(|(q, a)| Faq { q, a }).collect(),
    }
}

impl From<&RuleDoc> for RuleDocJson {
    fn from(r: &RuleDoc) -> Self {
        RuleDocJson { code: r.code, severity: r.severity.as_str(), cves: r.cves, en: text(&r.en), tr: text(&r.tr) }
    }
}

/// Every rule of the core (`rules::ALL`) with its English and Turkish documentation, as
/// a JSON array. Not exported to JavaScript: an export would keep every rule's text and
/// this serializer in the worker too, which never shows documentation (bundle budget).
pub fn rule_docs_json() -> String {
    let all: Vec<RuleDocJson> = rules::ALL.iter().map(RuleDocJson::from).collect();
    serde_json::to_string(&all).unwrap_or_else(|_| "[]".into())
}
