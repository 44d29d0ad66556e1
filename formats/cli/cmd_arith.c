/* cmd_arith.c: `fpq arith` (operations on bit patterns, one case or a
 * stream of them) and `fpq dot` (emulated dot products beside the exact).
 *
 * Both parse their own command line (their options are theirs alone: dot's
 * --out names a format), with the conventions of main.c: options before,
 * between or after the operands, "--" ends them, an operand that looks like
 * a negative number is an operand, a long option may be abbreviated to an
 * unambiguous prefix; --help to stdout (exit 0), misuse to stderr (exit 2),
 * bad data exit 1.  The numerics are libfpq's.
 *
 * The stream of `fpq arith FMT OP` is read in large blocks and split here;
 * output goes out in large blocks.  Formats whose operand patterns make a
 * table of at most 2^18 cases memoise fpq_arith's result per case (same
 * result by construction) unless rounding is stochastic; otherwise each
 * block's cases are computed on OpenMP threads, and written in order. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* ---------------------------------------------------------------------- */
/* Command-line parsing shared by arith and dot.                          */

typedef struct opt_spec {
    const char *name; /* long name */
    char short_name;  /* 0: none */
    bool has_arg;
    int id;
} opt_spec;

enum {
    OPT_HELP = 1, OPT_ROUND, OPT_SEED, OPT_SATURATE, OPT_SYMMETRIC, OPT_FLAGS,
    OPT_IN, OPT_ACC, OPT_PROD, OPT_OUT, OPT_ORDER, OPT_BLOCK_ACC
};

static bool negative_number(const char *s)
{
    if (s[0] != '-')
        return false;
    if (isdigit((unsigned char)s[1]) || s[1] == '.')
        return true;
    return strcasecmp(s + 1, "inf") == 0 || strcasecmp(s + 1, "infinity") == 0 || strcasecmp(s + 1, "nan") == 0;
}

typedef int (*opt_handler)(void *ctx, int id, const char *arg);

/* Split argv (argv[0] is the command name) into operands and options; each
 * option goes to on_opt, which returns CLI_EXIT_OK or an exit status.
 * Returns CLI_EXIT_OK, -1 after --help (printed by on_opt), or a status. */
static int parse_args(const char *cmd, int argc, char **argv, const opt_spec *sp, size_t nsp, opt_handler on_opt,
                      void *ctx, const char **ops, int *nops)
{
    *nops = 0;
    bool only_operands = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_operands || a[0] != '-' || a[1] == '\0' || negative_number(a)) {
            ops[(*nops)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_operands = true;
            continue;
        }
        const opt_spec *o = NULL;
        const char *arg = NULL;
        if (a[1] == '-') { /* --name, --name=value, unambiguous prefixes */
            const char *name = a + 2;
            size_t len = strcspn(name, "=");
            size_t hits = 0;
            for (size_t k = 0; k < nsp; k++)
                if (strncmp(sp[k].name, name, len) == 0) {
                    if (strlen(sp[k].name) == len) {
                        o = &sp[k];
                        hits = 1;
                        break;
                    }
                    o = &sp[k];
                    hits++;
                }
            if (hits == 0)
                return cli_usage_error(cmd, "unknown option '%.*s'", (int)len + 2, a);
            if (hits > 1)
                return cli_usage_error(cmd, "ambiguous option '%.*s'", (int)len + 2, a);
            if (name[len] == '=') {
                if (!o->has_arg)
                    return cli_usage_error(cmd, "option '--%s' takes no argument", o->name);
                arg = name + len + 1;
            }
        } else { /* -r MODE, -rMODE, -h */
            for (size_t k = 0; k < nsp; k++)
                if (sp[k].short_name && sp[k].short_name == a[1])
                    o = &sp[k];
            if (!o)
                return cli_usage_error(cmd, "unknown option '-%c'", a[1]);
            if (a[2] != '\0') {
                if (!o->has_arg)
                    return cli_usage_error(cmd, "unknown option '%s'", a);
                arg = a + 2;
            }
        }
        if (o->has_arg && !arg) {
            if (i + 1 >= argc)
                return cli_usage_error(cmd, "option '--%s' needs an argument", o->name);
            arg = argv[++i];
        }
        int rc = on_opt(ctx, o->id, arg);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    return CLI_EXIT_OK;
}

/* --round, --seed, --saturate, --symmetric into r.  Returns CLI_EXIT_OK,
 * or a usage error; CLI_EXIT_DATA + 100 when the option is not one of them. */
