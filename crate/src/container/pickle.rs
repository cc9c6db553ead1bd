//! Pickle read as opcodes, never executed: which globals would unpickling import, and
//! would it call them?
//!
//! A pickle runs code by importing a callable (`GLOBAL`, `STACK_GLOBAL`, `INST`) and
//! calling it (`REDUCE`, `NEWOBJ`, `OBJ`, `BUILD` with `__setstate__`). Listing the
//! imports is enough to judge it; the rules classify the names with `rules::sinks`.
//! A small stack model resolves `STACK_GLOBAL`, whose module and name are strings pushed
//! earlier (often through the memo).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::limits::{LimitHit, Limits};
use crate::messages::{en, phrase, Message};
use crate::msg;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickleInfo {
    /// Highest protocol announced by `PROTO`.
    pub protocol: Option<u8>,
    /// `module.name` of every global imported, in order of appearance (duplicates removed).
    pub globals: Vec<String>,
    /// A `STACK_GLOBAL` whose operands were not constant strings.
    pub unresolved_globals: usize,
    /// Opcodes that call something (`REDUCE`, `NEWOBJ`, `OBJ`, `INST`, …).
    pub calls: usize,
    /// `EXT1/2/4`: imports through the copyreg extension registry.
    pub extensions: Vec<u32>,
    /// Why reading stopped early, if it did.
    pub error: Option<Message>,
    /// The limit that stopped reading early, if one did (the caller reports it).
    pub limit: Option<LimitHit>,
}

/// A modelled stack value. Strings are shared: `DUP`, the memo and `GET` copy a
/// pointer, never the text (a 10 MB string fetched a million times costs nothing).
#[derive(Debug, Clone)]
enum Val {
    Str(Rc<str>),
    Other,
    Mark,
}

/// Does `data` start like a pickle (protocol 2+ header, or a protocol 0/1 opcode)?
pub fn looks_like_pickle(data: &[u8]) -> bool {
    matches!(data, [0x80, 2..=5, ..])
}

