/* sweep.c: plans (cross products and plan files), cell execution, the CSV
 * rows, resuming a file and merging shards (sweep.h).
 *
 * Running: the sources the shard needs are loaded once, before any cell,
 * and shared read-only.  Cells run on OpenMP threads (dynamic schedule, one
 * cell at a time per thread, the quantizer's own loops then serial); with
 * fewer cells than threads the cells run one after the other and each uses
 * every thread.  Either way a cell's row does not depend on the threads
 * (quant.h, metrics.c).  Finished rows wait in a reorder buffer and are
 * written in plan order, each with one write(2) on a descriptor opened
 * with O_APPEND, so the file only ever holds a header and whole rows.
 */
#include "sweep.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "dist.h"
#include "source.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* Modes and axes.                                                        */

static const char *const mode_names[FPQ_SWEEP_MODE_COUNT_] = {"quant", "cast"};

const char *fpq_sweep_mode_name(fpq_sweep_mode m)
{
    return (unsigned)m < FPQ_SWEEP_MODE_COUNT_ ? mode_names[m] : "?";
}

int fpq_sweep_mode_parse(fpq_sweep_mode *out, const char *name)
{
    for (unsigned i = 0; i < FPQ_SWEEP_MODE_COUNT_; i++)
        if (strcasecmp(name, mode_names[i]) == 0) {
            *out = (fpq_sweep_mode)i;
            return FPQ_OK;
        }
    return FPQ_LAB_ERR_SPEC;
}

enum { M_QUANT = 1u << FPQ_SWEEP_QUANT, M_CAST = 1u << FPQ_SWEEP_CAST, M_BOTH = M_QUANT | M_CAST };

typedef struct axis_info {
    const char *key, *flag;
    unsigned modes;
    const char *dflt;
} axis_info;

