/* plan.c: plans -- how a plan makes cell k from its index (the cross
 * product's combinations, cross.c, or the lines of a plan file), plan
 * files read and written (sweep.h).  The cells themselves are built by
 * cell.c.  A plan keeps no cell: a plan file's plan keeps the file's cell
 * lines (each with its offset and its sources' indices, 16 bytes), and
 * builds cell k again from its line. */
#include "sweep-impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fpq_sweep_plan_init(fpq_sweep_plan *p, fpq_sweep_mode mode)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
}

void fpq_sweep_plan_free(fpq_sweep_plan *p)
{
    struct fpq_sweep_space *sp = p->space;
    if (sp) {
        sweep_cross_free(&sp->x);
        free(sp->text);
        free(sp->line);
        for (size_t i = 0; sp->src_label && i < p->nsources; i++)
            free(sp->src_label[i]);
        free(sp->src_label);
        free(sp->slot);
        free(sp);
    }
    for (size_t i = 0; i < p->nsources; i++)
        free(p->sources[i]);
    free(p->sources);
    const bool count_only = p->count_only;
    fpq_sweep_plan_init(p, p->mode);
    p->count_only = count_only;
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
    int rc = sweep_cross_make(p, a, skips, err);
    if (rc != FPQ_OK)
        fpq_sweep_plan_free(p);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Plan files.                                                            */

/* Split a plan line (from q, without its newline) into KEY=VALUE fields:
 * the values, unquoted, into store (of the line's length + 1), pointed to
 * by cv.  Errors name path:lineno. */
static int split_fields(sweep_values *cv, char *store, const char *q, fpq_sweep_mode mode, const char *path,
                        size_t lineno, fpq_errbuf *err)
{
    size_t o = 0;
    const char *s = q;
    while (*s) {
        const char *key = s;
        size_t kl = strcspn(s, "= \t");
        if (s[kl] != '=')
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: field '%.*s' is not KEY=VALUE", path, lineno,
                           (int)strcspn(s, " \t"), s);
        char kbuf[32];
        snprintf(kbuf, sizeof kbuf, "%.*s", (int)(kl < 31 ? kl : 31), key);
        fpq_sweep_axis ax = fpq_sweep_axis_find(kbuf);
        if (kl >= 31 || ax == FPQ_AX_COUNT_ || !fpq_sweep_axis_in_mode(ax, mode))
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: unknown key '%.*s' for a %s plan", path, lineno,
                           (int)kl, key, fpq_sweep_mode_name(mode));
        if (cv->v[ax])
            return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: key '%s' given twice", path, lineno, kbuf);
        s += kl + 1;
        char *vstart = store + o;
        if (*s == '"') {
            s++;
            while (*s && *s != '"') {
                if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
                    s++;
                store[o++] = *s++;
            }
            if (*s != '"')
                return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: unterminated quote in '%s'", path, lineno, kbuf);
            s++;
            if (*s && *s != ' ' && *s != '\t')
                return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: text after the closing quote of '%s'", path,
                               lineno, kbuf);
        } else {
            while (*s && *s != ' ' && *s != '\t')
                store[o++] = *s++;
        }
        store[o++] = '\0';
        cv->v[ax] = vstart;
        s += strspn(s, " \t");
    }
    return FPQ_OK;
}

/* Keep the line q (len bytes, a cell) in the plan file's space, with the
 * indices of its sources. */
static int keep_line(fpq_sweep_plan *p, const char *q, size_t len, size_t source, size_t calib, fpq_errbuf *err)
{
    struct fpq_sweep_space *sp = sweep_space_get(p);
    if (!sp)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    sp->lines = true;
    if (sp->len + len + 1 > sp->cap) {
        size_t nc = sp->cap ? sp->cap : 4096;
        while (nc < sp->len + len + 1)
            nc *= 2;
        char *t = realloc(sp->text, nc);
        if (!t)
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        sp->text = t;
        sp->cap = nc;
    }
    if (p->ncells == sp->line_cap) {
        size_t nc = sp->line_cap ? 2 * sp->line_cap : 64;
        sweep_line *l = realloc(sp->line, nc * sizeof *l);
        if (!l)
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        sp->line = l;
        sp->line_cap = nc;
    }
    sp->line[p->ncells] = (sweep_line){sp->len, (uint32_t)source,
                                       calib == FPQ_SWEEP_NONE ? UINT32_MAX : (uint32_t)calib};
    memcpy(sp->text + sp->len, q, len);
    sp->text[sp->len + len] = '\0';
    sp->len += len + 1;
    return FPQ_OK;
}

