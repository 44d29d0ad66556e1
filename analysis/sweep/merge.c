/* merge.c: joining the CSVs of a plan's shards into one file in cell
 * order (sweep.h).
 *
 * The output is written under outfile.h's rules, an existing one locked
 * for the merge; each input is read under a shared lock, so that a shard
 * a sweep is still writing (and holds locked) is refused. */
#include "sweep-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "outfile.h"

/* The inputs being merged: their text, and the rows of all of them. */
typedef struct merge_state {
    char **bufs;    /* nin files, whole */
    sweep_row *all; /* their rows */
    size_t nall;
    int mode;       /* that of the first file; -1 before */
    char *header;   /* the first file's header line */
    sweep_planline pl; /* the first file's plan line */
    const fpq_outfile *out; /* the output, NULL for a descriptor */
} merge_state;

/* Read input i whole under a shared lock (but the output, which is
 * locked already). */
static int read_input(merge_state *M, size_t *len, const char *path, size_t i, fpq_errbuf *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = FPQ_OK;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !(M->out && fpq_out_is_locked_file(M->out, fd)))
        rc = fpq_out_lock(fd, path, false, "a sweep is still writing it; let it finish (or resume it) before "
                          "merging", err);
    if (rc == FPQ_OK)
        rc = fpq_io_read_fd(&M->bufs[i], len, fd, path, err);
    close(fd);
    return rc;
}

/* Read input i, check it against the first one and add its rows. */
static int merge_read(merge_state *M, fpq_sweep_merge_result *res, const char *const *in, size_t i,
                      fpq_errbuf *err)
{
    size_t len;
    int rc = read_input(M, &len, in[i], i, err);
    if (rc != FPQ_OK)
        return rc;
    if (len == 0)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s is empty: not an fpq sweep CSV", in[i]);
    size_t body;
    int m;
    sweep_planline pl;
    if ((rc = sweep_check_header(&body, &m, &pl, M->bufs[i], len, M->mode, in[i], err)) != FPQ_OK)
        return rc;
    if (M->mode < 0) {
        M->mode = m;
        M->pl = pl;
        const char *nl = memchr(M->bufs[i], '\n', len);
        if (!(M->header = strndup(M->bufs[i], (size_t)(nl - M->bufs[i]))))
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        size_t hl = strlen(M->header);
        if (hl && M->header[hl - 1] == '\r')
            M->header[hl - 1] = '\0';
    } else if (pl.hash != M->pl.hash || pl.cells != M->pl.cells) {
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s and %s are shards of different plans (plan lines %s and %s): "
                       "merge only the shards of one sweep (the same axes, sources and seeds)", in[0], in[i],
                       M->pl.text, pl.text);
    }
    sweep_row *rows;
    size_t n, torn;
    if ((rc = sweep_parse_rows(&rows, &n, &torn, M->bufs[i], len, body, (fpq_sweep_mode)M->mode, in[i], i, err))
        != FPQ_OK)
        return rc;
    if (torn) {
        free(rows);
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s ends in a partial row (an interrupted run): finish it "
                       "with fpq sweep --resume before merging", in[i]);
    }
    for (size_t k = 0; k < n; k++)
        if (rows[k].cell >= M->pl.cells) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell %zu, but its plan has %zu cells: the row was "
                         "edited; run its shard again", in[i], rows[k].line, rows[k].cell, M->pl.cells);
            free(rows);
            return rc;
        }
    sweep_row *na = realloc(M->all, (M->nall + n + 1) * sizeof *na);
    if (!na) {
        free(rows);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    }
    M->all = na;
    if (n)
        memcpy(M->all + M->nall, rows, n * sizeof *rows);
    M->nall += n;
    free(rows);
    res->files++;
    return FPQ_OK;
}

