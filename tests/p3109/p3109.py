#!/usr/bin/env python3
"""p3109.py: an independent model of the IEEE P3109 formats in exact
rationals, written from the interim report's rules and the definitions of
its formal specification (imandra-ai/ieee-p3109, specification.iml: wDecode,
wRoundToPrecision, wSaturate, wEncode, wProject), and the writer of the
digests that tests/check_p3109.c compares libfpq with.

Usage:
  p3109.py decode-digests [SPEC_TABLES_DIR]   > decode_digests.inc
      one line per format binaryKpP{s|u}{e|f}, K = 2..16, a C initializer
      {"NAME", DIGEST}, followed by the comment /* spec */ when the value
      table of the formal specification's repository (its test/julia-hex/
      {signed,unsigned}/{extended,finite}/binaryK{s,u}{e,f}.hex.csv, copied
      under SPEC_TABLES_DIR) was read and matched this model on every code
      (the digest is then the specification's table's), /* model */ when
      the table is absent (this model's own decode).
  p3109.py encode-digests   > encode_digests.inc
      for K = 8, every P and signedness, both domains, the deterministic
      rounding modes and the three saturation modes: {"NAME", "MODE",
      "SAT", DIGEST} over the input list of inputs() below.
  p3109.py sr-digests   > sr_digests.inc
      the stochastic roundings A, B, C (sra, srb, src) with N = 1..3 and
      every R, SatNone, for four formats: {"NAME", "MODE", N, R, DIGEST}.
  p3109.py dump NAME MODE SAT
      the inputs and codes behind one digest, for a failing case.

A digest is FNV-1a 64 over the text of the items, each followed by "\\n":
a decoded value is "nan", "inf", "-inf", "0", or "[-]M:E" with M an odd
integer in lowercase hex and E decimal, the value M * 2^E; an encoded
result is its code in lowercase hex without 0x.
"""
import os
import sys
from fractions import Fraction as Fr

# ---- formats -----------------------------------------------------------------


class Fmt:
    def __init__(self, k, p, signed, ext):
        self.k, self.p, self.signed, self.ext = k, p, signed, ext
        self.bias = 2 ** (k - p - 1) if signed else 2 ** (k - p)
        self.nan = 2 ** (k - 1) if signed else 2 ** k - 1
        self.pinf = (2 ** (k - 1) - 1 if signed else 2 ** k - 2) if ext else None
        self.ninf = 2 ** k - 1 if (ext and signed) else None
        self.maxcode = {(True, True): 2 ** (k - 1) - 2, (True, False): 2 ** (k - 1) - 1,
                        (False, True): 2 ** k - 3, (False, False): 2 ** k - 2}[(signed, ext)]

    @property
    def name(self):
        return "binary%dp%d%s%s" % (self.k, self.p, "s" if self.signed else "u", "e" if self.ext else "f")


def all_formats(k):
    for signed in (True, False):
        for ext in (True, False):
            for p in range(1, k if signed else k + 1):
                yield Fmt(k, p, signed, ext)


def decode(f, code):
    """The value of a code: a Fraction, or "nan", "inf", "-inf"."""
    k, p = f.k, f.p
    if code == f.nan:
        return "nan"
    if code == f.pinf:
        return "inf"
    if code == f.ninf:
        return "-inf"
    if f.signed and code > 2 ** (k - 1):
        return -decode(f, code - 2 ** (k - 1))
    t = code % 2 ** (p - 1)
    e = code // 2 ** (p - 1)
    if e == 0:
        return Fr(t, 2 ** (p - 1)) * pow2(1 - f.bias)
    return (1 + Fr(t, 2 ** (p - 1))) * pow2(e - f.bias)


def pow2(e):
    return Fr(1 << e) if e >= 0 else Fr(1, 1 << -e)


def max_finite(f):
    return decode(f, f.maxcode)


# ---- projection: round to precision, saturate, encode -------------------------


def floor_log2(x):
    """floor(log2(x)) for a positive Fraction."""
    e = x.numerator.bit_length() - x.denominator.bit_length()
    while pow2(e) > x:
        e -= 1
    while pow2(e + 1) <= x:
        e += 1
    return e


