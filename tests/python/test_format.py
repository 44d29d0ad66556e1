"""fpq.Format and fpq.formats against `fpq formats --csv` and `fpq info`."""
import csv
import io

import numpy as np
import pytest

import fpq
from conftest import run_fpq


def parse_number(text):
    return float.fromhex(text) if text.startswith(("0x", "-0x")) else float(text)


def test_formats_lists_the_presets_in_order():
    rows = list(csv.DictReader(io.StringIO(run_fpq("formats", "--csv"))))
    assert fpq.formats() == [r["name"] for r in rows]


@pytest.mark.parametrize("row", list(csv.DictReader(io.StringIO(run_fpq("formats", "--csv")))),
                         ids=lambda r: r["name"])
def test_every_preset_matches_the_command(row):
    f = fpq.Format(row["name"])
    assert f.name == row["name"]
    assert f.bits == int(row["bits"])
    assert f.max == parse_number(row["max_finite"])
    if row["kind"] == "float":
        assert f.specials == row["specials"]
        assert f.bias == int(row["bias"])
    for alias in filter(None, row["aliases"].split(",")):
        assert fpq.Format(alias) == f
        assert fpq.Format(alias).name == f.name


def test_landmarks_of_the_small_floats():
    f = fpq.Format("float8_e4m3fn")
    assert (f.name, f.bits, f.emax, f.emin, f.max, f.min_normal, f.min_subnormal, f.specials) == \
        ("fp8_e4m3", 8, 8, -6, 448.0, 2.0 ** -6, 2.0 ** -9, "fn")
    g = fpq.Format("e5m2")
    assert (g.emax, g.emin, g.max, g.min_normal, g.min_subnormal, g.specials) == \
        (15, -14, 57344.0, 2.0 ** -14, 2.0 ** -16, "ieee")
    h = fpq.Format("fp4_e2m1")
    assert (h.bits, h.emax, h.emin, h.max, h.min_normal, h.min_subnormal, h.specials) == \
        (4, 2, 0, 6.0, 1.0, 0.5, "finite")
    e = fpq.Format("e8m0")
    assert e.min_subnormal is None and e.emin == -127 and e.emax == 127


def test_custom_spellings():
    f = fpq.Format("e5m4b10fn")
    assert (f.bits, f.ebits, f.mbits, f.bias, f.specials) == (10, 5, 4, 10, "fn")
    assert fpq.Format("e4m3fn") == fpq.Format("fp8_e4m3")
    assert fpq.Format("e5m2") != fpq.Format("e4m3")
    i4 = fpq.Format("int4")
    assert (i4.bits, i4.kind, i4.max, i4.lowest) == (4, "int", 7.0, -8.0)
    assert fpq.Format("uint3").max == 7.0
    assert fpq.Format(fpq.Format("bf16")).name == "bf16"


def test_info_landmarks_agree():
    for name in ("fp16", "bf16", "fp8_e5m2", "fp6_e3m2", "tf32"):
        f = fpq.Format(name)
        info = run_fpq("info", name)
        assert str(f.bits) in info


def test_format_errors():
    with pytest.raises(ValueError, match="unknown format 'fp8'; did you mean"):
        fpq.Format("fp8")
    with pytest.raises(ValueError, match="bad format 'e12m3'"):
        fpq.Format("e12m3")
    with pytest.raises(TypeError, match="fpq.Format or a name"):
        fpq.Format(8)
    with pytest.raises(ValueError, match="unknown format"):
        fpq.round(np.ones(3, np.float32), "nosuch")


def test_code_dtype():
    assert [fpq.code_dtype(n) for n in ("e2m1", "e4m3", "fp16", "tf32", "fp32", "fp64")] == \
        [np.uint8, np.uint8, np.uint16, np.uint32, np.uint32, np.uint64]