/* Sort the rows by cell and drop repeated ones, which must be identical. */
static int merge_dedupe(merge_state *M, fpq_sweep_merge_result *res, const char *const *in, fpq_errbuf *err)
{
    if (M->nall)
        qsort(M->all, M->nall, sizeof *M->all, sweep_row_cmp);
    size_t w = 0;
    for (size_t i = 0; i < M->nall; i++) {
        if (w > 0 && M->all[w - 1].cell == M->all[i].cell) {
            const sweep_row *a = &M->all[w - 1], *b = &M->all[i];
            res->duplicates++;
            if (a->len != b->len || memcmp(a->text, b->text, a->len) != 0)
                return fpq_err(err, FPQ_LAB_ERR_FORMAT, "cell %zu differs between %s:%zu and %s:%zu: the "
                               "shards come from different runs; run that cell's shard again", a->cell,
                               in[a->file], a->line, in[b->file], b->line);
            continue;
        }
        M->all[w++] = M->all[i];
    }
    M->nall = w;
    return FPQ_OK;
}

/* Count the cells missing below the largest (or below expect), and check
 * the cells against expect.  The rows are sorted and distinct: the gaps
 * between them are counted, so the work is in the rows, not in expect. */
static int merge_check_cells(const merge_state *M, fpq_sweep_merge_result *res, size_t expect, fpq_errbuf *err)
{
    const sweep_row *all = M->all;
    const size_t nall = M->nall;
    if (expect && expect != M->pl.cells)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "--cells %zu, but the shards' plan has %zu cells (%s)", expect,
                       M->pl.cells, M->pl.text);
    size_t top = expect ? expect : (nall ? all[nall - 1].cell + 1 : 0);
    size_t next = 0; /* the first cell not yet seen */
    for (size_t j = 0; j < nall && all[j].cell < top; j++) {
        if (all[j].cell > next) {
            if (res->missing == 0)
                res->first_missing = next;
            res->missing += all[j].cell - next;
        }
        next = all[j].cell + 1;
    }
    if (top > next) {
        if (res->missing == 0)
            res->first_missing = next;
        res->missing += top - next;
    }
    if (expect && nall && all[nall - 1].cell >= expect)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "cell %zu is beyond the %zu cells expected", all[nall - 1].cell,
                       expect);
    if (expect && res->missing)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%zu of the %zu cells expected are missing, the first is "
                       "cell %zu: run (or resume) the shard that holds it, then merge again", res->missing,
                       expect, res->first_missing);
    return FPQ_OK;
}

int fpq_sweep_merge(fpq_sweep_merge_result *res, const char *const *in, size_t nin, const char *out,
                    int out_fd, unsigned flags, size_t expect, fpq_errbuf *err)
{
    memset(res, 0, sizeof *res);
    if (nin == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "nothing to merge");
    fpq_outfile of;
    int rc = FPQ_OK;
    if (out && (rc = fpq_out_open(&of, out, flags | FPQ_OUT_LOCK, err)) != FPQ_OK)
        return rc;
    merge_state M = {calloc(nin, sizeof(char *)), NULL, 0, -1, NULL, {"", 0, 0}, out ? &of : NULL};
    if (!M.bufs)
        rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < nin && rc == FPQ_OK; i++)
        rc = merge_read(&M, res, in, i, err);
    if (rc == FPQ_OK)
        rc = merge_dedupe(&M, res, in, err);
    if (rc == FPQ_OK)
        rc = merge_check_cells(&M, res, expect, err);
    if (rc == FPQ_OK && sweep_put_rows(out ? of.fd : out_fd, M.header, M.pl.text, M.all, M.nall) != 0)
        rc = errno == ENOMEM ? fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory")
                             : fpq_err(err, FPQ_LAB_ERR_IO, "%s: write error: %s", out ? out : "the output",
                                       strerror(errno));
    if (out) {
        if (rc == FPQ_OK)
            rc = fpq_out_commit(&of, err);
        else
            fpq_out_abort(&of);
    }
    res->rows = rc == FPQ_OK ? M.nall : 0;
    if (M.bufs)
        for (size_t i = 0; i < nin; i++)
            free(M.bufs[i]);
    free(M.bufs);
    free(M.all);
    free(M.header);
    return rc;
}
