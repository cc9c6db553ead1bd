//! Symbolic evaluation of bytecode over a value stack (python-code-objects.md §8).
//!
//! Nothing is executed: every instruction transforms symbolic values ([`V`]). Names
//! resolve to dotted symbols (`__import__('o'+'s').system` → `os.system`), a whitelist
//! of pure string operations is folded ([`super::fold`]), branches with unknown
//! conditions are explored both ways within step and fork budgets, and nested code
//! (lambdas, comprehensions, generators) is followed. Every resolved name, call and
//! recovered string is recorded for classification. Anything the evaluator cannot model
//! marks the analysis incomplete; it never panics.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::disasm::{disassemble, jump_target, Instr};
use super::fold;
use super::marshal::Code;
use super::opcodes::Py;
use super::value::{Func, V};
use crate::rules::sinks::{self, Danger};

/// What the code is bound to at load time (lambda-formats.md §3).
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub defaults: Vec<V>,
    pub closure: Vec<V>,
    pub arguments: Vec<(String, V)>,
    /// tf.keras `module` field: where globals come from.
    pub module: Option<String>,
}

/// One piece of classified evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub danger: Danger,
    pub category: &'static str,
    pub what: String,
}

/// Everything the evaluation found.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub hits: Vec<Hit>,
    /// Resolved calls with folded arguments, in order of discovery.
    pub calls: Vec<String>,
    /// Strings recovered by folding (not already plain constants).
    pub strings: Vec<String>,
    /// Modules imported (`import x`, `__import__('x')`, `importlib.import_module`).
    pub imports: Vec<String>,
    pub notes: Vec<String>,
    /// Some path could not be followed to its end.
    pub incomplete: bool,
    /// Readable reconstruction of the top-level function.
    pub source: String,
}

/// Budgets for one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub steps: usize,
    pub forks: usize,
    pub call_depth: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { steps: 50_000, forks: 256, call_depth: 8 }
    }
}

const BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
    "__import__",
    "__build_class__",
    "execfile",
    "file",
    "reload",
    "unichr",
    "raw_input",
    "reduce",
    "long",
    "unicode",
    "xrange",
    "basestring",
    "apply",
    "buffer",
    "intern",
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
    "ImportError",
];

const CMP: &[&str] = &["<", "<=", "==", "!=", ">", ">=", "in", "not in", "is", "is not", "exception match", "BAD"];
const NB_OPS: &[&str] = &["+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>", "-", "/", "^"];

/// Evaluates a top-level function and every code object nested in it.
pub fn evaluate(code: &Rc<Code>, py: Py, env: &Env, budget: Budget) -> Evaluation {
    let mut cx = Cx {
        py,
        env: env.clone(),
        budget,
        steps: 0,
        forks: 0,
        depth: 0,
        out: Evaluation::default(),
        analysed: HashSet::new(),
        visited: HashMap::new(),
        consts: HashSet::new(),
        stmts: Vec::new(),
    };
    collect_consts(code, &mut cx.consts);
    for v in env.defaults.iter().chain(&env.closure).chain(env.arguments.iter().map(|(_, v)| v)) {
        collect_value_strings(v, &mut cx.consts, 0);
    }
    let ret = cx.run_function(code, &env.defaults, &env.closure, &env.arguments, true);
    let head = signature(code, &env.defaults);
    let body = ret.as_ref().map(V::render).unwrap_or_else(|| "<does not return>".into());
    cx.out.source = if code.name == "<lambda>" && cx.stmts.is_empty() {
        format!("lambda {head}: {body}")
    } else {
        let mut s = format!("def {}({head}):\n", code.name);
        for st in &cx.stmts {
            s.push_str(&format!("    {st}\n"));
        }
        s.push_str(&format!("    return {body}"));
        s
    };
    // Every nested code object is analysed in its own right, reached or not.
    cx.analyse_nested(code);
    cx.static_backstop(code);
    cx.finish();
    cx.out
}

fn collect_consts(code: &Code, out: &mut HashSet<String>) {
    for c in &code.consts {
        match c {
            super::marshal::Obj::Str(s) => {
                out.insert(s.to_string());
            }
            super::marshal::Obj::Code(n) => collect_consts(n, out),
            _ => {}
        }
    }
}

