//! What the objects a lambda reaches are: the adapter over the generated tables.
//!
//! The generated tables (loader globals per Keras line, the module re-export graph, the
//! reviewed callables) are [`super::known`], made from the real packages. Every query
//! asks them first; this file adds a small hand-written seed for what they do not list
//! yet (until the generated tables are complete). The seed is narrow: what neither
//! knows is unreviewed (102 when called), never benign.

use std::borrow::Cow;

use super::known;

/// A Keras release line whose loader builds lambdas with its own globals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KerasLine {
    /// Keras 3.x: `keras/src/utils/python_utils.py` globals.
    Keras3,
    /// tf.keras 2.x: the Lambda layer module's globals, plus the `module` field's module.
    TfKeras2,
    /// Standalone multi-backend Keras 2.0 – 2.3.
    Keras2,
    /// Keras 1.x.
    Keras1,
}

impl KerasLine {
    pub const ALL: [KerasLine; 4] = [KerasLine::Keras3, KerasLine::TfKeras2, KerasLine::Keras2, KerasLine::Keras1];

    fn known(self) -> known::KerasLine {
        match self {
            KerasLine::Keras3 => known::KerasLine::Keras3,
            KerasLine::TfKeras2 => known::KerasLine::TfKeras2,
            KerasLine::Keras2 => known::KerasLine::Keras2,
            KerasLine::Keras1 => known::KerasLine::Keras1,
        }
    }
}

impl From<known::CallClass> for CallClass {
    fn from(c: known::CallClass) -> Self {
        match c {
            known::CallClass::Compute => CallClass::Compute,
            known::CallClass::PyFunc => CallClass::PyFunc,
            known::CallClass::Read => CallClass::Read,
            known::CallClass::Write => CallClass::Write,
            known::CallClass::Native => CallClass::Native,
            known::CallClass::Gadget => CallClass::Gadget,
            known::CallClass::Exec => CallClass::Exec,
            known::CallClass::Unreviewed => CallClass::Unreviewed,
        }
    }
}

/// What calling a callable does, for the Lambda codes (detection-rules.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallClass {
    /// A reviewed pure tensor / math operation.
    Compute,
    /// Wraps a Python callable into the graph (`tf.py_function`): compute when the
    /// wrapped callable is itself proven.
    PyFunc,
    /// Reads or lists files (102).
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

/// (line, name, canonical object). From the modules that build the function: Keras 3
/// `keras/src/utils/python_utils.py`; tf.keras 2.15 `keras/src/layers/core/lambda_layer.py`;
/// Keras 2.x `keras/layers/core.py`; Keras 1.x `keras/layers/core.py`.
const LOADER_GLOBALS: &[(KerasLine, &str, &str)] = &[
    (KerasLine::Keras3, "__builtins__", "builtins.__dict__"),
    (KerasLine::Keras3, "binascii", "binascii"),
    (KerasLine::Keras3, "codecs", "codecs"),
    (KerasLine::Keras3, "func_dump", "keras.src.utils.python_utils.func_dump"),
    (KerasLine::Keras3, "func_load", "keras.src.utils.python_utils.func_load"),
    (KerasLine::Keras3, "marshal", "marshal"),
    (KerasLine::Keras3, "os", "os"),
    (KerasLine::Keras3, "python_types", "types"),
    (KerasLine::Keras3, "sys", "sys"),
    (KerasLine::TfKeras2, "__builtins__", "builtins.__dict__"),
    (KerasLine::TfKeras2, "generic_utils", "keras.src.utils.generic_utils"),
    (KerasLine::TfKeras2, "np", "numpy"),
    (KerasLine::TfKeras2, "python_types", "types"),
    (KerasLine::TfKeras2, "sys", "sys"),
    (KerasLine::TfKeras2, "textwrap", "textwrap"),
    (KerasLine::TfKeras2, "tf", "tensorflow.compat.v2"),
    (KerasLine::TfKeras2, "tf_inspect", "keras.src.utils.tf_inspect"),
    (KerasLine::TfKeras2, "tf_logging", "tensorflow.python.platform.tf_logging"),
    (KerasLine::TfKeras2, "tf_utils", "keras.src.utils.tf_utils"),
    (KerasLine::TfKeras2, "warnings", "warnings"),
    (KerasLine::Keras2, "K", "keras.backend"),
    (KerasLine::Keras2, "copy", "copy"),
    (KerasLine::Keras2, "func_dump", "keras.utils.generic_utils.func_dump"),
    (KerasLine::Keras2, "func_load", "keras.utils.generic_utils.func_load"),
    (KerasLine::Keras2, "np", "numpy"),
    (KerasLine::Keras2, "python_types", "types"),
    (KerasLine::Keras2, "warnings", "warnings"),
    (KerasLine::Keras1, "K", "keras.backend"),
    (KerasLine::Keras1, "copy", "copy"),
    (KerasLine::Keras1, "func_dump", "keras.utils.generic_utils.func_dump"),
    (KerasLine::Keras1, "func_load", "keras.utils.generic_utils.func_load"),
    (KerasLine::Keras1, "inspect", "inspect"),
    (KerasLine::Keras1, "np", "numpy"),
    (KerasLine::Keras1, "python_types", "types"),
    (KerasLine::Keras1, "warnings", "warnings"),
];

