/* cmd_hist.c: `fpq hist` -- a histogram of a tensor's values, of where they
 * sit in binades, or of the errors of a quantization, as CSV for the
 * report's figures.  Reads its command line through the option layer
 * (opt.h); the spec of the errors is given by the quant axes of fpq sweep,
 * one value each (qspec_opts.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "qspec_opts.h"
#include "source.h"

#define CMD "hist"

enum { OPT_OF = 1, OPT_BINS, OPT_LO, OPT_HI };

static const cli_opt hist_own[] = {
    {OPT_OF, 0, "of", "WHAT", "value, log2abs, error or nerror (default value)"},
    {OPT_BINS, 0, "bins", "N", "number of bins (default 100)"},
    {OPT_LO, 0, "lo", "X", "the histogram's lower end (default: the smallest)"},
    {OPT_HI, 0, "hi", "Y", "its upper end (default: the largest)"},
    {0},
};

/* The spec options of fpq hist, and all its options: its own, then those. */
#define HIST_NOPTS (FPQ_AX_COUNT_ + 8)
static void hist_options(cli_opt spec[HIST_NOPTS], cli_opt all[HIST_NOPTS])
{
    size_t ns = 0, na = 0;
    cli_axis_options(spec, HIST_NOPTS, &ns, false);
    cli_opts_append(all, HIST_NOPTS, &na, hist_own);
    cli_opts_append(all, HIST_NOPTS, &na, spec);
}

static void hist_help(FILE *f)
{
    cli_opt spec[HIST_NOPTS], all[HIST_NOPTS];
    hist_options(spec, all);
    const cli_help_part parts[] = {
        {NULL, hist_own},
        {"\nSpec of --of error and nerror (the quant axes of 'fpq sweep', one value\n"
         "each; the default in brackets):\n",
         spec},
    };
    fputs("Usage: fpq hist SOURCE [--of WHAT] [--bins N] [--lo X] [--hi Y] [SPEC...]\n"
          "\n"
          "A histogram of SOURCE (a generator spec, a file or FILE::NAME) as CSV:\n"
          "lo,hi,count,density (count / (n width), n the values counted).  WHAT:\n"
          "  value    the values x                                          (default)\n"
          "  log2abs  log2 |x| of the nonzero values (where data sit in binades)\n"
          "  error    x^ - x, x^ quantized under the spec given by the spec options\n"
          "           below (one value each: --format int4 --granularity col)\n"
          "  nerror   (x^ - x) / rms(x)\n"
          "Bins are N equal cells over [X, Y] (default: the smallest to the largest\n"
          "value); values outside are left out and counted on standard error.\n"
          "\n"
          "Options:\n",
          f);
    cli_opts_help_parts(f, parts, sizeof parts / sizeof parts[0]);
}

typedef struct hist_args {
    const char *of, *source;
    unsigned long long bins;
    double lo, hi; /* NAN: not given */
    fpq_sweep_axes axes;
} hist_args;

/* One argument of the command line into the hist_args ctx (cli_on_arg). */
static int hist_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    hist_args *h = ctx;
    switch (id) {
    case CLI_HELP: hist_help(stdout); break;
    case CLI_OPERAND:
        if (h->source)
            return cli_usage_error(CMD, "unexpected operand '%s'", arg);
        h->source = arg;
        break;
    case OPT_OF:
        if (strcmp(arg, "value") && strcmp(arg, "log2abs") && strcmp(arg, "error") && strcmp(arg, "nerror"))
            return cli_opt_error(p, "bad value '%s' (value, log2abs, error or nerror)", arg);
        h->of = arg;
        break;
    case OPT_BINS: return cli_arg_uint(p, arg, 1, 1000000, &h->bins);
    case OPT_LO: return cli_arg_double(p, arg, -DBL_MAX, DBL_MAX, &h->lo);
    case OPT_HI: return cli_arg_double(p, arg, -DBL_MAX, DBL_MAX, &h->hi);
    default: return cli_axis_option(p, &h->axes, id, arg);
    }
    return CLI_EXIT_OK;
}

/* Read the command line into *h; CLI_EXIT_OK, CLI_HELP_SHOWN or a reported
 * usage error. */
static int parse(hist_args *h, int argc, char **argv)
{
    cli_opt spec[HIST_NOPTS], all[HIST_NOPTS];
    hist_options(spec, all);
    cli_parser p;
    cli_parser_init(&p, CMD, all, argc, argv);
    int rc = cli_parse(&p, hist_arg, h);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!h->source)
        return cli_usage_error(CMD, "missing SOURCE");
    bool spec_given = strcmp(h->of, "error") == 0 || strcmp(h->of, "nerror") == 0;
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        if (h->axes.n[a] > 1)
            return cli_usage_error(CMD, "--%s: one value only", fpq_sweep_axis_flag((fpq_sweep_axis)a));
        if (h->axes.n[a] && !spec_given)
            return cli_usage_error(CMD, "--%s applies to --of error or nerror",
                                   fpq_sweep_axis_flag((fpq_sweep_axis)a));
    }
    if ((rc = cli_axis_implied(&h->axes, CMD)) != CLI_EXIT_OK)
        return rc;
    if (!(isnan(h->lo) || isnan(h->hi) || h->lo < h->hi))
        return cli_usage_error(CMD, "--lo must be below --hi");
    return CLI_EXIT_OK;
}

/* The values to count (*m of them, malloc'ed into *v): x, log2 |x| of the
 * nonzero x (*zeros the others), or the errors of the quantization of x
 * under plan's one cell (NULL for the values).  CLI_EXIT_OK or a reported
 * CLI_EXIT_DATA. */
