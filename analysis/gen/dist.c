/* dist.c: synthetic distributions and generator specs (dist.h).
 *
 * The kinds, their names, keys, defaults and ranges are one table; the
 * parser, the canonical spelling, the help text and the tests read it. */
#include "dist.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest tensor a spec may ask for (elements). */
#define GEN_MAX_ELEMS (UINT64_C(1) << 48)

/* How a parameter is constrained. */
enum range { ANY, POSITIVE, NONNEGATIVE, UNIT /* [0, 1] */ };

typedef struct kind_info {
    const char *name;
    const char *aliases[4];
    const char *keys[FPQ_DIST_NPARAM];
    double defaults[FPQ_DIST_NPARAM];
    enum range range[FPQ_DIST_NPARAM];
    int mixable; /* may be a component of a mixture */
} kind_info;

static const kind_info kinds[FPQ_DIST_COUNT_] = {
    [FPQ_DIST_UNIFORM] = {"uniform", {NULL}, {"lo", "hi"}, {0, 1}, {ANY, ANY}, 1},
    [FPQ_DIST_NORMAL] = {"normal", {"gaussian", NULL}, {"mean", "std"}, {0, 1},
                         {ANY, POSITIVE}, 1},
    [FPQ_DIST_LAPLACE] = {"laplace", {NULL}, {"loc", "scale"}, {0, 1}, {ANY, POSITIVE}, 1},
    [FPQ_DIST_STUDENT_T] = {"t", {"student-t", "student", "studentt", NULL},
                            {"nu", "loc", "scale"}, {4, 0, 1},
                            {POSITIVE, ANY, POSITIVE}, 1},
    [FPQ_DIST_LOGNORMAL] = {"lognormal", {"log-normal", NULL}, {"mu", "sigma"}, {0, 1},
                            {ANY, POSITIVE}, 1},
    [FPQ_DIST_RELU_NORMAL] = {"relu", {"relu-normal", NULL}, {"mean", "std"}, {0, 1},
                              {ANY, POSITIVE}, 1},
    [FPQ_DIST_SINE] = {"sine", {NULL}, {"amp", "freq", "rate", "phase", "noise"},
                       {1, 440, 16000, 0, 0},
                       {ANY, NONNEGATIVE, POSITIVE, ANY, NONNEGATIVE}, 0},
    [FPQ_DIST_OUTLIERS] = {"outliers", {NULL}, {"mean", "std", "frac", "scale"},
                           {0, 1, 0.01, 20}, {ANY, POSITIVE, UNIT, ANY}, 0},
    [FPQ_DIST_MIX] = {"mix", {"mixture", NULL}, {NULL}, {0}, {ANY}, 0},
    [FPQ_DIST_TIES] = {"ties", {"grid", NULL}, {"scale", "frac", "group"}, {1, 0.5, 0},
                       {POSITIVE, UNIT, NONNEGATIVE}, 0},
};

static const char *range_text(enum range r)
{
    switch (r) {
    case POSITIVE: return "a number > 0";
    case NONNEGATIVE: return "a number >= 0";
    case UNIT: return "a number in [0, 1]";
    default: return "a finite number";
    }
}

const char *fpq_dist_name(fpq_dist_kind k)
{
    return (unsigned)k < FPQ_DIST_COUNT_ ? kinds[k].name : "?";
}

const char *fpq_dist_param_name(fpq_dist_kind k, size_t j)
{
    if ((unsigned)k >= FPQ_DIST_COUNT_ || j >= FPQ_DIST_NPARAM)
        return NULL;
    return kinds[k].keys[j];
}

double fpq_dist_param_default(fpq_dist_kind k, size_t j)
{
    if ((unsigned)k >= FPQ_DIST_COUNT_ || j >= FPQ_DIST_NPARAM)
        return NAN;
    return kinds[k].defaults[j];
}

static size_t nparams(fpq_dist_kind k)
{
    size_t j = 0;
    while (j < FPQ_DIST_NPARAM && kinds[k].keys[j])
        j++;
    return j;
}

