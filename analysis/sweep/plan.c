/* plan.c: plans -- the cross product of lists of axis values, plan files
 * read and written (sweep.h).  The cells themselves are built by cell.c. */
#include "sweep-impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


void fpq_sweep_plan_init(fpq_sweep_plan *p, fpq_sweep_mode mode)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
}

void fpq_sweep_plan_free(fpq_sweep_plan *p)
{
    for (size_t k = 0; p->cells && k < p->ncells; k++)
        sweep_cell_free(&p->cells[k]);
    free(p->cells);
    for (size_t i = 0; i < p->nsources; i++)
        free(p->sources[i]);
    free(p->sources);
    const bool count_only = p->count_only;
    fpq_sweep_plan_init(p, p->mode);
    p->count_only = count_only;
}

/* Keep cell c in p (which takes it over in every case). */
static int plan_push(fpq_sweep_plan *p, fpq_sweep_cell *c, fpq_errbuf *err)
{
    if (p->ncells >= FPQ_SWEEP_MAX_CELLS) {
        sweep_cell_free(c);
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "the plan has more than %u cells", FPQ_SWEEP_MAX_CELLS);
    }
    if (p->count_only) {
        sweep_cell_free(c);
        p->ncells++;
        return FPQ_OK;
    }
    if (p->ncells == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        fpq_sweep_cell *q = realloc(p->cells, nc * sizeof *q);
        if (!q) {
            sweep_cell_free(c);
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        }
        p->cells = q;
        p->cap = nc;
    }
    p->cells[p->ncells++] = *c;
    return FPQ_OK;
}

/* ---------------------------------------------------------------------- */
/* The cross product.                                                     */

/* A cell's identity -- every input text, joined by unit separators --
 * hashed to 128 bits (two FNV-1a-64 with different offsets), so that
 * telling duplicates apart costs 16 bytes a cell, not the texts. */
typedef struct cell_hash {
    uint64_t a, b;
} cell_hash;

static cell_hash cell_key(const fpq_sweep_cell *c)
{
    uint64_t a = UINT64_C(14695981039346656037), b = UINT64_C(0x9e3779b97f4a7c15);
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++) {
        for (const char *t = c->in[ax]; t && *t; t++) {
            a = (a ^ (unsigned char)*t) * UINT64_C(1099511628211);
            b = (b ^ (unsigned char)*t) * UINT64_C(0x100000001b3) + 1;
        }
        a = (a ^ 0x1f) * UINT64_C(1099511628211);
        b = (b ^ 0x1f) * UINT64_C(0x100000001b3) + 1;
    }
    b ^= b >> 29;
    if ((a | b) == 0)
        a = 1; /* {0, 0} marks an empty slot */
    return (cell_hash){a, b};
}

/* A set of cell hashes, open addressing. */
typedef struct hash_set {
    cell_hash *slot;
    size_t cap, n; /* cap a power of 2 (or 0), at least twice n */
} hash_set;

/* Insert h; *found tells whether it was there.  FPQ_OK or FPQ_ERR_NO_MEMORY. */
static int hash_set_add(hash_set *S, cell_hash h, bool *found)
{
    if (2 * (S->n + 1) > S->cap) {
        size_t nc = S->cap ? 2 * S->cap : 1024;
        cell_hash *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return FPQ_ERR_NO_MEMORY;
        for (size_t i = 0; i < S->cap; i++) {
            cell_hash e = S->slot[i];
            if ((e.a | e.b) == 0)
                continue;
            size_t j = (size_t)e.a & (nc - 1);
            while ((ns[j].a | ns[j].b) != 0)
                j = (j + 1) & (nc - 1);
            ns[j] = e;
        }
        free(S->slot);
        S->slot = ns;
        S->cap = nc;
    }
    size_t j = (size_t)h.a & (S->cap - 1);
    while ((S->slot[j].a | S->slot[j].b) != 0) {
        if (S->slot[j].a == h.a && S->slot[j].b == h.b) {
            *found = true;
            return FPQ_OK;
        }
        j = (j + 1) & (S->cap - 1);
    }
    S->slot[j] = h;
    S->n++;
    *found = false;
    return FPQ_OK;
}

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

/* Advance idx to the next combination, the last axis fastest; false after
 * the last one. */
