//! Constant folding: a whitelist of pure, side-effect-free operations (§8), with size
//! caps. Everything here computes on concrete values only and returns None otherwise.

use std::rc::Rc;

use super::case;
use super::payload::a2b_base64;
use super::value::V;

/// Largest string or bytes value folding may produce.
pub const MAX_FOLD: usize = 1 << 20;
/// Most items a folded list, tuple, set or dict may hold (the evaluator enforces the
/// same cap where it builds containers; hitting it makes the analysis incomplete).
pub const MAX_ITEMS: usize = 4096;

fn s(v: &V) -> Option<&str> {
    match v {
        V::Str(s) => Some(s),
        _ => None,
    }
}
fn bytes_like(v: &V) -> Option<Vec<u8>> {
    match v {
        V::Bytes(b) => Some(b.to_vec()),
        V::Str(s) if s.is_ascii() => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}
fn int(v: &V) -> Option<i128> {
    match v {
        V::Int(i) => Some(*i),
        V::Bool(b) => Some(*b as i128),
        _ => None,
    }
}

pub fn rot13(t: &str) -> String {
    t.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            c => c,
        })
        .collect()
}

pub fn unhex(b: &[u8]) -> Option<Vec<u8>> {
    let t: Vec<u8> = b.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
    if !t.len().is_multiple_of(2) {
        return None;
    }
    t.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok()).collect()
}

fn b32decode(b: &[u8]) -> Option<Vec<u8>> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u64, 0u32);
    for &c in b {
        if c == b'=' {
            break;
        }
        let v = A.iter().position(|&x| x == c.to_ascii_uppercase())? as u64;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

pub fn zlib_decompress(b: &[u8]) -> Option<Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(b, MAX_FOLD)
        .ok()
        .or_else(|| miniz_oxide::inflate::decompress_to_vec_with_limit(b, MAX_FOLD).ok())
}

fn b64(b: &[u8]) -> Option<Vec<u8>> {
    a2b_base64(b).ok().map(|d| d.bytes)
}

fn codec(data: &V, enc: &str, decode: bool) -> Option<V> {
    let enc = enc.to_ascii_lowercase().replace('-', "_");
    match enc.as_str() {
        "rot13" | "rot_13" => Some(V::str(rot13(s(data)?))),
        "hex" | "hex_codec" if decode => Some(V::Bytes(unhex(&bytes_like(data)?)?.into())),
        "base64" | "base_64" | "base64_codec" if decode => Some(V::Bytes(b64(&bytes_like(data)?)?.into())),
        "zlib" | "zip" | "zlib_codec" if decode => Some(V::Bytes(zlib_decompress(&bytes_like(data)?)?.into())),
        "utf8" | "utf_8" | "ascii" | "latin_1" | "latin1" if decode => {
            Some(V::str(String::from_utf8_lossy(&bytes_like(data)?).into_owned()))
        }
        _ => None,
    }
}

