//! The JSON tree of spans against two references, on random JSON-ish texts:
//!
//! - the parser as it was before strings became spans (kept below as `old`, decoding
//!   every string while parsing): the same value, the same leniencies, the same error
//!   (offset and message) for every input, valid or not;
//! - `serde_json` on the inputs it accepts (strict JSON without lone surrogates): the
//!   same value, strings decoded by another implementation.
//!
//! Every string of every tree is also read the other ways the consumers read it
//! (`text`, `chars`, `len`, `starts_with`, comparison with `&str`, `get` by key).

mod common;

use common::Rng;
use keras_sentinel::container::json::{self, Json, JsonStr, Leniency};

/// The parser before spans, reduced to what is observable: the tree (strings decoded),
/// the leniencies and the error. Duplicate keys are found by a scan (the hash index it
/// had is a speed-up only).
mod old {
    use keras_sentinel::container::json::parse::MAX_LENIENCIES;
    use keras_sentinel::container::json::{pointer_segment, Leniency};

    #[derive(Debug, Clone, PartialEq)]
    pub enum Old {
        Null,
        Bool(bool),
        Num(String),
        Str(String),
        Arr(Vec<Old>),
        Obj(Vec<(String, Old)>),
    }

    enum Frame {
        Arr { start: usize },
        Obj { start: usize, key: String },
    }

