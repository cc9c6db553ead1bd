"""Writes crate/src/python/testdata/float_repr.txt: CPython's repr() of doubles, the ground
truth for the scanner's own float repr (crate/src/python/value.rs, `fmt_float`).

One line per value: the IEEE-754 bits in hex, a space, repr(value). Random bit patterns,
values in 1e14..1e17 (17 significant digits fall on quarters there, so ties to even show
up), and the boundaries of fixed vs exponent notation. Deterministic (seeded).
Run: python3 tools/float_repr_cases.py
"""
import math
import pathlib
import random
import struct
import sys

rng = random.Random(20261201)
values = [0.0, -0.0, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 0.00012, 5e-324, sys.float_info.max,
          sys.float_info.min, 1144061379383392.3, 0.1, 0.2 + 0.1, 1 / 3, 2.0**53 + 1, 123.0, -1.5e-300]
while len(values) < 600:
    f = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
    if math.isfinite(f):
        values.append(f)
while len(values) < 900:
    values.append(rng.uniform(1e14, 1e17) * rng.choice([1, -1]))
while len(values) < 1000:
    values.append(rng.randint(1, 10**6) / 10 ** rng.randint(0, 12))
out = pathlib.Path(__file__).resolve().parent.parent / "crate/src/python/testdata/float_repr.txt"
out.write_text(
    f"# CPython {sys.version.split()[0]} repr() of doubles (tools/float_repr_cases.py): bits, repr\n"
    + "".join(f"{struct.unpack('<Q', struct.pack('<d', f))[0]:016x} {f!r}\n" for f in values)
)
print(out, len(values))
