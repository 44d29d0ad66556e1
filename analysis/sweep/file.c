/* file.c: sweep CSV files -- read whole, their header, plan line and rows
 * checked, written back in cell order (sweep-impl.h); for resume (run.c)
 * and merge (merge.c). */
#include "sweep-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "dtoa.h"
#include "io.h"
#include "outfile.h"

int sweep_read_file(char **out, size_t *len, const char *path, fpq_errbuf *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(errno));
    int rc = fpq_io_read_fd(out, len, fd, path, err);
    close(fd);
    return rc;
}

/* Which mode's header a line is, or -1. */
static int header_mode(const char *line)
{
    for (unsigned m = 0; m < FPQ_SWEEP_MODE_COUNT_; m++) {
        fpq_strbuf b = FPQ_STRBUF_INIT;
        sweep_header_into(&b, (fpq_sweep_mode)m);
        bool same = !b.oom && b.p && strcmp(b.p, line) == 0;
        fpq_sb_free(&b);
        if (same)
            return (int)m;
    }
    return -1;
}

/* FNV-1a, 64 bits. */
static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

int sweep_planline_of(sweep_planline *pl, const fpq_sweep_plan *p, fpq_errbuf *err)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    const char *mode = fpq_sweep_mode_name(p->mode);
    h = fnv1a(h, mode, strlen(mode) + 1);
    char stack[1024];
    for (size_t k = 0; k < p->ncells; k++) {
        size_t need = fpq_sweep_plan_line(stack, sizeof stack, p, k) + 1;
        char *line = stack;
        if (need > sizeof stack) {
            if (!(line = malloc(need)))
                return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            fpq_sweep_plan_line(line, need, p, k);
        }
        h = fnv1a(h, line, need); /* with its NUL: one line from the next */
        if (line != stack)
            free(line);
    }
    pl->hash = h;
    pl->cells = p->ncells;
    snprintf(pl->text, sizeof pl->text, "#plan=%016llx,cells=%zu", (unsigned long long)h, p->ncells);
    return FPQ_OK;
}

/* Read the plan line "#plan=HEX16,cells=N" of line (NUL-terminated). */
static bool parse_planline(sweep_planline *pl, const char *line)
{
    unsigned long long h;
    int a = 0, b = 0;
    char cells[24];
    if (sscanf(line, "#plan=%n%16llx%n,cells=%23[0-9]", &a, &h, &b, cells) != 2 || b - a != 16)
        return false;
    for (int i = a; i < b; i++)
        if (!((line[i] >= '0' && line[i] <= '9') || (line[i] >= 'a' && line[i] <= 'f')))
            return false;
    size_t n;
    if (sweep_parse_size(&n, cells) != FPQ_OK)
        return false;
    pl->hash = h;
    pl->cells = n;
    snprintf(pl->text, sizeof pl->text, "#plan=%016llx,cells=%zu", h, n);
    return strcmp(pl->text, line) == 0; /* exactly as written */
}

/* Line i (0-based) of buf from offset *pos, NUL-terminated in a malloc'ed
 * copy (CR cut); *pos moves past its newline.  NULL when memory ran out. */
static char *take_line(const char *buf, size_t len, size_t *pos, bool *had_nl)
{
    const char *start = buf + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    size_t ll = nl ? (size_t)(nl - start) : len - *pos;
    *had_nl = nl != NULL;
    *pos += ll + (nl != NULL);
    char *h = malloc(ll + 1);
    if (!h)
        return NULL;
    memcpy(h, start, ll);
    h[ll] = '\0';
    if (ll && h[ll - 1] == '\r')
        h[ll - 1] = '\0';
    return h;
}

int sweep_check_header(size_t *body, int *found, sweep_planline *pl, const char *buf, size_t len, int mode,
                       const char *path, fpq_errbuf *err)
{
    size_t pos = 0;
    bool nl;
    char *h = take_line(buf, len, &pos, &nl);
    if (!h)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    int m = header_mode(h);
    int rc = FPQ_OK;
    if (m < 0) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s is not an fpq sweep CSV: its first line is not a sweep "
                     "header ('%.40s%s'); name a sweep's CSV, or use --force to replace the file", path, h,
                     strlen(h) > 40 ? "..." : "");
    } else if (!nl) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: the header line has no newline (a run cut short as it "
                     "started): run the sweep again with --force", path);
    } else if (mode >= 0 && m != mode) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s holds a %s sweep, not a %s sweep: another sweep's file "
                     "(use another file, or --force to replace it)", path,
                     fpq_sweep_mode_name((fpq_sweep_mode)m), fpq_sweep_mode_name((fpq_sweep_mode)mode));
    }
    free(h);
    *found = m;
    if (rc != FPQ_OK)
        return rc;
    char *l2 = take_line(buf, len, &pos, &nl);
    if (!l2)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    if (!nl || !parse_planline(pl, l2))
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:2: not a plan line ('#plan=...,cells=N'), which every sweep "
                     "CSV of this fpq carries after its header: the file was not written by this fpq sweep, "
                     "or was edited; run its sweep again (with --force to replace the file)", path);
    free(l2);
    *body = pos;
    return rc;
}