fn collect_value_strings(v: &V, out: &mut HashSet<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    match v {
        V::Str(s) => {
            out.insert(s.to_string());
        }
        V::Tuple(t) | V::List(t) | V::Set(t) => t.iter().for_each(|x| collect_value_strings(x, out, depth + 1)),
        V::Dict(d) => d.iter().for_each(|(k, x)| {
            collect_value_strings(k, out, depth + 1);
            collect_value_strings(x, out, depth + 1)
        }),
        _ => {}
    }
}

fn signature(code: &Code, defaults: &[V]) -> String {
    let n = code.argcount as usize + code.kwonlyargcount as usize;
    let names: Vec<&String> = code.varnames.iter().take(n).collect();
    let first_default = (code.argcount as usize).saturating_sub(defaults.len());
    let mut parts = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if i >= first_default && i < code.argcount as usize {
            parts.push(format!("{name}={}", defaults[i - first_default].render()));
        } else {
            parts.push(name.to_string());
        }
        if i + 1 == code.argcount as usize && code.flags & 0x4 != 0 {
            if let Some(v) = code.varnames.get(n) {
                parts.push(format!("*{v}"));
            }
        }
    }
    if code.argcount == 0 && code.flags & 0x4 != 0 {
        if let Some(v) = code.varnames.get(n) {
            parts.push(format!("*{v}"));
        }
    }
    if code.flags & 0x8 != 0 {
        let idx = n + (code.flags & 0x4 != 0) as usize;
        if let Some(v) = code.varnames.get(idx) {
            parts.push(format!("**{v}"));
        }
    }
    parts.join(", ")
}

#[derive(Clone)]
struct Frame {
    code: Rc<Code>,
    ins: Rc<Vec<Instr>>,
    at: Rc<HashMap<usize, usize>>,
    pc: usize,
    stack: Vec<V>,
    fast: Vec<Option<V>>,
    cells: Vec<Option<V>>,
    names: HashMap<String, V>,
    kwnames: Option<Vec<String>>,
    loops: HashMap<usize, u32>,
    yields: Vec<V>,
    top: bool,
}

enum Flow {
    Next,
    Jump(usize),
    Return(V),
    Fork { cond: V, target: usize, jump_if: bool, keep: bool },
    End,
}

struct Cx {
    py: Py,
    env: Env,
    budget: Budget,
    steps: usize,
    forks: usize,
    depth: usize,
    out: Evaluation,
    analysed: HashSet<*const Code>,
    visited: HashMap<*const Code, HashSet<usize>>,
    consts: HashSet<String>,
    stmts: Vec<String>,
}

impl Cx {
    fn note(&mut self, n: impl Into<String>) {
        let n = n.into();
        if !self.out.notes.contains(&n) && self.out.notes.len() < 50 {
            self.out.notes.push(n);
        }
    }
    fn incomplete(&mut self, why: impl Into<String>) {
        self.out.incomplete = true;
        self.note(format!("incomplete analysis: {}", why.into()));
    }
    fn hit(&mut self, danger: Danger, category: &'static str, what: impl Into<String>) {
        let h = Hit { danger, category, what: what.into() };
        if !self.out.hits.contains(&h) && self.out.hits.len() < 200 {
            self.out.hits.push(h);
        }
    }
    fn classify_name(&mut self, dotted: &str, what: &str) {
        if let Some(h) = sinks::classify(dotted) {
            self.hit(h.danger, h.category, what.to_string());
        }
    }
    fn record_string(&mut self, v: &V) {
        let s = match v {
            V::Str(s) => s.to_string(),
            V::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            _ => return,
        };
        if s.is_empty() || self.consts.contains(&s) || self.out.strings.contains(&s) || self.out.strings.len() >= 50 {
            return;
        }
        let shown = if s.len() > 500 {
            format!(
                "{}…",
                &s[..s.char_indices().take_while(|(i, _)| *i < 500).last().map(|(i, c)| i + c.len_utf8()).unwrap_or(0)]
            )
        } else {
            s
        };
        self.out.strings.push(shown);
    }
    fn record_call(&mut self, text: String) {
        if !self.out.calls.contains(&text) && self.out.calls.len() < 50 {
            self.out.calls.push(text);
        }
    }
    fn import(&mut self, module: &str) {
        if module.is_empty() {
            return;
        }
        if !self.out.imports.iter().any(|m| m == module) {
            self.out.imports.push(module.to_string());
        }
        if let Some(h) = sinks::classify(module) {
            self.hit(h.danger, h.category, format!("import {module}"));
        } else if sinks::is_ml_module(module) {
        } else if sinks::is_ml_adjacent_module(module) {
            self.note(format!(
                "imports {module} (a common data-science library, treated as part of the machine-learning set)"
            ));
        } else {
            self.hit(Danger::Suspicious, sinks::FOREIGN_IMPORT, format!("import {module}"));
        }
    }

