//! The small subset of TOML a policy file uses, read strictly: tables (`[a.b]`), arrays of
//! tables (`[[a]]`), `key = value` with bare or quoted keys, and values that are strings
//! (basic and literal), integers, booleans, local dates (`2027-01-31`) and arrays of
//! those. Anything else (inline tables, floats, times, multi-line strings) is an error
//! that names its line and column, so a policy never means something other than it says.
//! Hand-written because a full TOML crate would cost the page's wasm more than the whole
//! policy feature.

use std::fmt;

use crate::messages::{en, phrase, term, Message};
use crate::msg;

/// A parsed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    /// A local date, `YYYY-MM-DD`.
    Date(String),
    Array(Vec<Value>),
    Table(Table),
}

impl Value {
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Bool(_) => "a boolean",
            Value::Date(_) => "a date",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// A table: keys in file order, each with the line it was defined on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub entries: Vec<(String, Value, Pos)>,
    /// Where its header is (`[[allow]]` entries are told apart by it); 0 when the table
    /// has no header of its own.
    pub pos: Pos,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _, _)| k == key).map(|(_, v, _)| v)
    }
    fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(k, _, _)| k == key).map(|(_, v, _)| v)
    }
}

/// A place in the file, 1-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// A syntax or structure error with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub pos: Pos,
    pub message: Message,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = msg!(en::POL_ERR_AT, line = self.pos.line, column = self.pos.column, detail = self.message);
        f.write_str(&m.text)
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
    line_start: usize,
    /// Arrays open around the value being read: `value` recurses into arrays, so a file
    /// of `[[[[…` must not reach the stack's end (a policy uses flat arrays).
    depth: usize,
}

/// Deepest array nesting read; deeper is an error.
const MAX_ARRAY_DEPTH: usize = 8;

/// Parses a whole document into its root table.
pub fn parse(text: &str) -> Result<Table, Error> {
    let mut p = Parser { s: text.as_bytes(), i: 0, line: 1, line_start: 0, depth: 0 };
    let mut root = Table::default();
    // The path of the table that `key = value` lines go to.
    let mut current: Vec<PathStep> = Vec::new();
    loop {
        p.skip_ws_comments_newlines()?;
        if p.i >= p.s.len() {
            return Ok(root);
        }
        let pos = p.pos();
        if p.peek() == Some(b'[') {
            let array = p.s.get(p.i + 1) == Some(&b'[');
            p.i += if array { 2 } else { 1 };
            p.skip_inline_ws();
            let keys = p.dotted_key()?;
            p.skip_inline_ws();
            let close: &[u8] = if array { b"]]" } else { b"]" };
            if !p.s[p.i..].starts_with(close) {
                let close = format!("{:?}", String::from_utf8_lossy(close));
                return Err(p.err(msg!(en::POL_ERR_CLOSE_HEADER, close = close)));
            }
            p.i += close.len();
            p.end_of_line()?;
            current = open_table(&mut root, &keys, array, pos)?;
        } else {
            let keys = p.dotted_key()?;
            p.skip_inline_ws();
            if p.peek() != Some(b'=') {
                return Err(p.err(msg!(en::POL_ERR_EQUALS, key = format!("{:?}", keys.join(".")))));
            }
            p.i += 1;
            p.skip_inline_ws();
            let value = p.value()?;
            p.end_of_line()?;
            let table = resolve(&mut root, &current);
            insert(table, &keys, value, pos)?;
        }
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    /// The last element of an array of tables under this key.
    Last(String),
}

fn resolve<'t>(root: &'t mut Table, path: &[PathStep]) -> &'t mut Table {
    let mut t = root;
    for step in path {
        t = match step {
            PathStep::Key(k) => match t.get_mut(k) {
                Some(Value::Table(next)) => next,
                _ => unreachable!("open_table created every step"),
            },
            PathStep::Last(k) => match t.get_mut(k) {
                Some(Value::Array(items)) => match items.last_mut() {
                    Some(Value::Table(next)) => next,
                    _ => unreachable!("open_table pushed a table"),
                },
                _ => unreachable!("open_table created the array"),
            },
        };
    }
    t
}

