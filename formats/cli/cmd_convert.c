/* cmd_convert.c: `fpq convert FROM TO`, the streaming oracle.
 *
 * Standard input is read in large blocks and cut into lines, and output
 * written in blocks, by the stream module (stream.h), which also reports a
 * malformed line.  Every result is the library's reference (fpq_convert, or
 * fpq_parse_value then fpq_encode); the speed comes from memoising the
 * reference, which gives identical results by construction, and from
 * running it on several threads:
 * - the text of each TO pattern (TO of at most 16 bits, --print dec or
 *   both) is made once, on first use;
 * - when FROM has at most 16 bits and the rounding is deterministic, the
 *   whole output line of each FROM pattern is made once, on first use, and
 *   a line costs a hex parse and a copy;
 * - otherwise (FROM wider, decimal input, or stochastic rounding) each block
 *   of input is cut at line boundaries into a few slices per thread, the
 *   threads (OpenMP) convert the slices, each into its own sink, and the
 *   sinks are written in order.  Stochastic rounding uses position = line
 *   number - 1, known for every slice from the newlines before it, so the
 *   output does not depend on the number of threads.
 * A malformed line stops the run: everything before it is written first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "stream.h"

#define MEMO_MAX_BITS 16u           /* widest format whose patterns are memoised */
#define MAX_THREADS 64
#define SLICES_PER_THREAD 4         /* slices of a block, per thread */
#define MAX_SLICES 256
#define MIN_SLICE ((size_t)1 << 14) /* bytes; fewer in a block: one thread */

/* What every thread shares: read only while converting. */
typedef struct conv {
    const fpq_format *from; /* NULL: each line is a number (FROM "dec") */
    int fast;               /* 32 or 64: FROM is binary32/64, use the bulk path */
    const fpq_format *to;
    fpq_rounding rnd;
    enum cli_out out;
    bool flags;             /* --flags: " FLAGS" after each value */
    bool nan_canonical;     /* --nan canonical: a NaN gives the target's NaN
                               of its sign (fpq_encode's), not fpq_convert's
                               payload */
} conv;

/* One thread's state. */
typedef struct worker {
    const conv *c;
    cli_sink *out;               /* the slice being converted */
    fpq_rounding rnd;            /* c->rnd with this line's position */
    cli_memo to_memo, from_memo; /* output lines; ent == NULL: not used */
    mpfr_t value;                /* a parsed decimal line */
    mpfr_t x;                    /* a decoded TO pattern */
    cli_buf b;
    char *scratch;               /* make_to_text's result */
    size_t scap;
    char *fline;                 /* with_flags' result */
    size_t fcap;
    char hexbuf[24];             /* a hex line */
    unsigned hex_digits;         /* of TO */
} worker;

/* ---------------------------------------------------------------------- */
/* Text of results, memoised.                                             */

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
    size_t hl = cli_hex_bits(hex, bits, w->hex_digits), dl = strlen(dec);
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

/* The same text as make_to_text: made directly for hex (the whole output
 * of the common case, without a library call), else from the TO memo when
 * there is one. */
static const char *to_text(worker *w, uint64_t bits, size_t *n)
{
    if (w->c->out == CLI_OUT_HEX) {
        *n = cli_hex_bits(w->hexbuf, bits, w->hex_digits);
        w->hexbuf[(*n)++] = '\n';
        return w->hexbuf;
    }
    cli_memo *m = &w->to_memo;
    if (!m->ent)
        return make_to_text(w, bits, n);
    const char *t = cli_memo_get(m, bits, n);
    if (!t) {
        t = make_to_text(w, bits, n);
        cli_memo_put(m, bits, t, *n);
    }
    return t;
}

/* ---------------------------------------------------------------------- */
/* Lines.                                                                 */

/* The FROM bit pattern of the trimmed line [s, e) of n bytes; reports a
 * malformed one and returns false. */
static bool parse_from(worker *w, char *s, size_t n, uint64_t lineno, uint64_t *bits)
{
    int st = cli_stream_bits(bits, w->c->from, s, n);
    if (st == FPQ_OK)
        return true;
    char what[128];
    cli_describe_error(what, sizeof what, st, w->c->from, true);
    return cli_sink_line_error(w->out, lineno, what, s, n);
}

/* Trim spaces, tabs and a CR; false (reported) for an empty line. */
static bool trim_line(worker *w, char **s, char **e, uint64_t lineno)
{
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    if (*e == *s)
        return cli_sink_line_error(w->out, lineno, "empty line", *s, 0);
    return true;
}

enum { FAST_BATCH = 4096 };

/* The lines of [p, end) for binary32/64 input, through the bulk path in
 * batches: parse up to FAST_BATCH lines (stopping at a malformed one),
 * encode them in one call with the stochastic position of the first, and
 * write them.  NaNs go through fpq_convert, which keeps their payload,
 * unless --nan canonical asks for the bulk path's canonical NaN. */
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
            if (!trim_line(w, &s, &e, lineno) || !parse_from(w, s, (size_t)(e - s), lineno, &bits[k])) {
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
            if (nan && !c->nan_canonical) {
                r.position = batch_first - 1 + i;
                fpq_convert(&out, NULL, c->to, c->from, bits[i], &r);
            } else {
                fpq_unpack(&out, packed, i, 1, c->to);
            }
            size_t tn;
            const char *text = to_text(w, out, &tn);
            cli_sink_put(w->out, text, tn);
        }
    }
    return lineno - first_line + (ok ? 0 : 1);
}

/* The output line text (n bytes, ending in a newline) with " FLAGS"
 * before its newline, in w->fline. */
