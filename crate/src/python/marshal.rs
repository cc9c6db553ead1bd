//! Reader for CPython's `marshal` format, Python 2.7 and 3.0 – 3.15, without a magic
//! number (python-code-objects.md §2 – §3).
//!
//! The caller chooses the code-object [`Layout`]; [`parse`] reads exactly one object and
//! requires the input to end right after it. Every length is checked against the
//! remaining input before anything is allocated, recursion and object counts are
//! bounded, references to unfinished containers are rejected, and nothing panics.

use crate::messages::{en, Message};
use crate::msg;
use std::rc::Rc;

/// Field order of a code object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Python 2.3 – 2.7.
    L27,
    /// Python 3.0 – 3.7.
    L30,
    /// Python 3.8 – 3.10 (adds posonlyargcount).
    L38,
    /// Python 3.11 – 3.15 (localsplus, qualname, exception table).
    L311,
}

/// A marshalled value. Cheap to clone: shared parts are reference counted, so a
/// back-reference never copies (no "billion laughs" through `r`).
#[derive(Debug, Clone, PartialEq)]
pub enum Obj {
    None,
    False,
    True,
    StopIteration,
    Ellipsis,
    Int(i128),
    /// An integer too large for i128: sign and base-2^15 digits, least significant first.
    BigInt(bool, Rc<[u16]>),
    Float(f64),
    Complex(f64, f64),
    Bytes(Rc<[u8]>),
    Str(Rc<str>),
    Tuple(Rc<[Obj]>),
    List(Rc<[Obj]>),
    Set(Rc<[Obj]>),
    FrozenSet(Rc<[Obj]>),
    Dict(Rc<[(Obj, Obj)]>),
    FrozenDict(Rc<[(Obj, Obj)]>),
    Slice(Rc<[Obj; 3]>),
    Code(Rc<Code>),
}

