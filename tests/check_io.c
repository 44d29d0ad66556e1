/* check_io.c: the tensor loaders and writers (io.h), the sources
 * (source.h) and the lab's statuses (status.h).
 *
 * Every file is made here, byte by byte, in a fresh temporary directory:
 * no test reads the network or the bundled data.  Expected values are
 * written in the test (the element values put into the file), never read
 * back through the code under test.  Hostile files -- empty, truncated,
 * headers claiming more data than present, offsets past the end,
 * overflowing shapes, unknown dtypes, malformed JSON, non-UTF-8 names --
 * must fail with FPQ_LAB_ERR_FORMAT (or _IO) and a message naming the
 * file and the problem; the sanitizer build (make check SANITIZE=1) turns
 * any out-of-bounds read into a failure.
 */
#include "check_fpq.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "io/io-impl.h" /* fpq_io_ld32, fpq_io_ld64: checks of the file layouts built here */
#include "source.h"

/* ---- scratch directory ------------------------------------------------------ */

static char tmpdir[256];

static void dir_setup(void)
{
    fpq_check_mkdtemp(tmpdir, sizeof tmpdir, "io");
}

static void dir_teardown(void)
{
    fpq_check_rmtree(tmpdir);
}

/* tmpdir/name in a rotating static buffer */
static const char *tpath(const char *name)
{
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 512, "%s/%s", tmpdir, name);
    return b;
}

/* ---- building files ----------------------------------------------------------- */

typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (n == 0)
        return;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        ck_assert(b->p != NULL);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void put8(bytes *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}
static void put_le(bytes *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        put8(b, (unsigned)(v >> (8 * i)) & 0xff);
}
static void put_be(bytes *b, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--)
        put8(b, (unsigned)(v >> (8 * i)) & 0xff);
}
static void put_str(bytes *b, const char *s) { put(b, s, strlen(s)); }
static uint32_t f32_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}
static uint64_t f64_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    return u;
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    const char *p = tpath(name);
    FILE *f = fopen(p, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", p);
    if (n)
        ck_assert(fwrite(data, 1, n, f) == n);
    ck_assert(fclose(f) == 0);
    return p;
}

/* A .npy file: preamble of the given version, the header dict text padded
 * to a multiple of 64 with a final newline, then the data. */
static void npy_bytes(bytes *b, int major, const char *dict, const void *data, size_t n)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t hl = strlen(dict) + 1;
    size_t pad = (64 - (pre + hl) % 64) % 64;
    put(b, "\x93NUMPY", 6);
    put8(b, (unsigned)major);
    put8(b, 0);
    if (major == 1)
        put_le(b, hl + pad, 2);
    else
        put_le(b, hl + pad, 4);
    put_str(b, dict);
    for (size_t i = 0; i < pad; i++)
        put8(b, ' ');
    put8(b, '\n');
    put(b, data, n);
}

static const char *write_bytes(const char *name, bytes *b)
{
    const char *p = write_file(name, b->p, b->n);
    free(b->p);
    memset(b, 0, sizeof *b);
    return p;
}

/* Load a source that must succeed. */
static fpq_tensor load_ok(const char *source)
{
    fpq_tensor t;
    fpq_errbuf e;
    e.msg[0] = '\0';
    int rc = fpq_source_load(&t, source, &e);
    ck_assert_msg(rc == FPQ_OK, "%s: %s", source, e.msg);
    return t;
}

/* Load a source that must fail with a message containing want (and the
 * file's path when path is non-NULL). */
static void load_fails(const char *source, const char *path, const char *want)
{
    fpq_tensor t = {7, 7, NULL};
    fpq_errbuf e;
    e.msg[0] = '\0';
    int rc = fpq_source_load(&t, source, &e);
    ck_assert_msg(rc != FPQ_OK, "%s: accepted (%zu x %zu)", source, t.rows, t.cols);
    ck_assert_msg(t.data == NULL && t.rows == 0 && t.cols == 0, "%s: output not empty", source);
    ck_assert_msg(strstr(e.msg, want) != NULL, "%s: message '%s' lacks '%s'", source, e.msg, want);
    if (path)
        ck_assert_msg(strstr(e.msg, path) != NULL, "%s: message '%s' does not name the file",
                      source, e.msg);
}

static void expect_values(const fpq_tensor *t, size_t rows, size_t cols, const double *want)
{
    ck_assert_msg(t->rows == rows && t->cols == cols, "shape %zu x %zu, want %zu x %zu", t->rows,
                  t->cols, rows, cols);
    for (size_t i = 0; i < rows * cols; i++)
        ck_assert_msg(t->data[i] == want[i] || (isnan(want[i]) && isnan(t->data[i])),
                      "element %zu: %.17g, want %.17g", i, t->data[i], want[i]);
}

/* ---- .npy ---------------------------------------------------------------------- */

/* Values every dtype can hold exactly. */
static const double small_vals[6] = {1, -2, 3, 0, 100, -7};
static const double small_uvals[6] = {1, 2, 3, 0, 100, 7};

static const struct {
    const char *descr;
    int size, be, kind; /* kind: 'f', 'i', 'u', 'h' (half), 'b' */
} npy_types[] = {
    {"<f8", 8, 0, 'f'}, {">f8", 8, 1, 'f'}, {"<f4", 4, 0, 'f'}, {">f4", 4, 1, 'f'},
    {"<f2", 2, 0, 'h'}, {">f2", 2, 1, 'h'}, {"|i1", 1, 0, 'i'}, {"|u1", 1, 0, 'u'},
    {"<i2", 2, 0, 'i'}, {">i2", 2, 1, 'i'}, {"<i4", 4, 0, 'i'}, {">i4", 4, 1, 'i'},
    {"<i8", 8, 0, 'i'}, {">i8", 8, 1, 'i'}, {"<u2", 2, 0, 'u'}, {">u4", 4, 1, 'u'},
    {"<u8", 8, 0, 'u'}, {"|b1", 1, 0, 'b'}, {"=f4", 4, 0, 'f'},
};

/* binary16 patterns of small_vals, by hand: 1 = 0x3c00, -2 = 0xc000, 3 = 0x4200,
 * 0 = 0, 100 = 0x5640, -7 = 0xc700 */
static const uint16_t half_bits[6] = {0x3c00, 0xc000, 0x4200, 0x0000, 0x5640, 0xc700};

static void encode_vals(bytes *d, int idx)
{
    const int size = npy_types[idx].size, be = npy_types[idx].be, kind = npy_types[idx].kind;
    for (int i = 0; i < 6; i++) {
        uint64_t v;
        if (kind == 'f')
            v = size == 8 ? f64_bits(small_vals[i]) : f32_bits((float)small_vals[i]);
        else if (kind == 'h')
            v = half_bits[i];
        else if (kind == 'i')
            v = (uint64_t)(int64_t)small_vals[i];
        else if (kind == 'b')
            v = small_vals[i] != 0;
        else
            v = (uint64_t)small_uvals[i];
        if (be)
            put_be(d, v, size);
        else
            put_le(d, v, size);
    }
}

START_TEST(npy_reads_every_dtype_in_both_byte_orders)
{
    bytes d = {0}, f = {0};
    encode_vals(&d, _i);
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (2, 3), }",
             npy_types[_i].descr);
    npy_bytes(&f, 1, dict, d.p, d.n);
    const char *p = write_bytes("a.npy", &f);
    free(d.p);
    fpq_tensor t = load_ok(p);
    const double *want = npy_types[_i].kind == 'u' ? small_uvals : small_vals;
    double bools[6];
    if (npy_types[_i].kind == 'b') {
        for (int i = 0; i < 6; i++)
            bools[i] = small_vals[i] != 0;
        want = bools;
    }
    expect_values(&t, 2, 3, want);
    fpq_tensor_free(&t);
}
END_TEST

START_TEST(npy_versions_1_2_3_and_shapes)
{
    static const char *const shapes[] = {"()", "(6,)", "(2, 3)", "(1,2,3)", "(2, 1, 3, 1)"};
    static const size_t rows[] = {1, 1, 2, 2, 6}, cols[] = {1, 6, 3, 3, 1};
    for (int major = 1; major <= 3; major++)
        for (size_t s = 0; s < 5; s++) {
            bytes d = {0}, f = {0};
            size_t n = s == 0 ? 1 : 6;
            for (size_t i = 0; i < n; i++)
                put_le(&d, f64_bits(small_vals[i]), 8);
            char dict[128];
            snprintf(dict, sizeof dict, "{\"shape\": %s, 'descr':'<f8','fortran_order':False}",
                     shapes[s]);
            npy_bytes(&f, major, dict, d.p, d.n);
            free(d.p);
            const char *p = write_bytes("v.npy", &f);
            fpq_tensor t = load_ok(p);
            expect_values(&t, rows[s], cols[s], small_vals);
            fpq_tensor_free(&t);
        }
}
END_TEST

