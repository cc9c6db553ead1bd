//! Understanding an embedded Python function: payload decoding, and (growing) marshal,
//! version inference, disassembly and symbolic evaluation.
//!
//! The entry point is [`analyze`]: marshal bytes plus what Keras binds at load time
//! (defaults, closure, Lambda `arguments`, the tf.keras `module` field) in, a
//! [`CodeAnalysis`] out. It never runs anything and never panics on any input.

pub mod disasm;
pub mod marshal;
pub mod opcodes;
pub mod payload;
pub mod version;

use crate::container::json::Json;
use crate::limits::Limits;

/// Everything Keras hands the function when it loads and calls it.
#[derive(Debug, Clone, Copy)]
pub struct FunctionInput<'a> {
    /// `marshal.dumps(fn.__code__)`, already decoded from base64 / raw_unicode_escape.
    pub code: &'a [u8],
    /// `fn.__defaults__` from the triple, bound to the last positional parameters.
    pub defaults: Option<&'a Json>,
    /// Closure cell values from the triple, bound to the free variables in order.
    pub closure: Option<&'a Json>,
    /// Lambda `arguments`: keyword arguments of every call.
    pub arguments: Option<&'a Json>,
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
    pub categories: Vec<String>,
    /// Why the classification is what it is, and anything the analysis could not do.
    pub notes: Vec<String>,
    /// The bytecode was damaged by Keras' Windows `\` → `/` rewrite and repaired.
    pub windows_repaired: bool,
}

/// Analyses one marshalled code object.
///
/// Until the marshal reader and evaluator land, this only checks the shape of the
/// payload: a blob that is not a code object is unverifiable (suspicious), anything
/// else is reported as a lambda for a reviewer to read.
pub fn analyze(input: &FunctionInput<'_>, _limits: &Limits) -> CodeAnalysis {
    let mut a = CodeAnalysis {
        classification: Classification::Benign,
        python_version: None,
        source: None,
        calls: Vec::new(),
        strings: Vec::new(),
        categories: Vec::new(),
        notes: Vec::new(),
        windows_repaired: false,
    };
    if !payload::looks_like_code_object(input.code) {
        a.classification = Classification::Suspicious;
        a.notes.push("the payload does not decode to a marshalled Python code object".into());
    }
    if let Some(m) = input.module {
        if let Some(hit) = crate::rules::sinks::classify_module(m) {
            a.categories.push(hit.category.into());
            a.notes.push(format!("the function's globals come from module {m:?}"));
            a.classification = a.classification.max(match hit.danger {
                crate::rules::sinks::Danger::Malicious => Classification::Malicious,
                crate::rules::sinks::Danger::Suspicious => Classification::Suspicious,
            });
        }
    }
    a
}
