/* opt.h: the option layer of the fpq command -- one parser, one error
 * reporter and one help printer for every command.
 *
 * A command describes its options in a table of cli_opt, terminated by an
 * entry whose id is 0, and reads its command line with cli_parse, which
 * calls the command's function for each option and operand in turn:
 *
 *     static const cli_opt opts[] = {
 *         CLI_OPT_FORMAT("FMT", "the format"),
 *         {OPT_BINS, 0, "bins", "N", "number of bins (default 64)"},
 *         CLI_OPT_CSV("comma-separated values"),
 *         {0},
 *     };
 *     static int hist_arg(void *ctx, const cli_parser *p, int id, const char *arg)
 *     {
 *         hist_args *h = ctx;
 *         switch (id) {
 *         case CLI_HELP: print help; break;
 *         case CLI_OPERAND: ...; break;
 *         case CLI_ID_FORMAT: ...; break;
 *         case OPT_BINS: return cli_arg_uint(p, arg, 1, 1000, &h->bins);
 *         }
 *         return CLI_EXIT_OK;
 *     }
 *     ...
 *     cli_parser p;
 *     cli_parser_init(&p, "hist", opts, argc, argv);
 *     int rc = cli_parse(&p, hist_arg, &h);
 *     if (rc != CLI_EXIT_OK)
 *         return cli_exit_status(rc);   (a usage error, or the help shown)
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
 *   - -h and --help are every command's: the command prints its help and
 *     reads nothing after them; cli_parse returns CLI_HELP_SHOWN, and the
 *     command exits with CLI_EXIT_OK;
 *   - a problem is reported once, on stderr, as "fpq: MESSAGE" followed by
 *     "Try 'fpq CMD --help' for more information.", and the command exits
 *     with CLI_EXIT_USAGE.
 *
 * A flag means the same thing in every command that takes it: the shared
 * options below (CLI_OPT_*) are the only spellings of -f, -r, -o, -q, -j,
 * --seed, --saturate, --overflow, --symmetric, --csv, --json, --force.  An option of
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

/* The ids a command's function gets from cli_parse besides its options'. */
enum {
    CLI_OPERAND = -2, /* an operand, in arg */
    CLI_HELP = -3     /* -h or --help: print the command's help */
};

/* What cli_parse returns after -h or --help: not an exit status (see
 * cli_exit_status). */
#define CLI_HELP_SHOWN (-4)

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
    CLI_ID_FORCE,         /* --force */
    CLI_ID_OVERFLOW       /* --overflow MODE */
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
#define CLI_OPT_OVERFLOW(HELP) {CLI_ID_OVERFLOW, 0, "overflow", "MODE", HELP}
#define CLI_OVERFLOW_HELP                                                                        \
    "beyond the range (IEEE P3109's saturation modes): none (default):\n"                       \
    "the format's own (P3109 formats: P3109's rules); finite: clamp to\n"                       \
    "the largest finite value, Inf too (= --saturate); propagate: clamp\n"                      \
    "finite values, keep Inf; wrap: integers modulo 2^N"

/* The rounding options with their usual help, for commands that round. */
#define CLI_OPTS_ROUNDING                                                                        \
    CLI_OPT_ROUND("rounding: {modes} (default: rne)\n"                                          \
                  "rne/rna: nearest, ties to even/away; rtz: toward zero;\n"                    \
                  "rup/rdn: toward +/-inf; odd: to odd; sr: stochastic;\n"                      \
                  "sra:N, srb:N, src:N: IEEE P3109's stochastic roundings\n"                    \
                  "A, B, C with N random bits (1..63) from --seed"),                            \
        CLI_OPT_SEED("seed of stochastic rounding, decimal or 0x-hex (default: 0)"),            \
        CLI_OPT_SATURATE("overflow (and Inf) gives the largest finite value"),                  \
        CLI_OPT_OVERFLOW(CLI_OVERFLOW_HELP),                                                    \
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
    const cli_opt *cur;   /* the option last read, for messages */
    fpq_rounding *rnd;    /* NULL, or where cli_parse reads the shared
                             rounding options (CLI_ID_ROUND, _SEED,
                             _SATURATE, _SYMMETRIC) instead of passing them
                             on: set it after cli_parser_init */
} cli_parser;

/* Start reading argv[1 .. argc) for command cmd with the option table opts. */
void cli_parser_init(cli_parser *p, const char *cmd, const cli_opt *opts, int argc, char **argv);

/* A command's function for cli_parse: take option id (arg its argument, or
 * NULL), an operand (id CLI_OPERAND) or -h/--help (id CLI_HELP: print the
 * help on stdout).  Returns CLI_EXIT_OK to go on, or the status of a
 * problem it reported (cli_opt_error, cli_usage_error, cli_arg_*). */
typedef int (*cli_on_arg)(void *ctx, const cli_parser *p, int id, const char *arg);

/* Read the rest of the command line of p: on_arg(ctx, p, id, arg) for each
 * option and operand, in order.  Returns CLI_EXIT_OK when every argument
 * was taken; CLI_HELP_SHOWN after on_arg took CLI_HELP (nothing after -h
 * or --help is read); CLI_EXIT_USAGE after a usage error in the command
 * line itself (unknown option, missing argument, ..., or a bad value of a
 * rounding option read into p->rnd), reported; or the first status other
 * than CLI_EXIT_OK that on_arg returned, where the reading stopped. */
int cli_parse(cli_parser *p, cli_on_arg on_arg, void *ctx);

/* The exit status for a status of cli_parse (or of a command's parse that
 * returns it): CLI_EXIT_OK for CLI_HELP_SHOWN, else rc. */
static inline int cli_exit_status(int rc)
{
    return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
}

/* Report a usage error about the option last read:
 * "fpq: option '--NAME': MESSAGE" and the hint.  Returns CLI_EXIT_USAGE. */
int cli_opt_error(const cli_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option arguments, checked; on a bad one the error names the option and
 * the accepted range, and the return is CLI_EXIT_USAGE (else CLI_EXIT_OK). */
int cli_arg_uint(const cli_parser *p, const char *arg, unsigned long long lo, unsigned long long hi,
                 unsigned long long *out);
int cli_arg_double(const cli_parser *p, const char *arg, double lo, double hi, double *out);
int cli_arg_format(const cli_parser *p, const char *arg, fpq_format *out);

/* The shared rounding options (CLI_ID_ROUND, _SEED, _SATURATE, _SYMMETRIC)
 * into r; *handled says whether id was one of them.  (cli_parse does this
 * for p->rnd; a command whose rounding options do more calls it.) */
int cli_rounding_option(const cli_parser *p, fpq_rounding *r, int id, const char *arg, bool *handled);

/* The rounding mode of r as -r spells it ("rne", "sra:8"), in buf (16
 * bytes); and an overflow mode as the headers of vectors and verify write
 * it: "format" and "saturate" for none and finite, else its name. */
const char *cli_rounding_mode_text(char *buf, const fpq_rounding *r);
const char *cli_overflow_text(fpq_overflow o);

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

/* Help in parts: for each part its heading, written as it is (none when
 * NULL), then its options, in a column as wide as cli_opts_help makes it
 * for all the parts' options together; "-h, --help" after the last part.
 * cli_opts_help(f, t) is one part, t, without a heading. */
typedef struct cli_help_part {
    const char *heading;
    const cli_opt *opts;
} cli_help_part;
void cli_opts_help_parts(FILE *f, const cli_help_part *parts, size_t nparts);

#endif /* FPQ_CLI_OPT_H */
