#!/usr/bin/python3
"""int4_quantizer.py: a small int4 quantizer, the program under test of
tie_bug.sh -- absmax scales per group of 32 along a row, computed in
float32 as a kernel does: S = fl32(amax / 7), q = clip(round(fl32(x / S)),
-8, 7).

Usage: int4_quantizer.py [--bug] IN.npy CODES.npy SCALES.npy

round is NumPy's rint (ties to even, as fpq); --bug plants the classic tie
bug round(y) = floor(y + 0.5), which rounds every tie up (2.5 -> 3, -1.5 ->
-1) and agrees with ties to even everywhere else.
"""
import sys

import numpy as np


def main():
    args = sys.argv[1:]
    bug = bool(args) and args[0] == "--bug"
    if bug:
        args = args[1:]
    if len(args) != 3:
        sys.exit(__doc__)
    x = np.load(args[0]).astype(np.float32)
    g = x.reshape(-1, 32)
    s = np.abs(g).max(axis=1) / np.float32(7)
    s = np.where(s > 0, s, np.float32(2.0 ** -149)).astype(np.float32)
    y = g / s[:, None]
    q = np.floor(y + np.float32(0.5)) if bug else np.rint(y)
    np.save(args[1], np.clip(q, -8, 7).astype(np.int64).reshape(x.shape))
    np.save(args[2], s.astype(np.float64).reshape(x.shape[0], -1))


if __name__ == "__main__":
    main()
