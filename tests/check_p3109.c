/* check_p3109.c: the IEEE P3109 formats binaryKpP{s|u}{e|f} and the
 * overflow (saturation) modes and stochastic roundings that came with them.
 *
 * The expected results are digests written by tests/p3109/p3109.py, an
 * independent model in exact rationals of the interim report's rules and
 * the formal specification's definitions (imandra-ai/ieee-p3109):
 * - decode_digests.inc: every code of every format, K = 2..16; for K <= 14
 *   the digest is of the specification's own value tables (its
 *   test/julia-hex files, which the model matched code for code), for
 *   K = 15 and 16, whose tables are not in the repository snapshot read,
 *   the model's;
 * - encode_digests.inc: K = 8, every P, both signednesses and domains, the
 *   six deterministic modes and the three saturation modes, over the input
 *   list below (values, midpoints, points below the smallest and beyond the
 *   largest value, +-Inf, NaN, and the negatives);
 * - sr_digests.inc: P3109's stochastic roundings A, B and C with N = 1..3
 *   and every R given by the caller.
 * A digest is FNV-1a 64 over one text line per item (p3109.py's header
 * gives the texts); on a mismatch, `p3109.py dump NAME MODE SAT` prints the
 * expected codes.
 */
#include "check_fpq.h"

#include <gmp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    uint64_t digest;
} dec_digest;
static const dec_digest dec_digests[] = {
#include "p3109/decode_digests.inc"
};

typedef struct {
    const char *name, *mode, *sat;
    uint64_t digest;
} enc_digest;
static const enc_digest enc_digests[] = {
#include "p3109/encode_digests.inc"
};

typedef struct {
    const char *name, *mode;
    unsigned n;
    uint64_t r;
    uint64_t digest;
} sr_digest;
static const sr_digest sr_digests[] = {
#include "p3109/sr_digests.inc"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- digests ---------------------------------------------------------------- */

typedef struct {
    uint64_t h;
} fnv;

static void fnv_init(fnv *d) { d->h = UINT64_C(0xcbf29ce484222325); }

static void fnv_line(fnv *d, const char *s)
{
    for (; *s; s++) {
        d->h ^= (unsigned char)*s;
        d->h *= UINT64_C(0x100000001b3);
    }
    d->h ^= '\n';
    d->h *= UINT64_C(0x100000001b3);
}

/* p3109.py's text of a decoded value: nan, inf, -inf, 0, or [-]M:E with M
 * odd, in hex, and the value M * 2^E. */
static void canon(char *buf, size_t n, mpfr_srcptr v)
{
    if (mpfr_nan_p(v)) {
        snprintf(buf, n, "nan");
        return;
    }
    if (mpfr_inf_p(v)) {
        snprintf(buf, n, "%sinf", mpfr_signbit(v) ? "-" : "");
        return;
    }
    if (mpfr_zero_p(v)) {
        snprintf(buf, n, "0");
        return;
    }
    mpz_t z;
    mpz_init(z);
    mpfr_exp_t e = mpfr_get_z_2exp(z, v);
    const bool neg = mpz_sgn(z) < 0;
    mpz_abs(z, z);
    const mp_bitcnt_t tz = mpz_scan1(z, 0);
    mpz_fdiv_q_2exp(z, z, tz);
    e += (mpfr_exp_t)tz;
    char *hex = mpz_get_str(NULL, 16, z);
    snprintf(buf, n, "%s%s:%ld", neg ? "-" : "", hex, (long)e);
    void (*freefunc)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefunc);
    freefunc(hex, strlen(hex) + 1);
    mpz_clear(z);
}

static fpq_format need_format(const char *name)
{
    fpq_format f;
    int st = fpq_format_parse(&f, name);
    ck_assert_msg(st == FPQ_OK, "%s: status %d", name, st);
    return f;
}

/* ---- decode ------------------------------------------------------------------ */