static const char *with_flags(worker *w, const char *text, size_t *n, unsigned flags)
{
    char f[CLI_FLAGS_MAX];
    cli_flags_text(f, flags);
    size_t fl = strlen(f), k = *n - 1;
    if (k + fl + 2 > w->fcap) {
        w->fcap = k + fl + 64;
        w->fline = cli_xrealloc(w->fline, w->fcap);
    }
    memcpy(w->fline, text, k);
    w->fline[k++] = ' ';
    memcpy(w->fline + k, f, fl);
    k += fl;
    w->fline[k++] = '\n';
    *n = k;
    return w->fline;
}

/* Convert one line [s, e) (its newline excluded); e[0] is writable.
 * lineno counts from 1.  Returns false on a malformed line. */
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
    if (c->from) {
        uint64_t bits;
        if (!parse_from(w, s, n, lineno, &bits))
            return false;
        cli_memo *m = &w->from_memo;
        if (m->ent && (text = cli_memo_get(m, bits, &tn)) != NULL) {
            cli_sink_put(w->out, text, tn);
            return true;
        }
        w->rnd.position = lineno - 1;
        fpq_convert(&out, &flags, c->to, c->from, bits, &w->rnd);
        fpq_class cls;
        if (c->nan_canonical && fpq_classify(&cls, c->from, bits) == FPQ_OK && cls == FPQ_CLASS_NAN) {
            /* the value's NaN, without payload: as fpq_encode and the bulk path give it */
            fpq_decode(w->x, NULL, NULL, c->from, bits);
            unsigned fl;
            fpq_encode(&out, &fl, c->to, w->x, &w->rnd);
            flags = fl | (flags & FPQ_FLAG_INVALID);
        }
        text = to_text(w, out, &tn);
        if (c->flags)
            text = with_flags(w, text, &tn, flags);
        if (m->ent)
            cli_memo_put(m, bits, text, tn);
    } else {
        if (memchr(s, '\0', n))
            return cli_sink_line_error(w->out, lineno, "malformed number", s, n);
        char save = *e;
        *e = '\0';
        int st = fpq_parse_value(w->value, NULL, s);
        *e = save;
        if (st != FPQ_OK) {
            char what[128];
            cli_describe_error(what, sizeof what, st, NULL, false);
            return cli_sink_line_error(w->out, lineno, what, s, n);
        }
        w->rnd.position = lineno - 1;
        fpq_encode(&out, &flags, c->to, w->value, &w->rnd);
        text = to_text(w, out, &tn);
        if (c->flags)
            text = with_flags(w, text, &tn, flags);
    }
    cli_sink_put(w->out, text, tn);
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
        cli_memo_init(&w->to_memo, c->to->bits);
    if (memo_from)
        cli_memo_init(&w->from_memo, c->from->bits);
}

static void worker_free(worker *w)
{
    cli_memo_free(&w->to_memo);
    cli_memo_free(&w->from_memo);
    free(w->scratch);
    free(w->fline);
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
static int convert_parallel(worker *ws, int nt, cli_sink *sk, int ns, char *buf,
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
        int rc = cli_sink_drain(&sk[i]);
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
    cli_sink *sk = cli_xmalloc(sizeof *sk * (size_t)nslices);
    for (int i = 0; i < nslices; i++)
        cli_sink_init(&sk[i], nt == 1);
    cli_reader rd;
    cli_reader_init(&rd);
    uint64_t lineno = 1; /* of the first line in rd.buf */
    int rc = CLI_EXIT_OK;
    ssize_t got;
    while (rc == CLI_EXIT_OK && (got = cli_reader_read(&rd, &sk[0], lineno)) != 0) {
        if (got < 0) {
            rc = CLI_EXIT_DATA;
            break;
        }
        size_t done = (size_t)got;
        uint64_t nlines;
        if (nt == 1 || done < 2 * MIN_SLICE) {
            ws[0].out = &sk[0];
            nlines = convert_lines(&ws[0], rd.buf, rd.buf + done, lineno);
            if (sk[0].failed || sk[0].write_failed)
                rc = cli_sink_drain(&sk[0]);
        } else {
            int ns = done / MIN_SLICE < (size_t)nslices ? (int)(done / MIN_SLICE) : nslices;
            rc = convert_parallel(ws, nt, sk, ns, rd.buf, rd.buf + done, lineno, &nlines);
        }
        lineno += nlines;
        cli_reader_drop(&rd, done);
    }
    if (rc == CLI_EXIT_OK)
        rc = cli_sink_drain(&sk[0]);
#ifdef _OPENMP
    if (nt > 1) { /* MPFR's caches are per thread */
#pragma omp parallel num_threads(nt)
        mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
    }
#endif
    for (int i = 0; i < nt; i++)
        worker_free(&ws[i]);
    for (int i = 0; i < nslices; i++)
        cli_sink_free(&sk[i]);
    cli_reader_free(&rd);
    free(ws);
    free(sk);
    return rc;
}

int cli_cmd_convert(const cli_args *a)
{
    fpq_format from, to;
    bool dec = strcmp(a->ops[0], "dec") == 0;
    if (strcmp(a->ops[1], "dec") == 0)
        return cli_usage_error(a->cmd, "'dec' is an input, not a format; "
                               "for decimal output use --print dec");
    int rc = dec ? CLI_EXIT_OK : cli_format(&from, a->cmd, a->ops[0]);
    if (rc == CLI_EXIT_OK)
        rc = cli_format(&to, a->cmd, a->ops[1]);
    if (rc != CLI_EXIT_OK)
        return rc;
    conv c = {.from = dec ? NULL : &from, .to = &to, .rnd = a->rnd, .out = a->out, .flags = a->flags,
              .nan_canonical = a->nan_canonical};
    /* binary32 / binary64 input goes to the bulk path, which has no flags */
    if (!dec && !a->reference && !a->flags)
        c.fast = fpq_format_host_width(&from);
    return run(&c);
}
