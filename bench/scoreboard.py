#!/usr/bin/env python3
"""Detection scoreboard: Keras Sentinel and its peers on the same labelled files.

Labelled sets:
  wild      ../shared/corpus/wild (labels.json: the verdicts each file may get)
  models    crate/tests/data/models (manifest.json: made with tf.keras 2.15 and Keras 3)
  families  crate/tests/data/lambdas (CPython 3.10-3.15 payload families), each lambda
            wrapped into a minimal .keras archive in a temporary directory
  adversarial crate/tests/data/adversarial (manifest.json: issue 9's corpus; every attack was
            executed by real Keras 3.15 or tf.keras 2.15, every benign lambda saved by real Keras)

Every tool runs once per set over all its files (so start-up is paid once), and its
output is mapped to a verdict (malicious / suspicious / lambda / review / clean / error):
  keras-sentinel  its own verdict
  modelscan       CRITICAL -> malicious, HIGH -> suspicious, MEDIUM -> lambda (its Lambda
                  finding), LOW/none -> clean, nothing scanned -> error
  modelaudit      critical -> malicious, warning -> suspicious, else clean

A file is right when the verdict is one its label allows. Targets (exit 1 when missed,
for keras-sentinel only): every file labelled malicious-only is reported malicious, and
no benign file (label within {lambda, review, clean}) is reported malicious or suspicious.

Usage: bench/scoreboard.py [--peers] [--markdown FILE] [--sets wild,models,families,adversarial]
Peers come from a virtualenv (bench/run.sh makes it); pass its bin dir with --peer-bin.
"""
import argparse
import base64
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
VERDICTS = ["malicious", "suspicious", "lambda", "review", "clean", "error"]
CLASS_OF = {"malicious": "101", "suspicious": "102", "lambda": "100", "review": "review", "clean": "clean"}


class Item:
    def __init__(self, path, allowed, container, python, set_name, note=""):
        self.path, self.allowed, self.container = path, allowed, container
        self.python, self.set, self.note = python, set_name, note

    @property
    def expected(self):
        return "|".join(CLASS_OF[v] for v in VERDICTS if v in self.allowed)


def container_of(path):
    p = path.lower()
    for ext, name in ((".keras", "keras-zip"), (".h5", "hdf5"), (".hdf5", "hdf5"), (".json", "json"),
                      ("keras_metadata.pb", "savedmodel-metadata"), (".zip", "zip"), (".pb", "savedmodel")):
        if p.endswith(ext):
            return name
    return "other"


def wild_set():
    base = os.path.join(SHARED, "corpus", "wild")
    labels = json.load(open(os.path.join(base, "labels.json")))["files"]
    analysis = json.load(open(os.path.join(base, "records", "analysis.json")))
    items = []
    for rel, allowed in sorted(labels.items()):
        pys = sorted({g for f in analysis.get(rel, {}).get("functions", []) for g in (f.get("python_guess") or [])})
        items.append(Item(os.path.join(base, rel), allowed, container_of(rel), ",".join(pys) or "-", "wild"))
    return items


def models_set():
    base = os.path.join(ROOT, "crate", "tests", "data", "models")
    m = json.load(open(os.path.join(base, "manifest.json")))
    return [Item(os.path.join(base, f["path"]), [f["verdict"]], f["container"], f.get("python", "-"), "models",
                 f.get("description", "")) for f in m["fixtures"]]


def adversarial_set():
    """Attacks are labelled with the one verdict they must get (malicious; suspicious for the
    read-only and environment payloads), benign lambdas with `lambda`."""
    base = os.path.join(ROOT, "crate", "tests", "data", "adversarial")
    m = json.load(open(os.path.join(base, "manifest.json")))
    return [Item(os.path.join(base, f["name"]), [f["expected"]], f["container"], f.get("python", "-"),
                 "adversarial", "%s: %s" % (f["kind"], f["description"])) for f in m["files"]]


