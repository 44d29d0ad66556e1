"""fpq: bit-exact number formats (FP64 down to 4-bit floats and integers) and
the error lab, from Python.

A thin layer over the C libraries libfpq and libfpqlab (the extension module
fpq._fpq): every function takes and returns NumPy arrays and makes one call
into the library per array, with the GIL released; there is no per-element
Python loop.  Results are bit for bit those of the `fpq` command.

Conventions that hold throughout:

* A format is an fpq.Format or any name fpq.Format accepts ("fp8_e4m3",
  "float8_e4m3fn", "e5m4b10fn", "int4", ...).
* Codes (bit patterns) travel one per element in the smallest unsigned
  dtype that holds the format's width: uint8 (1..8 bits), uint16 (9..16),
  uint32 (17..32), uint64 (33..64); code_dtype(fmt) names it.  fpq.pack /
  fpq.unpack convert to and from the library's packed layout (two 4-bit
  codes per byte, low nibble first).
* rounding is one of "rne" (default), "rna", "rtz", "rup", "rdn", "odd",
  "sr" (stochastic: element i of the flattened array uses position i of
  the stream of `seed`, so results do not depend on threads).
  saturate=True clamps overflow (and Inf) to the largest finite value;
  symmetric=True keeps signed integers off their most negative value.
* Shapes: element-wise functions keep the input's shape; operands of
  fpq.arith broadcast against each other as NumPy does.
* Errors: ValueError (bad names, values, lengths; with the library's
  message) and TypeError (wrong kinds of arrays).  Importing fails when the
  loaded libraries were built from other headers than the module (the
  struct sizes and version are compared).

Flag bits (SoftFloat's values): FLAG_INEXACT 1, FLAG_UNDERFLOW 2,
FLAG_OVERFLOW 4, FLAG_INFINITE 8, FLAG_INVALID 16.
"""

import collections as _collections

import numpy as _np

from . import _fpq
from ._fpq import (FLAG_INEXACT, FLAG_INFINITE, FLAG_INVALID, FLAG_OVERFLOW,  # noqa: F401
                   FLAG_UNDERFLOW, LIBRARY_VERSION, METRIC_NAMES, VERSION, Format)

__version__ = VERSION

__all__ = ["Format", "formats", "code_dtype", "round", "encode", "decode", "convert", "pack", "unpack",
           "boundaries", "arith", "dot", "gemm", "quantize", "Quantized", "QUOTIENTS", "SCALE_ARITHS",
           "FLAG_INEXACT", "FLAG_UNDERFLOW", "FLAG_OVERFLOW", "FLAG_INFINITE", "FLAG_INVALID",
           "METRIC_NAMES", "VERSION"]

# The quotient rules of fpq.quantize that the library has.  Each name is
# passed through to libfpqlab (python/_fpq/quant.c, set_quotient): when the
# library gains "div" and "recip", add them here and parse them there.
QUOTIENTS = ("exact", "div", "recip")
SCALE_ARITHS = ("default", "exact", "fp32", "fp64")

_OPS = _fpq.ops()


def formats():
    """The names of the preset formats, in the order `fpq formats` prints."""
    return _fpq.formats()


def _fmt(fmt):
    return fmt if isinstance(fmt, Format) else Format(fmt)


def code_dtype(fmt):
    """The unsigned dtype of fmt's codes: uint8, uint16, uint32 or uint64."""
    b = _fmt(fmt).bits
    return _np.dtype(_np.uint8 if b <= 8 else _np.uint16 if b <= 16 else _np.uint32 if b <= 32 else _np.uint64)


def _floats(x, name="x"):
    """x as a C-contiguous float32 or float64 array (other inputs as float64)."""
    a = _np.asarray(x)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name}: an array of numbers is needed, not dtype {a.dtype}")
    if a.dtype not in (_np.float32, _np.float64):
        a = a.astype(_np.float64)
    return _np.asarray(a, order="C")


def _codes(codes, fmt, name="codes"):
    """codes as a C-contiguous array of fmt's code dtype (any integer input;
    negative values and values above the width are refused)."""
    a = _np.asarray(codes)
    if a.dtype.kind not in "ui":
        raise TypeError(f"{name}: codes are unsigned integers, not dtype {a.dtype} "
                        f"(fpq.encode turns values into codes)")
    if a.dtype.kind == "i" and a.size and a.min() < 0:
        raise ValueError(f"{name}: negative code {int(a.min())}")
    dt = code_dtype(fmt)
    if a.dtype.itemsize > dt.itemsize and a.size and int(a.max()) >> _fmt(fmt).bits:
        raise ValueError(f"{name}: code {int(a.max())} has bits set above the {_fmt(fmt).bits} bits of "
                         f"{_fmt(fmt).name}")
    return _np.asarray(a, dtype=dt, order="C")


