//! Calls: builtins with special meaning, folding, bound methods, nested functions.

use std::rc::Rc;

use super::*;

impl Cx {
    pub(super) fn call(&mut self, callee: V, args: Vec<V>, kwargs: Vec<(String, V)>) -> V {
        let rendered_args = {
            let mut p: Vec<String> = args.iter().map(V::render).collect();
            p.extend(kwargs.iter().map(|(k, v)| format!("{k}={}", v.render())));
            p.join(", ")
        };
        let text = format!("{}({rendered_args})", callee.operand());
        match &callee {
            V::Sym { dotted, .. } => {
                let dotted = dotted.to_string();
                let mut bare = dotted
                    .strip_prefix("__builtin__.")
                    .map(|n| format!("builtins.{n}"))
                    .unwrap_or_else(|| dotted.clone());
                // Methods of builtin types: `bytes.fromhex`, `str.join`.
                if let Some(rest) = bare.strip_prefix("builtins.") {
                    if ["bytes.", "bytearray.", "str.", "int.", "dict."].iter().any(|t| rest.starts_with(t)) {
                        bare = rest.to_string();
                    }
                }
                let dotted = if bare.starts_with("builtins.") || !dotted.starts_with("builtins.") {
                    dotted
                } else {
                    bare.clone()
                };
                let resolved = format!("{dotted}({rendered_args})");
                let arg0 = args.first();
                let kw = |k: &str| kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                match bare.as_str() {
                    "builtins.__import__" | "importlib.import_module" | "importlib.__import__" => {
                        self.record_call(resolved.clone());
                        self.classify_name(&bare, &resolved);
                        return match arg0 {
                            Some(V::Str(m)) => {
                                self.import(m);
                                let fromlist = args.get(3).cloned().or_else(|| kw("fromlist"));
                                let top = bare == "builtins.__import__"
                                    && fromlist.as_ref().is_none_or(|f| f.truth() != Some(true));
                                let d = if top { m.split('.').next().unwrap_or(m).to_string() } else { m.to_string() };
                                V::Sym { dotted: Rc::from(d), src: Rc::from(text) }
                            }
                            _ => {
                                self.hit(
                                    Danger::Suspicious,
                                    sinks::OBFUSCATION,
                                    format!("import of a computed module name: {text}"),
                                );
                                V::unknown(text)
                            }
                        };
                    }
                    "builtins.getattr" if args.len() >= 2 => {
                        return match &args[1] {
                            V::Str(n) => {
                                let v = self.attr(&args[0], n);
                                self.rename(v, &text)
                            }
                            _ => {
                                self.classify_name(&bare, &resolved);
                                self.hit(
                                    Danger::Suspicious,
                                    sinks::OBFUSCATION,
                                    format!("getattr with a computed name: {text}"),
                                );
                                V::unknown(text)
                            }
                        };
                    }
                    "builtins.setattr" | "builtins.delattr" if args.len() >= 2 => {
                        if let V::Str(n) = &args[1] {
                            if let Some(h) = sinks::classify(&format!("object.{n}")) {
                                self.hit(h.danger, h.category, resolved.clone());
                            }
                            if let V::Sym { dotted, .. } = &args[0] {
                                let d = format!("{dotted}.{n}");
                                self.classify_name(&d, &resolved);
                            }
                        } else {
                            self.hit(
                                Danger::Suspicious,
                                sinks::OBFUSCATION,
                                format!("{} with a computed name", bare.trim_start_matches("builtins.")),
                            );
                        }
                        self.record_call(resolved.clone());
                        return V::unknown(text);
                    }
                    "builtins.globals" | "builtins.locals" => {
                        self.record_call(resolved.clone());
                        self.classify_name(&bare, &resolved);
                        return V::Namespace(Rc::new(V::sym("<globals>", &text)));
                    }
                    "builtins.vars" => {
                        self.record_call(resolved.clone());
                        self.classify_name(&bare, &resolved);
                        return match arg0 {
                            None => V::Namespace(Rc::new(V::sym("<globals>", &text))),
                            Some(v) => V::Namespace(Rc::new(v.clone())),
                        };
                    }
                    "builtins.open" | "io.open" | "codecs.open" | "builtins.file" => {
                        self.record_call(resolved.clone());
                        let mode = args.get(1).cloned().or_else(|| kw("mode"));
                        match mode {
                            Some(V::Str(m)) if m.contains(['w', 'a', 'x', '+']) => {
                                self.hit(Danger::Malicious, sinks::WRITE, resolved)
                            }
                            Some(V::Str(_)) | None => self.hit(Danger::Suspicious, sinks::READ, resolved),
                            Some(_) => self.hit(
                                Danger::Suspicious,
                                sinks::WRITE,
                                format!("{resolved} (mode not known: may write)"),
                            ),
                        }
                        return V::unknown(text);
                    }
                    "operator.methodcaller" | "operator.attrgetter" | "operator.itemgetter" => {
                        self.record_call(resolved.clone());
                        return V::Caller(Rc::new((bare.trim_start_matches("operator.").to_string(), args, text)));
                    }
                    "numpy.load" | "np.load" => {
                        self.record_call(resolved.clone());
                        match kw("allow_pickle") {
                            Some(V::Bool(false)) | None => self.hit(Danger::Suspicious, sinks::READ, resolved),
                            _ => self.hit(Danger::Malicious, sinks::DESER, resolved),
                        }
                        return V::unknown(text);
                    }
                    _ => {}
                }
                self.record_call(resolved.clone());
                self.classify_name(&bare, &resolved);
                if bare.starts_with("builtins.") {
                    if let Some(h) = sinks::classify(&bare) {
                        if h.danger == Danger::Malicious {
                            for a in &args {
                                self.record_string(a);
                            }
                        }
                    }
                }
                let concrete = args.iter().all(|a| a.concrete() || matches!(a, V::Iter(..) | V::Sym { .. }))
                    && kwargs.iter().all(|(_, v)| v.concrete());
                if concrete {
                    if let Some(v) = fold::call(&bare, &args, &kwargs) {
                        if matches!(bare.as_str(), "builtins.chr" | "builtins.reversed" | "builtins.map") {
                            self.hit(
                                Danger::Suspicious,
                                sinks::OBFUSCATION,
                                format!("string built with {}", bare.trim_start_matches("builtins.")),
                            );
                        }
                        self.record_string(&v);
                        return v;
                    }
                }
                V::unknown(text)
            }
            V::Method(m) => {
                let (recv, name) = (&m.0, m.1.as_str());
                if args.iter().all(|a| a.concrete() || matches!(a, V::Iter(..))) {
                    if let Some(v) = fold::method(recv, name, &args) {
                        if name == "join" && matches!(args.first(), Some(V::Iter(..))) {
                            self.hit(
                                Danger::Suspicious,
                                sinks::OBFUSCATION,
                                "string joined from computed pieces".to_string(),
                            );
                        }
                        self.record_string(&v);
                        return v;
                    }
                }
                V::unknown(text)
            }
            V::Func(f) => {
                let f = f.clone();
                self.call_function(&f, args, kwargs, text)
            }
            V::Caller(c) => {
                let (kind, cargs, _) = (&c.0, &c.1, &c.2);
                let Some(obj) = args.first() else { return V::unknown(text) };
                match (kind.as_str(), cargs.first()) {
                    ("methodcaller", Some(V::Str(m))) => {
                        let f = self.attr(obj, m);
                        self.call(f, cargs[1..].to_vec(), kwargs)
                    }
                    ("attrgetter", Some(V::Str(a))) => {
                        let mut v = obj.clone();
                        for part in a.split('.') {
                            v = self.attr(&v, part);
                        }
                        v
                    }
                    ("itemgetter", Some(k)) => self.subscript(obj, k),
                    _ => {
                        self.hit(
                            Danger::Suspicious,
                            sinks::OBFUSCATION,
                            format!("operator.{kind} with a computed name"),
                        );
                        V::unknown(text)
                    }
                }
            }
            V::Namespace(_) => V::unknown(text),
            _ => {
                if let V::Unknown(s) = &callee {
                    if let Some(last) = s.rsplit('.').next() {
                        if let Some(h) = sinks::classify(&format!("object.{last}")) {
                            self.hit(h.danger, h.category, text.clone());
                            self.record_call(text.clone());
                        }
                    }
                }
                V::unknown(text)
            }
        }
    }

