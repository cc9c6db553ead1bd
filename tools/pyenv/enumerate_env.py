"""Enumerate the modules and callables of one Python environment, as JSON on stdout.

Run by gen_known.py inside each interpreter (system python3 for the stdlib, the tf215 and
k3 virtualenvs for the ML packages). It only imports modules and reads attributes: it
never calls a function of the enumerated packages. Modules with import-time side
effects are skipped (SKIP below; the list is reported).

Usage: python enumerate_env.py ROOT [ROOT ...] [--stdlib] [--globals LINE=MODULE ...] [--tensor MOD.TYPE ...]
"""

import importlib
import json
import os
import pkgutil
import sys
import types
import warnings

# Import-time side effects (GUI, browser, printing, tests that run) or hangs.
SKIP = {
    "antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "lib2to3.tests",
    "ctypes.test", "distutils.tests", "unittest.test", "tkinter.test", "sqlite3.test", "pydoc_data",
    "ensurepip", "venv", "xxlimited", "xxlimited_35", "_xxsubinterpreters", "_testcapi",
    "_testinternalcapi", "_testbuffer", "_testimportmultiple", "_testmultiphase", "_xxtestfuzz",
    "_ctypes_test", "_testclinic", "idlelib.idle", "lib2to3.pgen2.conv",
}
# The ML walk follows attributes only into these packages (plus the stdlib, recorded as
# edge targets): a module is "in scope" if its __name__ starts with one of them.
ML_PREFIXES = ("numpy", "tensorflow", "keras", "h5py", "scipy", "jax", "jaxlib", "ml_dtypes", "tf_keras")

warnings.simplefilter("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "numpy")


def skipped(name):
    return any(name == s or name.startswith(s + ".") for s in SKIP) or name.split(".")[-1] == "__main__"


def stdlib_modules():
    """Every importable stdlib module and submodule (minus SKIP)."""
    names = set()
    for top in sorted(sys.stdlib_module_names):
        if skipped(top):
            continue
        names.add(top)
        try:
            m = importlib.import_module(top)
        except BaseException:
            continue
        path = getattr(m, "__path__", None)
        if path:
            for info in pkgutil.walk_packages(path, top + ".", onerror=lambda n: None):
                if not skipped(info.name):
                    names.add(info.name)
    return sorted(names)


def qualname(obj):
    mod = getattr(obj, "__module__", None)
    qn = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if isinstance(mod, str) and isinstance(qn, str):
        return f"{mod}.{qn}"
    return None


def describe(value):
    """(kind, detail): m module, f function/builtin, c class, i instance, d plain data."""
    if isinstance(value, types.ModuleType):
        return "m", None
    if isinstance(value, type):
        return "c", qualname(value)
    if value is vars(sys.modules["builtins"]):
        return "d", "builtins.__dict__"
    fn_types = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType)
    if isinstance(value, fn_types) and qualname(value) is not None:
        return "f", qualname(value)
    t = type(value)
    if callable(value):
        return "i", qualname(t)
    if t.__module__ != "builtins":
        return "o", qualname(t)  # a non-callable instance (a dtype, a loader, a spec)
    return "d", t.__name__


def safe_dir(m):
    try:
        return sorted(set(dir(m)))
    except BaseException:
        return sorted(getattr(m, "__dict__", {}).keys())


class Walker:
    def __init__(self, in_scope):
        self.in_scope = in_scope
        self.modules = {}  # id -> record
        self.objects = {}  # id -> {"q": qualname, "k": kind}
        self.errors = []

    def mid(self, m):
        return f"m{id(m)}"

    def add(self, m, path):
        key = self.mid(m)
        rec = self.modules.get(key)
        if rec is not None:
            if path not in rec["paths"]:
                rec["paths"].append(path)
            return None
        rec = {"name": getattr(m, "__name__", None) if isinstance(getattr(m, "__name__", None), str) else None,
               "paths": [path], "attrs": {}, "type": qualname(type(m))}
        self.modules[key] = rec
        return rec

    def walk(self, roots):
        queue = []
        for path, m in roots:
            if self.add(m, path) is not None:
                queue.append((m, path))
        while queue:
            m, path = queue.pop(0)
            rec = self.modules[self.mid(m)]
            name = rec["name"] or path
            if not self.in_scope(name):
                continue  # recorded as a target, not expanded
            for attr in safe_dir(m):
                try:
                    v = getattr(m, attr)
                except BaseException as e:  # lazy loaders may fail
                    self.errors.append(f"{path}.{attr}: {type(e).__name__}")
                    continue
                kind, detail = describe(v)
                if kind == "m":
                    sub = f"{path}.{attr}"
                    if self.add(v, sub) is not None:
                        queue.append((v, sub))
                    else:
                        pass
                    rec["attrs"][attr] = ["m", self.mid(v)]
                elif kind in ("f", "c", "i"):
                    oid = f"o{id(v)}"
                    self.objects.setdefault(oid, {"q": detail, "k": kind})
                    rec["attrs"][attr] = [kind, oid]
                else:
                    rec["attrs"][attr] = [kind, detail]
        return self


def main(argv):
    roots, globals_specs, stdlib, tensor_types = [], [], False, []
    it = iter(argv)
    for a in it:
        if a == "--tensor":
            tensor_types.append(next(it))
        elif a == "--stdlib":
            stdlib = True
        elif a == "--globals":
            globals_specs.append(next(it))
        else:
            roots.append(a)
    imported, failed = [], []
    names = stdlib_modules() if stdlib else roots
    mods = []
    for n in names:
        try:
            mods.append((n, importlib.import_module(n)))
            imported.append(n)
        except BaseException as e:
            failed.append(f"{n}: {type(e).__name__}")
    std = set(sys.stdlib_module_names)

    def in_scope(name):
        top = name.split(".")[0]
        if stdlib:
            return top in std and not skipped(name)
        return top.startswith(ML_PREFIXES)

    extra = []
    for spec in globals_specs:
        line, modname = spec.split("=", 1)
        extra.append((modname, importlib.import_module(modname)))
    w = Walker(in_scope).walk(mods + extra)
    loader = {}
    for spec in globals_specs:
        line, modname = spec.split("=", 1)
        m = importlib.import_module(modname)
        g = {}
        for k, v in vars(m).items():
            kind, detail = describe(v)
            g[k] = [kind, w.mid(v) if kind == "m" else detail]
            if kind == "m" and w.mid(v) not in w.modules:
                w.add(v, getattr(v, "__name__", k))
        # Several modules may bind one line's globals (tf.keras: lambda_layer for the
        # legacy Lambda config, generic_utils for `__lambda__`): their union.
        entry = loader.setdefault(line, {"module": modname, "globals": {}})
        if modname not in entry["module"].split("+"):
            entry["module"] += "+" + modname
        for k, v in g.items():
            entry["globals"].setdefault(k, v)
    tensor_methods = {}
    for spec in tensor_types:
        modname, _, attr = spec.rpartition(".")
        t = getattr(importlib.import_module(modname), attr)
        tensor_methods[spec] = sorted(set(dir(t)))
    versions = {"python": sys.version.split()[0]}
    for pkg in ("numpy", "tensorflow", "keras", "h5py", "scipy", "jax", "ml_dtypes"):
        mod = sys.modules.get(pkg)
        if mod is not None and isinstance(getattr(mod, "__version__", None), str):
            versions[pkg] = mod.__version__
    json.dump({"versions": versions, "imported": imported, "failed": failed, "skip": sorted(SKIP),
               "modules": w.modules, "objects": w.objects, "loader": loader, "tensor_methods": tensor_methods,
               "walk_errors": w.errors[:200]}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