static const axis_info axes_info[FPQ_AX_COUNT_] = {
    [FPQ_AX_SOURCE] = {"source", "source", M_BOTH, NULL},
    [FPQ_AX_LABEL] = {"label", "label", M_BOTH, NULL},
    [FPQ_AX_FORMAT] = {"format", "format", M_BOTH, "int8"},
    [FPQ_AX_SCHEME] = {"scheme", "scheme", M_QUANT, "absmax"},
    [FPQ_AX_GRANULARITY] = {"granularity", "granularity", M_QUANT, "tensor"},
    [FPQ_AX_GROUP] = {"group", "group", M_QUANT, "32"},
    [FPQ_AX_AXIS] = {"axis", "axis", M_QUANT, "1"},
    [FPQ_AX_SCALE_FORMAT] = {"scale_format", "scale-format", M_QUANT, "fp32"},
    [FPQ_AX_SCALE_ROUND] = {"scale_round", "scale-round", M_QUANT, "rne"},
    [FPQ_AX_MX_RULE] = {"mx_rule", "mx-rule", M_QUANT, "floor"},
    [FPQ_AX_RANGE] = {"range", "range", M_QUANT, "max"},
    [FPQ_AX_LOSS_SCALE] = {"loss_scale", "loss-scale", M_CAST, "1"},
    [FPQ_AX_ROUND] = {"round", "round", M_BOTH, "rne"},
    [FPQ_AX_SEED] = {"seed", "seed", M_BOTH, "0"},
    [FPQ_AX_SYMMETRIC] = {"symmetric", "symmetric", M_QUANT, "0"},
    [FPQ_AX_OUTLIER] = {"outlier", "outlier", M_QUANT, "0"},
    [FPQ_AX_KEPT_FORMAT] = {"kept_format", "kept-format", M_QUANT, "fp16"},
    [FPQ_AX_CALIB] = {"calibrate", "calibrate", M_QUANT, "-"},
    [FPQ_AX_OVERFLOW] = {"overflow", "overflow", M_CAST, "format"},
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

const char *fpq_sweep_axis_default(fpq_sweep_axis a)
{
    return (unsigned)a < FPQ_AX_COUNT_ && axes_info[a].dflt ? axes_info[a].dflt : "-";
}

fpq_sweep_axis fpq_sweep_axis_find(const char *key)
{
    for (unsigned i = 0; i < FPQ_AX_COUNT_; i++)
        if (strcmp(key, axes_info[i].key) == 0 || strcmp(key, axes_info[i].flag) == 0)
            return (fpq_sweep_axis)i;
    return FPQ_AX_COUNT_;
}

/* Metric columns after quant.h's: quant adds the chosen clip ratio, cast
 * what underflowed, landed in subnormals and overflowed. */
static const char *const quant_metric_names[] = {"clip_ratio"};
static const char *const cast_metric_names[] = {"underflow_frac", "subnormal_frac", "overflow_frac"};
#define NCAST_EXTRA NELEM(cast_metric_names)
#define NQUANT_EXTRA NELEM(quant_metric_names)

static size_t nextra(fpq_sweep_mode m)
{
    return m == FPQ_SWEEP_CAST ? NCAST_EXTRA : NQUANT_EXTRA;
}

static const char *extra_name(fpq_sweep_mode m, size_t i)
{
    return m == FPQ_SWEEP_CAST ? cast_metric_names[i] : quant_metric_names[i];
}

static size_t nmetrics(fpq_sweep_mode m)
{
    return FPQ_QMETRIC_COUNT + nextra(m);
}

/* Input columns after "cell": label, source, n, rows, cols, then the mode's
 * other axes in enum order. */
static size_t ninputs(fpq_sweep_mode m)
{
    size_t k = 1 + 5;
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (a != FPQ_AX_SOURCE && a != FPQ_AX_LABEL && fpq_sweep_axis_in_mode((fpq_sweep_axis)a, m))
            k++;
    return k;
}

/* ---------------------------------------------------------------------- */
/* Text helpers.                                                          */

size_t fpq_sweep_fmt_double(char *buf, size_t n, double x)
{
    int len;
    if (isnan(x))
        len = snprintf(buf, n, "nan");
    else if (isinf(x))
        len = snprintf(buf, n, x < 0 ? "-inf" : "inf");
    else {
        char tmp[40];
        for (int p = 1; p <= 17; p++) {
            snprintf(tmp, sizeof tmp, "%.*g", p, x);
            if (strtod(tmp, NULL) == x || p == 17)
                break;
        }
        len = snprintf(buf, n, "%s", tmp);
    }
    return len < 0 ? 0 : (size_t)len;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* A growable string. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

/* snprintf-style: b's text (truncated) into buf of n bytes; returns its
 * full length, 0 when memory ran out; frees b. */
static size_t sb_finish(sbuf *b, char *buf, size_t n)
{
    const size_t len = b->oom ? 0 : b->len;
    if (n) {
        const size_t w = len < n ? len : n - 1;
        if (w)
            memcpy(buf, b->p, w);
        buf[w] = '\0';
    }
    free(b->p);
    return len;
}

static void sb_putc(sbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

/* A CSV field, quoted when it holds a comma, a quote, CR, LF or edge spaces. */
static void sb_csv(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    bool q = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!q) {
        sb_putn(b, s, n);
        return;
    }
    sb_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_putc(b, '"');
        sb_putc(b, *p);
    }
    sb_putc(b, '"');
}

static void sb_double(sbuf *b, double x)
{
    char t[40];
    fpq_sweep_fmt_double(t, sizeof t, x);
    sb_puts(b, t);
}

/* Split one CSV line (no newline) into fields, unquoting.  Returns the
 * number of fields, or 0 for a malformed quote.  *f holds pointers into
 * *store (both malloc'ed, freed by the caller); *cap tracks f's size. */
static size_t csv_split(const char *line, char ***f, size_t *cap, char **store)
{
    size_t len = strlen(line);
    char *s = realloc(*store, len + 1);
    if (!s)
        return 0;
    *store = s;
    size_t nf = 0, o = 0;
    const char *p = line;
    for (;;) {
        if (nf == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            char **g = realloc(*f, nc * sizeof *g);
            if (!g)
                return 0;
            *f = g;
            *cap = nc;
        }
        (*f)[nf++] = s + o;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return 0; /* unterminated */
                if (*p == '"') {
                    if (p[1] == '"') {
                        s[o++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                s[o++] = *p++;
            }
            if (*p != ',' && *p != '\0')
                return 0;
        } else {
            while (*p && *p != ',') {
                if (*p == '"')
                    return 0;
                s[o++] = *p++;
            }
        }
        s[o++] = '\0';
        if (*p == '\0')
            break;
        p++; /* the comma */
    }
    return nf;
}

/* ---------------------------------------------------------------------- */
/* Axes.                                                                  */

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
    char **v = realloc(a->v[ax], (a->n[ax] + 1) * sizeof *v);
    if (!v)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    a->v[ax] = v;
    char *c = malloc(len + 1);
    if (!c)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    memcpy(c, s, len);
    c[len] = '\0';
    v[a->n[ax]++] = c;
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

/* ---------------------------------------------------------------------- */
/* Plans.                                                                 */

void fpq_sweep_plan_init(fpq_sweep_plan *p, fpq_sweep_mode mode)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
}

static void cell_free(fpq_sweep_cell *c)
{
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        free(c->in[a]);
}

void fpq_sweep_plan_free(fpq_sweep_plan *p)
{
    for (size_t k = 0; k < p->ncells; k++)
        cell_free(&p->cells[k]);
    free(p->cells);
    for (size_t i = 0; i < p->nsources; i++)
        free(p->sources[i]);
    free(p->sources);
    fpq_sweep_mode m = p->mode;
    memset(p, 0, sizeof *p);
    p->mode = m;
}

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
    if (!(s[p->nsources] = xstrdup(canon)))
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
    if (!(*out = xstrdup(text)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    return FPQ_OK;
}

/* The default label of a source: the generator's kind, or the tensor's name
 * (FILE::NAME), or the file's base name. */
static char *default_label(const char *text)
{
    if (fpq_source_is_gen(text)) {
        fpq_gen_spec g;
        if (fpq_gen_parse(&g, text, NULL) == FPQ_OK)
            return xstrdup(fpq_dist_name(g.dist.kind));
    }
    const char *sep = strstr(text, "::");
    if (sep && sep[2])
        return xstrdup(sep + 2);
    const char *slash = strrchr(text, '/');
    return xstrdup(slash && slash[1] ? slash + 1 : text);
}

static bool label_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '+' || c == '-';
}

/* "LABEL=SOURCE" splits when LABEL is a run of [A-Za-z0-9_.+-]. */
static bool split_label(const char *text, size_t *label_len)
{
    size_t i = 0;
    while (text[i] && label_char((unsigned char)text[i]))
        i++;
    if (i == 0 || text[i] != '=' || text[i + 1] == '\0')
        return false;
    *label_len = i;
    return true;
}

static bool value_ok_for_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static int parse_size(size_t *out, const char *s)
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

/* The range choice with the percentile in shortest form. */
static void describe_range(char *buf, size_t n, const fpq_qspec *s)
{
    if (s->range == FPQ_RANGE_PERCENTILE) {
        char t[40];
        fpq_sweep_fmt_double(t, sizeof t, s->percentile);
        snprintf(buf, n, "percentile:%s", t);
    } else {
        fpq_range_describe(buf, n, s);
    }
}

/* Values of one cell, as text (NULL or "-": the default). */
typedef struct cell_values {
    const char *v[FPQ_AX_COUNT_];
} cell_values;

static const char *val(const cell_values *cv, fpq_sweep_axis a)
{
    const char *s = cv->v[a];
    return s && strcmp(s, "-") != 0 ? s : NULL;
}

static int set_in(fpq_sweep_cell *c, fpq_sweep_axis a, const char *text, fpq_errbuf *err)
{
    free(c->in[a]);
    if (!(c->in[a] = xstrdup(text)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    return FPQ_OK;
}

/* Build a canonical cell from values.  Returns FPQ_OK, FPQ_LAB_ERR_SPEC
 * for a value that does not parse (err says which), FPQ_ERR_NO_MEMORY;
 * *invalid is set (with the reason in why) for a spec that parses but
 * fpq_qspec_validate refuses. */
static int build_cell(fpq_sweep_cell *c, fpq_sweep_plan *p, const cell_values *cv, bool *invalid,
                      fpq_errbuf *why, fpq_errbuf *err)
{
    memset(c, 0, sizeof *c);
    c->calib = FPQ_SWEEP_NONE;
    *invalid = false;
    const fpq_sweep_mode m = p->mode;
    char t[128];
    int rc;

    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (cv->v[a] && !value_ok_for_text(cv->v[a]))
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: control character in value", axes_info[a].key);

    /* source and label */
    const char *src = val(cv, FPQ_AX_SOURCE);
    if (!src)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "no source (a file, FILE::NAME or a generator spec)");
    char *canon;
    if ((rc = canon_source(&canon, src, err)) != FPQ_OK)
        return rc;
    rc = plan_source(p, canon, &c->source, err);
    if (rc == FPQ_OK)
        rc = set_in(c, FPQ_AX_SOURCE, canon, err);
    free(canon);
    if (rc != FPQ_OK)
        return rc;
    const char *label = val(cv, FPQ_AX_LABEL);
    char *dl = label ? NULL : default_label(src);
    if (!label && !dl)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    rc = set_in(c, FPQ_AX_LABEL, label ? label : dl, err);
    free(dl);
    if (rc != FPQ_OK)
        return rc;

    const char *sr_seed = val(cv, FPQ_AX_SEED) ? val(cv, FPQ_AX_SEED) : "0";
    uint64_t seed;
    if (!fpq_seed_parse(&seed, sr_seed, strlen(sr_seed)))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "seed: bad value '%s' (an integer from 0 to 2^64-1)", sr_seed);
    fpq_rnd mode = FPQ_RNE;
    if (val(cv, FPQ_AX_ROUND) && (rc = parse_rnd(&mode, "round", val(cv, FPQ_AX_ROUND), err)) != FPQ_OK)
        return rc;

    if (m == FPQ_SWEEP_CAST) {
        const char *fn = val(cv, FPQ_AX_FORMAT) ? val(cv, FPQ_AX_FORMAT) : "fp16";
        if ((rc = parse_format(&c->format, "format", fn, err)) != FPQ_OK)
            return rc;
        c->loss_scale = 1;
        const char *ls = val(cv, FPQ_AX_LOSS_SCALE);
        if (ls && (parse_number(&c->loss_scale, ls) != FPQ_OK || !(c->loss_scale > 0)))
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "loss_scale: bad value '%s' (a positive number or 2^K)", ls);
        fpq_rounding_default(&c->rnd);
        c->rnd.mode = mode;
        c->rnd.seed = seed;
        const char *ov = val(cv, FPQ_AX_OVERFLOW);
        if (ov && strcmp(ov, "saturate") == 0)
            c->rnd.overflow = FPQ_OVF_SATURATE;
        else if (ov && strcmp(ov, "format") != 0)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "overflow: bad value '%s' (format or saturate)", ov);
        if ((rc = set_in(c, FPQ_AX_FORMAT, c->format.name, err)) != FPQ_OK)
            return rc;
        fpq_sweep_fmt_double(t, sizeof t, c->loss_scale);
        if ((rc = set_in(c, FPQ_AX_LOSS_SCALE, t, err)) != FPQ_OK
            || (rc = set_in(c, FPQ_AX_ROUND, fpq_rnd_name(mode), err)) != FPQ_OK)
            return rc;
        snprintf(t, sizeof t, "%llu", (unsigned long long)seed);
        if ((rc = set_in(c, FPQ_AX_SEED, mode == FPQ_RSR ? t : "-", err)) != FPQ_OK)
            return rc;
        return set_in(c, FPQ_AX_OVERFLOW, c->rnd.overflow == FPQ_OVF_SATURATE ? "saturate" : "format", err);
    }

    /* quant */
    fpq_qspec *s = &c->spec;
    fpq_qspec_default(s);
    fpq_scheme scheme = FPQ_SCHEME_ABSMAX;
    const char *v;
    if ((v = val(cv, FPQ_AX_SCHEME)) && fpq_scheme_parse(&scheme, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "scheme: unknown scheme '%s' (absmax, zeropoint, mx, nvfp4)", v);
    fpq_qspec_set_scheme(s, scheme);
    const bool block = scheme == FPQ_SCHEME_MX || scheme == FPQ_SCHEME_NVFP4;
    if ((v = val(cv, FPQ_AX_FORMAT)) && (rc = parse_format(&s->format, "format", v, err)) != FPQ_OK)
        return rc;
    fpq_gran g = block ? FPQ_GRAN_GROUP : FPQ_GRAN_TENSOR;
    if ((v = val(cv, FPQ_AX_GRANULARITY)) && fpq_gran_parse(&g, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "granularity: unknown granularity '%s' (tensor, row/token, "
                       "col/channel, group)", v);
    size_t group = s->group;
    if ((v = val(cv, FPQ_AX_GROUP)) && parse_size(&group, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "group: bad value '%s' (an integer, 2 or more)", v);
    size_t axis = 1;
    if ((v = val(cv, FPQ_AX_AXIS)) && (parse_size(&axis, v) != FPQ_OK || axis > 1))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "axis: bad value '%s' (0 or 1)", v);
    fpq_format sf = s->scale_format;
    bool sexact = false;
    if ((v = val(cv, FPQ_AX_SCALE_FORMAT))) {
        if (strcmp(v, "exact") == 0)
            sexact = true;
        else if ((rc = parse_format(&sf, "scale_format", v, err)) != FPQ_OK)
            return rc;
    }
    fpq_rnd srnd = FPQ_RNE;
    if ((v = val(cv, FPQ_AX_SCALE_ROUND)) && (rc = parse_rnd(&srnd, "scale_round", v, err)) != FPQ_OK)
        return rc;
    if ((v = val(cv, FPQ_AX_MX_RULE)) && fpq_mx_rule_parse(&s->mx_rule, v) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "mx_rule: unknown rule '%s' (floor, ceil, rceil)", v);
    if ((v = val(cv, FPQ_AX_RANGE)) && (rc = fpq_range_parse(s, v, err)) != FPQ_OK)
        return rc;
    s->rnd.mode = mode;
    s->rnd.seed = seed;
    if ((v = val(cv, FPQ_AX_OUTLIER))
        && (parse_number(&s->outlier, v) != FPQ_OK || s->outlier < 0))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "outlier: bad threshold '%s' (0 for none, or positive)", v);
    if ((v = val(cv, FPQ_AX_KEPT_FORMAT)) && (rc = parse_format(&s->kept_format, "kept_format", v, err)) != FPQ_OK)
        return rc;
    if ((v = val(cv, FPQ_AX_SYMMETRIC))) {
        if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "symmetric: bad value '%s' (0 or 1)", v);
        s->rnd.int_symmetric = v[0] == '1';
    }
    if ((v = val(cv, FPQ_AX_CALIB))) {
        char *cc;
        if ((rc = canon_source(&cc, v, err)) != FPQ_OK)
            return rc;
        rc = plan_source(p, cc, &c->calib, err);
        if (rc == FPQ_OK)
            rc = set_in(c, FPQ_AX_CALIB, cc, err);
        free(cc);
        if (rc != FPQ_OK)
            return rc;
    } else if ((rc = set_in(c, FPQ_AX_CALIB, "-", err)) != FPQ_OK) {
        return rc;
    }
    if (!block) {
        s->granularity = g;
        s->group = g == FPQ_GRAN_GROUP ? group : s->group;
        s->axis = g == FPQ_GRAN_GROUP ? (unsigned)axis : 1;
        s->scale_format = sf;
        s->scale_exact = sexact;
        s->scale_round = srnd;
    }
    if (scheme != FPQ_SCHEME_MX)
        s->mx_rule = FPQ_MX_FLOOR;

    /* canonical text */
    const bool grp = s->granularity == FPQ_GRAN_GROUP;
    const bool sym_applies = s->format.kind == FPQ_KIND_INT && s->format.is_signed && scheme == FPQ_SCHEME_ABSMAX;
    if (!sym_applies)
        s->rnd.int_symmetric = false;
    char gs[32], as[8];
    snprintf(gs, sizeof gs, "%zu", s->group);
    snprintf(as, sizeof as, "%u", s->axis);
    char rs[64], os[40], ss[32];
    describe_range(rs, sizeof rs, s);
    fpq_sweep_fmt_double(os, sizeof os, s->outlier);
    snprintf(ss, sizeof ss, "%llu", (unsigned long long)seed);
    const struct {
        fpq_sweep_axis a;
        const char *text;
    } canon_text[] = {
        {FPQ_AX_FORMAT, s->format.name},
        {FPQ_AX_SCHEME, fpq_scheme_name(s->scheme)},
        {FPQ_AX_GRANULARITY, fpq_gran_name(s->granularity)},
        {FPQ_AX_GROUP, grp ? gs : "-"},
        {FPQ_AX_AXIS, grp ? as : "-"},
        {FPQ_AX_SCALE_FORMAT, s->scale_exact ? "exact" : s->scale_format.name},
        {FPQ_AX_SCALE_ROUND, scheme == FPQ_SCHEME_MX ? "-" : fpq_rnd_name(s->scale_round)},
        {FPQ_AX_MX_RULE, scheme == FPQ_SCHEME_MX ? fpq_mx_rule_name(s->mx_rule) : "-"},
        {FPQ_AX_RANGE, rs},
        {FPQ_AX_ROUND, fpq_rnd_name(mode)},
        {FPQ_AX_SEED, mode == FPQ_RSR ? ss : "-"},
        {FPQ_AX_SYMMETRIC, sym_applies ? (s->rnd.int_symmetric ? "1" : "0") : "-"},
        {FPQ_AX_OUTLIER, os},
        {FPQ_AX_KEPT_FORMAT, s->outlier > 0 ? s->kept_format.name : "-"},
    };
    for (size_t i = 0; i < NELEM(canon_text); i++)
        if ((rc = set_in(c, canon_text[i].a, canon_text[i].text, err)) != FPQ_OK)
            return rc;
    if (fpq_qspec_validate(s, why) != FPQ_OK)
        *invalid = true;
    return FPQ_OK;
}