/* The kind named by the len bytes at s, or -1. */
static int find_kind(const char *s, size_t len)
{
    for (int k = 0; k < FPQ_DIST_COUNT_; k++) {
        if (strlen(kinds[k].name) == len && strncasecmp(kinds[k].name, s, len) == 0)
            return k;
        for (size_t a = 0; a < 4 && kinds[k].aliases[a]; a++)
            if (strlen(kinds[k].aliases[a]) == len &&
                strncasecmp(kinds[k].aliases[a], s, len) == 0)
                return k;
    }
    return -1;
}

int fpq_gen_is_spec(const char *source)
{
    const char *colon = strchr(source, ':');
    if (!colon || colon[1] == ':')
        return 0;
    return find_kind(source, (size_t)(colon - source)) >= 0;
}

static void kind_list(char *buf, size_t n, int mixable_only)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < FPQ_DIST_COUNT_ && len < n; k++)
        if (!mixable_only || kinds[k].mixable)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
                                    kinds[k].name);
}

static void key_list(char *buf, size_t n, fpq_dist_kind k, int with_shape)
{
    size_t len = (size_t)snprintf(buf, n, "%s", with_shape ? "n, rows, cols, seed, stream" : "");
    if (with_shape && k == FPQ_DIST_OUTLIERS)
        len += (size_t)snprintf(buf + len, n - len, ", colstream");
    if (with_shape && k == FPQ_DIST_TIES)
        len += (size_t)snprintf(buf + len, n - len, ", fmt");
    for (size_t j = 0; j < nparams(k) && len < n; j++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", kinds[k].keys[j]);
}

/* ---- parsing -------------------------------------------------------------- */

typedef struct span {
    const char *p;
    size_t len;
} span;

/* The next item of a comma-separated list at parenthesis depth 0. */
static int next_item(span *item, const char **cur, const char *end)
{
    const char *s = *cur;
    if (s >= end)
        return 0;
    int depth = 0;
    const char *q = s;
    for (; q < end; q++) {
        if (*q == '(')
            depth++;
        else if (*q == ')')
            depth--;
        else if (*q == ',' && depth == 0)
            break;
    }
    item->p = s;
    item->len = (size_t)(q - s);
    *cur = q < end ? q + 1 : q;
    return 1;
}

static int parse_real(double *out, const char *s, size_t len)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (isspace((unsigned char)buf[0]))
        return 0;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* A count: digits, or a number written with an exponent that is a whole
 * number ("1e6"), from 0 to max. */
static int parse_count(uint64_t *out, const char *s, size_t len, uint64_t max)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    size_t digits = strspn(buf, "0123456789");
    if (digits == len) {
        errno = 0;
        unsigned long long v = strtoull(buf, NULL, 10);
        if (errno == ERANGE || v > max)
            return 0;
        *out = (uint64_t)v;
        return 1;
    }
    double d;
    if (!parse_real(&d, s, len) || d < 0 || d != floor(d) || d > (double)max)
        return 0;
    *out = (uint64_t)d;
    return 1;
}

static int check_range(const char *kname, const char *key, double v, enum range r,
                       fpq_errbuf *err)
{
    int ok = r == ANY || (r == POSITIVE && v > 0) || (r == NONNEGATIVE && v >= 0) ||
             (r == UNIT && v >= 0 && v <= 1);
    if (!ok)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: bad value %.17g for key '%s' (%s)",
                       kname, v, key, range_text(r));
    return FPQ_OK;
}

/* Set parameter `key` of d from value text; *seen tracks duplicates.
 * Returns 1 when the key is one of d's, 0 when unknown, or an error. */
