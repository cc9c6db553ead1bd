"""Reviewed classification rules for the known-callable tables (see README.md).

`classify_path(path)` sees one public dotted path of a callable (`tensorflow.io.write_file`)
and returns a class or None. gen_known.py applies it to EVERY path by which an object is
reachable (and to its defining `module.qualname`), then: any sink class wins (the most
severe), else pyfunc, else compute, else unreviewed. So a sink is a sink under every alias.

Classes: c compute, p pyfunc, r read, w write, n native, g gadget, x exec (u unreviewed).
"""

import re

SEVERITY = {"x": 7, "n": 6, "g": 5, "w": 4, "r": 3, "p": 2, "c": 1, "u": 0}

# --- modules whose public callables are reviewed tensor/math operations -----------------
# A callable there is compute unless a sink rule, a pyfunc rule or the deny-token rule
# below says otherwise. Prefix match on the canonical module name (exact or `prefix.`).
COMPUTE_MODULES = [
    # numpy: array math. numpy.lib / numpy.core internals are not listed (private paths).
    "numpy", "numpy.linalg", "numpy.fft", "numpy.random", "numpy.polynomial", "numpy.emath",
    "numpy.ma", "numpy.char", "numpy.strings", "numpy.lib.stride_tricks", "numpy.lib.scimath",
    "numpy.dtypes", "numpy.exceptions",
    # tensorflow: the public tensor API (tf.*, and the same modules under compat.v1/v2)
    "tensorflow", "tensorflow.math", "tensorflow.linalg", "tensorflow.signal", "tensorflow.image",
    "tensorflow.nn", "tensorflow.random", "tensorflow.strings", "tensorflow.sparse", "tensorflow.ragged",
    "tensorflow.bitwise", "tensorflow.dtypes", "tensorflow.experimental.numpy", "tensorflow.errors",
    "tensorflow.types", "tensorflow.keras.backend", "tensorflow.keras.activations",
    "tensorflow.keras.layers", "tensorflow.keras.initializers", "tensorflow.keras.regularizers",
    "tensorflow.keras.constraints", "tensorflow.keras.losses", "tensorflow.keras.metrics",
    "tensorflow.compat.v1", "tensorflow.compat.v2",
    # tf.keras 2.15 as `keras`, and Keras 3
    "keras.backend", "keras.activations", "keras.layers", "keras.initializers", "keras.regularizers",
    "keras.constraints", "keras.losses", "keras.metrics", "keras.ops", "keras.random", "keras.tree",
    "keras.ops.image", "keras.ops.nn", "keras.ops.numpy", "keras.ops.linalg", "keras.ops.math", "keras.ops.core",
    # jax (optional)
    "jax.numpy", "jax.nn", "jax.lax", "jax.random", "jax.scipy.special",
    # stdlib math
    "math", "cmath", "operator",
]
# Modules under a compute module that are NOT compute (I/O, config, callbacks, export).
NOT_COMPUTE_MODULES = [
    "tensorflow.io", "tensorflow.summary", "tensorflow.saved_model", "tensorflow.data", "tensorflow.lite",
    "tensorflow.train", "tensorflow.estimator", "tensorflow.profiler", "tensorflow.debugging.experimental",
    "tensorflow.config", "tensorflow.distribute", "tensorflow.tpu", "tensorflow.autograph", "tensorflow.lookup",
    "tensorflow.feature_column", "tensorflow.keras.utils", "tensorflow.keras.models", "tensorflow.keras.saving",
    "tensorflow.keras.callbacks", "tensorflow.keras.applications", "tensorflow.keras.datasets",
    "tensorflow.keras.preprocessing", "tensorflow.keras.export", "tensorflow.keras.optimizers",
    "tensorflow.compat.v1.gfile", "tensorflow.compat.v1.io", "tensorflow.compat.v1.summary",
    "tensorflow.compat.v1.train", "tensorflow.compat.v1.saved_model", "tensorflow.compat.v1.data",
    "tensorflow.compat.v1.logging", "tensorflow.compat.v1.estimator", "tensorflow.compat.v1.keras",
    "tensorflow.compat.v1.lite", "tensorflow.compat.v1.profiler", "tensorflow.compat.v1.config",
    "tensorflow.compat.v1.distribute", "tensorflow.compat.v1.tpu", "tensorflow.compat.v1.lookup",
    "tensorflow.compat.v1.feature_column", "tensorflow.compat.v1.autograph", "tensorflow.compat.v1.debugging",
    "tensorflow.compat.v1.flags", "tensorflow.compat.v1.app", "tensorflow.compat.v1.resource_loader",
    "tensorflow.compat.v1.sysconfig", "tensorflow.compat.v1.compat", "tensorflow.compat.v1.test",
    "tensorflow.compat.v1.user_ops", "tensorflow.compat.v1.mixed_precision", "tensorflow.compat.v1.layers",
    "tensorflow.compat.v1.metrics", "tensorflow.compat.v1.experimental", "tensorflow.compat.v1.raw_ops",
    "tensorflow.compat.v2.io", "tensorflow.compat.v2.summary", "tensorflow.compat.v2.saved_model",
    "tensorflow.compat.v2.data", "tensorflow.compat.v2.keras", "tensorflow.compat.v2.compat",
    "tensorflow.compat.v2.raw_ops", "tensorflow.compat.v2.experimental", "tensorflow.compat.v2.config",
    "tensorflow.compat.v2.train", "tensorflow.compat.v2.lite", "tensorflow.compat.v2.distribute",
    "tensorflow.compat.v2.autograph", "tensorflow.compat.v2.profiler", "tensorflow.compat.v2.debugging",
    "tensorflow.compat.v2.tpu", "tensorflow.compat.v2.lookup", "tensorflow.compat.v2.feature_column",
    "tensorflow.compat.v2.estimator", "tensorflow.compat.v2.test", "tensorflow.compat.v2.sysconfig",
    "tensorflow.compat.v2.mlir", "tensorflow.compat.v2.tools", "tensorflow.compat.v2.version",
    "tensorflow.compat.v2.queue", "tensorflow.compat.v2.xla", "tensorflow.compat.v2.mixed_precision",
    "tensorflow.compat.v2.__internal__", "tensorflow.compat.v2.__operators__",
    "tensorflow.compat.v1.queue", "tensorflow.compat.v1.xla", "tensorflow.compat.v1.mlir",
    "tensorflow.compat.v1.tools", "tensorflow.compat.v1.__internal__", "tensorflow.compat.v1.version",
    "tensorflow.compat.v1.sysconfig", "tensorflow.compat.v1.types", "tensorflow.compat.v1.graph_util",
    "tensorflow.compat.v1.quantization", "tensorflow.compat.v1.manip", "tensorflow.compat.v1.initializers",
    "tensorflow.compat.v1.losses", "tensorflow.compat.v1.nest", "tensorflow.compat.v1.sets",
    "tensorflow.compat.v1.signal", "tensorflow.compat.v1.spectral", "tensorflow.compat.v1.summary",
    "numpy.testing", "numpy.ctypeslib", "numpy.f2py", "numpy.distutils", "numpy.lib.npyio", "numpy.lib.format",
    "numpy.ma.testutils", "numpy.random.bit_generator", "numpy.rec", "numpy.typing",
    "keras.layers.experimental", "jax.numpy.fft",
]
# `tensorflow.compat.v1.*` math modules are compute again (after the NOT list above they
# would be excluded as a whole): the v1 API keeps the same ops under these names.
COMPUTE_AGAIN = [
    "tensorflow.compat.v1.math", "tensorflow.compat.v1.linalg", "tensorflow.compat.v1.nn",
    "tensorflow.compat.v1.image", "tensorflow.compat.v1.random", "tensorflow.compat.v1.strings",
    "tensorflow.compat.v1.sparse", "tensorflow.compat.v1.ragged", "tensorflow.compat.v1.bitwise",
    "tensorflow.compat.v1.dtypes", "tensorflow.compat.v1.signal", "tensorflow.compat.v1.keras.backend",
    "tensorflow.compat.v2.keras.backend", "tensorflow.compat.v2.experimental.numpy",
]

