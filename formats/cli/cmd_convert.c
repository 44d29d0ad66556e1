/* cmd_convert.c: `fpq convert FROM TO`, the streaming oracle.
 *
 * Standard input is read in large blocks and split into lines here; output is
 * collected in large buffers and written in blocks.  Every result is the
 * library's reference (fpq_convert, or fpq_parse_value then fpq_encode);
 * the speed comes from memoising the reference, which gives identical
 * results by construction, and from running it on several threads:
 * - the text of each TO pattern (TO of at most 16 bits, --out dec or
 *   both) is made once, on first use;
 * - when FROM has at most 16 bits and the rounding is deterministic, the
 *   whole output line of each FROM pattern is made once, on first use, and
 *   a line costs a hex parse and a copy;
 * - otherwise (FROM wider, decimal input, or stochastic rounding) each block
 *   of input is cut at line boundaries into a few slices per thread, the
 *   threads (OpenMP) convert the slices, each into its own buffer, and the
 *   buffers are written in order.  Stochastic rounding uses position = line number - 1, known
 *   for every slice from the newlines before it, so the output does not
 *   depend on the number of threads.
 * A malformed line stops the run: everything before it is written first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"

#define IN_BLOCK ((size_t)1 << 20)  /* bytes read at a time */
#define OUT_BLOCK ((size_t)1 << 20) /* bytes written at a time */
#define MEMO_MAX_BITS 16u           /* widest format whose patterns are memoised */
#define MAX_THREADS 64
#define SLICES_PER_THREAD 4         /* slices of a block, per thread */
#define MAX_SLICES 256
#define MIN_SLICE ((size_t)1 << 14) /* bytes; fewer in a block: one thread */

/* Lazily filled texts, one per pattern of a format of at most 16 bits.
 * Entry k: (1 + offset of the text in the arena) << 24 | its length; 0: not
 * made yet.  One word per entry, so a lookup touches one cache line of the
 * index. */
typedef struct memo {
    uint64_t *ent;
} memo;
#define MEMO_LEN_BITS 24
#define MEMO_TEXT(w, m, k) ((w)->arena + ((m)->ent[k] >> MEMO_LEN_BITS) - 1)
#define MEMO_LEN(m, k) ((size_t)((m)->ent[k] & ((1u << MEMO_LEN_BITS) - 1)))

/* What every thread shares: read only while converting. */
typedef struct conv {
    const fpq_format *from; /* NULL: each line is a number (FROM "dec") */
    int fast;               /* 32 or 64: FROM is binary32/64, use the bulk path */
    const fpq_format *to;
    fpq_rounding rnd;
    enum cli_out out;
} conv;

/* Where the output of a run of lines goes, and its first malformed line. */
typedef struct sink {
    char *obuf;   /* output not written yet */
    size_t olen, ocap;
    bool stream;  /* write obuf out whenever it is full (else it grows) */
    bool write_failed;
    bool failed;  /* a malformed line: */
    uint64_t err_line;
    char err_what[128];
    char err_text[400];
} sink;

/* One thread's state. */
typedef struct worker {
    const conv *c;
    sink *out;               /* the slice being converted */
    fpq_rounding rnd;        /* c->rnd with this line's position */
    memo to_memo, from_memo; /* ent == NULL: not used */
    char *arena;             /* texts of both memos, each ending in '\n' */
    size_t arena_len, arena_cap;
    mpfr_t value;            /* a parsed decimal line */
    mpfr_t x;                /* a decoded TO pattern */
    cli_buf b;
    char *scratch;           /* make_to_text's result */
    size_t scap;
    char hexbuf[24];         /* hex_line's result */
    unsigned hex_digits;     /* of TO */
} worker;

/* ---------------------------------------------------------------------- */
/* Output.                                                                */

static bool write_out(const char *s, size_t n)
{
    return n == 0 || fwrite(s, 1, n, stdout) == n;
}

static void sink_init(sink *k, bool stream)
{
    memset(k, 0, sizeof *k);
    k->ocap = OUT_BLOCK;
    k->obuf = cli_xmalloc(k->ocap);
    k->stream = stream;
}

