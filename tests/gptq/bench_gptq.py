"""bench_gptq.py FPQ [TOKENS]: the time of GPTQ on a 1536 x 512 layer
calibrated on TOKENS (default 1024) synthetic tokens: fpq matmul --w-method
gptq (int4 absmax, groups of 128 along the input dimension, binary64
scales, evaluated on 8 other tokens, so the command's time is GPTQ's) against
a NumPy float64 implementation of the same algorithm with the same lazy
blocks of 128 (numpy.linalg.cholesky for the factors, matrix products for
the block updates), in the same run.  Prints both times (best of 3) and
both output SQNRs.  Not a test: numbers for the README."""
import csv
import io
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

K, N, G, B = 1536, 512, 128, 128


def gptq_numpy(w, x, damp=0.01):
    w = w.copy()
    k, n = w.shape
    h = x.T @ x
    dead = np.diag(h) == 0
    h[dead, dead] = 1.0
    w[dead, :] = 0.0
    h[np.diag_indices(k)] += damp * np.mean(np.diag(h))
    lo = np.linalg.cholesky(h)
    li = np.linalg.inv(lo)  # triangular: H^-1 = li^T li
    u = np.linalg.cholesky(li.T @ li).T
    q = np.zeros_like(w)
    for i1 in range(0, k, B):
        i2 = min(i1 + B, k)
        e = np.zeros((i2 - i1, n))
        for i in range(i1, i2):
            if i % G == 0:
                blk = w[i:i + G].copy()
                if i + G > i2 and i > i1:
                    blk[i2 - i:] -= u[i1:i, i2:i + G].T @ e[:i - i1]
                s = np.max(np.abs(blk), axis=0) / 7
                s[s == 0] = 1
            q[i] = np.clip(np.round(w[i] / s), -7, 7) * s
            e[i - i1] = (w[i] - q[i]) / u[i, i]
            w[i + 1:i2] -= np.outer(u[i, i + 1:i2], e[i - i1])
        w[i2:] -= u[i1:i2, i2:].T @ e
    return q


def main():
    fpq = sys.argv[1]
    tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    rng = np.random.default_rng(1)
    x = rng.standard_normal((tokens + 8, K))
    x[:, rng.choice(K, 16, replace=False)] *= 20.0
    w = rng.standard_normal((K, N)) * 0.02
    with tempfile.TemporaryDirectory() as d:
        xf, wf = os.path.join(d, "x.npy"), os.path.join(d, "w.npy")
        np.save(xf, x)
        np.save(wf, w)
        cmd = [fpq, "matmul", "--csv", "--w-method", "gptq", "--w-format", "int4", "--w-group", str(G),
               "--w-axis", "0", "--w-scale-format", "exact", "--calibrate", f"{xf}[0:{tokens}]",
               f"{xf}[{tokens}:{tokens + 8}]", wf]
        tf = []
        for _ in range(3):
            t0 = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            tf.append(time.perf_counter() - t0)
        sf = float(next(csv.DictReader(io.StringIO(out)))["sqnr_db"])
    tn = []
    for _ in range(3):
        t0 = time.perf_counter()
        q = gptq_numpy(w, x[:tokens])
        tn.append(time.perf_counter() - t0)
    xe = x[tokens:]
    y = xe @ w
    sn = 10 * np.log10(np.sum(y * y) / np.sum((xe @ q - y) ** 2))
    print(f"{K} x {N}, {tokens} calibration tokens: fpq {min(tf):.2f} s (sqnr {sf:.3f} dB), "
          f"numpy {min(tn):.2f} s (sqnr {sn:.3f} dB), ratio {min(tf) / min(tn):.2f}")


if __name__ == "__main__":
    main()
