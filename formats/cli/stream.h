/* stream.h: the line streams of `fpq convert` and `fpq arith` (stream.c).
 *
 * Standard input is read in blocks and handed out as complete lines
 * (cli_reader); output is collected and written in blocks (cli_sink), which
 * also holds the first malformed line for the one report of it; results are
 * memoised as the text of their output line, one per input pattern or
 * operand tuple (cli_memo).  The conventions, the same for both commands:
 *   - lines end in '\n'; the last one needs none (the reader adds it);
 *   - a line holds at most CLI_LINE_MAX bytes before its newline; a longer
 *     one is reported as soon as CLI_LINE_MAX + 1 of its bytes are read;
 *   - every byte read is looked at once for a newline (the work is linear
 *     in the input);
 *   - the output of the lines read so far is written before every read that
 *     may block, so that a program can drive fpq as a co-process;
 *   - a malformed line stops the run: everything before it is written,
 *     then "fpq: <stdin>:LINE: WHAT 'TEXT'" (unprintable bytes as \xHH, cut
 *     after 80 bytes) and exit status 1.
 */
#ifndef FPQ_CLI_STREAM_H
#define FPQ_CLI_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fpq.h"

/* Where output goes, and the first malformed line of the lines it holds. */
typedef struct cli_sink {
    char *buf; /* output not written yet */
    size_t len, cap;
    bool stream;       /* write buf out whenever it is full (else it grows) */
    bool write_failed;
    bool failed;       /* a malformed line was recorded: */
    uint64_t err_line;
    char err_what[128];
    char err_text[400];
} cli_sink;

void cli_sink_init(cli_sink *k, bool stream);
void cli_sink_free(cli_sink *k);
void cli_sink_put(cli_sink *k, const char *s, size_t n);
/* Write the output held so far to standard output. */
void cli_sink_flush(cli_sink *k);
/* Record malformed line number lineno, whose text is [s, s + n), with what
 * is wrong.  Returns false. */
bool cli_sink_line_error(cli_sink *k, uint64_t lineno, const char *what, const char *s, size_t n);
/* Write the output, then report a write failure or the malformed line.
 * Returns CLI_EXIT_OK or CLI_EXIT_DATA. */
int cli_sink_drain(cli_sink *k);

/* The longest input line, newline excluded. */
#define CLI_LINE_MAX ((size_t)1 << 20)

/* Standard input, read in blocks. */
typedef struct cli_reader {
    char *buf; /* bytes read and not dropped; cap + 1 allocated */
    size_t len, cap;
    size_t scanned; /* buf[0 .. scanned) was searched for a newline */
    bool eof;
} cli_reader;

void cli_reader_init(cli_reader *r);
void cli_reader_free(cli_reader *r);
/* Read standard input until r->buf holds a complete line, writing out's
 * output and flushing standard output before each read.  Returns the length
 * of the complete lines at the start of r->buf, each ending in '\n' (at the
 * end of input a last line without one gets it); 0 when none is left
 * (r->eof); -1 after a read error, or when line number lineno (the first
 * in r->buf) is longer than CLI_LINE_MAX, which is reported (as a malformed
 * line of out) once out's output is written.  The caller drops what it
 * used before the next call. */
ssize_t cli_reader_read(cli_reader *r, cli_sink *out, uint64_t lineno);
/* The first n bytes of r->buf are used: drop them. */
void cli_reader_drop(cli_reader *r, size_t n);

/* Texts made once each, for the indices 0 .. 2^bits - 1. */
typedef struct cli_memo {
    uint64_t *ent; /* per index: (1 + offset in arena) << 24 | length; 0: none */
    char *arena;
    size_t len, cap;
} cli_memo;
#define CLI_MEMO_LEN_BITS 24

void cli_memo_init(cli_memo *m, unsigned bits);
void cli_memo_free(cli_memo *m);
/* The text stored for index k (its length in *n), or NULL. */
static inline const char *cli_memo_get(const cli_memo *m, uint64_t k, size_t *n)
{
    uint64_t e = m->ent[k];
    *n = (size_t)(e & ((UINT64_C(1) << CLI_MEMO_LEN_BITS) - 1));
    return e ? m->arena + (e >> CLI_MEMO_LEN_BITS) - 1 : NULL;
}
/* Store a copy of text (n bytes, not in m's arena) for index k. */
void cli_memo_put(cli_memo *m, uint64_t k, const char *text, size_t n);

/* "0x" and ndigits lowercase hex digits of bits, not terminated; returns
 * ndigits + 2. */
size_t cli_hex_bits(char *dst, uint64_t bits, unsigned ndigits);

/* The bit pattern of f spelled by [s, s + n) ("0x3c00" or "3c00"):
 * FPQ_OK, FPQ_ERR_PARSE or FPQ_ERR_BITS_WIDE, as fpq_parse_bits (which has
 * the last word).  s[n] must be writable; it is restored. */
int cli_stream_bits(uint64_t *out, const fpq_format *f, char *s, size_t n);

#endif /* FPQ_CLI_STREAM_H */
