//! Understanding an embedded Python function: payload decoding, and (growing) marshal,
//! version inference, disassembly and symbolic evaluation.
//!
//! The entry point is [`analyze`]: marshal bytes plus what Keras binds at load time
//! (defaults, closure, Lambda `arguments`, the tf.keras `module` field) in, a
//! [`CodeAnalysis`] out. It never runs anything and never panics on any input.

pub mod case;
pub mod disasm;
pub mod eval;
pub mod float_text;
pub mod fold;
pub mod known;
pub mod marshal;
pub mod opcodes;
pub mod payload;
pub mod repair;
pub mod tables;
pub mod value;
pub mod version;

use crate::container::json::Json;
use crate::limits::Limits;
use crate::messages::{en, Message, Template, ToArg};
use crate::msg;
use crate::report::truncate;
use crate::rules::sinks::Danger;

/// Everything Keras hands the function when it loads and calls it.
#[derive(Debug, Clone, Copy)]
pub struct FunctionInput<'a> {
    /// `marshal.dumps(fn.__code__)`, already decoded from base64 / raw_unicode_escape.
    pub code: &'a [u8],
    /// `fn.__defaults__` from the triple, bound to the last positional parameters.
    pub defaults: Option<&'a Json<'a>>,
    /// Closure cell values from the triple, bound to the free variables in order.
    pub closure: Option<&'a Json<'a>>,
    /// Lambda `arguments`: keyword arguments of every call.
    pub arguments: Option<&'a Json<'a>>,
    /// tf.keras `module` field: the function's globals come from this module.
    pub module: Option<&'a str>,
}

/// What the code does, in the terms of detection-rules.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Classification {
    /// Only ordinary tensor work (PAIT-KERAS-100).
    Benign,
    /// Suspicious operators or code that cannot be verified (PAIT-KERAS-102).
    Suspicious,
    /// Reaches a sink (PAIT-KERAS-101).
    Malicious,
}

/// The result of analysing one function.
#[derive(Debug, Clone)]
pub struct CodeAnalysis {
    pub classification: Classification,
    /// Python version or range inferred from the bytecode (`3.11`, `3.8 – 3.9`).
    pub python_version: Option<String>,
    /// Reconstructed, readable Python-like source.
    pub source: Option<String>,
    /// Resolved calls with folded arguments (`os.system('id')`).
    pub calls: Vec<String>,
    /// Strings recovered by deobfuscation.
    pub strings: Vec<String>,
    /// Rule categories hit (see `rules::sinks`), most severe first.
    pub categories: Vec<Message>,
    /// Why the classification is what it is, and anything the analysis could not do.
    pub notes: Vec<Message>,
    /// The bytecode was damaged by Keras' Windows `\` → `/` rewrite and repaired.
    pub windows_repaired: bool,
    /// Limits reached while analysing: the caller reports each by name (the file's
    /// verdict becomes `error` unless a finding makes it worse).
    pub limits_hit: Vec<crate::limits::LimitHit>,
}

/// Analyses one marshalled code object as any Keras line could load it.
pub fn analyze(input: &FunctionInput<'_>, limits: &Limits) -> CodeAnalysis {
    analyze_for(input, &tables::KerasLine::ALL, limits)
}

