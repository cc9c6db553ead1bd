//! Instruction decoding for every supported version (python-code-objects.md §4):
//! variable-length bytecode before 3.6, wordcode after, EXTENDED_ARG chains and the
//! 3.11+ inline caches. Decoding is strict: anything the real interpreter would never
//! have written (undefined opcodes, non-zero or misplaced caches, arguments on argless
//! opcodes, truncated instructions) is an error, which version inference relies on.

use super::opcodes::{Kind, Py};
use crate::messages::{en, Message};
use crate::msg;

/// One decoded instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instr {
    /// Byte offset of the opcode.
    pub offset: usize,
    pub opcode: u8,
    pub name: &'static str,
    /// The full argument (EXTENDED_ARG prefixes applied), or None for argless opcodes.
    pub arg: Option<u32>,
    pub kind: Kind,
    /// Offset of the next instruction (after inline caches).
    pub next: usize,
    /// Number of inline cache units skipped after this instruction.
    pub caches: u8,
}

impl Instr {
    pub fn argv(&self) -> u32 {
        self.arg.unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisError {
    pub offset: usize,
    /// Boxed: `Result<_, DisError>` stays small.
    pub message: Box<Message>,
}

impl From<&DisError> for Message {
    fn from(e: &DisError) -> Message {
        msg!(en::PY_DIS_ERROR, offset = e.offset, detail = *e.message)
    }
}

impl std::fmt::Display for DisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Message::from(self).text)
    }
}

fn err(offset: usize, message: Message) -> DisError {
    DisError { offset, message: Box::new(message) }
}

/// Decodes `code` as `py` bytecode.
pub fn disassemble(code: &[u8], py: Py) -> Result<Vec<Instr>, DisError> {
    let t = py.table();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut ext: u32 = 0;
    let mut ext_count = 0u32;
    if py.wordcode() {
        if !code.len().is_multiple_of(2) {
            return Err(err(code.len(), msg!(en::PY_ODD_LENGTH)));
        }
        while i < code.len() {
            let (opcode, oparg) = (code[i], code[i + 1]);
            let op = t.ops[opcode as usize];
            if !op.defined() {
                return Err(err(i, msg!(en::PY_UNDEFINED_OPCODE, opcode = opcode, version = py.label())));
            }
            if op.name() == "CACHE" {
                return Err(err(i, msg!(en::PY_CACHE_OUTSIDE)));
            }
            let has_arg = opcode >= t.have_argument;
            if !has_arg && oparg != 0 {
                return Err(err(i, msg!(en::PY_ARG_ON_ARGLESS, arg = oparg, opcode = op.name())));
            }
            let full = if has_arg { Some((ext << 8) | oparg as u32) } else { None };
            let mut next = i + 2;
            for _ in 0..op.cache {
                if next + 2 > code.len() {
                    return Err(err(next, msg!(en::PY_CACHE_PAST_END, opcode = op.name())));
                }
                if code[next] != 0 || code[next + 1] != 0 {
                    return Err(err(next, msg!(en::PY_CACHE_NONZERO, opcode = op.name())));
                }
                next += 2;
            }
            out.push(Instr { offset: i, opcode, name: op.name(), arg: full, kind: op.kind, next, caches: op.cache });
            if opcode == t.extended_arg {
                ext = full.unwrap_or(0);
                ext_count += 1;
                if ext_count > 3 {
                    return Err(err(i, msg!(en::PY_EXTENDED_ARG_MANY)));
                }
            } else {
                ext = 0;
                ext_count = 0;
            }
            i = next;
        }
    } else {
        while i < code.len() {
            let opcode = code[i];
            let op = t.ops[opcode as usize];
            if !op.defined() {
                return Err(err(i, msg!(en::PY_UNDEFINED_OPCODE, opcode = opcode, version = py.label())));
            }
            let (arg, next) = if opcode >= t.have_argument {
                if i + 3 > code.len() {
                    return Err(err(i, msg!(en::PY_TRUNCATED_ARG)));
                }
                let a = u16::from_le_bytes([code[i + 1], code[i + 2]]) as u32;
                (Some((ext << 16) | a), i + 3)
            } else {
                (None, i + 1)
            };
            out.push(Instr { offset: i, opcode, name: op.name(), arg, kind: op.kind, next, caches: 0 });
            if opcode == t.extended_arg {
                ext = arg.unwrap_or(0);
                ext_count += 1;
                if ext_count > 1 {
                    return Err(err(i, msg!(en::PY_CHAINED_EXTENDED)));
                }
            } else {
                ext = 0;
                ext_count = 0;
            }
            i = next;
        }
    }
    if ext_count > 0 {
        return Err(err(code.len(), msg!(en::PY_EXTENDED_AT_END)));
    }
    Ok(out)
}

/// The jump target of `ins` (a byte offset), if it is a jump.
pub fn jump_target(ins: &Instr, py: Py) -> Option<usize> {
    let arg = ins.arg? as usize;
    match ins.kind {
        Kind::JRel => {
            if py.ge(11) {
                if ins.name.contains("BACKWARD") {
                    ins.next.checked_sub(arg * 2)
                } else {
                    Some(ins.next + arg * 2)
                }
            } else if py == Py::Py310 {
                Some(ins.next + arg * 2)
            } else {
                Some(ins.next + arg)
            }
        }
        Kind::JAbs => Some(if py == Py::Py310 { arg * 2 } else { arg }),
        _ => None,
    }
}
