//! Values through containers: dicts, lists, tuples, sets and iterators built, indexed,
//! mutated and consumed by the builtins that walk them (`map`, `filter`, `zip`, `sorted`,
//! `next`, `functools.reduce`…). Every walk is bounded; what cannot be followed is lost
//! (a later call of it cannot be verified), never assumed harmless.

use std::rc::Rc;

use super::*;

/// Most items a modelled walk produces (one `map`, one `reduce`).
const MAX_WALK: usize = 256;

impl Cx {
    /// A container within the item cap, or a lost value (and an incomplete analysis).
    pub(super) fn cap(&mut self, v: V) -> V {
        match super::frame::container_len(&v) {
            Some(n) if n > fold::MAX_ITEMS => {
                self.incomplete(msg!(en::INC_BIG_CONTAINER, max = fold::MAX_ITEMS));
                V::unknown("<container over the item limit>")
            }
            _ => v,
        }
    }

    fn mutate(&mut self, old: &V, new: V) {
        let new = self.cap(new);
        self.mutation = Some((old.clone(), new));
    }

    /// The items an iterable yields, if they are known (bounded).
    fn walk(&mut self, v: &V) -> Option<Vec<V>> {
        let items = match v {
            V::Namespace(inner) if matches!(&**inner, V::Sym { dotted, .. } if &**dotted == "builtins") => {
                BUILTINS.iter().map(|b| V::str(*b)).collect()
            }
            other => other.items()?,
        };
        if items.len() > MAX_WALK {
            self.incomplete(msg!(en::INC_LONG_ITERABLE, count = items.len(), max = MAX_WALK));
            return None;
        }
        Some(items)
    }

    /// What iterating something unknown yields: data for data, lost otherwise.
    fn opaque_iter(v: &V, text: &str) -> V {
        if v.lost() || !matches!(v, V::Data(_) | V::DataAttr(_) | V::DataIter(_) | V::Helper(_)) {
            V::UnknownIter(Rc::from(text))
        } else {
            V::DataIter(Rc::from(text))
        }
    }

