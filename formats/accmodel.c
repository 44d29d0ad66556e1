/* accmodel.c: accumulation models of matrix units (fpq_acc_model, fpq.h):
 * products aligned to a block's largest exponent, truncated or rounded
 * there, summed exactly and normalised into an accumulator format, with
 * partial sums promoted into a wider accumulator every N products; the
 * named models of the published measurements; the exact sum of MPFR
 * values that dot.c uses too.
 *
 * Everything is computed on MPFR exactly: scaling by a power of two and
 * mpfr_rint are exact, a sum is mpfr_sum at a precision that holds it, and
 * each rounding into a format is one fpq_encode. */
#include "arith-impl.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACC_PREC 64 /* every value of every format */

/* ---- the named models ------------------------------------------------------ */

#define KM25 "Khattak and Mikaitis, Accurate Models of NVIDIA Tensor Cores, arXiv:2512.07004 (2025)"
#define KM25_CODE "github.com/north-numerical-computing/MATLAB-tensor-core"
#define FHMP21 "Fasi, Higham, Mikaitis and Pranesh, Numerical behavior of NVIDIA tensor cores, PeerJ Comput. Sci. 7:e330 (2021)"

const fpq_acc_preset fpq_acc_presets[] = {
    {"v100", "fp16", "block=4,extra=0,align=rtz,acc=fp32,round=rtz",
     FHMP21 " (V100: products exact, aligned to the largest and truncated, normalised once per block of 4); "
     "parameters of " KM25 ", model V100TC (fma 4, neab 0, frmode rz) in " KM25_CODE},
    {"a100-fp16", "fp16", "block=8,extra=1,align=rtz,acc=fp32,round=rtz",
     KM25 ", model A100TC for fp16 and bf16 inputs (fma 8, neab 1, frmode rz) in " KM25_CODE "; " FHMP21 " (A100)"},
    {"a100-bf16", "bf16", "block=8,extra=1,align=rtz,acc=fp32,round=rtz",
     KM25 ", model A100TC for fp16 and bf16 inputs (fma 8, neab 1, frmode rz) in " KM25_CODE "; " FHMP21 " (A100)"},
    {"a100-tf32", "tf32", "block=4,extra=1,align=rtz,acc=fp32,round=rtz",
     KM25 ", model A100TC for tf32 inputs (fma 4, neab 1, frmode rz) in " KM25_CODE "; " FHMP21 " (A100)"},
    {"h100-fp16", "fp16", "block=16,extra=2,align=rtz,acc=fp32,round=rtz",
     KM25 ", model H100TC for fp16 and bf16 inputs (fma 16, neab 2, frmode rz) in " KM25_CODE},
    {"h100-bf16", "bf16", "block=16,extra=2,align=rtz,acc=fp32,round=rtz",
     KM25 ", model H100TC for fp16 and bf16 inputs (fma 16, neab 2, frmode rz) in " KM25_CODE},
    {"h100-tf32", "tf32", "block=8,extra=2,align=rtz,acc=fp32,round=rtz",
     KM25 ", model H100TC for tf32 inputs (fma 8, neab 2, frmode rz) in " KM25_CODE},
    {"h100-fp8", "fp8_e4m3", "block=32,extra=0,align=rtz,acc=e8m13,round=rtz",
     KM25 ", model H100TC for fp8 e4m3 and e5m2 inputs (fma 32, neab -10: addends and result kept to "
     "23 - 10 = 13 fraction bits, frmode rz) in " KM25_CODE},
    {"b200-fp16", "fp16", "block=16,extra=2,align=rtz,acc=fp32,round=rtz",
     KM25 ", model B200TC for fp16 and bf16 inputs (fma 16, neab 2, frmode rz) in " KM25_CODE},
    {"b200-bf16", "bf16", "block=16,extra=2,align=rtz,acc=fp32,round=rtz",
     KM25 ", model B200TC for fp16 and bf16 inputs (fma 16, neab 2, frmode rz) in " KM25_CODE},
    {"b200-tf32", "tf32", "block=8,extra=2,align=rtz,acc=fp32,round=rtz",
     KM25 ", model B200TC for tf32 inputs (fma 8, neab 2, frmode rz) in " KM25_CODE},
    {"b200-fp8", "fp8_e4m3", "block=32,extra=2,align=rtz,acc=fp32,round=rtz",
     KM25 ", model B200TC for fp8 e4m3 and e5m2 inputs (fma 32, neab 2, frmode rz) in " KM25_CODE},
    {"fp8-14bit-promote128", "fp8_e4m3",
     "block=32,extra=0,align=rtz,acc=e8m13,round=rtz,promote=128,promote-acc=fp32,promote-round=rne",
     "DeepSeek-AI, DeepSeek-V3 Technical Report, arXiv:2412.19437 (2024), section 3.3.2 (FP8 GEMM on Hopper "
     "keeps about 14 bits in the tensor-core accumulator; partial sums are copied to FP32 registers every "
     "N_C = 128 elements, 4 WGMMAs); the 14-bit accumulator as h100-fp8"},
};
const size_t fpq_acc_npresets = sizeof fpq_acc_presets / sizeof fpq_acc_presets[0];