/// Reads opcodes until `STOP`, the end of the data, or a limit (`max_pickle_*`).
pub fn scan(data: &[u8], limits: &Limits) -> PickleInfo {
    let mut info = PickleInfo::default();
    let mut r = Reader { b: data, i: 0 };
    let mut stack: Vec<Val> = Vec::new();
    let mut memo: HashMap<u64, Val> = HashMap::new();
    let mut globals = Globals::default();
    let max_ops = limits.max_pickle_ops;
    let mut ops = 0u64;
    loop {
        if ops >= max_ops {
            return stopped(info, "max_pickle_ops", msg!(en::PK_OPS, max = max_ops));
        }
        ops += 1;
        let Some(op) = r.u8() else {
            info.error = Some(msg!(en::PK_NO_STOP));
            return info;
        };
        let res: Result<(), Stop> = (|| {
            let pop_mark = |stack: &mut Vec<Val>| {
                while let Some(v) = stack.pop() {
                    if matches!(v, Val::Mark) {
                        return;
                    }
                }
            };
            let pop_n = |stack: &mut Vec<Val>, n: usize| {
                for _ in 0..n {
                    stack.pop();
                }
            };
            match op {
                b'(' => stack.push(Val::Mark),
                b'.' => return Err(Stop::End),
                b'0' => pop_n(&mut stack, 1),
                b'1' => pop_mark(&mut stack),
                b'2' => {
                    let top = stack.last().cloned().unwrap_or(Val::Other);
                    stack.push(top)
                }
                b'F' | b'I' | b'L' => {
                    r.line()?;
                    stack.push(Val::Other)
                }
                b'S' => {
                    let l = r.line()?;
                    let s = String::from_utf8_lossy(l);
                    stack.push(Val::Str(s.trim_matches(|c| c == '\'' || c == '"').into()))
                }
                b'V' => {
                    let l = r.line()?;
                    stack.push(Val::Str(String::from_utf8_lossy(l).into()))
                }
                b'J' => {
                    r.take(4)?;
                    stack.push(Val::Other)
                }
                b'K' => {
                    r.take(1)?;
                    stack.push(Val::Other)
                }
                b'M' => {
                    r.take(2)?;
                    stack.push(Val::Other)
                }
                b'G' => {
                    r.take(8)?;
                    stack.push(Val::Other)
                }
                b'N' | b'}' | b']' | b')' | 0x88 | 0x89 | 0x8f => stack.push(Val::Other),
                b'P' => {
                    r.line()?;
                    info.calls += 1;
                    stack.push(Val::Other)
                }
                b'Q' => {
                    info.calls += 1;
                    pop_n(&mut stack, 1);
                    stack.push(Val::Other)
                }
                b'R' | 0x81 => {
                    info.calls += 1;
                    pop_n(&mut stack, 2);
                    stack.push(Val::Other)
                }
                0x92 => {
                    info.calls += 1;
                    pop_n(&mut stack, 3);
                    stack.push(Val::Other)
                }
                b'T' | b'X' | b'B' => {
                    let n = r.u32()? as u64;
                    let s = r.take(n)?;
                    stack.push(if op == b'B' { Val::Other } else { Val::Str(String::from_utf8_lossy(s).into()) })
                }
                b'U' | b'C' | 0x8c => {
                    let n = r.u8().ok_or("truncated length")? as u64;
                    let s = r.take(n)?;
                    stack.push(if op == b'C' { Val::Other } else { Val::Str(String::from_utf8_lossy(s).into()) })
                }
                0x8d | 0x8e | 0x96 => {
                    let n = r.u64()?;
                    let s = r.take(n)?;
                    stack.push(if op == 0x8d { Val::Str(String::from_utf8_lossy(s).into()) } else { Val::Other })
                }
                0x8a => {
                    let n = r.u8().ok_or("truncated length")? as u64;
                    r.take(n)?;
                    stack.push(Val::Other)
                }
                0x8b => {
                    let n = r.u32()? as u64;
                    r.take(n)?;
                    stack.push(Val::Other)
                }
                b'a' => pop_n(&mut stack, 1),
                b'b' => {
                    info.calls += 1;
                    pop_n(&mut stack, 1)
                }
                b's' => pop_n(&mut stack, 2),
                b'e' | b'u' | 0x90 => pop_mark(&mut stack),
                b't' | b'l' | b'd' | 0x91 => {
                    pop_mark(&mut stack);
                    stack.push(Val::Other)
                }
                b'o' => {
                    info.calls += 1;
                    pop_mark(&mut stack);
                    stack.push(Val::Other)
                }
                b'c' | b'i' => {
                    let module: Rc<str> = String::from_utf8_lossy(r.line()?).into();
                    let name: Rc<str> = String::from_utf8_lossy(r.line()?).into();
                    globals.add(&mut info, &module, &name, limits)?;
                    if op == b'i' {
                        info.calls += 1;
                        pop_mark(&mut stack);
                    }
                    stack.push(Val::Other)
                }
                0x93 => {
                    let name = stack.pop();
                    let module = stack.pop();
                    match (module, name) {
                        (Some(Val::Str(m)), Some(Val::Str(n))) => globals.add(&mut info, &m, &n, limits)?,
                        _ => info.unresolved_globals += 1,
                    }
                    stack.push(Val::Other)
                }
                0x85 => {
                    pop_n(&mut stack, 1);
                    stack.push(Val::Other)
                }
                0x86 => {
                    pop_n(&mut stack, 2);
                    stack.push(Val::Other)
                }
                0x87 => {
                    pop_n(&mut stack, 3);
                    stack.push(Val::Other)
                }
                b'p' => {
                    let idx = parse_int(r.line()?)?;
                    memo.insert(idx, stack.last().cloned().unwrap_or(Val::Other));
                }
                b'q' => {
                    let idx = r.u8().ok_or("truncated memo index")? as u64;
                    memo.insert(idx, stack.last().cloned().unwrap_or(Val::Other));
                }
                b'r' => {
                    let idx = r.u32()? as u64;
                    memo.insert(idx, stack.last().cloned().unwrap_or(Val::Other));
                }
                0x94 => {
                    let idx = memo.len() as u64;
                    memo.insert(idx, stack.last().cloned().unwrap_or(Val::Other));
                }
                b'g' => {
                    let idx = parse_int(r.line()?)?;
                    stack.push(memo.get(&idx).cloned().unwrap_or(Val::Other))
                }
                b'h' => {
                    let idx = r.u8().ok_or("truncated memo index")? as u64;
                    stack.push(memo.get(&idx).cloned().unwrap_or(Val::Other))
                }
                b'j' => {
                    let idx = r.u32()? as u64;
                    stack.push(memo.get(&idx).cloned().unwrap_or(Val::Other))
                }
                0x80 => {
                    let p = r.u8().ok_or("truncated PROTO")?;
                    info.protocol = Some(info.protocol.map_or(p, |q| q.max(p)));
                }
                0x82 => {
                    let c = r.u8().ok_or("truncated EXT1")? as u32;
                    info.extensions.push(c);
                    stack.push(Val::Other)
                }
                0x83 => {
                    let b = r.take(2)?;
                    info.extensions.push(u16::from_le_bytes([b[0], b[1]]) as u32);
                    stack.push(Val::Other)
                }
                0x84 => {
                    info.extensions.push(r.u32()?);
                    stack.push(Val::Other)
                }
                0x95 => {
                    r.take(8)?;
                }
                0x97 | 0x98 => {}
                other => {
                    return Err(Stop::Bad(msg!(
                        en::PK_UNKNOWN_OPCODE,
                        opcode = format!("0x{other:02x}"),
                        byte = r.i - 1
                    )))
                }
            }
            if stack.len() > limits.max_pickle_stack {
                return Err(Stop::Limit("max_pickle_stack", msg!(en::PK_STACK, max = limits.max_pickle_stack)));
            }
            if memo.len() > limits.max_pickle_memo {
                return Err(Stop::Limit("max_pickle_memo", msg!(en::PK_MEMO, max = limits.max_pickle_memo)));
            }
            Ok(())
        })();
        match res {
            Ok(()) => {}
            Err(Stop::End) => return info,
            Err(Stop::Bad(e)) => {
                info.error = Some(e);
                return info;
            }
            Err(Stop::Limit(name, e)) => return stopped(info, name, e),
        }
    }
}

