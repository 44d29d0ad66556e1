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
} cli_vectors;

/* Read the command line of vectors (takes_cmd false: FROM TO) or verify
 * (FROM TO -- CMD ARGS...) into v, whose count holds the default, and make
 * the cases: boundary inputs, then count random ones, each with the
 * reference result; position i of stochastic rounding is case i.  Returns
 * CLI_EXIT_OK, CLI_HELP_SHOWN after printing help (opt.h), or the exit
 * status of a reported problem.  cli_vectors_free releases the cases. */
int cli_vectors_load(cli_vectors *v, const char *cmd, int argc, char **argv, bool takes_cmd,
                     void (*help)(FILE *));
void cli_vectors_free(cli_vectors *v);

/* The options of vectors and verify, for their help. */
void cli_vectors_opts_help(FILE *f);

#endif /* FPQ_CLI_VECTORS_H */
