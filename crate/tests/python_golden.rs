//! Golden tests from the real interpreters (shared/reference/interpreters/*.json):
//! marshal fields, disassembly against CPython's own `dis`, version inference.

mod common;

use common::{shared, INTERPRETERS};
use keras_sentinel::python::disasm;
use keras_sentinel::python::marshal::{self, Layout, MarshalLimits};
use keras_sentinel::python::opcodes::Py;
use keras_sentinel::python::payload::a2b_base64;
use keras_sentinel::python::version;
use serde_json::Value;

pub fn samples() -> Vec<(String, Py, String, Value)> {
    let mut out = Vec::new();
    for &(file, py) in INTERPRETERS {
        let text = std::fs::read_to_string(shared(&format!("reference/interpreters/{file}"))).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        for (name, s) in v["samples"].as_object().unwrap() {
            out.push((file.to_string(), py, name.clone(), s.clone()));
        }
    }
    assert_eq!(out.len(), 22 * 7, "expected 22 samples in each of 7 interpreter files");
    out
}

fn bytes(s: &Value) -> Vec<u8> {
    a2b_base64(s["b64"].as_str().unwrap().as_bytes()).unwrap().bytes
}

fn layout_of(py: Py) -> Layout {
    if py.ge(11) {
        Layout::L311
    } else {
        Layout::L38
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn check_fields(ctx: &str, c: &marshal::Code, f: &Value) {
    let n = |k: &str| f[k].as_u64().unwrap_or_else(|| panic!("{ctx}: field {k}"));
    assert_eq!(c.argcount as u64, n("co_argcount"), "{ctx} argcount");
    assert_eq!(c.posonlyargcount as u64, n("co_posonlyargcount"), "{ctx} posonly");
    assert_eq!(c.kwonlyargcount as u64, n("co_kwonlyargcount"), "{ctx} kwonly");
    assert_eq!(c.nlocals as u64, n("co_nlocals"), "{ctx} nlocals");
    assert_eq!(c.stacksize as u64, n("co_stacksize"), "{ctx} stacksize");
    assert_eq!(c.flags as u64, n("co_flags"), "{ctx} flags");
    assert_eq!(c.names, strs(&f["co_names"]), "{ctx} names");
    assert_eq!(c.varnames, strs(&f["co_varnames"]), "{ctx} varnames");
    assert_eq!(c.freevars, strs(&f["co_freevars"]), "{ctx} freevars");
    assert_eq!(c.cellvars, strs(&f["co_cellvars"]), "{ctx} cellvars");
    assert_eq!(c.filename, f["co_filename"].as_str().unwrap(), "{ctx} filename");
    assert_eq!(c.name, f["co_name"].as_str().unwrap(), "{ctx} name");
    if let Some(q) = f["co_qualname"].as_str() {
        assert_eq!(c.qualname, q, "{ctx} qualname");
    }
    assert_eq!(c.firstlineno as u64, n("co_firstlineno"), "{ctx} firstlineno");
    assert_eq!(hex(&c.code), f["co_code_hex"].as_str().unwrap(), "{ctx} code");
    assert_eq!(c.consts.len(), f["consts_repr"].as_array().unwrap().len(), "{ctx} consts");
    let lt = f["co_linetable_hex"].as_str().or(f["co_lnotab_hex"].as_str()).unwrap_or("");
    assert_eq!(hex(&c.linetable), lt, "{ctx} linetable");
    if let Some(e) = f["co_exceptiontable_hex"].as_str() {
        assert_eq!(hex(&c.exceptiontable), e, "{ctx} exceptiontable");
    }
}

#[test]
fn marshal_fields_match_the_interpreters() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    let mut checked = 0;
    for (file, py, name, s) in samples() {
        let ctx = format!("{file}/{name}");
        let data = bytes(&s);
        let keras = a2b_base64(s["keras_b64"].as_str().unwrap().as_bytes()).unwrap().bytes;
        assert_eq!(keras, data, "{ctx}: keras_b64 decodes differently");
        let (code, _) = marshal::parse_code(&data, layout_of(py), &MarshalLimits::default())
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        check_fields(&ctx, &code, &s["code"]);
        let nested: Vec<_> = code.nested().cloned().collect();
        let want = s["nested"].as_array().unwrap();
        assert_eq!(nested.len(), want.len(), "{ctx}: nested code count");
        for (i, (c, f)) in nested.iter().zip(want).enumerate() {
            check_fields(&format!("{ctx} nested {i}"), c, f);
        }
        checked += 1;
    }
    assert_eq!(checked, 154);
}

/// (opname, arg) sequence from `dis` text; CACHE lines are skipped.
fn dis_ops(text: &str, known: &dyn Fn(&str) -> bool) -> Vec<(String, Option<u32>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let toks: Vec<&str> = line.split_whitespace().collect();
        if line.trim_start().starts_with("Disassembly of") || line.contains("ExceptionTable") {
            continue;
        }
        for (k, t) in toks.iter().enumerate() {
            if t.len() > 1
                && t.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && t.chars().next().unwrap().is_ascii_uppercase()
                && known(t)
            {
                if *t == "CACHE" {
                    break;
                }
                let arg = toks.get(k + 1).and_then(|a| a.parse::<u32>().ok());
                out.push((t.to_string(), arg));
                break;
            }
        }
    }
    out
}

fn all_code(c: &std::rc::Rc<marshal::Code>, out: &mut Vec<std::rc::Rc<marshal::Code>>) {
    out.push(c.clone());
    for n in c.nested() {
        all_code(n, out);
    }
}

#[test]
fn disassembly_matches_dis() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    let mut compared = 0;
    let mut instrs = 0;
    for (file, py, name, s) in samples() {
        let ctx = format!("{file}/{name}");
        let data = bytes(&s);
        let (code, _) = marshal::parse_code(&data, layout_of(py), &MarshalLimits::default()).unwrap();
        let mut codes = Vec::new();
        all_code(&code, &mut codes);
        let mut ours = Vec::new();
        for c in &codes {
            for i in disasm::disassemble(&c.code, py).unwrap_or_else(|e| panic!("{ctx}: {e}")) {
                ours.push((i.name.to_string(), i.arg));
            }
        }
        let t = py.table();
        let known = |n: &str| n == "CACHE" || t.ops.iter().any(|o| o.name() == n);
        let theirs = dis_ops(s["dis"].as_str().unwrap(), &known);
        assert_eq!(ours.len(), theirs.len(), "{ctx}: instruction count\nours {ours:?}\ndis {theirs:?}");
        for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(a.0, b.0, "{ctx}: opname #{k}");
            assert_eq!(a.1, b.1, "{ctx}: arg of {} #{k}", a.0);
        }
        compared += 1;
        instrs += ours.len();
    }
    assert_eq!(compared, 154);
    assert!(instrs > 3000, "only {instrs} instructions compared");
}

#[test]
fn version_inference_contains_the_interpreter_version() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    let mut exact = 0;
    let mut total = 0;
    for (file, py, name, s) in samples() {
        let data = bytes(&s);
        let inf =
            version::infer(&data, &MarshalLimits::default()).unwrap_or_else(|e| panic!("{file}/{name}: {}", e.message));
        assert!(
            inf.versions.contains(&py),
            "{file}/{name}: inferred {} but the interpreter is {}",
            inf.describe(),
            py.label()
        );
        total += 1;
        if inf.versions.len() == 1 {
            exact += 1;
        }
    }
    eprintln!("version inference: {exact}/{total} exact");
    assert!(exact * 10 >= total * 8, "only {exact}/{total} samples got an exact version");
}