    /// Builtins and library functions over iterables, followed item by item.
    pub(super) fn builtin_iterable(&mut self, bare: &str, args: &[V], kwargs: &[(String, V)], text: &str) -> Option<V> {
        let kw = |k: &str| kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let name = bare.strip_prefix("builtins.").unwrap_or(bare);
        let a0 = args.first();
        Some(match name {
            "map" if args.len() >= 2 => {
                let f = args[0].clone();
                let lists: Option<Vec<Vec<V>>> = args[1..].iter().map(|a| self.walk(a)).collect();
                match lists {
                    Some(lists) => {
                        let n = lists.iter().map(Vec::len).min().unwrap_or(0);
                        let mut out = Vec::new();
                        for i in 0..n {
                            let call_args = lists.iter().map(|l| l[i].clone()).collect();
                            out.push(self.call(f.clone(), call_args, Vec::new()));
                        }
                        if out.iter().all(|v| matches!(v, V::Str(_))) && !out.is_empty() {
                            self.indirection(msg!(en::WHAT_STRING_BUILT, function = "map"));
                        }
                        V::Iter(out.into(), 0)
                    }
                    None => {
                        // Still analyse what is applied, on an item nobody knows.
                        let item = Self::opaque_item(&args[1]);
                        let r = self.call(f, vec![item], Vec::new());
                        Self::opaque_iter(&r, text)
                    }
                }
            }
            "filter" if args.len() == 2 => match self.walk(&args[1]) {
                Some(items) => {
                    let mut out = Vec::new();
                    for it in items {
                        let keep = match &args[0] {
                            V::None => it.truth(),
                            f => self.call(f.clone(), vec![it.clone()], Vec::new()).truth(),
                        };
                        if keep != Some(false) {
                            out.push(it);
                        }
                    }
                    V::Iter(out.into(), 0)
                }
                None => Self::opaque_iter(&args[1], text),
            },
            "zip" => {
                let lists: Option<Vec<Vec<V>>> = args.iter().map(|a| self.walk(a)).collect();
                match lists {
                    Some(lists) => {
                        let n = lists.iter().map(Vec::len).min().unwrap_or(0);
                        let out: Vec<V> =
                            (0..n).map(|i| V::Tuple(lists.iter().map(|l| l[i].clone()).collect())).collect();
                        V::Iter(out.into(), 0)
                    }
                    None if args.iter().any(V::lost) => V::UnknownIter(Rc::from(text)),
                    None => V::DataIter(Rc::from(text)),
                }
            }
            "enumerate" if a0.is_some() => {
                let start = match args.get(1).cloned().or_else(|| kw("start")) {
                    Some(V::Int(i)) => i,
                    _ => 0,
                };
                match self.walk(&args[0]) {
                    Some(items) => V::Iter(
                        items
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| V::Tuple(Rc::new([V::Int(start + i as i128), v])))
                            .collect(),
                        0,
                    ),
                    None => Self::opaque_iter(&args[0], text),
                }
            }
            "sorted" | "reversed" | "list" | "tuple" | "set" | "frozenset" | "iter" if a0.is_some() => {
                let Some(mut items) = self.walk(&args[0]) else {
                    let it = Self::opaque_iter(&args[0], text);
                    return Some(match (name, it) {
                        ("iter" | "reversed", it) => it,
                        (_, V::DataIter(_)) => V::data(text),
                        _ => V::unknown(text),
                    });
                };
                if name == "sorted" {
                    if let Some(key) = kw("key") {
                        for it in &items {
                            let _ = self.call(key.clone(), vec![it.clone()], Vec::new());
                        }
                    } else {
                        sort_plain(&mut items);
                    }
                    if kw("reverse").and_then(|v| v.truth()) == Some(true) {
                        items.reverse();
                    }
                }
                match name {
                    "reversed" => {
                        items.reverse();
                        V::Iter(items.into(), 0)
                    }
                    "iter" => V::Iter(items.into(), 0),
                    "tuple" => V::Tuple(items.into()),
                    "set" | "frozenset" => V::Set(items.into()),
                    _ => V::List(items.into()),
                }
            }
            "next" if a0.is_some() => match &args[0] {
                V::Iter(items, pos) => match items.get(*pos) {
                    Some(v) => {
                        self.mutation = Some((args[0].clone(), V::Iter(items.clone(), pos + 1)));
                        v.clone()
                    }
                    None => args.get(1).cloned().unwrap_or_else(|| V::unknown(text)),
                },
                V::DataIter(_) => V::data(text),
                _ => V::unknown(text),
            },
            "dict" => {
                let mut pairs: Vec<(V, V)> = Vec::new();
                if let Some(a) = a0 {
                    match a {
                        V::Dict(d) => pairs.extend(d.iter().cloned()),
                        other => match self.walk(other) {
                            Some(items) => {
                                for it in items {
                                    match it.items() {
                                        Some(kv) if kv.len() == 2 => pairs.push((kv[0].clone(), kv[1].clone())),
                                        _ => return Some(V::unknown(text)),
                                    }
                                }
                            }
                            None => return Some(if other.lost() { V::unknown(text) } else { V::data(text) }),
                        },
                    }
                }
                pairs.extend(kwargs.iter().map(|(k, v)| (V::str(k.clone()), v.clone())));
                V::Dict(pairs.into())
            }
            "functools.reduce" if args.len() >= 2 => {
                let f = args[0].clone();
                let Some(items) = self.walk(&args[1]) else {
                    let r = self.call(f, vec![Self::opaque_item(&args[1]), Self::opaque_item(&args[1])], Vec::new());
                    return Some(if r.lost() { V::unknown(text) } else { r });
                };
                let mut it = items.into_iter();
                let mut acc = match args.get(2).cloned().or_else(|| it.next()) {
                    Some(v) => v,
                    None => return Some(V::unknown(text)),
                };
                for x in it {
                    acc = self.call(f.clone(), vec![acc, x], Vec::new());
                }
                acc
            }
            "len" if a0.is_some() => match self.walk(&args[0]) {
                Some(items) => V::Int(items.len() as i128),
                None => V::data(text),
            },
            "min" | "max" | "sum" | "any" | "all" if a0.is_some() && args.len() == 1 => match self.walk(&args[0]) {
                Some(items) if items.iter().all(|v| matches!(v, V::Int(_))) && !items.is_empty() => {
                    let ints = items.iter().map(|v| if let V::Int(i) = v { *i } else { 0 });
                    match name {
                        "min" => V::Int(ints.min().unwrap_or(0)),
                        "max" => V::Int(ints.max().unwrap_or(0)),
                        "sum" => V::Int(ints.fold(0i128, |a, b| a.saturating_add(b))),
                        "any" => V::Bool(ints.into_iter().any(|i| i != 0)),
                        _ => V::Bool(ints.into_iter().all(|i| i != 0)),
                    }
                }
                Some(items) if items.iter().all(|v| v.concrete() || matches!(v, V::Data(_))) => V::data(text),
                Some(_) => V::unknown(text),
                None if args[0].lost() => V::unknown(text),
                None => V::data(text),
            },
            _ => return None,
        })
    }

    /// One item of an iterable nobody can walk.
    fn opaque_item(v: &V) -> V {
        if v.lost() || !matches!(v, V::Data(_) | V::DataAttr(_) | V::DataIter(_) | V::Helper(_)) {
            V::unknown(format!("<item of {}>", v.render()))
        } else {
            V::data(format!("<item of {}>", v.render()))
        }
    }

    /// Methods of dicts, lists, tuples, sets and iterators; mutations are applied to the
    /// frame after the call (see `Cx::mutation`).
    pub(super) fn container_method(&mut self, recv: &V, name: &str, args: &[V], kwargs: &[(String, V)]) -> Option<V> {
        let a0 = args.first();
        match (recv, name) {
            (V::Dict(d), _) => {
                let find = |k: &V| d.iter().rev().find(|(kk, _)| fold::same(kk, k)).map(|(_, v)| v.clone());
                let without =
                    |k: &V| -> V { V::Dict(d.iter().filter(|(kk, _)| !fold::same(kk, k)).cloned().collect()) };
                Some(match name {
                    "get" | "__getitem__" if a0.is_some_and(V::concrete) => {
                        let k = a0?;
                        find(k).or_else(|| args.get(1).cloned()).unwrap_or(V::None)
                    }
                    "get" | "__getitem__" => self.subscript(recv, a0?),
                    "keys" | "__iter__" => V::Iter(d.iter().map(|(k, _)| k.clone()).collect(), 0),
                    "values" => V::Iter(d.iter().map(|(_, v)| v.clone()).collect(), 0),
                    "items" => V::Iter(d.iter().map(|(k, v)| V::Tuple(Rc::new([k.clone(), v.clone()]))).collect(), 0),
                    "copy" => recv.clone(),
                    "pop" if a0.is_some_and(V::concrete) => {
                        let k = a0?;
                        let v = find(k).or_else(|| args.get(1).cloned()).unwrap_or(V::None);
                        self.mutate(recv, without(k));
                        v
                    }
                    "setdefault" if a0.is_some_and(V::concrete) => {
                        let k = a0?;
                        match find(k) {
                            Some(v) => v,
                            None => {
                                let v = args.get(1).cloned().unwrap_or(V::None);
                                let mut n = d.to_vec();
                                n.push((k.clone(), v.clone()));
                                self.mutate(recv, V::Dict(n.into()));
                                v
                            }
                        }
                    }
                    "update" | "__setitem__" => {
                        let mut n = d.to_vec();
                        match (name, a0) {
                            ("__setitem__", Some(k)) if k.concrete() => {
                                n.retain(|(kk, _)| !fold::same(kk, k));
                                n.push((k.clone(), args.get(1)?.clone()));
                            }
                            ("update", Some(V::Dict(o))) => n.extend(o.iter().cloned()),
                            ("update", None) => {}
                            _ => {
                                self.mutate(recv, V::unknown("<dict>"));
                                return Some(V::None);
                            }
                        }
                        n.extend(kwargs.iter().map(|(k, v)| (V::str(k.clone()), v.clone())));
                        self.mutate(recv, V::Dict(n.into()));
                        V::None
                    }
                    _ => return None,
                })
            }
            (V::List(l), _) => {
                let mut n = l.to_vec();
                let r = match name {
                    "append" => {
                        n.push(a0?.clone());
                        V::None
                    }
                    "extend" => {
                        n.extend(self.walk(a0?)?);
                        V::None
                    }
                    "insert" if args.len() == 2 => {
                        let i = match &args[0] {
                            V::Int(i) => (*i).clamp(0, n.len() as i128) as usize,
                            _ => return None,
                        };
                        n.insert(i, args[1].clone());
                        V::None
                    }
                    "pop" => {
                        let i = match a0 {
                            None => n.len().checked_sub(1)?,
                            Some(V::Int(i)) if *i < 0 => n.len().checked_sub(i.unsigned_abs() as usize)?,
                            Some(V::Int(i)) if (*i as usize) < n.len() => *i as usize,
                            _ => return None,
                        };
                        n.remove(i)
                    }
                    "reverse" => {
                        n.reverse();
                        V::None
                    }
                    "copy" => return Some(recv.clone()),
                    "__getitem__" => return Some(self.subscript(recv, a0?)),
                    "__setitem__" if args.len() == 2 => {
                        let i = match &args[0] {
                            V::Int(i) if *i >= 0 && (*i as usize) < n.len() => *i as usize,
                            _ => return None,
                        };
                        n[i] = args[1].clone();
                        V::None
                    }
                    "index" | "count" => return Some(V::data(format!("{}.{name}(…)", recv.operand()))),
                    _ => return None,
                };
                self.mutate(recv, V::List(n.into()));
                Some(r)
            }
            (V::Set(s), "add") => {
                let mut n = s.to_vec();
                n.push(a0?.clone());
                self.mutate(recv, V::Set(n.into()));
                Some(V::None)
            }
            (V::Set(s), "pop") => s.first().cloned(),
            (V::Tuple(_) | V::Set(_), "__getitem__") => Some(self.subscript(recv, a0?)),
            (V::Tuple(_), "index" | "count") => Some(V::data(format!("{}.{name}(…)", recv.operand()))),
            (V::Iter(items, pos), "__next__") => {
                let v = items.get(*pos)?.clone();
                self.mutate(recv, V::Iter(items.clone(), pos + 1));
                Some(v)
            }
            _ => None,
        }
    }

    /// Methods of a namespace: `__builtins__.get('exec')`, `vars(os).keys()`, …
    pub(super) fn namespace_method(&mut self, ns: &V, name: &str, args: &[V], text: String) -> V {
        let is_builtins = matches!(ns, V::Sym { dotted, .. } if &**dotted == "builtins");
        match (name, args.first()) {
            ("get" | "__getitem__" | "pop" | "setdefault", Some(V::Str(k))) => {
                let k = k.clone();
                self.lookup(ns, &k, &text)
            }
            ("keys" | "__iter__", _) if is_builtins => V::Iter(BUILTINS.iter().map(|b| V::str(*b)).collect(), 0),
            ("values" | "items", _) if is_builtins => {
                let mut out = Vec::new();
                for b in BUILTINS {
                    let v = self.lookup(ns, b, b);
                    out.push(if name == "items" { V::Tuple(Rc::new([V::str(*b), v])) } else { v });
                }
                V::Iter(out.into(), 0)
            }
            _ => {
                self.indirection(msg!(en::WHAT_NAMESPACE, name = name, call = &text));
                V::unknown(text)
            }
        }
    }
}