START_TEST(npy_fortran_order_is_transposed_to_row_major)
{
    /* a (2, 3, 4) array a[i][j][k] = 100 i + 10 j + k, stored column-major */
    bytes d = {0}, f = {0};
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 2; i++)
                put_le(&d, f32_bits((float)(100 * i + 10 * j + k)), 4);
    npy_bytes(&f, 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", d.p, d.n);
    free(d.p);
    fpq_tensor t = load_ok(write_bytes("f.npy", &f));
    ck_assert(t.rows == 6 && t.cols == 4);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                ck_assert(t.data[(i * 3 + j) * 4 + k] == 100 * i + 10 * j + k);
    fpq_tensor_free(&t);
}
END_TEST

START_TEST(npy_writer_round_trips_and_pads_the_header)
{
    fpq_tensor t;
    ck_assert_int_eq(fpq_tensor_alloc(&t, 3, 5), FPQ_OK);
    for (size_t i = 0; i < 15; i++)
        t.data[i] = (double)i / 7 - 1;
    t.data[3] = -0.0;
    t.data[4] = INFINITY;
    fpq_errbuf e;
    for (int f32 = 0; f32 <= 1; f32++) {
        const char *p = tpath("w.npy");
        ck_assert_msg(fpq_npy_write(p, &t, f32, FPQ_OUT_FORCE, &e) == FPQ_OK, "%s", e.msg);
        /* the bytes: magic, 1.0, header length making the data 64-aligned */
        FILE *fp = fopen(p, "rb");
        unsigned char pre[10];
        ck_assert(fread(pre, 1, 10, fp) == 10);
        ck_assert(memcmp(pre, "\x93NUMPY\x01\x00", 8) == 0);
        size_t hl = pre[8] | (size_t)pre[9] << 8;
        ck_assert_uint_eq((10 + hl) % 64, 0);
        char hdr[256];
        ck_assert(hl < sizeof hdr && fread(hdr, 1, hl, fp) == hl);
        hdr[hl] = '\0';
        ck_assert(hdr[hl - 1] == '\n');
        ck_assert(strstr(hdr, f32 ? "'descr': '<f4'" : "'descr': '<f8'") != NULL);
        ck_assert(strstr(hdr, "'shape': (3, 5)") != NULL);
        fseek(fp, 0, SEEK_END);
        ck_assert_int_eq(ftell(fp), (long)(10 + hl + 15 * (f32 ? 4 : 8)));
        fclose(fp);
        ck_assert(access(tpath("w.npy.tmp"), F_OK) != 0);
        fpq_tensor r = load_ok(p);
        ck_assert(r.rows == 3 && r.cols == 5);
        for (size_t i = 0; i < 15; i++) {
            double want = f32 ? (double)(float)t.data[i] : t.data[i];
            ck_assert(fpq_check_dbits(r.data[i]) == fpq_check_dbits(want));
        }
        fpq_tensor_free(&r);
    }
    /* a directory that does not exist: an error naming the path */
    ck_assert_int_eq(fpq_npy_write(tpath("no/such/dir.npy"), &t, 0, 0, &e), FPQ_LAB_ERR_IO);
    ck_assert(strstr(e.msg, "no/such/dir.npy") != NULL);
    fpq_tensor_free(&t);
}
END_TEST

/* Hostile .npy files: the bytes after the magic, and the message. */
static const struct {
    int major;
    const char *dict; /* NULL: raw bytes below */
    size_t ndata;     /* bytes of zero data after the header */
    const char *want;
} npy_bad[] = {
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 47,
     "truncated: the header's shape needs 48 bytes of data, the file holds 47"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8,
     "overflow"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 8,
     "more than 8 dimensions"},
    {1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16,
     "dtype '<c16' is not supported"},
    {1, "{'descr': '<U8', 'fortran_order': False, 'shape': (1,), }", 32,
     "dtype '<U8' is not supported"},
    {1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4,
     "structured dtypes are not supported"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", 8,
     "unexpected key 'x'"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'fortran_order': True, 'shape': (1,)}", 8,
     "'fortran_order' given twice"},
    {1, "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,)}", 8, "neither True nor False"},
    {1, "{'descr': '<f8', 'fortran_order': False}", 8, "header lacks 'shape'"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", 8, "non-negative integers"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", 8,
     "non-negative integers"},
    {1, "['descr', '<f8']", 8, "not a dict"},
    {1, "{'descr': '<f8' 'fortran_order': False}", 8, "expected ',' or '}'"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,", 8, "'shape'"},
    {1, "{'descr': '>f2', 'fortran_order': False, 'shape': (1,), 'descr': '<f4'}", 8,
     "malformed 'descr'"},
    {1, "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", 4, "dtype '|f4'"},
    {3, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), '\xff': 1}", 8,
     "not UTF-8"},
};

START_TEST(npy_hostile_headers_are_refused_by_name)
{
    bytes f = {0};
    unsigned char zero[64] = {0};
    npy_bytes(&f, npy_bad[_i].major, npy_bad[_i].dict, zero, npy_bad[_i].ndata);
    const char *p = write_bytes("bad.npy", &f);
    load_fails(p, p, npy_bad[_i].want);
}
END_TEST

START_TEST(npy_truncated_preambles_are_refused)
{
    static const struct {
        const char *bytes;
        size_t n;
        const char *want;
    } pre[] = {
        {"\x93NUMPY\x01", 7, "shorter than the 10-byte preamble"},
        {"\x93NUMPZ\x01\x00\x10\x00", 10, "bad magic"},
        {"\x93NUMPY\x04\x00\x10\x00", 10, "version 4.0 is not supported"},
        {"\x93NUMPY\x01\x00\xff\xff{'descr'", 17, "header claims 65535 bytes but the file holds 7"},
        {"\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14, "header claims 4294967295 bytes"},
        {"\x93NUMPY\x02\x00\x00\x00", 10, "truncated .npy preamble"},
    };
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++) {
        const char *p = write_file("t.npy", pre[k].bytes, pre[k].n);
        load_fails(p, p, pre[k].want);
    }
    const char *p = write_file("empty.npy", "", 0);
    load_fails(p, p, "empty file");
}
END_TEST

/* ---- raw and text ------------------------------------------------------------------- */

START_TEST(raw_reads_dtype_endian_offset_shape_and_order)
{
    bytes b = {0};
    put_str(&b, "HEADER16BYTES...");
    for (int i = 0; i < 6; i++)
        put_be(&b, f32_bits((float)small_vals[i]), 4);
    put_str(&b, "tail");
    const char *p = write_bytes("r.bin", &b);
    char src[600];
    snprintf(src, sizeof src, "raw:%s,dtype=f32,endian=big,offset=16,shape=2x3", p);
    fpq_tensor t = load_ok(src);
    expect_values(&t, 2, 3, small_vals);
    fpq_tensor_free(&t);
    /* the same bytes read column-major as 3x2 */
    snprintf(src, sizeof src, "raw:%s,dtype=f32,endian=big,offset=16,shape=3x2,order=f", p);
    t = load_ok(src);
    double tr[6] = {1, 0, -2, 100, 3, -7};
    expect_values(&t, 3, 2, tr);
    fpq_tensor_free(&t);
    /* without shape: every element after offset (28 bytes = 7 floats) */
    snprintf(src, sizeof src, "raw:%s,dtype=u8,offset=28", p);
    t = load_ok(src);
    ck_assert(t.rows == 1 && t.cols == 16 && t.data[12] == 't');
    fpq_tensor_free(&t);
}
END_TEST

START_TEST(raw_bad_layouts_are_refused)
{
    const char *p = write_file("r.bin", "0123456789", 10);
    static const struct {
        const char *fmt, *want;
    } bad[] = {
        {"raw:%s,dtype=f32,offset=11", "offset 11 is past the end of the file (10 bytes)"},
        {"raw:%s,dtype=f32", "not a whole number of 4-byte elements"},
        {"raw:%s,dtype=f32,shape=3", "needs more bytes than the 10"},
        {"raw:%s,dtype=f64,shape=4294967296x4294967296", "overflows"},
        {"raw:%s,dtype=f24", "bad value 'f24' for key 'dtype'"},
        {"raw:%s,dtype=f32,endian=middle", "bad value 'middle' for key 'endian'"},
        {"raw:%s,dtype=f32,offset=-1", "bad value '-1' for key 'offset'"},
        {"raw:%s,dtype=f32,shape=2xx3", "bad value '2xx3' for key 'shape'"},
        {"raw:%s,dtype=f32,shape=", "bad value '' for key 'shape'"},
        {"raw:%s,dtype=f32,colour=red", "unknown key 'colour'"},
        {"raw:%s,dtype=f32,dtype=f64", "key 'dtype' given twice"},
        {"raw:%s,shape=2", "missing dtype="},
        {"raw:%s,dtype", "'dtype' is not key=value"},
        {"raw:%s.missing,dtype=u8", "cannot open"},
    };
    char src[700];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(src, sizeof src, bad[k].fmt, p);
        load_fails(src, NULL, bad[k].want);
    }
    load_fails("raw:,dtype=f32", NULL, "missing FILE");
}
END_TEST

