//! The Lambda codes for embedded code: classifies the facts the evaluator recorded
//! ([`Fact`]) against the sink table ([`super::sinks`]) and the reviewed operations
//! ([`tables`]). An allowlist: a call that is not proven ordinary is at least
//! PAIT-KERAS-102 ("cannot verify"), a sink reached by any route is PAIT-KERAS-101.

use super::sinks::{self, Danger};
use crate::messages::{en, Arg, IntoArg, Message, Template};
use crate::msg;
use crate::python::eval::calls::{MODELLED, PURE_BUILTINS};
use crate::python::eval::{Fact, Target};
use crate::python::tables::{self, CallClass};
use crate::python::value::V;

/// One classified piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub danger: Danger,
    pub category: Template,
    /// What was found: the call as rendered (data), or a message around it.
    pub what: Arg,
}

/// Everything the facts say: findings, most severe first, and notes for the reader.
#[derive(Debug, Default)]
pub struct Verdict {
    pub findings: Vec<Finding>,
    pub notes: Vec<Message>,
}

impl Verdict {
    fn add(&mut self, danger: Danger, category: Template, what: impl IntoArg) {
        let f = Finding { danger, category, what: what.into_arg() };
        // Not capped: the facts are (python::eval caps them), and every finding counts.
        if !self.findings.contains(&f) {
            self.findings.push(f);
        }
    }
    fn note(&mut self, n: Message) {
        if !self.notes.contains(&n) && self.notes.len() < 50 {
            self.notes.push(n);
        }
    }
}

/// Methods of concrete values that only compute (strings, containers).
const VALUE_METHODS: &[&str] = &[
    "format",
    "join",
    "split",
    "rsplit",
    "replace",
    "lower",
    "upper",
    "strip",
    "lstrip",
    "rstrip",
    "startswith",
    "endswith",
    "encode",
    "decode",
    "find",
    "rfind",
    "count",
    "index",
    "isdigit",
    "isalpha",
    "zfill",
    "title",
    "capitalize",
    "swapcase",
    "casefold",
    "partition",
    "rpartition",
    "removeprefix",
    "removesuffix",
    "splitlines",
    "ljust",
    "rjust",
    "center",
    "translate",
    "maketrans",
    "hex",
    "get",
    "keys",
    "values",
    "items",
    "copy",
    "pop",
    "setdefault",
    "update",
    "append",
    "extend",
    "insert",
    "reverse",
    "sort",
    "add",
    "__getitem__",
    "__setitem__",
    "__next__",
    "__iter__",
    "__len__",
    "__contains__",
    "__add__",
    "__mul__",
    "__mod__",
    "__radd__",
    "__rmul__",
];

/// Objects whose danger depends on the arguments they are called with.
const ARGUMENT_DEPENDENT: &[&str] = &[
    "numpy.load",
    "np.load",
    "h5py.File",
    "io.FileIO",
    "io.open",
    "codecs.open",
    "pathlib.Path.open",
    "os.open",
    "posix.open",
    "nt.open",
    "zipfile.ZipFile",
    "tarfile.open",
    "gzip.open",
    "bz2.open",
    "lzma.open",
    "dbm.open",
    "tensorflow.io.gfile.GFile",
    "tensorflow.gfile.GFile",
    "tensorflow.print",
    "tensorflow.compat.v2.print",
];

/// Classifies the facts of one evaluated function.
pub fn classify(facts: &[Fact]) -> Verdict {
    let mut v = Verdict::default();
    let mut helpers: Vec<&str> = Vec::new();
    for f in facts {
        match f {
            Fact::Reached { dotted, what } => reached(&mut v, dotted, what),
            Fact::Import(m) => import(&mut v, m),
            Fact::Call { target, text, args, kwargs } => call(&mut v, target, text, args, kwargs),
            Fact::Unverifiable(w) => v.add(Danger::Suspicious, sinks::UNVERIFIED, w.clone()),
            Fact::Indirection(w) => v.add(Danger::Suspicious, sinks::OBFUSCATION, w.clone()),
            Fact::Literal(s) => v.add(
                Danger::Suspicious,
                sinks::NET,
                msg!(en::WHAT_URL_LITERAL, value = crate::python::value::py_repr_str(s)),
            ),
            Fact::Helper(h) => {
                if !helpers.contains(&h.as_str()) {
                    helpers.push(h);
                }
            }
        }
    }
    if !helpers.is_empty() {
        v.note(msg!(en::NOTE_HELPERS, names = helpers.join(", ")));
    }
    // Most severe first (a partition: two dangers, no sort code in the bundle).
    let (mut worst, rest): (Vec<Finding>, Vec<Finding>) =
        v.findings.drain(..).partition(|f| f.danger == Danger::Malicious);
    worst.extend(rest);
    v.findings = worst;
    v
}

