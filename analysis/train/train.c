/* train/train.c: the training loop of the engine (train.h) -- batches in a
 * shuffled order, forward and backward through the quantization points,
 * loss scaling, SGD with momentum on the cosine schedule. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "dist.h"

void fpq_train_spec_default(fpq_train_spec *s)
{
    memset(s, 0, sizeof *s);
    s->batch = 128;
    s->epochs = 10;
    s->lr = 0.05;
    s->momentum = 0.9;
    s->weight_decay = 0;
    s->seed = 1;
    for (int p = 0; p < FPQ_NN_PT_COUNT_; p++)
        fpq_qspec_default(&s->pt[p].q);
    s->master = true;
    s->scaling = FPQ_NN_SCALE_NONE;
    s->scale = 65536;
    s->growth_interval = 2000;
    fpq_dot_spec_default(&s->dot);
}

/* What a run holds besides the network. */
typedef struct ws {
    size_t L, B, maxw;
    float *a[FPQ_NN_MAXLAYERS + 1]; /* layer inputs as the products used them */
    float *z[FPQ_NN_MAXLAYERS];     /* pre-activations */
    float *g, *g2;                  /* output gradients, B x widest */
    float *wq[FPQ_NN_MAXLAYERS];    /* the weights the products use */
    float *stored[FPQ_NN_MAXLAYERS]; /* with a master copy: the stored weights */
    float *dw[FPQ_NN_MAXLAYERS], *db[FPQ_NN_MAXLAYERS];
    float *vw[FPQ_NN_MAXLAYERS], *vb[FPQ_NN_MAXLAYERS];
    void *cw[FPQ_NN_MAXLAYERS], *cb[FPQ_NN_MAXLAYERS]; /* momentum in the optimizer's format */
    float *u;                       /* an update, widest weight */
    float *scratch;                 /* chunk products of the weight gradient */
    size_t *perm;
} ws;

static void ws_free(ws *w)
{
    for (size_t l = 0; l <= FPQ_NN_MAXLAYERS; l++)
        free(w->a[l]);
    for (size_t l = 0; l < FPQ_NN_MAXLAYERS; l++) {
        free(w->z[l]), free(w->wq[l]), free(w->stored[l]);
        free(w->dw[l]), free(w->db[l]), free(w->vw[l]), free(w->vb[l]);
        free(w->cw[l]), free(w->cb[l]);
    }
    free(w->g), free(w->g2), free(w->u), free(w->scratch), free(w->perm);
    memset(w, 0, sizeof *w);
}

static int ws_alloc(ws *w, const fpq_nn *net, size_t B, size_t n, bool stored,
                    const fpq_nn_opt *opt)
{
    memset(w, 0, sizeof *w);
    w->L = net->nlayers;
    w->B = B;
    size_t widest = 0, maxw = 0;
    for (size_t l = 0; l <= w->L; l++)
        widest = net->size[l] > widest ? net->size[l] : widest;
    bool ok = true;
    for (size_t l = 0; l < w->L; l++) {
        size_t nw = net->size[l] * net->size[l + 1];
        maxw = nw > maxw ? nw : maxw;
        ok &= (w->a[l] = malloc(B * net->size[l] * sizeof(float))) != NULL;
        ok &= (w->z[l] = malloc(B * net->size[l + 1] * sizeof(float))) != NULL;
        ok &= (w->wq[l] = malloc(nw * sizeof(float))) != NULL;
        ok &= (w->dw[l] = malloc(nw * sizeof(float))) != NULL;
        ok &= (w->db[l] = malloc(net->size[l + 1] * sizeof(float))) != NULL;
        ok &= (w->vw[l] = calloc(nw, sizeof(float))) != NULL;
        ok &= (w->vb[l] = calloc(net->size[l + 1], sizeof(float))) != NULL;
        if (opt->on) {
            ok &= (w->cw[l] = malloc(fpq_nn_opt_size(opt, nw))) != NULL;
            ok &= (w->cb[l] = malloc(fpq_nn_opt_size(opt, net->size[l + 1]))) != NULL;
            fpq_errbuf e;
            ok = ok && fpq_nn_opt_zero(opt, w->cw[l], nw, &e) == FPQ_OK
                 && fpq_nn_opt_zero(opt, w->cb[l], net->size[l + 1], &e) == FPQ_OK;
        }
        if (stored) {
            ok &= (w->stored[l] = malloc(nw * sizeof(float))) != NULL;
            if (ok)
                memcpy(w->stored[l], net->w[l], nw * sizeof(float));
        }
    }
    w->maxw = maxw;
    size_t chunks = (B + FPQ_NN_CHUNK - 1) / FPQ_NN_CHUNK;
    ok &= (w->g = malloc(B * widest * sizeof(float))) != NULL;
    ok &= (w->g2 = malloc(B * widest * sizeof(float))) != NULL;
    ok &= (w->u = malloc(maxw * sizeof(float))) != NULL;
    ok &= (w->scratch = malloc(chunks * maxw * sizeof(float))) != NULL;
    ok &= (w->perm = malloc(n * sizeof(size_t))) != NULL;
    if (!ok) {
        ws_free(w);
        return FPQ_ERR_NO_MEMORY;
    }
    return FPQ_OK;
}