static int set_param(fpq_dist *d, unsigned *seen, const char *kname, span key, span val,
                     fpq_errbuf *err, int *status)
{
    const kind_info *ki = &kinds[d->kind];
    for (size_t j = 0; j < nparams(d->kind); j++) {
        if (strlen(ki->keys[j]) != key.len || strncmp(ki->keys[j], key.p, key.len) != 0)
            continue;
        if (*seen & (1u << j)) {
            *status = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: key '%s' given twice", kname,
                              ki->keys[j]);
            return 1;
        }
        *seen |= 1u << j;
        double v;
        if (!parse_real(&v, val.p, val.len)) {
            *status = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: bad value '%.*s' for key '%s' (%s)",
                              kname, (int)val.len, val.p, ki->keys[j], range_text(ki->range[j]));
            return 1;
        }
        *status = check_range(kname, ki->keys[j], v, ki->range[j], err);
        d->p[j] = v;
        return 1;
    }
    return 0;
}

static void dist_defaults(fpq_dist *d, fpq_dist_kind k)
{
    memset(d, 0, sizeof *d);
    d->kind = k;
    for (size_t j = 0; j < FPQ_DIST_NPARAM; j++)
        d->p[j] = kinds[k].defaults[j];
}

/* Relations between parameters that a range cannot state. */
static int check_dist(const fpq_dist *d, const char *kname, fpq_errbuf *err)
{
    if (d->kind == FPQ_DIST_UNIFORM && !(d->p[0] < d->p[1]))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: key 'lo' (%.17g) must be below 'hi' (%.17g)",
                       kname, d->p[0], d->p[1]);
    return FPQ_OK;
}

/* A mixture component: [W*]NAME[(key=value,...)]. */
static int parse_component(fpq_gen_spec *s, span item, fpq_errbuf *err)
{
    if (s->ncomp == FPQ_MIX_MAX)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "mix: more than %d components", FPQ_MIX_MAX);
    const char *p = item.p, *end = item.p + item.len;
    double w = 1;
    const char *star = memchr(p, '*', item.len);
    const char *paren = memchr(p, '(', item.len);
    if (star && (!paren || star < paren)) {
        if (!parse_real(&w, p, (size_t)(star - p)) || !(w > 0))
            return fpq_err(err, FPQ_LAB_ERR_SPEC,
                           "mix: bad weight '%.*s' in component '%.*s' (a number > 0)",
                           (int)(star - p), p, (int)item.len, item.p);
        p = star + 1;
    }
    const char *name_end = paren ? paren : end;
    int k = find_kind(p, (size_t)(name_end - p));
    if (k < 0 || !kinds[k].mixable) {
        char list[160];
        kind_list(list, sizeof list, 1);
        return fpq_err(err, FPQ_LAB_ERR_SPEC,
                       "mix: %s component '%.*s' (a component is [WEIGHT*]DIST[(key=value,...)]"
                       " with DIST one of: %s)",
                       k < 0 ? "unknown" : "unsupported", (int)item.len, item.p, list);
    }
    fpq_dist *d = &s->comp[s->ncomp];
    dist_defaults(d, (fpq_dist_kind)k);
    if (paren) {
        if (end[-1] != ')')
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "mix: component '%.*s' lacks its ')'",
                           (int)item.len, item.p);
        const char *cur = paren + 1, *cend = end - 1;
        span sub;
        unsigned seen = 0;
        while (next_item(&sub, &cur, cend)) {
            const char *eq = memchr(sub.p, '=', sub.len);
            if (!eq)
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "mix: '%.*s' in component %s is not key=value", (int)sub.len,
                               sub.p, kinds[k].name);
            span key = {sub.p, (size_t)(eq - sub.p)};
            span val = {eq + 1, sub.len - key.len - 1};
            int st = FPQ_OK;
            if (!set_param(d, &seen, kinds[k].name, key, val, err, &st)) {
                char keys[128];
                key_list(keys, sizeof keys, (fpq_dist_kind)k, 0);
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "mix: unknown key '%.*s' in component %s (keys: %s)",
                               (int)key.len, key.p, kinds[k].name, keys);
            }
            if (st != FPQ_OK)
                return st;
        }
    }
    int st = check_dist(d, kinds[k].name, err);
    if (st != FPQ_OK)
        return st;
    s->weight[s->ncomp++] = w;
    return FPQ_OK;
}

