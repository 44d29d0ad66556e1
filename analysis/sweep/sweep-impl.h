/* sweep-impl.h: what the files of analysis/sweep/ share; not public.
 *
 *   axis.c   modes, the axis table, lists of axis values, the text of a
 *            spec's value on an axis (canonical spellings and defaults)
 *   cell.c   one canonical cell from the values of its axes
 *   plan.c   plans: the cross product of axes, plan files
 *   row.c    the CSV columns, header and rows
 *   file.c   sweep CSV files: reading, checking, writing in cell order
 *   run.c    running a plan: threads, shards, resume
 *   merge.c  joining the shards of a plan
 */
#ifndef FPQ_SWEEP_IMPL_H
#define FPQ_SWEEP_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"
#include "sweep.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- axis.c -------------------------------------------------------------- */

/* The text of axis a's value in the quant spec s (sweep_quant_text) or the
 * cast spec c (sweep_cast_text): its canonical spelling, whether or not the
 * value applies to the cell; "-" for an axis the spec does not hold
 * (source, label, calibrate, and the other mode's).  snprintf contract. */
size_t sweep_quant_text(char *buf, size_t n, fpq_sweep_axis a, const fpq_qspec *s);
size_t sweep_cast_text(char *buf, size_t n, fpq_sweep_axis a, const fpq_cast_spec *c);

/* ---- cell.c -------------------------------------------------------------- */

/* The values of one cell, as text (NULL or "-": the default). */
typedef struct sweep_values {
    const char *v[FPQ_AX_COUNT_];
} sweep_values;

/* Build the canonical cell c of plan p (whose sources it may extend) from
 * values.  FPQ_OK, FPQ_LAB_ERR_SPEC for a value that does not parse (err
 * says which), FPQ_ERR_NO_MEMORY; *invalid is set (with the reason in why)
 * for a quant spec that parses but fpq_qspec_validate refuses.  c is to be
 * freed with sweep_cell_free whatever the outcome. */
int sweep_cell_build(fpq_sweep_cell *c, fpq_sweep_plan *p, const sweep_values *cv, bool *invalid,
                     fpq_errbuf *why, fpq_errbuf *err);
void sweep_cell_free(fpq_sweep_cell *c);

/* A decimal size_t, digits only.  FPQ_OK or FPQ_LAB_ERR_SPEC. */
int sweep_parse_size(size_t *out, const char *s);

/* ---- plan.c -------------------------------------------------------------- */

/* The cell after k in a shard of nshards over ncells cells (k + nshards),
 * or ncells when there is none; never wraps. */
size_t sweep_shard_next(size_t k, size_t nshards, size_t ncells);

/* ---- row.c --------------------------------------------------------------- */

/* The CSV columns of a mode: inputs ("cell", label, source, n, rows, cols,
 * then the mode's other axes in enum order), then metrics (quant.h's, then
 * the mode's own). */
size_t sweep_ninputs(fpq_sweep_mode m);
size_t sweep_nmetrics(fpq_sweep_mode m);
const char *sweep_metric_name(fpq_sweep_mode m, size_t i);

/* The header line of a mode (no newline). */
void sweep_header_into(fpq_strbuf *b, fpq_sweep_mode m);
/* The input part of cell k's row on its source x (no trailing comma). */
void sweep_inputs_into(fpq_strbuf *b, const fpq_sweep_plan *p, size_t k, const fpq_tensor *x);

/* ---- file.c -------------------------------------------------------------- */

/* One row of a sweep CSV: its cell index and where its text sits. */
typedef struct sweep_row {
    size_t cell;
    size_t file, line; /* which input, 1-based line */
    const char *text;  /* the row, up to and excluding '\n' */
    size_t len;
} sweep_row;

/* The whole of the file path (fpq_io_read_fd), NUL-terminated, into *out
 * (malloc'ed).  FPQ_OK, FPQ_LAB_ERR_IO, FPQ_ERR_NO_MEMORY. */
int sweep_read_file(char **out, size_t *len, const char *path, fpq_errbuf *err);

/* The plan line, the second line of every sweep CSV: "#plan=H,cells=N",
 * H the FNV-1a hash (16 lowercase hex digits) of the mode's name and of
 * every cell's plan line (fpq_sweep_plan_line), N the plan's cells.  The
 * shards of a plan carry the same line; resume and merge compare it. */
typedef struct sweep_planline {
    char text[64];
    unsigned long long hash;
    size_t cells;
} sweep_planline;

/* The plan line of p.  FPQ_OK or FPQ_ERR_NO_MEMORY. */
int sweep_planline_of(sweep_planline *pl, const fpq_sweep_plan *p, fpq_errbuf *err);

/* Check the header line of buf against mode (any mode: mode < 0; the mode
 * found in *found) and read the plan line after it into *pl.  *body is the
 * offset after the plan line's newline.  FPQ_OK, FPQ_LAB_ERR_FORMAT,
 * FPQ_ERR_NO_MEMORY. */
int sweep_check_header(size_t *body, int *found, sweep_planline *pl, const char *buf, size_t len, int mode,
                       const char *path, fpq_errbuf *err);

/* Parse the rows of buf from offset body on, of a mode: field counts, the
 * cell index (digits, no leading zero), metrics written as fpq writes them
 * (fpq_dtoa_digits) and within their domain (fractions in [0, 1], mse and
 * the other errors >= 0 or inf, sqnr_db up to FPQ_SQNR_CAP_DB or -inf,
 * lossless 0 or 1 and 1 only with mse 0, cos_sim in [-1, 1]; nan only for
 * mean_rel_err, cos_sim and bias in a row with nan_frac or overflow_frac
 * above 0, as quant.h writes them).  *rows (malloc'ed,
 * NULL when there are none) receives nrows references into buf (input
 * number file); *torn the length of a last line without a newline (not in
 * rows).  Errors name path:line and say what to do. */
int sweep_parse_rows(sweep_row **rows, size_t *nrows, size_t *torn, char *buf, size_t len, size_t body,
                     fpq_sweep_mode mode, const char *path, size_t file, fpq_errbuf *err);

/* Order rows by cell, then by file and line. */
int sweep_row_cmp(const void *a, const void *b);

/* Write header, the plan line and the n rows (each line with its newline)
 * to fd.  0, or -1 with errno (ENOMEM when memory ran out). */
int sweep_put_rows(int fd, const char *header, const char *planline, const sweep_row *rows, size_t n);

/* The same into the file path under outfile.h's rules (flags:
 * FPQ_OUT_FORCE).  FPQ_OK, FPQ_LAB_ERR_IO, FPQ_ERR_NO_MEMORY. */
int sweep_write_rows(const char *path, unsigned flags, const char *header, const char *planline,
                     const sweep_row *rows, size_t n, fpq_errbuf *err);

#endif
