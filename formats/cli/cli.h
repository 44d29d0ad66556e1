/* cli.h: internal interface between the parts of the fpq command.
 *
 * Every command reads its command line through the option layer (opt.h);
 * analysis/cli/main.c parses the simple ones into a cli_args and calls the
 * command's run function.  Every command writes data to stdout and reports
 * problems through cli_error / cli_usage_error (util.c), which write to
 * stderr with the "fpq: " prefix.  The numerics are libfpq's: nothing here
 * rounds or decodes.
 */
#ifndef FPQ_CLI_H
#define FPQ_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fpq.h"

/* Exit status of the fpq command, documented in `fpq --help`. */
enum cli_exit {
    CLI_EXIT_OK = 0,    /* success */
    CLI_EXIT_DATA = 1,  /* bad data (a malformed number, bit pattern or input
                           line), or a failure to read, write or allocate */
    CLI_EXIT_USAGE = 2  /* misuse: unknown command, option or format, a
                           missing or extra argument */
};

/* What `fpq convert` writes for each value (--print). */
enum cli_out { CLI_OUT_HEX, CLI_OUT_DEC, CLI_OUT_BOTH };
#define CLI_OUT_DEFAULT CLI_OUT_HEX
const char *cli_out_name(enum cli_out o);

/* A parsed command line: the command, its operands in order (negative
 * numbers included), and the options, already validated. */
typedef struct cli_args {
    const char *cmd;
    int nops;
    const char **ops;
    fpq_rounding rnd; /* --round, --seed, --saturate, --symmetric */
    enum cli_out out; /* --print */
    bool csv;         /* --csv */
    bool reference;   /* --reference: MPFR only, no fast path */
    bool flags;       /* --flags (convert): a column of each value's flags */
    bool nan_canonical; /* --nan canonical (convert): NaNs as fpq_encode gives them */
} cli_args;

/* Write "fpq: MESSAGE\n" to stderr, after flushing stdout so that every
 * result printed before the problem comes first.  MESSAGE is written as
 * cli_quote shows text, except that newlines stay and only a word (a run
 * without spaces or newlines) longer than CLI_WORD_MAX bytes is cut. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The longest word of a message shown whole (cli_error). */
#define CLI_WORD_MAX 400

/* Text as a message shows it: bytes [text, text + len) with control
 * characters and invalid UTF-8 as \xNN, cut after max bytes with "..." (or
 * sooner, at a character, when buf of n bytes is full).  Returns the length
 * written to buf (NUL-terminated). */
size_t cli_quote(char *buf, size_t n, const char *text, size_t len, size_t max);

/* The value of a hex digit (either case), or -1. */
static inline int cli_hex_digit(unsigned char c)
{
    if ((unsigned)(c - '0') < 10)
        return c - '0';
    c |= 0x20;
    return (unsigned)(c - 'a') < 6 ? c - 'a' + 10 : -1;
}

/* A seed: decimal or 0x-hex, 0 to 2^64 - 1 (fpq_seed_parse). */
bool cli_parse_seed(uint64_t *out, const char *s);

/* cli_error, then a hint pointing at the command's help; returns
 * CLI_EXIT_USAGE.  cmd may be NULL for the command-less usage. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fill *out from a format name (preset, alias or spelling).  On failure
 * report it -- an unknown name with the closest preset names -- and return
 * CLI_EXIT_USAGE; CLI_EXIT_OK on success. */
int cli_format(fpq_format *out, const char *cmd, const char *name);

/* Report a data error in operand number `index` (1-based, FMT included):
 * "fpq: argument 3: WHAT 'TEXT'"; returns CLI_EXIT_DATA. */
int cli_value_error(int index, const char *what, const char *text);

/* "what is wrong" for a status of fpq_parse_bits / fpq_parse_value, with the
 * format's width where it matters: "malformed number", "bits set above the 8
 * bits of fp8_e4m3".  Writes into buf (n bytes). */
void cli_describe_error(char *buf, size_t n, int status, const fpq_format *fmt,
                        bool want_bits);

/* The name of one bit of a mask. */
typedef struct cli_bit_name {
    unsigned bit;
    const char *name;
} cli_bit_name;

/* Appends to buf (n bytes, already holding len characters) the names of the
 * bits of mask among names[0..count), in that order, joined by sep.  Returns
 * the length of buf afterwards; it is len when no bit is named. */
size_t cli_bits_text(char *buf, size_t n, size_t len, unsigned mask,
                     const cli_bit_name *names, size_t count, const char *sep);

/* Comma-separated names of FPQ_FLAG_* bits ("inexact,overflow"), "-" for none.
 * buf must hold CLI_FLAGS_MAX bytes. */
#define CLI_FLAGS_MAX 64
void cli_flags_text(char *buf, unsigned flags);

/* A growable text buffer for the exact and hex-float renderings. */
typedef struct cli_buf {
    char *p;
    size_t cap;
} cli_buf;
const char *cli_exact(cli_buf *b, mpfr_srcptr x); /* fpq_snprint_exact */
const char *cli_hex(cli_buf *b, mpfr_srcptr x);   /* fpq_snprint_hex */
void cli_buf_free(cli_buf *b);

/* malloc / realloc that report "out of memory" and exit(CLI_EXIT_DATA). */
void *cli_xmalloc(size_t n);
void *cli_xrealloc(void *p, size_t n);

/* Rows of text cells, printed as columns aligned with two spaces (the last
 * column unpadded) or as CSV (RFC 4180 quoting).  Cells are copied. */
typedef struct cli_grid {
    size_t ncols, ncells, cap;
    char **cells;
} cli_grid;
void cli_grid_init(cli_grid *g, size_t ncols);
void cli_grid_add(cli_grid *g, const char *text);
void cli_grid_addf(cli_grid *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_grid_print(const cli_grid *g, FILE *f, bool csv, const char *indent);
void cli_grid_free(cli_grid *g);

/* The commands (one entry each in main.c's table). */
int cli_cmd_formats(const cli_args *a);
int cli_cmd_info(const cli_args *a);
int cli_cmd_table(const cli_args *a);
int cli_cmd_decode(const cli_args *a);
int cli_cmd_encode(const cli_args *a);
int cli_cmd_round(const cli_args *a);
int cli_cmd_convert(const cli_args *a);

/* The format commands that parse their own command line; argv[0] is the
 * command's name.  Return the exit status.  (The lab's commands are
 * declared in analysis/cli/commands.h.) */
int cli_arith_main(int argc, char **argv);   /* cmd_arith.c */
int cli_bench_main(int argc, char **argv);   /* cmd_bench.c */
int cli_vectors_main(int argc, char **argv); /* cmd_vectors.c */
int cli_verify_main(int argc, char **argv);  /* cmd_verify.c */
int cli_ranges_main(int argc, char **argv);  /* cmd_ranges.c */

/* Widest format `fpq table` lists, and the widest source format whose
 * conversions `fpq convert` memoises in a table of all its patterns. */
#define CLI_TABLE_MAX_BITS 16u

#endif /* FPQ_CLI_H */
