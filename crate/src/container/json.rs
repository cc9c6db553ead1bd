//! JSON read the way CPython's `json.loads` reads it.
//!
//! Keras parses configs with Python's `json`, which is more lenient than RFC 8259:
//! `NaN`, `Infinity` and `-Infinity` are numbers, duplicate keys are allowed (the last
//! one wins), lone UTF-16 surrogate escapes are accepted, and numbers of any size parse.
//! This reader accepts the same inputs, keeps every duplicate key so the walker sees
//! every value (Python sees only the last one, an attacker may hide a payload in
//! either), and records each leniency it used so the report can flag it.
//!
//! Nesting is bounded by [`Limits::max_json_depth`](crate::limits::Limits); CPython's
//! own parser stops near its recursion limit, so Keras cannot load deeper files either.

use std::fmt;

/// A JSON value. Objects keep their members in file order, duplicates included.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text as written (`1e400`, `NaN` and huge integers survive exactly).
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
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
    pub fn as_obj(&self) -> Option<&[(String, Json)]> {
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

    /// Compact JSON text (strings escaped as JSON); used to show values in evidence.
    pub fn to_compact(&self) -> String {
        let mut s = String::new();
        self.write_compact(&mut s);
        s
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(n),
            Json::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            Json::Arr(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_compact(out);
                }
                out.push(']');
            }
            Json::Obj(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push_str(": ");
                    v.write_compact(out);
                }
                out.push('}');
            }
        }
    }
}

/// A leniency the document relied on: Python accepts it, strict parsers do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leniency {
    /// `NaN`, `Infinity` or `-Infinity` at this pointer.
    NonFiniteNumber(String),
    /// The same key twice in one object; Python keeps the last value.
    DuplicateKey { pointer: String, key: String },
    /// A `\uD800`-style escape without its pair; replaced by U+FFFD here.
    LoneSurrogate(String),
}

impl fmt::Display for Leniency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leniency::NonFiniteNumber(p) => write!(f, "non-finite number (NaN/Infinity) at {p}"),
            Leniency::DuplicateKey { pointer, key } => {
                write!(f, "duplicate key {key:?} in the object at {pointer} (Python keeps the last)")
            }
            Leniency::LoneSurrogate(p) => write!(f, "unpaired UTF-16 surrogate escape at {p}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset in the text.
    pub offset: usize,
    pub message: String,
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

/// Parses `text` as Python's `json.loads` would (leading/trailing whitespace allowed,
/// nothing else after the value).
pub fn parse(text: &str, max_depth: usize) -> Result<Parsed, JsonError> {
    let mut p = Parser { s: text.as_bytes(), i: 0, max_depth, leniencies: Vec::new(), path: Vec::new() };
    p.ws();
    let value = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("extra data after the JSON value"));
    }
    Ok(Parsed { value, leniencies: p.leniencies })
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn pointer_segment(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    max_depth: usize,
    leniencies: Vec<Leniency>,
    /// Pointer segments of the value being parsed, for leniency reports.
    path: Vec<String>,
}