# --- sinks and pyfunc, by module (every callable in it) -----------------------------------
# Implementation modules: the rule covers objects DEFINED there (by `__module__`), not
# everything they happen to import (numpy.f2py re-exports numpy's warnings).
IMPL_CLASS = [("numpy.ctypeslib", "n"), ("numpy.f2py", "x"), ("numpy.distutils", "x"), ("ctypes", "n"),
              ("_ctypes", "n"), ("scipy.io", "r")]  # scipy.io: loadmat/readsav/wavfile readers; writers in EXACT
# API namespaces: everything exposed there is that class.
MODULE_CLASS = [
    # (module prefix, class, predicate on the attribute name or None for all)
    ("tensorflow.summary", "w", None),
    ("tensorflow.compat.v1.summary", "w", None),
    ("tensorflow.compat.v2.summary", "w", None),
    ("tensorflow.profiler", "w", None),
    ("tensorflow.compat.v1.profiler", "w", None),
    ("tensorflow.autograph", "x", None),  # converts and execs Python source
    ("tensorflow.compat.v1.autograph", "x", None),
    ("keras.callbacks", "w", None),
    ("tensorflow.keras.callbacks", "w", None),
    ("keras.datasets", "g", None),  # downloads
    ("tensorflow.keras.datasets", "g", None),
    # model constructors download weights by default; decode_predictions downloads the index
    ("keras.applications", "g", lambda n: n != "preprocess_input"),
    ("tensorflow.keras.applications", "g", lambda n: n != "preprocess_input"),
    ("keras.export", "w", None),
    ("tensorflow.keras.export", "w", None),
    ("h5py.h5f", "w", None),
    ("h5py.h5d", "w", None),
    ("scipy.LowLevelCallable", "n", None),
]

