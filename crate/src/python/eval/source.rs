//! The reconstructed source of the top-level function, as shown to reviewers.
//!
//! The evaluator renders values as Python expressions and records the statements of the
//! top-level function (assignments, expression statements, `with` blocks). This module
//! assembles them into source that is valid Python: what the analysis could only
//! describe (an item of a loop it did not unroll, a value it lost, a part elided for
//! size) is shown as a `#` comment line, never as code that does not parse.

use std::rc::Rc;

use super::{Cx, Frame};
use crate::python::marshal::Code;
use crate::python::value::V;

/// Why a line is shown as a comment instead of code.
const NOT_CODE: &str = "# not reconstructed as code (the analysis describes a value here):";
const NO_RETURN: &str = "# the analysis found no path on which this";
const LOOP: &str = "# loop variable (the loop body is shown once, for one item):";

/// `lambda …: …` or `def name(…):` with the statements seen and the return value.
pub(super) fn function(
    code: &Code,
    head: &str,
    stmts: &[String],
    ret: Option<&V>,
    ret_indent: usize,
    handlers: bool,
) -> String {
    let body = ret.map(V::render);
    let is_lambda = code.name == "<lambda>";
    if is_lambda && stmts.is_empty() && !handlers {
        return match body {
            Some(b) if is_code(&b) => format!("lambda {head}: {b}"),
            Some(b) => format!("{NOT_CODE}\n# lambda {head}: {}", one_line(&b)),
            None => format!("{NO_RETURN} lambda returns\n# lambda {head}: ..."),
        };
    }
    let mut lines = Vec::new();
    let name = if is_identifier(&code.name) {
        code.name.clone()
    } else {
        lines.push(format!("# {}, shown as a function so that its statements can be shown", code.name));
        "_lambda".to_string()
    };
    lines.push(format!("def {name}({head}):"));
    if handlers {
        lines.push(
            "    # try/except (or finally) in this function: shown is the path on which nothing raises; \
             the handlers are not shown"
                .to_string(),
        );
    }
    for st in stmts {
        let indent = st.len() - st.trim_start().len();
        let pad = " ".repeat(indent + 4);
        let text = st.trim_start();
        if is_code(text) || text.starts_with('#') {
            lines.push(format!("{pad}{text}"));
        } else if let Some(header) = block_header(text) {
            // The block's lines follow indented: its header must stay a header.
            lines.push(format!("{pad}{NOT_CODE} {}", one_line(text)));
            lines.push(format!("{pad}{header}"));
        } else if text.contains("<item of ") {
            lines.push(format!("{pad}{LOOP} {}", one_line(text)));
        } else {
            lines.push(format!("{pad}{NOT_CODE} {}", one_line(text)));
        }
    }
    let pad = "    ".repeat(ret_indent + 1);
    // A generator's statements show its `yield`s; what the analysis returns for it is the
    // list of yielded values, not a `return`.
    let generator = code.flags & 0x20 != 0;
    match body {
        _ if generator => {}
        Some(b) if is_code(&b) => lines.push(format!("{pad}return {b}")),
        Some(b) => lines.push(format!("{pad}{NOT_CODE} return {}", one_line(&b))),
        None => lines.push(format!("{pad}{NO_RETURN} function returns")),
    }
    close_blocks(lines).join("\n")
}

/// `if …:` / `with … as n:` with the part the analysis could not write as `...`.
fn block_header(text: &str) -> Option<String> {
    let body = text.strip_suffix(':')?;
    if let Some(rest) = body.strip_prefix("with ") {
        let name = rest.rsplit_once(" as ").map(|(_, n)| n).filter(|n| is_identifier(n));
        return Some(match name {
            Some(n) => format!("with ... as {n}:"),
            None => "with ...:".to_string(),
        });
    }
    ["if ", "elif ", "while "].iter().find(|k| body.starts_with(*k)).map(|k| format!("{}...:", k))
}

/// Whether the code has a `try` statement (not only the handlers of `with` blocks).
pub(super) fn has_exception_handlers(code: &Code, py: crate::python::opcodes::Py) -> bool {
    let Ok(ins) = crate::python::disasm::disassemble(&code.code, py) else { return false };
    let count = |n: &str| ins.iter().filter(|i| i.name == n).count();
    let old_style = count("SETUP_EXCEPT") + count("SETUP_FINALLY") > 0;
    old_style || count("CHECK_EXC_MATCH") > 0 || count("PUSH_EXC_INFO") > count("WITH_EXCEPT_START")
}

