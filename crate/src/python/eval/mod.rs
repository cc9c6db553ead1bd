//! Symbolic evaluation of bytecode over a value stack (python-code-objects.md §8).
//!
//! Nothing is executed: every instruction transforms symbolic values ([`V`]). Names
//! resolve to dotted symbols (`__import__('o'+'s').system` → `os.system`), a whitelist
//! of pure string operations is folded ([`super::fold`]), branches with unknown
//! conditions are explored both ways within step and fork budgets, and nested code
//! (lambdas, comprehensions, generators) is followed. Every resolved name, call and
//! recovered string is recorded for classification. Anything the evaluator cannot model
//! marks the analysis incomplete; it never panics.

pub mod calls;
mod containers;
mod frame;
mod names;
mod source;
mod step;

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::messages::{en, IntoArg, Message};
use crate::msg;

use super::disasm::{disassemble, jump_target, Instr};
use super::fold;
use super::marshal::Code;
use super::opcodes::Py;
use crate::python::tables::KerasLine;
use crate::python::value::{Func, V};

/// What the code is bound to at load time (lambda-formats.md §3).
#[derive(Debug, Clone)]
pub struct Env {
    pub defaults: Vec<V>,
    pub closure: Vec<V>,
    pub arguments: Vec<(String, V)>,
    /// tf.keras `module` field: where globals come from.
    pub module: Option<String>,
    /// The Keras lines that can load the file: their loaders' globals are bare globals.
    pub lines: Vec<KerasLine>,
}

impl Default for Env {
    fn default() -> Self {
        Env {
            defaults: Vec::new(),
            closure: Vec::new(),
            arguments: Vec::new(),
            module: None,
            lines: KerasLine::ALL.to_vec(),
        }
    }
}

/// One thing the code does, for `rules::code` to classify. The evaluator records
/// facts; it does not judge them.
#[derive(Debug, Clone)]
pub enum Fact {
    /// An object reached by a name or an attribute (canonical dotted name).
    Reached { dotted: String, what: String },
    /// A call with its resolved target and folded arguments.
    Call { target: Target, text: String, args: Vec<V>, kwargs: Vec<(String, V)> },
    /// A module imported (`import x`, `__import__('x')`, `sys.modules['x']`).
    Import(String),
    /// Indirection or obfuscation (computed `getattr`, strings built from `chr` codes…).
    Indirection(Message),
    /// Something the analysis cannot follow that matters: a call of a lost value, code
    /// it never reached that calls something.
    Unverifiable(Message),
    /// A global that is neither a builtin nor a loader global: the loading program must
    /// supply it, and its code is not in the file.
    Helper(String),
    /// A string constant or recovered string (URLs and addresses are classified).
    Literal(String),
}

/// What a call resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A known object: canonical dotted name (`os.system`, `numpy.mean`, `builtins.len`).
    Object(String),
    /// A method of a value derived from the inputs (a tensor method).
    TensorMethod(String),
    /// A method of a concrete value (`str.format`, `dict.get`): (type, method).
    ValueMethod(&'static str, String),
    /// A helper the loading program supplies, or something reached from one.
    Helper(String),
    /// Nested code of the file, analysed in its own right.
    Nested,
    /// Nothing the analysis could identify.
    Lost,
}

/// Everything the evaluation found.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub facts: Vec<Fact>,
    /// Resolved calls with folded arguments, in order of discovery.
    pub calls: Vec<String>,
    /// Strings recovered by folding (not already plain constants).
    pub strings: Vec<String>,
    /// Modules imported (`import x`, `__import__('x')`, `importlib.import_module`).
    pub imports: Vec<String>,
    pub notes: Vec<Message>,
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

/// Most facts one evaluation records (each is classified; past it the analysis is incomplete).
const MAX_FACTS: usize = 2000;

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
    let mut cx = Cx::new(py, env, budget);
    collect_consts(code, &mut cx.consts);
    for v in env.defaults.iter().chain(&env.closure).chain(env.arguments.iter().map(|(_, v)| v)) {
        collect_value_strings(v, &mut cx.consts, 0);
    }
    let ret = cx.run_function(code, &env.defaults, &env.closure, &env.arguments, true);
    let analysed = shown_source(code, py, env, &cx, ret.as_ref());
    cx.out.source = source::better(display_source(code, py, env, budget), analysed);
    // Every nested code object is analysed in its own right, reached or not.
    cx.analyse_nested(code);
    cx.static_backstop(code);
    cx.finish();
    cx.out
}