# gfile: everything is file I/O; these names write, the rest read.
GFILE_WRITE = re.compile(r"(?i)(write|rename|remove|rmtree|makedirs|mkdir|copy|gfile|open|delete|recursively)")

# Name patterns in the I/O-heavy modules (applied to the last name component).
RAW_OPS_WRITE = re.compile(
    r"^(WriteFile|Save.*|MergeV2Checkpoints|.*Summary.*|.*SummaryWriter.*|DatasetToTFRecord|"
    r"ExperimentalDatasetToTFRecord|SaveDataset.*|.*Snapshot.*|Debug.*|PrintV2|Print|"
    r"CreateSummary.*|WriteRawProtoSummary|.*Checkpoint.*|DeleteSessionTensor|.*TPUEmbedding.*Save.*)$"
)
RAW_OPS_READ = re.compile(
    r"^(ReadFile|MatchingFiles.*|Restore.*|.*Reader.*|.*Record.*|TextLineDataset.*|FixedLengthRecordDataset.*|"
    r"TFRecordDataset.*|CSVDataset.*|ExperimentalCSVDataset|SqlDataset|ExperimentalSqlDataset|"
    r"LoadDataset|.*FromTextFile.*|LoadAndRemapMatrix|ImmutableConst|DecodeProto.*|EncodeProto|"
    r"ExperimentalLMDBDataset|LMDBDataset|FileSystemSetConfiguration|.*Distributed.*Save.*|"
    r"GetSessionHandle.*|GetSessionTensor)$"
)
RAW_OPS_PYFUNC = re.compile(r"^(PyFunc|PyFuncStateless|EagerPyFunc)$")

