//! The CLI's JSON text: serde_json's pretty layout (two-space indent), except that each
//! report message (`{id, args, text}`: a finding's `title`, an error's `message`, each
//! item of `notes` and `categories`) is written on one line. A message spread over ten
//! indented lines made a report of many notes a third larger than its content.

use serde::Serialize;
use serde_json::ser::Formatter;
use std::io::{self, Write};

/// Keys whose object value is written on one line.
const ONE_LINE_VALUE: &[&[u8]] = &[b"title", b"message"];
/// Keys whose array's object items are written one per line.
const ONE_LINE_ITEMS: &[&[u8]] = &[b"notes", b"categories"];

/// `value` as the CLI writes JSON (the same document as `serde_json::to_string_pretty`);
/// the tests' reference for the streamed report.
#[cfg(test)]
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    write_nested(value, 0, &mut out)?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// Appends `value` to `out` laid out as it is when nested `depth` levels deep in a
/// document: every line after the first indented by `depth` more levels (the first line
/// is where the caller puts it). The streamed report writes each file this way instead of
/// re-indenting a copy line by line.
pub fn write_nested<T: Serialize + ?Sized>(value: &T, depth: usize, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let layout = Layout { indent: depth, ..Layout::default() };
    value.serialize(&mut serde_json::Serializer::with_formatter(out, layout))
}

#[derive(Default)]
struct Layout {
    indent: usize,
    has_value: bool,
    /// The object key being written, and whether a key is being written.
    key: Vec<u8>,
    in_key: bool,
    /// The next object starts a one-line region.
    one_line_next: bool,
    /// Per open pretty array: whether its object items are one-line.
    items_one_line: Vec<bool>,
    /// Nesting inside a one-line region (0: not in one).
    one_line: usize,
}

impl Layout {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        const SPACES: &[u8; 64] = &[b' '; 64];
        w.write_all(b"\n")?;
        let mut left = self.indent * 2;
        while left > 0 {
            let n = left.min(SPACES.len());
            w.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }
    fn begin<W: ?Sized + Write>(&mut self, w: &mut W, open: &[u8], items_one_line: Option<bool>) -> io::Result<()> {
        if self.one_line > 0 || std::mem::take(&mut self.one_line_next) && items_one_line.is_none() {
            self.one_line += 1;
        } else {
            self.indent += 1;
            self.has_value = false;
            if let Some(items) = items_one_line {
                self.items_one_line.push(items);
            }
        }
        w.write_all(open)
    }
    fn end<W: ?Sized + Write>(&mut self, w: &mut W, close: &[u8], array: bool) -> io::Result<()> {
        if self.one_line > 0 {
            self.one_line -= 1;
        } else {
            self.indent -= 1;
            if array {
                self.items_one_line.pop();
            }
            if self.has_value {
                self.newline(w)?;
            }
        }
        w.write_all(close)
    }
    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.one_line > 0 {
            return w.write_all(if first { b"" } else { b", " });
        }
        w.write_all(if first { b"" } else { b"," })?;
        self.newline(w)
    }
}

impl Formatter for Layout {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let items = ONE_LINE_ITEMS.contains(&self.key.as_slice());
        self.begin(w, b"[", Some(items))
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]", true)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)?;
        self.key.clear();
        if self.one_line == 0 {
            self.one_line_next = self.items_one_line.last().copied().unwrap_or(false);
        }
        Ok(())
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.one_line_next = false;
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"{", None)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"}", false)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)?;
        self.key.clear();
        self.in_key = true;
        Ok(())
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.in_key = false;
        Ok(())
    }
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        if self.in_key {
            self.key.extend_from_slice(fragment.as_bytes());
        }
        w.write_all(fragment.as_bytes())
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.one_line == 0 {
            self.one_line_next = ONE_LINE_VALUE.contains(&self.key.as_slice());
        }
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.one_line_next = false;
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn messages_are_one_line_and_the_document_is_unchanged() {
        let m = json!({"id": "note.category", "args": {"category": {"id": "category.network"}, "what": "x"}, "text": "network: x"});
        let doc = json!({
            "files": [{"title": m, "evidence": {"notes": [m, m], "categories": [], "calls": ["a", "b"]},
                       "errors": [{"location": "l", "message": m}], "rules": {"X": {"title": "t", "cves": []}}}],
            "empty": {}, "list": [[1, 2], {"a": [3]}],
        });
        let text = to_string(&doc).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), doc);
        let one_line = serde_json::to_string(&m).unwrap().replace(",\"", ", \"").replace("\":", "\": ");
        assert_eq!(text.matches(&one_line).count(), 4, "{text}");
        // Everything else as serde_json's pretty printer lays it out.
        let without = json!({"a": [1, {"b": []}], "c": {}, "d": {"e": "f"}, "title": "plain"});
        assert_eq!(to_string(&without).unwrap(), serde_json::to_string_pretty(&without).unwrap());
    }
}