fn open_table(root: &mut Table, keys: &[String], array: bool, pos: Pos) -> Result<Vec<PathStep>, Error> {
    let mut path = Vec::new();
    let mut t: &mut Table = root;
    let header = keys.join(".");
    for (n, k) in keys.iter().enumerate() {
        let last = n + 1 == keys.len();
        let idx = match t.entries.iter().position(|(key, _, _)| key == k) {
            Some(i) => i,
            None => {
                let v = if last && array { Value::Array(Vec::new()) } else { Value::Table(Table::default()) };
                t.entries.push((k.clone(), v, pos));
                t.entries.len() - 1
            }
        };
        t = match &mut t.entries[idx].1 {
            Value::Array(items) => {
                if last && !array {
                    return Err(Error { pos, message: msg!(en::POL_ERR_ARRAY_OF_TABLES, header = &header) });
                }
                if last {
                    items.push(Value::Table(Table { entries: Vec::new(), pos }));
                }
                path.push(PathStep::Last(k.clone()));
                match items.last_mut() {
                    Some(Value::Table(next)) => next,
                    _ => return Err(Error { pos, message: msg!(en::POL_ERR_NOT_TABLE, key = format!("{k:?}")) }),
                }
            }
            Value::Table(next) => {
                if last && (array || next_is_explicit(next)) {
                    return Err(Error { pos, message: msg!(en::POL_ERR_TABLE_TWICE, header = &header) });
                }
                path.push(PathStep::Key(k.clone()));
                next
            }
            other => {
                let header = format!("{header:?}");
                return Err(Error {
                    pos,
                    message: msg!(en::POL_ERR_ALREADY, header = header, kind = term(other.kind())),
                });
            }
        };
    }
    Ok(path)
}

// A table that already holds plain values was opened by its own header (or by dotted
// keys): opening it again is a redefinition, as TOML says.
fn next_is_explicit(t: &Table) -> bool {
    t.entries.iter().any(|(_, v, _)| !matches!(v, Value::Table(_) | Value::Array(_)))
}

fn insert(t: &mut Table, keys: &[String], value: Value, pos: Pos) -> Result<(), Error> {
    let (last, parents) = keys.split_last().expect("a key has at least one part");
    let mut t = t;
    for k in parents {
        if t.get(k).is_none() {
            t.entries.push((k.clone(), Value::Table(Table::default()), pos));
        }
        t = match t.get_mut(k) {
            Some(Value::Table(next)) => next,
            _ => return Err(Error { pos, message: msg!(en::POL_ERR_NOT_TABLE, key = format!("{k:?}")) }),
        };
    }
    if t.get(last).is_some() {
        return Err(Error { pos, message: msg!(en::POL_ERR_KEY_TWICE, key = format!("{:?}", keys.join("."))) });
    }
    t.entries.push((last.clone(), value, pos));
    Ok(())
}

