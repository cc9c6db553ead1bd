#!/usr/bin/env python3
"""Generate crate/src/python/known/*.txt (shipped) and tools/pyenv/out/*.tsv (review).

    python3 tools/pyenv/gen_known.py            # enumerate the venvs, write the tables
    python3 tools/pyenv/gen_known.py --check    # regenerate into a temp dir and diff
    python3 tools/pyenv/gen_known.py --cached   # reuse the last enumeration JSON

See tools/pyenv/README.md for what each table holds and why the rules are what they are.
"""

import ast
import difflib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
import tarfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import rules  # noqa: E402

VENVS = os.environ.get("KNOWN_VENVS", "/work/venvs")
CACHE = os.environ.get("KNOWN_CACHE", os.path.join(VENVS, "known-cache"))
KNOWN_DIR = os.path.join(REPO, "crate", "src", "python", "known")
OUT_DIR = os.path.join(HERE, "out")
CMD = "python3 tools/pyenv/gen_known.py"

ENVS = {
    "stdlib": ("python3", ["--stdlib"]),
    "tf215": (os.path.join(VENVS, "tf215", "bin", "python"),
              ["numpy", "tensorflow", "keras", "h5py", "ml_dtypes",
               "--globals", "tfkeras2=keras.src.layers.core.lambda_layer",
               # `.keras` files' `__lambda__` objects are built by generic_utils.func_load
               # with that module's globals (serialization_lib), not lambda_layer's.
               "--globals", "tfkeras2=keras.src.utils.generic_utils",
               "--tensor", "numpy.ndarray", "--tensor", "tensorflow.Tensor",
               "--tensor", "tensorflow.python.framework.ops.EagerTensor", "--tensor", "tensorflow.Variable",
               "--tensor", "tensorflow.RaggedTensor", "--tensor", "tensorflow.SparseTensor",
               "--tensor", "keras.src.engine.keras_tensor.KerasTensor"]),
    "k3": (os.path.join(VENVS, "k3", "bin", "python"),
           ["numpy", "keras", "h5py", "scipy", "ml_dtypes", "jax", "jax.numpy",
            "--globals", "keras3=keras.src.utils.python_utils",
            "--tensor", "numpy.ndarray", "--tensor", "keras.KerasTensor", "--tensor", "jax.Array"]),
}
# Standalone Keras read from PyPI sources (cannot import on this Python): the union of
# these releases' `keras/layers/core.py` globals per line.
STANDALONE = {
    # Keras 3: func_load's own module, stable since 3.0 (the enumerated 3.15.1 first)
    "keras3": [("keras", v) for v in ["3.0.0", "3.3.3", "3.6.0", "3.10.0"]],
    "keras2": [("keras", v) for v in ["2.3.1", "2.2.4", "2.1.6", "2.0.9"]],
    "keras1": [("keras", v) for v in ["1.2.2", "1.0.8"]],
    # tf.keras releases other than the enumerated 2.15 (same Lambda loader, other
    # globals): names bound there are loader globals, not helpers. TF <= 2.5 kept tf.keras
    # inside the tensorflow wheel (too large to fetch here): not covered.
    "tfkeras2": [("keras", v) for v in ["2.6.0", "2.8.0", "2.10.0", "2.12.0", "2.14.0"]] +
                [("tf-keras", v) for v in ["2.16.0", "2.19.0"]],
}
LAMBDA_MODULES = ["keras/layers/core.py", "keras/layers/core/lambda_layer.py", "keras/src/layers/core/lambda_layer.py",
                  "tf_keras/src/layers/core/lambda_layer.py"]
# TensorFlow's generated API packages carry their public path (the real __name__ of
# tf.math is tensorflow._api.v2.math; nobody writes that).
REWRITES = [("tensorflow._api.v2", "tensorflow"), ("keras.api._v2.keras", "tensorflow.keras")]
# Hand additions (no interpreter for them here): Windows `nt` is `os`'s posix; the
# Python 2.7 names of stdlib modules that Keras 1/2 files may reach.
# How the hand-listed names classify: the Python 3 module they became (a mirror), or a
# sink wildcard for the ones whose every function runs commands, builds code or reaches
# the network.
PY27_MIRRORS = {"__builtin__": "builtins", "exceptions": "builtins", "cPickle": "pickle", "nt": "posix",
                "thread": "_thread", "cStringIO": "io", "StringIO": "io"}
