"""check_gptq.py FPQ: fpq matmul --w-method gptq against an independent
NumPy float64 GPTQ (Frantar et al. 2022, Algorithm 1, written from the
paper without lazy batches: after each feature every later feature is
updated; the inverse Hessian by numpy.linalg.inv, its upper Cholesky factor
by numpy.linalg.cholesky).

Synthetic layer: X 640 tokens x 256 features (a few features scaled up, two
dead), W 256 x 32; int4 absmax, levels -7..7, groups of 64 along the input
dimension, binary64 scales.  Output SQNR of X_eval W^ against X_eval W must
agree within 0.1 dB: in-sample (calibrated on X[0:64], evaluated on it) and
held out (calibrated on X[0:64], evaluated on X[64:96]; and, with a
full-rank Hessian, calibrated on X[0:512], evaluated on X[512:640]), natural and
act-order, blocks of 128 and 7 (the lazy updates must not change the
result), the same CSV with 1 and 3 threads, and GPTQ must beat RTN
in-sample.

Real layer (make data): the layer-1 FFN output projection of the bundled
Universal Sentence Encoder Lite run on the GPL-3 text (DATA/usel/text/
ffn2-l1-x.npy, its first 2,048 tokens x 1536, and ffn2-l1-w.npy, 1536 x
512; DATA is $FPQ_DATA or data/), int4 absmax, levels -7..7, groups of 128
along the input dimension, binary64 scales: GPTQ's output SQNR equals the
NumPy implementation's within 0.1 dB in-sample (calibrated and evaluated on
tokens 0..2047) and held out (calibrated on 0..1023, evaluated on
1024..2047).  Without the data these cases are skipped with a SKIPPED
banner on stdout and stderr; --require-data makes that a failure, and
--real-only runs only them.

Usage: check_gptq.py [--real-only] [--require-data] FPQ.  Prints one line
per case; exit 0 when all pass, 1 otherwise."""
import csv
import io
import os
import subprocess
import sys
import tempfile

import numpy as np

QMAX = 7.0
GROUP = 64
REAL_GROUP = 128
SKIPPED = []  # the cases that did not run, for the summary line


def quant_rows(w, scale):
    s = np.where(scale == 0, 1.0, scale)
    return np.clip(np.round(w / s), -QMAX, QMAX) * s


def gptq_ref(w, x, damp=0.01, act_order=False, group=GROUP):
    w = w.copy()
    k = w.shape[0]
    h = x.T @ x
    dead = np.diag(h) == 0
    h[dead, dead] = 1.0
    w[dead, :] = 0.0
    perm = np.arange(k)
    if act_order:
        perm = np.argsort(-np.diag(h), kind="stable")
    w = w[perm]
    h = h[np.ix_(perm, perm)]
    h = h + damp * np.mean(np.diag(h)) * np.eye(k)
    u = np.linalg.cholesky(np.linalg.inv(h)).T
    q = np.zeros_like(w)
    scale = None
    for i in range(k):
        if i % group == 0:
            scale = np.max(np.abs(w[i:i + group]), axis=0) / QMAX
        q[i] = quant_rows(w[i], scale)
        e = (w[i] - q[i]) / u[i, i]
        w[i + 1:] -= np.outer(u[i, i + 1:], e)
    out = np.zeros_like(q)
    out[perm] = q
    return out


def rtn(w):
    q = np.zeros_like(w)
    for g in range(0, w.shape[0], GROUP):
        q[g:g + GROUP] = quant_rows(w[g:g + GROUP], np.max(np.abs(w[g:g + GROUP]), axis=0) / QMAX)
    return q


def sqnr(x, w, q):
    y = x @ w
    return 10 * np.log10(np.sum(y * y) / np.sum((x @ q - y) ** 2))


def fpq_sqnr(fpq, xf, wf, calib, extra, group=GROUP):
    cmd = [fpq, "matmul", "--csv", "--w-format", "int4", "--w-group", str(group), "--w-axis", "0",
           "--w-scale-format", "exact", xf, wf] + extra
    if calib:
        cmd += ["--calibrate", calib]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    row = next(csv.DictReader(io.StringIO(r.stdout)))
    return float(row["sqnr_db"]), row


def summary(fails):
    skip = f" ({', '.join(SKIPPED)} SKIPPED)" if SKIPPED else ""
    return f"check_gptq: {'all passed' if not fails else f'{fails} failed'}{skip}"


