/* text.c: numbers and bit patterns to and from text, exactly. */
#include "fpq-impl.h"

#include <ctype.h>
#include <gmp.h>
#include <stdlib.h>
#include <string.h>

int fpq_parse_value(mpfr_ptr rop, bool *exact, const char *text)
{
    if (!rop || !text)
        return FPQ_ERR_ARG;
    mpfr_set_prec(rop, FPQ_PARSE_PREC);
    const char *s = text;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return FPQ_ERR_PARSE;
    char *end;
    /* Truncate, then set the last bit if anything was cut: round to odd. */
    int t = mpfr_strtofr(rop, s, &end, 0, MPFR_RNDZ);
    if (end == s)
        return FPQ_ERR_PARSE;
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0')
        return FPQ_ERR_PARSE;
    fpq_mpfr_odd(rop, t);
    if (mpfr_nan_p(rop)) /* MPFR leaves a NaN's sign unspecified; keep the text's */
        mpfr_setsign(rop, rop, *s == '-', MPFR_RNDN);
    if (exact)
        *exact = t == 0;
    return FPQ_OK;
}

int fpq_parse_bits(uint64_t *bits, const fpq_format *f, const char *text)
{
    if (!bits || !f || !text)
        return FPQ_ERR_ARG;
    const char *s = text;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (*s == '\0')
        return FPQ_ERR_PARSE;
    uint64_t v = 0;
    bool wide = false;
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return FPQ_ERR_PARSE;
        if (v >> 60)
            wide = true;
        v = (v << 4) | (uint64_t)d;
    }
    if (wide || (v & ~fpq_width_mask(f)))
        return FPQ_ERR_BITS_WIDE;
    *bits = v;
    return FPQ_OK;
}

/* snprintf-style copy; returns strlen(src). */
static size_t emit(char *buf, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (buf && n) {
        size_t k = len < n - 1 ? len : n - 1;
        memcpy(buf, src, k);
        buf[k] = '\0';
    }
    return len;
}

/* Special values; returns true when x was one and was written. */
static bool emit_special(size_t *len, char *buf, size_t n, mpfr_srcptr x, const char *zero)
{
    const bool neg = mpfr_signbit(x) != 0;
    if (mpfr_nan_p(x))
        *len = emit(buf, n, neg ? "-nan" : "nan");
    else if (mpfr_inf_p(x))
        *len = emit(buf, n, neg ? "-inf" : "inf");
    else if (mpfr_zero_p(x))
        *len = emit(buf, n, neg ? (zero[0] == '0' && zero[1] == 'x' ? "-0x0p+0" : "-0") : zero);
    else
        return false;
    return true;
}

/* |x| = z * 2^e with z odd. */
static void odd_significand(mpz_t z, long *e, mpfr_srcptr x)
{
    mpfr_exp_t ee = mpfr_get_z_2exp(z, x);
    mpz_abs(z, z);
    mp_bitcnt_t tz = mpz_scan1(z, 0);
    mpz_tdiv_q_2exp(z, z, tz);
    *e = (long)ee + (long)tz;
}

/* The text of a finite nonzero |x| = z * 2^e (z odd) with its sign, in a
 * malloc'd string, or NULL when out of memory. */
typedef char *finite_text(mpz_t z, long e, const char *sign);

/* snprintf-style: the special values as emit_special writes them (zero
 * spelled `zero`), every other x by text. */
static size_t snprint_number(char *buf, size_t n, mpfr_srcptr x, const char *zero, finite_text *text)
{
    size_t len;
    if (emit_special(&len, buf, n, x, zero))
        return len;
    mpz_t z;
    long e;
    mpz_init(z);
    odd_significand(z, &e, x);
    char *out = text(z, e, mpfr_signbit(x) ? "-" : "");
    mpz_clear(z);
    len = emit(buf, n, out ? out : "");
    free(out);
    return len;
}

/* Exact decimal: positional for decimal exponents -6 .. 20, else exact
 * scientific. */
static char *exact_text(mpz_t z, long e, const char *sign)
{
    long k = 0; /* digits after the decimal point */
    if (e >= 0) {
        mpz_mul_2exp(z, z, (mp_bitcnt_t)e);
    } else {
        mpz_t p;
        mpz_init(p);
        mpz_ui_pow_ui(p, 5, (unsigned long)-e);
        mpz_mul(z, z, p);
        mpz_clear(p);
        k = -e;
    }
    char *d = mpz_get_str(NULL, 10, z); /* |x| = d * 10^-k, no trailing zero when k > 0 */
    long nd = (long)strlen(d);
    long dexp = nd - k - 1; /* decimal exponent of the leading digit */
    size_t cap = (size_t)nd + (size_t)(k > nd ? k : 0) + 32;
    char *out = malloc(cap);
    if (!out) {
        free(d);
        return NULL;
    }
    if (dexp >= -6 && dexp < 21) { /* plain positional notation */
        char *o = out + sprintf(out, "%s", sign);
        if (k == 0) {
            strcpy(o, d);
        } else if (nd > k) {
            o += sprintf(o, "%.*s.", (int)(nd - k), d);
            strcpy(o, d + (nd - k));
        } else {
            o += sprintf(o, "0.");
            for (long i = 0; i < k - nd; i++)
                *o++ = '0';
            strcpy(o, d);
        }
    } else { /* exact scientific: every digit, trailing zeros of integers dropped */
        long last = nd;
        while (last > 1 && d[last - 1] == '0')
            last--;
        if (last == 1)
            snprintf(out, cap, "%s%ce%+ld", sign, d[0], dexp);
        else
            snprintf(out, cap, "%s%c.%.*se%+ld", sign, d[0], (int)(last - 1), d + 1, dexp);
    }
    free(d);
    return out;
}

/* Normalised hex-float, shortest exact. */
static char *hex_text(mpz_t z, long e, const char *sign)
{
    size_t nb = mpz_sizeinbase(z, 2); /* |x| = 1.f * 2^(e + nb - 1) */
    long fb = (long)nb - 1;           /* fraction bits */
    long hd = (fb + 3) / 4;           /* hex digits of the fraction */
    mpz_clrbit(z, nb - 1);
    mpz_mul_2exp(z, z, (mp_bitcnt_t)(4 * hd - fb));
    char *h = mpz_get_str(NULL, 16, z);
    size_t cap = strlen(h) + (size_t)hd + 48;
    char *out = malloc(cap);
    if (!out) {
        free(h);
        return NULL;
    }
    char *o = out + sprintf(out, "%s0x1", sign);
    if (hd > 0) {
        *o++ = '.';
        for (long i = (long)strlen(h); i < hd; i++)
            *o++ = '0';
        o += sprintf(o, "%s", h);
    }
    sprintf(o, "p%+ld", e + fb);
    free(h);
    return out;
}

size_t fpq_snprint_exact(char *buf, size_t n, mpfr_srcptr x) { return snprint_number(buf, n, x, "0", exact_text); }

size_t fpq_snprint_hex(char *buf, size_t n, mpfr_srcptr x) { return snprint_number(buf, n, x, "0x0p+0", hex_text); }

void fpq_sprint_bits(char *buf, const fpq_format *f, uint64_t bits)
{
    static const char hex[] = "0123456789abcdef";
    unsigned nd = fpq_format_hex_digits(f);
    buf[0] = '0';
    buf[1] = 'x';
    for (unsigned i = 0; i < nd; i++)
        buf[2 + i] = hex[(bits >> (4 * (nd - 1 - i))) & 0xf];
    buf[2 + nd] = '\0';
}