void fpq_acc_model_default(fpq_acc_model *m)
{
    memset(m, 0, sizeof *m);
    m->block = 4;
    m->align_exact = false;
    m->extra = 0;
    m->align_round = FPQ_RTZ;
    m->acc = *fpq_binary32;
    m->norm_round = FPQ_RTZ;
    m->norm_end = false;
    m->promote = 0;
    m->promote_acc = *fpq_binary32;
    m->promote_round = FPQ_RNE;
}

static int say(char *why, size_t len, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return FPQ_ERR_ARG;
}

static bool rtz_or_rne(fpq_rnd r) { return r == FPQ_RTZ || r == FPQ_RNE; }

int fpq_acc_model_validate(const fpq_acc_model *m, char *why, size_t len)
{
    if (!m)
        return say(why, len, "no accumulation model");
    if (m->block == 0)
        return say(why, len, "block must be at least 1");
    if (fpq_format_validate(&m->acc) != FPQ_OK || m->acc.kind != FPQ_KIND_FLOAT)
        return say(why, len, "the accumulator %s is not a float format", m->acc.name);
    if (fpq_format_validate(&m->promote_acc) != FPQ_OK || m->promote_acc.kind != FPQ_KIND_FLOAT)
        return say(why, len, "the promotion accumulator %s is not a float format", m->promote_acc.name);
    if (!m->align_exact && ((int)m->acc.mbits + m->extra < 0 || m->extra > 1000))
        return say(why, len, "extra=%d keeps %d fraction bits (need 0 .. %u)", m->extra, (int)m->acc.mbits + m->extra,
                   m->acc.mbits + 1000);
    if (!rtz_or_rne(m->align_round) || !rtz_or_rne(m->norm_round) || !rtz_or_rne(m->promote_round))
        return say(why, len, "roundings of a model are rtz or rne");
    if (m->promote && m->promote % m->block)
        return say(why, len, "promote=%zu is not a multiple of block=%zu", m->promote, m->block);
    return FPQ_OK;
}

/* ---- reading a model ------------------------------------------------------- */

static bool read_size(size_t *out, const char *v)
{
    char *end;
    errno = 0;
    unsigned long long k = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
    if (k == 0 || *end || errno || k > (1ULL << 40))
        return false;
    *out = (size_t)k;
    return true;
}

static bool read_rnd(fpq_rnd *out, const char *v)
{
    if (strcmp(v, "rtz") == 0)
        *out = FPQ_RTZ;
    else if (strcmp(v, "rne") == 0)
        *out = FPQ_RNE;
    else
        return false;
    return true;
}

