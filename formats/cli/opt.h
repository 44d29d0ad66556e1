/* opt.h: the option layer of the fpq command -- one parser, one error
 * reporter and one help printer for every command.
 *
 * A command describes its options in a table of cli_opt, terminated by an
 * entry whose id is 0, and reads its command line with cli_next:
 *
 *     static const cli_opt opts[] = {
 *         CLI_OPT_FORMAT("FMT", "the format"),
 *         {OPT_BINS, 0, "bins", "N", "number of bins (default 64)"},
 *         CLI_OPT_CSV,
 *         {0},
 *     };
 *     cli_parser p;
 *     cli_parser_init(&p, "hist", opts, argc, argv);
 *     const char *arg;
 *     int id;
 *     while ((id = cli_next(&p, &arg)) != CLI_DONE) {
 *         switch (id) {
 *         case CLI_FAILED: return CLI_EXIT_USAGE;   (already reported)
 *         case CLI_OPERAND: ...; break;
 *         case CLI_HELP: print help; return CLI_EXIT_OK;
 *         case CLI_ID_FORMAT: ...; break;
 *         }
 *     }
 *
 * The rules, the same for every command:
 *   - options may come before, between or after the operands; "--" ends
 *     them, and everything after it is an operand;
 *   - an argument that looks like a negative number ("-1.5", "-.5",
 *     "-0x1p-3", "-inf", "-nan") is an operand, never an option;
 *   - a long option may be abbreviated to an unambiguous prefix and takes
 *     its argument as "--name VALUE" or "--name=VALUE"; an optional argument
 *     (placeholder "[=B]") only as "--name=VALUE";
 *   - short options take their argument as "-r MODE" or "-rMODE"; flags may
 *     be grouped ("-qh");
 *   - -h and --help are every command's: cli_next returns CLI_HELP;
 *   - a problem is reported once, on stderr, as "fpq: MESSAGE" followed by
 *     "Try 'fpq CMD --help' for more information.", and cli_next returns
 *     CLI_FAILED: the command exits with CLI_EXIT_USAGE.
 *
 * A flag means the same thing in every command that takes it: the shared
 * options below (CLI_OPT_*) are the only spellings of -f, -r, -o, -q, -j,
 * --seed, --saturate, --symmetric, --csv, --json, --force.  An option of
 * the shared set that a command does not take is refused as "does not
 * apply", not as unknown.
 */
#ifndef FPQ_CLI_OPT_H
#define FPQ_CLI_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fpq.h"

/* One option of a command's table. */
typedef struct cli_opt {
    int id;              /* the command's code for it, > 0; 0 ends a table */
    char short_name;     /* 'f' for -f, or 0 */
    const char *name;    /* the long name, without "--" */
    const char *arg;     /* placeholder of the argument ("FMT"); "[=B]" for
                            an optional one; NULL for a flag */
    const char *help;    /* the help text; lines separated by '\n'.
                            "{modes}" stands for the rounding-mode names. */
} cli_opt;

/* What cli_next returns besides an option's id. */
enum {
    CLI_DONE = 0,     /* no more arguments */
    CLI_FAILED = -1,  /* a usage error, already reported */
    CLI_OPERAND = -2, /* an operand, in *arg */
    CLI_HELP = -3     /* -h or --help */
};

/* Ids of the shared options (a command's own ids stay below 1000). */
enum {
    CLI_ID_FORMAT = 1000, /* -f, --format FMT */
    CLI_ID_ROUND,         /* -r, --round MODE */
    CLI_ID_SEED,          /* --seed N */
    CLI_ID_SATURATE,      /* --saturate */
    CLI_ID_SYMMETRIC,     /* --symmetric */
    CLI_ID_OUT,           /* -o, --out FILE */
    CLI_ID_CSV,           /* --csv */
    CLI_ID_JSON,          /* --json */
    CLI_ID_QUIET,         /* -q, --quiet */
    CLI_ID_THREADS,       /* -j, --threads N */
    CLI_ID_FORCE          /* --force */
};

/* The shared options.  Those with a HELP (and ARG) parameter keep their
 * spelling and meaning and let the command describe its use. */
#define CLI_OPT_FORMAT(ARG, HELP) {CLI_ID_FORMAT, 'f', "format", ARG, HELP}
#define CLI_OPT_ROUND(HELP) {CLI_ID_ROUND, 'r', "round", "MODE", HELP}
#define CLI_OPT_SEED(HELP) {CLI_ID_SEED, 0, "seed", "N", HELP}
#define CLI_OPT_SATURATE(HELP) {CLI_ID_SATURATE, 0, "saturate", NULL, HELP}
#define CLI_OPT_SYMMETRIC(ARG, HELP) {CLI_ID_SYMMETRIC, 0, "symmetric", ARG, HELP}
#define CLI_OPT_OUT(ARG, HELP) {CLI_ID_OUT, 'o', "out", ARG, HELP}
#define CLI_OPT_CSV(HELP) {CLI_ID_CSV, 0, "csv", NULL, HELP}
#define CLI_OPT_JSON(HELP) {CLI_ID_JSON, 0, "json", NULL, HELP}
#define CLI_OPT_QUIET(HELP) {CLI_ID_QUIET, 'q', "quiet", NULL, HELP}
#define CLI_OPT_THREADS(HELP) {CLI_ID_THREADS, 'j', "threads", "N", HELP}
#define CLI_OPT_FORCE(HELP) {CLI_ID_FORCE, 0, "force", NULL, HELP}