/// A sink reached by any route counts; ordinary names reached do not.
fn reached(v: &mut Verdict, dotted: &str, what: &str) {
    // What these do depends on their arguments (a constant payload, a mode): their
    // calls are judged.
    if dotted.ends_with(".func_load") || ARGUMENT_DEPENDENT.contains(&dotted) {
        return;
    }
    if let Some(h) = sinks::classify(dotted) {
        // Builtins are judged where they are called (`getattr(x, 'reshape')` is fine).
        if h.danger == Danger::Malicious || !dotted.starts_with("builtins.") {
            v.add(h.danger, h.category, what);
        }
        return;
    }
    if let Some((danger, category)) = severity(tables::classify_callable(dotted)) {
        if danger == Danger::Malicious {
            v.add(danger, category, what);
        }
    }
}

fn severity(c: CallClass) -> Option<(Danger, Template)> {
    Some(match c {
        CallClass::Write => (Danger::Malicious, sinks::WRITE),
        CallClass::Native => (Danger::Malicious, sinks::NATIVE),
        CallClass::Gadget => (Danger::Malicious, sinks::GADGET),
        CallClass::Exec => (Danger::Malicious, sinks::DYN),
        CallClass::Read => (Danger::Suspicious, sinks::READ),
        CallClass::Compute | CallClass::PyFunc | CallClass::Unreviewed => return None,
    })
}

fn import(v: &mut Verdict, m: &str) {
    if let Some(h) = sinks::classify(m) {
        v.add(h.danger, h.category, msg!(en::WHAT_IMPORT, module = m));
    } else if sinks::is_ml_module(m) {
    } else if sinks::is_ml_adjacent_module(m) {
        v.note(msg!(en::NOTE_ML_ADJACENT, module = m));
    } else {
        v.add(Danger::Suspicious, sinks::FOREIGN_IMPORT, msg!(en::WHAT_IMPORT, module = m));
    }
}