/// What a bare global name is when `line` builds the function.
pub fn loader_global(line: KerasLine, name: &str) -> Option<&'static str> {
    known::loader_global(line.known(), name).or_else(|| seed_loader_global(line, name))
}

fn seed_loader_global(line: KerasLine, name: &str) -> Option<&'static str> {
    LOADER_GLOBALS.iter().find(|(l, n, _)| *l == line && *n == name).map(|(_, _, o)| *o)
}

/// Module attributes that are modules (the re-export graph), and module mirrors.
const EDGES: &[(&str, &str, &str)] = &[
    ("os", "path", "posixpath"),
    ("posixpath", "os", "os"),
    ("posixpath", "sys", "sys"),
    ("ntpath", "os", "os"),
    ("os", "sys", "sys"),
    ("os", "abc", "abc"),
    ("os", "st", "stat"),
    ("sys", "modules", "sys.modules"),
    ("builtins", "__dict__", "builtins.__dict__"),
    ("tensorflow", "compat", "tensorflow.compat"),
    ("tensorflow.compat", "v2", "tensorflow"),
    ("tensorflow.compat", "v1", "tensorflow.compat.v1"),
    ("tensorflow.compat.v2", "*", "tensorflow"),
    ("keras.src.utils.generic_utils", "func_load", "keras.src.utils.generic_utils.func_load"),
    ("keras.src.utils.generic_utils", "marshal", "marshal"),
    ("keras.src.utils.generic_utils", "os", "os"),
    ("keras.src.utils.generic_utils", "sys", "sys"),
    ("keras.src.utils.generic_utils", "python_types", "types"),
    ("keras.src.utils.generic_utils", "np", "numpy"),
    ("keras.src.utils.generic_utils", "tf", "tensorflow.compat.v2"),
    ("tensorflow.python.platform.tf_logging", "_os", "os"),
    ("tensorflow.python.platform.tf_logging", "_sys", "sys"),
    ("numpy", "os", "os"),
    ("numpy", "sys", "sys"),
];

/// Standard modules whose name, as an attribute of another module, is that module (the
/// usual `import os` at the top of a library): a fail-closed identity for modules the
/// re-export graph does not list. Names that are also ML submodules (`tf.io`) are not here.
const REEXPORTED: &[&str] = &[
    "os",
    "sys",
    "subprocess",
    "builtins",
    "marshal",
    "posix",
    "nt",
    "importlib",
    "shutil",
    "socket",
    "pickle",
    "codecs",
    "binascii",
    "ctypes",
    "pathlib",
    "tempfile",
    "runpy",
    "pty",
];

/// `module.attr` when that is a module: its canonical dotted name.
pub fn resolve_attr(canonical_module: &str, attr: &str) -> Option<Cow<'static, str>> {
    known::resolve_attr(canonical_module, attr).or_else(|| seed_resolve_attr(canonical_module, attr))
}

