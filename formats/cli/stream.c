/* stream.c: the line streams of `fpq convert` and `fpq arith` (stream.h):
 * one reader, one output sink with the report of a malformed line, one memo
 * table of output texts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "stream.h"

#define OUT_BLOCK ((size_t)1 << 20) /* bytes written at a time */
#define SHOWN_MAX 80                /* bytes of a malformed line quoted */

/* ---------------------------------------------------------------------- */
/* Output.                                                                */

static bool write_out(const char *s, size_t n)
{
    return n == 0 || fwrite(s, 1, n, stdout) == n;
}

void cli_sink_init(cli_sink *k, bool stream)
{
    memset(k, 0, sizeof *k);
    k->cap = OUT_BLOCK;
    k->buf = cli_xmalloc(k->cap);
    k->stream = stream;
}

void cli_sink_free(cli_sink *k)
{
    free(k->buf);
    k->buf = NULL;
}

void cli_sink_flush(cli_sink *k)
{
    if (!k->write_failed && !write_out(k->buf, k->len))
        k->write_failed = true;
    k->len = 0;
}

void cli_sink_put(cli_sink *k, const char *s, size_t n)
{
    if (k->len + n > k->cap) {
        if (k->stream) {
            cli_sink_flush(k);
            if (n > k->cap) {
                if (!k->write_failed && !write_out(s, n))
                    k->write_failed = true;
                return;
            }
        } else {
            while (k->len + n > k->cap)
                k->cap *= 2;
            k->buf = cli_xrealloc(k->buf, k->cap);
        }
    }
    memcpy(k->buf + k->len, s, n);
    k->len += n;
}

bool cli_sink_line_error(cli_sink *k, uint64_t lineno, const char *what, const char *s, size_t n)
{
    cli_quote(k->err_text, sizeof k->err_text, s, n, SHOWN_MAX);
    snprintf(k->err_what, sizeof k->err_what, "%s", what);
    k->err_line = lineno;
    k->failed = true;
    return false;
}

int cli_sink_drain(cli_sink *k)
{
    cli_sink_flush(k);
    if (k->write_failed) {
        cli_error("error writing standard output: %s", strerror(errno));
        return CLI_EXIT_DATA;
    }
    if (k->failed) {
        cli_error("<stdin>:%llu: %s '%s'", (unsigned long long)k->err_line, k->err_what, k->err_text);
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Input.                                                                 */

void cli_reader_init(cli_reader *r)
{
    memset(r, 0, sizeof *r);
    r->cap = CLI_LINE_MAX + 1; /* the longest line and its newline */
    r->buf = cli_xmalloc(r->cap + 1); /* + 1: room to end the last line */
}

void cli_reader_free(cli_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

ssize_t cli_reader_read(cli_reader *r, cli_sink *out, uint64_t lineno)
{
    for (;;) {
        if (r->scanned < r->len) { /* only the bytes not searched yet */
            const char *nl = memrchr(r->buf + r->scanned, '\n', r->len - r->scanned);
            r->scanned = r->len;
            if (nl)
                return nl + 1 - r->buf;
        }
        if (r->eof)
            break;
        if (r->len == r->cap) { /* no newline in a full buffer */
            char what[64];
            snprintf(what, sizeof what, "line longer than %zu bytes", CLI_LINE_MAX);
            cli_sink_line_error(out, lineno, what, r->buf, r->len);
            cli_sink_drain(out);
            return -1;
        }
        cli_sink_flush(out);
        if (fflush(stdout) != 0)
            out->write_failed = true;
        ssize_t got = read(STDIN_FILENO, r->buf + r->len, r->cap - r->len);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            if (cli_sink_drain(out) == CLI_EXIT_OK)
                cli_error("error reading standard input: %s", strerror(e));
            return -1;
        }
        if (got == 0) {
            r->eof = true;
            if (r->len > 0 && r->buf[r->len - 1] != '\n') {
                r->buf[r->len++] = '\n';
                return (ssize_t)r->len;
            }
            break;
        }
        r->len += (size_t)got;
    }
    return (ssize_t)r->len;
}

void cli_reader_drop(cli_reader *r, size_t n)
{
    memmove(r->buf, r->buf + n, r->len - n);
    r->len -= n;
    r->scanned = r->scanned > n ? r->scanned - n : 0;
}

/* ---------------------------------------------------------------------- */
/* Memo.                                                                  */

void cli_memo_init(cli_memo *m, unsigned bits)
{
    memset(m, 0, sizeof *m);
    m->ent = calloc((size_t)1 << bits, sizeof *m->ent);
    if (!m->ent) {
        cli_error("out of memory");
        exit(CLI_EXIT_DATA);
    }
}

void cli_memo_free(cli_memo *m)
{
    free(m->ent);
    free(m->arena);
    memset(m, 0, sizeof *m);
}

void cli_memo_put(cli_memo *m, uint64_t k, const char *text, size_t n)
{
    if (m->len + n > m->cap) {
        m->cap = m->cap ? 2 * m->cap : (size_t)1 << 16;
        while (m->len + n > m->cap)
            m->cap *= 2;
        m->arena = cli_xrealloc(m->arena, m->cap);
    }
    if (n >> CLI_MEMO_LEN_BITS) { /* cannot happen for formats of <= 64 bits */
        cli_error("internal error: memo text too long");
        exit(CLI_EXIT_DATA);
    }
    memcpy(m->arena + m->len, text, n);
    m->ent[k] = (uint64_t)(m->len + 1) << CLI_MEMO_LEN_BITS | n;
    m->len += n;
}

/* ---------------------------------------------------------------------- */
/* Bit patterns.                                                          */

size_t cli_hex_bits(char *dst, uint64_t bits, unsigned ndigits)
{
    static const char digit[] = "0123456789abcdef";
    dst[0] = '0';
    dst[1] = 'x';
    for (unsigned i = 0; i < ndigits; i++)
        dst[2 + i] = digit[(bits >> (4 * (ndigits - 1 - i))) & 0xf];
    return ndigits + 2;
}

/* The common spellings, "0x3c00" / "3c00" with 1 to 16 digits that fit in
 * the format, without a library call. */
static bool parse_hex_fast(uint64_t *out, const char *s, size_t n, unsigned bits)
{
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
    }
    if (n == 0 || n > 16)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = cli_hex_digit((unsigned char)s[i]);
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    if (bits < 64 && (v >> bits) != 0)
        return false;
    *out = v;
    return true;
}

int cli_stream_bits(uint64_t *out, const fpq_format *f, char *s, size_t n)
{
    if (parse_hex_fast(out, s, n, f->bits))
        return FPQ_OK;
    if (memchr(s, '\0', n))
        return FPQ_ERR_PARSE;
    char save = s[n];
    s[n] = '\0';
    int st = fpq_parse_bits(out, f, s);
    s[n] = save;
    return st;
}
