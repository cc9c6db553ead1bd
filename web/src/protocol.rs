//! Messages between the page and the scanning worker (plain JS objects, structured clone).
//!
//! page → worker: `{ id: number, file: File }` — one file to scan.
//! worker → page:
//! - `{ type: "ready" }` once the worker's wasm has started (messages sent earlier are lost);
//! - `{ type: "progress", id, bytes }` while a large file is being read;
//! - `{ type: "result", id, report: string (FileReport JSON), ms }`;
//! - `{ type: "failed", id, message }` when the file could not be scanned at all;
//! - `{ type: "panic", message }` if the scanner hit a bug (the page restarts the worker).

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

pub const READY: &str = "ready";
pub const PROGRESS: &str = "progress";
pub const RESULT: &str = "result";
pub const FAILED: &str = "failed";
pub const PANIC: &str = "panic";

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