#define NOT_ROUNDING (CLI_EXIT_DATA + 100)
static int rounding_option(const char *cmd, fpq_rounding *r, int id, const char *arg)
{
    switch (id) {
    case OPT_ROUND:
        if (fpq_rnd_parse(&r->mode, arg) != FPQ_OK)
            return cli_usage_error(cmd, "unknown rounding mode '%s' (one of: rne, rna, rtz, rup, rdn, odd, sr)", arg);
        return CLI_EXIT_OK;
    case OPT_SEED:
        if (!cli_parse_seed(&r->seed, arg))
            return cli_usage_error(cmd, "bad seed '%s' (an integer from 0 to 2^64-1, decimal or 0x-hex)", arg);
        return CLI_EXIT_OK;
    case OPT_SATURATE:
        r->overflow = FPQ_OVF_SATURATE;
        return CLI_EXIT_OK;
    case OPT_SYMMETRIC:
        r->int_symmetric = true;
        return CLI_EXIT_OK;
    default:
        return NOT_ROUNDING;
    }
}

#define ROUNDING_HELP                                                                               \
    "  -r, --round MODE  rounding: rne, rna, rtz, rup, rdn, odd, sr (default: rne)\n"             \
    "                    rne/rna: nearest, ties to even/away; rtz: toward zero;\n"                 \
    "                    rup/rdn: toward +/-inf; odd: to odd; sr: stochastic\n"                    \
    "      --seed N      seed of stochastic rounding, decimal or 0x-hex (default: 0)\n"           \
    "      --saturate    overflow (and Inf) gives the largest finite value\n"                      \
    "      --symmetric   signed integers use -(2^(N-1)-1) .. 2^(N-1)-1\n"

#define COMMON_NOTES                                                                                \
    "\n"                                                                                            \
    "FMT is a preset name or alias (see 'fpq formats'), a float spelled\n"                         \
    "eXmY[bBIAS][ieee|fn|fnuz|finite] or an integer intN / uintN.\n"                               \
    "Options may follow the operands; '--' ends the options.\n"                                     \
    "Exit status: 0 ok, 1 bad data (malformed number, bit pattern or input\n"                      \
    "line; read or write failure), 2 usage error.\n"

/* ---------------------------------------------------------------------- */
/* fpq arith                                                              */

static const char cli_arith_help[] =
    "Apply OP to operands of format FMT, computed exactly and rounded once into\n"
    "FMT (fpq_arith).  OP is one of: add sub mul div fma sqrt neg abs min max\n"
    "minnum maxnum eq lt le unordered; fma A B C is A*B+C with one rounding.\n"
    "\n"
    "With operands: each is a bit pattern 0xHEX, or a number (decimal,\n"
    "hex-float with a p exponent, inf, nan), which is first rounded into FMT\n"
    "with the same --round (a note on standard error says when that rounding\n"
    "is inexact).  One line: the result's bit pattern, its exact value, the\n"
    "ternary (-1, 0, +1: result below, equal to, above the exact result) and\n"
    "the flags (inexact, underflow, overflow, infinite, invalid; \"-\" none).\n"
    "Comparisons print 1 or 0 and the flags.  Stochastic rounding: the\n"
    "operation has position 0, operand i (from 1) position i.\n"
    "\n"
    "Without operands: a stream.  Each line of standard input is one case,\n"
    "OP's operands as hex bit patterns (0x optional) separated by spaces or\n"
    "tabs; each output line is the result pattern (0x, zero-padded; 1 or 0\n"
    "for comparisons), and with --flags a space and the flags as two hex\n"
    "digits (inexact 01, underflow 02, overflow 04, infinite 08, invalid 10).\n"
    "A trailing CR is allowed.  Any other line, an empty one included, is\n"
    "malformed: everything before it is written, then\n"
    "  fpq: <stdin>:LINE: WHAT 'TEXT'\n"
    "and exit status 1.  Stochastic rounding: position = line number - 1.\n"
    "\n"
    "Examples: fpq arith fp16 add 0x3c00 0.5\n"
    "          printf '0x40 0x38\\n' | fpq arith e4m3 mul --flags\n"
    "\n"
    "Options of arith:\n" ROUNDING_HELP
    "      --flags       stream: append the flags as two hex digits\n";

static void print_arith_help(FILE *f)
{
    fprintf(f, "Usage: fpq arith FMT OP [A [B [C]]] [OPTIONS]\n\n%s  -h, --help        show this help and exit\n%s",
            cli_arith_help, COMMON_NOTES);
}

typedef struct arith_opts {
    fpq_rounding rnd;
    bool flags;
} arith_opts;

static int arith_option(void *ctx, int id, const char *arg)
{
    arith_opts *o = ctx;
    int rc = rounding_option("arith", &o->rnd, id, arg);
    if (rc != NOT_ROUNDING)
        return rc;
    if (id == OPT_FLAGS) {
        o->flags = true;
        return CLI_EXIT_OK;
    }
    print_arith_help(stdout); /* OPT_HELP */
    return -1;
}

static bool is_compare(fpq_op op) { return op >= FPQ_OP_EQ && op <= FPQ_OP_UNORDERED; }

/* An operand: 0x followed by hex digits only is a bit pattern; anything
 * else a number rounded into f (position pos).  On a data error returns
 * CLI_EXIT_DATA having reported it as argument `index`. */
