/* method.c: weight methods and transforms around fpq_matmul (method.h). */
#include "method.h"

#include <stdlib.h>
#include <string.h>

#include "strset.h"
#include "transform.h"

static const char *const wmethod_names[FPQ_WMETHOD_COUNT_] = {"rtn", "gptq", "hqq"};

const char *fpq_wmethod_name(fpq_wmethod m)
{
    return (unsigned)m < FPQ_WMETHOD_COUNT_ ? wmethod_names[m] : "?";
}

int fpq_wmethod_parse(fpq_wmethod *out, const char *name)
{
    long i = fpq_name_index(wmethod_names, FPQ_WMETHOD_COUNT_, name);
    if (i < 0)
        return FPQ_LAB_ERR_SPEC;
    *out = (fpq_wmethod)i;
    return FPQ_OK;
}

void fpq_mm_method_default(fpq_mm_method *m)
{
    memset(m, 0, sizeof *m);
    m->w_method = FPQ_WMETHOD_RTN;
    fpq_gptq_opts_default(&m->gptq);
    fpq_hqq_opts_default(&m->hqq);
    m->alpha = 0.5;
}

/* The units of s on a rows x cols tensor (no outlier split). */
static size_t units_of(const fpq_qspec *s, size_t rows, size_t cols)
{
    switch (s->granularity) {
    case FPQ_GRAN_TENSOR: return 1;
    case FPQ_GRAN_ROW: return rows;
    case FPQ_GRAN_COL: return cols;
    default:
        return s->axis == 0 ? (rows + s->group - 1) / s->group * cols : rows * ((cols + s->group - 1) / s->group);
    }
}

int fpq_quantize_method(fpq_tensor *wh, fpq_qmetrics *m, const fpq_tensor *w, const fpq_tensor *acts,
                        const fpq_qspec *s, fpq_wmethod wm, fpq_errbuf *err)
{
    if (wh)
        *wh = (fpq_tensor)FPQ_TENSOR_INIT;
    if (wm == FPQ_WMETHOD_RTN)
        return acts ? fpq_err(err, FPQ_LAB_ERR_SPEC, "round to nearest takes no activations")
                    : fpq_quantize(wh, m, w, NULL, s, err);
    if (wm == FPQ_WMETHOD_GPTQ && !acts)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "GPTQ needs calibration activations (tokens x W's rows)");
    fpq_tensor q = FPQ_TENSOR_INIT;
    double clipped, bits;
    int st;
    if (wm == FPQ_WMETHOD_GPTQ) {
        fpq_gptq_opts go;
        fpq_gptq_stats gs;
        fpq_gptq_opts_default(&go);
        st = fpq_gptq(&q, &gs, w, acts, s, &go, err);
        clipped = gs.clipped_frac;
        bits = fpq_qspec_bits_per_value(s, w->rows, w->cols, 0);
    } else {
        fpq_hqq_opts ho;
        fpq_hqq_stats hs;
        fpq_hqq_opts_default(&ho);
        st = fpq_hqq(&q, &hs, w, s, &ho, err);
        clipped = hs.clipped_frac;
        bits = hs.bits_per_value;
    }
    fpq_qmetrics qm;
    if (st == FPQ_OK && (st = fpq_qmetrics_compute(&qm, w, &q, s->exact_metrics, err)) == FPQ_OK) {
        qm.clipped_frac = clipped;
        qm.n_clipped = (size_t)(clipped * (double)fpq_tensor_size(w) + 0.5);
        qm.bits_per_value = bits;
        qm.clip_ratio = 1;
        qm.units = units_of(s, w->rows, w->cols);
        if (m)
            *m = qm;
    }
    if (st == FPQ_OK && wh)
        *wh = q;
    else
        fpq_tensor_free(&q);
    return st;
}

static int copy(fpq_tensor *dst, const fpq_tensor *src)
{
    int st = fpq_tensor_alloc(dst, src->rows, src->cols);
    if (st == FPQ_OK && fpq_tensor_size(src))
        memcpy(dst->data, src->data, fpq_tensor_size(src) * sizeof *src->data);
    return st;
}

/* x, w, calib and acts transformed in place (calib, acts may be empty). */
static int transform(fpq_tensor *x, fpq_tensor *w, fpq_tensor *calib, fpq_tensor *acts, const fpq_mm_method *mt,
                     size_t *block, fpq_errbuf *err)
{
    int st = FPQ_OK;
    if (mt->smooth) {
        double *s = malloc((w->rows ? w->rows : 1) * sizeof *s);
        if (!s)
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        if ((st = fpq_smooth_factors(s, acts, w, mt->alpha, err)) == FPQ_OK) {
            fpq_smooth_x(x, s), fpq_smooth_w(w, s), fpq_smooth_x(acts, s);
            if (calib->data)
                fpq_smooth_x(calib, s);
        }
        free(s);
        if (st != FPQ_OK)
            return st;
    }
    *block = 0;
    if (mt->rotate) {
        size_t b = mt->rotate_block ? mt->rotate_block : fpq_hadamard_default_block(w->rows);
        if ((st = fpq_rotate_x(x, b, err)) != FPQ_OK || (st = fpq_rotate_w(w, b, err)) != FPQ_OK
            || (st = fpq_rotate_x(acts, b, err)) != FPQ_OK || (calib->data && (st = fpq_rotate_x(calib, b, err)) != FPQ_OK))
            return st;
        *block = b;
    }
    return FPQ_OK;
}

