//! The JSON value tree, and every operation on it that visits nested values.
//!
//! A file decides how deep the tree is (up to [`Limits::max_json_depth`], and a deep
//! tree is cheap to write: `[[[[...` is two bytes a level). Nothing here recurses on
//! that depth: clone, comparison, compact printing and even `Drop` use explicit
//! stacks, so a browser worker with a small stack survives any tree the parser builds.
//!
//! [`Limits::max_json_depth`]: crate::limits::Limits

use std::borrow::Cow;
use std::fmt;

use super::escape;

/// A JSON string or object key: the span of the input between its quotes, decoded only
/// when a consumer needs the text ([`JsonStr::text`]). Most strings of a Keras config
/// hold no escape, and their text *is* the span: reading, comparing and hashing them
/// never allocates. A span with escapes is decoded on demand; comparing it with a known
/// name decodes character by character, still without allocating.
///
/// Equality, order and hash are the decoded text's, whatever the representation.
#[derive(Clone)]
pub struct JsonStr<'a>(Text<'a>);

#[derive(Clone)]
enum Text<'a> {
    /// The raw text between the quotes; `escaped` when it holds `\` escapes (which the
    /// parser checked), else it is the text itself.
    Span { raw: &'a str, escaped: bool },
    /// Decoded text owned by the value: a tree made to outlive its input
    /// ([`Json::to_static`]) or text built in code.
    Owned(Box<str>),
}

impl<'a> JsonStr<'a> {
    /// The string whose text is `text` (no decoding).
    pub fn new(text: &'a str) -> JsonStr<'a> {
        JsonStr(Text::Span { raw: text, escaped: false })
    }

    /// The string between two quotes of the input: `raw` as written, escapes and all.
    /// Only the parser builds escaped spans: it has checked every escape in them.
    pub(super) fn span(raw: &'a str, escaped: bool) -> JsonStr<'a> {
        JsonStr(Text::Span { raw, escaped })
    }

    /// The text when it needs no decoding (no escape): no copy, no allocation.
    pub fn plain(&self) -> Option<&str> {
        match &self.0 {
            Text::Span { raw, escaped: false } => Some(raw),
            Text::Span { .. } => None,
            Text::Owned(s) => Some(s),
        }
    }

    /// The text: borrowed when the span holds no escape, decoded (allocated) else.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Text::Span { raw, escaped: true } => Cow::Owned(escape::decode(raw)),
            _ => Cow::Borrowed(self.plain().unwrap_or_default()),
        }
    }

    /// The text as it lies in the input, escapes undecoded (`None` for owned text).
    pub fn raw(&self) -> Option<&'a str> {
        match self.0 {
            Text::Span { raw, .. } => Some(raw),
            Text::Owned(_) => None,
        }
    }

    /// Does the span hold escapes (is [`JsonStr::text`] a decoding)?
    pub fn has_escapes(&self) -> bool {
        matches!(self.0, Text::Span { escaped: true, .. })
    }

    /// The decoded characters, one by one, without allocating.
    pub fn chars(&self) -> escape::Chars<'_> {
        escape::Chars::new(match &self.0 {
            Text::Span { raw, .. } => raw,
            Text::Owned(s) => s,
        })
        .decoding(self.has_escapes())
    }

    /// Length of the decoded text in bytes (no allocation).
    pub fn len(&self) -> usize {
        match self.plain() {
            Some(t) => t.len(),
            None => self.chars().map(char::len_utf8).sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Does the decoded text start with `prefix`? Reads only as far as the prefix.
    pub fn starts_with(&self, prefix: &str) -> bool {
        match self.plain() {
            Some(t) => t.starts_with(prefix),
            None => {
                let mut mine = self.chars();
                prefix.chars().all(|p| mine.next() == Some(p))
            }
        }
    }

    /// The same text, owned: outlives the input.
    pub fn to_static(&self) -> JsonStr<'static> {
        JsonStr(Text::Owned(self.text().into()))
    }

    fn eq_str(&self, other: &str) -> bool {
        match self.plain() {
            Some(t) => t == other,
            None => self.chars().eq(other.chars()),
        }
    }
}

