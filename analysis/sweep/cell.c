/* cell.c: one canonical cell from the values of its axes (sweep-impl.h).
 *
 * Every value given is parsed (an error names the axis); a missing one is
 * the default of fpq_qspec_default or fpq_cast_spec_default, after
 * fpq_qspec_set_scheme for mx and nvfp4, which fix their granularity,
 * group and scale format (values given for those are then ignored).  The
 * cell's text on each axis is the canonical spelling of its value
 * (sweep_quant_text, sweep_cast_text), or "-" where the value does not
 * apply to the cell, so that equal cells have equal texts.  A cell is
 * built without allocating: its texts go into its own buffers, its
 * source, label and calibration texts are the plan's.  Sources are
 * resolved once, when a plan is made (sweep_source_add).
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

static bool value_ok_for_text(const char *s);

/* ---------------------------------------------------------------------- */
/* Sources and labels.                                                    */

int sweep_source_canon(char **out, const char *text, fpq_errbuf *err)
{
    *out = NULL;
    if (!value_ok_for_text(text))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "source: control character in value");
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

struct fpq_sweep_space *sweep_space_get(fpq_sweep_plan *p)
{
    if (!p->space)
        p->space = calloc(1, sizeof *p->space);
    return p->space;
}

/* FNV-1a of a string. */
static uint64_t str_hash(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

/* Put source i of p into the index of sp (whose table has room). */
static void index_put(struct fpq_sweep_space *sp, const fpq_sweep_plan *p, size_t i)
{
    size_t j = (size_t)str_hash(p->sources[i]) & (sp->nslot - 1);
    while (sp->slot[j])
        j = (j + 1) & (sp->nslot - 1);
    sp->slot[j] = i + 1;
}

/* The index of canonical source text canon in p, added if new. */
static int plan_source(fpq_sweep_plan *p, const char *canon, size_t *idx, fpq_errbuf *err)
{
    struct fpq_sweep_space *sp = sweep_space_get(p);
    if (!sp)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    if (sp->nslot) {
        for (size_t j = (size_t)str_hash(canon) & (sp->nslot - 1); sp->slot[j]; j = (j + 1) & (sp->nslot - 1))
            if (strcmp(p->sources[sp->slot[j] - 1], canon) == 0) {
                *idx = sp->slot[j] - 1;
                return FPQ_OK;
            }
    }
    if (2 * (p->nsources + 1) > sp->nslot) { /* grow the index */
        size_t nn = sp->nslot ? 2 * sp->nslot : 64;
        size_t *ns = calloc(nn, sizeof *ns);
        if (!ns)
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        free(sp->slot);
        sp->slot = ns;
        sp->nslot = nn;
        for (size_t i = 0; i < p->nsources; i++)
            index_put(sp, p, i);
    }
    char **s = realloc(p->sources, (p->nsources + 1) * sizeof *s);
    if (!s)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    p->sources = s;
    char **l = realloc(sp->src_label, (p->nsources + 1) * sizeof *l);
    if (!l)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    sp->src_label = l;
    if (!(s[p->nsources] = strdup(canon)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    if (!(l[p->nsources] = sweep_default_label(canon))) {
        free(s[p->nsources]);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    index_put(sp, p, p->nsources);
    *idx = p->nsources++;
    return FPQ_OK;
}

char *sweep_default_label(const char *text)
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

int sweep_source_add(fpq_sweep_plan *p, const char *canon, size_t *idx, fpq_errbuf *err)
{
    *idx = 0;
    return p->count_only ? FPQ_OK : plan_source(p, canon, idx, err);
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

/* fpq_format_parse, with the formats met last remembered per thread (a
 * plan parses the same few names for every cell). */
static int format_parse_memo(fpq_format *f, const char *name)
{
    enum { MEMO = 8 };
    static _Thread_local struct {
        char name[FPQ_NAME_MAX];
        fpq_format f;
    } memo[MEMO];
    static _Thread_local unsigned nmemo, next;
    for (unsigned i = 0; i < nmemo; i++)
        if (strcmp(memo[i].name, name) == 0) {
            *f = memo[i].f;
            return FPQ_OK;
        }
    int st = fpq_format_parse(f, name);
    if (st == FPQ_OK && strlen(name) < FPQ_NAME_MAX) {
        unsigned i = nmemo < MEMO ? nmemo++ : next++ % MEMO;
        strcpy(memo[i].name, name);
        memo[i].f = *f;
    }
    return st;
}

/* fpq_qspec_default, computed once. */
static void quant_default(fpq_qspec *s)
{
    static fpq_qspec d;
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
#pragma omp critical(fpq_sweep_quant_default)
        if (!ready) {
            fpq_qspec_default(&d);
            __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
        }
    }
    *s = d;
}

static int parse_format(fpq_format *f, const char *axis, const char *name, fpq_errbuf *err)
{
    int st = format_parse_memo(f, name);
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

/* An overflow mode: P3109's names (none, finite, propagate, wrap) or
 * format and saturate, the names of none and finite before them. */
static int parse_overflow(fpq_overflow *o, const char *v, fpq_errbuf *err)
{
    if (strcmp(v, "saturate") == 0)
        *o = FPQ_OVF_SATURATE;
    else if (strcmp(v, "format") == 0)
        *o = FPQ_OVF_FORMAT;
    else if (fpq_overflow_parse(o, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "overflow: bad value '%s' (none or format, finite or saturate, "
                       "propagate, wrap)", v);
    return FPQ_OK;
}

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
    if ((v = val(cv, FPQ_AX_OVERFLOW)) && (rc = parse_overflow(&k->rnd.overflow, v, err)) != FPQ_OK)
        return rc;
    return FPQ_OK;
}

/* c->spec (holding its defaults) from the quant axes, and the
 * calibration source. */
static int parse_quant(fpq_sweep_cell *c, const sweep_values *cv, fpq_errbuf *err)
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
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "mx_rule: unknown rule '%s' (mx: floor, ceil, rceil, even; "
                       "nvfp4: 6, 4over6)", v);

    if ((v = val(cv, FPQ_AX_RANGE)) && (rc = fpq_range_parse(s, v, err)) != FPQ_OK)
        return rc;
    if ((v = val(cv, FPQ_AX_OUTLIER)) && (parse_number(&s->outlier, v) != FPQ_OK || s->outlier < 0))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "outlier: bad threshold '%s' (0 for none, or positive)", v);
    if ((v = val(cv, FPQ_AX_KEPT_FORMAT)) && (rc = parse_format(&s->kept_format, "kept_format", v, err)) != FPQ_OK)
        return rc;
    if ((v = val(cv, FPQ_AX_OVERFLOW)) && (rc = parse_overflow(&s->rnd.overflow, v, err)) != FPQ_OK)
        return rc;
    if ((v = val(cv, FPQ_AX_SYMMETRIC))) {
        if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "symmetric: bad value '%s' (0 or 1)", v);
        s->rnd.int_symmetric = v[0] == '1';
    }
    c->method = FPQ_WMETHOD_RTN;
    if ((v = val(cv, FPQ_AX_METHOD)) && fpq_wmethod_parse(&c->method, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "method: unknown method '%s' (rtn, gptq, hqq)", v);
    if ((v = val(cv, FPQ_AX_CALIB))) {
        c->calib = cv->calib;
        c->in[FPQ_AX_CALIB] = v;
    } else {
        c->in[FPQ_AX_CALIB] = "-";
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
    if (scheme == FPQ_SCHEME_MX || scheme == FPQ_SCHEME_NVFP4)
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
    case FPQ_AX_MX_RULE: return s->scheme == FPQ_SCHEME_MX || s->scheme == FPQ_SCHEME_NVFP4;
    case FPQ_AX_SYMMETRIC: return symmetric_applies(s);
    case FPQ_AX_KEPT_FORMAT: return s->outlier > 0;
    case FPQ_AX_METHOD: return c->method != FPQ_WMETHOD_RTN; /* rtn, the default: "-", as before the axis */
    default: return true;
    }
}

/* Whether the scheme of s fixes the value of axis a (mx and nvfp4 fix the
 * unit and its scale: fpq_qspec_set_scheme). */
static bool fixed_by_scheme(const fpq_qspec *s, fpq_sweep_axis a)
{
    if (s->scheme != FPQ_SCHEME_MX && s->scheme != FPQ_SCHEME_NVFP4)
        return false;
    return a == FPQ_AX_GRANULARITY || a == FPQ_AX_GROUP || a == FPQ_AX_AXIS || a == FPQ_AX_SCALE_FORMAT
           || a == FPQ_AX_SCALE_ROUND;
}

bool sweep_cell_ignores(const fpq_sweep_cell *c, fpq_sweep_mode m, fpq_sweep_axis a)
{
    if (a == FPQ_AX_SOURCE || a == FPQ_AX_LABEL || a == FPQ_AX_CALIB)
        return false;
    return !applies(c, m, a) || (m == FPQ_SWEEP_QUANT && fixed_by_scheme(&c->spec, a));
}

int sweep_cell_spec(fpq_sweep_cell *c, fpq_sweep_mode m, const sweep_values *cv, bool *invalid, fpq_errbuf *why,
                    fpq_errbuf *err)
{
    memset(c->in, 0, sizeof c->in);
    c->owned = NULL;
    c->source = cv->source;
    c->calib = FPQ_SWEEP_NONE;
    *invalid = false;
    int rc;

    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (cv->v[a] && !value_ok_for_text(cv->v[a]))
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: control character in value",
                           fpq_sweep_axis_key((fpq_sweep_axis)a));

    /* source and label */
    const char *src = val(cv, FPQ_AX_SOURCE);
    if (!src)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "no source (a file, FILE::NAME or a generator spec)");
    c->in[FPQ_AX_SOURCE] = src;
    c->in[FPQ_AX_LABEL] = cv->v[FPQ_AX_LABEL] ? cv->v[FPQ_AX_LABEL] : "-";

    /* the values, over the defaults */
    if (m == FPQ_SWEEP_CAST) {
        fpq_cast_spec_default(&c->cast);
        if ((rc = parse_rounding(&c->cast.rnd, cv, err)) != FPQ_OK || (rc = parse_cast(c, cv, err)) != FPQ_OK)
            return rc;
    } else {
        quant_default(&c->spec);
        if ((rc = parse_rounding(&c->spec.rnd, cv, err)) != FPQ_OK || (rc = parse_quant(c, cv, err)) != FPQ_OK)
            return rc;
        if (!symmetric_applies(&c->spec))
            c->spec.rnd.int_symmetric = false;
        if (fpq_qspec_validate(&c->spec, why) != FPQ_OK)
            *invalid = true;
        else if (c->method == FPQ_WMETHOD_GPTQ && c->calib == FPQ_SWEEP_NONE)
            *invalid = true, fpq_err(why, FPQ_LAB_ERR_SPEC, "method gptq needs a calibrate value (the activations)");
        else if (c->method == FPQ_WMETHOD_HQQ
                 && (c->spec.scheme != FPQ_SCHEME_ZEROPOINT || c->spec.outlier > 0 || c->spec.rnd.mode != FPQ_RNE))
            *invalid = true, fpq_err(why, FPQ_LAB_ERR_SPEC,
                                     "method hqq needs scheme zeropoint, round rne and no outlier split");
        else if (c->method == FPQ_WMETHOD_HQQ && c->calib != FPQ_SWEEP_NONE)
            *invalid = true, fpq_err(why, FPQ_LAB_ERR_SPEC, "method hqq takes no calibrate value");
    }
    return FPQ_OK;
}