START_TEST(decode_matches_the_specification_tables)
{
    ck_assert_uint_eq(NELEM(dec_digests), 510); /* K = 2..16: 2 (K-1) signed + 2 K unsigned each */
    mpfr_t v;
    mpfr_init2(v, 64);
    char buf[64];
    for (size_t i = 0; i < NELEM(dec_digests); i++) {
        const fpq_format f = need_format(dec_digests[i].name);
        fnv d;
        fnv_init(&d);
        for (uint64_t c = 0; c < (UINT64_C(1) << f.bits); c++) {
            ck_assert_int_eq(fpq_decode(v, NULL, NULL, &f, c), FPQ_OK);
            canon(buf, sizeof buf, v);
            fnv_line(&d, buf);
        }
        ck_assert_msg(d.h == dec_digests[i].digest, "%s: decode digest %016" PRIx64 ", expected %016" PRIx64,
                      f.name, d.h, dec_digests[i].digest);
    }
    mpfr_clear(v);
}
END_TEST

/* ---- encode ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* p3109.py's inputs(): every finite value >= 0 and the midpoints between
 * neighbours, V[1]/4 and 3V[1]/4, then max + d/4, d/2, 3d/4, d, 3d/2, 2d,
 * 2 max, 4 max (d = max - its lower neighbour), +Inf, the negatives of all
 * but 0, -Inf, NaN.  Every value of an 8-bit P3109 format and each of
 * these is a double.  Returns the count; out holds 2048. */
static size_t inputs(double *out, const fpq_format *f)
{
    double vals[256];
    size_t nv = 0;
    mpfr_t v;
    mpfr_init2(v, 64);
    for (uint64_t c = 0; c < (UINT64_C(1) << f->bits); c++) {
        fpq_decode(v, NULL, NULL, f, c);
        if (mpfr_number_p(v) && mpfr_sgn(v) >= 0 && !mpfr_signbit(v))
            vals[nv++] = mpfr_get_d(v, MPFR_RNDN);
    }
    mpfr_clear(v);
    qsort(vals, nv, sizeof *vals, cmp_double);
    size_t n = 0;
    for (size_t i = 0; i < nv; i++) {
        out[n++] = vals[i];
        if (i + 1 < nv)
            out[n++] = (vals[i] + vals[i + 1]) / 2;
    }
    const double m = vals[nv - 1], d = nv >= 2 ? vals[nv - 1] - vals[nv - 2] : 1;
    if (nv >= 2) {
        out[n++] = vals[1] / 4;
        out[n++] = 3 * vals[1] / 4;
    }
    const double beyond[] = {m + d / 4, m + d / 2, m + 3 * d / 4, m + d, m + 3 * d / 2, m + 2 * d, 2 * m, 4 * m};
    for (size_t i = 0; i < NELEM(beyond); i++)
        out[n++] = beyond[i];
    out[n++] = INFINITY;
    const size_t half = n;
    for (size_t i = 0; i < half; i++)
        if (out[i] != 0 && !isinf(out[i]))
            out[n++] = -out[i];
    out[n++] = -INFINITY;
    out[n++] = NAN;
    return n;
}

static uint64_t codes_digest(const uint64_t *c, size_t n)
{
    fnv d;
    fnv_init(&d);
    char buf[24];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "%" PRIx64, c[i]);
        fnv_line(&d, buf);
    }
    return d.h;
}

/* The digest of fpq_encode of x[0 .. n-1] with r (c: n codes of room). */
static uint64_t encode_digest(uint64_t *c, const fpq_format *f, const double *x, size_t n, const fpq_rounding *r)
{
    mpfr_t v;
    mpfr_init2(v, 64);
    for (size_t k = 0; k < n; k++) {
        mpfr_set_d(v, x[k], MPFR_RNDN);
        fpq_encode(&c[k], NULL, f, v, r);
    }
    mpfr_clear(v);
    return codes_digest(c, n);
}

static fpq_rounding rounding_named(const char *mode, const char *sat)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    ck_assert_int_eq(fpq_rounding_parse_mode(&r, mode), FPQ_OK);
    ck_assert_int_eq(fpq_overflow_parse(&r.overflow, sat), FPQ_OK);
    return r;
}