    struct P<'a> {
        text: &'a str,
        s: &'a [u8],
        i: usize,
        max_depth: usize,
        frames: Vec<Frame>,
        items: Vec<Old>,
        members: Vec<(String, Old)>,
        leniencies: Vec<Leniency>,
        more: usize,
    }

    pub fn parse(text: &str, max_depth: usize) -> Result<(Old, Vec<Leniency>), (usize, String)> {
        let mut p = P {
            text,
            s: text.as_bytes(),
            i: 0,
            max_depth,
            frames: vec![],
            items: vec![],
            members: vec![],
            leniencies: vec![],
            more: 0,
        };
        let v = p.run()?;
        let mut l = p.leniencies;
        if p.more > 0 {
            l.push(Leniency::More(p.more));
        }
        Ok((v, l))
    }

    impl P<'_> {
        fn err(&self, m: &str) -> (usize, String) {
            (self.i, m.to_string())
        }
        fn pointer(&self, frames: usize) -> String {
            if frames == 0 {
                return "/".into();
            }
            let mut end = self.items.len();
            let mut segments = vec![];
            for (i, f) in self.frames.iter().enumerate().rev() {
                match f {
                    Frame::Arr { start } => {
                        if i < frames {
                            segments.push((end - start).to_string());
                        }
                        end = *start;
                    }
                    Frame::Obj { key, .. } if i < frames => segments.push(pointer_segment(key).into_owned()),
                    Frame::Obj { .. } => {}
                }
            }
            segments.iter().rev().map(|s| format!("/{s}")).collect()
        }
        fn lenient(&mut self, make: impl FnOnce(&Self) -> Leniency) {
            if self.leniencies.len() < MAX_LENIENCIES {
                let l = make(self);
                self.leniencies.push(l);
            } else {
                self.more += 1;
            }
        }
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
        fn run(&mut self) -> Result<Old, (usize, String)> {
            loop {
                self.ws();
                let mut done = match self.s.get(self.i) {
                    Some(&c @ (b'{' | b'[')) => {
                        if self.frames.len() >= self.max_depth {
                            return Err(
                                self.err(&format!("nesting deeper than the limit of {} levels", self.max_depth))
                            );
                        }
                        self.i += 1;
                        self.ws();
                        let is_obj = c == b'{';
                        if self.eat(if is_obj { b"}" } else { b"]" }) {
                            Some(if is_obj { Old::Obj(vec![]) } else { Old::Arr(vec![]) })
                        } else {
                            self.frames.push(if is_obj {
                                Frame::Obj { start: self.members.len(), key: String::new() }
                            } else {
                                Frame::Arr { start: self.items.len() }
                            });
                            self.begin_member()?;
                            None
                        }
                    }
                    _ => Some(self.scalar()?),
                };
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
                        done = Some(match self.frames.pop().unwrap() {
                            Frame::Arr { start } => Old::Arr(self.items.drain(start..).collect()),
                            Frame::Obj { start, .. } => Old::Obj(self.members.drain(start..).collect()),
                        });
                        continue;
                    }
                    return Err(self.err(if is_obj { "expected ',' or '}'" } else { "expected ',' or ']'" }));
                }
            }
        }
        fn begin_member(&mut self) -> Result<(), (usize, String)> {
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
            let start = match self.frames.last() {
                Some(Frame::Obj { start, .. }) => *start,
                _ => unreachable!(),
            };
            let dup = self.members[start..].iter().any(|(k, _)| *k == new_key);
            if let Some(Frame::Obj { key, .. }) = self.frames.last_mut() {
                *key = new_key;
            }
            if dup {
                let depth = self.frames.len();
                self.lenient(|p| Leniency::DuplicateKey {
                    pointer: p.pointer(depth - 1),
                    key: match p.frames.last() {
                        Some(Frame::Obj { key, .. }) => key.clone(),
                        _ => String::new(),
                    },
                });
            }
            Ok(())
        }
        fn scalar(&mut self) -> Result<Old, (usize, String)> {
            match self.s.get(self.i) {
                None => Err(self.err("unexpected end of input")),
                Some(b'"') => Ok(Old::Str(self.string()?)),
                Some(b'n') if self.eat(b"null") => Ok(Old::Null),
                Some(b't') if self.eat(b"true") => Ok(Old::Bool(true)),
                Some(b'f') if self.eat(b"false") => Ok(Old::Bool(false)),
                Some(b'N') if self.eat(b"NaN") => Ok(self.non_finite("NaN")),
                Some(b'I') if self.eat(b"Infinity") => Ok(self.non_finite("Infinity")),
                Some(b'-') if self.eat(b"-Infinity") => Ok(self.non_finite("-Infinity")),
                Some(b'-' | b'0'..=b'9') => self.number(),
                Some(_) => Err(self.err("expected a value")),
            }
        }
        fn non_finite(&mut self, text: &str) -> Old {
            let depth = self.frames.len();
            self.lenient(|p| Leniency::NonFiniteNumber(p.pointer(depth)));
            Old::Num(text.into())
        }
        fn digits(&mut self) -> usize {
            let s = self.i;
            while let Some(b'0'..=b'9') = self.s.get(self.i) {
                self.i += 1;
            }
            self.i - s
        }
        fn number(&mut self) -> Result<Old, (usize, String)> {
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
            if before_frac == self.i && int_digits > 4300 {
                let depth = self.frames.len();
                self.lenient(|p| Leniency::LongInteger { pointer: p.pointer(depth), digits: int_digits });
            }
            Ok(Old::Num(self.text[start..self.i].to_string()))
        }
        fn hex4(&mut self) -> Result<u32, (usize, String)> {
            let h = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("truncated \\u escape"))?;
            let mut v = 0u32;
            for &c in h {
                let d = (c as char).to_digit(16).ok_or_else(|| self.err("invalid \\u escape"))?;
                v = v * 16 + d;
            }
            self.i += 4;
            Ok(v)
        }
        fn string(&mut self) -> Result<String, (usize, String)> {
            self.i += 1;
            let mut out = String::new();
            loop {
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
                            b'u' => self.unicode_escape(&mut out)?,
                            _ => return Err(self.err("invalid escape")),
                        }
                    }
                    Some(&c) if c < 0x20 => return Err(self.err("control character in string")),
                    Some(_) => {
                        let run = self.i;
                        while let Some(&c) = self.s.get(self.i) {
                            if c == b'"' || c == b'\\' || c < 0x20 {
                                break;
                            }
                            self.i += 1;
                        }
                        out.push_str(&self.text[run..self.i]);
                    }
                }
            }
        }
        fn unicode_escape(&mut self, out: &mut String) -> Result<(), (usize, String)> {
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
                    let depth = self.frames.len();
                    self.lenient(|p| Leniency::LoneSurrogate(p.pointer(depth)));
                    out.push('\u{FFFD}');
                }
            }
            Ok(())
        }
    }
}

use old::Old;

/// Pieces of JSON-ish text: structure, escapes (valid, broken, surrogates), numbers,
/// literals, whitespace, control and non-ASCII characters.
const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "\n",
    "\"",
    "\\",
    "\\\"",
    "\\\\",
    "\\/",
    "\\n",
    "\\t",
    "\\b",
    "\\f",
    "\\r",
    "\\u",
    "\\u00e3",
    "\\u0041",
    "\\u0000",
    "\\u001f",
    "\\ud83d\\ude00",
    "\\ud800",
    "\\udc00",
    "\\uDBFF\\uDFFF",
    "\\ud800\\u",
    "\\x",
    "\\u12",
    "\\uzzzz",
    "a",
    "k",
    "_type",
    "class_name",
    "NaN",
    "Infinity",
    "-Infinity",
    "-",
    "0",
    "1",
    "12",
    ".5",
    "e3",
    "E-2",
    "null",
    "true",
    "false",
    "nul",
    "ã",
    "😀",
    "\u{1}",
    "\t",
    "~",
    "/",
    "é\\u00e9",
];

