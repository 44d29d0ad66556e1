/* cell.c: one canonical cell from the values of its axes (sweep-impl.h).
 *
 * Every value given is parsed (an error names the axis); a missing one is
 * the default of fpq_qspec_default or fpq_cast_spec_default, after
 * fpq_qspec_set_scheme for mx and nvfp4, which fix their granularity,
 * group and scale format (values given for those are then ignored).  The
 * cell's text on each axis is the canonical spelling of its value
 * (sweep_quant_text, sweep_cast_text), or "-" where the value does not
 * apply to the cell, so that equal cells have equal texts.
 */
#include "sweep-impl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "source.h"

void sweep_cell_free(fpq_sweep_cell *c)
{
    if (c->in_block)
        free(c->in_block);
    else
        for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
            free(c->in[a]);
    c->in_block = NULL;
    memset(c->in, 0, sizeof c->in);
}

/* Move the texts of c->in into one allocation (a plan keeps many cells:
 * one block instead of an allocation per axis).  Keeps them apart when
 * memory runs out. */
static void pack_in(fpq_sweep_cell *c)
{
    size_t total = 0;
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (c->in[a])
            total += strlen(c->in[a]) + 1;
    char *block = malloc(total ? total : 1), *q = block;
    if (!block)
        return;
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (c->in[a]) {
            size_t n = strlen(c->in[a]) + 1;
            memcpy(q, c->in[a], n);
            free(c->in[a]);
            c->in[a] = q;
            q += n;
        }
    c->in_block = block;
}