def round(x, fmt, rounding="rne", saturate=False, seed=0, symmetric=False):  # noqa: A001
    """Round every value of x to the nearest value of fmt (quantize and
    dequantize, one rounding): the library's bulk path, at memory speed.

    x: float32 or float64 array (anything else is converted to float64);
    the result has x's dtype and shape.  NaN stays NaN (quiet, its sign
    kept), values beyond the range follow the format's overflow rule (Inf,
    NaN or the largest finite value) unless saturate.
    """
    f = _fmt(fmt)
    a = _floats(x)
    out = _np.empty_like(a)
    _fpq.round(f, a.reshape(-1), out.reshape(-1), rounding, bool(saturate), int(seed), bool(symmetric))
    return out


def encode(x, fmt, rounding="rne", saturate=False, seed=0, symmetric=False):
    """The codes of fmt nearest the values of x (float32 or float64, others
    converted to float64): an array of code_dtype(fmt), x's shape."""
    f = _fmt(fmt)
    a = _floats(x)
    out = _np.empty(a.shape, code_dtype(f))
    _fpq.encode(f, a.reshape(-1), out.reshape(-1), rounding, bool(saturate), int(seed), bool(symmetric))
    return out


def decode(codes, fmt, dtype=_np.float32):
    """The values of codes of fmt as float32 (default) or float64, codes'
    shape.  Values that the dtype cannot hold round to nearest even; every
    NaN becomes the quiet NaN of its sign.  Codes with bits above the
    format's width raise ValueError."""
    f = _fmt(fmt)
    c = _codes(codes, f)
    dt = _np.dtype(dtype)
    if dt not in (_np.float32, _np.float64):
        raise TypeError(f"decode: dtype must be float32 or float64, not {dt}")
    out = _np.empty(c.shape, dt)
    _fpq.decode(f, c.reshape(-1), out.reshape(-1))
    return out


def convert(codes, from_fmt, to_fmt, rounding="rne", saturate=False, seed=0, symmetric=False):
    """Convert codes of from_fmt into to_fmt with one rounding, as the
    library's fpq_convert (MPFR; NaN payloads kept between IEEE-style
    formats).  Returns (codes of to_fmt, flags as uint8), codes' shape;
    stochastic rounding uses position i for element i."""
    f, t = _fmt(from_fmt), _fmt(to_fmt)
    c = _codes(codes, f)
    out = _np.empty(c.shape, code_dtype(t))
    flags = _np.empty(c.shape, _np.uint8)
    _fpq.convert(f, t, c.reshape(-1), out.reshape(-1), flags.reshape(-1), rounding, bool(saturate), int(seed),
                 bool(symmetric))
    return out, flags


def pack(codes, fmt):
    """codes of fmt (any shape, flattened) in the library's packed layout, a
    1-D uint8 array: widths 1..4 two codes per byte (element 2i in the low
    nibble; an odd last element leaves the high nibble 0), 5..8 one byte,
    wider formats their code dtype's bytes in host order."""
    f = _fmt(fmt)
    c = _codes(codes, f).reshape(-1)
    n = c.size
    size = (n + 1) // 2 if f.bits <= 4 else n * code_dtype(f).itemsize
    out = _np.empty(size, _np.uint8)
    _fpq.pack(f, c, out)
    return out


def unpack(packed, fmt, n=None):
    """The first n codes (default: all the bytes hold) of packed bytes of
    fmt, as a 1-D array of code_dtype(fmt)."""
    f = _fmt(fmt)
    p = _np.ascontiguousarray(_np.frombuffer(packed, _np.uint8) if isinstance(packed, (bytes, bytearray))
                              else _np.asarray(packed).view(_np.uint8).reshape(-1))
    if n is None:
        n = p.size * 2 if f.bits <= 4 else p.size // code_dtype(f).itemsize
    out = _np.empty(int(n), code_dtype(f))
    _fpq.unpack(f, p, out)
    return out


def boundaries(fmt, dtype=_np.float32):
    """The library's boundary inputs for converting float32 (or float64)
    into fmt (fpq_boundaries_f32/_f64): every midpoint between adjacent
    values and the neighbours on both sides of every midpoint and value,
    the overflow threshold, subnormal boundaries, zeros, infinities, then
    10 NaNs -- the set `fpq vectors` starts with."""
    dt = _np.dtype(dtype)
    if dt not in (_np.float32, _np.float64):
        raise TypeError(f"boundaries: dtype must be float32 or float64, not {dt}")
    return _np.frombuffer(_fpq.boundaries(_fmt(fmt), dt.itemsize * 8), dt).copy()


