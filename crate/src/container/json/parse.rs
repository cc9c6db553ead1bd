//! The parser: CPython's `json` scanner (`Modules/_json.c`, `strict=True`) rebuilt
//! as a loop over an explicit stack of open containers.
//!
//! Work and memory are linear in the input: one pass; the children of the open
//! containers wait on two shared stacks and each container gets one exactly sized `Vec`
//! when it closes; strings and numbers are spans of the input ([`JsonStr`], [`Number`]):
//! escapes are checked here and decoded only when a consumer reads the text; duplicate
//! keys are found through a hash index; JSON pointers are built only when a leniency is
//! recorded, and at most [`MAX_LENIENCIES`] are recorded.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use super::escape::{self, Unit};
use super::{pointer_segment, Json, JsonError, JsonStr, Leniency, Number, Parsed};

/// Leniencies recorded per document; past this they are only counted
/// ([`Leniency::More`]), so a file of a million duplicate keys stays cheap.
pub const MAX_LENIENCIES: usize = 100;

/// CPython >= 3.11 (and the 3.10.7, 3.9.14, 3.8.14, 3.7.14 security releases) refuses to
/// convert integers longer than this (`sys.int_info.default_max_str_digits`).
const PYTHON_INT_MAX_DIGITS: usize = 4300;

/// Objects with fewer members (and short keys) are checked for duplicate keys by a scan
/// of their keys; larger ones get a hash index. A Keras layer's config has 10-20 keys.
const LINEAR_DUP_CHECK: usize = 32;

/// Keys longer than this (as written) go to the hash index at once: a scan compares a
/// key with each earlier one, and long keys alike but for their end would make that
/// quadratic in bytes.
const LINEAR_DUP_KEY_BYTES: usize = 64;

/// The index's keys are already hashes (of a random-keyed hasher): used as they are.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here (`write_u64`); any other input is folded in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, h: u64) {
        self.0 = h;
    }
}

type KeyIndex = HashMap<u64, usize, BuildHasherDefault<Prehashed>>;

/// Parses `text` as Python's `json.loads(text)` would (leading/trailing whitespace of
/// any length allowed, nothing else after the value). Containers nested deeper than
/// `max_depth` are an error, never a crash.
/// The value borrows its strings and numbers from `text`.
pub fn parse(text: &str, max_depth: usize) -> Result<Parsed<'_>, JsonError> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
        max_depth,
        frames: Vec::new(),
        items: Vec::new(),
        members: Vec::new(),
        leniencies: Vec::new(),
        more: 0,
        hasher: RandomState::new(),
    };
    let value = p.run()?;
    let mut leniencies = p.leniencies;
    if p.more > 0 {
        leniencies.push(Leniency::More(p.more));
    }
    Ok(Parsed { value, leniencies })
}

/// An open container; its children read so far are on the parser's `items` (array) or
/// `members` (object) stack from `start` on.
enum Frame<'a> {
    Arr {
        start: usize,
    },
    Obj {
        start: usize,
        /// The key of the member whose value is being read.
        key: JsonStr<'a>,
        /// Key hash -> index (from `start`) of a member with that hash, built once the
        /// object outgrows [`LINEAR_DUP_CHECK`] or has a long key.
        index: Option<KeyIndex>,
    },
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    max_depth: usize,
    frames: Vec<Frame<'a>>,
    /// Children of the open arrays, innermost last.
    items: Vec<Json<'a>>,
    /// Members of the open objects, innermost last.
    members: Vec<(JsonStr<'a>, Json<'a>)>,
    leniencies: Vec<Leniency>,
    more: usize,
    hasher: RandomState,
}

impl<'a> Parser<'a> {
    /// An error at the current byte; `msg` is a catalogue term (`messages::phrase`).
    fn err(&self, msg: &str) -> JsonError {
        JsonError { offset: self.i, message: Box::new(crate::messages::phrase(msg)) }
    }

