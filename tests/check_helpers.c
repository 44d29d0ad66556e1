/* check_helpers.c: the shared helpers declared in check_fpq.h. */
#include "check_fpq.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Seed and generator ------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

void fpq_check_mkdtemp(char *dir, size_t n, const char *tag)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, n, "%s/fpq-check-%s.XXXXXX", base && *base ? base : "/tmp", tag);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
}

void fpq_check_rmtree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

uint64_t fpq_check_seed(void)
{
    const char *s = getenv("FPQ_CHECK_SEED");
    if (s == NULL || *s == '\0')
        return FPQ_CHECK_DEFAULT_SEED;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != '\0')
        return FPQ_CHECK_DEFAULT_SEED;
    return (uint64_t)v;
}

bool fpq_check_exhaustive(void)
{
    const char *s = getenv("FPQ_CHECK_EXHAUSTIVE");
    return s != NULL && strcmp(s, "1") == 0;
}

bool fpq_check_under_valgrind(void)
{
    const char *s = getenv("LD_PRELOAD");
    return s != NULL && strstr(s, "vgpreload") != NULL;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void fpq_check_rng_init(fpq_check_rng *r, uint64_t stream)
{
    uint64_t s = fpq_check_seed() ^ (stream * UINT64_C(0xd1b54a32d192ed03));
    r->state = splitmix64(&s);
}

uint64_t fpq_check_rng_next(fpq_check_rng *r)
{
    return splitmix64(&r->state);
}

uint64_t fpq_check_rng_below(fpq_check_rng *r, uint64_t n)
{
    /* Rejection keeps it unbiased; n is small in every use. */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = fpq_check_rng_next(r);
    while (v >= lim);
    return v % n;
}

/* Exponent-range fixture -------------------------------------------------- */

static mpfr_exp_t saved_emin, saved_emax;

static void range_setup(void)
{
    saved_emin = mpfr_get_emin();
    saved_emax = mpfr_get_emax();
}

static void range_teardown(void)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    ck_assert_msg(emin == saved_emin && emax == saved_emax,
                  "MPFR exponent range changed by the test's calls: "
                  "emin %ld -> %ld, emax %ld -> %ld",
                  (long)saved_emin, (long)emin, (long)saved_emax, (long)emax);
}

TCase *fpq_check_tcase(const char *name, double timeout)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, range_setup, range_teardown);
    tcase_set_timeout(tc, timeout);
    return tc;
}

TCase *fpq_check_tcase_slow(const char *name, double timeout)
{
    TCase *tc = fpq_check_tcase(name, timeout);
    tcase_set_tags(tc, "slow");
    return tc;
}

/* Formats ----------------------------------------------------------------- */

const char *const fpq_check_custom_names[] = {
    "e5m4", "e3m3fn", "e4m2fnuz", "e2m2", "e6m9b20", "e3m1b2finite",
    "int3", "uint5", "int12",
    /* corners: fn and fnuz at 4 and 6 bits, a bias override on an IEEE
     * shape, a 3-bit float, no mantissa with fn, a 16-bit integer */
    "e2m1fn", "e3m2fnuz", "e4m3b4", "e1m1", "e4m0fn", "uint16",
};
const size_t fpq_check_ncustom =
    sizeof fpq_check_custom_names / sizeof fpq_check_custom_names[0];

#define NCUSTOM_MAX 16
static fpq_format custom_fmt[NCUSTOM_MAX];
static int custom_state[NCUSTOM_MAX]; /* 0 unparsed, 1 ok, 2 failed */

static const fpq_format *custom(size_t k)
{
    if (k >= NCUSTOM_MAX)
        return NULL;
    if (custom_state[k] == 0) {
        int st = fpq_format_parse(&custom_fmt[k], fpq_check_custom_names[k]);
        custom_state[k] = st == FPQ_OK ? 1 : 2;
    }
    return custom_state[k] == 1 ? &custom_fmt[k] : NULL;
}

size_t fpq_check_nformats(void)
{
    return fpq_npresets + fpq_check_ncustom;
}

const fpq_format *fpq_check_format(size_t i)
{
    if (i < fpq_npresets)
        return &fpq_presets[i];
    return custom(i - fpq_npresets);
}

const char *fpq_check_label(size_t i)
{
    if (i < fpq_npresets)
        return fpq_presets[i].name;
    if (i - fpq_npresets < fpq_check_ncustom)
        return fpq_check_custom_names[i - fpq_npresets];
    return "(out of range)";
}

/* Indices (into the full list) of the formats of at most 16 bits.  A custom
 * that fails to parse stays in the list so its tests fail loudly. */
static size_t small_index[256];
static size_t nsmall = SIZE_MAX;

static void build_small(void)
{
    if (nsmall != SIZE_MAX)
        return;
    nsmall = 0;
    for (size_t i = 0; i < fpq_check_nformats() && nsmall < 256; i++) {
        const fpq_format *f = fpq_check_format(i);
        if (f == NULL || f->bits <= 16)
            small_index[nsmall++] = i;
    }
}