impl Obj {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Obj::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A name: a `str`, or (Python 2) a byte string.
    pub fn as_name(&self) -> Option<String> {
        match self {
            Obj::Str(s) => Some(s.to_string()),
            Obj::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Obj::Bytes(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_tuple(&self) -> Option<&[Obj]> {
        match self {
            Obj::Tuple(t) => Some(t),
            _ => None,
        }
    }
}

/// A code object, normalised across layouts.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    pub layout: Layout,
    pub argcount: u32,
    pub posonlyargcount: u32,
    pub kwonlyargcount: u32,
    pub nlocals: u32,
    pub stacksize: u32,
    pub flags: u32,
    pub code: Rc<[u8]>,
    /// Where the `co_code` bytes start in the marshal stream (for error positions).
    pub code_offset: usize,
    pub consts: Vec<Obj>,
    pub names: Vec<String>,
    /// Local variables, parameters first (derived from localsplus for L311).
    pub varnames: Vec<String>,
    pub freevars: Vec<String>,
    pub cellvars: Vec<String>,
    /// L311 only: the names `LOAD_FAST`/`LOAD_DEREF` index, and their kind bytes.
    pub localsplusnames: Vec<String>,
    pub localspluskinds: Vec<u8>,
    pub filename: String,
    pub name: String,
    pub qualname: String,
    pub firstlineno: i64,
    /// lnotab (<= 3.9) or linetable (3.10+).
    pub linetable: Rc<[u8]>,
    pub exceptiontable: Rc<[u8]>,
}

impl Code {
    /// The code objects directly among the constants (nested lambdas, comprehensions).
    /// Only one level: to visit every code object of a function use [`Code::graph`],
    /// which is linear even when `r` references share code objects.
    pub fn nested(&self) -> impl Iterator<Item = &Rc<Code>> {
        self.consts.iter().filter_map(|c| match c {
            Obj::Code(c) => Some(c),
            _ => None,
        })
    }

    /// Every code object reachable from `self` through its constants, each exactly once.
    ///
    /// Marshal `r` references let one code object (or one constant tuple) appear many
    /// times: a code whose `co_consts` holds the same child twice, 40 levels deep, is
    /// 2^40 code objects as a tree but 41 as a graph. This walk remembers what it has
    /// seen by `Rc` pointer (code objects *and* constant containers, which can be shared
    /// the same way), so its work is linear in the distinct objects of the stream.
    /// Code objects nested inside constant tuples, sets or dicts are found too.
    ///
    /// Order: topological (a code object comes before every code object it holds; the
    /// root first). At most `max_codes` are returned; `capped` then says the rest were
    /// not visited, and the caller must report the limit.
    pub fn graph(self: &Rc<Self>, max_codes: usize) -> CodeGraph {
        let mut g = GraphWalk::default();
        g.seen_codes.insert(Rc::as_ptr(self));
        // Iterative depth-first walk; the reverse of the finishing order is topological.
        let mut stack: Vec<(Rc<Code>, Vec<Rc<Code>>)> = vec![(self.clone(), g.children(self))];
        let mut finished: Vec<Rc<Code>> = Vec::new();
        let mut capped = false;
        while let Some((_, todo)) = stack.last_mut() {
            match todo.pop() {
                Some(child) => {
                    if g.seen_codes.contains(&Rc::as_ptr(&child)) {
                        continue;
                    }
                    if g.seen_codes.len() >= max_codes {
                        capped = true;
                        continue;
                    }
                    if g.seen_codes.insert(Rc::as_ptr(&child)) {
                        let grandchildren = g.children(&child);
                        stack.push((child, grandchildren));
                    }
                }
                None => {
                    if let Some((done, _)) = stack.pop() {
                        finished.push(done);
                    }
                }
            }
        }
        finished.reverse();
        CodeGraph { codes: finished, work: g.work, capped }
    }
    /// Number of positional parameters.
    pub fn positional(&self) -> usize {
        self.argcount as usize
    }
}

/// The result of [`Code::graph`].
#[derive(Debug, Clone)]
pub struct CodeGraph {
    /// Distinct code objects, root first, each before the code objects it holds.
    pub codes: Vec<Rc<Code>>,
    /// Constants and edges examined: the walk's cost, linear in the stream's objects.
    pub work: usize,
    /// `max_codes` was reached: some code objects were not visited.
    pub capped: bool,
}

/// State of one graph walk: what was already seen, by pointer.
#[derive(Default)]
struct GraphWalk {
    seen_codes: std::collections::HashSet<*const Code>,
    seen_containers: std::collections::HashSet<*const ()>,
    work: usize,
}

impl GraphWalk {
    /// The code objects held by `code`'s constants, at any container depth, skipping
    /// containers already walked (from this or another code object).
    fn children(&mut self, code: &Code) -> Vec<Rc<Code>> {
        let mut out = Vec::new();
        let mut todo: Vec<&Obj> = code.consts.iter().rev().collect();
        while let Some(o) = todo.pop() {
            self.work += 1;
            let items: &[Obj] = match o {
                Obj::Code(c) => {
                    out.push(c.clone());
                    continue;
                }
                Obj::Tuple(t) | Obj::List(t) | Obj::Set(t) | Obj::FrozenSet(t) => t,
                Obj::Slice(s) => &s[..],
                Obj::Dict(d) | Obj::FrozenDict(d) => {
                    if self.seen_containers.insert(d.as_ptr() as *const ()) {
                        for (k, v) in d.iter().rev() {
                            todo.push(v);
                            todo.push(k);
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            if self.seen_containers.insert(items.as_ptr() as *const ()) {
                todo.extend(items.iter().rev());
            }
        }
        // Popped from the end by the walk: keep constant order when visiting.
        out.reverse();
        out
    }
}

/// Why a stream is not a valid marshal dump for the chosen layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarshalError {
    pub offset: usize,
    /// Boxed: the parser returns `Result<_, MarshalError>` from every read.
    pub message: Box<Message>,
}

impl From<&MarshalError> for Message {
    fn from(e: &MarshalError) -> Message {
        msg!(en::PY_MARSHAL_ERROR, offset = e.offset, detail = *e.message)
    }
}

impl std::fmt::Display for MarshalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Message::from(self).text)
    }
}

/// Bounds for one parse.
#[derive(Debug, Clone, Copy)]
pub struct MarshalLimits {
    pub max_depth: usize,
    pub max_objects: usize,
    pub max_code_objects: usize,
}

impl MarshalLimits {
    /// The marshal bounds of the scan's [`Limits`](crate::limits::Limits).
    pub fn from_limits(l: &crate::limits::Limits) -> Self {
        MarshalLimits {
            max_depth: l.max_marshal_depth,
            max_objects: l.max_marshal_objects,
            max_code_objects: l.max_code_objects,
        }
    }
}

impl Default for MarshalLimits {
    fn default() -> Self {
        // The defaults live (and are documented) in `Limits`.
        Self::from_limits(&crate::limits::Limits::default())
    }
}

/// Format features seen while parsing, used by version inference (§7.2 step 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Features {
    /// FLAG_REF or `r` (marshal v3+, Python 3.4+).
    pub refs: bool,
    /// `a A z Z )` (marshal v4, Python 3.4+).
    pub v4_types: bool,
    /// `R` (Python 2 only).
    pub string_refs: bool,
    /// `:` SLICE (3.14+).
    pub slice: bool,
    /// `}` FROZENDICT (3.15+).
    pub frozendict: bool,
    /// `I` INT64 (written by Python 2 only).
    pub int64: bool,
}

/// A successful parse.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub root: Obj,
    pub features: Features,
    pub objects: usize,
}

