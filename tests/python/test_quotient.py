"""fpq.quantize's quotient rule against a NumPy quantizer that divides in
float32, as NumPy, PyTorch and GPU kernels do: int4 absmax in groups of 32
on 2^20 weights that are fp8_e4m3 values.  With quotient="exact" (the exact
real x/S) some ties differ; quotient="div" must agree code for code, and
quotient="recip" with a quantizer that multiplies by fp32(1/S)."""
import numpy as np
import pytest

import fpq

N, G = 1 << 20, 32


def weights():
    w = np.random.default_rng(16).standard_normal(N).astype(np.float32) * 20
    return fpq.round(w, "fp8_e4m3").reshape(-1, G)


def numpy_int4_fp32(w, recip=False):
    """S = fp32(max|x| / 7) per group, q = clip(rint(fp32(x / S)), -8, 7)
    (recip: rint(fp32(x * fp32(1 / S)))), x^ = q S: the quotient in
    float32.  Returns (x^, q, S)."""
    amax = np.abs(w).max(axis=1, keepdims=True)
    s = (amax / np.float32(7)).astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.rint(w * (np.float32(1) / s)) if recip else np.rint(w / s)
    q = np.clip(np.nan_to_num(q), -8, 7)
    return q.astype(np.float64) * s.astype(np.float64), q.astype(np.int64), s.astype(np.float64)


def numpy_int4_fp32_div(w):
    return numpy_int4_fp32(w)[0]


def test_exact_quotient_differs_from_float32_division():
    w = weights()
    q = fpq.quantize(w, "int4", group=G, quotient="exact")
    ref = numpy_int4_fp32_div(w)
    bad = q.xhat != ref
    # quotients just off a tie that float32 division rounds onto it (x = 24,
    # S = fp32(48/7): exact x/S = 3.49999997, fp32 x/S = 3.5 -> 4): codes
    # one step apart, never more
    assert bad.sum() > 0
    s = (np.abs(w).max(axis=1, keepdims=True) / np.float32(7)).astype(np.float32).astype(np.float64)
    steps = np.abs(q.xhat - ref) / np.broadcast_to(s, w.shape)
    np.testing.assert_array_equal(steps[bad], 1.0)


@pytest.mark.parametrize("quotient", ["div", "recip"])
def test_fp32_quotients_agree_code_for_code(quotient):
    w = weights()
    q = fpq.quantize(w, "int4", group=G, quotient=quotient)
    xhat, codes, s = numpy_int4_fp32(w, recip=quotient == "recip")
    np.testing.assert_array_equal(q.codes, codes)
    np.testing.assert_array_equal(q.scales, s)
    np.testing.assert_array_equal(q.xhat, xhat)
