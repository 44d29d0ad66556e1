#!/usr/bin/python3
"""numpy_quotient.py: fpq quant --quotient against NumPy quantizers.

Usage: numpy_quotient.py PATH/TO/fpq [N]

N (default 1000000) fp8_e4m3-valued weights (N(0,1) rounded to the nearest
e4m3 value, seed 1), shape N/64 x 64, quantized to int4 with absmax scales
per group of 32 along a row in fp32, by two NumPy quantizers that compute in
float32 as kernels do:
  div    S = fl32(amax / 7), q = clip(rint(fl32(x / S)), -8, 7)
  recip  S as above, q = clip(rint(fl32(x * fl32(1 / S))), -8, 7)
and by fpq quant with --quotient div, recip and exact (--codes, --scales).
Fails (exit 1) unless fpq's div and recip codes and scales equal NumPy's,
code for code, and fpq's exact quotient differs from NumPy's div somewhere
(the ties the rounded quotient breaks the other way).  Prints the counts.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np


def e4m3_values():
    """The finite non-negative values of fp8_e4m3 (bias 7, 0x7f NaN)."""
    vals = []
    for code in range(0x7F):
        e, m = code >> 3, code & 7
        vals.append(m / 8 * 2.0 ** -6 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7))
    return np.array(vals)


def fp8_weights(n, seed):
    x = np.random.default_rng(seed).standard_normal(n)
    grid = e4m3_values()
    a = np.minimum(np.abs(x), grid[-1])
    i = np.clip(np.searchsorted(grid, a), 1, len(grid) - 1)
    lo, hi = grid[i - 1], grid[i]
    v = np.where(a - lo <= hi - a, lo, hi)
    return (np.sign(x) * v).astype(np.float32)


def numpy_quant(w, group, recip):
    g = w.reshape(-1, group)
    amax = np.abs(g).max(axis=1)
    s = amax / np.float32(7)
    s = np.where(s > 0, s, np.float32(2.0 ** -149)).astype(np.float32)
    if recip:
        y = g * (np.float32(1) / s)[:, None]
    else:
        y = g / s[:, None]
    assert y.dtype == np.float32
    q = np.clip(np.rint(y), -8, 7).astype(np.int64)
    return q.reshape(w.shape), s.reshape(w.shape[0], -1)


def fpq_quant(fpq, src, quotient, tmp):
    codes, scales = os.path.join(tmp, "codes.npy"), os.path.join(tmp, "scales.npy")
    subprocess.run([fpq, "quant", "--format", "int4", "--group", "32", "--quotient", quotient,
                    "--codes", codes, "--scales", scales, "--force", "--csv", src],
                   check=True, stdout=subprocess.DEVNULL)
    return np.load(codes), np.load(scales)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    fpq = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 1000000
    w = fp8_weights(n, 1).reshape(-1, 64)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "w.npy")
        np.save(src, w)
        ref = {}
        for name, recip in (("div", False), ("recip", True)):
            q, s = numpy_quant(w, 32, recip)
            ref[name] = q
            fq, fs = fpq_quant(fpq, src, name, tmp)
            bad = int(np.count_nonzero(fq != q))
            sbad = int(np.count_nonzero(fs != s.astype(np.float64)))
            print(f"--quotient {name}: {bad} code and {sbad} scale mismatches against NumPy "
                  f"{name} on {w.size} values ({s.size} groups)")
            ok = ok and bad == 0 and sbad == 0
        eq, _ = fpq_quant(fpq, src, "exact", tmp)
        for name in ("div", "recip"):
            diff = int(np.count_nonzero(eq != ref[name]))
            where = np.argwhere(eq != ref[name])
            first = f", first at element {tuple(int(v) for v in where[0])}" if diff else ""
            print(f"--quotient exact: {diff} codes differ from NumPy {name}{first}")
        ok = ok and int(np.count_nonzero(eq != ref["div"])) > 0
    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
