//! Bytes → text exactly as `json.loads(bytes)` decodes them (CPython
//! `Lib/json/__init__.py`: `detect_encoding`, then `bytes.decode(enc, 'surrogatepass')`).
//!
//! Keras 3 (and tf.keras 2.13+) read `config.json` out of the `.keras` zip as bytes
//! and hand them to `json.loads`, so a config in UTF-16 or UTF-32, with or without a
//! BOM, loads. A UTF-8 BOM is stripped (`utf-8-sig`); on a `str` (h5py attributes,
//! after `.decode("utf-8")`) the same BOM is an error, which the parser reproduces
//! since U+FEFF is not JSON whitespace.

use crate::messages::en;
use crate::msg;
use crate::source::ByteSource;

/// What `detect_encoding` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Sig,
    /// `utf-16` (BOM read and stripped), or `utf-16-le`/`-be` (no BOM).
    Utf16 {
        big_endian: bool,
        bom: bool,
    },
    Utf32 {
        big_endian: bool,
        bom: bool,
    },
}

impl Encoding {
    /// Python's codec name.
    pub fn python_name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Sig => "utf-8-sig",
            Encoding::Utf16 { bom: true, .. } => "utf-16",
            Encoding::Utf16 { big_endian: false, .. } => "utf-16-le",
            Encoding::Utf16 { big_endian: true, .. } => "utf-16-be",
            Encoding::Utf32 { bom: true, .. } => "utf-32",
            Encoding::Utf32 { big_endian: false, .. } => "utf-32-le",
            Encoding::Utf32 { big_endian: true, .. } => "utf-32-be",
        }
    }

    /// Bytes of BOM the codec consumes.
    fn bom_len(self) -> usize {
        match self {
            Encoding::Utf8Sig => 3,
            Encoding::Utf16 { bom: true, .. } => 2,
            Encoding::Utf32 { bom: true, .. } => 4,
            _ => 0,
        }
    }

    /// Bytes per code unit.
    fn unit(self) -> usize {
        match self {
            Encoding::Utf8 | Encoding::Utf8Sig => 1,
            Encoding::Utf16 { .. } => 2,
            Encoding::Utf32 { .. } => 4,
        }
    }

    fn big_endian(self) -> bool {
        matches!(self, Encoding::Utf16 { big_endian: true, .. } | Encoding::Utf32 { big_endian: true, .. })
    }
}

/// CPython's `json.detect_encoding(b)`, line for line. `b` is the whole input (only its
/// first four bytes and its length matter).
pub fn detect_encoding(b: &[u8]) -> Encoding {
    let big = |bom| Encoding::Utf32 { big_endian: true, bom };
    if b.starts_with(b"\x00\x00\xfe\xff") {
        return big(true);
    }
    if b.starts_with(b"\xff\xfe\x00\x00") {
        // BOM_UTF32_LE is checked before BOM_UTF16_LE, which it starts with.
        return Encoding::Utf32 { big_endian: false, bom: true };
    }
    if b.starts_with(b"\xfe\xff") {
        return Encoding::Utf16 { big_endian: true, bom: true };
    }
    if b.starts_with(b"\xff\xfe") {
        return Encoding::Utf16 { big_endian: false, bom: true };
    }
    if b.starts_with(b"\xef\xbb\xbf") {
        return Encoding::Utf8Sig;
    }
    if b.len() >= 4 {
        if b[0] == 0 {
            // 00 00 -- -- utf-32-be; 00 XX -- -- utf-16-be
            return if b[1] != 0 { Encoding::Utf16 { big_endian: true, bom: false } } else { big(false) };
        }
        if b[1] == 0 {
            // XX 00 00 00 utf-32-le; XX 00 00 XX and XX 00 XX -- utf-16-le
            return if b[2] != 0 || b[3] != 0 {
                Encoding::Utf16 { big_endian: false, bom: false }
            } else {
                Encoding::Utf32 { big_endian: false, bom: false }
            };
        }
    } else if b.len() == 2 {
        if b[0] == 0 {
            return Encoding::Utf16 { big_endian: true, bom: false };
        }
        if b[1] == 0 {
            return Encoding::Utf16 { big_endian: false, bom: false };
        }
    }
    Encoding::Utf8
}

/// Text decoded from bytes, and what about the decoding is worth reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: Encoding,
    /// Lone surrogates the `surrogatepass` handler let through (U+FFFD here).
    pub lone_surrogates: usize,
}

