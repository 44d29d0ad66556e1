/* cross.c: the cross product of the axes (sweep.h): which combinations of
 * the values are cells, found once and kept as one bit per combination;
 * cell k is the combination of the k-th set bit, built when asked for.
 *
 * A combination is left out when it is invalid or a duplicate: when an
 * earlier combination gives the same canonical cell.  Cells are equal
 * when their canonical texts are; the text of an axis depends on the
 * value of another axis only through that axis's text (the context: the
 * scheme, format, granularity, rounding and outlier threshold).  So if an
 * earlier combination j equals i, then i with its value on the first axis
 * where they differ replaced by j's (a smaller index) equals i too; and
 * such a replacement gives an equal cell exactly when the axis does not
 * act on the cell (its value does not apply or the scheme fixes it) or
 * the new value has the same canonical text as the old.  The test looks
 * at each axis of i once, against a table of the first value of the axis
 * with the same text; it keeps nothing per combination.
 */
#include "sweep-impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sweep_cross_free(sweep_cross *x)
{
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        for (size_t i = 0; x->v[a] && i < x->n[a]; i++)
            free(x->v[a][i]);
        free(x->v[a]);
    }
    for (size_t i = 0; x->label && i < x->n[FPQ_AX_SOURCE]; i++)
        free(x->label[i]);
    free(x->label);
    free(x->src);
    free(x->calib);
    free(x->keep);
    free(x->rank);
    memset(x, 0, sizeof *x);
}

void sweep_cross_values(sweep_values *cv, size_t *idx, const sweep_cross *x, size_t comb)
{
    memset(cv, 0, sizeof *cv);
    for (int a = FPQ_AX_COUNT_ - 1; a >= 0; a--) {
        idx[a] = 0;
        if (x->n[a]) {
            idx[a] = comb % x->n[a];
            comb /= x->n[a];
            cv->v[a] = x->v[a][idx[a]];
        }
    }
    cv->source = x->src[idx[FPQ_AX_SOURCE]];
    cv->v[FPQ_AX_LABEL] = x->label[idx[FPQ_AX_SOURCE]];
    cv->calib = x->n[FPQ_AX_CALIB] ? x->calib[idx[FPQ_AX_CALIB]] : FPQ_SWEEP_NONE;
}

#define RANK_WORDS 8 /* 64-bit words of the keep bitmap per rank entry */

size_t sweep_cross_comb(const sweep_cross *x, size_t k)
{
    if (!x->keep)
        return k;
    size_t nblocks = (x->ncomb + 64 * RANK_WORDS - 1) / (64 * RANK_WORDS);
    size_t lo = 0, hi = nblocks; /* the last block with rank <= k */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->rank[mid] <= k)
            lo = mid;
        else
            hi = mid;
    }
    size_t left = k - x->rank[lo];
    size_t nwords = (x->ncomb + 63) / 64;
    for (size_t w = lo * RANK_WORDS; w < nwords; w++) {
        uint64_t bits = x->keep[w];
        size_t c = (size_t)__builtin_popcountll(bits);
        if (left < c) {
            for (; left; left--)
                bits &= bits - 1; /* drop the lowest set bit */
            return w * 64 + (size_t)__builtin_ctzll(bits);
        }
        left -= c;
    }
    return x->ncomb; /* not reached for k < ncells */
}

/* ---------------------------------------------------------------------- */
/* Labels and the axes.                                                   */

static bool label_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '+' || c == '-';
}

/* Whether text, or its part before a "::" or "[", names an existing file. */
static bool names_file(const char *text)
{
    struct stat st;
    if (stat(text, &st) == 0)
        return true;
    size_t n = strcspn(text, "[");
    const char *cc = strstr(text, "::");
    if (cc && (size_t)(cc - text) < n)
        n = (size_t)(cc - text);
    if (text[n] == '\0' || n >= 4096)
        return false;
    char path[4096];
    memcpy(path, text, n);
    path[n] = '\0';
    return stat(path, &st) == 0;
}

/* "LABEL=SOURCE" splits when LABEL is a run of [A-Za-z0-9_.+-], unless the
 * whole text names an existing file (which wins, as in source spellings;
 * file:NAME forces a file too). */
