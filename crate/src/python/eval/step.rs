//! One instruction: the per-opcode stack effects of every supported Python version.

use std::rc::Rc;

use super::*;

impl Cx {
    pub(super) fn step(&mut self, fr: &mut Frame, ins: &Instr) -> Flow {
        let py = self.py;
        let arg = ins.argv() as usize;
        let name = ins.name;
        macro_rules! push {
            ($v:expr) => {{
                let v = $v;
                fr.stack.push(v);
            }};
        }
        match name {
            "NOP" | "RESUME" | "EXTENDED_ARG" | "PRECALL" | "MAKE_CELL" | "COPY_FREE_VARS" | "NOT_TAKEN" | "CACHE"
            | "SETUP_LOOP" | "POP_BLOCK" | "SETUP_EXCEPT" | "SETUP_FINALLY" | "SETUP_ANNOTATIONS" | "TO_BOOL"
            | "INTERPRETER_EXIT" | "RESERVED" => {}
            "POP_TOP" => {
                let v = self.pop(fr);
                // An expression statement (`exec(cmd)` in a def body) reads better shown.
                if fr.top {
                    let text = v.render();
                    // Leaving a `with` block: its `__exit__(None, None, None)` call.
                    if text.ends_with("__exit__)(None, None, None)") || text.ends_with(".__exit__(None, None, None)") {
                        // `return e` inside the block evaluates `e`, leaves, then returns:
                        // the return stays in the block.
                        let returns = fr.ins.get(fr.pc + 1).is_some_and(|n| n.name == "RETURN_VALUE");
                        if !returns {
                            self.indent = self.indent.saturating_sub(1);
                        }
                    } else if let Some(call) = self.discarded_call(fr) {
                        self.stmt(call);
                    } else if let V::Unknown(s) = &v {
                        // The left operand of `a or b` / `a and b` (3.12+ pops it when it
                        // falls through) is not a statement.
                        let after_test =
                            previous_op(fr).is_some_and(|p| p.starts_with("POP_JUMP") || p.starts_with("JUMP_IF"));
                        if s.ends_with(')') && !s.starts_with('<') && !after_test {
                            self.stmt(s.to_string());
                        }
                    }
                }
            }
            "PUSH_NULL" => push!(V::Null),
            "ROT_TWO" | "ROT_THREE" | "ROT_FOUR" | "ROT_N" => {
                let n = match name {
                    "ROT_TWO" => 2,
                    "ROT_THREE" => 3,
                    "ROT_FOUR" => 4,
                    _ => arg,
                };
                if n > fr.stack.len() || n == 0 {
                    self.incomplete(en::INC_ROTATION);
                    return Flow::End;
                }
                let top = fr.stack.pop().unwrap_or(V::Null);
                let at = fr.stack.len() + 1 - n;
                fr.stack.insert(at, top);
            }
            "DUP_TOP" => {
                let v = fr.stack.last().cloned().unwrap_or_else(|| V::unknown("<?>"));
                push!(v)
            }
            "DUP_TOP_TWO" => {
                let l = fr.stack.len();
                if l < 2 {
                    self.incomplete(en::INC_STACK_UNDERFLOW);
                    return Flow::End;
                }
                let (a, b) = (fr.stack[l - 2].clone(), fr.stack[l - 1].clone());
                push!(a);
                push!(b);
            }
            "DUP_TOPX" => {
                let l = fr.stack.len();
                if arg > l {
                    self.incomplete(en::INC_STACK_UNDERFLOW);
                    return Flow::End;
                }
                let items: Vec<V> = fr.stack[l - arg..].to_vec();
                fr.stack.extend(items);
            }
            "COPY" => match self.peek_mut(fr, arg) {
                Some(v) => {
                    let v = v.clone();
                    push!(v)
                }
                None => return Flow::End,
            },
            "SWAP" => {
                let l = fr.stack.len();
                if arg < 1 || arg > l {
                    self.incomplete(en::INC_SWAP);
                    return Flow::End;
                }
                fr.stack.swap(l - 1, l - arg);
            }
            "LOAD_CONST" => push!(self.konst(fr, arg)),
            "RETURN_CONST" => return Flow::Return(self.konst(fr, arg)),
            "LOAD_SMALL_INT" => push!(V::Int(arg as i128)),
            "LOAD_COMMON_CONSTANT" => {
                let v = match arg {
                    0 => V::sym("builtins.AssertionError", "AssertionError"),
                    1 => V::sym("builtins.NotImplementedError", "NotImplementedError"),
                    2 => V::sym("builtins.tuple", "tuple"),
                    3 => V::sym("builtins.all", "all"),
                    4 => V::sym("builtins.any", "any"),
                    5 => V::sym("builtins.list", "list"),
                    6 => V::sym("builtins.set", "set"),
                    7 => V::None,
                    8 => V::str(""),
                    9 => V::Bool(true),
                    10 => V::Bool(false),
                    11 => V::Int(-1),
                    _ => V::unknown(format!("<common constant {arg}>")),
                };
                push!(v)
            }
            "LOAD_ASSERTION_ERROR" => push!(V::sym("builtins.AssertionError", "AssertionError")),
            "LOAD_FAST" | "LOAD_FAST_CHECK" | "LOAD_FAST_BORROW" => push!(self.load_fast(fr, arg)),
            "LOAD_FAST_AND_CLEAR" => {
                if !fr.comp_slots.contains(&arg) {
                    fr.comp_slots.push(arg);
                }
                let v = fr.fast.get(arg).cloned().flatten().unwrap_or(V::Null);
                if arg < fr.fast.len() {
                    fr.fast[arg] = None;
                }
                push!(v)
            }
            "LOAD_FAST_LOAD_FAST" | "LOAD_FAST_BORROW_LOAD_FAST_BORROW" => {
                let a = self.load_fast(fr, arg >> 4);
                let b = self.load_fast(fr, arg & 15);
                push!(a);
                push!(b);
            }
            "STORE_FAST" => {
                let v = self.pop(fr);
                self.store_fast(fr, arg, v);
            }
            "STORE_FAST_LOAD_FAST" => {
                let v = self.pop(fr);
                self.store_fast(fr, arg >> 4, v);
                push!(self.load_fast(fr, arg & 15));
            }
            "STORE_FAST_STORE_FAST" => {
                let a = self.pop(fr);
                self.store_fast(fr, arg >> 4, a);
                let b = self.pop(fr);
                self.store_fast(fr, arg & 15, b);
            }
            "DELETE_FAST" => {
                if arg < fr.fast.len() {
                    fr.fast[arg] = None;
                }
            }
            "LOAD_DEREF" | "LOAD_CLOSURE" | "LOAD_CLASSDEREF" | "LOAD_FROM_DICT_OR_DEREF" => {
                if name == "LOAD_FROM_DICT_OR_DEREF" {
                    self.pop(fr);
                }
                push!(self.load_deref(fr, arg))
            }
            "STORE_DEREF" => {
                let v = self.pop(fr);
                self.store_deref(fr, arg, v);
            }
            "DELETE_DEREF" => {}
            "LOAD_GLOBAL" => {
                let idx = crate::python::version::name_index(name, arg, py);
                let n = self.name(fr, idx);
                let v = fr.names.get(&n).cloned().unwrap_or_else(|| self.resolve_global(&n));
                let null = py.ge(11) && arg & 1 == 1;
                if null && !py.ge(13) {
                    push!(V::Null);
                }
                push!(v);
                if null && py.ge(13) {
                    push!(V::Null);
                }
            }
            "LOAD_NAME" | "LOAD_FROM_DICT_OR_GLOBALS" => {
                if name == "LOAD_FROM_DICT_OR_GLOBALS" {
                    self.pop(fr);
                }
                let n = self.name(fr, arg);
                let v = fr.names.get(&n).cloned().unwrap_or_else(|| self.resolve_global(&n));
                push!(v)
            }
            "STORE_NAME" | "STORE_GLOBAL" => {
                let n = self.name(fr, arg);
                let v = self.pop(fr);
                if name == "STORE_GLOBAL" {
                    self.note(msg!(en::NOTE_ASSIGNS_GLOBAL, name = &n));
                }
                let v = self.rename(v, &n);
                fr.names.insert(n, v);
            }
            "DELETE_NAME" | "DELETE_GLOBAL" => {}
            "LOAD_ATTR" => {
                let idx = crate::python::version::name_index(name, arg, py);
                let n = self.name(fr, idx);
                let obj = self.pop(fr);
                let v = self.attr(&obj, &n);
                let method = py.ge(12) && arg & 1 == 1;
                if method && !py.ge(13) {
                    push!(V::Null);
                }
                push!(v);
                if method && py.ge(13) {
                    push!(V::Null);
                }
            }
            "LOAD_METHOD" => {
                let n = self.name(fr, arg);
                let obj = self.pop(fr);
                let v = self.attr(&obj, &n);
                push!(V::Null);
                push!(v);
            }
            "LOAD_SUPER_ATTR" => {
                self.popn(fr, 3);
                let n = self.name(fr, arg >> 2);
                push!(V::unknown(format!("super().{n}")));
                if arg & 1 == 1 {
                    push!(V::Null);
                }
            }
            "LOAD_SPECIAL" => {
                let obj = self.pop(fr);
                push!(V::unknown(format!("{}.<special {arg}>", obj.operand())));
                push!(V::Null);
            }
            "STORE_ATTR" => {
                let n = self.name(fr, arg);
                let obj = self.pop(fr);
                let _v = self.pop(fr);
                if self.display && fr.top {
                    self.stmt(format!("{}.{n} = {}", obj.operand(), _v.render()));
                }
                self.reached(&format!("object.{n}"), &format!("assignment to {}.{n}", obj.render()));
                if let V::Sym { dotted, .. } = &obj {
                    self.reached(&format!("{dotted}.{n}"), &format!("assignment to {dotted}.{n}"));
                    self.indirection(msg!(en::WHAT_ASSIGNMENT, target = format!("{dotted}.{n}")));
                }
            }
            "DELETE_ATTR" => {
                self.pop(fr);
            }
            "STORE_SUBSCR" => {
                let key = self.pop(fr);
                let obj = self.pop(fr);
                let v = self.pop(fr);
                if self.display && fr.top {
                    self.stmt(format!("{}[{}] = {}", obj.operand(), key.subscript_key(), v.render()));
                }
                match &obj {
                    V::Namespace(_) | V::Sym { .. } => self
                        .indirection(msg!(en::WHAT_ASSIGNMENT, target = format!("{}[{}]", obj.render(), key.render()))),
                    V::Dict(_) | V::List(_) => {
                        let stored = self.container_method(&obj, "__setitem__", &[key, v], &[]);
                        if stored.is_none() {
                            // An index the analysis cannot place: the container is lost.
                            self.mutation =
                                Some((obj.clone(), V::unknown(format!("<{} after item assignment>", obj.operand()))));
                        }
                    }
                    _ => {}
                }
            }
            "DELETE_SUBSCR" => {
                self.popn(fr, 2);
            }
            "IMPORT_NAME" => {
                let n = self.name(fr, crate::python::version::name_index(name, arg, py));
                let from = self.pop(fr);
                let _level = if py == Py::Py27 || py.ge(3) { self.pop(fr) } else { V::None };
                self.import(&n);
                let has_from = from.truth() == Some(true);
                let d = if has_from { n.clone() } else { n.split('.').next().unwrap_or(&n).to_string() };
                push!(V::sym(&d, &format!("import {n}")));
            }
            "IMPORT_FROM" => {
                let n = self.name(fr, arg);
                let m = fr.stack.last().cloned().unwrap_or_else(|| V::unknown("<module>"));
                let v = self.attr(&m, &n);
                if let V::Sym { dotted, .. } = &v {
                    let d = dotted.to_string();
                    self.import(&d);
                }
                let module = match &m {
                    V::Sym { dotted, .. } => dotted.to_string(),
                    other => other.render(),
                };
                push!(self.rename(v, &format!("from {module} import {n}")));
            }
            "IMPORT_STAR" => {
                let m = self.pop(fr);
                self.note(msg!(en::NOTE_STAR_IMPORT, module = m.render()));
            }
            "UNARY_POSITIVE" | "UNARY_NEGATIVE" | "UNARY_INVERT" | "UNARY_NOT" | "UNARY_CONVERT" => {
                let v = self.pop(fr);
                let r = match (name, &v) {
                    ("UNARY_NEGATIVE", V::Int(i)) => V::Int(-i),
                    ("UNARY_NEGATIVE", V::Float(f)) => V::Float(-f),
                    ("UNARY_POSITIVE", V::Int(_) | V::Float(_)) => v.clone(),
                    ("UNARY_INVERT", V::Int(i)) => V::Int(!i),
                    ("UNARY_NOT", _) if v.truth().is_some() => V::Bool(!v.truth().unwrap_or(false)),
                    ("UNARY_NOT", _) => super::frame::derived(format!("not {}", v.operand()), &[&v]),
                    ("UNARY_NEGATIVE", _) => super::frame::derived(format!("-{}", v.operand()), &[&v]),
                    ("UNARY_INVERT", _) => super::frame::derived(format!("~{}", v.operand()), &[&v]),
                    ("UNARY_CONVERT", _) => super::frame::derived(format!("repr({})", v.render()), &[&v]),
                    // `+x` of data is data: shown as written.
                    ("UNARY_POSITIVE", V::Data(_) | V::DataAttr(_)) => V::data(format!("+{}", v.operand())),
                    _ => v.clone(),
                };
                push!(r)
            }
            "BINARY_OP" => {
                let b = self.pop(fr);
                let a = self.pop(fr);
                let op = if arg == 26 { "[]" } else { NB_OPS.get(arg % 13).copied().unwrap_or("?") };
                let r = self.binop(op, a, b);
                if self.display && (13..26).contains(&arg) {
                    self.inplace = Some((r.render(), op));
                }
                push!(r)
            }
            "BINARY_SUBSCR" => {
                let k = self.pop(fr);
                let c = self.pop(fr);
                let r = self.subscript(&c, &k);
                push!(r)
            }
            n if n.starts_with("BINARY_") || n.starts_with("INPLACE_") => {
                let op = match n.split_once('_').map(|x| x.1).unwrap_or("") {
                    "ADD" => "+",
                    "SUBTRACT" => "-",
                    "MULTIPLY" => "*",
                    "TRUE_DIVIDE" | "DIVIDE" => "/",
                    "FLOOR_DIVIDE" => "//",
                    "MODULO" => "%",
                    "POWER" => "**",
                    "LSHIFT" => "<<",
                    "RSHIFT" => ">>",
                    "AND" => "&",
                    "OR" => "|",
                    "XOR" => "^",
                    "MATRIX_MULTIPLY" => "@",
                    "SLICE" => {
                        // 3.12+: container, start, stop
                        let stop = self.pop(fr);
                        let start = self.pop(fr);
                        let c = self.pop(fr);
                        let r = self.subscript(&c, &V::Slice(Rc::new([start, stop, V::None])));
                        push!(r);
                        return Flow::Next;
                    }
                    _ => {
                        self.incomplete(msg!(en::INC_UNSUPPORTED_OPCODE, opcode = n));
                        return Flow::End;
                    }
                };
                let b = self.pop(fr);
                let a = self.pop(fr);
                let r = self.binop(op, a, b);
                if self.display && n.starts_with("INPLACE_") {
                    self.inplace = Some((r.render(), op));
                }
                push!(r)
            }
            "SLICE_0" | "SLICE_1" | "SLICE_2" | "SLICE_3" => {
                let (mut start, mut stop) = (V::None, V::None);
                if name == "SLICE_3" || name == "SLICE_2" {
                    stop = self.pop(fr);
                }
                if name == "SLICE_3" || name == "SLICE_1" {
                    start = self.pop(fr);
                }
                let c = self.pop(fr);
                let r = self.subscript(&c, &V::Slice(Rc::new([start, stop, V::None])));
                push!(r)
            }
            "STORE_SLICE" => {
                self.popn(fr, 4);
            }
            n if n.starts_with("STORE_SLICE_") || n.starts_with("DELETE_SLICE_") => {
                let k = n.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0) as usize;
                let extra = match k {
                    0 => 0,
                    3 => 2,
                    _ => 1,
                };
                let store = n.starts_with("STORE") as usize;
                self.popn(fr, 1 + extra + store);
            }
            "BUILD_SLICE" => {
                let step = if arg == 3 { self.pop(fr) } else { V::None };
                let stop = self.pop(fr);
                let start = self.pop(fr);
                push!(V::Slice(Rc::new([start, stop, step])))
            }
            "COMPARE_OP" => {
                let idx = if py.ge(13) {
                    arg >> 5
                } else if py == Py::Py312 {
                    arg >> 4
                } else {
                    arg
                };
                let b = self.pop(fr);
                let a = self.pop(fr);
                let r = self.compare(CMP.get(idx).copied().unwrap_or("?"), a, b);
                push!(r)
            }
            "IS_OP" | "CONTAINS_OP" => {
                let b = self.pop(fr);
                let a = self.pop(fr);
                let op = match (name, arg) {
                    ("IS_OP", 0) => "is",
                    ("IS_OP", _) => "is not",
                    (_, 0) => "in",
                    _ => "not in",
                };
                let r = self.compare(op, a, b);
                push!(r)
            }
            "BUILD_TUPLE" | "BUILD_LIST" | "BUILD_SET" => {
                let items = self.popn(fr, arg);
                push!(match name {
                    "BUILD_TUPLE" => V::Tuple(items.into()),
                    "BUILD_LIST" => V::List(items.into()),
                    _ => V::Set(items.into()),
                })
            }
            "BUILD_MAP" => {
                if py.ge(5) {
                    let items = self.popn(fr, 2 * arg);
                    let pairs: Vec<(V, V)> = items.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
                    push!(V::Dict(pairs.into()))
                } else {
                    push!(V::Dict(Rc::from(Vec::new())))
                }
            }
            "STORE_MAP" => {
                let key = self.pop(fr);
                let val = self.pop(fr);
                if let Some(V::Dict(d)) = fr.stack.last_mut() {
                    let mut v = d.to_vec();
                    v.push((key, val));
                    *d = v.into();
                }
            }
            "BUILD_CONST_KEY_MAP" => {
                let keys = self.pop(fr);
                let vals = self.popn(fr, arg);
                let keys = keys.items().unwrap_or_default();
                let pairs: Vec<(V, V)> = keys.into_iter().zip(vals).collect();
                push!(V::Dict(pairs.into()))
            }
            "BUILD_STRING" => {
                let parts = self.popn(fr, arg);
                if parts.iter().all(|p| matches!(p, V::Str(_))) {
                    let s: String =
                        parts.iter().map(|p| if let V::Str(s) = p { s.to_string() } else { String::new() }).collect();
                    let v = V::str(s);
                    self.record_string(&v);
                    push!(v)
                } else {
                    let body: String = parts
                        .iter()
                        .map(|p| match p {
                            V::Str(s) => s.replace('{', "{{").replace('}', "}}"),
                            V::Unknown(s) | V::Data(s) if s.starts_with('{') => s.to_string(),
                            other => format!("{{{}}}", other.render()),
                        })
                        .collect();
                    let text = format!("f{}", crate::python::value::py_repr_str(&body));
                    let refs: Vec<&V> = parts.iter().collect();
                    push!(super::frame::derived(text, &refs))
                }
            }
            "FORMAT_VALUE" | "FORMAT_SIMPLE" | "FORMAT_WITH_SPEC" | "CONVERT_VALUE" => {
                let spec = if (name == "FORMAT_VALUE" && arg & 4 != 0) || name == "FORMAT_WITH_SPEC" {
                    Some(self.pop(fr))
                } else {
                    None
                };
                let v = self.pop(fr);
                let conv = if name == "FORMAT_VALUE" {
                    arg & 3
                } else if name == "CONVERT_VALUE" {
                    arg
                } else {
                    0
                };
                let r = match (&v, &spec, conv) {
                    (V::Str(_), None, 0 | 1) => v.clone(),
                    (V::Str(_) | V::Int(_) | V::Float(_) | V::Bool(_) | V::None | V::Bytes(_), None, 2 | 3) => {
                        V::str(v.render())
                    }
                    (V::Int(_) | V::Float(_) | V::Bool(_) | V::None, None, 1) => V::str(v.render()),
                    (V::Int(_) | V::Float(_) | V::Bool(_) | V::None, None, 0) => V::str(v.render()),
                    _ => {
                        let c = match conv {
                            1 => "!s",
                            2 => "!r",
                            3 => "!a",
                            _ => "",
                        };
                        let sp = spec
                            .map(|s| match s {
                                V::Str(s) => format!(":{s}"),
                                o => format!(":{}", o.render()),
                            })
                            .unwrap_or_default();
                        if name == "CONVERT_VALUE" {
                            V::unknown(format!("{{{}{c}", v.render()).trim_end_matches('}').to_string() + "}")
                        } else if let V::Unknown(s) | V::Data(s) = &v {
                            if s.starts_with('{') && s.ends_with('}') {
                                V::unknown(format!("{}{sp}}}", &s[..s.len() - 1]))
                            } else {
                                V::unknown(format!("{{{}{c}{sp}}}", v.render()))
                            }
                        } else {
                            V::unknown(format!("{{{}{c}{sp}}}", v.render()))
                        }
                    }
                };
                let r = match r {
                    V::Unknown(t) if !v.lost() => V::Data(t),
                    other => other,
                };
                push!(r)
            }
            "LIST_APPEND" | "SET_ADD" => {
                let v = self.pop(fr);
                if self.display {
                    self.comp_element(fr, v.render());
                }
                let over = matches!(self.peek_mut(fr, arg), Some(V::List(l) | V::Set(l)) if l.len() >= fold::MAX_ITEMS);
                if over {
                    self.incomplete(msg!(en::INC_BIG_CONTAINER, max = fold::MAX_ITEMS));
                }
                match self.peek_mut(fr, arg) {
                    Some(V::List(l)) | Some(V::Set(l)) if !over => {
                        let mut items = l.to_vec();
                        items.push(v);
                        *l = items.into();
                    }
                    Some(other) => *other = V::unknown("<list>"),
                    None => return Flow::End,
                }
            }
            "MAP_ADD" => {
                let kv = self.popn(fr, 2);
                // 3.8+: key under value; before, value under key.
                let (k, v) = if py.ge(8) { (kv[0].clone(), kv[1].clone()) } else { (kv[1].clone(), kv[0].clone()) };
                if self.display {
                    self.comp_element(fr, format!("{}: {}", k.render(), v.render()));
                }
                let over = matches!(self.peek_mut(fr, arg), Some(V::Dict(d)) if d.len() >= fold::MAX_ITEMS);
                if over {
                    self.incomplete(msg!(en::INC_BIG_CONTAINER, max = fold::MAX_ITEMS));
                }
                match self.peek_mut(fr, arg) {
                    Some(V::Dict(d)) if !over && k.concrete() => {
                        let mut n: Vec<(V, V)> = d.iter().filter(|(kk, _)| !fold::same(kk, &k)).cloned().collect();
                        n.push((k, v));
                        *d = n.into();
                    }
                    Some(t) => *t = V::unknown("<dict>"),
                    None => return Flow::End,
                }
            }
            "LIST_EXTEND" | "SET_UPDATE" => {
                let v = self.pop(fr);
                let items = v.items();
                match (self.peek_mut(fr, arg), items) {
                    (Some(V::List(l)), Some(it)) | (Some(V::Set(l)), Some(it))
                        if l.len() + it.len() <= fold::MAX_ITEMS =>
                    {
                        let mut x = l.to_vec();
                        x.extend(it);
                        *l = x.into();
                    }
                    (Some(t), _) => *t = V::unknown(starred_onto(t, &v)),
                    (None, _) => return Flow::End,
                }
            }
            "DICT_UPDATE" | "DICT_MERGE" => {
                let v = self.pop(fr);
                match (self.peek_mut(fr, arg), &v) {
                    (Some(V::Dict(d)), V::Dict(o)) if d.len() + o.len() <= fold::MAX_ITEMS => {
                        let mut n = d.to_vec();
                        n.extend(o.iter().cloned());
                        *d = n.into();
                    }
                    (Some(t), _) => *t = V::unknown(merged_dict_text(t, &v)),
                    (None, _) => return Flow::End,
                }
            }
            "LIST_TO_TUPLE" => {
                let v = self.pop(fr);
                push!(list_to_tuple(v))
            }
            n if n.starts_with("BUILD_") && n.ends_with("_UNPACK")
                || n == "BUILD_TUPLE_UNPACK_WITH_CALL"
                || n == "BUILD_MAP_UNPACK_WITH_CALL" =>
            {
                let parts = self.popn(fr, arg);
                let mut all = Vec::new();
                let mut ok = true;
                for p in &parts {
                    match p.items() {
                        Some(it) if !n.contains("MAP") => all.extend(it),
                        _ => ok = false,
                    }
                }
                if all.len() > fold::MAX_ITEMS {
                    self.incomplete(msg!(en::INC_BIG_CONTAINER, max = fold::MAX_ITEMS));
                    ok = false;
                }
                push!(if ok {
                    if n.contains("LIST") {
                        V::List(all.into())
                    } else if n.contains("SET") {
                        V::Set(all.into())
                    } else {
                        V::Tuple(all.into())
                    }
                } else {
                    V::unknown("<unpacked>")
                })
            }
            "UNPACK_SEQUENCE" => {
                let v = self.pop(fr);
                // Display run: `a, b = t` when plain names take the items.
                if self.display && fr.top {
                    // Plain names: STORE_FAST each (3.13+ pairs them in STORE_FAST_STORE_FAST).
                    let mut names = 0;
                    for i in fr.ins.iter().skip(fr.pc + 1) {
                        match i.name {
                            "STORE_FAST" => names += 1,
                            "STORE_FAST_STORE_FAST" => names += 2,
                            _ => break,
                        }
                        if names >= arg {
                            break;
                        }
                    }
                    let plain = names == arg;
                    if arg > 0 && plain && !v.render().contains("<item of ") {
                        self.unpack = Some((v.render(), arg, Vec::new()));
                    }
                }
                let items = v.items().filter(|i| i.len() == arg);
                match items {
                    Some(items) => {
                        for it in items.into_iter().rev() {
                            push!(it);
                        }
                    }
                    None => {
                        for k in (0..arg).rev() {
                            push!(super::frame::derived(format!("{}[{k}]", v.operand()), &[&v]));
                        }
                    }
                }
            }
            "UNPACK_EX" => {
                let v = self.pop(fr);
                let (before, after) = (arg & 0xff, arg >> 8);
                for k in (0..before + after + 1).rev() {
                    push!(super::frame::derived(format!("{}[{k}]", v.operand()), &[&v]));
                }
            }
            "GET_ITER" | "GET_YIELD_FROM_ITER" => {
                let v = self.pop(fr);
                // Display run: a loop or comprehension over known items is shown as written,
                // not unrolled (an inlined 3.12+ comprehension is left as it is).
                let inlined = fr
                    .ins
                    .get(fr.pc + 1..(fr.pc + 6).min(fr.ins.len()))
                    .is_some_and(|n| n.iter().any(|i| i.name == "LOAD_FAST_AND_CLEAR"));
                let v = if self.display && !inlined && v.concrete() && name == "GET_ITER" {
                    V::data(v.render())
                } else {
                    v
                };
                let it = match &v {
                    V::Iter(..) | V::UnknownIter(_) | V::DataIter(_) => v.clone(),
                    V::Namespace(inner) if matches!(&**inner, V::Sym { dotted, .. } if &**dotted == "builtins") => {
                        V::Iter(BUILTINS.iter().map(|b| V::str(*b)).collect(), 0)
                    }
                    V::Data(_) | V::DataAttr(_) | V::Helper(_) => V::DataIter(Rc::from(v.render())),
                    _ => match v.items() {
                        Some(items) => V::Iter(items.into(), 0),
                        None => V::UnknownIter(Rc::from(v.render())),
                    },
                };
                push!(it);
                if py.ge(15) && name == "GET_ITER" {
                    push!(V::Null);
                }
            }
            "FOR_ITER" => {
                let Some(target) = jump_target(ins, py) else {
                    self.incomplete(msg!(en::INC_NO_TARGET, opcode = "FOR_ITER"));
                    return Flow::End;
                };
                let l = fr.stack.len();
                let pos = if l >= 1 && matches!(fr.stack[l - 1], V::Iter(..) | V::UnknownIter(_) | V::DataIter(_)) {
                    l - 1
                } else if l >= 2 && matches!(fr.stack[l - 2], V::Iter(..) | V::UnknownIter(_) | V::DataIter(_)) {
                    l - 2
                } else if l >= 1 {
                    let v = fr.stack[l - 1].clone();
                    fr.stack[l - 1] = V::UnknownIter(Rc::from(v.render()));
                    l - 1
                } else {
                    self.incomplete(en::INC_FOR_ITER_EMPTY);
                    return Flow::End;
                };
                let data = matches!(fr.stack[pos], V::DataIter(_));
                if self.display && matches!(fr.stack[pos], V::Iter(..)) {
                    self.comp_concrete(fr);
                }
                let next = match &mut fr.stack[pos] {
                    V::Iter(items, k) => {
                        let r = items.get(*k).cloned();
                        *k += 1;
                        r
                    }
                    V::UnknownIter(src) | V::DataIter(src) => {
                        let src = src.clone();
                        let count = fr.loops.entry(ins.offset).or_insert(0);
                        *count += 1;
                        if *count == 1 {
                            if self.display {
                                self.comp_clause(fr, &src);
                                self.loop_start(fr, ins.offset, &src);
                            }
                            let text = format!("<item of {src}>");
                            Some(if data { V::data(text) } else { V::unknown(text) })
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                match next {
                    Some(v) => push!(v),
                    None => {
                        if self.display {
                            self.loop_end(fr, ins.offset);
                        }
                        // Exhausted: per-version protocol (§5.4).
                        let mut t = target;
                        let skip = |fr: &Frame, t: &mut usize, what: &str| {
                            if let Some(&k) = fr.at.get(t) {
                                if fr.ins[k].name == what {
                                    *t = fr.ins.get(k + 1).map(|i| i.offset).unwrap_or(*t);
                                    return true;
                                }
                            }
                            false
                        };
                        if py.ge(12) && skip(fr, &mut t, "END_FOR") && py == Py::Py313 {
                            skip(fr, &mut t, "POP_TOP");
                        }
                        if !py.ge(14) {
                            fr.stack.truncate(pos);
                        }
                        return Flow::Jump(t);
                    }
                }
            }
            "END_FOR" => {
                self.pop(fr);
                if py == Py::Py312 {
                    self.pop(fr);
                }
            }
            "POP_ITER" => {
                self.pop(fr);
                if py.ge(15) {
                    self.pop(fr);
                }
            }
            "YIELD_VALUE" => {
                let v = self.pop(fr);
                if self.display && fr.top {
                    self.stmt(format!("yield {}", v.render()));
                }
                if self.display {
                    self.comp_element(fr, v.render());
                }
                fr.yields.push(v);
                push!(V::None)
            }
            "RETURN_GENERATOR" => push!(V::None),
            "GEN_START" => {
                self.pop(fr);
            }
            "RETURN_VALUE" => {
                let v = self.pop(fr);
                return Flow::Return(v);
            }
            "RAISE_VARARGS" => {
                let raised = self.popn(fr, arg);
                if fr.top {
                    // A comment: whether this path is the one shown is not known here.
                    let what = raised.first().map(|e| format!(" {}", super::source::one_line(&e.render())));
                    self.stmt(format!("# raises{} on some path", what.unwrap_or_default()));
                }
                return Flow::End;
            }
            "RERAISE" | "END_FINALLY" | "END_ASYNC_FOR" | "CLEANUP_THROW" => return Flow::End,
            "JUMP_FORWARD"
            | "JUMP_ABSOLUTE"
            | "JUMP_BACKWARD"
            | "JUMP_BACKWARD_NO_INTERRUPT"
            | "JUMP"
            | "JUMP_NO_INTERRUPT"
            | "CONTINUE_LOOP" => {
                let Some(t) = jump_target(ins, py) else {
                    self.incomplete(msg!(en::INC_NO_TARGET, opcode = name));
                    return Flow::End;
                };
                if t <= ins.offset {
                    let c = fr.loops.entry(ins.offset + 1_000_000).or_insert(0);
                    *c += 1;
                    if *c > 10_000 {
                        self.incomplete(en::INC_LOOP_BUDGET);
                        return Flow::End;
                    }
                }
                return Flow::Jump(t);
            }
            "BREAK_LOOP" => {
                self.incomplete(msg!(en::INC_NOT_MODELLED, opcode = "BREAK_LOOP"));
                return Flow::End;
            }
            n if n.contains("JUMP") && n.contains("_IF_") => {
                let Some(target) = jump_target(ins, py) else {
                    self.incomplete(msg!(en::INC_NO_TARGET, opcode = n));
                    return Flow::End;
                };
                let keep = n.ends_with("_OR_POP");
                let cond = self.pop(fr);
                let (cond, jump_if) = if n.ends_with("IF_NONE") {
                    (
                        match cond.truth() {
                            Some(_) => V::Bool(matches!(cond, V::None)),
                            None => V::unknown(format!("{} is None", cond.operand())),
                        },
                        true,
                    )
                } else if n.ends_with("IF_NOT_NONE") {
                    (
                        match cond.truth() {
                            Some(_) => V::Bool(matches!(cond, V::None)),
                            None => V::unknown(format!("{} is None", cond.operand())),
                        },
                        false,
                    )
                } else {
                    (cond, n.contains("IF_TRUE"))
                };
                return Flow::Fork { cond, target, jump_if, keep };
            }
            "CALL_FUNCTION" | "CALL_FUNCTION_VAR" | "CALL_FUNCTION_KW" | "CALL_FUNCTION_VAR_KW" if !py.ge(6) => {
                let kwmap = if name.ends_with("KW") { Some(self.pop(fr)) } else { None };
                let varargs = if name.contains("VAR") { Some(self.pop(fr)) } else { None };
                let (npos, nkw) = (arg & 0xff, (arg >> 8) & 0xff);
                let pairs = self.popn(fr, 2 * nkw);
                let mut args = self.popn(fr, npos);
                let mut kwargs: Vec<(String, V)> = pairs
                    .chunks(2)
                    .map(|p| {
                        (
                            match &p[0] {
                                V::Str(s) => s.to_string(),
                                o => o.render(),
                            },
                            p[1].clone(),
                        )
                    })
                    .collect();
                if let Some(v) = varargs {
                    match v.items() {
                        Some(it) => args.extend(it),
                        None => args.push(V::unknown(format!("*{}", v.render()))),
                    }
                }
                if let Some(m) = kwmap {
                    match m {
                        V::Dict(d) => kwargs.extend(dict_kwargs(&d)),
                        o => {
                            // `f(**kw)` compiles to a merge into `{}`: `{**kw}` reads `kw`.
                            let r = o.render();
                            let inner = r.strip_prefix("{**").and_then(|x| x.strip_suffix('}'));
                            let shown = match inner {
                                Some(x) if !x.contains(", ") => x.to_string(),
                                _ => r,
                            };
                            args.push(V::unknown(format!("**{shown}")))
                        }
                    }
                }
                let callee = self.pop(fr);
                let r = self.call(callee, args, kwargs);
                push!(r)
            }
            "CALL_FUNCTION" => {
                let args = self.popn(fr, arg);
                let callee = self.pop(fr);
                let r = self.call(callee, args, Vec::new());
                push!(r)
            }
            "CALL_FUNCTION_KW" => {
                let names = self.pop(fr);
                let names = Self::kw_names_of(&names);
                let mut args = self.popn(fr, arg);
                let k = names.len().min(args.len());
                let kv = args.split_off(args.len() - k);
                let kwargs = names.into_iter().zip(kv).collect();
                let callee = self.pop(fr);
                let r = self.call(callee, args, kwargs);
                push!(r)
            }
            "CALL_METHOD" => return self.finish_call(fr, arg, None),
            "KW_NAMES" => {
                let v = self.konst(fr, arg);
                fr.kwnames = Some(Self::kw_names_of(&v));
            }
            "CALL" => {
                let kw = fr.kwnames.take();
                return self.finish_call(fr, arg, kw);
            }
            "CALL_KW" => {
                let names = self.pop(fr);
                return self.finish_call(fr, arg, Some(Self::kw_names_of(&names)));
            }
            "CALL_FUNCTION_EX" => {
                let has_kw = if py.ge(14) { true } else { arg & 1 == 1 };
                let kw = if has_kw { self.pop(fr) } else { V::Null };
                let a = self.pop(fr);
                let mut args = match a.items() {
                    Some(it) => it,
                    None => vec![V::unknown(format!("*{}", a.render()))],
                };
                let mut kwargs = Vec::new();
                match kw {
                    V::Null | V::None => {}
                    V::Dict(d) => kwargs.extend(dict_kwargs(&d)),
                    o => {
                        // `f(**kw)` compiles to a merge into `{}`: `{**kw}` reads `kw`.
                        let r = o.render();
                        let inner = r.strip_prefix("{**").and_then(|x| x.strip_suffix('}'));
                        let shown = match inner {
                            Some(x) if !x.contains(", ") => x.to_string(),
                            _ => r,
                        };
                        args.push(V::unknown(format!("**{shown}")))
                    }
                }
                let x = self.pop(fr);
                let callee = if x.is_null() {
                    self.pop(fr)
                } else {
                    if py.ge(11) && fr.stack.last().is_some_and(V::is_null) {
                        fr.stack.pop();
                    }
                    x
                };
                let r = self.call(callee, args, kwargs);
                push!(r)
            }
            "CALL_INTRINSIC_1" => {
                let v = self.pop(fr);
                push!(match arg {
                    5 => match v {
                        V::Data(_) | V::DataAttr(_) => V::data(format!("+{}", v.operand())),
                        o => o,
                    },
                    6 => list_to_tuple(v),
                    3 => return Flow::End,
                    _ => V::unknown(format!("<intrinsic {arg}>({})", v.render())),
                })
            }
            "CALL_INTRINSIC_2" => {
                self.popn(fr, 2);
                push!(V::unknown(format!("<intrinsic2 {arg}>")))
            }
            "MAKE_FUNCTION" | "MAKE_CLOSURE" => {
                let mut closure = Vec::new();
                let mut defaults = Vec::new();
                let mut kwdefaults = Vec::new();
                if py.ge(6) {
                    let code = if py.ge(11) {
                        self.pop(fr)
                    } else {
                        let _qualname = self.pop(fr);
                        self.pop(fr)
                    };
                    if !py.ge(13) {
                        if arg & 8 != 0 {
                            closure = self.pop(fr).items().unwrap_or_default();
                        }
                        if arg & 4 != 0 {
                            self.pop(fr);
                        }
                        if arg & 2 != 0 {
                            if let V::Dict(d) = self.pop(fr) {
                                kwdefaults = d
                                    .iter()
                                    .map(|(k, v)| (k.render().trim_matches('\'').to_string(), v.clone()))
                                    .collect();
                            }
                        }
                        if arg & 1 != 0 {
                            defaults = self.pop(fr).items().unwrap_or_default();
                        }
                    }
                    let f = self.make_function(code, defaults, kwdefaults, closure);
                    push!(f)
                } else {
                    // 2.7 – 3.5: code (and qualname from 3.3) on top, closure tuple under
                    // it for MAKE_CLOSURE, then kw pairs and positional defaults.
                    let top = self.pop(fr);
                    let code = if matches!(top, V::Code(_)) { top } else { self.pop(fr) };
                    if name == "MAKE_CLOSURE" {
                        closure = self.pop(fr).items().unwrap_or_default();
                    }
                    let (ndef, nkw, nann) = if py == Py::Py27 {
                        (arg, 0, 0)
                    } else {
                        (arg & 0xff, (arg >> 8) & 0xff, (arg >> 16) & 0x7fff)
                    };
                    self.popn(fr, nann);
                    let pairs = self.popn(fr, 2 * nkw);
                    kwdefaults =
                        pairs.chunks(2).map(|p| (p[0].render().trim_matches('\'').to_string(), p[1].clone())).collect();
                    defaults = self.popn(fr, ndef);
                    let f = self.make_function(code, defaults, kwdefaults, closure);
                    push!(f)
                }
            }
            "SET_FUNCTION_ATTRIBUTE" => {
                let f = self.pop(fr);
                let attr = self.pop(fr);
                let f = match f {
                    V::Func(func) => {
                        let (mut d, mut kd, mut c) =
                            (func.defaults.clone(), func.kwdefaults.clone(), func.closure.clone());
                        match arg {
                            1 => d = attr.items().unwrap_or_default(),
                            2 => {
                                if let V::Dict(x) = &attr {
                                    kd = x
                                        .iter()
                                        .map(|(k, v)| (k.render().trim_matches('\'').to_string(), v.clone()))
                                        .collect();
                                }
                            }
                            8 => c = attr.items().unwrap_or_default(),
                            _ => {}
                        }
                        // Re-render with the new bindings.
                        self.make_function(V::Code(func.code.clone()), d, kd, c)
                    }
                    other => other,
                };
                push!(f)
            }
            "LOAD_BUILD_CLASS" => push!(V::sym("builtins.__build_class__", "__build_class__")),
            "LOAD_LOCALS" => push!(V::Namespace(Rc::new(V::sym("<globals>", "locals()")))),
            "SETUP_WITH" | "BEFORE_WITH" | "BEFORE_ASYNC_WITH" => {
                let m = self.pop(fr);
                if fr.top {
                    self.stmt(format!("with {}:", m.operand()));
                    self.indent += 1;
                }
                // The context manager was classified where it was made (`open(…)`,
                // `tf.name_scope(…)`); entering and leaving a known one adds nothing, a
                // lost one runs code nobody knows.
                if m.lost() || matches!(m, V::Unknown(_) | V::Null) {
                    push!(V::unknown(format!("{}.__exit__", m.operand())));
                    push!(V::unknown(format!("{}.__enter__()", m.operand())));
                } else {
                    push!(V::DataAttr(Rc::new((m.operand(), "__exit__".to_string()))));
                    push!(V::data(format!("{}.__enter__()", m.operand())));
                }
            }
            "PRINT_ITEM" | "PRINT_EXPR" => {
                self.pop(fr);
            }
            "PRINT_NEWLINE" => {}
            "PRINT_ITEM_TO" => {
                self.popn(fr, 2);
            }
            "PRINT_NEWLINE_TO" => {
                self.pop(fr);
            }
            "EXEC_STMT" => {
                let args = self.popn(fr, 3);
                let what = format!("exec {}", args[0].render());
                for a in &args {
                    self.record_string(a);
                }
                self.record_call(what.clone());
                self.fact(Fact::Call {
                    target: Target::Object("builtins.exec".into()),
                    text: what,
                    args,
                    kwargs: Vec::new(),
                });
            }
            "GET_AWAITABLE" | "GET_AITER" | "GET_ANEXT" | "SEND" | "YIELD_FROM" | "ASYNC_GEN_WRAP" => {
                self.reached("asyncio", &format!("asynchronous code ({name})"));
                self.incomplete(msg!(en::INC_NOT_MODELLED, opcode = name));
                return Flow::End;
            }
            "GET_LEN" => {
                let v = fr.stack.last().cloned().unwrap_or(V::Null);
                push!(match v.items() {
                    Some(i) => V::Int(i.len() as i128),
                    None => V::unknown(format!("len({})", v.render())),
                })
            }
            other => {
                self.incomplete(msg!(en::INC_NOT_MODELLED, opcode = format!("opcode {other}")));
                return Flow::End;
            }
        }
        Flow::Next
    }
}

/// The display `[a, b, *v]` (or `{…}` for a set): the items so far, then `v` unpacked.
fn starred_onto(t: &V, v: &V) -> String {
    let (open, close, so_far) = match t {
        V::List(items) => ('[', ']', items.iter().map(V::render).collect::<Vec<_>>()),
        V::Set(items) => ('{', '}', items.iter().map(V::render).collect::<Vec<_>>()),
        V::Unknown(s)
            if s.len() >= 2 && (s.starts_with('[') && s.ends_with(']') || s.starts_with('{') && s.ends_with('}')) =>
        {
            let inner = &s[1..s.len() - 1];
            let first = s.chars().next().unwrap_or('[');
            (
                first,
                if first == '[' { ']' } else { '}' },
                if inner.is_empty() { Vec::new() } else { vec![inner.to_string()] },
            )
        }
        other => ('[', ']', vec![format!("*{}", other.operand())]),
    };
    let mut parts = so_far;
    parts.push(format!("*{}", v.operand()));
    format!("{open}{}{close}", parts.join(", "))
}

/// LIST_TO_TUPLE: a list becomes a tuple; `[a, *b]` built for a tuple display reads `(a, *b)`.
fn list_to_tuple(v: V) -> V {
    match v {
        V::List(l) => V::Tuple(l),
        V::Unknown(t) if t.starts_with('[') && t.ends_with(']') => {
            let inner = &t[1..t.len() - 1];
            // Built by `starred_onto`: one item is a lone `*x`, which needs its comma.
            let one = inner.starts_with('*') && !inner.contains(", *");
            V::unknown(if one { format!("({inner},)") } else { format!("({inner})") })
        }
        o => o,
    }
}

/// The display `{k: v, **m}` after DICT_UPDATE / DICT_MERGE of `m` into `t`.
fn merged_dict_text(t: &V, m: &V) -> String {
    let mut parts: Vec<String> = match t {
        V::Dict(d) => d.iter().map(|(k, v)| format!("{}: {}", k.render(), v.render())).collect(),
        V::Unknown(s) if s.starts_with('{') && s.ends_with('}') && s.len() > 2 => vec![s[1..s.len() - 1].to_string()],
        V::Unknown(s) if &**s == "{}" => Vec::new(),
        other => vec![format!("**{}", other.operand())],
    };
    parts.push(format!("**{}", m.operand()));
    format!("{{{}}}", parts.join(", "))
}

/// The instruction before the current one, past 3.14's NOT_TAKEN marker.
pub(super) fn previous_op(fr: &Frame) -> Option<&'static str> {
    fr.ins[..fr.pc.min(fr.ins.len())].iter().rev().map(|i| i.name).find(|n| *n != "NOT_TAKEN")
}
