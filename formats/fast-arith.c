/* fast-arith.c: the emulated arithmetic over arrays (fpq_arith_codes).
 *
 * Each element is computed by the fast exact path of fast-arith-impl.h
 * where it applies, else by fpq_arith_mixed (arith.c), which takes the fast
 * path or the MPFR reference itself, so every element equals fpq_arith.
 * Blocks of BLOCK elements: the operands are unpacked, computed, and the
 * results packed.  With a flags array each element goes through fa_compute
 * (flags and all), except for +, - and * from formats of at most 16 bits
 * on 2^16 elements or more, where the exact result rounded to odd is
 * rounded by the k64 kernel below and its flags come from lean_round
 * (fast-arith-impl.h); without, the exact result rounded to odd (or, in
 * nearest-even, for +, -, *, / and sqrt, the host's result rounded to
 * nearest: Figueroa's theorem, fast-arith-impl.h) is computed for the whole
 * block in binary64 and rounded by the bulk path's k64 kernel, which equals
 * fpq_encode on binary64 input (tests/check_fast.c); the elements the fast
 * path does not cover are patched by fpq_arith_mixed.  +, - and * of fp16
 * or bf16 arrays in nearest-even under the format's overflow policy go to
 * fast-arith16.c's kernels (AVX2, F16C) where the CPU has them, and +, -
 * and * within one format of at most 16 bits otherwise to k32_arith
 * (fast-kernels.c), with fpq_arith_mixed for its NaN operands.  In
 * stochastic rounding (FPQ_RSR) the exact result, where binary64 holds
 * it, is rounded by the k64 kernel with the reference's draws (sr_block
 * below).  OpenMP threads take
 * fixed chunks: no result depends on the thread count. */
#include "fast-arith-impl.h"

#include <stdlib.h>

/* One call: arguments and the formats' fast-path views. */
typedef struct ajob {
    void *r;
    uint8_t *flags;
    const fpq_format *to, *from;
    fpq_op op;
    unsigned arity;
    const void *x[3];
    const fpq_rounding *rnd;
    bool fast;       /* both formats host-exact and the op and mode covered */
    fa_fmt fto, ffrom;
    plan pl;         /* the k64 kernel into `to` (lean path) */
    float *tab;      /* formats of at most 16 bits: the value of every
                        pattern (NaN, +-Inf as such), for the lean path */
    bool lean_rn;    /* nearest-even without flags: the host's RN result */
    lean lto;        /* `to` for lean_round: the flags of the table path */
    bool k32;        /* +, - or * within one format of k32_arith (pl.p32) */
    bool use16;      /* +, - or * of fp16 or bf16 in nearest-even (fast-arith16.c) */
    a16 h16;
    bool sr;         /* stochastic rounding (FPQ_RSR) of an exact binary64 result: sr_block */
    uint64_t key;    /* fpq_sr_key of the seed */
} ajob;

/* fpq_arith_mixed on element i (operands in o), for what the fast path
 * does not take. */
static uint64_t slow_one(const ajob *j, size_t i, const uint64_t *o, unsigned *fl)
{
    fpq_rounding r = *j->rnd;
    r.position += i;
    const fpq_format *fr[3] = {j->from, j->from, j->from};
    uint64_t res;
    fpq_arith_mixed(&res, fl, j->to, j->op, fr, o, &r);
    return res;
}

/* The elements i0 + i (i < len) with bad[i] set from slow_one: codes
 * into c and, with a flags array, the flags. */
static void patch_bad(const ajob *j, uint64_t *c, uint64_t o[3][BLOCK], const uint8_t *bad, size_t i0, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (bad[i]) {
            const uint64_t ops[3] = {o[0][i], o[1][i], o[2][i]};
            unsigned fl = 0;
            c[i] = slow_one(j, i0 + i, ops, &fl);
            if (j->flags)
                j->flags[i0 + i] = (uint8_t)fl;
        }
}

/* The lean path for +, - and * by table: operands decoded by j->tab,
 * the exact result rounded to odd (or to nearest for nearest-even), one
 * loop per operation without branches, so that GCC vectorises it.  A
 * non-finite y marks an element with a NaN or infinite operand. */
