#!/usr/bin/env python3
"""Generates the HDF5 reader fixtures and, next to each `<name>.h5`, `<name>.expected.json`:
h5py's own view of the file (root Keras attributes, root attribute names, members of
every group reached by hard links, flagged storage features).

Run:  python3 -m venv /tmp/h5venv && /tmp/h5venv/bin/pip install h5py numpy
      /tmp/h5venv/bin/python generate.py
CI has no Python: the tests read the committed files only.
"""
import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BOMB_FLOOR = 4 << 30
BOMB_RATIO = 1000


def config(n_layers, pad=0):
    layers = [
        {"class_name": "Dense", "config": {"name": f"dense_{i}", "units": 4, "activation": "relu", "pad": "x" * pad}}
        for i in range(n_layers)
    ]
    return json.dumps({"class_name": "Sequential", "config": {"name": "seq", "layers": layers}})


TRAINING = json.dumps({"optimizer_config": {"class_name": "Adam"}, "loss": "mse"})


def keras_attrs(f, cfg, fixed=False):
    f.attrs["model_config"] = np.bytes_(cfg.encode()) if fixed else cfg.encode("utf8")
    f.attrs["training_config"] = TRAINING.encode("utf8")
    f.attrs["keras_version"] = "2.4.0"
    f.attrs["backend"] = "tensorflow"


def weights(f, n_layers):
    mw = f.create_group("model_weights")
    names = [f"dense_{i}".encode() for i in range(n_layers)]
    mw.attrs["layer_names"] = names  # fixed-length NULLPAD array, as Keras does
    mw.attrs["backend"] = b"tensorflow"
    for i in range(n_layers):
        g = mw.create_group(f"dense_{i}")
        g.attrs["weight_names"] = [f"dense_{i}/kernel:0".encode(), f"dense_{i}/bias:0".encode()]
        g.create_dataset("kernel:0", data=np.arange(8, dtype="f4").reshape(2, 4))
        g.create_dataset("bias:0", data=np.zeros(4, dtype="f4"))


def gen_default(path):
    with h5py.File(path, "w") as f:
        keras_attrs(f, config(3))
        weights(f, 3)


def gen_latest(path):
    # v3 superblock, v2 object headers, link messages; > 8 links -> dense links
    with h5py.File(path, "w", libver="latest") as f:
        keras_attrs(f, config(12))
        weights(f, 12)


def gen_v108(path):
    with h5py.File(path, "w", libver=("v108", "v108")) as f:
        keras_attrs(f, config(2))
        weights(f, 2)


def gen_track_order(path):
    # default libver (v0 superblock) + v2 headers; > 8 attributes -> dense attributes
    with h5py.File(path, "w", track_order=True) as f:
        keras_attrs(f, config(4))
        for i in range(10):
            f.attrs[f"extra_{i}"] = f"value {i}"
        g = f.create_group("many", track_order=True)
        for i in range(10):
            g.create_group(f"g{i}")


def gen_dense_huge(path):
    # A fixed-length model_config > 64 KiB needs dense attribute storage, where it is a
    # huge fractal-heap object (above the 4 KiB max managed size).
    with h5py.File(path, "w", libver="latest") as f:
        keras_attrs(f, config(400, pad=100), fixed=True)
        for i in range(9):
            f.attrs[f"extra_{i}"] = np.bytes_(b"x" * (100 * i + 1))
        f.attrs["medium"] = np.bytes_(b"m" * 5000)  # > 4 KiB, managed or huge


def gen_strings(path):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = np.bytes_(config(2).encode())  # fixed-length, NULLPAD
        f.attrs["keras_version"] = "3.1.0"  # vlen UTF-8
        f.attrs["backend"] = b"jax"  # vlen ASCII
        f.attrs["utf8_list"] = ["é", "ß", "日本"]  # vlen UTF-8 array
        f.attrs["weight_names"] = np.zeros((0,), dtype="f8")  # empty float64, as Keras
        f.attrs["nullterm"] = np.array(b"abc", dtype=h5py.string_dtype("ascii", 8))


def gen_chunked_names(path):
    # load_attributes_from_hdf5_group: name0..nameN concatenated
    cfg = config(30)
    with h5py.File(path, "w") as f:
        parts = [cfg[i : i + 700] for i in range(0, len(cfg), 700)]
        for i, p in enumerate(parts):
            f.attrs[f"model_config{i}"] = np.bytes_(p.encode())
        f.attrs["training_config"] = TRAINING.encode()
        f.attrs["backend"] = "tensorflow"


def gen_userblock(path):
    with h5py.File(path, "w", userblock_size=512) as f:
        keras_attrs(f, config(2))
        weights(f, 1)
    with open(path, "r+b") as fh:
        fh.write(b"userblock: not HDF5 data".ljust(512, b"\0"))