    fn finish(&mut self) {
        let strings: Vec<String> = self.out.strings.iter().cloned().chain(self.consts.iter().cloned()).collect();
        for s in strings {
            if looks_like_url_or_ip(&s) {
                self.hit(
                    Danger::Suspicious,
                    sinks::NET,
                    format!("URL or IP address literal {}", super::value::py_repr_str(&s)),
                );
            }
        }
    }

    fn analyse_nested(&mut self, code: &Rc<Code>) {
        for n in code.nested() {
            let key = Rc::as_ptr(n);
            if !self.analysed.contains(&key) {
                self.analysed.insert(key);
                let saved = std::mem::take(&mut self.stmts);
                let _ = self.run_function(n, &[], &[], &[], false);
                self.stmts = saved;
            }
            self.analyse_nested(n);
        }
    }

    /// Names used by instructions the evaluator never reached (exception handlers,
    /// dead branches): imports and `global.attr` chains are still classified.
    fn static_backstop(&mut self, code: &Rc<Code>) {
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
                        prev = name(super::version::name_index(i.name, i.argv() as usize, py)).map(|n| {
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
                            (prev.clone(), name(super::version::name_index(i.name, i.argv() as usize, py)))
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

    fn resolve_global(&mut self, name: &str) -> V {
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

    fn attr(&mut self, obj: &V, name: &str) -> V {
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

    fn subscript(&mut self, c: &V, k: &V) -> V {
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
    fn rename(&self, v: V, name: &str) -> V {
        match v {
            V::Sym { dotted, .. } => V::Sym { dotted, src: Rc::from(name) },
            V::Unknown(_) => V::unknown(name),
            V::UnknownIter(_) => V::UnknownIter(Rc::from(name)),
            other => other,
        }
    }

    fn call(&mut self, callee: V, args: Vec<V>, kwargs: Vec<(String, V)>) -> V {
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

    fn call_function(&mut self, f: &Rc<Func>, args: Vec<V>, kwargs: Vec<(String, V)>, text: String) -> V {
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
    fn run_function(
        &mut self,
        code: &Rc<Code>,
        defaults: &[V],
        closure: &[V],
        bound: &[(String, V)],
        top: bool,
    ) -> Option<V> {
        let py = self.py;
        let ins = match disassemble(&code.code, py) {
            Ok(i) => i,
            Err(e) => {
                self.incomplete(format!("{} does not disassemble: {e}", code.name));
                return None;
            }
        };
        let at: HashMap<usize, usize> = ins.iter().enumerate().map(|(k, i)| (i.offset, k)).collect();
        let nfast = if py.ge(11) { code.localsplusnames.len() } else { code.varnames.len() };
        let mut fr = Frame {
            code: code.clone(),
            ins: Rc::new(ins),
            at: Rc::new(at),
            pc: 0,
            stack: Vec::new(),
            fast: vec![None; nfast],
            cells: vec![None; code.cellvars.len() + code.freevars.len()],
            names: HashMap::new(),
            kwnames: None,
            loops: HashMap::new(),
            yields: Vec::new(),
            top,
        };
        // Parameters.
        let argc = code.argcount as usize;
        let nparams = argc + code.kwonlyargcount as usize;
        let first_default = argc.saturating_sub(defaults.len());
        let local_names: Vec<String> = if py.ge(11) { code.localsplusnames.clone() } else { code.varnames.clone() };
        for (i, name) in code.varnames.iter().enumerate().take(nparams + 2) {
            let slot = local_names.iter().position(|n| n == name).unwrap_or(i);
            let mut v = if let Some((_, v)) = bound.iter().rev().find(|(n, _)| n == name) {
                v.clone()
            } else if i >= first_default && i < argc {
                defaults[i - first_default].clone()
            } else if name == ".0" {
                V::UnknownIter(Rc::from("<iterable>"))
            } else {
                V::unknown(name.clone())
            };
            if i >= nparams {
                // *args / **kwargs
                if (code.flags & 0xC) == 0 {
                    break;
                }
                v = V::unknown(name.clone());
            }
            if slot < fr.fast.len() {
                fr.fast[slot] = Some(v.clone());
            }
            // Pre-3.11 parameters that are also cells are copied into the cell.
            if !py.ge(11) {
                if let Some(c) = code.cellvars.iter().position(|n| n == name) {
                    fr.cells[c] = Some(v);
                }
            }
        }
        // Closure cells.
        if py.ge(11) {
            let mut k = 0;
            for (slot, &kind) in code.localspluskinds.iter().enumerate() {
                if kind & 0x80 != 0 {
                    let name = &code.localsplusnames[slot];
                    fr.fast[slot] = Some(closure.get(k).cloned().unwrap_or_else(|| V::unknown(name.clone())));
                    k += 1;
                }
            }
        } else {
            for (k, name) in code.freevars.iter().enumerate() {
                fr.cells[code.cellvars.len() + k] =
                    Some(closure.get(k).cloned().unwrap_or_else(|| V::unknown(name.clone())));
            }
        }
        let generator = code.flags & 0x20 != 0;
        let r = self.run(fr);
        if generator {
            return r.map(|(_, y)| y);
        }
        r.map(|(v, _)| v)
    }

    /// Runs a frame to its end. Returns (return value, generator result).
    fn run(&mut self, mut fr: Frame) -> Option<(V, V)> {
        let key = Rc::as_ptr(&fr.code);
        loop {
            self.steps += 1;
            if self.steps > self.budget.steps {
                self.incomplete(format!("step budget of {} instructions exhausted", self.budget.steps));
                return None;
            }
            let Some(ins) = fr.ins.get(fr.pc).cloned() else {
                self.incomplete(format!("{} runs past its last instruction", fr.code.name));
                return None;
            };
            self.visited.entry(key).or_default().insert(ins.offset);
            let flow = self.step(&mut fr, &ins);
            match flow {
                Flow::Next => fr.pc += 1,
                Flow::Jump(off) => match fr.at.get(&off) {
                    Some(&k) => fr.pc = k,
                    None => {
                        self.incomplete(format!("jump to {off}, not an instruction"));
                        return None;
                    }
                },
                Flow::Return(v) => {
                    let gen = if fr.yields.iter().all(|y| !matches!(y, V::Unknown(_))) {
                        V::Iter(fr.yields.clone().into(), 0)
                    } else {
                        V::UnknownIter(Rc::from(format!("<{} generator>", fr.code.name)))
                    };
                    return Some((v, gen));
                }
                Flow::End => return None,
                Flow::Fork { cond, target, jump_if, keep } => {
                    let Some(&tk) = fr.at.get(&target) else {
                        self.incomplete(format!("jump to {target}, not an instruction"));
                        return None;
                    };
                    if let Some(t) = cond.truth() {
                        if t == jump_if {
                            if keep {
                                fr.stack.push(cond);
                            }
                            fr.pc = tk;
                        } else {
                            fr.pc += 1;
                        }
                        continue;
                    }
                    if self.forks >= self.budget.forks {
                        self.incomplete(format!(
                            "fork budget of {} branches exhausted; only one side followed",
                            self.budget.forks
                        ));
                        fr.pc += 1;
                        continue;
                    }
                    self.forks += 1;
                    let mut taken = fr.clone();
                    if keep {
                        taken.stack.push(cond.clone());
                    }
                    taken.pc = tk;
                    fr.pc += 1;
                    let saved_len = self.stmts.len();
                    let a = self.run(taken);
                    self.stmts.truncate(saved_len.max(self.stmts.len().min(saved_len)));
                    let b = self.run(fr);
                    return combine(&cond, jump_if, a, b);
                }
            }
        }
    }

    fn pop(&mut self, fr: &mut Frame) -> V {
        match fr.stack.pop() {
            Some(v) => v,
            None => {
                self.incomplete(format!("stack underflow in {}", fr.code.name));
                V::unknown("<?>")
            }
        }
    }
    fn popn(&mut self, fr: &mut Frame, n: usize) -> Vec<V> {
        let mut v: Vec<V> = (0..n).map(|_| self.pop(fr)).collect();
        v.reverse();
        v
    }
    fn peek_mut<'f>(&mut self, fr: &'f mut Frame, i: usize) -> Option<&'f mut V> {
        let len = fr.stack.len();
        if i == 0 || i > len {
            self.incomplete("stack access out of range");
            return None;
        }
        fr.stack.get_mut(len - i)
    }

    fn local_name(&self, fr: &Frame, i: usize) -> String {
        let names = if self.py.ge(11) { &fr.code.localsplusnames } else { &fr.code.varnames };
        names.get(i).cloned().unwrap_or_else(|| format!("<local {i}>"))
    }
    fn load_fast(&mut self, fr: &Frame, i: usize) -> V {
        match fr.fast.get(i).cloned().flatten() {
            Some(v) => v,
            None => V::unknown(self.local_name(fr, i)),
        }
    }
    fn store_fast(&mut self, fr: &mut Frame, i: usize, v: V) {
        let name = self.local_name(fr, i);
        if fr.top && !name.starts_with('.') && self.stmts.len() < 200 {
            let r = v.render();
            let st = if let Some(m) = r.strip_prefix("import ") {
                if m.split('.').next() == Some(name.as_str()) {
                    r.clone()
                } else {
                    format!("import {m} as {name}")
                }
            } else if r.starts_with("from ") && !r.contains('(') {
                if r.rsplit(' ').next() == Some(name.as_str()) {
                    r.clone()
                } else {
                    format!("{r} as {name}")
                }
            } else {
                format!("{name} = {r}")
            };
            if self.stmts.last() != Some(&st) {
                self.stmts.push(st);
            }
        }
        let v = match v {
            V::Sym { dotted, .. } => V::Sym { dotted, src: Rc::from(name.as_str()) },
            V::Unknown(_) if fr.top => V::unknown(name),
            other => other,
        };
        if i < fr.fast.len() {
            fr.fast[i] = Some(v);
        } else {
            self.incomplete("store to a local out of range");
        }
    }
    fn deref_name(&self, fr: &Frame, i: usize) -> String {
        if self.py.ge(11) {
            return self.local_name(fr, i);
        }
        let c = &fr.code;
        c.cellvars
            .get(i)
            .or_else(|| c.freevars.get(i.wrapping_sub(c.cellvars.len())))
            .cloned()
            .unwrap_or_else(|| format!("<cell {i}>"))
    }
    fn load_deref(&mut self, fr: &Frame, i: usize) -> V {
        let v = if self.py.ge(11) { fr.fast.get(i).cloned().flatten() } else { fr.cells.get(i).cloned().flatten() };
        v.unwrap_or_else(|| V::unknown(self.deref_name(fr, i)))
    }
    fn store_deref(&mut self, fr: &mut Frame, i: usize, v: V) {
        if self.py.ge(11) {
            if i < fr.fast.len() {
                fr.fast[i] = Some(v);
            }
        } else if i < fr.cells.len() {
            fr.cells[i] = Some(v);
        }
    }
    fn name(&self, fr: &Frame, i: usize) -> String {
        fr.code.names.get(i).cloned().unwrap_or_else(|| format!("<name {i}>"))
    }
    fn konst(&self, fr: &Frame, i: usize) -> V {
        fr.code.consts.get(i).map(V::from_obj).unwrap_or_else(|| V::unknown(format!("<const {i}>")))
    }

    fn binop(&mut self, op: &str, a: V, b: V) -> V {
        if op == "[]" {
            return self.subscript(&a, &b);
        }
        match fold::binop(op, &a, &b) {
            Some(v) => {
                if matches!(v, V::Str(_) | V::Bytes(_)) {
                    self.record_string(&v);
                }
                v
            }
            None => V::unknown(format!("{} {op} {}", a.operand(), b.operand())),
        }
    }

    fn compare(&mut self, op: &str, a: V, b: V) -> V {
        if a.concrete() && b.concrete() {
            let r = match op {
                "==" => Some(fold::same(&a, &b)),
                "!=" => Some(!fold::same(&a, &b)),
                "in" | "not in" => {
                    b.items()
                        .map(|items| items.iter().any(|x| fold::same(x, &a)))
                        .map(|r| if op == "in" { r } else { !r })
                }
                "<" | "<=" | ">" | ">=" => match (&a, &b) {
                    (V::Int(x), V::Int(y)) => Some(match op {
                        "<" => x < y,
                        "<=" => x <= y,
                        ">" => x > y,
                        _ => x >= y,
                    }),
                    _ => None,
                },
                _ => None,
            };
            if let Some(r) = r {
                return V::Bool(r);
            }
        }
        V::unknown(format!("{} {op} {}", a.operand(), b.operand()))
    }

    /// Finishes a call: the callable and optional self are under the arguments.
    fn finish_call(&mut self, fr: &mut Frame, n: usize, kwnames: Option<Vec<String>>) -> Flow {
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

    fn kw_names_of(v: &V) -> Vec<String> {
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

    fn make_function(&mut self, code: V, defaults: Vec<V>, kwdefaults: Vec<(String, V)>, closure: Vec<V>) -> V {
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

    fn step(&mut self, fr: &mut Frame, ins: &Instr) -> Flow {
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
                if fr.top && self.stmts.len() < 200 {
                    if let V::Unknown(s) = &v {
                        if s.ends_with(')') && !s.starts_with('<') {
                            self.stmts.push(s.to_string());
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
                    self.incomplete("rotation beyond the stack");
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
                    self.incomplete("stack underflow");
                    return Flow::End;
                }
                let (a, b) = (fr.stack[l - 2].clone(), fr.stack[l - 1].clone());
                push!(a);
                push!(b);
            }
            "DUP_TOPX" => {
                let l = fr.stack.len();
                if arg > l {
                    self.incomplete("stack underflow");
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
                    self.incomplete("SWAP beyond the stack");
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
                let idx = super::version::name_index(name, arg, py);
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
                    self.note(format!("the function assigns the global {n}"));
                }
                let v = self.rename(v, &n);
                fr.names.insert(n, v);
            }
            "DELETE_NAME" | "DELETE_GLOBAL" => {}
            "LOAD_ATTR" => {
                let idx = super::version::name_index(name, arg, py);
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
                if let Some(h) = sinks::classify(&format!("object.{n}")) {
                    self.hit(h.danger, h.category, format!("assignment to {}.{n}", obj.render()));
                }
                if let V::Sym { dotted, .. } = &obj {
                    self.hit(Danger::Suspicious, sinks::OBFUSCATION, format!("assignment to {dotted}.{n}"));
                }
            }
            "DELETE_ATTR" => {
                self.pop(fr);
            }
            "STORE_SUBSCR" => {
                let key = self.pop(fr);
                let obj = self.pop(fr);
                let _v = self.pop(fr);
                if let V::Namespace(_) | V::Sym { .. } = obj {
                    self.hit(
                        Danger::Suspicious,
                        sinks::OBFUSCATION,
                        format!("assignment to {}[{}]", obj.render(), key.render()),
                    );
                }
            }
            "DELETE_SUBSCR" => {
                self.popn(fr, 2);
            }
            "IMPORT_NAME" => {
                let n = self.name(fr, super::version::name_index(name, arg, py));
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
                self.note(format!("from {} import *", m.render()));
            }
            "UNARY_POSITIVE" | "UNARY_NEGATIVE" | "UNARY_INVERT" | "UNARY_NOT" | "UNARY_CONVERT" => {
                let v = self.pop(fr);
                let r = match (name, &v) {
                    ("UNARY_NEGATIVE", V::Int(i)) => V::Int(-i),
                    ("UNARY_NEGATIVE", V::Float(f)) => V::Float(-f),
                    ("UNARY_POSITIVE", V::Int(_) | V::Float(_)) => v.clone(),
                    ("UNARY_INVERT", V::Int(i)) => V::Int(!i),
                    ("UNARY_NOT", _) if v.truth().is_some() => V::Bool(!v.truth().unwrap_or(false)),
                    ("UNARY_NOT", _) => V::unknown(format!("not {}", v.operand())),
                    ("UNARY_NEGATIVE", _) => V::unknown(format!("-{}", v.operand())),
                    ("UNARY_INVERT", _) => V::unknown(format!("~{}", v.operand())),
                    ("UNARY_CONVERT", _) => V::unknown(format!("repr({})", v.render())),
                    _ => v.clone(),
                };
                push!(r)
            }
            "BINARY_OP" => {
                let b = self.pop(fr);
                let a = self.pop(fr);
                let op = if arg == 26 { "[]" } else { NB_OPS.get(arg % 13).copied().unwrap_or("?") };
                let r = self.binop(op, a, b);
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
                        self.incomplete(format!("unsupported opcode {n}"));
                        return Flow::End;
                    }
                };
                let b = self.pop(fr);
                let a = self.pop(fr);
                let r = self.binop(op, a, b);
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
                            V::Unknown(s) if s.starts_with('{') => s.to_string(),
                            other => format!("{{{}}}", other.render()),
                        })
                        .collect();
                    push!(V::unknown(format!("f{}", super::value::py_repr_str(&body))))
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
                        } else if let V::Unknown(s) = &v {
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
                push!(r)
            }
            "LIST_APPEND" | "SET_ADD" => {
                let v = self.pop(fr);
                match self.peek_mut(fr, arg) {
                    Some(V::List(l)) | Some(V::Set(l)) => {
                        let mut items = l.to_vec();
                        items.push(v);
                        *l = items.into();
                    }
                    Some(other) => *other = V::unknown("<list>"),
                    None => return Flow::End,
                }
            }
            "MAP_ADD" => {
                self.popn(fr, 2);
                if let Some(t) = self.peek_mut(fr, arg) {
                    *t = V::unknown("<dict>");
                }
            }
            "LIST_EXTEND" | "SET_UPDATE" => {
                let v = self.pop(fr);
                let items = v.items();
                match (self.peek_mut(fr, arg), items) {
                    (Some(V::List(l)), Some(it)) | (Some(V::Set(l)), Some(it)) => {
                        let mut x = l.to_vec();
                        x.extend(it);
                        *l = x.into();
                    }
                    (Some(t), _) => *t = V::unknown(format!("[*{}]", v.render())),
                    (None, _) => return Flow::End,
                }
            }
            "DICT_UPDATE" | "DICT_MERGE" => {
                self.pop(fr);
                if let Some(t) = self.peek_mut(fr, arg) {
                    *t = V::unknown("<dict>");
                }
            }
            "LIST_TO_TUPLE" => {
                let v = self.pop(fr);
                push!(match v {
                    V::List(l) => V::Tuple(l),
                    o => o,
                })
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
                let items = v.items().filter(|i| i.len() == arg);
                match items {
                    Some(items) => {
                        for it in items.into_iter().rev() {
                            push!(it);
                        }
                    }
                    None => {
                        for k in (0..arg).rev() {
                            push!(V::unknown(format!("{}[{k}]", v.operand())));
                        }
                    }
                }
            }
            "UNPACK_EX" => {
                let v = self.pop(fr);
                let (before, after) = (arg & 0xff, arg >> 8);
                for k in (0..before + after + 1).rev() {
                    push!(V::unknown(format!("{}[{k}]", v.operand())));
                }
            }
            "GET_ITER" | "GET_YIELD_FROM_ITER" => {
                let v = self.pop(fr);
                let it = match &v {
                    V::Iter(..) | V::UnknownIter(_) => v.clone(),
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
                    self.incomplete("FOR_ITER without a target");
                    return Flow::End;
                };
                let l = fr.stack.len();
                let pos = if l >= 1 && matches!(fr.stack[l - 1], V::Iter(..) | V::UnknownIter(_)) {
                    l - 1
                } else if l >= 2 && matches!(fr.stack[l - 2], V::Iter(..) | V::UnknownIter(_)) {
                    l - 2
                } else if l >= 1 {
                    let v = fr.stack[l - 1].clone();
                    fr.stack[l - 1] = V::UnknownIter(Rc::from(v.render()));
                    l - 1
                } else {
                    self.incomplete("FOR_ITER on an empty stack");
                    return Flow::End;
                };
                let next = match &mut fr.stack[pos] {
                    V::Iter(items, k) => {
                        let r = items.get(*k).cloned();
                        *k += 1;
                        r
                    }
                    V::UnknownIter(src) => {
                        let count = fr.loops.entry(ins.offset).or_insert(0);
                        *count += 1;
                        if *count == 1 {
                            Some(V::unknown(format!("<item of {src}>")))
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                match next {
                    Some(v) => push!(v),
                    None => {
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
                self.popn(fr, arg);
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
                    self.incomplete(format!("{name} without a target"));
                    return Flow::End;
                };
                if t <= ins.offset {
                    let c = fr.loops.entry(ins.offset + 1_000_000).or_insert(0);
                    *c += 1;
                    if *c > 10_000 {
                        self.incomplete("loop iteration budget exhausted");
                        return Flow::End;
                    }
                }
                return Flow::Jump(t);
            }
            "BREAK_LOOP" => {
                self.incomplete("BREAK_LOOP is not modelled");
                return Flow::End;
            }
            n if n.contains("JUMP") && n.contains("_IF_") => {
                let Some(target) = jump_target(ins, py) else {
                    self.incomplete(format!("{n} without a target"));
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
                        o => args.push(V::unknown(format!("**{}", o.render()))),
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
                    o => args.push(V::unknown(format!("**{}", o.render()))),
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
                    5 => v,
                    6 => match v {
                        V::List(l) => V::Tuple(l),
                        o => o,
                    },
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
                push!(V::unknown(format!("{}.__exit__", m.operand())));
                push!(V::unknown(format!("{}.__enter__()", m.operand())));
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
                self.hit(Danger::Malicious, sinks::DYN, what);
            }
            "GET_AWAITABLE" | "GET_AITER" | "GET_ANEXT" | "SEND" | "YIELD_FROM" | "ASYNC_GEN_WRAP" => {
                self.hit(Danger::Suspicious, sinks::BACKGROUND, format!("asynchronous code ({name})"));
                self.incomplete(format!("{name} is not modelled"));
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
                self.incomplete(format!("opcode {other} is not modelled"));
                return Flow::End;
            }
        }
        Flow::Next
    }
}

fn combine(cond: &V, jump_if: bool, taken: Option<(V, V)>, fall: Option<(V, V)>) -> Option<(V, V)> {
    let (t, f) = if jump_if { (taken, fall) } else { (fall, taken) };
    match (t, f) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x),
        (Some((tv, tg)), Some((fv, _))) => {
            let c = cond.render();
            let (ts, fs) = (tv.render(), fv.render());
            let text = if ts == fs {
                return Some((tv, tg));
            } else if ts == c {
                format!("{} or {}", cond.operand(), fv.operand())
            } else if fs == c {
                format!("{} and {}", cond.operand(), tv.operand())
            } else {
                format!("{} if {} else {}", tv.operand(), cond.operand(), fv.operand())
            };
            Some((V::unknown(text), tg))
        }
    }
}

fn looks_like_url_or_ip(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    if ["http://", "https://", "ftp://", "tcp://", "ws://", "wss://"].iter().any(|p| l.contains(p)) {
        return true;
    }
    // A dotted quad.
    for w in s.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        let parts: Vec<&str> = w.split('.').collect();
        if parts.len() == 4
            && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok_and(|n| n <= 255))
        {
            return true;
        }
    }
    false
}

/// The keyword arguments a `**mapping` supplies: string keys as names, others rendered.
fn dict_kwargs(d: &[(V, V)]) -> impl Iterator<Item = (String, V)> + '_ {
    d.iter().map(|(k, v)| {
        let name = match k {
            V::Str(s) => s.to_string(),
            o => o.render(),
        };
        (name, v.clone())
    })
}
