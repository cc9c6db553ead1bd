//! JSON read the way CPython's `json.loads` reads it.
//!
//! Keras parses configs with Python's `json`, which is more lenient than RFC 8259:
//! `NaN`, `Infinity` and `-Infinity` are numbers, duplicate keys are allowed (the last
//! one wins), lone UTF-16 surrogate escapes are accepted, numbers of any size parse, and
//! bytes may be UTF-8 (with or without a BOM), UTF-16 or UTF-32. This reader accepts the
//! same inputs, keeps every duplicate key so the walker sees every value (Python sees
//! only the last one, an attacker may hide a payload in either), and records each
//! leniency it used so the report can flag it.
//!
//! - [`encoding`]: bytes → text as `json.loads(bytes)` decodes them, and the sniff test.
//! - [`parse`](mod@parse): text → [`Json`], iteratively, in linear time and memory.
//! - [`value`]: the tree; every operation on it is free of recursion on depth.
//!
//! Nesting is bounded by [`Limits::max_json_depth`](crate::limits::Limits), set to
//! what CPython's own scanner reads; deeper files are an error, never a crash.

pub mod encoding;
pub mod parse;
pub mod value;

use std::fmt;

use crate::messages::{en, Message};
use crate::msg;

pub use encoding::{decode_bytes, looks_like_json, Decoded};
pub use parse::parse;
pub use value::{Json, JsonStr, Number};

/// A leniency the document relied on: Python accepts it, strict parsers do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leniency {
    /// `NaN`, `Infinity` or `-Infinity` at this pointer.
    NonFiniteNumber(String),
    /// The same key twice in one object; Python keeps the last value.
    DuplicateKey { pointer: String, key: String },
    /// A `\uD800`-style escape without its pair; replaced by U+FFFD here.
    LoneSurrogate(String),
    /// An integer longer than CPython ≥ 3.11 converts (4300 digits): recent Pythons
    /// refuse the file, older ones load it; scanned either way.
    LongInteger { pointer: String, digits: usize },
    /// More leniencies than are listed, only counted.
    More(usize),
}

impl Leniency {
    /// The evidence note of this leniency.
    pub fn message(&self) -> crate::messages::Message {
        use crate::messages::en;
        use crate::msg;
        match self {
            Leniency::NonFiniteNumber(p) => msg!(en::LEN_NON_FINITE, pointer = p),
            Leniency::DuplicateKey { pointer, key } => {
                msg!(en::LEN_DUPLICATE_KEY, key = format!("{key:?}"), pointer = pointer)
            }
            Leniency::LoneSurrogate(p) => msg!(en::LEN_LONE_SURROGATE, pointer = p),
            Leniency::LongInteger { pointer, digits } => {
                msg!(en::LEN_LONG_INTEGER, digits = *digits, pointer = pointer)
            }
            Leniency::More(n) => msg!(en::LEN_MORE, count = *n),
        }
    }
}

impl fmt::Display for Leniency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset in the text.
    pub offset: usize,
    /// Boxed: the parser returns `Result<_, JsonError>` from every step.
    pub message: Box<Message>,
}

impl From<JsonError> for Message {
    fn from(e: JsonError) -> Message {
        msg!(en::JSON_ERROR, offset = e.offset, detail = *e.message)
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JSON not read past byte {}: {}", self.offset, self.message)
    }
}

/// A parsed document and the leniencies it used.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub value: Json,
    pub leniencies: Vec<Leniency>,
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn pointer_segment(seg: &str) -> std::borrow::Cow<'_, str> {
    if seg.contains(['~', '/']) {
        seg.replace('~', "~0").replace('/', "~1").into()
    } else {
        seg.into()
    }
}