int fpq_gen_parse(fpq_gen_spec *out, const char *text, fpq_errbuf *err)
{
    memset(out, 0, sizeof *out);
    const char *colon = strchr(text, ':');
    int k = colon ? find_kind(text, (size_t)(colon - text)) : -1;
    if (k < 0) {
        char list[160];
        kind_list(list, sizeof list, 0);
        size_t len = colon ? (size_t)(colon - text) : strlen(text);
        return fpq_err(err, FPQ_LAB_ERR_SPEC,
                       "unknown distribution '%.*s' (a spec is DIST:key=value,... with DIST "
                       "one of: %s)", (int)(len > 64 ? 64 : len), text, list);
    }
    const char *kname = kinds[k].name;
    fpq_gen_spec s;
    memset(&s, 0, sizeof s);
    dist_defaults(&s.dist, (fpq_dist_kind)k);

    uint64_t n = 0, rows = 0, cols = 0, stream = 0, col_stream = 0;
    int have_n = 0, have_rows = 0, have_cols = 0, have_seed = 0, have_stream = 0, have_col_stream = 0;
    unsigned seen = 0;
    const char *cur = colon + 1, *end = cur + strlen(cur);
    span item;
    while (next_item(&item, &cur, end)) {
        if (item.len == 0)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: empty item in '%s'", kname, text);
        const char *eq = memchr(item.p, '=', item.len);
        const char *paren = memchr(item.p, '(', item.len);
        if (!eq || (paren && paren < eq)) {
            if (k == FPQ_DIST_MIX) {
                int st = parse_component(&s, item, err);
                if (st != FPQ_OK)
                    return st;
                continue;
            }
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: '%.*s' is not key=value", kname,
                           (int)item.len, item.p);
        }
        span key = {item.p, (size_t)(eq - item.p)};
        span val = {eq + 1, item.len - key.len - 1};
#define KEY_IS(lit) (key.len == sizeof(lit) - 1 && strncmp(key.p, lit, key.len) == 0)
#define ONCE(flag, lit)                                                                    \
    do {                                                                                   \
        if (flag)                                                                          \
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: key '%s' given twice", kname, lit); \
        flag = 1;                                                                          \
    } while (0)
        if (KEY_IS("n") || KEY_IS("rows") || KEY_IS("cols")) {
            uint64_t *dst = KEY_IS("n") ? &n : KEY_IS("rows") ? &rows : &cols;
            int *flag = KEY_IS("n") ? &have_n : KEY_IS("rows") ? &have_rows : &have_cols;
            const char *kn = KEY_IS("n") ? "n" : KEY_IS("rows") ? "rows" : "cols";
            ONCE(*flag, kn);
            if (!parse_count(dst, val.p, val.len, GEN_MAX_ELEMS) || *dst == 0)
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "%s: bad value '%.*s' for key '%s' (a whole number from 1 "
                               "to 2^48)", kname, (int)val.len, val.p, kn);
        } else if (KEY_IS("seed")) {
            ONCE(have_seed, "seed");
            if (fpq_seed_parse(&s.seed, val.p, val.len) != FPQ_OK)
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "%s: bad value '%.*s' for key 'seed' (an integer from 0 to "
                               "2^64-1, decimal or 0x-hex)", kname, (int)val.len, val.p);
        } else if (KEY_IS("stream")) {
            ONCE(have_stream, "stream");
            if (!parse_count(&stream, val.p, val.len, UINT32_MAX))
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "%s: bad value '%.*s' for key 'stream' (an integer from 0 "
                               "to 2^32-1)", kname, (int)val.len, val.p);
        } else if (KEY_IS("fmt") && k == FPQ_DIST_TIES) {
            fpq_format f;
            if (s.fmt[0])
                return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: key 'fmt' given twice", kname);
            if (val.len >= sizeof s.fmt || (memcpy(s.fmt, val.p, val.len), s.fmt[val.len] = '\0',
                                            fpq_format_parse(&f, s.fmt) != FPQ_OK))
                return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: unknown format '%.*s' for key 'fmt' (see "
                               "'fpq formats')", kname, (int)val.len, val.p);
            if (f.bits > 16)
                return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: format %s has %u bits; the midpoints are "
                               "listed for formats of at most 16 bits", kname, f.name, f.bits);
            snprintf(s.fmt, sizeof s.fmt, "%s", f.name);
        } else if (KEY_IS("colstream") && k == FPQ_DIST_OUTLIERS) {
            ONCE(have_col_stream, "colstream");
            if (!parse_count(&col_stream, val.p, val.len, UINT32_MAX))
                return fpq_err(err, FPQ_LAB_ERR_SPEC,
                               "%s: bad value '%.*s' for key 'colstream' (an integer from 0 "
                               "to 2^32-1)", kname, (int)val.len, val.p);
        } else {
            int st = FPQ_OK;
            if (!set_param(&s.dist, &seen, kname, key, val, err, &st)) {
                char keys[160];
                key_list(keys, sizeof keys, (fpq_dist_kind)k, 1);
                return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: unknown key '%.*s' (keys: %s%s)",
                               kname, (int)key.len, key.p, keys,
                               k == FPQ_DIST_MIX ? "; components W*DIST(key=value,...)" : "");
            }
            if (st != FPQ_OK)
                return st;
        }