/* The reference (fpq_encode) and the bulk path (fpq_encode_f64, which
 * falls back to the reference for P3109 formats) both give the digest. */
START_TEST(encode_matches_the_rules_for_every_mode_and_saturation)
{
    ck_assert_uint_eq(NELEM(enc_digests), 540); /* 30 formats, 6 modes, 3 saturations */
    double *x = malloc(2048 * sizeof *x);
    uint64_t *c = malloc(2048 * sizeof *c);
    uint8_t *packed = malloc(2048);
    for (size_t i = 0; i < NELEM(enc_digests); i++) {
        const enc_digest *e = &enc_digests[i];
        const fpq_format f = need_format(e->name);
        const size_t n = inputs(x, &f);
        const fpq_rounding r = rounding_named(e->mode, e->sat);
        ck_assert_msg(encode_digest(c, &f, x, n, &r) == e->digest, "%s %s %s: fpq_encode's digest differs (p3109.py dump)",
                      e->name, e->mode, e->sat);
        ck_assert_int_eq(fpq_encode_f64(packed, x, n, &f, &r), FPQ_OK);
        for (size_t k = 0; k < n; k++)
            c[k] = packed[k];
        ck_assert_msg(codes_digest(c, n) == e->digest, "%s %s %s: fpq_encode_f64's digest differs", e->name,
                      e->mode, e->sat);
    }
    free(x);
    free(c);
    free(packed);
}
END_TEST

START_TEST(stochastic_roundings_with_given_bits_match_the_rules)
{
    double *x = malloc(2048 * sizeof *x);
    uint64_t *c = malloc(2048 * sizeof *c);
    for (size_t i = 0; i < NELEM(sr_digests); i++) {
        const sr_digest *e = &sr_digests[i];
        const fpq_format f = need_format(e->name);
        const size_t n = inputs(x, &f);
        char spec[16];
        snprintf(spec, sizeof spec, "%s:%u", e->mode, e->n);
        fpq_rounding r = rounding_named(spec, "none");
        r.sr_given = true;
        r.sr_r = e->r;
        ck_assert_int_eq(fpq_rounding_validate(&r), FPQ_OK);
        ck_assert_msg(encode_digest(c, &f, x, n, &r) == e->digest, "%s %s N=%u R=%" PRIu64 ": digest differs", e->name,
                      e->mode, e->n, e->r);
    }
    free(x);
    free(c);
}
END_TEST

/* R drawn from the seed: the top N bits of fpq_sr_bits(seed, position),
 * the same as R given by the caller. */
START_TEST(stochastic_roundings_draw_r_from_the_seed_and_position)
{
    const fpq_format f = need_format("binary8p4se");
    mpfr_t v;
    mpfr_init2(v, 64);
    static const char *const modes[] = {"sra:5", "srb:5", "src:5", "sra:63"};
    for (size_t m = 0; m < NELEM(modes); m++)
        for (uint64_t pos = 0; pos < 200; pos++) {
            fpq_rounding drawn = rounding_named(modes[m], "none");
            drawn.seed = 42;
            drawn.position = pos;
            fpq_rounding given = drawn;
            given.sr_given = true;
            given.sr_r = fpq_sr_bits(42, pos) >> (64 - drawn.sr_n);
            mpfr_set_d(v, 1.0 + (double)pos / 1600, MPFR_RNDN);
            uint64_t a, b;
            fpq_encode(&a, NULL, &f, v, &drawn);
            fpq_encode(&b, NULL, &f, v, &given);
            ck_assert_uint_eq(a, b);
        }
    mpfr_clear(v);
}
END_TEST

/* Over many positions, SR-A with N bits rounds up a value at 3/8 of the gap
 * with frequency floor(3/8 2^N) / 2^N. */
