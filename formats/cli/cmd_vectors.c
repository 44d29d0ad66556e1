/* cmd_vectors.c: `fpq vectors`, test vectors for other projects' converters,
 * and the command line and cases it shares with `fpq verify` (vectors.h).
 *
 * Each line is an input bit pattern of FROM and the reference result in TO
 * (fpq_convert, MPFR), both in the `fpq convert` hex form.  The boundary
 * cases come first: for binary32 and binary64 sources the same enumeration
 * that proves the fast path (fpq_boundaries_f32 / _f64), for sources of at
 * most 16 bits every pattern; then --count seeded random patterns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"
#include "vectors.h"

#define VECTORS_COUNT_DEFAULT 10000
#define VECTORS_COUNT_MAX (1ULL << 32)

enum { OPT_COUNT = 1 };

static const cli_opt vector_opts[] = {
    CLI_OPT_ROUND("rounding: {modes} (default: rne)"),
    CLI_OPT_SEED("seed of the random cases and of stochastic rounding,\n"
                 "decimal or 0x-hex (default: 0)"),
    CLI_OPT_SATURATE("overflow (and Inf) gives the largest finite value"),
    CLI_OPT_OVERFLOW(CLI_OVERFLOW_HELP),
    CLI_OPT_SYMMETRIC(NULL, "signed integers use -(2^(N-1)-1) .. 2^(N-1)-1"),
    {OPT_COUNT, 0, "count", "N", "random cases after the boundary cases, 0 to 2^32\n"
                                 "(default: 10000 for vectors, 1000 for verify)"},
    {0},
};

void cli_vectors_opts_help(FILE *f)
{
    cli_opts_help(f, vector_opts);
}

static void vectors_help(FILE *f)
{
    fprintf(f,
            "Usage: fpq vectors FROM TO [OPTIONS]\n"
            "\n"
            "Write test vectors for a FROM -> TO converter: after header lines starting\n"
            "with '#' (fpq version, formats, rounding, overflow policy, counts), one\n"
            "case per line: the input bit pattern and the expected output pattern,\n"
            "both 0x-hex zero-padded to their format's width, separated by a space.\n"
            "The expected value is the MPFR reference (fpq_convert).  First every\n"
            "boundary case: for FROM fp32 or fp64 each midpoint between adjacent TO\n"
            "values, the neighbours on both sides of it and of every value, the\n"
            "overflow threshold, subnormal boundaries, zeros, infinities and NaNs\n"
            "(the set that proves the fast path); for FROM of at most 16 bits every\n"
            "pattern.  Then N random patterns of FROM (default %d), from the seed.\n"
            "Stochastic rounding uses position = case index (0-based).\n"
            "\n"
            "Example: fpq vectors fp32 fp8_e4m3 --saturate --count 1000 > e4m3.txt\n"
            "\n"
            "Options:\n",
            VECTORS_COUNT_DEFAULT);
    cli_vectors_opts_help(f);
    fprintf(f, "\nFMT, option syntax and exit status: see 'fpq --help'.\n"
               "Vectors for a quantizer: see 'fpq vectors quant --help'.\n");
}

/* The cases of v (vectors.h).  Returns CLI_EXIT_OK, or reports and
 * returns. */
static int make_cases(cli_vectors *v)
{
    const fpq_format *from = &v->from, *to = &v->to;
    const fpq_rounding *rnd = &v->rnd;
    const unsigned long long count = v->count;
    const int width = fpq_format_host_width(from);
    const bool is32 = width == 32, is64 = width == 64;
    if (!is32 && !is64 && from->bits > 16) {
        cli_error("FROM must be fp32, fp64 or a format of at most 16 bits, not %s", from->name);
        return CLI_EXIT_USAGE;
    }
    size_t nb = is32 ? fpq_boundaries_f32(NULL, 0, to)
                     : is64 ? fpq_boundaries_f64(NULL, 0, to) : (size_t)1 << from->bits;
    size_t total = nb + (size_t)count;
    uint64_t *a = malloc(total * sizeof *a), *e = malloc(total * sizeof *e);
    void *buf = (is32 || is64) ? malloc(nb * (is32 ? sizeof(float) : sizeof(double))) : NULL;
    if (!a || !e || ((is32 || is64) && !buf)) {
        free(a);
        free(e);
        free(buf);
        cli_error("cannot allocate %zu cases", total);
        return CLI_EXIT_DATA;
    }
    if (is32)
        fpq_boundaries_f32(buf, nb, to);
    else if (is64)
        fpq_boundaries_f64(buf, nb, to);
    for (size_t i = 0; i < nb; i++) {
        if (is32) {
            uint32_t b;
            memcpy(&b, (float *)buf + i, sizeof b);
            a[i] = b;
        } else if (is64) {
            memcpy(&a[i], (double *)buf + i, sizeof a[i]);
        } else {
            a[i] = i;
        }
    }
    free(buf);
    const uint64_t mask = from->bits >= 64 ? UINT64_MAX : (UINT64_C(1) << from->bits) - 1;
    for (size_t i = 0; i < (size_t)count; i++)
        a[nb + i] = fpq_sr_bits(rnd->seed ^ UINT64_C(0x5eed), i) & mask;
    for (size_t i = 0; i < total; i++) {
        fpq_rounding r = *rnd;
        r.position = i;
        fpq_convert(&e[i], NULL, to, from, a[i], &r);
    }
    v->in = a;
    v->exp = e;
    v->n = total;
    v->nboundary = nb;
    return CLI_EXIT_OK;
}