#undef KEY_IS
#undef ONCE
    }
    if (k == FPQ_DIST_TIES && !s.fmt[0])
        snprintf(s.fmt, sizeof s.fmt, "int8");
    if (k == FPQ_DIST_TIES && s.dist.p[2] != floor(s.dist.p[2]))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: group=%.17g is not a whole number", kname, s.dist.p[2]);
    s.stream = (uint32_t)stream;
    s.col_stream = have_col_stream ? (uint32_t)col_stream : s.stream;

    /* Shape: n alone is 1 x n; rows and cols; or one of them with n. */
    if (have_rows && have_cols) {
        if (rows > GEN_MAX_ELEMS / cols)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: rows x cols is more than 2^48 elements",
                           kname);
        if (have_n && n != rows * cols)
            return fpq_err(err, FPQ_LAB_ERR_SPEC,
                           "%s: n=%llu disagrees with rows x cols = %llu", kname,
                           (unsigned long long)n, (unsigned long long)(rows * cols));
    } else if (have_rows || have_cols) {
        if (!have_n)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: key '%s' needs '%s' (or n)", kname,
                           have_rows ? "rows" : "cols", have_rows ? "cols" : "rows");
        uint64_t given = have_rows ? rows : cols;
        if (n % given != 0)
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: n=%llu is not a multiple of %s=%llu",
                           kname, (unsigned long long)n, have_rows ? "rows" : "cols",
                           (unsigned long long)given);
        if (have_rows)
            cols = n / rows;
        else
            rows = n / cols;
    } else if (have_n) {
        rows = 1;
        cols = n;
    } else {
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: missing size: give n= (a vector) or "
                       "rows= and cols=", kname);
    }
    s.rows = (size_t)rows;
    s.cols = (size_t)cols;

    if (k == FPQ_DIST_MIX && s.ncomp == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC,
                       "mix: no components (write them as W*DIST(key=value,...), e.g. "
                       "mix:n=1000,0.9*normal(std=1),0.1*laplace(scale=5))");
    int st = check_dist(&s.dist, kname, err);
    if (st != FPQ_OK)
        return st;
    *out = s;
    return FPQ_OK;
}

/* ---- the canonical spelling --------------------------------------------- */

static size_t put_params(char *buf, size_t n, size_t len, const fpq_dist *d, const char *sep)
{
    for (size_t j = 0; j < nparams(d->kind); j++) {
        int w = snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, "%s%s=%.17g",
                         j ? "," : sep, kinds[d->kind].keys[j], d->p[j]);
        len += (size_t)(w > 0 ? w : 0);
    }
    return len;
}