static bool split_label(const char *text, size_t *label_len)
{
    if (names_file(text))
        return false;
    size_t i = 0;
    while (text[i] && label_char((unsigned char)text[i]))
        i++;
    if (i == 0 || text[i] != '=' || text[i + 1] == '\0')
        return false;
    *label_len = i;
    return true;
}

/* Check the axes of a cross product before building any cell. */
static int check_axes(const fpq_sweep_axes *a, fpq_errbuf *err)
{
    if (a->n[FPQ_AX_SOURCE] == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "no source: give --source (a file, FILE::NAME or a generator "
                       "spec such as normal:n=65536,seed=1)");
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++)
        if (a->n[ax] && !fpq_sweep_axis_in_mode((fpq_sweep_axis)ax, a->mode))
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "--%s does not apply to a %s sweep",
                           fpq_sweep_axis_flag((fpq_sweep_axis)ax), fpq_sweep_mode_name(a->mode));
    if (a->n[FPQ_AX_LABEL])
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "labels come with their source: --source LABEL=SOURCE");
    double total = 1;
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++)
        if (a->n[ax])
            total *= (double)a->n[ax];
    if (total > FPQ_SWEEP_MAX_CELLS)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "the cross product has %.0f cells, more than %u", total,
                       FPQ_SWEEP_MAX_CELLS);
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* The values of the axes.                                                */

/* Copy the values of a into x, the sources resolved: canonical, in p's
 * sources, with their labels. */