# Exact dotted paths (canonical public paths; identity spreads the class to aliases).
EXACT = {
    # numpy
    "numpy.save": "w", "numpy.savez": "w", "numpy.savez_compressed": "w", "numpy.savetxt": "w",
    "numpy.memmap": "w", "numpy.lib.format.open_memmap": "w", "numpy.lib.format.write_array": "w",
    "numpy.load": "r", "numpy.fromfile": "r", "numpy.loadtxt": "r", "numpy.genfromtxt": "r",
    "numpy.fromregex": "r", "numpy.recfromcsv": "r", "numpy.recfromtxt": "r", "numpy.lib.format.read_array": "r",
    "numpy.rec.fromfile": "r", "numpy.core.records.fromfile": "r", "numpy.DataSource": "g",
    "numpy.lib.npyio.DataSource": "g", "numpy.lookfor": "x", "numpy.source": "r", "numpy.info": "r",
    "numpy.vectorize": "p", "numpy.frompyfunc": "p", "numpy.apply_along_axis": "p",
    "numpy.apply_over_axes": "p", "numpy.piecewise": "p", "numpy.seterrcall": "p", "numpy.fromiter": "p",
    "numpy.ma.apply_along_axis": "p", "numpy.ma.apply_over_axes": "p", "numpy.ma.vectorize": "p",
    # tensorflow
    "tensorflow.py_function": "p", "tensorflow.numpy_function": "p", "tensorflow.compat.v1.py_func": "p",
    "tensorflow.function": "p", "tensorflow.map_fn": "p", "tensorflow.vectorized_map": "p",
    "tensorflow.while_loop": "p", "tensorflow.cond": "p", "tensorflow.case": "p", "tensorflow.switch_case": "p",
    "tensorflow.scan": "p", "tensorflow.foldl": "p", "tensorflow.foldr": "p", "tensorflow.custom_gradient": "p",
    "tensorflow.recompute_grad": "p", "tensorflow.grad_pass_through": "p", "tensorflow.py_func": "p",
    "tensorflow.compat.v1.while_loop": "p", "tensorflow.compat.v1.cond": "p", "tensorflow.compat.v1.map_fn": "p",
    "tensorflow.print": "w",  # output_stream may be "file://…": the evaluator may relax it for stdout/stderr
    "tensorflow.load_op_library": "n", "tensorflow.load_library": "n",
    "tensorflow.experimental.register_filesystem_plugin": "n",
    "tensorflow.io.write_file": "w", "tensorflow.io.read_file": "r", "tensorflow.io.matching_files": "r",
    "tensorflow.io.TFRecordWriter": "w", "tensorflow.io.tf_record_iterator": "r",
    "tensorflow.io.decode_proto": "r", "tensorflow.io.encode_proto": "r",
    "tensorflow.compat.v1.io.TFRecordWriter": "w", "tensorflow.compat.v1.python_io.TFRecordWriter": "w",
    "tensorflow.compat.v1.write_file": "w", "tensorflow.compat.v1.read_file": "r",
    "tensorflow.compat.v1.matching_files": "r", "tensorflow.compat.v1.WholeFileReader": "r",
    "tensorflow.compat.v1.TextLineReader": "r", "tensorflow.compat.v1.TFRecordReader": "r",
    "tensorflow.compat.v1.FixedLengthRecordReader": "r", "tensorflow.compat.v1.IdentityReader": "r",
    "tensorflow.compat.v1.LMDBReader": "r", "tensorflow.compat.v1.ReaderBase": "r",
    "tensorflow.compat.v1.Print": "w", "tensorflow.compat.v1.Session": "g",
    "tensorflow.compat.v1.InteractiveSession": "g",
    "tensorflow.data.TFRecordDataset": "r", "tensorflow.data.TextLineDataset": "r",
    "tensorflow.data.FixedLengthRecordDataset": "r", "tensorflow.data.Dataset.list_files": "r",
    "tensorflow.data.Dataset.load": "r", "tensorflow.data.Dataset.save": "w",
    "tensorflow.data.experimental.make_csv_dataset": "r", "tensorflow.data.experimental.CsvDataset": "r",
    "tensorflow.data.experimental.SqlDataset": "r", "tensorflow.data.experimental.make_batched_features_dataset": "r",
    "tensorflow.data.experimental.load": "r", "tensorflow.data.experimental.save": "w",
    "tensorflow.data.experimental.TFRecordWriter": "w", "tensorflow.data.experimental.snapshot": "w",
    "tensorflow.data.experimental.service.distribute": "g",
    "tensorflow.saved_model.load": "g", "tensorflow.saved_model.save": "w",
    "tensorflow.compat.v1.saved_model.load": "g", "tensorflow.compat.v1.saved_model.loader.load": "g",
    "tensorflow.saved_model.experimental.Fingerprint": "r", "tensorflow.saved_model.experimental.read_fingerprint": "r",
    "tensorflow.train.Checkpoint": "w", "tensorflow.train.CheckpointManager": "w",
    "tensorflow.train.load_checkpoint": "r", "tensorflow.train.load_variable": "r",
    "tensorflow.train.list_variables": "r", "tensorflow.train.latest_checkpoint": "r",
    "tensorflow.train.checkpoints_iterator": "r", "tensorflow.compat.v1.train.Saver": "w",
    "tensorflow.compat.v1.train.write_graph": "w", "tensorflow.io.write_graph": "w",
    "tensorflow.compat.v1.train.import_meta_graph": "g", "tensorflow.compat.v1.train.export_meta_graph": "w",
    "tensorflow.debugging.experimental.enable_dump_debug_info": "w",
    "tensorflow.lite.Interpreter": "r", "tensorflow.lite.TFLiteConverter": "r",
    "tensorflow.lite.experimental.load_delegate": "n",
    "tensorflow.lookup.TextFileInitializer": "r", "tensorflow.lookup.experimental.DatasetInitializer": "r",
    "tensorflow.feature_column.categorical_column_with_vocabulary_file": "r",
    "tensorflow.keras.utils.get_file": "g", "tensorflow.keras.models.load_model": "g",
    "tensorflow.keras.models.model_from_json": "g", "tensorflow.keras.models.model_from_yaml": "g",
    "tensorflow.keras.models.model_from_config": "g", "tensorflow.keras.models.save_model": "w",
    "tensorflow.keras.saving.load_model": "g", "tensorflow.keras.saving.save_model": "w",
    "tensorflow.keras.utils.deserialize_keras_object": "g", "tensorflow.keras.layers.deserialize": "g",
    "tensorflow.keras.utils.plot_model": "w", "tensorflow.keras.utils.load_img": "r",
    "tensorflow.keras.utils.save_img": "w", "tensorflow.keras.utils.image_dataset_from_directory": "r",
    "tensorflow.keras.utils.text_dataset_from_directory": "r", "tensorflow.keras.utils.audio_dataset_from_directory": "r",
    "tensorflow.keras.preprocessing.image.load_img": "r", "tensorflow.keras.preprocessing.image.save_img": "w",
    "tensorflow.keras.layers.StringLookup": "r", "tensorflow.keras.layers.IntegerLookup": "r",
    "tensorflow.keras.layers.TextVectorization": "r", "tensorflow.keras.layers.Lambda": "p",
    "tensorflow.keras.backend.map_fn": "p", "tensorflow.keras.backend.foldl": "p",
    "tensorflow.keras.backend.foldr": "p", "tensorflow.keras.backend.rnn": "p",
    "tensorflow.keras.backend.switch": "p", "tensorflow.keras.backend.in_train_phase": "p",
    "tensorflow.keras.backend.in_test_phase": "p", "tensorflow.keras.backend.function": "p",
    "tensorflow.keras.backend.set_session": "g",
    # keras 3 and keras 2.15 as `keras`
    "keras.utils.get_file": "g", "keras.models.load_model": "g", "keras.models.model_from_json": "g",
    "keras.models.model_from_yaml": "g", "keras.models.model_from_config": "g", "keras.saving.load_model": "g",
    "keras.models.save_model": "w", "keras.saving.save_model": "w", "keras.saving.load_weights": "r",
    "keras.saving.save_weights": "w", "keras.saving.deserialize_keras_object": "g",
    "keras.utils.deserialize_keras_object": "g", "keras.layers.deserialize": "g",
    "keras.config.enable_unsafe_deserialization": "g", "keras.utils.plot_model": "w",
    "keras.utils.model_to_dot": "u", "keras.utils.load_img": "r", "keras.utils.save_img": "w",
    "keras.utils.image_dataset_from_directory": "r", "keras.utils.text_dataset_from_directory": "r",
    "keras.utils.audio_dataset_from_directory": "r", "keras.preprocessing.image.load_img": "r",
    "keras.preprocessing.image.save_img": "w", "keras.layers.TFSMLayer": "g", "keras.layers.StringLookup": "r",
    "keras.layers.IntegerLookup": "r", "keras.layers.TextVectorization": "r", "keras.layers.Lambda": "p",
    "keras.layers.TorchModuleWrapper": "g", "keras.layers.JaxLayer": "p", "keras.layers.FlaxLayer": "p",
    "keras.ops.map": "p", "keras.ops.scan": "p", "keras.ops.fori_loop": "p", "keras.ops.while_loop": "p",
    "keras.ops.cond": "p", "keras.ops.switch": "p", "keras.ops.vectorized_map": "p",
    "keras.ops.associative_scan": "p", "keras.ops.custom_gradient": "p", "keras.ops.vectorize": "p",
    "keras.backend.map_fn": "p", "keras.backend.foldl": "p", "keras.backend.foldr": "p", "keras.backend.rnn": "p",
    "keras.backend.switch": "p", "keras.backend.in_train_phase": "p", "keras.backend.in_test_phase": "p",
    "keras.backend.function": "p", "keras.backend.set_session": "g",
    "keras.saving.register_keras_serializable": "u",
    # h5py
    "h5py.File": "w", "h5py.is_hdf5": "r", "h5py.ExternalLink": "r",
    # scipy writers
    "scipy.io.savemat": "w", "scipy.io.mmwrite": "w", "scipy.io.hb_write": "w", "scipy.io.wavfile.write": "w",
    "scipy.io.FortranFile": "w", "scipy.io.netcdf_file": "w", "scipy.misc.imsave": "w",
    # jax
    "jax.jit": "p", "jax.vmap": "p", "jax.grad": "p", "jax.pmap": "p", "jax.lax.map": "p", "jax.lax.scan": "p",
    "jax.lax.cond": "p", "jax.lax.switch": "p", "jax.lax.while_loop": "p", "jax.lax.fori_loop": "p",
    "jax.pure_callback": "p", "jax.debug.callback": "p", "jax.lax.associative_scan": "p",
    "jax.numpy.vectorize": "p", "jax.numpy.load": "r", "jax.numpy.save": "w", "jax.numpy.savez": "w",
    "jax.numpy.fromfile": "r", "jax.numpy.piecewise": "p", "jax.numpy.apply_along_axis": "p",
    "jax.numpy.apply_over_axes": "p", "jax.numpy.frompyfunc": "p", "jax.numpy.fromiter": "p",
    # stdlib reviewed
    "functools.reduce": "p", "functools.partial": "p", "functools.wraps": "p", "functools.lru_cache": "p",
    "functools.cache": "p", "functools.cmp_to_key": "p", "functools.partialmethod": "p",
    "functools.singledispatch": "p", "functools.total_ordering": "p", "functools.update_wrapper": "p",
    "operator.attrgetter": "u", "operator.methodcaller": "u", "operator.itemgetter": "c",
    "operator.call": "p",
    "typing.get_type_hints": "x", "typing.ForwardRef": "x", "typing.ForwardRef._evaluate": "x",
    "typing._eval_type": "x", "typing.cast": "c", "typing.NamedTuple": "u",
    "math.fsum": "c",
    "numpy.test": "x", "numpy.testing.run_module_suite": "x", "numpy.add_newdoc": "u", "numpy.add_docstring": "u",
    "numpy.add_newdoc_ufunc": "u", "numpy.disp": "u", "tensorflow.get_logger": "u", "tensorflow.no_gradient": "u",
    "tensorflow.variable_creator_scope": "p", "numpy.ctypeslib.as_array": "n", "numpy.ctypeslib.as_ctypes": "n",
    # the loaders' own function builders: code from a constant is analysed by the evaluator
    "keras.src.utils.python_utils.func_load": "x", "keras.src.utils.generic_utils.func_load": "x",
    "keras.utils.generic_utils.func_load": "x", "keras.src.utils.python_utils.func_dump": "u",
    "keras.src.utils.generic_utils.func_dump": "u",
    "tensorflow.compat.v1.load_file_system_library": "n",
}

