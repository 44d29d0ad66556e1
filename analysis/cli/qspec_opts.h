/* qspec_opts.h: what the lab's commands share (qspec_opts.c) -- the
 * quantization-spec options, one table for fpq quant, fpq matmul (once per
 * operand, prefixed: --x-format, --w-group, ...) and the axes of fpq sweep
 * and fpq hist that have the same names; loading a tensor source; the
 * number form of the metrics of fpq quant and fpq matmul.
 */
#ifndef FPQ_CLI_QSPEC_OPTS_H
#define FPQ_CLI_QSPEC_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "matmul.h"
#include "opt.h"
#include "quant.h"
#include "sweep.h"

/* Ids of the spec options besides the shared ones they use (CLI_ID_FORMAT,
 * CLI_ID_ROUND, CLI_ID_SEED, CLI_ID_SYMMETRIC); below 1000 like every
 * command's own, and above the ids the commands give their other options
 * (which stay below 800: see cli_axis_option). */
enum {
    CLI_QO_FIRST = 900,
    CLI_QO_SCHEME = CLI_QO_FIRST, CLI_QO_GRAN, CLI_QO_GROUP, CLI_QO_AXIS, CLI_QO_SCALE_FORMAT,
    CLI_QO_SCALE_ROUND, CLI_QO_MX_RULE, CLI_QO_NO_TENSOR_SCALE, CLI_QO_RANGE, CLI_QO_OUTLIER, CLI_QO_KEPT,
    CLI_QO_QUOTIENT, CLI_QO_SCALE_ARITH
};

/* The largest group size the options take: the largest tensor quant.h
 * supports. */
#define CLI_QSPEC_MAX_GROUP (1ULL << 53)

/* The spec options, ended by an entry whose id is 0; CLI_QSPEC_NOPTS of
 * them. */
#define CLI_QSPEC_NOPTS 19
extern const cli_opt cli_qspec_options[CLI_QSPEC_NOPTS + 1];

/* The spec options given, checked as far as they can be alone: the names
 * (formats, scheme, ...) as text, the numbers and the rounding parsed. */
typedef struct cli_qspec_opts {
    const char *format, *scheme, *gran, *scale_format, *scale_round, *mx_rule, *range, *kept;
    const char *quotient, *scale_arith;
    size_t group;
    unsigned axis;
    double outlier;
    bool has_group, has_axis, has_outlier;
    bool has_overflow; /* --overflow given (the spec's default is finite) */
    fpq_rounding rnd; /* --round, --seed, --symmetric */
    bool no_tensor_scale;
    bool exact; /* the command's --exact, if it has one */
    bool any;   /* some spec option was given */
} cli_qspec_opts;

void cli_qspec_opts_init(cli_qspec_opts *o);

/* The spec options under a prefix, for a command that takes several specs
 * (fpq train: --w-format, --ga-round, ...): names "PREFIX-NAME", ids
 * base + k for the spec option k of cli_qspec_options; help: the spec
 * option's own (ref NULL) or "as --REF-NAME, for WHAT". */
typedef struct cli_qspec_prefixed {
    cli_opt t[CLI_QSPEC_NOPTS + 1];
    char names[CLI_QSPEC_NOPTS][40];
    char help[CLI_QSPEC_NOPTS][80];
} cli_qspec_prefixed;

void cli_qspec_prefix(cli_qspec_prefixed *o, const char *prefix, int base, const char *ref,
                      const char *what);

/* If id is one of the options made by cli_qspec_prefix with base (base
 * .. base + CLI_QSPEC_NOPTS - 1), take it into o as cli_qspec_option does
 * (*handled true); else *handled false and CLI_EXIT_OK. */
int cli_qspec_prefixed_option(const cli_parser *p, cli_qspec_opts *o, int base, int id,
                              const char *arg, bool *handled);

/* Take spec option id (an id of cli_qspec_options) with its argument, as
 * cli_parse passed it: numbers are checked here (an error names the option
 * and the range); another id is ignored.  CLI_EXIT_OK or CLI_EXIT_USAGE
 * (reported). */
int cli_qspec_option(const cli_parser *p, cli_qspec_opts *o, int id, const char *arg);

/* Fill *s (fpq_qspec_default first) from the options and validate it;
 * usage errors are reported for command cmd, naming the options with
 * prefix ("" or "x-", "w-").  CLI_EXIT_OK or CLI_EXIT_USAGE. */
