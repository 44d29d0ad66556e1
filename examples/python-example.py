"""python-example.py: fpq from Python, on NumPy arrays.

Run against an installed fpq (make install puts the package where Debian's
python3 finds it; for another PREFIX, see README "Using fpq from Python"):
    python3 examples/python-example.py
Output:
    fp8_e4m3: [464.0, 0.1, -3.3] -> codes 7e 1d c5 -> [448.0, 0.1015625, -3.25]
    fp16 add: 0x3c00 + 0x1400 = 0x3c01, flags 0
    int4, groups of 32: sqnr_db 20.25
464 is the midpoint of 448 and the missing 480: ties go to the even
pattern.  1 + 2^-10 is exact in fp16, so the sum raises no flag.
"""
import numpy as np

import fpq

x = np.array([464.0, 0.1, -3.3], np.float32)
codes = fpq.encode(x, "fp8_e4m3")
back = fpq.decode(codes, "fp8_e4m3")
print(f"fp8_e4m3: {[float(v) for v in x.astype(np.float64).round(6)]} -> codes "
      f"{' '.join(f'{c:02x}' for c in codes)} -> {[float(v) for v in back]}")

a = fpq.encode(np.array([1.0]), "fp16")
b = fpq.encode(np.array([2.0 ** -10]), "fp16")
s, flags = fpq.arith("fp16", "add", a, b)
print(f"fp16 add: {a[0]:#06x} + {b[0]:#06x} = {s[0]:#06x}, flags {flags[0]}")

w = np.random.default_rng(1).standard_normal((64, 256))
q = fpq.quantize(w, "int4", group=32)
print(f"int4, groups of 32: sqnr_db {q.metrics['sqnr_db']:.2f}")