START_TEST(text_reads_one_number_per_line)
{
    const char text[] = "# comment\n1\n  -2.5  \r\n\n0x1p-3\ninf\n-nan\n1e300";
    const char *p = write_file("v.txt", text, sizeof text - 1);
    fpq_tensor t = load_ok(p);
    double want[] = {1, -2.5, 0.125, INFINITY, NAN, 1e300};
    expect_values(&t, 1, 6, want);
    fpq_tensor_free(&t);
    char src[600];
    p = write_file("v.dat", "3\n4\n", 4);
    snprintf(src, sizeof src, "text:%s", p);
    t = load_ok(src);
    ck_assert(t.cols == 2 && t.data[1] == 4);
    fpq_tensor_free(&t);

    p = write_file("bad.txt", "1\n2\n3 4\n", 8);
    load_fails(p, p, ":3: not a number '3 4'");
    p = write_file("nul.txt", "1\n2\0\n", 5);
    load_fails(p, p, ":2: not a number '2\\x00'");
    p = write_file("empty.txt", "", 0);
    load_fails(p, p, "empty file");
    p = write_file("blank.txt", "\n# nothing\n", 11);
    load_fails(p, p, "no elements");
}
END_TEST

/* ---- sources -------------------------------------------------------------------------- */

/* FILE[A:B] and FILE::NAME[A:B]: rows A to B-1 of the tensor, the same
 * values as those rows of the whole; bad ranges are named. */
START_TEST(row_slices_take_rows_of_the_tensor)
{
    fpq_tensor t;
    ck_assert_int_eq(fpq_tensor_alloc(&t, 6, 4), FPQ_OK);
    for (size_t i = 0; i < 24; i++)
        t.data[i] = (double)i * 1.25 - 7;
    fpq_errbuf e;
    const char *p = tpath("rows.npy");
    ck_assert_msg(fpq_npy_write(p, &t, 0, FPQ_OUT_FORCE, &e) == FPQ_OK, "%s", e.msg);
    static const struct {
        const char *range;
        size_t a, b;
    } ok[] = {{"[1:4]", 1, 4}, {"[:2]", 0, 2}, {"[5:]", 5, 6}, {"[:]", 0, 6}, {"[0:6]", 0, 6}};
    char src[600];
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        snprintf(src, sizeof src, "%s%s", p, ok[k].range);
        ck_assert(fpq_source_is_slice(src));
        fpq_tensor r = load_ok(src);
        ck_assert_msg(r.rows == ok[k].b - ok[k].a && r.cols == 4, "%s: %zu x %zu", src, r.rows, r.cols);
        for (size_t i = 0; i < r.rows * 4; i++)
            ck_assert(r.data[i] == t.data[ok[k].a * 4 + i]);
        fpq_tensor_free(&r);
    }
    snprintf(src, sizeof src, "%s::rows.npy[2:3]", p);
    fpq_tensor r = load_ok(src);
    ck_assert(r.rows == 1 && r.data[0] == t.data[8]);
    fpq_tensor_free(&r);
    static const struct {
        const char *range, *why;
    } bad[] = {{"[4:2]", "row range [4:2] is empty or beyond its 6 rows"},
               {"[0:7]", "row range [0:7] is empty or beyond its 6 rows"},
               {"[3:3]", "row range [3:3] is empty"},
               {"[a:2]", "bad row range '[a:2]'"},
               {"[2]", "bad row range '[2]'"},
               {"[-1:2]", "bad row range '[-1:2]'"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(src, sizeof src, "%s%s", p, bad[k].range);
        load_fails(src, p, bad[k].why);
    }
    /* generator specs take rows= instead: no slice */
    ck_assert(!fpq_source_is_slice("normal:rows=4,cols=2[1:2]"));
    fpq_tensor_free(&t);
}
END_TEST