static void out_flush(sink *k)
{
    if (!k->write_failed && !write_out(k->obuf, k->olen))
        k->write_failed = true;
    k->olen = 0;
}

static void out_put(sink *k, const char *s, size_t n)
{
    if (k->olen + n > k->ocap) {
        if (k->stream) {
            out_flush(k);
            if (n > k->ocap) {
                if (!k->write_failed && !write_out(s, n))
                    k->write_failed = true;
                return;
            }
        } else {
            while (k->olen + n > k->ocap)
                k->ocap *= 2;
            k->obuf = cli_xrealloc(k->obuf, k->ocap);
        }
    }
    memcpy(k->obuf + k->olen, s, n);
    k->olen += n;
}

/* Write a sink's output, then its error if it has one.  Returns the exit
 * status so far. */
static int drain(sink *k)
{
    out_flush(k);
    if (k->write_failed) {
        cli_error("error writing standard output: %s", strerror(errno));
        return CLI_EXIT_DATA;
    }
    if (k->failed) {
        cli_error("<stdin>:%llu: %s '%s'", (unsigned long long)k->err_line,
                  k->err_what, k->err_text);
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Text of results, memoised.                                             */

static void memo_init(memo *m, unsigned bits)
{
    m->ent = calloc((size_t)1 << bits, sizeof *m->ent);
    if (!m->ent) {
        cli_error("out of memory");
        exit(CLI_EXIT_DATA);
    }
}

static void memo_free(memo *m)
{
    free(m->ent);
}

/* Store text (n bytes, not in the arena) for pattern k of m. */
static void memo_store(worker *w, memo *m, uint64_t k, const char *text, size_t n)
{
    if (w->arena_len + n > w->arena_cap) {
        w->arena_cap = w->arena_cap ? 2 * w->arena_cap : (size_t)1 << 16;
        while (w->arena_len + n > w->arena_cap)
            w->arena_cap *= 2;
        w->arena = cli_xrealloc(w->arena, w->arena_cap);
    }
    if (n >> MEMO_LEN_BITS) { /* cannot happen for formats of <= 64 bits */
        cli_error("internal error: memo text too long");
        exit(CLI_EXIT_DATA);
    }
    memcpy(w->arena + w->arena_len, text, n);
    m->ent[k] = (uint64_t)(w->arena_len + 1) << MEMO_LEN_BITS | n;
    w->arena_len += n;
}

/* The output line for TO pattern bits, newline included, made fresh in
 * w->scratch; *n its length. */
static const char *make_to_text(worker *w, uint64_t bits, size_t *n)
{
    const conv *c = w->c;
    char hex[24];
    const char *dec = "";
    if (c->out != CLI_OUT_HEX) {
        fpq_decode(w->x, NULL, NULL, c->to, bits);
        dec = cli_exact(&w->b, w->x);
    }
    fpq_sprint_bits(hex, c->to, bits);
    size_t hl = strlen(hex), dl = strlen(dec);
    if (hl + dl + 2 > w->scap) {
        w->scap = hl + dl + 64;
        w->scratch = cli_xrealloc(w->scratch, w->scap);
    }
    char *s = w->scratch;
    size_t k = 0;
    if (c->out != CLI_OUT_DEC) {
        memcpy(s, hex, hl);
        k = hl;
    }
    if (c->out == CLI_OUT_BOTH)
        s[k++] = ' ';
    if (c->out != CLI_OUT_HEX) {
        memcpy(s + k, dec, dl);
        k += dl;
    }
    s[k++] = '\n';
    *n = k;
    return s;
}

/* "0x" and the pattern in hex, zero-padded, newline: the text of
 * fpq_sprint_bits, written here without a library call because it is the
 * whole output of the common case.  Returns the length. */
static size_t hex_line(char *dst, uint64_t bits, unsigned ndigits)
{
    static const char digit[] = "0123456789abcdef";
    dst[0] = '0';
    dst[1] = 'x';
    for (unsigned i = 0; i < ndigits; i++)
        dst[2 + i] = digit[(bits >> (4 * (ndigits - 1 - i))) & 0xf];
    dst[2 + ndigits] = '\n';
    return ndigits + 3;
}

/* The same text as make_to_text: made directly for hex, else from the TO
 * memo when there is one. */
static const char *to_text(worker *w, uint64_t bits, size_t *n)
{
    if (w->c->out == CLI_OUT_HEX) {
        *n = hex_line(w->hexbuf, bits, w->hex_digits);
        return w->hexbuf;
    }
    memo *m = &w->to_memo;
    if (!m->ent)
        return make_to_text(w, bits, n);
    if (!m->ent[bits]) {
        const char *t = make_to_text(w, bits, n);
        memo_store(w, m, bits, t, *n);
    }
    *n = MEMO_LEN(m, bits);
    return MEMO_TEXT(w, m, bits);
}

/* ---------------------------------------------------------------------- */
/* Lines.                                                                 */

/* The common spellings, "0x3c00" / "3c00" with 1 to 16 digits that fit in
 * the format.  Anything else goes to fpq_parse_bits, which has the last
 * word (so both accept exactly the same lines). */
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

/* Record a malformed line; the text has unprintable bytes escaped and is
 * cut after 80 bytes.  Returns false. */
static bool line_error(worker *w, uint64_t lineno, const char *what,
                       const char *s, size_t n)
{
    sink *o = w->out;
    size_t k = 0;
    for (size_t i = 0; i < n && i < 80; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f)
            o->err_text[k++] = (char)ch;
        else
            k += (size_t)snprintf(o->err_text + k, sizeof o->err_text - k,
                                  "\\x%02x", ch);
    }
    if (n > 80)
        k += (size_t)snprintf(o->err_text + k, sizeof o->err_text - k, "...");
    o->err_text[k] = '\0';
    snprintf(o->err_what, sizeof o->err_what, "%s", what);
    o->err_line = lineno;
    o->failed = true;
    return false;
}

/* Convert one line [s, e) (its newline excluded); e[0] is writable.
 * lineno counts from 1.  Returns false on a malformed line. */
/* The FROM bit pattern of the trimmed line [s, e) of n bytes; reports a
 * malformed one (line_error) and returns false. */
static bool parse_from(worker *w, char *s, char *e, size_t n, uint64_t lineno, uint64_t *bits)
{
    const conv *c = w->c;
    char what[128];
    if (parse_hex_fast(bits, s, n, c->from->bits))
        return true;
    if (memchr(s, '\0', n))
        return line_error(w, lineno, "malformed bit pattern", s, n);
    char save = *e;
    *e = '\0';
    int st = fpq_parse_bits(bits, c->from, s);
    *e = save;
    if (st != FPQ_OK) {
        cli_describe_error(what, sizeof what, st, c->from, true);
        return line_error(w, lineno, what, s, n);
    }
    return true;
}

/* Trim spaces, tabs and a CR; false (reported) for an empty line. */
static bool trim_line(worker *w, char **s, char **e, uint64_t lineno)
{
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    if (*e == *s)
        return line_error(w, lineno, "empty line", *s, 0);
    return true;
}

int cli_host_float_width(const fpq_format *f)
{
    if (f->kind != FPQ_KIND_FLOAT || f->specials != FPQ_SPECIALS_IEEE || !f->is_signed || !f->subnormals)
        return 0;
    if (f->ebits == 8 && f->mbits == 23 && f->bias == 127)
        return 32;
    if (f->ebits == 11 && f->mbits == 52 && f->bias == 1023)
        return 64;
    return 0;
}

/* Pattern k of n packed by fpq_encode_f32/_f64 (fpq_packed_size layout). */
static uint64_t unpack(const unsigned char *p, size_t k, unsigned w)
{
    if (w <= 4)
        return (p[k / 2] >> (4 * (k % 2))) & 0xf;
    if (w <= 8)
        return p[k];
    if (w <= 16) {
        uint16_t v;
        memcpy(&v, p + 2 * k, sizeof v);
        return v;
    }
    if (w <= 32) {
        uint32_t v;
        memcpy(&v, p + 4 * k, sizeof v);
        return v;
    }
    uint64_t v;
    memcpy(&v, p + 8 * k, sizeof v);
    return v;
}

enum { FAST_BATCH = 4096 };

/* The lines of [p, end) for binary32/64 input, through the bulk path in
 * batches: parse up to FAST_BATCH lines (stopping at a malformed one),
 * encode them in one call with the stochastic position of the first, and
 * write them.  NaNs go through fpq_convert, which keeps their payload. */
static uint64_t convert_lines_fast(worker *w, char *p, char *end, uint64_t first_line)
{
    const conv *c = w->c;
    static _Thread_local uint64_t bits[FAST_BATCH];
    static _Thread_local double x64[FAST_BATCH];
    static _Thread_local float x32[FAST_BATCH];
    static _Thread_local unsigned char packed[8 * FAST_BATCH];
    uint64_t lineno = first_line;
    bool ok = true;
    char *nl;
    while (ok && p < end) {
        size_t k = 0;
        const uint64_t batch_first = lineno;
        while (k < FAST_BATCH && p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            char *s = p, *e = nl;
            if (!trim_line(w, &s, &e, lineno) || !parse_from(w, s, e, (size_t)(e - s), lineno, &bits[k])) {
                ok = false;
                break;
            }
            k++;
            lineno++;
            p = nl + 1;
        }
        if (k == 0)
            break;
        fpq_rounding r = w->rnd;
        r.position = batch_first - 1;
        if (c->fast == 32) {
            for (size_t i = 0; i < k; i++) {
                uint32_t b = (uint32_t)bits[i];
                memcpy(&x32[i], &b, sizeof b);
            }
            fpq_encode_f32(packed, x32, k, c->to, &r);
        } else {
            memcpy(x64, bits, k * sizeof bits[0]);
            fpq_encode_f64(packed, x64, k, c->to, &r);
        }
        for (size_t i = 0; i < k; i++) {
            uint64_t out;
            const bool nan = c->fast == 32 ? (bits[i] & 0x7fffffffu) > 0x7f800000u
                                           : (bits[i] & ~(UINT64_C(1) << 63)) > UINT64_C(0x7ff0000000000000);
            if (nan) {
                r.position = batch_first - 1 + i;
                fpq_convert(&out, NULL, c->to, c->from, bits[i], &r);
            } else {
                out = unpack(packed, i, c->to->bits);
            }
            size_t tn;
            const char *text = to_text(w, out, &tn);
            out_put(w->out, text, tn);
        }
        if (k < FAST_BATCH && p < end && !memchr(p, '\n', (size_t)(end - p)))
            break;
    }
    return lineno - first_line + (ok ? 0 : 1);
}

static bool convert_line(worker *w, char *s, char *e, uint64_t lineno)
{
    const conv *c = w->c;
    if (!trim_line(w, &s, &e, lineno))
        return false;
    size_t n = (size_t)(e - s);

    uint64_t out;
    unsigned flags;
    const char *text;
    size_t tn;
    char what[128];
    if (c->from) {
        uint64_t bits;
        if (!parse_from(w, s, e, n, lineno, &bits))
            return false;
        memo *m = &w->from_memo;
        if (m->ent && m->ent[bits]) {
            out_put(w->out, MEMO_TEXT(w, m, bits), MEMO_LEN(m, bits));
            return true;
        }
        w->rnd.position = lineno - 1;
        fpq_convert(&out, &flags, c->to, c->from, bits, &w->rnd);
        if (m->ent) { /* made fresh: memo_store may move the arena */
            text = make_to_text(w, out, &tn);
            memo_store(w, m, bits, text, tn);
        } else {
            text = to_text(w, out, &tn);
        }
    } else {
        if (memchr(s, '\0', n))
            return line_error(w, lineno, "malformed number", s, n);
        char save = *e;
        *e = '\0';
        int st = fpq_parse_value(w->value, NULL, s);
        *e = save;
        if (st != FPQ_OK) {
            cli_describe_error(what, sizeof what, st, NULL, false);
            return line_error(w, lineno, what, s, n);
        }
        w->rnd.position = lineno - 1;
        fpq_encode(&out, &flags, c->to, w->value, &w->rnd);
        text = to_text(w, out, &tn);
    }
    out_put(w->out, text, tn);
    return true;
}

/* Convert the lines of [p, end), each ending in '\n'; the first is number
 * first_line.  Stops at a malformed line.  Returns the number of lines. */
static uint64_t convert_lines(worker *w, char *p, char *end, uint64_t first_line)
{
    if (w->c->fast)
        return convert_lines_fast(w, p, end, first_line);
    uint64_t lineno = first_line;
    char *nl;
    while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        if (!convert_line(w, p, nl, lineno++))
            break;
        p = nl + 1;
    }
    return lineno - first_line;
}

