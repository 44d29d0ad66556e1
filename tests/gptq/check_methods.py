"""check_methods.py FPQ [DATA]: HQQ, Hadamard rotation and SmoothQuant in
fpq against independent NumPy float64 implementations written from their
descriptions (analysis/hqq.h, analysis/transform.h):

- HQQ (fpq quant --method hqq): the NumPy solver started from fpq's own
  zero-point quantization (its --scales and --zero-points) gives the same
  W^ within 0.01 dB; HQQ's objective sum |w - w^|^0.7, recomputed here per
  group, is no larger than min-max zero-point's on any group and smaller in
  total: synthetic heavy-tailed weights, and the real layer DATA/usel/
  ffn-w-l1.npy (int4 zero-point, groups of 128 along the input dimension).
- Hadamard rotation (fpq matmul --rotate): without quantization the product
  changes by rounding only; rotated W4A8 (W int4 per output channel, X int8
  per token, binary64 scales) equals NumPy's X H, H^T W quantized within
  0.01 dB; rotated GPTQ equals NumPy GPTQ (check_gptq.py's) on the rotated
  operands within 0.1 dB; on the real layer (X DATA/usel/ffn-in-l1.npy)
  rotation raises W4A8 output SQNR (its first 512 tokens at most); with
  LLM.int8 it runs and says so.
- SmoothQuant (fpq matmul --smooth): W8A8 with factors from held-out
  calibration tokens equals NumPy within 0.01 dB; in_sample is yes without
  --calibrate and no with disjoint tokens.
The real-layer cases are skipped (said so) when DATA/usel is absent (make
data).  Prints one line per case; exit 0 when all pass, 1 otherwise."""
import csv
import io
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_gptq import gptq_ref  # noqa: E402

P, BETA, KAPPA, ITERS = 0.7, 10.0, 1.01, 20
fails = 0


def report(ok, text):
    global fails
    fails += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {text}")


def run(fpq, args):
    return subprocess.run([fpq] + args, capture_output=True, text=True, check=True).stdout


def csv_row(fpq, args):
    return next(csv.DictReader(io.StringIO(run(fpq, args + ["--csv"]))))


def sqnr(ref, got):
    return 10 * np.log10(np.sum(ref * ref) / np.sum((got - ref) ** 2))


# ---------------------------------------------------------------- HQQ