# Builtins reviewed for lambda bodies (the evaluator handles getattr/vars/__import__ …).
BUILTINS = {
    "c": "abs all any ascii bin bool bytearray bytes callable chr complex dict divmod enumerate float format "
         "frozenset hash hex int isinstance issubclass iter len list max min next oct ord pow print range repr "
         "reversed round set slice str sum tuple zip id".split(),
    "p": "map filter sorted".split(),
    "x": "exec eval compile __import__ breakpoint".split(),
    "r": "open input".split(),
}

# Stdlib sinks beyond the (reviewed) ML packages: the file-creating and code-running
# calls of os/posix, shutil, pathlib, io; sinks.rs keeps the wider categories.
OS_WRITE = ("mknod mkfifo makedirs mkdir remove unlink rmdir removedirs rename renames replace chmod fchmod "
            "lchmod chown fchown lchown symlink link truncate ftruncate write writev pwrite pwritev sendfile "
            "copy_file_range splice utime setxattr removexattr dup dup2 chdir fchdir chroot putenv unsetenv "
            "memfd_create posix_fallocate posix_fadvise lockf fsync fdatasync open openpty umask setuid "
            "setgid seteuid setegid setreuid setregid setgroups setsid setpgid nice sched_setaffinity "
            "eventfd eventfd_write pipe pipe2 mkdtemp").split()