START_TEST(sources_name_what_is_wrong)
{
    fpq_tensor t = load_ok("normal:n=5,seed=2");
    ck_assert(t.rows == 1 && t.cols == 5);
    fpq_tensor_free(&t);
    load_fails("normal:n=5,std=0", NULL, "bad value 0 for key 'std'");
    load_fails("", NULL, "empty source");
    load_fails(tpath("missing.npy"), tpath("missing.npy"), "cannot open");
    load_fails(tmpdir, tmpdir, "is a directory");
    const char *p = write_file("data.bin", "\x01\x02\x03\x04", 4);
    load_fails(p, p, "unrecognized file format");
    /* FILE::NAME on a single-tensor file: the name is the file's base name */
    bytes f = {0}, d = {0};
    put_le(&d, f64_bits(2.5), 8);
    npy_bytes(&f, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", d.p, d.n);
    free(d.p);
    p = write_bytes("one.npy", &f);
    char src[600];
    snprintf(src, sizeof src, "%s::one.npy", p);
    t = load_ok(src);
    ck_assert(t.data[0] == 2.5);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s::two", p);
    load_fails(src, p, "no tensor named 'two' (1 tensors: one.npy;");
    /* an empty tensor is refused by fpq_source_load */
    npy_bytes(&f, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }", NULL, 0);
    p = write_bytes("zero.npy", &f);
    load_fails(p, p, "has no elements");
}
END_TEST

/* Parse a spelling that must parse. */
static fpq_source_ref parse_ok(const char *text)
{
    fpq_source_ref r;
    fpq_errbuf e = {""};
    int rc = fpq_source_parse(&r, text, &e);
    ck_assert_msg(rc == FPQ_OK, "%s: %s", text, e.msg);
    return r;
}

/* A 3 x 2 .npy of the values 10 * row + column, written as name. */
static const char *write_grid(const char *name)
{
    bytes f = {0}, d = {0};
    for (int i = 0; i < 6; i++)
        put_le(&d, f64_bits(10.0 * (i / 2) + i % 2), 8);
    npy_bytes(&f, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", d.p, d.n);
    free(d.p);
    return write_bytes(name, &f);
}

static const double grid_vals[6] = {0, 1, 10, 11, 20, 21};

/* Each kind of spelling parses to what it names, and loads it. */
START_TEST(source_spellings_parse_to_what_they_name)
{
    const char *p = write_grid("g.npy");
    const char *q = write_file("v.txt", "4\n5\n", 4);
    char src[600];
    fpq_tensor t;

    /* a generator spec, parsed */
    fpq_source_ref r = parse_ok("normal:n=5,seed=2");
    ck_assert_int_eq(r.kind, FPQ_SOURCE_GEN);
    ck_assert(r.gen.rows == 1 && r.gen.cols == 5 && r.gen.seed == 2 && r.nslices == 0);
    ck_assert_ptr_null(r.path);
    fpq_source_ref_free(&r);

    /* a file, whole */
    r = parse_ok(p);
    ck_assert_int_eq(r.kind, FPQ_SOURCE_FILE);
    ck_assert_str_eq(r.path, p);
    ck_assert_ptr_null(r.name);
    fpq_source_ref_free(&r);

    /* a tensor in a file */
    snprintf(src, sizeof src, "%s::g.npy", p);
    r = parse_ok(src);
    ck_assert_int_eq(r.kind, FPQ_SOURCE_TENSOR);
    ck_assert_str_eq(r.path, p);
    ck_assert_str_eq(r.name, "g.npy");
    fpq_source_ref_free(&r);

    /* the layouts */
    snprintf(src, sizeof src, "raw:%s,dtype=f64,offset=128,shape=3x2", p);
    r = parse_ok(src);
    ck_assert_int_eq(r.kind, FPQ_SOURCE_RAW);
    ck_assert_str_eq(r.path, src + 4);
    ck_assert_int_eq(fpq_source_read(&t, &r, NULL), FPQ_OK);
    expect_values(&t, 3, 2, grid_vals);
    fpq_tensor_free(&t);
    fpq_source_ref_free(&r);
    snprintf(src, sizeof src, "text:%s", q);
    r = parse_ok(src);
    ck_assert_int_eq(r.kind, FPQ_SOURCE_TEXT);
    ck_assert_str_eq(r.path, q);
    fpq_source_ref_free(&r);

    /* row slices of a file, of a tensor in it, of a layout, and nested */
    snprintf(src, sizeof src, "%s[1:3]", p);
    r = parse_ok(src);
    ck_assert(r.kind == FPQ_SOURCE_FILE && r.nslices == 1);
    ck_assert(r.slice[0].lo == 1 && r.slice[0].hi == 3 && r.slice[0].base_len == strlen(p));
    ck_assert_str_eq(r.path, p);
    fpq_source_ref_free(&r);
    snprintf(src, sizeof src, "%s::g.npy[2:]", p);
    r = parse_ok(src);
    ck_assert(r.kind == FPQ_SOURCE_TENSOR && r.nslices == 1 && r.slice[0].lo == 2);
    ck_assert(r.slice[0].hi == SIZE_MAX);
    ck_assert_str_eq(r.name, "g.npy");
    fpq_source_ref_free(&r);
    snprintf(src, sizeof src, "%s::g.npy[2:]", p);
    t = load_ok(src);
    expect_values(&t, 1, 2, grid_vals + 4);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "raw:%s,dtype=f64,offset=128,shape=3x2[:1]", p);
    r = parse_ok(src);
    ck_assert(r.kind == FPQ_SOURCE_RAW && r.nslices == 1 && r.slice[0].hi == 1);
    fpq_source_ref_free(&r);
    t = load_ok(src);
    expect_values(&t, 1, 2, grid_vals);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s[1:][1:2]", p); /* row 1 of rows 1 and 2 */
    t = load_ok(src);
    expect_values(&t, 1, 2, grid_vals + 4);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s[1:][2:3]", p);
    load_fails(src, p, "[1:]: row range [2:3] is empty or beyond its 2 rows");
    ck_assert(fpq_source_is_slice(src) && !fpq_source_is_gen(src));

    /* file: forces a file */
    snprintf(src, sizeof src, "file:%s", p);
    r = parse_ok(src);
    ck_assert_int_eq(r.kind, FPQ_SOURCE_FILE);
    ck_assert_str_eq(r.path, p);
    fpq_source_ref_free(&r);
    snprintf(src, sizeof src, "file:%s::g.npy[0:1]", p);
    t = load_ok(src);
    expect_values(&t, 1, 2, grid_vals);
    fpq_tensor_free(&t);
    r = parse_ok("file:normal:n=5");
    ck_assert_int_eq(r.kind, FPQ_SOURCE_FILE);
    ck_assert_str_eq(r.path, "normal:n=5");
    fpq_source_ref_free(&r);
    load_fails("file:normal:n=5", "normal:n=5", "cannot open");
    load_fails("file:", NULL, "file: missing FILE");

    /* what fails to parse still says how it reads */
    fpq_errbuf e = {""};
    snprintf(src, sizeof src, "%s[x]", p);
    ck_assert_int_eq(fpq_source_parse(&r, src, &e), FPQ_LAB_ERR_SPEC);
    ck_assert(r.kind == FPQ_SOURCE_FILE && r.nslices == 1 && r.path == NULL && r.text == NULL);
    ck_assert_msg(strstr(e.msg, "bad row range '[x]'") && strstr(e.msg, p), "%s", e.msg);
    ck_assert_int_eq(fpq_source_parse(&r, "normal:n=0", &e), FPQ_LAB_ERR_SPEC);
    ck_assert(r.kind == FPQ_SOURCE_GEN && r.nslices == 0);
    ck_assert_msg(strstr(e.msg, "bad value '0' for key 'n'"), "%s", e.msg);
    ck_assert(fpq_source_is_gen("normal:n=0") && !fpq_source_is_slice("normal:n=0"));
    fpq_io_file f;
    ck_assert_int_eq(fpq_source_open(&f, &r, NULL), FPQ_ERR_ARG);
    fpq_io_close(&f);
}
END_TEST

/* The rule of source.h: an existing file wins over a generator spec, and a
 * slice or FILE::NAME of it too; without the file the spelling is a spec. */
START_TEST(an_existing_file_wins_over_a_generator_spec)
{
    char cwd[1024];
    ck_assert(getcwd(cwd, sizeof cwd) != NULL);
    ck_assert_int_eq(chdir(tmpdir), 0);
    write_grid("normal:x.npy");
    write_grid("normal:n=3");
    write_grid("raw:g");

    fpq_source_ref r = parse_ok("normal:x.npy");
    ck_assert_int_eq(r.kind, FPQ_SOURCE_FILE);
    ck_assert_str_eq(r.path, "normal:x.npy");
    fpq_source_ref_free(&r);
    fpq_tensor t = load_ok("normal:x.npy");
    expect_values(&t, 3, 2, grid_vals);
    fpq_tensor_free(&t);
    ck_assert(!fpq_source_is_gen("normal:x.npy") && !fpq_source_is_slice("normal:x.npy"));

    /* a valid spec too, but the file is there */
    t = load_ok("normal:n=3");
    expect_values(&t, 3, 2, grid_vals);
    fpq_tensor_free(&t);

    r = parse_ok("normal:x.npy::normal:x.npy");
    ck_assert_int_eq(r.kind, FPQ_SOURCE_TENSOR);
    ck_assert_str_eq(r.path, "normal:x.npy");
    ck_assert_str_eq(r.name, "normal:x.npy");
    fpq_source_ref_free(&r);
    t = load_ok("normal:x.npy[2:3]");
    expect_values(&t, 1, 2, grid_vals + 4);
    fpq_tensor_free(&t);
    ck_assert(fpq_source_is_slice("normal:x.npy[2:3]"));
    t = load_ok("file:normal:x.npy");
    expect_values(&t, 3, 2, grid_vals);
    fpq_tensor_free(&t);

    /* no such file: a generator spec (here an invalid one) */
    fpq_errbuf e = {""};
    ck_assert_int_eq(fpq_source_parse(&r, "normal:y.npy", &e), FPQ_LAB_ERR_SPEC);
    ck_assert_int_eq(r.kind, FPQ_SOURCE_GEN);
    ck_assert_msg(strstr(e.msg, "'y.npy' is not key=value"), "%s", e.msg);
    ck_assert(fpq_source_is_gen("normal:y.npy") && !fpq_source_is_slice("normal:y.npy[0:1]"));
    t = load_ok("normal:n=4,seed=1");
    ck_assert(t.rows == 1 && t.cols == 4);
    fpq_tensor_free(&t);

    /* raw: is a layout whatever exists; file: reads the file */
    load_fails("raw:g", NULL, "raw: missing dtype=");
    t = load_ok("file:raw:g");
    expect_values(&t, 3, 2, grid_vals);
    fpq_tensor_free(&t);
    ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* One space of statuses: the lab's continue libfpq's, and every one of
 * either library has its own name. */
START_TEST(lab_statuses_continue_libfpqs_and_are_named)
{
    ck_assert_int_eq(FPQ_LAB_ERR_IO, FPQ_ERR_COUNT_);
    ck_assert_int_eq(FPQ_LAB_ERR_EMPTY + 1, FPQ_LAB_ERR_COUNT_);
    const char *unknown = fpq_strerror(-1);
    for (int st = 0; st < FPQ_LAB_ERR_COUNT_; st++) {
        const char *t = fpq_lab_strerror(st);
        ck_assert_ptr_nonnull(t);
        ck_assert_msg(strcmp(t, unknown) != 0, "status %d has no name", st);
        if (st < FPQ_ERR_COUNT_)
            ck_assert_str_eq(t, fpq_strerror(st));
        for (int u = 0; u < st; u++)
            ck_assert_msg(strcmp(t, fpq_lab_strerror(u)) != 0, "statuses %d and %d: '%s'", u, st, t);
    }
    ck_assert_str_eq(fpq_lab_strerror(FPQ_LAB_ERR_SPEC), "invalid spec");
    ck_assert_str_eq(fpq_lab_strerror(FPQ_LAB_ERR_COUNT_), unknown);
    ck_assert_str_eq(fpq_lab_strerror(-1), unknown);
}
END_TEST

/* ---- every prefix of a valid file --------------------------------------------------- */

/* Each proper prefix of a valid file must be refused cleanly (or, where the
 * format allows a shorter file, read without error); the sanitizer build
 * catches any read past the bytes. */
static void every_prefix_fails_cleanly(const char *name, const unsigned char *b, size_t n,
                                       int (*allowed)(size_t len))
{
    for (size_t len = 0; len < n; len++) {
        const char *p = write_file(name, b, len);
        fpq_io_file f;
        fpq_errbuf e;
        e.msg[0] = '\0';
        int rc = fpq_io_open(&f, p, &e);
        if (rc == FPQ_OK) {
            for (size_t i = 0; i < f.nt; i++) {
                fpq_tensor t;
                if (fpq_io_read(&t, &f, i, &e) == FPQ_OK)
                    fpq_tensor_free(&t);
            }
            fpq_io_close(&f);
            ck_assert_msg(allowed && allowed(len), "%s: prefix of %zu of %zu bytes accepted",
                          name, len, n);
        } else {
            ck_assert_msg(strstr(e.msg, p) != NULL, "%s, %zu bytes: message '%s' does not name "
                          "the file", name, len, e.msg);
        }
    }
}

/* ---- safetensors ----------------------------------------------------------------------- */

static void st_bytes(bytes *b, const char *json, const void *data, size_t n)
{
    put_le(b, strlen(json), 8);
    put_str(b, json);
    put(b, data, n);
}

START_TEST(safetensors_reads_dtypes_by_name)
{
    bytes d = {0}, f = {0};
    /* c: F64 [2], a: F32 [2,2], h: F16 [3], bf: BF16 [2], i: I8 [2], u: U8 [2] */
    put_le(&d, f64_bits(-1.5), 8);
    put_le(&d, f64_bits(1e300), 8);
    for (int i = 0; i < 4; i++)
        put_le(&d, f32_bits((float)small_vals[i]), 4);
    put_le(&d, 0x3c00, 2);
    put_le(&d, 0xc000, 2);
    put_le(&d, 0x7c00, 2);           /* f16 +Inf */
    put_le(&d, 0x3f80, 2);           /* bf16 1.0 */
    put_le(&d, 0xc2c8, 2);           /* bf16 -100 */
    put8(&d, 0x80), put8(&d, 0x7f);  /* i8 -128, 127 */
    put8(&d, 0xff), put8(&d, 0x00);  /* u8 255, 0 */
    const char *json =
        "{\"__metadata__\": {\"format\": \"pt\"},"
        " \"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [16, 32]},"
        " \"c\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16]},"
        " \"h\": {\"dtype\": \"F16\", \"shape\": [3], \"data_offsets\": [32, 38]},"
        " \"bf\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [38, 42]},"
        " \"i\": {\"dtype\": \"I8\", \"shape\": [1, 2], \"data_offsets\": [42, 44]},"
        " \"u\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [44, 46]},"
        " \"q\": {\"dtype\": \"F8_E4M3\", \"shape\": [2], \"data_offsets\": [44, 46]}}";
    st_bytes(&f, json, d.p, d.n);
    free(d.p);
    const char *p = write_bytes("m.safetensors", &f);
    fpq_io_file io;
    fpq_errbuf e;
    ck_assert_msg(fpq_io_open(&io, p, &e) == FPQ_OK, "%s", e.msg);
    ck_assert_uint_eq(io.nt, 7);
    /* listed in the order of their data */
    ck_assert_str_eq(io.t[0].name, "c");
    ck_assert_str_eq(io.t[1].name, "a");
    ck_assert_str_eq(io.t[1].dtype, "f32");
    ck_assert_str_eq(io.t[5].name, "q"); /* same offset as u: then by name */
    ck_assert_str_eq(io.t[6].dtype, "u8");
    fpq_io_close(&io);
    char src[600];
    static const struct {
        const char *name;
        size_t rows, cols;
        double v[4];
    } want[] = {
        {"c", 1, 2, {-1.5, 1e300}},    {"a", 2, 2, {1, -2, 3, 0}},
        {"h", 1, 3, {1, -2, INFINITY}}, {"bf", 1, 2, {1, -100}},
        {"i", 1, 2, {-128, 127}},      {"u", 1, 2, {255, 0}},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        snprintf(src, sizeof src, "%s::%s", p, want[k].name);
        fpq_tensor t = load_ok(src);
        expect_values(&t, want[k].rows, want[k].cols, want[k].v);
        fpq_tensor_free(&t);
    }
    snprintf(src, sizeof src, "%s::q", p);
    load_fails(src, p, "dtype F8_E4M3 is not supported");
    load_fails(p, p, "holds 7 tensors; name one as");
}
END_TEST

static const struct {
    const char *json; /* header; data: 16 zero bytes */
    const char *want;
} st_bad[] = {
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]", "malformed JSON header"},
    {"[1, 2]", "not an object"},
    {"{\"a\": 1}", "lacks dtype"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", "non-negative integers"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}}", "non-negative integers"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", "two increasing"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", "lacks dtype"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [8], \"data_offsets\": [0, 32]}}", "end at 32, past the 16 bytes"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", "span 8 bytes, but F32 of its shape takes 12"},
    {"{\"a\": {\"dtype\": \"F64\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 8]}}", "overflow"},
    {"{\"a\": {\"dtype\": \"F64\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 8]}}", "9 dimensions"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"a\": {}}", "malformed JSON header"},
    {"{\"a\\u0001b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", "control characters"},
    {"{\"\xc3\x28\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", "not UTF-8"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 99999999999999999999]}}", "malformed JSON header"},
};

