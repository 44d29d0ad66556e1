/* cmd_arith.c: `fpq arith`, operations on the patterns of a format: one
 * case from the operands, or a stream of cases on standard input.
 *
 * The command line goes through the option layer (opt.h); the stream
 * through the stream module (stream.h), as `fpq convert`'s does.  Formats
 * whose operand patterns make a table of at most 2^18 cases memoise each
 * case's output line (the same result by construction) unless rounding is
 * stochastic; otherwise each block's cases are computed by the library's
 * bulk arithmetic (fpq_arith_codes, on OpenMP threads) and written in
 * order.  The numerics are libfpq's (fpq_arith, fpq_arith_codes). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"
#include "stream.h"

#define MEMO_MAX_INDEX_BITS 18u

enum { OPT_FLAGS = 1, OPT_TO };

static const cli_opt arith_opts[] = {
    CLI_OPTS_ROUNDING,
    {OPT_FLAGS, 0, "flags", NULL, "stream: append the flags as two hex digits"},
    {OPT_TO, 0, "to", "FMT2",
     "mixed formats: operands in FMT, the result rounded\n"
     "once into FMT2 (fp16 mul --to fp32: the exact\n"
     "product of two fp16 in fp32); default FMT"},
    {0},
};

static void print_help(FILE *f)
{
    fprintf(f,
            "Usage: fpq arith FMT OP [A [B [C]]] [OPTIONS]\n"
            "\n"
            "Apply OP to operands of format FMT, computed exactly and rounded once into\n"
            "FMT (fpq_arith).  OP is one of\n"
            " ");
    for (int op = 0; op < FPQ_OP_COUNT_; op++)
        fprintf(f, " %s", fpq_op_name((fpq_op)op));
    fprintf(f,
            "\n(fma A B C is A*B+C with one rounding).\n"
            "\n"
            "With operands: each is a bit pattern or a value, spelled as everywhere\n"
            "in fpq.  A bit pattern is hex: 0x3c00 (or 3c00).  A value is decimal\n"
            "(1.5, 10.0, -1, 1e-3), hex-float with a p exponent (0x1.8p1), inf or\n"
            "nan; it is first rounded into FMT with the same --round (a note on\n"
            "standard error says when that rounding is inexact).  Hex digits alone\n"
            "that also read as a decimal (10, 448, 1e5) would be either, so they are\n"
            "refused: write 0x10 for the pattern, 10.0 for the value.\n"
            "One line: the result's bit pattern, its exact value, the ternary (-1, 0,\n"
            "+1: result below, equal to, above the exact result) and the flags\n"
            "(inexact, underflow, overflow, infinite, invalid; \"-\" none).\n"
            "Comparisons print 1 or 0 and the flags.  Stochastic rounding: the\n"
            "operation has position 0, operand i (from 1) position i.\n"
            "\n"
            "Without operands: a stream.  Each line of standard input is one case,\n"
            "OP's operands as hex bit patterns (0x optional) separated by spaces or\n"
            "tabs; each output line is the result pattern (0x, zero-padded; 1 or 0\n"
            "for comparisons), and with --flags a space and the flags as two hex\n"
            "digits (inexact 01, underflow 02, overflow 04, infinite 08, invalid 10).\n"
            "A trailing CR is allowed; the last line needs no newline.  Any other\n"
            "line, an empty one included, is malformed: everything before it is\n"
            "written, then\n"
            "  fpq: <stdin>:LINE: WHAT 'TEXT'\n"
            "and exit status 1.  The results of the lines read so far are written\n"
            "before every read that may block.  Stochastic rounding: position =\n"
            "line number - 1.\n"
            "\n"
            "With --to FMT2 the result is rounded once into FMT2 instead (mixed\n"
            "formats, fpq_arith_mixed): its pattern and exact value are FMT2's.\n"
            "\n"
            "Examples: fpq arith fp16 add 0x3c00 0.5\n"
            "          fpq arith fp16 mul 0x3c01 0x3c01 --to fp32\n"
            "          fpq arith fp16 mul -1.5 2.0\n"
            "          printf '0x40 0x38\\n' | fpq arith e4m3 mul --flags\n"
            "\n"
            "Options:\n");
    cli_opts_help(f, arith_opts);
    fprintf(f, "\nFMT, numbers, option syntax and exit status: see 'fpq --help'.\n");
}

static bool is_compare(fpq_op op)
{
    return op >= FPQ_OP_EQ && op <= FPQ_OP_UNORDERED;
}

/* ---------------------------------------------------------------------- */
/* One case from the operands.                                            */