/* The source or calibration source text of a plan line: canonical, kept in
 * p (its index in *idx), and its text in *canon (malloc'ed). */
static int line_source(char **canon, size_t *idx, fpq_sweep_plan *p, const char *text, fpq_errbuf *err)
{
    int rc = sweep_source_canon(canon, text, err);
    if (rc == FPQ_OK && (rc = sweep_source_add(p, *canon, idx, err)) != FPQ_OK) {
        free(*canon);
        *canon = NULL;
    }
    return rc;
}

/* Check the cell of a plan line (q, split into cv) and keep it in p, or
 * (count_only) only count it. */
static int line_cell(fpq_sweep_plan *p, sweep_values *cv, const char *q, size_t len, fpq_errbuf *err)
{
    if (p->ncells >= FPQ_SWEEP_MAX_CELLS)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "the plan has more than %u cells", FPQ_SWEEP_MAX_CELLS);
    const char *raw_src = cv->v[FPQ_AX_SOURCE], *raw_cal = cv->v[FPQ_AX_CALIB];
    if (!raw_src || strcmp(raw_src, "-") == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "no source (a file, FILE::NAME or a generator spec)");
    char *src = NULL, *cal = NULL;
    size_t si = 0, ci = FPQ_SWEEP_NONE;
    int rc = line_source(&src, &si, p, raw_src, err);
    if (rc == FPQ_OK && raw_cal && strcmp(raw_cal, "-") != 0)
        rc = line_source(&cal, &ci, p, raw_cal, err);
    if (rc == FPQ_OK) {
        cv->v[FPQ_AX_SOURCE] = src;
        cv->v[FPQ_AX_CALIB] = cal;
        cv->source = si;
        cv->calib = ci;
        if (!cv->v[FPQ_AX_LABEL])
            cv->v[FPQ_AX_LABEL] = "-";
        fpq_sweep_cell c;
        bool invalid;
        fpq_errbuf why = {{0}};
        rc = sweep_cell_build(&c, p->mode, cv, &invalid, &why, err);
        if (rc == FPQ_OK && invalid)
            rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s", why.msg);
    }
    free(src);
    free(cal);
    if (rc == FPQ_OK && !p->count_only && (rc = keep_line(p, q, len, si, ci, err)) != FPQ_OK)
        return rc;
    if (rc == FPQ_OK)
        p->ncells++;
    return rc;
}

/* One line of a plan file (its newline cut off, len bytes): a cell, or
 * nothing for a blank or comment line. */
static int read_line(fpq_sweep_plan *p, const char *line, size_t len, const char *path, size_t lineno,
                     fpq_errbuf *err)
{
    const char *q = line + strspn(line, " \t");
    if (*q == '\0' || *q == '#')
        return FPQ_OK;
    if (strlen(line) != len)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: NUL byte in the line", path, lineno);
    char *store = malloc(len + 1);
    if (!store)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    sweep_values cv = {{0}, 0, FPQ_SWEEP_NONE};
    int rc = split_fields(&cv, store, q, p->mode, path, lineno, err);
    if (rc == FPQ_OK) {
        fpq_errbuf e2 = {{0}};
        if ((rc = line_cell(p, &cv, q, len - (size_t)(q - line), &e2)) != FPQ_OK)
            rc = fpq_err(err, rc, "%s:%zu: %s", path, lineno, e2.msg);
    }
    free(store);
    return rc;
}

/* The plan file open as f, named path in messages. */
static int plan_read_stream(fpq_sweep_plan *p, FILE *f, const char *path, fpq_errbuf *err)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int rc = FPQ_OK;
    while (rc == FPQ_OK && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        rc = read_line(p, line, (size_t)len, path, lineno, err);
    }
    if (rc == FPQ_OK && ferror(f))
        rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: read error", path);
    if (rc == FPQ_OK && p->ncells == 0)
        rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: the plan has no cells", path);
    free(line);
    if (rc != FPQ_OK)
        fpq_sweep_plan_free(p);
    return rc;
}

