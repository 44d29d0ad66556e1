/* run.c: running a plan or one shard of it (sweep.h).
 *
 * The sources the shard needs are loaded once, before any cell, and shared
 * read-only.  Cells run on OpenMP threads (dynamic schedule, one cell at a
 * time per thread, the quantizer's own loops then serial); with fewer
 * cells than threads the cells run one after the other and each uses
 * every thread.  Either way a cell's row does not depend on the threads
 * (quant.h, metrics.c).  Finished rows wait in a reorder ring of
 * RING_ROWS rows per thread and are written in plan order, each with one
 * write(2) (the descriptor of a resumed file is set to O_APPEND), so the
 * file holds a header and whole rows; a write that fails part way (a full
 * disk) stops the run and leaves at most a partial last row, which a
 * resume cuts off.  A thread takes the next cell of the shard (an atomic
 * counter, so in order) and waits while it is a ring's length ahead of
 * the first row not yet written, which is being computed.  Besides the
 * plan, a run holds one bit per cell of its shard (the cells the file
 * has, for a resume) and the ring: its memory does not grow with the
 * cells otherwise.
 *
 * The file (--out) is locked (flock, exclusive) from its opening to the
 * end of the run: a second run on the same file is refused at once.  Its
 * second line is the plan line (file.c), the fingerprint of the plan.
 *
 * Resume: the existing file is read and checked whole (its header, its
 * plan line against this plan's, every row against the plan's cell of
 * that index, every metric in its domain) before it is touched; then a
 * partial last row is cut off and the missing cells run.  Rows kept from
 * before that end up out of plan order are put in order at the end.
 */
#include "sweep-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "io.h"
#include "outfile.h"
#include "source.h"

void fpq_sweep_opts_default(fpq_sweep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->out_fd = 1;
    o->shard = 1;
    o->nshards = 1;
}

#define RING_ROWS 64 /* rows waiting to be written, per thread */

/* Everything a run shares between its threads.  The cells of the shard
 * are its positions j = 0 .. nsh-1, cell shard - 1 + j * nshards. */
typedef struct run_state {
    const fpq_sweep_plan *p;
    const fpq_sweep_opts *o;
    fpq_tensor *src;     /* loaded sources (those not needed stay empty) */
    size_t nsh;          /* cells of the shard */
    uint64_t *have;      /* bit j: position j is in the file already */
    size_t ntodo;        /* positions not in the file */
    char **ring;         /* ring[j % nring]: the row of position j, until written */
    size_t nring;
    size_t claim;        /* the next position to take (atomic) */
    size_t next;         /* the first position not yet written (written
                            under the writer's lock, read atomically) */
    size_t written;      /* rows written */
    size_t first_todo;   /* the first position not in the file (nsh: none) */
    int fd;
    bool in_place;       /* out is a device or FIFO: no resume, no sort */
    sweep_planline pl;   /* the plan's line */
    int nthreads;        /* OpenMP threads for the cells */
    int status;          /* first error */
    fpq_errbuf err;
    volatile int abort_; /* an error happened: start no new cell */
} run_state;

static bool have_pos(const run_state *R, size_t j)
{
    return R->have && (R->have[j / 64] >> (j % 64) & 1);
}

static size_t pos_cell(const run_state *R, size_t j)
{
    return R->o->shard - 1 + j * R->o->nshards;
}

/* ---------------------------------------------------------------------- */
/* Cells.                                                                 */

/* Under the writer's lock: store the row of position j and write every
 * row ready in order. */
static void deliver(run_state *R, size_t j, char *row)
{
    R->ring[j % R->nring] = row;
    /* after a failure nothing more is written, so written counts the rows
     * the file holds; rows left in the ring are freed by the caller */
    size_t next = R->next;
    while (R->status == FPQ_OK && next < R->nsh) {
        if (have_pos(R, next)) {
            next++;
            continue;
        }
        char **slot = &R->ring[next % R->nring];
        if (!*slot)
            break;
        if (fpq_write_all(R->fd, *slot, strlen(*slot)) != 0) {
            R->status = fpq_err(&R->err, FPQ_LAB_ERR_IO, "%s: %s", R->o->out ? R->o->out : "output",
                                strerror(errno));
            R->abort_ = 1;
            break;
        }
        free(*slot);
        *slot = NULL;
        next++;
        R->written++;
        if (R->o->progress)
            R->o->progress(R->o->ctx, R->written, R->ntodo);
    }
#pragma omp atomic write
    R->next = next;
}