static int plan_push(fpq_sweep_plan *p, fpq_sweep_cell *c, fpq_errbuf *err)
{
    if (p->ncells >= FPQ_SWEEP_MAX_CELLS)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "the plan has more than %u cells", FPQ_SWEEP_MAX_CELLS);
    if (p->ncells == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        fpq_sweep_cell *q = realloc(p->cells, nc * sizeof *q);
        if (!q)
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        p->cells = q;
        p->cap = nc;
    }
    p->cells[p->ncells++] = *c;
    return FPQ_OK;
}

/* The cell's identity: every input text joined by unit separators. */
static char *cell_key(const fpq_sweep_cell *c)
{
    sbuf b = {0};
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        if (c->in[a])
            sb_puts(&b, c->in[a]);
        sb_putc(&b, '\x1f');
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p ? b.p : xstrdup("");
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h;
}

/* An open-addressing set of strings (owned). */
typedef struct strset {
    char **slot;
    size_t cap, n;
} strset;

/* Insert s (taking ownership); *found tells whether it was there (then s is
 * freed).  FPQ_OK or FPQ_ERR_NO_MEMORY. */
static int strset_add(strset *S, char *s, bool *found)
{
    if (2 * (S->n + 1) > S->cap) {
        size_t nc = S->cap ? S->cap * 2 : 256;
        char **ns = calloc(nc, sizeof *ns);
        if (!ns)
            return FPQ_ERR_NO_MEMORY;
        for (size_t i = 0; i < S->cap; i++)
            if (S->slot[i]) {
                size_t j = hash_str(S->slot[i]) & (nc - 1);
                while (ns[j])
                    j = (j + 1) & (nc - 1);
                ns[j] = S->slot[i];
            }
        free(S->slot);
        S->slot = ns;
        S->cap = nc;
    }
    size_t j = hash_str(s) & (S->cap - 1);
    while (S->slot[j]) {
        if (strcmp(S->slot[j], s) == 0) {
            *found = true;
            free(s);
            return FPQ_OK;
        }
        j = (j + 1) & (S->cap - 1);
    }
    S->slot[j] = s;
    S->n++;
    *found = false;
    return FPQ_OK;
}

