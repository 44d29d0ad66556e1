/* matmul.c: quantized matrix products (matmul.h).
 *
 * The quantizers are fpq_quantize's; this file only recovers their codes
 * and scales where the hardware would multiply codes, and forms products.
 *
 * Codes: for absmax with the maximum range choice, fpq_quantize maps a
 * unit's largest magnitude onto the element format's largest value qmax
 * (the rounding of S = c/qmax moves c/S by at most half an fp16 ulp, which
 * rounds back to qmax or saturates to it; percentile and MSE ranges clip,
 * and clipped values saturate to qmax too).  So S = max|ref^| / qmax, with
 * ref^ the reference tensor (x itself, or the calibration tensor quantized
 * under its own scales), and q = x^ / S.  Every code is then checked: it
 * must be a value of the element format and q S must give x^ back exactly;
 * when any check fails the product falls back to the dequantized path,
 * which is always correct (the codes are an implementation detail of the
 * product, not of its value in exact arithmetic).
 */
#include "matmul.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *fpq_mm_path_name(fpq_mm_path p)
{
    static const char *const names[FPQ_MM_PATH_COUNT_] = {"exact", "int", "codes", "dequant"};
    return (unsigned)p < FPQ_MM_PATH_COUNT_ ? names[p] : "?";
}

void fpq_mm_spec_default(fpq_mm_spec *s)
{
    memset(s, 0, sizeof *s);
    fpq_qspec_default(&s->x);
    fpq_qspec_default(&s->w);
    s->x.granularity = FPQ_GRAN_ROW;
    s->w.granularity = FPQ_GRAN_COL;
    s->threshold = 6.0;
    fpq_format_parse(&s->kept, "fp16");
    fpq_format_parse(&s->in, "fp16");
    fpq_format_parse(&s->acc, "fp32");
}

void fpq_mm_spec_llm_int8(fpq_mm_spec *s, double threshold)
{
    s->quant_x = s->quant_w = true;
    s->llm_int8 = true;
    s->threshold = threshold;
    fpq_qspec_default(&s->x);
    fpq_qspec_default(&s->w);
    s->x.granularity = FPQ_GRAN_ROW;
    s->w.granularity = FPQ_GRAN_COL;
}

int fpq_mm_spec_validate(const fpq_mm_spec *s, fpq_errbuf *err)
{
    fpq_errbuf e = {""};
    if (s->quant_x && fpq_qspec_validate(&s->x, &e) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "X: %s", e.msg);
    if (s->quant_w && fpq_qspec_validate(&s->w, &e) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "W: %s", e.msg);
    if (s->llm_int8 && !(s->threshold > 0 && isfinite(s->threshold)))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "LLM.int8: the threshold must be a positive number, not %g",
                       s->threshold);
    if (s->llm_int8 && (s->x.outlier > 0 || s->w.outlier > 0))
        return fpq_err(err, FPQ_LAB_ERR_SPEC,
                       "LLM.int8 splits the product itself: no outlier split in the X or W spec");
    if (s->llm_int8 && fpq_format_validate(&s->kept) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "LLM.int8: invalid kept format");
    if (s->has_in && fpq_format_validate(&s->in) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "invalid operand format");
    if (s->has_acc && fpq_format_validate(&s->acc) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "invalid accumulator format");
    char why[160];
    if (s->has_acc_model && fpq_acc_model_validate(&s->acc_model, why, sizeof why) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "accumulation model: %s", why);
    if (s->has_acc_model && s->has_acc)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "an accumulation model sets its own accumulator: no acc beside it");
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* Exact sums and integer products.                                       */

/* Dot2 (Ogita, Rump, Oishi 2005): sum of a[t] b[t], t < n, as if in twice
 * the working precision, rounded to binary64.  fma is called explicitly:
 * it is the exact error of the product, not a contraction. */
static double dot2(const double *a, const double *b, size_t n)
{
    double s = 0, c = 0;
    for (size_t t = 0; t < n; t++) {
        double p = a[t] * b[t];
        double pe = fma(a[t], b[t], -p);
        double u = s + p;
        double z = u - s;
        double se = (s - (u - z)) + (p - z);
        s = u;
        c += se + pe;
    }
    return s + c;
}