impl Parser<'_> {
    fn err(&self, msg: &str) -> JsonError {
        JsonError { offset: self.i, message: msg.to_string() }
    }

    fn pointer(&self) -> String {
        if self.path.is_empty() {
            return "/".into();
        }
        self.path.iter().map(|s| format!("/{}", pointer_segment(s))).collect()
    }

    // Python's json skips exactly these four whitespace characters.
    fn ws(&mut self) {
        while let Some(&c) = self.s.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.s.get(self.i) {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b'n') if self.eat(b"null") => Ok(Json::Null),
            Some(b't') if self.eat(b"true") => Ok(Json::Bool(true)),
            Some(b'f') if self.eat(b"false") => Ok(Json::Bool(false)),
            Some(b'N') if self.eat(b"NaN") => self.non_finite("NaN"),
            Some(b'I') if self.eat(b"Infinity") => self.non_finite("Infinity"),
            Some(b'-') if self.s[self.i..].starts_with(b"-Infinity") => {
                self.i += 9;
                self.non_finite("-Infinity")
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a value")),
        }
    }

    fn non_finite(&mut self, text: &str) -> Result<Json, JsonError> {
        self.leniencies.push(Leniency::NonFiniteNumber(self.pointer()));
        Ok(Json::Num(text.into()))
    }

    fn check_depth(&self, depth: usize) -> Result<(), JsonError> {
        if depth > self.max_depth {
            Err(self.err(&format!("nesting deeper than the limit of {} levels", self.max_depth)))
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.check_depth(depth)?;
        self.i += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.ws();
        if self.eat(b"}") {
            return Ok(Json::Obj(members));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a property name in double quotes"));
            }
            let key = self.string()?;
            self.ws();
            if !self.eat(b":") {
                return Err(self.err("expected ':'"));
            }
            self.ws();
            self.path.push(key.clone());
            let v = self.value(depth)?;
            self.path.pop();
            if members.iter().any(|(k, _)| *k == key) {
                self.leniencies.push(Leniency::DuplicateKey { pointer: self.pointer(), key: key.clone() });
            }
            members.push((key, v));
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"}") {
                return Ok(Json::Obj(members));
            }
            return Err(self.err("expected ',' or '}'"));
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.check_depth(depth)?;
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b"]") {
            return Ok(Json::Arr(items));
        }
        loop {
            self.ws();
            self.path.push(items.len().to_string());
            let v = self.value(depth)?;
            self.path.pop();
            items.push(v);
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"]") {
                return Ok(Json::Arr(items));
            }
            return Err(self.err("expected ',' or ']'"));
        }
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        // Python's NUMBER_RE: -?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while matches!(p.s.get(p.i), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i - s
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.err("expected a digit")),
        }
        let before_frac = self.i;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                // Python stops the number before the '.', which then fails as extra data.
                self.i = before_frac;
            }
        }
        let before_exp = self.i;
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                self.i = before_exp;
            }
        }
        // The slice is ASCII by construction.
        Ok(Json::Num(String::from_utf8_lossy(&self.s[start..self.i]).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("truncated \\u escape"))?;
        let mut v = 0u32;
        for &c in h {
            let d = (c as char).to_digit(16).ok_or_else(|| self.err("invalid \\u escape"))?;
            v = v * 16 + d;
        }
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            // Copy the run of plain characters in one go.
            let run_start = self.i;
            while let Some(&c) = self.s.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            if self.i > run_start {
                // The input is a &str, and we split only at ASCII bytes, so this is UTF-8.
                out.push_str(std::str::from_utf8(&self.s[run_start..self.i]).map_err(|_| self.err("invalid UTF-8"))?);
            }
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = *self.s.get(self.i).ok_or_else(|| self.err("unterminated escape"))?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    hi
                                }
                            } else {
                                hi
                            };
                            match char::from_u32(cp) {
                                Some(ch) => out.push(ch),
                                None => {
                                    self.leniencies.push(Leniency::LoneSurrogate(self.pointer()));
                                    out.push('\u{FFFD}');
                                }
                            }
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                // Python's default (strict=True) rejects raw control characters.
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Parsed {
        parse(s, 1000).unwrap()
    }

    #[test]
    fn reads_what_python_reads() {
        let v = p(r#" {"a": [1, -2.5e3, true, null], "b": "x\u00e3\ud83d\ude00"} "#).value;
        assert_eq!(v.get("a").unwrap().as_arr().unwrap().len(), 4);
        assert_eq!(v.get_str("b"), Some("xã😀"));
    }

    #[test]
    fn non_finite_numbers_are_accepted_and_flagged() {
        let r = p(r#"{"a": NaN, "b": [-Infinity, Infinity]}"#);
        assert_eq!(r.value.get("a"), Some(&Json::Num("NaN".into())));
        assert_eq!(r.leniencies.len(), 3);
        assert_eq!(r.leniencies[0], Leniency::NonFiniteNumber("/a".into()));
    }

    #[test]
    fn duplicate_keys_keep_both_and_get_returns_last() {
        let r = p(r#"{"k": 1, "k": 2}"#);
        assert_eq!(r.value.get("k"), Some(&Json::Num("2".into())));
        assert_eq!(r.value.as_obj().unwrap().len(), 2);
        assert!(matches!(&r.leniencies[0], Leniency::DuplicateKey { key, .. } if key == "k"));
    }

    #[test]
    fn rejects_what_python_rejects() {
        for bad in ["", "{", "[1,]", "{'a': 1}", "01", "1.", "[1] x", "\"\t\"", "nul", "+1", "[1 2]"] {
            assert!(parse(bad, 1000).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn depth_limit_is_enforced_not_overflowed() {
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        let e = parse(&deep, 1000).unwrap_err();
        assert!(e.message.contains("limit"), "{e}");
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&ok, 1000).is_ok());
    }

    #[test]
    fn lone_surrogates_are_flagged() {
        let r = p(r#""\ud800x""#);
        assert_eq!(r.value, Json::Str("\u{FFFD}x".into()));
        assert_eq!(r.leniencies.len(), 1);
    }

    #[test]
    fn huge_numbers_survive_as_text() {
        assert_eq!(p("1e400").value, Json::Num("1e400".into()));
        assert_eq!(p("123456789012345678901234567890").value, Json::Num("123456789012345678901234567890".into()));
    }
}