fn seed_resolve_attr(canonical_module: &str, attr: &str) -> Option<Cow<'static, str>> {
    let m = canonical_module;
    for &(from, a, to) in EDGES {
        if from == m && (a == attr || a == "*") {
            if a == "*" {
                return seed_resolve_attr(to, attr).or_else(|| Some(Cow::Owned(format!("{to}.{attr}"))));
            }
            return Some(Cow::Borrowed(to));
        }
    }
    let bare = attr.trim_start_matches('_');
    REEXPORTED.iter().find(|&&r| r == bare).map(|r| Cow::Borrowed(*r))
}

/// Modules we know: the standard library the rules name and the ML packages.
pub fn is_known_module(dotted: &str) -> bool {
    if known::is_known_module(dotted) {
        return true;
    }
    const TOP: &[&str] = &[
        "os",
        "posix",
        "nt",
        "posixpath",
        "ntpath",
        "sys",
        "builtins",
        "__builtin__",
        "subprocess",
        "marshal",
        "types",
        "codecs",
        "binascii",
        "base64",
        "zlib",
        "math",
        "cmath",
        "operator",
        "functools",
        "itertools",
        "collections",
        "typing",
        "copy",
        "warnings",
        "textwrap",
        "inspect",
        "importlib",
        "pickle",
        "shutil",
        "socket",
        "io",
        "pathlib",
        "tempfile",
        "logging",
        "json",
        "re",
        "random",
        "string",
        "time",
        "numpy",
        "tensorflow",
        "keras",
        "tf_keras",
        "jax",
        "torch",
        "scipy",
        "h5py",
    ];
    let top = dotted.split('.').next().unwrap_or(dotted);
    TOP.contains(&top)
}

/// Sinks inside ML namespaces and in stdlib modules the rule table lists by module.
const CALLS: &[(&str, CallClass)] = &[
    ("numpy.save", CallClass::Write),
    ("numpy.savez", CallClass::Write),
    ("numpy.savez_compressed", CallClass::Write),
    ("numpy.savetxt", CallClass::Write),
    ("numpy.memmap", CallClass::Write),
    ("numpy.lib.format.open_memmap", CallClass::Write),
    ("numpy.lib.npyio.save", CallClass::Write),
    ("numpy.load", CallClass::Read),
    ("numpy.fromfile", CallClass::Read),
    ("numpy.loadtxt", CallClass::Read),
    ("numpy.genfromtxt", CallClass::Read),
    ("numpy.fromregex", CallClass::Read),
    ("numpy.ctypeslib", CallClass::Native),
    ("numpy.DataSource", CallClass::Gadget),
    ("tensorflow.io.write_file", CallClass::Write),
    ("tensorflow.io.read_file", CallClass::Read),
    ("tensorflow.io.gfile", CallClass::Write),
    ("tensorflow.gfile", CallClass::Write),
    ("tensorflow.raw_ops.WriteFile", CallClass::Write),
    ("tensorflow.raw_ops.ReadFile", CallClass::Read),
    ("tensorflow.summary", CallClass::Write),
    ("tensorflow.saved_model", CallClass::Gadget),
    ("tensorflow.load_op_library", CallClass::Native),
    ("tensorflow.load_library", CallClass::Native),
    ("tensorflow.data.TextLineDataset", CallClass::Read),
    ("tensorflow.data.TFRecordDataset", CallClass::Read),
    ("tensorflow.data.FixedLengthRecordDataset", CallClass::Read),
    ("tensorflow.py_function", CallClass::PyFunc),
    ("tensorflow.numpy_function", CallClass::PyFunc),
    ("tensorflow.py_func", CallClass::PyFunc),
    ("tensorflow.map_fn", CallClass::PyFunc),
    ("tensorflow.vectorized_map", CallClass::PyFunc),
    ("tensorflow.keras.utils.get_file", CallClass::Gadget),
    ("tensorflow.keras.models.load_model", CallClass::Gadget),
    ("keras.utils.get_file", CallClass::Gadget),
    ("keras.src.utils.file_utils.get_file", CallClass::Gadget),
    ("keras.models.load_model", CallClass::Gadget),
    ("keras.saving.load_model", CallClass::Gadget),
    ("keras.models.model_from_json", CallClass::Gadget),
    ("keras.config.enable_unsafe_deserialization", CallClass::Gadget),
    ("keras.src.saving.serialization_lib.enable_unsafe_deserialization", CallClass::Gadget),
    ("keras.utils.set_global_attribute", CallClass::Gadget),
    ("keras.src.utils.python_utils.func_load", CallClass::Exec),
    ("keras.utils.generic_utils.func_load", CallClass::Exec),
    ("keras.src.utils.generic_utils.func_load", CallClass::Exec),
    ("typing.ForwardRef._evaluate", CallClass::Exec),
    ("typing._eval_type", CallClass::Exec),
    ("h5py.File", CallClass::Read),
    ("io.FileIO", CallClass::Read),
    ("logging.FileHandler", CallClass::Write),
    ("logging.basicConfig", CallClass::Write),
    ("logging.handlers", CallClass::Write),
    ("shutil", CallClass::Write),
    ("tempfile", CallClass::Write),
    ("sqlite3.connect", CallClass::Write),
    ("dbm", CallClass::Write),
    ("os.mknod", CallClass::Write),
    ("os.mkfifo", CallClass::Write),
    ("os.utime", CallClass::Write),
    ("os.lchmod", CallClass::Write),
    ("os.fchmod", CallClass::Write),
    ("os.ftruncate", CallClass::Write),
    ("os.pwrite", CallClass::Write),
    ("os.writev", CallClass::Write),
    ("os.sendfile", CallClass::Write),
    ("os.copy_file_range", CallClass::Write),
];