START_TEST(stochastic_rounding_a_rounds_up_in_proportion)
{
    const fpq_format f = need_format("binary8p4se");
    mpfr_t v;
    mpfr_init2(v, 64);
    mpfr_set_d(v, 1.0 + 0.125 * 3 / 8, MPFR_RNDN); /* 1 + 3/8 of the gap 1/8 */
    fpq_rounding r = rounding_named("sra:2", "none");
    unsigned up = 0;
    for (uint64_t pos = 0; pos < 4000; pos++) {
        uint64_t c;
        r.position = pos;
        fpq_encode(&c, NULL, &f, v, &r);
        ck_assert(c == 0x40 || c == 0x41);
        up += c == 0x41;
    }
    /* floor(3/8 * 4) = 1: R = 3 only, a quarter of the draws */
    ck_assert_msg(up > 900 && up < 1100, "%u of 4000 up", up);
    mpfr_clear(v);
}
END_TEST

/* ---- equivalences -------------------------------------------------------------- */

/* binary8p4sf = fp8_e4m3fnuz and binary8p3sf = fp8_e5m2fnuz: the same
 * value for every code, and the same code for every boundary input, mode
 * and saturation -- except to odd under SatNone beyond the largest finite
 * value, where P3109 gives NaN (to odd is no mode toward the clamp) and
 * fpq's fnuz convention the largest finite value. */
START_TEST(finite_domain_formats_equal_the_fnuz_ones)
{
    static const char *const pairs[][2] = {{"binary8p4sf", "fp8_e4m3fnuz"}, {"binary8p3sf", "fp8_e5m2fnuz"}};
    const fpq_format p = need_format(pairs[_i][0]), z = need_format(pairs[_i][1]);
    mpfr_t a, b;
    mpfr_init2(a, 64);
    mpfr_init2(b, 64);
    for (uint64_t c = 0; c < 256; c++) {
        fpq_class ca, cb;
        fpq_decode(a, &ca, NULL, &p, c);
        fpq_decode(b, &cb, NULL, &z, c);
        ck_assert_int_eq(ca, cb);
        ck_assert(mpfr_nan_p(a) ? mpfr_nan_p(b) : mpfr_equal_p(a, b) && mpfr_signbit(a) == mpfr_signbit(b));
    }
    const size_t n = fpq_boundaries_f64(NULL, 0, &z);
    double *x = malloc(n * sizeof *x);
    fpq_boundaries_f64(x, n, &z);
    fpq_landmarks lm;
    fpq_landmarks_get(&lm, &z);
    size_t differ = 0;
    for (int m = 0; m < FPQ_RND_COUNT_; m++)
        for (int o = 0; o < FPQ_OVF_WRAP; o++)
            for (size_t k = 0; k < n; k++) {
                fpq_rounding r;
                fpq_rounding_default(&r);
                r.mode = (fpq_rnd)m;
                r.overflow = (fpq_overflow)o;
                r.seed = 7;
                r.position = k;
                mpfr_set_d(a, x[k], MPFR_RNDN);
                uint64_t cp, cz;
                unsigned fp, fz;
                fpq_encode(&cp, &fp, &p, a, &r);
                fpq_encode(&cz, &fz, &z, a, &r);
                if (m == FPQ_RTO && o == FPQ_OVF_FORMAT && (cz & 0x7f) == lm.max_finite && (fz & FPQ_FLAG_OVERFLOW)) {
                    ck_assert_msg(cp == 0x80, "%s %a odd: 0x%02" PRIx64, p.name, x[k], cp);
                    differ++;
                    continue;
                }
                ck_assert_msg(cp == cz && fp == fz, "%s %a mode %s overflow %s: 0x%02" PRIx64 " %#x, %s 0x%02" PRIx64 " %#x",
                              p.name, x[k], fpq_rnd_name((fpq_rnd)m), fpq_overflow_name((fpq_overflow)o), cp, fp,
                              z.name, cz, fz);
            }
    ck_assert_uint_gt(differ, 0);
    free(x);
    mpfr_clear(a);
    mpfr_clear(b);
}
END_TEST

/* ---- names and overflow modes -------------------------------------------------- */