fn arg(args: &[V], kwargs: &[(String, V)], i: usize, name: &str) -> Option<V> {
    args.get(i).cloned().or_else(|| kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

/// `open`-like calls: a write mode changes the system, a read mode reads.
fn file_mode(v: &mut Verdict, mode: Option<V>, text: &str, default_read: bool) {
    match mode {
        Some(V::Str(m)) if m.contains(['w', 'a', 'x', '+']) => v.add(Danger::Malicious, sinks::WRITE, text),
        Some(V::Str(_)) => v.add(Danger::Suspicious, sinks::READ, text),
        None if default_read => v.add(Danger::Suspicious, sinks::READ, text),
        None => v.add(Danger::Malicious, sinks::WRITE, text),
        Some(_) => v.add(Danger::Suspicious, sinks::WRITE, msg!(en::WHAT_MODE_UNKNOWN, call = text)),
    }
}

fn call(v: &mut Verdict, target: &Target, text: &str, args: &[V], kwargs: &[(String, V)]) {
    match target {
        Target::Object(d) => object_call(v, d, text, args, kwargs),
        Target::TensorMethod(m) => {
            if let Some(h) = sinks::classify(&format!("object.{m}")) {
                v.add(h.danger, h.category, text);
            }
            match tables::classify_tensor_method(m) {
                CallClass::Compute | CallClass::PyFunc => {}
                CallClass::Unreviewed => v.add(
                    Danger::Suspicious,
                    sinks::UNVERIFIED,
                    msg!(en::WHAT_UNREVIEWED_TENSOR_METHOD, method = m, call = text),
                ),
                c => {
                    if let Some((danger, category)) = severity(c) {
                        v.add(danger, category, text);
                    }
                }
            }
        }
        Target::ValueMethod(ty, m) => {
            if !VALUE_METHODS.contains(&m.as_str()) {
                v.add(
                    Danger::Suspicious,
                    sinks::UNVERIFIED,
                    msg!(en::WHAT_UNREVIEWED_METHOD, owner = ty, method = m, call = text),
                );
            }
        }
        Target::Helper(_) | Target::Nested => {}
        Target::Lost => v.add(Danger::Suspicious, sinks::UNVERIFIED, msg!(en::WHAT_LOST_CALL, call = text)),
    }
}

fn object_call(v: &mut Verdict, d: &str, text: &str, args: &[V], kwargs: &[(String, V)]) {
    // The same object however it was spelled (`tf` is `tensorflow.compat.v2` in tf.keras).
    let canon = tables::canonical(d);
    let d: &str = &canon;
    if d.ends_with(".func_load") {
        let payload = match args.first() {
            Some(V::Tuple(t) | V::List(t)) => t.first().cloned(),
            other => other.cloned(),
        };
        if !matches!(payload, Some(V::Str(_) | V::Bytes(_))) {
            v.add(Danger::Malicious, sinks::DYN, msg!(en::WHAT_RUNTIME_CODE, call = text));
        }
        return;
    }
    match d {
        "builtins.open" | "io.open" | "codecs.open" | "builtins.file" => {
            return file_mode(v, arg(args, kwargs, 1, "mode"), text, true);
        }
        "io.FileIO" => return file_mode(v, arg(args, kwargs, 1, "mode"), text, true),
        "pathlib.Path.open" | "pathlib.PosixPath.open" => {
            return file_mode(v, arg(args, kwargs, 0, "mode"), text, true)
        }
        "h5py.File" | "tensorflow.io.gfile.GFile" | "tensorflow.gfile.GFile" => {
            return file_mode(v, arg(args, kwargs, 1, "mode"), text, true)
        }
        "zipfile.ZipFile" | "tarfile.open" | "gzip.open" | "bz2.open" | "lzma.open" | "dbm.open" => {
            return file_mode(v, arg(args, kwargs, 1, "mode"), text, true)
        }
        "os.open" | "posix.open" | "nt.open" => return os_open(v, arg(args, kwargs, 1, "flags"), text),
        // `tf.print` writes to a file when `output_stream` names one (`file://…`).
        "tensorflow.print" | "tensorflow.compat.v2.print" => {
            match kwargs.iter().find(|(k, _)| k == "output_stream").map(|(_, v)| v) {
                None => {}
                Some(V::Sym { dotted, .. }) if dotted.ends_with("stdout") || dotted.ends_with("stderr") => {}
                Some(V::Str(s)) if !s.starts_with("file://") => {}
                Some(_) => v.add(Danger::Malicious, sinks::WRITE, text),
            }
            return;
        }
        "numpy.load" | "np.load" => {
            match kwargs.iter().find(|(k, _)| k == "allow_pickle").map(|(_, v)| v) {
                Some(V::Bool(false)) | None => v.add(Danger::Suspicious, sinks::READ, text),
                _ => v.add(Danger::Malicious, sinks::DESER, text),
            }
            return;
        }
        _ => {}
    }
    if let Some(h) = sinks::classify(d) {
        v.add(h.danger, h.category, text);
        return;
    }
    let class = tables::classify_callable(d);
    if let Some((danger, category)) = severity(class) {
        v.add(danger, category, text);
        return;
    }
    if matches!(class, CallClass::Compute | CallClass::PyFunc) || MODELLED.contains(&d) {
        return;
    }
    if d.strip_prefix("builtins.").is_some_and(|b| PURE_BUILTINS.contains(&b)) {
        return;
    }
    if let Some(t) = ["str.", "bytes.", "bytearray.", "int.", "dict."].iter().find(|t| d.starts_with(**t)) {
        if VALUE_METHODS.contains(&&d[t.len()..]) || d == "bytes.fromhex" {
            return;
        }
    }
    v.add(Danger::Suspicious, sinks::UNVERIFIED, msg!(en::WHAT_UNREVIEWED_OPERATION, name = d, call = text));
}

/// `os.open(path, flags)`: creating, truncating or writing flags change the system.
fn os_open(v: &mut Verdict, flags: Option<V>, text: &str) {
    const WRITE_FLAGS: &[&str] = &["O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC", "O_EXCL", "O_TMPFILE"];
    match flags {
        // Linux values: O_WRONLY 1, O_RDWR 2, O_CREAT 0o100, O_TRUNC 0o1000, O_APPEND 0o2000.
        Some(V::Int(f)) if f & (0o3 | 0o100 | 0o1000 | 0o2000) != 0 => v.add(Danger::Malicious, sinks::WRITE, text),
        Some(V::Int(_)) => v.add(Danger::Suspicious, sinks::READ, text),
        Some(f) if WRITE_FLAGS.iter().any(|w| f.render().contains(w)) => v.add(Danger::Malicious, sinks::WRITE, text),
        Some(f) if f.render().contains("O_RDONLY") => v.add(Danger::Suspicious, sinks::READ, text),
        _ => v.add(Danger::Suspicious, sinks::WRITE, msg!(en::WHAT_FLAGS_UNKNOWN, call = text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(d: &str, args: Vec<V>, kwargs: Vec<(&str, V)>) -> Fact {
        Fact::Call {
            target: Target::Object(d.into()),
            text: d.into(),
            args,
            kwargs: kwargs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }
    fn worst(facts: &[Fact]) -> Option<Danger> {
        classify(facts).findings.first().map(|f| f.danger)
    }
    const M: Option<Danger> = Some(Danger::Malicious);
    const S: Option<Danger> = Some(Danger::Suspicious);

    #[test]
    fn reviewed_calls_pass_and_unreviewed_ones_cannot_be_verified() {
        assert_eq!(worst(&[call("numpy.mean", vec![], vec![])]), None);
        assert_eq!(worst(&[call("builtins.len", vec![], vec![])]), None);
        assert_eq!(worst(&[call("tensorflow.experimental_thing", vec![], vec![])]), S);
        assert_eq!(worst(&[call("posixpath.join", vec![], vec![])]), S);
        let lost = Fact::Call { target: Target::Lost, text: "f()".into(), args: vec![], kwargs: vec![] };
        assert_eq!(worst(&[lost]), S);
        let helper =
            Fact::Call { target: Target::Helper("my_fn".into()), text: "my_fn()".into(), args: vec![], kwargs: vec![] };
        assert_eq!(worst(&[helper, Fact::Helper("my_fn".into())]), None);
    }

    #[test]
    fn arguments_decide_modes_and_payloads() {
        assert_eq!(worst(&[call("builtins.open", vec![V::str("/x"), V::str("w")], vec![])]), M);
        assert_eq!(worst(&[call("builtins.open", vec![V::str("/x")], vec![])]), S);
        assert_eq!(worst(&[call("h5py.File", vec![V::str("/x")], vec![("mode", V::str("a"))])]), M);
        assert_eq!(worst(&[call("numpy.load", vec![V::str("/x")], vec![])]), S);
        assert_eq!(worst(&[call("numpy.load", vec![V::str("/x")], vec![("allow_pickle", V::Bool(true))])]), M);
        assert_eq!(worst(&[call("os.open", vec![V::str("/x"), V::Int(0o101)], vec![])]), M);
        assert_eq!(worst(&[call("os.open", vec![V::str("/x"), V::Int(0)], vec![])]), S);
        let fl = "keras.src.utils.python_utils.func_load";
        assert_eq!(worst(&[call(fl, vec![V::str("YwAA")], vec![])]), None, "a constant payload is analysed");
        assert_eq!(worst(&[call(fl, vec![V::data("p + x")], vec![])]), M, "code built at run time");
    }

    #[test]
    fn sinks_count_however_reached_but_builtins_only_when_malicious() {
        let reach = |d: &str| Fact::Reached { dotted: d.into(), what: d.into() };
        assert_eq!(worst(&[reach("os.system")]), M);
        assert_eq!(worst(&[reach("numpy.save")]), M);
        assert_eq!(worst(&[reach("builtins.eval")]), M);
        assert_eq!(worst(&[reach("builtins.getattr")]), None);
        assert_eq!(worst(&[reach("numpy.load")]), None, "judged at the call");
        assert_eq!(worst(&[reach("object.__globals__")]), M);
        assert_eq!(worst(&[reach("os")]), None);
    }

    #[test]
    fn tensor_methods_are_an_allowlist() {
        let m = |n: &str| Fact::Call {
            target: Target::TensorMethod(n.into()),
            text: n.into(),
            args: vec![],
            kwargs: vec![],
        };
        assert_eq!(worst(&[m("reshape")]), None);
        assert_eq!(worst(&[m("tofile")]), M);
        assert_eq!(worst(&[m("frobnicate")]), S);
    }
}