static int set_in(fpq_sweep_cell *c, fpq_sweep_axis a, const char *text, fpq_errbuf *err)
{
    free(c->in[a]);
    if (!(c->in[a] = strdup(text)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* Sources and labels.                                                    */

/* Index of a canonical source text in the plan's table, added if new. */
static int plan_source(fpq_sweep_plan *p, const char *canon, size_t *idx, fpq_errbuf *err)
{
    for (size_t i = 0; i < p->nsources; i++)
        if (strcmp(p->sources[i], canon) == 0) {
            *idx = i;
            return FPQ_OK;
        }
    char **s = realloc(p->sources, (p->nsources + 1) * sizeof *s);
    if (!s)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    p->sources = s;
    if (!(s[p->nsources] = strdup(canon)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    *idx = p->nsources++;
    return FPQ_OK;
}

/* A generator spec in its canonical spelling; a file as written. */
static int canon_source(char **out, const char *text, fpq_errbuf *err)
{
    *out = NULL;
    if (!*text)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "empty source");
    if (fpq_source_is_gen(text)) {
        fpq_gen_spec g;
        int rc = fpq_gen_parse(&g, text, err);
        if (rc != FPQ_OK)
            return rc;
        size_t n = fpq_gen_describe(NULL, 0, &g) + 1;
        if (!(*out = malloc(n)))
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        fpq_gen_describe(*out, n, &g);
        return FPQ_OK;
    }
    if (!(*out = strdup(text)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    return FPQ_OK;
}

/* A source (a = FPQ_AX_SOURCE) or calibration source (FPQ_AX_CALIB) of c:
 * canonical, its index in the plan's sources in *idx, and c's text on a. */
static int add_source(fpq_sweep_cell *c, fpq_sweep_plan *p, fpq_sweep_axis a, const char *text, size_t *idx,
                      fpq_errbuf *err)
{
    char *canon;
    int rc = canon_source(&canon, text, err);
    if (rc != FPQ_OK)
        return rc;
    rc = plan_source(p, canon, idx, err);
    if (rc == FPQ_OK)
        rc = set_in(c, a, canon, err);
    free(canon);
    return rc;
}

/* The default label of a source: the generator's kind, or the tensor's name
 * (FILE::NAME), or the file's base name. */
static char *default_label(const char *text)
{
    if (fpq_source_is_gen(text)) {
        fpq_gen_spec g;
        if (fpq_gen_parse(&g, text, NULL) == FPQ_OK)
            return strdup(fpq_dist_name(g.dist.kind));
    }
    const char *sep = strstr(text, "::");
    if (sep && sep[2])
        return strdup(sep + 2);
    const char *slash = strrchr(text, '/');
    return strdup(slash && slash[1] ? slash + 1 : text);
}

/* ---------------------------------------------------------------------- */
/* Values.                                                                */

static bool value_ok_for_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* The value on axis a; NULL for the default. */
static const char *val(const sweep_values *cv, fpq_sweep_axis a)
{
    const char *s = cv->v[a];
    return s && strcmp(s, "-") != 0 ? s : NULL;
}

int sweep_parse_size(size_t *out, const char *s)
{
    if (!isdigit((unsigned char)s[0]))
        return FPQ_LAB_ERR_SPEC;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > SIZE_MAX)
        return FPQ_LAB_ERR_SPEC;
    *out = (size_t)v;
    return FPQ_OK;
}

/* A finite number, or 2^K. */
static int parse_number(double *out, const char *s)
{
    char *end;
    if (strncmp(s, "2^", 2) == 0) {
        errno = 0;
        long k = strtol(s + 2, &end, 10);
        if (end == s + 2 || *end || errno || k < -1074 || k > 1023)
            return FPQ_LAB_ERR_SPEC;
        *out = ldexp(1.0, (int)k);
        return FPQ_OK;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return FPQ_LAB_ERR_SPEC;
    *out = v;
    return FPQ_OK;
}

static int parse_format(fpq_format *f, const char *axis, const char *name, fpq_errbuf *err)
{
    int st = fpq_format_parse(f, name);
    if (st == FPQ_OK)
        return FPQ_OK;
    const char *near[4];
    size_t n = st == FPQ_ERR_UNKNOWN_FORMAT ? fpq_format_suggest(near, NELEM(near), name) : 0;
    if (n == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: unknown format '%s' (see 'fpq formats')", axis, name);
    return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: unknown format '%s'; did you mean %s%s%s%s%s?", axis, name,
                   near[0], n > 1 ? ", " : "", n > 1 ? near[1] : "", n > 2 ? ", " : "", n > 2 ? near[2] : "");
}

static int parse_rnd(fpq_rnd *r, const char *axis, const char *s, fpq_errbuf *err)
{
    if (fpq_rnd_parse(r, s) == FPQ_OK)
        return FPQ_OK;
    return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: unknown rounding mode '%s' (rne, rna, rtz, rup, rdn, odd, sr)",
                   axis, s);
}

/* The seed and the element rounding mode (both modes) into r. */
static int parse_rounding(fpq_rounding *r, const sweep_values *cv, fpq_errbuf *err)
{
    const char *v;
    if ((v = val(cv, FPQ_AX_SEED)) && fpq_seed_parse(&r->seed, v, strlen(v)) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "seed: bad value '%s' (an integer from 0 to 2^64-1)", v);
    if ((v = val(cv, FPQ_AX_ROUND)))
        return parse_rnd(&r->mode, "round", v, err);
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* The two modes.                                                         */

/* c->cast (holding its defaults) from the cast axes. */
static int parse_cast(fpq_sweep_cell *c, const sweep_values *cv, fpq_errbuf *err)
{
    fpq_cast_spec *k = &c->cast;
    const char *v;
    int rc;
    if ((v = val(cv, FPQ_AX_FORMAT)) && (rc = parse_format(&k->format, "format", v, err)) != FPQ_OK)
        return rc;
    if ((v = val(cv, FPQ_AX_LOSS_SCALE)) && (parse_number(&k->loss_scale, v) != FPQ_OK || !(k->loss_scale > 0)))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "loss_scale: bad value '%s' (a positive number or 2^K)", v);
    if ((v = val(cv, FPQ_AX_OVERFLOW))) {
        if (strcmp(v, "saturate") == 0)
            k->rnd.overflow = FPQ_OVF_SATURATE;
        else if (strcmp(v, "format") == 0)
            k->rnd.overflow = FPQ_OVF_FORMAT;
        else
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "overflow: bad value '%s' (format or saturate)", v);
    }
    return FPQ_OK;
}

/* c->spec (holding its defaults) from the quant axes, and the
 * calibration source. */
static int parse_quant(fpq_sweep_cell *c, fpq_sweep_plan *p, const sweep_values *cv, fpq_errbuf *err)
{
    fpq_qspec *s = &c->spec;
    const char *v;
    int rc;
    fpq_scheme scheme = s->scheme;
    if ((v = val(cv, FPQ_AX_SCHEME)) && fpq_scheme_parse(&scheme, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "scheme: unknown scheme '%s' (absmax, zeropoint, mx, nvfp4)", v);
    fpq_qspec_set_scheme(s, scheme);
    if ((v = val(cv, FPQ_AX_FORMAT))) {
        const char *fix = fpq_qspec_block_alias_fix(v); /* nvfp4, mxfp4: schemes */
        if (fix)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "format: %s", fix);
        if ((rc = parse_format(&s->format, "format", v, err)) != FPQ_OK)
            return rc;
    }

    /* the unit and its scale, which mx and nvfp4 fix: parsed, then kept
     * only for the other schemes */
    fpq_gran g = s->granularity;
    if ((v = val(cv, FPQ_AX_GRANULARITY)) && fpq_gran_parse(&g, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "granularity: unknown granularity '%s' (tensor, row/token, "
                       "col/channel, group)", v);
    size_t group = s->group;
    if ((v = val(cv, FPQ_AX_GROUP)) && sweep_parse_size(&group, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "group: bad value '%s' (an integer, 2 or more)", v);
    size_t axis = s->axis;
    if ((v = val(cv, FPQ_AX_AXIS)) && (sweep_parse_size(&axis, v) != FPQ_OK || axis > 1))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "axis: bad value '%s' (0 or 1)", v);
    fpq_format sf = s->scale_format;
    bool sexact = s->scale_exact;
    if ((v = val(cv, FPQ_AX_SCALE_FORMAT))) {
        if (strcmp(v, "exact") == 0)
            sexact = true;
        else if ((rc = parse_format(&sf, "scale_format", v, err)) != FPQ_OK)
            return rc;
    }
    fpq_rnd srnd = s->scale_round;
    if ((v = val(cv, FPQ_AX_SCALE_ROUND)) && (rc = parse_rnd(&srnd, "scale_round", v, err)) != FPQ_OK)
        return rc;
    fpq_mx_rule mxr = s->mx_rule;
    if ((v = val(cv, FPQ_AX_MX_RULE)) && fpq_mx_rule_parse(&mxr, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "mx_rule: unknown rule '%s' (floor, ceil, rceil)", v);

    if ((v = val(cv, FPQ_AX_RANGE)) && (rc = fpq_range_parse(s, v, err)) != FPQ_OK)
        return rc;
    if ((v = val(cv, FPQ_AX_OUTLIER)) && (parse_number(&s->outlier, v) != FPQ_OK || s->outlier < 0))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "outlier: bad threshold '%s' (0 for none, or positive)", v);
    if ((v = val(cv, FPQ_AX_KEPT_FORMAT)) && (rc = parse_format(&s->kept_format, "kept_format", v, err)) != FPQ_OK)
        return rc;
    if ((v = val(cv, FPQ_AX_SYMMETRIC))) {
        if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "symmetric: bad value '%s' (0 or 1)", v);
        s->rnd.int_symmetric = v[0] == '1';
    }
    if ((v = val(cv, FPQ_AX_CALIB))) {
        if ((rc = add_source(c, p, FPQ_AX_CALIB, v, &c->calib, err)) != FPQ_OK)
            return rc;
    } else if ((rc = set_in(c, FPQ_AX_CALIB, "-", err)) != FPQ_OK) {
        return rc;
    }

    if (scheme != FPQ_SCHEME_MX && scheme != FPQ_SCHEME_NVFP4) {
        s->granularity = g;
        if (g == FPQ_GRAN_GROUP) {
            s->group = group;
            s->axis = (unsigned)axis;
        }
        s->scale_format = sf;
        s->scale_exact = sexact;
        s->scale_round = srnd;
    }
    if (scheme == FPQ_SCHEME_MX)
        s->mx_rule = mxr;
    return FPQ_OK;
}

/* Whether signed-integer symmetry is a choice: signed integer elements
 * under absmax. */
static bool symmetric_applies(const fpq_qspec *s)
{
    return s->format.kind == FPQ_KIND_INT && s->format.is_signed && s->scheme == FPQ_SCHEME_ABSMAX;
}

/* Whether the value on axis a applies to the cell (else its text is "-"). */
static bool applies(const fpq_sweep_cell *c, fpq_sweep_mode m, fpq_sweep_axis a)
{
    const fpq_qspec *s = &c->spec;
    if (a == FPQ_AX_SEED)
        return (m == FPQ_SWEEP_CAST ? c->cast.rnd.mode : s->rnd.mode) == FPQ_RSR;
    if (m == FPQ_SWEEP_CAST)
        return true;
    switch (a) {
    case FPQ_AX_GROUP:
    case FPQ_AX_AXIS: return s->granularity == FPQ_GRAN_GROUP;
    case FPQ_AX_SCALE_ROUND: return s->scheme != FPQ_SCHEME_MX;
    case FPQ_AX_MX_RULE: return s->scheme == FPQ_SCHEME_MX;
    case FPQ_AX_SYMMETRIC: return symmetric_applies(s);
    case FPQ_AX_KEPT_FORMAT: return s->outlier > 0;
    default: return true;
    }
}

int sweep_cell_build(fpq_sweep_cell *c, fpq_sweep_plan *p, const sweep_values *cv, bool *invalid,
                     fpq_errbuf *why, fpq_errbuf *err)
{
    memset(c, 0, sizeof *c);
    c->calib = FPQ_SWEEP_NONE;
    *invalid = false;
    const fpq_sweep_mode m = p->mode;
    int rc;

    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (cv->v[a] && !value_ok_for_text(cv->v[a]))
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: control character in value",
                           fpq_sweep_axis_key((fpq_sweep_axis)a));

    /* source and label */
    const char *src = val(cv, FPQ_AX_SOURCE);
    if (!src)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "no source (a file, FILE::NAME or a generator spec)");
    if ((rc = add_source(c, p, FPQ_AX_SOURCE, src, &c->source, err)) != FPQ_OK)
        return rc;
    const char *label = val(cv, FPQ_AX_LABEL);
    char *dl = label ? NULL : default_label(src);
    if (!label && !dl)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    rc = set_in(c, FPQ_AX_LABEL, label ? label : dl, err);
    free(dl);
    if (rc != FPQ_OK)
        return rc;

    /* the values, over the defaults */
    if (m == FPQ_SWEEP_CAST) {
        fpq_cast_spec_default(&c->cast);
        if ((rc = parse_rounding(&c->cast.rnd, cv, err)) != FPQ_OK || (rc = parse_cast(c, cv, err)) != FPQ_OK)
            return rc;
    } else {
        fpq_qspec_default(&c->spec);
        if ((rc = parse_rounding(&c->spec.rnd, cv, err)) != FPQ_OK || (rc = parse_quant(c, p, cv, err)) != FPQ_OK)
            return rc;
        if (!symmetric_applies(&c->spec))
            c->spec.rnd.int_symmetric = false;
    }

    /* the canonical text */
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        const fpq_sweep_axis ax = (fpq_sweep_axis)a;
        if (ax == FPQ_AX_SOURCE || ax == FPQ_AX_LABEL || ax == FPQ_AX_CALIB || !fpq_sweep_axis_in_mode(ax, m))
            continue;
        char t[FPQ_NAME_MAX + 64];
        if (m == FPQ_SWEEP_CAST)
            sweep_cast_text(t, sizeof t, ax, &c->cast);
        else
            sweep_quant_text(t, sizeof t, ax, &c->spec);
        if ((rc = set_in(c, ax, applies(c, m, ax) ? t : "-", err)) != FPQ_OK)
            return rc;
    }
    if (m == FPQ_SWEEP_QUANT && fpq_qspec_validate(&c->spec, why) != FPQ_OK)
        *invalid = true;
    pack_in(c);
    return FPQ_OK;
}