/// A call to a resolved name with concrete arguments.
pub fn call(dotted: &str, args: &[V], kwargs: &[(String, V)]) -> Option<V> {
    let a0 = args.first();
    let kw = |k: &str| kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let name = dotted
        .strip_prefix("builtins.")
        .or_else(|| dotted.strip_prefix("__builtin__."))
        .map(|n| format!("builtins.{n}"));
    let d = name.as_deref().unwrap_or(dotted);
    Some(match d {
        "builtins.chr" | "builtins.unichr" => V::str(char::from_u32(u32::try_from(int(a0?)?).ok()?)?.to_string()),
        "builtins.ord" => {
            let t = s(a0?)?;
            let mut it = t.chars();
            let c = it.next()?;
            if it.next().is_some() {
                return None;
            }
            V::Int(c as i128)
        }
        "builtins.str" if args.len() == 1 => match a0? {
            V::Str(x) => V::Str(x.clone()),
            v @ (V::Int(_) | V::Float(_) | V::Bool(_) | V::None) => V::str(v.render()),
            _ => return None,
        },
        "builtins.str" if args.len() >= 2 => codec(a0?, s(&args[1])?, true)?,
        "builtins.int" => match a0? {
            V::Str(x) => {
                let base = args.get(1).and_then(int).unwrap_or(10) as u32;
                V::Int(i128::from_str_radix(x.trim(), base).ok()?)
            }
            V::Int(i) => V::Int(*i),
            V::Float(f) => V::Int(f.trunc() as i128),
            _ => return None,
        },
        "builtins.bytes" | "builtins.bytearray" => match (a0, args.get(1)) {
            (None, _) => V::Bytes(Rc::from(Vec::new())),
            (Some(V::Str(x)), Some(V::Str(_))) => V::Bytes(x.as_bytes().into()),
            (Some(v), None) => {
                let items = v.items()?;
                let b: Option<Vec<u8>> = items.iter().map(|i| int(i).and_then(|x| u8::try_from(x).ok())).collect();
                V::Bytes(b?.into())
            }
            _ => return None,
        },
        "bytes.fromhex" | "bytearray.fromhex" => V::Bytes(unhex(s(a0?)?.as_bytes())?.into()),
        "str.maketrans" | "builtins.str.maketrans" => maketrans(args)?,
        "builtins.list" | "builtins.tuple" | "builtins.set" | "builtins.frozenset" | "builtins.sorted" => {
            let items = match a0 {
                None => Vec::new(),
                Some(v) => v.items()?,
            };
            match d {
                "builtins.tuple" => V::Tuple(items.into()),
                "builtins.set" | "builtins.frozenset" => V::Set(items.into()),
                _ => V::List(items.into()),
            }
        }
        "builtins.reversed" => {
            let mut items = a0?.items()?;
            items.reverse();
            V::Iter(items.into(), 0)
        }
        "builtins.iter" => V::Iter(a0?.items()?.into(), 0),
        "builtins.slice" => match args {
            [stop] => V::Slice(Rc::new([V::None, stop.clone(), V::None])),
            [a, b] => V::Slice(Rc::new([a.clone(), b.clone(), V::None])),
            [a, b, c] => V::Slice(Rc::new([a.clone(), b.clone(), c.clone()])),
            _ => return None,
        },
        "builtins.len" => V::Int(a0?.items()?.len() as i128),
        "builtins.map" if args.len() == 2 => {
            let f = match &args[0] {
                V::Sym { dotted, .. } => dotted.to_string(),
                _ => return None,
            };
            let items = args[1].items()?;
            let out: Option<Vec<V>> = items.iter().map(|i| call(&f, std::slice::from_ref(i), &[])).collect();
            V::Iter(out?.into(), 0)
        }
        "base64.b64decode"
        | "base64.decodebytes"
        | "base64.decodestring"
        | "base64.standard_b64decode"
        | "binascii.a2b_base64" => V::Bytes(b64(&bytes_like(a0?)?)?.into()),
        "base64.urlsafe_b64decode" => {
            let b: Vec<u8> = bytes_like(a0?)?
                .iter()
                .map(|&c| match c {
                    b'-' => b'+',
                    b'_' => b'/',
                    c => c,
                })
                .collect();
            V::Bytes(b64(&b)?.into())
        }
        "base64.a85decode" => V::Bytes(a85decode(&bytes_like(a0?)?)?.into()),
        "base64.b85decode" => V::Bytes(b85decode(&bytes_like(a0?)?)?.into()),
        "base64.b32decode" => V::Bytes(b32decode(&bytes_like(a0?)?)?.into()),
        "base64.b16decode" | "binascii.unhexlify" | "binascii.a2b_hex" => V::Bytes(unhex(&bytes_like(a0?)?)?.into()),
        "base64.b64encode" | "base64.encodebytes" => V::Bytes(b64encode(&bytes_like(a0?)?).into_bytes().into()),
        "codecs.decode" => codec(a0?, s(args.get(1).or(kw("encoding"))?)?, true)?,
        "codecs.encode" => codec(a0?, s(args.get(1).or(kw("encoding"))?)?, false)?,
        "zlib.decompress" => V::Bytes(zlib_decompress(&bytes_like(a0?)?)?.into()),
        _ => return None,
    })
}

fn base85(b: &[u8], digit: impl Fn(u8) -> Option<u32>, z: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut group: Vec<u32> = Vec::new();
    let flush = |group: &[u32], out: &mut Vec<u8>| -> Option<()> {
        let n = group.len();
        let mut acc: u64 = 0;
        for k in 0..5 {
            acc = acc * 85 + *group.get(k).unwrap_or(&84) as u64;
        }
        if acc > u32::MAX as u64 {
            return None;
        }
        out.extend_from_slice(&(acc as u32).to_be_bytes()[..n - 1]);
        Some(())
    };
    for &c in b {
        if c.is_ascii_whitespace() {
            continue;
        }
        if z && c == b'z' && group.is_empty() {
            out.extend_from_slice(&[0; 4]);
            continue;
        }
        group.push(digit(c)?);
        if group.len() == 5 {
            flush(&group, &mut out)?;
            group.clear();
        }
        if out.len() > MAX_FOLD {
            return None;
        }
    }
    match group.len() {
        0 => {}
        1 => return None,
        _ => flush(&group, &mut out)?,
    }
    Some(out)
}

