/* file.c: sweep CSV files -- read whole, their header and rows checked,
 * written back in cell order (sweep-impl.h); for resume (run.c) and
 * merge (merge.c). */
#include "sweep-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "io.h"

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

int sweep_check_header(size_t *body, int *found, const char *buf, size_t len, int mode, const char *path,
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
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s holds a %s sweep, not a %s sweep", path,
                     fpq_sweep_mode_name((fpq_sweep_mode)m), fpq_sweep_mode_name((fpq_sweep_mode)mode));
    }
    free(h);
    *found = m;
    *body = hl + 1;
    return rc;
}

/* Check one row's fields (split into f): the count, the cell index into
 * *cell, the metrics numbers.  Errors name path:lineno. */
static int check_row(size_t *cell, const fpq_csv_fields *f, size_t got, fpq_sweep_mode mode, const char *path,
                     size_t lineno, fpq_errbuf *err)
{
    const size_t nin = sweep_ninputs(mode), nf = nin + sweep_nmetrics(mode);
    if (got != nf)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: %zu fields, the header has %zu", path, lineno, got, nf);
    if (sweep_parse_size(cell, f->v[0]) != FPQ_OK)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell '%s' is not an index", path, lineno, f->v[0]);
    for (size_t i = nin; i < nf; i++) {
        char *end;
        (void)strtod(f->v[i], &end);
        if (end == f->v[i] || *end)
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: metric %s is '%s', not a number", path, lineno,
                           sweep_metric_name(mode, i - nin), f->v[i]);
    }
    return FPQ_OK;
}

int sweep_parse_rows(sweep_row **rows, size_t *nrows, size_t *torn, char *buf, size_t len, size_t body,
                     fpq_sweep_mode mode, const char *path, size_t file, fpq_errbuf *err)
{
    *rows = NULL;
    *nrows = 0;
    *torn = 0;
    size_t cap = 0, lineno = 1;
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

int sweep_write_all(int fd, const char *s, size_t n)
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

int sweep_write_rows(const char *path, int fd_out, const char *header, const sweep_row *rows, size_t n,
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
    fpq_strbuf b = FPQ_STRBUF_INIT;
    fpq_sb_puts(&b, header);
    fpq_sb_putc(&b, '\n');
    int bad = 0;
    for (size_t i = 0; i < n && !b.oom; i++) {
        fpq_sb_putn(&b, rows[i].text, rows[i].len);
        fpq_sb_putc(&b, '\n');
        if (b.len > (1u << 20)) {
            bad |= sweep_write_all(fd, b.p, b.len);
            b.len = 0;
        }
    }
    if (b.oom) {
        fpq_sb_free(&b);
        if (path) {
            close(fd);
            unlink(tmp);
            free(tmp);
        }
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    bad |= sweep_write_all(fd, b.p, b.len);
    fpq_sb_free(&b);
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