/// Parses one complete marshal stream with code objects in `layout`.
pub fn parse(data: &[u8], layout: Layout, limits: &MarshalLimits) -> Result<Parsed, MarshalError> {
    let mut r = Reader {
        data,
        pos: 0,
        layout,
        limits: *limits,
        refs: Vec::new(),
        strings: Vec::new(),
        depth: 0,
        objects: 0,
        codes: 0,
        features: Features::default(),
    };
    let root = r.object()?;
    if r.pos != data.len() {
        return Err(r.err(msg!(en::PY_TRAILING, count = data.len() - r.pos)));
    }
    Ok(Parsed { root, features: r.features, objects: r.objects })
}

/// Parses and requires the root to be a code object.
pub fn parse_code(data: &[u8], layout: Layout, limits: &MarshalLimits) -> Result<(Rc<Code>, Features), MarshalError> {
    let p = parse(data, layout, limits)?;
    match p.root {
        Obj::Code(c) => Ok((c, p.features)),
        _ => Err(MarshalError { offset: 0, message: Box::new(msg!(en::PY_NOT_CODE)) }),
    }
}

const FLAG_REF: u8 = 0x80;

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    layout: Layout,
    limits: MarshalLimits,
    /// Reference table; `None` marks a slot reserved by an unfinished object.
    refs: Vec<Option<Obj>>,
    /// Python 2 interned strings (`t`), for `R`.
    strings: Vec<Rc<str>>,
    depth: usize,
    objects: usize,
    codes: usize,
    features: Features,
}