/// The display run's source, unless it lost what the analysis run could show (a return
/// value, a part written as code): then the analysis run's, with values in place of names.
pub(super) fn better(shown: String, analysed: String) -> String {
    let lacks = |s: &str| (s.contains(NO_RETURN) as u8, s.contains(NOT_CODE) as u8);
    if lacks(&analysed) < lacks(&shown) {
        analysed
    } else {
        shown
    }
}

/// `not c` as written: `a is not b`, `a not in b` for a single identity or membership
/// test (the same by definition), else `not (c)`.
pub(super) fn negated(cond: &V) -> String {
    let text = cond.render();
    let ops = top_level_ops(&text);
    let plain = !text.starts_with("not ") && !text.starts_with("lambda");
    if let ([(at, op)], true) = (&ops[..], plain) {
        let (at, op) = (*at, *op);
        let swapped = match op {
            " is " => Some(" is not "),
            " is not " => Some(" is "),
            " in " => Some(" not in "),
            " not in " => Some(" in "),
            _ => None,
        };
        if let Some(s) = swapped {
            return format!("{}{s}{}", &text[..at], &text[at + op.len()..]);
        }
    }
    if ops.is_empty() && crate::python::value::is_primary(&text) {
        format!("not {text}")
    } else {
        format!("not ({text})")
    }
}

/// A test as the condition of `if` / a conditional expression: parenthesised only when
/// it is itself a conditional expression or a lambda.
pub(super) fn test_part(cond: &V) -> String {
    let text = cond.render();
    if text.starts_with("lambda") || top_level_ops(&text).iter().any(|(_, op)| *op == " if ") {
        format!("({text})")
    } else {
        text
    }
}

/// Comparison and conditional keywords outside brackets and strings: (byte offset, text).
fn top_level_ops(s: &str) -> Vec<(usize, &'static str)> {
    const OPS: [&str; 13] =
        [" is not ", " not in ", " is ", " in ", " == ", " != ", " <= ", " >= ", " < ", " > ", " if ", " and ", " or "];
    let b = s.as_bytes();
    let (mut depth, mut quote, mut i, mut out) = (0i32, None::<u8>, 0, Vec::new());
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b' ' if depth == 0 => {
                if let Some(op) = OPS.iter().find(|op| s[i..].starts_with(**op)) {
                    out.push((i, *op));
                    i += op.len() - 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Puts `pass` into every block (`def`, `with`) whose body is only comments or empty.
fn close_blocks(lines: Vec<String>) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let is_comment = |l: &str| l.trim_start().starts_with('#');
    let mut out = Vec::with_capacity(lines.len() + 1);
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        out.push(line.clone());
        i += 1;
        if is_comment(line) || !line.ends_with(':') {
            continue;
        }
        let own = indent(line);
        let has_body = lines[i..].iter().take_while(|l| is_comment(l) || indent(l) > own).any(|l| !is_comment(l));
        if !has_body {
            // The block's comment lines read as its body; `pass` makes it one.
            while i < lines.len() && is_comment(&lines[i]) && indent(&lines[i]) > own {
                out.push(lines[i].clone());
                i += 1;
            }
            out.push(format!("{}pass", " ".repeat(own + 4)));
        }
    }
    out
}

pub(super) fn one_line(s: &str) -> String {
    s.replace('\n', "\\n")
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f == '_' || f.is_alphabetic()) && c.all(|x| x == '_' || x.is_alphanumeric())
}

/// Rendered text with none of the evaluator's descriptions in it, outside string
/// literals: `<item of …>`, `<function>`, `NULL`, an elision `…`.
pub(super) fn is_code(s: &str) -> bool {
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == '\'' || c == '"' {
            // Skip a string literal (the renderer writes them single-line, escaped).
            let q = c;
            i += 1;
            while i < b.len() && b[i] != q {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            if i >= b.len() {
                return false;
            }
        } else if description_at(&b, i) {
            return false;
        }
        i += 1;
    }
    true
}

/// `<item of …>`, `<?>`, `…`, a newline or a bare `NULL` starts at `i`.
fn description_at(b: &[char], i: usize) -> bool {
    let word = |c: &char| c.is_alphanumeric() || *c == '_';
    match b[i] {
        '<' => b.get(i + 1).is_some_and(|n| n.is_alphabetic() || *n == '?'),
        '…' | '\n' => true,
        'N' => {
            b[i..].starts_with(&['N', 'U', 'L', 'L'])
                && (i == 0 || !(word(&b[i - 1]) || b[i - 1] == '.'))
                && !b.get(i + 4).is_some_and(word)
        }
        _ => false,
    }
}