def gen_external(path):
    with h5py.File(path, "w") as f:
        keras_attrs(f, config(1))
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", shape=(10, 10), dtype="f4", external=[("/etc/passwd", 0, 400)])


def gen_virtual(path):
    with h5py.File(path, "w", libver="latest") as f:
        keras_attrs(f, config(1))
        src = f.create_dataset("src", data=np.arange(4, dtype="f4"))
        lay = h5py.VirtualLayout(shape=(4,), dtype="f4")
        lay[:] = h5py.VirtualSource("/etc/secret.h5", "data", shape=(4,))
        f.create_virtual_dataset("layers/dense/vars/0", lay)
        del src


def gen_links(path):
    with h5py.File(path, "w") as f:
        keras_attrs(f, config(1))
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", data=np.ones(3, dtype="f4"))
        g["soft"] = h5py.SoftLink("/layers/dense/vars/0")
        g["ext"] = h5py.ExternalLink("/etc/other.h5", "/data")
        f["loop"] = f["/"]  # legal hard-link cycle


def gen_shape_bomb(path):
    with h5py.File(path, "w") as f:
        keras_attrs(f, config(1))
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", shape=(10**6, 10**6, 10**3), dtype="f4", chunks=(1, 1, 1000))
        g.create_dataset("1", shape=(1000, 1000), dtype="f4", chunks=(100, 100))  # large but honest


def gen_many(path):
    # Enough dense links and attributes that each fractal heap grows a root indirect
    # block (and the name-index v2 B-trees grow internal nodes); hard links to one
    # dataset keep the file small.
    with h5py.File(path, "w", libver="latest") as f:
        keras_attrs(f, config(1))
        for i in range(400):
            f.attrs[f"attribute_with_a_longish_name_{i:04}"] = i
        g = f.create_group("links")
        ds = f.create_dataset("target", data=np.zeros(2, dtype="f4"))
        for i in range(3000):
            g[f"link_with_a_longish_name_{i:05}"] = ds


GENERATORS = {
    "default": gen_default,
    "latest": gen_latest,
    "v108": gen_v108,
    "track_order": gen_track_order,
    "dense_huge": gen_dense_huge,
    "strings": gen_strings,
    "chunked_names": gen_chunked_names,
    "userblock": gen_userblock,
    "external": gen_external,
    "virtual": gen_virtual,
    "links": gen_links,
    "shape_bomb": gen_shape_bomb,
    "many": gen_many,
}


def text(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.bytes_):
        return bytes(v).decode()
    return str(v)


def load(attrs, name):
    """Keras load_attributes_from_hdf5_group, joined into one string."""
    if name in attrs:
        return text(attrs[name])
    if f"{name}0" not in attrs:
        return None
    out, i = "", 0
    while f"{name}{i}" in attrs:
        out += text(attrs[f"{name}{i}"])
        i += 1
    return out


def view(path):
    with h5py.File(path, "r") as f:
        exp = {k: load(f.attrs, k) for k in ("model_config", "training_config", "keras_version", "backend")}
        exp["root_attributes"] = sorted(f.attrs.keys())
        members, issues, seen = {}, [], set()
        stack = ["/"]
        while stack:
            p = stack.pop()
            obj = f[p]
            token = h5py.h5o.get_info(obj.id).addr
            if token in seen:
                continue
            seen.add(token)
            if isinstance(obj, h5py.Dataset):
                if obj.external:
                    issues.append(["ExternalDataFiles", p])
                if obj.is_virtual:
                    issues.append(["VirtualDataset", p])
                declared = int(np.prod(obj.shape, dtype=object)) * obj.dtype.itemsize if obj.shape else obj.dtype.itemsize
                if not obj.is_virtual and declared > BOMB_FLOOR and declared > BOMB_RATIO * os.path.getsize(path):
                    issues.append(["ShapeBomb", p])
                continue
            members[p] = sorted(obj.keys())
            for k in obj.keys():
                child = p.rstrip("/") + "/" + k
                link = obj.get(k, getlink=True)
                if isinstance(link, h5py.SoftLink):
                    issues.append(["SoftLink", child])
                elif isinstance(link, h5py.ExternalLink):
                    issues.append(["ExternalLink", child])
                else:
                    stack.append(child)
        exp["members"] = members
        exp["issues"] = sorted(issues)
        return exp


def main():
    for name, gen in GENERATORS.items():
        path = os.path.join(HERE, name + ".h5")
        if os.path.exists(path):
            os.remove(path)
        gen(path)
        with open(os.path.join(HERE, name + ".expected.json"), "w") as fh:
            json.dump(view(path), fh, indent=1, sort_keys=True)
            fh.write("\n")
        print(f"{name}.h5: {os.path.getsize(path)} bytes")
    print(f"h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}")


if __name__ == "__main__":
    main()
