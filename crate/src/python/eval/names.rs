//! Names, attributes, subscripts and imports: what a name or `obj.attr` is.

use std::rc::Rc;

use super::*;

impl Cx {
    /// Names used by instructions the evaluator never reached (exception handlers,
    /// dead branches): imports and `global.attr` chains are still classified.
    pub(super) fn static_backstop(&mut self, code: &Rc<Code>) {
        let py = self.py;
        if let Ok(ins) = disassemble(&code.code, py) {
            let seen = self.visited.get(&Rc::as_ptr(code)).cloned().unwrap_or_default();
            let mut prev: Option<String> = None;
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
                        prev = name(crate::python::version::name_index(i.name, i.argv() as usize, py)).map(|n| {
                            if BUILTINS.contains(&n.as_str()) {
                                format!("builtins.{n}")
                            } else {
                                n
                            }
                        });
                        if let (false, Some(p)) = (reached, &prev) {
                            let p = p.clone();
                            self.classify_name(&p, &format!("{p} (in code not reached by the evaluation)"));
                        }
                    }
                    "LOAD_ATTR" | "LOAD_METHOD" | "IMPORT_FROM" => {
                        if let (Some(p), Some(n)) =
                            (prev.clone(), name(crate::python::version::name_index(i.name, i.argv() as usize, py)))
                        {
                            let d = format!("{p}.{n}");
                            if !reached {
                                self.classify_name(&d, &format!("{d} (in code not reached by the evaluation)"));
                            }
                            prev = Some(d);
                        }
                    }
                    "EXTENDED_ARG" | "CACHE" => {}
                    _ => prev = None,
                }
            }
        }
        for n in code.nested() {
            self.static_backstop(n);
        }
    }

    pub(super) fn resolve_global(&mut self, name: &str) -> V {
        if !self.py.ge(0) || self.py == Py::Py27 {
            match name {
                "True" => return V::Bool(true),
                "False" => return V::Bool(false),
                "None" => return V::None,
                _ => {}
            }
        }
        if name == "__builtins__" {
            return V::sym("builtins", "__builtins__");
        }
        let module = self.env.module.clone().filter(|m| !m.is_empty() && m != "__main__");
        if BUILTINS.contains(&name) {
            return V::sym(&format!("builtins.{name}"), name);
        }
        match module {
            Some(m) => V::sym(&format!("{m}.{name}"), name),
            None => V::sym(name, name),
        }
    }

    pub(super) fn attr(&mut self, obj: &V, name: &str) -> V {
        match obj {
            V::Sym { dotted, src } => {
                let d = format!("{dotted}.{name}");
                let s = format!("{src}.{name}");
                self.classify_name(&d, &d);
                if name == "__dict__" {
                    return V::Namespace(Rc::new(obj.clone()));
                }
                V::Sym { dotted: Rc::from(d), src: Rc::from(s) }
            }
            V::Str(_) | V::Bytes(_) | V::List(_) | V::Tuple(_) | V::Dict(_) => {
                V::Method(Rc::new((obj.clone(), name.to_string())))
            }
            _ => {
                if let Some(h) = sinks::classify(&format!("object.{name}")) {
                    self.hit(h.danger, h.category, format!("attribute {name} read on {}", obj.render()));
                }
                if name == "__dict__" {
                    return V::Namespace(Rc::new(obj.clone()));
                }
                V::unknown(format!("{}.{name}", obj.operand()))
            }
        }
    }

    pub(super) fn subscript(&mut self, c: &V, k: &V) -> V {
        match (c, k) {
            (V::Namespace(inner), V::Str(key)) => match &**inner {
                V::Sym { dotted, .. } if &**dotted == "<globals>" => {
                    let v = self.resolve_global(key);
                    self.rename(v, &format!("globals()[{}]", k.render()))
                }
                other => {
                    let v = self.attr(other, key);
                    self.rename(v, &format!("{}[{}]", c.render(), k.render()))
                }
            },
            (V::Sym { dotted, src }, V::Str(key)) if &**dotted == "sys.modules" || &**dotted == "builtins" => {
                let d = if &**dotted == "builtins" { format!("builtins.{key}") } else { key.to_string() };
                if &**dotted == "sys.modules" {
                    self.import(key);
                }
                self.classify_name(&d, &d);
                V::Sym { dotted: Rc::from(d), src: Rc::from(format!("{src}[{}]", k.render())) }
            }
            _ => match fold::subscript(c, k) {
                Some(v) => {
                    self.record_string(&v);
                    v
                }
                None => V::unknown(format!("{}[{}]", c.operand(), k.render())),
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
