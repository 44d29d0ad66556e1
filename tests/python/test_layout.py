"""The layout check: a libfpq or libfpqlab other than the one the module
was built against (another version, or struct sizes that differ) makes
`import fpq` fail instead of corrupting memory.  A stand-in library,
preloaded, answers fpq_version or fpq_*struct_size differently."""
import os
import shutil
import subprocess
import sys

import pytest

SHIMS = {
    "version": ('const char *fpq_version(void) { return "9.9.9"; }',
                "built against libfpq 0.1.0 but libfpq 9.9.9 was loaded"),
    "format": ('#include <stddef.h>\n#include <string.h>\n'
               'size_t fpq_struct_size(const char *n) { return strcmp(n, "fpq_format") ? 0 : 8; }',
               "fpq_format is 8 bytes in the loaded libfpq"),
    "qspec": ('#include <stddef.h>\nsize_t fpq_lab_struct_size(const char *n) { (void)n; return 1; }',
              "fpq_tensor is 1 bytes in the loaded libfpqlab"),
}


@pytest.mark.parametrize("shim", sorted(SHIMS))
def test_mismatched_library_fails_at_import(tmp_path, shim):
    cc = os.environ.get("CC", "cc").split()[0]
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler {cc}")
    src, message = SHIMS[shim]
    (tmp_path / "shim.c").write_text(src + "\n")
    so = tmp_path / "shim.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(tmp_path / "shim.c")], check=True)
    # after what is preloaded already (the sanitizer runtimes under SANITIZE)
    before = os.environ.get("LD_PRELOAD", "")
    env = dict(os.environ, LD_PRELOAD=f"{before} {so}".strip())
    p = subprocess.run([sys.executable, "-c", "import fpq"], env=env, capture_output=True, text=True)
    assert p.returncode != 0
    assert "ImportError" in p.stderr and message in p.stderr, p.stderr
    # and without the stand-in it imports
    subprocess.run([sys.executable, "-c", "import fpq"], env=os.environ, check=True)