/// Is `a` the same container or iterator as `b` (the same allocation, at the same position)?
pub(super) fn same_object(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Dict(x), V::Dict(y)) => Rc::ptr_eq(x, y),
        (V::List(x), V::List(y)) | (V::Set(x), V::Set(y)) => Rc::ptr_eq(x, y),
        (V::Iter(x, p), V::Iter(y, q)) => Rc::ptr_eq(x, y) && p == q,
        _ => false,
    }
}

impl Frame {
    /// Replaces every reference to the container `old` by `new` (a mutation).
    pub(super) fn replace(&mut self, old: &V, new: &V) {
        let fix = |v: &mut V| {
            if same_object(v, old) {
                *v = new.clone();
            }
        };
        self.fast.iter_mut().flatten().for_each(fix);
        self.cells.iter_mut().flatten().for_each(fix);
        self.names.values_mut().for_each(fix);
        self.stack.iter_mut().for_each(fix);
    }
}

/// Sorts strings or integers as Python does (other items keep their order). An insertion
/// sort over at most `MAX_WALK` items: small code, bounded work.
fn sort_plain(items: &mut [V]) {
    fn less(a: &V, b: &V) -> bool {
        match (a, b) {
            (V::Str(x), V::Str(y)) => x < y,
            (V::Int(x), V::Int(y)) => x < y,
            _ => false,
        }
    }
    if !(items.iter().all(|v| matches!(v, V::Str(_))) || items.iter().all(|v| matches!(v, V::Int(_)))) {
        return;
    }
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}
