//! The JSON value tree, and every operation on it that visits nested values.
//!
//! A file decides how deep the tree is (up to [`Limits::max_json_depth`], and a deep
//! tree is cheap to write: `[[[[...` is two bytes a level). Nothing here recurses on
//! that depth: clone, comparison, compact printing and even `Drop` use explicit
//! stacks, so a browser worker with a small stack survives any tree the parser builds.
//!
//! [`Limits::max_json_depth`]: crate::limits::Limits

use std::fmt;

/// Text kept inline (no allocation) up to [`INLINE`] bytes, boxed when longer: JSON
/// numbers, and the keys and strings of a document, which in a Keras config are almost
/// all short (`class_name`, `float32`, `glorot_uniform`, a layer's name). Which variant
/// holds a text depends only on its length, so the derived equality is the text's.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Short {
    Inline { len: u8, buf: [u8; INLINE] },
    Boxed(Box<str>),
}

const INLINE: usize = 22;

impl Short {
    fn new(text: &str) -> Short {
        if text.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..text.len()].copy_from_slice(text.as_bytes());
            Short::Inline { len: text.len() as u8, buf }
        } else {
            Short::Boxed(text.into())
        }
    }

    /// Keeps the allocation of a long `String` (no copy), or moves a short one inline.
    fn from_string(text: String) -> Short {
        if text.len() <= INLINE {
            Short::new(&text)
        } else {
            Short::Boxed(text.into_boxed_str())
        }
    }

    /// The text's bytes, without the UTF-8 check of [`Short::as_str`]: comparisons
    /// (every key lookup) need no more.
    fn as_bytes(&self) -> &[u8] {
        match self {
            Short::Inline { len, buf } => &buf[..*len as usize],
            Short::Boxed(s) => s.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Built from a whole `&str`, so the prefix is valid UTF-8; the check is cheap
            // on ≤ 22 bytes and keeps this module free of `unsafe`.
            Short::Inline { len, buf } => std::str::from_utf8(&buf[..*len as usize]).unwrap_or(""),
            Short::Boxed(s) => s,
        }
    }
}

/// A JSON number's text exactly as written (`1e400`, `NaN`, a 5,000-digit integer).
///
/// Kept inline (no allocation) up to 22 bytes, which covers every number a real
/// config holds; longer texts are boxed.
#[derive(Clone, PartialEq, Eq)]
pub struct Number(Short);