/// Namespaces whose functions compute on values, with the reviewed function names.
const COMPUTE_NS: &[&str] = &[
    "tensorflow",
    "tensorflow.math",
    "tensorflow.nn",
    "tensorflow.image",
    "tensorflow.linalg",
    "tensorflow.signal",
    "tensorflow.random",
    "tensorflow.strings",
    "tensorflow.io",
    "tensorflow.sparse",
    "tensorflow.ragged",
    "tensorflow.bitwise",
    "tensorflow.dtypes",
    "tensorflow.experimental.numpy",
    "tensorflow.keras.backend",
    "tensorflow.keras.activations",
    "tensorflow.compat.v1",
    "tensorflow.compat.v1.nn",
    "tensorflow.compat.v1.image",
    "keras.backend",
    "keras.src.backend",
    "keras.ops",
    "keras.src.ops",
    "keras.activations",
    "keras.layers",
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "numpy.fft",
    "math",
    "cmath",
    "jax.numpy",
    "jax.nn",
    "jax.lax",
    "torch",
    "torch.nn.functional",
];

/// Reviewed leaf names of the compute namespaces (pure tensor / math functions).
const COMPUTE: &[&str] = &[
    "abs",
    "absolute",
    "acos",
    "acosh",
    "add",
    "add_n",
    "all",
    "any",
    "arange",
    "arccos",
    "arcsin",
    "arctan",
    "arctan2",
    "argmax",
    "argmin",
    "argsort",
    "around",
    "array",
    "as_dtype",
    "asarray",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "average",
    "batch_dot",
    "batch_flatten",
    "batch_normalization",
    "bias_add",
    "binary_crossentropy",
    "boolean_mask",
    "broadcast_to",
    "cast",
    "cast_to_floatx",
    "categorical_crossentropy",
    "ceil",
    "clip",
    "clip_by_norm",
    "clip_by_value",
    "concat",
    "concatenate",
    "cond",
    "constant",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "convert_to_tensor",
    "cos",
    "cosh",
    "count_nonzero",
    "crop_to_bounding_box",
    "ctc_batch_cost",
    "ctc_decode",
    "encode_png",
    "encode_jpeg",
    "decode_raw",
    "decode_base64",
    "cumprod",
    "cumsum",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "depth_to_space",
    "diag",
    "divide",
    "dot",
    "dropout",
    "dtype",
    "dynamic_partition",
    "einsum",
    "elu",
    "epsilon",
    "equal",
    "erf",
    "eval",
    "exp",
    "expand_dims",
    "expm1",
    "extract_patches",
    "eye",
    "fill",
    "flatten",
    "flip",
    "flip_left_right",
    "flip_up_down",
    "float32",
    "float64",
    "floatx",
    "floor",
    "floor_divide",
    "floordiv",
    "floormod",
    "fmod",
    "format",
    "gather",
    "gather_nd",
    "gelu",
    "get_value",
    "greater",
    "greater_equal",
    "hard_sigmoid",
    "hypot",
    "identity",
    "image_resize",
    "in_top_k",
    "int32",
    "int64",
    "int_shape",
    "inv",
    "is_keras_tensor",
    "is_tensor",
    "isfinite",
    "isinf",
    "isnan",
    "join",
    "l2_loss",
    "l2_normalize",
    "leaky_relu",
    "length",
    "less",
    "less_equal",
    "lgamma",
    "linspace",
    "local_response_normalization",
    "log",
    "log1p",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logsumexp",
    "lower",
    "map_fn",
    "matmul",
    "max",
    "max_pool",
    "max_pool2d",
    "maximum",
    "mean",
    "median",
    "meshgrid",
    "min",
    "minimum",
    "mod",
    "moments",
    "multiply",
    "ndim",
    "negative",
    "norm",
    "normal",
    "normalize",
    "not_equal",
    "one_hot",
    "ones",
    "ones_like",
    "pad",
    "permute_dimensions",
    "pi",
    "pool",
    "pow",
    "power",
    "prod",
    "random_normal",
    "random_uniform",
    "range",
    "rank",
    "reduce_all",
    "reduce_any",
    "reduce_logsumexp",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_prod",
    "reduce_std",
    "reduce_sum",
    "reduce_variance",
    "regex_replace",
    "relu",
    "relu6",
    "repeat",
    "repeat_elements",
    "reshape",
    "resize",
    "resize_images",
    "resize_with_crop_or_pad",
    "reverse",
    "rgb_to_grayscale",
    "rint",
    "roll",
    "round",
    "rsqrt",
    "scatter_nd",
    "selu",
    "separable_conv2d",
    "sequence_mask",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "size",
    "slice",
    "softmax",
    "softplus",
    "softsign",
    "space_to_depth",
    "sparse_categorical_crossentropy",
    "split",
    "sqrt",
    "square",
    "squared_difference",
    "squeeze",
    "stack",
    "std",
    "stop_gradient",
    "strided_slice",
    "sub",
    "substr",
    "subtract",
    "sum",
    "swapaxes",
    "switch",
    "tan",
    "tanh",
    "tensordot",
    "tile",
    "to_float",
    "to_int32",
    "to_number",
    "top_k",
    "transpose",
    "truediv",
    "truncated_normal",
    "uniform",
    "unique",
    "unstack",
    "upper",
    "var",
    "variable",
    "where",
    "zeros",
    "zeros_like",
    "float16",
    "bool",
    "uint8",
    "dense",
    "Lambda",
];

