//! Symbolic values of the evaluator and their Python-like rendering.

use std::rc::Rc;

use super::marshal::{bigint_to_string, Code, Obj};

/// A value on the symbolic stack.
#[derive(Debug, Clone)]
pub enum V {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    /// A concrete value we do not compute with (complex, Ellipsis, big ints): its repr.
    Opaque(Rc<str>),
    Tuple(Rc<[V]>),
    List(Rc<[V]>),
    Set(Rc<[V]>),
    Dict(Rc<[(V, V)]>),
    Slice(Rc<[V; 3]>),
    Code(Rc<Code>),
    /// A function built by MAKE_FUNCTION.
    Func(Rc<Func>),
    /// A resolved name: module, builtin, global or attribute of one. `dotted` is what
    /// the sink table sees (`os.system`), `src` how the code spelled it.
    Sym {
        dotted: Rc<str>,
        src: Rc<str>,
    },
    /// A bound method of a concrete value (`'-'.join`, `b'..'.decode`).
    Method(Rc<(V, String)>),
    /// The namespace of something (`globals()`, `vars(mod)`, `mod.__dict__`): subscripting
    /// it with a constant key resolves a name.
    Namespace(Rc<V>),
    /// A concrete iterator: items and position.
    Iter(Rc<[V]>, usize),
    /// An iterator over something unknown.
    UnknownIter(Rc<str>),
    /// A value the analysis lost track of (an unmodelled operation, a container it could
    /// not follow). Calling it, or using it as a module, cannot be verified.
    Unknown(Rc<str>),
    /// A run-time value derived from the Lambda's inputs or from reviewed operations (a
    /// tensor, a shape, a number): data, never a callable the file chose.
    Data(Rc<str>),
    /// `data.name`: an attribute of such a value; calling it is a tensor method.
    DataAttr(Rc<(String, String)>),
    /// An iterator over data.
    DataIter(Rc<str>),
    /// A global the loading program must supply (its code is not in the file), or
    /// anything reached from one.
    Helper(Rc<str>),
    /// `operator.methodcaller/attrgetter/itemgetter(...)`: (kind, arguments, rendering).
    Caller(Rc<(String, Vec<V>, String)>),
    /// The NULL the 3.11+ call protocol pushes.
    Null,
}

#[derive(Debug)]
pub struct Func {
    pub code: Rc<Code>,
    pub defaults: Vec<V>,
    pub kwdefaults: Vec<(String, V)>,
    pub closure: Vec<V>,
    /// Rendered source of the function, e.g. `lambda y: y + 1`.
    pub src: String,
    /// A `def`'s statement lines (`def g(t):`, `    return t + 1`), where the binding of
    /// its name shows it.
    pub def_lines: Vec<String>,
}