static int take_values(sweep_cross *x, fpq_sweep_plan *p, const fpq_sweep_axes *a, fpq_errbuf *err)
{
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++) {
        x->n[ax] = a->n[ax];
        if (!a->n[ax])
            continue;
        if (!(x->v[ax] = calloc(a->n[ax], sizeof *x->v[ax])))
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        for (size_t i = 0; i < a->n[ax]; i++)
            if (ax != FPQ_AX_SOURCE && ax != FPQ_AX_CALIB && !(x->v[ax][i] = strdup(a->v[ax][i])))
                return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    const size_t ns = a->n[FPQ_AX_SOURCE], nc = a->n[FPQ_AX_CALIB];
    if (!(x->label = calloc(ns, sizeof *x->label)) || !(x->src = calloc(ns, sizeof *x->src))
        || !(x->calib = calloc(nc ? nc : 1, sizeof *x->calib)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < ns; i++) {
        const char *text = a->v[FPQ_AX_SOURCE][i];
        size_t ll = 0;
        bool labelled = split_label(text, &ll);
        int rc = sweep_source_canon(&x->v[FPQ_AX_SOURCE][i], labelled ? text + ll + 1 : text, err);
        if (rc == FPQ_OK)
            rc = sweep_source_add(p, x->v[FPQ_AX_SOURCE][i], &x->src[i], err);
        if (rc != FPQ_OK)
            return rc;
        x->label[i] = labelled ? strndup(text, ll) : sweep_default_label(x->v[FPQ_AX_SOURCE][i]);
        if (!x->label[i])
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < nc; i++) {
        const char *text = a->v[FPQ_AX_CALIB][i];
        x->calib[i] = FPQ_SWEEP_NONE;
        if (strcmp(text, "-") == 0) {
            if (!(x->v[FPQ_AX_CALIB][i] = strdup(text)))
                return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            continue;
        }
        int rc = sweep_source_canon(&x->v[FPQ_AX_CALIB][i], text, err);
        if (rc == FPQ_OK)
            rc = sweep_source_add(p, x->v[FPQ_AX_CALIB][i], &x->calib[i], err);
        if (rc != FPQ_OK)
            return rc;
    }
    return FPQ_OK;
}

/* The value of another axis under which an axis's value acts on a cell,
 * for reading it alone. */
static const struct {
    fpq_sweep_axis axis, ctx;
    const char *value;
} iso_ctx[] = {
    {FPQ_AX_GROUP, FPQ_AX_GRANULARITY, "group"}, {FPQ_AX_AXIS, FPQ_AX_GRANULARITY, "group"},
    {FPQ_AX_MX_RULE, FPQ_AX_SCHEME, "mx"},       {FPQ_AX_SYMMETRIC, FPQ_AX_FORMAT, "int8"},
    {FPQ_AX_KEPT_FORMAT, FPQ_AX_OUTLIER, "1"},   {FPQ_AX_SEED, FPQ_AX_ROUND, "sr"},
};

/* The canonical text of value i of axis ax alone (into buf, n bytes): the
 * cell of that value, the first source and defaults elsewhere (and the
 * value of iso_ctx under which it acts).  An error names a value that
 * does not parse. */
static int iso_text(char *buf, size_t n, const sweep_cross *x, fpq_sweep_mode m, unsigned ax, size_t i,
                    fpq_errbuf *err)
{
    if (ax == FPQ_AX_SOURCE) {
        snprintf(buf, n, "%s\x1f%s", x->label[i], x->v[ax][i]);
        return FPQ_OK;
    }
    if (ax == FPQ_AX_CALIB) {
        snprintf(buf, n, "%s", x->v[ax][i]);
        return FPQ_OK;
    }
    sweep_values cv;
    memset(&cv, 0, sizeof cv);
    cv.v[FPQ_AX_SOURCE] = x->v[FPQ_AX_SOURCE][0];
    cv.v[FPQ_AX_LABEL] = x->label[0];
    cv.source = x->src[0];
    cv.calib = FPQ_SWEEP_NONE;
    for (size_t j = 0; j < NELEM(iso_ctx); j++)
        if (iso_ctx[j].axis == ax && fpq_sweep_axis_in_mode(iso_ctx[j].ctx, m))
            cv.v[iso_ctx[j].ctx] = iso_ctx[j].value;
    cv.v[ax] = x->v[ax][i];
    fpq_sweep_cell c;
    bool invalid;
    fpq_errbuf why;
    int rc = sweep_cell_build(&c, m, &cv, &invalid, &why, err);
    if (rc == FPQ_OK)
        snprintf(buf, n, "%s", c.in[ax]);
    return rc;
}

/* first[i]: the first value of axis ax with the text of value i.  Checks
 * every value of the axis. */
static int first_same(size_t *first, const sweep_cross *x, fpq_sweep_mode m, unsigned ax, fpq_errbuf *err)
{
    const size_t n = x->n[ax];
    size_t nslot = 64;
    while (nslot < 2 * n)
        nslot *= 2;
    char **key = calloc(n, sizeof *key);
    size_t *slot = calloc(nslot, sizeof *slot); /* value index + 1 */
    int rc = key && slot ? FPQ_OK : fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < n && rc == FPQ_OK; i++) {
        size_t need = ax == FPQ_AX_SOURCE ? strlen(x->label[i]) + strlen(x->v[ax][i]) + 2
                                          : strlen(x->v[ax][i]) + FPQ_SWEEP_TEXT_MAX + 1;
        if (!(key[i] = malloc(need))) {
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            break;
        }
        if ((rc = iso_text(key[i], need, x, m, ax, i, err)) != FPQ_OK)
            break;
        uint64_t h = UINT64_C(0xcbf29ce484222325);
        for (const char *t = key[i]; *t; t++)
            h = (h ^ (unsigned char)*t) * UINT64_C(0x100000001b3);
        size_t j = (size_t)h & (nslot - 1);
        while (slot[j] && strcmp(key[slot[j] - 1], key[i]) != 0)
            j = (j + 1) & (nslot - 1);
        if (!slot[j])
            slot[j] = i + 1;
        first[i] = slot[j] - 1;
    }
    for (size_t i = 0; key && i < n; i++)
        free(key[i]);
    free(key);
    free(slot);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The cross product.                                                     */

/* The classes of a combination. */
enum { COMB_CELL, COMB_DUPLICATE, COMB_INVALID, COMB_INVALID_AGAIN };

/* Build combination comb and tell its class; first[ax] from first_same. */
static int classify(int *cls, const sweep_cross *x, fpq_sweep_mode m, size_t comb, size_t *const *first,
                    fpq_sweep_skips *skips, fpq_errbuf *err)
{
    sweep_values cv;
    size_t idx[FPQ_AX_COUNT_];
    sweep_cross_values(&cv, idx, x, comb);
    fpq_sweep_cell c;
    bool invalid;
    fpq_errbuf why = {{0}};
    int rc = sweep_cell_spec(&c, m, &cv, &invalid, &why, err);
    if (rc != FPQ_OK)
        return rc;
    bool dup = false;
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_ && !dup; ax++)
        dup = x->n[ax] > 1 && idx[ax] > 0
              && (sweep_cell_ignores(&c, m, (fpq_sweep_axis)ax) || first[ax][idx[ax]] < idx[ax]);
    *cls = invalid ? (dup ? COMB_INVALID_AGAIN : COMB_INVALID) : (dup ? COMB_DUPLICATE : COMB_CELL);
    if (*cls == COMB_INVALID && skips->invalid == 0 && (rc = sweep_cell_build(&c, m, &cv, &invalid, &why, err))
        == FPQ_OK)
        snprintf(skips->first_invalid, sizeof skips->first_invalid, "format %.40s, scheme %.20s, "
                 "granularity %.20s: %.380s", c.in[FPQ_AX_FORMAT], c.in[FPQ_AX_SCHEME],
                 c.in[FPQ_AX_GRANULARITY], why.msg);
    return rc;
}