fn a85decode(b: &[u8]) -> Option<Vec<u8>> {
    let b = b.strip_prefix(b"<~").unwrap_or(b);
    let b = b.strip_suffix(b"~>").unwrap_or(b);
    base85(b, |c| (b'!'..=b'u').contains(&c).then(|| (c - b'!') as u32), true)
}

fn b85decode(b: &[u8]) -> Option<Vec<u8>> {
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
    base85(b, |c| A.iter().position(|&x| x == c).map(|p| p as u32), false)
}

pub fn b64encode(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for ch in b.chunks(3) {
        let n = (ch[0] as u32) << 16 | (*ch.get(1).unwrap_or(&0) as u32) << 8 | *ch.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= ch.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A method call on a concrete receiver.
pub fn method(recv: &V, name: &str, args: &[V]) -> Option<V> {
    let a0 = args.first();
    // Operator dunders called by name: `'o'.__add__('s')`, `'os'.__getitem__(slice(…))`.
    let op = match name {
        "__add__" => Some("+"),
        "__mul__" | "__rmul__" => Some("*"),
        "__mod__" => Some("%"),
        _ => None,
    };
    if let (Some(op), Some(b), 1) = (op, a0, args.len()) {
        return binop(op, recv, b);
    }
    if name == "__radd__" && args.len() == 1 {
        return binop("+", a0?, recv);
    }
    if name == "__getitem__" && args.len() == 1 {
        return subscript(recv, a0?);
    }
    match recv {
        V::Str(t) => Some(match name {
            "join" => {
                let items = a0?.items()?;
                let parts: Option<Vec<&str>> = items.iter().map(s).collect();
                let parts = parts?;
                let total: usize = parts.iter().map(|p| p.len()).sum::<usize>() + t.len() * parts.len();
                if total > MAX_FOLD {
                    return None;
                }
                V::str(parts.join(t))
            }
            "replace" => V::str(t.replace(s(a0?)?, s(args.get(1)?)?)),
            "lower" => V::str(case::str_lower(t)),
            "upper" => V::str(case::str_upper(t)),
            "strip" if args.is_empty() => V::str(t.trim()),
            "lstrip" if args.is_empty() => V::str(t.trim_start()),
            "rstrip" if args.is_empty() => V::str(t.trim_end()),
            "strip" | "lstrip" | "rstrip" => {
                let chars: Vec<char> = s(a0?)?.chars().collect();
                let f = |c: char| chars.contains(&c);
                V::str(match name {
                    "strip" => t.trim_matches(f),
                    "lstrip" => t.trim_start_matches(f),
                    _ => t.trim_end_matches(f),
                })
            }
            "removeprefix" => V::str(t.strip_prefix(s(a0?)?).unwrap_or(t)),
            "removesuffix" => V::str(t.strip_suffix(s(a0?)?).unwrap_or(t)),
            "swapcase" => V::str(
                t.chars()
                    .map(|c| if c.is_uppercase() { case::lower(c).first() } else { case::upper(c).first() })
                    .collect::<String>(),
            ),
            "capitalize" => {
                let mut it = t.chars();
                V::str(match it.next() {
                    Some(c) => case::upper(c).into_iter().chain(it.flat_map(case::lower)).collect::<String>(),
                    None => String::new(),
                })
            }
            "translate" => {
                // `str.maketrans` tables: code point -> code point, string or None.
                let V::Dict(table) = a0? else { return None };
                let mut out = String::new();
                for c in t.chars() {
                    match table.iter().find(|(k, _)| matches!(k, V::Int(i) if *i == c as i128)).map(|(_, v)| v) {
                        None => out.push(c),
                        Some(V::None) => {}
                        Some(V::Int(i)) => out.push(char::from_u32(u32::try_from(*i).ok()?)?),
                        Some(V::Str(r)) => out.push_str(r),
                        Some(_) => return None,
                    }
                    if out.len() > MAX_FOLD {
                        return None;
                    }
                }
                V::str(out)
            }
            "split" => {
                let parts: Vec<V> = match a0 {
                    None => t.split_whitespace().map(V::str).collect(),
                    Some(sep) => t.split(s(sep)?).map(V::str).collect(),
                };
                V::List(parts.into())
            }
            "encode" => {
                let enc = a0.and_then(s).unwrap_or("utf-8");
                match codec(recv, enc, false) {
                    Some(v) => v,
                    None => V::Bytes(t.as_bytes().into()),
                }
            }
            "decode" => {
                let enc = a0.and_then(s).unwrap_or("utf-8");
                codec(recv, enc, true).unwrap_or_else(|| V::Str(t.clone()))
            }
            "format" => V::str(format_braces(t, args)?),
            "zfill" | "center" | "ljust" | "rjust" => return None,
            _ => return None,
        }),
        V::Bytes(b) => Some(match name {
            "decode" => {
                let enc = a0.and_then(s).unwrap_or("utf-8");
                codec(recv, enc, true).unwrap_or_else(|| V::str(String::from_utf8_lossy(b).into_owned()))
            }
            "hex" => V::str(b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
            "join" => {
                let items = a0?.items()?;
                let mut out = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b);
                    }
                    match it {
                        V::Bytes(x) => out.extend_from_slice(x),
                        _ => return None,
                    }
                }
                V::Bytes(out.into())
            }
            "replace" => match (a0?, args.get(1)?) {
                (V::Bytes(x), V::Bytes(y)) => V::Bytes(replace_bytes(b, x, y).into()),
                _ => return None,
            },
            _ => return None,
        }),
        _ => None,
    }
}

