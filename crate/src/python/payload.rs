//! Turning the `code` string of a serialized function back into marshal bytes, exactly
//! as Keras' `func_load` does (lambda-formats.md §1):
//!
//! ```python
//! try:
//!     raw_code = codecs.decode(code.encode("ascii"), "base64")   # binascii.a2b_base64
//! except (UnicodeEncodeError, binascii.Error):
//!     raw_code = code.encode("raw_unicode_escape")
//! ```
//!
//! Both steps are reproduced bit for bit: a stricter decoder would miss bytes Keras
//! loads, a more lenient one would analyse bytes Keras never sees.

use sha2::{Digest, Sha256};

use crate::messages::en;
use crate::msg;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    RawUnicodeEscape,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::RawUnicodeEscape => "raw_unicode_escape",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Decoded {
    pub bytes: Vec<u8>,
    pub encoding: Encoding,
    /// Base64 data characters after the padding, which Keras ignores: a place to hide a
    /// payload from scanners that decode leniently.
    pub hidden_after_padding: usize,
    /// Oddities a reviewer should know (data hidden after the padding, skipped characters).
    pub notes: Vec<crate::messages::Message>,
}

impl Decoded {
    pub fn sha256_hex(&self) -> String {
        sha256_hex(&self.bytes)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::hash::hex(&Sha256::digest(bytes))
}

/// Why `binascii.a2b_base64` (non-strict) refuses an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base64Error {
    /// One data character more than a multiple of four.
    ExcessCharacter(usize),
    /// Unpadded leftover data.
    IncorrectPadding,
}

/// What `a2b_base64` produced, plus what it skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64Decoded {
    pub bytes: Vec<u8>,
    /// Characters outside the alphabet that were skipped (newlines excluded).
    pub skipped: usize,
    /// Base64 data characters left unread after the first complete padded quantum
    /// (Keras never sees them; whitespace there does not count).
    pub trailing: usize,
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// CPython's `binascii.a2b_base64(data, strict_mode=False)`: characters outside the
/// alphabet are skipped; a pad that completes a quantum ends decoding, whatever
/// follows; a pad that does not is skipped.
pub fn a2b_base64(data: &[u8]) -> Result<Base64Decoded, Base64Error> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 3);
    let (mut quad_pos, mut left, mut pads) = (0u8, 0u32, 0u8);
    let mut skipped = 0usize;
    let mut data_chars = 0usize;
    for (i, &c) in data.iter().enumerate() {
        if c == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    // Whitespace and stray pads after the end are ordinary; data is not.
                    let trailing = data[i + 1..].iter().filter(|&&c| b64_value(c).is_some()).count();
                    return Ok(Base64Decoded { bytes: out, skipped, trailing });
                }
            }
            continue;
        }
        let Some(v) = b64_value(c) else {
            if c != b'\n' && c != b'\r' {
                skipped += 1;
            }
            continue;
        };
        pads = 0;
        data_chars += 1;
        let v = v as u32;
        match quad_pos {
            0 => {
                left = v;
                quad_pos = 1;
            }
            1 => {
                out.push(((left << 2) | (v >> 4)) as u8);
                left = v & 0x0f;
                quad_pos = 2;
            }
            2 => {
                out.push(((left << 4) | (v >> 2)) as u8);
                left = v & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push(((left << 6) | v) as u8);
                quad_pos = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(Base64Decoded { bytes: out, skipped, trailing: 0 }),
        1 => Err(Base64Error::ExcessCharacter(data_chars)),
        _ => Err(Base64Error::IncorrectPadding),
    }
}

/// Python's `str.encode("raw_unicode_escape")`: U+0000–U+00FF become one byte, higher
/// code points the ASCII escapes `\uXXXX` / `\UXXXXXXXX` (lower-case hex).
pub fn raw_unicode_escape(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for ch in s.chars() {
        let cp = ch as u32;
        if cp < 0x100 {
            out.push(cp as u8);
        } else if cp < 0x10000 {
            out.extend_from_slice(format!("\\u{cp:04x}").as_bytes());
        } else {
            out.extend_from_slice(format!("\\U{cp:08x}").as_bytes());
        }
    }
    out
}

/// Decodes the `code` string of a function triple the way `func_load` does.
pub fn decode_code(code: &str) -> Decoded {
    let mut notes = Vec::new();
    if code.is_ascii() {
        match a2b_base64(code.as_bytes()) {
            Ok(d) => {
                if d.trailing > 0 {
                    notes.push(msg!(en::NOTE_B64_TRAILING, count = d.trailing));
                }
                if d.skipped > 0 {
                    notes.push(msg!(en::NOTE_B64_SKIPPED, count = d.skipped));
                }
                return Decoded { bytes: d.bytes, encoding: Encoding::Base64, hidden_after_padding: d.trailing, notes };
            }
            Err(e) => notes.push(msg!(
                en::NOTE_NOT_BASE64,
                why = match e {
                    Base64Error::ExcessCharacter(n) => msg!(en::B64_EXCESS, count = n),
                    Base64Error::IncorrectPadding => msg!(en::B64_PADDING),
                }
            )),
        }
    }
    Decoded { bytes: raw_unicode_escape(code), encoding: Encoding::RawUnicodeEscape, hidden_after_padding: 0, notes }
}