/* b transposed, malloc'd (NULL when out of memory): b is k x cols elements
 * of size bytes, the result cols x k. */
static void *transpose(const void *b, size_t k, size_t cols, size_t size)
{
    unsigned char *bt = malloc((k * cols > 0 ? k * cols : 1) * size);
    const unsigned char *src = b;
    if (!bt)
        return NULL;
    for (size_t t = 0; t < k; t++)
        for (size_t j = 0; j < cols; j++)
            memcpy(bt + (j * k + t) * size, src + (t * cols + j) * size, size);
    return bt;
}

static int gemm_dot2(double *c, const double *a, const double *b, size_t rows, size_t k, size_t cols)
{
    double *bt = transpose(b, k, cols, sizeof *b);
    if (!bt)
        return FPQ_ERR_NO_MEMORY;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            c[i * cols + j] = dot2(a + i * k, bt + j * k, k);
    free(bt);
    return FPQ_OK;
}

int fpq_igemm(int64_t *c, size_t *overflows, const int32_t *a, const int32_t *b, size_t rows, size_t k,
              size_t cols, bool acc64)
{
    int32_t *bt = transpose(b, k, cols, sizeof *b);
    if (!bt)
        return FPQ_ERR_NO_MEMORY;
    size_t novf = 0;
#pragma omp parallel for schedule(static) reduction(+ : novf)
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            const int32_t *ar = a + i * k, *bc = bt + j * k;
            if (acc64) {
                int64_t s = 0;
                for (size_t t = 0; t < k; t++)
                    s += (int64_t)ar[t] * bc[t];
                c[i * cols + j] = s;
            } else {
                uint32_t s = 0; /* two's complement wrap-around, as int32 hardware */
                for (size_t t = 0; t < k; t++) {
                    int64_t p = (int64_t)ar[t] * bc[t];
                    int64_t wide = (int64_t)(int32_t)s + p;
                    if (wide > INT32_MAX || wide < INT32_MIN)
                        novf++;
                    s += (uint32_t)p;
                }
                c[i * cols + j] = (int32_t)s;
            }
        }
    free(bt);
    if (overflows)
        *overflows = novf;
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* Float GEMM in an emulated accumulator.                                 */

/* c = a b, operands exactly representable in fa and fb, summed in order in
 * acc (every addition rounded to nearest even), exact products, or as the
 * accumulation model `model` when it is not NULL (on libfpq).  With an
 * fp32 accumulator each element is first tried at host speed: while every
 * product is exactly a binary32, s = fp32(s + p) computed as binary64 then
 * rounded to binary32 is correctly rounded (53 >= 2*24 + 2), the same as
 * fpq_dot; an element with an inexact product is recomputed by libfpq. */
static int gemm_acc(double *c, const double *a, const double *b, size_t rows, size_t k, size_t cols,
                    const fpq_format *fa, const fpq_format *fb, const fpq_format *acc,
                    const fpq_acc_model *model)
{
    fpq_dot_spec ds;
    fpq_dot_spec_default(&ds);
    ds.in = fa;
    ds.in_b = fb;
    ds.prod = NULL;
    ds.acc = acc;
    ds.out = NULL;
    ds.order = FPQ_DOT_SEQ;
    ds.model = model;
    if (model || fpq_format_host_width(acc) != 32)
        return fpq_gemm_f64(c, NULL, NULL, a, b, rows, k, cols, &ds);
    double *bt = transpose(b, k, cols, sizeof *b);
    if (!bt)
        return FPQ_ERR_NO_MEMORY;
    int st = FPQ_OK;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            const double *ar = a + i * k, *bc = bt + j * k;
            float s = 0.0f;
            size_t t = 0;
            for (; t < k; t++) {
                double p = ar[t] * bc[t];
                if ((double)(float)p != p || fma(ar[t], bc[t], -p) != 0)
                    break;
                s = (float)((double)s + p);
            }
            if (t == k) {
                c[i * cols + j] = s;
                continue;
            }
            double v;
            int r = fpq_gemm_f64(&v, NULL, NULL, ar, bc, 1, k, 1, &ds);
            if (r != FPQ_OK) {
#pragma omp critical
                st = r;
            }
            c[i * cols + j] = v;
        }
    free(bt);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Codes.                                                                 */