PY27_WILD = {"commands": "x", "popen2": "x", "new": "x", "urllib2": "g", "httplib": "g", "dircache": "r"}
PY27_MODULES = ["__builtin__", "cPickle", "commands", "popen2", "urllib2", "httplib", "thread", "cStringIO",
                "StringIO", "imp", "exceptions", "sets", "md5", "sha", "new", "dircache", "nt"]
# Top-level modules that are sinks as a whole (mirrors rules/sinks.rs DANGEROUS and the
# stdlib module rules): edges into them are always kept.
DANGER_TOP = {"os", "posix", "nt", "sys", "builtins", "__builtin__", "subprocess", "shutil", "ctypes", "_ctypes",
              "pickle", "_pickle", "cPickle", "marshal", "importlib", "runpy", "code", "socket", "pty", "io", "_io",
              "pathlib", "tempfile", "types", "gc", "typing", "inspect", "codecs", "commands", "popen2", "imp",
              "webbrowser", "urllib", "http", "multiprocessing", "signal", "threading", "_thread", "asyncio",
              "posixpath", "genericpath", "shelve", "zipimport", "pkgutil", "logging", "glob", "mmap"}
# Top-level packages counted in the per-package class counts.
SHIP_COMPUTE_TOP = ("numpy", "tensorflow", "keras", "jax", "math", "cmath", "operator", "builtins", "functools",
                    "typing")
# The shipped compute allowlist: only these modules' compute entries ship (the size
# budget; README "What ships"). Everything else stays unreviewed (102) in the wasm.
SHIP_COMPUTE = {
    "numpy", "numpy.linalg", "numpy.fft", "numpy.random", "numpy.emath",
    "tensorflow", "tensorflow.math", "tensorflow.linalg", "tensorflow.nn", "tensorflow.image",
    "tensorflow.signal", "tensorflow.random", "tensorflow.strings", "tensorflow.sparse", "tensorflow.ragged",
    "tensorflow.bitwise", "tensorflow.dtypes", "tensorflow.keras.backend", "tensorflow.keras.activations",
    "keras.backend", "keras.activations", "keras.ops", "keras.random", "keras.ops.image", "keras.ops.nn",
    "keras.ops.numpy", "keras.ops.linalg", "keras.ops.math", "keras.ops.core",
    "keras.applications.resnet50", "keras.applications.vgg16", "keras.applications.imagenet_utils",
    "math", "cmath", "operator", "builtins", "functools", "typing",
}
# Public ML modules shipped as known (deeper API modules stay unknown: 102 when used).
SHIP_ML_DEPTH = 3


def shipped_ml_module(name):
    parts = name.split(".")
    if parts[0] not in ("numpy", "tensorflow", "keras", "h5py", "scipy", "jax", "ml_dtypes"):
        return False
    if not public(name):
        return False
    depth = len(parts) - (1 if name.startswith(("tensorflow.compat.v1", "tensorflow.compat.v2",
                                                  "tensorflow.keras")) else 0)
    return depth <= {"h5py": 1, "ml_dtypes": 1, "scipy": 2, "jax": 2}.get(parts[0], SHIP_ML_DEPTH)


def canon(name):
    for old, new in REWRITES:
        if name == old or name.startswith(old + "."):
            return new + name[len(old):]
    return name


def public(name):
    return not any(p.startswith("_") for p in name.split(".")) or name == "__builtin__"


def run_envs(cached):
    data = {}
    os.makedirs(CACHE, exist_ok=True)
    for env, (py, args) in ENVS.items():
        path = os.path.join(CACHE, f"{env}.json")
        if not (cached and os.path.exists(path)):
            with open(path, "w") as out:
                subprocess.run([py, os.path.join(HERE, "enumerate_env.py"), *args], stdout=out,
                               stderr=subprocess.DEVNULL, check=True, cwd=tempfile.gettempdir())
        with open(path) as f:
            data[env] = json.load(f)
    return data


