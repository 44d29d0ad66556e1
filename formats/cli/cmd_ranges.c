/* cmd_ranges.c: `fpq ranges FMT...` -- where formats' finite values sit
 * (smallest subnormal, smallest normal, largest finite, and their log2), as
 * CSV for the report's figures.  Reads its command line through the option
 * layer (opt.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"

#define CMD "ranges"

static const cli_opt none[] = {{0}}; /* no options but --help */

static void ranges_help(FILE *f)
{
    fputs("Usage: fpq ranges FMT...\n"
          "\n"
          "Where each format's finite values sit, for figures, as CSV: name, bits,\n"
          "min_subnormal, min_normal, max_finite (as decimals that read back to the\n"
          "exact values where binary64 holds them), and their log2 (\"-\" where the\n"
          "format has none: integers and tables have no subnormals; their\n"
          "min_normal is the smallest positive value).\n"
          "\n"
          "Options:\n",
          f);
    cli_opts_help(f, none);
    fputs("\nExample: fpq ranges fp16 bf16 fp8_e5m2 fp8_e4m3\n", f);
}

/* The shortest %.Ng that reads back as the finite x. */
static void shortest(char *buf, size_t n, double x)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

/* A command line read: the names of the formats. */
typedef struct ranges_args {
    const char **names;
    int nf;
} ranges_args;

/* One argument of the command line into the ranges_args ctx (cli_on_arg). */
static int ranges_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    ranges_args *a = ctx;
    (void)p;
    switch (id) {
    case CLI_HELP: ranges_help(stdout); break;
    case CLI_OPERAND: a->names[a->nf++] = arg; break;
    }
    return CLI_EXIT_OK;
}

int cli_ranges_main(int argc, char **argv)
{
    ranges_args a = {cli_xmalloc(sizeof *a.names * (size_t)argc), 0};
    cli_parser p;
    cli_parser_init(&p, CMD, none, argc, argv);
    int rc = cli_parse(&p, ranges_arg, &a);
    if (rc == CLI_EXIT_OK && a.nf == 0)
        rc = cli_usage_error(CMD, "missing FMT");
    if (rc != CLI_EXIT_OK) {
        free(a.names);
        return cli_exit_status(rc);
    }
    const char **names = a.names;
    const int nf = a.nf;
    fpq_format *f = cli_xmalloc(sizeof *f * (size_t)nf);
    for (int i = 0; i < nf; i++) {
        int rc = cli_format(&f[i], CMD, names[i]);
        if (rc != CLI_EXIT_OK) {
            free(f);
            free(names);
            return rc;
        }
    }
    free(names);
    printf("name,bits,min_subnormal,min_normal,max_finite,log2_min_subnormal,log2_min_normal,log2_max_finite\n");
    mpfr_t t;
    mpfr_init2(t, 128);
    for (int i = 0; i < nf; i++) {
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
            shortest(val[j], sizeof val[j], d);
            mpfr_log2(t, t, MPFR_RNDN);
            shortest(lg[j], sizeof lg[j], mpfr_get_d(t, MPFR_RNDN));
        }
        printf("%s,%u,%s,%s,%s,%s,%s,%s\n", f[i].name, f[i].bits, val[0], val[1], val[2], lg[0], lg[1], lg[2]);
    }
    mpfr_clear(t);
    free(f);
    return CLI_EXIT_OK;
}