def families_set(tmp):
    """Wraps each family lambda into a Keras 3 .keras archive (config.json + metadata.json)
    and, when h5py is importable, into a tf.keras 2.15-style legacy .h5 (Keras 2 list form
    with `module`, `arguments`, root `model_config`)."""
    try:
        import h5py
    except ImportError:
        h5py = None
        print("scoreboard: h5py not importable, families in .keras shells only", file=sys.stderr)
    base = os.path.join(ROOT, "crate", "tests", "data", "lambdas")
    items = []
    for name in sorted(os.listdir(base)):
        if not name.endswith(".json"):
            continue
        doc = json.load(open(os.path.join(base, name)))
        ver = ".".join(str(x) for x in doc["version_info"][:2]) + ("-native" if "native" in name else "")
        for e in doc["entries"]:
            layer = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                     "config": {"name": "lam", "trainable": True,
                                "function": {"class_name": "__lambda__",
                                             "config": {"code": e["keras_b64"], "defaults": e.get("defaults"),
                                                        "closure": e.get("closure")}},
                                "arguments": e.get("arguments") or {}}}
            cfg = {"module": "keras", "class_name": "Sequential", "registered_name": None,
                   "config": {"name": "seq", "trainable": True, "layers": [layer]}}
            path = os.path.join(tmp, f"{ver}__{e['name']}.keras")
            with zipfile.ZipFile(path, "w") as z:
                z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "2026-01-01"}))
                z.writestr("config.json", json.dumps(cfg))
            allowed = {"malicious": ["malicious"], "suspicious": ["suspicious"], "benign": ["lambda"]}[e["expected"]]
            items.append(Item(path, allowed, "keras-zip", ver, "families", e["src"]))
            if h5py:
                k2 = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
                    {"class_name": "Lambda", "config": {
                        "name": "lam", "trainable": True, "dtype": "float32",
                        "function": [e["keras_b64"], e.get("defaults"), e.get("closure")], "function_type": "lambda",
                        "module": "__main__", "output_shape": None, "output_shape_type": "raw",
                        "output_shape_module": None, "arguments": e.get("arguments") or {}}}]}}
                h5 = os.path.join(tmp, f"{ver}__{e['name']}.h5")
                with h5py.File(h5, "w") as f:
                    f.attrs["model_config"] = json.dumps(k2).encode()
                    f.attrs["keras_version"] = "2.15.0"
                    f.attrs["backend"] = "tensorflow"
                    f.create_group("model_weights")
                items.append(Item(h5, allowed, "hdf5", ver, "families", e["src"]))
    return items


def ours(items, cli):
    out, dt, rss = measure.run([cli, "scan", "--format", "json", "--quiet"] + [i.path for i in items])
    rep = json.loads(out)
    by_path = {f["path"]: f["verdict"] for f in rep["files"]}
    return {i.path: by_path.get(i.path, "error") for i in items}, dt, rss


def modelscan(items, peer_bin):
    verdicts, total, peak = {}, 0.0, 0.0
    # modelscan takes one path: scan each set's directories, then attribute issues by file name.
    dirs = sorted({os.path.dirname(i.path) for i in items})
    results = {}
    for d in dirs:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tf:
            outp = tf.name
        _, dt, rss = measure.run([os.path.join(peer_bin, "modelscan"), "scan", "-p", d, "-r", "json", "-o", outp, "-l", "CRITICAL"])
        total += dt
        peak = max(peak, rss)
        try:
            rep = json.load(open(outp))
        except Exception:
            rep = {}
        scanned = {os.path.join(d, s) for s in rep.get("summary", {}).get("scanned", {}).get("scanned_files", [])}
        sev = collections.defaultdict(list)
        for iss in rep.get("issues", []):
            sev[os.path.join(d, iss.get("source", ""))].append(iss.get("severity", ""))
        for e in rep.get("errors", []):
            src = e.get("source") or ""
            sev.setdefault(os.path.join(d, src), [])
        results[d] = (scanned, sev)
    for i in items:
        scanned, sev = results[os.path.dirname(i.path)]
        s = sev.get(i.path, [])
        if "CRITICAL" in s:
            v = "malicious"
        elif "HIGH" in s:
            v = "suspicious"
        elif "MEDIUM" in s:
            v = "lambda"
        elif i.path in scanned:
            v = "clean"
        else:
            v = "error"
        verdicts[i.path] = v
    return verdicts, total, peak


def modelaudit(items, peer_bin):
    env = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1")
    out, dt, rss = measure.run([os.path.join(peer_bin, "modelaudit"), "scan", "--format", "json", "--no-cache", "-q"]
                             + [i.path for i in items], env=env)
    try:
        rep = json.loads(out)
    except Exception:
        rep = {}
    sev = collections.defaultdict(list)
    for iss in rep.get("issues", []):
        loc = iss.get("location") or ""
        for i in items:
            if loc.startswith(i.path):
                sev[i.path].append(iss.get("severity", ""))
                break
    verdicts = {}
    for i in items:
        s = sev.get(i.path, [])
        verdicts[i.path] = "malicious" if "critical" in s else "suspicious" if "warning" in s else "clean"
    return verdicts, dt, rss


def matrix(items, verdicts, key):
    rows = collections.defaultdict(collections.Counter)
    for i in items:
        rows[key(i)][verdicts[i.path]] += 1
    lines = [f"  {'':<22}" + "".join(f"{v:>11}" for v in VERDICTS) + f"{'right':>8}"]
    for k in sorted(rows):
        right = sum(1 for i in items if key(i) == k and verdicts[i.path] in i.allowed)
        n = sum(rows[k].values())
        lines.append(f"  {k:<22}" + "".join(f"{rows[k][v]:>11}" for v in VERDICTS) + f"{right:>5}/{n}")
    return lines