/// Analyses one marshalled code object loaded by one of `lines`.
///
/// Infers the Python version (repairing Windows damage if needed), evaluates the code
/// symbolically with everything Keras binds at load time (the loaders' globals of
/// `lines`: a global that is a sink in any of them counts), and classifies the facts
/// the evaluation recorded (`rules::code`). Unverifiable input is Suspicious with the
/// reason in `notes`.
pub fn analyze_for(input: &FunctionInput<'_>, lines: &[tables::KerasLine], limits: &Limits) -> CodeAnalysis {
    let mut a = CodeAnalysis {
        classification: Classification::Benign,
        python_version: None,
        source: None,
        calls: Vec::new(),
        strings: Vec::new(),
        categories: Vec::new(),
        notes: Vec::new(),
        windows_repaired: false,
        limits_hit: Vec::new(),
    };
    let mlimits = marshal::MarshalLimits::from_limits(limits);
    let inferred = match version::infer(input.code, &mlimits) {
        Ok(inf) => Some(inf),
        Err(e) => match repair::repair(input.code, limits) {
            repair::Repair::Repaired(r) => {
                a.windows_repaired = true;
                a.notes.push(msg!(en::NOTE_WINDOWS_REPAIRED, count = r.flipped.len()));
                Some(r.inferred)
            }
            outcome => {
                if let repair::Repair::Capped(hit) = outcome {
                    a.limits_hit.push(hit);
                }
                a.classification = Classification::Suspicious;
                if !payload::looks_like_code_object(input.code) {
                    a.notes.push(msg!(en::NOTE_NOT_CODE_OBJECT));
                }
                // The candidates' reasons, cut as before when long (then as text: the cut is English).
                let detail = if e.message.text.len() <= 600 {
                    e.message.to_arg()
                } else {
                    truncate(&e.message.text, 600).to_arg()
                };
                a.notes.push(msg!(en::NOTE_NO_PYTHON_VERSION, detail = detail));
                a.categories.push(msg!(en::CAT_UNVERIFIABLE_CODE));
                static_names(input.code, &mut a);
                None
            }
        },
    };
    if let Some(inf) = inferred {
        a.python_version = Some(inf.describe());
        if inf.versions.len() > 1 {
            a.notes.push(msg!(en::NOTE_VERSIONS_IDENTICAL, versions = inf.describe()));
        }
        if !a.windows_repaired && looks_windows(&inf.code.filename) && inf.code.code.contains(&0x2F) && inf.py().ge(13)
        {
            a.notes.push(msg!(en::NOTE_WINDOWS_MAYBE));
        }
        let mut arguments: Vec<(String, value::V)> = input
            .arguments
            .and_then(|j| j.as_obj())
            .map(|m| m.iter().map(|(k, v)| (k.to_string(), json_value(v, 0))).collect())
            .unwrap_or_default();
        // Keras' Lambda.call passes `mask` and `training` whenever the function has
        // parameters of those names, over any default or `arguments` entry: their values
        // come from the caller, so a stored default must not prune a branch.
        let code = &inf.code;
        let nparams = (code.argcount + code.kwonlyargcount) as usize;
        for name in ["mask", "training"] {
            if code.varnames.iter().take(nparams).any(|n| n == name) {
                arguments.push((name.to_string(), value::V::unknown(name)));
            }
        }
        let env = eval::Env {
            defaults: input.defaults.map(json_items).unwrap_or_default(),
            closure: input.closure.map(json_items).unwrap_or_default(),
            arguments,
            module: input.module.map(str::to_string),
            lines: if lines.is_empty() { tables::KerasLine::ALL.to_vec() } else { lines.to_vec() },
        };
        let budget = eval::Budget {
            steps: limits.max_eval_steps,
            forks: limits.max_eval_forks,
            call_depth: limits.max_eval_call_depth,
        };
        let ev = eval::evaluate(&inf.code, inf.py(), &env, budget);
        a.source = Some(ev.source.clone());
        a.calls = ev.calls.clone();
        a.strings = ev.strings.clone();
        let verdict = crate::rules::code::classify(&ev.facts);
        for h in &verdict.findings {
            add_category(&mut a.categories, h.category);
            a.classification = a.classification.max(match h.danger {
                Danger::Malicious => Classification::Malicious,
                Danger::Suspicious => Classification::Suspicious,
            });
            a.notes.push(msg!(en::NOTE_CATEGORY, category = h.category, what = h.what.clone()));
        }
        a.notes.extend(verdict.notes);
        if ev.incomplete {
            a.classification = a.classification.max(Classification::Suspicious);
            add_category(&mut a.categories, en::CAT_INCOMPLETE);
        }
        a.notes.extend(ev.notes);
    }
    // The `module` field is where the function was defined: only a dangerous module
    // makes its bare names sinks; the project's own module contributes helpers.
    if let Some(m) = input.module {
        if let Some(hit) = crate::rules::sinks::classify_module(m).filter(|h| h.danger == Danger::Malicious) {
            add_category(&mut a.categories, hit.category);
            a.notes.push(msg!(en::NOTE_DANGEROUS_MODULE_GLOBALS, module = format!("{m:?}")));
            a.classification = Classification::Malicious;
        }
    }
    a
}

/// Adds a category once.
fn add_category(categories: &mut Vec<Message>, c: Template) {
    if !categories.iter().any(|m| m.id == c.id) {
        categories.push(msg!(c));
    }
}