/* Unit of element (i, j) for a scale per tensor, row or column. */
static size_t unit_of(fpq_gran g, size_t i, size_t j)
{
    return g == FPQ_GRAN_TENSOR ? 0 : g == FPQ_GRAN_ROW ? i : j;
}

static size_t n_units(fpq_gran g, size_t rows, size_t cols)
{
    return g == FPQ_GRAN_TENSOR ? 1 : g == FPQ_GRAN_ROW ? rows : cols;
}

/* q = xh / S per unit, S = max|refh| / qmax; false if any check fails (see
 * the top of this file).  q and sc are preallocated (rows*cols, units). */
static bool make_codes(double *q, double *sc, const fpq_tensor *xh, const fpq_tensor *refh, const fpq_qspec *s)
{
    fpq_landmarks lm;
    if (fpq_landmarks_get(&lm, &s->format) != FPQ_OK)
        return false;
    double qmax = 0;
    uint64_t mb = lm.max_finite;
    size_t ps = fpq_packed_size(&s->format, 1);
    uint8_t b8 = (uint8_t)mb;
    uint16_t b16 = (uint16_t)mb;
    uint32_t b32 = (uint32_t)mb;
    const void *src = ps == 1 ? (const void *)&b8 : ps == 2 ? (const void *)&b16 : ps == 4 ? (const void *)&b32
                                                                                        : (const void *)&mb;
    if (fpq_decode_f64(&qmax, src, 1, &s->format) != FPQ_OK || !(qmax > 0))
        return false;
    size_t rows = xh->rows, cols = xh->cols, U = n_units(s->granularity, rows, cols);
    for (size_t u = 0; u < U; u++)
        sc[u] = 0;
    if (refh->rows != rows && s->granularity == FPQ_GRAN_ROW)
        return false;
    for (size_t i = 0; i < refh->rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double v = fabs(refh->data[i * cols + j]);
            size_t u = unit_of(s->granularity, i, j);
            if (v > sc[u])
                sc[u] = v;
        }
    for (size_t u = 0; u < U; u++)
        sc[u] = sc[u] > 0 ? sc[u] / qmax : 0;
    size_t n = rows * cols;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            size_t u = unit_of(s->granularity, i, j);
            double v = xh->data[i * cols + j];
            if (sc[u] == 0) {
                if (v != 0)
                    return false;
                q[i * cols + j] = 0;
            } else {
                q[i * cols + j] = v / sc[u];
            }
        }
    for (size_t u = 0; u < U; u++)
        if (sc[u] == 0)
            sc[u] = 1;
    double *r = malloc((n ? n : 1) * sizeof *r);
    if (!r)
        return false;
    fpq_rounding rnd;
    fpq_rounding_default(&rnd);
    rnd.overflow = FPQ_OVF_SATURATE;
    bool ok = fpq_round_f64(r, q, n, &s->format, &rnd) == FPQ_OK;
    for (size_t e = 0; ok && e < n; e++) {
        size_t u = unit_of(s->granularity, e / cols, e % cols);
        if (r[e] != q[e] || q[e] * sc[u] != xh->data[e])
            ok = false;
    }
    free(r);
    return ok;
}

/* ---------------------------------------------------------------------- */

static double operand_bits(const fpq_mm_spec *s)
{
    return s->has_in ? (double)s->in.bits : 64.0;
}

/* Quantize operand a (calibrated on calib when given) under q into *ah;
 * *clipped and *bits receive its clipped fraction and bits per value. */
static int quantize_operand(fpq_tensor *ah, double *clipped, double *bits, const fpq_tensor *a,
                            const fpq_tensor *calib, const fpq_qspec *q, fpq_errbuf *err)
{
    fpq_qmetrics qm;
    int st = fpq_quantize(ah, &qm, a, calib, q, err);
    if (st == FPQ_OK) {
        *clipped = qm.clipped_frac;
        *bits = qm.bits_per_value;
    }
    return st;
}

/* The product without the LLM.int8 split.  yh: rows x N, allocated.
 * m: path, clipped fractions, overflows, bits. */
