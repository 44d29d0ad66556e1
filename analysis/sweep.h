/* sweep.h: sweeps -- plans of independent cells, run on OpenMP threads or
 * in shards, written as one CSV row per cell.  (The Lloyd-Max reference
 * curve the figures draw beside them is quant.h's fpq_lloydmax_gauss.)
 *
 * A plan is a list of cells, built one at a time from their index.  Each
 * cell names a source (a generator spec or
 * a tensor of a file, loaded once per run and shared by every cell that
 * uses it) and one value of every axis of its mode:
 *
 *   quant  fpq_quantize under one spec: label, source, format, scheme,
 *          granularity, group, axis, scale_format, scale_round, mx_rule,
 *          range, round, seed, symmetric, outlier, kept_format, calibrate
 *   cast   fpq_cast: a plain cast of x * loss_scale into the format and
 *          back (the mixed-precision question: what underflows, what
 *          overflows): label, source, format, loss_scale, round, seed,
 *          overflow
 *
 * A plan comes from axes (each a list of values; the plan is their cross
 * product, first axis outermost, in the order above) or from a plan file,
 * one cell per line (fpq_sweep_plan_read).  Cells are canonical: a value
 * that does not apply is "-" (group and axis unless the granularity is
 * group, mx_rule unless the scheme is mx, scale_round when it is, seed
 * unless rounding is sr, symmetric but for signed integers under absmax,
 * kept_format without an outlier split, calibrate when dynamic), a value
 * that does apply is in one spelling (the range as fpq_range_describe
 * writes it), mx and nvfp4
 * fix their granularity, group and scale format, and a cross product drops
 * the duplicate cells this makes and the invalid ones (zeropoint with a
 * float format...), counting them.
 *
 * The CSV: a header line, then one row per cell in plan order: "cell" (the
 * cell's index in the plan), label, source, the source's n, rows and cols,
 * the other inputs (the columns of `fpq quant --csv` where they exist),
 * then the metrics: quant.h's fpq_qmetric_names, then quant adds
 * clip_ratio (the mean chosen clip value / max|x|) and unit_values (n /
 * units: values per scale), cast adds subnormal_frac.  Doubles are written
 * with the fewest digits that read back to the same binary64
 * (fpq_sweep_fmt_double), so a row is a
 * function of its cell alone: the same text whatever the thread count and
 * whether the plan ran whole or in shards.  Fields holding a comma or a
 * quote are quoted (RFC 4180).
 *
 * Not supported: values holding white space or control characters in plan
 * files unless double-quoted; plans of more than FPQ_SWEEP_MAX_CELLS cells.
 */
#ifndef FPQ_SWEEP_H
#define FPQ_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "method.h"
#include "quant.h"

#define FPQ_SWEEP_MAX_CELLS 10000000u
#define FPQ_SWEEP_NONE ((size_t)-1)

typedef enum fpq_sweep_mode { FPQ_SWEEP_QUANT, FPQ_SWEEP_CAST, FPQ_SWEEP_MODE_COUNT_ } fpq_sweep_mode;

const char *fpq_sweep_mode_name(fpq_sweep_mode m); /* "quant", "cast" */
int fpq_sweep_mode_parse(fpq_sweep_mode *out, const char *name);

/* The axes, in cross-product order (outermost first). */
typedef enum fpq_sweep_axis {
    FPQ_AX_SOURCE,       /* LABEL=SOURCE or SOURCE; sets label too */
    FPQ_AX_LABEL,        /* a name for the source in tables and figures */
    FPQ_AX_FORMAT,       /* element format (cast: the target format) */
    FPQ_AX_SCHEME,       /* quant */
    FPQ_AX_GRANULARITY,  /* quant */
    FPQ_AX_GROUP,        /* quant */
    FPQ_AX_AXIS,         /* quant */
    FPQ_AX_SCALE_FORMAT, /* quant: a float format or "exact" */
    FPQ_AX_SCALE_ROUND,  /* quant */
    FPQ_AX_MX_RULE,      /* quant */
    FPQ_AX_RANGE,        /* quant: max, percentile:P, mse[:STEPS] */
    FPQ_AX_LOSS_SCALE,   /* cast: a positive number, or 2^K */
    FPQ_AX_ROUND,        /* element rounding mode */
    FPQ_AX_SEED,         /* stochastic rounding seed */
    FPQ_AX_SYMMETRIC,    /* quant: 1: signed integers without their most
                            negative value (int8: -127..127), 0: with it */
    FPQ_AX_OUTLIER,      /* quant: outlier threshold, 0 none */
    FPQ_AX_KEPT_FORMAT,  /* quant */
    FPQ_AX_CALIB,        /* quant: static calibration source, "-" dynamic */
    FPQ_AX_OVERFLOW,     /* cast: "format" (its own Inf/NaN) or "saturate" */
    FPQ_AX_METHOD,       /* quant: weight method (method.h) of a features x
                            outputs tensor: rtn, gptq (calibrate: the
                            activations, tokens x features), hqq */
    FPQ_AX_COUNT_
} fpq_sweep_axis;

