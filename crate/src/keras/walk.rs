//! Walks a Keras config tree and finds every serialized function, in every shape of
//! lambda-formats.md §2, at any depth (nested models, wrappers, RNN cells,
//! `compile_config`, custom layers), with its layer path and JSON pointer.
//!
//! The walk visits **every** JSON value: each bypass of other scanners came from a
//! walk that looked only at `config.layers`.

use std::collections::HashSet;

use super::{Item, Payload, Reference, Shape, Site};
use crate::container::json::{pointer_segment, Json};
use crate::python::payload::{decode_code, looks_like_code_object};

/// Keys of a Lambda/Merge config that may hold a function (lambda-formats.md §6.1).
const FUNCTION_SLOTS: &[&str] = &["function", "output_shape", "mask", "mode", "output_mask"];

/// Walks `root` and returns every function payload and function reference in it.
pub fn walk(root: &Json) -> Vec<Item> {
    let mut w = Walker { items: Vec::new(), consumed: HashSet::new(), layers: Vec::new() };
    w.value(root, &mut String::new(), None, None);
    w.items
}

struct Walker {
    items: Vec<Item>,
    /// Pointers of code strings already reported, so generic rules do not repeat them.
    consumed: HashSet<String>,
    /// Names of the layers/models around the current value.
    layers: Vec<String>,
}

/// The name a dict contributes to the layer path, if it is a layer or a model.
fn layer_name(obj: &Json) -> Option<String> {
    let class = obj.get_str("class_name")?;
    if class.starts_with("__") || class == "function" {
        return None;
    }
    let config = obj.get("config");
    let is_layer = match config {
        Some(c @ Json::Obj(_)) => {
            c.get("trainable").is_some() || c.get("layers").is_some() || c.get("layer").is_some()
        }
        Some(Json::Arr(_)) => true, // Keras <= 2.2.2 Sequential: config is the layer list
        _ => false,
    } || obj.get("inbound_nodes").is_some()
        || matches!(class, "Lambda" | "Merge");
    if !is_layer {
        return None;
    }
    let name = config
        .and_then(|c| c.get_str("name"))
        .or_else(|| obj.get_str("name"))
        .unwrap_or(class);
    Some(name.to_string())
}

/// `[code, defaults, closure]` (a list, or a `__tuple__` object) with a string first.
fn triple(v: &Json) -> Option<(&str, Option<&Json>, Option<&Json>)> {
    let items = match v {
        Json::Arr(a) => a.as_slice(),
        Json::Obj(_) if v.get_str("class_name") == Some("__tuple__") => v.get("items")?.as_arr()?,
        _ => return None,
    };
    let code = items.first()?.as_str()?;
    Some((code, items.get(1), items.get(2)))
}

/// True when `s` decodes (as `func_load` would) to something shaped like a code object.
fn decodes_to_code(s: &str) -> bool {
    s.len() >= 40 && looks_like_code_object(&decode_code(s).bytes)
}

