/* cmd_sweep.c: `fpq sweep` (run a plan of cells into a CSV) and `fpq
 * merge` (join the CSVs of its shards).
 *
 * Both read their command line through the option layer (opt.h); the axes
 * of fpq sweep are options built from sweep.h's axis table, those named
 * like a spec option of fpq quant with its spelling (qspec_opts.c).
 * --help to stdout (exit 0), misuse to stderr (exit 2), bad data or a
 * failed run exit 1.  The work is sweep.c's; nothing here quantizes.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "outfile.h"
#include "qspec_opts.h"

/* ---------------------------------------------------------------------- */
/* fpq sweep                                                              */

enum { OPT_MODE = 1, OPT_PLAN, OPT_RESUME, OPT_SHARD, OPT_COUNT, OPT_PRINT_PLAN };

static const cli_opt sweep_own[] = {
    {OPT_MODE, 0, "mode", "M", "quant or cast  [quant]"},
    {OPT_PLAN, 0, "plan", "FILE", "the cells from a plan file instead of the axes"},
    CLI_OPT_OUT("FILE", "write the CSV to FILE (default: standard output);\n"
                        "rows are appended and flushed one by one, so an\n"
                        "interrupted run leaves whole rows; FILE is locked\n"
                        "during the run (a second run on it is refused)"),
    {OPT_RESUME, 0, "resume", NULL,
     "keep FILE's rows (checked against the plan and its\n"
     "plan line: a foreign or corrupt file is refused) and\n"
     "run the other cells"},
    CLI_OPT_FORCE("replace an existing FILE (refused without it)"),
    CLI_OPT_THREADS("cells at once on N threads, 1 to 4096 (default: all\ncores)"),
    {OPT_SHARD, 0, "shard", "K/N",
     "only the cells i with i mod N = K-1 (1 <= K <= N);\n"
     "join the shards with fpq merge"},
    CLI_OPT_QUIET("no progress bar (shown only on a terminal) or notes"),
    {OPT_COUNT, 0, "count", NULL, "print the number of cells and exit"},
    {OPT_PRINT_PLAN, 0, "print-plan", NULL, "print the plan file of the cells and exit"},
    {0},
};

#define SWEEP_NOPTS (FPQ_AX_COUNT_ + 16)

/* The options of fpq sweep: the axes, then its own. */
typedef struct sweep_options {
    cli_opt axes[SWEEP_NOPTS], all[SWEEP_NOPTS];
} sweep_options;

static void sweep_options_init(sweep_options *t)
{
    size_t na = 0, n = 0;
    cli_axis_options(t->axes, SWEEP_NOPTS, &na, true);
    cli_opts_append(t->all, SWEEP_NOPTS, &n, t->axes);
    cli_opts_append(t->all, SWEEP_NOPTS, &n, sweep_own);
}

