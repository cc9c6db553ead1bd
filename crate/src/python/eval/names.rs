//! Names, attributes, subscripts and imports: what a name or `obj.attr` is.

use std::rc::Rc;

use super::*;
use crate::python::tables;

const DICT_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "pop",
    "setdefault",
    "copy",
    "update",
    "__getitem__",
    "__iter__",
    "__contains__",
];

impl Cx {
    /// Names used by instructions the evaluator never reached (exception handlers,
    /// dead branches): imports and `global.attr` chains are still classified.
    /// Runs [`Self::backstop_one`] over every distinct code object in `code` (the nesting
    /// is a DAG when marshal references are shared: each is visited once).
    pub(super) fn static_backstop(&mut self, code: &Rc<Code>) {
        for c in code.graph(usize::MAX).codes {
            self.backstop_one(&c);
        }
    }

    fn backstop_one(&mut self, code: &Rc<Code>) {
        let py = self.py;
        if let Ok(ins) = disassemble(&code.code, py) {
            let seen = self.visited.get(&Rc::as_ptr(code)).cloned().unwrap_or_default();
            let mut prev: Option<String> = None;
            let mut unreached_calls = 0;
            for i in &ins {
                let name = |idx: usize| code.names.get(idx).cloned();
                let reached = seen.contains(&i.offset);
                match i.name {
                    "IMPORT_NAME" => {
                        if let Some(n) = name(i.argv() as usize) {
                            if !reached {
                                self.import(&n);
                            }
                            prev = Some(n);
                        }
                    }
                    "LOAD_GLOBAL" | "LOAD_NAME" => {
                        prev = name(crate::python::version::name_index(i.name, i.argv() as usize, py))
                            .map(|n| self.static_global(&n));
                        if let (false, Some(p)) = (reached, &prev) {
                            let p = p.clone();
                            self.reached(&p, &format!("{p} (in code not reached by the evaluation)"));
                        }
                    }
                    "LOAD_ATTR" | "LOAD_METHOD" | "IMPORT_FROM" => {
                        if let (Some(p), Some(n)) =
                            (prev.clone(), name(crate::python::version::name_index(i.name, i.argv() as usize, py)))
                        {
                            let d = format!("{p}.{n}");
                            if !reached {
                                self.reached(&d, &format!("{d} (in code not reached by the evaluation)"));
                            }
                            prev = Some(d);
                        } else if let (false, Some(n)) =
                            (reached, name(crate::python::version::name_index(i.name, i.argv() as usize, py)))
                        {
                            self.reached(
                                &format!("object.{n}"),
                                &format!(".{n} (in code not reached by the evaluation)"),
                            );
                            self.lost_attr(&n, &format!(".{n} in code not reached by the evaluation"));
                        }
                    }
                    n if !reached && n.starts_with("CALL") && !n.starts_with("CALL_INTRINSIC") => {
                        unreached_calls += 1;
                        prev = None;
                    }
                    "EXTENDED_ARG" | "CACHE" => {}
                    _ => prev = None,
                }
            }
            // Branches pruned on a known condition are dead for the bound values; handler
            // code is not, and values reach it through the exception.
            let handlers = ins.iter().any(|i| {
                matches!(i.name, "PUSH_EXC_INFO" | "SETUP_EXCEPT" | "SETUP_FINALLY" | "SETUP_WITH" | "BEFORE_WITH")
            });
            if unreached_calls > 0 && handlers {
                self.unverifiable(msg!(en::WHAT_EXCEPT_CALLS, count = unreached_calls, function = &code.name));
            }
        }
    }

    /// The dotted name a bare global has, without recording anything.
    fn static_global(&self, n: &str) -> String {
        if BUILTINS.contains(&n) {
            return format!("builtins.{n}");
        }
        if let Some(m) = self.env.module.as_deref().filter(|m| tables::is_known_module(m)) {
            return format!("{m}.{n}");
        }
        self.env
            .lines
            .iter()
            .find_map(|&l| tables::loader_global(l, n))
            .map(str::to_string)
            .unwrap_or_else(|| n.to_string())
    }