def arith(fmt, op, a, b=None, c=None, rounding="rne", saturate=False, out_fmt=None, b_fmt=None, c_fmt=None,
          seed=0, symmetric=False):
    """Emulated arithmetic on codes: op(a, b, c) computed exactly and rounded
    once into out_fmt (default fmt), element by element.

    op: add, sub, mul, div, fma (a*b + c), sqrt, min, max (IEEE 754-2019
    minimum/maximum), and also neg, abs, minnum, maxnum, eq, lt, le,
    unordered (comparisons give codes 1 or 0).  a, b, c: codes of fmt
    (b_fmt, c_fmt for operands in other formats: fma of fp16 a, b and fp32 c
    into fp32), broadcast against each other.  Returns (codes of out_fmt,
    flags uint8) in the broadcast shape; the flags are SoftFloat's bits
    (fpq.FLAG_*).  Stochastic rounding: element i at position i.
    """
    if op not in _OPS:
        raise ValueError(f"unknown operation '{op}' (one of: {', '.join(_OPS)})")
    arity = _OPS[op][1]
    ops = [a, b, c]
    given = [o is not None for o in ops]
    if given != [i < arity for i in range(3)]:
        need = ", ".join("abc"[:arity])
        raise ValueError(f"{op} takes {arity} operand{'s' if arity > 1 else ''} ({need})")
    f = _fmt(fmt)
    fmts = [f, _fmt(b_fmt) if b_fmt is not None else f, _fmt(c_fmt) if c_fmt is not None else f][:arity]
    arrs = [_np.asarray(o) for o in ops[:arity]]
    for name, arr in zip("abc", arrs):
        if arr.dtype.kind not in "ui":
            raise TypeError(f"arith: {name} holds codes (unsigned integers), not dtype {arr.dtype}; "
                            f"fpq.encode turns values into codes")
    arrs = _np.broadcast_arrays(*arrs)
    shape = arrs[0].shape
    cs = [_codes(arr, fm, name).reshape(-1) for arr, fm, name in zip(arrs, fmts, "abc")]
    to = _fmt(out_fmt) if out_fmt is not None else f
    out = _np.empty(shape, code_dtype(to))
    flags = _np.empty(shape, _np.uint8)
    _fpq.arith(to, op, *(fmts + [None] * (3 - arity)), *(cs + [None] * (3 - arity)), out.reshape(-1),
               flags.reshape(-1), rounding, bool(saturate), int(seed), bool(symmetric))
    return out, flags


Dot = _collections.namedtuple("Dot", "value code flags exact")


def _dot_kw(in_fmt, b_fmt, prod_fmt, acc_fmt, out_fmt, order, block, block_acc, rounding, saturate, seed):
    return dict(in_fmt=_fmt(in_fmt), b_fmt=b_fmt, prod_fmt=prod_fmt, acc_fmt=acc_fmt, out_fmt=out_fmt,
                order=order, block=int(block), block_acc=block_acc, rounding=rounding, saturate=bool(saturate),
                seed=int(seed))


def _operand(x, fmt, name):
    """Codes (unsigned integers) as uint64, numbers of any other dtype
    (floats, signed integers) as float64: the two kinds of dot/gemm input."""
    a = _np.asarray(x)
    if a.dtype.kind == "u":
        return _np.ascontiguousarray(_codes(a, fmt, name), dtype=_np.uint64), False
    if a.dtype.kind in "fib":
        return _np.ascontiguousarray(a, dtype=_np.float64), True
    raise TypeError(f"{name}: an array of floats or codes is needed, not dtype {a.dtype}")