impl Walker {
    fn site(&self, pointer: &str, slot: &str) -> Site {
        Site { layer: self.layers.join(" > "), pointer: pointer.to_string(), slot: slot.to_string() }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_payload(
        &mut self,
        pointer: String,
        code_pointer: String,
        slot: &str,
        shape: Shape,
        code: &str,
        defaults: Option<&Json>,
        closure: Option<&Json>,
        module: Option<&str>,
        arguments: Option<&Json>,
    ) {
        if !self.consumed.insert(code_pointer) {
            return;
        }
        let site = self.site(&pointer, slot);
        self.items.push(Item::Function(Payload {
            site,
            shape,
            code: code.to_string(),
            defaults: defaults.filter(|d| !d.is_null()).cloned(),
            closure: closure.filter(|c| !c.is_null()).cloned(),
            module: module.map(str::to_string),
            arguments: arguments.filter(|a| !matches!(a, Json::Obj(m) if m.is_empty())).cloned(),
        }));
    }

    fn value(&mut self, v: &Json, ptr: &mut String, lambda_cfg: Option<&Json>, key: Option<&str>) {
        match v {
            Json::Obj(members) => {
                let pushed = layer_name(v).map(|n| self.layers.push(n)).is_some();
                self.object(v, ptr, lambda_cfg, key);
                // The config of a Lambda passes its `arguments` down to its `__lambda__`s.
                let is_lambda = matches!(v.get_str("class_name"), Some("Lambda"));
                for (k, child) in members {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&pointer_segment(k));
                    let cfg = if is_lambda && k == "config" { Some(child) } else { lambda_cfg };
                    self.value(child, ptr, cfg, Some(k));
                    ptr.truncate(len);
                }
                if pushed {
                    self.layers.pop();
                }
            }
            Json::Arr(items) => {
                for (i, child) in items.iter().enumerate() {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    self.value(child, ptr, lambda_cfg, key);
                    ptr.truncate(len);
                }
            }
            Json::Str(s) => {
                // §6.1 item 7: code outside any known slot.
                if !self.consumed.contains(ptr.as_str()) && decodes_to_code(s) {
                    let p = ptr.clone();
                    self.push_payload(p.clone(), p, key.unwrap_or(""), Shape::Unknown, s, None, None, None, None);
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, v: &Json, ptr: &str, lambda_cfg: Option<&Json>, key: Option<&str>) {
        let class = v.get_str("class_name");
        let slot = key.unwrap_or("");

        // (a)(b)(c)(g) and RNN cell wrappers: any `X_type` key next to its payload `X`.
        if let Json::Obj(members) = v {
            let is_lambda_like = matches!(class, Some("Lambda" | "Merge"));
            for (k, kind) in members {
                let Some(base) = k.strip_suffix("_type") else { continue };
                let Some(kind) = kind.as_str() else { continue };
                let Some(payload) = v.get(base) else { continue };
                let at = format!("{ptr}/{}", pointer_segment(base));
                let module_key = if base == "function" { "module".to_string() } else { format!("{base}_module") };
                let module = v.get_str(&module_key);
                let args = if v.get("arguments").is_some() { v.get("arguments") } else { None };
                match kind {
                    "lambda" => {
                        if let Some((code, d, c)) = triple(payload) {
                            let code_at = if payload.get_str("class_name") == Some("__tuple__") {
                                format!("{at}/items/0")
                            } else {
                                format!("{at}/0")
                            };
                            let shape = if payload.as_arr().is_some() { Shape::Keras2List } else { Shape::SavedModelTuple };
                            self.push_payload(at, code_at, base, shape, code, d, c, module, args);
                        } else if let Some(code) = payload.as_str() {
                            self.push_payload(at.clone(), at, base, Shape::Keras1String, code, None, None, module, args);
                        }
                    }
                    "function" => {
                        if let Some(name) = payload.as_str() {
                            self.items.push(Item::Reference(Reference {
                                site: self.site(&at, base),
                                module: module.map(str::to_string),
                                name: name.to_string(),
                            }));
                        }
                    }
                    _ => {}
                }
            }
            // Lambda/Merge configs without `*_type` keys (Keras 1.0.x, Keras 3, crafted files).
            if is_lambda_like {
                if let Some(cfg) = v.get("config").filter(|c| c.as_obj().is_some()) {
                    for slot in FUNCTION_SLOTS {
                        if cfg.get(&format!("{slot}_type")).is_some() {
                            continue; // handled above when the walk reaches `config`
                        }
                        let Some(payload) = cfg.get(slot) else { continue };
                        let at = format!("{ptr}/config/{slot}");
                        let args = cfg.get("arguments");
                        if let Some((code, d, c)) = triple(payload) {
                            self.push_payload(at.clone(), format!("{at}/0"), slot, Shape::Keras2List, code, d, c, None, args);
                        } else if let Some(text) = payload.as_str() {
                            if decodes_to_code(text) {
                                self.push_payload(at.clone(), at, slot, Shape::Keras1String, text, None, None, None, args);
                            } else if *slot == "function" && self.consumed.insert(at.clone()) {
                                self.items.push(Item::SourceText { site: self.site(&at, slot), text: text.to_string() });
                            }
                        }
                    }
                }
            }
        }

        match class {
            // (d)(e): Keras 3 and tf.keras 2.12+ generic lambdas.
            Some("__lambda__") => {
                let Some(cfg) = v.get("config") else { return };
                let args = lambda_cfg.and_then(|c| c.get("arguments"));
                if let Some(code) = cfg.get_str("code") {
                    let at = format!("{ptr}/config/code");
                    self.push_payload(
                        ptr.to_string(),
                        at,
                        slot,
                        Shape::Keras3Code,
                        code,
                        cfg.get("defaults"),
                        cfg.get("closure"),
                        None,
                        args,
                    );
                } else if let Some((code, d, c)) = cfg.get("value").and_then(triple) {
                    let at = format!("{ptr}/config/value/0");
                    self.push_payload(ptr.to_string(), at, slot, Shape::Keras3Value, code, d, c, None, args);
                }
            }
            // §4: a named function reference, no bytecode.
            Some("function") => {
                let module = v.get_str("module").map(str::to_string);
                let name = match v.get("config") {
                    Some(Json::Str(s)) => s.clone(),
                    _ => v.get_str("registered_name").unwrap_or("").to_string(),
                };
                self.items.push(Item::Reference(Reference { site: self.site(ptr, slot), module, name }));
            }
            // (c) a __tuple__ holding code anywhere else.
            Some("__tuple__") => {
                if let Some((code, d, c)) = triple(v) {
                    if decodes_to_code(code) {
                        let at = format!("{ptr}/items/0");
                        self.push_payload(ptr.to_string(), at, slot, Shape::SavedModelTuple, code, d, c, None, None);
                    }
                }
            }
            _ => {}
        }

        // (f) a dict whose only key is `value` holding [code, defaults, closure].
        if let Json::Obj(members) = v {
            if members.len() == 1 && members[0].0 == "value" {
                if let Some(arr) = members[0].1.as_arr() {
                    if (2..=3).contains(&arr.len()) {
                        if let Some(code) = arr[0].as_str() {
                            if decodes_to_code(code) {
                                let at = format!("{ptr}/value/0");
                                self.push_payload(
                                    ptr.to_string(),
                                    at,
                                    slot,
                                    Shape::BareValue,
                                    code,
                                    arr.get(1),
                                    arr.get(2),
                                    None,
                                    None,
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