impl std::hash::Hash for Number {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl Number {
    pub fn new(text: &str) -> Number {
        Number(Short::new(text))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A JSON string or object key, unescaped: inline up to 22 bytes (no allocation), boxed
/// when longer. Reads as a `&str` (`Deref`), compares and hashes as one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct JsonStr(Short);

impl JsonStr {
    pub fn new(text: &str) -> JsonStr {
        JsonStr(Short::new(text))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl Default for JsonStr {
    fn default() -> JsonStr {
        JsonStr::new("")
    }
}

impl std::hash::Hash for JsonStr {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl std::ops::Deref for JsonStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for JsonStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for JsonStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for JsonStr {
    fn from(s: &str) -> JsonStr {
        JsonStr::new(s)
    }
}

impl From<String> for JsonStr {
    fn from(s: String) -> JsonStr {
        JsonStr(Short::from_string(s))
    }
}

impl From<JsonStr> for String {
    fn from(s: JsonStr) -> String {
        match s.0 {
            Short::Boxed(b) => b.into_string(),
            inline => inline.as_str().to_string(),
        }
    }
}

impl PartialEq<str> for JsonStr {
    fn eq(&self, other: &str) -> bool {
        self.0.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for JsonStr {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for JsonStr {
    fn eq(&self, other: &String) -> bool {
        self.0.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<JsonStr> for str {
    fn eq(&self, other: &JsonStr) -> bool {
        self.as_bytes() == other.0.as_bytes()
    }
}

impl PartialEq<JsonStr> for &str {
    fn eq(&self, other: &JsonStr) -> bool {
        self.as_bytes() == other.0.as_bytes()
    }
}

impl fmt::Debug for JsonStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for JsonStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::ops::Deref for Number {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Number {
    fn from(s: &str) -> Number {
        Number::new(s)
    }
}

impl From<String> for Number {
    fn from(s: String) -> Number {
        Number::new(&s)
    }
}

impl PartialEq<str> for Number {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JSON value. Objects keep their members in file order, duplicates included.
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text as written (`1e400`, `NaN` and huge integers survive exactly).
    Num(Number),
    Str(JsonStr),
    Arr(Vec<Json>),
    Obj(Vec<(JsonStr, Json)>),
}

impl Json {
    /// The value Python would see for `key`: the **last** member with that name.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_arr(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_obj(&self) -> Option<&[(JsonStr, Json)]> {
        match self {
            Json::Obj(m) => Some(m),
            _ => None,
        }
    }
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Json::as_str)
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The direct children, in order (object members without their keys).
    pub fn children(&self) -> Children<'_> {
        match self {
            Json::Arr(a) => Children::Arr(a.iter()),
            Json::Obj(m) => Children::Obj(m.iter()),
            _ => Children::Arr([].iter()),
        }
    }

    fn has_children(&self) -> bool {
        matches!(self, Json::Arr(a) if !a.is_empty()) || matches!(self, Json::Obj(m) if !m.is_empty())
    }

    /// A copy of a value that has no children (scalars and empty containers).
    fn clone_leaf(&self) -> Json {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(*b),
            Json::Num(n) => Json::Num(n.clone()),
            Json::Str(s) => Json::Str(s.clone()),
            Json::Arr(_) => Json::Arr(Vec::new()),
            Json::Obj(_) => Json::Obj(Vec::new()),
        }
    }

    /// Compact JSON text (strings escaped as JSON); used to show values in evidence.
    pub fn to_compact(&self) -> String {
        let mut s = String::new();
        self.write_compact(&mut s);
        s
    }

    /// Writes the compact text with an explicit stack (no recursion on depth).
    pub fn write_compact(&self, out: &mut String) {
        enum Task<'a> {
            Value(&'a Json),
            Text(&'static str),
            Key(&'a str),
        }
        let mut tasks = vec![Task::Value(self)];
        while let Some(t) = tasks.pop() {
            match t {
                Task::Text(s) => out.push_str(s),
                Task::Key(k) => {
                    push_quoted(out, k);
                    out.push_str(": ");
                }
                Task::Value(v) => match v {
                    Json::Null => out.push_str("null"),
                    Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                    Json::Num(n) => out.push_str(n),
                    Json::Str(s) => push_quoted(out, s),
                    Json::Arr(a) => {
                        out.push('[');
                        tasks.push(Task::Text("]"));
                        for (i, c) in a.iter().enumerate().rev() {
                            tasks.push(Task::Value(c));
                            if i > 0 {
                                tasks.push(Task::Text(", "));
                            }
                        }
                    }
                    Json::Obj(m) => {
                        out.push('{');
                        tasks.push(Task::Text("}"));
                        for (i, (k, c)) in m.iter().enumerate().rev() {
                            tasks.push(Task::Value(c));
                            tasks.push(Task::Key(k));
                            if i > 0 {
                                tasks.push(Task::Text(", "));
                            }
                        }
                    }
                },
            }
        }
    }

    /// Moves the children of `self` onto `stack`, leaving `self` childless.
    fn take_children(&mut self, stack: &mut Vec<Json>) {
        match self {
            Json::Arr(a) => stack.append(a),
            Json::Obj(m) => stack.extend(m.drain(..).map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Iterator over a value's children (see [`Json::children`]).
pub enum Children<'a> {
    Arr(std::slice::Iter<'a, Json>),
    Obj(std::slice::Iter<'a, (JsonStr, Json)>),
}

impl<'a> Iterator for Children<'a> {
    type Item = &'a Json;
    fn next(&mut self) -> Option<&'a Json> {
        match self {
            Children::Arr(i) => i.next(),
            Children::Obj(i) => i.next().map(|(_, v)| v),
        }
    }
}

/// JSON string literal, escaped as `json.dumps` would with `ensure_ascii=False`.
fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Drop for Json {
    /// Dropping nested `Vec`s recursively overflows the stack on a deep tree: move the
    /// descendants onto a heap stack first, so each value dropped is childless.
    fn drop(&mut self) {
        if !self.children().any(Json::has_children) {
            return; // children are leaves: the default drop goes one level down only
        }
        let mut stack = Vec::new();
        self.take_children(&mut stack);
        while let Some(mut v) = stack.pop() {
            v.take_children(&mut stack);
        }
    }
}

impl Clone for Json {
    fn clone(&self) -> Json {
        if !self.has_children() {
            return self.clone_leaf();
        }
        // One frame per container being copied: its source and the children copied so far.
        struct Frame<'a> {
            src: &'a Json,
            next: Children<'a>,
            done: Vec<Json>,
        }
        fn frame(src: &Json) -> Frame<'_> {
            Frame { src, next: src.children(), done: Vec::new() }
        }
        let mut stack = vec![frame(self)];
        loop {
            let top = stack.last_mut().expect("the root frame is popped last");
            match top.next.next() {
                Some(c) if c.has_children() => stack.push(frame(c)),
                Some(c) => top.done.push(c.clone_leaf()),
                None => {
                    let f = stack.pop().expect("non-empty");
                    let built = match f.src {
                        Json::Obj(m) => Json::Obj(m.iter().map(|(k, _)| k.clone()).zip(f.done).collect()),
                        _ => Json::Arr(f.done),
                    };
                    match stack.last_mut() {
                        Some(parent) => parent.done.push(built),
                        None => return built,
                    }
                }
            }
        }
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        let mut pairs = vec![(self, other)];
        while let Some((a, b)) = pairs.pop() {
            match (a, b) {
                (Json::Null, Json::Null) => {}
                (Json::Bool(x), Json::Bool(y)) if x == y => {}
                (Json::Num(x), Json::Num(y)) if x == y => {}
                (Json::Str(x), Json::Str(y)) if x == y => {}
                (Json::Arr(x), Json::Arr(y)) if x.len() == y.len() => pairs.extend(x.iter().zip(y)),
                (Json::Obj(x), Json::Obj(y)) if x.len() == y.len() => {
                    for ((kx, vx), (ky, vy)) in x.iter().zip(y) {
                        if kx != ky {
                            return false;
                        }
                        pairs.push((vx, vy));
                    }
                }
                _ => return false,
            }
        }
        true
    }
}

impl fmt::Debug for Json {
    /// The compact JSON text (derived `Debug` would recurse on depth).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_compact())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[[[...]]]` built without recursion, `depth` levels.
    fn nested(depth: usize) -> Json {
        let mut v = Json::Arr(Vec::new());
        for _ in 1..depth {
            v = Json::Arr(vec![v]);
        }
        v
    }

    /// Runs `f` on a thread with a small stack, like a browser worker's.
    fn small_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new().stack_size(256 << 10).spawn(f).unwrap().join().unwrap();
    }

    #[test]
    fn a_million_levels_clone_compare_print_and_drop_on_a_small_stack() {
        small_stack(|| {
            let deep = nested(1_000_000);
            let copy = deep.clone();
            assert!(deep == copy);
            assert_eq!(copy.to_compact().len(), 2_000_000);
            let mut other = nested(1_000_000);
            if let Json::Arr(a) = &mut other {
                a.push(Json::Null);
            }
            assert!(deep != other);
            drop(deep);
            drop(copy);
        });
    }

    #[test]
    fn numbers_are_inline_when_short_and_exact_when_long() {
        let short = Number::new("-1.5e-300");
        assert_eq!(short.as_str(), "-1.5e-300");
        let long = "9".repeat(5000);
        assert_eq!(Number::new(&long).as_str(), long);
        assert_eq!(Json::Num("3".into()), Json::Num(Number::new("3")));
    }

    #[test]
    fn strings_are_inline_when_short_and_read_compare_and_hash_as_str() {
        use std::collections::HashMap;
        let long = "k".repeat(23);
        for text in ["", "class_name", "0123456789012345678901", long.as_str(), "ã😀"] {
            let s = JsonStr::new(text);
            assert_eq!((s.as_str(), s.len()), (text, text.len()));
            let owned = String::from(text);
            assert!(s == *text && s == owned);
            let from_owned: JsonStr = owned.into();
            assert_eq!(from_owned, s);
            assert_eq!(String::from(s.clone()), text);
            let m: HashMap<JsonStr, u8> = HashMap::from([(s, 1)]);
            assert_eq!(m.get(text), Some(&1), "Borrow<str> must hash as str");
        }
        assert!(matches!(JsonStr::new("0123456789012345678901").0, Short::Inline { .. }));
        assert!(matches!(JsonStr::new(&long).0, Short::Boxed(_)));
    }

    #[test]
    fn compact_text_escapes_like_json() {
        let v = Json::Obj(vec![
            ("a\"b".into(), Json::Arr(vec![Json::Num("1".into()), Json::Null, Json::Bool(true)])),
            ("c".into(), Json::Str("x\n\u{1}ã".into())),
        ]);
        assert_eq!(v.to_compact(), r#"{"a\"b": [1, null, true], "c": "x\n\u0001ã"}"#);
        assert_eq!(format!("{:?}", v), v.to_compact());
    }

    #[test]
    fn the_tree_stays_small() {
        assert!(std::mem::size_of::<Json>() <= 32, "{}", std::mem::size_of::<Json>());
    }
}