size_t fpq_check_nsmall(void)
{
    build_small();
    return nsmall;
}

const fpq_format *fpq_check_small(size_t i)
{
    build_small();
    return i < nsmall ? fpq_check_format(small_index[i]) : NULL;
}

const char *fpq_check_small_label(size_t i)
{
    build_small();
    return i < nsmall ? fpq_check_label(small_index[i]) : "(out of range)";
}

const fpq_format *fpq_check_preset(const char *name)
{
    for (size_t i = 0; i < fpq_npresets; i++)
        if (strcmp(fpq_presets[i].name, name) == 0)
            return &fpq_presets[i];
    return NULL;
}

const fpq_format *fpq_check_need(const char *name)
{
    const fpq_format *f = fpq_check_preset(name);
    if (f == NULL)
        ck_abort_msg("preset %s is missing from fpq_presets", name);
    return f;
}

/* Reference decoder ------------------------------------------------------- */

uint64_t fpq_check_mask(const fpq_format *fmt)
{
    return fmt->bits >= 64 ? UINT64_MAX : (UINT64_C(1) << fmt->bits) - 1;
}

bool fpq_check_has_neg_zero(const fpq_format *fmt)
{
    return fmt->kind == FPQ_KIND_FLOAT && fmt->is_signed && fmt->subnormals &&
           fmt->specials != FPQ_SPECIALS_FNUZ && fmt->specials != FPQ_SPECIALS_EXT;
}

uint64_t fpq_check_dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

const char *fpq_check_str(mpfr_srcptr x)
{
    static char buf[8][128];
    static unsigned k;
    k = (k + 1) % 8;
    mpfr_snprintf(buf[k], sizeof buf[k], "%Ra", x);
    return buf[k];
}

fpq_ref fpq_ref_decode(const fpq_format *fmt, uint64_t bits)
{
    fpq_ref r;
    if (fmt->kind == FPQ_KIND_INT) {
        uint64_t n = fmt->bits;
        int64_t v;
        if (fmt->is_signed && (bits >> (n - 1)) & 1)
            v = (int64_t)bits - (int64_t)(UINT64_C(1) << n);
        else
            v = (int64_t)bits;
        r.v = (double)v;
        r.cls = v == 0 ? FPQ_CLASS_ZERO : FPQ_CLASS_NORMAL;
        return r;
    }
    if (fmt->kind == FPQ_KIND_LUT) {
        r.v = strtod(fmt->lut[bits], NULL);
        r.cls = r.v == 0 ? FPQ_CLASS_ZERO : FPQ_CLASS_NORMAL;
        return r;
    }
    unsigned eb = fmt->ebits, mb = fmt->mbits;
    uint64_t magmask = (UINT64_C(1) << (eb + mb)) - 1;
    uint64_t mag = bits & magmask;
    int neg = fmt->is_signed ? (int)((bits >> (eb + mb)) & 1) : 0;
    uint64_t e = mag >> mb, m = mag & ((UINT64_C(1) << mb) - 1);
    uint64_t eall = (UINT64_C(1) << eb) - 1;
    double sgn = neg ? -1.0 : 1.0;

    switch (fmt->specials) {
    case FPQ_SPECIALS_IEEE:
        if (e == eall) {
            r.cls = m == 0 ? FPQ_CLASS_INF : FPQ_CLASS_NAN;
            r.v = m == 0 ? sgn * INFINITY : copysign(NAN, sgn);
            return r;
        }
        break;
    case FPQ_SPECIALS_FN:
        if (mag == magmask) {
            r.cls = FPQ_CLASS_NAN;
            r.v = copysign(NAN, sgn);
            return r;
        }
        break;
    case FPQ_SPECIALS_FNUZ:
        if (neg && mag == 0) {
            r.cls = FPQ_CLASS_NAN;
            r.v = copysign(NAN, sgn);
            return r;
        }
        break;
    case FPQ_SPECIALS_EXT: /* P3109's extended domain */
        if (fmt->is_signed ? (neg && mag == 0) : mag == magmask) {
            r.cls = FPQ_CLASS_NAN;
            r.v = NAN;
            return r;
        }
        if (mag == (fmt->is_signed ? magmask : magmask - 1)) {
            r.cls = FPQ_CLASS_INF;
            r.v = sgn * INFINITY;
            return r;
        }
        break;
    case FPQ_SPECIALS_FINITE:
        break;
    }
    if (e == 0 && fmt->subnormals) {
        r.cls = m == 0 ? FPQ_CLASS_ZERO : FPQ_CLASS_SUBNORMAL;
        r.v = sgn * ldexp((double)m, 1 - fmt->bias - (int)mb);
        return r;
    }
    r.cls = FPQ_CLASS_NORMAL;
    r.v = sgn * ldexp((double)((UINT64_C(1) << mb) | m),
                      (int)e - fmt->bias - (int)mb);
    return r;
}
