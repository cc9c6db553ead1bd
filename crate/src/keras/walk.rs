//! Walks a Keras config tree and finds every serialized function, in every shape of
//! lambda-formats.md §2, at any depth (nested models, wrappers, RNN cells,
//! `compile_config`, custom layers), with its layer path and JSON pointer.
//!
//! The walk visits **every** JSON value: each bypass of other scanners came from a
//! walk that looked only at `config.layers`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::overview::Builder;
use super::{Item, Object, Payload, Reference, Shape, Site};
use crate::container::json::{pointer_segment, push_pointer_segment, Json, JsonStr};
use crate::python::payload::{decode_code, looks_like_code_object, may_decode_to_code};

/// Keys of a Lambda/Merge config that may hold a function (lambda-formats.md §6.1), and
/// the key that names each one's kind.
const FUNCTION_SLOTS: &[(&str, &str)] = &[
    ("function", "function_type"),
    ("output_shape", "output_shape_type"),
    ("mask", "mask_type"),
    ("mode", "mode_type"),
    ("output_mask", "output_mask_type"),
];

/// Walks `root` and returns every function payload and function reference in it (they
/// borrow their texts and values from `root`).
pub fn walk<'t>(root: &'t Json<'t>) -> Vec<Item<'t>> {
    walk_into(root, None)
}

/// [`walk`], also recording the layer tree into `tree` (the model overview).
pub fn walk_into<'t>(root: &'t Json<'t>, tree: Option<&mut Builder>) -> Vec<Item<'t>> {
    let mut items = Vec::new();
    walk_each(root, tree, &mut |mut item, place| {
        if let Item::Object(o) = &mut item {
            o.site = place.site();
        }
        items.push(item);
    });
    items
}

/// What [`walk_each`] hands over with each item it finds.
pub type Sink<'s, 't> = dyn FnMut(Item<'t>, &Place<'_>) + 's;

/// [`walk_into`], handing each item to `sink` as soon as it is found (in the same
/// order). An object's `site` is left empty: `place` builds it while the walk is there,
/// for the few objects that need one (most give no finding).
pub fn walk_each<'t>(root: &'t Json<'t>, tree: Option<&mut Builder>, sink: &mut Sink<'_, 't>) {
    let mut w = Walker { sink, consumed: HashSet::new(), layers: Vec::new(), tree, parked: None };
    w.visit(root);
}

/// Where the walk is when it hands over an item: an object's [`Site`], not yet built.
pub struct Place<'w> {
    pointer: &'w str,
    layers: &'w [Cow<'w, str>],
    slot: &'w str,
}

impl Place<'_> {
    /// The site of the object handed over with this place.
    pub fn site(&self) -> Site {
        site_of(self.layers, &At(self.pointer, String::new()), self.slot)
    }

    /// Is the object the root of its document (its pointer empty)?
    pub fn is_root(&self) -> bool {
        self.pointer.is_empty()
    }
}

/// A site nobody asked for (an object's, until [`Place::site`]): no allocation.
fn no_site() -> Site {
    Site { layer: String::new(), pointer: String::new(), slot: String::new() }
}

struct Walker<'t, 'b, 's> {
    sink: &'s mut Sink<'s, 't>,
    /// Code strings already reported (by node address: duplicate keys share a pointer
    /// but not a node), so generic rules do not report one payload twice.
    consumed: HashSet<*const Json<'t>>,
    /// Names of the layers/models around the current value.
    layers: Vec<Cow<'t, str>>,
    /// The model overview, when asked for: opened and closed with `layers`.
    tree: Option<&'b mut Builder>,
    /// The overview, set aside while the walk is inside a copy of the model it is in (and
    /// the depth of the walk's stack at which that copy ends).
    parked: Option<(&'b mut Builder, usize)>,
}

/// Classes whose `config` the config rules read.
const CONFIG_KEPT: &[&str] = &["TorchModuleWrapper", "StringLookup", "IntegerLookup", "TextVectorization", "TFSMLayer"];

