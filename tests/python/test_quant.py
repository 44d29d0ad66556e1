"""fpq.quantize against `fpq quant` (metrics in --json, x^ with -o FILE.npy)
on the same .npy input, its axis handling and its errors."""
import json

import numpy as np
import pytest

import fpq
from conftest import run_fpq

SPECS = [
    (dict(fmt="int8"), ["-f", "int8"]),
    (dict(fmt="int4", group=32), ["-f", "int4", "-G", "32"]),
    (dict(fmt="fp8_e4m3", granularity="row"), ["-f", "fp8_e4m3", "-g", "row"]),
    (dict(fmt="int4", granularity="col", scale_format="fp16"), ["-f", "int4", "-g", "col", "--scale-format", "fp16"]),
    (dict(fmt="uint4", scheme="zeropoint", group=16), ["-f", "uint4", "-s", "zeropoint", "-G", "16"]),
    (dict(scheme="mx"), ["-s", "mx"]),
    (dict(scheme="mx", fmt="fp8_e4m3", mx_rule="rceil"), ["-s", "mx", "-f", "fp8_e4m3", "--mx-rule", "rceil"]),
    (dict(scheme="nvfp4"), ["-s", "nvfp4"]),
    (dict(fmt="int8", range="percentile:99", rounding="sr", seed=3),
     ["-f", "int8", "--range", "percentile:99", "-r", "sr", "--seed", "3"]),
    (dict(fmt="int4", group=32, scale_format="exact", symmetric=True),
     ["-f", "int4", "-G", "32", "--scale-format", "exact", "--symmetric"]),
]


@pytest.fixture(scope="module")
def tensor(tmp_path_factory):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((48, 64)) * np.exp(rng.standard_normal(64))
    path = tmp_path_factory.mktemp("quant") / "x.npy"
    np.save(path, x)
    return x, str(path)


@pytest.mark.parametrize("kw,args", SPECS, ids=lambda v: str(v) if isinstance(v, dict) else None)
def test_against_the_command(tensor, tmp_path, kw, args):
    x, path = tensor
    q = fpq.quantize(x, **kw)
    cli = json.loads(run_fpq("quant", path, "--json", *args))[0]
    for name in fpq.METRIC_NAMES:
        assert q.metrics[name] == cli[name], name
    out = str(tmp_path / "xhat.npy")
    run_fpq("quant", path, "-o", out, *args)
    np.testing.assert_array_equal(q.xhat, np.load(out))
    assert q.xhat.shape == x.shape and q.xhat.dtype == np.float64
    assert set(q.metrics) == set(fpq.METRIC_NAMES)


def test_axis_and_shapes():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6, 32))
    q0 = fpq.quantize(x, "int4", group=8, axis=1)
    ref = fpq.quantize(np.moveaxis(x, 1, -1), "int4", group=8)
    np.testing.assert_array_equal(q0.xhat, np.moveaxis(ref.xhat, -1, 1))
    assert fpq.quantize(x[0, 0], "int8").xhat.shape == (32,)
    assert fpq.quantize(x, "int8", granularity="row").details["units"] == 24
    assert fpq.quantize(x.astype(np.float32), "fp8_e4m3").metrics["sqnr_db"] > 20


def test_static_calibration():
    rng = np.random.default_rng(6)
    calib = rng.standard_normal((16, 16))
    x = calib * 2
    q = fpq.quantize(x, "int8", calib=calib)
    assert q.metrics["clipped_frac"] > 0
    assert fpq.quantize(x, "int8").metrics["clipped_frac"] == 0


def test_quotient_and_errors():
    x = np.full((2, 8), 127.0)
    assert fpq.quantize(x, "int8", quotient="exact").metrics["lossless"] == 1
    for q in ("div", "recip"):
        assert fpq.quantize(x, "int8", quotient=q).metrics["lossless"] == 1
    for q in ("fp32", "Div", ""):
        with pytest.raises(ValueError, match="quotient '%s' is not one of exact, div, recip" % q):
            fpq.quantize(x, "int8", quotient=q)
    with pytest.raises(ValueError, match="scale_arith 'fp16' is not one of"):
        fpq.quantize(x, "int8", scale_arith="fp16")
    with pytest.raises(ValueError, match="exact"):
        fpq.quantize(x, "int8", quotient="div", scale_arith="exact")
    with pytest.raises(ValueError, match="NaN"):
        fpq.quantize([1.0, np.nan], "int8")
    with pytest.raises(ValueError, match="unknown scheme"):
        fpq.quantize(x, "int8", scheme="minmax")
    with pytest.raises(ValueError, match="unknown granularity"):
        fpq.quantize(x, "int8", granularity="block")
    with pytest.raises(ValueError, match="zeropoint"):
        fpq.quantize(x, "fp8_e4m3", scheme="zeropoint")
    with pytest.raises(ValueError, match="nvfp4"):
        fpq.quantize(x, "nvfp4")
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        fpq.quantize(x, "int8", axis=2)
    with pytest.raises(TypeError):
        fpq.quantize(np.array(["a"]), "int8")


def test_codes_scales_zero_points():
    # the parts the library stores: x^ = (code - Z) S, unit by unit
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 64))
    q = fpq.quantize(x, "int4", group=16)
    assert q.codes.dtype == np.int64 and q.codes.shape == x.shape
    assert q.scales.shape == (4, 4) and q.zero_points is None
    assert q.codes.min() >= -8 and q.codes.max() <= 7
    s = np.repeat(q.scales, 16, axis=1)
    np.testing.assert_array_equal(q.xhat, q.codes * s)
    z = fpq.quantize(x, "uint4", scheme="zeropoint", granularity="row")
    assert z.scales.shape == (4, 1) and z.zero_points.shape == (4, 1)
    np.testing.assert_array_equal(z.xhat, (z.codes - z.zero_points) * z.scales)
    # the axis moves the codes with x: columns of x are the lab's rows
    t = fpq.quantize(x.T.copy(), "int4", group=16, axis=0)
    np.testing.assert_array_equal(t.codes, q.codes.T)
    np.testing.assert_array_equal(t.scales, q.scales)
