/* cmd_lloydmax.c: `fpq lloydmax` -- the Lloyd-Max quantizer of a unit
 * Gaussian at each bit count (lloydmax.c), for the report's figures.
 * Reads its command line through the option layer (opt.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "opt.h"
#include "sweep.h"

enum { OPT_BITS = 1, OPT_LEVELS };

static const cli_opt lloydmax_opts[] = {
    {OPT_BITS, 0, "bits", "LIST", "bit counts, e.g. 1,2,3 or 1-8"},
    {OPT_LEVELS, 0, "levels", NULL, "print the levels instead"},
    CLI_OPT_CSV("CSV with a header line (default: aligned columns)"),
    {0},
};

static void lloydmax_help(FILE *f)
{
    fputs("Usage: fpq lloydmax [--bits LIST] [--levels] [--csv]\n"
          "\n"
          "The Lloyd-Max (MSE-optimal) quantizer of a unit Gaussian at each bit count\n"
          "(default 1..8; 1 to 12), found by Lloyd's iteration: boundaries at the\n"
          "midpoints of the levels, levels at the centroids of their cells, from the\n"
          "companded start until no level moves by 1e-13.  One line per bit count:\n"
          "bits, levels, mse, sqnr_db (-10 log10 mse), rd_sqnr_db (the rate-distortion\n"
          "bound 20 log10(2) R = 6.02 R dB), hr_sqnr_db (the high-rate asymptote\n"
          "(sqrt(3) pi / 2) 4^-R), iterations.  With --levels: bits, index, level.\n"
          "\n"
          "Options:\n",
          f);
    cli_opts_help(f, lloydmax_opts);
}

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

/* A command line read. */
typedef struct lloydmax_args {
    unsigned char want[13]; /* want[b]: bit count b asked for */
    bool levels, csv;
} lloydmax_args;

/* One argument of the command line into the lloydmax_args ctx (cli_on_arg). */
static int lloydmax_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    lloydmax_args *a = ctx;
    switch (id) {
    case CLI_HELP: lloydmax_help(stdout); break;
    case CLI_OPERAND: return cli_usage_error(p->cmd, "unexpected operand '%s'", arg);
    case OPT_BITS:
        if (!parse_bits_list(a->want, arg))
            return cli_opt_error(p, "bad bit list '%s' (numbers 1 to 12: 1,2,4 or 1-8)", arg);
        break;
    case OPT_LEVELS: a->levels = true; break;
    case CLI_ID_CSV: a->csv = true; break;
    }
    return CLI_EXIT_OK;
}

int cli_lloydmax_main(int argc, char **argv)
{
    lloydmax_args a = {.levels = false};
    parse_bits_list(a.want, "1-8");
    cli_parser p;
    cli_parser_init(&p, "lloydmax", lloydmax_opts, argc, argv);
    int rc = cli_parse(&p, lloydmax_arg, &a);
    if (rc != CLI_EXIT_OK)
        return cli_exit_status(rc);

    cli_grid g;
    cli_grid_init(&g, a.levels ? 3 : 7);
    if (a.levels) {
        cli_grid_add(&g, "bits");
        cli_grid_add(&g, "index");
        cli_grid_add(&g, "level");
    } else {
        const char *h[] = {"bits", "levels", "mse", "sqnr_db", "rd_sqnr_db", "hr_sqnr_db", "iterations"};
        for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
            cli_grid_add(&g, h[i]);
    }
    char t[40];
    for (unsigned b = 1; b <= 12; b++) {
        if (!a.want[b])
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
        if (a.levels) {
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
    cli_grid_print(&g, stdout, a.csv, "");
    cli_grid_free(&g);
    return CLI_EXIT_OK;
}