def hqq_ref(w, s, z0, start, group):
    """HQQ as hqq.h describes it, groups of `group` rows per column (axis 0),
    signed 4-bit codes -8..7, zero-points rounded to fp32."""
    k, n = w.shape
    out = start.copy()
    for g0 in range(0, k, group):
        for j in range(n):
            wv = w[g0:g0 + group, j]
            sc, z = s[g0 // group, j], z0[g0 // group, j]
            wr = start[g0:g0 + group, j]
            q = np.clip(np.rint(wv / sc + z), -8, 7)
            q0 = np.rint(wr / sc + z)  # the start's codes
            best, zbest, moved = np.sum(np.abs(wv - wr) ** P), z, False
            beta, q = BETA, q0
            for _ in range(ITERS):
                d = wv - wr
                a = np.abs(d)
                with np.errstate(divide="ignore"):
                    e = np.where(a == 0, 0.0, np.sign(d) * np.maximum(a - a ** (P - 1) / beta, 0))
                znew = float(np.float32(np.mean(q - (wv - e) / sc)))
                beta *= KAPPA
                if znew == z:
                    break
                z = znew
                q = np.clip(np.rint(wv / sc + z), -8, 7)
                wr = (q - z) * sc
                obj = np.sum(np.abs(wv - wr) ** P)
                if not obj < best:
                    break
                best, zbest, moved = obj, z, True
            if moved:
                q = np.clip(np.rint(wv / sc + zbest), -8, 7)
                out[g0:g0 + group, j] = (q - zbest) * sc
    return out


def group_lp(w, wh, group):
    k, n = w.shape
    return (np.abs(w - wh) ** P).reshape(k // group, group, n).sum(axis=1)


def check_hqq(fpq, d, name, w, group):
    wf = os.path.join(d, "w.npy")
    np.save(wf, w)
    spec = ["--format", "int4", "--scheme", "zeropoint", "--group", str(group), "--axis", "0"]
    files = {t: os.path.join(d, t + ".npy") for t in ("start", "s", "z", "hqq")}
    run(fpq, ["quant", "--force", "-o", files["start"], "--scales", files["s"], "--zero-points", files["z"]] + spec
        + [wf])
    run(fpq, ["quant", "--force", "-o", files["hqq"], "--method", "hqq"] + spec + [wf])
    start, s, z, got = (np.load(files[t]) for t in ("start", "s", "z", "hqq"))
    ref = hqq_ref(w, s, z, start, group)
    a, b = group_lp(w, start, group), group_lp(w, got, group)
    d_db = abs(sqnr(w, got) - sqnr(w, ref))
    report(d_db <= 0.01, f"hqq {name}: fpq {sqnr(w, got):.4f} dB, numpy {sqnr(w, ref):.4f} dB, "
                         f"min-max {sqnr(w, start):.4f} dB")
    worse = int(np.sum(b > a * (1 + 1e-12)))
    report(worse == 0 and b.sum() < a.sum(),
           f"hqq {name}: lp error {b.sum():.6g} against min-max {a.sum():.6g}, {int(np.sum(b < a))} of {a.size} "
           f"groups lower, {worse} higher")


# ---------------------------------------------------------------- transforms

def hadamard(b):
    h = np.array([[1.0]])
    while h.shape[0] < b:
        h = np.block([[h, h], [h, -h]])
    return h / np.sqrt(b)


def rotation(k, b):
    return np.kron(np.eye(k // b), hadamard(b))


def absmax(v, qmax, axis):
    s = np.max(np.abs(v), axis=axis, keepdims=True) / qmax
    s = np.where(s == 0, 1.0, s)
    return np.clip(np.rint(v / s), -qmax - 1, qmax) * s


W4A8 = ["--x-format", "int8", "--x-granularity", "row", "--x-scale-format", "exact", "--w-format", "int4",
        "--w-granularity", "col", "--w-scale-format", "exact"]
W8A8 = ["--x-format", "int8", "--x-granularity", "row", "--x-scale-format", "exact", "--w-format", "int8",
        "--w-granularity", "col", "--w-scale-format", "exact"]


def check_transforms(fpq, d):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((192, 256))
    x[:, rng.choice(256, 6, replace=False)] *= 25.0  # outlier channels
    w = rng.standard_normal((256, 24)) * 0.05
    xf, wf = os.path.join(d, "x.npy"), os.path.join(d, "w.npy")
    np.save(xf, x)
    np.save(wf, w)
    y = x @ w
    for rot in ("hadamard", "hadamard:2", "hadamard:64"):
        row = csv_row(fpq, ["matmul", "--rotate", rot, xf, wf])
        report(float(row["rel_err"]) < 1e-14 and row["rotate"] == ("hadamard:256" if rot == "hadamard" else rot),
               f"--rotate {rot} without quantization: rel_err {row['rel_err']}, rotate {row['rotate']}")
    for b in (256, 32):
        r = rotation(256, b)
        xr, wr = x @ r, r.T @ w
        ref = sqnr(y, absmax(xr, 127, 1) @ absmax(wr, 7, 0))
        got = float(csv_row(fpq, ["matmul", "--rotate", f"hadamard:{b}"] + W4A8 + [xf, wf])["sqnr_db"])
        report(abs(got - ref) <= 0.01, f"rotated W4A8, blocks of {b}: fpq {got:.4f} dB, numpy {ref:.4f} dB")
    # GPTQ on the rotated operands, calibrated on X[0:128], held out X[128:192]
    r = rotation(256, 256)
    q = gptq_ref(r.T @ w, x[0:128] @ r)
    ref = sqnr(x[128:192] @ w, (x[128:192] @ r) @ q)
    row = csv_row(fpq, ["matmul", "--rotate", "hadamard", "--w-method", "gptq", "--w-format", "int4", "--w-group",
                        "64", "--w-axis", "0", "--w-scale-format", "exact", "--calibrate", xf + "[0:128]",
                        xf + "[128:192]", wf])
    got = float(row["sqnr_db"])
    report(abs(got - ref) <= 0.1 and row["in_sample"] == "no",
           f"rotated GPTQ held out: fpq {got:.4f} dB, numpy {ref:.4f} dB, in_sample {row['in_sample']}")
    # SmoothQuant, factors from X[0:128], evaluated on X[128:192]
    for alpha in (0.5, 0.8):
        c = x[0:128]
        s = np.max(np.abs(c), axis=0) ** alpha / np.max(np.abs(w), axis=1) ** (1 - alpha)
        xe = x[128:192]
        ref = sqnr(xe @ w, absmax(xe / s, 127, 1) @ absmax(s[:, None] * w, 127, 0))
        plain = sqnr(xe @ w, absmax(xe, 127, 1) @ absmax(w, 127, 0))
        row = csv_row(fpq, ["matmul", "--smooth", str(alpha)] + W8A8 + ["--calibrate", xf + "[0:128]",
                                                                          xf + "[128:192]", wf])
        got = float(row["sqnr_db"])
        report(abs(got - ref) <= 0.01 and row["in_sample"] == "no" and row["smooth"] == str(alpha)
               and row["calib_tokens"] == "128",
               f"--smooth {alpha} W8A8 held out: fpq {got:.4f} dB, numpy {ref:.4f} dB (unsmoothed {plain:.4f} dB)")
    row = csv_row(fpq, ["matmul", "--smooth", "0.5"] + W8A8 + [xf, wf])
    report(row["in_sample"] == "yes" and row["calib_tokens"] == "192",
           f"--smooth without --calibrate: in_sample {row['in_sample']}, calib_tokens {row['calib_tokens']}")
    row = csv_row(fpq, ["matmul", "--scheme", "llm.int8", "--rotate", "hadamard", "--smooth", "0.5", xf, wf])
    report(row["scheme"] == "llm.int8" and row["rotate"] == "hadamard:256" and float(row["sqnr_db"]) > 20,
           f"LLM.int8 with --smooth and --rotate: {float(row['sqnr_db']):.4f} dB, outlier_frac "
           f"{row['outlier_frac']}")


def check_real(fpq, data, d):
    xf, wf = os.path.join(data, "usel", "ffn-in-l1.npy"), os.path.join(data, "usel", "ffn-w-l1.npy")
    if not (os.path.exists(xf) and os.path.exists(wf)):
        print(f"skip real layer: {xf} or {wf} absent (make data)")
        return
    check_hqq(fpq, d, "real layer ffn-w-l1 int4 g128", np.load(wf).astype(np.float64), 128)
    w4a8 = ["--x-format", "int8", "--x-granularity", "row", "--w-format", "int4", "--w-granularity", "col"]
    n = min(np.load(xf, mmap_mode="r").shape[0], 512)  # at most 512 tokens: the exact product's time
    xf = f"{xf}[0:{n}]"
    plain = float(csv_row(fpq, ["matmul"] + w4a8 + [xf, wf])["sqnr_db"])
    rot = float(csv_row(fpq, ["matmul", "--rotate", "hadamard"] + w4a8 + [xf, wf])["sqnr_db"])
    report(rot > plain + 1, f"real layer W4A8: rotated {rot:.4f} dB, unrotated {plain:.4f} dB")


def main():
    fpq = sys.argv[1]
    data = sys.argv[2] if len(sys.argv) > 2 else "data"
    with tempfile.TemporaryDirectory() as d:
        rng = np.random.default_rng(5)
        w = rng.standard_t(3, (512, 64)) * 0.02
        check_hqq(fpq, d, "synthetic t(3) int4 g128", w, 128)
        check_hqq(fpq, d, "synthetic t(3) int4 g32", w, 32)
        check_transforms(fpq, d)
        check_real(fpq, data, d)
    print(f"check_methods: {'all passed' if not fails else f'{fails} failed'}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
