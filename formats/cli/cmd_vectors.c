/* cmd_vectors.c: `fpq vectors`, test vectors for other projects' converters.
 *
 * Each line is an input bit pattern of FROM and the reference result in TO
 * (fpq_convert, MPFR), both in the `fpq convert` hex form.  The boundary
 * cases come first: for binary32 and binary64 sources the same enumeration
 * that proves the fast path (fpq_boundaries_f32 / _f64), for sources of at
 * most 16 bits every pattern; then --count seeded random patterns. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define VECTORS_COUNT_DEFAULT 10000

static void vectors_help(FILE *f)
{
    fprintf(f,
            "Usage: fpq vectors FROM TO [--round MODE] [--saturate] [--symmetric]\n"
            "                   [--count N] [--seed S]\n"
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
            "Options:\n"
            "  -r, --round MODE  rne (default), rna, rtz, rup, rdn, odd, sr\n"
            "      --saturate    overflow (and Inf) gives the largest finite value\n"
            "      --symmetric   signed integers use -(2^(N-1)-1) .. 2^(N-1)-1\n"
            "      --count N     random cases after the boundary cases (0 or more)\n"
            "      --seed S      seed of the random cases and of stochastic rounding\n"
            "  -h, --help        show this help and exit\n"
            "\n"
            "Example: fpq vectors fp32 fp8_e4m3 --saturate --count 1000 > e4m3.txt\n",
            VECTORS_COUNT_DEFAULT);
}

/* The cases of FROM -> TO: boundary inputs, then count random ones, each with
 * the reference result; position i of stochastic rounding is case i.  On
 * success *in and *exp are malloc'd arrays of *n patterns (*nboundary of
 * them boundary cases).  Returns CLI_EXIT_OK, or reports and returns. */
int cli_vector_cases(uint64_t **in, uint64_t **exp, size_t *n, size_t *nboundary, const fpq_format *from,
                     const fpq_format *to, const fpq_rounding *rnd, unsigned long long count)
{
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
    *in = a;
    *exp = e;
    *n = total;
    *nboundary = nb;
    return CLI_EXIT_OK;
}

/* The command line shared by vectors and verify, up to argc: FROM TO and
 * --round, --saturate, --symmetric, --count, --seed (and --help when help
 * is non-NULL).  Returns CLI_EXIT_OK with the formats filled, -1 after
 * printing help, or the exit status of a reported misuse. */
int cli_vector_args(cli_vector_opts *o, const char *cmd, int argc, char **argv, void (*help)(FILE *))
{
    enum { O_SATURATE = 256, O_SYMMETRIC, O_COUNT, O_SEED };
    static const struct option longs[] = {
        {"round", required_argument, NULL, 'r'}, {"saturate", no_argument, NULL, O_SATURATE},
        {"symmetric", no_argument, NULL, O_SYMMETRIC}, {"count", required_argument, NULL, O_COUNT},
        {"seed", required_argument, NULL, O_SEED}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    fpq_rounding_default(&o->rnd);
    const char *ops[2];
    int nops = 0, code;
    char *end;
    opterr = 0;
    optind = 0;
    while ((code = getopt_long(argc, argv, "-:r:h", longs, NULL)) != -1) {
        switch (code) {
        case 1:
            if (nops == 2)
                return cli_usage_error(cmd, "unexpected operand '%s'", optarg);
            ops[nops++] = optarg;
            break;
        case 'r':
            if (fpq_rnd_parse(&o->rnd.mode, optarg) != FPQ_OK)
                return cli_usage_error(cmd, "unknown rounding mode '%s'", optarg);
            break;
        case O_SATURATE: o->rnd.overflow = FPQ_OVF_SATURATE; break;
        case O_SYMMETRIC: o->rnd.int_symmetric = true; break;
        case O_COUNT:
            o->count = strtoull(optarg, &end, 10);
            if (*end || optarg[0] == '-' || !optarg[0] || o->count > (1ull << 32))
                return cli_usage_error(cmd, "--count takes 0 to 2^32, not '%s'", optarg);
            break;
        case O_SEED:
            if (!cli_parse_seed(&o->rnd.seed, optarg))
                return cli_usage_error(cmd, "--seed takes an unsigned integer (decimal or 0x-hex), not '%s'",
                                       optarg);
            break;
        case 'h':
            if (help) {
                help(stdout);
                return -1;
            }
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        case ':': return cli_usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    for (; optind < argc; optind++) {
        if (nops == 2)
            return cli_usage_error(cmd, "unexpected operand '%s'", argv[optind]);
        ops[nops++] = argv[optind];
    }
    if (nops < 2)
        return cli_usage_error(cmd, "missing %s", nops ? "TO" : "FROM and TO");
    int st = cli_format(&o->from, cmd, ops[0]);
    if (st == CLI_EXIT_OK)
        st = cli_format(&o->to, cmd, ops[1]);
    return st;
}

int cli_vectors_main(int argc, char **argv)
{
    cli_vector_opts o = {.count = VECTORS_COUNT_DEFAULT};
    int st = cli_vector_args(&o, "vectors", argc, argv, vectors_help);
    if (st != CLI_EXIT_OK)
        return st < 0 ? CLI_EXIT_OK : st;
    const fpq_format from = o.from, to = o.to;
    const fpq_rounding rnd = o.rnd;
    const unsigned long long count = o.count;
    uint64_t *in, *exp;
    size_t n, nb;
    if ((st = cli_vector_cases(&in, &exp, &n, &nb, &from, &to, &rnd, count)) != CLI_EXIT_OK)
        return st;
    printf("# fpq %s vectors: %s -> %s, round %s, overflow %s%s\n", fpq_version(), from.name, to.name,
           fpq_rnd_name(rnd.mode), rnd.overflow == FPQ_OVF_SATURATE ? "saturate" : "format",
           rnd.int_symmetric ? ", symmetric" : "");
    printf("# %zu boundary cases, then %llu random cases (seed %llu); each line: input expected\n", nb,
           count, (unsigned long long)rnd.seed);
    for (size_t i = 0; i < n; i++) {
        char a[24], b[24];
        fpq_sprint_bits(a, &from, in[i]);
        fpq_sprint_bits(b, &to, exp[i]);
        printf("%s %s\n", a, b);
    }
    free(in);
    free(exp);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("write error on standard output");
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}
