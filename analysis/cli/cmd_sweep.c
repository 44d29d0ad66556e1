/* cmd_sweep.c: `fpq sweep` (run a plan of cells into a CSV), `fpq merge`
 * (join shards), and the helpers the report's figures use: `fpq lloydmax`
 * (the Gaussian optimum), `fpq hist` (histograms of values, errors or
 * binades) and `fpq ranges` (where formats' values sit, in binades).
 *
 * Each parses its own command line with getopt_long (long options may be
 * abbreviated; options and operands in any order); --help to stdout (exit
 * 0), misuse to stderr (exit 2), bad data or a failed run exit 1.  The work
 * is sweep.c's; nothing here quantizes.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "source.h"
#include "sweep.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* Shared: the axis options.                                              */

enum {
    OPT_AXIS0 = 1000, /* OPT_AXIS0 + fpq_sweep_axis */
    OPT_MODE = 2000, OPT_PLAN, OPT_OUT, OPT_THREADS, OPT_SHARD, OPT_RESUME, OPT_FORCE, OPT_QUIET,
    OPT_PRINT_PLAN, OPT_COUNT, OPT_CELLS, OPT_BITS, OPT_LEVELS, OPT_CSV, OPT_OF, OPT_BINS, OPT_LO, OPT_HI,
    OPT_HELP
};

#define AXIS_OPT(ax) {NULL, required_argument, NULL, OPT_AXIS0 + (ax)}

/* Fill the axis options (names from sweep.h's table) into o[0 .. n). */
static size_t axis_options(struct option *o, bool with_source)
{
    size_t k = 0;
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        if (a == FPQ_AX_LABEL || (!with_source && a == FPQ_AX_SOURCE))
            continue;
        o[k].name = fpq_sweep_axis_flag((fpq_sweep_axis)a);
        o[k].has_arg = required_argument;
        o[k].flag = NULL;
        o[k].val = OPT_AXIS0 + (int)a;
        k++;
    }
    return k;
}

/* The long option of a getopt code, for messages. */
static const char *opt_name(const struct option *o, int code)
{
    for (; o->name; o++)
        if (o->val == code)
            return o->name;
    return "?";
}