static int operand(uint64_t *bits, const fpq_format *f, const char *text, int index, const fpq_rounding *rnd,
                   uint64_t pos)
{
    bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X') && text[2] != '\0';
    for (const char *p = text + 2; hex && *p; p++)
        hex = isxdigit((unsigned char)*p) != 0;
    char what[128];
    if (hex) {
        int st = fpq_parse_bits(bits, f, text);
        if (st != FPQ_OK) {
            cli_describe_error(what, sizeof what, st, f, true);
            return cli_value_error(index, what, text);
        }
        return CLI_EXIT_OK;
    }
    mpfr_t v;
    mpfr_init2(v, FPQ_PARSE_PREC);
    int st = fpq_parse_value(v, NULL, text);
    if (st != FPQ_OK) {
        mpfr_clear(v);
        cli_describe_error(what, sizeof what, st, f, false);
        return cli_value_error(index, what, text);
    }
    fpq_rounding r = *rnd;
    r.position = pos;
    unsigned fl;
    fpq_encode(bits, &fl, f, v, &r);
    mpfr_clear(v);
    if (fl) {
        char hexs[24], names[CLI_FLAGS_MAX];
        fpq_sprint_bits(hexs, f, *bits);
        cli_flags_text(names, fl);
        cli_error("note: argument %d '%s' rounds to %s in %s (%s)", index, text, hexs, f->name, names);
    }
    return CLI_EXIT_OK;
}

static int arith_once(const fpq_format *f, fpq_op op, const char **ops, const fpq_rounding *rnd)
{
    uint64_t x[3] = {0, 0, 0};
    for (unsigned i = 0; i < fpq_op_arity(op); i++) {
        int rc = operand(&x[i], f, ops[i], (int)i + 3, rnd, i + 1);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    fpq_rounding r = *rnd;
    r.position = 0;
    uint64_t res;
    unsigned fl;
    int t = fpq_arith(&res, &fl, f, op, f, x, &r);
    char names[CLI_FLAGS_MAX];
    cli_flags_text(names, fl);
    if (is_compare(op)) {
        printf("%d  %s\n", (int)res, names);
        return CLI_EXIT_OK;
    }
    char hexs[24];
    fpq_sprint_bits(hexs, f, res);
    mpfr_t v;
    mpfr_init2(v, fpq_format_precision(f));
    fpq_decode(v, NULL, NULL, f, res);
    cli_buf b = {0};
    printf("%s  %s  %s  %s\n", hexs, cli_exact(&b, v), t < 0 ? "-1" : t > 0 ? "+1" : "0", names);
    cli_buf_free(&b);
    mpfr_clear(v);
    return CLI_EXIT_OK;
}

/* ---- the stream --------------------------------------------------------- */

#define IN_BLOCK ((size_t)1 << 20)
#define OUT_BLOCK ((size_t)1 << 20)
#define MEMO_MAX_INDEX_BITS 18u

typedef struct stream {
    const fpq_format *f;
    fpq_op op;
    unsigned arity;
    fpq_rounding rnd;
    bool flags;
    unsigned hexd;   /* hex digits of a result */
    /* memo: index = operands' bits concatenated */
    uint64_t *memo_res;
    uint8_t *memo_fl; /* 0xff: not computed yet */
    /* one block's cases */
    uint64_t *x;      /* arity per case */
    uint64_t *res;
    uint8_t *fl;
    size_t cap;
    char *obuf;
    size_t olen;
    bool write_failed;
} stream;

static void out_write(stream *s)
{
    if (s->olen && !s->write_failed && fwrite(s->obuf, 1, s->olen, stdout) != s->olen)
        s->write_failed = true;
    s->olen = 0;
}

/* Report a malformed line; the text has unprintable bytes escaped and is
 * cut after 80 bytes. */
static int line_error(uint64_t lineno, const char *what, const char *p, size_t n)
{
    char text[400];
    size_t k = 0;
    for (size_t i = 0; i < n && i < 80; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch < 0x7f)
            text[k++] = (char)ch;
        else
            k += (size_t)snprintf(text + k, sizeof text - k, "\\x%02x", ch);
    }
    if (n > 80)
        k += (size_t)snprintf(text + k, sizeof text - k, "...");
    text[k] = '\0';
    cli_error("<stdin>:%llu: %s '%s'", (unsigned long long)lineno, what, text);
    return CLI_EXIT_DATA;
}