START_TEST(safetensors_hostile_headers_are_refused_by_name)
{
    bytes f = {0};
    unsigned char zero[16] = {0};
    st_bytes(&f, st_bad[_i].json, zero, 16);
    const char *p = write_bytes("bad.safetensors", &f);
    fpq_io_file io;
    fpq_errbuf e;
    e.msg[0] = '\0';
    int rc = fpq_io_open(&io, p, &e);
    if (rc == FPQ_OK) { /* listed but unreadable is the only other outcome */
        fpq_tensor t;
        rc = fpq_io_read(&t, &io, 0, &e);
        fpq_io_close(&io);
    }
    ck_assert_msg(rc != FPQ_OK, "%s: accepted", st_bad[_i].json);
    ck_assert_msg(strstr(e.msg, st_bad[_i].want) && strstr(e.msg, p), "%s: message '%s' lacks '%s'",
                  st_bad[_i].json, e.msg, st_bad[_i].want);
}
END_TEST

START_TEST(safetensors_sizes_and_prefixes_are_checked)
{
    bytes f = {0};
    put_le(&f, 1000, 8);
    put_str(&f, "{}");
    const char *p = write_bytes("big.safetensors", &f);
    load_fails(p, p, "header size 1000 is larger than the 2 bytes after it");
    p = write_file("short.safetensors", "\x05\0\0", 3);
    load_fails(p, p, "shorter than its 8-byte header size");
    unsigned char d[8];
    uint32_t one = f32_bits(1.0f);
    memcpy(d, &one, 4);
    memcpy(d + 4, &one, 4);
    st_bytes(&f, "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", d, 8);
    every_prefix_fails_cleanly("pre.safetensors", f.p, f.n, NULL);
    free(f.p);
}
END_TEST

/* ---- GGUF ------------------------------------------------------------------------------ */

typedef void (*put_fn)(bytes *, uint64_t, int);

static void gg_str(bytes *b, put_fn pn, const char *s)
{
    pn(b, strlen(s), 8);
    put_str(b, s);
}

/* A GGUF file: metadata (a string, an array of strings, an array of u32,
 * an alignment of 64) and five tensors: w F32 2x3 (ne = {3, 2}), h F16 [2],
 * b BF16 [2], q Q4_0 [32] (refused), i I8 [3]. */
static void gguf_bytes(bytes *b, int version, int be)
{
    put_fn pn = be ? put_be : put_le;
    put_str(b, "GGUF");
    pn(b, (uint64_t)version, 4);
    pn(b, 5, 8);                       /* tensors */
    pn(b, 4, 8);                       /* metadata */
    gg_str(b, pn, "general.name");
    pn(b, 8, 4);
    gg_str(b, pn, "tiny");
    gg_str(b, pn, "tokenizer.tokens");
    pn(b, 9, 4), pn(b, 8, 4), pn(b, 2, 8);
    gg_str(b, pn, "a"), gg_str(b, pn, "bc");
    gg_str(b, pn, "ids");
    pn(b, 9, 4), pn(b, 4, 4), pn(b, 3, 8);
    pn(b, 1, 4), pn(b, 2, 4), pn(b, 3, 4);
    gg_str(b, pn, "general.alignment");
    pn(b, 4, 4), pn(b, 64, 4);
    static const struct {
        const char *name;
        int ndim;
        uint64_t ne[2];
        unsigned type;
        uint64_t off;
    } ti[5] = {{"w", 2, {3, 2}, 0, 0}, {"h", 1, {2, 0}, 1, 64}, {"b", 1, {2, 0}, 30, 128},
               {"q", 1, {32, 0}, 2, 192}, {"i", 1, {3, 0}, 24, 256}};
    for (int k = 0; k < 5; k++) {
        gg_str(b, pn, ti[k].name);
        pn(b, (uint64_t)ti[k].ndim, 4);
        for (int d = 0; d < ti[k].ndim; d++)
            pn(b, ti[k].ne[d], 8);
        pn(b, ti[k].type, 4);
        pn(b, ti[k].off, 8);
    }
    while (b->n % 64)
        put8(b, 0);
    size_t data0 = b->n;
    for (int i = 0; i < 6; i++)
        pn(b, f32_bits((float)small_vals[i]), 4);
    while (b->n < data0 + 64)
        put8(b, 0xee);
    pn(b, 0x3c00, 2), pn(b, 0xc000, 2); /* f16 1, -2 */
    while (b->n < data0 + 128)
        put8(b, 0xee);
    pn(b, 0x4040, 2), pn(b, 0xbf80, 2); /* bf16 3, -1 */
    while (b->n < data0 + 192)
        put8(b, 0xee);
    for (int i = 0; i < 18; i++) /* one Q4_0 block */
        put8(b, 0x11);
    while (b->n < data0 + 256)
        put8(b, 0xee);
    put8(b, 0xfe), put8(b, 0x05), put8(b, 0x7f); /* i8 -2, 5, 127 */
}

