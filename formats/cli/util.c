/* util.c: what every command of fpq shares -- diagnostics, format names,
 * flag names, exact renderings, allocation that cannot fail. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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


const char *cli_out_name(enum cli_out o)
{
    switch (o) {
    case CLI_OUT_HEX: return "hex";
    case CLI_OUT_DEC: return "dec";
    case CLI_OUT_BOTH: return "both";
    }
    return "?";
}

bool cli_parse_seed(uint64_t *out, const char *s)
{
    return fpq_seed_parse(out, s, strlen(s)) == FPQ_OK;
}