/// Why the opcode loop ends.
enum Stop {
    /// `STOP`: the pickle is complete.
    End,
    /// Malformed data (what `pickle.loads` would reject too).
    Bad(Message),
    /// A limit; the rest was not read.
    Limit(&'static str, Message),
}

impl From<&str> for Stop {
    fn from(e: &str) -> Self {
        Stop::Bad(phrase(e))
    }
}

fn stopped(mut info: PickleInfo, limit: &'static str, message: Message) -> PickleInfo {
    info.error = Some(message.clone());
    info.limit = Some(LimitHit::new(limit, "", msg!(en::LIM_PICKLE, detail = message)));
    info
}

/// A (module, name) pair of shared strings.
type SharedPair = (Rc<str>, Rc<str>);

/// The globals found so far, deduplicated in linear time.
#[derive(Default)]
struct Globals {
    /// (module, name) text pointers already seen: a memoised string pair is joined once.
    /// The strings are kept alive with their pointers, so an address is never reused
    /// by another string while it is in the set.
    pairs: HashMap<(*const u8, *const u8), SharedPair>,
    names: HashSet<String>,
    bytes: u64,
}

impl Globals {
    fn add(&mut self, info: &mut PickleInfo, module: &Rc<str>, name: &Rc<str>, limits: &Limits) -> Result<(), Stop> {
        let key = (module.as_ptr(), name.as_ptr());
        if self.pairs.contains_key(&key) {
            return Ok(());
        }
        self.pairs.insert(key, (module.clone(), name.clone()));
        self.bytes = self.bytes.saturating_add(module.len() as u64 + name.len() as u64 + 1);
        if self.bytes > limits.max_pickle_global_bytes {
            return Err(Stop::Limit(
                "max_pickle_global_bytes",
                msg!(en::PK_GLOBAL_BYTES, max = limits.max_pickle_global_bytes),
            ));
        }
        let g = format!("{}.{}", module.trim(), name.trim());
        if self.names.insert(g.clone()) {
            if info.globals.len() >= limits.max_pickle_globals {
                return Err(Stop::Limit("max_pickle_globals", msg!(en::PK_GLOBALS, max = limits.max_pickle_globals)));
            }
            info.globals.push(g);
        }
        Ok(())
    }
}

fn parse_int(line: &[u8]) -> Result<u64, &'static str> {
    std::str::from_utf8(line).ok().and_then(|s| s.trim().parse().ok()).ok_or("bad memo index")
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Option<u8> {
        let v = *self.b.get(self.i)?;
        self.i += 1;
        Some(v)
    }
    fn take(&mut self, n: u64) -> Result<&'a [u8], &'static str> {
        let end = (self.i as u64).checked_add(n).filter(|&e| e <= self.b.len() as u64).ok_or("length past the end")?;
        let s = &self.b[self.i..end as usize];
        self.i = end as usize;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, &'static str> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, &'static str> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| "short")?))
    }
    fn line(&mut self) -> Result<&'a [u8], &'static str> {
        let rest = &self.b[self.i..];
        let n = rest.iter().position(|&c| c == b'\n').ok_or("unterminated line")?;
        self.i += n + 1;
        Ok(&rest[..n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(n: u64) -> Limits {
        Limits { max_pickle_ops: n, ..Limits::default() }
    }

    #[test]
    fn protocol0_global_and_reduce() {
        // pickle.dumps of a reduce to os.system('id') at protocol 0, built by hand.
        let p = b"cos\nsystem\n(Vid\ntR.";
        let info = scan(p, &ops(1000));
        assert_eq!(info.globals, ["os.system"]);
        assert_eq!(info.calls, 1);
        assert_eq!(info.error, None);
    }

    #[test]
    fn protocol4_stack_global_through_the_memo() {
        // \x80\x04 FRAME, SHORT_BINUNICODE 'builtins' MEMOIZE, SHORT_BINUNICODE 'exec'
        // MEMOIZE, STACK_GLOBAL, then again via BINGET 0 / BINGET 1.
        let mut p = vec![0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0];
        p.extend([0x8c, 8]);
        p.extend(b"builtins");
        p.push(0x94);
        p.extend([0x8c, 4]);
        p.extend(b"exec");
        p.extend([0x94, 0x93, 0x94]);
        p.extend([b'h', 0, b'h', 1, 0x93, b'.']);
        let info = scan(&p, &ops(1000));
        assert_eq!(info.protocol, Some(4));
        assert_eq!(info.globals, ["builtins.exec"]);
        assert_eq!(info.unresolved_globals, 0);
    }

    #[test]
    fn hostile_pickles_end_with_an_error_not_a_panic() {
        for p in [
            &b"c"[..],
            b"\x80",
            b"X\xff\xff\xff\xff",
            b"\x8d\xff\xff\xff\xff\xff\xff\xff\xff",
            b"\xfe",
            b"(((((",
            b"g99\n",
        ] {
            let info = scan(p, &ops(1000));
            assert!(info.error.is_some(), "{p:?}");
        }
        let endless = vec![b'('; 100_000];
        let deep = scan(&endless, &ops(1_000_000));
        assert!(deep.error.unwrap().text.contains("stack"));
        assert_eq!(deep.limit.unwrap().limit, "max_pickle_stack");
        assert_eq!(scan(&endless, &ops(10)).limit.unwrap().limit, "max_pickle_ops");
        assert_eq!(scan(b"(.", &ops(1)).limit.unwrap().limit, "max_pickle_ops");
        assert!(scan(b"(.", &ops(2)).limit.is_none());
    }

    /// A 512 KiB string memoised, then fetched with `BINGET` and `DUP` 600 000 times, and
    /// joined into a `STACK_GLOBAL` 400 000 times: 300 GB of copies if values were copied.
    #[test]
    fn memo_and_dup_share_strings_and_globals_are_deduplicated() {
        let big = vec![b'A'; 512 << 10];
        let mut p = vec![0x80, 4, 0x8d];
        p.extend((big.len() as u64).to_le_bytes());
        p.extend(&big);
        p.push(0x94); // MEMOIZE -> 0
        p.extend([0x8c, 4]);
        p.extend(b"exec");
        p.push(0x94); // MEMOIZE -> 1
        for _ in 0..200_000 {
            p.extend([b'h', 0, b'2', b'0', b'h', 1, 0x93, b'0']); // GET, DUP, POP, GET, STACK_GLOBAL, POP
            p.extend([b'h', 0, b'h', 1, 0x93, b'0']);
        }
        p.push(b'.');
        let start = std::time::Instant::now();
        let info = scan(&p, &Limits::default());
        assert_eq!(info.error, None);
        assert_eq!(info.globals.len(), 1);
        assert!(info.globals[0].ends_with(".exec"));
        // A generous bound: linear work is a few ms, copying would be hours.
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    #[test]
    fn globals_are_capped_by_count_and_by_bytes() {
        let mut p = Vec::new();
        for i in 0..50 {
            p.extend(format!("cmod{i}\nname\n0").as_bytes());
        }
        p.push(b'.');
        assert_eq!(scan(&p, &Limits::default()).globals.len(), 50);
        let few = Limits { max_pickle_globals: 10, ..Limits::default() };
        let info = scan(&p, &few);
        assert_eq!(info.globals.len(), 10);
        assert_eq!(info.limit.unwrap().limit, "max_pickle_globals");
        let short = Limits { max_pickle_global_bytes: 100, ..Limits::default() };
        assert_eq!(scan(&p, &short).limit.unwrap().limit, "max_pickle_global_bytes");
        let memo = Limits { max_pickle_memo: 3, ..Limits::default() };
        let q = b"N\x94N\x94N\x94N\x94N\x94.";
        assert_eq!(scan(q, &memo).limit.unwrap().limit, "max_pickle_memo");
    }
}