    /// A bare global: the `module` field's module, builtins, the loaders' globals, else a
    /// helper the loading program supplies.
    pub(super) fn resolve_global(&mut self, name: &str) -> V {
        if !self.py.ge(0) || self.py == Py::Py27 {
            match name {
                "True" => return V::Bool(true),
                "False" => return V::Bool(false),
                "None" => return V::None,
                _ => {}
            }
        }
        let builtin = BUILTINS.contains(&name);
        if let Some(m) = self.env.module.clone().filter(|m| !m.is_empty() && m != "__main__") {
            if tables::is_known_module(&m) {
                // tf.keras merges the module's namespace over the layer's globals: a
                // name it defines wins, even over a builtin (`open` in `os` is `os.open`).
                let d = format!("{m}.{name}");
                self.reached(&d, &format!("{name} (global of module {m})"));
                if !builtin {
                    return V::sym(&d, name);
                }
            } else {
                self.note(msg!(en::NOTE_PROJECT_MODULE, module = format!("{m:?}")));
            }
        }
        if builtin {
            let d = format!("builtins.{name}");
            self.reached(&d, name);
            return V::sym(&d, name);
        }
        let lines = self.env.lines.clone();
        let mut found: Option<&'static str> = None;
        for line in lines {
            if let Some(obj) = tables::loader_global(line, name) {
                self.reached(obj, &format!("{name} (a global of the {line:?} loader)"));
                found = found.or(Some(obj));
            }
        }
        match found {
            Some("builtins.__dict__") => V::Namespace(Rc::new(V::sym("builtins", name))),
            Some(obj) => {
                if tables::is_known_module(obj) {
                    self.module_reached(obj);
                }
                V::sym(obj, name)
            }
            None => {
                self.fact(Fact::Helper(name.to_string()));
                V::helper(name)
            }
        }
    }

    pub(super) fn attr(&mut self, obj: &V, name: &str) -> V {
        // `anything.os` is the os module however the object came to hold it (a helper, a
        // value the analysis lost, an input): fail closed on the module's identity.
        if let (false, Some(m)) = (matches!(obj, V::Sym { .. } | V::Namespace(_)), tables::module_named(name)) {
            self.reached(&format!("object.{name}"), &format!("attribute {name} read on {}", obj.render()));
            self.reached(m, &format!("{}.{name}", obj.operand()));
            self.module_reached(m);
            return V::sym(m, &format!("{}.{name}", obj.operand()));
        }
        match obj {
            V::Sym { dotted, src } => {
                let s = format!("{src}.{name}");
                if name == "__dict__" {
                    self.reached(&format!("{dotted}.__dict__"), &s);
                    return V::Namespace(Rc::new(obj.clone()));
                }
                if name == "__loader__" || name == "__spec__" {
                    self.reached(&format!("{dotted}.{name}"), &s);
                    return V::sym("importlib.machinery.BuiltinImporter", &s);
                }
                let d = match tables::resolve_attr(dotted, name) {
                    Some(t) => t.into_owned(),
                    None => format!("{dotted}.{name}"),
                };
                self.reached(&format!("{dotted}.{name}"), &s);
                if d != format!("{dotted}.{name}") {
                    self.reached(&d, &s);
                }
                if d == "builtins.__dict__" {
                    return V::Namespace(Rc::new(V::sym("builtins", &s)));
                }
                if d != format!("{dotted}.{name}") {
                    self.module_reached(&d);
                }
                V::Sym { dotted: Rc::from(d), src: Rc::from(s) }
            }
            // `__builtins__` is the builtins module in `__main__` and its dict elsewhere:
            // an attribute that is not a dict method is read from the module.
            V::Namespace(inner) if !DICT_METHODS.contains(&name) => {
                let inner = (**inner).clone();
                self.attr(&inner, name)
            }
            V::Str(_)
            | V::Bytes(_)
            | V::List(_)
            | V::Tuple(_)
            | V::Dict(_)
            | V::Set(_)
            | V::Namespace(_)
            | V::Iter(..) => {
                self.reached(&format!("object.{name}"), &format!("attribute {name} read on {}", obj.render()));
                V::Method(Rc::new((obj.clone(), name.to_string())))
            }
            V::Helper(h) => {
                self.reached(&format!("object.{name}"), &format!("attribute {name} read on {h}"));
                V::helper(format!("{h}.{name}"))
            }
            V::Data(_) | V::DataAttr(_) | V::Int(_) | V::Float(_) | V::Bool(_) | V::None => {
                self.reached(&format!("object.{name}"), &format!("attribute {name} read on {}", obj.render()));
                V::DataAttr(Rc::new((obj.operand(), name.to_string())))
            }
            _ => {
                self.reached(&format!("object.{name}"), &format!("attribute {name} read on {}", obj.render()));
                self.lost_attr(name, &format!("{}.{name}", obj.operand()));
                if name == "__dict__" {
                    return V::Namespace(Rc::new(obj.clone()));
                }
                V::unknown(format!("{}.{name}", obj.operand()))
            }
        }
    }