impl Default for JsonStr<'_> {
    fn default() -> Self {
        JsonStr::new("")
    }
}

impl PartialEq for JsonStr<'_> {
    fn eq(&self, other: &JsonStr<'_>) -> bool {
        match (self.plain(), other.plain()) {
            (Some(a), Some(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}

impl Eq for JsonStr<'_> {}

impl PartialOrd for JsonStr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JsonStr<'_> {
    /// The order of `str` (UTF-8 byte order is code point order).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self.plain(), other.plain()) {
            (Some(a), Some(b)) => a.cmp(b),
            _ => self.chars().cmp(other.chars()),
        }
    }
}

impl std::hash::Hash for JsonStr<'_> {
    /// Hashes as the text's `str` does.
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.text().as_ref().hash(h)
    }
}

impl<'a> From<&'a str> for JsonStr<'a> {
    fn from(s: &'a str) -> JsonStr<'a> {
        JsonStr::new(s)
    }
}

impl From<String> for JsonStr<'_> {
    fn from(s: String) -> Self {
        JsonStr(Text::Owned(s.into_boxed_str()))
    }
}

impl From<JsonStr<'_>> for String {
    fn from(s: JsonStr<'_>) -> String {
        match s.0 {
            Text::Owned(b) => b.into_string(),
            _ => s.text().into_owned(),
        }
    }
}

impl PartialEq<str> for JsonStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for JsonStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<String> for JsonStr<'_> {
    fn eq(&self, other: &String) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<JsonStr<'_>> for str {
    fn eq(&self, other: &JsonStr<'_>) -> bool {
        other.eq_str(self)
    }
}

impl PartialEq<JsonStr<'_>> for &str {
    fn eq(&self, other: &JsonStr<'_>) -> bool {
        other.eq_str(self)
    }
}

impl fmt::Debug for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.text().as_ref(), f)
    }
}

impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// A JSON number's text exactly as written (`1e400`, `NaN`, a 5,000-digit integer): the
/// span of the input, read (as an integer or a float) only by the consumers that need it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number<'a>(Cow<'a, str>);