static bool all_hex(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

/* An operand: "0x" and hex digits, or hex digits alone that are no number,
 * is a bit pattern; anything else is a value, rounded into f (position
 * pos).  Hex digits alone that are also a number are refused.  On an error
 * returns its exit status having reported it as argument `index`. */
static int operand(uint64_t *bits, const fpq_format *f, const char *text, int index, const fpq_rounding *rnd,
                   uint64_t pos)
{
    bool prefixed = text[0] == '0' && (text[1] == 'x' || text[1] == 'X') && all_hex(text + 2);
    bool bare = all_hex(text);
    mpfr_t v;
    mpfr_init2(v, FPQ_PARSE_PREC);
    int st = prefixed ? FPQ_ERR_PARSE : fpq_parse_value(v, NULL, text);
    char what[128];
    if (bare && st == FPQ_OK) {
        mpfr_clear(v);
        size_t e = strcspn(text, "eE");
        return cli_usage_error("arith", "argument %d: '%s' is ambiguous: write 0x%s for a bit pattern or %.*s.0%s "
                               "for a value", index, text, text, (int)e, text, text + e);
    }
    if (prefixed || bare) {
        mpfr_clear(v);
        st = fpq_parse_bits(bits, f, text);
        if (st != FPQ_OK) {
            cli_describe_error(what, sizeof what, st, f, true);
            return cli_value_error(index, what, text);
        }
        return CLI_EXIT_OK;
    }
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

static int arith_once(const fpq_format *f, const fpq_format *to, fpq_op op, const char **ops,
                      const fpq_rounding *rnd)
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
    int t = fpq_arith(&res, &fl, to, op, f, x, &r);
    char names[CLI_FLAGS_MAX];
    cli_flags_text(names, fl);
    if (is_compare(op)) {
        printf("%d  %s\n", (int)res, names);
        return CLI_EXIT_OK;
    }
    char hexs[24];
    fpq_sprint_bits(hexs, to, res);
    mpfr_t v;
    mpfr_init2(v, fpq_format_precision(to));
    fpq_decode(v, NULL, NULL, to, res);
    cli_buf b = {0};
    printf("%s  %s  %s  %s\n", hexs, cli_exact(&b, v), t < 0 ? "-1" : t > 0 ? "+1" : "0", names);
    cli_buf_free(&b);
    mpfr_clear(v);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* The stream.                                                            */

typedef struct stream {
    const fpq_format *f, *to; /* operands', result's */
    fpq_op op;
    unsigned arity;
    fpq_rounding rnd;
    bool flags;
    unsigned hexd;  /* hex digits of a result */
    cli_memo memo;  /* output line per case, index = operands' bits
                       concatenated; ent == NULL: not used */
    uint64_t *x;    /* one block's cases: arity patterns each */
    uint64_t *res;
    uint8_t *fl;
    void *packed[4]; /* one block's operands and results, packed */
    char *text;      /* one block's output lines */
    size_t cap;
    cli_sink out;
} stream;

/* The output line of a case, newline included; returns its length (at
 * most 2 + 16 + 3 + 1 bytes). */
static size_t case_text(char *dst, const stream *s, uint64_t res, unsigned fl)
{
    static const char hx[] = "0123456789abcdef";
    size_t k;
    if (is_compare(s->op)) {
        dst[0] = res ? '1' : '0';
        k = 1;
    } else {
        k = cli_hex_bits(dst, res, s->hexd);
    }
    if (s->flags) {
        dst[k++] = ' ';
        dst[k++] = hx[(fl >> 4) & 0xf];
        dst[k++] = hx[fl & 0xf];
    }
    dst[k++] = '\n';
    return k;
}

/* Parse the line [p, e) (e[0] writable) into x[0..arity).  Returns false
 * with *what set. */
static bool parse_case(uint64_t *x, const stream *s, char *p, char *e, char *what, size_t wn)
{
    while (e > p && e[-1] == '\r')
        e--;
    unsigned k = 0;
    for (;;) {
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        if (p == e)
            break;
        char *q = p;
        while (q < e && *q != ' ' && *q != '\t')
            q++;
        if (k == s->arity)
            break;
        int st = cli_stream_bits(&x[k], s->f, p, (size_t)(q - p));
        if (st != FPQ_OK) {
            cli_describe_error(what, wn, st, s->f, true);
            return false;
        }
        k++;
        p = q;
    }
    if (k == 0) {
        snprintf(what, wn, "empty line");
        return false;
    }
    if (k != s->arity || p != e) {
        snprintf(what, wn, "%s takes %u operand%s", fpq_op_name(s->op), s->arity, s->arity > 1 ? "s" : "");
        return false;
    }
    return true;
}

/* The value of a hex digit, or -1: a table for the stream's fast parse. */
static signed char hexval[256];

static void hexval_init(void)
{
    for (int c = 0; c < 256; c++)
        hexval[c] = (signed char)cli_hex_digit((unsigned char)c);
}

/* The common line, parsed without a library call: arity hex patterns (0x
 * optional, 1 to 16 digits that fit in the format), one space or tab
 * between them, an optional CR, then the newline at *e.  p points into a
 * block whose lines all end in '\n', so the scan stops there at the
 * latest.  Returns the newline's address, or NULL for any other line
 * (parse_case then reads it and names what is wrong). */
static const char *fast_case(uint64_t *x, const stream *s, const char *p)
{
    const unsigned bits = s->f->bits;
    for (unsigned k = 0; k < s->arity; k++) {
        if (k > 0) {
            if (*p != ' ' && *p != '\t')
                return NULL;
            p++;
        }
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        const char *q = p;
        uint64_t v = 0;
        int d;
        while ((d = hexval[(unsigned char)*p]) >= 0) {
            v = v << 4 | (uint64_t)d;
            p++;
        }
        if (p == q || p - q > 16 || (bits < 64 && (v >> bits) != 0))
            return NULL;
        x[k] = v;
    }
    if (*p == '\r')
        p++;
    return *p == '\n' ? p : NULL;
}

/* Two lowercase hex digits per byte value. */
static char hexpair[256][2];

static void hexpair_init(void)
{
    static const char hx[] = "0123456789abcdef";
    for (int b = 0; b < 256; b++) {
        hexpair[b][0] = hx[b >> 4];
        hexpair[b][1] = hx[b & 15];
    }
}

/* The output lines of n results into dst (at most n * 22 bytes); their length. */
static size_t block_text(char *dst, const stream *s, const uint64_t *res, const uint8_t *fl, size_t n)
{
    char *d = dst;
    if (is_compare(s->op) || s->hexd % 2 != 0) {
        for (size_t i = 0; i < n; i++)
            d += case_text(d, s, res[i], fl[i]);
        return (size_t)(d - dst);
    }
    const unsigned nb = s->hexd / 2;
    for (size_t i = 0; i < n; i++) {
        d[0] = '0';
        d[1] = 'x';
        d += 2;
        for (unsigned b = nb; b-- > 0;) {
            memcpy(d, hexpair[(res[i] >> (8 * b)) & 0xff], 2);
            d += 2;
        }
        if (s->flags) {
            d[0] = ' ';
            memcpy(d + 1, hexpair[fl[i]], 2);
            d += 3;
        }
        *d++ = '\n';
    }
    return (size_t)(d - dst);
}

/* Compute and write the n cases of the block, the first on line first. */
static void run_block(stream *s, size_t n, uint64_t first)
{
    char line[32];
    if (s->memo.ent) {
        for (size_t i = 0; i < n; i++) {
            const uint64_t *x = s->x + i * s->arity;
            uint64_t idx = 0;
            for (unsigned j = 0; j < s->arity; j++)
                idx = idx << s->f->bits | x[j];
            size_t len;
            const char *t = cli_memo_get(&s->memo, idx, &len);
            if (!t) {
                uint64_t res;
                unsigned fl;
                fpq_arith(&res, &fl, s->to, s->op, s->f, x, &s->rnd);
                len = case_text(line, s, res, fl);
                cli_memo_put(&s->memo, idx, line, len);
                t = line;
            }
            cli_sink_put(&s->out, t, len);
        }
        return;
    }
    /* the library's bulk arithmetic: operands packed one array each */
    for (unsigned j = 0; j < s->arity; j++) {
        for (size_t i = 0; i < n; i++)
            s->res[i] = s->x[i * s->arity + j];
        fpq_pack(s->packed[j], s->res, 0, n, s->f);
    }
    fpq_rounding r = s->rnd;
    r.position = first - 1;
    fpq_arith_codes(s->packed[3], s->fl, s->to, s->op, s->f, s->packed[0], s->packed[1], s->packed[2], n, &r);
    fpq_unpack(s->res, s->packed[3], 0, n, s->to);
    cli_sink_put(&s->out, s->text, block_text(s->text, s, s->res, s->fl, n));
}

static int arith_stream(const fpq_format *f, const fpq_format *to, fpq_op op, const fpq_rounding *rnd, bool flags)
{
    stream s = {.f = f, .to = to, .op = op, .arity = fpq_op_arity(op), .rnd = *rnd, .flags = flags,
                .hexd = fpq_format_hex_digits(to)};
    if (rnd->mode != FPQ_RSR && f->bits * s.arity <= MEMO_MAX_INDEX_BITS)
        cli_memo_init(&s.memo, f->bits * s.arity);
    cli_sink_init(&s.out, true);
    hexval_init();
    hexpair_init();
    cli_reader rd;
    cli_reader_init(&rd);
    uint64_t lineno = 1; /* of the first line in rd.buf */
    int rc = CLI_EXIT_OK;
    ssize_t got;
    while (rc == CLI_EXIT_OK && (got = cli_reader_read(&rd, &s.out, lineno)) != 0) {
        if (got < 0) {
            rc = CLI_EXIT_DATA;
            break;
        }
        char *p = rd.buf, *end = rd.buf + got, *nl;
        size_t ncase = 0;
        const uint64_t first = lineno;
        while (p < end) {
            if (ncase == s.cap) {
                s.cap = s.cap ? 2 * s.cap : 4096;
                s.x = cli_xrealloc(s.x, s.cap * s.arity * sizeof *s.x);
                s.res = cli_xrealloc(s.res, s.cap * sizeof *s.res);
                s.fl = cli_xrealloc(s.fl, s.cap);
                for (int j = 0; j < 4; j++)
                    s.packed[j] = cli_xrealloc(s.packed[j], s.cap * sizeof(uint64_t));
                s.text = cli_xrealloc(s.text, s.cap * 22);
            }
            const char *fe = fast_case(s.x + ncase * s.arity, &s, p);
            if (fe) {
                ncase++;
                lineno++;
                p = (char *)fe + 1;
                continue;
            }
            nl = memchr(p, '\n', (size_t)(end - p)); /* every line in [p, end) ends in one */
            char what[128];
            if (!parse_case(s.x + ncase * s.arity, &s, p, nl, what, sizeof what)) {
                cli_sink_line_error(&s.out, lineno, what, p, (size_t)(nl - p));
                rc = CLI_EXIT_DATA;
                break;
            }
            ncase++;
            lineno++;
            p = nl + 1;
        }
        run_block(&s, ncase, first);
        cli_reader_drop(&rd, (size_t)got);
    }
    if (got >= 0) {
        int drc = cli_sink_drain(&s.out);
        rc = rc == CLI_EXIT_OK ? drc : rc;
    }
    cli_reader_free(&rd);
    cli_sink_free(&s.out);
    cli_memo_free(&s.memo);
    free(s.x);
    free(s.res);
    free(s.fl);
    free(s.text);
    for (int j = 0; j < 4; j++)
        free(s.packed[j]);
    return rc;
}

/* ---------------------------------------------------------------------- */

/* A command line read. */
typedef struct arith_args {
    const char **ops; /* FMT, OP and the operands */
    int nops;
    bool flags;
    const char *to; /* --to */
} arith_args;

/* One argument of the command line into the arith_args ctx (cli_on_arg);
 * the rounding options go to p->rnd. */
static int arith_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    arith_args *a = ctx;
    (void)p;
    switch (id) {
    case CLI_HELP: print_help(stdout); break;
    case CLI_OPERAND: a->ops[a->nops++] = arg; break;
    case OPT_FLAGS: a->flags = true; break;
    case OPT_TO: a->to = arg; break;
    }
    return CLI_EXIT_OK;
}

int cli_arith_main(int argc, char **argv)
{
    fpq_rounding rnd;
    fpq_rounding_default(&rnd);
    arith_args a = {cli_xmalloc(sizeof *a.ops * (size_t)(argc + 1)), 0, false, NULL};
    cli_parser p;
    cli_parser_init(&p, "arith", arith_opts, argc, argv);
    p.rnd = &rnd;
    int rc = cli_parse(&p, arith_arg, &a);
    fpq_format f, to;
    fpq_op op;
    if (rc != CLI_EXIT_OK)
        rc = cli_exit_status(rc);
    else if (a.nops < 1)
        rc = cli_usage_error("arith", "missing FMT");
    else if (a.nops < 2)
        rc = cli_usage_error("arith", "missing OP");
    else if ((rc = cli_format(&f, "arith", a.ops[0])) != CLI_EXIT_OK)
        ;
    else if (fpq_op_parse(&op, a.ops[1]) != FPQ_OK) {
        char names[160];
        size_t len = 0;
        for (int k = 0; k < FPQ_OP_COUNT_ && len < sizeof names; k++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", k ? ", " : "", fpq_op_name((fpq_op)k));
        rc = cli_usage_error("arith", "unknown operation '%s' (one of: %s)", a.ops[1], names);
    } else if ((rc = a.to ? cli_format(&to, "arith", a.to) : (to = f, CLI_EXIT_OK)) != CLI_EXIT_OK)
        ;
    else if (a.to && is_compare(op))
        rc = cli_usage_error("arith", "--to does not apply to %s: a comparison's result is 1 or 0", a.ops[1]);
    else if (a.nops == 2)
        rc = arith_stream(&f, &to, op, &rnd, a.flags);
    else if ((unsigned)(a.nops - 2) != fpq_op_arity(op))
        rc = cli_usage_error("arith", "%s takes %u operand%s, not %d", a.ops[1], fpq_op_arity(op),
                             fpq_op_arity(op) > 1 ? "s" : "", a.nops - 2);
    else if (a.flags)
        rc = cli_usage_error("arith", "--flags applies to the stream (no operands)");
    else
        rc = arith_once(&f, &to, op, a.ops + 2, &rnd);
    free(a.ops);
    return rc;
}