static int plain_product(double *yh, fpq_mm_metrics *m, const fpq_tensor *x, const fpq_tensor *w,
                         const fpq_tensor *calib, const fpq_mm_spec *s, fpq_errbuf *err)
{
    size_t rows = x->rows, k = x->cols, cols = w->cols;
    fpq_tensor xh = FPQ_TENSOR_INIT, wh = FPQ_TENSOR_INIT, ch = FPQ_TENSOR_INIT;
    double *qx = NULL, *qw = NULL, *sx = NULL, *sw = NULL, *ta = NULL, *tb = NULL;
    int st = FPQ_OK;
    m->bits_x = operand_bits(s);
    m->bits_w = operand_bits(s);
    m->clipped_frac_x = m->clipped_frac_w = 0;
    m->int_overflows = 0;
    if (k == 0) { /* an empty inner dimension: Y = 0 */
        memset(yh, 0, rows * cols * sizeof *yh);
        m->path = FPQ_MM_PATH_EXACT;
        return FPQ_OK;
    }
    if (s->quant_x) {
        if ((st = quantize_operand(&xh, &m->clipped_frac_x, &m->bits_x, x, calib, &s->x, err)) != FPQ_OK)
            goto done;
        if (calib && (st = fpq_quantize(&ch, NULL, calib, calib, &s->x, err)) != FPQ_OK)
            goto done;
    }
    if (s->quant_w && (st = quantize_operand(&wh, &m->clipped_frac_w, &m->bits_w, w, NULL, &s->w, err)) != FPQ_OK)
        goto done;

    /* codes: both quantized, absmax, scales that factor out of the sum */
    bool scaled = s->quant_x && s->quant_w && s->x.scheme == FPQ_SCHEME_ABSMAX && s->w.scheme == FPQ_SCHEME_ABSMAX
                  && s->x.outlier == 0 && s->w.outlier == 0 && s->x.format.kind != FPQ_KIND_LUT
                  && s->w.format.kind != FPQ_KIND_LUT
                  && (s->x.granularity == FPQ_GRAN_TENSOR || s->x.granularity == FPQ_GRAN_ROW)
                  && (s->w.granularity == FPQ_GRAN_TENSOR || s->w.granularity == FPQ_GRAN_COL);
    if (scaled) {
        qx = malloc(rows * k * sizeof *qx);
        qw = malloc(k * cols * sizeof *qw);
        sx = malloc(n_units(s->x.granularity, rows, k) * sizeof *sx);
        sw = malloc(n_units(s->w.granularity, k, cols) * sizeof *sw);
        if (!qx || !qw || !sx || !sw) {
            st = FPQ_ERR_NO_MEMORY;
            goto done;
        }
        scaled = make_codes(qx, sx, &xh, calib ? &ch : &xh, &s->x) && make_codes(qw, sw, &wh, &wh, &s->w);
    }
    if (scaled) {
        bool ints = s->x.format.kind == FPQ_KIND_INT && s->w.format.kind == FPQ_KIND_INT && s->x.format.bits <= 16
                    && s->w.format.bits <= 16;
        double *acc = malloc(rows * cols * sizeof *acc);
        if (!acc) {
            st = FPQ_ERR_NO_MEMORY;
            goto done;
        }
        if (ints) {
            int32_t *ia = malloc(rows * k * sizeof *ia), *ib = malloc(k * cols * sizeof *ib);
            int64_t *ic = malloc(rows * cols * sizeof *ic);
            if (!ia || !ib || !ic) {
                free(ia), free(ib), free(ic), free(acc);
                st = FPQ_ERR_NO_MEMORY;
                goto done;
            }
            for (size_t e = 0; e < rows * k; e++)
                ia[e] = (int32_t)qx[e];
            for (size_t e = 0; e < k * cols; e++)
                ib[e] = (int32_t)qw[e];
            st = fpq_igemm(ic, &m->int_overflows, ia, ib, rows, k, cols, s->int_acc64);
            for (size_t e = 0; e < rows * cols; e++)
                acc[e] = (double)ic[e];
            free(ia), free(ib), free(ic);
            m->path = FPQ_MM_PATH_INT;
        } else {
            fpq_format f32;
            fpq_format_parse(&f32, "fp32");
            st = gemm_acc(acc, qx, qw, rows, k, cols, &s->x.format, &s->w.format, s->has_acc ? &s->acc : &f32,
                          s->has_acc_model ? &s->acc_model : NULL);
            m->path = FPQ_MM_PATH_CODES;
        }
        if (st == FPQ_OK)
            for (size_t i = 0; i < rows; i++)
                for (size_t j = 0; j < cols; j++) {
                    double a = sx[unit_of(s->x.granularity, i, 0)], b = sw[unit_of(s->w.granularity, 0, j)];
                    yh[i * cols + j] = (a * b) * acc[i * cols + j];
                }
        free(acc);
        goto done;
    }

    /* dequantized (or exact) operands */
    const double *a = s->quant_x ? xh.data : x->data, *b = s->quant_w ? wh.data : w->data;
    fpq_format f64;
    fpq_format_parse(&f64, "fp64");
    const fpq_format *fa = &f64, *fb = &f64;
    if (s->has_in) {
        fpq_rounding rnd;
        fpq_rounding_default(&rnd);
        ta = malloc(rows * k * sizeof *ta);
        tb = malloc(k * cols * sizeof *tb);
        if (!ta || !tb) {
            st = FPQ_ERR_NO_MEMORY;
            goto done;
        }
        if ((st = fpq_round_f64(ta, a, rows * k, &s->in, &rnd)) != FPQ_OK
            || (st = fpq_round_f64(tb, b, k * cols, &s->in, &rnd)) != FPQ_OK)
            goto done;
        a = ta, b = tb, fa = fb = &s->in;
    }
    m->path = s->quant_x || s->quant_w || s->has_in || s->has_acc || s->has_acc_model ? FPQ_MM_PATH_DEQUANT
                                                                                       : FPQ_MM_PATH_EXACT;
    if (s->has_acc || s->has_acc_model)
        st = gemm_acc(yh, a, b, rows, k, cols, fa, fb, &s->acc, s->has_acc_model ? &s->acc_model : NULL);
    else
        st = gemm_dot2(yh, a, b, rows, k, cols);

done:
    fpq_tensor_free(&xh);
    fpq_tensor_free(&wh);
    fpq_tensor_free(&ch);
    free(qx), free(qw), free(sx), free(sw), free(ta), free(tb);
    if (st == FPQ_ERR_ARG && err && !err->msg[0])
        fpq_err(err, st, "emulated GEMM refused its arguments");
    return st;
}