/* Parse the line [p, e) into x[0..arity).  Returns false with *what set. */
static bool parse_case(uint64_t *x, const stream *s, const char *p, const char *e, char *what, size_t wn)
{
    while (e > p && e[-1] == '\r')
        e--;
    unsigned k = 0;
    for (;;) {
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        if (p == e)
            break;
        const char *q = p;
        while (q < e && *q != ' ' && *q != '\t')
            q++;
        if (k == s->arity) {
            snprintf(what, wn, "%s takes %u operand%s", fpq_op_name(s->op), s->arity, s->arity > 1 ? "s" : "");
            return false;
        }
        const char *d = p;
        if (q - d >= 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
            d += 2;
        if (d == q) {
            snprintf(what, wn, "malformed bit pattern");
            return false;
        }
        uint64_t v = 0;
        bool wide = false;
        for (; d < q; d++) {
            int h = cli_hex_digit((unsigned char)*d);
            if (h < 0) {
                snprintf(what, wn, "malformed bit pattern");
                return false;
            }
            if (v >> 60)
                wide = true;
            v = v << 4 | (uint64_t)h;
        }
        if (wide || (s->f->bits < 64 && (v >> s->f->bits) != 0)) {
            snprintf(what, wn, "bits set above the %u bits of %s", s->f->bits, s->f->name);
            return false;
        }
        x[k++] = v;
        p = q;
    }
    if (k == 0) {
        snprintf(what, wn, "empty line");
        return false;
    }
    if (k != s->arity) {
        snprintf(what, wn, "%s takes %u operand%s", fpq_op_name(s->op), s->arity, s->arity > 1 ? "s" : "");
        return false;
    }
    return true;
}

static void compute_one(stream *s, const uint64_t *x, uint64_t line_index, uint64_t *res, uint8_t *fl)
{
    if (s->memo_res) {
        uint64_t idx = 0;
        for (unsigned i = 0; i < s->arity; i++)
            idx = idx << s->f->bits | x[i];
        if (s->memo_fl[idx] == 0xff) {
            unsigned f;
            fpq_arith(&s->memo_res[idx], &f, s->f, s->op, s->f, x, &s->rnd);
            s->memo_fl[idx] = (uint8_t)f;
        }
        *res = s->memo_res[idx];
        *fl = s->memo_fl[idx];
        return;
    }
    fpq_rounding r = s->rnd;
    r.position = line_index;
    unsigned f;
    fpq_arith(res, &f, s->f, s->op, s->f, x, &r);
    *fl = (uint8_t)f;
}

static void emit(stream *s, uint64_t res, uint8_t fl)
{
    static const char hx[] = "0123456789abcdef";
    char *o = s->obuf + s->olen;
    if (is_compare(s->op)) {
        *o++ = res ? '1' : '0';
    } else {
        *o++ = '0';
        *o++ = 'x';
        for (unsigned i = s->hexd; i-- > 0;)
            *o++ = hx[(res >> (4 * i)) & 0xf];
    }
    if (s->flags) {
        *o++ = ' ';
        *o++ = hx[(fl >> 4) & 0xf];
        *o++ = hx[fl & 0xf];
    }
    *o++ = '\n';
    s->olen = (size_t)(o - s->obuf);
    if (s->olen > OUT_BLOCK - 64)
        out_write(s);
}

/* Compute and write the cases of one block, n of them, the first on line
 * first_line. */
static void run_block(stream *s, size_t n, uint64_t first_line)
{
    if (s->memo_res) {
        for (size_t i = 0; i < n; i++)
            compute_one(s, s->x + i * s->arity, first_line - 1 + i, &s->res[i], &s->fl[i]);
    } else {
        const long long nn = (long long)n;
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
        for (long long i = 0; i < nn; i++)
            compute_one(s, s->x + (size_t)i * s->arity, first_line - 1 + (uint64_t)i, &s->res[i], &s->fl[i]);
    }
    for (size_t i = 0; i < n; i++)
        emit(s, s->res[i], s->fl[i]);
}

static int arith_stream(const fpq_format *f, fpq_op op, const arith_opts *o)
{
    stream s = {.f = f, .op = op, .arity = fpq_op_arity(op), .rnd = o->rnd, .flags = o->flags,
                .hexd = fpq_format_hex_digits(f)};
    if (o->rnd.mode != FPQ_RSR && f->bits * s.arity <= MEMO_MAX_INDEX_BITS) {
        size_t nm = (size_t)1 << (f->bits * s.arity);
        s.memo_res = cli_xmalloc(nm * sizeof *s.memo_res);
        s.memo_fl = cli_xmalloc(nm);
        memset(s.memo_fl, 0xff, nm);
    }
    s.obuf = cli_xmalloc(OUT_BLOCK);
    size_t cap = IN_BLOCK, len = 0;
    char *buf = cli_xmalloc(cap + 1);
    uint64_t lineno = 1; /* number of the first line in buf */
    int rc = CLI_EXIT_OK;
    bool eof = false;
    while (rc == CLI_EXIT_OK && !eof) {
        if (len == cap) {
            cap *= 2;
            buf = cli_xrealloc(buf, cap + 1);
        }
        size_t got = fread(buf + len, 1, cap - len, stdin);
        len += got;
        if (got == 0) {
            if (ferror(stdin)) {
                out_write(&s);
                cli_error("error reading standard input: %s", strerror(errno));
                rc = CLI_EXIT_DATA;
                break;
            }
            eof = true;
            if (len > 0 && buf[len - 1] != '\n')
                buf[len++] = '\n'; /* the last line needs no newline; cap + 1 leaves room */
        }
        /* the complete lines of buf */
        size_t ncase = 0;
        char *p = buf, *end = buf + len, *nl;
        uint64_t first = lineno;
        while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            if (ncase == s.cap) {
                s.cap = s.cap ? 2 * s.cap : 4096;
                s.x = cli_xrealloc(s.x, s.cap * s.arity * sizeof *s.x);
                s.res = cli_xrealloc(s.res, s.cap * sizeof *s.res);
                s.fl = cli_xrealloc(s.fl, s.cap);
            }
            char what[128];
            if (!parse_case(s.x + ncase * s.arity, &s, p, nl, what, sizeof what)) {
                run_block(&s, ncase, first);
                out_write(&s);
                rc = s.write_failed ? CLI_EXIT_DATA : line_error(lineno, what, p, (size_t)(nl - p));
                break;
            }
            ncase++;
            lineno++;
            p = nl + 1;
        }
        if (rc != CLI_EXIT_OK)
            break;
        run_block(&s, ncase, first);
        len = (size_t)(end - p);
        memmove(buf, p, len);
    }
    out_write(&s);
    if (s.write_failed && rc == CLI_EXIT_OK) {
        cli_error("error writing standard output: %s", strerror(errno));
        rc = CLI_EXIT_DATA;
    }
    free(buf);
    free(s.obuf);
    free(s.x);
    free(s.res);
    free(s.fl);
    free(s.memo_res);
    free(s.memo_fl);
    return rc;
}