static void strset_free(strset *S)
{
    for (size_t i = 0; i < S->cap; i++)
        free(S->slot[i]);
    free(S->slot);
    memset(S, 0, sizeof *S);
}

int fpq_sweep_plan_cross(fpq_sweep_plan *p, const fpq_sweep_axes *a, fpq_sweep_skips *skips,
                         fpq_errbuf *err)
{
    fpq_sweep_skips local;
    if (!skips)
        skips = &local;
    memset(skips, 0, sizeof *skips);
    fpq_sweep_plan_free(p);
    p->mode = a->mode;
    if (a->n[FPQ_AX_SOURCE] == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "no source: give --source (a file, FILE::NAME or a generator "
                       "spec such as normal:n=65536,seed=1)");
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++)
        if (a->n[ax] && !fpq_sweep_axis_in_mode((fpq_sweep_axis)ax, a->mode))
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "--%s does not apply to a %s sweep", axes_info[ax].flag,
                           mode_names[a->mode]);
    if (a->n[FPQ_AX_LABEL])
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "labels come with their source: --source LABEL=SOURCE");

    /* the product's size */
    double total = 1;
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++)
        if (a->n[ax])
            total *= (double)a->n[ax];
    if (total > FPQ_SWEEP_MAX_CELLS)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "the cross product has %.0f cells, more than %u", total,
                       FPQ_SWEEP_MAX_CELLS);

    size_t idx[FPQ_AX_COUNT_] = {0};
    strset seen = {0}, bad = {0}; /* canonical keys of valid and invalid cells */
    int rc = FPQ_OK;
    for (;;) {
        cell_values cv = {{0}};
        char *lab = NULL;
        for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++)
            if (a->n[ax])
                cv.v[ax] = a->v[ax][idx[ax]];
        size_t ll;
        if (split_label(cv.v[FPQ_AX_SOURCE], &ll)) {
            if (!(lab = malloc(ll + 1))) {
                rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
                break;
            }
            memcpy(lab, cv.v[FPQ_AX_SOURCE], ll);
            lab[ll] = '\0';
            cv.v[FPQ_AX_LABEL] = lab;
            cv.v[FPQ_AX_SOURCE] += ll + 1;
        }
        fpq_sweep_cell c;
        bool invalid;
        fpq_errbuf why = {{0}};
        rc = build_cell(&c, p, &cv, &invalid, &why, err);
        free(lab);
        if (rc != FPQ_OK) {
            cell_free(&c);
            break;
        }
        char *key = cell_key(&c);
        bool found = false;
        if (!key || strset_add(invalid ? &bad : &seen, key, &found) != FPQ_OK) {
            cell_free(&c);
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            break;
        }
        if (invalid && found) {
            cell_free(&c);
        } else if (invalid) {
            if (skips->invalid++ == 0)
                snprintf(skips->first_invalid, sizeof skips->first_invalid, "format %.40s, scheme %.20s, "
                         "granularity %.20s: %.380s", c.in[FPQ_AX_FORMAT], c.in[FPQ_AX_SCHEME],
                         c.in[FPQ_AX_GRANULARITY], why.msg);
            cell_free(&c);
        } else if (found) {
            skips->duplicates++;
            cell_free(&c);
        } else if ((rc = plan_push(p, &c, err)) != FPQ_OK) {
            cell_free(&c);
            break;
        }
        /* next combination: the last axis varies fastest */
        int ax = FPQ_AX_COUNT_ - 1;
        for (; ax >= 0; ax--) {
            if (a->n[ax] == 0)
                continue;
            if (++idx[ax] < a->n[ax])
                break;
            idx[ax] = 0;
        }
        if (ax < 0)
            break;
    }
    strset_free(&seen);
    strset_free(&bad);
    if (rc == FPQ_OK && p->ncells == 0)
        rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "every cell of the plan is invalid; the first: %s",
                     skips->first_invalid);
    if (rc != FPQ_OK)
        fpq_sweep_plan_free(p);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Plan files.                                                            */

int fpq_sweep_plan_read(fpq_sweep_plan *p, const char *path, fpq_errbuf *err)
{
    fpq_sweep_mode mode = p->mode;
    fpq_sweep_plan_free(p);
    p->mode = mode;
    FILE *f = fopen(path, "r");
    if (!f)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    size_t lineno = 0;
    int rc = FPQ_OK;
    char *store = NULL;
    while (rc == FPQ_OK && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        const char *q = line + strspn(line, " \t");
        if (*q == '\0' || *q == '#')
            continue;
        if (strlen(line) != (size_t)len) {
            rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: NUL byte in the line", path, lineno);
            break;
        }
        /* unquote fields into store, KEY=VALUE each */
        free(store);
        store = malloc((size_t)len + 1);
        if (!store) {
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            break;
        }
        cell_values cv = {{0}};
        size_t o = 0;
        const char *s = q;
        while (rc == FPQ_OK && *s) {
            const char *key = s;
            size_t kl = strcspn(s, "= \t");
            if (s[kl] != '=') {
                rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: field '%.*s' is not KEY=VALUE", path, lineno,
                             (int)strcspn(s, " \t"), s);
                break;
            }
            char kbuf[32];
            snprintf(kbuf, sizeof kbuf, "%.*s", (int)(kl < 31 ? kl : 31), key);
            fpq_sweep_axis ax = fpq_sweep_axis_find(kbuf);
            if (kl >= 31 || ax == FPQ_AX_COUNT_ || !fpq_sweep_axis_in_mode(ax, mode)) {
                rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: unknown key '%.*s' for a %s plan", path, lineno,
                             (int)kl, key, mode_names[mode]);
                break;
            }
            if (cv.v[ax]) {
                rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: key '%s' given twice", path, lineno, kbuf);
                break;
            }
            s += kl + 1;
            char *vstart = store + o;
            if (*s == '"') {
                s++;
                while (*s && *s != '"') {
                    if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
                        s++;
                    store[o++] = *s++;
                }
                if (*s != '"') {
                    rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: unterminated quote in '%s'", path, lineno, kbuf);
                    break;
                }
                s++;
                if (*s && *s != ' ' && *s != '\t') {
                    rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: text after the closing quote of '%s'", path,
                                 lineno, kbuf);
                    break;
                }
            } else {
                while (*s && *s != ' ' && *s != '\t')
                    store[o++] = *s++;
            }
            store[o++] = '\0';
            cv.v[ax] = vstart;
            s += strspn(s, " \t");
        }
        if (rc != FPQ_OK)
            break;
        fpq_sweep_cell c;
        bool invalid;
        fpq_errbuf why = {{0}}, e2 = {{0}};
        rc = build_cell(&c, p, &cv, &invalid, &why, &e2);
        if (rc != FPQ_OK) {
            rc = fpq_err(err, rc, "%s:%zu: %s", path, lineno, e2.msg);
        } else if (invalid) {
            rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: %s", path, lineno, why.msg);
        } else {
            rc = plan_push(p, &c, err);
            if (rc == FPQ_OK)
                continue;
        }
        cell_free(&c);
    }
    if (rc == FPQ_OK && ferror(f))
        rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: read error", path);
    if (rc == FPQ_OK && p->ncells == 0)
        rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: the plan has no cells", path);
    free(store);
    free(line);
    fclose(f);
    if (rc != FPQ_OK)
        fpq_sweep_plan_free(p);
    return rc;
}