size_t fpq_gen_describe(char *buf, size_t n, const fpq_gen_spec *s)
{
    size_t len = 0;
#define PUT(...)                                                                     \
    do {                                                                             \
        int w_ = snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, __VA_ARGS__); \
        len += (size_t)(w_ > 0 ? w_ : 0);                                            \
    } while (0)
    if (n)
        buf[0] = '\0';
    PUT("%s:rows=%zu,cols=%zu,seed=%llu,stream=%lu", kinds[s->dist.kind].name, s->rows,
        s->cols, (unsigned long long)s->seed, (unsigned long)s->stream);
    if (s->dist.kind == FPQ_DIST_OUTLIERS && s->col_stream != s->stream)
        PUT(",colstream=%lu", (unsigned long)s->col_stream);
    if (s->dist.kind == FPQ_DIST_TIES)
        PUT(",fmt=%s", s->fmt);
    len = put_params(buf, n, len, &s->dist, ",");
    for (size_t c = 0; s->dist.kind == FPQ_DIST_MIX && c < s->ncomp; c++) {
        PUT(",%.17g*%s(", s->weight[c], kinds[s->comp[c].kind].name);
        len = put_params(buf, n, len, &s->comp[c], "");
        PUT(")");
    }
#undef PUT
    return len;
}

/* ---- sampling -------------------------------------------------------------- */

static double uniform01(uint64_t seed, uint32_t stream, uint64_t i, unsigned tag)
{
    uint64_t w[2];
    fpq_rng_u64x2(w, seed, stream, i, tag, 0);
    return fpq_rng_open01(w[0]);
}

/* Bailey's polar method for Student's t with nu degrees of freedom. */
static double student_t(double nu, uint64_t seed, uint32_t stream, uint64_t i)
{
    for (uint32_t d = 0; d < (UINT32_C(1) << 24); d++) {
        uint64_t w[2];
        fpq_rng_u64x2(w, seed, stream, i, FPQ_RNG_TAG_VALUE, d);
        double u = 2 * fpq_rng_open01(w[0]) - 1;
        double v = 2 * fpq_rng_open01(w[1]) - 1;
        double ww = u * u + v * v;
        if (ww > 0 && ww < 1)
            return u * sqrt(nu * (pow(ww, -2 / nu) - 1) / ww);
    }
    return 0; /* not reached: 2^24 rejections have probability (1 - pi/4)^(2^24) */
}

double fpq_dist_sample(const fpq_dist *d, uint64_t seed, uint32_t stream, uint64_t i)
{
    const double *p = d->p;
    switch (d->kind) {
    case FPQ_DIST_UNIFORM: {
        const double u = uniform01(seed, stream, i, FPQ_RNG_TAG_VALUE), w = p[1] - p[0];
        /* hi - lo overflows only when lo < 0 < hi: then weigh the ends */
        return isfinite(w) ? p[0] + w * u : p[0] * (1 - u) + p[1] * u;
    }
    case FPQ_DIST_NORMAL:
    case FPQ_DIST_OUTLIERS: /* before the column scale */
        return p[0] + p[1] * fpq_norm_quantile(uniform01(seed, stream, i, FPQ_RNG_TAG_VALUE));
    case FPQ_DIST_LAPLACE: {
        double h = uniform01(seed, stream, i, FPQ_RNG_TAG_VALUE) - 0.5;
        double e = -log1p(-2 * fabs(h));
        return h < 0 ? p[0] - p[1] * e : p[0] + p[1] * e;
    }
    case FPQ_DIST_STUDENT_T:
        return p[1] + p[2] * student_t(p[0], seed, stream, i);
    case FPQ_DIST_LOGNORMAL:
        return exp(p[0] + p[1] * fpq_norm_quantile(uniform01(seed, stream, i, FPQ_RNG_TAG_VALUE)));
    case FPQ_DIST_RELU_NORMAL: {
        double x = p[0] + p[1] * fpq_norm_quantile(uniform01(seed, stream, i, FPQ_RNG_TAG_VALUE));
        return x > 0 ? x : 0;
    }
    case FPQ_DIST_SINE: {
        double cycles = p[1] * (double)i / p[2];
        double x = p[0] * sin(2 * M_PI * (cycles - floor(cycles)) + p[3]);
        if (p[4] > 0)
            x += p[4] * fpq_norm_quantile(uniform01(seed, stream, i, FPQ_RNG_TAG_VALUE));
        return x;
    }
    default:
        return NAN;
    }
}