/// A test in constant memory that rules out most strings before [`decode_code`] (which
/// copies the whole string): the first byte of a code object is 0xE3 or 0x63, so the
/// decoded string must start with `ã` / `c` (raw_unicode_escape) or its first base64
/// character must be `4` / `Y`. False only when `looks_like_code_object(decode_code(s))`
/// is false too; true means "decode and look".
pub fn may_decode_to_code(s: &str) -> bool {
    if s.starts_with(['c', '\u{e3}']) {
        return true;
    }
    if !s.is_ascii() {
        return false; // read as raw_unicode_escape: the first character decides
    }
    // binascii skips characters outside the alphabet (and a leading `=`).
    matches!(s.bytes().find(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/'), Some(b'4' | b'Y'))
}

/// Cheap test used by the walker's fallback scan (lambda-formats.md §6.1 item 7): does
/// this look like the start of a marshalled code object? Python 3.4+ blobs start with
/// 0xE3 (`c` | FLAG_REF), Python <= 3.3 with 0x63; argcount is a small int32.
pub fn looks_like_code_object(bytes: &[u8]) -> bool {
    if bytes.len() < 40 || !matches!(bytes[0], 0xE3 | 0x63) {
        return false;
    }
    let argcount = u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    argcount < 256
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> Result<Vec<u8>, Base64Error> {
        a2b_base64(s.as_bytes()).map(|d| d.bytes)
    }

    // Each case checked against CPython 3.11's binascii.a2b_base64.
    #[test]
    fn matches_binascii_non_strict() {
        assert_eq!(b64("YWJj").unwrap(), b"abc");
        assert_eq!(b64("YQ==").unwrap(), b"a");
        assert_eq!(b64("YQ==YWJj").unwrap(), b"a"); // stops after the padded quantum
        assert_eq!(b64("YW=Jj").unwrap(), b"abc"); // a pad that completes nothing is skipped
        assert_eq!(b64("Y W\nJ*j!").unwrap(), b"abc"); // junk skipped
        assert_eq!(b64("YWJ"), Err(Base64Error::IncorrectPadding));
        assert_eq!(b64("YWJjZ"), Err(Base64Error::ExcessCharacter(5)));
        assert_eq!(b64("").unwrap(), b"");
        assert_eq!(b64("=YWJj").unwrap(), b"abc"); // leading pad is skipped
        assert_eq!(b64("YQ=").unwrap_err(), Base64Error::IncorrectPadding);
    }

    #[test]
    fn trailing_data_after_padding_is_reported() {
        let d = decode_code("YQ==ZXZpbA==");
        assert_eq!(d.bytes, b"a");
        assert_eq!(d.encoding, Encoding::Base64);
        assert!(d.notes[0].text.contains("6 characters after the base64 padding"), "{:?}", d.notes);
        assert_eq!(d.hidden_after_padding, 6);
        // The newline Keras writes after the padding is not hidden data.
        let d = decode_code("YQ==\n");
        assert_eq!((d.hidden_after_padding, d.notes.len()), (0, 0));
    }

    #[test]
    fn the_prefix_test_never_rules_out_code() {
        use crate::python::marshal::tests::shared_code_dag;
        let code = shared_code_dag(1);
        let b64 = |b: &[u8]| {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            b.chunks(3)
                .map(|c| {
                    let n =
                        (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
                    let s: String = (0..4).map(|i| A[(n >> (18 - 6 * i) & 63) as usize] as char).collect();
                    s[..c.len() + 1].to_string() + &"=".repeat(3 - c.len())
                })
                .collect::<String>()
        };
        let raw: String = code.iter().map(|&b| b as char).collect();
        let mut py2 = code.clone();
        py2[0] = 0x63;
        for s in [b64(&code), format!("\n {}", b64(&code)), raw, b64(&py2)] {
            assert!(looks_like_code_object(&decode_code(&s).bytes), "{s:?}");
            assert!(may_decode_to_code(&s), "{s:?}");
        }
        // Ten megabytes of text: ruled out without a copy.
        let big = "x".repeat(10 << 20);
        assert!(!may_decode_to_code(&big));
        assert!(!looks_like_code_object(&decode_code(&big).bytes));
    }

    #[test]
    fn raw_unicode_escape_matches_python() {
        // '\u00e3\u0001\u0000' + 'Ā' (U+0100) + '😀'
        let s = "\u{e3}\u{1}\u{0}\u{100}\u{1F600}";
        assert_eq!(raw_unicode_escape(s), b"\xe3\x01\x00\\u0100\\U0001f600".to_vec());
    }

    #[test]
    fn func_load_falls_back_to_raw_strings() {
        // Non-ASCII: UnicodeEncodeError on .encode("ascii") -> raw.
        let d = decode_code("\u{e3}\u{1}\u{0}\u{0}");
        assert_eq!(d.encoding, Encoding::RawUnicodeEscape);
        assert_eq!(d.bytes, vec![0xe3, 1, 0, 0]);
        // ASCII but bad padding: binascii.Error -> raw.
        let d = decode_code("abc");
        assert_eq!(d.encoding, Encoding::RawUnicodeEscape);
        assert_eq!(d.bytes, b"abc");
    }

    #[test]
    fn keras_mime_base64_with_newlines() {
        let d = decode_code("4wEAAAAA\nAAAA\n");
        assert_eq!(d.encoding, Encoding::Base64);
        assert_eq!(d.bytes[0], 0xe3);
        assert!(d.notes.is_empty());
    }
}