OS_EXEC = ("system popen execl execle execlp execlpe execv execve execvp execvpe spawnl spawnle spawnlp "
           "spawnlpe spawnv spawnve spawnvp spawnvpe posix_spawn posix_spawnp fork forkpty kill killpg "
           "startfile register_at_fork abort _exit pidfd_open waitpid").split()
OS_READ = ("listdir scandir walk fwalk stat lstat fstat read readv pread preadv readlink getcwd getcwdb "
           "access getenv getenvb getxattr listxattr statvfs fstatvfs get_terminal_size").split()
STDLIB_EXACT = {}
for _m in ("os", "posix"):
    for _n in OS_WRITE:
        STDLIB_EXACT[f"{_m}.{_n}"] = "w"
    for _n in OS_EXEC:
        STDLIB_EXACT[f"{_m}.{_n}"] = "x"
    for _n in OS_READ:
        STDLIB_EXACT[f"{_m}.{_n}"] = "r"
STDLIB_MODULE_CLASS = [
    ("subprocess", "x"), ("_posixsubprocess", "x"), ("pty", "x"), ("runpy", "x"), ("code", "x"),
    ("codeop", "x"), ("pickle", "x"), ("_pickle", "x"), ("marshal", "x"), ("shelve", "x"),
    ("importlib", "x"), ("imp", "x"), ("zipimport", "x"), ("pkgutil", "x"), ("multiprocessing", "x"),
    ("concurrent", "x"), ("shutil", "w"), ("tempfile", "w"), ("socket", "g"), ("_socket", "g"), ("ssl", "g"),
    ("urllib", "g"), ("http", "g"), ("ftplib", "g"), ("smtplib", "g"), ("webbrowser", "x"),
    ("xmlrpc", "g"), ("telnetlib", "g"), ("poplib", "g"), ("imaplib", "g"), ("nntplib", "g"), ("glob", "r"),
    ("fileinput", "r"), ("linecache", "r"), ("mmap", "w"), ("fcntl", "w"), ("resource", "w"),
    ("signal", "x"), ("atexit", "p"), ("threading", "p"), ("_thread", "p"), ("sched", "p"), ("asyncio", "x"),
    ("trace", "x"), ("pdb", "x"), ("bdb", "x"), ("cProfile", "x"), ("profile", "x"), ("timeit", "x"),
    ("doctest", "x"), ("unittest", "x"), ("logging.handlers", "w"), ("logging.config", "x"),
    ("sqlite3", "w"), ("dbm", "w"), ("zipfile", "w"), ("tarfile", "w"), ("gzip", "w"), ("bz2", "w"),
    ("lzma", "w"), ("ctypes", "n"), ("_ctypes", "n"), ("pydoc", "x"), ("inspect", "r"), ("sys", "u"),
]
STDLIB_EXACT.update({
    "io.open": "r", "io.FileIO": "w", "io.open_code": "r", "_io.open": "r", "_io.FileIO": "w",
    "codecs.open": "r", "pathlib.Path": "u", "logging.FileHandler": "w", "logging.basicConfig": "w",
    "types.FunctionType": "x", "types.CodeType": "x", "types.LambdaType": "x", "types.new_class": "p",
    "types.MethodType": "p", "sys._getframe": "x", "sys.settrace": "x", "sys.setprofile": "x",
    "sys.addaudithook": "x", "sys.exit": "u", "gc.get_objects": "x", "gc.get_referrers": "x",
    "gc.get_referents": "x", "os.path.expanduser": "r", "posixpath.expanduser": "r",
    "os.path.exists": "r", "posixpath.exists": "r", "os.path.isfile": "r", "os.path.isdir": "r",
    "posixpath.isfile": "r", "posixpath.isdir": "r", "os.path.getsize": "r", "posixpath.getsize": "r",
    "builtins.exec": "x", "builtins.eval": "x", "builtins.compile": "x", "builtins.__import__": "x",
    "builtins.breakpoint": "x", "builtins.open": "r", "builtins.input": "r",
    "ctypes.util.find_library": "n",
})
for _k in BUILTINS:
    for _n in BUILTINS[_k]:
        STDLIB_EXACT.setdefault(f"builtins.{_n}", _k)