static bool stop_now(const run_state *R)
{
    return R->abort_ || (R->o->stop && *R->o->stop);
}

/* Wait until position j has room in the ring (the rows before it are
 * being computed by other threads, the first of them certainly). */
static void wait_for_room(const run_state *R, size_t j)
{
    for (;;) {
        size_t next;
#pragma omp atomic read
        next = R->next;
        if (j < next + R->nring || stop_now(R))
            return;
        struct timespec ts = {0, 200000}; /* 0.2 ms */
        nanosleep(&ts, NULL);
    }
}

static void run_one(run_state *R, size_t j)
{
    if (have_pos(R, j) || stop_now(R))
        return;
    wait_for_room(R, j);
    if (stop_now(R))
        return;
    const size_t k = pos_cell(R, j);
    fpq_errbuf e = {{0}};
    char *row = NULL;
    fpq_sweep_cell c;
    int rc = fpq_sweep_plan_cell(&c, R->p, k, &e);
    if (rc == FPQ_OK)
        rc = sweep_cell_row(&row, R->p->mode, k, &c, &R->src[c.source],
                            c.calib == FPQ_SWEEP_NONE ? NULL : &R->src[c.calib], &e);
#pragma omp critical(fpq_sweep_writer)
    {
        if (rc != FPQ_OK) {
            if (R->status == FPQ_OK) {
                char line[384];
                sweep_cell_line(line, sizeof line, &c);
                R->status = fpq_err(&R->err, rc, "cell %zu (%s): %s", k, line, e.msg);
            }
            R->abort_ = 1;
        } else {
            deliver(R, j, row);
        }
    }
    fpq_sweep_cell_free(&c);
}

/* ---------------------------------------------------------------------- */
/* The output file.                                                       */

/* Check the rows of out (read into buf) against the plan and the shard;
 * mark their positions in R->have, *sorted whether they are in cell order. */
static int check_kept_rows(run_state *R, bool *sorted, const sweep_row *rows, size_t nrows, fpq_errbuf *err)
{
    const fpq_sweep_opts *o = R->o;
    const fpq_sweep_plan *p = R->p;
    *sorted = true;
    for (size_t i = 0; i < nrows; i++) {
        const sweep_row *r = &rows[i];
        if (r->cell >= p->ncells)
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell %zu, but the plan has %zu cells: the file "
                           "was written by another sweep (use another --out, or --force to replace it)",
                           o->out, r->line, r->cell, p->ncells);
        if (r->cell % o->nshards != o->shard - 1)
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell %zu is not in shard %zu/%zu: the file is "
                           "another shard's (give each shard its own --out, or --force to replace it)", o->out,
                           r->line, r->cell, o->shard, o->nshards);
        const size_t j = r->cell / o->nshards;
        if (have_pos(R, j)) {
            size_t first = 0;
            for (size_t q = 0; q < i && !first; q++)
                if (rows[q].cell == r->cell)
                    first = rows[q].line;
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: cell %zu appears twice (lines %zu and %zu; two runs "
                           "wrote the file at once?): delete one of the two lines (fpq merge %s --out NEW.csv "
                           "keeps one of identical rows) and resume, or start again with --force", o->out,
                           r->line, r->cell, first, r->line, o->out);
        }
        fpq_sweep_cell c;
        int rc = fpq_sweep_plan_cell(&c, p, r->cell, err);
        fpq_strbuf b = FPQ_STRBUF_INIT;
        if (rc == FPQ_OK) {
            sweep_inputs_into(&b, p->mode, r->cell, &c, &R->src[c.source]);
            fpq_sb_putc(&b, ',');
            if (b.oom || r->len < b.len || memcmp(r->text, b.p, b.len) != 0)
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: the row of cell %zu does not match the plan's "
                             "cell %zu (%s...): the file was written by another sweep (use another --out, or "
                             "--force to replace it)", o->out, r->line, r->cell, r->cell, b.p ? b.p : "");
        }
        fpq_sb_free(&b);
        fpq_sweep_cell_free(&c);
        if (rc != FPQ_OK)
            return rc;
        R->have[j / 64] |= UINT64_C(1) << (j % 64);
        if (i > 0 && r->cell < rows[i - 1].cell)
            *sorted = false;
    }
    return FPQ_OK;
}