impl Parser<'_> {
    fn pos(&self) -> Pos {
        let col = String::from_utf8_lossy(&self.s[self.line_start..self.i.min(self.s.len())]).chars().count() + 1;
        Pos { line: self.line, column: col }
    }
    fn err(&self, message: Message) -> Error {
        Error { pos: self.pos(), message }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn skip_inline_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn newline(&mut self) -> bool {
        match self.peek() {
            Some(b'\n') => {
                self.i += 1;
            }
            Some(b'\r') if self.s.get(self.i + 1) == Some(&b'\n') => {
                self.i += 2;
            }
            _ => return false,
        }
        self.line += 1;
        self.line_start = self.i;
        true
    }
    fn skip_comment(&mut self) -> Result<(), Error> {
        if self.peek() == Some(b'#') {
            while let Some(c) = self.peek() {
                if c == b'\n' || c == b'\r' {
                    break;
                }
                if c < 0x20 && c != b'\t' || c == 0x7f {
                    return Err(self.err(phrase("control character in a comment")));
                }
                self.i += 1;
            }
        }
        Ok(())
    }
    fn skip_ws_comments_newlines(&mut self) -> Result<(), Error> {
        loop {
            self.skip_inline_ws();
            self.skip_comment()?;
            if !self.newline() {
                return Ok(());
            }
        }
    }
    fn end_of_line(&mut self) -> Result<(), Error> {
        self.skip_inline_ws();
        self.skip_comment()?;
        if self.i >= self.s.len() || self.newline() {
            Ok(())
        } else {
            Err(self.err(phrase("expected the end of the line")))
        }
    }
    fn dotted_key(&mut self) -> Result<Vec<String>, Error> {
        let mut keys = vec![self.simple_key()?];
        loop {
            self.skip_inline_ws();
            if self.peek() != Some(b'.') {
                return Ok(keys);
            }
            self.i += 1;
            self.skip_inline_ws();
            keys.push(self.simple_key()?);
        }
    }
    fn simple_key(&mut self) -> Result<String, Error> {
        match self.peek() {
            Some(b'"') => self.basic_string(),
            Some(b'\'') => self.literal_string(),
            _ => {
                let start = self.i;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                    self.i += 1;
                }
                if start == self.i {
                    return Err(self.err(phrase("expected a key")));
                }
                Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
            }
        }
    }
    fn basic_string(&mut self) -> Result<String, Error> {
        if self.s[self.i..].starts_with(b"\"\"\"") {
            return Err(self.err(phrase("multi-line strings are not supported in a policy")));
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else { return Err(self.err(phrase("unterminated string"))) };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else { return Err(self.err(phrase("unterminated string"))) };
                    self.i += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' | b'U' => {
                            let n = if e == b'u' { 4 } else { 8 };
                            let hex = self
                                .s
                                .get(self.i..self.i + n)
                                .ok_or_else(|| self.err(phrase("short unicode escape")))?;
                            let cp = std::str::from_utf8(hex)
                                .ok()
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .and_then(char::from_u32)
                                .ok_or_else(|| self.err(phrase("invalid unicode escape")))?;
                            self.i += n;
                            let mut b = [0u8; 4];
                            out.extend_from_slice(cp.encode_utf8(&mut b).as_bytes());
                        }
                        _ => return Err(self.err(msg!(en::POL_ERR_ESCAPE, char = (e as char).to_string()))),
                    }
                }
                b'\n' | b'\r' => return Err(self.err(phrase("newline in a string"))),
                c if c < 0x20 && c != b'\t' => return Err(self.err(phrase("control character in a string"))),
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| self.err(phrase("string is not UTF-8")))
    }
    fn literal_string(&mut self) -> Result<String, Error> {
        if self.s[self.i..].starts_with(b"'''") {
            return Err(self.err(phrase("multi-line strings are not supported in a policy")));
        }
        self.i += 1;
        let start = self.i;
        loop {
            match self.peek() {
                None | Some(b'\n' | b'\r') => return Err(self.err(phrase("unterminated string"))),
                Some(b'\'') => break,
                Some(_) => self.i += 1,
            }
        }
        let s =
            String::from_utf8(self.s[start..self.i].to_vec()).map_err(|_| self.err(phrase("string is not UTF-8")))?;
        self.i += 1;
        Ok(s)
    }
    /// The items of an array whose `[` was just read, up to and including its `]`.
    fn array_items(&mut self) -> Result<Vec<Value>, Error> {
        let mut items = Vec::new();
        loop {
            self.skip_ws_comments_newlines()?;
            if self.peek() == Some(b']') {
                self.i += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            self.skip_ws_comments_newlines()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                _ => return Err(self.err(phrase("expected ',' or ']' in an array"))),
            }
        }
    }

    fn value(&mut self) -> Result<Value, Error> {
        match self.peek() {
            Some(b'"') => self.basic_string().map(Value::Str),
            Some(b'\'') => self.literal_string().map(Value::Str),
            Some(b'[') => {
                if self.depth >= MAX_ARRAY_DEPTH {
                    return Err(self.err(msg!(en::POL_ERR_ARRAYS_DEEP, max = MAX_ARRAY_DEPTH)));
                }
                self.i += 1;
                self.depth += 1;
                let items = self.array_items();
                self.depth -= 1;
                items.map(Value::Array)
            }
            Some(b'{') => Err(self.err(phrase("inline tables are not supported in a policy; use a [table]"))),
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Value::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Value::Bool(false))
            }
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => {
                let start = self.i;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'_' | b':' | b'.'))
                {
                    self.i += 1;
                }
                let tok = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                if is_date(tok) {
                    return Ok(Value::Date(tok.to_string()));
                }
                let digits: String = tok.chars().filter(|&c| c != '_').collect();
                if !tok.contains("__") && !tok.starts_with('_') && !tok.ends_with('_') {
                    if let Ok(n) = digits.parse::<i64>() {
                        return Ok(Value::Int(n));
                    }
                }
                self.i = start;
                Err(self.err(msg!(en::POL_ERR_UNSUPPORTED_VALUE, value = format!("{tok:?}"))))
            }
            _ => Err(self.err(phrase("expected a value (strings need quotes)"))),
        }
    }
}