impl V {
    pub fn unknown(s: impl Into<String>) -> V {
        V::Unknown(Rc::from(s.into()))
    }
    pub fn data(s: impl Into<String>) -> V {
        V::Data(Rc::from(s.into()))
    }
    pub fn helper(s: impl Into<String>) -> V {
        V::Helper(Rc::from(s.into()))
    }
    /// Lost (unknown) anywhere inside, as far as a shallow look tells?
    pub fn lost(&self) -> bool {
        match self {
            V::Unknown(_) | V::UnknownIter(_) | V::Namespace(_) => true,
            V::Tuple(t) | V::List(t) | V::Set(t) => t.iter().any(V::lost),
            V::Dict(d) => d.iter().any(|(k, v)| k.lost() || v.lost()),
            _ => false,
        }
    }
    pub fn str(s: impl Into<String>) -> V {
        V::Str(Rc::from(s.into()))
    }
    pub fn sym(dotted: &str, src: &str) -> V {
        V::Sym { dotted: Rc::from(dotted), src: Rc::from(src) }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, V::Null)
    }
    /// Fully known (no unknown parts)?
    pub fn concrete(&self) -> bool {
        match self {
            V::None | V::Bool(_) | V::Int(_) | V::Float(_) | V::Str(_) | V::Bytes(_) | V::Opaque(_) => true,
            V::Tuple(t) | V::List(t) | V::Set(t) => t.iter().all(V::concrete),
            V::Dict(d) => d.iter().all(|(k, v)| k.concrete() && v.concrete()),
            V::Slice(s) => s.iter().all(V::concrete),
            _ => false,
        }
    }
    /// Python truthiness, if known.
    pub fn truth(&self) -> Option<bool> {
        match self {
            V::None => Some(false),
            V::Bool(b) => Some(*b),
            V::Int(i) => Some(*i != 0),
            V::Float(f) => Some(*f != 0.0),
            V::Str(s) => Some(!s.is_empty()),
            V::Bytes(b) => Some(!b.is_empty()),
            V::Tuple(t) | V::List(t) | V::Set(t) => Some(!t.is_empty()),
            V::Dict(d) => Some(!d.is_empty()),
            V::Sym { .. } | V::Func(_) | V::Code(_) | V::Method(_) | V::Caller(_) => Some(true),
            _ => None,
        }
    }
    /// The items of a concrete sequence (str yields its characters).
    pub fn items(&self) -> Option<Vec<V>> {
        match self {
            V::Tuple(t) | V::List(t) | V::Set(t) => Some(t.to_vec()),
            V::Dict(d) => Some(d.iter().map(|(k, _)| k.clone()).collect()),
            V::Str(s) if s.chars().count() <= 1 << 16 => Some(s.chars().map(|c| V::str(c.to_string())).collect()),
            V::Bytes(b) => Some(b.iter().map(|&x| V::Int(x as i128)).collect()),
            V::Iter(items, pos) => Some(items.get(*pos..).map(|s| s.to_vec()).unwrap_or_default()),
            _ => None,
        }
    }

    pub fn from_obj(o: &Obj) -> V {
        match o {
            Obj::None => V::None,
            Obj::False => V::Bool(false),
            Obj::True => V::Bool(true),
            Obj::StopIteration => V::Opaque(Rc::from("StopIteration")),
            Obj::Ellipsis => V::Opaque(Rc::from("...")),
            Obj::Int(i) => V::Int(*i),
            Obj::BigInt(neg, d) => V::Opaque(Rc::from(bigint_to_string(*neg, d))),
            Obj::Float(f) => V::Float(*f),
            Obj::Complex(re, im) => V::Opaque(Rc::from(fmt_complex(*re, *im))),
            Obj::Bytes(b) => V::Bytes(b.clone()),
            Obj::Str(s) => V::Str(s.clone()),
            Obj::Tuple(t) => V::Tuple(t.iter().map(V::from_obj).collect()),
            Obj::List(t) => V::List(t.iter().map(V::from_obj).collect()),
            Obj::Set(t) | Obj::FrozenSet(t) => V::Set(t.iter().map(V::from_obj).collect()),
            Obj::Dict(d) | Obj::FrozenDict(d) => {
                V::Dict(d.iter().map(|(k, v)| (V::from_obj(k), V::from_obj(v))).collect())
            }
            Obj::Slice(s) => V::Slice(Rc::new([V::from_obj(&s[0]), V::from_obj(&s[1]), V::from_obj(&s[2])])),
            Obj::Code(c) => V::Code(c.clone()),
        }
    }

    /// Python-like source text of the value.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.render_into(&mut s, 0);
        s
    }

    fn render_into(&self, out: &mut String, depth: usize) {
        if depth > 20 || out.len() > 4000 {
            out.push('…');
            return;
        }
        match self {
            V::None => out.push_str("None"),
            V::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            V::Int(i) => out.push_str(&i.to_string()),
            V::Float(f) => out.push_str(&fmt_float(*f)),
            V::Str(s) => out.push_str(&py_repr_str(s)),
            V::Bytes(b) => out.push_str(&py_repr_bytes(b)),
            V::Opaque(s) | V::Unknown(s) | V::UnknownIter(s) | V::Data(s) | V::DataIter(s) | V::Helper(s) => {
                out.push_str(s)
            }
            V::DataAttr(a) => {
                out.push_str(&a.0);
                out.push('.');
                out.push_str(&a.1);
            }
            V::Tuple(t) => {
                out.push('(');
                for (i, x) in t.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.render_into(out, depth + 1);
                }
                if t.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            V::List(t) | V::Set(t) => {
                let (o, c) = if matches!(self, V::List(_)) { ('[', ']') } else { ('{', '}') };
                out.push(o);
                for (i, x) in t.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.render_into(out, depth + 1);
                }
                out.push(c);
            }
            V::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in d.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.render_into(out, depth + 1);
                    out.push_str(": ");
                    v.render_into(out, depth + 1);
                }
                out.push('}');
            }
            // `a:b` is only Python inside brackets (see `subscript_key`); elsewhere a
            // slice object is spelled as its constructor.
            V::Slice(s) => {
                out.push_str("slice(");
                for (i, x) in s.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.render_into(out, depth + 1);
                }
                out.push(')');
            }
            V::Code(c) => out.push_str(&format!("<code {}>", c.name)),
            V::Func(f) => out.push_str(&f.src),
            V::Sym { src, .. } => out.push_str(src),
            V::Method(m) => {
                m.0.render_into(out, depth + 1);
                out.push('.');
                out.push_str(&m.1);
            }
            // `globals()`, `__builtins__` (the builtins dict) read as written; a module's
            // namespace as `vars(m)` (the same dict as `m.__dict__`).
            V::Namespace(v) => match &**v {
                V::Sym { dotted, src } if &**dotted == "<globals>" || &**dotted == "builtins" => out.push_str(src),
                _ => {
                    out.push_str("vars(");
                    v.render_into(out, depth + 1);
                    out.push(')');
                }
            },
            V::Iter(items, pos) => {
                out.push_str("iter(");
                V::List(items.get(*pos..).unwrap_or_default().into()).render_into(out, depth + 1);
                out.push(')');
            }
            V::Caller(c) => out.push_str(&c.2),
            V::Null => out.push_str("NULL"),
        }
    }

    /// The key of a subscript as written between the brackets: `x[:, 0]`, `x[..., 1:]`,
    /// `x[a, b]` (a tuple key without its parentheses; slices in their `a:b:c` form).
    pub fn subscript_key(&self) -> String {
        match self {
            V::Slice(s) => slice_text(s),
            V::Tuple(t) if !t.is_empty() => {
                let parts: Vec<String> = t
                    .iter()
                    .map(|x| match x {
                        V::Slice(s) => slice_text(s),
                        other => other.render(),
                    })
                    .collect();
                if parts.len() == 1 {
                    format!("{},", parts[0])
                } else {
                    parts.join(", ")
                }
            }
            other => other.render(),
        }
    }

    /// Rendering suitable as an operand of a binary operator.
    /// (Parenthesised unless it is an atom or a primary: `a + b` in `(a + b) * c`,
    /// `(a + f(x)).y`, `(-x) ** 2`.)
    pub fn operand(&self) -> String {
        let s = self.render();
        if is_primary(&s) {
            s
        } else {
            format!("({s})")
        }
    }
}