/// The name a dict contributes to the layer path, if it is a layer or a model (`class`:
/// its `class_name` string).
fn layer_name<'t>(obj: &'t Json<'t>, class: Option<&'t JsonStr<'t>>) -> Option<Cow<'t, str>> {
    let class = class?;
    if class.starts_with("__") || class == "function" {
        return None;
    }
    let config = obj.get("config");
    let is_layer = match config {
        // One pass over the keys (a layer's `trainable` comes early) instead of a lookup each.
        Some(Json::Obj(m)) => m.iter().any(|(k, _)| k == "trainable" || k == "layers" || k == "layer"),
        Some(Json::Arr(_)) => true, // Keras <= 2.2.2 Sequential: config is the layer list
        _ => false,
    } || obj.get("inbound_nodes").is_some()
        || class == "Lambda"
        || class == "Merge";
    if !is_layer {
        return None;
    }
    config.and_then(|c| c.get_str("name")).or_else(|| obj.get_str("name")).or_else(|| Some(class.text()))
}

/// `[code, defaults, closure]` (a list, or a `__tuple__` object) with a string first.
#[allow(clippy::type_complexity)]
fn triple<'t>(v: &'t Json<'t>) -> Option<(&'t Json<'t>, Option<&'t Json<'t>>, Option<&'t Json<'t>>)> {
    let items = match v {
        Json::Arr(a) => a.as_slice(),
        Json::Obj(_) if v.get_str_is("class_name", "__tuple__") => v.get("items")?.as_arr()?,
        _ => return None,
    };
    let code = items.first().filter(|c| c.is_str())?;
    Some((code, items.get(1), items.get(2)))
}

/// Longest pointer, layer path or slot text kept in a [`Site`].
const MAX_SITE_TEXT: usize = 1024;

/// A node's pointer, bounded as the items' are (so findings' pointers match it).
pub(super) fn bounded_pointer(p: &str) -> String {
    tail(p, MAX_SITE_TEXT)
}

/// Where an item sits: the pointer of its object and a suffix below it.
struct At<'a>(&'a str, String);

/// The end of `s`, at most about `max` bytes, marked with `…` when cut.
fn tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut cut = s.len() - max.saturating_sub(3);
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    format!("…{}", &s[cut..])
}

/// An object's top-level members with nested values replaced by `null`: what the
/// config rules read (top-level strings), without a deep copy per nested wrapper.
fn shallow<'t>(config: &Json<'t>) -> Json<'t> {
    match config {
        Json::Obj(m) => Json::Obj(
            m.iter()
                .map(|(k, v)| {
                    (k.clone(), if matches!(v, Json::Obj(_) | Json::Arr(_)) { Json::Null } else { v.clone() })
                })
                .collect(),
        ),
        _ => Json::Null,
    }
}