size_t fpq_sweep_plan_line(char *buf, size_t n, const fpq_sweep_plan *p, size_t k)
{
    sbuf b = {0};
    const fpq_sweep_cell *c = &p->cells[k];
    bool first = true;
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        const char *v = c->in[a];
        if (!v || (a != FPQ_AX_SOURCE && a != FPQ_AX_LABEL && strcmp(v, "-") == 0))
            continue;
        if (!first)
            sb_putc(&b, ' ');
        first = false;
        sb_puts(&b, axes_info[a].key);
        sb_putc(&b, '=');
        if (*v == '\0' || strpbrk(v, " \t\"\\") || *v == '"') {
            sb_putc(&b, '"');
            for (const char *q = v; *q; q++) {
                if (*q == '"' || *q == '\\')
                    sb_putc(&b, '\\');
                sb_putc(&b, *q);
            }
            sb_putc(&b, '"');
        } else {
            sb_puts(&b, v);
        }
    }
    return sb_finish(&b, buf, n);
}

/* ---------------------------------------------------------------------- */
/* CSV header and rows.                                                   */

static void header_into(sbuf *b, fpq_sweep_mode m)
{
    sb_puts(b, "cell,label,source,n,rows,cols");
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (a != FPQ_AX_SOURCE && a != FPQ_AX_LABEL && fpq_sweep_axis_in_mode((fpq_sweep_axis)a, m)) {
            sb_putc(b, ',');
            sb_puts(b, axes_info[a].key);
        }
    for (size_t i = 0; i < FPQ_QMETRIC_COUNT; i++) {
        sb_putc(b, ',');
        sb_puts(b, fpq_qmetric_names[i]);
    }
    for (size_t i = 0; i < nextra(m); i++) {
        sb_putc(b, ',');
        sb_puts(b, extra_name(m, i));
    }
}

size_t fpq_sweep_header(char *buf, size_t n, fpq_sweep_mode mode)
{
    sbuf b = {0};
    header_into(&b, mode);
    return sb_finish(&b, buf, n);
}

/* The input part of cell k's row (no trailing comma). */
static void inputs_into(sbuf *b, const fpq_sweep_plan *p, size_t k, const fpq_tensor *x)
{
    const fpq_sweep_cell *c = &p->cells[k];
    char t[64];
    snprintf(t, sizeof t, "%zu,", k);
    sb_puts(b, t);
    sb_csv(b, c->in[FPQ_AX_LABEL]);
    sb_putc(b, ',');
    sb_csv(b, c->in[FPQ_AX_SOURCE]);
    snprintf(t, sizeof t, ",%zu,%zu,%zu", x->rows * x->cols, x->rows, x->cols);
    sb_puts(b, t);
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (a != FPQ_AX_SOURCE && a != FPQ_AX_LABEL && fpq_sweep_axis_in_mode((fpq_sweep_axis)a, p->mode)) {
            sb_putc(b, ',');
            sb_csv(b, c->in[a]);
        }
}

/* cast: x * s rounded into the format and divided back. */
static int cast_cell(fpq_qmetrics *m, double *extra, const fpq_sweep_cell *c, const fpq_tensor *x,
                     fpq_errbuf *err)
{
    const size_t n = fpq_tensor_size(x);
    fpq_tensor y = FPQ_TENSOR_INIT;
    int rc = fpq_tensor_alloc(&y, x->rows, x->cols);
    if (rc != FPQ_OK)
        return fpq_err(err, rc, "out of memory");
    const double s = c->loss_scale;
    for (size_t i = 0; i < n; i++)
        y.data[i] = x->data[i] * s;
    if ((rc = fpq_round_f64(y.data, y.data, n, &c->format, &c->rnd)) != FPQ_OK) {
        fpq_tensor_free(&y);
        return fpq_err(err, rc, "format %s: %s", c->format.name, fpq_strerror(rc));
    }
    fpq_landmarks lm;
    double maxf = INFINITY, minnorm = 0;
    if (fpq_landmarks_get(&lm, &c->format) == FPQ_OK) {
        uint64_t b[2] = {lm.max_finite, lm.min_normal};
        double v[2];
        for (int i = 0; i < 2; i++)
            if (b[i] != FPQ_NO_BITS) {
                mpfr_t t;
                mpfr_init2(t, 64);
                fpq_decode(t, NULL, NULL, &c->format, b[i]);
                v[i] = mpfr_get_d(t, MPFR_RNDN);
                mpfr_clear(t);
            } else {
                v[i] = i == 0 ? INFINITY : 0;
            }
        maxf = v[0];
        minnorm = c->format.kind == FPQ_KIND_FLOAT && c->format.subnormals ? v[1] : 0;
    }
    size_t nu = 0, ns = 0, no = 0;
    for (size_t i = 0; i < n; i++) {
        double xs = x->data[i] * s, r = y.data[i];
        if (x->data[i] != 0 && r == 0)
            nu++;
        else if (r != 0 && fabs(r) < minnorm)
            ns++;
        if (fabs(xs) > maxf)
            no++;
        y.data[i] = r / s;
    }
    rc = fpq_qmetrics_compute(m, x, &y, false, err);
    fpq_tensor_free(&y);
    if (rc != FPQ_OK)
        return rc;
    m->clipped_frac = (double)no / (double)n;
    m->outlier_frac = 0;
    m->bits_per_value = c->format.bits;
    extra[0] = (double)nu / (double)n;
    extra[1] = (double)ns / (double)n;
    extra[2] = (double)no / (double)n;
    return FPQ_OK;
}