/* The domain of each metric, by name: [lo, hi]; a metric with nan_ok may
 * also be nan, in a row whose nan_frac or overflow_frac is above 0 (the
 * convention of quant.h for results that are not finite). */
typedef struct metric_domain {
    const char *name;
    double lo, hi;
    bool nan_ok;
    const char *text; /* the domain in words */
} metric_domain;

#define FRACTION(name) {name, 0, 1, false, "a fraction from 0 to 1"}
static const metric_domain domains[] = {
    {"mse", 0, INFINITY, false, "a number >= 0 or inf"},
    {"rmse", 0, INFINITY, false, "a number >= 0 or inf"},
    {"nmse", 0, INFINITY, false, "a number >= 0 or inf"},
    {"sqnr_db", -INFINITY, FPQ_SQNR_CAP_DB, false, "a number up to 999, or -inf"},
    {"lossless", 0, 1, false, "0 or 1"},
    {"max_abs_err", 0, INFINITY, false, "a number >= 0 or inf"},
    {"mean_rel_err", 0, INFINITY, true, "a number >= 0 or inf"},
    {"cos_sim", -1 - 1e-9, 1 + 1e-9, true, "a number from -1 to 1"},
    {"bias", -INFINITY, INFINITY, true, "a number"},
    FRACTION("clipped_frac"),
    FRACTION("flushed_frac"),
    FRACTION("overflow_frac"),
    FRACTION("nan_frac"),
    FRACTION("outlier_frac"),
    FRACTION("subnormal_frac"),
    {"bits_per_value", 0, INFINITY, false, "a number >= 0"},
    {"clip_ratio", 0, INFINITY, false, "a number >= 0"},
    {"unit_values", 0, INFINITY, false, "a number >= 0"},
};

static const metric_domain *domain_of(const char *name)
{
    for (size_t i = 0; i < NELEM(domains); i++)
        if (strcmp(domains[i].name, name) == 0)
            return &domains[i];
    return NULL;
}

/* Whether text is a value of the metric d (NULL: any number), written as
 * fpq writes it (fpq_dtoa_digits: "0x1p-3", " 0.5", "1e+00" are not); nan
 * only where d allows it and nonfinite says the row has such results. */
static bool metric_ok(const metric_domain *d, const char *text, bool nonfinite)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end)
        return false;
    char back[40];
    fpq_dtoa_digits(back, sizeof back, v);
    if (strcmp(back, text) != 0)
        return false;
    if (isnan(v))
        return d && d->nan_ok && nonfinite;
    if (d && strcmp(d->name, "lossless") == 0 && v != 0 && v != 1)
        return false;
    return !d || (v >= d->lo && v <= d->hi);
}

/* Check one row's fields (split into f): the count, the cell index into
 * *cell (digits, no leading zero), each metric written as fpq writes it
 * and within its domain, and lossless 1 only with mse 0.  Errors name
 * path:lineno and say what to do. */