    /// JSON pointer of the value being read inside the first `frames` containers.
    fn pointer(&self, frames: usize) -> String {
        if frames == 0 {
            return "/".into();
        }
        // An open array's children run on `items` from its start up to the start of the
        // next open array inside it (or the top): walk the frames from the innermost.
        let mut end = self.items.len();
        let mut segments = Vec::with_capacity(frames);
        for (i, f) in self.frames.iter().enumerate().rev() {
            match f {
                Frame::Arr { start } => {
                    if i < frames {
                        segments.push((end - start).to_string());
                    }
                    end = *start;
                }
                Frame::Obj { key, .. } if i < frames => segments.push(pointer_segment(&key.text()).into_owned()),
                Frame::Obj { .. } => {}
            }
        }
        let mut out = String::new();
        for seg in segments.iter().rev() {
            out.push('/');
            out.push_str(seg);
        }
        out
    }

    fn lenient(&mut self, make: impl FnOnce(&Self) -> Leniency) {
        if self.leniencies.len() < MAX_LENIENCIES {
            let l = make(self);
            self.leniencies.push(l);
        } else {
            self.more += 1;
        }
    }

    // Python's json skips exactly these four whitespace characters.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
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

    fn run(&mut self) -> Result<Json<'a>, JsonError> {
        loop {
            // Expecting a value.
            self.ws();
            let mut done = match self.s.get(self.i) {
                Some(&c @ (b'{' | b'[')) => {
                    if self.frames.len() >= self.max_depth {
                        let m = crate::msg!(crate::messages::en::JSON_TOO_DEEP, max = self.max_depth);
                        return Err(JsonError { offset: self.i, message: Box::new(m) });
                    }
                    self.i += 1;
                    self.ws();
                    let is_obj = c == b'{';
                    if self.eat(if is_obj { b"}" } else { b"]" }) {
                        Some(if is_obj { Json::Obj(Vec::new()) } else { Json::Arr(Vec::new()) })
                    } else {
                        self.frames.push(if is_obj {
                            Frame::Obj { start: self.members.len(), key: JsonStr::default(), index: None }
                        } else {
                            Frame::Arr { start: self.items.len() }
                        });
                        self.begin_member()?;
                        None
                    }
                }
                _ => Some(self.scalar()?),
            };
            // A value is complete: hand it to its container, closing containers until
            // one takes another child.
            while let Some(v) = done.take() {
                let Some(top) = self.frames.last_mut() else {
                    self.ws();
                    if self.i != self.s.len() {
                        return Err(self.err("extra data after the JSON value"));
                    }
                    return Ok(v);
                };
                let is_obj = match top {
                    Frame::Arr { .. } => {
                        self.items.push(v);
                        false
                    }
                    Frame::Obj { key, .. } => {
                        self.members.push((std::mem::take(key), v));
                        true
                    }
                };
                self.ws();
                if self.eat(b",") {
                    self.begin_member()?;
                    break;
                }
                if self.eat(if is_obj { b"}" } else { b"]" }) {
                    // One exactly sized allocation per container (`drain` knows its length).
                    done = Some(match self.frames.pop().expect("non-empty") {
                        Frame::Arr { start } => Json::Arr(self.items.drain(start..).collect()),
                        Frame::Obj { start, .. } => Json::Obj(self.members.drain(start..).collect()),
                    });
                    continue;
                }
                return Err(self.err(if is_obj { "expected ',' or '}'" } else { "expected ',' or ']'" }));
            }
        }
    }

    /// Starts the next child of the innermost container: for an object, reads its key
    /// and the `:` (and notes a duplicate key).
    fn begin_member(&mut self) -> Result<(), JsonError> {
        if let Some(Frame::Arr { .. }) = self.frames.last() {
            return Ok(());
        }
        self.ws();
        if self.s.get(self.i) != Some(&b'"') {
            return Err(self.err("expected a property name in double quotes"));
        }
        let new_key = self.string()?;
        self.ws();
        if !self.eat(b":") {
            return Err(self.err("expected ':'"));
        }
        let dup = self.is_duplicate(&new_key);
        if let Some(Frame::Obj { key, .. }) = self.frames.last_mut() {
            *key = new_key;
        }
        if dup {
            let depth = self.frames.len();
            self.lenient(|p| Leniency::DuplicateKey {
                pointer: p.pointer(depth - 1),
                key: match p.frames.last() {
                    Some(Frame::Obj { key, .. }) => key.to_string(),
                    _ => String::new(),
                },
            });
        }
        Ok(())
    }

    /// Is `key` already a key of the innermost object? Linear in the object's size
    /// over the whole object (hash index past a few members).
    fn is_duplicate(&mut self, new_key: &JsonStr<'a>) -> bool {
        let Some(Frame::Obj { start, index, .. }) = self.frames.last_mut() else { return false };
        let members = &self.members[*start..];
        let short = new_key.raw().is_some_and(|raw| raw.len() <= LINEAR_DUP_KEY_BYTES);
        if index.is_none() && members.len() < LINEAR_DUP_CHECK && short {
            // A key without escapes (nearly every key) is compared as the text it is.
            return match new_key.plain() {
                Some(t) => members.iter().any(|(k, _)| k.plain().map_or_else(|| k == new_key, |kt| kt == t)),
                None => members.iter().any(|(k, _)| k == new_key),
            };
        }
        let hasher = &self.hasher;
        let index = index.get_or_insert_with(|| {
            let mut m = KeyIndex::with_capacity_and_hasher(members.len() * 2, Default::default());
            for (i, (k, _)) in members.iter().enumerate() {
                m.entry(hasher.hash_one(k)).or_insert(i);
            }
            m
        });
        let h = hasher.hash_one(new_key);
        match index.get(&h) {
            None => {
                index.insert(h, members.len());
                false
            }
            Some(&j) if members[j].0 == *new_key => true,
            // A 64-bit hash collision between two different keys: settle it by a scan.
            Some(_) => members.iter().any(|(k, _)| k == new_key),
        }
    }

    fn scalar(&mut self) -> Result<Json<'a>, JsonError> {
        match self.s.get(self.i) {
            None => Err(self.err("unexpected end of input")),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b'n') if self.eat(b"null") => Ok(Json::Null),
            Some(b't') if self.eat(b"true") => Ok(Json::Bool(true)),
            Some(b'f') if self.eat(b"false") => Ok(Json::Bool(false)),
            Some(b'N') if self.eat(b"NaN") => Ok(self.non_finite("NaN")),
            Some(b'I') if self.eat(b"Infinity") => Ok(self.non_finite("Infinity")),
            Some(b'-') if self.eat(b"-Infinity") => Ok(self.non_finite("-Infinity")),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a value")),
        }
    }

    fn non_finite(&mut self, text: &'static str) -> Json<'a> {
        let depth = self.frames.len();
        self.lenient(|p| Leniency::NonFiniteNumber(p.pointer(depth)));
        Json::Num(Number::new(text))
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while let Some(b'0'..=b'9') = self.s.get(self.i) {
            self.i += 1;
        }
        self.i - s
    }

    fn number(&mut self) -> Result<Json<'a>, JsonError> {
        // Python's NUMBER_RE: -?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?
        let start = self.i;
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_digits = match self.s.get(self.i) {
            Some(b'0') => {
                self.i += 1;
                1
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.err("expected a digit")),
        };
        let before_frac = self.i;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                // Python stops the number before the '.', which then fails as extra data.
                self.i = before_frac;
            }
        }
        let before_exp = self.i;
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                self.i = before_exp;
            }
        }
        if before_frac == self.i && int_digits > PYTHON_INT_MAX_DIGITS {
            let depth = self.frames.len();
            self.lenient(|p| Leniency::LongInteger { pointer: p.pointer(depth), digits: int_digits });
        }
        // The slice is ASCII by construction.
        let text = self.text.get(start..self.i).ok_or_else(|| self.err("invalid number"))?;
        Ok(Json::Num(Number::new(text)))
    }

    /// Reads a string (the cursor on its opening quote) as the span between its quotes.
    /// Escapes are checked as CPython checks them, and lone surrogates noted, but not
    /// decoded: [`JsonStr::text`] does that when a consumer asks.
    fn string(&mut self) -> Result<JsonStr<'a>, JsonError> {
        self.i += 1; // opening quote
        let first = self.i;
        let mut escaped = false;
        loop {
            while let Some(&c) = self.s.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    let raw = self.utf8(first)?;
                    self.i += 1;
                    return Ok(JsonStr::span(raw, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    match escape::read(self.s, self.i) {
                        Ok((unit, next)) => {
                            self.i = next;
                            if unit == Unit::LoneSurrogate {
                                let depth = self.frames.len();
                                self.lenient(|p| Leniency::LoneSurrogate(p.pointer(depth)));
                            }
                        }
                        Err(refused) => {
                            self.i = refused.offset;
                            return Err(self.err(refused.message));
                        }
                    }
                }
                // Python's default (strict=True) rejects raw control characters.
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    /// The text from `from` to the cursor. The input is a `&str` and runs end only at
    /// ASCII bytes, so this is always valid UTF-8.
    fn utf8(&self, from: usize) -> Result<&'a str, JsonError> {
        // A sub-slice of the input `&str`: only its two ends are checked, not re-validated.
        self.text.get(from..self.i).ok_or_else(|| self.err("invalid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Parsed<'_> {
        parse(s, 1000).unwrap()
    }

    #[test]
    fn reads_what_python_reads() {
        let v = p(r#" {"a": [1, -2.5e3, true, null], "b": "x\u00e3\ud83d\ude00", "c": {}, "d": [ ]} "#).value;
        assert_eq!(v.get("a").unwrap().as_arr().unwrap().len(), 4);
        assert_eq!(v.get_str("b").as_deref(), Some("xã😀"));
        assert_eq!(v.get("c"), Some(&Json::Obj(Vec::new())));
        assert_eq!(v.to_compact(), r#"{"a": [1, -2.5e3, true, null], "b": "xã😀", "c": {}, "d": []}"#);
    }

    #[test]
    fn non_finite_numbers_are_accepted_and_flagged() {
        let r = p(r#"{"a": NaN, "b": [-Infinity, Infinity]}"#);
        assert_eq!(r.value.get("a"), Some(&Json::Num("NaN".into())));
        assert_eq!(r.leniencies.len(), 3);
        assert_eq!(r.leniencies[0], Leniency::NonFiniteNumber("/a".into()));
        assert_eq!(r.leniencies[1], Leniency::NonFiniteNumber("/b/0".into()));
        assert_eq!(r.leniencies[2], Leniency::NonFiniteNumber("/b/1".into()));
    }

    #[test]
    fn pointers_count_each_open_array_s_own_children() {
        // The children of every open container wait on shared stacks: an array's index
        // must not count the children of the arrays and objects open inside it.
        let r = p(r#"[[1, [NaN]], {"k": [2, 3, {"a": 1, "a": 2}]}, [4, NaN], "s\ud800"]"#);
        let pointers: Vec<String> = r.leniencies.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            pointers,
            [
                "non-finite number (NaN/Infinity) at /0/1/0",
                "duplicate key \"a\" in the object at /1/k/2 (Python keeps the last)",
                "non-finite number (NaN/Infinity) at /2/1",
                "unpaired UTF-16 surrogate escape at /3",
            ]
        );
        assert_eq!(
            r.value.to_compact(),
            "[[1, [NaN]], {\"k\": [2, 3, {\"a\": 1, \"a\": 2}]}, [4, NaN], \"s\u{FFFD}\"]"
        );
    }

    #[test]
    fn duplicate_keys_keep_both_and_get_returns_last() {
        let r = p(r#"{"x": {"k": 1, "k": 2}}"#);
        let v = r.value.get("x").unwrap();
        assert_eq!(v.get("k"), Some(&Json::Num("2".into())));
        assert_eq!(v.as_obj().unwrap().len(), 2);
        assert_eq!(r.leniencies, [Leniency::DuplicateKey { pointer: "/x".into(), key: "k".into() }]);
    }

    #[test]
    fn duplicate_keys_in_large_objects_are_found_in_linear_time() {
        // 200,000 distinct keys then 200,000 repeats of the last: quadratic would take minutes.
        let n = 200_000;
        let mut s = String::from("{");
        for i in 0..n {
            s.push_str(&format!("\"k{i}\": {i},"));
        }
        for i in 0..n {
            s.push_str(&format!("\"k{}\": {i},", n - 1));
        }
        s.push_str("\"end\": 0}");
        let start = std::time::Instant::now();
        let r = p(&s);
        assert!(start.elapsed().as_secs() < 20);
        assert_eq!(r.value.as_obj().unwrap().len(), 2 * n + 1);
        assert_eq!(r.leniencies.len(), MAX_LENIENCIES + 1);
        assert_eq!(r.leniencies[MAX_LENIENCIES], Leniency::More(n - MAX_LENIENCIES));
        assert_eq!(r.value.get("k199999"), Some(&Json::Num((n - 1).to_string().into())));
    }

    #[test]
    fn rejects_what_python_rejects() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{'a': 1}",
            "01",
            "1.",
            "[1] x",
            "\"\t\"",
            "nul",
            "+1",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\": 1,}",
            "[",
            "]",
            "{\"a\"}",
            "\"\\x\"",
            "\"\\u12\"",
            "-",
            "-Inf",
            "\u{feff}{}",
            "[1]]",
        ] {
            assert!(parse(bad, 1000).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn whitespace_of_any_length_around_the_value() {
        let ws = " \t\r\n".repeat(100_000);
        let text = format!("{ws}{{\"a\": [ {ws} 1 {ws} ] }}{ws}");
        let v = p(&text).value;
        assert_eq!(v.to_compact(), r#"{"a": [1]}"#);
    }

    #[test]
    fn depth_limit_is_python_s_and_enforced_without_recursion() {
        let nest = |n: usize| "[".repeat(n) + &"]".repeat(n);
        let limit = crate::limits::Limits::default().max_json_depth;
        assert_eq!(limit, 995, "CPython 3.11's json.loads reads 995 levels at module level");
        assert!(parse(&nest(limit), limit).is_ok());
        let e = parse(&nest(limit + 1), limit).unwrap_err();
        assert!(e.message.text.contains("limit of 995"), "{e}");
        let objs = |n: usize| "{\"a\":".repeat(n) + "1" + &"}".repeat(n);
        assert!(parse(&objs(limit), limit).is_ok());
        assert!(parse(&objs(limit + 1), limit).is_err());
        // A million levels on a 256 KiB stack: parsed, walked by drop, no overflow.
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                let text = nest(1_000_000);
                let v = parse(&text, usize::MAX).unwrap().value;
                assert_eq!(v.to_compact().len(), 2_000_000);
                assert!(parse(&nest(1_000_000), 1000).is_err());
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn lone_surrogates_are_flagged() {
        let r = p(r#"["\ud800x", "\udc00", "\ud800\u0041"]"#);
        assert_eq!(r.value.to_compact(), "[\"\u{FFFD}x\", \"\u{FFFD}\", \"\u{FFFD}A\"]");
        assert_eq!(r.leniencies.len(), 3);
        assert_eq!(r.leniencies[2], Leniency::LoneSurrogate("/2".into()));
    }

    #[test]
    fn huge_numbers_survive_as_text_and_long_integers_are_flagged() {
        assert_eq!(p("1e400").value, Json::Num("1e400".into()));
        assert_eq!(p("123456789012345678901234567890").value, Json::Num("123456789012345678901234567890".into()));
        assert!(p(&"1".repeat(4300)).leniencies.is_empty());
        let text = format!("[{}]", "1".repeat(4301));
        let r = p(&text);
        assert_eq!(r.leniencies, [Leniency::LongInteger { pointer: "/0".into(), digits: 4301 }]);
        assert!(p(&format!("{}.5", "1".repeat(5000))).leniencies.is_empty(), "floats have no digit limit");
    }
}
