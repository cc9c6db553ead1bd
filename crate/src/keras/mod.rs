//! The Keras layer: walking config trees (nested models, wrappers, compile configs),
//! layer paths, and every serialized function and function reference in them.

pub mod known_classes;
pub mod overview;
pub mod walk;

use std::borrow::Cow;

use crate::container::json::Json;

/// Where something sits in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Layer path, outermost first: `model > inner > lambda_3`.
    pub layer: String,
    /// JSON pointer of the value inside its document.
    pub pointer: String,
    /// The config key that holds it: `function`, `output_shape`, `mask`, `loss`, …
    pub slot: String,
}

/// Which serialized shape a payload came in (lambda-formats.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// (a)/(b)/(g): `[code, defaults, closure]` next to `*_type: "lambda"`.
    Keras2List,
    /// Keras 1.0.x: the code string alone.
    Keras1String,
    /// (c): SavedModel `{"class_name": "__tuple__", "items": [...]}`.
    SavedModelTuple,
    /// (d): Keras 3 `__lambda__` with `config.code`.
    Keras3Code,
    /// (e): `__lambda__` with `config.value`.
    Keras3Value,
    /// (f): `{"value": [code, defaults, closure]}` (Keras 3 activation quirk).
    BareValue,
    /// A string that decodes to a code object outside any known slot.
    Unknown,
}

impl Shape {
    pub fn describe(self) -> crate::messages::Template {
        use crate::messages::en;
        match self {
            Shape::Keras2List => en::SHAPE_KERAS2_LIST,
            Shape::Keras1String => en::SHAPE_KERAS1_STRING,
            Shape::SavedModelTuple => en::SHAPE_SAVEDMODEL_TUPLE,
            Shape::Keras3Code => en::SHAPE_KERAS3_CODE,
            Shape::Keras3Value => en::SHAPE_KERAS3_VALUE,
            Shape::BareValue => en::SHAPE_BARE_VALUE,
            Shape::Unknown => en::SHAPE_UNKNOWN,
        }
    }
}

/// A function carried as code; its texts and values borrow from the config tree.
#[derive(Debug, Clone)]
pub struct Payload<'t> {
    pub site: Site,
    pub shape: Shape,
    /// The `code` string as stored (base64 or raw_unicode_escape text).
    pub code: Cow<'t, str>,
    pub defaults: Option<&'t Json<'t>>,
    pub closure: Option<&'t Json<'t>>,
    /// tf.keras `module` field (the function's globals).
    pub module: Option<Cow<'t, str>>,
    /// Lambda `arguments` (keyword arguments of every call).
    pub arguments: Option<&'t Json<'t>>,
}

/// A function named, not embedded: its code lives in the loader's environment.
#[derive(Debug, Clone)]
pub struct Reference {
    pub site: Site,
    pub module: Option<String>,
    pub name: String,
}

impl Reference {
    /// `module.name`, with Keras 3's `builtins`/registered-name conventions folded in.
    pub fn dotted(&self) -> String {
        match self.module.as_deref() {
            Some(m) if !m.is_empty() => format!("{m}.{}", self.name),
            _ => self.name.clone(),
        }
    }
}

/// A serialized object (`{"class_name": …}`): what the config rules inspect.
#[derive(Debug, Clone)]
pub struct Object<'t> {
    pub site: Site,
    /// The texts below borrow from the tree (copied only when they hold escapes).
    pub class_name: Cow<'t, str>,
    pub module: Option<Cow<'t, str>>,
    pub registered_name: Option<Cow<'t, str>>,
    /// `config.name` when the object is a layer or model.
    pub layer_name: Option<Cow<'t, str>>,
    /// The object is a layer or a model (not an initializer, optimizer, …).
    pub is_layer: bool,
    /// The object's `config`, kept only for the classes whose config the rules read
    /// (`TorchModuleWrapper`, lookup layers, `TFSMLayer`), and only its top-level
    /// members: nested values are `null` (a deep copy per nested wrapper is quadratic).
    pub config: Option<Json<'t>>,
}

impl Object<'_> {
    /// Is this a class Keras can build by itself (not custom code from the loader)?
    pub fn is_known_class(&self) -> bool {
        is_known_class_name(&self.class_name)
    }
}

/// Is `class_name` a class Keras can build by itself?
pub fn is_known_class_name(class_name: &str) -> bool {
    // tf.keras 2.11+ writes its own optimizers as registered names (`Custom>SGD`).
    let name = class_name.rsplit_once('>').map_or(class_name, |(_, n)| n);
    known_classes::KNOWN_CLASSES.binary_search(&name).is_ok()
}

/// What the walk found; borrows from the config tree it walked.
#[derive(Debug, Clone)]
pub enum Item<'t> {
    Function(Payload<'t>),
    Reference(Reference),
    Object(Object<'t>),
    /// A `function` slot holding text that is not code (source text Keras cannot load).
    SourceText {
        site: Site,
        text: String,
    },
}

/// Unwraps a JSON string whose content is the model JSON (`json.dump(model.to_json())`),
/// up to `max` levels. Returns the innermost value and how many levels were unwrapped.
/// An unwrapped value owns its texts (a copy); the scan itself borrows them instead
/// ([`double_encoded_text`]).
pub fn unwrap_double_encoded(v: Json<'_>, max: usize, max_depth: usize) -> (Json<'_>, usize) {
    match double_encoded_text(&v, max, max_depth) {
        Some((text, n)) => match crate::container::json::parse(&text, max_depth) {
            Ok(p) => (p.value.to_static(), n),
            Err(_) => (v, 0),
        },
        None => (v, 0),
    }
}

/// The text of the innermost document of a JSON string whose content is the model JSON
/// (`json.dump(model.to_json())`), unwrapped up to `max` levels, and how many levels:
/// `None` when `v` is not such a string. The caller parses the text it gets (the value
/// borrows it); each level is parsed once here, the innermost once more there.
pub fn double_encoded_text(v: &Json, max: usize, max_depth: usize) -> Option<(String, usize)> {
    /// The text of `v` when it is a string that may hold a document.
    fn document_in(v: &Json) -> Option<String> {
        let s = v.as_str()?;
        let t = s.trim_start();
        (t.starts_with('{') || t.starts_with('[') || t.starts_with('"')).then(|| s.into_owned())
    }
    let mut found = None;
    let mut next = document_in(v);
    let mut n = 0;
    while n < max {
        let Some(text) = next.take() else { break };
        let Ok(p) = crate::container::json::parse(&text, max_depth) else { break };
        n += 1;
        next = document_in(&p.value);
        drop(p);
        found = Some((text, n));
    }
    found
}
