//! Calls: what a call reaches (recorded as a [`Fact::Call`]), builtins with special
//! meaning (imports, `getattr`, namespaces, `func_load`), folding, bound methods, and
//! nested functions.

use std::rc::Rc;

use super::*;
use crate::python::tables::{self, CallClass};

/// Builtins and library functions the evaluator models itself or that only compute on
/// values: their results are data, never a callable the file chose.
pub(crate) const PURE_BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bool",
    "bytes",
    "chr",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "hash",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "ord",
    "pow",
    "print",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    "callable",
    "hasattr",
    "id",
    "bin",
    "hex",
    "oct",
    "complex",
    "ascii",
    "unichr",
    "xrange",
    "long",
    "unicode",
    "basestring",
    "cmp",
    "Exception",
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "RuntimeError",
    "AttributeError",
    "NotImplementedError",
    "AssertionError",
    "StopIteration",
];

/// Library functions the evaluator follows itself (their effect is modelled).
pub(crate) const MODELLED: &[&str] = &[
    "functools.partial",
    "functools.reduce",
    "operator.itemgetter",
    "operator.attrgetter",
    "operator.methodcaller",
    "operator.getitem",
];

impl Cx {
    fn call_fact(&mut self, target: Target, text: &str, args: &[V], kwargs: &[(String, V)]) {
        self.fact(Fact::Call { target, text: text.to_string(), args: args.to_vec(), kwargs: kwargs.to_vec() });
    }

    pub(super) fn call(&mut self, callee: V, args: Vec<V>, kwargs: Vec<(String, V)>) -> V {
        let rendered_args = {
            let mut p: Vec<String> = args.iter().map(V::render).collect();
            p.extend(kwargs.iter().map(|(k, v)| format!("{k}={}", v.render())));
            p.join(", ")
        };
        let text = format!("{}({rendered_args})", callee.operand());
        let shown = self.display.then(|| text.clone());
        let r = match &callee {
            V::Sym { dotted, .. } => {
                let dotted = dotted.to_string();
                self.call_object(dotted, args, kwargs, &rendered_args, text)
            }
            V::Method(m) => {
                let (recv, name) = (m.0.clone(), m.1.clone());
                self.call_method(recv, &name, args, kwargs, text)
            }
            V::Func(f) => {
                let f = f.clone();
                self.call_function(&f, args, kwargs, text)
            }
            V::Caller(c) => {
                let c = c.clone();
                self.call_caller(&c.0, &c.1, args, kwargs, text)
            }
            V::DataAttr(a) => {
                self.record_call(text.clone());
                self.call_fact(Target::TensorMethod(a.1.clone()), &text, &args, &kwargs);
                V::data(text)
            }
            V::Helper(h) => {
                self.record_call(text.clone());
                self.call_fact(Target::Helper(h.to_string()), &text, &args, &kwargs);
                V::helper(text)
            }
            _ => {
                self.record_call(text.clone());
                self.call_fact(Target::Lost, &text, &args, &kwargs);
                V::unknown(text)
            }
        };
        // Display run: the call an expression statement discards (`out.append(t)`), and a
        // call the analysis computed (`chr(111)`, `b64decode(…)`) reads as written.
        if let Some(text) = shown {
            self.last_call = Some(text.clone());
            if r.concrete() || matches!(r, V::Iter(..)) {
                return V::data(text);
            }
        }
        r
    }