/* The rounding options with their usual help, for commands that round. */
#define CLI_OPTS_ROUNDING                                                                        \
    CLI_OPT_ROUND("rounding: {modes} (default: rne)\n"                                          \
                  "rne/rna: nearest, ties to even/away; rtz: toward zero;\n"                    \
                  "rup/rdn: toward +/-inf; odd: to odd; sr: stochastic"),                       \
        CLI_OPT_SEED("seed of stochastic rounding, decimal or 0x-hex (default: 0)"),            \
        CLI_OPT_SATURATE("overflow (and Inf) gives the largest finite value"),                  \
        CLI_OPT_SYMMETRIC(NULL, "signed integers use -(2^(N-1)-1) .. 2^(N-1)-1")

/* A command line being read. */
typedef struct cli_parser {
    const char *cmd;      /* the command's name, for messages */
    const cli_opt *opts;  /* its table */
    int argc;
    char **argv;          /* argv[0] is the command's name */
    int next;             /* index of the next argument */
    const char *cluster;  /* the rest of a group of short flags ("-qh") */
    bool operands_only;   /* after "--" */
    const cli_opt *cur;   /* the option last returned, for messages */
} cli_parser;

/* Start reading argv[1 .. argc) for command cmd with the option table opts. */
void cli_parser_init(cli_parser *p, const char *cmd, const cli_opt *opts, int argc, char **argv);

/* The next option (its id, with *arg its argument or NULL), operand
 * (CLI_OPERAND), CLI_HELP, CLI_DONE at the end, or CLI_FAILED after a usage
 * error was reported. */
int cli_next(cli_parser *p, const char **arg);

/* Report a usage error about the option last returned by cli_next:
 * "fpq: option '--NAME': MESSAGE" and the hint.  Returns CLI_EXIT_USAGE. */
int cli_opt_error(const cli_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option arguments, checked; on a bad one the error names the option and
 * the accepted range, and the return is CLI_EXIT_USAGE (else CLI_EXIT_OK). */
int cli_arg_uint(const cli_parser *p, const char *arg, unsigned long long lo, unsigned long long hi,
                 unsigned long long *out);
int cli_arg_double(const cli_parser *p, const char *arg, double lo, double hi, double *out);
int cli_arg_format(const cli_parser *p, const char *arg, fpq_format *out);

/* The shared rounding options (CLI_ID_ROUND, _SEED, _SATURATE, _SYMMETRIC)
 * into r; *handled says whether id was one of them. */
int cli_rounding_option(const cli_parser *p, fpq_rounding *r, int id, const char *arg, bool *handled);

/* cli_next, with the shared rounding options (CLI_ID_ROUND, _SEED,
 * _SATURATE, _SYMMETRIC) read into r rather than returned; a bad one is
 * reported and gives CLI_FAILED. */
int cli_next_rounding(cli_parser *p, const char **arg, fpq_rounding *r);

/* Print the options of a table, aligned, as help text; "-h, --help" last. */
void cli_opts_help(FILE *f, const cli_opt *opts);

/* Each comma-separated item of arg checked as by cli_arg_uint or
 * cli_arg_double (an empty item is a bad value); the values are not kept. */
int cli_arg_uint_list(const cli_parser *p, const char *arg, unsigned long long lo, unsigned long long hi);
int cli_arg_double_list(const cli_parser *p, const char *arg, double lo, double hi);

/* A table built at run time from others: append the options of t to out,
 * which holds *n options and room for cap entries, and keep it ended by an
 * entry whose id is 0.  Running out of room is a bug: abort(). */
void cli_opts_append(cli_opt *out, size_t cap, size_t *n, const cli_opt *t);

/* Help in sections (a heading, then some of a command's options): the
 * width of the option column cli_opts_help gives the whole table opts, and
 * the options of part printed in a column that wide, with "-h, --help"
 * after them when with_help.  cli_opts_help(f, t) is
 * cli_opts_help_part(f, t, cli_opts_width(t), true). */
int cli_opts_width(const cli_opt *opts);
void cli_opts_help_part(FILE *f, const cli_opt *part, int width, bool with_help);

#endif /* FPQ_CLI_OPT_H */