impl Reader<'_> {
    fn err(&self, message: Message) -> MarshalError {
        MarshalError { offset: self.pos, message: Box::new(message) }
    }
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    fn take(&mut self, n: usize) -> Result<&[u8], MarshalError> {
        if n > self.remaining() {
            return Err(self.err(msg!(en::PY_NEEDS, count = n, left = self.remaining())));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, MarshalError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, MarshalError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&mut self) -> Result<i32, MarshalError> {
        Ok(self.u32()? as i32)
    }
    /// A length or count, each item needing at least `min_item` bytes.
    fn len(&mut self, long: bool, min_item: usize) -> Result<usize, MarshalError> {
        let n = if long {
            let n = self.i32()?;
            if n < 0 {
                return Err(self.err(msg!(en::PY_NEGATIVE_SIZE)));
            }
            n as usize
        } else {
            self.u8()? as usize
        };
        if n.saturating_mul(min_item) > self.remaining() {
            return Err(self.err(msg!(en::PY_SIZE_EXCEEDS, size = n, left = self.remaining())));
        }
        Ok(n)
    }

    fn reserve(&mut self, flag: bool) -> Option<usize> {
        if flag {
            self.refs.push(None);
            Some(self.refs.len() - 1)
        } else {
            None
        }
    }
    fn fill(&mut self, slot: Option<usize>, o: &Obj) {
        if let Some(i) = slot {
            self.refs[i] = Some(o.clone());
        }
    }

    fn object(&mut self) -> Result<Obj, MarshalError> {
        if self.depth >= self.limits.max_depth {
            return Err(self.err(msg!(en::PY_NESTING, max = self.limits.max_depth)));
        }
        self.objects += 1;
        if self.objects > self.limits.max_objects {
            return Err(self.err(msg!(en::PY_OBJECTS, max = self.limits.max_objects)));
        }
        self.depth += 1;
        let r = self.object_inner();
        self.depth -= 1;
        r
    }

    fn object_inner(&mut self) -> Result<Obj, MarshalError> {
        let start = self.pos;
        let byte = self.u8()?;
        let flag = byte & FLAG_REF != 0;
        let ty = byte & !FLAG_REF;
        if flag {
            if self.layout == Layout::L27 {
                return Err(MarshalError { offset: start, message: Box::new(msg!(en::PY_FLAG_REF_PY2)) });
            }
            self.features.refs = true;
        }
        // Recursive kinds live in small functions so deep nesting uses little stack.
        match ty {
            b'(' | b')' | b'[' | b'<' | b'>' => self.sequence(start, ty, flag),
            b'{' | b'}' => self.dict(start, ty, flag),
            b':' => self.slice(start, flag),
            b'c' => self.code_obj(flag),
            _ => self.leaf(start, ty, flag),
        }
    }

    #[inline(never)]
    fn sequence(&mut self, start: usize, ty: u8, flag: bool) -> Result<Obj, MarshalError> {
        if ty == b')' {
            self.v4(start)?;
        }
        let n = self.len(ty != b')', 1)?;
        let slot = self.reserve(flag);
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.object()?);
        }
        let items: Rc<[Obj]> = items.into();
        let o = match ty {
            b'(' | b')' => Obj::Tuple(items),
            b'[' => Obj::List(items),
            b'<' => Obj::Set(items),
            _ => Obj::FrozenSet(items),
        };
        self.fill(slot, &o);
        Ok(o)
    }

    #[inline(never)]
    fn dict(&mut self, start: usize, ty: u8, flag: bool) -> Result<Obj, MarshalError> {
        if ty == b'}' {
            if self.layout == Layout::L27 {
                return Err(MarshalError { offset: start, message: Box::new(msg!(en::PY_FROZENDICT_PY2)) });
            }
            self.features.frozendict = true;
        }
        let slot = self.reserve(flag);
        let mut items = Vec::new();
        loop {
            if self.remaining() == 0 {
                return Err(self.err(msg!(en::PY_UNTERMINATED_DICT)));
            }
            if self.data[self.pos] == b'0' {
                self.pos += 1;
                break;
            }
            let k = self.object()?;
            let v = self.object()?;
            items.push((k, v));
        }
        let items: Rc<[(Obj, Obj)]> = items.into();
        let o = if ty == b'{' { Obj::Dict(items) } else { Obj::FrozenDict(items) };
        self.fill(slot, &o);
        Ok(o)
    }

    #[inline(never)]
    fn slice(&mut self, start: usize, flag: bool) -> Result<Obj, MarshalError> {
        if self.layout == Layout::L27 {
            return Err(MarshalError { offset: start, message: Box::new(msg!(en::PY_SLICE_PY2)) });
        }
        self.features.slice = true;
        let slot = self.reserve(flag);
        let a = self.object()?;
        let b = self.object()?;
        let c = self.object()?;
        let o = Obj::Slice(Rc::new([a, b, c]));
        self.fill(slot, &o);
        Ok(o)
    }

    #[inline(never)]
    fn code_obj(&mut self, flag: bool) -> Result<Obj, MarshalError> {
        self.codes += 1;
        if self.codes > self.limits.max_code_objects {
            return Err(self.err(msg!(en::PY_CODE_OBJECTS, max = self.limits.max_code_objects)));
        }
        let slot = self.reserve(flag);
        let code = self.code()?;
        let o = Obj::Code(Rc::new(code));
        self.fill(slot, &o);
        Ok(o)
    }

    /// Non-recursive values (never on the stack during recursion).
    #[inline(never)]
    fn leaf(&mut self, start: usize, ty: u8, flag: bool) -> Result<Obj, MarshalError> {
        let py2 = self.layout == Layout::L27;
        let o = match ty {
            b'0' => return Err(MarshalError { offset: start, message: Box::new(msg!(en::PY_NULL_OUTSIDE)) }),
            b'N' | b'F' | b'T' | b'S' | b'.' => {
                // Singletons: CPython never refs them, but a flagged one still takes a slot.
                let o = match ty {
                    b'N' => Obj::None,
                    b'F' => Obj::False,
                    b'T' => Obj::True,
                    b'S' => Obj::StopIteration,
                    _ => Obj::Ellipsis,
                };
                let slot = self.reserve(flag);
                self.fill(slot, &o);
                o
            }
            b'i' => {
                let v = self.i32()?;
                self.scalar(flag, Obj::Int(v as i128))
            }
            b'I' => {
                self.features.int64 = true;
                let b = self.take(8)?;
                let v = i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                self.scalar(flag, Obj::Int(v as i128))
            }
            b'l' => {
                let n = self.i32()?;
                let count = n.unsigned_abs() as usize;
                if count.saturating_mul(2) > self.remaining() {
                    return Err(self.err(msg!(en::PY_LONG_COUNT)));
                }
                let mut digits = Vec::with_capacity(count);
                for _ in 0..count {
                    let b = self.take(2)?;
                    let d = u16::from_le_bytes([b[0], b[1]]);
                    if d >= 1 << 15 {
                        return Err(self.err(msg!(en::PY_LONG_RANGE)));
                    }
                    digits.push(d);
                }
                if count > 0 && digits[count - 1] == 0 {
                    return Err(self.err(msg!(en::PY_LONG_ZERO)));
                }
                let o = long_to_obj(n < 0, digits);
                self.scalar(flag, o)
            }
            b'f' => {
                let v = self.ascii_float()?;
                self.scalar(flag, Obj::Float(v))
            }
            b'x' => {
                let re = self.ascii_float()?;
                let im = self.ascii_float()?;
                self.scalar(flag, Obj::Complex(re, im))
            }
            b'g' => {
                let b = self.take(8)?;
                let v = f64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
                self.scalar(flag, Obj::Float(v))
            }
            b'y' => {
                let b = self.take(16)?;
                let re = f64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
                let im = f64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8]));
                self.scalar(flag, Obj::Complex(re, im))
            }
            b's' => {
                let n = self.len(true, 1)?;
                let b: Rc<[u8]> = self.take(n)?.into();
                self.scalar(flag, Obj::Bytes(b))
            }
            b't' => {
                let n = self.len(true, 1)?;
                let s: Rc<str> = String::from_utf8_lossy(self.take(n)?).into();
                if py2 {
                    self.strings.push(s.clone());
                }
                self.scalar(flag, Obj::Str(s))
            }
            b'u' => {
                let n = self.len(true, 1)?;
                let s: Rc<str> = String::from_utf8_lossy(self.take(n)?).into();
                self.scalar(flag, Obj::Str(s))
            }
            b'R' => {
                if !py2 {
                    return Err(MarshalError { offset: start, message: Box::new(msg!(en::PY_STRING_REF_PY2)) });
                }
                self.features.string_refs = true;
                let i = self.u32()? as usize;
                match self.strings.get(i) {
                    Some(s) => Obj::Str(s.clone()),
                    None => return Err(self.err(msg!(en::PY_STRING_REF_RANGE, index = i))),
                }
            }
            b'a' | b'A' | b'z' | b'Z' => {
                self.v4(start)?;
                let n = self.len(ty == b'a' || ty == b'A', 1)?;
                let b = self.take(n)?;
                if !b.is_ascii() {
                    return Err(self.err(msg!(en::PY_NON_ASCII)));
                }
                let s: Rc<str> = String::from_utf8_lossy(b).into();
                self.scalar(flag, Obj::Str(s))
            }
            b'r' => {
                if py2 {
                    return Err(MarshalError { offset: start, message: Box::new(msg!(en::PY_REF_PY2)) });
                }
                self.features.refs = true;
                let i = self.u32()? as usize;
                match self.refs.get(i) {
                    Some(Some(o)) => o.clone(),
                    Some(None) => return Err(self.err(msg!(en::PY_REF_UNFINISHED, index = i))),
                    None => return Err(self.err(msg!(en::PY_REF_RANGE, index = i, known = self.refs.len()))),
                }
            }
            b'?' => return Err(MarshalError { offset: start, message: Box::new(msg!(en::PY_UNKNOWN_MARKER)) }),
            other => {
                return Err(MarshalError {
                    offset: start,
                    message: Box::new(msg!(en::PY_UNKNOWN_TYPE, code = format!("0x{other:02x}"))),
                })
            }
        };
        Ok(o)
    }

    fn v4(&mut self, start: usize) -> Result<(), MarshalError> {
        if self.layout == Layout::L27 {
            return Err(MarshalError { offset: start, message: Box::new(msg!(en::PY_V4_PY2)) });
        }
        self.features.v4_types = true;
        Ok(())
    }

    fn scalar(&mut self, flag: bool, o: Obj) -> Obj {
        let slot = self.reserve(flag);
        self.fill(slot, &o);
        o
    }

    fn ascii_float(&mut self) -> Result<f64, MarshalError> {
        let n = self.u8()? as usize;
        let b = self.take(n)?;
        std::str::from_utf8(b)
            .ok()
            .and_then(|s| super::float_text::parse(s.trim()))
            .ok_or_else(|| self.err(msg!(en::PY_BAD_FLOAT)))
    }

    fn int_field(&mut self, what: &str) -> Result<u32, MarshalError> {
        let v = self.i32()?;
        if v < 0 {
            return Err(self.err(msg!(en::PY_NEGATIVE_FIELD, field = what)));
        }
        Ok(v as u32)
    }

    fn bytes_field(&mut self, what: &str) -> Result<Rc<[u8]>, MarshalError> {
        let at = self.pos;
        match self.object()? {
            Obj::Bytes(b) => Ok(b),
            _ => Err(MarshalError { offset: at, message: Box::new(msg!(en::PY_NOT_BYTES, field = what)) }),
        }
    }

    fn tuple_field(&mut self, what: &str) -> Result<Rc<[Obj]>, MarshalError> {
        let at = self.pos;
        match self.object()? {
            Obj::Tuple(t) => Ok(t),
            _ => Err(MarshalError { offset: at, message: Box::new(msg!(en::PY_NOT_TUPLE, field = what)) }),
        }
    }

    fn names_field(&mut self, what: &str) -> Result<Vec<String>, MarshalError> {
        let at = self.pos;
        let t = self.tuple_field(what)?;
        t.iter()
            .map(|o| {
                o.as_name().ok_or_else(|| MarshalError {
                    offset: at,
                    message: Box::new(msg!(en::PY_NON_STRING, field = what)),
                })
            })
            .collect()
    }

    fn str_field(&mut self, what: &str) -> Result<String, MarshalError> {
        let at = self.pos;
        self.object()?
            .as_name()
            .ok_or(MarshalError { offset: at, message: Box::new(msg!(en::PY_NOT_STRING, field = what)) })
    }

    fn code(&mut self) -> Result<Code, MarshalError> {
        let l = self.layout;
        let argcount = self.int_field("argcount")?;
        let (mut posonly, mut kwonly, mut nlocals) = (0, 0, 0);
        match l {
            Layout::L27 => nlocals = self.int_field("nlocals")?,
            Layout::L30 => {
                kwonly = self.int_field("kwonlyargcount")?;
                nlocals = self.int_field("nlocals")?;
            }
            Layout::L38 => {
                posonly = self.int_field("posonlyargcount")?;
                kwonly = self.int_field("kwonlyargcount")?;
                nlocals = self.int_field("nlocals")?;
            }
            Layout::L311 => {
                posonly = self.int_field("posonlyargcount")?;
                kwonly = self.int_field("kwonlyargcount")?;
            }
        }
        let stacksize = self.int_field("stacksize")?;
        let flags = self.u32()?;
        let code = self.bytes_field("co_code")?;
        let code_offset = self.pos - code.len();
        let consts = self.tuple_field("co_consts")?.to_vec();
        let names = self.names_field("co_names")?;
        let (mut varnames, mut freevars, mut cellvars) = (Vec::new(), Vec::new(), Vec::new());
        let (mut lpn, mut lpk) = (Vec::new(), Vec::new());
        if l == Layout::L311 {
            lpn = self.names_field("co_localsplusnames")?;
            lpk = self.bytes_field("co_localspluskinds")?.to_vec();
            if lpn.len() != lpk.len() {
                return Err(self.err(msg!(en::PY_LOCALSPLUS)));
            }
            for (n, &k) in lpn.iter().zip(&lpk) {
                if k & 0x20 != 0 {
                    varnames.push(n.clone());
                }
                if k & 0x40 != 0 {
                    cellvars.push(n.clone());
                }
                if k & 0x80 != 0 {
                    freevars.push(n.clone());
                }
            }
            nlocals = varnames.len() as u32;
        } else {
            varnames = self.names_field("co_varnames")?;
            freevars = self.names_field("co_freevars")?;
            cellvars = self.names_field("co_cellvars")?;
            if nlocals as usize != varnames.len() {
                return Err(self.err(msg!(en::PY_NLOCALS, nlocals = nlocals, count = varnames.len())));
            }
        }
        let filename = self.str_field("co_filename")?;
        let name = self.str_field("co_name")?;
        let qualname = if l == Layout::L311 { self.str_field("co_qualname")? } else { name.clone() };
        let firstlineno = self.i32()? as i64;
        let linetable = self.bytes_field("line table")?;
        let exceptiontable =
            if l == Layout::L311 { self.bytes_field("co_exceptiontable")? } else { Rc::from(Vec::new()) };
        let nparams = argcount as usize + kwonly as usize + (flags & 0x4 != 0) as usize + (flags & 0x8 != 0) as usize;
        if nparams > varnames.len() {
            return Err(self.err(msg!(en::PY_MORE_PARAMS)));
        }
        Ok(Code {
            layout: l,
            argcount,
            posonlyargcount: posonly,
            kwonlyargcount: kwonly,
            nlocals,
            stacksize,
            flags,
            code,
            code_offset,
            consts,
            names,
            varnames,
            freevars,
            cellvars,
            localsplusnames: lpn,
            localspluskinds: lpk,
            filename,
            name,
            qualname,
            firstlineno,
            linetable,
            exceptiontable,
        })
    }
}

