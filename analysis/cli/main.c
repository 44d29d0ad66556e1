/* main.c: the fpq command -- the command table, dispatch and the top-level
 * help.  Every command reads its command line through the option layer
 * (formats/cli/opt.h); the commands listed here with a run function share
 * the parse below, the others parse their own with the same layer.
 */
#include <errno.h>
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "opt.h"

/* ---------------------------------------------------------------------- */
/* Options of the commands parsed here.                                   */

enum { OPT_PRINT = 1, OPT_REFERENCE, OPT_FLAGS, OPT_NAN };

static const cli_opt opts_none[] = {{0}};

static const cli_opt opts_csv[] = {
    CLI_OPT_CSV("comma-separated values with a header line"),
    {0},
};

static const cli_opt opts_rounding[] = {
    CLI_OPTS_ROUNDING,
    {0},
};

static const cli_opt opts_convert[] = {
    CLI_OPTS_ROUNDING,
    {OPT_PRINT, 0, "print", "MODE", "what each line shows: hex, dec or both (default: hex)"},
    {OPT_REFERENCE, 0, "reference", NULL,
     "MPFR reference only (the bulk path, bit for bit equal, is\nused for fp32/fp64 input otherwise)"},
    {OPT_FLAGS, 0, "flags", NULL,
     "after each value a space and its exception flags:\n"
     "inexact, underflow, overflow, invalid joined by ','\n"
     "(SoftFloat's), or - for none"},
    {OPT_NAN, 0, "nan", "POLICY",
     "NaN payloads: payload (default: sign and top payload\n"
     "bits kept, quiet bit set, as x86 F16C and SoftFloat;\n"
     "fpq_convert) or canonical (the target's NaN of the\n"
     "sign, as the bulk path and fpq_encode give)"},
    {0},
};

/* ---------------------------------------------------------------------- */
/* The commands.                                                          */