/// The source as written, from a second run whose facts are discarded (so it may render
/// values as written without changing what is classified): the analysis ran with the
/// values Keras binds (defaults, closure cells, Lambda `arguments`) in place of the names;
/// this run keeps the names (a caller may pass another value for a parameter) and lists
/// the bound values as comments, and shows comprehensions over unknown data as such.
fn display_source(code: &Rc<Code>, py: Py, env: &Env, budget: Budget) -> String {
    let argc = code.argcount as usize;
    let params = code.varnames.get(argc.saturating_sub(env.defaults.len())..argc).unwrap_or_default();
    let names = |ns: &[String]| ns.iter().map(|n| V::data(n.clone())).collect::<Vec<_>>();
    let shown = Env { defaults: names(params), closure: names(&code.freevars), arguments: Vec::new(), ..env.clone() };
    let mut cx = Cx::new(py, &shown, budget);
    cx.display = true;
    let ret = cx.run_function(code, &shown.defaults, &shown.closure, &[], true);
    let mut bound = Vec::new();
    for (name, v) in code.freevars.iter().zip(&env.closure) {
        bound.push(format!("# closure cell: {name} = {}", source::one_line(&v.render())));
    }
    for (name, v) in &env.arguments {
        // `mask`/`training` are bound to the caller's unknown value: nothing to show.
        if matches!(v, V::Unknown(u) if **u == **name) {
            continue;
        }
        bound.push(format!("# Lambda argument: {name}={}", source::one_line(&v.render())));
    }
    let text = shown_source(code, py, env, &cx, ret.as_ref());
    if bound.is_empty() {
        text
    } else {
        format!("{}\n{text}", bound.join("\n"))
    }
}

fn shown_source(code: &Rc<Code>, py: Py, env: &Env, cx: &Cx, ret: Option<&V>) -> String {
    let handlers = source::has_exception_handlers(code, py);
    source::function(code, &signature(code, &env.defaults), &cx.stmts, ret, cx.ret_indent, handlers)
}