int fpq_sweep_plan_read(fpq_sweep_plan *p, const char *path, fpq_errbuf *err)
{
    fpq_sweep_plan_free(p);
    FILE *f = fopen(path, "r");
    if (!f)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(errno));
    int rc = plan_read_stream(p, f, path, err);
    fclose(f);
    return rc;
}

int fpq_sweep_plan_parse(fpq_sweep_plan *p, const char *text, size_t len, const char *name, fpq_errbuf *err)
{
    fpq_sweep_plan_free(p);
    if (len == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "%s: the plan has no cells", name);
    FILE *f = fmemopen((void *)text, len, "r");
    if (!f)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: %s", name, strerror(errno));
    int rc = plan_read_stream(p, f, name, err);
    fclose(f);
    return rc;
}

/* Cell k of a plan file's plan, from its line. */
static int file_cell(fpq_sweep_cell *c, const fpq_sweep_plan *p, size_t k, fpq_errbuf *err)
{
    const struct fpq_sweep_space *sp = p->space;
    const sweep_line *l = &sp->line[k];
    const char *q = sp->text + l->off;
    size_t len = strlen(q);
    char stack[1024], *store = len < sizeof stack ? stack : malloc(len + 1);
    if (!store)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    sweep_values cv = {{0}, l->source, l->calib == UINT32_MAX ? FPQ_SWEEP_NONE : l->calib};
    int rc = split_fields(&cv, store, q, p->mode, "plan", k, err);
    const char *label = cv.v[FPQ_AX_LABEL];
    if (label && strcmp(label, "-") == 0)
        label = NULL;
    cv.v[FPQ_AX_SOURCE] = p->sources[l->source];
    cv.v[FPQ_AX_CALIB] = cv.calib == FPQ_SWEEP_NONE ? NULL : p->sources[cv.calib];
    cv.v[FPQ_AX_LABEL] = label ? label : sp->src_label[l->source];
    bool invalid;
    fpq_errbuf why;
    if (rc == FPQ_OK)
        rc = sweep_cell_build(c, p->mode, &cv, &invalid, &why, err);
    else
        c->owned = NULL;
    if (rc == FPQ_OK && label) {
        if ((c->owned = strdup(label)))
            c->in[FPQ_AX_LABEL] = c->owned;
        else
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    if (store != stack)
        free(store);
    return rc;
}

int fpq_sweep_plan_cell(fpq_sweep_cell *c, const fpq_sweep_plan *p, size_t k, fpq_errbuf *err)
{
    memset(c->in, 0, sizeof c->in);
    c->owned = NULL;
    if (!p->space || k >= p->ncells || p->count_only)
        return fpq_err(err, FPQ_ERR_ARG, "no cell %zu in the plan", k);
    if (p->space->lines)
        return file_cell(c, p, k, err);
    const sweep_cross *x = &p->space->x;
    sweep_values cv;
    size_t idx[FPQ_AX_COUNT_];
    sweep_cross_values(&cv, idx, x, sweep_cross_comb(x, k));
    bool invalid;
    fpq_errbuf why;
    return sweep_cell_build(c, p->mode, &cv, &invalid, &why, err);
}

void sweep_plan_cell_sources(const fpq_sweep_plan *p, size_t k, size_t *source, size_t *calib)
{
    const struct fpq_sweep_space *sp = p->space;
    if (sp->lines) {
        *source = sp->line[k].source;
        *calib = sp->line[k].calib == UINT32_MAX ? FPQ_SWEEP_NONE : sp->line[k].calib;
        return;
    }
    sweep_values cv;
    size_t idx[FPQ_AX_COUNT_];
    sweep_cross_values(&cv, idx, &sp->x, sweep_cross_comb(&sp->x, k));
    *source = cv.source;
    *calib = cv.calib;
}

size_t fpq_sweep_plan_line(char *buf, size_t n, const fpq_sweep_plan *p, size_t k)
{
    fpq_sweep_cell c;
    fpq_errbuf err;
    size_t len = 0;
    if (fpq_sweep_plan_cell(&c, p, k, &err) == FPQ_OK)
        len = sweep_cell_line(buf, n, &c);
    else if (n)
        buf[0] = '\0';
    fpq_sweep_cell_free(&c);
    return len;
}

size_t sweep_shard_next(size_t k, size_t nshards, size_t ncells)
{
    return k < ncells && ncells - k > nshards ? k + nshards : ncells;
}