/* The training order of epoch e: Fisher-Yates on Philox draws. */
static void shuffle(size_t *perm, size_t n, uint64_t seed, unsigned e)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        uint64_t u[2];
        fpq_rng_u64x2(u, seed, 1000u + e, i, FPQ_RNG_TAG_VALUE, 0);
        size_t j = (size_t)(fpq_rng_open01(u[0]) * (double)i);
        if (j >= i)
            j = i - 1;
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

/* The stochastic position of point p of layer l at step t: 2^32 values
 * each. */
static uint64_t pos(uint64_t t, size_t l, fpq_nn_pt p)
{
    return ((t * FPQ_NN_MAXLAYERS + l) * FPQ_NN_PT_COUNT_ + (uint64_t)p) << 32;
}

/* Forward and backward of one batch of B rows (indices idx); the loss and
 * right answers added to *loss, *right; gradients (loss-scaled) in ws. */
static int step_grad(ws *w, const fpq_nn *net, const float *const *weights, const fpq_nn_data *d,
                     const size_t *idx, size_t B, const fpq_train_spec *s, double scale, uint64_t t,
                     double *loss, size_t *right, fpq_nn_counts *gc, fpq_errbuf *err)
{
    const size_t L = net->nlayers;
    const fpq_dot_spec *dot = s->emulate ? &s->dot : NULL;
    int rc;
    for (size_t l = 0; l < L; l++) {
        memcpy(w->wq[l], weights[l], net->size[l] * net->size[l + 1] * sizeof(float));
        rc = fpq_nn_point_apply(&s->pt[FPQ_NN_PT_WEIGHT], w->wq[l], net->size[l], net->size[l + 1],
                                pos(t, l, FPQ_NN_PT_WEIGHT), NULL, err);
        if (rc != FPQ_OK)
            return rc;
    }
    const size_t dim = d->dim;
    for (size_t i = 0; i < B; i++)
        memcpy(w->a[0] + i * dim, d->x + idx[i] * dim, dim * sizeof(float));
    for (size_t l = 0; l < L; l++) {
        size_t in = net->size[l], out = net->size[l + 1];
        rc = fpq_nn_point_apply(&s->pt[FPQ_NN_PT_ACT], w->a[l], B, in, pos(t, l, FPQ_NN_PT_ACT),
                                NULL, err);
        if (rc == FPQ_OK)
            rc = fpq_nn_linear(w->z[l], w->a[l], w->wq[l], net->b[l], B, in, out, dot, err);
        if (rc != FPQ_OK)
            return rc;
        if (l + 1 < L)
            for (size_t i = 0; i < B * out; i++)
                w->a[l + 1][i] = w->z[l][i] > 0 ? w->z[l][i] : 0;
    }
    /* softmax cross-entropy; g = (p - onehot) scale / B */
    const size_t C = net->size[L];
    const float *z = w->z[L - 1];
    float *g = w->g;
    for (size_t i = 0; i < B; i++) {
        const float *zi = z + i * C;
        size_t best = 0;
        double mx = zi[0];
        for (size_t j = 1; j < C; j++)
            if (zi[j] > mx)
                mx = zi[j], best = j;
        double sum = 0;
        for (size_t j = 0; j < C; j++)
            sum += exp((double)zi[j] - mx);
        unsigned y = d->y[idx[i]];
        *loss += log(sum) - ((double)zi[y] - mx);
        *right += best == y;
        for (size_t j = 0; j < C; j++) {
            double p = exp((double)zi[j] - mx) / sum;
            g[i * C + j] = (float)((p - (j == y)) * scale / (double)B);
        }
    }
    for (size_t l = L; l-- > 0;) {
        size_t in = net->size[l], out = net->size[l + 1];
        rc = fpq_nn_point_apply(&s->pt[FPQ_NN_PT_GRAD_ACT], w->g, B, out,
                                pos(t, l, FPQ_NN_PT_GRAD_ACT), gc, err);
        if (rc != FPQ_OK)
            return rc;
        if (dot)
            rc = fpq_nn_matmul_emu(w->dw[l], w->a[l], w->g, in, B, out, true, false, dot, err);
        else
            fpq_nn_matmul_tn(w->dw[l], w->a[l], w->g, B, in, out, w->scratch);
        if (rc != FPQ_OK)
            return rc;
        for (size_t j = 0; j < out; j++) {
            float sb = 0;
            for (size_t i = 0; i < B; i++)
                sb += w->g[i * out + j];
            w->db[l][j] = sb;
        }
        rc = fpq_nn_point_apply(&s->pt[FPQ_NN_PT_GRAD_W], w->dw[l], in, out,
                                pos(t, l, FPQ_NN_PT_GRAD_W), gc, err);
        if (rc != FPQ_OK)
            return rc;
        if (l == 0)
            break;
        if (dot)
            rc = fpq_nn_matmul_emu(w->g2, w->g, w->wq[l], B, out, in, false, true, dot, err);
        else if (fpq_nn_matmul(w->g2, w->g, w->wq[l], B, out, in, true) != FPQ_OK)
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for a product");
        if (rc != FPQ_OK)
            return rc;
        const float *zp = w->z[l - 1];
        for (size_t i = 0; i < B * in; i++)
            w->g[i] = zp[i] > 0 ? w->g2[i] : 0;
    }
    return FPQ_OK;
}