static void lean_table_block(const ajob *j, double *restrict y, uint8_t *restrict bad, uint64_t o[3][BLOCK])
{
    double a[BLOCK], b[BLOCK];
    const float *restrict tab = j->tab;
    for (size_t i = 0; i < BLOCK; i++) {
        a[i] = tab[o[0][i]];
        b[i] = tab[o[1][i]];
    }
    const bool sub = j->op == FPQ_OP_SUB, rdn = j->rnd->mode == FPQ_RDN;
    if (j->op == FPQ_OP_MUL) {
        for (size_t i = 0; i < BLOCK; i++)
            y[i] = a[i] * b[i]; /* exact */
    } else if (j->lean_rn) {
        for (size_t i = 0; i < BLOCK; i++)
            y[i] = sub ? a[i] - b[i] : a[i] + b[i]; /* an exact zero: +0 unless both -0, as in RNE */
    } else {
        for (size_t i = 0; i < BLOCK; i++) {
            const double bb = sub ? -b[i] : b[i];
            const double s = a[i] + bb, t = s - a[i];
            const double err = (a[i] - (s - t)) + (bb - t);
            uint64_t sb = f64_bits(s);
            /* rounded to odd: step toward the error when inexact and even */
            const uint64_t step = (uint64_t)(err != 0) & ~sb & 1;
            const uint64_t up = (uint64_t)((err > 0) == !(sb >> 63));
            sb += step & up;
            sb -= step & ~up & 1;
            /* an exact zero sum: the terms' common sign, else -0 under rdn */
            const uint64_t sa = f64_bits(a[i]), sbb = f64_bits(bb);
            const uint64_t zneg = ((sa & sbb) | ((sa ^ sbb) & ((uint64_t)0 - rdn))) & (UINT64_C(1) << 63);
            y[i] = s == 0 ? f64_from(zneg) : isfinite(s) ? f64_from(sb) : s; /* NaN, Inf: marked below */
        }
    }
    for (size_t i = 0; i < BLOCK; i++) {
        const bool fin = isfinite(y[i]);
        bad[i] = !fin;
        y[i] = fin ? y[i] : 0;
    }
}

/* The flags of rounding y[0 .. len) into `to` (lean_round: fa_encode's, without branches). */
static void lean_flags(const ajob *j, uint8_t *restrict fl, const double *restrict y, size_t len)
{
#define LEAN_FLAGS(MODE)                                                                                   \
    for (size_t i = 0; i < len; i++) {                                                                    \
        uint64_t f = 0, b = 0;                                                                            \
        lean_round(&j->lto, MODE, y[i], &f, &b);                                                          \
        fl[i] = (uint8_t)f;                                                                               \
    }                                                                                                     \
    break;
    switch (j->rnd->mode) {
    case FPQ_RNE: LEAN_FLAGS(FPQ_RNE)
    case FPQ_RNA: LEAN_FLAGS(FPQ_RNA)
    case FPQ_RTZ: LEAN_FLAGS(FPQ_RTZ)
    case FPQ_RUP: LEAN_FLAGS(FPQ_RUP)
    case FPQ_RDN: LEAN_FLAGS(FPQ_RDN)
    default: LEAN_FLAGS(FPQ_RTO)
    }
#undef LEAN_FLAGS
}

/* The lean path on one block: codes of elements i0 .. i0+len into c, and
 * with the table and a flags array, the flags. */
static void lean_block(const ajob *j, uint64_t *c, uint64_t o[3][BLOCK], size_t i0, size_t len)
{
    double y[BLOCK];
    uint8_t bad[BLOCK];
    const fa_fmt *F = &j->ffrom;
    if (j->tab)
        lean_table_block(j, y, bad, o);
    else
    for (size_t i = 0; i < BLOCK; i++) {
        double v[3] = {0, 0, 0};
        bool sp = false;
        for (unsigned k = 0; k < j->arity; k++) {
            sp |= fa_special(F, o[k][i]);
            v[k] = fa_value(F, o[k][i]);
        }
        bool ok = !sp;
        if (j->lean_rn) {
            switch (j->op) {
            case FPQ_OP_ADD: y[i] = v[0] + v[1]; break;
            case FPQ_OP_SUB: y[i] = v[0] - v[1]; break;
            case FPQ_OP_MUL: y[i] = v[0] * v[1]; break;
            case FPQ_OP_DIV: y[i] = v[0] / v[1]; ok &= v[1] != 0; break;
            default: y[i] = sqrt(v[0]); ok &= !(v[0] < 0); break; /* FPQ_OP_SQRT */
            }
        } else {
            ok &= fa_exact_odd(&y[i], j->op, v, j->rnd);
        }
        if (!ok)
            y[i] = 0;
        bad[i] = !ok;
    }
    fpq_fast_k64_encode_block(c, y, NULL, &j->pl.p64, j->pl.norm, 0, j->rnd->mode);
    if (j->flags)
        lean_flags(j, j->flags + i0, y, len);
    patch_bad(j, c, o, bad, i0, len);
}