/* One key=value item into m. */
static int apply_item(fpq_acc_model *m, const char *key, const char *v, char *why, size_t len)
{
    bool ok = true;
    if (strcmp(key, "block") == 0) {
        ok = read_size(&m->block, v);
    } else if (strcmp(key, "extra") == 0) {
        if (strcmp(v, "exact") == 0) {
            m->align_exact = true;
        } else {
            char *end;
            errno = 0;
            long e = strtol(v, &end, 10);
            ok = end != v && !*end && !errno && e >= -1000 && e <= 1000;
            m->extra = (int)e;
            m->align_exact = false;
        }
    } else if (strcmp(key, "align") == 0) {
        ok = read_rnd(&m->align_round, v);
    } else if (strcmp(key, "round") == 0) {
        ok = read_rnd(&m->norm_round, v);
    } else if (strcmp(key, "promote-round") == 0) {
        ok = read_rnd(&m->promote_round, v);
    } else if (strcmp(key, "norm") == 0) {
        ok = strcmp(v, "block") == 0 || strcmp(v, "end") == 0;
        m->norm_end = strcmp(v, "end") == 0;
    } else if (strcmp(key, "promote") == 0) {
        if (strcmp(v, "none") == 0)
            m->promote = 0;
        else
            ok = read_size(&m->promote, v);
    } else if (strcmp(key, "acc") == 0 || strcmp(key, "promote-acc") == 0) {
        fpq_format *f = key[0] == 'a' ? &m->acc : &m->promote_acc;
        if (fpq_format_parse(f, v) != FPQ_OK)
            return say(why, len, "%s=%s: unknown format", key, v);
    } else {
        return say(why, len, "unknown item '%s' (block, extra, align, acc, norm, round, promote, promote-acc, "
                             "promote-round)", key);
    }
    if (!ok)
        return say(why, len, "bad value in '%s=%s'", key, v);
    return FPQ_OK;
}

static const fpq_acc_preset *preset_find(const char *name)
{
    for (size_t i = 0; i < fpq_acc_npresets; i++)
        if (strcmp(fpq_acc_presets[i].name, name) == 0)
            return &fpq_acc_presets[i];
    return NULL;
}

static int parse_items(fpq_acc_model *m, const char *text, bool first_may_name, char *why, size_t len)
{
    char buf[512];
    if (strlen(text) >= sizeof buf)
        return say(why, len, "accumulation model too long");
    strcpy(buf, text);
    char *save = NULL;
    bool first = true;
    for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save), first = false) {
        char *eq = strchr(it, '=');
        if (!eq) {
            const fpq_acc_preset *p = first && first_may_name ? preset_find(it) : NULL;
            if (!p)
                return say(why, len, first && first_may_name
                                          ? "unknown accumulation model '%s' (a preset name or key=value items)"
                                          : "'%s' is not key=value",
                           it);
            int st = parse_items(m, p->model, false, why, len);
            if (st != FPQ_OK)
                return st;
            continue;
        }
        *eq = '\0';
        int st = apply_item(m, it, eq + 1, why, len);
        if (st != FPQ_OK)
            return st;
    }
    if (first)
        return say(why, len, "empty accumulation model");
    return FPQ_OK;
}

int fpq_acc_model_parse(fpq_acc_model *m, const char *text, char *why, size_t len)
{
    if (!m || !text)
        return say(why, len, "no accumulation model");
    fpq_acc_model_default(m);
    int st = parse_items(m, text, true, why, len);
    return st == FPQ_OK ? fpq_acc_model_validate(m, why, len) : st;
}

/* ---- exact sums -------------------------------------------------------------- */

/* Bits of precision that hold the sum of t[0..n) exactly. */
static mpfr_prec_t exact_sum_prec(mpfr_t *t, size_t n)
{
    bool any = false;
    mpfr_exp_t hi = 0, lo = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mpfr_regular_p(t[i]))
            continue;
        mpfr_exp_t e = mpfr_get_exp(t[i]);
        mpfr_exp_t l = e - (mpfr_exp_t)mpfr_min_prec(t[i]);
        if (!any || e > hi)
            hi = e;
        if (!any || l < lo)
            lo = l;
        any = true;
    }
    if (!any)
        return MPFR_PREC_MIN;
    mpfr_prec_t carry = 1;
    for (size_t m = n; m > 1; m >>= 1)
        carry++;
    return (mpfr_prec_t)(hi - lo) + carry + 1;
}