static bool grads_finite(const ws *w, const fpq_nn *net)
{
    for (size_t l = 0; l < net->nlayers; l++) {
        size_t nw = net->size[l] * net->size[l + 1];
        int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
        for (ptrdiff_t i = 0; i < (ptrdiff_t)nw; i++)
            bad |= !isfinite(w->dw[l][i]);
        for (size_t j = 0; j < net->size[l + 1]; j++)
            bad |= !isfinite(w->db[l][j]);
        if (bad)
            return false;
    }
    return true;
}

/* The SGD step of every layer with learning rate lr. */
static int update(ws *w, fpq_nn *net, const fpq_train_spec *s, double lr, double scale, uint64_t t,
                  fpq_errbuf *err)
{
    const float inv = (float)(1.0 / scale), mu = (float)s->momentum, wd = (float)s->weight_decay;
    const float flr = (float)lr;
    const fpq_nn_point *ps = &s->pt[FPQ_NN_PT_STORE];
    for (size_t l = 0; l < net->nlayers; l++) {
        size_t in = net->size[l], out = net->size[l + 1], nw = in * out;
        float *wm = net->w[l], *v = w->vw[l], *dw = w->dw[l], *u = w->u;
        int rc;
        if (s->opt.on) {
            rc = fpq_nn_opt_step(&s->opt, w->cw[l], u, dw, wm, nw, s->momentum, lr, 1.0 / scale,
                                 s->weight_decay, pos(t, l, FPQ_NN_PT_UPDATE), err);
            if (rc != FPQ_OK)
                return rc;
        } else {
#pragma omp parallel for schedule(static)
            for (ptrdiff_t i = 0; i < (ptrdiff_t)nw; i++) {
                v[i] = mu * v[i] + (dw[i] * inv + wd * wm[i]);
                u[i] = flr * v[i];
            }
        }
        rc = fpq_nn_point_apply(&s->pt[FPQ_NN_PT_UPDATE], u, in, out,
                                    pos(t, l, FPQ_NN_PT_UPDATE), NULL, err);
        if (rc != FPQ_OK)
            return rc;
#pragma omp parallel for schedule(static)
        for (ptrdiff_t i = 0; i < (ptrdiff_t)nw; i++)
            wm[i] -= u[i];
        if (ps->on) {
            float *dst = w->stored[l] ? w->stored[l] : wm;
            if (dst != wm)
                memcpy(dst, wm, nw * sizeof(float));
            rc = fpq_nn_point_apply(ps, dst, in, out, pos(t, l, FPQ_NN_PT_STORE), NULL, err);
            if (rc != FPQ_OK)
                return rc;
        }
        if (s->opt.on) {
            rc = fpq_nn_opt_step(&s->opt, w->cb[l], u, w->db[l], net->b[l], out, s->momentum, lr,
                                 1.0 / scale, 0, pos(t, l, FPQ_NN_PT_UPDATE) + (1u << 31), err);
            if (rc != FPQ_OK)
                return rc;
            for (size_t j = 0; j < out; j++)
                net->b[l][j] -= u[j];
        } else {
            for (size_t j = 0; j < out; j++) {
                w->vb[l][j] = mu * w->vb[l][j] + w->db[l][j] * inv;
                net->b[l][j] -= flr * w->vb[l][j];
            }
        }
    }
    return FPQ_OK;
}