fn long_to_obj(neg: bool, digits: Vec<u16>) -> Obj {
    if digits.len() <= 8 {
        let mut v: i128 = 0;
        for &d in digits.iter().rev() {
            v = (v << 15) | d as i128;
        }
        Obj::Int(if neg { -v } else { v })
    } else {
        Obj::BigInt(neg, digits.into())
    }
}

/// Decimal text of a big integer given as base-2^15 digits (used for display).
pub fn bigint_to_string(neg: bool, digits: &[u16]) -> String {
    if digits.len() > 400 {
        return format!("<{}-digit integer>", digits.len());
    }
    let mut d: Vec<u32> = digits.iter().rev().map(|&x| x as u32).collect();
    let mut out = Vec::new();
    while d.iter().any(|&x| x != 0) {
        let mut rem = 0u32;
        for x in d.iter_mut() {
            let cur = (rem << 15) | *x;
            *x = cur / 10;
            rem = cur % 10;
        }
        out.push(b'0' + rem as u8);
    }
    if out.is_empty() {
        out.push(b'0');
    }
    if neg {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A Python 3.11 code object `RESUME 0; LOAD_CONST 0; RETURN_VALUE` with the given
    /// already-marshalled constants, written with FLAG_REF so later `r` can name it.
    fn code_311(consts: &[Vec<u8>]) -> Vec<u8> {
        let mut b = vec![b'c' | FLAG_REF];
        for v in [0i32, 0, 0, 1] {
            b.extend(v.to_le_bytes()); // argcount, posonly, kwonly, stacksize
        }
        b.extend(3u32.to_le_bytes()); // flags
        b.push(b's');
        b.extend(6u32.to_le_bytes());
        b.extend([151, 0, 100, 0, 83, 0]);
        b.push(b'(');
        b.extend((consts.len() as u32).to_le_bytes());
        for c in consts {
            b.extend(c);
        }
        b.extend([b')', 0, b')', 0]); // names, localsplusnames
        b.extend([b's', 0, 0, 0, 0]); // localspluskinds
        b.extend([b'z', 1, b'f', b'z', 1, b'g', b'z', 1, b'g']); // filename, name, qualname
        b.extend(1i32.to_le_bytes());
        b.extend([b's', 0, 0, 0, 0, b's', 0, 0, 0, 0]); // linetable, exceptiontable
        b
    }

    /// `levels` code objects, each holding the one below twice (inline, then as `r`):
    /// a stream of 41 code objects that is a tree of 2^41 - 1.
    pub(crate) fn shared_code_dag(levels: usize) -> Vec<u8> {
        // Only code objects are flagged, outermost first: level k (0 = innermost) gets
        // reference slot `levels - k`.
        let mut inner = code_311(&[b"N".to_vec()]);
        for k in 1..=levels {
            let mut r = vec![b'r'];
            r.extend(((levels - (k - 1)) as u32).to_le_bytes());
            inner = code_311(&[inner, r]);
        }
        inner
    }

    /// How many code objects a walk that follows every `nested()` edge as a tree visits
    /// (computed by counting paths, memoised, so the test itself stays fast).
    fn tree_visits(c: &Rc<Code>, memo: &mut std::collections::HashMap<*const Code, u128>) -> u128 {
        if let Some(&n) = memo.get(&Rc::as_ptr(c)) {
            return n;
        }
        let n = 1 + c.nested().map(|n| tree_visits(n, memo)).sum::<u128>();
        memo.insert(Rc::as_ptr(c), n);
        n
    }

    #[test]
    fn shared_code_objects_are_walked_once() {
        let data = shared_code_dag(40);
        let (root, features) = parse_code(&data, Layout::L311, &MarshalLimits::default()).unwrap();
        assert!(features.refs);
        let g = root.graph(usize::MAX);
        assert_eq!(g.codes.len(), 41);
        assert!(!g.capped);
        assert!(Rc::ptr_eq(&g.codes[0], &root), "root first");
        // Linear: 2 constants per code object (+1 for the innermost's None).
        assert!(g.work <= 2 * 41 + 1, "work {}", g.work);
        assert_eq!(tree_visits(&root, &mut Default::default()), (1u128 << 41) - 1);
        // Topological: each code object comes before those it holds.
        let pos = |c: &Rc<Code>| g.codes.iter().position(|x| Rc::ptr_eq(x, c)).unwrap();
        for c in &g.codes {
            for n in c.nested() {
                assert!(pos(c) < pos(n));
            }
        }
    }

    #[test]
    fn the_graph_cap_is_reported() {
        let (root, _) = parse_code(&shared_code_dag(10), Layout::L311, &MarshalLimits::default()).unwrap();
        let g = root.graph(5);
        assert_eq!(g.codes.len(), 5);
        assert!(g.capped);
        assert!(!root.graph(11).capped);
    }

    #[test]
    fn shared_constant_tuples_are_walked_once() {
        // A tuple holding the same tuple twice, 40 levels deep, around one code object.
        let leaf = code_311(&[b"N".to_vec()]);
        let mut t = vec![b'(' | FLAG_REF, 1, 0, 0, 0];
        t.extend(&leaf);
        // Slots: 0 = outer code, then tuples and the leaf code in stream order.
        let levels = 40u32;
        for _ in 0..levels {
            let mut next = vec![b'(' | FLAG_REF, 2, 0, 0, 0];
            next.extend(&t);
            next.push(b'r');
            next.extend(0u32.to_le_bytes()); // patched below
            t = next;
        }
        // Slot numbers: outer code 0, outermost tuple 1, …, innermost tuple `levels + 1`,
        // leaf code `levels + 2`. The tuple at depth d (0 = outermost) refers to the one
        // at depth d + 1, slot d + 2.
        let mut depth = 0u32;
        let mut i = 0;
        let mut patched = t.clone();
        // Each `r` follows its tuple's inline copy; walk the stream to patch in order.
        while let Some(p) = patched[i..].windows(5).position(|w| w == [b'r', 0, 0, 0, 0]) {
            let at = i + p;
            patched[at + 1..at + 5].copy_from_slice(&(levels + 1 - depth).to_le_bytes());
            depth += 1;
            i = at + 5;
        }
        let data = code_311(&[patched]);
        let (root, _) = parse_code(&data, Layout::L311, &MarshalLimits::default()).unwrap();
        let g = root.graph(usize::MAX);
        assert_eq!(g.codes.len(), 2);
        assert!(g.work < 200, "work {}", g.work);
    }
}
