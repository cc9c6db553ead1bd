#!/usr/bin/env python3
"""Writes the throughput benchmark's folder: N small tf.keras `.h5` models (default 918,
about 24 KB each) of varied small architectures, saved by the real producer.

Run with tf.keras 2.15 (bench/run.sh uses $KS_TF_VENV, default /work/venvs/tf215):

    python bench/gen_small_models.py --out DIR [--count 918] [--seed 14]

The folder is made at bench time (under the cargo target dir), never committed. It is
deterministic for a seed (architectures and layer sizes; weights are random). Every
eighth model has a Lambda whose function is harmless arithmetic (`x * 0.5 + 1.0`), so the
code analysis runs too; nothing is ever loaded or called. Existing files are kept, so a
rerun only fills in what is missing.
"""
import argparse
import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build(keras, rng, i):
    """One small model; its shape depends only on (seed, i)."""
    L = keras.layers
    kind = rng.choice(["mlp", "mlp", "conv1d", "conv2d", "functional", "rnn"])
    width = rng.choice([4, 8, 12, 16, 24])
    act = rng.choice(["relu", "tanh", "sigmoid", "elu", "swish"])
    lambda_layer = i % 8 == 7
    if kind == "mlp":
        m = keras.Sequential(name=f"mlp_{i}")
        m.add(keras.Input(shape=(rng.choice([3, 5, 8]),)))
        for _ in range(rng.randint(1, 4)):
            m.add(L.Dense(rng.choice([4, 8, 16]), activation=act))
            if rng.random() < 0.3:
                m.add(L.Dropout(0.1))
            if rng.random() < 0.2:
                m.add(L.BatchNormalization())
        if lambda_layer:
            m.add(L.Lambda(lambda x: x * 0.5 + 1.0))
        m.add(L.Dense(rng.choice([1, 2, 3]), activation="softmax"))
        return m
    if kind == "conv1d":
        m = keras.Sequential(name=f"conv1d_{i}")
        m.add(keras.Input(shape=(16, 2)))
        m.add(L.Conv1D(rng.choice([2, 4]), 3, activation=act))
        m.add(L.MaxPooling1D(2))
        if lambda_layer:
            m.add(L.Lambda(lambda x: x * 0.5 + 1.0))
        m.add(L.Flatten())
        m.add(L.Dense(rng.choice([2, 4])))
        return m
    if kind == "conv2d":
        m = keras.Sequential(name=f"conv2d_{i}")
        m.add(keras.Input(shape=(8, 8, 1)))
        m.add(L.Conv2D(rng.choice([2, 4]), 3, padding="same", activation=act))
        if rng.random() < 0.5:
            m.add(L.AveragePooling2D())
        if lambda_layer:
            m.add(L.Lambda(lambda x: x * 0.5 + 1.0))
        m.add(L.GlobalAveragePooling2D())
        m.add(L.Dense(2))
        return m
    if kind == "rnn":
        m = keras.Sequential(name=f"rnn_{i}")
        m.add(keras.Input(shape=(6, 3)))
        m.add(rng.choice([L.SimpleRNN, L.GRU, L.LSTM])(rng.choice([2, 4])))
        if lambda_layer:
            m.add(L.Lambda(lambda x: x * 0.5 + 1.0))
        m.add(L.Dense(1))
        return m
    a = keras.Input(shape=(width,), name="a")
    b = keras.Input(shape=(width,), name="b")
    x = L.Concatenate()([L.Dense(4, activation=act)(a), L.Dense(4)(b)])
    if lambda_layer:
        x = L.Lambda(lambda t: t * 0.5 + 1.0)(x)
    x = L.Add()([L.Dense(4)(x), L.Dense(4)(x)])
    return keras.Model([a, b], L.Dense(1)(x), name=f"functional_{i}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=918)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    import tensorflow as tf

    keras = tf.keras
    os.makedirs(args.out, exist_ok=True)
    made = 0
    for i in range(args.count):
        path = os.path.join(args.out, f"model_{i:04d}.h5")
        if os.path.exists(path):
            continue
        rng = random.Random(args.seed * 1_000_003 + i)
        tf.random.set_seed(args.seed + i)
        m = build(keras, rng, i)
        m.compile(optimizer="adam", loss="mse")
        tmp = path + ".tmp.h5"
        m.save(tmp, save_format="h5")
        os.replace(tmp, path)
        keras.backend.clear_session()
        made += 1
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out) if n.endswith(".h5"))
    print(f"[gen] {made} written, {args.count} in {args.out}, {total / args.count / 1024:.1f} KB per file",
          file=sys.stderr)


if __name__ == "__main__":
    main()