static const opt_spec arith_specs[] = {
    {"help", 'h', false, OPT_HELP},         {"round", 'r', true, OPT_ROUND},
    {"seed", 0, true, OPT_SEED},            {"saturate", 0, false, OPT_SATURATE},
    {"symmetric", 0, false, OPT_SYMMETRIC}, {"flags", 0, false, OPT_FLAGS},
};

int cli_arith_main(int argc, char **argv)
{
    arith_opts o = {.flags = false};
    fpq_rounding_default(&o.rnd);
    const char **ops = cli_xmalloc(sizeof *ops * (size_t)(argc + 1));
    int nops;
    int rc = parse_args("arith", argc, argv, arith_specs, sizeof arith_specs / sizeof arith_specs[0], arith_option,
                        &o, ops, &nops);
    if (rc == -1)
        rc = CLI_EXIT_OK;
    else if (rc == CLI_EXIT_OK) {
        fpq_format f;
        fpq_op op;
        if (nops < 1)
            rc = cli_usage_error("arith", "missing FMT");
        else if (nops < 2)
            rc = cli_usage_error("arith", "missing OP");
        else if ((rc = cli_format(&f, "arith", ops[0])) != CLI_EXIT_OK)
            ;
        else if (fpq_op_parse(&op, ops[1]) != FPQ_OK)
            rc = cli_usage_error("arith", "unknown operation '%s' (one of: add, sub, mul, div, fma, sqrt, neg, abs, "
                                          "min, max, minnum, maxnum, eq, lt, le, unordered)",
                                 ops[1]);
        else if (nops == 2)
            rc = arith_stream(&f, op, &o);
        else if ((unsigned)(nops - 2) != fpq_op_arity(op))
            rc = cli_usage_error("arith", "%s takes %u operand%s, not %d", ops[1], fpq_op_arity(op),
                                 fpq_op_arity(op) > 1 ? "s" : "", nops - 2);
        else if (o.flags)
            rc = cli_usage_error("arith", "--flags applies to the stream (no operands)");
        else
            rc = arith_once(&f, op, ops + 2, &o.rnd);
    }
    free(ops);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* fpq dot                                                                */

static const char cli_dot_help[] =
    "Emulate a dot product as an accelerator computes it, and print the\n"
    "emulated result, the exact result and their difference (fpq_dot).\n"
    "The inputs are rounded into the --in format; each product x*y is exact,\n"
    "or rounded into --prod; the products are summed in the --acc format in\n"
    "the --order given; the sum is rounded into --out.  The exact result is\n"
    "the dot product of the rounded inputs with no other rounding.\n"
    "\n"
    "SOURCE is a FILE (\"-\": standard input) of two whitespace-separated\n"
    "columns x y per line, decimal or hex-float numbers (blank lines and lines\n"
    "starting with # are skipped), or a generator:\n"
    "  normal:n=N,seed=S    x and y independent N(0,1) samples, Box-Muller in\n"
    "                       binary64 on the uniforms of fpq_sr_bits(S, i)\n"
    "  uniform:n=N,seed=S   x and y independent uniform in [-1, 1)\n"
    "(seed defaults to 0).  All roundings use --round, --seed, --saturate.\n"
    "\n"
    "Example: fpq dot --in fp16 --acc fp16 --order pairwise normal:n=4096,seed=1\n"
    "\n"
    "Options of dot:\n"
    "      --in FMT      format of x and y (default: fp16)\n"
    "      --acc FMT     accumulator format, or exact (default: fp32)\n"
    "      --order ORD   seq, pairwise or block:K (default: seq)\n"
    "      --prod FMT    round each product into FMT (default: exact)\n"
    "      --out FMT     output format (default: --acc; fp32 when --acc exact)\n"
    "      --block-acc FMT  block:K: format of the sum of block sums, or exact\n"
    "                    (default: fp32)\n" ROUNDING_HELP;

static void print_dot_help(FILE *f)
{
    fprintf(f, "Usage: fpq dot [OPTIONS] SOURCE\n\n%s  -h, --help        show this help and exit\n%s", cli_dot_help,
            COMMON_NOTES);
}

typedef struct dot_opts {
    fpq_dot_spec spec;
    fpq_rounding rnd;
    fpq_format in, acc, prod, out, bacc;
    bool acc_exact, bacc_exact, have_out;
} dot_opts;

/* FMT or "exact" (when exact_ok) into *f; *exact says which. */
static int format_arg(fpq_format *f, bool *exact, const char *opt, const char *arg, bool exact_ok)
{
    if (exact_ok && strcmp(arg, "exact") == 0) {
        *exact = true;
        return CLI_EXIT_OK;
    }
    if (exact)
        *exact = false;
    (void)opt;
    return cli_format(f, "dot", arg);
}

static int dot_option(void *ctx, int id, const char *arg)
{
    dot_opts *o = ctx;
    int rc = rounding_option("dot", &o->rnd, id, arg);
    if (rc != NOT_ROUNDING)
        return rc;
    switch (id) {
    case OPT_IN:
        return format_arg(&o->in, NULL, "in", arg, false);
    case OPT_ACC:
        return format_arg(&o->acc, &o->acc_exact, "acc", arg, true);
    case OPT_PROD: {
        bool ex;
        rc = format_arg(&o->prod, &ex, "prod", arg, true);
        o->spec.prod = ex ? NULL : &o->prod;
        return rc;
    }
    case OPT_OUT:
        o->have_out = true;
        return format_arg(&o->out, NULL, "out", arg, false);
    case OPT_BLOCK_ACC:
        return format_arg(&o->bacc, &o->bacc_exact, "block-acc", arg, true);
    case OPT_ORDER:
        if (strcmp(arg, "seq") == 0)
            o->spec.order = FPQ_DOT_SEQ;
        else if (strcmp(arg, "pairwise") == 0)
            o->spec.order = FPQ_DOT_PAIRWISE;
        else if (strncmp(arg, "block:", 6) == 0 && isdigit((unsigned char)arg[6])) {
            char *end;
            errno = 0;
            unsigned long long k = strtoull(arg + 6, &end, 10);
            if (*end || errno || k == 0 || k > (1ULL << 40))
                return cli_usage_error("dot", "bad block size in '%s' (block:K, K >= 1)", arg);
            o->spec.order = FPQ_DOT_BLOCK;
            o->spec.block = (size_t)k;
        } else
            return cli_usage_error("dot", "unknown order '%s' (seq, pairwise or block:K)", arg);
        return CLI_EXIT_OK;
    default:
        print_dot_help(stdout);
        return -1;
    }
}

/* Values read from a file or made by a generator. */
typedef struct dvec {
    size_t n, cap;
    uint64_t *x, *y; /* patterns of --in (file) */
    double *dx, *dy; /* values (generator) */
} dvec;

/* One number of a data line; end at the next blank. */
static bool read_number(mpfr_ptr v, char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    if (e == s)
        return false;
    char save = *e;
    *e = '\0';
    int st = fpq_parse_value(v, NULL, s);
    *e = save;
    *p = e;
    return st == FPQ_OK;
}

static int read_file(dvec *d, const char *path, const fpq_format *in, const fpq_rounding *rnd, unsigned *fl)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    const char *name = fp == stdin ? "<stdin>" : path;
    if (!fp) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_EXIT_DATA;
    }
    mpfr_t a, b;
    mpfr_inits2(FPQ_PARSE_PREC, a, b, (mpfr_ptr)0);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    unsigned long long lineno = 0;
    int rc = CLI_EXIT_OK;
    uint64_t *px = NULL, *py = NULL;
    mpfr_t *ax = NULL, *ay = NULL; /* parsed values, encoded once n is known */
    size_t n = 0, cap = 0;
    while ((got = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (memchr(line, '\0', (size_t)got) != NULL || !read_number(a, &p) || !read_number(b, &p)) {
            cli_error("%s:%llu: expected two numbers 'x y', got '%s'", name, lineno, line);
            rc = CLI_EXIT_DATA;
            break;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p) {
            cli_error("%s:%llu: expected two numbers 'x y', got '%s'", name, lineno, line);
            rc = CLI_EXIT_DATA;
            break;
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 1024;
            ax = cli_xrealloc(ax, nc * sizeof *ax);
            ay = cli_xrealloc(ay, nc * sizeof *ay);
            for (size_t i = cap; i < nc; i++) {
                mpfr_init2(ax[i], FPQ_PARSE_PREC);
                mpfr_init2(ay[i], FPQ_PARSE_PREC);
            }
            cap = nc;
        }
        mpfr_set(ax[n], a, MPFR_RNDN);
        mpfr_set(ay[n], b, MPFR_RNDN);
        n++;
    }
    if (rc == CLI_EXIT_OK && ferror(fp)) {
        cli_error("%s: %s", name, strerror(errno));
        rc = CLI_EXIT_DATA;
    }
    if (rc == CLI_EXIT_OK) {
        /* x[i] at position i, y[i] at n + i, as fpq_dot_f64 does */
        px = cli_xmalloc((n ? n : 1) * sizeof *px);
        py = cli_xmalloc((n ? n : 1) * sizeof *py);
        fpq_rounding r = *rnd;
        for (size_t i = 0; i < n; i++) {
            unsigned f1, f2;
            r.position = rnd->position + i;
            fpq_encode(&px[i], &f1, in, ax[i], &r);
            r.position = rnd->position + n + i;
            fpq_encode(&py[i], &f2, in, ay[i], &r);
            *fl |= f1 | f2;
        }
    }
    for (size_t i = 0; i < cap; i++) {
        mpfr_clear(ax[i]);
        mpfr_clear(ay[i]);
    }
    free(ax);
    free(ay);
    free(line);
    mpfr_clears(a, b, (mpfr_ptr)0);
    if (fp != stdin)
        fclose(fp);
    d->n = n;
    d->x = px;
    d->y = py;
    return rc;
}