    /// A call of a resolved object (`os.system`, `builtins.getattr`, `numpy.mean`).
    fn call_object(
        &mut self,
        dotted: String,
        args: Vec<V>,
        kwargs: Vec<(String, V)>,
        rendered_args: &str,
        text: String,
    ) -> V {
        let mut bare =
            dotted.strip_prefix("__builtin__.").map(|n| format!("builtins.{n}")).unwrap_or_else(|| dotted.clone());
        // Methods of builtin types: `bytes.fromhex`, `str.join`.
        if let Some(rest) = bare.strip_prefix("builtins.") {
            if ["bytes.", "bytearray.", "str.", "int.", "dict."].iter().any(|t| rest.starts_with(t)) {
                bare = rest.to_string();
            }
        }
        let dotted =
            if bare.starts_with("builtins.") || !dotted.starts_with("builtins.") { dotted } else { bare.clone() };
        let resolved = format!("{dotted}({rendered_args})");
        let arg0 = args.first().cloned();
        let kw = |k: &str| kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        self.record_call(resolved.clone());
        if bare.starts_with("builtins.") {
            for a in &args {
                self.record_string(a);
            }
        }
        match bare.as_str() {
            "builtins.__import__" | "importlib.import_module" | "importlib.__import__" => {
                self.call_fact(Target::Object(bare.clone()), &resolved, &args, &kwargs);
                return match &arg0 {
                    Some(V::Str(m)) => {
                        self.import(m);
                        let fromlist = args.get(3).cloned().or_else(|| kw("fromlist"));
                        let top =
                            bare == "builtins.__import__" && fromlist.as_ref().is_none_or(|f| f.truth() != Some(true));
                        let d = if top { m.split('.').next().unwrap_or(m).to_string() } else { m.to_string() };
                        V::Sym { dotted: Rc::from(d), src: Rc::from(text) }
                    }
                    _ => {
                        self.indirection(msg!(en::WHAT_COMPUTED_IMPORT, call = &text));
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
                        self.call_fact(Target::Object(bare.clone()), &resolved, &args, &kwargs);
                        self.indirection(msg!(en::WHAT_COMPUTED_GETATTR, call = &text));
                        V::unknown(text)
                    }
                };
            }
            "builtins.setattr" | "builtins.delattr" if args.len() >= 2 => {
                if let V::Str(n) = &args[1] {
                    self.reached(&format!("object.{n}"), &resolved);
                    if let V::Sym { dotted, .. } = &args[0] {
                        self.reached(&format!("{dotted}.{n}"), &resolved);
                        self.indirection(msg!(en::WHAT_ASSIGNMENT, target = format!("{dotted}.{n}")));
                    }
                } else {
                    self.indirection(msg!(en::WHAT_COMPUTED_NAME, function = bare.trim_start_matches("builtins.")));
                }
                return V::None;
            }
            "builtins.globals" | "builtins.locals" => {
                self.call_fact(Target::Object(bare.clone()), &resolved, &args, &kwargs);
                return V::Namespace(Rc::new(V::sym("<globals>", &text)));
            }
            "builtins.vars" => {
                self.call_fact(Target::Object(bare.clone()), &resolved, &args, &kwargs);
                return match arg0 {
                    None => V::Namespace(Rc::new(V::sym("<globals>", &text))),
                    Some(v @ V::Namespace(_)) => v,
                    Some(v) => V::Namespace(Rc::new(v)),
                };
            }
            "operator.methodcaller" | "operator.attrgetter" | "operator.itemgetter" => {
                return V::Caller(Rc::new((bare.trim_start_matches("operator.").to_string(), args, text)));
            }
            "functools.partial" if !args.is_empty() => {
                return V::Caller(Rc::new(("partial".to_string(), args, text)));
            }
            "operator.getitem" if args.len() == 2 => return self.subscript(&args[0], &args[1]),
            "sys.modules.get" | "sys.modules.pop" | "sys.modules.__getitem__" => {
                if let Some(V::Str(m)) = &arg0 {
                    self.import(m);
                    self.reached(m, &text);
                    return V::sym(m, &text);
                }
                self.call_fact(Target::Object(bare.clone()), &resolved, &args, &kwargs);
                return V::unknown(text);
            }
            _ => {}
        }
        if bare.ends_with(".func_load") {
            return self.func_load(&bare, args, kwargs, &resolved, text);
        }
        if bare.ends_with(".load_module") || bare.ends_with(".import_module") {
            self.call_fact(Target::Object(bare.clone()), &resolved, &args, &kwargs);
            if let Some(V::Str(m)) = &arg0 {
                self.import(m);
                return V::sym(m, &text);
            }
            self.indirection(msg!(en::WHAT_COMPUTED_IMPORT, call = &text));
            return V::unknown(text);
        }
        if let Some(v) = self.builtin_iterable(&bare, &args, &kwargs, &text) {
            return v;
        }
        self.call_fact(Target::Object(bare.clone()), &resolved, &args, &kwargs);
        let class = tables::classify_callable(&bare);
        if class == CallClass::PyFunc {
            // The wrapped callable runs on the inputs: analyse it as called.
            let f = kw("func").or_else(|| kw("fn")).or_else(|| kw("f")).or_else(|| arg0.clone());
            if let Some(f) = f {
                if matches!(f, V::Func(_) | V::Sym { .. } | V::Caller(_) | V::Method(_)) {
                    let _ = self.call(f, vec![V::data("<inputs>")], Vec::new());
                }
            }
            return V::data(text);
        }
        let concrete = args.iter().all(|a| a.concrete() || matches!(a, V::Iter(..) | V::Sym { .. }))
            && kwargs.iter().all(|(_, v)| v.concrete());
        if concrete {
            if let Some(v) = fold::call(&bare, &args, &kwargs) {
                if matches!(bare.as_str(), "builtins.chr" | "builtins.reversed" | "builtins.map") {
                    self.indirection(msg!(en::WHAT_STRING_BUILT, function = bare.trim_start_matches("builtins.")));
                }
                self.record_string(&v);
                return v;
            }
        }
        let pure = bare.strip_prefix("builtins.").is_some_and(|b| PURE_BUILTINS.contains(&b));
        if pure || class == CallClass::Compute {
            if args.iter().chain(kwargs.iter().map(|(_, v)| v)).any(V::lost) {
                return V::unknown(text);
            }
            return V::data(text);
        }
        // Anything else a known object returns is approximated by the object itself, so
        // methods of an instance resolve against its class (`ForwardRef(…)._evaluate`).
        if !bare.starts_with("builtins.") && tables::is_known_module(&bare) {
            return V::Sym { dotted: Rc::from(bare), src: Rc::from(text) };
        }
        V::unknown(text)
    }

