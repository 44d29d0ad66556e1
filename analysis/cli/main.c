/* main.c: the fpq command -- dispatch, option parsing, help, diagnostics.
 *
 * Command line: fpq COMMAND [OPERANDS] [OPTIONS].  Options may come before,
 * between or after the operands (GNU style); "--" ends them.  Operands that
 * look like negative numbers ("-1.5", "-.5", "-0x1p-3", "-inf", "-nan") are
 * operands, never options, so `fpq round fp16 -1.5` works as written.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <gmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "dist.h"

/* ---------------------------------------------------------------------- */
/* The commands.                                                          */

typedef struct cli_command {
    const char *name;
    const char *operands; /* synopsis of the operands, "FMT VALUE..." */
    const char *summary;  /* one line for the command list */
    const char *help;     /* paragraph(s) for `fpq CMD --help` */
    unsigned opts;        /* CLI_OPT_* accepted */
    int min_ops, max_ops; /* operand count; max -1: unbounded */
    int (*run)(const cli_args *a);
    /* Or a command that parses its own command line (argv[0] its name);
     * then only name, operands and summary are used here. */
    int (*main)(int argc, char **argv);
} cli_command;

static const cli_command commands[] = {
    {"formats", "", "list the preset formats",
     "Print a table of every preset format: name, aliases, kind, bits, layout\n"
     "(sign/exponent/mantissa bits), bias, specials, subnormals and the largest\n"
     "finite value in exact decimal.\n"
     "\n"
     "Example: fpq formats --csv\n",
     CLI_OPT_CSV, 0, 0, cli_cmd_formats, NULL},
    {"info", "FMT", "describe a format: layout, specials, landmarks",
     "Describe FMT: width, field layout, bias, what the special patterns mean,\n"
     "subnormals, and the landmarks (max finite, min normal, min subnormal,\n"
     "lowest, epsilon) as bit pattern, hex-float and exact decimal; the count\n"
     "of finite values, the NaN and Inf patterns, the NVIDIA tensor cores that\n"
     "compute in it, and for lookup-table formats every value.\n"
     "\n"
     "Example: fpq info e4m3\n",
     0, 1, 1, cli_cmd_info, NULL},
    {"decode", "FMT BITS...", "bit patterns to exact values",
     "For each bit pattern (hex, with or without 0x) print one line: the\n"
     "pattern, its class, its exact decimal value and its hex-float value.\n"
     "\n"
     "Example: fpq decode fp8_e4m3 0x7e 0x01\n",
     0, 2, -1, cli_cmd_decode, NULL},
    {"encode", "FMT VALUE...", "numbers to bit patterns, with ternary and flags",
     "Round each VALUE (decimal or hex-float, \"inf\", \"nan\") into FMT once and\n"
     "print one line: the bit pattern, the ternary value (-1, 0 or +1: the\n"
     "result is below, equal to or above VALUE; 0 for NaN) and the exception\n"
     "flags raised (inexact, underflow, overflow, invalid), \"-\" for none.\n"
     "With --round sr the position of a value is its index among the values,\n"
     "from 0.\n"
     "\n"
     "Example: fpq encode fp8_e4m3 464 465\n",
     CLI_OPTS_ROUNDING, 2, -1, cli_cmd_encode, NULL},
    {"round", "FMT VALUE...", "numbers rounded to a format, printed exactly",
     "Round each VALUE into FMT and print the result's exact decimal value,\n"
     "one per line.  With --round sr the position of a value is its index\n"
     "among the values, from 0.\n"
     "\n"
     "Example: fpq round fp16 0.1 -1.5\n",
     CLI_OPTS_ROUNDING, 2, -1, cli_cmd_round, NULL},
    {"table", "FMT", "every encoding of a format of at most 16 bits",
     "Print every bit pattern of FMT in increasing order with its class, exact\n"
     "decimal value and hex-float value.  FMT must have at most 16 bits.\n"
     "With --csv the header line is: bits,class,value,hex\n"
     "\n"
     "Example: fpq table fp4_e2m1\n",
     CLI_OPT_CSV, 1, 1, cli_cmd_table, NULL},
    {"convert", "FROM TO", "convert a stream, one value per line",
     "Read standard input, one value per line, and write one line per value\n"
     "to standard output, in order.  FROM is a format: each line is its bit\n"
     "pattern in hex (0x3f800000 or 3f800000), converted with one rounding.\n"
     "FROM is \"dec\": each line is a decimal or hex-float number, rounded once.\n"
     "Output (--out): hex, TO's bit pattern as 0x and zero-padded hex; dec, its\n"
     "exact decimal value; both, the two separated by one space.\n"
     "Lines may carry surrounding spaces or tabs and a trailing CR (CRLF).\n"
     "The last line needs no newline.  Any other line, including an empty one,\n"
     "is malformed: everything before it is written, then the error\n"
     "  fpq: <stdin>:LINE: WHAT 'TEXT'\n"
     "goes to standard error and fpq exits with status 1.  Empty input gives\n"
     "empty output.  With --round sr the position of a value is its line\n"
     "number minus 1.  FROM fp32 or fp64 runs on the bulk path (fpq_encode_f32,\n"
     "_f64: the same bits as the MPFR reference, which --reference forces).\n"
     "\n"
     "Example: printf '0x3dcccccd\\n0x7f800000\\n' | fpq convert fp32 fp8_e4m3\n",
     CLI_OPTS_ROUNDING | CLI_OPT_OUT | CLI_OPT_REFERENCE, 2, 2, cli_cmd_convert, NULL},
    {"arith", "FMT OP [A [B [C]]]", "emulated arithmetic on bit patterns, or a stream",
     NULL, 0, 0, 0, NULL, cli_arith_main},
    {"dot", "SOURCE", "an emulated dot product beside the exact one",
     NULL, 0, 0, 0, NULL, cli_dot_main},
    {"gen", "SPEC", "generate a tensor (DIST:key=value,...) to .npy or stdout",
     NULL, 0, 0, 0, NULL, cli_gen_main},
    {"inspect", "SOURCE...", "list a file's tensors, or their statistics",
     NULL, 0, 0, 0, NULL, cli_inspect_main},
    {"bench", "", "the bulk path's speed against a plain copy loop",
     NULL, 0, 0, 0, NULL, cli_bench_main},
    {"vectors", "FROM TO", "test vectors for a converter: boundary cases, then random",
     NULL, 0, 0, 0, NULL, cli_vectors_main},
    {"verify", "FROM TO -- CMD...", "check another converter against the reference vectors",
     NULL, 0, 0, 0, NULL, cli_verify_main},
    {"quant", "INPUT", "quantize a tensor under a spec: error metrics",
     NULL, 0, 0, 0, NULL, cli_quant_main},
    {"matmul", "X W", "a quantized matrix product (W8A8, weight-only, LLM.int8) vs the exact one",
     NULL, 0, 0, 0, NULL, cli_matmul_main},
    {"sweep", "--source SRC [AXES...] | --plan FILE", "run a plan of quantization cells into a CSV",
     NULL, 0, 0, 0, NULL, cli_sweep_main},
    {"merge", "FILE.csv...", "join the CSVs of a sweep's shards in plan order",
     NULL, 0, 0, 0, NULL, cli_merge_main},
    {"lloydmax", "", "the Lloyd-Max quantizer of a Gaussian, by Lloyd's iteration",
     NULL, 0, 0, 0, NULL, cli_lloydmax_main},
    {"hist", "SOURCE", "histogram of values, binades or quantization errors",
     NULL, 0, 0, 0, NULL, cli_hist_main},
    {"ranges", "FMT...", "where formats' values sit: smallest, normal and largest",
     NULL, 0, 0, 0, NULL, cli_ranges_main},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Options.                                                               */

enum { LOPT_SEED = 256, LOPT_SATURATE, LOPT_SYMMETRIC, LOPT_CSV, LOPT_REFERENCE };

static const struct option long_options[] = {
    {"round", required_argument, NULL, 'r'},
    {"seed", required_argument, NULL, LOPT_SEED},
    {"saturate", no_argument, NULL, LOPT_SATURATE},
    {"symmetric", no_argument, NULL, LOPT_SYMMETRIC},
    {"out", required_argument, NULL, 'o'},
    {"csv", no_argument, NULL, LOPT_CSV},
    {"reference", no_argument, NULL, LOPT_REFERENCE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
/* "-": operands are returned in order (code 1); ":": we report errors. */
static const char short_options[] = "-:r:o:h";

/* The CLI_OPT_* bit of a getopt code; 0 for --help (always accepted). */
static unsigned option_bit(int code)
{
    switch (code) {
    case 'r': return CLI_OPT_ROUND;
    case LOPT_SEED: return CLI_OPT_SEED;
    case LOPT_SATURATE: return CLI_OPT_SATURATE;
    case LOPT_SYMMETRIC: return CLI_OPT_SYMMETRIC;
    case 'o': return CLI_OPT_OUT;
    case LOPT_CSV: return CLI_OPT_CSV;
    case LOPT_REFERENCE: return CLI_OPT_REFERENCE;
    default: return 0;
    }
}

static const char *option_name(int code)
{
    for (const struct option *o = long_options; o->name; o++)
        if (o->val == code)
            return o->name;
    return "?";
}

const char *cli_out_name(enum cli_out o)
{
    switch (o) {
    case CLI_OUT_HEX: return "hex";
    case CLI_OUT_DEC: return "dec";
    case CLI_OUT_BOTH: return "both";
    }
    return "?";
}

static bool parse_out(enum cli_out *out, const char *s)
{
    static const enum cli_out all[] = {CLI_OUT_HEX, CLI_OUT_DEC, CLI_OUT_BOTH};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, cli_out_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    return false;
}

bool cli_parse_seed(uint64_t *out, const char *s)
{
    return fpq_seed_parse(out, s, strlen(s)) == FPQ_OK;
}

/* getopt_long would read "-1.5" as options; such operands are hidden from
 * it (argument + 1) and restored by unmask(). */
static bool looks_like_negative_number(const char *s)
{
    if (s[0] != '-')
        return false;
    if (isdigit((unsigned char)s[1]) || s[1] == '.')
        return true;
    return strcasecmp(s + 1, "inf") == 0 || strcasecmp(s + 1, "infinity") == 0
           || strcasecmp(s + 1, "nan") == 0;
}

typedef struct masked_argv {
    int argc;
    char **orig;   /* the real arguments */
    char **shown;  /* what getopt sees */
    bool *masked;
} masked_argv;

static const char *unmask(const masked_argv *m, const char *p)
{
    for (int i = 0; i < m->argc; i++)
        if (m->masked[i] && p == m->shown[i])
            return m->orig[i];
    return p;
}

/* ---------------------------------------------------------------------- */
/* Help.                                                                  */

static void print_option_help(FILE *f, unsigned mask)
{
    fpq_rounding def;
    fpq_rounding_default(&def);
    char modes[128];
    fpq_rnd_list(modes, sizeof modes, ", ");
    if (mask & CLI_OPT_ROUND)
        fprintf(f, "  -r, --round MODE  rounding: %s (default: %s)\n"
                   "                    rne/rna: nearest, ties to even/away; "
                   "rtz: toward zero;\n"
                   "                    rup/rdn: toward +/-inf; odd: to odd; "
                   "sr: stochastic\n",
                modes, fpq_rnd_name(def.mode));
    if (mask & CLI_OPT_SEED)
        fprintf(f, "      --seed N      seed of stochastic rounding, decimal "
                   "or 0x-hex (default: %llu)\n",
                (unsigned long long)def.seed);
    if (mask & CLI_OPT_SATURATE)
        fprintf(f, "      --saturate    overflow (and Inf) gives the largest "
                   "finite value%s\n",
                def.overflow == FPQ_OVF_SATURATE ? " (default)" : "");
    if (mask & CLI_OPT_SYMMETRIC)
        fprintf(f, "      --symmetric   signed integers use -(2^(N-1)-1) .. "
                   "2^(N-1)-1%s\n",
                def.int_symmetric ? " (default)" : "");
    if (mask & CLI_OPT_OUT)
        fprintf(f, "  -o, --out MODE    hex, dec or both (default: %s)\n",
                cli_out_name(CLI_OUT_DEFAULT));
    if (mask & CLI_OPT_CSV)
        fprintf(f, "      --csv         comma-separated values with a header "
                   "line\n");
    if (mask & CLI_OPT_REFERENCE)
        fprintf(f, "      --reference   MPFR reference only (the bulk path, bit for "
                   "bit equal, is\n                    used for fp32/fp64 input "
                   "otherwise)\n");
    fprintf(f, "  -h, --help        show this help and exit\n");
}

static void print_notes(FILE *f)
{
    fprintf(f,
            "\n"
            "FMT is a preset name or alias (see 'fpq formats'), a float spelled\n"
            "eXmY[bBIAS][ieee|fn|fnuz|finite] (e5m4b10fn) or an integer intN / "
            "uintN.\n"
            "Negative numbers are operands, not options: fpq round fp16 -1.5\n"
            "Options may follow the operands; '--' ends the options.\n"
            "\n"
            "Exit status: %d ok, %d bad data (malformed number, bit pattern or\n"
            "input line; read or write failure), %d usage error.\n",
            CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
}

static void print_usage(FILE *f)
{
    fprintf(f, "Usage: fpq COMMAND [OPERANDS] [OPTIONS]\n"
               "       fpq --help | --version | help [COMMAND]\n"
               "Bit-exact numeric formats, from fp64 down to 4-bit floats "
               "and integers.\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char syn[64];
        snprintf(syn, sizeof syn, "%s %s", commands[i].name, commands[i].operands);
        fprintf(f, "  %-24s  %s\n", syn, commands[i].summary);
    }
    fprintf(f, "  %-24s  %s\n", "help [COMMAND]", "show this help, or a command's");
    fprintf(f, "\nOptions (the ones each command accepts are in 'fpq COMMAND --help';\n"
               "arith and dot take their own, listed there):\n");
    print_option_help(f, ~0u);
    fprintf(f, "  -V, --version     show the versions of fpq, MPFR and GMP "
               "and exit\n");
    print_notes(f);
}

static void print_command_help(FILE *f, const cli_command *c)
{
    fprintf(f, "Usage: fpq %s%s%s%s\n\n%s\nOptions:\n", c->name,
            c->operands[0] ? " " : "", c->operands,
            c->opts ? " [OPTIONS]" : "", c->help);
    print_option_help(f, c->opts);
    print_notes(f);
}

static void print_version(void)
{
    printf("fpq %s\nMPFR %s\nGMP %s\n", fpq_version(), mpfr_get_version(),
           gmp_version);
}

/* ---------------------------------------------------------------------- */
/* Diagnostics and helpers shared by the commands.                        */

static void vreport(const char *fmt, va_list ap)
{
    fflush(stdout);
    fputs("fpq: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "Try 'fpq %s --help' for more information.\n", cmd);
    else
        fprintf(stderr, "Try 'fpq --help' for more information.\n");
    return CLI_EXIT_USAGE;
}

int cli_format(fpq_format *out, const char *cmd, const char *name)
{
    int st = fpq_format_parse(out, name);
    if (st == FPQ_OK)
        return CLI_EXIT_OK;
    if (st == FPQ_ERR_UNKNOWN_FORMAT) {
        const char *near[5];
        size_t n = fpq_format_suggest(near, sizeof near / sizeof near[0], name);
        fflush(stdout);
        if (n == 0) {
            fprintf(stderr, "fpq: unknown format '%s'\n"
                            "Try 'fpq formats' for the list of presets.\n", name);
            return CLI_EXIT_USAGE;
        }
        fprintf(stderr, "fpq: unknown format '%s'; did you mean: ", name);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", near[i]);
        fprintf(stderr, "?\nTry 'fpq formats' for the list of presets.\n");
        return CLI_EXIT_USAGE;
    }
    return cli_usage_error(cmd, "bad format '%s': %s (floats: eXmY with 1 <= X <= 11, "
                           "0 <= Y <= 52; integers: intN, uintN with "
                           "2 <= N <= 32)", name, fpq_strerror(st));
}

void cli_describe_error(char *buf, size_t n, int status, const fpq_format *fmt,
                        bool want_bits)
{
    if (status == FPQ_ERR_BITS_WIDE && fmt)
        snprintf(buf, n, "bits set above the %u bits of %s", fmt->bits, fmt->name);
    else if (status == FPQ_ERR_PARSE)
        snprintf(buf, n, "%s", want_bits ? "malformed bit pattern" : "malformed number");
    else
        snprintf(buf, n, "%s", fpq_strerror(status));
}

int cli_value_error(int index, const char *what, const char *text)
{
    cli_error("argument %d: %s '%s'", index, what, text);
    return CLI_EXIT_DATA;
}

void cli_flags_text(char *buf, unsigned flags)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {FPQ_FLAG_INEXACT, "inexact"},   {FPQ_FLAG_UNDERFLOW, "underflow"},
        {FPQ_FLAG_OVERFLOW, "overflow"}, {FPQ_FLAG_INFINITE, "infinite"},
        {FPQ_FLAG_INVALID, "invalid"},
    };
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (flags & names[i].bit)
            len += (size_t)snprintf(buf + len, CLI_FLAGS_MAX - len, "%s%s",
                                    len ? "," : "", names[i].name);
    if (len == 0)
        strcpy(buf, "-");
}

void *cli_xmalloc(size_t n)
{
    return cli_xrealloc(NULL, n);
}

void *cli_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        cli_error("out of memory");
        exit(CLI_EXIT_DATA);
    }
    return q;
}

static const char *buf_print(cli_buf *b, mpfr_srcptr x,
                             size_t (*print)(char *, size_t, mpfr_srcptr))
{
    if (b->cap == 0) {
        b->cap = 128;
        b->p = cli_xmalloc(b->cap);
    }
    size_t need = print(b->p, b->cap, x);
    if (need >= b->cap) {
        b->cap = need + 1;
        b->p = cli_xrealloc(b->p, b->cap);
        print(b->p, b->cap, x);
    }
    return b->p;
}

const char *cli_exact(cli_buf *b, mpfr_srcptr x)
{
    return buf_print(b, x, fpq_snprint_exact);
}

const char *cli_hex(cli_buf *b, mpfr_srcptr x)
{
    return buf_print(b, x, fpq_snprint_hex);
}

void cli_buf_free(cli_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->cap = 0;
}

/* ---------------------------------------------------------------------- */
/* Parsing a command's arguments.                                         */

/* Report a getopt '?' for the argument that caused it. */
static int bad_option(const cli_command *c, const char *arg, int optopt_)
{
    /* A short option in optopt is unknown, except h, r and o: those come
     * back from "--help=x" (an argument to a long option without one). */
    if (optopt_ > 0 && optopt_ < 256 && !strchr("hro", optopt_))
        return cli_usage_error(c->name, "unknown option '-%c'", optopt_);
    if (strncmp(arg, "--", 2) != 0)
        return cli_usage_error(c->name, "unknown option '%s'", arg);
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    const char *hits[8];
    size_t nhits = 0;
    for (const struct option *o = long_options; o->name; o++) {
        if (strncmp(o->name, name, len) == 0) {
            if (strlen(o->name) == len) { /* exact */
                hits[0] = o->name;
                nhits = 1;
                break;
            }
            if (nhits < sizeof hits / sizeof hits[0])
                hits[nhits++] = o->name;
        }
    }
    if (nhits == 1 && name[len] == '=')
        return cli_usage_error(c->name, "option '--%s' takes no argument", hits[0]);
    if (nhits > 1) {
        char list[128];
        size_t l = 0;
        for (size_t i = 0; i < nhits; i++)
            l += (size_t)snprintf(list + l, sizeof list - l, "%s--%s",
                                  i ? ", " : "", hits[i]);
        return cli_usage_error(c->name, "ambiguous option '%.*s' (could be %s)",
                               (int)len + 2, arg, list);
    }
    return cli_usage_error(c->name, "unknown option '%s'", arg);
}

/* The name of operand number i (0-based) in the synopsis "FMT VALUE...". */
static void operand_name(char *buf, size_t n, const char *syn, int i)
{
    const char *p = syn;
    const char *last = syn;
    size_t lastlen = 0;
    for (int k = 0; *p; k++) {
        size_t len = strcspn(p, " ");
        last = p;
        lastlen = len;
        if (k == i)
            break;
        p += len;
        while (*p == ' ')
            p++;
    }
    if (lastlen >= 3 && strncmp(last + lastlen - 3, "...", 3) == 0)
        lastlen -= 3;
    snprintf(buf, n, "%.*s", (int)lastlen, last);
}

static int parse_command_line(cli_args *a, const cli_command *c, int argc, char **argv)
{
    masked_argv m = {argc, argv, cli_xmalloc(sizeof(char *) * (size_t)(argc + 1)),
                     cli_xmalloc(sizeof(bool) * (size_t)(argc + 1))};
    for (int i = 0; i < argc; i++) {
        m.masked[i] = i > 0 && looks_like_negative_number(argv[i]);
        m.shown[i] = m.masked[i] ? argv[i] + 1 : argv[i];
    }
    m.shown[argc] = NULL;

    a->cmd = c->name;
    a->nops = 0;
    a->ops = cli_xmalloc(sizeof(char *) * (size_t)(argc + 1));
    fpq_rounding_default(&a->rnd);
    a->out = CLI_OUT_DEFAULT;
    a->csv = false;
    a->reference = false;

    int rc = CLI_EXIT_OK;
    opterr = 0;
    optind = 1;
    int code;
    while (rc == CLI_EXIT_OK
           && (code = getopt_long(argc, m.shown, short_options, long_options, NULL)) != -1) {
        const char *arg = optarg ? unmask(&m, optarg) : NULL;
        unsigned bit = option_bit(code);
        if (bit && !(c->opts & bit)) {
            rc = cli_usage_error(c->name, "option '--%s' does not apply to '%s'",
                                 option_name(code), c->name);
            break;
        }
        switch (code) {
        case 1:
            a->ops[a->nops++] = arg;
            break;
        case 'h':
            print_command_help(stdout, c);
            rc = -1;
            break;
        case 'r':
            if (fpq_rnd_parse(&a->rnd.mode, arg) != FPQ_OK) {
                char modes[128];
                fpq_rnd_list(modes, sizeof modes, ", ");
                rc = cli_usage_error(c->name, "unknown rounding mode '%s' (one of: %s)",
                                     arg, modes);
            }
            break;
        case LOPT_SEED:
            if (!cli_parse_seed(&a->rnd.seed, arg))
                rc = cli_usage_error(c->name, "bad seed '%s' (an integer from 0 to "
                                     "2^64-1, decimal or 0x-hex)", arg);
            break;
        case LOPT_SATURATE:
            a->rnd.overflow = FPQ_OVF_SATURATE;
            break;
        case LOPT_SYMMETRIC:
            a->rnd.int_symmetric = true;
            break;
        case 'o':
            if (!parse_out(&a->out, arg))
                rc = cli_usage_error(c->name, "unknown output mode '%s' (one of: "
                                     "hex, dec, both)", arg);
            break;
        case LOPT_CSV:
            a->csv = true;
            break;
        case LOPT_REFERENCE:
            a->reference = true;
            break;
        case ':':
            if (optopt > 0 && optopt < 256 && !strchr("ro", optopt))
                rc = cli_usage_error(c->name, "option '-%c' needs an argument", optopt);
            else
                rc = cli_usage_error(c->name, "option '--%s' needs an argument",
                                     option_name(optopt));
            break;
        default: /* '?' */
            rc = bad_option(c, argv[optind - 1], optopt);
            break;
        }
    }
    for (int i = optind; rc == CLI_EXIT_OK && i < argc; i++) /* after "--" */
        a->ops[a->nops++] = argv[i];
    free(m.shown);
    free(m.masked);
    if (rc != CLI_EXIT_OK)
        return rc;

    if (fpq_rounding_validate(&a->rnd) != FPQ_OK)
        return cli_usage_error(c->name, "bad rounding options");
    if (a->nops < c->min_ops) {
        char name[32];
        operand_name(name, sizeof name, c->operands, a->nops);
        return cli_usage_error(c->name, "missing %s", name);
    }
    if (c->max_ops >= 0 && a->nops > c->max_ops)
        return cli_usage_error(c->name, "unexpected operand '%s'", a->ops[c->max_ops]);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */

/* Flush standard output; a write error there is reported unless the
 * command already failed (and said why). */
static int finish(int rc)
{
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == CLI_EXIT_OK) {
        fprintf(stderr, "fpq: error writing standard output: %s\n", strerror(errno));
        rc = CLI_EXIT_DATA;
    }
    mpfr_free_cache();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "fpq: missing command\n");
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
        print_usage(stdout);
        return finish(CLI_EXIT_OK);
    }
    if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) {
        print_version();
        return finish(CLI_EXIT_OK);
    }
    if (strcmp(first, "help") == 0) {
        if (argc == 2) {
            print_usage(stdout);
            return finish(CLI_EXIT_OK);
        }
        const cli_command *c = find_command(argv[2]);
        if (!c)
            return cli_usage_error(NULL, "unknown command '%s'", argv[2]);
        if (argc > 3)
            return cli_usage_error(NULL, "unexpected operand '%s'", argv[3]);
        if (c->main) {
            char *av[] = {argv[2], "--help", NULL};
            return finish(c->main(2, av));
        }
        print_command_help(stdout, c);
        return finish(CLI_EXIT_OK);
    }
    if (first[0] == '-')
        return cli_usage_error(NULL, "unknown option '%s' (a command comes first)",
                               first);
    const cli_command *c = find_command(first);
    if (!c)
        return cli_usage_error(NULL, "unknown command '%s'", first);
    if (c->main)
        return finish(c->main(argc - 1, argv + 1));

    cli_args a;
    int rc = parse_command_line(&a, c, argc - 1, argv + 1);
    if (rc == CLI_EXIT_OK)
        rc = c->run(&a);
    else if (rc < 0) /* --help */
        rc = CLI_EXIT_OK;
    free(a.ops);
    return finish(rc);
}