START_TEST(names_parse_into_the_fields)
{
    fpq_format f = need_format("Binary8p4SE");
    ck_assert_str_eq(f.name, "binary8p4se");
    ck_assert(f.p3109 && f.is_signed && f.ebits == 4 && f.mbits == 3 && f.bias == 8);
    ck_assert_int_eq(f.specials, FPQ_SPECIALS_EXT);
    f = need_format("binary8p3ue");
    ck_assert(!f.is_signed && f.ebits == 6 && f.mbits == 2 && f.bias == 32 && f.specials == FPQ_SPECIALS_EXT);
    f = need_format("binary8p8uf");
    ck_assert(f.ebits == 1 && f.mbits == 7 && f.bias == 1 && f.specials == FPQ_SPECIALS_FN);
    f = need_format("binary16p1ue");
    ck_assert(f.ebits == 16 && f.mbits == 0 && f.bias == 32768);
    f = need_format("binary8p4sf");
    ck_assert_int_eq(f.specials, FPQ_SPECIALS_FNUZ);
    static const char *const bad[] = {"binary8p8se", "binary8p0se", "binary17p3se", "binary1p1ue", "binary8p9uf"};
    for (size_t i = 0; i < NELEM(bad); i++) {
        ck_assert_int_eq(fpq_format_parse(&f, bad[i]), FPQ_ERR_BAD_FORMAT);
        ck_assert_ptr_nonnull(fpq_format_spelling_rule(bad[i]));
    }
    static const char *const unknown[] = {"binary8p4s", "binary8p4", "binary8p4sex", "binary8p4xe"};
    for (size_t i = 0; i < NELEM(unknown); i++)
        ck_assert_int_eq(fpq_format_parse(&f, unknown[i]), FPQ_ERR_UNKNOWN_FORMAT);
    /* presets are the parsed spellings */
    for (size_t i = 0; i < fpq_npresets; i++)
        if (fpq_presets[i].p3109) {
            fpq_format g = fpq_presets[i];
            char name[FPQ_NAME_MAX];
            snprintf(name, sizeof name, "%s", g.name);
            memset(&f, 0, sizeof f);
            /* parse skips the table when the name is a spelling of its own */
            ck_assert_int_eq(fpq_format_parse(&f, name), FPQ_OK);
            ck_assert(f.bits == g.bits && f.ebits == g.ebits && f.mbits == g.mbits && f.bias == g.bias &&
                      f.specials == g.specials && f.is_signed == g.is_signed && f.p3109);
        }
}
END_TEST

static uint64_t enc(const char *fmt, double x, const char *mode, const char *sat, unsigned *flags)
{
    const fpq_format f = need_format(fmt);
    fpq_rounding r = rounding_named(mode, sat);
    mpfr_t v;
    mpfr_init2(v, 64);
    mpfr_set_d(v, x, MPFR_RNDN);
    uint64_t c;
    fpq_encode(&c, flags, &f, v, &r);
    mpfr_clear(v);
    return c;
}

