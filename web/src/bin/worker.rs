//! The scanning worker (a dedicated Web Worker, built `--target no-modules`).
//!
//! Receives `{ id, file, path? }` from the page, scans the `File` through
//! [`BlobSource`] (random-access reads with `FileReaderSync` + `Blob.slice`; the file is
//! never read whole), and posts the report back as JSON. Posts `{ type: "ready" }` once
//! started. Scans run one at a time, in the order received; the page stays responsive
//! because all of this happens off the main thread.

use js_sys::Date;
use keras_sentinel_web::blob_source::js_err;
use keras_sentinel_web::protocol::{self, obj};
use keras_sentinel_web::{scan_source_json, BlobSource};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(msg: &js_sys::Object) {
    let _ = scope().post_message(msg);
}

fn main() {
    // A bug in the scanner must not leave the page waiting: report it, then let the trap
    // happen (the page restarts the worker and carries on with the next file).
    std::panic::set_hook(Box::new(|info| {
        post(&obj(&[("type", protocol::PANIC.into()), ("message", info.to_string().into())]));
    }));

    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(|ev: MessageEvent| {
        let data = ev.data();
        let id = protocol::get(&data, "id");
        let file = protocol::get(&data, "file");
        let Ok(blob) = file.clone().dyn_into::<Blob>() else {
            post(&obj(&[("type", protocol::FAILED.into()), ("id", id), ("message", "message carried no file".into())]));
            return;
        };
        let name = protocol::get_str(&data, "path")
            .filter(|p| !p.is_empty())
            .or_else(|| protocol::get_str(&file, "name"))
            .unwrap_or_else(|| "(unnamed)".into());
        let started = Date::now();
        let progress_id = id.clone();
        let src = match BlobSource::new(blob) {
            Ok(s) => s.with_progress(move |bytes| {
                post(&obj(&[
                    ("type", protocol::PROGRESS.into()),
                    ("id", progress_id.clone()),
                    ("bytes", (bytes as f64).into()),
                ]));
            }),
            Err(e) => {
                post(&obj(&[("type", protocol::FAILED.into()), ("id", id), ("message", e.into())]));
                return;
            }
        };
        let report = scan_source_json(&src, &name);
        post(&obj(&[
            ("type", protocol::RESULT.into()),
            ("id", id),
            ("report", report.into()),
            ("ms", (Date::now() - started).into()),
        ]));
    });
    let scope = scope();
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    if let Err(e) = scope.post_message(&obj(&[("type", protocol::READY.into())])) {
        web_sys::console::error_1(&format!("worker could not post ready: {}", js_err(&e)).into());
    }
}
