/* fast.c: the bulk path's entry points (fpq.h): argument checks, the
 * packing of bit patterns, and the drivers that split an array into blocks
 * across OpenMP threads and run the kernels of the call's plan on each
 * (fast-impl.h describes the method). */
#include "fast-impl.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- packing ---------------------------------------------------------------------- */

size_t fpq_packed_size(const fpq_format *f, size_t n)
{
    if (fpq_format_validate(f) != FPQ_OK)
        return 0;
    unsigned w = packed_width(f);
    if (w == 4)
        return n / 2 + (n & 1);
    size_t bytes = w / 8;
    return n > SIZE_MAX / bytes ? SIZE_MAX : n * bytes;
}

/* Store n codes as elements i0.. of dst (i0 even when w = 4). */
#define DEFINE_PACK(NAME, T)                                                            \
    static void NAME(void *dst, size_t i0, const T *c, size_t n, unsigned w)            \
    {                                                                                   \
        switch (w) {                                                                    \
        case 4: {                                                                       \
            uint8_t *d = (uint8_t *)dst + i0 / 2;                                       \
            size_t i = 0;                                                               \
            for (; i + 1 < n; i += 2)                                                   \
                d[i / 2] = (uint8_t)((c[i] & 15) | (c[i + 1] & 15) << 4);               \
            if (i < n)                                                                  \
                d[i / 2] = (uint8_t)(c[i] & 15);                                        \
            break;                                                                      \
        }                                                                               \
        case 8:                                                                         \
            for (size_t i = 0; i < n; i++)                                              \
                ((uint8_t *)dst)[i0 + i] = (uint8_t)c[i];                               \
            break;                                                                      \
        case 16:                                                                        \
            for (size_t i = 0; i < n; i++)                                              \
                ((uint16_t *)dst)[i0 + i] = (uint16_t)c[i];                             \
            break;                                                                      \
        case 32:                                                                        \
            for (size_t i = 0; i < n; i++)                                              \
                ((uint32_t *)dst)[i0 + i] = (uint32_t)c[i];                             \
            break;                                                                      \
        default:                                                                        \
            for (size_t i = 0; i < n; i++)                                              \
                ((uint64_t *)dst)[i0 + i] = (uint64_t)c[i];                             \
        }                                                                               \
    }
DEFINE_PACK(pack32, uint32_t)
DEFINE_PACK(pack64, uint64_t)

/* pack32 of a whole block (n = BLOCK): a trip count the compiler knows, so
 * that -O2 vectorises the narrowing stores (fast-kernels.c says why). */
HOT static void pack32_block(void *dst, size_t i0, const uint32_t *restrict c, unsigned w)
{
    switch (w) {
    case 4: {
        uint8_t *restrict d = (uint8_t *)dst + i0 / 2;
        for (size_t i = 0; i < BLOCK / 2; i++)
            d[i] = (uint8_t)((c[2 * i] & 15) | (c[2 * i + 1] & 15) << 4);
        break;
    }
    case 8: {
        uint8_t *restrict d = (uint8_t *)dst + i0;
        for (size_t i = 0; i < BLOCK; i++)
            d[i] = (uint8_t)c[i];
        break;
    }
    case 16: {
        uint16_t *restrict d = (uint16_t *)dst + i0;
        for (size_t i = 0; i < BLOCK; i++)
            d[i] = (uint16_t)c[i];
        break;
    }
    default: {
        uint32_t *restrict d = (uint32_t *)dst + i0;
        for (size_t i = 0; i < BLOCK; i++)
            d[i] = c[i];
    }
    }
}

void fpq_fast_pack(void *dst, size_t i0, const uint64_t *c, size_t n, unsigned w) { pack64(dst, i0, c, n, w); }

/* Load elements i0.. of src, masked to the format's width (mask). */
static void unpack(uint64_t *c, const void *src, size_t i0, size_t n, unsigned w, uint64_t mask)
{
    switch (w) {
    case 4:
        for (size_t i = 0; i < n; i++) {
            size_t k = i0 + i;
            c[i] = (((const uint8_t *)src)[k / 2] >> (k & 1 ? 4 : 0)) & mask;
        }
        break;
    case 8:
        for (size_t i = 0; i < n; i++)
            c[i] = ((const uint8_t *)src)[i0 + i] & mask;
        break;
    case 16:
        for (size_t i = 0; i < n; i++)
            c[i] = ((const uint16_t *)src)[i0 + i] & mask;
        break;
    case 32:
        for (size_t i = 0; i < n; i++)
            c[i] = ((const uint32_t *)src)[i0 + i] & mask;
        break;
    default:
        for (size_t i = 0; i < n; i++)
            c[i] = ((const uint64_t *)src)[i0 + i] & mask;
    }
}