/* A getopt error ('?' or ':') as a usage error. */
static int getopt_error(const char *cmd, const struct option *lo, char **argv, int code)
{
    const char *arg = argv[optind - 1];
    if (code == ':') {
        if (optopt >= OPT_AXIS0 || (optopt > 0 && optopt < 256))
            return cli_usage_error(cmd, "option '%s' needs an argument", arg);
        return cli_usage_error(cmd, "option '--%s' needs an argument", opt_name(lo, optopt));
    }
    if (optopt > 0 && optopt < 256)
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    if (strncmp(arg, "--", 2) == 0) {
        size_t len = strcspn(arg + 2, "=");
        size_t hits = 0;
        for (const struct option *o = lo; o->name; o++)
            if (strncmp(o->name, arg + 2, len) == 0)
                hits++;
        if (hits > 1)
            return cli_usage_error(cmd, "ambiguous option '%.*s'", (int)len + 2, arg);
        if (hits == 1 && arg[2 + len] == '=')
            return cli_usage_error(cmd, "option '%.*s' takes no argument", (int)len + 2, arg);
    }
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

static bool parse_count(size_t *out, const char *s, size_t lo)
{
    if (!*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > (unsigned long long)SIZE_MAX)
        return false;
    *out = (size_t)v;
    return true;
}

static const char axes_help[] =
    "Axes (each takes a comma-separated list and may repeat; a value that does\n"
    "not apply to a cell is ignored there; the default is in brackets):\n"
    "      --source SRC        a generator spec (normal:n=65536,seed=1), a file, or\n"
    "                          FILE::NAME; LABEL=SRC names it; repeat for more (no\n"
    "                          comma splitting: specs hold commas)          [required]\n"
    "      --format F          element format (cast: target format)  [int8; cast fp16]\n"
    "      --scheme S          absmax, zeropoint, mx, nvfp4            [absmax]\n"
    "      --granularity G     tensor, row (token), col (channel), group [tensor]\n"
    "      --group N           group size, 2 or more                       [32]\n"
    "      --axis A            groups along 1 (a row) or 0 (a column)       [1]\n"
    "      --scale-format F    scale format, or exact                      [fp32]\n"
    "      --scale-round M     the scale's rounding                         [rne]\n"
    "      --mx-rule R         mx scale rule: floor, ceil, rceil          [floor]\n"
    "      --range R           max, percentile:P, mse[:STEPS]               [max]\n"
    "      --loss-scale S      cast: multiply before the cast (2^K allowed)   [1]\n"
    "  -r, --round M           element rounding: rne rna rtz rup rdn odd sr [rne]\n"
    "      --seed N            stochastic-rounding seed                       [0]\n"
    "      --symmetric B       1: signed integers without -2^(N-1) (absmax)   [0]\n"
    "      --outlier T         keep columns with any |x| >= T; 0 none         [0]\n"
    "      --kept-format F     format of the kept columns                  [fp16]\n"
    "      --calibrate SRC     quant: static ranges from SRC, '-' dynamic; repeat\n"
    "                          for more (no comma splitting)                  [-]\n"
    "      --overflow P        cast: format (its Inf/NaN) or saturate   [format]\n";

/* Parse an axis option into a. */
static int axis_arg(fpq_sweep_axes *a, const char *cmd, int code, const char *arg)
{
    fpq_sweep_axis ax = (fpq_sweep_axis)(code - OPT_AXIS0);
    fpq_errbuf e;
    if (ax == FPQ_AX_CALIB && strcmp(arg, "none") == 0)
        arg = "-";
    if (fpq_sweep_axes_add(a, ax, arg, &e) != FPQ_OK)
        return cli_usage_error(cmd, "%s", e.msg);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* fpq sweep                                                              */

static const char sweep_help[] =
    "Usage: fpq sweep --source SRC [AXES...] [OPTIONS]\n"
    "       fpq sweep --plan FILE [OPTIONS]\n"
    "\n"
    "Run a plan of independent cells and write one CSV row per cell, in plan\n"
    "order: \"cell\" (the index in the plan), the cell's inputs (label, source,\n"
    "n, rows, cols, then one column per axis of the mode; \"-\" where a value\n"
    "does not apply), then the metrics (mse, rmse, nmse, sqnr_db, max_abs_err,\n"
    "mean_rel_err, cos_sim, bias, clipped_frac, outlier_frac, bits_per_value;\n"
    "quant adds clip_ratio, cast underflow_frac, subnormal_frac, overflow_frac).\n"
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
    "mx_rule, range, round, seed, symmetric, outlier, kept_format, calibrate;\n"
    "cast: source, label, format, loss_scale, round, seed, overflow), a\n"
    "missing key or \"-\" the default, VALUE double-quoted if it holds blanks,\n"
    "# comments.  --print-plan writes one.\n"
    "\n"
    "Modes: quant (default) quantizes the source under each spec (fpq quant);\n"
    "cast multiplies by loss_scale, rounds into the format with no scale, and\n"
    "divides back: underflow_frac is the fraction of nonzero values that became\n"
    "0, subnormal_frac of results that are subnormal, overflow_frac of values\n"
    "whose scaled magnitude exceeds the format's largest finite value.\n"
    "\n"
    "%s"
    "\n"
    "Options:\n"
    "      --mode M          quant or cast                           [quant]\n"
    "      --plan FILE       the cells from a plan file instead of the axes\n"
    "  -o, --out FILE        write the CSV to FILE (default: standard output);\n"
    "                        rows are appended and flushed one by one, so an\n"
    "                        interrupted run leaves whole rows\n"
    "      --resume          keep FILE's rows (checked against the plan: a foreign\n"
    "                        or corrupt file is refused) and run the other cells\n"
    "      --force           replace an existing FILE\n"
    "  -j, --threads N       cells at once on N threads (default: all cores)\n"
    "      --shard K/N       only the cells i with i mod N = K-1 (1 <= K <= N);\n"
    "                        join the shards with fpq merge\n"
    "  -q, --quiet           no progress bar (shown only on a terminal) or notes\n"
    "      --count           print the number of cells and exit\n"
    "      --print-plan      print the plan file of the cells and exit\n"
    "  -h, --help            show this help and exit\n"
    "\n"
    "Examples:\n"
    "  fpq sweep --source normal:n=65536,seed=1 --source t:n=65536,nu=4,seed=1 \\\n"
    "      --format int8,int4,fp8_e4m3 --granularity group --group 32,128 --out s.csv\n"
    "  fpq sweep --mode cast --source lognormal:n=65536,sigma=3 \\\n"
    "      --format fp16,bf16 --loss-scale 2^0,2^8,2^16 --out ls.csv\n"
    "\n"
    "Exit status: 0 done, 1 a failed run or a refused file, 2 usage error;\n"
    "interrupted (SIGINT, SIGTERM, SIGHUP): the rows written stay, and the\n"
    "same command with --resume finishes the plan.\n";

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

static bool parse_shard(size_t *k, size_t *n, const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash)
        return false;
    char kb[32];
    size_t kl = (size_t)(slash - s);
    if (kl == 0 || kl >= sizeof kb)
        return false;
    memcpy(kb, s, kl);
    kb[kl] = '\0';
    return parse_count(k, kb, 1) && parse_count(n, slash + 1, 1) && *k <= *n;
}

int cli_sweep_main(int argc, char **argv)
{
    const char *cmd = "sweep";
    struct option lo[FPQ_AX_COUNT_ + 16];
    size_t k = axis_options(lo, true);
    const struct option extra[] = {
        {"mode", required_argument, NULL, OPT_MODE},     {"plan", required_argument, NULL, OPT_PLAN},
        {"out", required_argument, NULL, OPT_OUT},       {"threads", required_argument, NULL, OPT_THREADS},
        {"shard", required_argument, NULL, OPT_SHARD},   {"resume", no_argument, NULL, OPT_RESUME},
        {"force", no_argument, NULL, OPT_FORCE},         {"quiet", no_argument, NULL, OPT_QUIET},
        {"count", no_argument, NULL, OPT_COUNT},         {"print-plan", no_argument, NULL, OPT_PRINT_PLAN},
        {"help", no_argument, NULL, OPT_HELP},           {NULL, 0, NULL, 0},
    };
    memcpy(lo + k, extra, sizeof extra);

    fpq_sweep_axes axes;
    fpq_sweep_axes_init(&axes, FPQ_SWEEP_QUANT);
    fpq_sweep_opts o;
    fpq_sweep_opts_default(&o);
    const char *plan_file = NULL, *mode_name = NULL;
    bool quiet = false, count = false, print_plan = false;
    int rc = CLI_EXIT_OK;
    optind = 0;
    opterr = 0;
    int code;
    while (rc == CLI_EXIT_OK && (code = getopt_long(argc, argv, "+:o:j:r:qh", lo, NULL)) != -1) {
        switch (code) {
        case 'o': case OPT_OUT: o.out = optarg; break;
        case 'j': case OPT_THREADS: {
            size_t t;
            if (!parse_count(&t, optarg, 1) || t > 4096)
                rc = cli_usage_error(cmd, "bad thread count '%s' (1 to 4096)", optarg);
            o.threads = (unsigned)t;
            break;
        }
        case 'r': rc = axis_arg(&axes, cmd, OPT_AXIS0 + FPQ_AX_ROUND, optarg); break;
        case 'q': case OPT_QUIET: quiet = true; break;
        case 'h': case OPT_HELP:
            printf(sweep_help, axes_help);
            rc = -1;
            break;
        case OPT_MODE: mode_name = optarg; break;
        case OPT_PLAN: plan_file = optarg; break;
        case OPT_SHARD:
            if (!parse_shard(&o.shard, &o.nshards, optarg))
                rc = cli_usage_error(cmd, "bad shard '%s' (K/N with 1 <= K <= N)", optarg);
            break;
        case OPT_RESUME: o.resume = true; break;
        case OPT_FORCE: o.force = true; break;
        case OPT_COUNT: count = true; break;
        case OPT_PRINT_PLAN: print_plan = true; break;
        case '?': case ':': rc = getopt_error(cmd, lo, argv, code); break;
        case 1: rc = cli_usage_error(cmd, "unexpected operand '%s' (sources go with --source)", optarg); break;
        default:
            if (code >= OPT_AXIS0 && code < OPT_AXIS0 + FPQ_AX_COUNT_)
                rc = axis_arg(&axes, cmd, code, optarg);
            break;
        }
    }
    if (rc == CLI_EXIT_OK && optind < argc)
        rc = cli_usage_error(cmd, "unexpected operand '%s' (sources go with --source)", argv[optind]);
    fpq_sweep_mode mode = FPQ_SWEEP_QUANT;
    if (rc == CLI_EXIT_OK && mode_name && fpq_sweep_mode_parse(&mode, mode_name) != FPQ_OK)
        rc = cli_usage_error(cmd, "unknown mode '%s' (quant or cast)", mode_name);
    if (rc == CLI_EXIT_OK && o.resume && o.force)
        rc = cli_usage_error(cmd, "--resume and --force contradict each other");
    if (rc == CLI_EXIT_OK && o.resume && !o.out)
        rc = cli_usage_error(cmd, "--resume needs --out FILE");
    if (rc == CLI_EXIT_OK && plan_file) {
        for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
            if (axes.n[a]) {
                rc = cli_usage_error(cmd, "--plan takes the cells from the file: no --%s",
                                     fpq_sweep_axis_flag((fpq_sweep_axis)a));
                break;
            }
    }
    if (rc != CLI_EXIT_OK) {
        fpq_sweep_axes_free(&axes);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    axes.mode = mode;

    fpq_sweep_plan plan;
    fpq_sweep_plan_init(&plan, mode);
    fpq_errbuf err;
    if (plan_file) {
        if (fpq_sweep_plan_read(&plan, plan_file, &err) != FPQ_OK) {
            cli_error("%s", err.msg);
            fpq_sweep_axes_free(&axes);
            return CLI_EXIT_DATA;
        }
    } else {
        fpq_sweep_skips sk;
        int st = fpq_sweep_plan_cross(&plan, &axes, &sk, &err);
        if (st != FPQ_OK) {
            fpq_sweep_axes_free(&axes);
            return st == FPQ_LAB_ERR_SPEC ? cli_usage_error(cmd, "%s", err.msg)
                                          : (cli_error("%s", err.msg), CLI_EXIT_DATA);
        }
        if (!quiet && sk.invalid)
            cli_error("note: %zu invalid cell%s left out of the plan; the first: %s", sk.invalid,
                      sk.invalid == 1 ? "" : "s", sk.first_invalid);
    }
    fpq_sweep_axes_free(&axes);

    if (count || print_plan) {
        if (count)
            printf("%zu\n", plan.ncells);
        else
            for (size_t c = 0; c < plan.ncells; c++) {
                size_t need = fpq_sweep_plan_line(NULL, 0, &plan, c) + 1;
                char *line = cli_xmalloc(need);
                fpq_sweep_plan_line(line, need, &plan, c);
                printf("%s\n", line);
                free(line);
            }
        fpq_sweep_plan_free(&plan);
        return CLI_EXIT_OK;
    }

    progress_bar pb = {{0, 0}, {0, 0}, false};
    clock_gettime(CLOCK_MONOTONIC, &pb.start);
    if (!quiet && isatty(2)) {
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
    int st = fpq_sweep_run(&res, &plan, &o, &err);
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
    if (pb.drawn)
        fputc('\n', stderr);
    fpq_sweep_plan_free(&plan);
    double el = seconds_since(&pb.start);
    if (st != FPQ_OK) {
        cli_error("%s", err.msg);
        if (res.written && o.out)
            cli_error("%s keeps the %zu row%s written; --resume continues it", o.out, res.kept + res.written,
                      res.kept + res.written == 1 ? "" : "s");
        return st == FPQ_LAB_ERR_SPEC ? CLI_EXIT_USAGE : CLI_EXIT_DATA;
    }
    if (res.torn_bytes && !quiet)
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
    if (!quiet) {
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

/* ---------------------------------------------------------------------- */
/* fpq merge                                                              */

static const char merge_help[] =
    "Usage: fpq merge FILE.csv... [--out ALL.csv] [--cells N]\n"
    "\n"
    "Join the CSVs of a sweep's shards (fpq sweep --shard K/N) into one file in\n"
    "plan order: the file the whole plan gives in one run, byte for byte.  Every\n"
    "input must be an fpq sweep CSV of the same mode made of whole rows; a cell\n"
    "found twice must have the same row (it is written once).  The output is\n"
    "written to a temporary file and renamed into place.\n"
    "\n"
    "Options:\n"
    "  -o, --out FILE   write to FILE (default: standard output)\n"
    "      --cells N    require exactly the cells 0 .. N-1 (fpq sweep --count)\n"
    "  -q, --quiet      no summary on standard error\n"
    "  -h, --help       show this help and exit\n"
    "\n"
    "Without --cells, cells missing below the largest one are reported.\n"
    "Exit status: 0 merged, 1 a refused or unreadable input, 2 usage error.\n";

int cli_merge_main(int argc, char **argv)
{
    const char *cmd = "merge";
    static const struct option lo[] = {
        {"out", required_argument, NULL, OPT_OUT}, {"cells", required_argument, NULL, OPT_CELLS},
        {"quiet", no_argument, NULL, OPT_QUIET},   {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    size_t expect = 0;
    bool quiet = false;
    const char **in = cli_xmalloc(sizeof *in * (size_t)(argc + 1));
    size_t nin = 0;
    int rc = CLI_EXIT_OK, code;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (code = getopt_long(argc, argv, "-:o:qh", lo, NULL)) != -1) {
        switch (code) {
        case 1: in[nin++] = optarg; break;
        case 'o': case OPT_OUT: out = optarg; break;
        case OPT_CELLS:
            if (!parse_count(&expect, optarg, 1))
                rc = cli_usage_error(cmd, "bad cell count '%s'", optarg);
            break;
        case 'q': case OPT_QUIET: quiet = true; break;
        case 'h': case OPT_HELP: fputs(merge_help, stdout); rc = -1; break;
        default: rc = getopt_error(cmd, lo, argv, code); break;
        }
    }
    while (rc == CLI_EXIT_OK && optind < argc)
        in[nin++] = argv[optind++];
    if (rc == CLI_EXIT_OK && nin == 0)
        rc = cli_usage_error(cmd, "missing FILE.csv");
    if (rc != CLI_EXIT_OK) {
        free(in);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    fflush(stdout);
    fpq_sweep_merge_result res;
    fpq_errbuf err;
    int st = fpq_sweep_merge(&res, in, nin, out, 1, expect, &err);
    free(in);
    if (st != FPQ_OK) {
        cli_error("%s", err.msg);
        return CLI_EXIT_DATA;
    }
    if (!quiet) {
        cli_error("merge: %zu rows from %zu files into %s%s", res.rows, res.files, out ? out : "standard output",
                  res.duplicates ? " (identical duplicates written once)" : "");
        if (res.missing)
            cli_error("note: %zu cells missing, the first is cell %zu", res.missing, res.first_missing);
    }
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* fpq lloydmax                                                           */

static const char lloydmax_help[] =
    "Usage: fpq lloydmax [--bits LIST] [--levels] [--csv]\n"
    "\n"
    "The Lloyd-Max (MSE-optimal) quantizer of a unit Gaussian at each bit count\n"
    "(default 1..8; 1 to 12), found by Lloyd's iteration: boundaries at the\n"
    "midpoints of the levels, levels at the centroids of their cells, from the\n"
    "companded start until no level moves by 1e-13.  One line per bit count:\n"
    "bits, levels, mse, sqnr_db (-10 log10 mse), rd_sqnr_db (the rate-distortion\n"
    "bound 20 log10(2) R = 6.02 R dB), hr_sqnr_db (the high-rate asymptote\n"
    "(sqrt(3) pi / 2) 4^-R), iterations.  With --levels: bits, index, level.\n"
    "\n"
    "Options:\n"
    "      --bits LIST  bit counts, e.g. 1,2,3 or 1-8\n"
    "      --levels     print the levels instead\n"
    "      --csv        CSV with a header line (default: aligned columns)\n"
    "  -h, --help       show this help and exit\n";

static bool parse_bits_list(unsigned char want[13], const char *s)
{
    memset(want, 0, 13);
    for (const char *p = s; *p;) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p)
            return false;
        if (*end == '-') {
            const char *q = end + 1;
            b = strtol(q, &end, 10);
            if (end == q)
                return false;
        }
        if (a < 1 || b > 12 || a > b)
            return false;
        for (long i = a; i <= b; i++)
            want[i] = 1;
        if (*end == ',')
            end++;
        else if (*end)
            return false;
        p = end;
    }
    return true;
}

int cli_lloydmax_main(int argc, char **argv)
{
    const char *cmd = "lloydmax";
    static const struct option lo[] = {
        {"bits", required_argument, NULL, OPT_BITS}, {"levels", no_argument, NULL, OPT_LEVELS},
        {"csv", no_argument, NULL, OPT_CSV},         {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    unsigned char want[13];
    parse_bits_list(want, "1-8");
    bool levels = false, csv = false;
    int rc = CLI_EXIT_OK, code;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (code = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
        switch (code) {
        case OPT_BITS:
            if (!parse_bits_list(want, optarg))
                rc = cli_usage_error(cmd, "bad bit list '%s' (numbers 1 to 12: 1,2,4 or 1-8)", optarg);
            break;
        case OPT_LEVELS: levels = true; break;
        case OPT_CSV: csv = true; break;
        case 'h': case OPT_HELP: fputs(lloydmax_help, stdout); rc = -1; break;
        default: rc = getopt_error(cmd, lo, argv, code); break;
        }
    }
    if (rc == CLI_EXIT_OK && optind < argc)
        rc = cli_usage_error(cmd, "unexpected operand '%s'", argv[optind]);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;

    cli_grid g;
    cli_grid_init(&g, levels ? 3 : 7);
    if (levels) {
        cli_grid_add(&g, "bits");
        cli_grid_add(&g, "index");
        cli_grid_add(&g, "level");
    } else {
        const char *h[] = {"bits", "levels", "mse", "sqnr_db", "rd_sqnr_db", "hr_sqnr_db", "iterations"};
        for (size_t i = 0; i < NELEM(h); i++)
            cli_grid_add(&g, h[i]);
    }
    char t[40];
    for (unsigned b = 1; b <= 12; b++) {
        if (!want[b])
            continue;
        size_t L = (size_t)1 << b;
        double *lv = cli_xmalloc(L * sizeof *lv), mse;
        unsigned it;
        fpq_errbuf err;
        if (fpq_lloydmax_gauss(lv, &mse, &it, b, 0, &err) != FPQ_OK) {
            free(lv);
            cli_grid_free(&g);
            cli_error("%s", err.msg);
            return CLI_EXIT_DATA;
        }
        if (levels) {
            for (size_t i = 0; i < L; i++) {
                cli_grid_addf(&g, "%u", b);
                cli_grid_addf(&g, "%zu", i);
                fpq_sweep_fmt_double(t, sizeof t, lv[i]);
                cli_grid_add(&g, t);
            }
        } else {
            cli_grid_addf(&g, "%u", b);
            cli_grid_addf(&g, "%zu", L);
            fpq_sweep_fmt_double(t, sizeof t, mse);
            cli_grid_add(&g, t);
            cli_grid_addf(&g, "%.6f", -10 * log10(mse));
            cli_grid_addf(&g, "%.6f", 20 * log10(2.0) * b);
            cli_grid_addf(&g, "%.6f", -10 * log10(sqrt(3.0) * M_PI / 2 * pow(4.0, -(double)b)));
            cli_grid_addf(&g, "%u", it);
        }
        free(lv);
    }
    cli_grid_print(&g, stdout, csv, "");
    cli_grid_free(&g);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* fpq hist                                                               */

static const char hist_help[] =
    "Usage: fpq hist SOURCE [--of WHAT] [--bins N] [--lo X] [--hi Y] [SPEC...]\n"
    "\n"
    "A histogram of SOURCE (a generator spec, a file or FILE::NAME) as CSV:\n"
    "lo,hi,count,density (count / (n width), n the values counted).  WHAT:\n"
    "  value    the values x                                          (default)\n"
    "  log2abs  log2 |x| of the nonzero values (where data sit in binades)\n"
    "  error    x^ - x, x^ quantized under the spec given by the axis options\n"
    "           of fpq sweep (one value each: --format int4 --granularity col)\n"
    "  nerror   (x^ - x) / rms(x)\n"
    "Bins are N equal cells over [X, Y] (default: the smallest to the largest\n"
    "value); values outside are left out and counted on standard error.\n"
    "\n"
    "Options:\n"
    "      --of WHAT   value, log2abs, error or nerror\n"
    "      --bins N    number of bins (default 100)\n"
    "      --lo X, --hi Y   the histogram's range\n"
    "  -h, --help      show this help and exit\n";

int cli_hist_main(int argc, char **argv)
{
    const char *cmd = "hist";
    struct option lo[FPQ_AX_COUNT_ + 8];
    size_t k = axis_options(lo, false);
    const struct option extra[] = {
        {"of", required_argument, NULL, OPT_OF}, {"bins", required_argument, NULL, OPT_BINS},
        {"lo", required_argument, NULL, OPT_LO}, {"hi", required_argument, NULL, OPT_HI},
        {"help", no_argument, NULL, OPT_HELP},   {NULL, 0, NULL, 0},
    };
    memcpy(lo + k, extra, sizeof extra);
    fpq_sweep_axes axes;
    fpq_sweep_axes_init(&axes, FPQ_SWEEP_QUANT);
    const char *of = "value", *source = NULL;
    size_t bins = 100;
    double xlo = NAN, xhi = NAN;
    int rc = CLI_EXIT_OK, code;
    optind = 0;
    opterr = 0;
    while (rc == CLI_EXIT_OK && (code = getopt_long(argc, argv, "-:r:h", lo, NULL)) != -1) {
        char *end;
        switch (code) {
        case 1:
            if (source)
                rc = cli_usage_error(cmd, "unexpected operand '%s'", optarg);
            source = optarg;
            break;
        case OPT_OF:
            if (strcmp(optarg, "value") && strcmp(optarg, "log2abs") && strcmp(optarg, "error")
                && strcmp(optarg, "nerror"))
                rc = cli_usage_error(cmd, "unknown --of '%s' (value, log2abs, error, nerror)", optarg);
            of = optarg;
            break;
        case OPT_BINS:
            if (!parse_count(&bins, optarg, 1) || bins > 1000000)
                rc = cli_usage_error(cmd, "bad bin count '%s' (1 to 1000000)", optarg);
            break;
        case OPT_LO: case OPT_HI: {
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(v))
                rc = cli_usage_error(cmd, "bad number '%s'", optarg);
            *(code == OPT_LO ? &xlo : &xhi) = v;
            break;
        }
        case 'r': rc = axis_arg(&axes, cmd, OPT_AXIS0 + FPQ_AX_ROUND, optarg); break;
        case 'h': case OPT_HELP: fputs(hist_help, stdout); fputs(axes_help, stdout); rc = -1; break;
        case '?': case ':': rc = getopt_error(cmd, lo, argv, code); break;
        default:
            if (code >= OPT_AXIS0 && code < OPT_AXIS0 + FPQ_AX_COUNT_)
                rc = axis_arg(&axes, cmd, code, optarg);
            break;
        }
    }
    if (rc == CLI_EXIT_OK && !source)
        rc = cli_usage_error(cmd, "missing SOURCE");
    bool spec = strcmp(of, "error") == 0 || strcmp(of, "nerror") == 0;
    for (unsigned a = 0; rc == CLI_EXIT_OK && a < FPQ_AX_COUNT_; a++) {
        if (axes.n[a] > 1)
            rc = cli_usage_error(cmd, "--%s: one value only", fpq_sweep_axis_flag((fpq_sweep_axis)a));
        else if (axes.n[a] && !spec)
            rc = cli_usage_error(cmd, "--%s applies to --of error or nerror", fpq_sweep_axis_flag((fpq_sweep_axis)a));
    }
    if (rc == CLI_EXIT_OK && !(isnan(xlo) || isnan(xhi) || xlo < xhi))
        rc = cli_usage_error(cmd, "--lo must be below --hi");
    fpq_sweep_plan plan;
    fpq_sweep_plan_init(&plan, FPQ_SWEEP_QUANT);
    fpq_errbuf err;
    if (rc == CLI_EXIT_OK && spec) {
        fpq_sweep_axes_add(&axes, FPQ_AX_SOURCE, source, &err);
        if (fpq_sweep_plan_cross(&plan, &axes, NULL, &err) != FPQ_OK)
            rc = cli_usage_error(cmd, "%s", err.msg);
    }
    fpq_sweep_axes_free(&axes);
    if (rc != CLI_EXIT_OK) {
        fpq_sweep_plan_free(&plan);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }

    fpq_tensor x = FPQ_TENSOR_INIT, xh = FPQ_TENSOR_INIT, cal = FPQ_TENSOR_INIT;
    int st = fpq_source_load(&x, source, &err);
    if (st == FPQ_OK && spec && plan.cells[0].calib != FPQ_SWEEP_NONE)
        st = fpq_source_load(&cal, plan.sources[plan.cells[0].calib], &err);
    if (st == FPQ_OK && spec)
        st = fpq_quantize(&xh, NULL, &x, cal.data ? &cal : NULL, &plan.cells[0].spec, &err);
    fpq_sweep_plan_free(&plan);
    fpq_tensor_free(&cal);
    if (st != FPQ_OK) {
        cli_error("%s", err.msg);
        fpq_tensor_free(&x);
        fpq_tensor_free(&xh);
        return CLI_EXIT_DATA;
    }
    const size_t n = fpq_tensor_size(&x);
    double *v = cli_xmalloc((n ? n : 1) * sizeof *v);
    size_t m = 0, zeros = 0;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += x.data[i] * x.data[i];
    const double rms = sqrt(ss / (double)n);
    for (size_t i = 0; i < n; i++) {
        double xi = x.data[i];
        if (of[0] == 'v')
            v[m++] = xi;
        else if (of[0] == 'l') {
            if (xi == 0)
                zeros++;
            else
                v[m++] = log2(fabs(xi));
        } else {
            double e = xh.data[i] - xi;
            v[m++] = of[0] == 'n' ? (rms > 0 ? e / rms : 0) : e;
        }
    }
    fpq_tensor_free(&x);
    fpq_tensor_free(&xh);
    double mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < m; i++) {
        if (v[i] < mn)
            mn = v[i];
        if (v[i] > mx)
            mx = v[i];
    }
    double a = isnan(xlo) ? mn : xlo, b = isnan(xhi) ? mx : xhi;
    if (!(a < b)) { /* one value (or none): a unit cell around it */
        a = (m ? mn : 0) - 0.5;
        b = a + 1;
    }
    size_t *cnt = calloc(bins, sizeof *cnt), out = 0, in = 0;
    if (!cnt) {
        free(v);
        cli_error("out of memory");
        return CLI_EXIT_DATA;
    }
    const double w = (b - a) / (double)bins;
    for (size_t i = 0; i < m; i++) {
        if (!(v[i] >= a && v[i] <= b)) {
            out++;
            continue;
        }
        size_t j = (size_t)((v[i] - a) / w);
        cnt[j < bins ? j : bins - 1]++;
        in++;
    }
    printf("lo,hi,count,density\n");
    char s1[40], s2[40], s3[40];
    for (size_t j = 0; j < bins; j++) {
        fpq_sweep_fmt_double(s1, sizeof s1, a + w * (double)j);
        fpq_sweep_fmt_double(s2, sizeof s2, j + 1 == bins ? b : a + w * (double)(j + 1));
        fpq_sweep_fmt_double(s3, sizeof s3, in ? (double)cnt[j] / ((double)in * w) : 0);
        printf("%s,%s,%zu,%s\n", s1, s2, cnt[j], s3);
    }
    if (out)
        cli_error("note: %zu value%s outside [%g, %g] left out", out, out == 1 ? "" : "s", a, b);
    if (zeros)
        cli_error("note: %zu zero%s left out of log2abs", zeros, zeros == 1 ? "" : "s");
    free(cnt);
    free(v);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* fpq ranges                                                             */

static const char ranges_help[] =
    "Usage: fpq ranges FMT...\n"
    "\n"
    "Where each format's finite values sit, for figures, as CSV: name, bits,\n"
    "min_subnormal, min_normal, max_finite (as decimals that read back to the\n"
    "exact values where binary64 holds them), and their log2 (\"-\" where the\n"
    "format has none: integers and tables have no subnormals; their\n"
    "min_normal is the smallest positive value).\n"
    "\n"
    "Example: fpq ranges fp16 bf16 fp8_e5m2 fp8_e4m3\n";

int cli_ranges_main(int argc, char **argv)
{
    const char *cmd = "ranges";
    if (argc < 2)
        return cli_usage_error(cmd, "missing FMT");
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(ranges_help, stdout);
            return CLI_EXIT_OK;
        } else if (argv[i][0] == '-') {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        }
    fpq_format *f = cli_xmalloc(sizeof *f * (size_t)argc);
    for (int i = 1; i < argc; i++) {
        int rc = cli_format(&f[i], cmd, argv[i]);
        if (rc != CLI_EXIT_OK) {
            free(f);
            return rc;
        }
    }
    printf("name,bits,min_subnormal,min_normal,max_finite,log2_min_subnormal,log2_min_normal,log2_max_finite\n");
    mpfr_t t;
    mpfr_init2(t, 128);
    for (int i = 1; i < argc; i++) {
        fpq_landmarks lm;
        if (fpq_landmarks_get(&lm, &f[i]) != FPQ_OK) {
            cli_error("%s: no landmarks", f[i].name);
            mpfr_clear(t);
            free(f);
            return CLI_EXIT_DATA;
        }
        bool flt = f[i].kind == FPQ_KIND_FLOAT;
        uint64_t bits[3] = {flt && f[i].subnormals ? lm.min_subnormal : FPQ_NO_BITS,
                            flt ? lm.min_normal : lm.min_positive, lm.max_finite};
        char val[3][48], lg[3][48];
        for (int j = 0; j < 3; j++) {
            if (bits[j] == FPQ_NO_BITS) {
                strcpy(val[j], "-");
                strcpy(lg[j], "-");
                continue;
            }
            fpq_decode(t, NULL, NULL, &f[i], bits[j]);
            double d = mpfr_get_d(t, MPFR_RNDN);
            fpq_sweep_fmt_double(val[j], sizeof val[j], d);
            mpfr_log2(t, t, MPFR_RNDN);
            fpq_sweep_fmt_double(lg[j], sizeof lg[j], mpfr_get_d(t, MPFR_RNDN));
        }
        printf("%s,%u,%s,%s,%s,%s,%s,%s\n", f[i].name, f[i].bits, val[0], val[1], val[2], lg[0], lg[1], lg[2]);
    }
    mpfr_clear(t);
    free(f);
    return CLI_EXIT_OK;
}
