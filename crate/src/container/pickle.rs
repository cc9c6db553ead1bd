//! Pickle read as opcodes, never executed: which globals would unpickling import, and
//! would it call them?
//!
//! A pickle runs code by importing a callable (`GLOBAL`, `STACK_GLOBAL`, `INST`) and
//! calling it (`REDUCE`, `NEWOBJ`, `OBJ`, `BUILD` with `__setstate__`). Listing the
//! imports is enough to judge it; the rules classify the names with `rules::sinks`.
//! A small stack model resolves `STACK_GLOBAL`, whose module and name are strings pushed
//! earlier (often through the memo).

use std::collections::HashMap;

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
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
enum Val {
    Str(String),
    Other,
    Mark,
}

/// Does `data` start like a pickle (protocol 2+ header, or a protocol 0/1 opcode)?
pub fn looks_like_pickle(data: &[u8]) -> bool {
    matches!(data, [0x80, 2..=5, ..])
}

/// Reads opcodes until `STOP`, the end of the data, or `max_ops`.
pub fn scan(data: &[u8], max_ops: usize) -> PickleInfo {
    let mut info = PickleInfo::default();
    let mut r = Reader { b: data, i: 0 };
    let mut stack: Vec<Val> = Vec::new();
    let mut memo: HashMap<u64, Val> = HashMap::new();
    const MAX_STACK: usize = 1 << 16;
    let add_global = |info: &mut PickleInfo, module: &str, name: &str| {
        let g = format!("{}.{}", module.trim(), name.trim());
        if !info.globals.contains(&g) {
            info.globals.push(g);
        }
    };
    for _ in 0..max_ops {
        let Some(op) = r.u8() else {
            info.error = Some("data ends without a STOP opcode".into());
            return info;
        };
        let res: Result<(), String> = (|| {
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
                b'.' => return Err("STOP".into()),
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
                    let s = String::from_utf8_lossy(l).trim_matches(|c| c == '\'' || c == '"').to_string();
                    stack.push(Val::Str(s))
                }
                b'V' => {
                    let l = r.line()?;
                    stack.push(Val::Str(String::from_utf8_lossy(l).into_owned()))
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
                    stack.push(if op == b'B' { Val::Other } else { Val::Str(String::from_utf8_lossy(s).into_owned()) })
                }
                b'U' | b'C' | 0x8c => {
                    let n = r.u8().ok_or("truncated length")? as u64;
                    let s = r.take(n)?;
                    stack.push(if op == b'C' { Val::Other } else { Val::Str(String::from_utf8_lossy(s).into_owned()) })
                }
                0x8d | 0x8e | 0x96 => {
                    let n = r.u64()?;
                    let s = r.take(n)?;
                    stack.push(if op == 0x8d { Val::Str(String::from_utf8_lossy(s).into_owned()) } else { Val::Other })
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
                    let module = String::from_utf8_lossy(r.line()?).into_owned();
                    let name = String::from_utf8_lossy(r.line()?).into_owned();
                    add_global(&mut info, &module, &name);
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
                        (Some(Val::Str(m)), Some(Val::Str(n))) => add_global(&mut info, &m, &n),
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
                other => return Err(format!("unknown opcode 0x{other:02x} at byte {}", r.i - 1)),
            }
            if stack.len() > MAX_STACK {
                return Err(format!("stack deeper than {MAX_STACK}"));
            }
            Ok(())
        })();
        match res {
            Ok(()) => {}
            Err(e) if e == "STOP" => return info,
            Err(e) => {
                info.error = Some(e);
                return info;
            }
        }
    }
    info.error = Some(format!("more than {max_ops} opcodes"));
    info
}

fn parse_int(line: &[u8]) -> Result<u64, String> {
    std::str::from_utf8(line).ok().and_then(|s| s.trim().parse().ok()).ok_or_else(|| "bad memo index".to_string())
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
    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let end = (self.i as u64).checked_add(n).filter(|&e| e <= self.b.len() as u64).ok_or("length past the end")?;
        let s = &self.b[self.i..end as usize];
        self.i = end as usize;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| "short")?))
    }
    fn line(&mut self) -> Result<&'a [u8], String> {
        let rest = &self.b[self.i..];
        let n = rest.iter().position(|&c| c == b'\n').ok_or("unterminated line")?;
        self.i += n + 1;
        Ok(&rest[..n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol0_global_and_reduce() {
        // pickle.dumps of a reduce to os.system('id') at protocol 0, built by hand.
        let p = b"cos\nsystem\n(Vid\ntR.";
        let info = scan(p, 1000);
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
        let info = scan(&p, 1000);
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
            let info = scan(p, 1000);
            assert!(info.error.is_some(), "{p:?}");
        }
        let endless = vec![b'('; 100_000];
        assert!(scan(&endless, 1_000_000).error.unwrap().contains("stack"));
        assert!(scan(&endless, 10).error.unwrap().contains("opcodes"));
    }
}