/// `YYYY-MM-DD` with a real month and day.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok().filter(|_| b.iter().all(|_| true));
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    if !s[0..4].bytes().chain(s[5..7].bytes()).chain(s[8..10].bytes()).all(|c| c.is_ascii_digit()) {
        return false;
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&m) && d >= 1 && d <= days[(m - 1) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_arrays_and_values() {
        let t = parse(
            "version = 1 # a comment\n[actions]\ncritical = \"block\"\n\"PAIT-KERAS-100\" = 'warn'\n\n[[allow]]\nsha256 = \"ab\"\nexpires = 2027-02-28\n[[allow]]\nreason = \"x\\u00e9\"\n[trust]\nmodules = [\n  \"acme\", # ours\n  \"b.c\",\n]\nflag = true\n",
        )
        .unwrap();
        assert_eq!(t.get("version"), Some(&Value::Int(1)));
        let Some(Value::Table(a)) = t.get("actions") else { panic!() };
        assert_eq!(a.get("PAIT-KERAS-100"), Some(&Value::Str("warn".into())));
        let Some(Value::Array(allow)) = t.get("allow") else { panic!() };
        assert_eq!(allow.len(), 2);
        let Value::Table(first) = &allow[0] else { panic!() };
        assert_eq!(first.get("expires"), Some(&Value::Date("2027-02-28".into())));
        let Value::Table(second) = &allow[1] else { panic!() };
        assert_eq!(second.get("reason"), Some(&Value::Str("xé".into())));
        let Some(Value::Table(trust)) = t.get("trust") else { panic!() };
        assert_eq!(
            trust.get("modules"),
            Some(&Value::Array(vec![Value::Str("acme".into()), Value::Str("b.c".into())]))
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("version = 1\n[actions]\ncritical = block\n").unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (3, 12), "{e}");
        let e = parse("a = 1\na = 2\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.message.text.contains("twice"), "{e}");
        let e = parse("[t]\nx = 1\n[t]\n").unwrap_err();
        assert!(e.message.text.contains("twice"), "{e}");
        for bad in
            ["x = {a = 1}", "x = 1.5", "x = \"\"\"a\"\"\"", "x = \"open", "x = 1 y", "[x", "x = 2027-02-30", "= 1"]
        {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn deep_arrays_are_an_error_not_a_stack_overflow() {
        let deep = format!("x = {}{}\n", "[".repeat(1_000_000), "]".repeat(1_000_000));
        let e = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || parse(&deep).unwrap_err())
            .unwrap()
            .join()
            .unwrap();
        assert!(e.message.text.contains("nested deeper"), "{e}");
        assert!(parse("x = [[[\"a\"]]]\n").is_ok());
    }

    #[test]
    fn dates() {
        assert!(is_date("2024-02-29") && !is_date("2023-02-29") && !is_date("2024-13-01") && !is_date("2024-1-01"));
    }
}