fn replace_bytes(h: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return h.to_vec();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < h.len() {
        if h[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(h[i]);
            i += 1;
        }
    }
    out
}

fn fmt_plain(v: &V) -> Option<String> {
    match v {
        V::Str(x) => Some(x.to_string()),
        V::Int(_) | V::Float(_) | V::Bool(_) | V::None => Some(v.render()),
        _ => None,
    }
}

/// `'{}{}'.format(...)` with positional `{}` / `{0}` fields and no format specs.
fn format_braces(t: &str, args: &[V]) -> Option<String> {
    let mut out = String::new();
    let mut auto = 0;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    field.push(c);
                }
                let idx = if field.is_empty() {
                    auto += 1;
                    auto - 1
                } else {
                    field.parse::<usize>().ok()?
                };
                out.push_str(&fmt_plain(args.get(idx)?)?);
            }
            c => out.push(c),
        }
        if out.len() > MAX_FOLD {
            return None;
        }
    }
    Some(out)
}

/// `'%s…' % args` with %s / %d / %r / %%.
fn percent(t: &str, args: &V) -> Option<String> {
    let list = match args {
        V::Tuple(t) => t.to_vec(),
        v => vec![v.clone()],
    };
    let mut it = list.iter();
    let mut out = String::new();
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'i' => out.push_str(&fmt_plain(it.next()?)?),
            'r' => out.push_str(&it.next()?.render()),
            _ => return None,
        }
    }
    if it.next().is_some() {
        return None;
    }
    Some(out)
}

/// Binary operators on concrete values. `op` is the Python operator text.
pub fn binop(op: &str, a: &V, b: &V) -> Option<V> {
    use V::*;
    Some(match (op, a, b) {
        ("+", Str(x), Str(y)) if x.len() + y.len() <= MAX_FOLD => V::str(format!("{x}{y}")),
        ("+", Bytes(x), Bytes(y)) if x.len() + y.len() <= MAX_FOLD => Bytes([&x[..], &y[..]].concat().into()),
        ("+", List(x), List(y)) if x.len() + y.len() <= MAX_ITEMS => List([&x[..], &y[..]].concat().into()),
        ("+", Tuple(x), Tuple(y)) if x.len() + y.len() <= MAX_ITEMS => Tuple([&x[..], &y[..]].concat().into()),
        ("*", Str(x), Int(n)) | ("*", Int(n), Str(x)) if *n >= 0 && x.len().saturating_mul(*n as usize) <= MAX_FOLD => {
            V::str(x.repeat(*n as usize))
        }
        ("%", Str(x), args) => V::str(percent(x, args)?),
        (_, Int(x), Int(y)) => {
            let (x, y) = (*x, *y);
            match op {
                "+" => Int(x.checked_add(y)?),
                "-" => Int(x.checked_sub(y)?),
                "*" => Int(x.checked_mul(y)?),
                "//" if y != 0 => Int(x.div_euclid(y) - if (x.rem_euclid(y) != 0) && y < 0 { 1 } else { 0 }),
                "%" if y != 0 => Int(((x % y) + y) % y),
                "^" => Int(x ^ y),
                "&" => Int(x & y),
                "|" => Int(x | y),
                "<<" if (0..64).contains(&y) => Int(x.checked_shl(y as u32)?),
                ">>" if (0..127).contains(&y) => Int(x >> y),
                "**" if (0..64).contains(&y) => Int(x.checked_pow(y as u32)?),
                "/" if y != 0 => Float(x as f64 / y as f64),
                _ => return Option::None,
            }
        }
        _ => return Option::None,
    })
}

