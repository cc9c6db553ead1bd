//! What the objects a lambda reaches are: the adapter over the generated tables.
//!
//! The generated tables (loader globals per Keras line, the module re-export graph, the
//! reviewed callables) are [`super::known`], made from the real packages. Every query
//! asks them first; this file adds a small hand-written seed for what they do not list
//! yet (until the generated tables are complete). The seed is narrow: what neither
//! knows is unreviewed (102 when called), never benign.

use std::borrow::Cow;

use super::known;

// One type each for Keras lines and call classes: the generated tables' own.
pub use super::known::{CallClass, KerasLine};

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
    // The generated table is the loader's real namespace: the seed only stands in for a
    // line it does not cover yet.
    if known::loader_globals(line).next().is_some() {
        return known::loader_global(line, name);
    }
    seed_loader_global(line, name)
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
    ("keras.backend", "tf", "tensorflow"),
    ("keras.backend", "np", "numpy"),
    ("keras.backend.tensorflow_backend", "tf", "tensorflow"),
    ("keras.backend.tensorflow_backend", "np", "numpy"),
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

/// A standard module an attribute of this name conventionally is (`x.os`, `x._sys`).
pub fn module_named(attr: &str) -> Option<&'static str> {
    let bare = attr.trim_start_matches('_');
    REEXPORTED.iter().find(|&&r| r == bare).copied()
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
    // gfile: a module of file operations. Reaching it reads (listing, stat, glob); the
    // calls that change the file system are writes; GFile is judged by its mode.
    ("tensorflow.io.gfile", CallClass::Read),
    ("tensorflow.gfile", CallClass::Read),
    ("tensorflow.io.gfile.copy", CallClass::Write),
    ("tensorflow.io.gfile.makedirs", CallClass::Write),
    ("tensorflow.io.gfile.mkdir", CallClass::Write),
    ("tensorflow.io.gfile.remove", CallClass::Write),
    ("tensorflow.io.gfile.rename", CallClass::Write),
    ("tensorflow.io.gfile.rmtree", CallClass::Write),
    ("tensorflow.gfile.Copy", CallClass::Write),
    ("tensorflow.gfile.MakeDirs", CallClass::Write),
    ("tensorflow.gfile.MkDir", CallClass::Write),
    ("tensorflow.gfile.Remove", CallClass::Write),
    ("tensorflow.gfile.Rename", CallClass::Write),
    ("tensorflow.gfile.DeleteRecursively", CallClass::Write),
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
    "tensorflow.compat.v1.math",
    "tensorflow.image.ssim",
    "tensorflow.keras.losses",
    "tensorflow.nn.experimental",
    "tensorflow.experimental.numpy.linalg",
    "keras.backend",
    "keras.src.backend",
    "keras.ops",
    "keras.src.ops",
    "keras.activations",
    "keras.layers",
    "keras.losses",
    "keras.ops.nn",
    "keras.ops.image",
    "keras.ops.numpy",
    "keras.ops.linalg",
    "keras.ops.math",
    "keras.random",
    "keras.src.ops.numpy",
    "keras.src.ops.nn",
    "keras.src.ops.math",
    "keras.src.ops.core",
    "keras.src.random",
    "tf_keras.backend",
    "tensorflow.keras.losses",
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
#[rustfmt::skip]
const COMPUTE: &[&str] = &[
    "Lambda", "abs", "absolute", "accumulate_n", "acos", "acosh", "add", "add_n", "adjust_brightness",
    "adjust_contrast", "adjust_gamma", "adjust_hue", "adjust_saturation", "all", "amax", "amin", "angle", "any",
    "append", "arange", "arccos", "arcsin", "arctan", "arctan2", "argmax", "argmin", "argpartition", "argsort",
    "argwhere", "around", "array", "array_equal", "as_dtype", "as_string", "asarray", "asfarray", "asin", "asinh",
    "atan", "atan2", "atanh", "atleast_1d", "atleast_2d", "atleast_3d", "atrous_conv2d", "average", "avg_pool",
    "avg_pool1d", "avg_pool2d", "avg_pool3d", "band_part", "batch_dot", "batch_flatten", "batch_get_value",
    "batch_normalization", "batch_to_space", "bessel_i0", "bessel_i1", "betainc", "bfloat16", "bias_add",
    "binary_crossentropy", "bincount", "bitcast", "bool", "boolean_mask", "broadcast_arrays",
    "broadcast_dynamic_shape", "broadcast_static_shape", "broadcast_to", "case", "cast", "cast_to_floatx",
    "categorical", "categorical_crossentropy", "categorical_hinge", "ceil", "central_crop", "cholesky", "clip",
    "clip_by_global_norm", "clip_by_norm", "clip_by_value", "column_stack", "combined_non_max_suppression", "complex",
    "complex64", "concat", "concatenate", "cond", "confusion_matrix", "conj", "constant", "conv1d", "conv2d",
    "conv2d_transpose", "conv3d", "conv3d_transpose", "convert_image_dtype", "convert_to_tensor", "convolution",
    "copy", "cos", "cosh", "cosine_similarity", "count_nonzero", "count_params", "crop_and_resize",
    "crop_to_bounding_box", "cross", "ctc_batch_cost", "ctc_beam_search_decoder", "ctc_decode", "ctc_greedy_decoder",
    "ctc_loss", "cumprod", "cumsum", "cumulative_logsumexp", "cumulative_sum", "decode_base64", "decode_image",
    "decode_jpeg", "decode_png", "decode_raw", "delete", "dense", "dense_to_sparse", "depth_to_space",
    "depthwise_conv2d", "det", "diag", "diag_part", "diagonal", "diff", "digamma", "digitize", "dilation2d", "divide",
    "divide_no_nan", "dot", "draw_bounding_boxes", "dropout", "dsplit", "dstack", "dtype", "dynamic_partition",
    "dynamic_stitch", "einsum", "elu", "embedding_lookup", "empty", "empty_like", "encode_jpeg", "encode_png",
    "ensure_shape", "epsilon", "equal", "erf", "erfinv", "eval", "exp", "exp2", "expand_dims", "expand_dims_v2",
    "expm1", "extract_glimpse", "extract_patches", "eye", "fill", "flatnonzero", "flatten", "flip", "flip_left_right",
    "flip_up_down", "fliplr", "flipud", "float16", "float32", "float64", "float_power", "floatx", "floor",
    "floor_divide", "floordiv", "floormod", "fmod", "foldl", "foldr", "format", "from_tensor", "frombuffer", "full",
    "full_like", "gather", "gather_nd", "gather_v2", "gelu", "gelu_approximate", "get_value", "grayscale_to_rgb",
    "greater", "greater_equal", "hard_sigmoid", "hard_swish", "heaviside", "hinge", "histogram",
    "histogram_fixed_width", "hsplit", "hstack", "hsv_to_rgb", "huber", "hypot", "identity", "identity_n", "igamma",
    "imag", "image_data_format", "image_gradients", "image_resize", "in_test_phase", "in_top_k", "in_train_phase",
    "inner", "insert", "int16", "int32", "int64", "int8", "int_shape", "interp", "inv", "is_finite", "is_inf",
    "is_keras_tensor", "is_nan", "is_sparse", "is_tensor", "isclose", "isfinite", "isinf", "isnan", "join",
    "kl_divergence", "kron", "l2_loss", "l2_normalize", "lbeta", "ldexp", "leaky_relu", "learning_phase", "length",
    "less", "less_equal", "lgamma", "linalg", "linspace", "local_response_normalization", "log", "log10", "log1p",
    "log2", "log_cosh", "log_sigmoid", "log_softmax", "logaddexp", "logdet", "logical_and", "logical_not",
    "logical_or", "logical_xor", "logit", "logspace", "logsumexp", "lower", "map_fn", "matmul", "matrix_band_part",
    "matrix_diag", "matrix_diag_part", "matrix_power", "matrix_transpose", "matvec", "max", "max_pool", "max_pool1d",
    "max_pool2d", "max_pool3d", "maximum", "mean", "mean_absolute_error", "mean_squared_error", "median", "meshgrid",
    "min", "minimum", "mod", "moments", "moveaxis", "multiply", "multiply_no_nan", "nan_to_num", "nanmax", "nanmean",
    "nanmin", "nansum", "ndarray", "ndim", "negative", "ngrams", "no_op", "non_max_suppression",
    "non_max_suppression_padded", "nonzero", "norm", "normal", "normalize", "normalize_batch_in_training",
    "normalize_moments", "not_equal", "one_hot", "ones", "ones_initializer", "ones_like", "outer", "pad",
    "pad_to_bounding_box", "parallel_stack", "per_image_standardization", "percentile", "permute_dimensions", "pi",
    "polyval", "pool", "pool2d", "pool3d", "pow", "power", "print_tensor", "prod", "psnr", "ptp", "qr", "quantile",
    "random_binomial", "random_brightness", "random_contrast", "random_crop", "random_flip_left_right",
    "random_flip_up_down", "random_hue", "random_normal", "random_saturation", "random_uniform", "range", "rank",
    "ravel", "real", "realdiv", "reciprocal", "reduce_all", "reduce_any", "reduce_euclidean_norm", "reduce_join",
    "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_std", "reduce_sum",
    "reduce_variance", "regex_replace", "relu", "relu6", "relu_layer", "repeat", "repeat_elements", "reshape",
    "resize", "resize_bilinear", "resize_images", "resize_nearest_neighbor", "resize_with_crop_or_pad",
    "resize_with_pad", "reverse", "reverse_sequence", "rgb_to_grayscale", "rgb_to_hsv", "rgb_to_yuv", "rint", "rnn",
    "roll", "rollaxis", "rot90", "round", "round_half_to_even", "row_lengths", "rsqrt", "saturate_cast", "scalar_mul",
    "scan", "scatter_nd", "searchsorted", "segment_max", "segment_mean", "segment_min", "segment_sum", "select",
    "selu", "separable_conv2d", "sequence_mask", "shape", "shape_n", "sigmoid", "sigmoid_cross_entropy_with_logits",
    "sigmoid_focal_crossentropy", "sign", "silu", "sin", "sinc", "sinh", "size", "slice", "sobel_edges", "softmax",
    "softmax_cross_entropy_with_logits", "softmax_v2", "softplus", "softsign", "solve", "sort", "space_to_batch",
    "space_to_batch_nd", "space_to_depth", "sparse_categorical_crossentropy",
    "sparse_softmax_cross_entropy_with_logits", "sparse_to_dense", "spatial_2d_padding", "spatial_3d_padding",
    "split", "sqrt", "square", "squared_difference", "squeeze", "ssim", "stack", "stateless_normal",
    "stateless_uniform", "std", "stop_gradient", "strided_slice", "string_split", "string_to_number", "strip", "sub",
    "substr", "substr_v2", "subtract", "sum", "svd", "swapaxes", "swish", "switch", "switch_case", "take",
    "take_along_axis", "tan", "tanh", "temporal_padding", "tensor_scatter_nd_add", "tensor_scatter_nd_update",
    "tensor_scatter_update", "tensordot", "tile", "to_dense", "to_float", "to_int32", "to_number", "to_tensor",
    "top_k", "total_variation", "trace", "transpose", "trapz", "tri", "triangular_solve", "tril", "triu",
    "true_divide", "truediv", "trunc", "truncated_normal", "truncatediv", "truncatemod", "tuple", "uint16", "uint32",
    "uint8", "unicode_decode", "unicode_split", "uniform", "unique", "unravel_index", "unsorted_segment_max",
    "unsorted_segment_mean", "unsorted_segment_sum", "unstack", "upper", "var", "variable", "vdot", "vectorized_map",
    "vsplit", "vstack", "weighted_cross_entropy_with_logits", "where", "while_loop", "xdivy", "xlogy", "yuv_to_rgb",
    "zero_fraction", "zeros", "zeros_like",
];