/// Reviewed methods of tensors and arrays (the Lambda's inputs and values computed from them).
const TENSOR_METHODS: &[&str] = &[
    "reshape",
    "transpose",
    "sum",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "numpy",
    "get_shape",
    "as_list",
    "astype",
    "squeeze",
    "flatten",
    "ravel",
    "set_shape",
    "__getitem__",
    "__len__",
    "__add__",
    "__mul__",
    "__sub__",
    "__truediv__",
    "__matmul__",
    "cumsum",
    "prod",
    "std",
    "var",
    "clip",
    "round",
    "abs",
    "dot",
    "item",
    "tolist",
    "copy",
    "view",
    "permute",
    "unsqueeze",
    "size",
    "dim",
    "float",
    "int",
    "long",
    "split",
    "chunk",
    "expand",
    "repeat",
    "swapaxes",
    "nonzero",
    "any",
    "all",
    "to",
    "cpu",
    "detach",
    "contiguous",
    "is_fully_defined",
    "with_rank",
    "merge_with",
    "concatenate",
    "value",
    "eval",
    "read_value",
    "assign",
    "assign_add",
    "assign_sub",
    "get",
    "keys",
    "values",
    "items",
    "index",
    "count",
];

fn lookup(dotted: &str) -> Option<CallClass> {
    let mut best: Option<(usize, CallClass)> = None;
    for &(name, class) in CALLS {
        let hit = dotted == name || dotted.strip_prefix(name).is_some_and(|r| r.starts_with('.'));
        if hit && best.is_none_or(|(l, _)| name.len() > l) {
            best = Some((name.len(), class));
        }
    }
    best.map(|(_, c)| c)
}

