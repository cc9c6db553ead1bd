//! Frames: binding parameters, running instructions with forks, the value stack and locals.

use std::collections::HashMap;
use std::rc::Rc;

use super::*;

impl Cx {
    pub(super) fn run_function(
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
                self.incomplete(msg!(en::INC_NO_DISASSEMBLY, function = &code.name, detail = Message::from(&e)));
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
            comp_slots: Vec::new(),
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
                V::DataIter(Rc::from("<iterable>"))
            } else {
                // An input of the Lambda (or of nested code): data.
                V::data(name.clone())
            };
            if i >= nparams {
                // *args / **kwargs
                if (code.flags & 0xC) == 0 {
                    break;
                }
                v = V::data(name.clone());
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
    pub(super) fn run(&mut self, mut fr: Frame) -> Option<(V, V)> {
        let key = Rc::as_ptr(&fr.code);
        loop {
            self.steps += 1;
            if self.steps > self.budget.steps {
                self.incomplete(msg!(en::INC_STEP_BUDGET, max = self.budget.steps));
                return None;
            }
            let Some(ins) = fr.ins.get(fr.pc).cloned() else {
                self.incomplete(msg!(en::INC_PAST_END, function = &fr.code.name));
                return None;
            };
            self.visited.entry(key).or_default().insert(ins.offset);
            let flow = self.step(&mut fr, &ins);
            if let Some((old, new)) = self.mutation.take() {
                fr.replace(&old, &new);
            }
            match flow {
                Flow::Next => fr.pc += 1,
                Flow::Jump(off) => match fr.at.get(&off) {
                    Some(&k) => fr.pc = k,
                    None => {
                        self.incomplete(msg!(en::INC_BAD_JUMP, offset = off));
                        return None;
                    }
                },
                Flow::Return(v) => {
                    if fr.top {
                        self.ret_indent = self.indent;
                    }
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
                        self.incomplete(msg!(en::INC_BAD_JUMP, offset = target));
                        return None;
                    };
                    // A display run shows both sides of a test whose outcome the analysis
                    // knows (`f() and x` keeps `f()`), as written.
                    if let Some(t) = cond.truth().filter(|_| !self.display) {
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
                        self.incomplete(msg!(en::INC_FORK_BUDGET, max = self.budget.forks));
                        fr.pc += 1;
                        continue;
                    }
                    self.forks += 1;
                    if self.display {
                        self.comp_condition(&fr, &cond, target, jump_if);
                    }
                    let mut taken = fr.clone();
                    if keep {
                        taken.stack.push(cond.clone());
                    }
                    taken.pc = tk;
                    fr.pc += 1;
                    let (saved_len, saved_indent, top) = (self.stmts.len(), self.indent, fr.top);
                    let saved_heads = self.loop_heads.clone();
                    let a = self.run(taken);
                    let taken_stmts = self.stmts.split_off(saved_len.min(self.stmts.len()));
                    self.indent = saved_indent;
                    self.loop_heads = saved_heads;
                    let b = self.run(fr);
                    if top {
                        let fall_stmts = self.stmts.split_off(saved_len.min(self.stmts.len()));
                        let (when_true, when_false) =
                            if jump_if { (taken_stmts, fall_stmts) } else { (fall_stmts, taken_stmts) };
                        self.branch_stmts(&cond, when_true, when_false, saved_indent);
                    }
                    return combine(&cond, jump_if, a, b);
                }
            }
        }
    }