START_TEST(gguf_reads_v2_v3_and_big_endian)
{
    static const int cfg[3][2] = {{2, 0}, {3, 0}, {3, 1}};
    bytes b = {0};
    gguf_bytes(&b, cfg[_i][0], cfg[_i][1]);
    const char *p = write_bytes("m.gguf", &b);
    fpq_io_file io;
    fpq_errbuf e;
    ck_assert_msg(fpq_io_open(&io, p, &e) == FPQ_OK, "%s", e.msg);
    ck_assert_uint_eq(io.nt, 5);
    char shape[64];
    fpq_io_shape_text(shape, sizeof shape, &io.t[0]);
    ck_assert_str_eq(shape, "2x3"); /* ne reversed */
    ck_assert_str_eq(io.t[3].dtype, "Q4_0");
    ck_assert_uint_eq(io.t[3].n, 32);
    fpq_io_close(&io);
    char src[600];
    snprintf(src, sizeof src, "%s::w", p);
    fpq_tensor t = load_ok(src);
    expect_values(&t, 2, 3, small_vals);
    fpq_tensor_free(&t);
    static const struct {
        const char *name;
        size_t n;
        double v[3];
    } want[] = {{"h", 2, {1, -2}}, {"b", 2, {3, -1}}, {"i", 3, {-2, 5, 127}}};
    for (int k = 0; k < 3; k++) {
        snprintf(src, sizeof src, "%s::%s", p, want[k].name);
        t = load_ok(src);
        expect_values(&t, 1, want[k].n, want[k].v);
        fpq_tensor_free(&t);
    }
    snprintf(src, sizeof src, "%s::q", p);
    load_fails(src, p, "quantized GGML type Q4_0 is not supported");
}
END_TEST

/* Patch a little-endian u32/u64 at a byte offset of a valid file. */
static const struct {
    size_t at; /* byte offset */
    int width;
    uint64_t value;
    const char *want;
} gguf_patch[] = {
    {4, 4, 1, "GGUF version 1 is not supported"},
    {4, 4, 99, "GGUF version 99 is not supported"},
    {8, 8, UINT64_C(1) << 40, "header claims 1099511627776 tensors"},
    {16, 8, UINT64_C(1) << 40, "1099511627776 metadata entries"},
    {24, 8, UINT64_C(1) << 62, "truncated at byte 32 while reading a metadata key"},
    {44, 4, 13, "unknown metadata value type 13"},
    {88, 4, 13, "unknown metadata array element type 13"},
    {92, 8, UINT64_C(1) << 60, "claims 1152921504606846976 elements"},
    {138, 8, UINT64_C(1) << 61, "claims 2305843009213693952 elements"},
};

START_TEST(gguf_hostile_fields_are_refused_by_name)
{
    bytes b = {0};
    gguf_bytes(&b, 3, 0);
    bytes c = {0};
    put(&c, b.p, b.n);
    free(b.p);
    for (int k = 0; k < gguf_patch[_i].width; k++)
        c.p[gguf_patch[_i].at + (size_t)k] = (unsigned char)(gguf_patch[_i].value >> (8 * k));
    const char *p = write_bytes("bad.gguf", &c);
    load_fails(p, p, gguf_patch[_i].want);
}
END_TEST

/* The byte offsets gguf_patch uses, checked against the layout. */
START_TEST(gguf_patch_offsets_match_the_layout)
{
    bytes b = {0};
    gguf_bytes(&b, 3, 0);
    ck_assert(fpq_io_ld32(b.p + 44, 0) == 8);   /* type of general.name */
    ck_assert(fpq_io_ld32(b.p + 84, 0) == 9);   /* type of tokenizer.tokens: array */
    ck_assert(fpq_io_ld32(b.p + 88, 0) == 8);   /* its element type: string */
    ck_assert(fpq_io_ld64(b.p + 92, 0) == 2);   /* its count */
    ck_assert(fpq_io_ld64(b.p + 138, 0) == 3);  /* count of ids */
    free(b.p);
}
END_TEST

START_TEST(gguf_layout_errors_and_prefixes)
{
    /* a tensor past the end, a misaligned offset, too many dimensions,
     * a bad alignment, an unknown type (listed, refused) */
    bytes b = {0};
    put_str(&b, "GGUF");
    put_le(&b, 3, 4), put_le(&b, 1, 8), put_le(&b, 0, 8);
    gg_str(&b, put_le, "t"), put_le(&b, 1, 4), put_le(&b, 100, 8), put_le(&b, 0, 4), put_le(&b, 0, 8);
    while (b.n % 32)
        put8(&b, 0);
    for (int i = 0; i < 10; i++)
        put_le(&b, 0, 4);
    const char *p = write_bytes("past.gguf", &b);
    load_fails(p, p, "tensor 't' (f32, 100 elements at data offset 0) runs past the end");

    put_str(&b, "GGUF");
    put_le(&b, 3, 4), put_le(&b, 1, 8), put_le(&b, 0, 8);
    gg_str(&b, put_le, "t"), put_le(&b, 1, 4), put_le(&b, 1, 8), put_le(&b, 0, 4), put_le(&b, 4, 8);
    while (b.n % 32 || b.n < 128)
        put8(&b, 0);
    p = write_bytes("misaligned.gguf", &b);
    load_fails(p, p, "offset 4 is not a multiple of the alignment 32");

    put_str(&b, "GGUF");
    put_le(&b, 3, 4), put_le(&b, 1, 8), put_le(&b, 0, 8);
    gg_str(&b, put_le, "t"), put_le(&b, 9, 4);
    for (int i = 0; i < 12; i++)
        put_le(&b, 1, 8);
    p = write_bytes("dims.gguf", &b);
    load_fails(p, p, "tensor 0 has 9 dimensions");

    put_str(&b, "GGUF");
    put_le(&b, 3, 4), put_le(&b, 0, 8), put_le(&b, 1, 8);
    gg_str(&b, put_le, "general.alignment"), put_le(&b, 4, 4), put_le(&b, 48, 4);
    p = write_bytes("align.gguf", &b);
    load_fails(p, p, "general.alignment 48 is not a power of two");

    put_str(&b, "GGUF");
    put_le(&b, 3, 4), put_le(&b, 1, 8), put_le(&b, 0, 8);
    gg_str(&b, put_le, "t"), put_le(&b, 1, 4), put_le(&b, 4, 8), put_le(&b, 77, 4), put_le(&b, 0, 8);
    while (b.n % 32 || b.n < 128)
        put8(&b, 0);
    p = write_bytes("unknown.gguf", &b);
    char src[600];
    snprintf(src, sizeof src, "%s::t", p);
    load_fails(src, p, "unknown GGML type 77");

    put_str(&b, "GGUF");
    put_le(&b, 3, 4), put_le(&b, 1, 8), put_le(&b, 0, 8);
    gg_str(&b, put_le, "t\xff"), put_le(&b, 1, 4), put_le(&b, 1, 8), put_le(&b, 0, 4), put_le(&b, 0, 8);
    while (b.n % 32 || b.n < 128)
        put8(&b, 0);
    p = write_bytes("name.gguf", &b);
    load_fails(p, p, "not UTF-8");

    gguf_bytes(&b, 3, 1);
    every_prefix_fails_cleanly("pre.gguf", b.p, b.n, NULL);
    free(b.p);
}
END_TEST

/* ---- TF.js ----------------------------------------------------------------------------- */

START_TEST(tfjs_reads_weights_across_shards)
{
    /* group 1: a float32 [2,3] split over two shards, an int32 [2], a quantized
     * uint8 [4], a string [2]; group 2: a bool [3] */
    bytes s1 = {0}, s2 = {0}, s3 = {0};
    for (int i = 0; i < 4; i++)
        put_le(&s1, f32_bits((float)small_vals[i]), 4);
    put_le(&s1, f32_bits((float)small_vals[4]), 2); /* split inside an element */
    put_le(&s2, f32_bits((float)small_vals[4]) >> 16, 2);
    put_le(&s2, f32_bits((float)small_vals[5]), 4);
    put_le(&s2, (uint32_t)-5, 4), put_le(&s2, 7, 4);
    put8(&s2, 1), put8(&s2, 2), put8(&s2, 3), put8(&s2, 4);
    put_le(&s2, 2, 4), put_str(&s2, "hi"), put_le(&s2, 0, 4);
    put8(&s3, 1), put8(&s3, 0), put8(&s3, 9);
    ck_assert(mkdir(tpath("m"), 0700) == 0);
    write_bytes("m/g1-1", &s1);
    write_bytes("m/g1-2", &s2);
    write_bytes("m/sub-g2", &s3);
    const char json[] =
        "{\"format\": \"graph-model\", \"modelTopology\": {},"
        " \"weightsManifest\": ["
        "  {\"paths\": [\"g1-1\", \"./g1-2\"], \"weights\": ["
        "    {\"name\": \"dense/kernel\", \"shape\": [2, 3], \"dtype\": \"float32\"},"
        "    {\"name\": \"ids\", \"shape\": [2], \"dtype\": \"int32\"},"
        "    {\"name\": \"q\", \"shape\": [2, 2], \"dtype\": \"float32\","
        "     \"quantization\": {\"dtype\": \"uint8\", \"scale\": 0.1, \"min\": -1}},"
        "    {\"name\": \"s\", \"shape\": [2], \"dtype\": \"string\"}]},"
        "  {\"paths\": [\"sub-g2\"], \"weights\": ["
        "    {\"name\": \"flags\", \"shape\": [3], \"dtype\": \"bool\"}]}]}";
    const char *p = write_file("m/model.json", json, sizeof json - 1);
    char src[600];
    snprintf(src, sizeof src, "%s::dense/kernel", p);
    fpq_tensor t = load_ok(src);
    expect_values(&t, 2, 3, small_vals);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s::ids", p);
    t = load_ok(src);
    double ids[2] = {-5, 7};
    expect_values(&t, 1, 2, ids);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s::flags", p);
    t = load_ok(src);
    double fl[3] = {1, 0, 1};
    expect_values(&t, 1, 3, fl);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s::q", p);
    load_fails(src, p, "quantized weight (uint8 with scale and min) is not supported");
    snprintf(src, sizeof src, "%s::s", p);
    load_fails(src, p, "dtype string is not supported");
    fpq_io_file io;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_io_open(&io, p, &e), FPQ_OK);
    ck_assert_str_eq(io.t[2].dtype, "uint8(quantized)");
    fpq_io_close(&io);
}
END_TEST