static void sweep_help(FILE *f)
{
    sweep_options t;
    sweep_options_init(&t);
    const cli_help_part parts[] = {{NULL, t.axes}, {"\nOptions:\n", sweep_own}};
    fputs(
    "Usage: fpq sweep --source SRC [AXES...] [OPTIONS]\n"
    "       fpq sweep --plan FILE [OPTIONS]\n"
    "\n"
    "Run a plan of independent cells and write one CSV row per cell, in plan\n"
    "order after a header line and a plan line (\"#plan=H,cells=N\", the plan's\n"
    "fingerprint, which --resume and fpq merge check): \"cell\" (the index in the\n"
    "plan), the cell's inputs (label, source,\n"
    "n, rows, cols, then one column per axis of the mode; \"-\" where a value\n"
    "does not apply), then the metrics (mse, rmse, nmse, sqnr_db, lossless,\n"
    "max_abs_err, mean_rel_err, cos_sim, bias, clipped_frac, flushed_frac,\n"
    "overflow_frac, nan_frac, outlier_frac, bits_per_value; quant adds\n"
    "clip_ratio and unit_values, the values per scale; cast subnormal_frac).\n"
    "sqnr_db is at most 999: a cell without error has 999 and lossless 1; a\n"
    "cell whose result holds Inf or NaN has sqnr_db -inf and says how many in\n"
    "overflow_frac and nan_frac.\n"
    "Numbers are written in the shortest form that reads back exactly, so the\n"
    "file is the same whatever --threads and whether the plan ran whole or in\n"
    "shards.\n"
    "\n"
    "The plan is the cross product of the axes, first listed outermost, less\n"
    "the cells that are invalid (zeropoint with a float format, ...) or equal\n"
    "to an earlier one once canonical (mx and nvfp4 fix granularity, group and\n"
    "scale format); or a plan file: one cell per line, KEY=VALUE fields\n"
    "separated by blanks, the keys the CSV's column names (source, label,\n"
    "format, scheme, granularity, group, axis, scale_format, scale_round,\n"
    "mx_rule, range, round, seed, symmetric, outlier, kept_format, calibrate,\n"
    "method;\n"
    "cast: source, label, format, loss_scale, round, seed, overflow), a\n"
    "missing key or \"-\" the default, VALUE double-quoted if it holds blanks,\n"
    "# comments.  --print-plan writes one.\n"
    "\n"
    "Modes: quant (default) quantizes the source under each spec (fpq quant);\n"
    "cast multiplies by loss_scale, rounds into the format with no scale, and\n"
    "divides back: flushed_frac is the fraction of nonzero values that became\n"
    "0, subnormal_frac of results that are subnormal, clipped_frac of values\n"
    "whose scaled magnitude exceeds the format's largest finite value (they\n"
    "became Inf: overflow_frac, NaN: nan_frac, or saturated).  NaN or\n"
    "infinite input is refused in both modes.\n"
    "\n"
    "Axes (each takes a comma-separated list and may repeat; a value that does\n"
    "not apply to a cell is ignored there; the default is in brackets):\n",
          f);
    cli_opts_help_parts(f, parts, sizeof parts / sizeof parts[0]);
    fputs("\n"
          "Examples:\n"
          "  fpq sweep --source normal:n=65536,seed=1 --source t:n=65536,nu=4,seed=1 \\\n"
          "      --format int8,int4,fp8_e4m3 --granularity group --group 32,128 --out s.csv\n"
          "  fpq sweep --mode cast --source lognormal:n=65536,sigma=3 \\\n"
          "      --format fp16,bf16 --loss-scale 2^0,2^8,2^16 --out ls.csv\n"
          "  fpq sweep --source normal:n=65536,seed=1 --format int8,int4 --symmetric=0,1\n"
          "\n"
          "Exit status: 0 done, 1 a failed run or a refused file, 2 usage error;\n"
          "interrupted (SIGINT, SIGTERM, SIGHUP): the rows written stay, and the\n"
          "same command with --resume finishes the plan.\n",
          f);
}

static volatile sig_atomic_t stop_signal = 0;

static void on_signal(int sig)
{
    stop_signal = sig;
}

typedef struct progress_bar {
    struct timespec start, last;
    bool drawn;
} progress_bar;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + 1e-9 * (double)(now.tv_nsec - t->tv_nsec);
}

static void hms(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 359999)
        snprintf(buf, n, "--:--");
    else if (s >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
    else
        snprintf(buf, n, "%d:%02d", (int)s / 60, (int)s % 60);
}

/* cells done, cells per second, time left, and a bar, redrawn in place at
 * most ten times a second. */