START_TEST(overflow_modes_of_other_formats)
{
    unsigned fl;
    /* propagate: finite values clamp, Inf stays where the format has it */
    ck_assert_uint_eq(enc("fp16", 1e6, "rne", "propagate", &fl), 0x7bff);
    ck_assert_uint_eq(fl, FPQ_FLAG_OVERFLOW | FPQ_FLAG_INEXACT);
    ck_assert_uint_eq(enc("fp16", INFINITY, "rne", "propagate", &fl), 0x7c00);
    ck_assert_uint_eq(fl, 0);
    ck_assert_uint_eq(enc("fp16", -INFINITY, "rne", "finite", &fl), 0xfbff);
    ck_assert_uint_eq(enc("fp8_e4m3", INFINITY, "rne", "propagate", &fl), 0x7e);
    ck_assert_uint_eq(fl, FPQ_FLAG_INVALID);
    ck_assert_uint_eq(enc("fp8_e4m3", 1000, "rne", "none", &fl), 0x7f);
    /* none keeps the format's own: to odd stays at the largest finite value */
    ck_assert_uint_eq(enc("fp16", 1e6, "odd", "none", &fl), 0x7bff);
    /* integers: wrap is two's complement modulo 2^N */
    ck_assert_uint_eq(enc("int8", 300, "rne", "wrap", &fl), 44);
    ck_assert_uint_eq(fl, FPQ_FLAG_INVALID);
    ck_assert_uint_eq(enc("int8", -129, "rne", "wrap", &fl), 0x7f);
    ck_assert_uint_eq(enc("int8", 127.5, "rne", "wrap", &fl), 0x80);
    ck_assert_uint_eq(enc("int8", 127.5, "rtz", "wrap", &fl), 0x7f);
    ck_assert_uint_eq(enc("uint8", 256.5, "rup", "wrap", &fl), 1);
    ck_assert_uint_eq(enc("int8", ldexp(1, 40) + 3.5, "rne", "wrap", &fl), 4);
    ck_assert_uint_eq(enc("int8", -(ldexp(1, 40) + 5), "rne", "wrap", &fl), 0xfb);
    ck_assert_uint_eq(enc("int8", INFINITY, "rne", "wrap", &fl), 0x7f);
    ck_assert_uint_eq(enc("int8", 300, "rne", "none", &fl), 0x7f);
    ck_assert_uint_eq(enc("int8", 300, "rne", "propagate", &fl), 0x7f);
    /* wrap means nothing to a float format: its own rules */
    ck_assert_uint_eq(enc("fp16", 1e6, "rne", "wrap", &fl), 0x7c00);
    /* wrap and the symmetric range do not go together */
    fpq_rounding r = rounding_named("rne", "wrap");
    r.int_symmetric = true;
    ck_assert_int_eq(fpq_rounding_validate(&r), FPQ_ERR_ARG);
}
END_TEST

START_TEST(p3109_rules_spot_checks)
{
    unsigned fl;
    /* extended: overflow to Inf, or toward the clamp for the directed modes */
    ck_assert_uint_eq(enc("binary8p4se", 1000, "rne", "none", &fl), 0x7f);
    ck_assert_uint_eq(enc("binary8p4se", 1000, "odd", "none", &fl), 0x7f);
    ck_assert_uint_eq(enc("binary8p4se", 1000, "rdn", "none", &fl), 0x7e);
    ck_assert_uint_eq(enc("binary8p4se", -1000, "rdn", "none", &fl), 0xff);
    ck_assert_uint_eq(enc("binary8p4se", -1000, "rup", "none", &fl), 0xfe);
    ck_assert_uint_eq(enc("binary8p4se", INFINITY, "rtz", "none", &fl), 0x7f);
    ck_assert_uint_eq(enc("binary8p4se", INFINITY, "rne", "finite", &fl), 0x7e);
    ck_assert_uint_eq(enc("binary8p4se", -INFINITY, "rne", "propagate", &fl), 0xff);
    ck_assert_uint_eq(enc("binary8p4se", 1000, "rne", "propagate", &fl), 0x7e);
    /* finite domain: out of range is NaN under SatNone */
    ck_assert_uint_eq(enc("binary8p4sf", 1000, "rne", "none", &fl), 0x80);
    ck_assert_uint_eq(enc("binary8p4sf", INFINITY, "rtz", "none", &fl), 0x80);
    ck_assert_uint_eq(enc("binary8p4sf", INFINITY, "rne", "propagate", &fl), 0x7f);
    /* unsigned: negative values are NaN, or 0 toward the clamp, or 0 when
     * they round to zero */
    ck_assert_uint_eq(enc("binary8p4ue", -1, "rne", "none", &fl), 0xff);
    ck_assert_uint_eq(fl & FPQ_FLAG_INVALID, FPQ_FLAG_INVALID);
    ck_assert_uint_eq(enc("binary8p4ue", -1, "rtz", "none", &fl), 0);
    ck_assert_uint_eq(enc("binary8p4ue", -1, "rup", "none", &fl), 0);
    ck_assert_uint_eq(enc("binary8p4ue", -1, "rne", "finite", &fl), 0);
    ck_assert_uint_eq(enc("binary8p4ue", -INFINITY, "rtz", "none", &fl), 0xff);
    ck_assert_uint_eq(enc("binary8p4ue", -INFINITY, "rne", "propagate", &fl), 0);
    ck_assert_uint_eq(enc("binary8p4ue", -ldexp(1, -30), "rne", "none", &fl), 0);
    ck_assert_uint_eq(fl, FPQ_FLAG_INEXACT | FPQ_FLAG_UNDERFLOW);
    ck_assert_uint_eq(enc("binary8p4ue", -ldexp(1, -30), "rdn", "none", &fl), 0xff);
    ck_assert_uint_eq(enc("binary8p4ue", INFINITY, "rne", "none", &fl), 0xfe);
    /* one zero: -0 and negative values rounding to zero give code 0 */
    ck_assert_uint_eq(enc("binary8p4se", -0.0, "rne", "none", &fl), 0);
    ck_assert_uint_eq(enc("binary8p4se", -ldexp(1, -30), "rtz", "none", &fl), 0);
    /* NaN is the one NaN */
    ck_assert_uint_eq(enc("binary8p4se", -NAN, "rne", "none", &fl), 0x80);
    ck_assert_uint_eq(enc("binary8p3uf", NAN, "rne", "none", &fl), 0xff);
}
END_TEST

