/* rounding.c: the rounding options -- mode names, defaults, validation, the
 * stochastic-rounding bits and the seed syntax -- and the round-to-odd
 * finisher of MPFR results.  The rounding itself is encode.c's. */
#include "fpq-impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- modes ------------------------------------------------------------------ */

static const char *const rnd_names[FPQ_RND_COUNT_] = {"rne", "rna", "rtz", "rup", "rdn", "odd", "sr",
                                                      "sra", "srb", "src"};

/* Whether a mode is one of P3109's stochastic roundings (they take N). */
static bool takes_bits(int m) { return m >= FPQ_RSRA && m <= FPQ_RSRC; }

const char *fpq_rnd_name(fpq_rnd r) { return (unsigned)r < FPQ_RND_COUNT_ ? rnd_names[r] : "?"; }

/* The index of name in names[0 .. n-1], or -1. */
static int name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int fpq_rnd_parse(fpq_rnd *out, const char *name)
{
    const int i = name_index(rnd_names, FPQ_RND_COUNT_, name);
    if (i < 0)
        return FPQ_ERR_ARG;
    *out = (fpq_rnd)i;
    return FPQ_OK;
}

size_t fpq_rnd_list(char *buf, size_t n, const char *sep)
{
    size_t len = 0;
    if (buf && n)
        buf[0] = '\0';
    for (int m = 0; m < FPQ_RND_COUNT_; m++) {
        const char *parts[3] = {m ? sep : "", rnd_names[m], takes_bits(m) ? ":N" : ""};
        for (int k = 0; k < 3; k++) {
            size_t pl = parts[k] ? strlen(parts[k]) : 0;
            if (buf && len < n) {
                size_t room = n - 1 - len, c = pl < room ? pl : room;
                memcpy(buf + len, parts[k], c);
                buf[len + c] = '\0';
            }
            len += pl;
        }
    }
    return len;
}

int fpq_rounding_parse_mode(fpq_rounding *r, const char *spec)
{
    if (!r || !spec)
        return FPQ_ERR_ARG;
    const char *colon = strchr(spec, ':');
    char name[8];
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len >= sizeof name)
        return FPQ_ERR_ARG;
    memcpy(name, spec, len);
    name[len] = '\0';
    fpq_rnd m;
    if (fpq_rnd_parse(&m, name) != FPQ_OK || takes_bits(m) != (colon != NULL))
        return FPQ_ERR_ARG;
    unsigned n = 0;
    if (colon) {
        const char *d = colon + 1;
        if (strspn(d, "0123456789") != strlen(d) || strlen(d) == 0 || strlen(d) > 2)
            return FPQ_ERR_ARG;
        n = (unsigned)atoi(d);
        if (n < 1 || n > 63)
            return FPQ_ERR_ARG;
        r->sr_n = n;
    }
    r->mode = m;
    return FPQ_OK;
}

/* ---- overflow ----------------------------------------------------------------- */

static const char *const ovf_names[FPQ_OVF_COUNT_] = {"none", "finite", "propagate", "wrap"};

const char *fpq_overflow_name(fpq_overflow o) { return (unsigned)o < FPQ_OVF_COUNT_ ? ovf_names[o] : "?"; }

int fpq_overflow_parse(fpq_overflow *out, const char *name)
{
    const int i = name_index(ovf_names, FPQ_OVF_COUNT_, name);
    if (i < 0)
        return FPQ_ERR_ARG;
    *out = (fpq_overflow)i;
    return FPQ_OK;
}

/* ---- options ------------------------------------------------------------------ */

void fpq_rounding_default(fpq_rounding *r)
{
    memset(r, 0, sizeof *r);
    r->mode = FPQ_RNE;
    r->overflow = FPQ_OVF_FORMAT;
    r->sr_n = 8;
}

int fpq_rounding_validate(const fpq_rounding *r)
{
    if (!r || (unsigned)r->mode >= FPQ_RND_COUNT_ || (unsigned)r->overflow >= FPQ_OVF_COUNT_)
        return FPQ_ERR_ARG;
    if (r->overflow == FPQ_OVF_WRAP && r->int_symmetric)
        return FPQ_ERR_ARG;
    if (takes_bits(r->mode) &&
        (r->sr_n < 1 || r->sr_n > 63 || (r->sr_given && r->sr_r >= (UINT64_C(1) << r->sr_n))))
        return FPQ_ERR_ARG;
    return FPQ_OK;
}

/* Frozen: key = mix64(seed + golden); bits = mix64(key + (position + 1) * golden)
 * (fpq_sr_mix64 and FPQ_SR_GOLDEN, fpq-impl.h). */
uint64_t fpq_sr_bits(uint64_t seed, uint64_t position)
{
    return fpq_sr_mix64(fpq_sr_key(seed) + (position + 1) * FPQ_SR_GOLDEN);
}

int fpq_seed_parse(uint64_t *out, const char *s, size_t len)
{
    char buf[32];
    if (!out || !s)
        return FPQ_ERR_ARG;
    if (len == 0 || len >= sizeof buf)
        return FPQ_ERR_PARSE;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int base = 10;
    const char *p = buf;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (*p == '\0' || strspn(p, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") != strlen(p))
        return FPQ_ERR_PARSE;
    errno = 0;
    unsigned long long v = strtoull(p, NULL, base);
    if (errno == ERANGE)
        return FPQ_ERR_PARSE;
    *out = (uint64_t)v;
    return FPQ_OK;
}

/* ---- round to odd ----------------------------------------------------------- */

int fpq_mpfr_odd(mpfr_ptr x, int ternary)
{
    if (ternary == 0 || mpfr_nan_p(x) || mpfr_inf_p(x))
        return ternary;
    /* The exact value lies beyond x, away from zero (ternary < 0: above a
     * positive x).  A last bit of 1 is already the odd result; otherwise,
     * and for a zero that MPFR's own range underflowed to, step outward. */
    if (!mpfr_zero_p(x) && mpfr_min_prec(x) == mpfr_get_prec(x))
        return ternary;
    if (ternary < 0)
        mpfr_nextabove(x);
    else
        mpfr_nextbelow(x);
    return -ternary;
}