/// A `for` loop over unknown data open in the top-level function of a display run.
#[derive(Debug, Clone)]
pub(super) struct LoopHead {
    /// Offset of its FOR_ITER.
    offset: usize,
    /// Index of its `for` line among the statements.
    line: usize,
    indent: usize,
    src: String,
    targets: Vec<String>,
    /// The locals before the loop, rendered.
    before: Vec<Option<String>>,
}

impl LoopHead {
    pub(super) fn has_target(&self, name: &str) -> bool {
        self.targets.iter().any(|t| t == name)
    }
}

/// A comprehension run in a display run: its `for` clauses over unknown data, their
/// `if` conditions and its element, as the run meets them.
#[derive(Debug)]
pub(super) struct Comp {
    code: *const Code,
    name: String,
    /// (targets, iterable, conditions)
    clauses: Vec<(Vec<String>, String, Vec<String>)>,
    element: Option<String>,
    /// Something the shape does not hold (a concrete loop, two different elements).
    spoiled: bool,
}

impl Comp {
    pub(super) fn new(code: &Rc<Code>) -> Comp {
        Comp { code: Rc::as_ptr(code), name: code.name.clone(), clauses: Vec::new(), element: None, spoiled: false }
    }
    /// The brackets of a comprehension's code object name.
    pub(super) fn kind(name: &str) -> Option<(&'static str, &'static str)> {
        match name {
            "<listcomp>" => Some(("[", "]")),
            "<setcomp>" | "<dictcomp>" => Some(("{", "}")),
            "<genexpr>" => Some(("(", ")")),
            _ => None,
        }
    }
    /// `[element for targets in iterable if condition …]`, when every part was seen.
    pub(super) fn text(&self) -> Option<String> {
        let (open, close) = Comp::kind(&self.name)?;
        let element = self.element.as_ref()?;
        if self.spoiled || self.clauses.is_empty() || self.clauses.iter().any(|c| c.0.is_empty()) {
            return None;
        }
        let mut out = format!("{open}{element}");
        for (targets, iterable, conds) in &self.clauses {
            out.push_str(&format!(" for {} in {iterable}", targets.join(", ")));
            for c in conds {
                out.push_str(&format!(" if {c}"));
            }
        }
        out.push_str(close);
        is_code(&out).then_some(out)
    }
}