fn collect_consts(code: &Rc<Code>, out: &mut HashSet<String>) {
    for c in code.graph(usize::MAX).codes {
        for k in &c.consts {
            if let crate::python::marshal::Obj::Str(s) = k {
                out.insert(s.to_string());
            }
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

pub(super) fn signature(code: &Code, defaults: &[V]) -> String {
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
pub(super) struct Frame {
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
    /// Slots an inlined (3.12+) comprehension saved with LOAD_FAST_AND_CLEAR: its loop
    /// variables, not statements of the function.
    comp_slots: Vec<usize>,
    yields: Vec<V>,
    top: bool,
}

pub(super) enum Flow {
    Next,
    Jump(usize),
    Return(V),
    Fork { cond: V, target: usize, jump_if: bool, keep: bool },
    End,
}

pub(super) struct Cx {
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
    /// Statements of the top-level function seen so far, indented (`with` bodies).
    stmts: Vec<String>,
    /// Block depth of the next statement (inside `with` blocks).
    indent: usize,
    /// Block depth at which the top-level function returned.
    ret_indent: usize,
    /// A run for the shown source only (its facts are discarded): values may read as written.
    display: bool,
    /// Comprehensions being run in a display run, innermost last.
    comps: Vec<source::Comp>,
    /// Display run: the text of the last call made.
    last_call: Option<String>,
    /// Display run: `for` loops over unknown data open in the top-level function.
    loop_heads: Vec<source::LoopHead>,
    /// Display run: an unpacking `a, b = v` being stored: (v, count, names so far).
    unpack: Option<(String, usize, Vec<String>)>,
    /// Display run: the last in-place operation (`x += 1`): its text and operator.
    inplace: Option<(String, &'static str)>,
    /// A container mutated by the last call (`d.pop(k)`, `l.append(v)`, `next(it)`):
    /// (old, new), applied to the running frame after the instruction.
    mutation: Option<(V, V)>,
    /// Modules this code reaches: an attribute read on a value the analysis lost may be
    /// an attribute of any of them.
    modules: Vec<String>,
}

impl Cx {
    fn new(py: Py, env: &Env, budget: Budget) -> Cx {
        Cx {
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
            indent: 0,
            ret_indent: 0,
            display: false,
            comps: Vec::new(),
            last_call: None,
            loop_heads: Vec::new(),
            unpack: None,
            inplace: None,
            mutation: None,
            modules: Vec::new(),
        }
    }
    pub(super) fn note(&mut self, n: Message) {
        if !self.out.notes.contains(&n) && self.out.notes.len() < 50 {
            self.out.notes.push(n);
        }
    }
    pub(super) fn incomplete(&mut self, why: impl IntoArg) {
        self.out.incomplete = true;
        self.note(msg!(en::NOTE_INCOMPLETE, reason = why.into_arg()));
    }
    pub(super) fn fact(&mut self, f: Fact) {
        if let Fact::Reached { dotted, .. } = &f {
            // One fact per object is enough for the rules.
            if self.out.facts.iter().any(|g| matches!(g, Fact::Reached { dotted: d, .. } if d == dotted)) {
                return;
            }
        }
        if self.out.facts.len() < MAX_FACTS {
            self.out.facts.push(f);
        } else if !self.out.incomplete {
            // Facts past the cap are not classified: the verdict cannot be "proven".
            self.incomplete(msg!(en::INC_TOO_MANY_FACTS, max = MAX_FACTS));
        }
    }
    /// An object reached by name or attribute.
    pub(super) fn reached(&mut self, dotted: &str, what: &str) {
        self.fact(Fact::Reached { dotted: dotted.to_string(), what: what.to_string() });
    }
    pub(super) fn indirection(&mut self, what: Message) {
        self.fact(Fact::Indirection(what));
    }
    pub(super) fn unverifiable(&mut self, what: Message) {
        self.fact(Fact::Unverifiable(what));
    }
    pub(super) fn record_string(&mut self, v: &V) {
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
    /// A statement of the top-level function, at the current block depth.
    pub(super) fn stmt(&mut self, st: String) {
        if self.stmts.len() >= 200 {
            return;
        }
        let line = format!("{}{st}", "    ".repeat(self.indent));
        if self.stmts.last() != Some(&line) {
            self.stmts.push(line);
        }
    }
    /// The statements of both sides of a branch on `cond` in the top-level function, as
    /// `if`/`else`: each side ran to the function's end, so the statements they share at
    /// the end follow the `if` once.
    pub(super) fn branch_stmts(&mut self, cond: &V, when_true: Vec<String>, when_false: Vec<String>, indent: usize) {
        let shared = when_true.iter().rev().zip(when_false.iter().rev()).take_while(|(a, b)| a == b).count();
        let (t, f) = (&when_true[..when_true.len() - shared], &when_false[..when_false.len() - shared]);
        let pad = "    ".repeat(indent);
        let block = |lines: &[String]| lines.iter().map(|l| format!("    {l}")).collect::<Vec<_>>();
        if !(t.is_empty() && f.is_empty()) {
            let mut out = Vec::new();
            if t.is_empty() {
                out.push(format!("{pad}if {}:", source::negated(cond)));
                out.extend(block(f));
            } else {
                out.push(format!("{pad}if {}:", source::test_part(cond)));
                out.extend(block(t));
                if !f.is_empty() {
                    out.push(format!("{pad}else:"));
                    out.extend(block(f));
                }
            }
            for l in out {
                if self.stmts.len() < 200 {
                    self.stmts.push(l);
                }
            }
        }
        for l in &when_true[when_true.len() - shared..] {
            if self.stmts.len() < 200 {
                self.stmts.push(l.clone());
            }
        }
    }
    pub(super) fn record_call(&mut self, text: String) {
        if !self.out.calls.contains(&text) && self.out.calls.len() < 50 {
            self.out.calls.push(text);
        }
    }
    pub(super) fn import(&mut self, module: &str) {
        if module.is_empty() {
            return;
        }
        if !self.out.imports.iter().any(|m| m == module) {
            self.out.imports.push(module.to_string());
        }
        self.fact(Fact::Import(module.to_string()));
        self.module_reached(module);
    }

    pub(super) fn module_reached(&mut self, module: &str) {
        if !self.modules.iter().any(|m| m == module) && self.modules.len() < 16 {
            self.modules.push(module.to_string());
        }
    }

    /// `.name` read on something the analysis lost: it may be an attribute of any
    /// module this code reaches (`e.args[0].system` after `raise E(os)`).
    pub(super) fn lost_attr(&mut self, name: &str, what: &str) {
        for m in self.modules.clone() {
            self.reached(&format!("{m}.{name}"), &format!("{what} (may be {m}.{name}: {m} is reached by this code)"));
        }
    }

    pub(super) fn finish(&mut self) {
        let strings: Vec<String> = self.out.strings.iter().cloned().chain(self.consts.iter().cloned()).collect();
        for s in strings {
            if looks_like_url_or_ip(&s) {
                self.fact(Fact::Literal(s));
            }
        }
    }

    /// Every code object nested in `code`, each once: shared marshal references make the
    /// nesting a DAG, which a tree walk would visit exponentially often.
    pub(super) fn analyse_nested(&mut self, code: &Rc<Code>) {
        // The parse bounds how many distinct code objects exist (`max_code_objects`).
        let graph = code.graph(usize::MAX);
        for n in graph.codes.iter().skip(1) {
            let key = Rc::as_ptr(n);
            if self.analysed.insert(key) {
                let saved = std::mem::take(&mut self.stmts);
                let _ = self.run_function(n, &[], &[], &[], false);
                self.stmts = saved;
            }
        }
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
                format!("{} if {} else {}", tv.operand(), source::test_part(cond), fv.operand())
            };
            Some((V::unknown(text), tg))
        }
    }
}

pub fn looks_like_url_or_ip(s: &str) -> bool {
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