/* ---- stochastic rounding -------------------------------------------------------
 *
 * FPQ_RSR compares the whole discarded fraction of the exact result with
 * the draw fpq_sr_bits(seed, position + i) (encode.c), so a rounded
 * intermediate, even one rounded to odd, does not do.  Where binary64
 * holds the exact result, the bulk path's k64 kernel rounds it, with the
 * same draws and the same comparison as fpq_encode on binary64 input
 * (tests/check_fast.c), and lean_sr_flags gives the flags:
 * - products: always (at most 24 + 24 bits, within [2^-298, 2^256]);
 * - sums and differences: when TwoSum's error term is 0 (fp16 and every
 *   format of at most 8 bits always; bf16 and binary32 while the operands'
 *   exponent gap keeps the sum within 53 bits);
 * - fma: the exact product plus the addend, when TwoSum's error term is 0;
 * - quotients and square roots: when the remainder (one fma) is 0.
 * Everything else -- an inexact quotient or square root, a sum whose exact
 * value binary64 does not hold, NaN and infinite operands, x / 0 -- goes
 * to fpq_arith_mixed, which takes the MPFR reference for every stochastic
 * rounding (fast-arith-impl.h's fa_op_ok), element by element at its own
 * position. */

/* The operands of a block as binary64 values: from the table (NaN and
 * +-Inf as such; finite() marks them below) or decoded, with bad[i] set
 * for a NaN or infinite operand. */
static void sr_operands(const ajob *j, double v[3][BLOCK], uint8_t *restrict bad, uint64_t o[3][BLOCK])
{
    if (j->tab) {
        const float *restrict tab = j->tab;
        for (unsigned k = 0; k < 3; k++)
            if (k < j->arity)
                for (size_t i = 0; i < BLOCK; i++)
                    v[k][i] = tab[o[k][i]];
            else
                memset(v[k], 0, sizeof v[k]);
        memset(bad, 0, BLOCK);
        return;
    }
    for (size_t i = 0; i < BLOCK; i++) {
        bool sp = false;
        for (unsigned k = 0; k < 3; k++) {
            const bool spk = k < j->arity && fa_special(&j->ffrom, o[k][i]);
            v[k][i] = spk ? 0 : fa_value(&j->ffrom, o[k][i]);
            sp |= spk;
        }
        bad[i] = sp;
    }
}

/* Stochastic rounding on one block: codes of elements i0 .. i0+len into c
 * and, with a flags array, the flags. */
static void sr_block(const ajob *j, uint64_t *c, uint64_t o[3][BLOCK], size_t i0, size_t len)
{
    double v[3][BLOCK], y[BLOCK];
    uint64_t u[BLOCK];
    uint8_t bad[BLOCK];
    sr_operands(j, v, bad, o);
    fpq_fast_sr_exact_block(y, bad, v[0], v[1], v[2], j->op);
    fpq_fast_sr_draws(u, j->key, j->rnd->position + i0, len);
    fpq_fast_k64_encode_block(c, y, u, &j->pl.p64, j->pl.norm, 0, FPQ_RSR);
    if (j->flags)
        fpq_fast_sr_flags_block(j->flags + i0, y, u, &j->lto, len);
    patch_bad(j, c, o, bad, i0, len);
}

/* The codes of elements i0 .. i0+len of a packed array of 8- or 16-bit
 * containers into 32-bit lanes, zero-padded to a block; a whole block with
 * the trip count known, so that GCC vectorises the copy. */
static void unpack_u32(uint32_t *restrict o, const void *restrict src, size_t i0, size_t len, unsigned w)
{
    const uint16_t *s16 = (const uint16_t *)src + i0;
    const uint8_t *s8 = (const uint8_t *)src + i0;
    if (len == BLOCK && w == 16)
        for (size_t i = 0; i < BLOCK; i++)
            o[i] = s16[i];
    else if (len == BLOCK)
        for (size_t i = 0; i < BLOCK; i++)
            o[i] = s8[i];
    else {
        for (size_t i = 0; i < len; i++)
            o[i] = w == 16 ? s16[i] : s8[i];
        memset(o + len, 0, (BLOCK - len) * sizeof *o);
    }
}