int fpq_sweep_cell_row(char **row, const fpq_sweep_plan *p, size_t k, const fpq_tensor *x,
                       const fpq_tensor *calib, fpq_errbuf *err)
{
    *row = NULL;
    const fpq_sweep_cell *c = &p->cells[k];
    fpq_qmetrics m;
    double extra[NCAST_EXTRA > NQUANT_EXTRA ? NCAST_EXTRA : NQUANT_EXTRA] = {0};
    int rc;
    memset(&m, 0, sizeof m);
    if (p->mode == FPQ_SWEEP_CAST)
        rc = cast_cell(&m, extra, c, x, err);
    else
        rc = fpq_quantize(NULL, &m, x, calib, &c->spec, err);
    if (rc != FPQ_OK)
        return rc;
    sbuf b = {0};
    inputs_into(&b, p, k, x);
    for (size_t i = 0; i < FPQ_QMETRIC_COUNT; i++) {
        sb_putc(&b, ',');
        sb_double(&b, fpq_qmetric(&m, i));
    }
    if (p->mode == FPQ_SWEEP_QUANT)
        extra[0] = m.clip_ratio;
    for (size_t i = 0; i < nextra(p->mode); i++) {
        sb_putc(&b, ',');
        sb_double(&b, extra[i]);
    }
    sb_putc(&b, '\n');
    if (b.oom) {
        free(b.p);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    *row = b.p;
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* Reading sweep CSVs.                                                    */

/* A whole file in memory. */
static int slurp(char **out, size_t *len, int fd, const char *path, fpq_errbuf *err)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    if (!b)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    for (;;) {
        if (n == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    b[n] = '\0';
    *out = b;
    *len = n;
    return FPQ_OK;
}

/* The known sweep headers: which mode a header line is, or -1. */
static int header_mode(const char *line)
{
    for (unsigned m = 0; m < FPQ_SWEEP_MODE_COUNT_; m++) {
        sbuf b = {0};
        header_into(&b, (fpq_sweep_mode)m);
        bool same = b.p && strcmp(b.p, line) == 0;
        free(b.p);
        if (same)
            return (int)m;
    }
    return -1;
}

/* One parsed row: its cell index and where its text sits. */
typedef struct row_ref {
    size_t cell;
    size_t file, line;  /* which input, 1-based line */
    const char *text;   /* the row, up to and excluding '\n' */
    size_t len;
} row_ref;

/* Parse the rows of buf (after the header line) of a mode.  Checks field
 * counts, the cell index and that metrics are numbers.  On success *rows
 * (malloc'ed) holds nrows refs into buf; buf's newlines are kept.
 * *torn receives the length of a last line without a newline (not
 * included in rows).  Errors name path:line. */
static int parse_rows(row_ref **rows, size_t *nrows, size_t *torn, char *buf, size_t len, size_t body,
                      fpq_sweep_mode mode, const char *path, size_t file, fpq_errbuf *err)
{
    *rows = NULL;
    *nrows = 0;
    *torn = 0;
    size_t cap = 0;
    const size_t nin = ninputs(mode), nf = nin + nmetrics(mode);
    char **f = NULL, *store = NULL, *line = NULL;
    size_t fcap = 0;
    size_t lineno = 1;
    int rc = FPQ_OK;
    for (size_t pos = body; pos < len;) {
        lineno++;
        char *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl) {
            *torn = len - pos;
            break;
        }
        size_t ll = (size_t)(nl - (buf + pos));
        char *nline = realloc(line, ll + 1);
        if (!nline) {
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            break;
        }
        line = nline;
        memcpy(line, buf + pos, ll);
        line[ll] = '\0';
        if (strlen(line) != ll) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: NUL byte in a row", path, lineno);
            break;
        }
        size_t got = csv_split(line, &f, &fcap, &store);
        if (got != nf) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: %zu fields, the header has %zu", path, lineno, got, nf);
            break;
        }
        size_t cell;
        if (parse_size(&cell, f[0]) != FPQ_OK) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell '%s' is not an index", path, lineno, f[0]);
            break;
        }
        for (size_t i = nin; i < nf && rc == FPQ_OK; i++) {
            char *end;
            (void)strtod(f[i], &end);
            if (end == f[i] || *end)
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: metric %s is '%s', not a number", path, lineno,
                             i - nin < FPQ_QMETRIC_COUNT ? fpq_qmetric_names[i - nin]
                                                         : extra_name(mode, i - nin - FPQ_QMETRIC_COUNT),
                             f[i]);
        }
        if (rc != FPQ_OK)
            break;
        if (*nrows == cap) {
            size_t nc = cap ? cap * 2 : 256;
            row_ref *r = realloc(*rows, nc * sizeof *r);
            if (!r) {
                rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
                break;
            }
            *rows = r;
            cap = nc;
        }
        (*rows)[(*nrows)++] = (row_ref){cell, file, lineno, buf + pos, ll};
        pos += ll + 1;
    }
    free(f);
    free(store);
    free(line);
    if (rc != FPQ_OK) {
        free(*rows);
        *rows = NULL;
        *nrows = 0;
    }
    return rc;
}

/* Check a buffer's header line against mode (or any mode: mode < 0, the
 * found one in *found).  *body is the offset after the header's newline. */
static int check_header(size_t *body, int *found, const char *buf, size_t len, int mode, const char *path,
                        fpq_errbuf *err)
{
    const char *nl = memchr(buf, '\n', len);
    size_t hl = nl ? (size_t)(nl - buf) : len;
    char *h = malloc(hl + 1);
    if (!h)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    memcpy(h, buf, hl);
    h[hl] = '\0';
    if (hl && h[hl - 1] == '\r')
        h[hl - 1] = '\0';
    int m = header_mode(h);
    int rc = FPQ_OK;
    if (m < 0) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s is not an fpq sweep CSV: its first line is not a sweep "
                     "header ('%.40s%s')", path, h, strlen(h) > 40 ? "..." : "");
    } else if (!nl) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: the header line has no newline", path);
    } else if (mode >= 0 && m != mode) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s holds a %s sweep, not a %s sweep", path, mode_names[m],
                     mode_names[mode]);
    }
    free(h);
    *found = m;
    *body = hl + 1;
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Running.                                                               */