void fpq_gen_outlier_columns(unsigned char *mask, const fpq_gen_spec *s)
{
    size_t cols = s->cols;
    memset(mask, 0, cols);
    size_t k = (size_t)llround(s->dist.p[2] * (double)cols);
    if (k > cols)
        k = cols;
    if (k == cols) {
        memset(mask, 1, cols);
        return;
    }
    size_t *idx = malloc(cols * sizeof *idx);
    if (!idx) { /* fall back to the first k: only under memory exhaustion */
        memset(mask, 1, k);
        return;
    }
    for (size_t c = 0; c < cols; c++)
        idx[c] = c;
    for (size_t j = 0; j < k; j++) {
        double u = uniform01(s->seed, s->col_stream, j, FPQ_RNG_TAG_COLUMNS);
        size_t r = j + (size_t)(u * (double)(cols - j));
        if (r >= cols)
            r = cols - 1;
        size_t t = idx[j];
        idx[j] = idx[r];
        idx[r] = t;
        mask[idx[j]] = 1;
    }
    free(idx);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The ties kind (dist.h): x[0 .. n-1] from the midpoints of s->fmt. */
static int ties_fill(double *x, size_t n, const fpq_gen_spec *s, fpq_errbuf *err)
{
    fpq_format f;
    if (fpq_format_parse(&f, s->fmt) != FPQ_OK || f.bits > 16)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "ties: bad format '%s'", s->fmt);
    const size_t ncodes = (size_t)1 << f.bits;
    double *v = malloc(ncodes * sizeof *v);
    void *packed = malloc(fpq_packed_size(&f, ncodes) + 1);
    if (!v || !packed) {
        free(v), free(packed);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "ties: out of memory");
    }
    size_t m = 0;
    for (size_t c = 0; c < ncodes; c++) {
        uint64_t c64 = c;
        fpq_pack(packed, &c64, c, 1, &f);
    }
    fpq_decode_f64(v, packed, ncodes, &f);
    for (size_t c = 0; c < ncodes; c++)
        if (isfinite(v[c]))
            v[m++] = v[c] == 0 ? 0.0 : v[c]; /* -0 and +0 alike */
    qsort(v, m, sizeof *v, cmp_dbl);
    size_t u = 0; /* unique values in [-max, max] (not int's -2^(N-1)) */
    for (size_t i = 0; i < m; i++)
        if ((u == 0 || v[i] != v[u - 1]) && v[i] >= -v[m - 1])
            v[u++] = v[i];
    const double scale = s->dist.p[0], frac = s->dist.p[1], top = v[u - 1] * scale;
    const uint64_t group = (uint64_t)s->dist.p[2];
    const size_t nmid = u - 1;
#pragma omp parallel for schedule(static)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) {
        if (group ? (uint64_t)i % group == 0 : i == 0) {
            x[i] = top;
            continue;
        }
        uint64_t w[2];
        fpq_rng_u64x2(w, s->seed, s->stream, (uint64_t)i, FPQ_RNG_TAG_VALUE, 0);
        size_t j = nmid ? (size_t)(fpq_rng_open01(w[0]) * (double)nmid) : 0;
        if (j >= nmid)
            j = nmid ? nmid - 1 : 0;
        double mid = nmid ? (v[j] / 2 + v[j + 1] / 2) * scale : top;
        double r = fpq_rng_open01(w[1]);
        float fm = (float)mid;
        if (r >= frac && isfinite(fm) && fabsf(fm) < FLT_MAX) /* a binary32 neighbour, below or above */
            mid = (double)nextafterf(fm, (r - frac) < (1 - frac) / 2 ? -INFINITY : INFINITY);
        x[i] = mid;
    }
    free(v), free(packed);
    return FPQ_OK;
}