static void pack_u32(void *restrict dst, const uint32_t *restrict c, size_t i0, size_t len, unsigned w)
{
    uint16_t *d16 = (uint16_t *)dst + i0;
    uint8_t *d8 = (uint8_t *)dst + i0;
    if (len == BLOCK && w == 16)
        for (size_t i = 0; i < BLOCK; i++)
            d16[i] = (uint16_t)c[i];
    else if (len == BLOCK)
        for (size_t i = 0; i < BLOCK; i++)
            d8[i] = (uint8_t)c[i];
    else if (w == 16)
        for (size_t i = 0; i < len; i++)
            d16[i] = (uint16_t)c[i];
    else
        for (size_t i = 0; i < len; i++)
            d8[i] = (uint8_t)c[i];
}

/* The k32 path on one block: operands unpacked into 32-bit lanes, the
 * kernel, the elements with a NaN or infinite operand from slow_one. */
static void k32_block(const ajob *j, size_t i0, size_t len)
{
    uint32_t o[2][BLOCK], c[BLOCK];
    uint8_t fl[BLOCK], bad[BLOCK];
    const unsigned w = packed_width(j->from);
    unpack_u32(o[0], j->x[0], i0, len, w);
    unpack_u32(o[1], j->x[1], i0, len, w);
    fpq_fast_k32_arith_block(c, fl, bad, o[0], o[1], &j->pl.p32, j->op, j->rnd->mode);
    uint8_t any = 0;
    for (size_t i = 0; i < BLOCK; i++)
        any |= bad[i];
    for (size_t i = 0; any && i < len; i++)
        if (bad[i]) {
            const uint64_t ops[3] = {o[0][i], o[1][i], 0};
            unsigned f = 0;
            c[i] = (uint32_t)slow_one(j, i0 + i, ops, &f);
            fl[i] = (uint8_t)f;
        }
    if (j->flags)
        memcpy(j->flags + i0, fl, len);
    pack_u32(j->r, c, i0, len, w);
}

static void arith_block(const ajob *j, size_t i0, size_t len)
{
    if (j->use16) {
        fpq_fast_a16_run(&j->h16, (uint16_t *)j->r + i0, j->flags ? j->flags + i0 : NULL,
                         (const uint16_t *)j->x[0] + i0, (const uint16_t *)j->x[1] + i0, len);
        return;
    }
    if (j->k32) {
        k32_block(j, i0, len);
        return;
    }
    uint64_t o[3][BLOCK], c[BLOCK];
    for (unsigned k = 0; k < 3; k++) {
        if (k < j->arity)
            fpq_unpack(o[k], j->x[k], i0, len, j->from);
        memset(o[k] + (k < j->arity ? len : 0), 0, (BLOCK - (k < j->arity ? len : 0)) * sizeof(uint64_t));
    }
    if (j->sr) {
        sr_block(j, c, o, i0, len);
    } else if (j->fast && (!j->flags || j->tab)) {
        lean_block(j, c, o, i0, len);
    } else {
        const fa_fmt *fp[3] = {&j->ffrom, &j->ffrom, &j->ffrom};
        for (size_t i = 0; i < len; i++) {
            const uint64_t ops[3] = {o[0][i], o[1][i], o[2][i]};
            unsigned fl = 0;
            if (!j->fast || !fa_compute(&c[i], &fl, NULL, &j->fto, j->op, fp, ops, j->arity, j->rnd))
                c[i] = slow_one(j, i0 + i, ops, &fl);
            if (j->flags)
                j->flags[i0 + i] = (uint8_t)fl;
        }
    }
    fpq_fast_pack(j->r, i0, c, len, packed_width(j->to));
}