    pub(super) fn call_function(&mut self, f: &Rc<Func>, args: Vec<V>, kwargs: Vec<(String, V)>, text: String) -> V {
        if self.depth >= self.budget.call_depth {
            self.incomplete("nested calls deeper than the budget");
            return V::unknown(text);
        }
        let code = f.code.clone();
        self.analysed.insert(Rc::as_ptr(&code));
        self.depth += 1;
        let mut defaults = f.defaults.clone();
        // Positional arguments beyond the ones given fall back to defaults.
        let argc = code.argcount as usize;
        let mut bound: Vec<(String, V)> = kwargs;
        for (i, a) in args.into_iter().enumerate() {
            if i < argc {
                if let Some(n) = code.varnames.get(i) {
                    bound.push((n.clone(), a));
                }
            }
        }
        bound.extend(f.kwdefaults.iter().cloned());
        if defaults.len() > argc {
            defaults.truncate(argc);
        }
        let saved = std::mem::take(&mut self.stmts);
        let ret = self.run_function(&code, &defaults, &f.closure, &bound, false);
        self.stmts = saved;
        self.depth -= 1;
        let generator = code.flags & 0x20 != 0;
        match ret {
            Some(v) if generator => v,
            Some(v) if v.concrete() => v,
            Some(V::Sym { dotted, .. }) => V::Sym { dotted, src: Rc::from(text) },
            _ => V::unknown(text),
        }
    }

