"""Shared helpers of the Python package's tests: the fpq command (FPQ, set
by make check-python; else build/fpq) and its output parsed into arrays."""
import os
import subprocess

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FPQ = os.environ.get("FPQ", os.path.join(ROOT, "build", "fpq"))


def run_fpq(*args, stdin=None):
    """Standard output of `fpq ARGS...` (fails the test on a nonzero exit)."""
    p = subprocess.run([FPQ, *args], input=stdin, capture_output=True, text=True, check=False)
    assert p.returncode == 0, f"fpq {' '.join(args)}: {p.stderr}"
    return p.stdout


def vectors(src, dst, *opts):
    """`fpq vectors SRC DST OPTS...` as (inputs, expected) uint64 arrays."""
    text = run_fpq("vectors", src, dst, *opts)
    tokens = [t for ln in text.splitlines() if not ln.startswith("#") for t in ln.split()]
    a = np.fromiter((int(t, 16) for t in tokens), np.uint64, len(tokens))
    return a[0::2], a[1::2]


def host_floats(bits, dtype):
    """Patterns of float32/float64 (uint64 array) as that dtype."""
    return bits.astype(np.uint32 if dtype == np.float32 else np.uint64).view(dtype)


@pytest.fixture(scope="session")
def fpq_cmd():
    if not os.access(FPQ, os.X_OK):
        pytest.fail(f"the fpq command {FPQ} is not built")
    return FPQ