int fpq_exact_sum(mpfr_ptr dst, mpfr_t *t, size_t n)
{
    mpfr_set_prec(dst, exact_sum_prec(t, n));
    if (n == 0) {
        mpfr_set_zero(dst, 1);
        return FPQ_OK;
    }
    mpfr_ptr *p = malloc(n * sizeof *p);
    if (!p)
        return FPQ_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++)
        p[i] = t[i];
    mpfr_sum(dst, p, (unsigned long)n, MPFR_RNDN); /* exact at this precision */
    free(p);
    return FPQ_OK;
}

/* ---- the model ------------------------------------------------------------- */

/* floor(log2 |v|) of a regular v. */
static long ilog2(mpfr_srcptr v) { return (long)mpfr_get_exp(v) - 1; }

long fpq_acc_exp_floor(const fpq_format *f)
{
    if (f->kind != FPQ_KIND_FLOAT)
        return LONG_MIN / 4;
    return f->subnormals ? 1L - f->bias : -(long)f->bias;
}

long fpq_acc_term_exp(mpfr_srcptr x, const fpq_format *fx, mpfr_srcptr y, const fpq_format *fy)
{
    long ex = ilog2(x), ey = ilog2(y), fx0 = fpq_acc_exp_floor(fx), fy0 = fpq_acc_exp_floor(fy);
    return (ex > fx0 ? ex : fx0) + (ey > fy0 ? ey : fy0);
}

/* dst (precision >= ACC_PREC) = v rounded into f with mode, decoded. */
static void round_to(mpfr_ptr dst, unsigned *flags, const fpq_format *f, mpfr_srcptr v, fpq_rnd mode)
{
    fpq_rounding r;
    fpq_rounding_default(&r);
    r.mode = mode;
    uint64_t bits;
    unsigned fl = 0;
    if (mpfr_nan_p(v)) {
        MPFR_DECL_INIT(pos, ACC_PREC);
        mpfr_set_nan(pos);
        mpfr_setsign(pos, pos, 0, MPFR_RNDN);
        fpq_encode(&bits, &fl, f, pos, &r);
    } else {
        fpq_encode(&bits, &fl, f, v, &r);
    }
    *flags |= fl;
    mpfr_set_prec(dst, ACC_PREC);
    fpq_decode(dst, NULL, NULL, f, bits);
}

/* out = one block: the n terms t (alignment exponents te) and the running
 * sum s, aligned, cut and summed exactly; out's precision is set here. */