/// Source text that binds tighter than any operator: a name, literal, call, subscript,
/// attribute or display, with no operator or space outside brackets and strings.
pub fn is_primary(s: &str) -> bool {
    if s.is_empty() || s.starts_with(['-', '+', '~']) {
        return false;
    }
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in s.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ' ' | '+' | '-' | '*' | '/' | '%' | '@' | '<' | '>' | '=' | '!' | '&' | '|' | '^' | '~' | ':' | ','
                if depth == 0 =>
            {
                return false
            }
            _ => {}
        }
    }
    depth == 0 && quote.is_none()
}

/// `start:stop:step` with the `None` parts left out, as Python source spells a slice.
fn slice_text(s: &[V; 3]) -> String {
    let part = |v: &V| if matches!(v, V::None) { String::new() } else { v.render() };
    let mut out = format!("{}:{}", part(&s[0]), part(&s[1]));
    if !matches!(s[2], V::None) {
        out.push(':');
        out.push_str(&part(&s[2]));
    }
    out
}

pub fn fmt_float(f: f64) -> String {
    // Python has no literal for these: the expression that makes them.
    if f.is_nan() {
        "float('nan')".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "float('inf')".into()
        } else {
            "-float('inf')".into()
        }
    } else {
        float_repr(f, false, true)
    }
}

/// `repr(complex)`: `1j`, `(1+2j)`, `(-0-1.5j)` (the parts without `.0`, as Python writes them).
fn fmt_complex(re: f64, im: f64) -> String {
    let part = |f: f64, sign: bool| {
        if f.is_nan() {
            format!("{}nan", if sign { "+" } else { "" })
        } else if f.is_infinite() {
            format!(
                "{}inf",
                if f < 0.0 {
                    "-"
                } else if sign {
                    "+"
                } else {
                    ""
                }
            )
        } else {
            float_repr(f, sign, false)
        }
    };
    if re == 0.0 && re.is_sign_positive() {
        format!("{}j", part(im, false))
    } else {
        format!("({}{}j)", part(re, false), part(im, true))
    }
}

