"""fpq.round, encode, decode, convert, pack, unpack and boundaries against
the fpq command's reference vectors (`fpq vectors`: MPFR's fpq_convert on
every boundary case, then random ones) and each other."""
import numpy as np
import pytest

import fpq
from conftest import host_floats, vectors

# (tf32 is left out: its boundary set has 3 million cases)
TARGETS = ["fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "fp8_e4m3fnuz", "fp8_e5m2fnuz", "fp6_e2m3",
           "fp6_e3m2", "fp4_e2m1", "e8m0", "int8", "uint4", "int4"]
MODES = ["rne", "rtz", "rup", "rdn", "rna", "odd", "sr"]


def nan_codes(fmt, codes):
    """Which codes of fmt are NaN (via fpq.decode to float64)."""
    return np.isnan(fpq.decode(codes, fmt, np.float64))


def check_codes(fmt, x, got, want):
    """got == want, but a NaN result need only be a NaN: the bulk path and
    fpq_convert keep NaN payloads differently."""
    nan_in = np.isnan(x)
    bad = ~nan_in & (got != want)
    assert not bad.any(), f"{fmt}: {bad.sum()} mismatches, first x={x[bad][0]!r} got {got[bad][0]:#x} " \
                          f"want {want[bad][0]:#x}"
    np.testing.assert_array_equal(nan_codes(fmt, got[nan_in]), nan_codes(fmt, want[nan_in].astype(got.dtype)))


@pytest.mark.parametrize("fmt", TARGETS)
@pytest.mark.parametrize("src", ["fp32", "fp64"])
def test_encode_matches_vectors(fmt, src):
    dtype = np.float32 if src == "fp32" else np.float64
    bits, want = vectors(src, fmt, "--count", "2000", "--seed", "7")
    x = host_floats(bits, dtype)
    got = fpq.encode(x, fmt)
    assert got.dtype == fpq.code_dtype(fmt) and got.shape == x.shape
    check_codes(fmt, x, got, want)
    # round = decode(encode), in the input's dtype
    r = fpq.round(x, fmt)
    assert r.dtype == dtype
    np.testing.assert_array_equal(r, fpq.decode(got, fmt, dtype))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", ["fp8_e4m3", "fp8_e5m2", "fp4_e2m1", "int8"])
def test_modes_and_saturation_match_vectors(fmt, mode):
    for sat in ([], ["--saturate"]):
        bits, want = vectors("fp32", fmt, "-r", mode, "--seed", "5", "--count", "1000", *sat)
        x = host_floats(bits, np.float32)
        got = fpq.encode(x, fmt, rounding=mode, saturate=bool(sat), seed=5)
        check_codes(fmt, x, got, want)


def test_symmetric_integers():
    bits, want = vectors("fp32", "int8", "--symmetric", "--count", "500")
    x = host_floats(bits, np.float32)
    check_codes("int8", x, fpq.encode(x, "int8", symmetric=True), want)


@pytest.mark.parametrize("src,dst", [("fp16", "fp8_e4m3"), ("bf16", "fp8_e5m2"), ("fp8_e5m2", "fp4_e2m1"),
                                     ("fp8_e4m3", "fp16"), ("fp16", "int4"), ("fp4_e2m1", "e8m0")])
@pytest.mark.parametrize("mode", ["rne", "rtz", "sr"])
def test_convert_matches_vectors_exhaustively(src, dst, mode):
    # FROM of at most 16 bits: every pattern, then random ones; both paths
    # are fpq_convert, so NaN payloads agree too.
    bits, want = vectors(src, dst, "-r", mode, "--seed", "3", "--count", "100")
    got, flags = fpq.convert(bits.astype(fpq.code_dtype(src)), src, dst, rounding=mode, seed=3)
    np.testing.assert_array_equal(got, want.astype(got.dtype))
    assert flags.dtype == np.uint8 and flags.shape == got.shape


def test_convert_flags():
    c = fpq.encode(np.array([1.0, 1.5, 1000.0, np.inf, np.nan], np.float32), "fp16")
    got, flags = fpq.convert(c, "fp16", "fp8_e4m3")
    assert list(flags) == [0, 0, fpq.FLAG_OVERFLOW | fpq.FLAG_INEXACT, fpq.FLAG_INVALID, 0]
    assert list(fpq.convert(c, "fp16", "e2m1")[1])[:2] == [0, 0]
    assert fpq.convert(fpq.encode([0.1], "fp16"), "fp16", "e4m3")[1][0] == fpq.FLAG_INEXACT


@pytest.mark.parametrize("fmt", ["fp8_e4m3", "fp8_e5m2", "fp6_e2m3", "fp4_e2m1", "e8m0", "int4", "uint4",
                                 "fp8_e4m3fnuz"])