/// Reviewed methods of tensors and arrays (the Lambda's inputs and values computed from them).
#[rustfmt::skip]
const TENSOR_METHODS: &[&str] = &[
    "__abs__", "__add__", "__and__", "__eq__", "__floordiv__", "__ge__", "__getitem__", "__gt__", "__invert__",
    "__le__", "__len__", "__lt__", "__matmul__", "__mod__", "__mul__", "__ne__", "__neg__", "__or__", "__pow__",
    "__radd__", "__rmul__", "__rsub__", "__rtruediv__", "__sub__", "__truediv__", "abs", "all", "any", "argmax",
    "argmin", "argsort", "as_list", "assign", "assign_add", "assign_sub", "astype", "chunk", "clip", "concatenate",
    "conj", "consumers", "contiguous", "copy", "count", "cpu", "cumprod", "cumsum", "detach", "device", "dim", "dot",
    "dtype", "eval", "expand", "fill", "flatten", "float", "get", "get_shape", "graph", "imag", "index", "int",
    "is_fully_defined", "item", "items", "keys", "long", "max", "mean", "merge_with", "min", "name", "ndim",
    "nonzero", "numpy", "op", "permute", "prod", "ravel", "read_value", "real", "repeat", "reshape", "resize",
    "round", "set_shape", "shape", "size", "sort", "split", "squeeze", "std", "sum", "swapaxes", "take", "to",
    "tolist", "transpose", "unsqueeze", "value", "values", "var", "view", "with_rank",
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
    match known::classify_callable(dotted) {
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
    match known::classify_tensor_method(name) {
        CallClass::Unreviewed => seed_tensor_method(name),
        c => c,
    }
}

fn seed_tensor_method(name: &str) -> CallClass {
    match name {
        "tofile" | "dump" | "save" => CallClass::Write,
        // Leaving a `with` block whose manager was itself classified.
        "__exit__" => CallClass::Compute,
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
        assert_ne!(classify_callable("tensorflow.io.gfile.GFile"), CallClass::Compute);
        assert_eq!(seed_classify_callable("tensorflow.io.gfile.join"), CallClass::Read);
        assert_eq!(seed_classify_callable("tensorflow.io.gfile.rmtree"), CallClass::Write);
        assert_eq!(classify_callable("tensorflow.foo"), CallClass::Unreviewed);
        assert_eq!(classify_tensor_method("tofile"), CallClass::Write);
        assert_eq!(classify_tensor_method("reshape"), CallClass::Compute);
    }
}