/* uniform in (0, 1] and [0, 1) from 53 bits of a draw */
static double u_open0(uint64_t b) { return ((double)(b >> 11) + 1.0) * 0x1p-53; }
static double u_open1(uint64_t b) { return (double)(b >> 11) * 0x1p-53; }

/* normal:n=N,seed=S / uniform:n=N,seed=S.  Returns 1 when spec is not a
 * generator name at all (then it is a file), else an exit status. */
static int generate(dvec *d, const char *spec)
{
    const char *colon = strchr(spec, ':');
    if (!colon)
        return 1;
    size_t nl = (size_t)(colon - spec);
    bool normal = nl == 6 && strncmp(spec, "normal", 6) == 0;
    bool uniform = nl == 7 && strncmp(spec, "uniform", 7) == 0;
    if (!normal && !uniform)
        return 1;
    unsigned long long n = 0, seed = 0;
    bool have_n = false;
    const char *p = colon + 1;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char item[64];
        if (len >= sizeof item)
            return cli_usage_error("dot", "bad generator '%s'", spec);
        memcpy(item, p, len);
        item[len] = '\0';
        char *eq = strchr(item, '=');
        char *end;
        if (!eq || !isdigit((unsigned char)eq[1]))
            return cli_usage_error("dot", "bad generator parameter '%s' in '%s' (n=N,seed=S)", item, spec);
        *eq = '\0';
        errno = 0;
        unsigned long long v = strtoull(eq + 1, &end, 0);
        if (*end || errno)
            return cli_usage_error("dot", "bad generator parameter '%s=%s' in '%s'", item, eq + 1, spec);
        if (strcmp(item, "n") == 0)
            n = v, have_n = true;
        else if (strcmp(item, "seed") == 0)
            seed = v;
        else
            return cli_usage_error("dot", "unknown generator parameter '%s' in '%s' (n, seed)", item, spec);
        p += len + (e ? 1 : 0);
    }
    if (!have_n || n == 0 || n > (1ULL << 32))
        return cli_usage_error("dot", "generator '%s' needs n=N, 1 <= N <= 2^32", spec);
    d->n = (size_t)n;
    d->dx = cli_xmalloc(d->n * sizeof *d->dx);
    d->dy = cli_xmalloc(d->n * sizeof *d->dy);
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t i = 0; i < d->n; i++) {
        uint64_t k = 4 * (uint64_t)i;
        if (normal) { /* Box-Muller: r = sqrt(-2 ln u1), x = r cos(2 pi u2) */
            d->dx[i] = sqrt(-2.0 * log(u_open0(fpq_sr_bits(seed, k)))) * cos(two_pi * u_open1(fpq_sr_bits(seed, k + 1)));
            d->dy[i] = sqrt(-2.0 * log(u_open0(fpq_sr_bits(seed, k + 2)))) *
                       cos(two_pi * u_open1(fpq_sr_bits(seed, k + 3)));
        } else {
            d->dx[i] = 2.0 * u_open1(fpq_sr_bits(seed, k)) - 1.0;
            d->dy[i] = 2.0 * u_open1(fpq_sr_bits(seed, k + 2)) - 1.0;
        }
    }
    return CLI_EXIT_OK;
}