/// Strips TensorFlow's mirror prefixes: `tensorflow.compat.v2.x` is `tensorflow.x`.
pub fn canonical(dotted: &str) -> Cow<'_, str> {
    for (from, to) in [("tensorflow.compat.v2.", "tensorflow."), ("tensorflow.keras.src.", "keras.src.")] {
        if let Some(rest) = dotted.strip_prefix(from) {
            return Cow::Owned(format!("{to}{rest}"));
        }
    }
    Cow::Borrowed(dotted)
}

/// What calling the object `dotted` (canonical) does.
pub fn classify_callable(dotted: &str) -> CallClass {
    match CallClass::from(known::classify_callable(dotted)) {
        CallClass::Unreviewed => seed_classify_callable(dotted),
        c => c,
    }
}

fn seed_classify_callable(dotted: &str) -> CallClass {
    let d = canonical(dotted);
    if let Some(c) = lookup(&d) {
        return c;
    }
    // Saving a Keras model writes files, whichever class it is called on.
    if d.starts_with("keras.") || d.starts_with("tensorflow.keras.") || d.starts_with("tf_keras.") {
        let leaf = d.rsplit('.').next().unwrap_or("");
        if matches!(leaf, "save" | "save_weights" | "save_model" | "export" | "save_own_variables") {
            return CallClass::Write;
        }
    }
    if let Some((ns, leaf)) = d.rsplit_once('.') {
        if COMPUTE_NS.contains(&ns) && COMPUTE.contains(&leaf) {
            return CallClass::Compute;
        }
    }
    CallClass::Unreviewed
}

/// What calling a method `name` of a tensor or array does.
pub fn classify_tensor_method(name: &str) -> CallClass {
    match CallClass::from(known::classify_tensor_method(name)) {
        CallClass::Unreviewed => seed_tensor_method(name),
        c => c,
    }
}

fn seed_tensor_method(name: &str) -> CallClass {
    match name {
        "tofile" | "dump" | "save" => CallClass::Write,
        n if TENSOR_METHODS.contains(&n) || COMPUTE.contains(&n) => CallClass::Compute,
        _ => CallClass::Unreviewed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_tables() {
        assert_eq!(loader_global(KerasLine::Keras3, "os"), Some("os"));
        assert_eq!(loader_global(KerasLine::Keras3, "np"), None);
        assert_eq!(loader_global(KerasLine::TfKeras2, "np"), Some("numpy"));
        assert_eq!(resolve_attr("posixpath", "os").as_deref(), Some("os"));
        assert_eq!(resolve_attr("tensorflow.python.platform.tf_logging", "_os").as_deref(), Some("os"));
        assert_eq!(classify_callable("numpy.save"), CallClass::Write);
        assert_eq!(classify_callable("numpy.mean"), CallClass::Compute);
        assert_eq!(classify_callable("tensorflow.compat.v2.nn.relu"), CallClass::Compute);
        assert_eq!(classify_callable("tensorflow.io.gfile.GFile"), CallClass::Write);
        assert_eq!(classify_callable("tensorflow.io.gfile.join"), CallClass::Write);
        assert_eq!(classify_callable("tensorflow.foo"), CallClass::Unreviewed);
        assert_eq!(classify_tensor_method("tofile"), CallClass::Write);
        assert_eq!(classify_tensor_method("reshape"), CallClass::Compute);
    }
}