/* The axis's key in plan files and its CSV column ("scale_format"); its
 * command-line flag without the dashes ("scale-format"). */
const char *fpq_sweep_axis_key(fpq_sweep_axis a);
const char *fpq_sweep_axis_flag(fpq_sweep_axis a);
/* Whether a mode has the axis. */
bool fpq_sweep_axis_in_mode(fpq_sweep_axis a, fpq_sweep_mode m);
/* The axis named key (plan key or flag spelling); FPQ_AX_COUNT_ if none. */
fpq_sweep_axis fpq_sweep_axis_find(const char *key);
/* The default value of an axis in a mode, as text: from
 * fpq_qspec_default (quant) or fpq_cast_spec_default (cast); "-" for
 * source, label and calibrate and for an axis not of the mode.  (mx and
 * nvfp4 fix some values: fpq_qspec_set_scheme.)  snprintf contract. */
size_t fpq_sweep_axis_default(char *buf, size_t n, fpq_sweep_axis a, fpq_sweep_mode m);

/* Lists of values, one per axis; an empty list means the default. */
typedef struct fpq_sweep_axes {
    fpq_sweep_mode mode;
    size_t n[FPQ_AX_COUNT_];
    char **v[FPQ_AX_COUNT_];
} fpq_sweep_axes;

void fpq_sweep_axes_init(fpq_sweep_axes *a, fpq_sweep_mode mode);
/* Append values to an axis: text is split at commas, except for source
 * and calib (whose specs hold commas), which take one value per call.
 * FPQ_OK, FPQ_LAB_ERR_SPEC (an empty value), FPQ_ERR_NO_MEMORY. */
int fpq_sweep_axes_add(fpq_sweep_axes *a, fpq_sweep_axis ax, const char *text, fpq_errbuf *err);
void fpq_sweep_axes_free(fpq_sweep_axes *a);

/* The longest canonical text of an axis other than source, label and
 * calibrate (a format name, a number, a range), with its NUL. */
#define FPQ_SWEEP_TEXT_MAX 64

/* One cell, built from its index (fpq_sweep_plan_cell): a plan keeps no
 * cell.  in[] points into text[], into owned or into the plan, so a cell
 * is valid while its plan is, and is not to be copied by assignment. */
typedef struct fpq_sweep_cell {
    const char *in[FPQ_AX_COUNT_]; /* canonical text of each axis of the mode
                                      (NULL for the other mode's axes) */
    char text[FPQ_AX_COUNT_][FPQ_SWEEP_TEXT_MAX];
    char *owned;             /* a plan file's label, when the cell has one */
    size_t source, calib;    /* indices into the plan's sources; calib
                                FPQ_SWEEP_NONE when dynamic */
    fpq_qspec spec;          /* quant */
    fpq_wmethod method;      /* quant: how W^ is made (default rtn) */
    fpq_cast_spec cast;      /* cast */
} fpq_sweep_cell;

/* How a plan makes its cells (the axes and which of their combinations
 * are cells, or the lines of a plan file); private to analysis/sweep/. */
struct fpq_sweep_space;