static const opt_spec dot_specs[] = {
    {"help", 'h', false, OPT_HELP},        {"round", 'r', true, OPT_ROUND},
    {"seed", 0, true, OPT_SEED},           {"saturate", 0, false, OPT_SATURATE},
    {"symmetric", 0, false, OPT_SYMMETRIC}, {"in", 0, true, OPT_IN},
    {"acc", 0, true, OPT_ACC},             {"prod", 0, true, OPT_PROD},
    {"out", 'o', true, OPT_OUT},           {"order", 0, true, OPT_ORDER},
    {"block-acc", 0, true, OPT_BLOCK_ACC},
};

static int dot_report(const dot_opts *o, uint64_t out, unsigned fl, mpfr_srcptr exact, size_t n)
{
    const fpq_format *of = o->spec.out ? o->spec.out : o->spec.acc;
    mpfr_t v, diff;
    mpfr_init2(v, 64);
    fpq_class cls;
    fpq_decode(v, &cls, NULL, of, out);
    /* the difference, exactly: enough bits for both operands' spans */
    mpfr_prec_t pd = mpfr_get_prec(exact) + 64;
    if (mpfr_regular_p(exact) && mpfr_regular_p(v)) {
        long span = labs((long)mpfr_get_exp(exact) - (long)mpfr_get_exp(v)) + 64;
        pd += span;
    }
    mpfr_init2(diff, pd);
    mpfr_sub(diff, v, exact, MPFR_RNDN); /* exact at this precision */
    char hexs[24], names[CLI_FLAGS_MAX];
    fpq_sprint_bits(hexs, of, out);
    cli_flags_text(names, fl);
    cli_buf b = {0};
    printf("n         %zu\n", n);
    printf("emulated  %s  %s\n", hexs, cli_exact(&b, v));
    printf("exact     %s\n", cli_exact(&b, exact));
    printf("error     %s\n", cli_exact(&b, diff));
    if (mpfr_regular_p(exact) && mpfr_number_p(diff)) {
        mpfr_div(diff, diff, exact, MPFR_RNDN);
        printf("relative  %.6e\n", mpfr_get_d(diff, MPFR_RNDN));
    } else {
        printf("relative  %s\n", mpfr_zero_p(diff) ? "0" : "-");
    }
    printf("flags     %s\n", names);
    cli_buf_free(&b);
    mpfr_clears(v, diff, (mpfr_ptr)0);
    return CLI_EXIT_OK;
}

