/* sweep-impl.h: what the files of analysis/sweep/ share; not public.
 *
 *   axis.c   modes, the axis table, lists of axis values, the text of a
 *            spec's value on an axis (canonical spellings and defaults)
 *   cell.c   one canonical cell from the values of its axes; sources
 *   cross.c  the cross product of axes: which combinations are cells
 *   plan.c   plans: how they make cell k, plan files
 *   row.c    the CSV columns, header and rows
 *   file.c   sweep CSV files: reading, checking, writing in cell order
 *   run.c    running a plan: threads, shards, resume
 *   merge.c  joining the shards of a plan
 */
#ifndef FPQ_SWEEP_IMPL_H
#define FPQ_SWEEP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The values of one cell, as text (NULL or "-": the default).  The source
 * and the calibration source are canonical (sweep_source_add), source
 * and calib their indices in the plan's sources (calib FPQ_SWEEP_NONE
 * when v[FPQ_AX_CALIB] is NULL or "-"), and v[FPQ_AX_LABEL] is set. */
typedef struct sweep_values {
    const char *v[FPQ_AX_COUNT_];
    size_t source, calib;
} sweep_values;

/* Build the canonical cell c of mode m from values; c->in[] of source,
 * label and calibrate point into cv's texts (which must outlive c).  No
 * allocation.  FPQ_OK or FPQ_LAB_ERR_SPEC for a value that does not parse
 * (err says which); *invalid is set (with the reason in why) for a quant
 * spec that parses but fpq_qspec_validate refuses. */
int sweep_cell_build(fpq_sweep_cell *c, fpq_sweep_mode m, const sweep_values *cv, bool *invalid,
                     fpq_errbuf *why, fpq_errbuf *err);
/* The same without the texts of the axes (c->in[] holds source, label and
 * calibrate only): c->spec or c->cast, and whether it is invalid. */
int sweep_cell_spec(fpq_sweep_cell *c, fpq_sweep_mode m, const sweep_values *cv, bool *invalid, fpq_errbuf *why,
                    fpq_errbuf *err);

/* Whether the value on axis a has no effect on cell c: it does not apply
 * (its text is "-") or the scheme fixes it (mx, nvfp4). */
bool sweep_cell_ignores(const fpq_sweep_cell *c, fpq_sweep_mode m, fpq_sweep_axis a);

/* Cell c as a plan-file line (no newline).  snprintf contract. */
size_t sweep_cell_line(char *buf, size_t n, const fpq_sweep_cell *c);

/* A source text in its canonical spelling: a generator spec's as
 * fpq_gen_describe writes it, a file as written (malloc'ed).  FPQ_OK,
 * FPQ_LAB_ERR_SPEC, FPQ_ERR_NO_MEMORY. */
int sweep_source_canon(char **out, const char *text, fpq_errbuf *err);

/* The canonical source text canon into p's sources, once, with its
 * default label: its index in *idx.  A count_only plan keeps no source
 * (*idx is 0).  FPQ_OK or FPQ_ERR_NO_MEMORY. */
int sweep_source_add(fpq_sweep_plan *p, const char *canon, size_t *idx, fpq_errbuf *err);

/* The default label of the canonical source text: the generator's kind,
 * the tensor's name (FILE::NAME) or the file's base name (malloc'ed; NULL
 * when memory ran out). */
char *sweep_default_label(const char *canon);

/* A decimal size_t, digits only.  FPQ_OK or FPQ_LAB_ERR_SPEC. */
int sweep_parse_size(size_t *out, const char *s);

/* The plan's space (struct fpq_sweep_space below), allocated on first
 * use.  NULL when memory ran out. */
struct fpq_sweep_space *sweep_space_get(fpq_sweep_plan *p);

/* ---- plan.c -------------------------------------------------------------- */

/* The cell after k in a shard of nshards over ncells cells (k + nshards),
 * or ncells when there is none; never wraps. */
size_t sweep_shard_next(size_t k, size_t nshards, size_t ncells);

/* The indices in p's sources of cell k's source and calibration source
 * (FPQ_SWEEP_NONE: dynamic), without building the cell. */
void sweep_plan_cell_sources(const fpq_sweep_plan *p, size_t k, size_t *source, size_t *calib);

/* ---- cross.c ------------------------------------------------------------- */

/* The cross space of p: the values of the axes (sources resolved), which
 * combinations are cells.  For plan.c. */
typedef struct sweep_cross {
    size_t n[FPQ_AX_COUNT_];   /* values per axis (0: the default) */
    char **v[FPQ_AX_COUNT_];   /* the values; source: canonical */
    char **label;              /* per source value: its label */
    size_t *src, *calib;       /* per source / calibrate value: its index in
                                  the plan's sources (calib: FPQ_SWEEP_NONE
                                  for "-") */
    size_t ncomb;              /* combinations */
    uint64_t *keep;            /* bit c: combination c is a cell; NULL when
                                  every combination is */
    uint32_t *rank;            /* cells before each block of 512 bits */
} sweep_cross;

/* A cell of a plan file: where its line is in the space's text, and the
 * indices of its sources. */
typedef struct sweep_line {
    uint64_t off;
    uint32_t source, calib; /* calib UINT32_MAX: dynamic */
} sweep_line;

/* A plan's space (sweep.h): the axes (a cross product) or the cell lines
 * of a plan file; and, for both, the default label of each source and an
 * index of the sources by text. */
struct fpq_sweep_space {
    bool lines;            /* a plan file's */
    sweep_cross x;         /* the axes' */
    char *text;            /* plan file: the cell lines, each NUL-terminated */
    size_t len, cap;
    sweep_line *line;      /* per cell */
    size_t line_cap;
    char **src_label;      /* per source: its default label */
    size_t *slot, nslot;   /* source index + 1 by hash of its text, 0 free */
};

/* The cross product of a into p (freed, its mode set, skips zeroed by
 * the caller, fpq_sweep_plan_cross, which frees p on an error). */
int sweep_cross_make(fpq_sweep_plan *p, const fpq_sweep_axes *a, fpq_sweep_skips *skips, fpq_errbuf *err);
void sweep_cross_free(sweep_cross *x);
/* The values of combination comb of x (indices of its values in idx). */
void sweep_cross_values(sweep_values *cv, size_t *idx, const sweep_cross *x, size_t comb);
/* The combination of cell k (x->keep's k-th set bit). */
size_t sweep_cross_comb(const sweep_cross *x, size_t k);

/* ---- row.c --------------------------------------------------------------- */

/* The CSV columns of a mode: inputs ("cell", label, source, n, rows, cols,
 * then the mode's other axes in enum order), then metrics (quant.h's, then
 * the mode's own). */
size_t sweep_ninputs(fpq_sweep_mode m);
size_t sweep_nmetrics(fpq_sweep_mode m);
const char *sweep_metric_name(fpq_sweep_mode m, size_t i);

/* The header line of a mode (no newline). */
void sweep_header_into(fpq_strbuf *b, fpq_sweep_mode m);
/* The input part of the row of cell c, index k, on its source x (no
 * trailing comma). */
void sweep_inputs_into(fpq_strbuf *b, fpq_sweep_mode m, size_t k, const fpq_sweep_cell *c, const fpq_tensor *x);
/* fpq_sweep_cell_row of the cell c, index k, built already. */
int sweep_cell_row(char **row, fpq_sweep_mode mode, size_t k, const fpq_sweep_cell *c, const fpq_tensor *x,
                   const fpq_tensor *calib, fpq_errbuf *err);

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
