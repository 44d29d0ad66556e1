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

#define VECTORS_COUNT_DEFAULT CLI_VECTORS_COUNT_DEFAULT
#define VECTORS_COUNT_MAX (1ULL << 32)

enum { OPT_COUNT = 1, OPT_TESTFLOAT, OPT_TININESS, OPT_TIMEOUT, OPT_NAN, OPT_MAX_EXAMPLES, OPT_MISMATCHES };

static const cli_opt vector_opts[] = {
    CLI_OPT_ROUND("rounding: {modes} (default: rne)"),
    CLI_OPT_SEED("seed of the random cases and of stochastic rounding,\n"
                 "decimal or 0x-hex (default: 0)"),
    CLI_OPT_SATURATE("overflow (and Inf) gives the largest finite value"),
    CLI_OPT_OVERFLOW(CLI_OVERFLOW_HELP),
    CLI_OPT_SYMMETRIC(NULL, "signed integers use -(2^(N-1)-1) .. 2^(N-1)-1"),
    {OPT_COUNT, 0, "count", "N", "random cases after the boundary cases, 0 to 2^32\n"
                                 "(default: 10000, for vectors and verify)"},
    {OPT_TININESS, 0, "tininess", "WHEN", "FMT OP: underflow when the result is tiny 'after'\n"
                                          "rounding (x86, default) or 'before' (ARM)"},
    {OPT_TESTFLOAT, 0, "testfloat", NULL, "vectors FMT OP: TestFloat's line form (testfloat_ver)"},
    {OPT_TIMEOUT, 0, "timeout", "SECONDS", "verify: kill CMD after SECONDS (default: none)"},
    {OPT_NAN, 0, "nan", "POLICY", "verify: a NaN answer to a NaN reference must be 'payload'\n"
                                  "(the same pattern, default), 'canonical' (the\n"
                                  "format's canonical NaN) or 'any' NaN"},
    {OPT_MAX_EXAMPLES, 0, "max-examples", "N", "verify: mismatches printed per class (default: 3)"},
    {OPT_MISMATCHES, 0, "mismatches", "FILE", "verify: write every mismatch to FILE"},
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
            "       fpq vectors FMT OP [OPTIONS]\n"
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
            "Stochastic rounding uses position = case index (0-based).  Under\n"
            "sra:N, srb:N, src:N each line has a third column, R: the case's N\n"
            "random bits (fpq_sr_bits(seed, index) >> (64 - N)) in hex, so that\n"
            "another implementation given R reproduces every line.\n"
            "\n"
            "With FMT OP (an operation of 'fpq arith', FMT a float format): one case\n"
            "per line, OP's operands, the result (1 or 0 for comparisons) and the\n"
            "flags as two hex digits (inexact 01, underflow 02, overflow 04, infinite\n"
            "08, invalid 10), from fpq_arith.  First the boundary cases: for FMT of at\n"
            "most 8 bits every pair of patterns (fma: with 8 addends; unary OP up to\n"
            "16 bits: every pattern); otherwise every pair (fma: triple) of a core\n"
            "set (zeros, subnormal and normal limits, 1 and its neighbours, the\n"
            "largest finite, Inf, NaNs, both signs), every power of two with its\n"
            "neighbours against 1, -1, the smallest normal, the largest finite,\n"
            "itself and its negation, and constructed ties; then N random operand\n"
            "patterns.  --testfloat writes the lines as TestFloat's testfloat_gen\n"
            "does (fp16, fp32, fp64 as f16, f32, f64; add, sub, mul, div, fma as\n"
            "mulAdd, sqrt, eq, lt, le): upper-case hex without 0x, no header, for\n"
            "'testfloat_ver' or another reader of that form.\n"
            "\n"
            "Examples: fpq vectors fp32 fp8_e4m3 --saturate --count 1000 > e4m3.txt\n"
            "          fpq vectors fp32 mul --testfloat --tininess before > f32_mul.txt\n"
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

bool cli_vectors_r(char *buf, size_t n, const cli_vectors *v, size_t i)
{
    const fpq_rounding *r = &v->rnd;
    if (v->arith || r->mode < FPQ_RSRA || r->mode > FPQ_RSRC || r->sr_n == 0 || r->sr_n > 64)
        return false;
    uint64_t R = fpq_sr_bits(r->seed, i) >> (64 - r->sr_n);
    snprintf(buf, n, "0x%0*llx", (int)((r->sr_n + 3) / 4), (unsigned long long)R);
    return true;
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
    case OPT_TININESS:
        if (strcmp(arg, "before") && strcmp(arg, "after"))
            return cli_usage_error(p->cmd, "option '--tininess': bad value '%s' (before or after)", arg);
        a->v->tiny_before = !strcmp(arg, "before");
        break;
    case OPT_TESTFLOAT:
        if (a->takes_cmd)
            return cli_usage_error(p->cmd, "option '--testfloat' is one of 'fpq vectors'");
        a->v->testfloat = true;
        break;
    case OPT_TIMEOUT:
    case OPT_NAN:
    case OPT_MAX_EXAMPLES:
    case OPT_MISMATCHES:
        if (!a->takes_cmd)
            return cli_usage_error(p->cmd, "option '--%s' is one of 'fpq verify'",
                                   id == OPT_TIMEOUT ? "timeout" : id == OPT_NAN ? "nan"
                                   : id == OPT_MAX_EXAMPLES ? "max-examples" : "mismatches");
        if (id == OPT_TIMEOUT) {
            char *end;
            double t = strtod(arg, &end);
            if (end == arg || *end || !(t > 0 && t <= 86400))
                return cli_usage_error(p->cmd, "option '--timeout': bad value '%s' (seconds, above 0, at most 86400)", arg);
            a->v->timeout = t;
        } else if (id == OPT_NAN) {
            if (!strcmp(arg, "payload"))
                a->v->nan = CLI_NAN_PAYLOAD;
            else if (!strcmp(arg, "any"))
                a->v->nan = CLI_NAN_ANY;
            else if (!strcmp(arg, "canonical"))
                a->v->nan = CLI_NAN_CANONICAL;
            else
                return cli_usage_error(p->cmd, "option '--nan': bad value '%s' (any, canonical or payload)", arg);
        } else if (id == OPT_MAX_EXAMPLES) {
            return cli_arg_uint(p, arg, 0, VECTORS_COUNT_MAX, &a->v->max_examples);
        } else {
            a->v->mismatches = arg;
        }
        break;
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
    v->arith = v->tiny_before = v->testfloat = false;
    v->opnd = NULL;
    v->eflags = NULL;
    v->timeout = 0;
    v->nan = CLI_NAN_PAYLOAD;
    v->max_examples = 3;
    v->mismatches = NULL;
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
    if ((rc = cli_format(&v->from, cmd, ops[0])) != CLI_EXIT_OK)
        return rc;
    if (fpq_op_parse(&v->op, ops[1]) == FPQ_OK) {
        v->arith = true;
        v->to = v->from;
        return cli_arith_cases(v);
    }
    if (v->testfloat || v->tiny_before)
        return cli_usage_error(cmd, "option '--%s' needs FMT OP, not FROM TO", v->testfloat ? "testfloat" : "tininess");
    if ((rc = cli_format(&v->to, cmd, ops[1])) != CLI_EXIT_OK)
        return rc;
    return make_cases(v);
}

void cli_vectors_free(cli_vectors *v)
{
    free(v->in);
    free(v->exp);
    free(v->opnd);
    free(v->eflags);
    v->in = v->exp = v->opnd = NULL;
    v->eflags = NULL;
}

int cli_vectors_main(int argc, char **argv)
{
    cli_vectors v = {.count = VECTORS_COUNT_DEFAULT};
    int st = cli_vectors_load(&v, "vectors", argc, argv, false, vectors_help);
    if (st != CLI_EXIT_OK)
        return cli_exit_status(st);
    char mode[16];
    if (v.arith) {
        if (v.testfloat && strcmp(v.from.name, "fp16") && strcmp(v.from.name, "fp32") && strcmp(v.from.name, "fp64")) {
            cli_error("vectors: --testfloat: TestFloat has f16, f32 and f64, not %s", v.from.name);
            cli_vectors_free(&v);
            return cli_exit_status(CLI_EXIT_USAGE);
        }
        const fpq_op tf_ops[] = {FPQ_OP_ADD, FPQ_OP_SUB, FPQ_OP_MUL, FPQ_OP_DIV, FPQ_OP_FMA,
                                 FPQ_OP_SQRT, FPQ_OP_EQ, FPQ_OP_LT, FPQ_OP_LE};
        bool tf_op = false;
        for (size_t k = 0; k < sizeof tf_ops / sizeof tf_ops[0]; k++)
            tf_op |= v.op == tf_ops[k];
        if (v.testfloat && !tf_op) {
            cli_error("vectors: --testfloat: TestFloat has no %s (it has add, sub, mul, div, fma as mulAdd, "
                      "sqrt, eq, lt, le)", fpq_op_name(v.op));
            cli_vectors_free(&v);
            return cli_exit_status(CLI_EXIT_USAGE);
        }
        if (!v.testfloat) {
            printf("# fpq %s vectors: %s %s, round %s, overflow %s, tininess %s\n", fpq_version(), v.from.name,
                   fpq_op_name(v.op), cli_rounding_mode_text(mode, &v.rnd), cli_overflow_text(v.rnd.overflow),
                   v.tiny_before ? "before rounding" : "after rounding");
            printf("# %zu boundary cases, then %llu random cases (seed %llu); each line: operands result flags\n",
                   v.nboundary, v.count, (unsigned long long)v.rnd.seed);
        }
        int bad = cli_arith_print(stdout, &v);
        cli_vectors_free(&v);
        if (bad) {
            cli_error("write error on standard output");
            return CLI_EXIT_DATA;
        }
        return CLI_EXIT_OK;
    }
    printf("# fpq %s vectors: %s -> %s, round %s, overflow %s%s\n", fpq_version(), v.from.name, v.to.name,
           cli_rounding_mode_text(mode, &v.rnd), cli_overflow_text(v.rnd.overflow),
           v.rnd.int_symmetric ? ", symmetric" : "");
    char rr[24];
    const bool with_r = cli_vectors_r(rr, sizeof rr, &v, 0);
    printf("# %zu boundary cases, then %llu random cases (seed %llu); each line: input expected%s\n",
           v.nboundary, v.count, (unsigned long long)v.rnd.seed,
           with_r ? " R (the stochastic rounding's random bits)" : "");
    for (size_t i = 0; i < v.n; i++) {
        char a[24], b[24];
        fpq_sprint_bits(a, &v.from, v.in[i]);
        fpq_sprint_bits(b, &v.to, v.exp[i]);
        if (with_r && cli_vectors_r(rr, sizeof rr, &v, i))
            printf("%s %s %s\n", a, b, rr);
        else
            printf("%s %s\n", a, b);
    }
    cli_vectors_free(&v);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("write error on standard output");
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}