static int values(double **v, size_t *m, size_t *zeros, const char *of, const char *source,
                  const fpq_sweep_plan *plan)
{
    fpq_tensor x = FPQ_TENSOR_INIT, xh = FPQ_TENSOR_INIT, cal = FPQ_TENSOR_INIT;
    fpq_errbuf err;
    fpq_sweep_cell cell;
    int st = plan ? fpq_sweep_plan_cell(&cell, plan, 0, &err) : FPQ_OK;
    if (st == FPQ_OK)
        st = fpq_source_load(&x, source, &err);
    if (st == FPQ_OK && plan && cell.calib != FPQ_SWEEP_NONE)
        st = fpq_source_load(&cal, plan->sources[cell.calib], &err);
    if (st == FPQ_OK && plan)
        st = fpq_quantize(&xh, NULL, &x, cal.data ? &cal : NULL, &cell.spec, &err);
    if (plan)
        fpq_sweep_cell_free(&cell);
    fpq_tensor_free(&cal);
    if (st != FPQ_OK) {
        cli_error("%s", err.msg);
        fpq_tensor_free(&x);
        fpq_tensor_free(&xh);
        return CLI_EXIT_DATA;
    }
    const size_t n = fpq_tensor_size(&x);
    *v = cli_xmalloc((n ? n : 1) * sizeof **v);
    *m = *zeros = 0;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += x.data[i] * x.data[i];
    const double rms = sqrt(ss / (double)n);
    for (size_t i = 0; i < n; i++) {
        double xi = x.data[i];
        if (of[0] == 'v')
            (*v)[(*m)++] = xi;
        else if (of[0] == 'l') {
            if (xi == 0)
                ++*zeros;
            else
                (*v)[(*m)++] = log2(fabs(xi));
        } else {
            double e = xh.data[i] - xi;
            (*v)[(*m)++] = of[0] == 'n' ? (rms > 0 ? e / rms : 0) : e;
        }
    }
    fpq_tensor_free(&x);
    fpq_tensor_free(&xh);
    return CLI_EXIT_OK;
}

/* Edge j of bins bins from a to b, hw half a bin width: a + 2 j hw
 * (the last b), evaluated without passing the largest double when b - a
 * does. */
static double hist_edge(double a, double b, double hw, size_t bins, size_t j)
{
    if (j == 0)
        return a;
    if (j >= bins)
        return b;
    if (isfinite(b - a))
        return a + (b - a) / (double)bins * (double)j;
    return a + hw * (double)j + hw * (double)j;
}

int cli_hist_main(int argc, char **argv)
{
    hist_args h = {"value", NULL, 100, NAN, NAN, {0}};
    fpq_sweep_axes_init(&h.axes, FPQ_SWEEP_QUANT);
    int rc = parse(&h, argc, argv);
    bool spec = rc == CLI_EXIT_OK && (strcmp(h.of, "error") == 0 || strcmp(h.of, "nerror") == 0);
    fpq_sweep_plan plan;
    fpq_sweep_plan_init(&plan, FPQ_SWEEP_QUANT);
    fpq_errbuf err;
    if (spec) {
        fpq_sweep_axes_add(&h.axes, FPQ_AX_SOURCE, h.source, &err);
        if (fpq_sweep_plan_cross(&plan, &h.axes, NULL, &err) != FPQ_OK)
            rc = cli_usage_error(CMD, "%s", err.msg);
    }
    fpq_sweep_axes_free(&h.axes);
    double *v = NULL;
    size_t m = 0, zeros = 0;
    if (rc == CLI_EXIT_OK)
        rc = values(&v, &m, &zeros, h.of, h.source, spec ? &plan : NULL);
    fpq_sweep_plan_free(&plan);
    if (rc != CLI_EXIT_OK)
        return cli_exit_status(rc);

    double mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < m; i++) {
        if (v[i] < mn)
            mn = v[i];
        if (v[i] > mx)
            mx = v[i];
    }
    double a = isnan(h.lo) ? mn : h.lo, b = isnan(h.hi) ? mx : h.hi;
    if (!(a < b)) { /* one value (or none): a unit cell around it */
        a = (m ? mn : 0) - 0.5;
        b = a + 1;
    }
    const size_t bins = (size_t)h.bins;
    size_t *cnt = calloc(bins, sizeof *cnt), out = 0, in = 0;
    if (!cnt) {
        free(v);
        cli_error("out of memory");
        return CLI_EXIT_DATA;
    }
    /* half a bin width, from the halves of the ends: finite even when b - a
     * is beyond the largest double (--lo -1e308 --hi 1e308) */
    const double hw = (b / 2 - a / 2) / (double)bins;
    for (size_t i = 0; i < m; i++) {
        if (!(v[i] >= a && v[i] <= b)) {
            out++;
            continue;
        }
        size_t j = (size_t)(isfinite(b - a) ? (v[i] - a) / ((b - a) / (double)bins)
                                            : (v[i] / 2 - a / 2) / hw / 2);
        if (j >= bins)
            j = bins - 1;
        /* the printed edges decide: [lo, hi), the last bin closed */
        while (j > 0 && v[i] < hist_edge(a, b, hw, bins, j))
            j--;
        while (j + 1 < bins && v[i] >= hist_edge(a, b, hw, bins, j + 1))
            j++;
        cnt[j]++;
        in++;
    }
    printf("lo,hi,count,density\n");
    char s1[40], s2[40], s3[40];
    for (size_t j = 0; j < bins; j++) {
        fpq_sweep_fmt_double(s1, sizeof s1, hist_edge(a, b, hw, bins, j));
        fpq_sweep_fmt_double(s2, sizeof s2, hist_edge(a, b, hw, bins, j + 1));
        fpq_sweep_fmt_double(s3, sizeof s3, in ? (double)cnt[j] / (double)in / hw / 2 : 0);
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
