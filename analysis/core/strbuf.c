/* strbuf.c: a growable string (strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL; false (and oom) when there is none. */
static bool reserve(fpq_strbuf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return false;
        }
        b->p = q;
        b->cap = cap;
    }
    return true;
}

void fpq_sb_putn(fpq_strbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void fpq_sb_puts(fpq_strbuf *b, const char *s)
{
    fpq_sb_putn(b, s, strlen(s));
}

void fpq_sb_putc(fpq_strbuf *b, char c)
{
    fpq_sb_putn(b, &c, 1);
}

void fpq_sb_printf(fpq_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *fpq_sb_take(fpq_strbuf *b)
{
    char *p = b->oom ? NULL : b->p;
    if (b->oom)
        free(b->p);
    else if (!p && (p = malloc(1)))
        p[0] = '\0';
    *b = (fpq_strbuf)FPQ_STRBUF_INIT;
    return p;
}

size_t fpq_sb_finish(fpq_strbuf *b, char *buf, size_t n)
{
    const size_t len = b->oom ? 0 : b->len;
    if (n) {
        const size_t w = len < n ? len : n - 1;
        if (w)
            memcpy(buf, b->p, w);
        buf[w] = '\0';
    }
    fpq_sb_free(b);
    return len;
}

void fpq_sb_free(fpq_strbuf *b)
{
    free(b->p);
    *b = (fpq_strbuf)FPQ_STRBUF_INIT;
}