void fpq_sweep_opts_default(fpq_sweep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->out_fd = 1;
    o->shard = 1;
    o->nshards = 1;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static int cmp_rowref(const void *a, const void *b)
{
    const row_ref *x = a, *y = b;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Write header and rows (sorted) to path via path.tmp.PID and rename. */
static int write_sorted(const char *path, int fd_out, const char *header, row_ref *rows, size_t n,
                        fpq_errbuf *err)
{
    char *tmp = NULL;
    int fd = fd_out;
    if (path) {
        size_t tl = strlen(path) + 32;
        if (!(tmp = malloc(tl)))
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        snprintf(tmp, tl, "%s.tmp.%ld", path, (long)getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            int e = errno;
            free(tmp);
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(e));
        }
    }
    sbuf b = {0};
    sb_puts(&b, header);
    sb_putc(&b, '\n');
    int bad = 0;
    for (size_t i = 0; i < n && !b.oom; i++) {
        sb_putn(&b, rows[i].text, rows[i].len);
        sb_putc(&b, '\n');
        if (b.len > (1u << 20)) {
            bad |= write_all(fd, b.p, b.len);
            b.len = 0;
        }
    }
    if (b.oom) {
        free(b.p);
        if (path) {
            close(fd);
            unlink(tmp);
            free(tmp);
        }
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    bad |= write_all(fd, b.p, b.len);
    free(b.p);
    if (path) {
        int e = bad ? errno : 0;
        if (!bad && fsync(fd) != 0)
            bad = 1, e = errno;
        if (close(fd) != 0 && !bad)
            bad = 1, e = errno;
        if (!bad && rename(tmp, path) != 0)
            bad = 1, e = errno;
        if (bad) {
            unlink(tmp);
            free(tmp);
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(e ? e : EIO));
        }
        free(tmp);
    } else if (bad) {
        return fpq_err(err, FPQ_LAB_ERR_IO, "writing the output: %s", strerror(errno));
    }
    return FPQ_OK;
}

/* Everything a run shares between its threads. */
typedef struct run_state {
    const fpq_sweep_plan *p;
    const fpq_sweep_opts *o;
    fpq_tensor *src;     /* loaded sources (those not needed stay empty) */
    size_t *todo;        /* plan indices of the cells to compute, in order */
    size_t ntodo;
    char **done;         /* their rows, until written */
    size_t next;         /* first of todo not yet written */
    int fd;
    int status;          /* first error */
    fpq_errbuf err;
    volatile int abort_; /* an error happened: start no new cell */
} run_state;

/* Under the writer's lock: store row j and write every row ready in order. */
static void deliver(run_state *R, size_t j, char *row)
{
    R->done[j] = row;
    while (R->next < R->ntodo && R->done[R->next]) {
        char *r = R->done[R->next];
        if (R->status == FPQ_OK && write_all(R->fd, r, strlen(r)) != 0) {
            R->status = fpq_err(&R->err, FPQ_LAB_ERR_IO, "%s: %s", R->o->out ? R->o->out : "output",
                                strerror(errno));
            R->abort_ = 1;
        }
        free(r);
        R->done[R->next] = NULL;
        R->next++;
        if (R->status == FPQ_OK && R->o->progress)
            R->o->progress(R->o->ctx, R->next, R->ntodo);
    }
}

static bool stop_now(const run_state *R)
{
    return R->abort_ || (R->o->stop && *R->o->stop);
}

static void run_one(run_state *R, size_t j)
{
    if (stop_now(R))
        return;
    const size_t k = R->todo[j];
    const fpq_sweep_cell *c = &R->p->cells[k];
    fpq_errbuf e = {{0}};
    char *row = NULL;
    int rc = fpq_sweep_cell_row(&row, R->p, k, &R->src[c->source],
                                c->calib == FPQ_SWEEP_NONE ? NULL : &R->src[c->calib], &e);
#pragma omp critical(fpq_sweep_writer)
    {
        if (rc != FPQ_OK) {
            if (R->status == FPQ_OK) {
                char line[384];
                fpq_sweep_plan_line(line, sizeof line, R->p, k);
                R->status = fpq_err(&R->err, rc, "cell %zu (%s): %s", k, line, e.msg);
            }
            R->abort_ = 1;
        } else {
            deliver(R, j, row);
        }
    }
}

/* Open out for a run: a fresh file with the header, or (resume) the
 * existing one checked against the plan.  Marks done cells in have[]. */
static int open_out(run_state *R, unsigned char *have, fpq_sweep_result *res, const char *header,
                    fpq_errbuf *err)
{
    const fpq_sweep_opts *o = R->o;
    const fpq_sweep_plan *p = R->p;
    struct stat st;
    bool exists = stat(o->out, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s is a directory", o->out);
    if (exists && st.st_size > 0 && !o->resume && !o->force)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s exists: use --resume to finish it, or --force to replace it",
                       o->out);
    if (!o->resume || !exists || st.st_size == 0) {
        int fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
        if (fd < 0)
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
        size_t hl = strlen(header);
        char *h = malloc(hl + 2);
        if (!h) {
            close(fd);
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        }
        memcpy(h, header, hl);
        h[hl] = '\n';
        int bad = write_all(fd, h, hl + 1);
        free(h);
        if (bad) {
            int e = errno;
            close(fd);
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(e));
        }
        R->fd = fd;
        return FPQ_OK;
    }

    /* resume: read and check everything before touching the file */
    int fd = open(o->out, O_RDWR);
    if (fd < 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
    char *buf;
    size_t len;
    int rc = slurp(&buf, &len, fd, o->out, err);
    if (rc != FPQ_OK) {
        close(fd);
        return rc;
    }
    size_t body;
    int m;
    rc = check_header(&body, &m, buf, len, (int)p->mode, o->out, err);
    if (rc == FPQ_OK && strncmp(buf, header, strlen(header)) != 0)
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: unexpected header", o->out);
    row_ref *rows = NULL;
    size_t nrows = 0, torn = 0;
    if (rc == FPQ_OK)
        rc = parse_rows(&rows, &nrows, &torn, buf, len, body, p->mode, o->out, 0, err);
    size_t prev = 0;
    bool sorted = true;
    for (size_t i = 0; rc == FPQ_OK && i < nrows; i++) {
        const row_ref *r = &rows[i];
        if (r->cell >= p->ncells) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell %zu, but the plan has %zu cells: the file "
                         "was written by another sweep (use another --out, or --force to replace it)",
                         o->out, r->line, r->cell, p->ncells);
            break;
        }
        if (r->cell % o->nshards != o->shard - 1) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell %zu is not in shard %zu/%zu", o->out, r->line,
                         r->cell, o->shard, o->nshards);
            break;
        }
        if (have[r->cell]) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell %zu appears twice", o->out, r->line, r->cell);
            break;
        }
        sbuf b = {0};
        inputs_into(&b, p, r->cell, &R->src[p->cells[r->cell].source]);
        sb_putc(&b, ',');
        if (b.oom || r->len < b.len || memcmp(r->text, b.p, b.len) != 0) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: the row of cell %zu does not match the plan's cell "
                         "%zu (%s...): the file was written by another sweep (use another --out, or --force "
                         "to replace it)", o->out, r->line, r->cell, r->cell, b.p ? b.p : "");
        }
        free(b.p);
        have[r->cell] = 1;
        if (i > 0 && r->cell < prev)
            sorted = false;
        prev = r->cell;
    }
    if (rc == FPQ_OK && torn) {
        if (ftruncate(fd, (off_t)(len - torn)) != 0)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot cut the partial last row: %s", o->out, strerror(errno));
        res->torn_bytes = torn;
    }
    free(rows);
    free(buf);
    if (rc != FPQ_OK) {
        close(fd);
        return rc;
    }
    close(fd);
    R->fd = open(o->out, O_WRONLY | O_APPEND);
    if (R->fd < 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
    res->reordered = !sorted; /* provisional: rewritten at the end */
    res->kept = nrows;
    return FPQ_OK;
}

/* Rewrite out in cell order (after a resume that met rows out of order). */
static int sort_file(const char *path, fpq_sweep_mode mode, fpq_errbuf *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(errno));
    char *buf;
    size_t len;
    int rc = slurp(&buf, &len, fd, path, err);
    close(fd);
    if (rc != FPQ_OK)
        return rc;
    size_t body, torn;
    int m;
    row_ref *rows = NULL;
    size_t n = 0;
    rc = check_header(&body, &m, buf, len, (int)mode, path, err);
    if (rc == FPQ_OK)
        rc = parse_rows(&rows, &n, &torn, buf, len, body, mode, path, 0, err);
    if (rc == FPQ_OK) {
        qsort(rows, n, sizeof *rows, cmp_rowref);
        char *h = malloc(body);
        if (!h) {
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        } else {
            memcpy(h, buf, body - 1);
            h[body - 1] = '\0';
            rc = write_sorted(path, -1, h, rows, n, err);
            free(h);
        }
    }
    free(rows);
    free(buf);
    return rc;
}

int fpq_sweep_run(fpq_sweep_result *res, const fpq_sweep_plan *p, const fpq_sweep_opts *o, fpq_errbuf *err)
{
    memset(res, 0, sizeof *res);
    if (o->nshards < 1 || o->shard < 1 || o->shard > o->nshards)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "shard %zu/%zu: K/N with 1 <= K <= N", o->shard, o->nshards);
    if (o->resume && !o->out)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "resume needs an output file");
    if (p->ncells == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "the plan has no cells");

    run_state R;
    memset(&R, 0, sizeof R);
    R.p = p;
    R.o = o;
    R.fd = -1;
#ifdef _OPENMP
    const int nthreads = o->threads ? (int)o->threads : omp_get_max_threads();
    const int saved_threads = omp_get_max_threads();
    const int saved_levels = omp_get_max_active_levels();
    omp_set_num_threads(nthreads);
