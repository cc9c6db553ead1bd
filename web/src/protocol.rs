//! Messages between the page and its workers (plain JS objects, structured clone): the
//! scanning worker (`bin/app/scan_worker.rs`, part of the page's wasm) and the exporter
//! (`bin/exporter.rs`).
//!
//! page → worker:
//! - `{ type: "start", module: WebAssembly.Module, glue: string }` — first, to
//!   `static/worker_loader.js`: the page's compiled module and the URL of its glue, which
//!   the loader instantiates before calling `worker_main`;
//! - `{ type: "policy", text?: string, name: string, off?: true }` — the policy to apply from
//!   now on: `text` is a policy file, no text the built-in policy, `off` none at all (the
//!   site's policy could not be read). Sent after every `ready`, before any file;
//! - `{ id: number, file: File, path?: string, limits?: string, defer_hash?: true }` — one
//!   file to scan, then to hash; with `defer_hash` the worker keeps the report and hashes
//!   only when asked:
//! - `{ type: "hash", id, file?, path?, limits? }` — hash a file scanned with `defer_hash`:
//!   the worker that scanned it holds the file and report (its last [`MAX_KEPT`]), so the
//!   page sends `file` only to another worker, which scans it again (posting no `result`);
//!
//! worker → page:
//! - `{ type: "ready" }` once the worker's wasm has started (messages sent earlier are lost);
//! - `{ type: "policy", ok: true, name, needs_hash }` or
//!   `{ type: "policy", ok: false, line, column, key?, message }`;
//! - `{ type: "progress", id, bytes }` while a large file is being read;
//! - `{ type: "result", id, report: string (FileReport JSON), ms }` — the verdict; the
//!   worker then hashes the file (the page may terminate it to cancel);
//! - `{ type: "hash-progress", id, done, total }` while hashing;
//! - `{ type: "hashed", id, sha256, report }` — the report again with the hash and the
//!   policy decision recomputed with it; `{ type: "hash-failed", id, message }`;
//! - `{ type: "failed", id, message }` when the file could not be scanned at all;
//! - `{ type: "panic", message }` if the scanner hit a bug (the page restarts the worker).
//!
//! page → exporter (started at the first export, kept for the next ones):
//! - `{ type: "export", kind: "json"|"sarif"|"html"|"md", lang, labels: {key: text},
//!   reports: [FileReport JSON], generated }`;
//!
//! exporter → page:
//! - `{ type: "ready" }`, then one `{ type: "exported", text, mime, ext }` per export, in
//!   the order asked; `{ type: "panic", message }` on a bug (the page drops this worker).

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// The value of `key` in the page's query string (`location.search`, with or without its
/// `?`): the page's knobs for tests and benchmarks.
pub fn query_param<'a>(search: &'a str, key: &str) -> Option<&'a str> {
    search.trim_start_matches('?').split('&').find_map(|kv| match kv.split_once('=') {
        Some((k, v)) if k == key => Some(v),
        _ => None,
    })
}

/// URL knob (`?ks-warmup=0`): the scanning workers start without warming the scanner up
/// (`scan_worker::worker_warmup`), for tests that need a cold first scan and to measure one.
pub const WARMUP_PARAM: &str = "ks-warmup";

/// Whether the workers of a page with query string `search` warm the scanner up.
pub fn warmup_on(search: &str) -> bool {
    query_param(search, WARMUP_PARAM) != Some("0")
}

pub const START: &str = "start";
pub const READY: &str = "ready";
pub const PROGRESS: &str = "progress";
pub const RESULT: &str = "result";
pub const FAILED: &str = "failed";
pub const PANIC: &str = "panic";
pub const POLICY: &str = "policy";
pub const HASH_PROGRESS: &str = "hash-progress";
pub const HASHED: &str = "hashed";
pub const HASH_FAILED: &str = "hash-failed";
pub const EXPORT: &str = "export";
pub const HASH: &str = "hash";

/// How many files scanned with `defer_hash` a worker holds (file and report) until asked
/// for their hash; the page tracks the same window to know when to send the file again.
pub const MAX_KEPT: usize = 512;
pub const EXPORTED: &str = "exported";

/// Builds a plain object from key/value pairs.
pub fn obj(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

pub fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn get_str(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

pub fn get_f64(o: &JsValue, key: &str) -> Option<f64> {
    get(o, key).as_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_knobs_are_read_by_name() {
        assert_eq!(query_param("?a=1&ks-workers=3", "ks-workers"), Some("3"));
        assert_eq!(query_param("ks-workers=3", "ks-workers"), Some("3"));
        assert_eq!(query_param("?xks-workers=3", "ks-workers"), None);
        assert!(warmup_on("") && warmup_on("?ks-warmup=1") && warmup_on("?ks-warmupx=0"));
        assert!(!warmup_on("?a=b&ks-warmup=0"));
    }

    /// The models every page's workers scan at start (`static/worker_loader.js`) are the
    /// benign fixtures made by the real producers, byte for byte, and scan as plain lambdas.
    #[test]
    fn warmup_samples_are_benign_real_producer_fixtures() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let loader = std::fs::read_to_string(format!("{root}/static/worker_loader.js")).unwrap();
        for (sample, fixture) in [
            ("warmup.h5", "tf215/h5_benign_scale.h5"),
            ("warmup.keras", "keras3/benign_ops.keras"),
            ("warmup.json", "tf215/to_json_benign_slice.json"),
        ] {
            assert!(loader.contains(&format!("'{sample}'")), "worker_loader.js does not scan {sample}");
            let bytes = std::fs::read(format!("{root}/static/{sample}")).unwrap();
            assert_eq!(bytes, std::fs::read(format!("{root}/crate/tests/data/models/{fixture}")).unwrap(), "{sample}");
            let r = keras_sentinel::scan(&bytes, sample, &keras_sentinel::limits::Limits::default());
            assert_eq!(r.verdict, keras_sentinel::report::Verdict::Lambda, "{sample}: {:?}", r.findings);
        }
    }
}
