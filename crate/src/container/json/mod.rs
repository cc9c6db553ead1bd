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
//! - [`value`]: the tree, whose strings and numbers are spans of the text; every
//!   operation on it is free of recursion on depth.
//! - [`escape`]: one `\` escape read as CPython reads it, for the parser (to check) and
//!   for the strings (to decode when a consumer reads the text).
//!
//! Nesting is bounded by [`Limits::max_json_depth`](crate::limits::Limits), set to
//! what CPython's own scanner reads; deeper files are an error, never a crash.

pub mod encoding;
pub mod escape;
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

/// A parsed document and the leniencies it used; the value borrows from the text.
#[derive(Debug, Clone)]
pub struct Parsed<'a> {
    pub value: Json<'a>,
    pub leniencies: Vec<Leniency>,
}

/// Appends `key` to a JSON pointer as one segment, escaped as [`pointer_segment`] does,
/// without a copy of the key (decoded character by character when it holds escapes).
pub fn push_pointer_segment(out: &mut String, key: &JsonStr) {
    match key.plain() {
        Some(text) if !text.bytes().any(|b| b == b'~' || b == b'/') => out.push_str(text),
        _ => {
            for c in key.chars() {
                match c {
                    '~' => out.push_str("~0"),
                    '/' => out.push_str("~1"),
                    c => out.push(c),
                }
            }
        }
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn pointer_segment(seg: &str) -> std::borrow::Cow<'_, str> {
    // A byte test: every key of every object passes here.
    if seg.bytes().any(|b| b == b'~' || b == b'/') {
        seg.replace('~', "~0").replace('/', "~1").into()
    } else {
        seg.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_are_escaped_alike_from_text_and_from_spans() {
        for (raw, escaped) in [("a", false), ("a/b~c", false), ("~1/", false), (r"x\/y\u007e", true), (r"\u00e3", true)]
        {
            let key = JsonStr::span(raw, escaped);
            let mut pushed = String::from("/p/");
            push_pointer_segment(&mut pushed, &key);
            assert_eq!(pushed, format!("/p/{}", pointer_segment(&key.text())), "{raw}");
        }
    }
}