static const struct {
    const char *json, *want;
} tfjs_bad[] = {
    {"{\"weightsManifest\": [", "malformed JSON"},
    {"{\"modelTopology\": {}}", "no \"weightsManifest\" array"},
    {"{\"weightsManifest\": [{\"paths\": [\"../x\"], \"weights\": []}]}", "not a relative path"},
    {"{\"weightsManifest\": [{\"paths\": [\"/etc/passwd\"], \"weights\": []}]}", "not a relative path"},
    {"{\"weightsManifest\": [{\"paths\": [\"a/../../x\"], \"weights\": []}]}", "not a relative path"},
    {"{\"weightsManifest\": [{\"paths\": [\"nope\"], \"weights\": []}]}", "cannot open"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": [{\"name\": \"w\", \"shape\": [3],"
     " \"dtype\": \"float32\"}]}]}", "weight 'w' (float32, 3 elements) runs past the end of its group's shards (8 bytes)"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": [{\"name\": \"w\", \"shape\": [1],"
     " \"dtype\": \"float64\"}]}]}", "unknown dtype 'float64'"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": [{\"name\": \"w\", \"shape\": [-1],"
     " \"dtype\": \"float32\"}]}]}", "shape is not a list of non-negative integers"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": [{\"name\": \"w\", \"shape\":"
     " [4294967296, 4294967296, 4294967296], \"dtype\": \"float32\"}]}]}", "product below 2^64"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": [{\"shape\": [1], \"dtype\": \"float32\"}]}]}",
     "lacks a name, dtype or shape"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": [{\"name\": \"w\", \"shape\": [3],"
     " \"dtype\": \"string\"}]}]}", "runs past the end"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": [{\"name\": \"w\", \"shape\": [1],"
     " \"dtype\": \"float32\", \"quantization\": {\"dtype\": \"int4\"}}]}]}", "unknown quantization dtype 'int4'"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": [{\"name\": \"w\\u0000\", \"shape\": [1],"
     " \"dtype\": \"float32\"}]}]}", "malformed JSON"},
    {"{\"weightsManifest\": \xff}", "not UTF-8"},
    /* a shard read twice (one listing could otherwise repeat a large shard) */
    {"{\"weightsManifest\": [{\"paths\": [\"s8\", \"./s8\"], \"weights\": [{\"name\": \"w\","
     " \"shape\": [1], \"dtype\": \"float32\"}]}]}", "shard './s8' is listed twice"},
    {"{\"weightsManifest\": [{\"paths\": [\"s8\"], \"weights\": []}, {\"paths\": [\"s8\"],"
     " \"weights\": [{\"name\": \"w\", \"shape\": [1], \"dtype\": \"float32\"}]}]}",
     "shard 's8' is listed twice"},
};

START_TEST(tfjs_hostile_manifests_are_refused_by_name)
{
    write_file("s8", "\0\0\0\0\x05\0\0\0", 8);
    const char *p = write_file("model.json", tfjs_bad[_i].json, strlen(tfjs_bad[_i].json));
    char src[600];
    snprintf(src, sizeof src, "%s::w", p);
    load_fails(src, NULL, tfjs_bad[_i].want);
}
END_TEST

START_TEST(non_regular_files_and_escaping_shards_are_refused)
{
    /* a FIFO is refused at once, not waited on */
    ck_assert_int_eq(mkfifo(tpath("fifo.npy"), 0600), 0);
    const char *p = tpath("fifo.npy");
    load_fails(p, p, "not a regular file");
    /* a shard that is a symlink out of the model's directory */
    ck_assert_int_eq(mkdir(tpath("m"), 0700), 0);
    write_file("outside.bin", "\0\0\x80\x3f", 4);
    ck_assert_int_eq(symlink("../outside.bin", tpath("m/link.bin")), 0);
    const char esc[] = "{\"weightsManifest\": [{\"paths\": [\"link.bin\"], \"weights\": [{\"name\": \"w\","
                       " \"shape\": [1], \"dtype\": \"float32\"}]}]}";
    p = write_file("m/esc.json", esc, sizeof esc - 1);
    load_fails(p, p, "outside the model's directory");
    /* a symlink that stays inside is read */
    write_file("m/in.bin", "\0\0\x80\x3f", 4);
    ck_assert_int_eq(symlink("in.bin", tpath("m/alias.bin")), 0);
    const char in[] = "{\"weightsManifest\": [{\"paths\": [\"alias.bin\"], \"weights\": [{\"name\": \"w\","
                      " \"shape\": [1], \"dtype\": \"float32\"}]}]}";
    p = write_file("m/in.json", in, sizeof in - 1);
    fpq_tensor t = load_ok(p);
    double one = 1;
    expect_values(&t, 1, 1, &one);
    fpq_tensor_free(&t);
    /* a FIFO as a shard */
    ck_assert_int_eq(mkfifo(tpath("m/f.bin"), 0600), 0);
    const char fifo[] = "{\"weightsManifest\": [{\"paths\": [\"f.bin\"], \"weights\": [{\"name\": \"w\","
                        " \"shape\": [1], \"dtype\": \"float32\"}]}]}";
    p = write_file("m/fifo.json", fifo, sizeof fifo - 1);
    load_fails(p, NULL, "not a regular file");
}
END_TEST

START_TEST(npy_descr_is_shown_byte_for_byte)
{
    /* descr '<f8' and a NUL: listed and refused as '<f8\x00', not '<f8' */
    bytes b = {0};
    double d[2] = {1, 2};
    npy_bytes(&b, 1, "{'descr': '<f8#', 'fortran_order': False, 'shape': (2,), }", d, sizeof d);
    unsigned char *hash = memchr(b.p, '#', b.n);
    ck_assert_ptr_nonnull(hash);
    *hash = '\0';
    const char *p = write_bytes("nul.npy", &b);
    fpq_io_file io;
    fpq_errbuf e;
    ck_assert_int_eq(fpq_io_open(&io, p, &e), FPQ_OK);
    ck_assert_str_eq(io.t[0].dtype, "<f8\\x00");
    fpq_io_close(&io);
    load_fails(p, p, "dtype '<f8\\x00' is not supported");
}
END_TEST

START_TEST(text_reads_long_exact_numbers)
{
    /* the exact decimal value of the least subnormal double, 751 digits */
    char num[1024];
    int n = snprintf(num, sizeof num, "%.750e\n", 4.9406564584124654e-324);
    ck_assert(n > 700 && n < (int)sizeof num);
    const char *p = write_file("x.txt", num, (size_t)n);
    fpq_tensor t = load_ok(p);
    ck_assert(t.data[0] == 4.9406564584124654e-324);
    fpq_tensor_free(&t);
    /* a line over 65536 bytes is refused as such */
    size_t big = 70000;
    char *b = malloc(big + 1);
    ck_assert_ptr_nonnull(b);
    memset(b, '1', big);
    b[big] = '\n';
    p = write_file("big.txt", b, big + 1);
    free(b);
    load_fails(p, p, "line longer than 65536 bytes");
    /* a control byte is shown as \xNN */
    p = write_file("cr.txt", "1\r2\n", 4);
    load_fails(p, p, "not a number '1\\x0d2'");
}
END_TEST

/* ---- gnubg ------------------------------------------------------------------------------ */

static void gnubg_net(bytes *b, int ci, int ch, int co, float base)
{
    put_le(b, (uint32_t)ci, 4), put_le(b, (uint32_t)ch, 4), put_le(b, (uint32_t)co, 4);
    put_le(b, 7, 4);
    put_le(b, f32_bits(0.1f), 4), put_le(b, f32_bits(1.0f), 4);
    int n = ci * ch + ch * co + ch + co;
    for (int i = 0; i < n; i++)
        put_le(b, f32_bits(base + (float)i), 4);
}

/* The length of the test file's first net: a complete, valid file. */
static int gnubg_one_net(size_t len)
{
    return len == 8 + 24 + 11 * 4;
}