static void draw_progress(void *ctx, size_t done, size_t total)
{
    progress_bar *pb = ctx;
    if (done > 0 && done < total && seconds_since(&pb->last) < 0.1)
        return;
    clock_gettime(CLOCK_MONOTONIC, &pb->last);
    double el = seconds_since(&pb->start);
    double rate = el > 0 ? (double)done / el : 0;
    char left[16], bar[31];
    hms(left, sizeof left, rate > 0 ? (double)(total - done) / rate : -1);
    size_t fill = total ? done * 30 / total : 0;
    for (size_t i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %zu/%zu cells  %.1f cells/s  %s left ", bar, done, total, rate, left);
    fflush(stderr);
    pb->drawn = true;
}

/* "K/N" with 1 <= K <= N. */
static bool parse_shard(size_t *k, size_t *n, const char *s)
{
    char *end;
    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    unsigned long long a = strtoull(s, &end, 10);
    if (end[0] != '/' || end[1] < '0' || end[1] > '9')
        return false;
    unsigned long long b = strtoull(end + 1, &end, 10);
    if (*end || errno || a < 1 || a > b || b > SIZE_MAX)
        return false;
    *k = (size_t)a;
    *n = (size_t)b;
    return true;
}

/* A command line read. */
typedef struct sweep_args {
    fpq_sweep_axes axes;
    fpq_sweep_opts o;
    const char *plan_file, *mode_name;
    bool quiet, count, print_plan;
} sweep_args;

/* One argument of the command line into the sweep_args ctx (cli_on_arg). */
static int sweep_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    sweep_args *a = ctx;
    switch (id) {
    case CLI_HELP: sweep_help(stdout); break;
    case CLI_OPERAND: return cli_usage_error(p->cmd, "unexpected operand '%s' (sources go with --source)", arg);
    case CLI_ID_OUT: a->o.out = arg; break;
    case CLI_ID_THREADS: {
        unsigned long long u = 0;
        int rc = cli_arg_uint(p, arg, 1, 4096, &u);
        a->o.threads = (unsigned)u;
        return rc;
    }
    case CLI_ID_QUIET: a->quiet = true; break;
    case OPT_MODE: a->mode_name = arg; break;
    case OPT_PLAN: a->plan_file = arg; break;
    case OPT_SHARD:
        if (!parse_shard(&a->o.shard, &a->o.nshards, arg))
            return cli_opt_error(p, "bad shard '%s' (K/N with 1 <= K <= N)", arg);
        break;
    case OPT_RESUME: a->o.resume = true; break;
    case CLI_ID_FORCE: a->o.force = true; break;
    case OPT_COUNT: a->count = true; break;
    case OPT_PRINT_PLAN: a->print_plan = true; break;
    default: return cli_axis_option(p, &a->axes, id, arg);
    }
    return CLI_EXIT_OK;
}

/* Read the command line into *a; CLI_EXIT_OK, CLI_HELP_SHOWN or a reported
 * usage error. */
static int sweep_parse(sweep_args *a, int argc, char **argv)
{
    const char *cmd = "sweep";
    sweep_options t;
    sweep_options_init(&t);
    cli_parser p;
    cli_parser_init(&p, cmd, t.all, argc, argv);
    int rc = cli_parse(&p, sweep_arg, a);
    if (rc != CLI_EXIT_OK)
        return rc;
    fpq_sweep_mode mode = FPQ_SWEEP_QUANT;
    if (a->mode_name && fpq_sweep_mode_parse(&mode, a->mode_name) != FPQ_OK)
        return cli_usage_error(cmd, "unknown mode '%s' (quant or cast)", a->mode_name);
    a->axes.mode = mode;
    if ((rc = cli_axis_implied(&a->axes, cmd)) != CLI_EXIT_OK)
        return rc;
    if (a->o.resume && a->o.force)
        return cli_usage_error(cmd, "--resume and --force contradict each other");
    if (a->o.resume && !a->o.out)
        return cli_usage_error(cmd, "--resume needs --out FILE");
    if (a->plan_file)
        for (unsigned ax = 0; ax < FPQ_AX_COUNT_; ax++)
            if (a->axes.n[ax])
                return cli_usage_error(cmd, "--plan takes the cells from the file: no --%s",
                                       fpq_sweep_axis_flag((fpq_sweep_axis)ax));
    return CLI_EXIT_OK;
}

/* The plan of the command line: the plan file's, or the cross product of
 * the axes (freed here).  CLI_EXIT_OK or a reported error. */
