#!/bin/sh
# deps.sh [TIER...]: make sure the packages a make target needs are installed.
#
# Tiers (default: lib):
#   lib     `make`: a C11 compiler with OpenMP, GNU make, MPFR and GMP;
#           optional: OpenBLAS (the network engine's fp32 products, loaded
#           at run time; plain loops without it)
#   check   `make check`: lib, Check, pkg-config, libsndfile, Jansson,
#           gnuplot and the Python package's build and tests (python3-dev,
#           NumPy, pytest); optional: the second compiler (clang and libomp-dev
#           beside gcc, or gcc beside clang) and clang's libFuzzer runtime
#   report  `make report`: lib, pkg-config, libsndfile, Jansson, gnuplot
#           and NumPy
# The compiler is clang with libomp-dev (LLVM's OpenMP runtime) when $CC
# names clang, else gcc.
#
# Debian-like systems (dpkg-query present):
#   all installed        exit 0, silently
#   missing, as root     apt-get update, then apt-get install -y the missing
#                        packages; optional ones that fail to install are
#                        reported, not fatal
#   missing, not root    print the sudo apt-get line on stderr; exit 1 when
#                        a required package is missing, else 0
# Other systems: say what is needed; exit 0 only if the compiler, make and
# (for check and report) pkg-config are on PATH and pkg-config finds the
# tier's libraries.
#
# The Makefile runs this once per tier and build/ (build/.deps-TIER...);
# `make deps` runs every tier again.

set -eu

# Package: why it is needed.
#   gcc, make       the compiler (C11, OpenMP) and GNU make
#   clang           the compiler with CC=clang, and make check's second build
#   libomp-dev      OpenMP for clang (omp.h, libomp)
#   libclang-rt-dev clang's libFuzzer runtime: make check runs the fuzz
#                   targets on their seeds (skipped without it)
#   libmpfr-dev     the reference arithmetic (MPFR)
#   libgmp-dev      MPFR's integer layer (GMP)
#   liblapacke-dev  GPTQ's Cholesky factors and inverse (LAPACKE)
#   libopenblas-dev GPTQ's block updates (CBLAS), and LAPACK for LAPACKE
#   check           the C unit-test framework of tests/check_*.c
#   pkg-config      finds the libraries' flags, and whether libsndfile and
#                   Jansson are there (the loaders that need them are left
#                   out of fpq otherwise)
#   libsndfile1-dev audio loader of the error lab (WAV, FLAC, ...)
#   libjansson-dev  JSON parser for safetensors and TF.js manifests
#   gnuplot-nox     figures in the report (and make check's figure test)
#   libopenblas-dev CBLAS for the fp32 products of fpq train and eval
#                   (analysis/train/blas.c, loaded at run time; optional)
#   python3-numpy   independent check of the bundled data's statistics
#                   (scripts/fetch-data.sh, run by make report); the NumPy
#                   quantizers of make check (tests/quant/); the Python
#                   package's arrays (python/, built by make when present)
#   python3-dev     the Python headers the package's C extension builds on
#   python3-pytest  runs the Python package's tests (tests/python/)

me=deps.sh

case ${CC:-cc} in
*clang*) cc_pkgs="clang libomp-dev" other_pkgs="gcc" ;;
*) cc_pkgs="gcc" other_pkgs="clang libomp-dev" ;;
esac
loaders="pkg-config libsndfile1-dev libjansson-dev"

required=""
optional=""
add() { # add VAR PACKAGE...: append the packages not yet listed
    var=$1
    shift
    for p; do
        case " $required $optional " in
        *" $p "*) ;;
        *) eval "$var=\"\${$var:+\$$var }$p\"" ;;
        esac
    done
}

[ $# -gt 0 ] || set -- lib
# $cc_pkgs, $other_pkgs and $loaders are lists of package names: split them.
# shellcheck disable=SC2086
for tier; do
    case $tier in
    lib)
        add required make libmpfr-dev libgmp-dev $cc_pkgs liblapacke-dev libopenblas-dev
        add optional libopenblas-dev
        ;;
    check)
        add required make libmpfr-dev libgmp-dev $cc_pkgs check $loaders gnuplot-nox
        add required python3-dev python3-numpy python3-pytest
        add optional $other_pkgs clang libclang-rt-dev libopenblas-dev
        ;;
    report)
        add required make libmpfr-dev libgmp-dev $cc_pkgs $loaders gnuplot-nox python3-numpy
        add optional libopenblas-dev
        ;;
    *)
        echo "$me: unknown tier '$tier' (lib, check, report)" >&2
        exit 2
        ;;
    esac
done

installed() {
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    test "$status" = "install ok installed"
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "$me: not a Debian-like system; for $* fpq needs the equivalents" \
         "of: $required${optional:+ (optional: $optional)}" >&2
    ok=yes
    cc_cmd=${CC:-cc}
    tools="make ${cc_cmd%% *}"
    libs="mpfr gmp"
    case " $* " in
    *" check "*) tools="$tools pkg-config"; libs="$libs check sndfile jansson" ;;
    esac
    case " $* " in
    *" report "*) tools="$tools pkg-config"; libs="$libs sndfile jansson" ;;
    esac
    for tool in $tools; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$me: $tool not found" >&2
            ok=no
        fi
    done
    # Without pkg-config (tier lib) MPFR and GMP are linked as -lmpfr -lgmp.
    if command -v pkg-config >/dev/null 2>&1; then
        for lib in $libs; do
            if ! pkg-config --exists "$lib"; then
                echo "$me: pkg-config does not find $lib" >&2
                case $lib in mpfr | gmp) ;; *) ok=no ;; esac
            fi
        done
    fi
    case " $* " in
    *" check "* | *" report "*)
        if ! command -v gnuplot >/dev/null 2>&1; then
            echo "$me: gnuplot not found (needed for the report's figures)" >&2
        fi
        ;;
    esac
    if [ "$ok" = yes ]; then
        echo "$me: found what $* needs; continuing" >&2
        exit 0
    fi
    exit 1
fi

# missing_of PACKAGE...: those not installed (any gnuplot build will do).
missing_of() {
    out=""
    for pkg; do
        if installed "$pkg"; then
            continue
        fi
        if [ "$pkg" = gnuplot-nox ] &&
           { installed gnuplot-qt || installed gnuplot-x11; }; then
            continue
        fi
        out="${out:+$out }$pkg"
    done
    echo "$out"
}

# $required and $optional are space-separated package names: split them.
# shellcheck disable=SC2086
missing=$(missing_of $required)
# shellcheck disable=SC2086
missing_opt=$(missing_of $optional)

if [ -z "$missing" ] && [ -z "$missing_opt" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    if [ -n "$missing" ]; then
        echo "$me: installing $missing" >&2
        apt-get update
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
    fi
    if [ -n "$missing_opt" ]; then
        echo "$me: installing (optional) $missing_opt" >&2
        # shellcheck disable=SC2086
        { [ -n "$missing" ] || apt-get update; } &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y $missing_opt ||
            echo "$me: could not install $missing_opt; the steps that need" \
                 "them will say they are skipped" >&2
    fi
    exit 0
fi

if [ -n "$missing_opt" ]; then
    echo "$me: optional for $*, not installed: $missing_opt" >&2
    echo "$me: the steps that need them will say they are skipped; to run them:" >&2
    echo "sudo apt-get install -y $missing_opt" >&2
fi
if [ -n "$missing" ]; then
    echo "$me: missing Debian packages for $*: $missing" >&2
    echo "$me: install them with:" >&2
    echo "sudo apt-get install -y $missing" >&2
    exit 1
fi
exit 0
