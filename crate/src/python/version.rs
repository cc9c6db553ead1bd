//! Which CPython wrote this code object? Inferred by elimination, without a magic
//! number (python-code-objects.md §7): type byte → layouts → exact parse → per-version
//! bytecode validation (defined opcodes, caches, operand ranges, RESUME prologue,
//! top-level return) → line-table discriminator. Survivors decode identically; the
//! result is a version or a set such as 3.11 – 3.12.

use std::rc::Rc;

use super::disasm::{self, jump_target, Instr};
use super::marshal::{self, Code, Features, Layout, MarshalLimits};
use super::opcodes::{Kind, Py};
use crate::messages::{en, join, term, Message};
use crate::msg;

/// A code object together with the versions it is valid for.
#[derive(Debug, Clone)]
pub struct Inferred {
    pub code: Rc<Code>,
    pub layout: Layout,
    pub features: Features,
    /// Every version whose rules the code satisfies, oldest first (never empty).
    pub versions: Vec<Py>,
}

impl Inferred {
    /// The version used for analysis: the newest survivor (all decode identically).
    pub fn py(&self) -> Py {
        *self.versions.last().unwrap_or(&Py::Py311)
    }
    pub fn describe(&self) -> String {
        super::opcodes::describe(&self.versions)
    }
}

/// Why no version fits, and how far the best attempt got (used by the Windows repair).
#[derive(Debug, Clone)]
pub struct InferError {
    pub message: Box<Message>,
    /// The furthest stream offset any candidate reached before failing.
    pub progress: usize,
    /// Some layout parsed to an exact end (only bytecode validation failed).
    pub parsed: bool,
}

fn layouts_for(first: u8) -> Option<&'static [(Layout, &'static [Py])]> {
    const OLD: &[(Layout, &[Py])] = &[(Layout::L27, &[Py::Py27]), (Layout::L30, &[Py::Py30])];
    const NEW: &[(Layout, &[Py])] = &[
        (Layout::L30, &[Py::Py34, Py::Py35, Py::Py36, Py::Py37]),
        (Layout::L38, &[Py::Py38, Py::Py39, Py::Py310]),
        (Layout::L311, &[Py::Py311, Py::Py312, Py::Py313, Py::Py314, Py::Py315]),
    ];
    match first {
        0x63 => Some(OLD),
        0xE3 => Some(NEW),
        _ => None,
    }
}

/// Infers the version of one marshalled code object.
pub fn infer(data: &[u8], limits: &MarshalLimits) -> Result<Inferred, InferError> {
    let Some(&first) = data.first() else {
        return Err(InferError { message: Box::new(msg!(en::PY_EMPTY_PAYLOAD)), progress: 0, parsed: false });
    };
    let Some(layouts) = layouts_for(first) else {
        return Err(InferError {
            message: Box::new(msg!(en::PY_FIRST_BYTE, byte = format!("0x{first:02x}"))),
            progress: 0,
            parsed: false,
        });
    };
    let mut errors = Vec::new();
    let mut progress = 0usize;
    let mut parsed_any = false;
    let mut found: Option<Inferred> = None;
    for &(layout, versions) in layouts {
        let (code, features) = match marshal::parse_code(data, layout, limits) {
            Ok(x) => x,
            Err(e) => {
                progress = progress.max(e.offset);
                errors.push(msg!(en::PY_CANDIDATE, candidate = format!("{layout:?}"), detail = Message::from(&e)));
                continue;
            }
        };
        parsed_any = true;
        // Each distinct code object once, however often `r` references repeat it (the
        // parse already bounded how many there are).
        let graph = code.graph(limits.max_code_objects);
        let mut ok = Vec::new();
        for &py in versions {
            if !features_allow(&features, py) {
                continue;
            }
            match validate_all(&graph.codes, py) {
                Ok(()) => ok.push(py),
                Err(e) => {
                    progress = progress.max(e.0);
                    errors.push(msg!(en::PY_CANDIDATE, candidate = py.label(), detail = e.1));
                }
            }
        }
        // Line-table discriminator 3.8/3.9 vs 3.10.
        if ok.contains(&Py::Py310) && ok.iter().any(|p| matches!(p, Py::Py38 | Py::Py39)) {
            let sum: usize = code.linetable.iter().step_by(2).map(|&b| b as usize).sum();
            if !code.code.is_empty() && sum == code.code.len() {
                ok.retain(|p| *p == Py::Py310);
            } else {
                ok.retain(|p| *p != Py::Py310);
            }
        }
        if !ok.is_empty() {
            if found.is_some() {
                // Two layouts parse and validate: practically impossible; keep the first.
                continue;
            }
            found = Some(Inferred { code, layout, features, versions: ok });
        }
    }
    found.ok_or_else(|| InferError {
        message: Box::new(if errors.is_empty() { msg!(en::PY_NO_CANDIDATE) } else { join(errors) }),
        progress,
        parsed: parsed_any,
    })
}