/* Columns of t in mask (keep = 1) or not (keep = 0) into *out (t's rows). */
static int take_cols(fpq_tensor *out, const fpq_tensor *t, const unsigned char *mask, size_t n, int keep)
{
    int st = fpq_tensor_alloc(out, t->rows, n);
    if (st != FPQ_OK)
        return st;
    for (size_t i = 0; i < t->rows; i++) {
        size_t c = 0;
        for (size_t j = 0; j < t->cols; j++)
            if (mask[j] == keep)
                out->data[i * n + c++] = t->data[i * t->cols + j];
    }
    return FPQ_OK;
}

static int take_rows(fpq_tensor *out, const fpq_tensor *t, const unsigned char *mask, size_t n, int keep)
{
    int st = fpq_tensor_alloc(out, n, t->cols);
    if (st != FPQ_OK)
        return st;
    size_t r = 0;
    for (size_t i = 0; i < t->rows; i++)
        if (mask[i] == keep)
            memcpy(out->data + r++ * t->cols, t->data + i * t->cols, t->cols * sizeof *t->data);
    return FPQ_OK;
}

static int llm_int8_product(double *yh, fpq_mm_metrics *m, const fpq_tensor *x, const fpq_tensor *w,
                            const fpq_tensor *calib, const fpq_mm_spec *s, fpq_errbuf *err)
{
    size_t rows = x->rows, k = x->cols, cols = w->cols;
    const fpq_tensor *ref = calib ? calib : x;
    unsigned char *mask = calloc(k ? k : 1, 1);
    if (!mask)
        return FPQ_ERR_NO_MEMORY;
    size_t ko = 0;
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < ref->rows; i++)
            if (fabs(ref->data[i * k + j]) >= s->threshold) {
                mask[j] = 1;
                break;
            }
        ko += mask[j];
    }
    size_t ki = k - ko;
    fpq_tensor xi = FPQ_TENSOR_INIT, xo = FPQ_TENSOR_INIT, wi = FPQ_TENSOR_INIT, wo = FPQ_TENSOR_INIT,
               ci = FPQ_TENSOR_INIT;
    double *yo = NULL;
    int st;
    if ((st = take_cols(&xi, x, mask, ki, 0)) != FPQ_OK || (st = take_cols(&xo, x, mask, ko, 1)) != FPQ_OK
        || (st = take_rows(&wi, w, mask, ki, 0)) != FPQ_OK || (st = take_rows(&wo, w, mask, ko, 1)) != FPQ_OK
        || (calib && (st = take_cols(&ci, calib, mask, ki, 0)) != FPQ_OK))
        goto done;
    if (ki > 0) {
        /* per-row (per-token) scales are the token's own: a calibration
         * set then fixes the outlier dimensions only */
        const bool static_scales = calib && s->x.granularity != FPQ_GRAN_ROW;
        if ((st = plain_product(yh, m, &xi, &wi, static_scales ? &ci : NULL, s, err)) != FPQ_OK)
            goto done;
    } else {
        memset(yh, 0, rows * cols * sizeof *yh);
        m->path = FPQ_MM_PATH_EXACT;
        m->clipped_frac_x = m->clipped_frac_w = 0;
        m->int_overflows = 0;
    }
    double bx_in = ki ? fpq_qspec_bits_per_value(&s->x, rows, ki, 0) : 0;
    double bw_in = ki ? fpq_qspec_bits_per_value(&s->w, ki, cols, 0) : 0;
    if (ko > 0) {
        fpq_rounding rnd;
        fpq_rounding_default(&rnd);
        rnd.overflow = FPQ_OVF_SATURATE;
        if ((st = fpq_round_f64(xo.data, xo.data, xo.rows * xo.cols, &s->kept, &rnd)) != FPQ_OK
            || (st = fpq_round_f64(wo.data, wo.data, wo.rows * wo.cols, &s->kept, &rnd)) != FPQ_OK)
            goto done;
        yo = malloc(rows * cols * sizeof *yo);
        if (!yo) {
            st = FPQ_ERR_NO_MEMORY;
            goto done;
        }
        fpq_format f32;
        fpq_format_parse(&f32, "fp32");
        if ((st = gemm_acc(yo, xo.data, wo.data, rows, ko, cols, &s->kept, &s->kept, s->has_acc ? &s->acc : &f32, NULL))
            != FPQ_OK)
            goto done;
        if (ki > 0)
            for (size_t e = 0; e < rows * cols; e++)
                yh[e] += yo[e];
        else
            memcpy(yh, yo, rows * cols * sizeof *yh);
    }
    m->outlier_dims = ko;
    m->outlier_frac = k ? (double)ko / (double)k : 0;
    /* clipped fractions of the int8 part, over all of X (W) */
    m->clipped_frac_x *= k ? (double)ki / (double)k : 0;
    m->clipped_frac_w *= k ? (double)ki / (double)k : 0;
    if (rows * k > 0)
        m->bits_x = (bx_in * (double)(rows * ki) + (double)s->kept.bits * (double)(rows * ko) + 32.0 * (double)ko)
                    / (double)(rows * k);
    if (k * cols > 0)
        m->bits_w = (bw_in * (double)(ki * cols) + (double)s->kept.bits * (double)(ko * cols)) / (double)(k * cols);