def real_layer(fpq, require):
    """The done-when cases on the real layer; the number of failures."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    data = os.environ.get("FPQ_DATA") or os.path.join(root, "data")
    xf = os.path.join(data, "usel", "text", "ffn2-l1-x.npy")
    wf = os.path.join(data, "usel", "text", "ffn2-l1-w.npy")
    if not (os.path.exists(xf) and os.path.exists(wf)):
        msg = ("check_gptq: SKIPPED: the real-layer cases (USE-lite layer-1 FFN output projection, "
               "2,048 tokens of the GPL-3 text) did not run: %s missing; run make data" % xf)
        banner = "*" * 78
        for f in (sys.stdout, sys.stderr):
            print("%s\n%s\n%s" % (banner, msg, banner), file=f, flush=True)
        SKIPPED.append("the real-layer cases")
        return 1 if require else 0
    x = np.load(xf).astype(np.float64)
    w = np.load(wf).astype(np.float64)
    if x.shape[0] < 2048 or x.shape[1] != 1536 or w.shape != (1536, 512):
        print("FAIL real layer: X %s, W %s: expected at least 2048 x 1536 and 1536 x 512" % (x.shape, w.shape))
        return 1
    fails = 0
    cases = [("real in-sample (tokens 0..2047)", xf + "[0:2048]", None, x[0:2048], x[0:2048]),
             ("real held-out (calibrated on 0..1023, evaluated on 1024..2047)", xf + "[1024:2048]",
              xf + "[0:1024]", x[0:1024], x[1024:2048])]
    for name, xsrc, csrc, xc, xe in cases:
        ref = sqnr(xe, w, gptq_ref(w, xc, 0.01, False, REAL_GROUP))
        got, row = fpq_sqnr(fpq, xsrc, wf, csrc, ["--w-method", "gptq"], REAL_GROUP)
        want_in = "yes" if csrc is None else "no"
        ok = (abs(got - ref) <= 0.1 and row["in_sample"] == want_in
              and row["calib_tokens"] == str(xc.shape[0]) and row["eval_tokens"] == str(xe.shape[0]))
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: fpq {got:.4f} dB, numpy {ref:.4f} dB, "
              f"in_sample {row['in_sample']}", flush=True)
    return fails


def main():
    args = sys.argv[1:]
    real_only = "--real-only" in args
    require = "--require-data" in args
    args = [a for a in args if a not in ("--real-only", "--require-data")]
    if len(args) != 1:
        sys.exit("usage: check_gptq.py [--real-only] [--require-data] FPQ")
    fpq = args[0]
    if real_only:
        fails = real_layer(fpq, require)
        print(summary(fails))
        return 1 if fails else 0
    rng = np.random.default_rng(7)
    x = rng.standard_normal((640, 256))
    x[:, rng.choice(256, 8, replace=False)] *= 10.0  # outlier features
    x[:, [5, 77]] = 0.0                              # dead features
    w = rng.standard_normal((256, 32)) * 0.05
    fails = 0
    with tempfile.TemporaryDirectory() as d:
        xf, wf = os.path.join(d, "x.npy"), os.path.join(d, "w.npy")
        np.save(xf, x)
        np.save(wf, w)
        cal, ev = x[0:64], x[64:96]
        # full rank: 512 calibration tokens, 128 held out
        big = [("full-rank held-out natural", xf + "[512:640]", xf + "[0:512]", x[512:640], False, []),
               ("full-rank held-out act-order", xf + "[512:640]", xf + "[0:512]", x[512:640], True,
                ["--act-order"])]
        for name, xsrc, csrc, xe, act, extra in big:
            ref = sqnr(xe, w, gptq_ref(w, x[0:512], 0.01, act))
            got, row = fpq_sqnr(fpq, xsrc, wf, csrc, ["--w-method", "gptq"] + extra)
            ok = abs(got - ref) <= 0.1 and row["in_sample"] == "no" and row["calib_tokens"] == "512"
            fails += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: fpq {got:.4f} dB, numpy {ref:.4f} dB")
        cases = [
            ("in-sample natural", xf + "[0:64]", None, cal, False, []),
            ("in-sample natural block 7", xf + "[0:64]", None, cal, False, ["--block", "7"]),
            ("held-out natural", xf + "[64:96]", xf + "[0:64]", ev, False, []),
            ("held-out natural block 7", xf + "[64:96]", xf + "[0:64]", ev, False, ["--block", "7"]),
            ("in-sample act-order", xf + "[0:64]", None, cal, True, ["--act-order"]),
            ("held-out act-order", xf + "[64:96]", xf + "[0:64]", ev, True, ["--act-order"]),
            ("held-out damp 0.1", xf + "[64:96]", xf + "[0:64]", ev, False, ["--damp", "0.1"]),
        ]
        for name, xsrc, csrc, xe, act, extra in cases:
            damp = float(extra[1]) if extra[:1] == ["--damp"] else 0.01
            ref = sqnr(xe, w, gptq_ref(w, cal, damp, act))
            got, row = fpq_sqnr(fpq, xsrc, wf, csrc, ["--w-method", "gptq"] + extra)
            ok = abs(got - ref) <= 0.1
            want_in = "yes" if csrc is None else "no"
            ok = ok and row["in_sample"] == want_in and row["calib_tokens"] == "64"
            fails += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: fpq {got:.4f} dB, numpy {ref:.4f} dB, "
                  f"in_sample {row['in_sample']}")
        outs = []
        for t in ("1", "3"):
            env = dict(os.environ, OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t)
            cmd = [fpq, "matmul", "--csv", "--w-method", "gptq", "--act-order", "--w-format", "int4", "--w-group",
                   str(GROUP), "--w-axis", "0", "--calibrate", xf + "[0:512]", xf + "[512:640]", wf]
            outs.append(subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout)
        ok = outs[0] == outs[1]
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} same CSV with 1 and 3 threads")
        got_rtn, _ = fpq_sqnr(fpq, xf + "[0:64]", wf, None, [])
        ref_rtn = sqnr(cal, w, rtn(w))
        ref_gptq = sqnr(cal, w, gptq_ref(w, cal))
        ok = abs(got_rtn - ref_rtn) <= 0.1 and ref_gptq > ref_rtn + 1
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} rtn in-sample: fpq {got_rtn:.4f} dB, numpy {ref_rtn:.4f} dB "
              f"(gptq {ref_gptq:.4f} dB)")
    fails += real_layer(fpq, require)
    print(summary(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