static uint64_t count_lines(const char *p, const char *end)
{
    uint64_t n = 0;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* ---------------------------------------------------------------------- */

static void worker_init(worker *w, const conv *c, bool memo_from)
{
    memset(w, 0, sizeof *w);
    w->c = c;
    w->rnd = c->rnd;
    mpfr_init2(w->value, FPQ_PARSE_PREC);
    mpfr_init2(w->x, fpq_format_precision(c->to));
    w->hex_digits = fpq_format_hex_digits(c->to);
    if (c->to->bits <= MEMO_MAX_BITS && c->out != CLI_OUT_HEX)
        memo_init(&w->to_memo, c->to->bits);
    if (memo_from)
        memo_init(&w->from_memo, c->from->bits);
}

static void worker_free(worker *w)
{
    memo_free(&w->to_memo);
    memo_free(&w->from_memo);
    free(w->arena);
    free(w->scratch);
    cli_buf_free(&w->b);
    mpfr_clear(w->value);
    mpfr_clear(w->x);
}

static int max_threads(void)
{
#ifdef _OPENMP
    int n = omp_get_max_threads();
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
#else
    return 1;
#endif
}

/* Convert the complete lines of [buf, end) in ns slices, on the nt
 * threads of ws (slices taken in turn, so a thread that is slow for want of
 * a core holds back little); first_line is the number of the first line;
 * *nlines gets their count.  Writes the slices' output in order.  Returns
 * the exit status. */
static int convert_parallel(worker *ws, int nt, sink *sk, int ns, char *buf,
                            char *end, uint64_t first_line, uint64_t *nlines)
{
    char *cut[MAX_SLICES + 1];
    uint64_t first[MAX_SLICES];
    uint64_t last = 0;
    size_t len = (size_t)(end - buf);
    cut[0] = buf;
    first[0] = first_line;
    for (int i = 1; i <= ns; i++) {
        char *q = i == ns ? end : buf + len / (size_t)ns * (size_t)i;
        if (q < cut[i - 1])
            q = cut[i - 1];
        if (q > buf && q < end && q[-1] != '\n') {
            char *nl = memchr(q, '\n', (size_t)(end - q));
            q = nl ? nl + 1 : end;
        }
        cut[i] = q;
        if (i < ns)
            first[i] = first[i - 1] + count_lines(cut[i - 1], cut[i]);
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
    for (int i = 0; i < ns; i++) {
#ifdef _OPENMP
        worker *w = &ws[omp_get_thread_num()];
#else
        worker *w = &ws[0];
#endif
        w->out = &sk[i];
        uint64_t n = convert_lines(w, cut[i], cut[i + 1], first[i]);
        if (i == ns - 1)
            last = n;
    }
    *nlines = first[ns - 1] - first_line + last;
    for (int i = 0; i < ns; i++) {
        int rc = drain(&sk[i]);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    return CLI_EXIT_OK;
}

static int run(const conv *c)
{
    bool memo_from = c->from && c->from->bits <= MEMO_MAX_BITS
                     && c->rnd.mode != FPQ_RSR;
    int nt = memo_from ? 1 : max_threads();
    int nslices = nt == 1 ? 1 : nt * SLICES_PER_THREAD;
    if (nslices > MAX_SLICES)
        nslices = MAX_SLICES;
    worker *ws = cli_xmalloc(sizeof *ws * (size_t)nt);
    for (int i = 0; i < nt; i++)
        worker_init(&ws[i], c, memo_from && i == 0);
    sink *sk = cli_xmalloc(sizeof *sk * (size_t)nslices);
    for (int i = 0; i < nslices; i++)
        sink_init(&sk[i], nt == 1);
    ws[0].out = &sk[0];

    size_t cap = IN_BLOCK;
    char *buf = cli_xmalloc(cap + 1); /* + 1: room to end the last line */
    size_t len = 0;
    uint64_t lineno = 1; /* of the first line in buf */
    int rc = CLI_EXIT_OK;
    for (bool eof = false; rc == CLI_EXIT_OK && !eof;) {
        if (len == cap) { /* one line fills the buffer */
            cap *= 2;
            buf = cli_xrealloc(buf, cap + 1);
        }
        /* Results of the lines read so far go out before a read that may
         * block: a program that writes a line and waits for its answer
         * (fpq as a co-process) gets it. */
        out_flush(&sk[0]);
        if (fflush(stdout) != 0)
            sk[0].write_failed = true;
        ssize_t r = read(STDIN_FILENO, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = drain(&sk[0]);
            if (rc == CLI_EXIT_OK)
                cli_error("<stdin>: read error: %s", strerror(errno));
            rc = CLI_EXIT_DATA;
            break;
        }
        eof = r == 0;
        len += (size_t)r;
        /* the complete lines: up to the last newline */
        char *end = buf + len;
        while (end > buf && end[-1] != '\n')
            end--;
        if (end == buf && !eof)
            continue;
        size_t done = (size_t)(end - buf);
        uint64_t nlines;
        if (nt == 1 || done < 2 * MIN_SLICE) {
            ws[0].out = &sk[0];
            nlines = convert_lines(&ws[0], buf, end, lineno);
            if (sk[0].failed || sk[0].write_failed)
                rc = drain(&sk[0]);
        } else {
            int ns = done / MIN_SLICE < (size_t)nslices ? (int)(done / MIN_SLICE) : nslices;
            rc = convert_parallel(ws, nt, sk, ns, buf, end, lineno, &nlines);
        }
        lineno += nlines;
        memmove(buf, end, len - done);
        len -= done;
        if (rc == CLI_EXIT_OK && eof && len > 0) { /* last line, no newline */
            ws[0].out = &sk[0];
            convert_line(&ws[0], buf, buf + len, lineno);
            rc = drain(&sk[0]);
        }
    }
    if (rc == CLI_EXIT_OK)
        rc = drain(&sk[0]);
#ifdef _OPENMP
    if (nt > 1) { /* MPFR's caches are per thread */
#pragma omp parallel num_threads(nt)
        mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
    }
#endif
    for (int i = 0; i < nt; i++)
        worker_free(&ws[i]);
    for (int i = 0; i < nslices; i++)
        free(sk[i].obuf);
    free(ws);
    free(sk);
    free(buf);
    return rc;
}

int cli_cmd_convert(const cli_args *a)
{
    fpq_format from, to;
    bool dec = strcmp(a->ops[0], "dec") == 0;
    if (strcmp(a->ops[1], "dec") == 0)
        return cli_usage_error(a->cmd, "'dec' is an input, not a format; "
                               "for decimal output use --out dec");
    int rc = dec ? CLI_EXIT_OK : cli_format(&from, a->cmd, a->ops[0]);
    if (rc == CLI_EXIT_OK)
        rc = cli_format(&to, a->cmd, a->ops[1]);
    if (rc != CLI_EXIT_OK)
        return rc;
    conv c = {.from = dec ? NULL : &from, .to = &to, .rnd = a->rnd, .out = a->out};
    /* binary32 / binary64 input goes to the bulk path */
    if (!dec && !a->reference)
        c.fast = cli_host_float_width(&from);
    return run(&c);
}