int sweep_cell_build(fpq_sweep_cell *c, fpq_sweep_mode m, const sweep_values *cv, bool *invalid,
                     fpq_errbuf *why, fpq_errbuf *err)
{
    int rc = sweep_cell_spec(c, m, cv, invalid, why, err);
    if (rc != FPQ_OK)
        return rc;
    /* the canonical text */
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        const fpq_sweep_axis ax = (fpq_sweep_axis)a;
        if (ax == FPQ_AX_SOURCE || ax == FPQ_AX_LABEL || ax == FPQ_AX_CALIB || !fpq_sweep_axis_in_mode(ax, m))
            continue;
        char *t = c->text[a];
        size_t len;
        if (!applies(c, m, ax))
            len = (size_t)snprintf(t, FPQ_SWEEP_TEXT_MAX, "-");
        else if (m == FPQ_SWEEP_CAST)
            len = sweep_cast_text(t, FPQ_SWEEP_TEXT_MAX, ax, &c->cast);
        else if (ax == FPQ_AX_METHOD)
            len = (size_t)snprintf(t, FPQ_SWEEP_TEXT_MAX, "%s", fpq_wmethod_name(c->method));
        else
            len = sweep_quant_text(t, FPQ_SWEEP_TEXT_MAX, ax, &c->spec);
        if (len >= FPQ_SWEEP_TEXT_MAX)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: value too long", fpq_sweep_axis_key(ax));
        c->in[a] = t;
    }
    return FPQ_OK;
}

void fpq_sweep_cell_free(fpq_sweep_cell *c)
{
    free(c->owned);
    c->owned = NULL;
}

size_t sweep_cell_line(char *buf, size_t n, const fpq_sweep_cell *c)
{
    fpq_strbuf b = FPQ_STRBUF_INIT;
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        const char *v = c->in[a];
        if (!v || (a != FPQ_AX_SOURCE && a != FPQ_AX_LABEL && strcmp(v, "-") == 0))
            continue;
        if (b.len)
            fpq_sb_putc(&b, ' ');
        fpq_sb_puts(&b, fpq_sweep_axis_key((fpq_sweep_axis)a));
        fpq_sb_putc(&b, '=');
        if (*v == '\0' || strpbrk(v, " \t\"\\") || *v == '"') {
            fpq_sb_putc(&b, '"');
            for (const char *q = v; *q; q++) {
                if (*q == '"' || *q == '\\')
                    fpq_sb_putc(&b, '\\');
                fpq_sb_putc(&b, *q);
            }
            fpq_sb_putc(&b, '"');
        } else {
            fpq_sb_puts(&b, v);
        }
    }
    return fpq_sb_finish(&b, buf, n);
}