    pub(super) fn pop(&mut self, fr: &mut Frame) -> V {
        match fr.stack.pop() {
            Some(v) => v,
            None => {
                self.incomplete(msg!(en::INC_STACK_UNDERFLOW_IN, function = &fr.code.name));
                V::unknown("<?>")
            }
        }
    }
    pub(super) fn popn(&mut self, fr: &mut Frame, n: usize) -> Vec<V> {
        let mut v: Vec<V> = (0..n).map(|_| self.pop(fr)).collect();
        v.reverse();
        v
    }
    pub(super) fn peek_mut<'f>(&mut self, fr: &'f mut Frame, i: usize) -> Option<&'f mut V> {
        let len = fr.stack.len();
        if i == 0 || i > len {
            self.incomplete(en::INC_STACK_RANGE);
            return None;
        }
        fr.stack.get_mut(len - i)
    }

    pub(super) fn local_name(&self, fr: &Frame, i: usize) -> String {
        let names = if self.py.ge(11) { &fr.code.localsplusnames } else { &fr.code.varnames };
        names.get(i).cloned().unwrap_or_else(|| format!("<local {i}>"))
    }
    pub(super) fn load_fast(&mut self, fr: &Frame, i: usize) -> V {
        match fr.fast.get(i).cloned().flatten() {
            Some(v) => v,
            None => V::unknown(self.local_name(fr, i)),
        }
    }
    pub(super) fn store_fast(&mut self, fr: &mut Frame, i: usize, v: V) {
        let name = self.local_name(fr, i);
        // Display run: a loop item of unknown data is bound to the loop variable's name.
        let r = v.render();
        let v = if self.display && !fr.comp_slots.contains(&i) { self.loop_target(fr, &name, v) } else { v };
        let for_target = self.display
            && fr.top
            && r.contains("<item of ")
            && self.loop_heads.last().is_some_and(|h| h.has_target(&name));
        if fr.top && !name.starts_with('.') && !v.is_null() && !fr.comp_slots.contains(&i) && !for_target {
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
                match self.inplace.take() {
                    // `x += 1`, as written.
                    Some((text, op)) if text == r && r.starts_with(&format!("{name} {op} ")) => {
                        format!("{name} {op}= {}", &r[name.len() + op.len() + 2..])
                    }
                    _ => format!("{name} = {r}"),
                }
            };
            // `with m as name:`: the value entered is bound by the `with` line itself.
            let with = r.strip_suffix(".__enter__()").map(|m| format!("with {m}:"));
            let last = self.stmts.last().map(|l| l.trim_start().to_string());
            let def = match &v {
                V::Func(f) if f.code.name == name && !f.def_lines.is_empty() => Some(f.def_lines.clone()),
                _ => None,
            };
            if let Some((value, n, mut names)) = self.unpack.take() {
                names.push(name.clone());
                if names.len() == n {
                    self.stmt(format!("{} = {value}", names.join(", ")));
                } else {
                    self.unpack = Some((value, n, names));
                }
            } else if let Some(lines) = def {
                for l in lines {
                    self.stmt(l);
                }
            } else if with.is_some() && last == with {
                let line = self.stmts.pop().unwrap_or_default();
                self.stmts.push(format!("{}:", line.trim_end_matches(':').to_string() + " as " + &name));
            } else {
                self.stmt(st);
            }
        }
        // Display run: an item of an inlined (3.12+) comprehension over unknown data keeps
        // its description (the comprehension is not reconstructed); any other local of the
        // top-level function reads as its name, as written.
        let inlined_item = fr.comp_slots.contains(&i) && r.contains("<item of ");
        let v = match v {
            // The name reads as the object only where it is in scope: the top-level function.
            V::Sym { dotted, .. } if fr.top => V::Sym { dotted, src: Rc::from(name.as_str()) },
            v @ (V::Unknown(_) | V::Data(_)) if inlined_item => v,
            V::Unknown(_) if fr.top => V::unknown(name),
            V::Data(_) if fr.top => V::data(name),
            other if self.display && fr.top && !fr.comp_slots.contains(&i) && !matches!(other, V::Null) => {
                if other.lost() {
                    V::unknown(name)
                } else {
                    V::data(name)
                }
            }
            other => other,
        };
        if i < fr.fast.len() {
            fr.fast[i] = Some(v);
        } else {
            self.incomplete(en::INC_LOCAL_RANGE);
        }
    }
    pub(super) fn deref_name(&self, fr: &Frame, i: usize) -> String {
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
    pub(super) fn load_deref(&mut self, fr: &Frame, i: usize) -> V {
        let v = if self.py.ge(11) { fr.fast.get(i).cloned().flatten() } else { fr.cells.get(i).cloned().flatten() };
        v.unwrap_or_else(|| V::unknown(self.deref_name(fr, i)))
    }
    pub(super) fn store_deref(&mut self, fr: &mut Frame, i: usize, v: V) {
        if self.py.ge(11) {
            if i < fr.fast.len() {
                fr.fast[i] = Some(v);
            }
        } else if i < fr.cells.len() {
            fr.cells[i] = Some(v);
        }
    }
    pub(super) fn name(&self, fr: &Frame, i: usize) -> String {
        fr.code.names.get(i).cloned().unwrap_or_else(|| format!("<name {i}>"))
    }
    pub(super) fn konst(&self, fr: &Frame, i: usize) -> V {
        fr.code.consts.get(i).map(V::from_obj).unwrap_or_else(|| V::unknown(format!("<const {i}>")))
    }

    pub(super) fn binop(&mut self, op: &str, a: V, b: V) -> V {
        if op == "[]" {
            return self.subscript(&a, &b);
        }
        if let (Some(x), Some(y)) = (container_len(&a), container_len(&b)) {
            if x + y > fold::MAX_ITEMS {
                self.incomplete(msg!(en::INC_BIG_CONTAINER, max = fold::MAX_ITEMS));
                return V::unknown(format!("{} {op} {}", a.operand(), b.operand()));
            }
        }
        match fold::binop(op, &a, &b) {
            Some(v) => {
                if matches!(v, V::Str(_) | V::Bytes(_)) {
                    self.record_string(&v);
                }
                v
            }
            None => derived(format!("{} {op} {}", a.operand(), b.operand()), &[&a, &b]),
        }
    }

    pub(super) fn compare(&mut self, op: &str, a: V, b: V) -> V {
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
        derived(format!("{} {op} {}", a.operand(), b.operand()), &[&a, &b])
    }
}

/// The result of an operation on `inputs` that was not folded: data, unless something
/// lost or callable went in (then nobody knows what came out).
pub(super) fn derived(text: String, inputs: &[&V]) -> V {
    let ok = inputs.iter().all(|v| {
        !v.lost()
            && matches!(
                v,
                V::Data(_)
                    | V::DataAttr(_)
                    | V::Helper(_)
                    | V::None
                    | V::Bool(_)
                    | V::Int(_)
                    | V::Float(_)
                    | V::Str(_)
                    | V::Bytes(_)
                    | V::Opaque(_)
                    | V::Tuple(_)
                    | V::List(_)
                    | V::Set(_)
                    | V::Dict(_)
                    | V::Slice(_)
            )
    });
    if ok {
        V::data(text)
    } else {
        V::unknown(text)
    }
}

/// Number of items of a list, tuple, set or dict value.
pub(super) fn container_len(v: &V) -> Option<usize> {
    match v {
        V::List(t) | V::Tuple(t) | V::Set(t) => Some(t.len()),
        V::Dict(d) => Some(d.len()),
        _ => None,
    }
}