fn norm_index(i: i128, len: usize) -> Option<usize> {
    let l = len as i128;
    let j = if i < 0 { i + l } else { i };
    if (0..l).contains(&j) {
        Some(j as usize)
    } else {
        None
    }
}

/// Python slice indices for a sequence of length `len`.
fn slice_indices(len: usize, start: &V, stop: &V, step: &V) -> Option<Vec<usize>> {
    let l = len as i128;
    let step = match step {
        V::None => 1,
        v => int(v)?,
    };
    if step == 0 {
        return None;
    }
    let clamp = |v: &V, def: i128, lo: i128, hi: i128| -> Option<i128> {
        Some(match v {
            V::None => def,
            v => {
                let mut i = int(v)?;
                if i < 0 {
                    i += l;
                }
                i.clamp(lo, hi)
            }
        })
    };
    let (mut out, mut i) = (Vec::new(), 0i128);
    if step > 0 {
        let (a, b) = (clamp(start, 0, 0, l)?, clamp(stop, l, 0, l)?);
        i = a;
        while i < b {
            out.push(i as usize);
            i += step;
        }
    } else {
        let (a, b) = (clamp(start, l - 1, -1, l - 1)?, clamp(stop, -1, -1, l - 1)?);
        i += a;
        while i > b {
            out.push(i as usize);
            i += step;
        }
    }
    Some(out)
}

/// `container[key]` on concrete values.
pub fn subscript(c: &V, k: &V) -> Option<V> {
    match (c, k) {
        (V::Dict(d), k) if k.concrete() => d.iter().rev().find(|(kk, _)| same(kk, k)).map(|(_, v)| v.clone()),
        (V::Str(t), V::Slice(sl)) => {
            let chars: Vec<char> = t.chars().collect();
            let idx = slice_indices(chars.len(), &sl[0], &sl[1], &sl[2])?;
            Some(V::str(idx.into_iter().map(|i| chars[i]).collect::<String>()))
        }
        (V::Bytes(b), V::Slice(sl)) => {
            let idx = slice_indices(b.len(), &sl[0], &sl[1], &sl[2])?;
            Some(V::Bytes(idx.into_iter().map(|i| b[i]).collect::<Vec<u8>>().into()))
        }
        (V::Tuple(t) | V::List(t), V::Slice(sl)) => {
            let idx = slice_indices(t.len(), &sl[0], &sl[1], &sl[2])?;
            let items: Vec<V> = idx.into_iter().map(|i| t[i].clone()).collect();
            Some(if matches!(c, V::Tuple(_)) { V::Tuple(items.into()) } else { V::List(items.into()) })
        }
        (V::Str(t), i) => {
            let chars: Vec<char> = t.chars().collect();
            Some(V::str(chars[norm_index(int(i)?, chars.len())?].to_string()))
        }
        (V::Bytes(b), i) => Some(V::Int(b[norm_index(int(i)?, b.len())?] as i128)),
        (V::Tuple(t) | V::List(t), i) => Some(t[norm_index(int(i)?, t.len())?].clone()),
        _ => None,
    }
}

/// Equality of concrete keys.
pub fn same(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Str(x), V::Str(y)) => x == y,
        (V::Bytes(x), V::Bytes(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::None, V::None) => true,
        (V::Float(x), V::Float(y)) => x == y,
        (V::Tuple(x), V::Tuple(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q)),
        _ => false,
    }
}

/// `str.maketrans(x[, y[, z]])`: the translation table as a dict of code points.
fn maketrans(args: &[V]) -> Option<V> {
    let mut pairs: Vec<(V, V)> = Vec::new();
    match args {
        [V::Dict(d)] => {
            for (k, v) in d.iter() {
                let k = match k {
                    V::Str(c) if c.chars().count() == 1 => V::Int(c.chars().next()? as i128),
                    V::Int(i) => V::Int(*i),
                    _ => return None,
                };
                pairs.push((k, v.clone()));
            }
        }
        [V::Str(x), V::Str(y), rest @ ..] if x.chars().count() == y.chars().count() && rest.len() <= 1 => {
            for (a, b) in x.chars().zip(y.chars()) {
                pairs.push((V::Int(a as i128), V::Int(b as i128)));
            }
            if let [V::Str(z)] = rest {
                pairs.extend(z.chars().map(|c| (V::Int(c as i128), V::None)));
            }
        }
        _ => return None,
    }
    Some(V::Dict(pairs.into()))
}
