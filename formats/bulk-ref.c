/* bulk-ref.c: the bulk entry points (fpq_encode_f32 ... fpq_round_f64)
 * computed element by element on the reference, fpq_encode and fpq_decode,
 * for what the bulk kernels do not cover (fpq_bulk_needs_reference: P3109
 * formats, the P3109 stochastic roundings, overflow propagate, and wrap
 * into integers). */
#include "fast-impl.h"

#include <math.h>
#include <string.h>

bool fpq_bulk_needs_reference(const fpq_format *f, const fpq_rounding *r)
{
    return f->p3109
           || (r && (r->mode > FPQ_RSR || r->overflow == FPQ_OVF_PROPAGATE
                     || (r->overflow == FPQ_OVF_WRAP && f->kind == FPQ_KIND_INT)));
}

/* Elements per block: even, so that blocks of 4-bit elements own their bytes. */
#define REF_BLOCK 256

/* Element k of a packed array of width w (fpq_packed_size's layout): its
 * nibble, or its w-bit word in host order. */
static uint64_t load(const void *src, size_t k, unsigned w)
{
    const unsigned char *p = src;
    if (w == 4)
        return (p[k / 2] >> (k % 2 ? 4 : 0)) & 15u;
    uint64_t v = 0;
    if (w == 8)
        return p[k];
    if (w == 16) {
        uint16_t h;
        memcpy(&h, p + 2 * k, 2);
        return h;
    }
    if (w == 32) {
        uint32_t h;
        memcpy(&h, p + 4 * k, 4);
        return h;
    }
    memcpy(&v, p + 8 * k, 8);
    return v;
}

static void put(void *dst, size_t k, unsigned w, uint64_t c)
{
    unsigned char *p = dst;
    if (w == 4) {
        const unsigned sh = k % 2 ? 4 : 0;
        p[k / 2] = (unsigned char)((p[k / 2] & ~(15u << sh)) | (unsigned)(c & 15u) << sh);
    } else if (w == 8) {
        p[k] = (unsigned char)c;
    } else if (w == 16) {
        const uint16_t h = (uint16_t)c;
        memcpy(p + 2 * k, &h, 2);
    } else if (w == 32) {
        const uint32_t h = (uint32_t)c;
        memcpy(p + 4 * k, &h, 4);
    } else {
        memcpy(p + 8 * k, &c, 8);
    }
}

/* The host value of a decoded pattern: rounded to nearest-even; a NaN as
 * the quiet NaN of the decoded sign. */
static void store(void *dst, bool dbl, size_t i, mpfr_srcptr v)
{
    if (dbl) {
        double d = mpfr_nan_p(v) ? copysign(NAN, mpfr_signbit(v) ? -1.0 : 1.0) : mpfr_get_d(v, MPFR_RNDN);
        ((double *)dst)[i] = d;
    } else {
        float s = mpfr_nan_p(v) ? copysignf(NAN, mpfr_signbit(v) ? -1.0f : 1.0f) : mpfr_get_flt(v, MPFR_RNDN);
        ((float *)dst)[i] = s;
    }
}

int fpq_bulk_reference(void *dst, const void *src, bool dbl, size_t n, const fpq_format *f, const fpq_rounding *r,
                       bool decode_result)
{
    const size_t nb = n / REF_BLOCK + (n % REF_BLOCK != 0);
#pragma omp parallel for schedule(static) if (nb > 1)
    for (size_t blk = 0; blk < nb; blk++) {
        const size_t i0 = blk * REF_BLOCK, len = n - i0 < REF_BLOCK ? n - i0 : REF_BLOCK;
        uint64_t c[REF_BLOCK];
        MPFR_DECL_INIT(x, 53);
        mpfr_t v;
        mpfr_init2(v, fpq_format_precision(f) > 53 ? fpq_format_precision(f) : 53);
        if (r) {
            fpq_rounding rk = *r;
            for (size_t i = 0; i < len; i++) {
                /* exact; MPFR leaves a NaN's sign unspecified: set it */
                const double h = dbl ? ((const double *)src)[i0 + i] : ((const float *)src)[i0 + i];
                mpfr_set_d(x, h, MPFR_RNDN);
                mpfr_setsign(x, x, signbit(h) != 0, MPFR_RNDN);
                rk.position = r->position + i0 + i;
                fpq_encode(&c[i], NULL, f, x, &rk);
            }
            if (!decode_result)
                for (size_t i = 0; i < len; i++)
                    put(dst, i0 + i, packed_width(f), c[i]);
        } else {
            for (size_t i = 0; i < len; i++)
                c[i] = load(src, i0 + i, packed_width(f)) & fpq_width_mask(f);
        }
        if (!r || decode_result)
            for (size_t i = 0; i < len; i++) {
                fpq_decode(v, NULL, NULL, f, c[i]);
                store(dst, dbl, i0 + i, v);
            }
        mpfr_clear(v);
    }
    return FPQ_OK;
}