    /// `func_load(<payload>)`: the nested payload is decoded and analysed like the
    /// Lambda itself; a payload computed at run time cannot be (the rules make it 101).
    fn func_load(&mut self, bare: &str, args: Vec<V>, kwargs: Vec<(String, V)>, resolved: &str, text: String) -> V {
        self.call_fact(Target::Object(bare.to_string()), resolved, &args, &kwargs);
        let (payload, defaults, closure) = match args.first() {
            Some(V::Tuple(t) | V::List(t)) if !t.is_empty() => (
                t[0].clone(),
                t.get(1).and_then(V::items).unwrap_or_default(),
                t.get(2).and_then(V::items).unwrap_or_default(),
            ),
            Some(v) => (v.clone(), Vec::new(), Vec::new()),
            None => return V::unknown(text),
        };
        let defaults = kwargs.iter().find(|(k, _)| k == "defaults").and_then(|(_, v)| v.items()).unwrap_or(defaults);
        let closure = kwargs.iter().find(|(k, _)| k == "closure").and_then(|(_, v)| v.items()).unwrap_or(closure);
        let bytes = match &payload {
            V::Str(s) => crate::python::payload::decode_code(s).bytes,
            V::Bytes(b) => b.to_vec(),
            _ => return V::unknown(text),
        };
        if self.depth >= self.budget.call_depth {
            self.incomplete(en::INC_NESTED_FUNC_LOAD);
            return V::unknown(text);
        }
        let inferred = match crate::python::version::infer(&bytes, &crate::python::marshal::MarshalLimits::default()) {
            Ok(i) => i,
            Err(e) => {
                self.unverifiable(msg!(en::WHAT_FUNC_LOAD_NOT_CODE, detail = e.message));
                return V::unknown(text);
            }
        };
        self.note(msg!(en::NOTE_FUNC_LOAD, versions = inferred.describe()));
        if inferred.py() == self.py {
            return self.make_function(V::Code(inferred.code.clone()), defaults, Vec::new(), closure);
        }
        // Another Python version: evaluate it on its own and keep what it found.
        let env = Env { defaults, closure, lines: self.env.lines.clone(), ..Env::default() };
        let budget = Budget { call_depth: self.budget.call_depth.saturating_sub(self.depth + 1), ..self.budget };
        let sub = evaluate(&inferred.code, inferred.py(), &env, budget);
        for f in sub.facts {
            self.fact(f);
        }
        for c in sub.calls {
            self.record_call(c);
        }
        for n in sub.notes {
            self.note(n);
        }
        self.out.incomplete |= sub.incomplete;
        V::helper(text)
    }