/* Check the file read into buf (len bytes; the descriptor fd, locked) for
 * a resume and cut a partial last row.  Marks done cells in R->have. */
static int resume_from(run_state *R, fpq_sweep_result *res, int fd, char *buf, size_t len, fpq_errbuf *err)
{
    const fpq_sweep_opts *o = R->o;
    const fpq_sweep_plan *p = R->p;
    size_t body;
    int m;
    sweep_planline pl;
    int rc = sweep_check_header(&body, &m, &pl, buf, len, (int)p->mode, o->out, err);
    if (rc == FPQ_OK && (pl.hash != R->pl.hash || pl.cells != R->pl.cells))
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s was written by another plan (its plan line %s; this plan's %s): "
                     "use another --out, or --force to replace it", o->out, pl.text, R->pl.text);
    sweep_row *rows = NULL;
    size_t nrows = 0, torn = 0;
    if (rc == FPQ_OK)
        rc = sweep_parse_rows(&rows, &nrows, &torn, buf, len, body, p->mode, o->out, 0, err);
    bool sorted = true;
    if (rc == FPQ_OK)
        rc = check_kept_rows(R, &sorted, rows, nrows, err);
    if (rc == FPQ_OK && torn) {
        if (ftruncate(fd, (off_t)(len - torn)) != 0)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot cut the partial last row: %s", o->out, strerror(errno));
        res->torn_bytes = torn;
    }
    free(rows);
    if (rc != FPQ_OK)
        return rc;
    res->reordered = !sorted; /* provisional: rewritten at the end */
    res->kept = nrows;
    return FPQ_OK;
}

/* Open the existing regular file out (or create it) and lock it; *fd the
 * locked descriptor, *size its size.  FPQ_OK, FPQ_LAB_ERR_IO. */