START_TEST(mode_and_overflow_names)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    ck_assert_uint_eq(r.sr_n, 8);
    ck_assert_int_eq(fpq_rounding_parse_mode(&r, "srb:12"), FPQ_OK);
    ck_assert_int_eq(r.mode, FPQ_RSRB);
    ck_assert_uint_eq(r.sr_n, 12);
    static const char *const bad[] = {"sra", "sra:", "sra:0", "sra:64", "sra:1x", "rne:3", "sr:2", "src:-1", ""};
    for (size_t i = 0; i < NELEM(bad); i++) {
        fpq_rounding_default(&r);
        ck_assert_int_eq(fpq_rounding_parse_mode(&r, bad[i]), FPQ_ERR_ARG);
        ck_assert_int_eq(r.mode, FPQ_RNE);
    }
    ck_assert_str_eq(fpq_rnd_name(FPQ_RSRA), "sra");
    ck_assert_str_eq(fpq_rnd_name(FPQ_RSRC), "src");
    static const char *const on[] = {"none", "finite", "propagate", "wrap"};
    for (int o = 0; o < FPQ_OVF_COUNT_; o++) {
        fpq_overflow back;
        ck_assert_str_eq(fpq_overflow_name((fpq_overflow)o), on[o]);
        ck_assert_int_eq(fpq_overflow_parse(&back, on[o]), FPQ_OK);
        ck_assert_int_eq(back, o);
    }
    fpq_overflow junk;
    ck_assert_int_eq(fpq_overflow_parse(&junk, "saturate"), FPQ_ERR_ARG);
    fpq_rounding_default(&r);
    ck_assert_int_eq(fpq_rounding_parse_mode(&r, "sra:3"), FPQ_OK);
    r.sr_given = true;
    r.sr_r = 8;
    ck_assert_int_eq(fpq_rounding_validate(&r), FPQ_ERR_ARG);
    r.sr_r = 7;
    ck_assert_int_eq(fpq_rounding_validate(&r), FPQ_OK);
}
END_TEST

/* The bulk paths and the arithmetic take the P3109 formats through the
 * reference: round and decode of every code agree with fpq_encode and
 * fpq_decode, and fpq_arith_codes with fpq_arith_reference. */