int fpq_unpack(uint64_t *dst, const void *src, size_t i0, size_t n, const fpq_format *fmt)
{
    if (fpq_format_validate(fmt) != FPQ_OK || (n && (!dst || !src)))
        return FPQ_ERR_ARG;
    unpack(dst, src, i0, n, packed_width(fmt), fpq_width_mask(fmt));
    return FPQ_OK;
}

int fpq_pack(void *dst, const uint64_t *src, size_t i0, size_t n, const fpq_format *fmt)
{
    if (fpq_format_validate(fmt) != FPQ_OK || (n && (!dst || !src)))
        return FPQ_ERR_ARG;
    const unsigned w = packed_width(fmt);
    if (w == 4 && (i0 & 1) && n) { /* an odd start: its nibble alone */
        uint8_t *d = (uint8_t *)dst + i0 / 2;
        *d = (uint8_t)((*d & 15) | (src[0] & 15) << 4);
        i0++, src++, n--;
    }
    if (w == 4 && (n & 1)) { /* a last even element: keep the high nibble */
        uint8_t *d = (uint8_t *)dst + (i0 + n - 1) / 2;
        *d = (uint8_t)((*d & 0xf0) | (src[n - 1] & 15));
        n--;
    }
    pack64(dst, i0, src, n, w);
    return FPQ_OK;
}

/* ---- the drivers ---------------------------------------------------------------- */

/* Whether [a, a+na) and [b, b+nb) share a byte. */
static bool overlap(const void *a, size_t na, const void *b, size_t nb)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return na && nb && x < y + nb && y < x + na;
}

static int check_args(const void *dst, const void *src, size_t n, const fpq_format *f, const fpq_rounding **rnd,
                      fpq_rounding *def)
{
    if (fpq_format_validate(f) != FPQ_OK)
        return FPQ_ERR_ARG;
    if (rnd) {
        if (!*rnd) {
            fpq_rounding_default(def);
            *rnd = def;
        }
        if (fpq_rounding_validate(*rnd) != FPQ_OK)
            return FPQ_ERR_ARG;
    }
    if (n && (!dst || !src))
        return FPQ_ERR_ARG;
    return FPQ_OK;
}

/* The stochastic draws of elements pos .. pos+n-1, zero-padded to a block. */
static const uint64_t *draws(uint64_t *u, const fpq_rounding *r, uint64_t pos, size_t n)
{
    if (r->mode != FPQ_RSR)
        return NULL;
    fpq_fast_sr_draws(u, fpq_sr_key(r->seed), pos, n);
    return u;
}

/* Codes of src[i0 .. i0+n) (n <= BLOCK) into c[0 .. BLOCK). */
static void encode_any(uint64_t *c, const plan *pl, const void *src, src_type st, size_t i0, size_t n)
{
    double tmp[BLOCK];
    const double *x = tmp;
    if (st == SRC_F32) {
        const float *s = (const float *)src + i0;
        for (size_t i = 0; i < BLOCK; i++)
            tmp[i] = i < n ? s[i] : 0; /* exact */
    } else if (n == BLOCK) {
        x = (const double *)src + i0;
    } else {
        memcpy(tmp, (const double *)src + i0, n * sizeof *tmp);
        memset(tmp + n, 0, (BLOCK - n) * sizeof *tmp);
    }
    const uint64_t pos = pl->r->position + i0;
    if (pl->f->kind == FPQ_KIND_LUT) {
        fpq_fast_lut_encode_block(c, x, n, &pl->lut, pl->r, pos);
    } else {
        uint64_t u[BLOCK];
        fpq_fast_k64_encode_block(c, x, draws(u, pl->r, pos, n), &pl->p64, pl->norm, pl->f->kind == FPQ_KIND_INT,
                                  pl->r->mode);
    }
}