done:
    free(mask);
    free(yo);
    fpq_tensor_free(&xi), fpq_tensor_free(&xo), fpq_tensor_free(&wi), fpq_tensor_free(&wo), fpq_tensor_free(&ci);
    return st;
}

int fpq_matmul_ref(fpq_tensor *y, const fpq_tensor *x, const fpq_tensor *w, fpq_errbuf *err)
{
    *y = (fpq_tensor)FPQ_TENSOR_INIT;
    if (x->cols != w->rows)
        return fpq_err(err, FPQ_ERR_ARG, "X is %zu x %zu and W is %zu x %zu: X's columns must equal W's rows",
                       x->rows, x->cols, w->rows, w->cols);
    int st = fpq_tensor_alloc(y, x->rows, w->cols);
    if (st != FPQ_OK)
        return fpq_err(err, st, "out of memory");
    if (x->cols == 0)
        return FPQ_OK;
    if ((st = gemm_dot2(y->data, x->data, w->data, x->rows, x->cols, w->cols)) != FPQ_OK) {
        fpq_tensor_free(y);
        return fpq_err(err, st, "out of memory");
    }
    return FPQ_OK;
}

int fpq_mm_compare(fpq_mm_metrics *m, double *row_err, const fpq_tensor *yr, const fpq_tensor *yh,
                   fpq_errbuf *err)
{
    fpq_qmetrics qm;
    int st = fpq_qmetrics_compute(&qm, yr, yh, false, err);
    if (st != FPQ_OK)
        return st;
    m->rel_err = sqrt(qm.nmse);
    m->sqnr_db = qm.sqnr_db;
    m->max_abs_err = qm.max_abs_err;
    if (row_err)
        for (size_t i = 0; i < yh->rows; i++) {
            double se = 0, sy = 0;
            for (size_t j = 0; j < yh->cols; j++) {
                double d = yh->data[i * yh->cols + j] - yr->data[i * yh->cols + j];
                se += d * d;
                sy += yr->data[i * yh->cols + j] * yr->data[i * yh->cols + j];
            }
            row_err[i] = se == 0 ? 0 : sy == 0 ? INFINITY : sqrt(se / sy);
        }
    return FPQ_OK;
}