START_TEST(bulk_paths_agree_with_the_reference)
{
    static const char *const names[] = {"binary8p4se", "binary8p3ue", "binary8p5sf", "binary8p1uf", "binary6p2se"};
    const fpq_format f = need_format(names[_i]);
    const size_t n = UINT64_C(1) << f.bits;
    uint8_t codes[256];
    double dec[256];
    for (size_t c = 0; c < n; c++)
        codes[c] = (uint8_t)c;
    ck_assert_int_eq(fpq_decode_f64(dec, codes, n, &f), FPQ_OK);
    mpfr_t v;
    mpfr_init2(v, 64);
    for (size_t c = 0; c < n; c++) {
        fpq_decode(v, NULL, NULL, &f, c);
        ck_assert(mpfr_nan_p(v) ? isnan(dec[c]) : mpfr_cmp_d(v, dec[c]) == 0);
    }
    double x[2048], y[2048];
    const size_t nx = inputs(x, &f);
    static const char *const sats[] = {"none", "finite", "propagate"};
    for (int m = 0; m < FPQ_RND_COUNT_; m++)
        for (size_t s = 0; s < NELEM(sats); s++) {
            fpq_rounding r = rounding_named("rne", sats[s]);
            r.mode = (fpq_rnd)m;
            r.seed = 3;
            ck_assert_int_eq(fpq_round_f64(y, x, nx, &f, &r), FPQ_OK);
            for (size_t k = 0; k < nx; k++) {
                fpq_rounding rk = r;
                rk.position = k;
                uint64_t c;
                mpfr_set_d(v, x[k], MPFR_RNDN);
                fpq_encode(&c, NULL, &f, v, &rk);
                ck_assert_msg(isnan(dec[c]) ? isnan(y[k]) : y[k] == dec[c], "%s %a %s %s", f.name, x[k],
                              fpq_rnd_name(r.mode), sats[s]);
            }
        }
    /* arithmetic: every pair of a few codes, each operation */
    uint8_t a[64], b[64], out[64];
    uint8_t fl[64];
    for (size_t i = 0; i < 64; i++) {
        a[i] = (uint8_t)((i * 37 + 5) % n);
        b[i] = (uint8_t)((i * 11 + 3) % n);
    }
    static const fpq_op ops[] = {FPQ_OP_ADD, FPQ_OP_MUL, FPQ_OP_DIV, FPQ_OP_SQRT};
    for (size_t o = 0; o < NELEM(ops); o++) {
        fpq_rounding r = rounding_named("rne", "none");
        ck_assert_int_eq(fpq_arith_codes(out, fl, &f, ops[o], &f, a, b, NULL, 64, &r), FPQ_OK);
        for (size_t i = 0; i < 64; i++) {
            uint64_t xx[2] = {a[i], b[i]}, rr;
            unsigned ff;
            const fpq_format *from[3] = {&f, &f, &f};
            fpq_arith_reference(&rr, &ff, &f, ops[o], from, xx, &r);
            ck_assert_uint_eq(out[i], rr);
            ck_assert_uint_eq(fl[i], ff);
        }
    }
    mpfr_clear(v);
}
END_TEST

Suite *p3109_suite(void)
{
    Suite *s = suite_create("p3109");
    TCase *tc = fpq_check_tcase("formats", 300);
    tcase_add_test(tc, decode_matches_the_specification_tables);
    tcase_add_test(tc, encode_matches_the_rules_for_every_mode_and_saturation);
    tcase_add_test(tc, stochastic_roundings_with_given_bits_match_the_rules);
    tcase_add_test(tc, stochastic_roundings_draw_r_from_the_seed_and_position);
    tcase_add_test(tc, stochastic_rounding_a_rounds_up_in_proportion);
    tcase_add_loop_test(tc, finite_domain_formats_equal_the_fnuz_ones, 0, 2);
    tcase_add_test(tc, names_parse_into_the_fields);
    tcase_add_test(tc, overflow_modes_of_other_formats);
    tcase_add_test(tc, p3109_rules_spot_checks);
    tcase_add_test(tc, mode_and_overflow_names);
    tcase_add_loop_test(tc, bulk_paths_agree_with_the_reference, 0, 5);
    suite_add_tcase(s, tc);
    return s;
}