typedef struct cli_command {
    const char *name;
    const char *operands; /* synopsis of the operands, "FMT VALUE..." */
    const char *summary;  /* one line for the command list */
    const char *help;     /* paragraph(s) for `fpq CMD --help` */
    const cli_opt *opts;  /* its options (opt.h); NULL: none */
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
     "finite value in exact decimal; then (not with --csv) the other names\n"
     "fpq reads (ml_dtypes') with the format they mean, or why one is refused.\n"
     "\n"
     "Example: fpq formats --csv\n",
     opts_csv, 0, 0, cli_cmd_formats, NULL},
    {"info", "FMT", "describe a format: layout, specials, landmarks",
     "Describe FMT: width, field layout, bias, what the special patterns mean,\n"
     "subnormals, and the landmarks (max finite, min normal, min subnormal,\n"
     "lowest, epsilon) as bit pattern, hex-float and exact decimal; the count\n"
     "of finite values, the NaN and Inf patterns, the NVIDIA tensor cores that\n"
     "compute in it, and for lookup-table formats every value.\n"
     "\n"
     "Example: fpq info e4m3\n",
     NULL, 1, 1, cli_cmd_info, NULL},
    {"decode", "FMT BITS...", "bit patterns to exact values",
     "For each bit pattern (hex, with or without 0x) print one line: the\n"
     "pattern, its class, its exact decimal value and its hex-float value.\n"
     "\n"
     "Example: fpq decode fp8_e4m3 0x7e 0x01\n",
     NULL, 2, -1, cli_cmd_decode, NULL},
    {"encode", "FMT VALUE...", "numbers to bit patterns, with ternary and flags",
     "Round each VALUE (decimal or hex-float, \"inf\", \"nan\") into FMT once and\n"
     "print one line: the bit pattern, the ternary value (-1, 0 or +1: the\n"
     "result is below, equal to or above VALUE; 0 for NaN) and the exception\n"
     "flags raised (inexact, underflow, overflow, invalid), \"-\" for none.\n"
     "With --round sr the position of a value is its index among the values,\n"
     "from 0.\n"
     "\n"
     "Example: fpq encode fp8_e4m3 464 465\n",
     opts_rounding, 2, -1, cli_cmd_encode, NULL},
    {"round", "FMT VALUE...", "numbers rounded to a format, printed exactly",
     "Round each VALUE into FMT and print the result's exact decimal value,\n"
     "one per line.  With --round sr the position of a value is its index\n"
     "among the values, from 0.\n"
     "\n"
     "Example: fpq round fp16 0.1 -1.5\n",
     opts_rounding, 2, -1, cli_cmd_round, NULL},
    {"table", "FMT", "every encoding of a format of at most 16 bits",
     "Print every bit pattern of FMT in increasing order with its class, exact\n"
     "decimal value and hex-float value.  FMT must have at most 16 bits.\n"
     "With --csv the header line is: bits,class,value,hex\n"
     "\n"
     "Example: fpq table fp4_e2m1\n",
     opts_csv, 1, 1, cli_cmd_table, NULL},
    {"convert", "FROM TO", "convert a stream, one value per line",
     "Read standard input, one value per line, and write one line per value\n"
     "to standard output, in order.  FROM is a format: each line is its bit\n"
     "pattern in hex (0x3f800000 or 3f800000), converted with one rounding.\n"
     "FROM is \"dec\": each line is a decimal or hex-float number, rounded once.\n"
     "Output (--print): hex, TO's bit pattern as 0x and zero-padded hex; dec, its\n"
     "exact decimal value; both, the two separated by one space.\n"
     "Lines may carry surrounding spaces or tabs and a trailing CR (CRLF).\n"
     "The last line needs no newline.  Any other line, including an empty one,\n"
     "is malformed: everything before it is written, then the error\n"
     "  fpq: <stdin>:LINE: WHAT 'TEXT'\n"
     "goes to standard error and fpq exits with status 1.  Empty input gives\n"
     "empty output.  With --round sr the position of a value is its line\n"
     "number minus 1.  FROM fp32 or fp64 runs on the bulk path (fpq_encode_f32,\n"
     "_f64: the same bits as the MPFR reference, which --reference forces;\n"
     "--flags, which the bulk path does not report, forces it too).\n"
     "\n"
     "Example: printf '0x3dcccccd\\n0x7f800000\\n' | fpq convert fp32 fp8_e4m3\n",
     opts_convert, 2, 2, cli_cmd_convert, NULL},
    {"arith", "FMT OP [A [B [C]]]", "emulated arithmetic on bit patterns, or a stream",
     NULL, NULL, 0, 0, NULL, cli_arith_main},
    {"dot", "SOURCE", "an emulated dot product beside the exact one",
     NULL, NULL, 0, 0, NULL, cli_dot_main},
    {"gen", "SPEC", "generate a tensor (DIST:key=value,...) to .npy or stdout",
     NULL, NULL, 0, 0, NULL, cli_gen_main},
    {"inspect", "SOURCE...", "list a file's tensors, or their statistics",
     NULL, NULL, 0, 0, NULL, cli_inspect_main},
    {"bench", "", "the bulk path's speed against a plain copy loop",
     NULL, NULL, 0, 0, NULL, cli_bench_main},
    {"vectors", "FROM TO", "test vectors for a converter: boundary cases, then random",
     NULL, NULL, 0, 0, NULL, cli_vectors_any_main},
    {"verify", "FROM TO -- CMD...", "check another converter against the reference vectors",
     NULL, NULL, 0, 0, NULL, cli_verify_any_main},
    {"quant", "INPUT", "quantize a tensor under a spec: error metrics",
     NULL, NULL, 0, 0, NULL, cli_quant_main},
    {"matmul", "X W", "a quantized matrix product (W8A8, weight-only, LLM.int8) vs the exact one",
     NULL, NULL, 0, 0, NULL, cli_matmul_main},
    {"sweep", "--source SRC [AXES...] | --plan FILE", "run a plan of quantization cells into a CSV",
     NULL, NULL, 0, 0, NULL, cli_sweep_main},
    {"merge", "FILE.csv...", "join the CSVs of a sweep's shards in plan order",
     NULL, NULL, 0, 0, NULL, cli_merge_main},
    {"lloydmax", "", "the Lloyd-Max quantizer of a Gaussian, by Lloyd's iteration",
     NULL, NULL, 0, 0, NULL, cli_lloydmax_main},
    {"hist", "SOURCE", "histogram of values, binades or quantization errors",
     NULL, NULL, 0, 0, NULL, cli_hist_main},
    {"train", "[OPTIONS]", "train an MLP on Fashion-MNIST with formats at every point of training",
     NULL, NULL, 0, 0, NULL, cli_train_main},
    {"eval", "MODEL", "test accuracy of a trained network, with post-training quantization",
     NULL, NULL, 0, 0, NULL, cli_eval_main},
    {"ranges", "FMT...", "where formats' values sit: smallest, normal and largest",
     NULL, NULL, 0, 0, NULL, cli_ranges_main},
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
/* Help.                                                                  */