impl<'a> Number<'a> {
    pub fn new(text: &'a str) -> Number<'a> {
        Number(Cow::Borrowed(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same text, owned: outlives the input.
    pub fn to_static(&self) -> Number<'static> {
        Number(Cow::Owned(self.0.to_string()))
    }
}

impl std::ops::Deref for Number<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<'a> From<&'a str> for Number<'a> {
    fn from(s: &'a str) -> Number<'a> {
        Number::new(s)
    }
}

impl From<String> for Number<'_> {
    fn from(s: String) -> Self {
        Number(Cow::Owned(s))
    }
}

impl PartialEq<str> for Number<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl fmt::Debug for Number<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl fmt::Display for Number<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JSON value. Objects keep their members in file order, duplicates included.
///
/// Strings and numbers are spans of the input text (`'a`), so the tree allocates only
/// its containers; [`Json::to_static`] makes a copy that outlives the input.
pub enum Json<'a> {
    Null,
    Bool(bool),
    /// The number's text as written (`1e400`, `NaN` and huge integers survive exactly).
    Num(Number<'a>),
    Str(JsonStr<'a>),
    Arr(Vec<Json<'a>>),
    Obj(Vec<(JsonStr<'a>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The value Python would see for `key`: the **last** member with that name.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Obj(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    /// The string's text (decoded only when it holds escapes).
    pub fn as_str(&self) -> Option<Cow<'_, str>> {
        self.as_json_str().map(JsonStr::text)
    }
    /// The string itself (no decoding).
    pub fn as_json_str(&self) -> Option<&JsonStr<'a>> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_str(&self) -> bool {
        matches!(self, Json::Str(_))
    }
    pub fn as_arr(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_obj(&self) -> Option<&[(JsonStr<'a>, Json<'a>)]> {
        match self {
            Json::Obj(m) => Some(m),
            _ => None,
        }
    }
    pub fn get_str(&self, key: &str) -> Option<Cow<'_, str>> {
        self.get(key).and_then(Json::as_str)
    }
    /// Is `self[key]` the string `value`? Compares without decoding or allocating.
    pub fn get_str_is(&self, key: &str, value: &str) -> bool {
        self.get(key).and_then(Json::as_json_str).is_some_and(|s| s == value)
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The direct children, in order (object members without their keys).
    pub fn children(&self) -> Children<'_, 'a> {
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
    fn clone_leaf(&self) -> Json<'a> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(*b),
            Json::Num(n) => Json::Num(n.clone()),
            Json::Str(s) => Json::Str(s.clone()),
            Json::Arr(_) => Json::Arr(Vec::new()),
            Json::Obj(_) => Json::Obj(Vec::new()),
        }
    }

    /// An owned copy of a value that has no children.
    fn static_leaf(&self) -> Json<'static> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(*b),
            Json::Num(n) => Json::Num(n.to_static()),
            Json::Str(s) => Json::Str(s.to_static()),
            Json::Arr(_) => Json::Arr(Vec::new()),
            Json::Obj(_) => Json::Obj(Vec::new()),
        }
    }

    /// A copy that owns its texts (strings decoded): outlives the input.
    pub fn to_static(&self) -> Json<'static> {
        self.copy(Json::static_leaf, JsonStr::to_static)
    }

    /// Copies the tree with an explicit stack (no recursion on depth), each leaf by
    /// `leaf` and each key by `key`.
    fn copy<'b>(&self, leaf: impl Fn(&Json<'a>) -> Json<'b>, key: impl Fn(&JsonStr<'a>) -> JsonStr<'b>) -> Json<'b> {
        if !self.has_children() {
            return leaf(self);
        }
        // One frame per container being copied: its source and the children copied so far.
        struct Frame<'s, 'a, 'b> {
            src: &'s Json<'a>,
            next: Children<'s, 'a>,
            done: Vec<Json<'b>>,
        }
        fn frame<'s, 'a, 'b>(src: &'s Json<'a>) -> Frame<'s, 'a, 'b> {
            Frame { src, next: src.children(), done: Vec::new() }
        }
        let mut stack = vec![frame(self)];
        loop {
            let top = stack.last_mut().expect("the root frame is popped last");
            match top.next.next() {
                Some(c) if c.has_children() => stack.push(frame(c)),
                Some(c) => top.done.push(leaf(c)),
                None => {
                    let f = stack.pop().expect("non-empty");
                    let built = match f.src {
                        Json::Obj(m) => Json::Obj(m.iter().map(|(k, _)| key(k)).zip(f.done).collect()),
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

    /// Compact JSON text (strings escaped as JSON); used to show values in evidence.
    pub fn to_compact(&self) -> String {
        let mut s = String::new();
        self.write_compact(&mut s);
        s
    }

    /// Writes the compact text with an explicit stack (no recursion on depth).
    pub fn write_compact(&self, out: &mut String) {
        enum Task<'s, 'a> {
            Value(&'s Json<'a>),
            Text(&'static str),
            Key(&'s JsonStr<'a>),
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
    fn take_children(&mut self, stack: &mut Vec<Json<'a>>) {
        match self {
            Json::Arr(a) => stack.append(a),
            Json::Obj(m) => stack.extend(m.drain(..).map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Iterator over a value's children (see [`Json::children`]).
pub enum Children<'s, 'a> {
    Arr(std::slice::Iter<'s, Json<'a>>),
    Obj(std::slice::Iter<'s, (JsonStr<'a>, Json<'a>)>),
}

impl<'s, 'a> Iterator for Children<'s, 'a> {
    type Item = &'s Json<'a>;
    fn next(&mut self) -> Option<&'s Json<'a>> {
        match self {
            Children::Arr(i) => i.next(),
            Children::Obj(i) => i.next().map(|(_, v)| v),
        }
    }
}

/// JSON string literal, escaped as `json.dumps` would with `ensure_ascii=False`.
fn push_quoted(out: &mut String, s: &JsonStr<'_>) {
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
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Drop for Json<'_> {
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

impl<'a> Clone for Json<'a> {
    fn clone(&self) -> Json<'a> {
        self.copy(Json::clone_leaf, JsonStr::clone)
    }
}

impl PartialEq for Json<'_> {
    fn eq(&self, other: &Json<'_>) -> bool {
        let mut pairs = vec![(self, other)];
        while let Some((a, b)) = pairs.pop() {
            match (a, b) {
                (Json::Null, Json::Null) => {}
                (Json::Bool(x), Json::Bool(y)) if x == y => {}
                (Json::Num(x), Json::Num(y)) if x.as_str() == y.as_str() => {}
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

impl fmt::Debug for Json<'_> {
    /// The compact JSON text (derived `Debug` would recurse on depth).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_compact())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[[[...]]]` built without recursion, `depth` levels.
    fn nested(depth: usize) -> Json<'static> {
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
    fn strings_are_spans_that_read_compare_order_and_hash_as_their_text() {
        use std::collections::hash_map::RandomState;
        use std::hash::BuildHasher;
        let h = RandomState::new();
        // (raw span, whether it holds escapes, its text)
        let cases = [
            ("", false, ""),
            ("class_name", false, "class_name"),
            ("ã😀", false, "ã😀"),
            (r"a\nb", true, "a\nb"),
            (r"\u00e3\ud83d\ude00", true, "ã😀"),
            (r"\\\/\\u0041", true, "\\/\\u0041"),
            (r"lone \udc00", true, "lone \u{FFFD}"),
        ];
        for (raw, escaped, text) in cases {
            let s = JsonStr::span(raw, escaped);
            assert_eq!(s.text(), text);
            assert_eq!(s.plain().is_none(), escaped, "{raw}");
            assert!(matches!(s.text(), Cow::Borrowed(_)) != escaped, "plain text is never copied");
            assert_eq!((s.len(), s.is_empty()), (text.len(), text.is_empty()));
            let owned_text = text.to_string();
            assert!(s == *text && s == owned_text);
            assert!(*text == s, "symmetric");
            let owned: JsonStr = text.to_string().into();
            for other in [JsonStr::new(text), owned.clone(), s.to_static()] {
                assert!(s == other);
                assert!(other == s, "symmetric");
                assert_eq!(h.hash_one(&s), h.hash_one(&other));
                assert_eq!(h.hash_one(&s), h.hash_one(text), "hashes as str");
            }
            assert_eq!(String::from(s.clone()), text);
            assert_eq!(s.chars().collect::<String>(), text);
            assert!(s.starts_with(&text[..text.len() / 2 / 4 * 4]) && !s.starts_with(&format!("{text}x")));
            assert_eq!(format!("{s}|{s:?}"), format!("{text}|{text:?}"));
        }
        // Order is str's, whatever holds the text.
        let mut v = [JsonStr::span(r"\u00e3", true), JsonStr::new("b"), JsonStr::span(r"a\n", true), "a".into()];
        v.sort();
        assert_eq!(v.iter().map(|s| s.text().into_owned()).collect::<Vec<_>>(), ["a", "a\n", "b", "ã"]);
        assert!(
            JsonStr::new("a") != JsonStr::span(r"a\n", true) && JsonStr::new(r"a\n") != JsonStr::span(r"a\n", true)
        );
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