# --- standalone Keras: module globals from the source, with ast --------------------------
def standalone_sources(dist, version):
    wheels = os.path.join(CACHE, "wheels")
    os.makedirs(wheels, exist_ok=True)
    stem = dist.replace("-", "_").lower()

    def find():
        return [f for f in os.listdir(wheels) if f.lower().startswith(f"{stem}-{version}-") or
                f.lower() == f"{stem}-{version}.tar.gz"]
    whl = find()
    if not whl:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", wheels,
                        f"{dist}=={version}"], check=True)
        whl = find()
    f = os.path.join(wheels, whl[0])
    if f.endswith(".whl"):
        with zipfile.ZipFile(f) as z:
            return {n: z.read(n).decode() for n in z.namelist()
                    if n.startswith(("keras/", "tf_keras/")) and n.endswith(".py")}
    out = {}
    with tarfile.open(f) as t:
        for m in t.getmembers():
            parts = m.name.split("/", 1)
            if len(parts) == 2 and parts[1].startswith("keras/") and parts[1].endswith(".py"):
                out[parts[1]] = t.extractfile(m).read().decode()
    return out


def standalone_globals(dist, version, line):
    src = standalone_sources(dist, version)
    if line == "keras3":  # func_load builds with its own module's globals()
        modfile = next(m for m in ("keras/src/utils/python_utils.py", "keras/utils/python_utils.py") if m in src)
    else:  # the module defining Lambda whose from_config builds the function with its globals()
        modfile = next(m for m in LAMBDA_MODULES if m in src and "class Lambda" in src[m] and "globals()" in src[m])
    tree = ast.parse(src[modfile])
    pkg = modfile[:-3].split("/")[:-1]
    modname = modfile[:-3].replace("/", ".")
    g = {"__builtins__": "builtins.__dict__", "__name__": "<str>", "__file__": "<str>", "__doc__": "<str>",
         "__package__": "<str>"}

    def is_module(dotted):
        p = dotted.replace(".", "/")
        return f"{p}.py" in src or f"{p}/__init__.py" in src or dotted in ("numpy",) or "." not in dotted

    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                g[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                for a in node.names:
                    g[a.asname or a.name] = "__future__._Feature()"
                continue
            base = pkg[:len(pkg) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            for a in node.names:
                full = f"{mod}.{a.name}"
                g[a.asname or a.name] = full if is_module(full) else full
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            g[node.name] = f"{modname}.{node.name}"
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    g[t.id] = "<data>"
    return g


# --- merging the environments ---------------------------------------------------------------
class Universe:
    def __init__(self):
        self.modules = {}  # canonical name -> {"attrs": {attr: (kind, target)}, "envs": set}
        self.obj_paths = defaultdict(set)  # (env, oid) -> paths
        self.obj_kind = {}
        self.obj_qual = {}
        self.loader = {}
        self.tensor_methods = set()
        self.versions = {}
        self.skipped = set()
        self.failed = set()

    def add_env(self, env, d):
        mods = d["modules"]
        names = {}
        for mid, rec in mods.items():
            nm = rec["name"] if rec["name"] else min(rec["paths"], key=lambda p: (len(p), p))
            names[mid] = canon(nm)
        for mid, rec in mods.items():
            cm = names[mid]
            m = self.modules.setdefault(cm, {"attrs": {}, "envs": set()})
            m["envs"].add(env)
            for attr, (kind, target) in rec["attrs"].items():
                if kind == "m":
                    m["attrs"][attr] = ("m", names.get(target, target))
                elif kind in ("f", "c", "i"):
                    key = (env, target)
                    self.obj_paths[key].add(f"{cm}.{attr}")
                    self.obj_kind[key] = kind
                    self.obj_qual[key] = d["objects"][target]["q"]
                    m["attrs"].setdefault(attr, (kind, key))
                    if m["attrs"][attr][0] == "m":
                        pass
                    else:
                        m["attrs"][attr] = (kind, key)
                else:
                    m["attrs"].setdefault(attr, (kind, target))
        for line, spec in d.get("loader", {}).items():
            out = {}
            for name, (kind, detail) in spec["globals"].items():
                if kind == "m":
                    out[name] = names.get(detail, detail)
                elif kind in ("f", "c"):
                    out[name] = canon(detail) if detail else "<unknown>"
                elif kind in ("i", "o"):
                    out[name] = f"{detail}()"
                elif detail == "builtins.__dict__":
                    out[name] = detail
                else:
                    out[name] = f"<{detail}>"
            self.loader[line] = out
        for t, names_ in d.get("tensor_methods", {}).items():
            self.tensor_methods.update(names_)
        for k, v in d["versions"].items():
            key = "tf_keras" if (env == "tf215" and k == "keras") else ("keras3" if k == "keras" else k)
            if key in ("numpy", "ml_dtypes") and env == "k3":
                key = key + "2"
            self.versions.setdefault(key, v)
        self.skipped.update(d["skip"])
        self.failed.update(d["failed"])

    def classify_objects(self):
        """class per (module, attr) path, by object identity across all paths."""
        by_path = defaultdict(list)
        for key, paths in self.obj_paths.items():
            kind = self.obj_kind[key]
            cls_list = [rules.classify_path(p, kind) for p in sorted(paths)]
            q = self.obj_qual.get(key)
            if q:
                cls_list.append(rules.classify_path(canon(q), kind, defined_in=canon(q).rsplit(".", 1)[0]))
            c = rules.combine(cls_list)
            for p in paths:
                by_path[p].append(c)
        # A path seen in two environments (numpy 1.26 and 2.x) takes the more severe
        # sink; compute only if no environment says otherwise.
        out = {}
        for p, cs in by_path.items():
            out[p] = rules.combine(cs)
        # The builtins module: classes come from the reviewed table, not from names.
        return out


def generate(out_known, out_review, cached):
    data = run_envs(cached)
    u = Universe()
    for env in ("stdlib", "tf215", "k3"):
        u.add_env(env, data[env])
    for line, releases in STANDALONE.items():
        merged = u.loader.setdefault(line, {})  # the enumerated release (tf.keras 2.15) first
        for dist, v in releases:
            for k, val in standalone_globals(dist, v, line).items():
                merged.setdefault(k, val)
    for m in PY27_MODULES + sorted(PY27_WILD):
        u.modules.setdefault(m, {"attrs": {}, "envs": {"py27-hand"}})
    classes = u.classify_objects()

    # Which modules are known (shipped): all stdlib, the public ML API, the modules bound
    # by the loaders and the modules those bind (one hop).
    loader_mods = {v for g in u.loader.values() for v in g.values() if v in u.modules}
    loader_mods |= {m for d in data.values() for spec in d.get("loader", {}).values() for m in spec["module"].split("+")}
    hop = set()
    for m in loader_mods:
        for attr, (kind, target) in u.modules[m]["attrs"].items():
            if kind == "m" and target in u.modules:
                hop.add(target)
    known = set()
    for name, m in u.modules.items():
        top = name.split(".")[0]
        std = "stdlib" in m["envs"] or "py27-hand" in m["envs"]
        if name in ("__main__", "__mp_main__"):
            continue  # the loading program's own script: its names are helpers, not a known module
        if std and ("." not in name or top in DANGER_TOP):
            known.add(name)
        elif name in loader_mods or name in hop or shipped_ml_module(name):
            known.add(name)
    # modules with a sink callable
    sink_mods = set()
    for p, c in classes.items():
        if c not in ("c", "p", "u"):
            sink_mods.add(p.rsplit(".", 1)[0])
    def interesting(t):
        return (t in known) and (t.split(".")[0] in DANGER_TOP or shipped_ml_module(t) or t in loader_mods)

    # mirrors: module A whose every callable is, with the same class, also in module B
    # under the same name (tf.compat.v2 ⊆ tf, tensorflow.keras.backend ⊆ keras.backend):
    # A's lookups fall back to B, so A ships no entries of its own.
    def sigset(name):
        return frozenset((a, classes.get(f"{name}.{a}", "u")) for a, (k, _) in u.modules[name]["attrs"].items()
                         if k in ("f", "c", "i") and not a.startswith("_"))
    sigs = {n: sigset(n) for n in known}
    by_last = defaultdict(list)
    for n in known:
        by_last[n.rsplit(".", 1)[-1]].append(n)
    mirror, mirror_diff = {}, {}
    for a in sorted(known):
        sa = sigs[a]
        if len(sa) < 10:
            continue
        cands = [b for b in by_last[a.rsplit(".", 1)[-1]] if b != a]
        if a.rsplit(".", 1)[-1] in ("v1", "v2"):
            cands.append("tensorflow")
        if "." in a and a.rsplit(".", 1)[0] in known:
            cands.append(a.rsplit(".", 1)[0])  # keras.ops.numpy ⊆ keras.ops
        # Pick the candidate that saves the most shipped lines: A then lists only what
        # differs (and `u` where B would answer otherwise). Chains are fine, cycles not.
        def own_cost(n, sn):
            return sum(1 for _, c in sn if c != "u" and (c != "c" or n in SHIP_COMPUTE))

        best, best_gain = None, 10
        # First choice: a near-identical namespace (tf.compat.v2.math = tf.math), which
        # also gives A the compute coverage of B.
        for b in sorted(set(cands), key=lambda n: (len(n), n)):
            if b in sigs and a not in SHIP_COMPUTE and b in SHIP_COMPUTE and mirror.get(b) != a:
                if len(sigs[b]) >= len(sa) and len(sa - sigs[b]) <= max(5, len(sa) // 20) and b != a:
                    best, best_gain = b, 1 << 30
                    break
        for b in sorted(set(cands), key=lambda n: (len(n), n)):
            if b not in sigs or (a in SHIP_COMPUTE and b not in SHIP_COMPUTE):
                continue
            t, hops = b, 0
            while t in mirror and hops < 16:
                t, hops = mirror[t], hops + 1
            if t == a:
                continue
            sb = sigs[b]
            names_b = {n for n, c in sb if c != "u"}
            diff = sa - sb
            cost = sum(1 for n, c in diff if c != "u") + sum(1 for n, c in diff if c == "u" and n in names_b)
            gain = own_cost(a, sa) - cost
            if gain > best_gain:
                best, best_gain = b, gain
        if best:
            mirror[a] = best
            names_best = {n for n, c in sigs[best] if c != "u"}
            # differences that matter: another class, or `u` where B would say otherwise
            mirror_diff[a] = {attr: c for attr, c in sa - sigs[best] if c != "u" or attr in names_best}

    for a, b in PY27_MIRRORS.items():
        if a not in mirror and "py27-hand" in u.modules.get(a, {}).get("envs", ()) and b in known:
            mirror[a] = b
            mirror_diff[a] = {}

    # Wildcards: a module rule that makes every callable a sink ships as `*`.
    wild = dict(PY27_WILD)
    for prefix, cls in rules.IMPL_CLASS + rules.STDLIB_MODULE_CLASS + [(p, c) for p, c, f in rules.MODULE_CLASS]:
        if cls not in ("u", "c", "p") and prefix in known:
            wild[prefix] = cls  # sinks only: a wildcard may over-approximate toward a sink, never toward compute

    def wild_class(name):
        for p, c in wild.items():
            if name == p or name.startswith(p + "."):
                return c
        return None

    # --- modules.txt ------------------------------------------------------------------------
    mod_body = {}
    for name in sorted(known):
        body = []
        for attr, (kind, target) in sorted(u.modules[name]["attrs"].items()):
            if kind != "m" or not interesting(target):
                continue
            if target == f"{name}.{attr}":
                continue  # implied: a known submodule under its own path
            if name in mirror:
                mt = u.modules[mirror[name]]["attrs"].get(attr)
                if mt and mt[0] == "m" and mt[1] == target:
                    continue
            body.append(f"{attr} {target}")
        mod_body[name] = body

    # --- review inventory: every enumerated callable path in every module --------------------
    counts = defaultdict(lambda: defaultdict(int))
    review_rows = []
    for name in sorted(u.modules):
        for attr, (kind, target) in u.modules[name]["attrs"].items():
            if kind not in ("f", "c", "i"):
                continue
            c = classes.get(f"{name}.{attr}", "u")
            if name.split(".")[0] in ("builtins", "__builtin__"):
                c = rules.STDLIB_EXACT.get(f"builtins.{attr}", "u")
            if public(name) and not attr.startswith("_"):
                counts[name.split(".")[0]][c] += 1
            review_rows.append((f"{name}.{attr}", c))

    # --- calls.txt --------------------------------------------------------------------------
    call_secs = {}
    for name in sorted(known):
        entries = defaultdict(list)
        for attr, (kind, target) in u.modules[name]["attrs"].items():
            if kind not in ("f", "c", "i"):
                continue
            c = classes.get(f"{name}.{attr}", "u")
            if name.split(".")[0] in ("builtins", "__builtin__"):
                c = rules.STDLIB_EXACT.get(f"builtins.{attr}", "u")
            ship = c != "u" and (c != "c" or name in SHIP_COMPUTE)
            if name in mirror:
                # only where the mirror answers differently; `u` entries stop the fallback
                ship = attr in mirror_diff[name] and not attr.startswith("_")
            elif wild_class(name):
                # under a wildcard only what differs ships (preprocess_input under the
                # keras.applications gadget wildcard); unreviewed stays under the sink
                ship = c not in ("u", wild_class(name))
            if ship and (not attr.startswith("_") or c != "c" or name == "operator"):
                entries[c].append(attr)
        # Class methods the rules name explicitly (`typing.ForwardRef._evaluate`).
        for p, c in list(rules.EXACT.items()) + list(rules.STDLIB_EXACT.items()):
            mod, _, rest = p.rpartition(".")
            mod2, _, cls = mod.rpartition(".")
            if mod2 == name and cls in u.modules[name]["attrs"] and u.modules[name]["attrs"][cls][0] == "c":
                entries[c].append(f"{cls}.{rest}")
        if name in wild:
            entries[wild[name]].append("*")
        if not entries:
            continue
        sec = call_secs[name] = [f"@{name}"]
        for c in "cprwngxu":
            if entries.get(c):
                sec.append(f":{c}")
                sec.extend(sorted(set(entries[c])))

    # An ML API module with no entries, no edges and no mirror that nothing points to
    # changes no verdict (its calls are unreviewed either way, and an unknown attribute is
    # 102 too): it does not ship. The stdlib stays whole (a `module` field naming any
    # stdlib module must be recognised as one).
    targets = {l.split(" ", 1)[1] for b in mod_body.values() for l in b} | set(mirror.values()) | loader_mods
    shipped = {n for n in known
               if "stdlib" in u.modules[n]["envs"] or "py27-hand" in u.modules[n]["envs"] or n in call_secs
               or mod_body[n] or n in mirror or n in targets or "." not in n}
    # keep parents of shipped modules so implied submodule paths stay reachable
    for n in list(shipped):
        parts = n.split(".")
        for i in range(1, len(parts)):
            p = ".".join(parts[:i])
            if p in known:
                shipped.add(p)
    mod_lines = []
    n_edges = 0
    for name in sorted(shipped):
        mod_lines.append(f"@{name}" + (f" ={mirror[name]}" if name in mirror else ""))
        mod_lines.extend(mod_body[name])
        n_edges += len(mod_body[name])
    call_lines = [l for n in sorted(call_secs) if n in shipped for l in call_secs[n]]
    # tensor methods
    tensor = defaultdict(list)
    for n in sorted(u.tensor_methods):
        tensor[rules.classify_tensor_method(n)].append(n)
    call_lines.append("@<tensor>")
    for c in "cprwngx":
        if tensor.get(c):
            call_lines.append(f":{c}")
            call_lines.extend(tensor[c])
    for c, ns in tensor.items():
        counts["<tensor>"][c] += len(ns)
        review_rows.extend((f"<tensor>.{n}", c) for n in ns)

    # --- loader_globals.txt -----------------------------------------------------------------
    g_lines = []
    for line in ("keras3", "tfkeras2", "keras2", "keras1"):
        g_lines.append(f"@{line}")
        for k, v in sorted(u.loader.get(line, {}).items()):
            g_lines.append(f"{k} {v}")

    vers = u.versions
    version_line = ("# versions: python={python} keras3={keras3} tensorflow={tensorflow} tf_keras={tf_keras} "
                    "numpy={numpy} numpy2={numpy2} h5py={h5py} scipy={scipy} jax={jax} "
                    "keras3-sources=3.0.0-3.10.0 keras2=2.0.9-2.3.1 keras1=1.0.8-1.2.2 tfkeras2-sources=2.6.0-2.14.0,tf_keras-2.16.0-2.19.0"
                    ).format(**vers)
    header = lambda what: [f"# known-tables v1: {what}", f"# generated-by: {CMD} (do not edit; see tools/pyenv/README.md)",
                           version_line]
    files = {
        "loader_globals.txt": header("loader globals: `name object` per @keras-line") + g_lines,
        "modules.txt": header("known modules (@name [=mirror]) and `attr target` module/alias edges") + mod_lines,
        "calls.txt": header("callables by class (absent = unreviewed); `:X` switches the class") +
        ["# classes: c compute, p pyfunc, r read, w write, n native, g gadget, x exec, u unreviewed (stops a mirror)"] +
        call_lines,
    }
    os.makedirs(out_known, exist_ok=True)
    for f, lines in files.items():
        with open(os.path.join(out_known, f), "w") as fh:
            fh.write("\n".join(lines) + "\n")
    # review outputs
    os.makedirs(out_review, exist_ok=True)
    with open(os.path.join(out_review, "inventory.tsv"), "w") as fh:
        fh.write(f"# every enumerated callable path and its class (u = unreviewed); {CMD}\n")
        fh.write(version_line + "\n")
        fh.write("# columns: path, class, S = module ships its compute allowlist / K = known module / - = not shipped\n")
        for p, c in sorted(review_rows):
            mod = p.rsplit(".", 1)[0]
            mark = "S" if mod in SHIP_COMPUTE else ("K" if mod in shipped or mod == "<tensor>" else "-")
            fh.write(f"{p}\t{c}\t{mark}\n")
    with open(os.path.join(out_review, "counts.tsv"), "w") as fh:
        fh.write("# public callables (public module path, public name) per top-level package and class\n")
        fh.write("package\t" + "\t".join("cprwngxu") + "\n")
        for top in sorted(counts):
            if sum(counts[top].values()) and (top in SHIP_COMPUTE_TOP or top in ("h5py", "scipy", "<tensor>", "ml_dtypes")
                                              or any(counts[top][c] for c in "rwngx")):
                fh.write(top + "\t" + "\t".join(str(counts[top][c]) for c in "cprwngxu") + "\n")
    with open(os.path.join(out_review, "enumeration.txt"), "w") as fh:
        fh.write(f"skipped (import-time side effects): {' '.join(sorted(u.skipped))}\n")
        fh.write(f"not importable here: {' '.join(sorted(u.failed))}\n")
        fh.write(f"known modules: {len(known)}; shipped modules: {len(shipped)}; shipped edges: {n_edges}; "
                 f"mirrors: {len(mirror)}\n")
    return files


def main(argv):
    cached = "--cached" in argv
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as tmp:
            generate(os.path.join(tmp, "known"), os.path.join(tmp, "out"), cached)
            bad = 0
            for sub, real in (("known", KNOWN_DIR), ("out", OUT_DIR)):
                for f in sorted(os.listdir(os.path.join(tmp, sub))):
                    if f == "inventory.tsv":
                        continue  # not committed (size); regenerate to review
                    new = open(os.path.join(tmp, sub, f)).read().splitlines()
                    old_path = os.path.join(real, f)
                    old = open(old_path).read().splitlines() if os.path.exists(old_path) else []
                    diff = list(difflib.unified_diff(old, new, old_path, "regenerated", lineterm="", n=0))
                    if diff:
                        bad += 1
                        print("\n".join(diff[:60]))
            print("tables are current" if not bad else f"{bad} file(s) differ")
            return 1 if bad else 0
    generate(KNOWN_DIR, OUT_DIR, cached)
    for f in sorted(os.listdir(KNOWN_DIR)):
        if f.endswith(".txt"):
            p = os.path.join(KNOWN_DIR, f)
            raw = os.path.getsize(p)
            gz = len(subprocess.run(["gzip", "-9", "-c", p], capture_output=True).stdout)
            print(f"{f}: {raw} bytes, {gz} gzip -9")
    print(open(os.path.join(OUT_DIR, "counts.tsv")).read())
    print(open(os.path.join(OUT_DIR, "enumeration.txt")).read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