int fpq_matmul(fpq_tensor *y, fpq_mm_metrics *m, double *row_err, const fpq_tensor *x,
               const fpq_tensor *w, const fpq_tensor *calib, const fpq_mm_spec *s, fpq_errbuf *err)
{
    if (y)
        *y = (fpq_tensor)FPQ_TENSOR_INIT;
    fpq_mm_metrics mm;
    memset(&mm, 0, sizeof mm);
    int st;
    if ((st = fpq_mm_spec_validate(s, err)) != FPQ_OK)
        return st;
    if (x->cols != w->rows)
        return fpq_err(err, FPQ_ERR_ARG, "X is %zu x %zu and W is %zu x %zu: X's columns must equal W's rows",
                       x->rows, x->cols, w->rows, w->cols);
    if (fpq_tensor_size(x) == 0 || fpq_tensor_size(w) == 0)
        return fpq_err(err, FPQ_LAB_ERR_EMPTY, "X (%zu x %zu) and W (%zu x %zu) must both have values", x->rows,
                       x->cols, w->rows, w->cols);
    if (calib) {
        if (calib->cols != x->cols)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "the calibration X has %zu columns, X has %zu", calib->cols,
                           x->cols);
        if (fpq_tensor_size(calib) == 0)
            return fpq_err(err, FPQ_LAB_ERR_EMPTY, "the calibration X is empty");
    }
    if ((st = fpq_tensor_check_finite(x, "X", err)) != FPQ_OK
        || (st = fpq_tensor_check_finite(w, "W", err)) != FPQ_OK
        || (calib && (st = fpq_tensor_check_finite(calib, "calibration X", err)) != FPQ_OK))
        return st;
    fpq_tensor yh = FPQ_TENSOR_INIT, yr = FPQ_TENSOR_INIT;
    if ((st = fpq_tensor_alloc(&yh, x->rows, w->cols)) != FPQ_OK)
        return fpq_err(err, st, "out of memory");
    if (s->llm_int8)
        st = llm_int8_product(yh.data, &mm, x, w, calib, s, err);
    else
        st = plain_product(yh.data, &mm, x, w, calib, s, err);
    if (st != FPQ_OK)
        goto fail;
    if ((st = fpq_matmul_ref(&yr, x, w, err)) != FPQ_OK)
        goto fail;
    if ((st = fpq_mm_compare(&mm, row_err, &yr, &yh, err)) != FPQ_OK)
        goto fail;
    fpq_tensor_free(&yr);
    if (m)
        *m = mm;
    if (y)
        *y = yh;
    else
        fpq_tensor_free(&yh);
    return FPQ_OK;
fail:
    fpq_tensor_free(&yh);
    fpq_tensor_free(&yr);
    return st;
}