/* Binary32 elements i0 .. i0+n of src in a whole block: src itself or tmp. */
static const float *block_f32(float *tmp, const float *src, size_t i0, size_t n)
{
    if (n == BLOCK)
        return src + i0;
    memcpy(tmp, src + i0, n * sizeof *tmp);
    memset(tmp + n, 0, (BLOCK - n) * sizeof *tmp);
    return tmp;
}

static size_t nchunks(size_t n) { return n / CHUNK + (n % CHUNK != 0); }

/* One call of the bulk path: its arguments and its plan. */
typedef struct job {
    void *dst;
    const void *src;
    src_type st;
    bool dbl; /* decode and round: binary64 results */
    const fpq_format *f;
    const fpq_rounding *r;
    plan pl;
} job;

typedef void (*block_fn)(const job *j, size_t i0, size_t len);

/* fn on every block of elements 0 .. n-1: OpenMP threads take fixed chunks
 * of whole blocks (so no result depends on the thread count), each in the
 * default floating-point environment (fp_enter).  The calling thread's
 * environment is also put back after the parallel region: LLVM's OpenMP
 * runtime (libomp) clears the caller's exception flags when a region runs
 * serialized (one chunk, or one thread). */
static void for_blocks(const job *j, size_t n, block_fn fn)
{
    const size_t nc = nchunks(n);
    const fp_state caller = fp_enter();
#pragma omp parallel for schedule(static) if (nc > 1)
    for (size_t ch = 0; ch < nc; ch++) {
        const fp_state fs = fp_enter();
        const size_t end = ch * CHUNK + CHUNK < n ? ch * CHUNK + CHUNK : n;
        for (size_t i0 = ch * CHUNK; i0 < end; i0 += BLOCK)
            fn(j, i0, end - i0 < BLOCK ? end - i0 : BLOCK);
        fp_leave(fs);
    }
    fp_leave(caller);
}

/* A block of binary32 elements x (elements i0.. of the call) by the k32
 * kernels: rounded into out (codes NULL) or encoded into codes (out NULL);
 * stochastic rounding by the loops with the draws inside (fast-sr.c). */
static void k32_block(const job *j, float *out, uint32_t *codes, const float *x, size_t i0)
{
    const k32 *p = &j->pl.p32;
    const int is_int = j->f->kind == FPQ_KIND_INT;
    const fpq_rounding *r = j->r;
    if (r->mode == FPQ_RSR && codes)
        fpq_fast_k32_sr_encode_block(codes, x, fpq_sr_key(r->seed), r->position + i0, p, is_int);
    else if (r->mode == FPQ_RSR)
        fpq_fast_k32_sr_round_block(out, x, fpq_sr_key(r->seed), r->position + i0, p, is_int);
    else if (codes)
        fpq_fast_k32_encode_block(codes, x, NULL, p, is_int, r->mode);
    else
        fpq_fast_k32_round_block(out, x, NULL, p, is_int, r->mode);
}

static void encode_block(const job *j, size_t i0, size_t len)
{
    const plan *pl = &j->pl;
    if (pl->use_k32) {
        uint32_t c[BLOCK];
        float tmp[BLOCK];
        k32_block(j, NULL, c, block_f32(tmp, j->src, i0, len), i0);
        if (len == BLOCK)
            pack32_block(j->dst, i0, c, pl->w);
        else
            pack32(j->dst, i0, c, len, pl->w);
    } else {
        uint64_t c[BLOCK];
        encode_any(c, pl, j->src, j->st, i0, len);
        pack64(j->dst, i0, c, len, pl->w);
    }
}

/* Store a block's results: the first n of res as elements i0.. of dst. */
static void store(void *dst, bool dbl, size_t i0, const void *res, size_t n)
{
    const size_t esz = dbl ? sizeof(double) : sizeof(float);
    memcpy((char *)dst + i0 * esz, res, n * esz);
}

/* Decode the block's codes c into dst, straight or (a short block, or in
 * place) through res. */
static void decode_codes(const job *j, const uint64_t *c, size_t i0, size_t len, bool direct)
{
    double res[BLOCK]; /* room for BLOCK binary64 or binary32 results */
    if (j->dbl)
        fpq_fast_dec_block_f64(direct ? (double *)j->dst + i0 : res, c, &j->pl.dec);
    else
        fpq_fast_dec_block_f32(direct ? (float *)j->dst + i0 : (float *)res, c, &j->pl.dec, &j->pl.dec64);
    if (!direct)
        store(j->dst, j->dbl, i0, res, len);
}