    /// Runs a function body. Parameters bind from `bound` by name, then defaults, else
    /// they are unknown inputs. Returns the (combined) return value; for generators the
    /// list of yielded values when it is complete.
    /// Finishes a call: the callable and optional self are under the arguments.
    pub(super) fn finish_call(&mut self, fr: &mut Frame, n: usize, kwnames: Option<Vec<String>>) -> Flow {
        let mut args = self.popn(fr, n);
        let mut kwargs = Vec::new();
        if let Some(names) = kwnames {
            let k = names.len().min(args.len());
            let kv = args.split_off(args.len() - k);
            kwargs = names.into_iter().zip(kv).collect();
        }
        let a = self.pop(fr);
        let b = self.pop(fr);
        let callee = match (a.is_null(), b.is_null()) {
            (true, _) => b,
            (false, true) => a,
            (false, false) => {
                args.insert(0, a);
                b
            }
        };
        let r = self.call(callee, args, kwargs);
        fr.stack.push(r);
        Flow::Next
    }

    pub(super) fn kw_names_of(v: &V) -> Vec<String> {
        match v {
            V::Tuple(t) => t
                .iter()
                .map(|x| match x {
                    V::Str(s) => s.to_string(),
                    other => other.render(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(super) fn make_function(
        &mut self,
        code: V,
        defaults: Vec<V>,
        kwdefaults: Vec<(String, V)>,
        closure: Vec<V>,
    ) -> V {
        let V::Code(c) = code else {
            self.incomplete("MAKE_FUNCTION without a code object");
            return V::unknown("<function>");
        };
        // Render the nested function by evaluating it with unknown parameters.
        let saved = std::mem::take(&mut self.stmts);
        self.analysed.insert(Rc::as_ptr(&c));
        self.depth += 1;
        let body = if self.depth <= self.budget.call_depth {
            self.run_function(&c, &defaults, &closure, &[], false).map(|v| v.render()).unwrap_or_else(|| "…".into())
        } else {
            "…".into()
        };
        self.depth -= 1;
        self.stmts = saved;
        let src = if c.name == "<lambda>" {
            format!("(lambda {}: {body})", signature(&c, &defaults))
        } else if c.name.starts_with('<') {
            c.name.to_string()
        } else {
            c.name.clone()
        };
        V::Func(Rc::new(Func { code: c, defaults, kwdefaults, closure, src }))
    }
}
