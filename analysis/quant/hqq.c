/* hqq.c: HQQ zero-point optimization (hqq.h), on the start fpq_quantize_parts
 * gives: its scales stay, its zero-points are the first iterate. */
#include "hqq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fpq_hqq_opts_default(fpq_hqq_opts *o)
{
    o->p = 0.7;
    o->beta = 10.0;
    o->kappa = 1.01;
    o->iters = 20;
}

static int check_spec(const fpq_tensor *w, const fpq_qspec *s, const fpq_hqq_opts *o, fpq_errbuf *err)
{
    int st = fpq_qspec_validate(s, err);
    if (st != FPQ_OK)
        return st;
    if (s->scheme != FPQ_SCHEME_ZEROPOINT || s->format.kind != FPQ_KIND_INT)
        return fpq_err(err, FPQ_LAB_ERR_SPEC,
                       "HQQ optimizes zero-points: it needs scheme zeropoint with integer elements (got %s, %s)",
                       fpq_scheme_name(s->scheme), s->format.name);
    if (s->outlier > 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "HQQ does not combine with an outlier split");
    if (s->rnd.mode != FPQ_RNE)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "HQQ rounds to nearest even: the element rounding must be rne, not %s",
                       fpq_rnd_name(s->rnd.mode));
    if (!(o->p > 0 && o->p <= 1) || !(o->beta > 0 && isfinite(o->beta)) || !(o->kappa >= 1 && isfinite(o->kappa))
        || o->iters == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC,
                       "HQQ needs 0 < p <= 1 (got %g), beta > 0 (got %g), kappa >= 1 (got %g) and iters >= 1 "
                       "(got %u)",
                       o->p, o->beta, o->kappa, o->iters);
    if (fpq_tensor_size(w) == 0)
        return fpq_err(err, FPQ_LAB_ERR_EMPTY, "HQQ needs values in W (%zu x %zu)", w->rows, w->cols);
    return fpq_tensor_check_finite(w, "W", err);
}

/* The unit of element (i, j) in fpq_qparts order (quant.h). */
static size_t unit_index(const fpq_qspec *s, size_t cols, size_t i, size_t j)
{
    switch (s->granularity) {
    case FPQ_GRAN_TENSOR: return 0;
    case FPQ_GRAN_ROW: return i;
    case FPQ_GRAN_COL: return j;
    default:
        return s->axis == 0 ? (i / s->group) * cols + j : i * ((cols + s->group - 1) / s->group) + j / s->group;
    }
}

/* sign(d) max(|d| - |d|^(p-1)/beta, 0): the proximal step of |d|^p. */
static double shrink(double d, double beta, double p)
{
    double a = fabs(d);
    if (a == 0)
        return 0;
    double t = a - (p == 1 ? 1.0 : pow(a, p - 1)) / beta;
    return t > 0 ? copysign(t, d) : 0;
}

typedef struct hqq_unit {
    double s;      /* the scale */
    double z;      /* the current iterate */
    double best;   /* the lp error of zbest */
    double zbest;
    double obj;    /* this pass: lp error of z */
    double zsum;   /* this pass: sum of q - (w - e)/S */
    size_t n;
    unsigned kept; /* updates kept */
    int active;
} hqq_unit;

/* q of w at the unit's current z, and its dequantized value in *wr. */
static double code_of(double w, const hqq_unit *u, double qmin, double qmax, double *wr)
{
    double q = nearbyint(w / u->s + u->z);
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    *wr = (q - u->z) * u->s;
    return q;
}

