//! What the Python objects a lambda can reach really are, from tables generated out of
//! the real packages (`tools/pyenv/gen_known.py`; see `tools/pyenv/README.md`).
//!
//! Three embedded text files, each with a header naming the command and the package
//! versions that made it:
//! - `loader_globals.txt`: per Keras line, the bare globals `func_load` gives the function
//!   (the globals of the module that builds it) and what each one is;
//! - `modules.txt`: every module we know, its attributes that are modules (`os.path` is
//!   `posixpath`, `posixpath.os` is `os`), and "mirror" modules whose callables classify
//!   as another's (`tensorflow.compat.v2` = `tensorflow`). Callable aliases need no lines:
//!   the generator classifies each object under all its paths (`numpy.lib.npyio.save` is
//!   `numpy.save`), and the format also accepts `attr canonical.callable` lines;
//! - `calls.txt`: callables by class. Only what changes a verdict ships: the reviewed
//!   compute allowlist and the sinks. Anything absent is [`CallClass::Unreviewed`]; an
//!   explicit `u` entry only stops the fallback to a mirror.
//!
//! Object names are canonical dotted names: a module's real `__name__` (`posixpath`,
//! `numpy.linalg`), except TensorFlow's generated API packages, which carry their public
//! path (`tensorflow.math`, not `tensorflow._api.v2.math`; `tensorflow.keras`, not
//! `keras.api._v2.keras`). A loader global that is not a module, function or class is
//! written `Type()` for an instance (`_frozen_importlib_external.SourceFileLoader()`),
//! `builtins.__dict__` for the builtins dict, or `<str>` / `<NoneType>` for plain data.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

const LOADER_GLOBALS: &str = include_str!("loader_globals.txt");
const MODULES: &str = include_str!("modules.txt");
const CALLS: &str = include_str!("calls.txt");

/// A Keras release line whose loader builds lambdas with its own globals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KerasLine {
    /// Keras 3.x: `keras/src/utils/python_utils.py` globals.
    Keras3,
    /// tf.keras 2.x (TensorFlow / keras 2.4 – 2.15): the Lambda layer module's globals,
    /// plus the `module` field's module and custom objects.
    TfKeras2,
    /// Standalone multi-backend Keras 2.0 – 2.3.
    Keras2,
    /// Keras 1.x.
    Keras1,
}

impl KerasLine {
    pub const ALL: [KerasLine; 4] = [KerasLine::Keras3, KerasLine::TfKeras2, KerasLine::Keras2, KerasLine::Keras1];

