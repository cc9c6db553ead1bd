#!/usr/bin/env python3
"""Builds per-target seed corpora from the repository's fixtures (crate/tests/data/**).

Run by scripts/fuzz.sh at run time; nothing it writes is committed (corpus/ is ignored).
Only reads fixture bytes and decodes them (base64, zip members); never loads a model or
unmarshals code. Usage: seeds.py DATA_DIR OUT_DIR
"""
import base64
import hashlib
import json
import os
import pickle
import sys
import zipfile

MAX_SEED = 64 << 10  # libFuzzer runs with -max_len=65536


def main(data_dir, out_dir):
    counts = {}

    def put(target, blob):
        if not blob or len(blob) > MAX_SEED:
            return
        d = os.path.join(out_dir, target)
        os.makedirs(d, exist_ok=True)
        name = "seed-" + hashlib.sha1(blob).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(blob)
        counts[target] = counts.get(target, 0) + 1

    files = []
    for root, _, names in os.walk(data_dir):
        for n in sorted(names):
            files.append(os.path.join(root, n))
    for path in sorted(files):
        with open(path, "rb") as f:
            blob = f.read()
        low = path.lower()
        rel = os.path.relpath(path, data_dir)
        if "/lambdas/" in "/" + rel:
            lambda_seeds(blob, put)
            continue
        if not rel.startswith("fuzz-regressions"):
            put("scan_bytes", blob)
        if low.endswith(".h5") or blob.startswith(b"\x89HDF\r\n\x1a\n"):
            put("hdf5_read_keras", blob)
        if low.endswith((".keras", ".zip")) or blob.startswith(b"PK\x03\x04"):
            put("zip_read", blob)
            zip_members(blob, put)
        if low.endswith(".json") and not low.endswith(".expected.json"):
            put("json_parse", blob)
            put("keras_walk", blob)
        if low.endswith(".pb"):
            put("protobuf_read", blob)
    # Own seeds (no fixture has them): tiny pickles and bytecode from this interpreter.
    for obj in [1, "a", [1, 2], {"k": (1, 2.5)}, None, b"xy"]:
        for proto in range(0, 6):
            put("pickle_read", pickle.dumps(obj, protocol=proto))
    for src in ["lambda x: x + 1", "lambda x, y=2: [x[i] * y for i in range(3)]", "lambda t: t[0] if t else t[1]"]:
        top = compile(src, "<seed>", "eval")
        put("python_disasm", top.co_code)
        for c in top.co_consts:
            if hasattr(c, "co_code"):
                put("python_disasm", c.co_code)
    for target, n in sorted(counts.items()):
        print(f"{target}: {n} seeds")


def zip_members(blob, put):
    import io
    try:
        z = zipfile.ZipFile(io.BytesIO(blob))
        for info in z.infolist()[:64]:
            if info.file_size > MAX_SEED:
                continue
            data = z.read(info)
            name = info.filename.lower()
            if name.endswith(".json"):
                put("json_parse", data)
                put("keras_walk", data)
            elif name.endswith(".pb"):
                put("protobuf_read", data)
                put("scan_bytes", data)
            elif name.endswith((".pkl", ".pickle", ".bin", ".pt")) or data[:1] == b"\x80":
                put("pickle_read", data)
            elif name.endswith(".h5"):
                put("hdf5_read_keras", data)
    except Exception:
        pass  # a crafted fixture: the fuzzer gets the whole file anyway


def lambda_seeds(blob, put):
    try:
        doc = json.loads(blob)
    except ValueError:
        return
    for e in doc.get("entries", [])[:60]:
        for key in ("b64", "keras_b64"):
            s = e.get(key)
            if not isinstance(s, str):
                continue
            put("payload_decode", s.encode())
            try:
                raw = base64.b64decode(s)
            except ValueError:
                continue
            put("marshal_parse", raw)
            put("python_analyze", b"\x00" + raw)
            # The same code with Keras' load-time bindings and the Windows damage.
            put("python_analyze", b"\x0f" + raw)
            if b"\\" in raw:
                put("marshal_parse", raw.replace(b"\\", b"/"))
                put("python_analyze", b"\x00" + raw.replace(b"\\", b"/"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