START_TEST(gnubg_weights_are_split_by_net_and_layer)
{
    bytes b = {0};
    put_le(&b, 0x43ec3069, 4);
    put_le(&b, f32_bits(1.0f), 4);
    gnubg_net(&b, 3, 2, 1, 0);     /* contact: 6 + 2 + 2 + 1 = 11 floats */
    gnubg_net(&b, 2, 2, 2, 100);   /* race: 4 + 4 + 2 + 2 */
    size_t full = b.n;
    bytes c = {0};
    put(&c, b.p, b.n);
    const char *p = write_bytes("g.wd", &b);
    fpq_io_file io;
    fpq_errbuf e;
    ck_assert_msg(fpq_io_open(&io, p, &e) == FPQ_OK, "%s", e.msg);
    ck_assert_uint_eq(io.nt, 8);
    ck_assert_str_eq(io.t[0].name, "contact.hidden_weight");
    ck_assert_str_eq(io.t[7].name, "race.output_bias");
    fpq_io_close(&io);
    char src[600];
    snprintf(src, sizeof src, "%s::contact.hidden_weight", p);
    fpq_tensor t = load_ok(src);
    double hw[6] = {0, 1, 2, 3, 4, 5};
    expect_values(&t, 3, 2, hw);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s::contact.output_bias", p);
    t = load_ok(src);
    double ob[1] = {10};
    expect_values(&t, 1, 1, ob);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s::race.output_weight", p);
    t = load_ok(src);
    double ow[4] = {104, 105, 106, 107};
    expect_values(&t, 2, 2, ow);
    fpq_tensor_free(&t);
    /* prefixes: only the one ending after the first net is a valid file */
    (void)full;
    every_prefix_fails_cleanly("pre.wd", c.p, c.n, gnubg_one_net);
    free(c.p);
}
END_TEST


START_TEST(gnubg_hostile_headers_are_refused)
{
    bytes b = {0};
    put_le(&b, 0x43ec3069, 4), put_le(&b, f32_bits(1.0f), 4);
    put_le(&b, (uint32_t)-3, 4), put_le(&b, 2, 4), put_le(&b, 1, 4), put_le(&b, 0, 4);
    put_le(&b, 0, 8);
    const char *p = write_bytes("neg.wd", &b);
    load_fails(p, p, "has sizes -3-2-1");
    put_le(&b, 0x43ec3069, 4), put_le(&b, f32_bits(1.0f), 4);
    put_le(&b, 0x7fffffff, 4), put_le(&b, 0x7fffffff, 4), put_le(&b, 1, 4), put_le(&b, 0, 4);
    put_le(&b, 0, 8);
    p = write_bytes("huge.wd", &b);
    load_fails(p, p, "contact.hidden_weight (4611686014132420609 floats at byte 32) runs past the end");
    p = write_file("magic.wd", "\0\0\0\0\0\0\0\0", 8);
    load_fails(p, p, "no magic 472.3782");
}
END_TEST

/* ---- audio ------------------------------------------------------------------------------- */

/* A canonical 44-byte-header WAV, by hand. */
static void wav_bytes(bytes *b, int channels, int bits, int format, const void *data, size_t n,
                      uint32_t claimed)
{
    put_str(b, "RIFF");
    put_le(b, 36 + n, 4);
    put_str(b, "WAVEfmt ");
    put_le(b, 16, 4);
    put_le(b, (uint64_t)format, 2); /* 1 PCM, 3 IEEE float */
    put_le(b, (uint64_t)channels, 2);
    put_le(b, 16000, 4);
    put_le(b, 16000u * (unsigned)channels * (unsigned)bits / 8, 4);
    put_le(b, (uint64_t)(channels * bits / 8), 2);
    put_le(b, (uint64_t)bits, 2);
    put_str(b, "data");
    put_le(b, claimed ? claimed : n, 4);
    put(b, data, n);
}

START_TEST(audio_pcm_and_float_wav_become_doubles_in_range)
{
    /* stereo 16-bit: frames (L, R) = (-32768, 16384), (32767, -1), (0, 1) */
    static const int16_t pcm[6] = {-32768, 16384, 32767, -1, 0, 1};
    bytes d = {0}, b = {0};
    for (int i = 0; i < 6; i++)
        put_le(&d, (uint16_t)pcm[i], 2);
    wav_bytes(&b, 2, 16, 1, d.p, d.n, 0);
    free(d.p);
    memset(&d, 0, sizeof d);
    const char *p = write_bytes("s.wav", &b);
    fpq_tensor t = load_ok(p);
    /* frames x channels: one row per frame */
    double want[6] = {-1, 0.5, 32767.0 / 32768, -1.0 / 32768, 0, 1.0 / 32768};
    expect_values(&t, 3, 2, want);
    fpq_tensor_free(&t);
    /* mono float32 */
    for (int i = 0; i < 4; i++)
        put_le(&d, f32_bits((float)small_vals[i] / 4), 4);
    wav_bytes(&b, 1, 32, 3, d.p, d.n, 0);
    free(d.p);
    p = write_bytes("f.wav", &b);
    fpq_io_file io;
    fpq_errbuf e;
    ck_assert_msg(fpq_io_open(&io, p, &e) == FPQ_OK, "%s", e.msg);
    ck_assert_str_eq(io.t[0].dtype, "f32");
    fpq_io_close(&io);
    t = load_ok(p);
    double fw[4] = {0.25, -0.5, 0.75, 0};
    expect_values(&t, 4, 1, fw);
    fpq_tensor_free(&t);
}
END_TEST

/* libsndfile reads what a truncated WAV holds: success is fine, a crash is not. */
static int any_length(size_t len)
{
    (void)len;
    return 1;
}

START_TEST(audio_hostile_files_are_refused)
{
    const char *p = write_file("junk.wav", "RIFF\x04\0\0\0WAVEjunkjunk", 20);
    load_fails(p, p, "not a readable audio file");
    p = write_file("empty.wav", "", 0);
    load_fails(p, p, "empty file");
    /* a data chunk claiming far more than present: read what is there or fail */
    bytes d = {0}, b = {0};
    for (int i = 0; i < 8; i++)
        put_le(&d, 1000, 2);
    wav_bytes(&b, 1, 16, 1, d.p, d.n, 0x7ffffff0);
    free(d.p);
    every_prefix_fails_cleanly("pre.wav", b.p, b.n, any_length);
    free(b.p);
}
END_TEST

Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *tc = fpq_check_tcase("npy", 30);
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_loop_test(tc, npy_reads_every_dtype_in_both_byte_orders, 0,
                        (int)(sizeof npy_types / sizeof npy_types[0]));
    tcase_add_test(tc, npy_versions_1_2_3_and_shapes);
    tcase_add_test(tc, npy_fortran_order_is_transposed_to_row_major);
    tcase_add_test(tc, npy_writer_round_trips_and_pads_the_header);
    tcase_add_test(tc, row_slices_take_rows_of_the_tensor);
    tcase_add_loop_test(tc, npy_hostile_headers_are_refused_by_name, 0,
                        (int)(sizeof npy_bad / sizeof npy_bad[0]));
    tcase_add_test(tc, npy_truncated_preambles_are_refused);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("raw-text-source", 30);
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_test(tc, raw_reads_dtype_endian_offset_shape_and_order);
    tcase_add_test(tc, raw_bad_layouts_are_refused);
    tcase_add_test(tc, text_reads_one_number_per_line);
    tcase_add_test(tc, sources_name_what_is_wrong);
    tcase_add_test(tc, source_spellings_parse_to_what_they_name);
    tcase_add_test(tc, an_existing_file_wins_over_a_generator_spec);
    tcase_add_test(tc, lab_statuses_continue_libfpqs_and_are_named);
    suite_add_tcase(s, tc);

    tc = fpq_check_tcase("containers", 60);
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_test(tc, safetensors_reads_dtypes_by_name);
    tcase_add_loop_test(tc, safetensors_hostile_headers_are_refused_by_name, 0,
                        (int)(sizeof st_bad / sizeof st_bad[0]));
    tcase_add_test(tc, safetensors_sizes_and_prefixes_are_checked);
    tcase_add_loop_test(tc, gguf_reads_v2_v3_and_big_endian, 0, 3);
    tcase_add_loop_test(tc, gguf_hostile_fields_are_refused_by_name, 0,
                        (int)(sizeof gguf_patch / sizeof gguf_patch[0]));
    tcase_add_test(tc, gguf_patch_offsets_match_the_layout);
    tcase_add_test(tc, gguf_layout_errors_and_prefixes);
    tcase_add_test(tc, tfjs_reads_weights_across_shards);
    tcase_add_test(tc, non_regular_files_and_escaping_shards_are_refused);
    tcase_add_test(tc, text_reads_long_exact_numbers);
    tcase_add_test(tc, npy_descr_is_shown_byte_for_byte);
    tcase_add_loop_test(tc, tfjs_hostile_manifests_are_refused_by_name, 0,
                        (int)(sizeof tfjs_bad / sizeof tfjs_bad[0]));
    tcase_add_test(tc, gnubg_weights_are_split_by_net_and_layer);
    tcase_add_test(tc, gnubg_hostile_headers_are_refused);
    tcase_add_test(tc, audio_pcm_and_float_wav_become_doubles_in_range);
    tcase_add_test(tc, audio_hostile_files_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