def dot(a, b, in_fmt="fp16", b_fmt=None, prod_fmt=None, acc_fmt="fp32", out_fmt=None, order="seq", block=32,
        block_acc="fp32", rounding="rne", saturate=False, seed=0, exact=False):
    """The dot product of the 1-D arrays a and b as an accelerator computes
    it (the library's fpq_dot): products exact (prod_fmt None) or rounded
    into prod_fmt, summed in acc_fmt (None: exactly) in `order` "seq",
    "pairwise" or "block" (blocks of `block` terms, their sums in block_acc,
    None: exactly), the sum rounded into out_fmt (None: acc_fmt's).

    a, b: numbers (floats or signed integers: encoded into in_fmt and b_fmt,
    default in_fmt, first) or codes of those formats (unsigned integer
    dtypes), both of one kind.  Returns
    Dot(value, code, flags, exact): the result as a float64, its code in
    the output format, the OR of every step's flags, and with exact=True the
    exact dot product of the same inputs (rounded to float64; else None).
    """
    fa, fb = _fmt(in_fmt), _fmt(b_fmt) if b_fmt is not None else _fmt(in_fmt)
    x, xf = _operand(a, fa, "a")
    y, yf = _operand(b, fb, "b")
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError("dot: a and b must be 1-D (fpq.gemm multiplies matrices)")
    if xf != yf:
        raise TypeError("dot: a and b must both be floats or both codes")
    kw = _dot_kw(in_fmt, b_fmt, prod_fmt, acc_fmt, out_fmt, order, block, block_acc, rounding, saturate, seed)
    code, flags, ex = _fpq.dot(x, y, bool(exact), **kw)
    res = _fmt(out_fmt if out_fmt is not None else acc_fmt)
    value = float(decode(_np.array([code], code_dtype(res)), res, _np.float64)[0])
    return Dot(value, code, flags, ex)


Gemm = _collections.namedtuple("Gemm", "c flags exact")


def gemm(A, B, in_fmt="fp16", b_fmt=None, prod_fmt=None, acc_fmt="fp32", out_fmt=None, order="seq", block=32,
         block_acc="fp32", rounding="rne", saturate=False, seed=0, exact=False):
    """C = A B (A rows x k, B k x cols) with every C[i, j] the fpq.dot of row
    i of A and column j of B under the same formats and order (the library's
    fpq_gemm, on OpenMP threads; the result does not depend on their number).

    A, B: numbers (floats or signed integers, encoded into in_fmt, b_fmt
    first; C is then the output values as float64) or codes (unsigned
    integer dtypes; C is then the output codes as uint64).
    Returns Gemm(c, flags, exact): flags the OR over all of C, exact (with
    exact=True) the exact products rounded to float64, else None.
    """
    fa, fb = _fmt(in_fmt), _fmt(b_fmt) if b_fmt is not None else _fmt(in_fmt)
    x, xf = _operand(A, fa, "A")
    y, yf = _operand(B, fb, "B")
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[0]:
        raise ValueError(f"gemm: shapes {x.shape} and {y.shape} do not multiply (rows x k, k x cols)")
    if xf != yf:
        raise TypeError("gemm: A and B must both be floats or both codes")
    rows, k, cols = x.shape[0], x.shape[1], y.shape[1]
    c = _np.empty((rows, cols), _np.float64 if xf else _np.uint64)
    ex = _np.empty((rows, cols), _np.float64) if exact else None
    kw = _dot_kw(in_fmt, b_fmt, prod_fmt, acc_fmt, out_fmt, order, block, block_acc, rounding, saturate, seed)
    flags = _fpq.gemm(x, y, c, ex, rows, k, cols, **kw)
    return Gemm(c, flags, ex)


class Quantized:
    """The result of fpq.quantize.

    xhat: the dequantized tensor, x's shape, float64.  metrics: a dict of the
    lab's metric table (fpq.METRIC_NAMES: mse, rmse, nmse, sqnr_db, lossless,
    max_abs_err, mean_rel_err, cos_sim, bias, clipped_frac, flushed_frac,
    overflow_frac, nan_frac, outlier_frac, bits_per_value), as `fpq quant`
    prints them.  details: clip_ratio, units (scales), n_clipped,
    outlier_cols.  codes, scales, zero_points: the codes and the per-unit
    scales and zero-points (libfpqlab's fpq_quantize_parts; see
    fpq.quantize), so another quantizer can be compared element by element
    and unit by unit.
    """

    __slots__ = ("xhat", "codes", "scales", "zero_points", "metrics", "details")

    def __init__(self, xhat, metrics, details, codes=None, scales=None, zero_points=None):
        self.xhat, self.metrics, self.details = xhat, metrics, details
        self.codes, self.scales, self.zero_points = codes, scales, zero_points

    def __repr__(self):
        return (f"Quantized(shape={self.xhat.shape}, sqnr_db={self.metrics['sqnr_db']:.4g}, "
                f"units={self.details['units']})")