/// `Json::get` for many keys of one object: a scan per key is quadratic on an object
/// of many `*_type` keys, so large objects get a map (last member wins, as in Python).
enum LastValues<'t> {
    Scan(&'t [(JsonStr<'t>, Json<'t>)]),
    Map(HashMap<Cow<'t, str>, &'t Json<'t>>),
}

impl<'t> LastValues<'t> {
    fn new(members: &'t [(JsonStr<'t>, Json<'t>)]) -> Self {
        if members.len() <= 16 {
            LastValues::Scan(members)
        } else {
            LastValues::Map(members.iter().map(|(k, v)| (k.text(), v)).collect())
        }
    }

    fn get(&self, key: &str) -> Option<&'t Json<'t>> {
        match self {
            LastValues::Scan(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            LastValues::Map(m) => m.get(key).copied(),
        }
    }
}

/// `i` in decimal, without allocating.
fn itoa(mut i: usize, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (i % 10) as u8;
        i /= 10;
        if i == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("0")
}

/// True when `s` decodes (as `func_load` would) to something shaped like a code object.
fn decodes_to_code(s: &str) -> bool {
    s.len() >= 40 && may_decode_to_code(s) && looks_like_code_object(&decode_code(s).bytes)
}

/// [`decodes_to_code`] for a string of the tree. A string with escapes is decoded only
/// when it is 40 bytes or more and passes [`may_decode_to_code`]'s test, read from its
/// characters.
fn string_decodes_to_code(s: &JsonStr) -> bool {
    match s.plain() {
        Some(text) => decodes_to_code(text),
        None => s.len() >= 40 && may_decode_chars_to_code(s.chars()) && decodes_to_code(&s.text()),
    }
}

/// [`may_decode_to_code`] on a text given as its characters (no copy of the text).
fn may_decode_chars_to_code(mut chars: impl Iterator<Item = char>) -> bool {
    let Some(first) = chars.next() else { return false };
    if matches!(first, 'c' | '\u{e3}') {
        return true;
    }
    let mut lead = None;
    for c in std::iter::once(first).chain(chars) {
        if !c.is_ascii() {
            return false; // read as raw_unicode_escape: the first character decides
        }
        if lead.is_none() && (c.is_ascii_alphanumeric() || c == '+' || c == '/') {
            lead = Some(c);
        }
    }
    matches!(lead, Some('4' | 'Y'))
}

/// A site's texts are bounded: a deep nest of long keys or layer names would otherwise
/// be copied into every item under it (quadratic in the file).
fn site_of(layers: &[Cow<str>], at: &At, slot: &str) -> Site {
    let mut pointer = tail(at.0, MAX_SITE_TEXT.saturating_sub(at.1.len()));
    pointer.push_str(&at.1);
    Site { layer: layer_path(layers), pointer, slot: tail(slot, MAX_SITE_TEXT) }
}

/// `outer > inner > layer`, keeping the innermost names within [`MAX_SITE_TEXT`].
fn layer_path(layers: &[Cow<str>]) -> String {
    let (mut from, mut total) = (layers.len(), 0);
    while from > 0 && total + layers[from - 1].len() + 3 <= MAX_SITE_TEXT {
        total += layers[from - 1].len() + 3;
        from -= 1;
    }
    match (from, layers.last()) {
        (0, _) => layers.join(" > "),
        (f, Some(last)) if f == layers.len() => tail(last, MAX_SITE_TEXT),
        (f, _) => format!("… > {}", layers[f..].join(" > ")),
    }
}

impl<'t> Walker<'t, '_, '_> {
    fn site(&self, at: &At, slot: &str) -> Site {
        site_of(&self.layers, at, slot)
    }

    /// Hands `item` over; it carries its own site (only objects' are built later).
    fn emit(&mut self, item: Item<'t>) {
        (self.sink)(item, &Place { pointer: "", layers: &[], slot: "" });
    }

    #[allow(clippy::too_many_arguments)]
    fn push_payload(
        &mut self,
        at: At,
        code: &'t Json<'t>,
        slot: &str,
        shape: Shape,
        defaults: Option<&'t Json<'t>>,
        closure: Option<&'t Json<'t>>,
        module: Option<Cow<'t, str>>,
        arguments: Option<&'t Json<'t>>,
    ) {
        let Some(code_text) = code.as_str() else { return };
        if !self.consumed.insert(code as *const Json) {
            return;
        }
        let site = self.site(&at, slot);
        self.emit(Item::Function(Payload {
            site,
            shape,
            code: code_text,
            defaults: defaults.filter(|d| !d.is_null()),
            closure: closure.filter(|c| !c.is_null()),
            module,
            arguments: arguments.filter(|a| !matches!(a, Json::Obj(m) if m.is_empty())),
        }));
        if let Some(t) = self.tree.as_deref_mut() {
            t.lambda_here();
        }
    }

    /// Visits `root` and everything under it in document order (pre-order), with an
    /// explicit stack: the file decides the depth, the walk must not recurse on it.
    fn visit(&mut self, root: &'t Json<'t>) {
        /// A container whose children are being visited.
        struct Frame<'t> {
            node: &'t Json<'t>,
            next: usize,
            /// Length of the pointer of `node` (children append `/segment`).
            ptr_len: usize,
            lambda_cfg: Option<&'t Json<'t>>,
            key: Option<&'t JsonStr<'t>>,
            pushed_layer: bool,
            is_lambda: bool,
        }
        let mut ptr = String::new();
        let mut stack: Vec<Frame> = Vec::new();
        // The last member says whether the value is the `model_config` of the document's
        // root object.
        let mut pending = Some((root, None::<&Json>, None::<&JsonStr>, false));
        loop {
            if let Some((v, lambda_cfg, key, root_model_config)) = pending.take() {
                match v {
                    Json::Obj(_) | Json::Arr(_) => {
                        // Looked up once: the layer name, the object's checks and the
                        // Lambda test all read it.
                        let class = v.get("class_name").and_then(Json::as_json_str);
                        let name = if matches!(v, Json::Obj(_)) { layer_name(v, class) } else { None };
                        // A SavedModel node's metadata holds its model's config again as
                        // `model_config`: scanned as any config, but it is that same model,
                        // not one inside it (layer paths, overview), when its name says so.
                        let same_model = root_model_config
                            && name.is_some()
                            && name.as_deref() == self.layers.last().map(|l| l.as_ref());
                        if same_model {
                            if let Some(t) = self.tree.take() {
                                t.root_copy_at(&ptr);
                                self.parked = Some((t, stack.len() + 1));
                            }
                        }
                        let (pushed_layer, layer) = match name {
                            Some(n) if !same_model => {
                                self.layers.push(n);
                                (true, self.layers.last().cloned())
                            }
                            n => (false, n),
                        };
                        if let (true, Some(t), Some(name)) =
                            (pushed_layer, self.tree.as_deref_mut(), self.layers.last())
                        {
                            t.open(v, name, &ptr);
                        }
                        if let Json::Obj(_) = v {
                            // `layer` is `layer_name(v)`: the object reports it.
                            self.object(v, &ptr, lambda_cfg, key, class, layer);
                        }
                        let is_lambda = class.is_some_and(|c| c == "Lambda");
                        let ptr_len = ptr.len();
                        stack.push(Frame { node: v, next: 0, ptr_len, lambda_cfg, key, pushed_layer, is_lambda });
                    }
                    // §6.1 item 7: code outside any known slot.
                    // Short strings (most of a config) are ruled out before the set is hashed.
                    Json::Str(s)
                        if s.len() >= 40
                            && !self.consumed.contains(&(v as *const Json))
                            && string_decodes_to_code(s) =>
                    {
                        self.push_payload(
                            At(&ptr, String::new()),
                            v,
                            &key.map(JsonStr::text).unwrap_or_default(),
                            Shape::Unknown,
                            None,
                            None,
                            None,
                            None,
                        );
                    }
                    _ => {}
                }
            }
            let depth = stack.len();
            let root_frame = depth == 1;
            let Some(top) = stack.last_mut() else { break };
            ptr.truncate(top.ptr_len);
            let i = top.next;
            top.next += 1;
            match top.node {
                Json::Obj(members) if i < members.len() => {
                    let (k, child) = &members[i];
                    ptr.push('/');
                    push_pointer_segment(&mut ptr, k);
                    // The config of a Lambda passes its `arguments` down to its `__lambda__`s.
                    let cfg = if top.is_lambda && k == "config" { Some(child) } else { top.lambda_cfg };
                    pending = Some((child, cfg, Some(k), root_frame && k == "model_config"));
                }
                Json::Arr(items) if i < items.len() => {
                    ptr.push('/');
                    ptr.push_str(itoa(i, &mut [0u8; 20]));
                    pending = Some((&items[i], top.lambda_cfg, top.key, false));
                }
                _ => {
                    if top.pushed_layer {
                        self.layers.pop();
                        if let Some(t) = self.tree.as_deref_mut() {
                            t.close();
                        }
                    }
                    if self.parked.as_ref().is_some_and(|(_, d)| *d == depth) {
                        self.tree = self.parked.take().map(|(t, _)| t);
                    }
                    stack.pop();
                }
            }
        }
    }

    /// `class` is `v`'s `class_name` string and `layer` its `layer_name`, already found by the walk.
    fn object(
        &mut self,
        v: &'t Json<'t>,
        ptr: &str,
        lambda_cfg: Option<&'t Json<'t>>,
        key: Option<&JsonStr>,
        class: Option<&'t JsonStr<'t>>,
        layer: Option<Cow<'t, str>>,
    ) {
        let class_name = class.map(JsonStr::text);
        let class = class_name.as_deref();
        let key_text = key.map(JsonStr::text);
        let slot = key_text.as_deref().unwrap_or("");

        // (a)(b)(c)(g) and RNN cell wrappers: any `X_type` key next to its payload `X`.
        if let Json::Obj(members) = v {
            let is_lambda_like = matches!(class, Some("Lambda" | "Merge"));
            // Built at the first `*_type` key: most objects have none.
            let mut keyed = None;
            for (k, kind) in members {
                let k = k.text();
                let Some(base) = k.strip_suffix("_type") else { continue };
                let Some(kind) = kind.as_str() else { continue };
                let (lookup, args) = keyed.get_or_insert_with(|| {
                    let lookup = LastValues::new(members);
                    let args = lookup.get("arguments");
                    (lookup, args)
                });
                let args = *args;
                let Some(payload) = lookup.get(base) else { continue };
                let at = At(ptr, format!("/{}", pointer_segment(base)));
                let module_key = if base == "function" { "module".to_string() } else { format!("{base}_module") };
                let module = lookup.get(&module_key).and_then(Json::as_str);
                match kind.as_ref() {
                    "lambda" => {
                        if let Some((code, d, c)) = triple(payload) {
                            let shape =
                                if payload.as_arr().is_some() { Shape::Keras2List } else { Shape::SavedModelTuple };
                            self.push_payload(at, code, base, shape, d, c, module, args);
                        } else if payload.is_str() {
                            self.push_payload(at, payload, base, Shape::Keras1String, None, None, module, args);
                        }
                    }
                    "function" => {
                        if let Some(name) = payload.as_str() {
                            self.emit(Item::Reference(Reference {
                                site: self.site(&at, base),
                                module: module.map(Cow::into_owned),
                                name: name.into_owned(),
                            }));
                        }
                    }
                    _ => {}
                }
            }
            // Lambda/Merge configs without `*_type` keys (Keras 1.0.x, Keras 3, crafted files).
            if is_lambda_like {
                if let Some(cfg) = v.get("config").filter(|c| c.as_obj().is_some()) {
                    for (slot, slot_type) in FUNCTION_SLOTS {
                        if cfg.get(slot_type).is_some() {
                            continue; // handled above when the walk reaches `config`
                        }
                        let Some(payload) = cfg.get(slot) else { continue };
                        let at = At(ptr, format!("/config/{slot}"));
                        let args = cfg.get("arguments");
                        if let Some((code, d, c)) = triple(payload) {
                            self.push_payload(at, code, slot, Shape::Keras2List, d, c, None, args);
                        } else if let Some(s) = payload.as_json_str() {
                            if string_decodes_to_code(s) {
                                self.push_payload(at, payload, slot, Shape::Keras1String, None, None, None, args);
                            } else if *slot == "function" && self.consumed.insert(payload as *const Json) {
                                self.emit(Item::SourceText { site: self.site(&at, slot), text: s.to_string() });
                            }
                        }
                    }
                }
            }
        }

        if let Some(c) = class.filter(|c| !matches!(*c, "function" | "__lambda__")) {
            let config = CONFIG_KEPT.contains(&c).then(|| v.get("config").map(shallow)).flatten();
            let object = Item::Object(Object {
                site: no_site(),
                class_name: class_name.clone().unwrap_or_default(),
                module: v.get_str("module"),
                registered_name: v.get_str("registered_name"),
                is_layer: layer.is_some(),
                layer_name: layer.filter(|_| v.get("config").is_some_and(|c| c.get("name").is_some_and(Json::is_str))),
                config,
            });
            (self.sink)(object, &Place { pointer: ptr, layers: &self.layers, slot });
        }

        match class {
            // (d)(e): Keras 3 and tf.keras 2.12+ generic lambdas.
            Some("__lambda__") => {
                let Some(cfg) = v.get("config") else { return };
                let args = lambda_cfg.and_then(|c| c.get("arguments"));
                if let Some(code) = cfg.get("code").filter(|c| c.is_str()) {
                    self.push_payload(
                        At(ptr, String::new()),
                        code,
                        slot,
                        Shape::Keras3Code,
                        cfg.get("defaults"),
                        cfg.get("closure"),
                        None,
                        args,
                    );
                } else if let Some((code, d, c)) = cfg.get("value").and_then(triple) {
                    self.push_payload(At(ptr, String::new()), code, slot, Shape::Keras3Value, d, c, None, args);
                }
            }
            // §4: a named function reference, no bytecode.
            Some("function") => {
                let module = v.get_str("module").map(Cow::into_owned);
                let name = match v.get("config") {
                    Some(Json::Str(s)) => s.to_string(),
                    _ => v.get_str("registered_name").unwrap_or_default().into_owned(),
                };
                self.emit(Item::Reference(Reference { site: self.site(&At(ptr, String::new()), slot), module, name }));
            }
            // (c) a __tuple__ holding code anywhere else.
            Some("__tuple__") => {
                if let Some((code, d, c)) = triple(v) {
                    if code.as_json_str().is_some_and(string_decodes_to_code) {
                        self.push_payload(At(ptr, String::new()), code, slot, Shape::SavedModelTuple, d, c, None, None);
                    }
                }
            }
            _ => {}
        }

        // (f) a dict whose only key is `value` holding [code, defaults, closure].
        if let Json::Obj(members) = v {
            if members.len() == 1 && members[0].0 == "value" {
                if let Some(arr) = members[0].1.as_arr() {
                    if (2..=3).contains(&arr.len()) && arr[0].as_json_str().is_some_and(string_decodes_to_code) {
                        {
                            {
                                self.push_payload(
                                    At(ptr, String::new()),
                                    &arr[0],
                                    slot,
                                    Shape::BareValue,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::json::parse;

    // A real 3.11 lambda header (argcount 1) padded so it passes the code-object check.
    fn code() -> String {
        let mut b = vec![0xe3, 1, 0, 0, 0];
        b.resize(60, 0);
        b64(&b)
    }

    fn b64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in bytes.chunks(3) {
            let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    /// The items of a document (leaked: the items borrow from it).
    fn items(json: &str) -> Vec<Item<'static>> {
        let text: &'static str = Box::leak(json.replace("CODE", &code()).into_boxed_str());
        walk(Box::leak(Box::new(parse(text, 1000).unwrap().value)))
    }

    fn functions(json: &str) -> Vec<Payload<'static>> {
        items(json).into_iter().filter_map(|i| if let Item::Function(p) = i { Some(p) } else { None }).collect()
    }

    #[test]
    fn keras2_lambda_with_output_shape_mask_module_and_arguments() {
        let f = functions(
            r#"{"class_name": "Functional", "config": {"name": "model", "layers": [
                {"class_name": "Lambda", "name": "lam", "config": {"name": "lam", "trainable": true,
                 "function": ["CODE", ["id"], null], "function_type": "lambda", "module": "os",
                 "output_shape": ["CODE", null, [3]], "output_shape_type": "lambda",
                 "mask": ["CODE", null, null], "mask_type": "lambda",
                 "arguments": {"cmd": "curl x"}}, "inbound_nodes": []}]}}"#,
        );
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].site.layer, "model > lam");
        assert_eq!(f[0].site.pointer, "/config/layers/0/config/function");
        assert_eq!(f[0].module.as_deref(), Some("os"));
        assert_eq!(f[0].defaults.as_ref().unwrap().to_compact(), "[\"id\"]");
        assert_eq!(f[0].arguments.as_ref().unwrap().get_str("cmd").as_deref(), Some("curl x"));
        assert_eq!(f[1].site.slot, "output_shape");
        assert_eq!(f[1].closure.as_ref().unwrap().to_compact(), "[3]");
        assert_eq!(f[2].site.slot, "mask");
    }

    #[test]
    fn keras1_sequential_bare_list_and_bare_string_code() {
        let f = functions(
            r#"{"class_name": "Sequential", "config": [{"class_name": "Lambda", "config": {"name": "lambda_1", "trainable": true, "function": "CODE"}}]}"#,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].shape, Shape::Keras1String);
        assert_eq!(f[0].site.layer, "Sequential > lambda_1");
        assert_eq!(f[0].site.pointer, "/config/0/config/function");
    }

    #[test]
    fn savedmodel_tuple_and_nested_models_and_wrappers() {
        let f = functions(
            r#"{"class_name": "Functional", "config": {"name": "outer", "layers": [
                {"class_name": "Functional", "config": {"name": "inner", "layers": [
                   {"class_name": "TimeDistributed", "config": {"name": "td", "trainable": true,
                    "layer": {"class_name": "Lambda", "config": {"name": "deep", "trainable": true,
                      "function": {"class_name": "__tuple__", "items": ["CODE", null, null]}, "function_type": "lambda"}}}}]}}]}}"#,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].shape, Shape::SavedModelTuple);
        assert_eq!(f[0].site.layer, "outer > inner > td > deep");
    }

    #[test]
    fn keras3_lambda_code_value_and_bare_value_anywhere() {
        let f = functions(
            r#"{"module": "keras", "class_name": "Functional", "config": {"name": "m", "layers": [
                 {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "evil", "trainable": true,
                   "function": {"class_name": "__lambda__", "config": {"code": "CODE", "defaults": null, "closure": null}},
                   "arguments": {"k": 1}}},
                 {"class_name": "Dense", "config": {"name": "d", "trainable": true, "activation": {"value": ["CODE", null, null]}}}]},
               "compile_config": {"loss": {"class_name": "__lambda__", "config": {"value": ["CODE", null, [0.25, 2.0]]}}}}"#,
        );
        assert_eq!(f.len(), 3);
        assert_eq!((f[0].shape, f[0].site.layer.as_str()), (Shape::Keras3Code, "m > evil"));
        assert_eq!(f[0].arguments.as_ref().unwrap().to_compact(), "{\"k\": 1}");
        assert_eq!((f[1].shape, f[1].site.slot.as_str()), (Shape::BareValue, "activation"));
        assert_eq!((f[2].shape, f[2].site.slot.as_str()), (Shape::Keras3Value, "loss"));
        assert_eq!(f[2].site.pointer, "/compile_config/loss");
    }

    #[test]
    fn merge_mode_and_rnn_cell_wrappers() {
        let f = functions(
            r#"{"class_name": "Merge", "config": {"name": "merge_1", "mode": ["CODE", null, null], "mode_type": "lambda",
                 "output_shape": [null, 4], "output_shape_type": "raw"}}"#,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].site.slot, "mode");
        let f = functions(
            r#"{"class_name": "DropoutWrapper", "config": {"name": "w", "trainable": true, "dropout_fn": ["CODE", null, null], "dropout_fn_type": "lambda"}}"#,
        );
        assert_eq!(f[0].site.slot, "dropout_fn");
    }

    #[test]
    fn references_source_text_and_code_outside_known_slots() {
        let all = items(
            r#"{"class_name": "Functional", "config": {"name": "m", "layers": [
                 {"class_name": "Lambda", "config": {"name": "a", "trainable": true, "function": {"module": "builtins", "class_name": "function", "config": "exec", "registered_name": "function"}}},
                 {"class_name": "Lambda", "config": {"name": "b", "trainable": true, "function": "my_fn", "function_type": "function", "module": "__main__"}},
                 {"class_name": "Lambda", "config": {"name": "c", "trainable": true, "function": "lambda x: eval('1')"}},
                 {"class_name": "Custom", "config": {"name": "d", "trainable": true, "hidden": "CODE"}}]}}"#,
        );
        let refs: Vec<String> =
            all.iter().filter_map(|i| if let Item::Reference(r) = i { Some(r.dotted()) } else { None }).collect();
        assert_eq!(refs, ["builtins.exec", "__main__.my_fn"]);
        assert!(all.iter().any(|i| matches!(i, Item::SourceText { text, .. } if text.contains("eval"))));
        let unknown: Vec<&Payload> =
            all.iter().filter_map(|i| if let Item::Function(p) = i { Some(p) } else { None }).collect();
        assert_eq!(unknown.len(), 1);
        assert_eq!((unknown[0].shape, unknown[0].site.layer.as_str()), (Shape::Unknown, "m > d"));
    }

    #[test]
    fn a_payload_is_reported_once_even_when_several_rules_match() {
        // `__tuple__` under a `*_type: lambda` key must not be reported twice.
        let f = functions(
            r#"{"class_name": "Lambda", "config": {"name": "l", "trainable": true, "function": {"class_name": "__tuple__", "items": ["CODE", null, null]}, "function_type": "lambda"}}"#,
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn duplicate_keys_are_all_walked() {
        let f = functions(
            r#"{"class_name": "Lambda", "config": {"name": "l", "trainable": true, "function": {"class_name": "__lambda__", "config": {"code": "CODE"}}, "function": {"class_name": "__lambda__", "config": {"code": "CODE"}}}}"#,
        );
        assert_eq!(f.len(), 2, "both values of a duplicated key must be seen");
    }

    #[test]
    fn a_payload_under_a_million_levels_is_found_on_a_small_stack() {
        let doc = format!(
            "{}{{\"class_name\": \"Lambda\", \"config\": {{\"name\": \"deep\", \"trainable\": true, \"function\": {{\"class_name\": \"__lambda__\", \"config\": {{\"code\": \"{}\"}}}}}}}}{}",
            "[".repeat(1_000_000),
            code(),
            "]".repeat(1_000_000)
        );
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                let v = parse(&doc, usize::MAX).unwrap().value;
                let found = walk(&v);
                let f: Vec<&Payload> =
                    found.iter().filter_map(|i| if let Item::Function(p) = i { Some(p) } else { None }).collect();
                assert_eq!(f.len(), 1);
                assert_eq!(f[0].site.layer, "deep");
                assert!(f[0].site.pointer.starts_with('…') && f[0].site.pointer.ends_with("/0/0/config/function"));
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn many_type_keys_in_one_object_stay_linear() {
        let mut doc = String::from("{\"class_name\": \"X\"");
        for i in 0..100_000 {
            doc.push_str(&format!(", \"f{i}_type\": \"lambda\""));
        }
        doc.push_str(", \"f99999\": [\"CODE\", null, null]}");
        let start = std::time::Instant::now();
        assert_eq!(functions(&doc).len(), 1);
        assert!(start.elapsed().as_secs() < 20);
    }

    #[test]
    fn sites_under_deep_long_named_layers_stay_bounded() {
        // 300 nested models named with 2,000 characters, 2,000 layers at the bottom: copying
        // the full layer path into each item would take 1.2 GB.
        let name = "n".repeat(2000);
        let mut doc = String::new();
        for i in 0..300 {
            doc.push_str(&format!(
                r#"{{"class_name": "Functional", "config": {{"name": "{name}{i}", "trainable": true, "layers": ["#
            ));
        }
        let dense = r#"{"class_name": "Dense", "config": {"name": "d", "trainable": true}}"#;
        doc.push_str(&vec![dense; 2000].join(", "));
        doc.push_str(&"]}}".repeat(300));
        let all = items(&doc);
        assert_eq!(all.len(), 2300);
        for i in &all {
            let Item::Object(o) = i else { panic!("only objects here") };
            assert!(o.site.layer.len() <= MAX_SITE_TEXT + 8, "{}", o.site.layer.len());
            assert!(o.site.pointer.len() <= MAX_SITE_TEXT + 8, "{}", o.site.pointer.len());
        }
        let Item::Object(last) = &all[all.len() - 1] else { unreachable!() };
        assert_eq!(last.site.layer, "… > d", "the innermost names that fit, the rest elided");
        assert!(last.site.pointer.starts_with('…') && last.site.pointer.ends_with("/config/layers/1999"));
    }

    #[test]
    fn kept_configs_are_shallow() {
        let all = items(
            r#"{"class_name": "TorchModuleWrapper", "config": {"name": "t", "trainable": true, "module": "QUJD",
                 "inner": {"class_name": "TorchModuleWrapper", "config": {"name": "u", "trainable": true, "module": "REVG"}}}}"#,
        );
        let configs: Vec<String> = all
            .iter()
            .filter_map(|i| if let Item::Object(o) = i { o.config.as_ref().map(Json::to_compact) } else { None })
            .collect();
        assert_eq!(
            configs,
            [
                r#"{"name": "t", "trainable": true, "module": "QUJD", "inner": null}"#,
                r#"{"name": "u", "trainable": true, "module": "REVG"}"#
            ]
        );
    }

    #[test]
    fn code_written_with_escapes_is_found_as_code_written_plainly() {
        // Every character of the code as a `\u00XX` escape, or three of its `A`s as
        // `\u0041`: the strings are escaped spans, decoded only because they may be code.
        let escaped: String = code().chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
        let doc = format!(
            r#"{{"class_name": "Custom", "config": {{"name": "d", "trainable": true, "hidden": "{escaped}",
                 "lambda": {{"class_name": "Lambda", "config": {{"name": "l", "function": "{}"}}}}}}}}"#,
            code().replacen('A', "\\u0041", 3)
        );
        let v = parse(&doc, 100).unwrap().value;
        let f: Vec<Payload> =
            walk(&v).into_iter().filter_map(|i| if let Item::Function(p) = i { Some(p) } else { None }).collect();
        assert_eq!(f.len(), 2, "{doc}");
        assert_eq!(
            (f[0].shape, f[0].site.slot.as_str(), f[0].code.as_ref()),
            (Shape::Unknown, "hidden", code().as_str())
        );
        assert_eq!(f[1].code, code());
    }

    #[test]
    fn the_prefix_test_on_characters_is_the_one_on_text() {
        let mut samples: Vec<String> =
            ["", "c", "\u{e3}x", "4wEA", "YwAA", "  =4", "==Y", "x4", "+4", "/Y", "ã4", "4ã", "-_4"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let alphabet = ['c', '\u{e3}', '4', 'Y', 'x', '=', '+', '/', ' ', '\n', 'é', '0'];
        let mut n = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..5_000 {
            let mut s = String::new();
            for _ in 0..(n % 6) {
                n ^= n << 13;
                n ^= n >> 7;
                n ^= n << 17;
                s.push(alphabet[(n % alphabet.len() as u64) as usize]);
            }
            samples.push(s);
        }
        for s in &samples {
            assert_eq!(may_decode_chars_to_code(s.chars()), may_decode_to_code(s), "{s:?}");
        }
    }
}
