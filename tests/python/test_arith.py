"""fpq.arith against the `fpq arith FMT OP --flags` stream (every pair of
e4m3 and e2m1 codes; fp16 boundary operands), fpq.dot and fpq.gemm against
float32 arithmetic done by NumPy and against each other."""
import numpy as np
import pytest

import fpq
from conftest import run_fpq

OPS2 = ["add", "sub", "mul", "div", "min", "max"]


def stream(fmt, op, *operands, extra=()):
    """`fpq arith FMT OP --flags` on one case per line: (codes, flags)."""
    f = fpq.Format(fmt)
    digits = (f.bits + 3) // 4
    lines = "\n".join(" ".join(f"{int(v):0{digits}x}" for v in case) for case in zip(*operands)) + "\n"
    out = run_fpq("arith", fmt, op, "--flags", *extra, stdin=lines).split()
    return (np.array([int(t, 16) for t in out[0::2]], np.uint64),
            np.array([int(t, 16) for t in out[1::2]], np.uint8))


@pytest.mark.parametrize("op", OPS2)
@pytest.mark.parametrize("fmt", ["fp8_e4m3", "fp4_e2m1", "fp8_e5m2"])
def test_every_pair_against_the_command(fmt, op):
    f = fpq.Format(fmt)
    n = 1 << f.bits
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    a, b = a.reshape(-1).astype(np.uint8), b.reshape(-1).astype(np.uint8)
    got, flags = fpq.arith(fmt, op, a, b)
    want, wflags = stream(fmt, op, a, b)
    np.testing.assert_array_equal(got, want.astype(got.dtype))
    np.testing.assert_array_equal(flags, wflags)


@pytest.mark.parametrize("op", ["sqrt", "fma", "add", "mul", "div"])
@pytest.mark.parametrize("mode", ["rne", "rtz", "sr"])
def test_fp16_boundaries_against_the_command(op, mode):
    rng = np.random.default_rng(5)
    pool = fpq.encode(fpq.boundaries("fp16"), "fp16")
    n = 3000
    ops = [rng.choice(pool, n) for _ in range(fpq._fpq.ops()[op][1])]
    got, flags = fpq.arith("fp16", op, *ops, rounding=mode, seed=11)
    if mode == "sr":
        # the command rounds each line at position 0; fpq.arith element i at i
        again, _ = fpq.arith("fp16", op, *ops, rounding=mode, seed=11)
        np.testing.assert_array_equal(got, again)
        return
    want, wflags = stream("fp16", op, *ops, extra=("-r", mode))
    np.testing.assert_array_equal(got, want.astype(got.dtype))
    np.testing.assert_array_equal(flags, wflags)


def test_mixed_formats_and_broadcasting():
    a = fpq.encode(np.array([1.0, 2.0, 65504.0], np.float32), "fp16")
    two = fpq.encode(np.array(2.0), "fp16")
    got, flags = fpq.arith("fp16", "mul", a, two, out_fmt="fp32")
    np.testing.assert_array_equal(fpq.decode(got, "fp32"), [2.0, 4.0, 131008.0])
    assert got.dtype == np.uint32 and not flags.any()
    same, fl = fpq.arith("fp16", "mul", a, two)
    assert fl[2] == fpq.FLAG_OVERFLOW | fpq.FLAG_INEXACT
    c = fpq.encode(np.array([2.0 ** -30], np.float32), "fp32")
    r, _ = fpq.arith("fp16", "fma", a[:1], a[:1], c, c_fmt="fp32", out_fmt="fp32")
    assert fpq.decode(r, "fp32")[0] == np.float32(1.0 + 2.0 ** -30)
    x = fpq.encode(np.arange(6, dtype=np.float32).reshape(2, 3), "e4m3")
    y = fpq.encode(np.array([[1.0], [2.0]], np.float32), "e4m3")
    r, _ = fpq.arith("e4m3", "add", x, y)
    assert r.shape == (2, 3)
    np.testing.assert_array_equal(fpq.decode(r, "e4m3"), np.arange(6).reshape(2, 3) + [[1], [2]])