int fpq_train_run(fpq_nn *net, const fpq_nn_data *train, const fpq_nn_data *test,
                  const fpq_train_spec *s, const fpq_train_hooks *h, fpq_errbuf *err)
{
    if (train->dim != net->size[0] || test->dim != net->size[0])
        return fpq_err(err, FPQ_ERR_ARG, "the images have %zu values, the network takes %zu",
                       train->dim, net->size[0]);
    if (train->classes > net->size[net->nlayers] || test->classes > net->size[net->nlayers])
        return fpq_err(err, FPQ_ERR_ARG, "the labels go up to %zu, the network has %zu outputs",
                       (train->classes > test->classes ? train->classes : test->classes) - 1,
                       net->size[net->nlayers]);
    if (s->batch < 1 || train->n == 0)
        return fpq_err(err, FPQ_ERR_ARG, "nothing to train on (batch %zu, %zu images)", s->batch,
                       train->n);
    const bool master = s->pt[FPQ_NN_PT_STORE].on && s->master;
    size_t B = s->batch < train->n ? s->batch : train->n;
    ws w;
    if (ws_alloc(&w, net, B, train->n, master, &s->opt) != FPQ_OK)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory for training");
    int rc = FPQ_OK;
    /* the stored weights start as the store point makes them */
    for (size_t l = 0; l < net->nlayers && s->pt[FPQ_NN_PT_STORE].on && rc == FPQ_OK; l++)
        rc = fpq_nn_point_apply(&s->pt[FPQ_NN_PT_STORE], master ? w.stored[l] : net->w[l],
                                net->size[l], net->size[l + 1], 0, NULL, err);
    const float *weights[FPQ_NN_MAXLAYERS];
    for (size_t l = 0; l < net->nlayers; l++)
        weights[l] = master ? w.stored[l] : net->w[l];
    const size_t steps = (train->n + B - 1) / B;
    const uint64_t total = (uint64_t)steps * s->epochs;
    double scale = s->scaling == FPQ_NN_SCALE_NONE ? 1 : s->scale;
    unsigned good = 0;
    uint64_t t = 0;
    const fpq_dot_spec *dot = s->emulate ? &s->dot : NULL;
    for (unsigned e = 1; e <= s->epochs && rc == FPQ_OK; e++) {
        double t0 = omp_get_wtime();
        shuffle(w.perm, train->n, s->seed, e);
        double loss = 0, lr = s->lr;
        size_t right = 0;
        fpq_nn_counts gc = {0, 0, 0};
        uint64_t skipped = 0;
        for (size_t k = 0; k < steps && rc == FPQ_OK; k++, t++) {
            size_t b0 = k * B, nb = train->n - b0 < B ? train->n - b0 : B;
            rc = step_grad(&w, net, weights, train, w.perm + b0, nb, s, scale, t, &loss, &right, &gc,
                           err);
            if (rc != FPQ_OK)
                break;
            lr = s->lr * 0.5 * (1 + cos(M_PI * (double)t / (double)total));
            if (!grads_finite(&w, net)) {
                if (s->scaling == FPQ_NN_SCALE_DYNAMIC) {
                    skipped++;
                    scale = scale / 2 < 1 ? 1 : scale / 2;
                    good = 0;
                    continue;
                }
            } else if (s->scaling == FPQ_NN_SCALE_DYNAMIC && ++good >= s->growth_interval) {
                good = 0;
                if (scale * 2 <= 0x1p24)
                    scale *= 2;
            }
            rc = update(&w, net, s, lr, scale, t, err);
            if (h && h->progress && (k % 16 == 0 || k + 1 == steps))
                h->progress(h->ctx, e, k + 1, steps);
        }
        if (rc != FPQ_OK)
            break;
        fpq_train_epoch ep;
        memset(&ep, 0, sizeof ep);
        ep.epoch = e;
        ep.seconds = omp_get_wtime() - t0;
        ep.train_loss = loss / (double)train->n;
        ep.train_acc = (double)right / (double)train->n;
        ep.lr = lr;
        ep.loss_scale = scale;
        ep.grad_flush_frac = gc.n ? (double)gc.flushed / (double)gc.n : 0;
        ep.grad_overflow_frac = gc.n ? (double)gc.overflowed / (double)gc.n : 0;
        ep.skipped_steps = skipped;
        fpq_nn eff = *net;
        for (size_t l = 0; l < net->nlayers; l++)
            eff.w[l] = (float *)weights[l];
        rc = fpq_nn_accuracy(&ep.test_acc, NULL, &eff, test, &s->pt[FPQ_NN_PT_WEIGHT],
                             &s->pt[FPQ_NN_PT_ACT], dot, err);
        if (rc == FPQ_OK && h && h->epoch)
            rc = h->epoch(h->ctx, &ep);
    }
    /* the network is what was stored */
    if (master)
        for (size_t l = 0; l < net->nlayers; l++)
            memcpy(net->w[l], w.stored[l], net->size[l] * net->size[l + 1] * sizeof(float));
    ws_free(&w);
    return rc;
}