def quantize(x, fmt=None, scheme="absmax", granularity=None, group=None, axis=-1, scale_format=None,
             quotient="exact", scale_arith="default", rounding="rne", seed=0, symmetric=False, range="max", outlier=0.0,
             kept_format=None, mx_rule=None, tensor_scale=True, scale_round="rne", exact_metrics=False,
             calib=None):
    """Quantize x under a spec of the error lab (libfpqlab's fpq_quantize, the
    quantizer of `fpq quant`) and measure the error of x^ against x.

    x: any array of finite numbers, taken as float64.  The axis `axis` is
    the lab's columns (channels) and the other axes, flattened, its rows
    (tokens): granularity "tensor" (one scale), "row" (one per vector along
    axis), "col" (one per position along axis), "group" (group consecutive
    values along axis; group=G alone implies it).  scheme: absmax,
    zeropoint (integer elements), mx (OCP MX: blocks of 32, e8m0 scales),
    nvfp4.  fmt: the element format (default int8; mx, nvfp4: fp4_e2m1).
    scale_format: default fp32 (mx: e8m0, nvfp4: fp8_e4m3), any format, or
    "exact" (binary64).  quotient: how x/S is formed before its one rounding:
    "exact" (the exact real quotient, the default), "div" (x/S rounded once
    in the scale arithmetic, as a quantizer dividing in fp32 does) or
    "recip" (x * (1/S), 1/S rounded first, as PyTorch's fake-quantize
    kernels do); fpq.QUOTIENTS lists them.  scale_arith: the arithmetic of
    the scale computation and of div/recip: "default" (exact with the exact
    quotient, fp32 with div and recip), "exact", "fp32" or "fp64".  range:
    "max", "percentile:P" or "mse[:STEPS]".  rounding, seed, symmetric: the
    elements' rounding (saturating).  outlier, kept_format: the LLM.int8
    split.  calib: a tensor of x's shape (per-row scales: x's rows, per-column:
    its columns) whose ranges are applied to x (static quantization).

    Returns a Quantized: xhat (x's shape), metrics, details, codes (int64,
    x's shape: for integer elements the integer, zeropoint's stored q with Z
    added; for float and table elements the bit pattern), scales and
    zero_points (2-D, in the lab's unit order over the rows x columns view
    above: 1 x 1 per tensor, rows x 1 per row, 1 x cols per column, rows x
    ceil(cols/group) per group; zero_points is None unless scheme is
    zeropoint).
    """
    if quotient not in QUOTIENTS:
        raise ValueError(f"quotient '{quotient}' is not one of {', '.join(QUOTIENTS)}")
    if scale_arith not in SCALE_ARITHS:
        raise ValueError(f"scale_arith '{scale_arith}' is not one of {', '.join(SCALE_ARITHS)}")
    a = _np.asarray(x)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"quantize: x must hold numbers, not dtype {a.dtype}")
    if a.ndim == 0:
        a = a.reshape(1)
    ax = axis % a.ndim if -a.ndim <= axis < a.ndim else None
    if ax is None:
        raise ValueError(f"quantize: axis {axis} is out of range for {a.ndim} dimensions")
    moved = _np.moveaxis(a, ax, -1)
    cols = moved.shape[-1]
    rows = moved.size // cols if cols else 0
    x2 = _np.ascontiguousarray(moved, dtype=_np.float64).reshape(rows, cols)
    c2, crows, ccols = None, 0, 0
    if calib is not None:
        cm = _np.moveaxis(_np.asarray(calib, dtype=_np.float64), ax, -1)
        ccols = cm.shape[-1]
        crows = cm.size // ccols if ccols else 0
        c2 = _np.ascontiguousarray(cm).reshape(crows, ccols)
    xhat = _np.empty((rows, cols), _np.float64)
    metrics, details, codes, scales, zps = _fpq.quantize(
        x2, rows, cols, xhat, fmt=fmt, scheme=scheme, granularity=granularity, group=group,
        scale_format=scale_format, quotient=quotient, scale_arith=scale_arith, rounding=rounding, seed=int(seed), symmetric=bool(symmetric),
        range=range, outlier=float(outlier), kept_format=kept_format, mx_rule=mx_rule,
        tensor_scale=bool(tensor_scale), scale_round=scale_round, exact_metrics=bool(exact_metrics), calib=c2,
        calib_rows=crows, calib_cols=ccols)
    xhat = _np.moveaxis(xhat.reshape(moved.shape), -1, ax)
    codes = _np.moveaxis(_np.frombuffer(codes, _np.int64).reshape(moved.shape), -1, ax)

    def table(t):
        r, c, buf = t
        return _np.frombuffer(buf, _np.float64).reshape(r, c) if r * c else None

    return Quantized(xhat, metrics, details, codes, table(scales), table(zps))
