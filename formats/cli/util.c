/* util.c: what every command of fpq shares -- diagnostics, format names,
 * flag names, exact renderings, allocation that cannot fail. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 when it is
 * not a valid one (overlong, surrogate, beyond U+10FFFF, or cut short). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    else if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    unsigned cp = c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

size_t cli_quote(char *buf, size_t n, const char *text, size_t len, size_t max)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t out = 0, i = 0;
    buf[0] = '\0';
    while (i < len && i < max) {
        size_t k = utf8_len(s + i, len - i);
        char piece[8];
        size_t m;
        if (k == 1 && s[i] >= 0x20 && s[i] != 0x7f) {
            piece[0] = (char)s[i];
            m = 1;
        } else if (k > 1) {
            memcpy(piece, s + i, k);
            m = k;
        } else {
            m = (size_t)snprintf(piece, sizeof piece, "\\x%02x", s[i]);
            k = 1;
        }
        if (out + m + 4 > n) /* room for "..." and the NUL */
            break;
        memcpy(buf + out, piece, m);
        out += m;
        i += k;
    }
    if (i < len && out + 4 <= n) {
        memcpy(buf + out, "...", 3);
        out += 3;
    }
    buf[out] = '\0';
    return out;
}

/* Write msg to stderr with its control characters (but newlines) and
 * invalid UTF-8 as \xNN, and each word (a run without spaces or newlines)
 * longer than CLI_WORD_MAX bytes cut to its first CLI_WORD_MAX and "...",
 * keeping the quote or punctuation that closes it. */
static void write_escaped(const char *msg)
{
    const char *p = msg;
    while (*p) {
        size_t w = strcspn(p, " \n");
        if (w) {
            size_t keep = w, tail = 0;
            if (w > CLI_WORD_MAX) {
                while (tail < 4 && strchr("'\"),;:.", p[w - 1 - tail]))
                    tail++;
                keep = CLI_WORD_MAX;
            }
            char buf[4 * CLI_WORD_MAX + 8];
            cli_quote(buf, sizeof buf, p, keep, keep);
            fputs(buf, stderr);
            if (w > keep) {
                fputs("...", stderr);
                fwrite(p + w - tail, 1, tail, stderr);
            }
            p += w;
        }
        if (*p)
            fputc(*p++, stderr);
    }
}

static void vreport(const char *fmt, va_list ap)
{
    fflush(stdout);
    char small[1024], *msg = small;
    va_list aq;
    va_copy(aq, ap);
    int need = vsnprintf(small, sizeof small, fmt, ap);
    if (need >= (int)sizeof small && (msg = malloc((size_t)need + 1)) != NULL)
        vsnprintf(msg, (size_t)need + 1, fmt, aq);
    va_end(aq);
    fputs("fpq: ", stderr);
    write_escaped(need < 0 ? fmt : msg ? msg : small);
    fputc('\n', stderr);
    if (msg != small)
        free(msg);
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
        const char *near[8];
        size_t n = fpq_format_suggest(near, sizeof near / sizeof near[0], name);
        if (n == 0) {
            cli_error("unknown format '%s'\nTry 'fpq formats' for the list of presets.", name);
            return CLI_EXIT_USAGE;
        }
        char list[8 * 32] = "";
        for (size_t i = 0; i < n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", near[i]);
        cli_error("unknown format '%s'; did you mean: %s?\nTry 'fpq formats' for the list of presets.",
                  name, list);
        return CLI_EXIT_USAGE;
    }
    const char *rule = fpq_format_spelling_rule(name);
    if (rule)
        return cli_usage_error(cmd, "bad format '%s': %s", name, rule);
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

size_t cli_bits_text(char *buf, size_t n, size_t len, unsigned mask,
                     const cli_bit_name *names, size_t count, const char *sep)
{
    size_t start = len;
    for (size_t i = 0; i < count; i++)
        if ((mask & names[i].bit) && len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s",
                                    len > start ? sep : "", names[i].name);
    return len;
}

void cli_flags_text(char *buf, unsigned flags)
{
    static const cli_bit_name names[] = {
        {FPQ_FLAG_INEXACT, "inexact"},   {FPQ_FLAG_UNDERFLOW, "underflow"},
        {FPQ_FLAG_OVERFLOW, "overflow"}, {FPQ_FLAG_INFINITE, "infinite"},
        {FPQ_FLAG_INVALID, "invalid"},
    };
    buf[0] = '\0';
    if (cli_bits_text(buf, CLI_FLAGS_MAX, 0, flags, names,
                      sizeof names / sizeof names[0], ",") == 0)
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

