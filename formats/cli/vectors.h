/* vectors.h: the test vectors of `fpq vectors` and `fpq verify`
 * (cmd_vectors.c): their shared command line and their cases. */
#ifndef FPQ_CLI_VECTORS_H
#define FPQ_CLI_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fpq.h"

typedef struct cli_vectors {
    fpq_format from, to;
    fpq_rounding rnd;         /* --round, --seed, --saturate, --symmetric */
    unsigned long long count; /* --count: random cases after the boundary ones */
    char **cmd;               /* verify: the command after "--" and its
                                 arguments, NULL-terminated */
    uint64_t *in, *exp;       /* the cases: input patterns of from, the
                                 reference results in to */
    size_t n, nboundary;      /* cases, of which boundary cases */
    /* FMT OP instead of FROM TO: arithmetic cases (arith_vectors.c) */
    bool arith;
    fpq_op op;
    uint64_t *opnd;           /* arith: 3 operand patterns of from per case */
    uint8_t *eflags;          /* arith: the reference flags per case */
    bool tiny_before;         /* --tininess before */
    bool testfloat;           /* vectors --testfloat */
    /* verify only */
    double timeout;           /* --timeout seconds, 0 none */
    enum { CLI_NAN_PAYLOAD, CLI_NAN_ANY, CLI_NAN_CANONICAL } nan; /* --nan */
    unsigned long long max_examples; /* --max-examples */
    const char *mismatches;   /* --mismatches FILE or NULL */
} cli_vectors;

/* The default number of random cases of vectors and verify. */
#define CLI_VECTORS_COUNT_DEFAULT 10000

/* Read the command line of vectors (takes_cmd false: FROM TO) or verify
 * (FROM TO -- CMD ARGS...) into v, whose count holds the default, and make
 * the cases: boundary inputs, then count random ones, each with the
 * reference result; position i of stochastic rounding is case i.  Returns
 * CLI_EXIT_OK, CLI_HELP_SHOWN after printing help (opt.h), or the exit
 * status of a reported problem.  cli_vectors_free releases the cases. */
int cli_vectors_load(cli_vectors *v, const char *cmd, int argc, char **argv, bool takes_cmd,
                     void (*help)(FILE *));
void cli_vectors_free(cli_vectors *v);

/* Under P3109's stochastic roundings sra:N, srb:N, src:N (conversions):
 * the random bits R of case i, fpq_sr_bits(seed, i) >> (64 - N), the R
 * the reference used, as 0x-hex of ceil(N/4) digits into buf, and true;
 * else false (no R column).  vectors writes it as a third column, verify
 * gives it to CMD after the input pattern. */
bool cli_vectors_r(char *buf, size_t n, const cli_vectors *v, size_t i);

/* arith_vectors.c: the arithmetic cases of v (v->from, v->op, v->rnd,
 * v->count, v->tiny_before): boundary operands, then v->count random ones.
 * Returns CLI_EXIT_OK, or reports and returns. */
int cli_arith_cases(cli_vectors *v);

/* arith_vectors.c: write v's arithmetic cases to f, in fpq's form or
 * (v->testfloat) TestFloat's.  Returns 0, or -1 on a write error. */
int cli_arith_print(FILE *f, const cli_vectors *v);

/* arith_vectors.c: operand line i of v (hex patterns, spaces) into buf. */
void cli_arith_operands(char *buf, size_t n, const cli_vectors *v, size_t i);

/* arith_vectors.c: whether pattern got answers expected under v->nan. */
bool cli_nan_match(const cli_vectors *v, const fpq_format *f, uint64_t expected, uint64_t got);

/* The options of vectors and verify, for their help. */
void cli_vectors_opts_help(FILE *f);

#endif /* FPQ_CLI_VECTORS_H */