impl Decoded {
    /// Notes for the report: anything but plain UTF-8 is unusual for a Keras config.
    pub fn notes(&self) -> Vec<crate::messages::Message> {
        use crate::messages::en;
        use crate::msg;
        let mut notes = Vec::new();
        match self.encoding {
            Encoding::Utf8 => {}
            Encoding::Utf8Sig => notes.push(msg!(en::NOTE_BOM)),
            e => notes.push(msg!(
                en::NOTE_ENCODED_AS,
                encoding = e.python_name(),
                how = if e.bom_len() > 0 { en::ENC_WITH_BOM } else { en::ENC_FROM_ZEROS }
            )),
        }
        if self.lone_surrogates > 0 {
            notes.push(msg!(en::NOTE_LONE_SURROGATES, count = self.lone_surrogates));
        }
        notes
    }
}

/// Why `json.loads(bytes)` would raise `UnicodeDecodeError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub encoding: Encoding,
    pub offset: usize,
    pub reason: &'static str,
}

impl From<&DecodeError> for crate::messages::Message {
    fn from(e: &DecodeError) -> Self {
        let reason = crate::messages::term(e.reason);
        msg!(en::JSON_DECODE, encoding = e.encoding.python_name(), offset = e.offset, reason = reason)
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::messages::Message::from(self).text)
    }
}

/// `bytes.decode(detect_encoding(b), 'surrogatepass')`.
pub fn decode_bytes(b: &[u8]) -> Result<Decoded, DecodeError> {
    let encoding = detect_encoding(b);
    let body = &b[encoding.bom_len()..];
    let mut lone = 0;
    let err = |offset, reason| DecodeError { encoding, offset, reason };
    let text = match encoding {
        Encoding::Utf8 | Encoding::Utf8Sig => {
            utf8_surrogatepass(body, &mut lone).map_err(|at| err(at + encoding.bom_len(), "invalid UTF-8 sequence"))?
        }
        Encoding::Utf16 { big_endian, .. } => {
            if !body.len().is_multiple_of(2) {
                return Err(err(b.len() - 1, "truncated data"));
            }
            let units = body.chunks_exact(2).map(|c| {
                if big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            });
            let mut s = String::with_capacity(body.len() / 2);
            for r in char::decode_utf16(units) {
                s.push(r.unwrap_or_else(|_| {
                    lone += 1;
                    '\u{FFFD}'
                }));
            }
            s
        }
        Encoding::Utf32 { big_endian, .. } => {
            if !body.len().is_multiple_of(4) {
                return Err(err(b.len() - body.len() % 4, "truncated data"));
            }
            let mut s = String::with_capacity(body.len() / 4);
            for (i, c) in body.chunks_exact(4).enumerate() {
                let c = [c[0], c[1], c[2], c[3]];
                let cp = if big_endian { u32::from_be_bytes(c) } else { u32::from_le_bytes(c) };
                match char::from_u32(cp) {
                    Some(ch) => s.push(ch),
                    // CPython's utf-32 'surrogatepass' lets surrogates through; never above U+10FFFF.
                    None if (0xD800..0xE000).contains(&cp) => {
                        lone += 1;
                        s.push('\u{FFFD}');
                    }
                    None => return Err(err(encoding.bom_len() + 4 * i, "code point not in range(0x110000)")),
                }
            }
            s
        }
    };
    Ok(Decoded { text, encoding, lone_surrogates: lone })
}

/// UTF-8 with Python's `surrogatepass`: an encoded surrogate (`ED A0..BF xx`) decodes
/// to that surrogate (U+FFFD here, counted). Err holds the offset of invalid bytes.
fn utf8_surrogatepass(mut b: &[u8], lone: &mut usize) -> Result<String, usize> {
    let mut out = String::with_capacity(b.len());
    let mut consumed = 0;
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                out.push_str(s);
                return Ok(out);
            }
            Err(e) => {
                let good = e.valid_up_to();
                out.push_str(std::str::from_utf8(&b[..good]).expect("validated prefix"));
                match b[good..] {
                    [0xED, 0xA0..=0xBF, 0x80..=0xBF, ..] => {
                        *lone += 1;
                        out.push('\u{FFFD}');
                        b = &b[good + 3..];
                        consumed += good + 3;
                    }
                    _ => return Err(consumed + good),
                }
            }
        }
    }
}