fn looks_windows(filename: &str) -> bool {
    let b = filename.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

/// For code that does not verify: the name and string rules over whatever layout
/// parses, as evidence only (never malicious merely because it does not disassemble).
fn static_names(data: &[u8], a: &mut CodeAnalysis) {
    let lim = marshal::MarshalLimits::default();
    for layout in [marshal::Layout::L311, marshal::Layout::L38, marshal::Layout::L30, marshal::Layout::L27] {
        if let Ok((code, _)) = marshal::parse_code(data, layout, &lim) {
            let mut names = Vec::new();
            collect_names(&code, &mut names);
            for n in names {
                let hit = crate::rules::sinks::classify(&n)
                    .or_else(|| crate::rules::sinks::classify(&format!("builtins.{n}")));
                if let Some(h) = hit {
                    a.notes.push(msg!(en::NOTE_UNVERIFIED_NAMES, name = &n, category = h.category));
                    add_category(&mut a.categories, h.category);
                }
            }
            return;
        }
    }
}

fn collect_names(code: &std::rc::Rc<marshal::Code>, out: &mut Vec<String>) {
    // Each distinct code object once (shared references make the nesting a DAG).
    let mut seen = std::collections::HashSet::new();
    for c in code.graph(usize::MAX).codes {
        for n in &c.names {
            if seen.insert(n.clone()) {
                out.push(n.clone());
            }
        }
    }
}

fn json_items(j: &Json) -> Vec<value::V> {
    match j {
        Json::Arr(a) => a.iter().map(|v| json_value(v, 0)).collect(),
        Json::Obj(_) => match j.get("items").and_then(Json::as_arr) {
            // SavedModel `__tuple__` wrapper.
            Some(items) if j.get_str_is("class_name", "__tuple__") => items.iter().map(|v| json_value(v, 0)).collect(),
            _ => vec![json_value(j, 0)],
        },
        Json::Null => Vec::new(),
        other => vec![json_value(other, 0)],
    }
}

fn json_value(j: &Json, depth: usize) -> value::V {
    use value::V;
    if depth > 32 {
        return V::unknown("<deep value>");
    }
    match j {
        Json::Null => V::None,
        Json::Bool(b) => V::Bool(*b),
        Json::Num(n) => n
            .parse::<i128>()
            .map(V::Int)
            .map_err(|_| ())
            .or_else(|_| float_text::parse(n).map(V::Float).ok_or(()))
            .unwrap_or_else(|_| V::Opaque(n.as_str().into())),
        Json::Str(s) => V::str(s.text()),
        Json::Arr(a) => V::List(a.iter().map(|v| json_value(v, depth + 1)).collect()),
        Json::Obj(m) => {
            if j.get_str_is("class_name", "__tuple__") {
                if let Some(items) = j.get("items").and_then(Json::as_arr) {
                    return V::Tuple(items.iter().map(|v| json_value(v, depth + 1)).collect());
                }
            }
            if j.get_str_is("type", "ndarray") {
                return V::unknown("<ndarray>");
            }
            V::Dict(m.iter().map(|(k, v)| (V::str(k.text()), json_value(v, depth + 1))).collect())
        }
    }
}

#[cfg(test)]
mod call_time_arguments {
    use super::*;

    fn unhex(h: &str) -> Vec<u8> {
        (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect()
    }

    /// `lambda x, training=None: __import__('os').system('id') if training else x`
    /// (CPython 3.11 `marshal.dumps`), saved with its default `None`: Keras passes
    /// `training` at call time, so the default must not hide the payload branch.
    const TRAINING_GATED: &str = "e30200000000000000000000000300000003000000f34e00000097007c0172227401000000000000000000006401a6010000ab010000000000000000a00100000000000000000000000000000000000000006402a6010000ab0100000000000000006e017c00530029034eda026f73da0269642902da0a5f5f696d706f72745f5fda0673797374656d2902da0178da08747261696e696e6773020000002020fa083c737472696e673efa083c6c616d6264613e72090000000100000073260000008000b828d019499d1aa044d11929d41929d71930d21930b014d11936d41936d01936c8018000f300000000";
    /// `lambda x, mask=None, scale=2.0: x * scale if mask is None else x`.
    const MASK_BENIGN: &str = "e30300000000000000000000000200000003000000f31400000097007c0180057c007c027a0500006e017c00530029014ea9002903da0178da046d61736bda057363616c657303000000202020fa083c737472696e673efa083c6c616d6264613e72070000000100000073120000008000a854a85ca001a045a109a009b8718000f300000000";

    #[test]
    fn training_and_mask_come_from_the_caller() {
        let code = unhex(TRAINING_GATED);
        let defaults = crate::container::json::Json::Arr(vec![crate::container::json::Json::Null]);
        let input =
            FunctionInput { code: &code, defaults: Some(&defaults), closure: None, arguments: None, module: None };
        let a = analyze(&input, &Limits::default());
        assert_eq!(a.classification, Classification::Malicious, "{:?}", a.notes);
        let code = unhex(MASK_BENIGN);
        let input = FunctionInput { code: &code, defaults: None, closure: None, arguments: None, module: None };
        assert_eq!(analyze(&input, &Limits::default()).classification, Classification::Benign);
    }
}

#[cfg(test)]
mod dag_tests {
    use super::*;

    /// 41 distinct code objects that form 2^41 - 1 as a tree: the analysis visits each
    /// once (evaluation, static backstop, constants and names), so it ends at once.
    #[test]
    fn shared_code_references_are_analysed_once() {
        let data = marshal::tests::shared_code_dag(40);
        let input = FunctionInput { code: &data, defaults: None, closure: None, arguments: None, module: None };
        let a = analyze(&input, &Limits::default());
        assert_eq!(a.python_version.as_deref().map(|v| v.contains("3.11")), Some(true), "{:?}", a.notes);
        assert!(a.limits_hit.is_empty(), "{:?}", a.limits_hit);
    }
}