int cli_qspec_build(fpq_qspec *s, const char *cmd, const char *prefix, const cli_qspec_opts *o);

/* The options of a quantized product (fpq matmul, fpq eval): the operand
 * specs (--x-..., --w-...), --scheme llm.int8|plain, --threshold,
 * --kept-format, --in, --acc, --int-acc, as given. */
typedef struct cli_mm_opts {
    cli_qspec_opts x, w;
    const char *scheme, *kept, *in, *acc, *int_acc, *acc_model;
    double threshold;
    bool has_threshold;
} cli_mm_opts;

void cli_mm_opts_init(cli_mm_opts *o);

/* Their options: the split (--scheme, --threshold, --kept-format) and the
 * product (--in, --acc, --int-acc), each table ended by an entry whose id
 * is 0; ids CLI_MM_*, between the spec options' and 1000. */
enum {
    CLI_MM_FIRST = 950,
    CLI_MM_SCHEME = CLI_MM_FIRST, CLI_MM_THRESHOLD, CLI_MM_KEPT, CLI_MM_IN, CLI_MM_ACC, CLI_MM_INT_ACC,
    CLI_MM_ACC_MODEL
};
extern const cli_opt cli_mm_split_options[4];
extern const cli_opt cli_mm_product_options[5];

/* The operands' spec options of a product: x- and w-prefixed (see
 * cli_qspec_prefix). */
typedef struct cli_mm_tables {
    cli_qspec_prefixed x, w;
} cli_mm_tables;

/* Make t's tables, X's with ids x_base + k, W's with ids w_base + k and
 * help "as --x-NAME, for W_WHAT", then append to out (see cli_opts_append)
 * X's options, W's, cli_mm_split_options and cli_mm_product_options, in
 * that order. */
void cli_mm_append(cli_opt *out, size_t cap, size_t *n, cli_mm_tables *t, int x_base, int w_base,
                   const char *w_what);

/* Take id, as cli_parse passed it, when it is one of those or of the
 * operands' spec options made by cli_qspec_prefix with x_base and w_base
 * (*handled true); else *handled false and CLI_EXIT_OK. */
int cli_mm_option(const cli_parser *p, cli_mm_opts *o, int x_base, int w_base, int id,
                  const char *arg, bool *handled);

/* The product's spec from the options, validated (an operand with options
 * is quantized; llm.int8 quantizes both, vector-wise unless told);
 * CLI_EXIT_OK or a usage error reported for command cmd. */
int cli_mm_build(fpq_mm_spec *s, const char *cmd, const cli_mm_opts *o);

/* The axes of fpq sweep (with_source: every axis of both modes but label)
 * or of fpq hist (the quant axes but source and label, one value each) as
 * options, appended to out (see cli_opts_append): those named like a spec
 * option take its id and short name. */
void cli_axis_options(cli_opt *out, size_t cap, size_t *n, bool with_source);

/* If id, as cli_parse passed it, is an option of cli_axis_options, add its
 * argument to the axis (a list of values, the numbers checked; a bare
 * --symmetric is 1); another id is ignored.  Ids of the axes that are not
 * spec options are 800 and up: a command's own ids stay below.  CLI_EXIT_OK
 * or CLI_EXIT_USAGE (reported). */
int cli_axis_option(const cli_parser *p, fpq_sweep_axes *a, int id, const char *arg);

/* What the axes given imply, as the spec options do in fpq quant: --group
 * without --granularity is granularity group (quant mode).  CLI_EXIT_OK or
 * a reported error. */
int cli_axis_implied(fpq_sweep_axes *a, const char *cmd);

/* Load a tensor source for command cmd; on failure report it, prefixed
 * ("X: ", "calibration: ", or ""): an invalid generator spec or ambiguous
 * file is a usage error (CLI_EXIT_USAGE), anything else CLI_EXIT_DATA. */
int cli_load_source(fpq_tensor *t, const char *cmd, const char *src, const char *prefix);

/* The shortest %.Ng (15 <= N <= 17) that reads back as v; "inf", "-inf",
 * "nan" as printf spells them: the numbers of fpq quant and fpq matmul. */
void cli_num(char *buf, size_t n, double v);

#endif /* FPQ_CLI_QSPEC_OPTS_H */