/// Does this file read as a JSON document that starts with `{`, `[` or `"`, in any
/// encoding `json.loads(bytes)` detects, after whitespace of any length? Reads the file
/// only as far as the first non-whitespace character, in chunks that start small (most
/// files answer in their first bytes) and double up to 64 KiB.
pub fn looks_like_json(src: &dyn ByteSource) -> bool {
    const MAX_CHUNK: u64 = 64 << 10;
    let mut chunk: u64 = 256;
    let len = src.len();
    let mut head = [0u8; 4];
    let n = len.min(4) as usize;
    if src.read_at(0, &mut head[..n]).is_err() {
        return false;
    }
    // detect_encoding looks at the length only to tell 2-byte inputs apart.
    let probe: &[u8] = if len >= 4 { &head } else { &head[..n] };
    let enc = detect_encoding(probe);
    let unit = enc.unit() as u64;
    let mut off = enc.bom_len() as u64;
    let mut buf = Vec::new();
    while off + unit <= len {
        let want = (chunk.min(len - off) / unit * unit) as usize;
        buf.resize(want.max(buf.len()), 0);
        chunk = (chunk * 2).min(MAX_CHUNK);
        if src.read_at(off, &mut buf[..want]).is_err() {
            return false;
        }
        for c in buf[..want].chunks_exact(unit as usize) {
            let cp = match c {
                [a] => *a as u32,
                [a, b] if enc.big_endian() => u16::from_be_bytes([*a, *b]) as u32,
                [a, b] => u16::from_le_bytes([*a, *b]) as u32,
                [a, b, c, d] if enc.big_endian() => u32::from_be_bytes([*a, *b, *c, *d]),
                [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
                _ => return false,
            };
            match cp {
                0x20 | 0x09 | 0x0A | 0x0D => continue,
                0x7B | 0x5B | 0x22 => return true, // { [ "
                _ => return false,
            }
        }
        off += want as u64;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str, codec: &str) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        match codec {
            "utf-16-le" => units.iter().flat_map(|u| u.to_le_bytes()).collect(),
            "utf-16-be" => units.iter().flat_map(|u| u.to_be_bytes()).collect(),
            "utf-32-le" => s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect(),
            "utf-32-be" => s.chars().flat_map(|c| (c as u32).to_be_bytes()).collect(),
            _ => s.as_bytes().to_vec(),
        }
    }

    #[test]
    fn detects_like_cpython() {
        // Each line: bytes → CPython's detect_encoding (checked with python3.11).
        for (b, name) in [
            (&b"\x00\x00\xfe\xff"[..], "utf-32"),
            (b"\xff\xfe\x00\x00", "utf-32"),
            (b"\xff\xfe[\x00", "utf-16"),
            (b"\xfe\xff\x00[", "utf-16"),
            (b"\xef\xbb\xbf[]", "utf-8-sig"),
            (b"\x00\x00\x00[", "utf-32-be"),
            (b"\x00[\x00]", "utf-16-be"),
            (b"[\x00\x00\x00", "utf-32-le"),
            (b"[\x00]\x00", "utf-16-le"),
            (b"[\x00\x00]", "utf-16-le"),
            (b"\x00[", "utf-16-be"),
            (b"[\x00", "utf-16-le"),
            (b"[\x00]", "utf-8"),
            (b"[1]", "utf-8"),
        ] {
            assert_eq!(detect_encoding(b).python_name(), name, "{b:?}");
        }
    }

    #[test]
    fn decodes_every_detected_encoding() {
        let s = "{\"a\": \"ã😀\"}";
        for codec in ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"] {
            let d = decode_bytes(&enc(s, codec)).unwrap();
            assert_eq!((d.text.as_str(), d.encoding.python_name()), (s, codec));
        }
        let mut bom16 = vec![0xff, 0xfe];
        bom16.extend(enc(s, "utf-16-le"));
        assert_eq!(decode_bytes(&bom16).unwrap().text, s);
        let mut bom32 = vec![0, 0, 0xfe, 0xff];
        bom32.extend(enc(s, "utf-32-be"));
        assert_eq!(decode_bytes(&bom32).unwrap().text, s);
        let d = decode_bytes(b"\xef\xbb\xbf{}").unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("{}", Encoding::Utf8Sig));
    }

    #[test]
    fn surrogatepass_and_errors() {
        let d = decode_bytes(b"\"\xed\xa0\x80x\"").unwrap();
        assert_eq!((d.text.as_str(), d.lone_surrogates), ("\"\u{FFFD}x\"", 1));
        assert_eq!(decode_bytes(b"[\"\xff\"]").unwrap_err().offset, 2);
        assert!(decode_bytes(b"[\x00]\x00\x00").is_err(), "odd UTF-16 length");
        assert!(decode_bytes(b"[\x00\x00\x00\x00\x00\x11\x00").is_err(), "above U+10FFFF");
    }

    #[test]
    fn sniffs_json_after_any_whitespace_in_any_encoding() {
        let long = " ".repeat(200_000) + "{\"a\": 1}";
        assert!(looks_like_json(&long.as_bytes().to_vec()));
        for codec in ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"] {
            assert!(looks_like_json(&enc(&long, codec)), "{codec}");
        }
        assert!(looks_like_json(&b"\xef\xbb\xbf\n[1]".to_vec()));
        assert!(looks_like_json(&b"\xff\xfe \x00{\x00}\x00".to_vec()));
        assert!(!looks_like_json(&b"   hello".to_vec()));
        assert!(!looks_like_json(&" ".repeat(100).into_bytes()));
        assert!(!looks_like_json(&Vec::new()));
    }
}
