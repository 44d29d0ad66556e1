/* merge.c: joining the CSVs of a plan's shards into one file in cell
 * order (sweep.h). */
#include "sweep-impl.h"

#include <stdlib.h>
#include <string.h>

/* The inputs being merged: their text, and the rows of all of them. */
typedef struct merge_state {
    char **bufs;    /* nin files, whole */
    sweep_row *all; /* their rows */
    size_t nall;
    int mode;       /* that of the first file; -1 before */
    char *header;   /* the first file's header line */
} merge_state;

/* Read input i, check it against the first one and add its rows. */
static int merge_read(merge_state *M, fpq_sweep_merge_result *res, const char *const *in, size_t i,
                      fpq_errbuf *err)
{
    size_t len;
    int rc = sweep_read_file(&M->bufs[i], &len, in[i], err);
    if (rc != FPQ_OK)
        return rc;
    if (len == 0)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s is empty: not an fpq sweep CSV", in[i]);
    size_t body;
    int m;
    if ((rc = sweep_check_header(&body, &m, M->bufs[i], len, M->mode, in[i], err)) != FPQ_OK)
        return rc;
    if (M->mode < 0) {
        M->mode = m;
        if (!(M->header = strndup(M->bufs[i], body - 1)))
            return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        size_t hl = strlen(M->header);
        if (hl && M->header[hl - 1] == '\r')
            M->header[hl - 1] = '\0';
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
    qsort(M->all, M->nall, sizeof *M->all, sweep_row_cmp);
    size_t w = 0;
    for (size_t i = 0; i < M->nall; i++) {
        if (w > 0 && M->all[w - 1].cell == M->all[i].cell) {
            const sweep_row *a = &M->all[w - 1], *b = &M->all[i];
            res->duplicates++;
            if (a->len != b->len || memcmp(a->text, b->text, a->len) != 0)
                return fpq_err(err, FPQ_LAB_ERR_FORMAT, "cell %zu differs between %s:%zu and %s:%zu", a->cell,
                               in[a->file], a->line, in[b->file], b->line);
            continue;
        }
        M->all[w++] = M->all[i];
    }
    M->nall = w;
    return FPQ_OK;
}

/* Count the cells missing below the largest (or below expect), and check
 * the cells against expect. */
static int merge_check_cells(const merge_state *M, fpq_sweep_merge_result *res, size_t expect, fpq_errbuf *err)
{
    const sweep_row *all = M->all;
    const size_t nall = M->nall;
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
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "cell %zu is beyond the %zu cells expected", all[nall - 1].cell,
                       expect);
    if (expect && res->missing)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%zu of the %zu cells expected are missing, the first is "
                       "cell %zu", res->missing, expect, res->first_missing);
    return FPQ_OK;
}

int fpq_sweep_merge(fpq_sweep_merge_result *res, const char *const *in, size_t nin, const char *out,
                    int out_fd, size_t expect, fpq_errbuf *err)
{
    memset(res, 0, sizeof *res);
    if (nin == 0)
        return fpq_err(err, FPQ_LAB_ERR_SPEC, "nothing to merge");
    merge_state M = {calloc(nin, sizeof(char *)), NULL, 0, -1, NULL};
    if (!M.bufs)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    int rc = FPQ_OK;
    for (size_t i = 0; i < nin && rc == FPQ_OK; i++)
        rc = merge_read(&M, res, in, i, err);
    if (rc == FPQ_OK)
        rc = merge_dedupe(&M, res, in, err);
    if (rc == FPQ_OK)
        rc = merge_check_cells(&M, res, expect, err);
    if (rc == FPQ_OK) {
        rc = sweep_write_rows(out, out_fd, M.header, M.all, M.nall, err);
        res->rows = M.nall;
    }
    for (size_t i = 0; i < nin; i++)
        free(M.bufs[i]);
    free(M.bufs);
    free(M.all);
    free(M.header);
    return rc;
}