static void decode_block(const job *j, size_t i0, size_t len)
{
    uint64_t c[BLOCK];
    unpack(c, j->src, i0, len, j->pl.w, fpq_width_mask(j->f));
    memset(c + len, 0, (BLOCK - len) * sizeof *c);
    decode_codes(j, c, i0, len, len == BLOCK);
}

static void round_block(const job *j, size_t i0, size_t len)
{
    const plan *pl = &j->pl;
    /* in place, or a short block: results go through a buffer (the
     * kernels' pointers are restrict) */
    const bool direct = len == BLOCK && j->dst != j->src;
    if (pl->use_k32 && pl->k32_round) {
        float res[BLOCK], tmp[BLOCK];
        k32_block(j, direct ? (float *)j->dst + i0 : res, NULL, block_f32(tmp, j->src, i0, len), i0);
        if (!direct)
            store(j->dst, false, i0, res, len);
    } else {
        uint64_t c[BLOCK];
        encode_any(c, pl, j->src, j->st, i0, len);
        decode_codes(j, c, i0, len, direct);
    }
}

/* ---- entry points --------------------------------------------------------------- */

typedef enum { OP_ENCODE, OP_DECODE, OP_ROUND } bulk_op;

/* An entry point: check the arguments, plan, run op on every block.  dbl:
 * the host array (encode's and round's source, decode's destination) is
 * binary64, else binary32. */
static int run(bulk_op op, void *dst, const void *src, bool dbl, size_t n, const fpq_format *f,
               const fpq_rounding *rnd)
{
    fpq_rounding def;
    int stt = check_args(dst, src, n, f, op == OP_DECODE ? NULL : &rnd, &def);
    if (stt != FPQ_OK)
        return stt;
    if (n == 0)
        return FPQ_OK;
    const size_t host = n * (dbl ? sizeof(double) : sizeof(float));
    bool clash;
    switch (op) {
    case OP_ENCODE:
        clash = overlap(dst, fpq_packed_size(f, n), src, host);
        break;
    case OP_DECODE:
        clash = overlap(dst, host, src, fpq_packed_size(f, n));
        break;
    default:
        clash = dst != src && overlap(dst, host, src, host); /* round may work in place */
    }
    if (clash)
        return FPQ_ERR_ARG;
    if (fpq_bulk_needs_reference(f, op == OP_DECODE ? NULL : rnd))
        return fpq_bulk_reference(dst, src, dbl, n, f, op == OP_DECODE ? NULL : rnd, op == OP_ROUND);
    const src_type st = dbl ? SRC_F64 : SRC_F32;
    job j = {.dst = dst, .src = src, .st = st, .dbl = dbl, .f = f, .r = op == OP_DECODE ? NULL : rnd};
    if (fpq_fast_plan_init(&j.pl, f, j.r, st, op != OP_ENCODE, dbl) != FPQ_OK)
        return FPQ_ERR_ARG;
    static const block_fn block[] = {[OP_ENCODE] = encode_block, [OP_DECODE] = decode_block, [OP_ROUND] = round_block};
    for_blocks(&j, n, block[op]);
    return FPQ_OK;
}

int fpq_encode_f32(void *dst, const float *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd)
{
    return run(OP_ENCODE, dst, src, false, n, fmt, rnd);
}

int fpq_encode_f64(void *dst, const double *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd)
{
    return run(OP_ENCODE, dst, src, true, n, fmt, rnd);
}

int fpq_decode_f32(float *dst, const void *src, size_t n, const fpq_format *fmt)
{
    return run(OP_DECODE, dst, src, false, n, fmt, NULL);
}

int fpq_decode_f64(double *dst, const void *src, size_t n, const fpq_format *fmt)
{
    return run(OP_DECODE, dst, src, true, n, fmt, NULL);
}

int fpq_round_f32(float *dst, const float *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd)
{
    return run(OP_ROUND, dst, src, false, n, fmt, rnd);
}

int fpq_round_f64(double *dst, const double *src, size_t n, const fpq_format *fmt, const fpq_rounding *rnd)
{
    return run(OP_ROUND, dst, src, true, n, fmt, rnd);
}