int fpq_hqq(fpq_tensor *wq, fpq_hqq_stats *st, const fpq_tensor *w, const fpq_qspec *s, const fpq_hqq_opts *o,
            fpq_errbuf *err)
{
    *wq = (fpq_tensor)FPQ_TENSOR_INIT;
    int rc = check_spec(w, s, o, err);
    if (rc != FPQ_OK)
        return rc;
    fpq_tensor start = FPQ_TENSOR_INIT;
    fpq_qparts parts;
    memset(&parts, 0, sizeof parts);
    fpq_qmetrics qm;
    if ((rc = fpq_quantize_parts(&start, &qm, &parts, w, NULL, s, err)) != FPQ_OK)
        return rc;
    size_t rows = w->rows, cols = w->cols, n = rows * cols, nu = fpq_tensor_size(&parts.scales);
    double qmin = s->format.is_signed ? -ldexp(1.0, (int)s->format.bits - 1) : 0;
    double qmax = s->format.is_signed ? ldexp(1.0, (int)s->format.bits - 1) - 1 : ldexp(1.0, (int)s->format.bits) - 1;
    hqq_unit *U = calloc(nu ? nu : 1, sizeof *U);
    size_t *ui = malloc(n * sizeof *ui);
    if (!U || !ui) {
        rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for HQQ (%zu x %zu)", rows, cols);
        goto done;
    }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            ui[i * cols + j] = unit_index(s, cols, i, j);
    for (size_t u = 0; u < nu; u++) {
        U[u].s = parts.scales.data[u];
        U[u].z = U[u].zbest = parts.zero_points.data[u];
        U[u].best = INFINITY;
        U[u].active = U[u].s > 0;
    }
    fpq_rounding rnd;
    fpq_rounding_default(&rnd);
    rnd.overflow = FPQ_OVF_SATURATE;
    double beta = o->beta;
    /* pass 0 evaluates the start (fpq_quantize's own w^ and codes); pass t
     * the t-th update */
    for (unsigned t = 0; t <= o->iters; t++) {
        for (size_t u = 0; u < nu; u++)
            U[u].obj = U[u].zsum = 0, U[u].n = 0;
        for (size_t e = 0; e < n; e++) {
            hqq_unit *u = &U[ui[e]];
            if (t > 0 && !u->active)
                continue;
            double wr, q;
            if (t == 0) {
                wr = start.data[e];
                q = (double)parts.codes[e];
            } else {
                q = code_of(w->data[e], u, qmin, qmax, &wr);
            }
            double d = w->data[e] - wr;
            u->obj += d == 0 ? 0 : pow(fabs(d), o->p);
            if (u->s > 0)
                u->zsum += q - (w->data[e] - shrink(d, beta, o->p)) / u->s;
            u->n++;
        }
        bool any = false;
        for (size_t u = 0; u < nu; u++) {
            hqq_unit *h = &U[u];
            if (t > 0 && !h->active)
                continue;
            if (h->obj < h->best) {
                h->best = h->obj;
                h->zbest = h->z;
                h->kept = t;
            } else {
                h->active = 0;
            }
            if (!h->active || t == o->iters || h->n == 0)
                continue;
            double z = h->zsum / (double)h->n;
            if (!s->scale_exact && fpq_round_f64(&z, &z, 1, &s->scale_format, &rnd) != FPQ_OK)
                z = h->z;
            if (z == h->z) /* a fixed point: nothing left to gain */
                h->active = 0;
            h->z = z;
            any = any || h->active;
        }
        beta *= o->kappa;
        if (!any)
            break;
    }
    if ((rc = fpq_tensor_alloc(wq, rows, cols)) != FPQ_OK) {
        rc = fpq_err(err, rc, "out of memory for HQQ (%zu x %zu)", rows, cols);
        goto done;
    }
    size_t clipped = 0;
    for (size_t e = 0; e < n; e++) {
        hqq_unit *u = &U[ui[e]];
        if (u->kept == 0) {
            wq->data[e] = start.data[e];
        } else {
            u->z = u->zbest;
            code_of(w->data[e], u, qmin, qmax, &wq->data[e]);
        }
        double y = u->s > 0 ? w->data[e] / u->s + u->zbest : 0;
        clipped += y < qmin - 0.5 || y > qmax + 0.5;
    }
    if (st) {
        memset(st, 0, sizeof *st);
        st->units = nu;
        for (size_t u = 0; u < nu; u++) {
            st->improved += U[u].kept > 0;
            st->lp_hqq += U[u].best;
            if (U[u].kept > st->iters_max)
                st->iters_max = U[u].kept;
        }
        /* the start's lp error per unit, recomputed in unit order */
        for (size_t u = 0; u < nu; u++)
            U[u].obj = 0;
        for (size_t e = 0; e < n; e++) {
            double d = w->data[e] - start.data[e];
            U[ui[e]].obj += d == 0 ? 0 : pow(fabs(d), o->p);
        }
        for (size_t u = 0; u < nu; u++)
            st->lp_start += U[u].obj;
        st->clipped_frac = (double)clipped / (double)n;
        double zbits = s->scale_exact ? 64.0 : (double)s->scale_format.bits;
        st->bits_per_value = qm.bits_per_value + (double)nu * (zbits - (double)s->format.bits) / (double)n;
    }
done:
    free(U), free(ui);
    fpq_tensor_free(&start);
    fpq_qparts_free(&parts);
    if (rc != FPQ_OK)
        fpq_tensor_free(wq);
    return rc;
}
