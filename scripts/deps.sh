#!/bin/sh
# deps.sh: make sure the packages fpq's build needs are installed.
#
# Debian-like systems (dpkg-query present):
#   all installed        exit 0, silently
#   missing, as root     apt-get update, then apt-get install -y the missing
#   missing, not root    print the sudo apt-get line on stderr, exit 1
# Other systems: say what is needed; exit 0 only if pkg-config finds mpfr,
# gmp and check and a C compiler and make are on PATH.
#
# `make` runs this once (build/.deps-ok); `make deps` runs it again.

set -eu

# Package: why it is needed.
#   gcc, make       the compiler (C11, OpenMP) and GNU make
#   libmpfr-dev     the reference arithmetic (MPFR)
#   libgmp-dev      MPFR's integer layer (GMP)
#   check           the C unit-test framework of tests/check_*.c
#   pkg-config      finds the libraries' flags
#   gnuplot-nox     figures in the report
#   libsndfile1-dev audio loader of the error lab (WAV, FLAC, ...)
#   libjansson-dev  JSON parser for safetensors and TF.js manifests
#   python3-numpy   independent check of the bundled data's statistics
#                   (scripts/fetch-data.sh); clang, when present, builds
#                   the fuzz targets (optional: make check skips them)
PACKAGES="gcc make libmpfr-dev libgmp-dev check pkg-config gnuplot-nox libsndfile1-dev libjansson-dev python3-numpy"

me=deps.sh

installed() {
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    test "$status" = "install ok installed"
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "$me: not a Debian-like system; fpq needs: a C11 compiler with" \
         "OpenMP (gcc), GNU make, MPFR and GMP (with headers), Check," \
         "pkg-config, libsndfile, jansson and gnuplot" >&2
    ok=yes
    for tool in make pkg-config; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$me: $tool not found" >&2
            ok=no
        fi
    done
    if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
        echo "$me: C compiler ${CC:-cc} not found" >&2
        ok=no
    fi
    if [ "$ok" = yes ]; then
        for lib in mpfr gmp check sndfile jansson; do
            if ! pkg-config --exists "$lib"; then
                echo "$me: pkg-config does not find $lib" >&2
                ok=no
            fi
        done
    fi
    if ! command -v gnuplot >/dev/null 2>&1; then
        echo "$me: gnuplot not found (needed for the report's figures)" >&2
    fi
    if [ "$ok" = yes ]; then
        echo "$me: found what the build needs; continuing" >&2
        exit 0
    fi
    exit 1
fi

missing=""
for pkg in $PACKAGES; do
    if installed "$pkg"; then
        continue
    fi
    # Any gnuplot build will do for the figures.
    if [ "$pkg" = gnuplot-nox ] &&
       { installed gnuplot-qt || installed gnuplot-x11; }; then
        continue
    fi
    missing="$missing $pkg"
done
missing=${missing# }

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    echo "$me: installing $missing" >&2
    apt-get update
    # $missing is a space-separated list of package names: split it.
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
    exit 0
fi

echo "$me: missing Debian packages: $missing" >&2
echo "$me: install them with:" >&2
echo "sudo apt-get install -y $missing" >&2
exit 1
