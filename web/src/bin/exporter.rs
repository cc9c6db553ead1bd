//! The exporter (a dedicated Web Worker, built `--target no-modules`): builds the page's
//! exports (the CLI's JSON and SARIF, the HTML report, the Markdown summary) from the
//! report JSON the page holds.
//!
//! A wasm of its own so that the SARIF renderer, every rule's English and Turkish
//! documentation and the report writers are not in the wasm loaded at page start (the
//! scanning worker's); the page starts this worker on the user's first export only
//! (`review_ui.rs`), from the page's own origin, and keeps it for the next ones.
//! It answers each `export` message with one `exported` message, in the order asked.

use std::collections::HashMap;

use keras_sentinel_web::export;
use keras_sentinel_web::protocol::{self, obj};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(msg: &js_sys::Object) {
    let _ = scope().post_message(msg);
}

/// The strings of a JS array (anything else in it is left out).
fn strings(data: &JsValue, key: &str) -> Vec<String> {
    protocol::get(data, key)
        .dyn_into::<js_sys::Array>()
        .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default()
}

fn on_export(data: &JsValue) {
    let mut labels = HashMap::new();
    if let Ok(o) = protocol::get(data, "labels").dyn_into::<js_sys::Object>() {
        for pair in js_sys::Object::entries(&o).iter() {
            let pair: js_sys::Array = pair.unchecked_into();
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                labels.insert(k, v);
            }
        }
    }
    let lookup = |k: &str| labels.get(k).map(String::as_str).unwrap_or("");
    let lang = protocol::get_str(data, "lang").unwrap_or_else(|| "en".into());
    let l = export::Labels { lang: &lang, t: &lookup };
    let kind = protocol::get_str(data, "kind").unwrap_or_default();
    let generated = protocol::get_str(data, "generated").unwrap_or_default();
    let (text, mime, ext) = export::build(&kind, &strings(data, "reports"), &l, &generated);
    post(&obj(&[
        ("type", protocol::EXPORTED.into()),
        ("text", text.into()),
        ("mime", mime.into()),
        ("ext", ext.into()),
    ]));
}

fn main() {
    // A bug here must not leave the page waiting for its download: the page drops this
    // worker on any other message and starts a new one at the next export.
    std::panic::set_hook(Box::new(|info| {
        post(&obj(&[("type", protocol::PANIC.into()), ("message", info.to_string().into())]));
    }));
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(|ev: MessageEvent| {
        let data = ev.data();
        if protocol::get_str(&data, "type").as_deref() == Some(protocol::EXPORT) {
            on_export(&data);
        }
    });
    let scope = scope();
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let _ = scope.post_message(&obj(&[("type", protocol::READY.into())]));
}