def score(items, verdicts):
    right = sum(1 for i in items if verdicts[i.path] in i.allowed)
    mal = [i for i in items if i.allowed == ["malicious"]]
    caught = sum(1 for i in mal if verdicts[i.path] == "malicious")
    flagged = sum(1 for i in mal if verdicts[i.path] in ("malicious", "suspicious"))
    benign = [i for i in items if set(i.allowed) <= {"lambda", "review", "clean"}]
    fp = sum(1 for i in benign if verdicts[i.path] in ("malicious", "suspicious"))
    return {"right": right, "n": len(items), "mal": len(mal), "caught": caught, "flagged": flagged,
            "benign": len(benign), "fp": fp}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "target", "release", "keras-sentinel"))
    ap.add_argument("--peers", action="store_true", help="also run modelscan and modelaudit")
    ap.add_argument("--peer-bin", default="/tmp/ks-peers/bin")
    ap.add_argument("--sets", default="wild,models,families,adversarial")
    ap.add_argument("--markdown", help="write the tables to this file as Markdown")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="ks-families-")
    makers = {"wild": wild_set, "models": models_set, "families": lambda: families_set(tmp),
              "adversarial": adversarial_set}
    sets = {s: makers[s]() for s in args.sets.split(",")}
    tools = [("keras-sentinel", lambda it: ours(it, args.cli))]
    if args.peers:
        tools += [("modelscan", lambda it: modelscan(it, args.peer_bin)),
                  ("modelaudit", lambda it: modelaudit(it, args.peer_bin))]

    report = []
    summary = []
    failed = False
    for set_name, items in sets.items():
        report.append(f"\n## {set_name}: {len(items)} files\n")
        for tool, run in tools:
            verdicts, secs, rss = run(items)
            s = score(items, verdicts)
            summary.append((set_name, tool, s, secs, rss))
            report.append(f"### {tool}\n")
            report.append("```")
            report.append("by expected class (101 malicious, 102 suspicious, 100 lambda):")
            report += matrix(items, verdicts, lambda i: i.expected)
            report.append("by container:")
            report += matrix(items, verdicts, lambda i: i.container)
            report.append("by Python version of the bytecode:")
            report += matrix(items, verdicts, lambda i: i.python)
            misses = [i for i in items if verdicts[i.path] not in i.allowed]
            # Every miss of ours is listed; a peer's list is cut to its first 25.
            shown = misses if tool == "keras-sentinel" else misses[:25]
            report.append(f"misses ({len(misses)}{'' if len(shown) == len(misses) else f', first {len(shown)} listed'}):")
            for i in shown:
                rel = os.path.relpath(i.path, tmp if i.set == "families" else os.path.dirname(ROOT))
                report.append(f"  {rel}: got {verdicts[i.path]}, allowed {'/'.join(i.allowed)}"
                              + (f"  [{i.note[:70]}]" if i.note else ""))
            report.append("```")
            if tool == "keras-sentinel" and (s["caught"] < s["mal"] or s["fp"] > 0):
                failed = True

    lines = ["| set | tool | right | 101 caught (malicious) | 101 flagged (mal./susp.) | benign flagged | files/s | peak RSS MiB |",
             "|---|---|---|---|---|---|---|---|"]
    base = {}
    for set_name, tool, s, secs, rss in summary:
        fps = s["n"] / secs if secs > 0 else float("inf")
        if tool == "keras-sentinel":
            base[set_name] = (fps, rss)
        lines.append(f"| {set_name} | {tool} | {s['right']}/{s['n']} | {s['caught']}/{s['mal']} | {s['flagged']}/{s['mal']} "
                     f"| {s['fp']}/{s['benign']} | {fps:.1f} | {rss:.0f} |")
    if args.peers:
        lines.append("")
        lines.append("| set | peer | keras-sentinel speed vs peer (files/s ratio) | peer peak RSS / ours |")
        lines.append("|---|---|---|---|")
        for set_name, tool, s, secs, rss in summary:
            if tool != "keras-sentinel":
                ofps, orss = base[set_name]
                fps = s["n"] / secs if secs > 0 else float("inf")
                lines.append(f"| {set_name} | {tool} | {ofps / fps:.1f}x | {rss / max(orss, 0.1):.1f}x |")
    text = "\n".join(lines) + "\n" + "\n".join(report) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if failed:
        print("scoreboard: keras-sentinel is below its targets (a malicious file missed or a benign file flagged)")
        sys.exit(1)


if __name__ == "__main__":
    main()