    fn tag(self) -> &'static str {
        match self {
            KerasLine::Keras3 => "keras3",
            KerasLine::TfKeras2 => "tfkeras2",
            KerasLine::Keras2 => "keras2",
            KerasLine::Keras1 => "keras1",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What calling a callable does, for the Lambda codes (detection-rules.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallClass {
    /// A reviewed pure tensor / math operation: fine for PAIT-KERAS-100.
    Compute,
    /// Wraps a Python callable into the graph (`tf.py_function`, `tf.numpy_function`):
    /// compute only if the wrapped callable is itself proven.
    PyFunc,
    /// Reads or lists files (102; `numpy.load` is 101 with `allow_pickle=True`).
    Read,
    /// Writes, moves or deletes files (101).
    Write,
    /// Loads or calls native code (101).
    Native,
    /// Downloads, loads models or switches Keras' safe mode (101).
    Gadget,
    /// Evaluates strings or builds code (101).
    Exec,
    /// Not on any reviewed list (102 when called).
    Unreviewed,
}

impl CallClass {
    /// Every class, in the order of the `calls.txt` tags.
    pub const ALL: [CallClass; 8] = [
        CallClass::Compute,
        CallClass::PyFunc,
        CallClass::Read,
        CallClass::Write,
        CallClass::Native,
        CallClass::Gadget,
        CallClass::Exec,
        CallClass::Unreviewed,
    ];

    fn from_tag(tag: &str) -> Option<CallClass> {
        Some(match tag {
            "c" => CallClass::Compute,
            "p" => CallClass::PyFunc,
            "r" => CallClass::Read,
            "w" => CallClass::Write,
            "n" => CallClass::Native,
            "g" => CallClass::Gadget,
            "x" => CallClass::Exec,
            "u" => CallClass::Unreviewed,
            _ => return None,
        })
    }
}

/// A known module: its module / alias attributes and the module whose namespace it mirrors.
#[derive(Default)]
struct Module {
    edges: HashMap<&'static str, &'static str>,
    mirror: Option<&'static str>,
}

struct Index {
    globals: [Vec<(&'static str, &'static str)>; 4],
    modules: HashMap<&'static str, Module>,
    /// module → attribute path (`reduce_sum`, `ForwardRef._evaluate`, `*`) → class.
    calls: HashMap<&'static str, HashMap<&'static str, CallClass>>,
}

/// Section name of the tensor-method table in `calls.txt`.
const TENSOR: &str = "<tensor>";

/// Lines that carry data: no blank lines, no `#` comments.
fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines().map(str::trim_end).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| build(LOADER_GLOBALS, MODULES, CALLS).expect("embedded known tables parse"))
}

/// Parses the three tables; `Err` names the first bad line (the unit tests run this).
fn build(globals_txt: &'static str, modules_txt: &'static str, calls_txt: &'static str) -> Result<Index, String> {
    let mut globals: [Vec<(&'static str, &'static str)>; 4] = Default::default();
    let mut line_ix: Option<usize> = None;
    for l in data_lines(globals_txt) {
        if let Some(tag) = l.strip_prefix('@') {
            let line =
                KerasLine::ALL.into_iter().find(|k| k.tag() == tag).ok_or(format!("unknown Keras line {l:?}"))?;
            line_ix = Some(line.index());
            continue;
        }
        let ix = line_ix.ok_or(format!("loader global before any @line: {l:?}"))?;
        let (name, obj) = l.split_once(' ').ok_or(format!("loader global without a value: {l:?}"))?;
        globals[ix].push((name, obj));
    }
    for g in &mut globals {
        crate::sort::sort(g);
    }

    let mut modules: HashMap<&'static str, Module> = HashMap::new();
    let mut current: Option<&'static str> = None;
    for l in data_lines(modules_txt) {
        if let Some(head) = l.strip_prefix('@') {
            let (name, mirror) = match head.split_once(' ') {
                Some((n, m)) => (n, Some(m.strip_prefix('=').ok_or(format!("bad mirror in {l:?}"))?)),
                None => (head, None),
            };
            modules.entry(name).or_default().mirror = mirror;
            current = Some(name);
            continue;
        }
        let m = current.ok_or(format!("module edge before any @module: {l:?}"))?;
        let (attr, target) = l.split_once(' ').ok_or(format!("module edge without a target: {l:?}"))?;
        modules.entry(m).or_default().edges.insert(attr, target);
    }

    let mut calls: HashMap<&'static str, HashMap<&'static str, CallClass>> = HashMap::new();
    let mut module: Option<&'static str> = None;
    let mut class: Option<CallClass> = None;
    for l in data_lines(calls_txt) {
        if let Some(m) = l.strip_prefix('@') {
            module = Some(m);
            class = None;
            continue;
        }
        if let Some(tag) = l.strip_prefix(':') {
            class = Some(CallClass::from_tag(tag).ok_or(format!("unknown class tag {l:?}"))?);
            continue;
        }
        let (Some(m), Some(c)) = (module, class) else {
            return Err(format!("callable before @module and :class: {l:?}"));
        };
        calls.entry(m).or_default().insert(l, c);
    }
    Ok(Index { globals, modules, calls })
}

/// What a bare global name is when `line` builds the function: canonical dotted name of
/// the object (see the module docs for non-module values).
pub fn loader_global(line: KerasLine, name: &str) -> Option<&'static str> {
    let g = &index().globals[line.index()];
    g.binary_search_by(|(n, _)| (*n).cmp(name)).ok().map(|i| g[i].1)
}

/// Every bare global `line` binds, sorted by name.
pub fn loader_globals(line: KerasLine) -> impl Iterator<Item = (&'static str, &'static str)> {
    index().globals[line.index()].iter().copied()
}

/// Follows mirrors (bounded: the tables are generated acyclic, but never trust a loop).
fn module_chain(canonical_module: &str) -> impl Iterator<Item = &'static Module> + '_ {
    let ix = index();
    let mut next = ix.modules.get(canonical_module);
    let mut hops = 0;
    std::iter::from_fn(move || {
        let m = next?;
        hops += 1;
        next = if hops < 8 { m.mirror.and_then(|t| ix.modules.get(t)) } else { None };
        Some(m)
    })
}

/// `module.attr` when that is a module (or a listed callable alias): the canonical dotted name.
///
/// `resolve_attr("os", "path")` is `posixpath`, `resolve_attr("posixpath", "os")` is
/// `os`; a known submodule whose canonical name is the plain path
/// (`numpy` + `linalg` → `numpy.linalg`) is found too. `None` for anything else,
/// including attributes that are ordinary callables (classify those with
/// [`classify_callable`] on `module.attr`).
pub fn resolve_attr(canonical_module: &str, attr: &str) -> Option<Cow<'static, str>> {
    for m in module_chain(canonical_module) {
        if let Some(t) = m.edges.get(attr) {
            return Some(Cow::Borrowed(*t));
        }
    }
    if attr.is_empty() || attr.contains('.') || !index().modules.contains_key(canonical_module) {
        return None;
    }
    let sub = format!("{canonical_module}.{attr}");
    if let Some((k, _)) = index().modules.get_key_value(sub.as_str()) {
        return Some(Cow::Borrowed(*k));
    }
    // A mirror's submodules are the mirrored module's (`tensorflow.compat.v2.math`).
    let mirror = index().modules.get(canonical_module).and_then(|m| m.mirror)?;
    resolve_attr(mirror, attr)
}