static int open_locked(int *fd, off_t *size, const char *out, fpq_errbuf *err)
{
    const char *advice = "wait for it to finish, or stop it and run again with --resume";
    for (int attempt = 0; attempt < 8; attempt++) {
        struct stat st, now;
        int f;
        if (stat(out, &st) == 0) {
            if (!S_ISREG(st.st_mode)) {
                int rc = fpq_out_check(out, FPQ_OUT_FORCE, err); /* names the kind */
                return rc != FPQ_OK ? rc : fpq_err(err, FPQ_LAB_ERR_IO, "%s is not a regular file", out);
            }
            f = open(out, O_RDWR | O_CLOEXEC);
        } else if (errno == ENOENT) {
            int rc = fpq_out_check(out, 0, err); /* a link to nothing, a missing folder */
            if (rc != FPQ_OK)
                return rc;
            f = open(out, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
            if (f < 0 && errno == EEXIST)
                continue; /* created meanwhile: look again */
        } else {
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", out, strerror(errno));
        }
        if (f < 0)
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", out, strerror(errno));
        int rc = fpq_out_lock(f, out, true, advice, err);
        if (rc != FPQ_OK) {
            close(f);
            return rc;
        }
        /* the file locked must still be the one out names (a run that
         * finished may have renamed its sorted file over it) */
        if (fstat(f, &st) == 0 && stat(out, &now) == 0 && st.st_dev == now.st_dev && st.st_ino == now.st_ino) {
            *fd = f;
            *size = st.st_size;
            return FPQ_OK;
        }
        close(f);
    }
    return fpq_err(err, FPQ_LAB_ERR_IO, "%s keeps changing: another process is writing it; %s", out, advice);
}

/* Open out for a run: a fresh file with the header and plan line, or
 * (resume) the existing one checked against the plan, locked either way;
 * a device or FIFO is written in place.  Marks done cells in R->have. */
static int open_out(run_state *R, fpq_sweep_result *res, const char *header, fpq_errbuf *err)
{
    const fpq_sweep_opts *o = R->o;
    struct stat st;
    if (stat(o->out, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        if (o->resume)
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s is not a regular file: --resume needs the CSV file of the "
                           "run", o->out);
        fpq_outfile of;
        int rc = fpq_out_open(&of, o->out, 0, err);
        if (rc != FPQ_OK)
            return rc;
        R->fd = of.fd; /* in place: the descriptor is all there is */
        of.fd = -1;
        fpq_out_abort(&of);
        R->in_place = true;
    } else {
        off_t size = 0;
        int rc = open_locked(&R->fd, &size, o->out, err);
        if (rc != FPQ_OK)
            return rc;
        if (size > 0 && !o->resume && !o->force)
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s exists: use --resume to finish it, or --force to replace it",
                           o->out);
        if (o->resume && size > 0) {
            char *buf;
            size_t len;
            if ((rc = fpq_io_read_fd(&buf, &len, R->fd, o->out, err)) != FPQ_OK)
                return rc;
            rc = resume_from(R, res, R->fd, buf, len, err);
            free(buf);
            if (rc != FPQ_OK)
                return rc;
            int fl = fcntl(R->fd, F_GETFL);
            if (fl < 0 || fcntl(R->fd, F_SETFL, fl | O_APPEND) != 0)
                return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
            return FPQ_OK;
        }
        if (ftruncate(R->fd, 0) != 0)
            return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
    }
    if (sweep_put_rows(R->fd, header, R->pl.text, NULL, 0) != 0) {
        int e = errno;
        return e == ENOMEM ? fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory")
                           : fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(e));
    }
    return FPQ_OK;
}

/* Rewrite out in cell order (after a resume that met rows out of order),
 * through a temporary renamed over it; the caller holds its lock. */