# A compute candidate whose name has one of these tokens is NOT compute unless kept below.
DENY_TOKENS = set(
    "save saver saved load loads loader write writer writes read reader reads file files filename dump dumps "
    "export exporter download restore checkpoint summary summaries open gfile remove rename mkdir makedirs "
    "copy delete listdir glob exists walk stat url exec eval compile import pickle marshal ctypes library "
    "plugin system spawn popen environ getenv profiler profile debug trace print callback func function fn py "
    "hook server socket session interactive serialize deserialize config registry register "
    "set global tempfile temp path dir lookup vocabulary test tests doc docstring newdoc show who disp deprecate "
    "deprecated info runtime logger logging buf bufsize".split()
)
KEEP_DESPITE_TOKENS = {
    "numpy.copy", "numpy.copyto", "numpy.trace", "tensorflow.linalg.trace", "tensorflow.trace",
    "numpy.ma.copy", "numpy.ma.trace", "jax.numpy.copy", "jax.numpy.trace", "keras.ops.trace",
    "tensorflow.experimental.numpy.copy", "tensorflow.experimental.numpy.trace", "numpy.diagonal",
    "tensorflow.sets.difference", "numpy.setdiff1d", "numpy.setxor1d", "keras.ops.copy",
    "tensorflow.io.serialize_tensor", "tensorflow.io.serialize_sparse", "tensorflow.io.parse_tensor",
    "numpy.set_printoptions", "tensorflow.random.set_seed", "keras.utils.set_random_seed",
}


# Compute modules match exactly (tensorflow.python.* is not tensorflow), except these
# families whose submodules are all array math.
COMPUTE_RECURSIVE = ["numpy.polynomial", "numpy.random", "numpy.linalg", "numpy.fft"]


def is_compute_module(mod):
    if mod.startswith("tensorflow.compat.v2."):
        mod = "tensorflow." + mod[len("tensorflow.compat.v2."):]
    elif mod == "tensorflow.compat.v2":
        mod = "tensorflow"
    if mod in COMPUTE_AGAIN:
        return True
    if under(mod, NOT_COMPUTE_MODULES):
        return False
    return mod in COMPUTE_MODULES or under(mod, COMPUTE_RECURSIVE)


def tokens(name):
    parts = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower().split("_")
    return {p for p in parts if p}


def under(path, prefixes):
    return any(path == p or path.startswith(p + ".") for p in prefixes)


def module_of(path):
    return path.rsplit(".", 1)[0] if "." in path else ""