static int make_plan(fpq_sweep_plan *plan, sweep_args *a)
{
    fpq_errbuf err;
    int rc = CLI_EXIT_OK;
    if (a->plan_file) {
        if (fpq_sweep_plan_read(plan, a->plan_file, &err) != FPQ_OK) {
            cli_error("%s", err.msg);
            rc = CLI_EXIT_DATA;
        }
    } else {
        fpq_sweep_skips sk;
        int st = fpq_sweep_plan_cross(plan, &a->axes, &sk, &err);
        if (st == FPQ_LAB_ERR_SPEC)
            rc = cli_usage_error("sweep", "%s", err.msg);
        else if (st != FPQ_OK)
            cli_error("%s", err.msg), rc = CLI_EXIT_DATA;
        else if (!a->quiet && sk.invalid)
            cli_error("note: %zu invalid cell%s left out of the plan; the first: %s", sk.invalid,
                      sk.invalid == 1 ? "" : "s", sk.first_invalid);
    }
    fpq_sweep_axes_free(&a->axes);
    return rc;
}

/* Run the plan with a progress bar on a terminal; SIGINT, SIGTERM and
 * SIGHUP stop it after whole rows. */
static int run_plan(const fpq_sweep_plan *plan, sweep_args *a)
{
    fpq_sweep_opts o = a->o;
    progress_bar pb = {{0, 0}, {0, 0}, false};
    clock_gettime(CLOCK_MONOTONIC, &pb.start);
    if (!a->quiet && isatty(2)) {
        o.progress = draw_progress;
        o.ctx = &pb;
    }
    struct sigaction sa, old[3];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; /* a second signal acts at once */
    const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &sa, &old[i]);
    o.stop = &stop_signal;
    if (!o.out)
        fflush(stdout);

    fpq_sweep_result res;
    fpq_errbuf err;
    int st = fpq_sweep_run(&res, plan, &o, &err);
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
    if (pb.drawn)
        fputc('\n', stderr);
    double el = seconds_since(&pb.start);
    if (st != FPQ_OK) {
        cli_error("%s", err.msg);
        if (res.written && o.out)
            cli_error("%s keeps the %zu row%s written; --resume continues it", o.out, res.kept + res.written,
                      res.kept + res.written == 1 ? "" : "s");
        return st == FPQ_LAB_ERR_SPEC ? CLI_EXIT_USAGE : CLI_EXIT_DATA;
    }
    if (res.torn_bytes && !a->quiet)
        cli_error("note: %s ended in a partial row (%zu bytes, from an interrupted run): cut off", o.out,
                  res.torn_bytes);
    if (res.interrupted) {
        int sig = stop_signal;
        cli_error("interrupted after %zu of %zu cells; %s holds the rows written: run the same command "
                  "with --resume to finish", res.kept + res.written, res.cells, o.out ? o.out : "the output");
        if (sig) {
            fflush(stdout);
            signal(sig, SIG_DFL);
            raise(sig);
        }
        return CLI_EXIT_DATA;
    }
    if (!a->quiet) {
        char shard[64] = "";
        if (o.nshards > 1)
            snprintf(shard, sizeof shard, " in shard %zu/%zu", o.shard, o.nshards);
        if (res.kept)
            cli_error("sweep: %zu cells%s: %zu already in %s, %zu computed in %.1f s", res.cells, shard, res.kept,
                      o.out, res.written, el);
        else
            cli_error("sweep: %zu cells%s computed in %.1f s", res.written, shard, el);
    }
    return CLI_EXIT_OK;
}