/* Every option any command takes, for the top-level help: the shared ones
 * and those of the commands parsed here. */
static const cli_opt opts_top[] = {
    CLI_OPTS_ROUNDING,
    CLI_OPT_CSV("comma-separated values with a header line"),
    {0},
};

static void print_notes(FILE *f)
{
    fprintf(f,
            "\n"
            "FMT is a preset name or alias (see 'fpq formats'), a float spelled\n"
            "eXmY[bBIAS][ieee|fn|fnuz|finite] (e5m4b10fn), an integer intN / uintN,\n"
            "or an IEEE P3109 format binaryKpP{s|u}{e|f} (binary8p4se).\n"
            "Numbers: a VALUE is decimal (1.5, 10) or hex-float with a p exponent\n"
            "(0x1.8p1); a bit pattern is hex, with or without 0x (3c00, 0x3c00).\n"
            "Where either is taken (arith's operands), hex digits that also read as\n"
            "a decimal are refused: write 0x10 for the pattern, 10.0 for the value.\n"
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
    fprintf(f, "\nShared options (a flag means the same in every command that takes it;\n"
               "'fpq COMMAND --help' lists a command's own):\n");
    cli_opts_help(f, opts_top);
    fprintf(f, "  -V, --version     show the versions of fpq, MPFR and GMP and exit\n");
    print_notes(f);
}

static void print_command_help(FILE *f, const cli_command *c)
{
    fprintf(f, "Usage: fpq %s%s%s%s\n\n%s\nOptions:\n", c->name, c->operands[0] ? " " : "", c->operands,
            c->opts ? " [OPTIONS]" : "", c->help);
    cli_opts_help(f, c->opts ? c->opts : opts_none);
    print_notes(f);
}

static void print_version(void)
{
    printf("fpq %s\nMPFR %s\nGMP %s\n", fpq_version(), mpfr_get_version(), gmp_version);
}

/* ---------------------------------------------------------------------- */
/* Parsing the command line of a command with a run function.             */

static bool parse_print(enum cli_out *out, const char *s)
{
    static const enum cli_out all[] = {CLI_OUT_HEX, CLI_OUT_DEC, CLI_OUT_BOTH};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, cli_out_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    return false;
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

/* Take one argument of the command line of the command p->cmd into the
 * cli_args ctx (cli_on_arg); the rounding options go to p->rnd. */
static int command_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    cli_args *a = ctx;
    switch (id) {
    case CLI_HELP: print_command_help(stdout, find_command(p->cmd)); break;
    case CLI_OPERAND: a->ops[a->nops++] = arg; break;
    case OPT_PRINT:
        if (!parse_print(&a->out, arg))
            return cli_opt_error(p, "unknown output mode '%s' (one of: hex, dec, both)", arg);
        break;
    case CLI_ID_CSV: a->csv = true; break;
    case OPT_REFERENCE: a->reference = true; break;
    case OPT_FLAGS: a->flags = true; break;
    case OPT_NAN:
        if (strcmp(arg, "payload") != 0 && strcmp(arg, "canonical") != 0)
            return cli_opt_error(p, "bad value '%s' (payload or canonical)", arg);
        a->nan_canonical = strcmp(arg, "canonical") == 0;
        break;
    }
    return CLI_EXIT_OK;
}

/* Fill *a from the command line; CLI_EXIT_OK, CLI_HELP_SHOWN, or a reported
 * usage error. */
static int parse_command_line(cli_args *a, const cli_command *c, int argc, char **argv)
{
    a->cmd = c->name;
    a->nops = 0;
    a->ops = cli_xmalloc(sizeof(char *) * (size_t)(argc + 1));
    fpq_rounding_default(&a->rnd);
    a->out = CLI_OUT_DEFAULT;
    a->csv = false;
    a->reference = false;
    a->flags = false;
    a->nan_canonical = false;

    cli_parser p;
    cli_parser_init(&p, c->name, c->opts ? c->opts : opts_none, argc, argv);
    p.rnd = &a->rnd;
    int rc = cli_parse(&p, command_arg, a);
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
    free(a.ops);
    return finish(cli_exit_status(rc));
}