def classify_path(path, kind, defined_in=None):
    """Class of one dotted path of a callable (kind f function, c class, i callable instance).

    `defined_in` is set when `path` is the object's own `__module__.__qualname__`: the
    implementation-module rules (IMPL_CLASS, STDLIB_MODULE_CLASS) apply only then."""
    if path in EXACT:
        return EXACT[path]
    if path in STDLIB_EXACT:
        return STDLIB_EXACT[path]
    mod, name = module_of(path), path.rsplit(".", 1)[-1]
    if name.startswith("_") and not (mod == "operator" and name.startswith("__") and name.endswith("__")):
        return None  # private helpers and module dunders: never on the allowlist
    # gfile everywhere (tf.io.gfile, tf.compat.v1.gfile, tf.compat.v1.io.gfile)
    if mod.endswith(".gfile") and mod.startswith("tensorflow"):
        return "w" if GFILE_WRITE.search(name) else "r"
    if mod.endswith("raw_ops") and mod.startswith("tensorflow"):
        if RAW_OPS_PYFUNC.match(name):
            return "p"
        if RAW_OPS_WRITE.match(name):
            return "w"
        if RAW_OPS_READ.match(name):
            return "r"
        return None  # raw ops are not shipped as compute (size; see README)
    api_path = not any(p.startswith("_") for p in mod.split("."))
    for prefix, cls, pred in MODULE_CLASS:
        if api_path and under(mod, [prefix]) and (pred is None or pred(name)):
            return cls
    if defined_in is not None:
        for prefix, cls in IMPL_CLASS + STDLIB_MODULE_CLASS:
            if under(defined_in, [prefix]) and cls != "u":
                return cls
    if under(mod, ["keras.applications", "tensorflow.keras.applications"]) and name == "preprocess_input":
        return "c"
    # numpy-style name patterns for the file functions of every ML package
    if mod.split(".")[0] in ("numpy", "jax", "scipy", "h5py", "keras", "tensorflow", "ml_dtypes"):
        t = tokens(name)
        if t & {"save", "savez", "savetxt", "tofile", "dump", "write", "writer", "export", "memmap"}:
            return "w"
        if t & {"download"}:
            return "g"
        if t & {"load", "loadtxt", "fromfile", "genfromtxt", "read", "reader", "listdir", "glob"}:
            return "r"
    if is_compute_module(mod):
        if path in KEEP_DESPITE_TOKENS or not (tokens(name) & DENY_TOKENS):
            return "c"
    return None


def combine(classes):
    """Class of an object from the classes of all its paths."""
    sinks = [c for c in classes if c and c not in ("c", "p", "u")]
    if sinks:
        return max(sinks, key=SEVERITY.get)
    if "u" in classes:
        return "u"  # an explicit "unreviewed" vetoes the compute allowlist
    if "p" in classes:
        return "p"
    if "c" in classes:
        return "c"
    return "u"


# --- tensor methods ------------------------------------------------------------------------
TENSOR_WRITE = {"tofile", "dump"}
TENSOR_PYFUNC = set()
TENSOR_UNREVIEWED = {
    "__class__", "__init__", "__new__", "__init_subclass__", "__subclasshook__", "__reduce__", "__reduce_ex__",
    "__getattribute__", "__setattr__", "__delattr__", "__getstate__", "__setstate__", "__dir__", "__class_getitem__",
    "__array_function__", "__array_ufunc__", "__array_prepare__", "__array_wrap__", "__array_finalize__",
    "__tf_tracing_type__", "__dlpack__", "__dlpack_device__", "__array_interface__", "__array_struct__",
    "ctypes", "data", "base", "dumps", "setflags", "resize", "op", "graph", "device", "_keras_mask",
    "__weakref__", "__module__", "__dict__", "__doc__", "__sizeof__", "__format__", "__copy__", "__deepcopy__",
    "assign", "assign_add", "assign_sub", "scatter_update", "scatter_add", "scatter_sub", "scatter_nd_update",
    "scatter_nd_add", "scatter_nd_sub", "scatter_max", "scatter_min", "scatter_mul", "scatter_div",
    "batch_scatter_update", "load", "initializer", "handle", "_handle_name", "experimental_ref", "ref",
    "eval", "numpy_function", "to_proto", "from_proto", "save", "_save", "read_value", "value",
    "set_shape", "sharded_variables", "__getattr__", "__array_namespace__",
}


def classify_tensor_method(name):
    if name in TENSOR_WRITE:
        return "w"
    if name in TENSOR_UNREVIEWED or (name.startswith("_") and not (name.startswith("__") and name.endswith("__"))):
        return "u"
    if name.startswith("__") and name.endswith("__"):
        return "c"  # operator protocol (__add__, __getitem__, __len__ …) minus the object gadgets above
    if tokens(name) & (DENY_TOKENS - {"set"}):
        return "u"
    return "c"