/* Go through every combination of x: count the cells into p->ncells and
 * (unless p->count_only) mark them in x->keep. */
static int cross_all(fpq_sweep_plan *p, sweep_cross *x, size_t *const *first, fpq_sweep_skips *skips,
                     fpq_errbuf *err)
{
    const size_t nwords = (x->ncomb + 63) / 64;
    if (!p->count_only && !(x->keep = calloc(nwords ? nwords : 1, sizeof *x->keep)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    for (size_t comb = 0; comb < x->ncomb; comb++) {
        int cls;
        int rc = classify(&cls, x, p->mode, comb, first, skips, err);
        if (rc != FPQ_OK)
            return rc;
        switch (cls) {
        case COMB_CELL:
            p->ncells++;
            if (x->keep)
                x->keep[comb / 64] |= UINT64_C(1) << (comb % 64);
            break;
        case COMB_DUPLICATE: skips->duplicates++; break;
        case COMB_INVALID: skips->invalid++; break;
        default: break;
        }
    }
    if (!x->keep)
        return FPQ_OK;
    if (p->ncells == x->ncomb) { /* every combination is a cell */
        free(x->keep);
        x->keep = NULL;
        return FPQ_OK;
    }
    const size_t nblocks = (nwords + RANK_WORDS - 1) / RANK_WORDS;
    if (!(x->rank = malloc((nblocks ? nblocks : 1) * sizeof *x->rank)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    uint32_t r = 0;
    for (size_t w = 0; w < nwords; w++) {
        if (w % RANK_WORDS == 0)
            x->rank[w / RANK_WORDS] = r;
        r += (uint32_t)__builtin_popcountll(x->keep[w]);
    }
    return FPQ_OK;
}

int sweep_cross_make(fpq_sweep_plan *p, const fpq_sweep_axes *a, fpq_sweep_skips *skips, fpq_errbuf *err)
{
    int rc = check_axes(a, err);
    if (rc != FPQ_OK)
        return rc;
    struct fpq_sweep_space *sp = sweep_space_get(p);
    if (!sp)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    sweep_cross *x = &sp->x;
    size_t *first[FPQ_AX_COUNT_] = {0};
    rc = take_values(x, p, a, err);
    x->ncomb = 1;
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_ && rc == FPQ_OK; ax++) {
        if (!x->n[ax])
            continue;
        x->ncomb *= x->n[ax];
        if (!(first[ax] = malloc(x->n[ax] * sizeof *first[ax])))
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        else
            rc = first_same(first[ax], x, p->mode, ax, err);
    }
    if (rc == FPQ_OK)
        rc = cross_all(p, x, first, skips, err);
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++)
        free(first[ax]);
    if (rc == FPQ_OK && p->ncells == 0)
        rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "every cell of the plan is invalid; the first: %s",
                     skips->first_invalid);
    return rc;
}
