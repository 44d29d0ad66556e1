#!/usr/bin/env python3
"""bench-stream.py: the speed of the `fpq arith` stream.

Usage: scripts/bench-stream.py PATH/TO/fpq [LINES] [REPS]

Writes LINES (default 10,000,000) lines of two random fp16 hex patterns
("0x3c00 0x4000", random.seed(1)) to a temporary file, then runs
`fpq arith fp16 add --flags` and `fpq arith bf16 mul --flags` on it REPS
times each (default 3), with standard output to /dev/null and to a file,
and prints for each the best wall time and the best CPU time (user +
system, of fpq alone) as millions of lines per second, and the load
average, since the machine may be shared.  Speed is measured here and
never asserted in a test.
"""
import os
import random
import resource
import subprocess
import sys
import tempfile
import time


def run(cmd, src, dst):
    """Wall and CPU seconds of one run of cmd (stdin src, stdout dst)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        rc = subprocess.call(cmd, stdin=fi, stdout=fo)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        sys.exit("bench-stream: %s exited with status %d" % (" ".join(cmd), rc))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[2])
    fpq = sys.argv[1]
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    random.seed(1)
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "pairs.txt")
        with open(src, "w") as f:
            left = lines
            while left:
                k = min(left, 100_000)
                f.write("".join("0x%04x 0x%04x\n" % (random.getrandbits(16), random.getrandbits(16))
                                for _ in range(k)))
                left -= k
        print("stream, output, lines, best_wall_s, mlines_per_s_wall, best_cpu_s, mlines_per_s_cpu, load1")
        for fmt, op in (("fp16", "add"), ("bf16", "mul")):
            for out in ("/dev/null", os.path.join(d, "out.txt")):
                best_w = best_c = float("inf")
                for _ in range(reps):
                    w, c = run([fpq, "arith", fmt, op, "--flags"], src, out)
                    best_w, best_c = min(best_w, w), min(best_c, c)
                print("arith %s %s --flags, %s, %d, %.3f, %.1f, %.3f, %.1f, %.2f" %
                      (fmt, op, "devnull" if out == "/dev/null" else "file", lines, best_w, lines / best_w / 1e6,
                       best_c, lines / max(best_c, 1e-9) / 1e6, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
