//! The scanning worker: the code each dedicated Web Worker of the page's pool runs.
//!
//! Part of the page's own wasm (the `app` bin), not a wasm of its own: the page compiles
//! its module once and posts that `WebAssembly.Module` to every worker it starts
//! (`pool::start_worker`); `static/worker_loader.js` instantiates it with the same glue and
//! calls [`worker_main`]. The page and the scanner share most of their code (std, fmt,
//! serde_json, the report types and messages, the web-sys glue), so one module is ~40% less
//! wasm to download at start than two, and no worker fetches or compiles anything.
//!
//! Receives the policy (`{ type: "policy", … }`) and files (`{ id, file, path? }`) from the
//! page. Each file is scanned through [`BlobSource`] (random-access reads with
//! `FileReaderSync` + `Blob.slice`; the file is never read whole), the verdict and the
//! policy's decision are posted at once, then the file is hashed in 1 MiB chunks with
//! progress, and the decision is recomputed with the hash (file allowlist entries). The
//! page's pool defers hashes (`defer_hash`, then `{type: "hash"}`) until no file waits for
//! a verdict.
//! Exports are not built here: the page loads the exporter (`bin/exporter.rs`) for them,
//! on the first export only, so the wasm loaded at page start stays small.
//! Cancelling is terminating this worker: a synchronous loop cannot read messages, and a
//! fresh worker is what the page's watchdog already starts. Files are handled one at a
//! time, in the order received; the page stays responsive because all of this happens off
//! the main thread.

use std::cell::RefCell;

use js_sys::Date;
use keras_sentinel::hash::{self, HashError};
use keras_sentinel_web::blob_source::js_err;
use keras_sentinel_web::protocol::{self, obj};
use keras_sentinel_web::review::{self, InForce};
use keras_sentinel_web::BlobSource;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