static int block_sum(mpfr_ptr out, unsigned *flags, mpfr_t *t, const long *te, size_t n, mpfr_srcptr s,
                     const fpq_acc_model *m)
{
    mpfr_t *a = malloc((n + 1) * sizeof *a);
    if (!a)
        return FPQ_ERR_NO_MEMORY;
    bool special = !mpfr_number_p(s), pinf = false, minf = false;
    bool any = false;
    long e = 0;
    for (size_t i = 0; i <= n; i++) {
        mpfr_srcptr v = i < n ? t[i] : s;
        mpfr_init2(a[i], mpfr_get_prec(v));
        mpfr_set(a[i], v, MPFR_RNDN);
        if (!mpfr_number_p(v))
            special = true;
        if (mpfr_inf_p(v))
            *(mpfr_signbit(v) ? &minf : &pinf) = true;
        if (!mpfr_regular_p(v))
            continue;
        long ev = i < n ? te[i] : ilog2(v);
        if (i == n && ev < fpq_acc_exp_floor(&m->acc))
            ev = fpq_acc_exp_floor(&m->acc);
        if (!any || ev > e)
            e = ev;
        any = true;
    }
    if (special && pinf && minf)
        *flags |= FPQ_FLAG_INVALID; /* Inf - Inf */
    if (!special && any && !m->align_exact) {
        const long q = e - (long)m->acc.mbits - m->extra; /* weight of the last bit kept */
        const mpfr_rnd_t r = m->align_round == FPQ_RNE ? MPFR_RNDN : MPFR_RNDZ;
        for (size_t i = 0; i <= n; i++) {
            if (!mpfr_regular_p(a[i]))
                continue;
            mpfr_mul_2si(a[i], a[i], -q, MPFR_RNDN); /* exact */
            if (mpfr_rint(a[i], a[i], r) != 0)
                *flags |= FPQ_FLAG_INEXACT;
            mpfr_mul_2si(a[i], a[i], q, MPFR_RNDN); /* exact */
        }
    }
    int st = fpq_exact_sum(out, a, n + 1);
    for (size_t i = 0; i <= n; i++)
        mpfr_clear(a[i]);
    free(a);
    return st;
}

int fpq_acc_model_sum(mpfr_ptr sum, unsigned *flags, mpfr_t *t, const long *te, size_t n, mpfr_srcptr c,
                      const fpq_acc_model *m)
{
    mpfr_t s, o, tmp;
    mpfr_inits2(ACC_PREC, s, o, tmp, (mpfr_ptr)0);
    mpfr_set_zero(s, 1);
    mpfr_set_zero(o, 1);
    if (c) {
        mpfr_ptr start = m->promote ? o : s;
        mpfr_set_prec(start, mpfr_get_prec(c));
        mpfr_set(start, c, MPFR_RNDN);
    }
    const size_t group = m->promote ? m->promote : (n ? n : 1);
    int st = FPQ_OK;
    for (size_t g = 0; g < n && st == FPQ_OK; g += group) {
        const size_t gend = n - g < group ? n : g + group;
        for (size_t b = g; b < gend && st == FPQ_OK; b += m->block) {
            const size_t len = gend - b < m->block ? gend - b : m->block;
            st = block_sum(tmp, flags, t + b, te + b, len, s, m);
            if (st != FPQ_OK)
                break;
            if (m->norm_end) {
                mpfr_set_prec(s, mpfr_get_prec(tmp));
                mpfr_set(s, tmp, MPFR_RNDN);
            } else {
                round_to(s, flags, &m->acc, tmp, m->norm_round);
            }
        }
        if (st != FPQ_OK)
            break;
        if (m->norm_end)
            round_to(s, flags, &m->acc, s, m->norm_round);
        if (m->promote) {
            mpfr_t two[2];
            mpfr_inits2(ACC_PREC, two[0], two[1], (mpfr_ptr)0);
            mpfr_set(two[0], o, MPFR_RNDN); /* both hold values of float formats */
            mpfr_set(two[1], s, MPFR_RNDN);
            st = fpq_exact_sum(tmp, two, 2);
            if (st == FPQ_OK && mpfr_zero_p(tmp))
                mpfr_setsign(tmp, tmp, fpq_zero_sum_negative(mpfr_signbit(o), mpfr_signbit(s), &(fpq_rounding){
                                                                                                 .mode = m->promote_round}),
                             MPFR_RNDN);
            mpfr_clears(two[0], two[1], (mpfr_ptr)0);
            if (st == FPQ_OK)
                round_to(o, flags, &m->promote_acc, tmp, m->promote_round);
            mpfr_set_prec(s, ACC_PREC);
            mpfr_set_zero(s, 1);
        }
    }
    if (st == FPQ_OK) {
        mpfr_srcptr r = m->promote ? o : s;
        mpfr_set_prec(sum, mpfr_get_prec(r));
        mpfr_set(sum, r, MPFR_RNDN);
    }
    mpfr_clears(s, o, tmp, (mpfr_ptr)0);
    return st;
}
