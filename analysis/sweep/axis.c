/* axis.c: the modes, the axis table (keys, flags, modes), lists of axis
 * values, and the text of a spec's value on an axis: the canonical
 * spellings of cells and, from fpq_qspec_default and
 * fpq_cast_spec_default, the defaults (sweep.h, sweep-impl.h). */
#include "sweep-impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtoa.h"
#include "strset.h"

/* ---------------------------------------------------------------------- */
/* Modes.                                                                 */

static const char *const mode_names[FPQ_SWEEP_MODE_COUNT_] = {"quant", "cast"};

const char *fpq_sweep_mode_name(fpq_sweep_mode m)
{
    return (unsigned)m < FPQ_SWEEP_MODE_COUNT_ ? mode_names[m] : "?";
}

int fpq_sweep_mode_parse(fpq_sweep_mode *out, const char *name)
{
    long i = fpq_name_index(mode_names, FPQ_SWEEP_MODE_COUNT_, name);
    if (i < 0)
        return FPQ_LAB_ERR_SPEC;
    *out = (fpq_sweep_mode)i;
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* The axis table.                                                        */

enum { M_QUANT = 1u << FPQ_SWEEP_QUANT, M_CAST = 1u << FPQ_SWEEP_CAST, M_BOTH = M_QUANT | M_CAST };

typedef struct axis_info {
    const char *key, *flag;
    unsigned modes;
} axis_info;

static const axis_info axes_info[FPQ_AX_COUNT_] = {
    [FPQ_AX_SOURCE] = {"source", "source", M_BOTH},
    [FPQ_AX_LABEL] = {"label", "label", M_BOTH},
    [FPQ_AX_FORMAT] = {"format", "format", M_BOTH},
    [FPQ_AX_SCHEME] = {"scheme", "scheme", M_QUANT},
    [FPQ_AX_GRANULARITY] = {"granularity", "granularity", M_QUANT},
    [FPQ_AX_GROUP] = {"group", "group", M_QUANT},
    [FPQ_AX_AXIS] = {"axis", "axis", M_QUANT},
    [FPQ_AX_SCALE_FORMAT] = {"scale_format", "scale-format", M_QUANT},
    [FPQ_AX_SCALE_ROUND] = {"scale_round", "scale-round", M_QUANT},
    [FPQ_AX_MX_RULE] = {"mx_rule", "scale-rule", M_QUANT},
    [FPQ_AX_RANGE] = {"range", "range", M_QUANT},
    [FPQ_AX_LOSS_SCALE] = {"loss_scale", "loss-scale", M_CAST},
    [FPQ_AX_ROUND] = {"round", "round", M_BOTH},
    [FPQ_AX_SEED] = {"seed", "seed", M_BOTH},
    [FPQ_AX_SYMMETRIC] = {"symmetric", "symmetric", M_QUANT},
    [FPQ_AX_OUTLIER] = {"outlier", "outlier", M_QUANT},
    [FPQ_AX_KEPT_FORMAT] = {"kept_format", "kept-format", M_QUANT},
    [FPQ_AX_CALIB] = {"calibrate", "calibrate", M_QUANT},
    [FPQ_AX_OVERFLOW] = {"overflow", "overflow", M_BOTH},
    [FPQ_AX_METHOD] = {"method", "method", M_QUANT},
};

const char *fpq_sweep_axis_key(fpq_sweep_axis a)
{
    return (unsigned)a < FPQ_AX_COUNT_ ? axes_info[a].key : "?";
}

const char *fpq_sweep_axis_flag(fpq_sweep_axis a)
{
    return (unsigned)a < FPQ_AX_COUNT_ ? axes_info[a].flag : "?";
}

bool fpq_sweep_axis_in_mode(fpq_sweep_axis a, fpq_sweep_mode m)
{
    return (unsigned)a < FPQ_AX_COUNT_ && (unsigned)m < FPQ_SWEEP_MODE_COUNT_
           && (axes_info[a].modes & (1u << m));
}

fpq_sweep_axis fpq_sweep_axis_find(const char *key)
{
    for (unsigned i = 0; i < FPQ_AX_COUNT_; i++)
        if (strcmp(key, axes_info[i].key) == 0 || strcmp(key, axes_info[i].flag) == 0)
            return (fpq_sweep_axis)i;
    if (strcmp(key, "mx-rule") == 0) /* the older flag of the scale rule */
        return FPQ_AX_MX_RULE;
    return FPQ_AX_COUNT_;
}

/* ---------------------------------------------------------------------- */
/* Values as text.                                                        */

/* (Without snprintf: a plan builds its cells' texts again and again.) */
static size_t put_text(char *buf, size_t n, const char *s)
{
    size_t len = strlen(s);
    if (n) {
        size_t c = len < n ? len : n - 1;
        memcpy(buf, s, c);
        buf[c] = '\0';
    }
    return len;
}

static size_t put_number(char *buf, size_t n, unsigned long long v)
{
    char t[24], *q = t + sizeof t;
    *--q = '\0';
    do
        *--q = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return put_text(buf, n, q);
}

/* An overflow mode as the CSVs write it: format (P3109 SatNone) and
 * saturate (SatFinite) by their names from before the P3109 ones,
 * propagate, wrap. */
static const char *overflow_text(fpq_overflow o)
{
    return o == FPQ_OVF_FORMAT ? "format" : o == FPQ_OVF_SATURATE ? "saturate" : fpq_overflow_name(o);
}

size_t sweep_quant_text(char *buf, size_t n, fpq_sweep_axis a, const fpq_qspec *s)
{
    switch (a) {
    case FPQ_AX_FORMAT: return put_text(buf, n, s->format.name);
    case FPQ_AX_SCHEME: return put_text(buf, n, fpq_scheme_name(s->scheme));
    case FPQ_AX_GRANULARITY: return put_text(buf, n, fpq_gran_name(s->granularity));
    case FPQ_AX_GROUP: return put_number(buf, n, s->group);
    case FPQ_AX_AXIS: return put_number(buf, n, s->axis);
    case FPQ_AX_SCALE_FORMAT: return put_text(buf, n, s->scale_exact ? "exact" : s->scale_format.name);
    case FPQ_AX_SCALE_ROUND: return put_text(buf, n, fpq_rnd_name(s->scale_round));
    case FPQ_AX_MX_RULE: return put_text(buf, n, fpq_mx_rule_name(s->mx_rule));
    case FPQ_AX_RANGE: return fpq_range_describe(buf, n, s);
    case FPQ_AX_ROUND: return put_text(buf, n, fpq_rnd_name(s->rnd.mode));
    case FPQ_AX_SEED: return put_number(buf, n, s->rnd.seed);
    case FPQ_AX_SYMMETRIC: return put_text(buf, n, s->rnd.int_symmetric ? "1" : "0");
    case FPQ_AX_OUTLIER: /* 0, the default, without the search for the digits */
        return s->outlier == 0 && !signbit(s->outlier) ? put_text(buf, n, "0") : fpq_dtoa_digits(buf, n, s->outlier);
    case FPQ_AX_KEPT_FORMAT: return put_text(buf, n, s->kept_format.name);
    case FPQ_AX_OVERFLOW: return put_text(buf, n, overflow_text(s->rnd.overflow));
    case FPQ_AX_METHOD: return put_text(buf, n, "rtn"); /* a spec alone: round to nearest */
    default: return put_text(buf, n, "-");
    }
}

size_t sweep_cast_text(char *buf, size_t n, fpq_sweep_axis a, const fpq_cast_spec *c)
{
    switch (a) {
    case FPQ_AX_FORMAT: return put_text(buf, n, c->format.name);
    case FPQ_AX_LOSS_SCALE: return fpq_dtoa_digits(buf, n, c->loss_scale);
    case FPQ_AX_ROUND: return put_text(buf, n, fpq_rnd_name(c->rnd.mode));
    case FPQ_AX_SEED: return put_number(buf, n, c->rnd.seed);
    case FPQ_AX_OVERFLOW: return put_text(buf, n, overflow_text(c->rnd.overflow));
    default: return put_text(buf, n, "-");
    }
}

size_t fpq_sweep_axis_default(char *buf, size_t n, fpq_sweep_axis a, fpq_sweep_mode m)
{
    if (!fpq_sweep_axis_in_mode(a, m))
        return put_text(buf, n, "-");
    if (m == FPQ_SWEEP_CAST) {
        fpq_cast_spec c;
        fpq_cast_spec_default(&c);
        return sweep_cast_text(buf, n, a, &c);
    }
    fpq_qspec s;
    fpq_qspec_default(&s);
    return sweep_quant_text(buf, n, a, &s);
}

/* ---------------------------------------------------------------------- */
/* Lists of values.                                                       */

void fpq_sweep_axes_init(fpq_sweep_axes *a, fpq_sweep_mode mode)
{
    memset(a, 0, sizeof *a);
    a->mode = mode;
}

void fpq_sweep_axes_free(fpq_sweep_axes *a)
{
    for (unsigned i = 0; i < FPQ_AX_COUNT_; i++) {
        for (size_t j = 0; j < a->n[i]; j++)
            free(a->v[i][j]);
        free(a->v[i]);
    }
    memset(a->n, 0, sizeof a->n);
    memset(a->v, 0, sizeof a->v);
}

static int axes_push(fpq_sweep_axes *a, fpq_sweep_axis ax, const char *s, size_t len, fpq_errbuf *err)
{
    if (len == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "--%s: empty value", axes_info[ax].flag);
    if (ax == FPQ_AX_FORMAT && a->mode == FPQ_SWEEP_QUANT && len == 5) {
        char name[6];
        memcpy(name, s, 5);
        name[5] = '\0';
        const char *fix = fpq_qspec_block_alias_fix(name);
        if (fix)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "--format: %s", fix);
    }
    char **v = realloc(a->v[ax], (a->n[ax] + 1) * sizeof *v);
    if (!v)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    a->v[ax] = v;
    if (!(v[a->n[ax]] = strndup(s, len)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    a->n[ax]++;
    return FPQ_OK;
}

int fpq_sweep_axes_add(fpq_sweep_axes *a, fpq_sweep_axis ax, const char *text, fpq_errbuf *err)
{
    if ((unsigned)ax >= FPQ_AX_COUNT_)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "unknown axis");
    if (ax == FPQ_AX_SOURCE || ax == FPQ_AX_CALIB || ax == FPQ_AX_LABEL)
        return axes_push(a, ax, text, strlen(text), err);
    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        int rc = axes_push(a, ax, p, len, err);
        if (rc != FPQ_OK)
            return rc;
        if (p[len] == '\0')
            return FPQ_OK;
        p += len + 1;
    }
}