static bool next_combination(size_t *idx, const fpq_sweep_axes *a)
{
    for (int ax = FPQ_AX_COUNT_ - 1; ax >= 0; ax--) {
        if (a->n[ax] == 0)
            continue;
        if (++idx[ax] < a->n[ax])
            return true;
        idx[ax] = 0;
    }
    return false;
}

/* Build the cell of the combination idx and keep it in p unless it is
 * invalid or a duplicate (counted in skips); seen and bad hold the keys of
 * the valid and the invalid cells so far. */
static int cross_cell(fpq_sweep_plan *p, const fpq_sweep_axes *a, const size_t *idx, hash_set *seen,
                      hash_set *bad, fpq_sweep_skips *skips, fpq_errbuf *err)
{
    sweep_values cv = {{0}};
    for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++)
        if (a->n[ax])
            cv.v[ax] = a->v[ax][idx[ax]];
    char *lab = NULL;
    size_t ll;
    if (split_label(cv.v[FPQ_AX_SOURCE], &ll)) {
        if (!(lab = strndup(cv.v[FPQ_AX_SOURCE], ll)))
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        cv.v[FPQ_AX_LABEL] = lab;
        cv.v[FPQ_AX_SOURCE] += ll + 1;
    }
    fpq_sweep_cell c;
    bool invalid, found = false;
    fpq_errbuf why = {{0}};
    int rc = sweep_cell_build(&c, p, &cv, &invalid, &why, err);
    free(lab);
    if (rc == FPQ_OK) {
        if (hash_set_add(invalid ? bad : seen, cell_key(&c), &found) != FPQ_OK)
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    if (rc != FPQ_OK || found) {
        if (rc == FPQ_OK && !invalid)
            skips->duplicates++;
    } else if (invalid) {
        if (skips->invalid++ == 0)
            snprintf(skips->first_invalid, sizeof skips->first_invalid, "format %.40s, scheme %.20s, "
                     "granularity %.20s: %.380s", c.in[FPQ_AX_FORMAT], c.in[FPQ_AX_SCHEME],
                     c.in[FPQ_AX_GRANULARITY], why.msg);
    } else {
        return plan_push(p, &c, err); /* p takes c over */
    }
    sweep_cell_free(&c);
    return rc;
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
    int rc = check_axes(a, err);
    if (rc != FPQ_OK)
        return rc;

    size_t idx[FPQ_AX_COUNT_] = {0};
    hash_set seen = {NULL, 0, 0}, bad = {NULL, 0, 0};
    do
        rc = cross_cell(p, a, idx, &seen, &bad, skips, err);
    while (rc == FPQ_OK && next_combination(idx, a));
    free(seen.slot);
    free(bad.slot);
    if (rc == FPQ_OK && p->ncells == 0)
        rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "every cell of the plan is invalid; the first: %s",
                     skips->first_invalid);
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

/* One line of a plan file (its newline cut off, len bytes): a cell pushed
 * onto p, or nothing for a blank or comment line. */
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
    sweep_values cv = {{0}};
    int rc = split_fields(&cv, store, q, p->mode, path, lineno, err);
    if (rc == FPQ_OK) {
        fpq_sweep_cell c;
        bool invalid;
        fpq_errbuf why = {{0}}, e2 = {{0}};
        rc = sweep_cell_build(&c, p, &cv, &invalid, &why, &e2);
        if (rc != FPQ_OK)
            rc = fpq_err(err, rc, "%s:%zu: %s", path, lineno, e2.msg);
        else if (invalid)
            rc = fpq_err(err, FPQ_LAB_ERR_SPEC, "%s:%zu: %s", path, lineno, why.msg);
        if (rc != FPQ_OK)
            sweep_cell_free(&c);
        else
            rc = plan_push(p, &c, err); /* p takes c over */
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

size_t fpq_sweep_plan_line(char *buf, size_t n, const fpq_sweep_plan *p, size_t k)
{
    fpq_strbuf b = FPQ_STRBUF_INIT;
    const fpq_sweep_cell *c = &p->cells[k];
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        const char *v = c->in[a];
        if (!v || (a != FPQ_AX_SOURCE && a != FPQ_AX_LABEL && strcmp(v, "-") == 0))
            continue;
        fpq_sb_printf(&b, "%s%s=", b.len ? " " : "", fpq_sweep_axis_key((fpq_sweep_axis)a));
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

size_t sweep_shard_next(size_t k, size_t nshards, size_t ncells)
{
    return k < ncells && ncells - k > nshards ? k + nshards : ncells;
}