impl Cx {
    /// The comprehension `fr` runs, if this is a display run inside one.
    fn comp_of(&mut self, fr: &Frame) -> Option<&mut Comp> {
        let code = Rc::as_ptr(&fr.code);
        self.comps.last_mut().filter(|c| c.code == code)
    }
    /// FOR_ITER over unknown data `src` starts a `for` clause.
    pub(super) fn comp_clause(&mut self, fr: &Frame, src: &str) {
        if let Some(c) = self.comp_of(fr) {
            c.clauses.push((Vec::new(), src.to_string(), Vec::new()));
        }
    }
    /// FOR_ITER over concrete items: the comprehension is unrolled, not shown as one.
    pub(super) fn comp_concrete(&mut self, fr: &Frame) {
        if let Some(c) = self.comp_of(fr) {
            c.spoiled = true;
        }
    }
    /// The element appended / yielded / stored.
    pub(super) fn comp_element(&mut self, fr: &Frame, text: String) {
        if let Some(c) = self.comp_of(fr) {
            match &c.element {
                Some(e) if *e != text => c.spoiled = true,
                _ => c.element = Some(text),
            }
        }
    }
    /// A branch that jumps back to the loop is an `if` clause (kept when it holds).
    pub(super) fn comp_condition(&mut self, fr: &Frame, cond: &V, target: usize, jump_if: bool) {
        let loops_back =
            fr.at.get(&target).and_then(|&k| fr.ins.get(k)).is_some_and(|i| {
                i.name == "FOR_ITER" || i.name.starts_with("JUMP_BACKWARD") || i.name == "JUMP_ABSOLUTE"
            });
        if let Some(c) = self.comp_of(fr) {
            match c.clauses.last_mut() {
                Some(clause) if loops_back && c.element.is_none() => {
                    clause.2.push(if jump_if { negated(cond) } else { test_part(cond) })
                }
                _ => c.spoiled = true,
            }
        }
    }
    /// FOR_ITER of the top-level function over unknown data: a `for` block opens (its
    /// body is what one pass does).
    pub(super) fn loop_start(&mut self, fr: &Frame, offset: usize, src: &str) {
        let inlined =
            fr.pc >= 1 && fr.ins[fr.pc.saturating_sub(8)..fr.pc].iter().any(|i| i.name == "LOAD_FAST_AND_CLEAR");
        if !fr.top || inlined || self.stmts.len() >= 200 {
            return;
        }
        self.stmt(format!("for _ in {src}:"));
        self.loop_heads.push(LoopHead {
            offset,
            line: self.stmts.len() - 1,
            indent: self.indent,
            src: src.to_string(),
            targets: Vec::new(),
            before: fr.fast.iter().map(|v| v.as_ref().map(V::render)).collect(),
        });
        self.indent += 1;
    }
    /// The loop is exhausted: the block closes, and a local the body changed reads as
    /// its name after it (its value depends on how many items there were).
    pub(super) fn loop_end(&mut self, fr: &mut Frame, offset: usize) {
        if !fr.top || self.loop_heads.last().is_none_or(|h| h.offset != offset) {
            return;
        }
        let Some(h) = self.loop_heads.pop() else { return };
        self.indent = h.indent;
        let names = if self.py.ge(11) { fr.code.localsplusnames.clone() } else { fr.code.varnames.clone() };
        for (k, slot) in fr.fast.iter_mut().enumerate() {
            let now = slot.as_ref().map(V::render);
            if now != h.before.get(k).cloned().flatten() && slot.is_some() {
                if let Some(n) = names.get(k) {
                    *slot = Some(V::data(n.clone()));
                }
            }
        }
    }
    /// POP_TOP right after a call in a display run: the call is an expression statement.
    pub(super) fn discarded_call(&mut self, fr: &Frame) -> Option<String> {
        let call = self.last_call.take()?;
        let after_call = super::step::previous_op(fr).is_some_and(|p| p.starts_with("CALL"));
        (self.display && after_call).then_some(call)
    }
    /// A loop item of unknown data (`<item of x>`, `(<item of x>)[0]`) stored to `name`
    /// becomes `name`, and a target of the comprehension's clause.
    pub(super) fn loop_target(&mut self, fr: &Frame, name: &str, v: V) -> V {
        let text = match &v {
            V::Data(t) | V::Unknown(t) => t.to_string(),
            _ => return v,
        };
        let whole = text.starts_with("<item of ") && text.ends_with('>') && text.matches('<').count() == 1;
        let part = text.starts_with("(<item of ") && text.contains(">)[") && text.matches('<').count() == 1;
        if !(whole || part) {
            return v;
        }
        if let Some(c) = self.comp_of(fr) {
            if let Some(clause) = c.clauses.last_mut() {
                clause.0.push(name.to_string());
            }
        }
        if fr.top {
            if let Some(h) = self.loop_heads.last_mut() {
                if text.contains(&format!("<item of {}>", h.src)) {
                    h.targets.push(name.to_string());
                    let line = format!("{}for {} in {}:", "    ".repeat(h.indent), h.targets.join(", "), h.src);
                    if let Some(l) = self.stmts.get_mut(h.line) {
                        *l = line;
                    }
                }
            }
        }
        match v {
            V::Data(_) => V::data(name),
            _ => V::unknown(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_not_code_but_strings_may_hold_anything() {
        assert!(is_code("x[:, 0] + 1"));
        assert!(is_code("print('<item of x> … NULL')"));
        assert!(!is_code("x[:, <item of range(3)>]"));
        assert!(!is_code("f(NULL)"));
        assert!(is_code("NULLABLE + x.NULL"));
        assert!(!is_code("[x, …]"));
        assert!(is_code("a < b"));
    }

    #[test]
    fn negation_reads_as_written() {
        assert_eq!(negated(&V::data("t is None")), "t is not None");
        assert_eq!(negated(&V::data("k not in d")), "k in d");
        assert_eq!(negated(&V::data("not a is b")), "not (not a is b)");
        assert_eq!(negated(&V::data("a == b")), "not (a == b)");
        assert_eq!(negated(&V::data("f('a is b')")), "not f('a is b')");
        assert_eq!(negated(&V::data("a is b if c else d")), "not (a is b if c else d)");
        assert_eq!(test_part(&V::data("a if b else c")), "(a if b else c)");
    }

    #[test]
    fn empty_blocks_get_pass() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            close_blocks(l(&["def f(x):", "    with m:", "        # c", "    return x"])),
            l(&["def f(x):", "    with m:", "        # c", "        pass", "    return x"])
        );
        assert_eq!(close_blocks(l(&["def f(x):", "    y = 1"])), l(&["def f(x):", "    y = 1"]));
    }
}