int cli_dot_main(int argc, char **argv)
{
    dot_opts o;
    memset(&o, 0, sizeof o);
    fpq_dot_spec_default(&o.spec);
    fpq_rounding_default(&o.rnd);
    int rc = fpq_format_parse(&o.in, "fp16") | fpq_format_parse(&o.acc, "fp32") | fpq_format_parse(&o.bacc, "fp32");
    if (rc != FPQ_OK) {
        cli_error("internal error: presets fp16/fp32 missing");
        return CLI_EXIT_DATA;
    }
    const char **ops = cli_xmalloc(sizeof *ops * (size_t)(argc + 1));
    int nops;
    rc = parse_args("dot", argc, argv, dot_specs, sizeof dot_specs / sizeof dot_specs[0], dot_option, &o, ops, &nops);
    if (rc == -1) {
        free(ops);
        return CLI_EXIT_OK;
    }
    if (rc == CLI_EXIT_OK && nops < 1)
        rc = cli_usage_error("dot", "missing SOURCE (a file or a generator such as normal:n=4096,seed=1)");
    if (rc == CLI_EXIT_OK && nops > 1)
        rc = cli_usage_error("dot", "unexpected operand '%s'", ops[1]);
    if (rc != CLI_EXIT_OK) {
        free(ops);
        return rc;
    }
    fpq_format fp32;
    fpq_format_parse(&fp32, "fp32");
    o.spec.in = &o.in;
    o.spec.acc = o.acc_exact ? NULL : &o.acc;
    o.spec.out = o.have_out ? &o.out : o.acc_exact ? &fp32 : NULL;
    o.spec.block_acc = o.bacc_exact ? NULL : &o.bacc;
    o.spec.rnd_in = o.spec.rnd = o.spec.rnd_out = o.rnd;

    dvec d = {0};
    unsigned fl_in = 0, fl = 0;
    rc = generate(&d, ops[0]);
    if (rc == 1)
        rc = read_file(&d, ops[0], &o.in, &o.rnd, &fl_in);
    uint64_t out = 0;
    mpfr_t exact;
    mpfr_init2(exact, 2);
    if (rc == CLI_EXIT_OK) {
        int st = d.dx ? fpq_dot_f64(&out, &fl, exact, d.dx, d.dy, d.n, &o.spec)
                      : fpq_dot(&out, &fl, exact, d.x, d.y, d.n, &o.spec);
        if (st != FPQ_OK) {
            cli_error("dot: %s", fpq_strerror(st));
            rc = CLI_EXIT_DATA;
        } else {
            rc = dot_report(&o, out, fl | fl_in, exact, d.n);
        }
    }
    mpfr_clear(exact);
    free(d.x);
    free(d.y);
    free(d.dx);
    free(d.dy);
    free(ops);
    return rc;
}