/* A command line of vectors or verify being read. */
typedef struct vectors_args {
    cli_vectors *v;
    bool takes_cmd;
    void (*help)(FILE *);
    const char *ops[2]; /* FROM and TO */
    int nops;
} vectors_args;

/* One argument of the command line into the vectors_args ctx (cli_on_arg);
 * the rounding options go to p->rnd.  For verify, the first operand after
 * "--" and FROM TO starts CMD: the rest of argv, every argument after it
 * one of CMD's. */
static int vectors_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    vectors_args *a = ctx;
    if (a->v->cmd) /* an argument of CMD */
        return CLI_EXIT_OK;
    switch (id) {
    case CLI_HELP: a->help(stdout); break;
    case OPT_COUNT: return cli_arg_uint(p, arg, 0, VECTORS_COUNT_MAX, &a->v->count);
    case CLI_OPERAND:
        if (a->takes_cmd && p->operands_only && a->nops == 2) {
            a->v->cmd = &p->argv[p->next - 1]; /* the rest of argv */
            break;
        }
        if (a->nops == 2)
            return cli_usage_error(p->cmd, a->takes_cmd ? "unexpected operand '%s' (CMD and its arguments follow '--')"
                                                        : "unexpected operand '%s'", arg);
        a->ops[a->nops++] = arg;
        break;
    }
    return CLI_EXIT_OK;
}

int cli_vectors_load(cli_vectors *v, const char *cmd, int argc, char **argv, bool takes_cmd,
                     void (*help)(FILE *))
{
    fpq_rounding_default(&v->rnd);
    v->cmd = NULL;
    v->in = v->exp = NULL;
    v->n = v->nboundary = 0;
    vectors_args a = {v, takes_cmd, help, {NULL, NULL}, 0};
    cli_parser p;
    cli_parser_init(&p, cmd, vector_opts, argc, argv);
    p.rnd = &v->rnd;
    int rc = cli_parse(&p, vectors_arg, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *const *ops = a.ops;
    const int nops = a.nops;
    if (nops < 2)
        return cli_usage_error(cmd, "missing %s", nops ? "TO" : "FROM and TO");
    if (takes_cmd && !v->cmd)
        return cli_usage_error(cmd, p.operands_only ? "missing CMD after '--'" : "missing '-- CMD ARGS...'");
    if ((rc = cli_format(&v->from, cmd, ops[0])) != CLI_EXIT_OK || (rc = cli_format(&v->to, cmd, ops[1])) != CLI_EXIT_OK)
        return rc;
    return make_cases(v);
}

void cli_vectors_free(cli_vectors *v)
{
    free(v->in);
    free(v->exp);
    v->in = v->exp = NULL;
}

int cli_vectors_main(int argc, char **argv)
{
    cli_vectors v = {.count = VECTORS_COUNT_DEFAULT};
    int st = cli_vectors_load(&v, "vectors", argc, argv, false, vectors_help);
    if (st != CLI_EXIT_OK)
        return cli_exit_status(st);
    char mode[16];
    printf("# fpq %s vectors: %s -> %s, round %s, overflow %s%s\n", fpq_version(), v.from.name, v.to.name,
           cli_rounding_mode_text(mode, &v.rnd), cli_overflow_text(v.rnd.overflow),
           v.rnd.int_symmetric ? ", symmetric" : "");
    printf("# %zu boundary cases, then %llu random cases (seed %llu); each line: input expected\n", v.nboundary,
           v.count, (unsigned long long)v.rnd.seed);
    for (size_t i = 0; i < v.n; i++) {
        char a[24], b[24];
        fpq_sprint_bits(a, &v.from, v.in[i]);
        fpq_sprint_bits(b, &v.to, v.exp[i]);
        printf("%s %s\n", a, b);
    }
    cli_vectors_free(&v);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("write error on standard output");
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}