fn features_allow(f: &Features, py: Py) -> bool {
    if f.slice && !py.ge(14) {
        return false;
    }
    if f.frozendict && !py.ge(15) {
        return false;
    }
    if (f.refs || f.v4_types) && !py.ge(4) {
        return false;
    }
    if f.string_refs && py != Py::Py27 {
        return false;
    }
    true
}

/// Validates a function's code objects (`Code::graph`, root first) as `py` bytecode.
/// The error is (stream offset, reason).
pub fn validate_all(codes: &[Rc<Code>], py: Py) -> Result<(), (usize, Message)> {
    codes.iter().enumerate().try_for_each(|(i, c)| validate(c, py, i == 0))
}

/// Validates one code object (not the ones it holds) as `py` bytecode; `top` requires a
/// return. The error is (stream offset, reason).
pub fn validate(code: &Code, py: Py, top: bool) -> Result<(), (usize, Message)> {
    let ins = disasm::disassemble(&code.code, py).map_err(|e| (code.code_offset + e.offset, *e.message))?;
    check_operands(code, py, &ins).map_err(|(off, m)| (code.code_offset + off, m))?;
    if py.ge(11) {
        check_prologue(&ins).map_err(|(off, m)| (code.code_offset + off, m))?;
    }
    if top && !ins.iter().any(|i| i.name == "RETURN_VALUE" || i.name == "RETURN_CONST") {
        return Err((code.code_offset + code.code.len(), msg!(en::PY_NEVER_RETURNS)));
    }
    Ok(())
}

fn check_prologue(ins: &[Instr]) -> Result<(), (usize, Message)> {
    for i in ins {
        match i.name {
            "MAKE_CELL" | "COPY_FREE_VARS" | "RETURN_GENERATOR" | "POP_TOP" | "NOP" | "EXTENDED_ARG" => continue,
            "RESUME" => return Ok(()),
            other => return Err((i.offset, msg!(en::PY_BEFORE_RESUME, opcode = other))),
        }
    }
    Err((0, msg!(en::PY_NO_RESUME)))
}

fn check_operands(code: &Code, py: Py, ins: &[Instr]) -> Result<(), (usize, Message)> {
    let nconst = code.consts.len();
    let nnames = code.names.len();
    let nlocal = if py.ge(11) { code.localsplusnames.len() } else { code.varnames.len() };
    let nfree = if py.ge(11) { code.localsplusnames.len() } else { code.cellvars.len() + code.freevars.len() };
    let ncmp = match py {
        Py::Py27 | Py::Py30 | Py::Py34 | Py::Py35 | Py::Py36 | Py::Py37 | Py::Py38 => 12,
        _ => 6,
    };
    let offsets: std::collections::HashSet<usize> = ins.iter().map(|i| i.offset).collect();
    for i in ins {
        let Some(arg) = i.arg else { continue };
        let a = arg as usize;
        let bad = |what: &str| Err((i.offset, msg!(en::PY_OUT_OF_RANGE, opcode = i.name, arg = a, what = term(what))));
        match i.kind {
            Kind::Const if a >= nconst => {
                return bad("co_consts");
            }
            Kind::Name => {
                let idx = name_index(i.name, a, py);
                if idx >= nnames {
                    return bad("co_names");
                }
            }
            Kind::Local => {
                let idxs: Vec<usize> = if i.name.matches("FAST").count() == 2 { vec![a >> 4, a & 15] } else { vec![a] };
                if idxs.iter().any(|&x| x >= nlocal) {
                    return bad("local variables");
                }
            }
            Kind::Free if a >= nfree => {
                return bad("cell/free variables");
            }
            Kind::Compare => {
                let idx = if py.ge(13) {
                    a >> 5
                } else if py == Py::Py312 {
                    a >> 4
                } else {
                    a
                };
                if idx >= ncmp {
                    return bad("comparison operators");
                }
            }
            Kind::JRel | Kind::JAbs => match jump_target(i, py) {
                Some(t) if offsets.contains(&t) => {}
                _ => return Err((i.offset, msg!(en::PY_JUMPS_OUTSIDE, opcode = i.name))),
            },
            _ => {}
        }
    }
    Ok(())
}

/// The `co_names` index an instruction's argument designates (§5.1).
pub fn name_index(name: &str, arg: usize, py: Py) -> usize {
    match name {
        "LOAD_GLOBAL" if py.ge(11) => arg >> 1,
        "LOAD_ATTR" if py.ge(12) => arg >> 1,
        "LOAD_SUPER_ATTR" => arg >> 2,
        // 3.15 (PEP 810): the low two bits say eager / lazy.
        "IMPORT_NAME" if py.ge(15) => arg >> 2,
        _ => arg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_visits_shared_code_objects_once() {
        // 41 distinct code objects, 2^41 - 1 as a tree: validating the tree would not end.
        let data = marshal::tests::shared_code_dag(40);
        let inf = infer(&data, &MarshalLimits::default()).unwrap();
        assert!(inf.versions.contains(&Py::Py311), "{:?}", inf.versions);
    }
}