/* A plan describes its cells and builds each on demand from its index:
 * from the axes, memory in the values of the axes plus one bit per
 * combination of them (which combinations are cells: the invalid and
 * duplicate ones are not) and 4 bytes per 512 combinations; from a plan
 * file, the file's text plus 16 bytes a cell.  count_only keeps neither
 * (only ncells): memory independent of the cell count. */
typedef struct fpq_sweep_plan {
    fpq_sweep_mode mode;
    size_t ncells;
    size_t nsources;
    char **sources; /* distinct canonical source texts (data and calib) */
    bool count_only; /* only count the cells (fpq_sweep_plan_cell cannot
                        be used) */
    struct fpq_sweep_space *space;
} fpq_sweep_plan;

/* What a cross product left out. */
typedef struct fpq_sweep_skips {
    size_t duplicates;   /* cells equal to an earlier one once canonical */
    size_t invalid;      /* distinct cells fpq_qspec_validate refused */
    char first_invalid[512]; /* the first refusal: the cell and why */
} fpq_sweep_skips;

void fpq_sweep_plan_init(fpq_sweep_plan *p, fpq_sweep_mode mode);
void fpq_sweep_plan_free(fpq_sweep_plan *p);

/* The cross product of the axes.  FPQ_OK (skips, which may be NULL, says
 * what was dropped); FPQ_LAB_ERR_SPEC for a value that does not parse, no
 * source, or when every cell is invalid (err names the first); also when
 * the product exceeds FPQ_SWEEP_MAX_CELLS.  A combination is left out as
 * a duplicate when an earlier one (first axis outermost) gives the same
 * canonical cell; the test looks at the combinations that differ from it
 * on one axis only, which finds every earlier equal one (cells are equal
 * when their canonical texts are, and a text depends on another axis's
 * value only through that axis's text), so it needs no memory per cell. */
int fpq_sweep_plan_cross(fpq_sweep_plan *p, const fpq_sweep_axes *a, fpq_sweep_skips *skips,
                         fpq_errbuf *err);

/* Read a plan file: one cell per line, fields KEY=VALUE separated by
 * spaces or tabs, the keys those of fpq_sweep_axis_key for the mode (any
 * order; a missing key or "-" takes the default; source is required).  A
 * VALUE may be double-quoted, with \" and \\ inside.  Empty lines and
 * lines starting with # are ignored.  Cells are kept as written (no
 * deduplication).  FPQ_OK, FPQ_LAB_ERR_IO, or FPQ_LAB_ERR_SPEC with
 * "FILE:LINE: ..." in err. */
int fpq_sweep_plan_read(fpq_sweep_plan *p, const char *path, fpq_errbuf *err);

/* The same from text [text, text + len) in memory, named name in messages. */
int fpq_sweep_plan_parse(fpq_sweep_plan *p, const char *text, size_t len, const char *name, fpq_errbuf *err);

/* Build cell k (< p->ncells) of p into c, to be freed with
 * fpq_sweep_cell_free.  Reads p only (thread-safe).  FPQ_OK or
 * FPQ_ERR_NO_MEMORY. */
int fpq_sweep_plan_cell(fpq_sweep_cell *c, const fpq_sweep_plan *p, size_t k, fpq_errbuf *err);
void fpq_sweep_cell_free(fpq_sweep_cell *c);

/* Cell k as a plan-file line (no newline); reading it back gives the same
 * cell.  snprintf contract (0 and an empty buf when memory ran out). */
size_t fpq_sweep_plan_line(char *buf, size_t n, const fpq_sweep_plan *p, size_t k);

/* The CSV header of a mode, without the newline.  snprintf contract. */
size_t fpq_sweep_header(char *buf, size_t n, fpq_sweep_mode mode);

/* ---------------------------------------------------------------------- */
/* Running.                                                               */

typedef struct fpq_sweep_opts {
    const char *out;      /* CSV file; NULL: rows go to out_fd, no resume */
    int out_fd;           /* used when out is NULL (1: standard output) */
    unsigned threads;     /* 0: OpenMP's default */
    size_t shard, nshards; /* run the cells i with i mod nshards = shard - 1;
                              1 <= shard <= nshards */
    bool resume;          /* keep the rows of out that match the plan and
                             run only the other cells */
    bool force;           /* replace an existing out (without resume) */
    volatile sig_atomic_t *stop; /* may be NULL; when it becomes nonzero, no
                                    new cell starts and the run returns
                                    after writing the rows it can */
    /* Called after each row written, from one thread at a time: rows of
     * this run done so far and to do in all (both excluding the cells out
     * already held). */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *ctx;
} fpq_sweep_opts;