def rne(y):
    fl = y.numerator // y.denominator
    fr = y - fl
    if fr > Fr(1, 2) or (fr == Fr(1, 2) and fl % 2 == 1):
        return fl + 1
    return fl


def round_to_precision(p, b, mode, x, sr=None):
    """x rounded to precision p, exponent bounded below by 1 - b, none above."""
    if x in ("nan", "inf", "-inf") or x == 0:
        return x
    q = max(floor_log2(abs(x)), 1 - b) - p + 1
    s = abs(x) / pow2(q)
    fl = s.numerator // s.denominator
    nu = s - fl
    even = fl % 2 == 0 if p > 1 else (fl == 0 or (q + b) % 2 == 0)
    if mode == "rtz":
        away = False
    elif mode == "rup":
        away = nu > 0 and x > 0
    elif mode == "rdn":
        away = nu > 0 and x < 0
    elif mode == "rna":
        away = nu >= Fr(1, 2)
    elif mode == "rne":
        away = nu > Fr(1, 2) or (nu == Fr(1, 2) and not even)
    elif mode == "odd":
        away = nu > 0 and even
    elif mode in ("sra", "srb", "src"):
        n, r = sr
        y = nu * 2 ** n
        if mode == "sra":
            away = (y.numerator // y.denominator) + r >= 2 ** n
        elif mode == "srb":
            y2 = nu * 2 ** (n + 1)
            away = (y2.numerator // y2.denominator) + 2 * r + 1 >= 2 ** (n + 1)
        else:
            away = rne(y) + r >= 2 ** n
    else:
        raise ValueError(mode)
    i = fl + (1 if away else 0)
    v = i * pow2(q)
    return -v if x < 0 else v


def lt(a, b):
    """a < b over the extended reals (no NaN)."""
    def key(v):
        return (-1, 0) if v == "-inf" else (1, 0) if v == "inf" else (0, v)
    return key(a) < key(b)


def saturate(m, sat, mode, x, signed, ext):
    lo, hi = (-m if signed else Fr(0)), m
    if x == "nan":
        return "nan"
    if not lt(x, lo) and not lt(hi, x):
        return x
    if sat == "finite":
        return lo if lt(x, lo) else hi
    if sat == "propagate":
        if x == "inf" and ext:
            return "inf"
        if x == "-inf" and signed and ext:
            return "-inf"
        return lo if lt(x, lo) else hi
    # none
    if mode in ("rtz", "rdn") and lt(hi, x) and x != "inf":
        return hi
    if mode in ("rtz", "rup") and lt(x, lo) and x != "-inf":
        return lo
    if ext:
        if x == "inf":
            return "inf"
        if x == "-inf":
            return "-inf" if signed else "nan"
        if lt(x, lo):
            return "-inf" if signed else "nan"
        return "inf"
    return "nan"


def encode(f, x, table):
    if x == "nan":
        return f.nan
    if x == "inf":
        return f.pinf
    if x == "-inf":
        return f.ninf
    return table[x]


def value_table(f):
    t = {}
    for c in range(2 ** f.k):
        v = decode(f, c)
        if v not in ("nan", "inf", "-inf") and v not in t:
            t[v] = c
    return t


def project(f, mode, sat, x, table, sr=None):
    r = round_to_precision(f.p, f.bias, mode, x, sr)
    s = saturate(max_finite(f), sat, mode, r, f.signed, f.ext)
    return encode(f, s, table)


# ---- inputs and digests ----------------------------------------------------------


def inputs(f):
    """The encode inputs: every finite value >= 0 and the midpoints between
    neighbours, two points below the smallest positive value, eight beyond
    the largest (a quarter, half, three quarters, one, one and a half and
    two steps d = max - its lower neighbour above it, then 2 max and 4 max),
    +Inf; then the negatives of all but 0, -Inf, and NaN."""
    vals = sorted(v for v in value_table(f) if v >= 0)
    out = []
    for i, v in enumerate(vals):
        out.append(v)
        if i + 1 < len(vals):
            out.append((v + vals[i + 1]) / 2)
    m = vals[-1]
    d = vals[-1] - vals[-2] if len(vals) >= 2 else Fr(1)
    if len(vals) >= 2:
        out += [vals[1] / 4, 3 * vals[1] / 4]
    out += [m + d / 4, m + d / 2, m + 3 * d / 4, m + d, m + 3 * d / 2, m + 2 * d, 2 * m, 4 * m]
    out.append("inf")
    out += [-v for v in out if v != "inf" and v != 0]
    out += ["-inf", "nan"]
    return out


def fnv(items):
    h = 0xCBF29CE484222325
    for s in items:
        for ch in (s + "\n").encode():
            h ^= ch
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def canon(v):
    if v in ("nan", "inf", "-inf"):
        return v
    if v == 0:
        return "0"
    sign = "-" if v < 0 else ""
    v = abs(v)
    num, den = v.numerator, v.denominator
    e = -(den.bit_length() - 1)  # den is a power of two
    tz = (num & -num).bit_length() - 1  # trailing zero bits
    return "%s%x:%d" % (sign, num >> tz, e + tz)


MODES = ("rne", "rna", "rtz", "rup", "rdn", "odd")
SATS = ("none", "finite", "propagate")


def spec_table(dirname, f):
    """The formal specification's value table of f, or None when absent."""
    path = os.path.join(dirname, "signed" if f.signed else "unsigned", "extended" if f.ext else "finite",
                        "binary%d%s%s.hex.csv" % (f.k, "s" if f.signed else "u", "e" if f.ext else "f"))
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        rows = [[c.strip() for c in line.split(",")] for line in fh if line.strip()]
    col = rows[0].index(f.name)
    out = []
    for row in rows[1:]:
        out.append(parse_hex(row[col]))
    return out


def parse_hex(s):
    if s in ("NaN", "Inf", "-Inf"):
        return {"NaN": "nan", "Inf": "inf", "-Inf": "-inf"}[s]
    neg = s.startswith("-")
    s = s.lstrip("+-")
    assert s.startswith("0x")
    mant, exp = s[2:].split("p")
    ip, _, fp = mant.partition(".")
    v = Fr(int(ip, 16)) + (Fr(int(fp, 16), 16 ** len(fp)) if fp else 0)
    v *= pow2(int(exp))
    return -v if neg else v


def main(argv):
    what = argv[1] if len(argv) > 1 else ""
    if what == "decode-digests":
        d = argv[2] if len(argv) > 2 else ""
        for k in range(2, 17):
            for f in all_formats(k):
                model = [decode(f, c) for c in range(2 ** k)]
                src = "model"
                spec = spec_table(d, f) if d else None
                if spec is not None:
                    if spec != model:
                        bad = next(c for c in range(2 ** k) if spec[c] != model[c])
                        sys.exit("%s: code %#x: spec %s, model %s" % (f.name, bad, spec[bad], model[bad]))
                    src = "spec"
                print('{"%s", UINT64_C(0x%s)}, /* %s */' % (f.name, fnv(canon(v) for v in model), src))
    elif what == "encode-digests":
        for f in all_formats(8):
            tab = value_table(f)
            xs = inputs(f)
            for mode in MODES:
                for sat in SATS:
                    print('{"%s", "%s", "%s", UINT64_C(0x%s)},' %
                          (f.name, mode, sat, fnv("%x" % project(f, mode, sat, x, tab) for x in xs)))
    elif what == "sr-digests":
        for name in ("binary8p4se", "binary8p3sf", "binary8p3ue", "binary8p1se"):
            f = parse_name(name)
            tab = value_table(f)
            xs = inputs(f)
            for mode in ("sra", "srb", "src"):
                for n in (1, 2, 3):
                    for r in range(2 ** n):
                        print('{"%s", "%s", %d, %d, UINT64_C(0x%s)},' %
                              (f.name, mode, n, r, fnv("%x" % project(f, mode, "none", x, tab, (n, r)) for x in xs)))
    elif what == "dump":
        f = parse_name(argv[2])
        tab = value_table(f)
        for x in inputs(f):
            print(canon(x), "%x" % project(f, argv[3], argv[4], x, tab))
    else:
        sys.exit(__doc__)


def parse_name(name):
    import re
    m = re.fullmatch(r"binary(\d+)p(\d+)([su])([ef])", name)
    return Fmt(int(m.group(1)), int(m.group(2)), m.group(3) == "s", m.group(4) == "e")


if __name__ == "__main__":
    main(sys.argv)
