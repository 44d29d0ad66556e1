/* strbuf.h: a growable string for building text piece by piece.
 *
 * Appending never fails outright: when memory runs out the buffer says so
 * (oom) and ignores further text, so a builder checks once, at the end.
 * The text is always NUL-terminated once anything was appended.
 */
#ifndef FPQ_STRBUF_H
#define FPQ_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fpq_strbuf {
    char *p;         /* the text (malloc'ed; NULL before the first append) */
    size_t len, cap; /* its length, and the bytes allocated */
    bool oom;        /* memory ran out: the text is incomplete */
} fpq_strbuf;

#define FPQ_STRBUF_INIT {NULL, 0, 0, false}

void fpq_sb_putn(fpq_strbuf *b, const char *s, size_t n);
void fpq_sb_puts(fpq_strbuf *b, const char *s);
void fpq_sb_putc(fpq_strbuf *b, char c);
void fpq_sb_printf(fpq_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text, handed over to the caller (malloc'ed; "" when nothing was
 * appended), or NULL when memory ran out.  Either way b is left empty. */
char *fpq_sb_take(fpq_strbuf *b);

/* snprintf contract: the text (truncated) into buf of n bytes; returns its
 * full length, 0 when memory ran out.  Frees b. */
size_t fpq_sb_finish(fpq_strbuf *b, char *buf, size_t n);

void fpq_sb_free(fpq_strbuf *b);

#endif