int fpq_gen_fill(fpq_tensor *out, const fpq_gen_spec *s, fpq_errbuf *err)
{
    out->rows = out->cols = 0;
    out->data = NULL;
    if ((unsigned)s->dist.kind >= FPQ_DIST_COUNT_ || s->rows == 0 || s->cols == 0 ||
        s->rows > GEN_MAX_ELEMS / s->cols ||
        (s->dist.kind == FPQ_DIST_MIX && (s->ncomp == 0 || s->ncomp > FPQ_MIX_MAX)))
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "invalid generator spec");
    fpq_tensor t;
    if (fpq_tensor_alloc(&t, s->rows, s->cols) != FPQ_OK)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: cannot allocate %zu x %zu doubles",
                       kinds[s->dist.kind].name, s->rows, s->cols);
    const ptrdiff_t n = (ptrdiff_t)(s->rows * s->cols);
    double *x = t.data;
    const uint64_t seed = s->seed;
    const uint32_t stream = s->stream;

    if (s->dist.kind == FPQ_DIST_OUTLIERS) {
        unsigned char *mask = malloc(s->cols);
        if (!mask) {
            fpq_tensor_free(&t);
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "outliers: out of memory");
        }
        fpq_gen_outlier_columns(mask, s);
        const size_t cols = s->cols;
        const double scale = s->dist.p[3];
#pragma omp parallel for schedule(static)
        for (ptrdiff_t i = 0; i < n; i++) {
            double v = fpq_dist_sample(&s->dist, seed, stream, (uint64_t)i);
            x[i] = mask[(size_t)i % cols] ? v * scale : v;
        }
        free(mask);
    } else if (s->dist.kind == FPQ_DIST_TIES) {
        int st = ties_fill(x, (size_t)n, s, err);
        if (st != FPQ_OK) {
            fpq_tensor_free(&t);
            return st;
        }
    } else if (s->dist.kind == FPQ_DIST_MIX) {
        double cum[FPQ_MIX_MAX], total = 0;
        for (size_t c = 0; c < s->ncomp; c++)
            total += s->weight[c];
        double acc = 0;
        for (size_t c = 0; c < s->ncomp; c++) {
            acc += s->weight[c];
            cum[c] = acc / total;
        }
        const size_t nc = s->ncomp;
#pragma omp parallel for schedule(static)
        for (ptrdiff_t i = 0; i < n; i++) {
            double u = uniform01(seed, stream, (uint64_t)i, FPQ_RNG_TAG_CHOICE);
            size_t c = 0;
            while (c + 1 < nc && !(u < cum[c]))
                c++;
            x[i] = fpq_dist_sample(&s->comp[c], seed, stream, (uint64_t)i);
        }
    } else {
#pragma omp parallel for schedule(static)
        for (ptrdiff_t i = 0; i < n; i++)
            x[i] = fpq_dist_sample(&s->dist, seed, stream, (uint64_t)i);
    }
    for (ptrdiff_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            int rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: element %td is %g: the parameters are "
                             "too large for float64", kinds[s->dist.kind].name, i, x[i]);
            fpq_tensor_free(&t);
            return rc;
        }
    *out = t;
    return FPQ_OK;
}

int fpq_gen(fpq_tensor *out, const char *spec, fpq_errbuf *err)
{
    fpq_gen_spec s;
    out->rows = out->cols = 0;
    out->data = NULL;
    int st = fpq_gen_parse(&s, spec, err);
    if (st != FPQ_OK)
        return st;
    return fpq_gen_fill(out, &s, err);
}