    /// A bound method of a concrete value (`'-'.join`, `d.get`, `__builtins__.get`).
    fn call_method(&mut self, recv: V, name: &str, args: Vec<V>, kwargs: Vec<(String, V)>, text: String) -> V {
        let ty = match &recv {
            V::Str(_) => "str",
            V::Bytes(_) => "bytes",
            V::List(_) => "list",
            V::Tuple(_) => "tuple",
            V::Dict(_) | V::Namespace(_) => "dict",
            V::Set(_) => "set",
            V::Iter(..) => "iterator",
            _ => "object",
        };
        self.record_call(text.clone());
        self.call_fact(Target::ValueMethod(ty, name.to_string()), &text, &args, &kwargs);
        if let V::Namespace(inner) = &recv {
            let inner = (**inner).clone();
            return self.namespace_method(&inner, name, &args, text);
        }
        if args.iter().all(|a| a.concrete() || matches!(a, V::Iter(..))) {
            if let Some(v) = fold::method(&recv, name, &args) {
                if name == "join" && matches!(args.first(), Some(V::Iter(..))) {
                    self.indirection(msg!(en::WHAT_STRING_JOINED));
                }
                self.record_string(&v);
                return v;
            }
        }
        if let Some(v) = self.container_method(&recv, name, &args, &kwargs) {
            return v;
        }
        if matches!(recv, V::Str(_) | V::Bytes(_)) && !args.iter().any(V::lost) {
            return V::data(text);
        }
        V::unknown(text)
    }

    /// `operator.methodcaller/attrgetter/itemgetter(...)` and `functools.partial(...)` applied.
    fn call_caller(&mut self, kind: &str, cargs: &[V], args: Vec<V>, kwargs: Vec<(String, V)>, text: String) -> V {
        if kind == "partial" {
            let mut all = cargs[1..].to_vec();
            all.extend(args);
            return self.call(cargs[0].clone(), all, kwargs);
        }
        let Some(obj) = args.first() else { return V::unknown(text) };
        match (kind, cargs.first()) {
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
                self.indirection(msg!(en::WHAT_OPERATOR_COMPUTED, function = kind));
                V::unknown(text)
            }
        }
    }

    pub(super) fn call_function(&mut self, f: &Rc<Func>, args: Vec<V>, kwargs: Vec<(String, V)>, text: String) -> V {
        if self.depth >= self.budget.call_depth {
            self.incomplete(en::INC_NESTED_CALLS);
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
        let comp = self.display && source::Comp::kind(&code.name).is_some();
        if comp {
            self.comps.push(source::Comp::new(&code));
        }
        let ret = self.run_function(&code, &defaults, &f.closure, &bound, false);
        self.stmts = saved;
        self.depth -= 1;
        // Display run: a comprehension over unknown data reads as the comprehension.
        if let Some(text) = if comp { self.comps.pop().and_then(|c| c.text()) } else { None } {
            return V::data(text);
        }
        let generator = code.flags & 0x20 != 0;
        match ret {
            Some(v) if generator => v,
            Some(v) if v.concrete() => v,
            Some(V::Sym { dotted, .. }) => V::Sym { dotted, src: Rc::from(text) },
            Some(V::Data(_) | V::DataAttr(_)) => V::data(text),
            Some(V::Helper(_)) => V::helper(text),
            Some(v @ (V::Func(_) | V::Caller(_) | V::Method(_) | V::Namespace(_) | V::Iter(..))) => v,
            Some(v) if !v.lost() && !matches!(v, V::Unknown(_) | V::UnknownIter(_) | V::Null) => v,
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
            self.incomplete(en::INC_NO_CODE_OBJECT);
            return V::unknown("<function>");
        };
        // Render the nested function by evaluating it with unknown parameters.
        let saved = std::mem::take(&mut self.stmts);
        self.depth += 1;
        let body = if self.depth <= self.budget.call_depth {
            self.analysed.insert(Rc::as_ptr(&c));
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
        let def_lines = if c.name.starts_with('<') {
            Vec::new()
        } else {
            let mut l = vec![format!("def {}({}):", c.name, signature(&c, &defaults))];
            let statements = disassemble(&c.code, self.py)
                .map(|ins| ins.iter().any(|i| i.name.starts_with("STORE_") || i.name == "FOR_ITER"))
                .unwrap_or(true);
            if statements {
                l.push(format!("    # the statements of {} before its return are not shown", c.name));
            }
            l.push(format!("    return {body}"));
            l
        };
        V::Func(Rc::new(Func { code: c, defaults, kwdefaults, closure, src, def_lines }))
    }
}