static int sort_file(const char *path, fpq_sweep_mode mode, fpq_errbuf *err)
{
    char *buf;
    size_t len;
    int rc = sweep_read_file(&buf, &len, path, err);
    if (rc != FPQ_OK)
        return rc;
    size_t body, torn;
    int m;
    sweep_planline pl;
    sweep_row *rows = NULL;
    size_t n = 0;
    rc = sweep_check_header(&body, &m, &pl, buf, len, (int)mode, path, err);
    if (rc == FPQ_OK)
        rc = sweep_parse_rows(&rows, &n, &torn, buf, len, body, mode, path, 0, err);
    if (rc == FPQ_OK) {
        if (n)
            qsort(rows, n, sizeof *rows, sweep_row_cmp);
        const char *nl = memchr(buf, '\n', len);
        char *h = strndup(buf, (size_t)(nl - buf));
        if (!h) {
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        } else {
            rc = sweep_write_rows(path, FPQ_OUT_FORCE, h, pl.text, rows, n, err);
            free(h);
        }
    }
    free(rows);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The run.                                                               */

/* Load the sources the shard's cells use. */
static int load_sources(run_state *R, fpq_errbuf *err)
{
    const fpq_sweep_plan *p = R->p;
    unsigned char *need = calloc(p->nsources ? p->nsources : 1, 1);
    if (!need)
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    for (size_t j = 0; j < R->nsh; j++) {
        size_t s, c;
        sweep_plan_cell_sources(p, pos_cell(R, j), &s, &c);
        need[s] = 1;
        if (c != FPQ_SWEEP_NONE)
            need[c] = 1;
    }
    int rc = FPQ_OK;
    for (size_t i = 0; i < p->nsources && rc == FPQ_OK; i++)
        if (need[i] && (rc = fpq_source_load(&R->src[i], p->sources[i], err)) != FPQ_OK) {
            fpq_errbuf e = *err;
            rc = fpq_err(err, rc, "source '%s': %s", p->sources[i], e.msg);
        }
    free(need);
    return rc;
}

/* Compute the cells of the shard not in the file, on threads when there
 * are enough of them. */
static void run_cells(run_state *R)
{
#ifdef _OPENMP
    const int nthreads = R->nthreads;
    if (R->ntodo >= (size_t)nthreads && nthreads > 1) {
        omp_set_max_active_levels(1); /* the cells' own loops run serially */
#pragma omp parallel num_threads(nthreads)
        for (;;) {
            size_t j;
#pragma omp atomic capture
            j = R->claim++;
            if (j >= R->nsh)
                break;
            run_one(R, j);
        }
        return;
    }
#endif
    for (size_t j = 0; j < R->nsh; j++)
        run_one(R, j);
}

/* After a resume: whether rows kept from before sit out of order against
 * the new ones (a kept row after the first new one). */
static bool needs_sort(const run_state *R, const fpq_sweep_result *res)
{
    if (res->reordered)
        return true;
    if (!res->kept || !R->written)
        return false;
    for (size_t j = R->nsh; j-- > R->first_todo;)
        if (have_pos(R, j))
            return true;
    return false;
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
    R.nthreads = 1;
#ifdef _OPENMP
    const int saved_threads = omp_get_max_threads();
    const int saved_levels = omp_get_max_active_levels();
    R.nthreads = o->threads ? (int)o->threads : saved_threads;
    omp_set_num_threads(R.nthreads);
#endif
    int rc = FPQ_OK;
    const size_t s0 = o->shard - 1;
    R.nsh = s0 < p->ncells ? (p->ncells - 1 - s0) / o->nshards + 1 : 0;
    res->cells = R.nsh;
    R.have = calloc(R.nsh / 64 + 1, sizeof *R.have);
    R.src = calloc(p->nsources ? p->nsources : 1, sizeof *R.src);
    R.nring = (size_t)RING_ROWS * (size_t)(R.nthreads > 0 ? R.nthreads : 1);
    R.ring = calloc(R.nring, sizeof *R.ring);
    char header[4096];
    fpq_sweep_header(header, sizeof header, p->mode);
    if (!R.have || !R.src || !R.ring) {
        rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if ((rc = sweep_planline_of(&R.pl, p, err)) != FPQ_OK || (rc = load_sources(&R, err)) != FPQ_OK)
        goto done;

    if (o->out) {
        if ((rc = open_out(&R, res, header, err)) != FPQ_OK)
            goto done;
    } else {
        R.fd = o->out_fd;
        if (sweep_put_rows(R.fd, header, R.pl.text, NULL, 0) != 0) {
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "writing the output: %s", strerror(errno));
            goto done;
        }
    }
    R.ntodo = R.nsh - res->kept;
    R.first_todo = R.nsh;
    for (size_t j = 0; j < R.nsh && R.first_todo == R.nsh; j++)
        if (!have_pos(&R, j))
            R.first_todo = j;
    R.next = R.first_todo;
    if (o->progress && R.ntodo)
        o->progress(o->ctx, 0, R.ntodo);

    run_cells(&R);
    for (size_t i = 0; i < R.nring; i++)
        free(R.ring[i]);
    res->written = R.written;
    rc = R.status;
    if (rc != FPQ_OK)
        *err = R.err;
    res->interrupted = rc == FPQ_OK && R.written < R.ntodo;

    if (o->out && R.fd >= 0) {
        if (fsync(R.fd) != 0 && rc == FPQ_OK && errno != EINVAL && errno != EROFS)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
        const bool need_sort = !R.in_place && needs_sort(&R, res);
        res->reordered = false;
        if (rc == FPQ_OK && !res->interrupted && need_sort) {
            rc = sort_file(o->out, p->mode, err); /* still under the lock */
            res->reordered = rc == FPQ_OK;
        }
        if (close(R.fd) != 0 && rc == FPQ_OK)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", o->out, strerror(errno));
        R.fd = -1;
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
    free(R.ring);
    free(R.have);
    return rc;
}