void fpq_sweep_opts_default(fpq_sweep_opts *o); /* stdout, all threads, shard 1/1 */

typedef struct fpq_sweep_result {
    size_t cells;       /* cells of this shard */
    size_t kept;        /* rows already in out and kept (resume) */
    size_t written;     /* rows this run wrote */
    size_t torn_bytes;  /* resume: bytes of a partial last row cut off */
    bool interrupted;   /* *stop became nonzero before the end */
    bool reordered;     /* out was rewritten in plan order at the end */
} fpq_sweep_result;

/* Run the plan (or one shard of it): load its sources, compute each cell
 * not yet done, and append its row, flushed to the file with one write,
 * in plan order; an interrupted run leaves whole rows only.  The file
 * starts with the header and the plan line ("#plan=H,cells=N", the plan's
 * fingerprint), and is locked (flock) for the run: a second run on it is
 * refused, naming the process that holds it.  A device or FIFO is written
 * in place.  Without resume, an existing non-empty out is refused unless
 * force; with resume, out must start with this mode's header and this
 * plan's line, and every row must be a row of one of the shard's cells,
 * matching its inputs, with metrics as fpq writes them and in their
 * domain, else the file is refused (FPQ_LAB_ERR_FORMAT, "FILE:LINE: ...",
 * saying how to recover) and left untouched; a partial last row (no
 * newline) is cut off.
 * Returns FPQ_OK (also when interrupted: see r), FPQ_LAB_ERR_IO,
 * FPQ_LAB_ERR_FORMAT, FPQ_LAB_ERR_SPEC (shard out of range), a source's
 * load error, or a cell's fpq_quantize error with the cell named in err. */
int fpq_sweep_run(fpq_sweep_result *r, const fpq_sweep_plan *p, const fpq_sweep_opts *o, fpq_errbuf *err);

/* Compute cell k of p on its loaded source x (and calib, NULL when
 * dynamic) and write its CSV row, with the newline, into *row (malloc'ed,
 * freed by the caller).  Thread-safe.  Errors as fpq_quantize. */
int fpq_sweep_cell_row(char **row, const fpq_sweep_plan *p, size_t k, const fpq_tensor *x,
                       const fpq_tensor *calib, fpq_errbuf *err);

typedef struct fpq_sweep_merge_result {
    size_t files, rows;  /* rows written */
    size_t duplicates;   /* identical rows met more than once, written once */
    size_t first_missing, missing; /* cells absent below the largest one
                                      (or below expect) */
} fpq_sweep_merge_result;

/* Merge sweep CSVs (shards of one plan) into out (NULL: out_fd), rows in
 * cell order, written under outfile.h's rules (flags: FPQ_OUT_FORCE to
 * replace an existing out, which is locked during the merge).  Every input
 * must carry the same sweep header and plan line and whole rows, and is
 * read under a shared lock (a shard a sweep is writing is refused); a cell
 * present twice with different rows is an error naming both places.
 * expect > 0: the plan must have expect cells and the merged rows must be
 * exactly cells 0 .. expect-1 (else FPQ_LAB_ERR_FORMAT naming the first
 * missing one); the work does not grow with expect.  FPQ_OK,
 * FPQ_LAB_ERR_IO, FPQ_LAB_ERR_FORMAT, FPQ_ERR_NO_MEMORY. */
int fpq_sweep_merge(fpq_sweep_merge_result *r, const char *const *in, size_t nin, const char *out,
                    int out_fd, unsigned flags, size_t expect, fpq_errbuf *err);

/* A double of a sweep CSV: the decimal that reads back (strtod) as x with
 * the fewest digits, "%.Ng" with the least N from 1 to 17; "inf", "-inf",
 * "nan" (fpq_dtoa_digits).  snprintf contract. */
size_t fpq_sweep_fmt_double(char *buf, size_t n, double x);

#endif
