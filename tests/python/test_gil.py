"""The bulk calls release the GIL.  With the switch interval so long that
python never takes the GIL from a running thread, a waiting thread runs
only when the other gives the GIL up itself.  The worker wakes the main
thread, keeps the GIL for 0.2 s of pure Python (time for the main thread
to be scheduled and to wait for the GIL), then makes the call: the main
thread gets the GIL, and sees the call unfinished, only if the call
released it (leaving the call, the worker must then wait for the main
thread).  The inputs are prepared so that the package's own argument
handling does no NumPy work that would release the GIL by itself.

On a loaded machine the main thread may not be scheduled before a short
call ends, so a test tries up to ATTEMPTS times and passes when one try
sees the call unfinished.  A call that keeps the GIL can never be seen
unfinished (the main thread cannot run during it), so retrying cannot make
such a call pass."""
import sys
import threading
import time

import numpy as np
import pytest

import fpq

X = np.linspace(-100, 100, 1 << 16)
X32 = X.astype(np.float32)
A = fpq.encode(X, "fp16")
CALLS = {
    "round": lambda: fpq.round(X32, "fp8_e4m3"),
    "encode": lambda: fpq.encode(X, "fp8_e5m2"),
    "decode": lambda: fpq.decode(A, "fp16"),
    "convert": lambda: fpq.convert(A, "fp16", "e4m3"),
    "arith": lambda: fpq.arith("fp16", "mul", A, A),
    "dot": lambda: fpq.dot(X, X),
    "gemm": lambda: fpq.gemm(X[:4096].reshape(64, 64), X[:4096].reshape(64, 64)),
    "quantize": lambda: fpq.quantize(X, "int4", group=32),
}


ATTEMPTS = 5


def seen_unfinished(call):
    """One try: True when the main thread ran while call was running."""
    state = {"done": False}
    entering = threading.Event()

    def worker():
        entering.set()
        end = time.perf_counter() + 0.2
        while time.perf_counter() < end:
            pass
        call()
        state["done"] = True

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        t = threading.Thread(target=worker)
        t.start()
        entering.wait()
        seen_done = state["done"]
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert state["done"]
    return not seen_done


@pytest.mark.parametrize("name", sorted(CALLS))
def test_call_releases_the_gil(name):
    call = CALLS[name]
    call()  # warm up (imports, first-use tables) outside the measured call
    assert any(seen_unfinished(call) for _ in range(ATTEMPTS)), f"fpq.{name} kept the GIL for the whole call"
