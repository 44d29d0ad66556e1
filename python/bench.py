"""bench.py: the speed of the Python package's bulk calls (make bench-python).

For 1e6 and 2^24 values: fpq.round (float32 in and out) for fp8_e4m3,
fp16, bf16 and fp4_e2m1; fpq.arith (fp16 add and mul on codes, with the
flags array); fpq.quantize (int8 per tensor, int4 in groups of 32,
float64 in).  Beside each size, x.copy() of the same float32 array, timed
in the same run: "ratio" is copy's time over the call's (1.0: as fast as
a copy; 0.5: twice the copy's time).  Each figure is the best of REPEAT
passes; a copy pass runs before every timed pass, and a call is compared
with the best copy of its own passes, since memory speed wanders on a
shared machine.  Usage: python3 bench.py [REPEAT]  (default 5).
"""
import os
import sys
import time

# The package comes from PYTHONPATH (the build's or an installed one), not
# from the sources beside this script, which lack the compiled module.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import numpy as np  # noqa: E402

import fpq  # noqa: E402


def best(fn, repeat, copy_src):
    t_call, t_copy = float("inf"), float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        copy_src.copy()
        t1 = time.perf_counter()
        fn()
        t2 = time.perf_counter()
        t_copy, t_call = min(t_copy, t1 - t0), min(t_call, t2 - t1)
    return t_call, t_copy


def main():
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"# fpq {fpq.VERSION} (library {fpq.LIBRARY_VERSION}), numpy {np.__version__}, best of {repeat}")
    print(f"{'call':44s} {'n':>9s} {'Mvals/s':>9s} {'ms':>9s} {'copy ms':>8s} {'ratio':>6s}")
    for n in (10 ** 6, 1 << 24):
        rng = np.random.default_rng(1)
        x32 = rng.standard_normal(n).astype(np.float32)
        x64 = x32.astype(np.float64)
        a = fpq.encode(x32, "fp16")
        b = fpq.encode(rng.standard_normal(n).astype(np.float32), "fp16")
        cases = [
            ("copy: x.copy() (float32)", lambda: x32.copy()),
            ("round(x, 'fp8_e4m3') float32", lambda: fpq.round(x32, "fp8_e4m3")),
            ("round(x, 'fp16') float32", lambda: fpq.round(x32, "fp16")),
            ("round(x, 'bf16') float32", lambda: fpq.round(x32, "bf16")),
            ("round(x, 'fp4_e2m1') float32", lambda: fpq.round(x32, "fp4_e2m1")),
            ("round(x, 'fp8_e4m3') float64", lambda: fpq.round(x64, "fp8_e4m3")),
            ("encode(x, 'fp8_e4m3') float32", lambda: fpq.encode(x32, "fp8_e4m3")),
            ("arith('fp16', 'add', a, b)", lambda: fpq.arith("fp16", "add", a, b)),
            ("arith('fp16', 'mul', a, b)", lambda: fpq.arith("fp16", "mul", a, b)),
            ("quantize(x, 'int8') per tensor", lambda: fpq.quantize(x64, "int8")),
            ("quantize(x, 'int4', group=32)", lambda: fpq.quantize(x64, "int4", group=32)),
        ]
        for name, fn in cases:
            t, tc = best(fn, repeat, x32)
            print(f"{name:44s} {n:9d} {n / t / 1e6:9.1f} {t * 1e3:9.2f} {tc * 1e3:8.2f} {tc / t:6.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