int fpq_arith_codes(void *r, uint8_t *flags, const fpq_format *to, fpq_op op, const fpq_format *from,
                    const void *a, const void *b, const void *c, size_t n, const fpq_rounding *rnd)
{
    fpq_rounding def;
    if (!rnd) {
        fpq_rounding_default(&def);
        rnd = &def;
    }
    const unsigned arity = fpq_op_arity(op);
    if (!arity || fpq_format_validate(to) != FPQ_OK || fpq_format_validate(from) != FPQ_OK ||
        fpq_rounding_validate(rnd) != FPQ_OK)
        return FPQ_ERR_ARG;
    const void *x[3] = {a, b, c};
    for (unsigned k = 0; k < arity; k++)
        if (n && !x[k])
            return FPQ_ERR_ARG;
    if (n == 0)
        return FPQ_OK;
    if (!r)
        return FPQ_ERR_ARG;
    ajob j = {.r = r, .flags = flags, .to = to, .from = from, .op = op, .arity = arity,
              .x = {a, b, c}, .rnd = rnd};
    j.fast = fa_op_ok(op, rnd) && fa_init(&j.fto, to) && fa_init(&j.ffrom, from);
    /* with flags, the value rounded to odd: it keeps the inexact bit */
    j.lean_rn = rnd->mode == FPQ_RNE && op != FPQ_OP_FMA && !flags;
    /* stochastic rounding of exact binary64 results: sr_block */
    j.sr = rnd->mode == FPQ_RSR && rnd->overflow != FPQ_OVF_PROPAGATE && op >= FPQ_OP_ADD && op <= FPQ_OP_SQRT &&
           fa_init(&j.fto, to) && fa_init(&j.ffrom, from);
    j.key = fpq_sr_key(rnd->seed);
    if ((j.fast || j.sr) && fpq_fast_plan_init(&j.pl, to, rnd, SRC_F64, false, false) != FPQ_OK)
        return FPQ_ERR_ARG;
    if (j.fast || j.sr)
        lean_init(&j.lto, &j.fto, rnd);
    /* +, - and * of fp16 or bf16 in nearest-even: fast-arith16.c */
    j.use16 = fpq_fast_a16_init(&j.h16, to, from, op, rnd);
    /* +, - and * within one format of k32_arith (fp16, bf16, ...): binary32 lanes */
    if (j.fast && !j.use16 && (op == FPQ_OP_ADD || op == FPQ_OP_SUB || op == FPQ_OP_MUL) && fpq_format_same(to, from) &&
        from->bits <= 16 && from->bits % 8 == 0) {
        plan p32;
        if (fpq_fast_plan_init(&p32, to, rnd, SRC_F32, false, false) == FPQ_OK && p32.use_k32 && p32.k32_round &&
            p32.p32.lean_ok && p32.p32.arith_ok) {
            j.k32 = true;
            j.pl.p32 = p32.p32;
        }
    }
    /* the table pays from 2^16 elements on (not read by the k32 and
     * fast-arith16.c kernels) */
    if ((j.fast || j.sr) && !j.k32 && !j.use16 && from->bits <= 16 && n >= ((size_t)1 << from->bits) &&
        (op == FPQ_OP_ADD || op == FPQ_OP_SUB || op == FPQ_OP_MUL)) {
        const size_t np = (size_t)1 << from->bits;
        j.tab = malloc(np * sizeof *j.tab);
        for (size_t k = 0; j.tab && k < np; k++) {
            const bool sp = fa_special(&j.ffrom, k);
            const bool inf = sp && from->specials == FPQ_SPECIALS_IEEE && (k & j.ffrom.magmask) == j.ffrom.expones;
            j.tab[k] = inf ? ((k & j.ffrom.signbit) ? -INFINITY : INFINITY) : sp ? NAN : (float)fa_value(&j.ffrom, k);
        }
    }
    const size_t nc = n / CHUNK + (n % CHUNK != 0);
    /* fast-arith16.c's kernels take about a nanosecond an element: threads
     * pay for their start only on long arrays (and on a loaded machine a
     * short call would wait for a thread not yet scheduled) */
    const bool par = nc > 1 && (!j.use16 || n >= ((size_t)1 << 20));
#pragma omp parallel for schedule(static) if (par)
    for (size_t ch = 0; ch < nc; ch++) {
        const fp_state fs = fp_enter();
        const size_t end = ch * CHUNK + CHUNK < n ? ch * CHUNK + CHUNK : n;
        for (size_t i0 = ch * CHUNK; i0 < end; i0 += BLOCK)
            arith_block(&j, i0, end - i0 < BLOCK ? end - i0 : BLOCK);
        fp_leave(fs);
    }
    free(j.tab);
    return FPQ_OK;
}