int cli_sweep_main(int argc, char **argv)
{
    sweep_args a;
    memset(&a, 0, sizeof a);
    fpq_sweep_axes_init(&a.axes, FPQ_SWEEP_QUANT);
    fpq_sweep_opts_default(&a.o);
    int rc = sweep_parse(&a, argc, argv);
    if (rc != CLI_EXIT_OK) {
        fpq_sweep_axes_free(&a.axes);
        return cli_exit_status(rc);
    }
    fpq_sweep_plan plan;
    fpq_sweep_plan_init(&plan, a.axes.mode);
    plan.count_only = a.count;
    rc = make_plan(&plan, &a);
    if (rc == CLI_EXIT_OK && a.count) {
        printf("%zu\n", plan.ncells);
    } else if (rc == CLI_EXIT_OK && a.print_plan) {
        for (size_t c = 0; c < plan.ncells; c++) {
            size_t need = fpq_sweep_plan_line(NULL, 0, &plan, c) + 1;
            char *line = cli_xmalloc(need);
            fpq_sweep_plan_line(line, need, &plan, c);
            printf("%s\n", line);
            free(line);
        }
    } else if (rc == CLI_EXIT_OK) {
        rc = run_plan(&plan, &a);
    }
    fpq_sweep_plan_free(&plan);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* fpq merge                                                              */

enum { OPT_CELLS = 1 };

static const cli_opt merge_opts[] = {
    CLI_OPT_OUT("FILE", "write to FILE (default: standard output), through a\n"
                        "temporary file renamed into place"),
    CLI_OPT_FORCE("replace an existing FILE (refused without it)"),
    {OPT_CELLS, 0, "cells", "N", "require exactly the cells 0 .. N-1 (fpq sweep --count)"},
    CLI_OPT_QUIET("no summary on standard error"),
    {0},
};

static void merge_help(FILE *f)
{
    fputs("Usage: fpq merge FILE.csv... [--out ALL.csv [--force]] [--cells N]\n"
          "\n"
          "Join the CSVs of a sweep's shards (fpq sweep --shard K/N) into one file in\n"
          "plan order: the file the whole plan gives in one run, byte for byte.  Every\n"
          "input must be an fpq sweep CSV of the same plan (the same plan line) made\n"
          "of whole rows, and not locked by a sweep still writing it; a cell found\n"
          "twice must have the same row (it is written once).  An existing output is\n"
          "replaced only with --force, and locked while the merge runs.\n"
          "\n"
          "Options:\n",
          f);
    cli_opts_help(f, merge_opts);
    fputs("\n"
          "Without --cells, cells missing below the largest one are reported.\n"
          "Exit status: 0 merged, 1 a refused or unreadable input, 2 usage error.\n",
          f);
}

/* A command line of fpq merge read. */
typedef struct merge_args {
    const char *out;
    unsigned long long expect;
    bool quiet;
    unsigned flags;
    const char **in;
    size_t nin;
} merge_args;

/* One argument of the command line into the merge_args ctx (cli_on_arg). */
static int merge_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    merge_args *m = ctx;
    switch (id) {
    case CLI_HELP: merge_help(stdout); break;
    case CLI_OPERAND: m->in[m->nin++] = arg; break;
    case CLI_ID_OUT: m->out = arg; break;
    case OPT_CELLS: return cli_arg_uint(p, arg, 1, SIZE_MAX, &m->expect);
    case CLI_ID_FORCE: m->flags |= FPQ_OUT_FORCE; break;
    case CLI_ID_QUIET: m->quiet = true; break;
    }
    return CLI_EXIT_OK;
}

int cli_merge_main(int argc, char **argv)
{
    const char *cmd = "merge";
    merge_args m = {.in = cli_xmalloc(sizeof *m.in * (size_t)(argc + 1))};
    cli_parser p;
    cli_parser_init(&p, cmd, merge_opts, argc, argv);
    int rc = cli_parse(&p, merge_arg, &m);
    if (rc == CLI_EXIT_OK && m.nin == 0)
        rc = cli_usage_error(cmd, "missing FILE.csv");
    if (rc != CLI_EXIT_OK) {
        free(m.in);
        return cli_exit_status(rc);
    }
    fflush(stdout);
    fpq_sweep_merge_result res;
    fpq_errbuf err;
    int st = fpq_sweep_merge(&res, m.in, m.nin, m.out, 1, m.flags, (size_t)m.expect, &err);
    free(m.in);
    if (st != FPQ_OK) {
        cli_error("%s", err.msg);
        return CLI_EXIT_DATA;
    }
    if (!m.quiet) {
        cli_error("merge: %zu rows from %zu files into %s%s", res.rows, res.files, m.out ? m.out : "standard output",
                  res.duplicates ? " (identical duplicates written once)" : "");
        if (res.missing)
            cli_error("note: %zu cells missing, the first is cell %zu", res.missing, res.first_missing);
    }
    return CLI_EXIT_OK;
}