static int check_row(size_t *cell, const fpq_csv_fields *f, size_t got, fpq_sweep_mode mode, const char *path,
                     size_t lineno, fpq_errbuf *err)
{
    const size_t nin = sweep_ninputs(mode), nf = nin + sweep_nmetrics(mode);
    if (got != nf)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: %zu fields, the header has %zu", path, lineno, got, nf);
    if (sweep_parse_size(cell, f->v[0]) != FPQ_OK || (f->v[0][0] == '0' && f->v[0][1]))
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell '%.40s' is not an index", path, lineno, f->v[0]);
    const char *mse = NULL, *lossless = NULL;
    bool nonfinite = false;
    for (size_t i = nin; i < nf; i++) {
        const char *name = sweep_metric_name(mode, i - nin), *v = f->v[i];
        if (strcmp(name, "mse") == 0)
            mse = v;
        else if (strcmp(name, "lossless") == 0)
            lossless = v;
        else if ((strcmp(name, "nan_frac") == 0 || strcmp(name, "overflow_frac") == 0) && strtod(v, NULL) > 0)
            nonfinite = true;
    }
    for (size_t i = nin; i < nf; i++) {
        const char *name = sweep_metric_name(mode, i - nin);
        const metric_domain *d = domain_of(name);
        if (!metric_ok(d, f->v[i], nonfinite))
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: metric %s is '%.40s', not %s written as fpq writes "
                           "it: the row was edited or damaged; delete that line and resume to compute the cell "
                           "again", path, lineno, name, f->v[i], d ? d->text : "a number");
    }
    if (mse && lossless && strcmp(lossless, "1") == 0 && strcmp(mse, "0") != 0)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: lossless is 1 (no error) but mse is %.40s: the row was "
                       "edited or damaged; delete that line and resume to compute the cell again", path, lineno,
                       mse);
    return FPQ_OK;
}

int sweep_parse_rows(sweep_row **rows, size_t *nrows, size_t *torn, char *buf, size_t len, size_t body,
                     fpq_sweep_mode mode, const char *path, size_t file, fpq_errbuf *err)
{
    *rows = NULL;
    *nrows = 0;
    *torn = 0;
    size_t cap = 0, lineno = 0; /* the lines before body */
    for (size_t i = 0; i < body && i < len; i++)
        lineno += buf[i] == '\n';
    fpq_csv_fields f = FPQ_CSV_FIELDS_INIT;
    char *line = NULL;
    int rc = FPQ_OK;
    for (size_t pos = body; pos < len;) {
        lineno++;
        char *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl) {
            *torn = len - pos;
            break;
        }
        size_t ll = (size_t)(nl - (buf + pos));
        free(line);
        if (!(line = strndup(buf + pos, ll))) {
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
            break;
        }
        if (strlen(line) != ll) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: NUL byte in a row", path, lineno);
            break;
        }
        size_t cell;
        if ((rc = check_row(&cell, &f, fpq_csv_split(&f, line), mode, path, lineno, err)) != FPQ_OK)
            break;
        if (*nrows == cap) {
            size_t nc = cap ? cap * 2 : 256;
            sweep_row *r = realloc(*rows, nc * sizeof *r);
            if (!r) {
                rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
                break;
            }
            *rows = r;
            cap = nc;
        }
        (*rows)[(*nrows)++] = (sweep_row){cell, file, lineno, buf + pos, ll};
        pos += ll + 1;
    }
    fpq_csv_fields_free(&f);
    free(line);
    if (rc != FPQ_OK) {
        free(*rows);
        *rows = NULL;
        *nrows = 0;
    }
    return rc;
}

int sweep_row_cmp(const void *a, const void *b)
{
    const sweep_row *x = a, *y = b;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int sweep_put_rows(int fd, const char *header, const char *planline, const sweep_row *rows, size_t n)
{
    fpq_strbuf b = FPQ_STRBUF_INIT;
    fpq_sb_printf(&b, "%s\n%s\n", header, planline);
    int bad = 0;
    for (size_t i = 0; i < n && !b.oom && !bad; i++) {
        fpq_sb_putn(&b, rows[i].text, rows[i].len);
        fpq_sb_putc(&b, '\n');
        if (b.len > (1u << 20)) {
            bad = fpq_write_all(fd, b.p, b.len);
            b.len = 0;
        }
    }
    if (b.oom) {
        fpq_sb_free(&b);
        errno = ENOMEM;
        return -1;
    }
    if (!bad)
        bad = fpq_write_all(fd, b.p, b.len);
    int e = errno;
    fpq_sb_free(&b);
    errno = e;
    return bad;
}

int sweep_write_rows(const char *path, unsigned flags, const char *header, const char *planline,
                     const sweep_row *rows, size_t n, fpq_errbuf *err)
{
    fpq_outfile of;
    int rc = fpq_out_open(&of, path, flags, err);
    if (rc != FPQ_OK)
        return rc;
    if (sweep_put_rows(of.fd, header, planline, rows, n) != 0) {
        int e = errno;
        rc = e == ENOMEM ? fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory")
                         : fpq_err(err, FPQ_LAB_ERR_IO, "%s: write error: %s", path, strerror(e));
        fpq_out_abort(&of);
        return rc;
    }
    return fpq_out_commit(&of, err);
}