/// A valid document (depth and size bounded) built from random values and keys.
fn document(rng: &mut Rng, depth: usize, out: &mut String) {
    match rng.below(if depth > 3 { 4 } else { 7 }) {
        0 => out.push_str(
            ["null", "true", "false", "NaN", "-Infinity", "0", "-1.5e3", "12345678901234567890"][rng.below(8)],
        ),
        1..=3 => string(rng, out),
        4 => {
            out.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push_str(", ");
                }
                document(rng, depth + 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            // Now and then more members than the duplicate-key scan takes (the hash index),
            // deep in the document (so that documents stay small).
            let most = if depth >= 2 && rng.below(4) == 0 { 40 } else { 5 };
            for i in 0..rng.below(most) {
                if i > 0 {
                    out.push(',');
                }
                string(rng, out);
                out.push_str(": ");
                document(rng, depth + 1, out);
            }
            out.push('}');
        }
    }
}

/// A valid string literal: plain text, escapes of every kind, lone surrogates.
fn string(rng: &mut Rng, out: &mut String) {
    const PARTS: &[&str] = &[
        "a",
        "b",
        "k",
        "class_name",
        "_type",
        "ã",
        "😀",
        " ",
        "~",
        "/",
        "\\\"",
        "\\\\",
        "\\/",
        "\\n",
        "\\t",
        "\\b",
        "\\f",
        "\\r",
        "\\u00e3",
        "\\u0041",
        "\\u0000",
        "\\u001f",
        "\\ud83d\\ude00",
        "\\ud800",
        "\\udc00",
        "\\uDBFF\\uDFFF",
        "\\ud800\\u0041",
    ];
    out.push('"');
    // Now and then a long prefix (keys past the scan's length go to the hash index).
    if rng.below(10) == 0 {
        out.push_str(&"k".repeat(70));
    }
    // Short strings most often, so that keys repeat (duplicate keys) and compare equal
    // across representations ("a" and "\u0061").
    let most = if rng.below(4) == 0 { 12 } else { 3 };
    for _ in 0..rng.below(most) {
        out.push_str(PARTS[rng.below(PARTS.len())]);
    }
    out.push('"');
}

/// A random JSON-ish text: a valid document, then (most of the time) a few pieces
/// inserted, deleted or replaced at random places (on character boundaries).
fn input(rng: &mut Rng) -> String {
    let mut s = String::new();
    document(rng, 0, &mut s);
    for _ in 0..rng.below(4) {
        let mut at = rng.below(s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(3) {
            0 => s.insert_str(at, PIECES[rng.below(PIECES.len())]),
            1 => {
                let mut end = (at + 1 + rng.below(3)).min(s.len());
                while !s.is_char_boundary(end) {
                    end += 1;
                }
                s.replace_range(at..end, "");
            }
            _ => {
                let mut end = (at + 1).min(s.len());
                while !s.is_char_boundary(end) {
                    end += 1;
                }
                s.replace_range(at..end, PIECES[rng.below(PIECES.len())]);
            }
        }
    }
    s
}

/// Checks one string of the new tree against its decoded text, every way it is read.
fn check_str(s: &JsonStr, want: &str, input: &str) {
    assert_eq!(s.text(), want, "text() of {input:?}");
    assert_eq!(s.chars().collect::<String>(), want, "chars() of {input:?}");
    assert_eq!(s.len(), want.len(), "len() of {input:?}");
    assert!(s == want, "== &str of {input:?}");
    assert!(s != format!("{want}x").as_str(), "!= a longer text, {input:?}");
    let half = (0..=want.len() / 2).rev().find(|&i| want.is_char_boundary(i)).unwrap_or(0);
    assert!(s.starts_with(&want[..half]), "starts_with of {input:?}");
    assert_eq!(s.plain().is_some(), !s.has_escapes());
}

/// The new tree equals the old one (walked together, strings read every way).
fn same(new: &Json, old: &Old, input: &str) {
    let mut pairs = vec![(new, old)];
    while let Some((n, o)) = pairs.pop() {
        match (n, o) {
            (Json::Null, Old::Null) => {}
            (Json::Bool(a), Old::Bool(b)) if a == b => {}
            (Json::Num(a), Old::Num(b)) if a.as_str() == b => {}
            (Json::Str(a), Old::Str(b)) => check_str(a, b, input),
            (Json::Arr(a), Old::Arr(b)) if a.len() == b.len() => pairs.extend(a.iter().zip(b)),
            (Json::Obj(a), Old::Obj(b)) if a.len() == b.len() => {
                for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                    check_str(ka, kb, input);
                    // `get` finds what Python finds: the last member of that name.
                    let last = b.iter().rposition(|(k, _)| k == kb).unwrap();
                    let got = n.get(kb).unwrap_or_else(|| panic!("get({kb:?}) finds nothing in {input:?}"));
                    assert!(std::ptr::eq(got, &a[last].1), "get({kb:?}) in {input:?}");
                    pairs.push((va, vb));
                }
            }
            _ => panic!("values differ for {input:?}: {n:?} vs {o:?}"),
        }
    }
}