/// CPython's `float_repr_style = 'short'` (`PyOS_double_to_string(x, 'r', ...)`): the shortest
/// digits that read back as `f`, fixed notation while the decimal point falls within
/// `-4 < decpt <= 16`, else `d.ddde±XX`; `dot_0` adds `.0` to an integral fixed number
/// (`float.__repr__` does, complex parts do not). The digits come from `zmij`, which
/// serde_json already links: std's float printers would add ~14 KB to the page's wasm.
fn float_repr(f: f64, sign: bool, dot_0: bool) -> String {
    let mut buf = zmij::Buffer::new();
    let text = buf.format_finite(f);
    let (digits, decpt) = shortest_digits(text);
    let mut out = String::with_capacity(digits.len() + 8);
    if f.is_sign_negative() {
        out.push('-');
    } else if sign {
        out.push('+');
    }
    if digits.is_empty() {
        out.push('0');
        if dot_0 {
            out.push_str(".0");
        }
        return out;
    }
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        let e = e.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', decpt.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let point = decpt as usize;
        if digits.len() <= point {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
            if dot_0 {
                out.push_str(".0");
            }
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// The significant digits of a formatted float (`-12.5e3`, `0.001`, `1e-7`) without
/// leading or trailing zeros, and the decimal point's place: the value is `0.DIGITS × 10^decpt`.
/// Zero has no digits.
fn shortest_digits(text: &str) -> (String, i32) {
    let text = text.trim_start_matches('-');
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: String = int.chars().chain(frac.chars()).collect();
    let mut decpt = int.len() as i32 + exp;
    let lead = digits.len() - digits.trim_start_matches('0').len();
    digits.drain(..lead);
    decpt -= lead as i32;
    digits.truncate(digits.trim_end_matches('0').len());
    (digits, decpt)
}

/// `repr(str)` as Python writes it (single quotes unless the text has one and no double).
pub fn py_repr_str(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

pub fn py_repr_bytes(b: &[u8]) -> String {
    let q = if b.contains(&b'\'') && !b.contains(&b'"') { b'"' } else { b'\'' };
    let mut out = String::from("b");
    out.push(q as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(q as char);
    out
}

#[cfg(test)]
mod tests {
    use super::{fmt_complex, fmt_float};

    #[test]
    fn floats_are_written_as_python_repr() {
        // CPython 3.11's repr() of each value.
        for (f, want) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (3.0, "3.0"),
            (-7.0, "-7.0"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1e-5, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e300, "1e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (1234.5678, "1234.5678"),
            (9007199254740993.0, "9007199254740992.0"),
            (f64::NAN, "float('nan')"),
            (f64::NEG_INFINITY, "-float('inf')"),
        ] {
            assert_eq!(fmt_float(f), want, "{f:?}");
        }
    }

    #[test]
    fn complex_numbers_are_written_as_python_repr() {
        for (re, im, want) in [
            (0.0, 1.0, "1j"),
            (0.0, -1.5, "-1.5j"),
            (1.0, 2.0, "(1+2j)"),
            (1.0, -2.0, "(1-2j)"),
            (-0.0, 1.0, "(-0+1j)"),
            (0.5, 1e20, "(0.5+1e+20j)"),
            (0.0, f64::INFINITY, "infj"),
            (1.0, f64::NAN, "(1+nanj)"),
        ] {
            assert_eq!(fmt_complex(re, im), want, "{re:?} {im:?}");
        }
    }

    /// CPython's repr() of 1,000 doubles (tools/float_repr_cases.py), ties to even included.
    #[test]
    fn floats_match_cpython_repr() {
        let cases = include_str!("testdata/float_repr.txt");
        let mut n = 0;
        for line in cases.lines().filter(|l| !l.starts_with('#')) {
            let (bits, want) = line.split_once(' ').unwrap();
            let f = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
            assert_eq!(fmt_float(f), want, "{f:?}");
            n += 1;
        }
        assert_eq!(n, 1000);
    }

    /// Any double: the text reads back as the same value, with as few digits as std's
    /// shortest round-trip form (std breaks ties differently, so only the count is compared).
    #[test]
    fn digits_are_the_shortest_that_read_back() {
        let mut x: u64 = 0x853C_49E6_748F_EA9B;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if !f.is_finite() {
                continue;
            }
            let text = fmt_float(f);
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), f.to_bits(), "{f:?} -> {text}");
            let std = format!("{f:e}");
            let mantissa = std.trim_start_matches('-').split('e').next().unwrap().replace('.', "");
            assert_eq!(super::shortest_digits(&text).0.len(), mantissa.len(), "{f:?} -> {text}");
        }
    }
}