thread_local! {
    /// The policy in force; the built-in one until the page says otherwise.
    static POLICY: RefCell<InForce> = RefCell::new(InForce::Some(keras_sentinel::policy::Policy::default()));
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(msg: &js_sys::Object) {
    let _ = scope().post_message(msg);
}

/// Today in local time, `YYYY-MM-DD` (policy entries expire on dates).
fn today() -> String {
    let d = Date::new_0();
    review::ymd(d.get_full_year(), d.get_month() + 1, d.get_date())
}

fn on_policy(data: &JsValue) {
    let name = protocol::get_str(data, "name").unwrap_or_else(|| "policy.toml".into());
    if protocol::get(data, "off").is_truthy() {
        POLICY.with(|p| *p.borrow_mut() = InForce::None);
        post(&obj(&[("type", protocol::POLICY.into()), ("ok", true.into()), ("name", "".into())]));
        return;
    }
    match review::read_policy(protocol::get_str(data, "text").as_deref(), &name) {
        Ok(p) => {
            let name = p.name.clone();
            let forced = InForce::Some(p);
            let needs_hash = forced.needs_hash();
            POLICY.with(|cell| *cell.borrow_mut() = forced);
            post(&obj(&[
                ("type", protocol::POLICY.into()),
                ("ok", true.into()),
                ("name", name.into()),
                ("needs_hash", needs_hash.into()),
            ]));
        }
        Err(e) => {
            // The previous policy stays; the page shows the error and sends `off`.
            post(&obj(&[
                ("type", protocol::POLICY.into()),
                ("ok", false.into()),
                ("line", (e.line as f64).into()),
                ("column", (e.column as f64).into()),
                ("key", e.key.map(JsValue::from).unwrap_or(JsValue::NULL)),
                // The catalogue message as JSON: the page renders it in its language.
                ("message", serde_json::to_string(&e.message).unwrap_or_default().into()),
            ]));
        }
    }
}

/// Files scanned with `defer_hash` and not hashed yet, with their reports, by id, the
/// oldest dropped past `protocol::MAX_KEPT` (the page then sends the file again).
type Kept = std::collections::VecDeque<(u32, Blob, keras_sentinel::report::FileReport)>;

thread_local! {
    static KEPT: RefCell<Kept> = const { RefCell::new(std::collections::VecDeque::new()) };
}

/// A file to scan: the verdict is posted at once; the hash follows at once too, unless the
/// page asked to defer it (`defer_hash`: it sends `{type: "hash"}` once no file waits for
/// a verdict, so hashing large files never delays the verdicts of the others).
fn on_file(data: &JsValue) {
    let Some((id, blob, report)) = scan_file(data, true) else { return };
    if protocol::get(data, "defer_hash").is_truthy() {
        KEPT.with(|k| {
            let mut k = k.borrow_mut();
            if k.len() >= protocol::MAX_KEPT {
                k.pop_front();
            }
            k.push_back((id.as_f64().unwrap_or(-1.0) as u32, blob, report));
        });
        return;
    }
    hash_file(id, blob, report);
}

/// `{type: "hash", id, file?, path, limits}`: the hash of a file scanned with `defer_hash`,
/// from the file and report kept here; without them (another worker scanned it, or it was
/// dropped) the message carries the file, scanned again without posting a second verdict.
fn on_hash(data: &JsValue) {
    let key = protocol::get_f64(data, "id").unwrap_or(-1.0) as u32;
    let kept = KEPT.with(|k| {
        let mut k = k.borrow_mut();
        let i = k.iter().position(|(id, _, _)| *id == key)?;
        k.remove(i).map(|(_, b, r)| (b, r))
    });
    let id = protocol::get(data, "id");
    match (kept, protocol::get(data, "file").dyn_into::<Blob>()) {
        (Some((blob, report)), _) => hash_file(id, blob, report),
        (None, Ok(_)) => {
            if let Some((id, blob, report)) = scan_file(data, false) {
                hash_file(id, blob, report);
            }
        }
        (None, Err(_)) => post(&obj(&[
            ("type", protocol::HASH_FAILED.into()),
            ("id", id),
            ("message", "the file is no longer held by the scanning worker".into()),
        ])),
    }
}

/// Scans the file of a message; posts the verdict (`post_result`) or why it could not.
fn scan_file(data: &JsValue, post_result: bool) -> Option<(JsValue, Blob, keras_sentinel::report::FileReport)> {
    let id = protocol::get(data, "id");
    let file = protocol::get(data, "file");
    let Ok(blob) = file.clone().dyn_into::<Blob>() else {
        post(&obj(&[("type", protocol::FAILED.into()), ("id", id), ("message", "message carried no file".into())]));
        return None;
    };
    let name = protocol::get_str(data, "path")
        .filter(|p| !p.is_empty())
        .or_else(|| protocol::get_str(&file, "name"))
        .unwrap_or_else(|| "(unnamed)".into());
    let started = Date::now();
    let progress_id = id.clone();
    let src = match BlobSource::new(blob.clone()) {
        Ok(s) => s.read_whole_below(keras_sentinel_web::blob_source::READ_WHOLE_BELOW).with_progress(move |bytes| {
            if post_result {
                post(&obj(&[
                    ("type", protocol::PROGRESS.into()),
                    ("id", progress_id.clone()),
                    ("bytes", (bytes as f64).into()),
                ]));
            }
        }),
        Err(e) => {
            post(&obj(&[("type", protocol::FAILED.into()), ("id", id), ("message", e.into())]));
            return None;
        }
    };
    // The page's limit settings (validated there; a bad one here is reported, never ignored).
    let limits =
        match keras_sentinel_web::watchdog::parse_limits(&protocol::get_str(data, "limits").unwrap_or_default()) {
            Ok(l) => l,
            Err(e) => {
                post(&obj(&[
                    ("type", protocol::FAILED.into()),
                    ("id", id),
                    ("message", format!("limits: {e}").into()),
                ]));
                return None;
            }
        };
    let mut report = keras_sentinel::scan(&src, &name, &limits);
    drop(src);
    let today = today();
    POLICY.with(|p| review::decide(&mut report, &p.borrow(), None, &today));
    if post_result {
        post(&obj(&[
            ("type", protocol::RESULT.into()),
            ("id", id.clone()),
            ("report", review::report_json(&report).into()),
            ("ms", (Date::now() - started).into()),
        ]));
    }
    Some((id, blob, report))
}

/// Hashes the file with progress, then posts the report again with the policy decision
/// recomputed with the hash. A fresh source: no scan cache, no scan progress callback.
fn hash_file(id: JsValue, blob: Blob, mut report: keras_sentinel::report::FileReport) {
    let src = match BlobSource::new(blob) {
        Ok(s) => s,
        Err(e) => {
            post(&obj(&[("type", protocol::HASH_FAILED.into()), ("id", id), ("message", e.into())]));
            return;
        }
    };
    let mut last = 0.0;
    let result = hash::sha256(&src, &mut |done, total| {
        let now = Date::now();
        if now - last >= 100.0 || done == total {
            last = now;
            post(&obj(&[
                ("type", protocol::HASH_PROGRESS.into()),
                ("id", id.clone()),
                ("done", (done as f64).into()),
                ("total", (total as f64).into()),
            ]));
        }
        true
    });
    match result {
        Ok(sha) => {
            POLICY.with(|p| review::decide(&mut report, &p.borrow(), Some(&sha), &today()));
            post(&obj(&[
                ("type", protocol::HASHED.into()),
                ("id", id),
                ("sha256", sha.into()),
                ("report", review::report_json(&report).into()),
            ]));
        }
        Err(e) => {
            let message = match e {
                HashError::Read(e) => e.to_string(),
                HashError::Cancelled => "cancelled".into(),
            };
            post(&obj(&[("type", protocol::HASH_FAILED.into()), ("id", id), ("message", message.into())]));
        }
    }
}

/// Warms the scanner up before the worker says it is ready (`static/worker_loader.js`
/// fetches the samples from the page's origin and calls this first). The browser compiles
/// a wasm function when it first runs (a quick baseline) and optimises it on background
/// threads once it is hot: measured on the wild folder (95 files, 2 cores), a page's first
/// scan of it took ~1.6× as long as its second, and that compilation was the difference.
/// So each sample (`files`, named `names`: small benign models saved by tf.keras 2.15 and
/// Keras 3, each with a Lambda, from `crate/tests/data/models`) is scanned `rounds` times
/// as a user's file is (same source, limits, policy decision, report text) and the
/// reports dropped. Returns the milliseconds it took.
#[wasm_bindgen]
pub fn worker_warmup(files: js_sys::Array, names: js_sys::Array, rounds: u32) -> f64 {
    let started = Date::now();
    let limits = keras_sentinel::limits::Limits::default();
    for _ in 0..rounds {
        for (file, name) in files.iter().zip(names.iter()) {
            let (Ok(blob), Some(name)) = (file.dyn_into::<Blob>(), name.as_string()) else { continue };
            let Ok(src) = BlobSource::new(blob) else { continue };
            let src = src.read_whole_below(keras_sentinel_web::blob_source::READ_WHOLE_BELOW);
            let mut report = keras_sentinel::scan(&src, &name, &limits);
            POLICY.with(|p| review::decide(&mut report, &p.borrow(), None, &today()));
            drop(review::report_json(&report));
        }
    }
    Date::now() - started
}

/// The worker's entry point, called by `static/worker_loader.js` once the module the page
/// posted is instantiated in this worker (never on the page: see `app_main`).
#[wasm_bindgen]
pub fn worker_main() {
    // A bug in the scanner must not leave the page waiting: report it, then let the trap
    // happen (the page restarts the worker and carries on with the next file).
    std::panic::set_hook(Box::new(|info| {
        post(&obj(&[("type", protocol::PANIC.into()), ("message", info.to_string().into())]));
    }));

    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(|ev: MessageEvent| {
        let data = ev.data();
        match protocol::get_str(&data, "type").as_deref() {
            Some(protocol::POLICY) => on_policy(&data),
            Some(protocol::HASH) => on_hash(&data),
            _ => on_file(&data),
        }
    });
    let scope = scope();
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    if let Err(e) = scope.post_message(&obj(&[("type", protocol::READY.into())])) {
        web_sys::console::error_1(&format!("worker could not post ready: {}", js_err(&e)).into());
    }
}