#endif
    int rc = FPQ_OK;
    unsigned char *need = calloc(p->nsources ? p->nsources : 1, 1);
    unsigned char *have = calloc(p->ncells, 1);
    R.src = calloc(p->nsources ? p->nsources : 1, sizeof *R.src);
    R.todo = malloc(p->ncells * sizeof *R.todo);
    char header[4096];
    fpq_sweep_header(header, sizeof header, p->mode);
    if (!need || !have || !R.src || !R.todo) {
        rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        goto done;
    }

    /* the shard's cells and the sources they use, loaded once */
    for (size_t k = o->shard - 1; k < p->ncells; k += o->nshards) {
        res->cells++;
        need[p->cells[k].source] = 1;
        if (p->cells[k].calib != FPQ_SWEEP_NONE)
            need[p->cells[k].calib] = 1;
    }
    for (size_t i = 0; i < p->nsources && rc == FPQ_OK; i++)
        if (need[i] && (rc = fpq_source_load(&R.src[i], p->sources[i], err)) != FPQ_OK) {
            fpq_errbuf e = *err;
            rc = fpq_err(err, rc, "source '%s': %s", p->sources[i], e.msg);
        }
    if (rc != FPQ_OK)
        goto done;

    if (o->out) {
        if ((rc = open_out(&R, have, res, header, err)) != FPQ_OK)
            goto done;
    } else {
        R.fd = o->out_fd;
        if (write_all(R.fd, header, strlen(header)) != 0 || write_all(R.fd, "\n", 1) != 0) {
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "writing the output: %s", strerror(errno));
            goto done;
        }
    }
    for (size_t k = o->shard - 1; k < p->ncells; k += o->nshards)
        if (!have[k])
            R.todo[R.ntodo++] = k;
    R.done = calloc(R.ntodo ? R.ntodo : 1, sizeof *R.done);
    if (!R.done) {
        rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (o->progress && R.ntodo)
        o->progress(o->ctx, 0, R.ntodo);

#ifdef _OPENMP
    if (R.ntodo >= (size_t)nthreads && nthreads > 1) {
        omp_set_max_active_levels(1); /* the cells' own loops run serially */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
        for (size_t j = 0; j < R.ntodo; j++)
            run_one(&R, j);
    } else
#endif
    {
        for (size_t j = 0; j < R.ntodo; j++)
            run_one(&R, j);
    }
    for (size_t j = 0; j < R.ntodo; j++)
        free(R.done[j]);
    res->written = R.next;
    rc = R.status;
    if (rc != FPQ_OK)
        *err = R.err;
    res->interrupted = rc == FPQ_OK && R.next < R.ntodo;

    if (o->out && R.fd >= 0) {
        if (fsync(R.fd) != 0 && rc == FPQ_OK && errno != EINVAL)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
        if (close(R.fd) != 0 && rc == FPQ_OK)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
        R.fd = -1;
        /* rows kept from before may sit out of order against the new ones */
        bool need_sort = res->reordered;
        if (!need_sort && res->kept && R.next) {
            size_t last_kept = 0, first_new = R.todo[0];
            for (size_t k = 0; k < p->ncells; k++)
                if (have[k])
                    last_kept = k;
            need_sort = last_kept > first_new;
        }
        res->reordered = false;
        if (rc == FPQ_OK && !res->interrupted && need_sort) {
            rc = sort_file(o->out, p->mode, err);
            res->reordered = rc == FPQ_OK;
        }
    }
done:
#ifdef _OPENMP
    omp_set_num_threads(saved_threads);
    omp_set_max_active_levels(saved_levels);
#endif
    if (o->out && R.fd >= 0)
        close(R.fd);
    if (R.src)
        for (size_t i = 0; i < p->nsources; i++)
            fpq_tensor_free(&R.src[i]);
    free(R.src);
    free(R.todo);
    free(R.done);
    free(need);
    free(have);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Merging.                                                               */

int fpq_sweep_merge(fpq_sweep_merge_result *res, const char *const *in, size_t nin, const char *out,
                    int out_fd, size_t expect, fpq_errbuf *err)
{
    memset(res, 0, sizeof *res);
    if (nin == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "nothing to merge");
    char **bufs = calloc(nin, sizeof *bufs);
    row_ref *all = NULL;
    size_t nall = 0;
    int rc = FPQ_OK;
    int mode = -1;
    char *header = NULL;
    if (!bufs)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < nin && rc == FPQ_OK; i++) {
        int fd = open(in[i], O_RDONLY);
        if (fd < 0) {
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", in[i], strerror(errno));
            break;
        }
        size_t len;
        rc = slurp(&bufs[i], &len, fd, in[i], err);
        close(fd);
        if (rc != FPQ_OK)
            break;
        if (len == 0) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s is empty: not an fpq sweep CSV", in[i]);
            break;
        }
        size_t body;
        int m;
        if ((rc = check_header(&body, &m, bufs[i], len, mode, in[i], err)) != FPQ_OK)
            break;
        if (mode < 0) {
            mode = m;
            if (!(header = malloc(body))) {
                rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
                break;
            }
            memcpy(header, bufs[i], body - 1);
            header[body - 1] = '\0';
            if (body >= 2 && header[body - 2] == '\r')
                header[body - 2] = '\0';
        }
        row_ref *rows;
        size_t n, torn;
        if ((rc = parse_rows(&rows, &n, &torn, bufs[i], len, body, (fpq_sweep_mode)mode, in[i], i, err)) != FPQ_OK)
            break;
        if (torn) {
            free(rows);
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s ends in a partial row (an interrupted run): finish it "
                         "with fpq sweep --resume before merging", in[i]);
            break;
        }
        row_ref *na = realloc(all, (nall + n + 1) * sizeof *na);
        if (!na) {
            free(rows);
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            break;
        }
        all = na;
        memcpy(all + nall, rows, n * sizeof *rows);
        nall += n;
        free(rows);
        res->files++;
    }
    if (rc == FPQ_OK) {
        qsort(all, nall, sizeof *all, cmp_rowref);
        size_t w = 0;
        for (size_t i = 0; i < nall && rc == FPQ_OK; i++) {
            if (w > 0 && all[w - 1].cell == all[i].cell) {
                const row_ref *a = &all[w - 1], *b = &all[i];
                if (a->len != b->len || memcmp(a->text, b->text, a->len) != 0)
                    rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "cell %zu differs between %s:%zu and %s:%zu", a->cell,
                                 in[a->file], a->line, in[b->file], b->line);
                res->duplicates++;
                continue;
            }
            all[w++] = all[i];
        }
        nall = w;
    }
    if (rc == FPQ_OK) {
        size_t top = expect ? expect : (nall ? all[nall - 1].cell + 1 : 0);
        size_t j = 0;
        for (size_t c = 0; c < top; c++) {
            while (j < nall && all[j].cell < c)
                j++;
            if (j < nall && all[j].cell == c)
                continue;
            if (res->missing++ == 0)
                res->first_missing = c;
        }
        if (expect && nall && all[nall - 1].cell >= expect)
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "cell %zu is beyond the %zu cells expected", all[nall - 1].cell,
                         expect);
        else if (expect && res->missing)
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%zu of the %zu cells expected are missing, the first is "
                         "cell %zu", res->missing, expect, res->first_missing);
    }
    if (rc == FPQ_OK) {
        rc = write_sorted(out, out_fd, header, all, nall, err);
        res->rows = nall;
    }
    for (size_t i = 0; i < nin; i++)
        free(bufs[i]);
    free(bufs);
    free(all);
    free(header);
    return rc;
}
