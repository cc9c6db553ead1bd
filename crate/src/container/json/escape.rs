//! One backslash escape of a JSON string, read as CPython's `scanstring` reads it.
//!
//! The parser and the lazy decoder of [`JsonStr`](super::JsonStr) both read escapes
//! here: the parser to check them (and to note lone surrogates) without building the
//! text, the decoder to build the text when a consumer asks for it. One reader for both
//! is what makes the decoded text the one the parser accepted.

/// What one escape stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Char(char),
    /// A `\uD800`-style escape without its pair: Python keeps it alone in the `str`;
    /// the text here holds U+FFFD in its place.
    LoneSurrogate,
}

/// Why an escape is refused: the byte offset and message the parser reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub offset: usize,
    pub message: &'static str,
}

/// Reads the escape whose backslash is at `s[at]`: what it stands for and the offset
/// just past it.
pub fn read(s: &[u8], at: usize) -> Result<(Unit, usize), Refused> {
    let refuse = |offset, message| Refused { offset, message };
    let mut i = at + 1;
    let c = *s.get(i).ok_or(refuse(i, "unterminated escape"))?;
    i += 1;
    let ch = match c {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(s, i)?;
            i += 4;
            // A high surrogate pairs only with an immediately following low-surrogate
            // escape; otherwise Python keeps it alone (a lone surrogate in the str).
            let cp = if (0xD800..0xDC00).contains(&hi) && s[i..].starts_with(b"\\u") {
                let lo = hex4(s, i + 2)?;
                if (0xDC00..0xE000).contains(&lo) {
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                }
            } else {
                hi
            };
            return Ok((char::from_u32(cp).map_or(Unit::LoneSurrogate, Unit::Char), i));
        }
        _ => return Err(refuse(i, "invalid escape")),
    };
    Ok((Unit::Char(ch), i))
}

/// The four hex digits of a `\u` escape at `s[at..]`.
fn hex4(s: &[u8], at: usize) -> Result<u32, Refused> {
    let h = s.get(at..at + 4).ok_or(Refused { offset: at, message: "truncated \\u escape" })?;
    let mut v = 0u32;
    for &c in h {
        let d = (c as char).to_digit(16).ok_or(Refused { offset: at, message: "invalid \\u escape" })?;
        v = v * 16 + d;
    }
    Ok(v)
}

/// The text of a string body the parser accepted (between the quotes, escapes and all).
pub fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(b) = rest.find('\\') {
        out.push_str(&rest[..b]);
        let (ch, next) = unit_at(rest.as_bytes(), b);
        out.push(ch);
        rest = &rest[next..];
    }
    out.push_str(rest);
    out
}

/// The character the escape at `s[at]` stands for (U+FFFD for a lone surrogate) and the
/// offset past it. On a body the parser did not accept (never built by it) an invalid
/// escape reads as U+FFFD up to the end: no panic on any input.
fn unit_at(s: &[u8], at: usize) -> (char, usize) {
    match read(s, at) {
        Ok((Unit::Char(c), next)) => (c, next),
        Ok((Unit::LoneSurrogate, next)) => ('\u{FFFD}', next),
        Err(_) => ('\u{FFFD}', s.len()),
    }
}

/// The characters of a string body, decoded one by one (no allocation): comparisons
/// of an escaped key with a known name read it this way.
#[derive(Clone)]
pub struct Chars<'a> {
    rest: &'a str,
    /// `\\` starts an escape (a string body); when false the text is already decoded.
    escapes: bool,
}

impl<'a> Chars<'a> {
    pub fn new(raw: &'a str) -> Chars<'a> {
        Chars { rest: raw, escapes: true }
    }

    /// The same characters, reading `\\` as an escape only when `escapes`.
    pub fn decoding(self, escapes: bool) -> Chars<'a> {
        Chars { escapes, ..self }
    }
}

impl Iterator for Chars<'_> {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        let first = *self.rest.as_bytes().first()?;
        if first == b'\\' && self.escapes {
            let (ch, next) = unit_at(self.rest.as_bytes(), 0);
            self.rest = &self.rest[next..];
            Some(ch)
        } else {
            let ch = self.rest.chars().next()?;
            self.rest = &self.rest[ch.len_utf8()..];
            Some(ch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_read_as_python_reads_them() {
        type Reading = Result<(Unit, usize), Refused>;
        let cases: &[(&str, Reading)] = &[
            (r"\n", Ok((Unit::Char('\n'), 2))),
            (r"\/", Ok((Unit::Char('/'), 2))),
            (r"\u00e3x", Ok((Unit::Char('ã'), 6))),
            (r"\ud83d\ude00", Ok((Unit::Char('😀'), 12))),
            (r"\ud800\u0041", Ok((Unit::LoneSurrogate, 6))),
            (r"\udc00", Ok((Unit::LoneSurrogate, 6))),
            (r"\ud800", Ok((Unit::LoneSurrogate, 6))),
            (r"\", Err(Refused { offset: 1, message: "unterminated escape" })),
            (r"\x", Err(Refused { offset: 2, message: "invalid escape" })),
            (r"\u12", Err(Refused { offset: 2, message: "truncated \\u escape" })),
            (r"\u12g4", Err(Refused { offset: 2, message: "invalid \\u escape" })),
            // After a high surrogate, `\u` must be followed by four hex digits (CPython too).
            (r"\ud800\uzzzz", Err(Refused { offset: 8, message: "invalid \\u escape" })),
        ];
        for (raw, want) in cases {
            assert_eq!(read(raw.as_bytes(), 0), *want, "{raw}");
        }
    }

    #[test]
    fn decoding_and_chars_agree() {
        for raw in [r"plain", r"a\nb\u00e3\ud83d\ude00\ud800z\\\/\u0000", r"\", r"x\q", "ünï\\tcode"] {
            let text = decode(raw);
            assert_eq!(Chars::new(raw).collect::<String>(), text, "{raw}");
        }
        assert_eq!(decode(r"a\nb\u00e3\ud83d\ude00\ud800z"), "a\nbã😀\u{FFFD}z");
    }
}