def test_flags_and_comparisons():
    z = fpq.encode(np.array([0.0, 1.0, -4.0]), "fp16")
    _, f = fpq.arith("fp16", "div", z[1:2], z[:1])
    assert f[0] == fpq.FLAG_INFINITE
    _, f = fpq.arith("fp16", "sqrt", z[2:])
    assert f[0] == fpq.FLAG_INVALID
    r, _ = fpq.arith("fp16", "lt", z, z[1:2])
    assert list(r) == [1, 0, 1]


def test_arith_errors():
    a = np.zeros(3, np.uint16)
    with pytest.raises(ValueError, match="unknown operation 'pow'"):
        fpq.arith("fp16", "pow", a, a)
    with pytest.raises(ValueError, match="sqrt takes 1 operand"):
        fpq.arith("fp16", "sqrt", a, a)
    with pytest.raises(ValueError, match="fma takes 3 operands"):
        fpq.arith("fp16", "fma", a, a)
    with pytest.raises(TypeError, match="holds codes"):
        fpq.arith("fp16", "add", np.ones(3), a)
    with pytest.raises(ValueError, match="bits set above"):
        fpq.arith("e2m1", "add", np.array([16], np.uint8), np.array([1], np.uint8))
    with pytest.raises(ValueError, match="broadcast"):
        fpq.arith("fp16", "add", np.zeros(3, np.uint16), np.zeros(2, np.uint16))


def test_dot_against_numpy_float32():
    # fp16 inputs, exact products (fp16 x fp16 fits in float32), a float32
    # accumulator in sequence: NumPy's float32 adds are the reference.
    rng = np.random.default_rng(3)
    x = rng.standard_normal(1000).astype(np.float16)
    y = rng.standard_normal(1000).astype(np.float16)
    s = np.float32(0)
    for p in x.astype(np.float32) * y.astype(np.float32):
        s = np.float32(s + p)
    d = fpq.dot(x.astype(np.float64), y.astype(np.float64), in_fmt="fp16", acc_fmt="fp32")
    assert d.value == float(s)
    assert d.code == np.float32(s).view(np.uint32)
    # the same on codes
    dc = fpq.dot(fpq.encode(x.astype(np.float32), "fp16"), fpq.encode(y.astype(np.float32), "fp16"))
    assert dc.code == d.code
    ex = fpq.dot(x, y, acc_fmt=None, out_fmt="fp64", exact=True)
    assert abs(ex.exact - float(np.dot(x.astype(np.float64), y.astype(np.float64)))) < 1e-9
    # pairwise and block orders differ from seq but are deterministic
    for order in ("pairwise", "block"):
        r = fpq.dot(x, y, order=order, block=16)
        assert r == fpq.dot(x, y, order=order, block=16)


def test_gemm_is_dot_per_element():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((5, 33))
    B = rng.standard_normal((33, 4))
    for kw in ({}, {"in_fmt": "fp8_e4m3", "acc_fmt": "fp16"}, {"in_fmt": "bf16", "prod_fmt": "bf16",
                                                                "order": "pairwise"}):
        g = fpq.gemm(A, B, **kw)
        assert g.c.shape == (5, 4) and g.c.dtype == np.float64
        for i in range(5):
            for j in range(4):
                assert g.c[i, j] == fpq.dot(A[i], B[:, j], **kw).value
    gc = fpq.gemm(fpq.encode(A, "fp16"), fpq.encode(B, "fp16"), exact=True)
    assert gc.c.dtype == np.uint64
    np.testing.assert_array_equal(fpq.decode(gc.c.astype(np.uint32), "fp32", np.float64), fpq.gemm(A, B).c)
    assert gc.exact.shape == (5, 4)
    with pytest.raises(ValueError, match="do not multiply"):
        fpq.gemm(A, A)
    with pytest.raises(ValueError, match="unknown order"):
        fpq.gemm(A, B, order="tree")
    with pytest.raises(ValueError, match="out_fmt"):
        fpq.dot(A[0], A[0], acc_fmt=None)