int fpq_matmul_method(fpq_tensor *y, fpq_mm_metrics *m, fpq_mm_method_stats *ms, double *row_err,
                      const fpq_tensor *x, const fpq_tensor *w, const fpq_tensor *calib, const fpq_tensor *acts,
                      const fpq_mm_spec *s, const fpq_mm_method *mt, fpq_errbuf *err)
{
    if (y)
        *y = (fpq_tensor)FPQ_TENSOR_INIT;
    fpq_mm_method_stats st;
    memset(&st, 0, sizeof st);
    int rc;
    if ((rc = fpq_mm_spec_validate(s, err)) != FPQ_OK)
        return rc;
    bool wm = mt->w_method != FPQ_WMETHOD_RTN;
    if (wm && s->llm_int8)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s does not combine with the LLM.int8 split",
                       mt->w_method == FPQ_WMETHOD_GPTQ ? "GPTQ" : "HQQ");
    if (wm && !s->quant_w)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s needs a W spec (W would stay exact)",
                       mt->w_method == FPQ_WMETHOD_GPTQ ? "GPTQ" : "HQQ");
    if (!acts)
        acts = x;
    if (x->cols != w->rows)
        return fpq_err(err, FPQ_ERR_ARG, "X is %zu x %zu and W is %zu x %zu: X's columns must equal W's rows",
                       x->rows, x->cols, w->rows, w->cols);
    if (acts->cols != w->rows)
        return fpq_err(err, FPQ_ERR_ARG,
                       "the calibration X is %zu x %zu and W is %zu x %zu: its columns must equal W's rows",
                       acts->rows, acts->cols, w->rows, w->cols);
    if (calib && calib->cols != x->cols)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "the calibration X has %zu columns, X has %zu", calib->cols, x->cols);
    if ((rc = fpq_tensor_check_finite(x, "X", err)) != FPQ_OK || (rc = fpq_tensor_check_finite(w, "W", err)) != FPQ_OK
        || (rc = fpq_tensor_check_finite(acts, "calibration X", err)) != FPQ_OK)
        return rc;
    fpq_tensor xt = FPQ_TENSOR_INIT, wt = FPQ_TENSOR_INIT, ct = FPQ_TENSOR_INIT, at = FPQ_TENSOR_INIT,
               wq = FPQ_TENSOR_INIT, yh = FPQ_TENSOR_INIT, yr = FPQ_TENSOR_INIT;
    if ((rc = copy(&xt, x)) != FPQ_OK || (rc = copy(&wt, w)) != FPQ_OK || (calib && (rc = copy(&ct, calib)) != FPQ_OK)
        || (rc = copy(&at, acts)) != FPQ_OK) {
        rc = fpq_err(err, rc, "out of memory");
        goto done;
    }
    if ((rc = transform(&xt, &wt, &ct, &at, mt, &st.rotate_block, err)) != FPQ_OK)
        goto done;
    fpq_mm_spec s2 = *s;
    const fpq_tensor *wuse = &wt;
    if (wm) {
        rc = mt->w_method == FPQ_WMETHOD_GPTQ ? fpq_gptq(&wq, &st.gptq, &wt, &at, &s->w, &mt->gptq, err)
                                              : fpq_hqq(&wq, &st.hqq, &wt, &s->w, &mt->hqq, err);
        if (rc != FPQ_OK)
            goto done;
        s2.quant_w = false;
        wuse = &wq;
    }
    fpq_mm_metrics mm;
    /* per-token scales of X are the token's own when the calibration
     * tokens are others */
    bool xcal = calib && !(s->quant_x && !s->llm_int8 && s->x.granularity == FPQ_GRAN_ROW && calib->rows != x->rows);
    if ((rc = fpq_matmul(&yh, &mm, NULL, &xt, wuse, xcal ? &ct : NULL, &s2, err)) != FPQ_OK
        || (rc = fpq_matmul_ref(&yr, x, w, err)) != FPQ_OK || (rc = fpq_mm_compare(&mm, row_err, &yr, &yh, err)) != FPQ_OK)
        goto done;
    if (wm) {
        if (mm.path == FPQ_MM_PATH_EXACT) /* W^ is dequantized: the exact sum of X W^ */
            mm.path = FPQ_MM_PATH_DEQUANT;
        if (mt->w_method == FPQ_WMETHOD_GPTQ) {
            mm.bits_w = fpq_qspec_bits_per_value(&s->w, w->rows, w->cols, 0);
            mm.clipped_frac_w = st.gptq.clipped_frac;
        } else {
            mm.bits_w = st.hqq.bits_per_value;
            mm.clipped_frac_w = st.hqq.clipped_frac;
        }
    }
    if (m)
        *m = mm;
    if (ms)
        *ms = st;
    if (y) {
        *y = yh;
        yh = (fpq_tensor)FPQ_TENSOR_INIT;
    }
done:
    fpq_tensor_free(&xt), fpq_tensor_free(&wt), fpq_tensor_free(&ct), fpq_tensor_free(&at);
    fpq_tensor_free(&wq), fpq_tensor_free(&yh), fpq_tensor_free(&yr);
    return rc;
}