/// Is `dotted` a module we know (stdlib / ML package)?
pub fn is_known_module(dotted: &str) -> bool {
    index().modules.contains_key(dotted)
}

/// The table's own copy of a known module name (no allocation for the caller).
fn known_module_key(dotted: &str) -> Option<&'static str> {
    index().modules.get_key_value(dotted).map(|(k, _)| *k)
}

/// The entry for `rest` in `module` (or in the modules it mirrors): exact entries only,
/// or only the `*` wildcard.
fn lookup(module: &str, rest: &str, wildcard: bool) -> Option<CallClass> {
    let ix = index();
    let mut m: Option<&str> = Some(module);
    for _ in 0..8 {
        let name = m?;
        if let Some(t) = ix.calls.get(name) {
            if let Some(c) = t.get(if wildcard { "*" } else { rest }) {
                return Some(*c);
            }
        }
        m = ix.modules.get(name).and_then(|x| x.mirror);
    }
    None
}

/// Class of a canonical dotted callable (`tensorflow.reduce_sum`, `numpy.save`,
/// `typing.ForwardRef._evaluate`). The path is followed from its first component through
/// the module graph (`tensorflow.compat.v2.io.write_file` is `tensorflow.io.write_file`,
/// `numpy.lib.npyio.save` is `numpy.save`); a `*` entry classifies every attribute of its
/// module (`numpy.ctypeslib`, `ctypes`). Anything not on a list is `Unreviewed`.
pub fn classify_callable(dotted: &str) -> CallClass {
    classify_at_depth(dotted, 0)
}

fn classify_at_depth(dotted: &str, depth: usize) -> CallClass {
    if depth > 4 {
        return CallClass::Unreviewed;
    }
    // Start at the longest known module prefix: names are canonical, and a private
    // module a loader binds (`keras.src.layers.core.lambda_layer`) need not be reachable
    // from its package. Shorter known prefixes still count for wildcards.
    let mut splits: Vec<(Cow<'static, str>, &str)> = Vec::new();
    let mut start: Option<(usize, &'static str)> = None;
    for (i, _) in dotted.match_indices('.') {
        if let Some(key) = known_module_key(&dotted[..i]) {
            if let Some((s, outer)) = start {
                splits.push((Cow::Borrowed(outer), &dotted[s + 1..]));
            }
            start = Some((i, key));
        }
    }
    let Some((start, key)) = start else {
        return CallClass::Unreviewed;
    };
    // Follow the rest through the module graph, remembering each (module, rest) split:
    // an exact entry anywhere on the path wins over a `*` wildcard, and the deepest
    // wildcard over outer ones (`keras.applications` is `*` gadget, but its
    // `resnet50.preprocess_input` is compute).
    let mut module: Cow<'static, str> = Cow::Borrowed(key);
    let mut rest = &dotted[start + 1..];
    while !rest.is_empty() && splits.len() < 32 {
        if let Some(c) = lookup(&module, rest, false) {
            return c;
        }
        splits.push((module.clone(), rest));
        let (attr, tail) = rest.split_once('.').unwrap_or((rest, ""));
        match resolve_attr(&module, attr) {
            Some(t) if is_known_module(&t) => {
                module = t;
                rest = tail;
            }
            // An alias of a classified callable (or of a class whose method is called).
            Some(t) if tail.is_empty() => return classify_at_depth(&t, depth + 1),
            Some(t) => return classify_at_depth(&format!("{t}.{tail}"), depth + 1),
            None => break,
        }
    }
    splits.iter().rev().find_map(|(m, r)| lookup(m, r, true)).unwrap_or(CallClass::Unreviewed)
}

/// Class of a method/attribute name on a tensor-like value (an input of the Lambda:
/// `numpy.ndarray`, `tf.Tensor`, `tf.Variable`, `KerasTensor`).
pub fn classify_tensor_method(name: &str) -> CallClass {
    index().calls.get(TENSOR).and_then(|t| t.get(name)).copied().unwrap_or(CallClass::Unreviewed)
}

/// Canonical top-level name for the conventional short names code uses (`np`, `tf`,
/// `K`, `jnp` …); `None` for anything else. These are conventions, not bindings: a name
/// is only what the loader's globals say it is; use this for names the loading program
/// must supply.
pub fn canonical_alias(name: &str) -> Option<&'static str> {
    Some(match name {
        "np" | "numpy" => "numpy",
        "tf" | "tensorflow" => "tensorflow",
        "K" | "backend" => "keras.backend",
        "keras" => "keras",
        "ops" => "keras.ops",
        "layers" => "keras.layers",
        "jnp" => "jax.numpy",
        "jax" => "jax",
        "math" => "math",
        "scipy" | "sp" => "scipy",
        "h5py" => "h5py",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