def test_decode_every_code_against_convert(fmt):
    # the bulk decode against MPFR's conversion into fp64
    f = fpq.Format(fmt)
    codes = np.arange(2 ** f.bits, dtype=fpq.code_dtype(f))
    d = fpq.decode(codes, f, np.float64)
    ref = fpq.convert(codes, f, "fp64")[0].view(np.float64)
    np.testing.assert_array_equal(np.isnan(d), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_array_equal(d[ok], ref[ok])
    np.testing.assert_array_equal(np.signbit(d[ok]), np.signbit(ref[ok]))
    # round trip: every non-NaN code encodes back to itself
    back = fpq.encode(d[ok], f)
    np.testing.assert_array_equal(back, codes[ok])


def test_shapes_dtypes_and_strides():
    x = np.linspace(-10, 10, 24, dtype=np.float32).reshape(2, 3, 4)
    r = fpq.round(x[:, ::2, :], "fp8_e4m3")
    assert r.shape == (2, 2, 4) and r.dtype == np.float32
    np.testing.assert_array_equal(r, fpq.round(np.ascontiguousarray(x[:, ::2, :]), "e4m3"))
    assert fpq.round([1, 2, 3], "fp16").dtype == np.float64
    assert fpq.round(np.float32(1.1), "bf16").shape == ()
    assert fpq.encode(np.zeros((0, 3)), "fp16").shape == (0, 3)
    assert fpq.decode(np.array([[0x3c]], np.uint8), "e5m2").dtype == np.float32


@pytest.mark.parametrize("fmt", ["fp4_e2m1", "int2", "uint3", "fp6_e3m2", "fp8_e4m3", "fp16", "tf32", "fp64"])
@pytest.mark.parametrize("n", [0, 1, 7, 64])
def test_pack_unpack_round_trip(fmt, n):
    f = fpq.Format(fmt)
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 2 ** min(f.bits, 63), n, dtype=np.uint64).astype(fpq.code_dtype(f))
    p = fpq.pack(codes, f)
    assert p.dtype == np.uint8
    if f.bits <= 4:
        assert p.size == (n + 1) // 2
        if n:
            assert p[0] & 15 == codes[0]
    np.testing.assert_array_equal(fpq.unpack(p, f, n), codes)
    # packed codes decode like the library's packed arrays do
    assert fpq.unpack(bytes(p), f, n).size == n


def test_boundaries_is_the_vectors_set():
    for fmt in ("fp8_e4m3", "fp4_e2m1", "bf16"):
        b = fpq.boundaries(fmt)
        bits, _ = vectors("fp32", fmt, "--count", "0")
        np.testing.assert_array_equal(b.view(np.uint32), bits.astype(np.uint32))
        assert fpq.boundaries(fmt, np.float64).dtype == np.float64


def test_stochastic_rounding_is_reproducible():
    x = np.random.default_rng(1).normal(size=10000).astype(np.float32)
    a = fpq.round(x, "e4m3", rounding="sr", seed=9)
    np.testing.assert_array_equal(a, fpq.round(x, "e4m3", rounding="sr", seed=9))
    assert (a != fpq.round(x, "e4m3", rounding="sr", seed=10)).any()
    # element i uses position i: a slice is not the same stream
    assert (fpq.round(x[1:], "e4m3", rounding="sr", seed=9) != a[1:]).any()


def test_bulk_errors():
    x = np.ones(4, np.float32)
    with pytest.raises(ValueError, match="unknown rounding mode 'nearest'"):
        fpq.round(x, "fp16", rounding="nearest")
    with pytest.raises(TypeError, match="array of numbers"):
        fpq.round(np.array(["a"]), "fp16")
    with pytest.raises(ValueError, match="bits set above the 4 bits of fp4_e2m1"):
        fpq.decode(np.array([1, 16], np.uint8), "fp4_e2m1")
    with pytest.raises(ValueError, match="bits set above the 8 bits"):
        fpq.decode(np.array([256], np.int64), "e4m3")
    with pytest.raises(ValueError, match="negative code"):
        fpq.decode(np.array([-1]), "e4m3")
    with pytest.raises(TypeError, match="codes are unsigned integers"):
        fpq.decode(np.ones(2), "e4m3")
    with pytest.raises(TypeError, match="float32 or float64"):
        fpq.decode(np.ones(2, np.uint8), "e4m3", dtype=np.int32)
    with pytest.raises(ValueError, match="bits set above"):
        fpq.convert(np.array([0x40], np.uint8), "fp6_e2m3", "fp16")
    with pytest.raises(ValueError, match="bits set above"):
        fpq.pack(np.array([3, 17], np.uint8), "e2m1")
    with pytest.raises(ValueError, match="fewer than"):
        fpq.unpack(np.zeros(1, np.uint8), "e2m1", 3)