    /// `name` looked up in a namespace (`vars(x)[name]`, `globals()[name]`, `__builtins__[name]`).
    pub(super) fn lookup(&mut self, ns: &V, key: &str, text: &str) -> V {
        match ns {
            V::Sym { dotted, .. } if &**dotted == "<globals>" => {
                let v = self.resolve_global(key);
                self.rename(v, text)
            }
            V::Sym { dotted, .. } if &**dotted == "builtins" => {
                let d = format!("builtins.{key}");
                self.reached(&d, text);
                V::Sym { dotted: Rc::from(d), src: Rc::from(text) }
            }
            other => {
                let v = self.attr(other, key);
                self.rename(v, text)
            }
        }
    }

    pub(super) fn subscript(&mut self, c: &V, k: &V) -> V {
        match (c, k) {
            (V::Namespace(inner), V::Str(key)) => {
                let text = format!("{}[{}]", c.render(), k.subscript_key());
                let inner = (**inner).clone();
                self.lookup(&inner, key, &text)
            }
            (V::Sym { dotted, src }, V::Str(key)) if &**dotted == "sys.modules" || &**dotted == "builtins" => {
                let d = if &**dotted == "builtins" { format!("builtins.{key}") } else { key.to_string() };
                if &**dotted == "sys.modules" {
                    self.import(key);
                }
                self.reached(&d, &d);
                V::Sym { dotted: Rc::from(d), src: Rc::from(format!("{src}[{}]", k.subscript_key())) }
            }
            (V::Data(_) | V::DataAttr(_), _) => V::data(format!("{}[{}]", c.operand(), k.subscript_key())),
            (V::Helper(h), _) => V::helper(format!("{h}[{}]", k.subscript_key())),
            // Display run: `[f(), x][1]`, `'so'[::-1]` read as written.
            _ if self.display => super::frame::derived(format!("{}[{}]", c.operand(), k.subscript_key()), &[c, k]),
            _ => match fold::subscript(c, k) {
                Some(v) => {
                    self.record_string(&v);
                    v
                }
                None => {
                    let text = format!("{}[{}]", c.operand(), k.subscript_key());
                    // A container of plain data indexed by an unknown key still holds data.
                    let values: Option<Vec<V>> = match c {
                        V::Dict(d) => Some(d.iter().map(|(_, v)| v.clone()).collect()),
                        V::List(t) | V::Tuple(t) => Some(t.to_vec()),
                        V::Str(_) | V::Bytes(_) => Some(Vec::new()),
                        _ => None,
                    };
                    match values {
                        Some(items) if items.iter().all(|v| v.concrete() || matches!(v, V::Data(_))) => V::data(text),
                        _ => V::unknown(text),
                    }
                }
            },
        }
    }

    /// The same value, rendered as `name` where that reads better than its expression.
    pub(super) fn rename(&self, v: V, name: &str) -> V {
        match v {
            V::Sym { dotted, .. } => V::Sym { dotted, src: Rc::from(name) },
            V::Unknown(_) => V::unknown(name),
            V::UnknownIter(_) => V::UnknownIter(Rc::from(name)),
            other => other,
        }
    }
}