/// Our tree as serde_json reads the same text (duplicate keys: the last wins in both).
fn to_serde(v: &Json) -> serde_json::Value {
    use serde_json::Value as V;
    match v {
        Json::Null => V::Null,
        Json::Bool(b) => V::Bool(*b),
        Json::Num(n) => serde_json::from_str(n.as_str()).expect("a number serde read in the document"),
        Json::Str(s) => V::String(s.text().into_owned()),
        Json::Arr(a) => V::Array(a.iter().map(to_serde).collect()),
        Json::Obj(m) => V::Object(m.iter().map(|(k, v)| (k.text().into_owned(), to_serde(v))).collect()),
    }
}

#[test]
fn spans_read_as_the_old_parser_and_serde_json_read() {
    let mut rng = Rng(0x5eed_0014_2026_1201);
    let (mut valid, mut serde_checked, mut escaped) = (0, 0, 0);
    for _ in 0..40_000 {
        let text = input(&mut rng);
        let new = json::parse(&text, 8);
        let old = old::parse(&text, 8);
        match (&new, &old) {
            (Ok(n), Ok((o, leniencies))) => {
                valid += 1;
                same(&n.value, o, &text);
                assert_eq!(&n.leniencies, leniencies, "leniencies of {text:?}");
                let compact = n.value.to_compact();
                let again = json::parse(&compact, 8).expect("the compact form parses");
                assert_eq!(again.value, n.value, "round trip of {text:?}");
                escaped += text.contains('\\') as usize;
                if let Ok(theirs) = serde_json::from_str::<serde_json::Value>(&text) {
                    serde_checked += 1;
                    assert_eq!(to_serde(&n.value), theirs, "serde_json reads {text:?} otherwise");
                }
            }
            (Err(e), Err((offset, message))) => {
                assert_eq!((e.offset, &e.message.to_string()), (*offset, message), "error for {text:?}");
            }
            _ => panic!("{text:?}: new {:?}, old {:?}", new.as_ref().map(|p| &p.value), old),
        }
    }
    println!("{valid} valid inputs ({escaped} with escapes), {serde_checked} also read by serde_json");
    assert!(valid > 10_000 && serde_checked > 3_000 && escaped > 3_000, "the generator must reach every case");
}

#[test]
fn owned_copies_read_the_same() {
    let mut rng = Rng(7);
    for _ in 0..2_000 {
        let mut text = String::new();
        document(&mut rng, 0, &mut text);
        let parsed = json::parse(&text, 8).unwrap();
        let owned = parsed.value.to_static();
        drop(parsed);
        drop(text);
        let (o, _) = old::parse(&owned.to_compact(), 8).unwrap();
        same(&owned, &o, "owned copy");
    }
}

#[test]
fn lone_surrogate_pointers_match_after_escaped_keys() {
    let text = r#"{"\u0061": [1, "\ud800"], "a": {"k\/": "\udc00"}}"#;
    let new = json::parse(text, 8).unwrap();
    let (_, leniencies) = old::parse(text, 8).unwrap();
    assert_eq!(new.leniencies, leniencies);
    assert_eq!(
        new.leniencies[..2],
        [Leniency::LoneSurrogate("/a/1".into()), Leniency::DuplicateKey { pointer: "/".into(), key: "a".into() }]
    );
}
