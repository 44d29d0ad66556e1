/* check_train.c: the IDX loader (io/idx.c) and the network engine of the
 * lab (train.h).
 *
 * IDX files are made here byte by byte in a fresh temporary directory; the
 * expected values are the ones written.  The engine is run on small data
 * sets made here too (no test reads the bundled data). */
#include "check_fpq.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "io/io-impl.h" /* fpq_io_parse_idx on bytes in memory */
#include "source.h"

/* ---- scratch directory ------------------------------------------------------ */

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void dir_setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/fpq-check-train.XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s", tmpdir);
}

static void dir_teardown(void)
{
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tpath(const char *name)
{
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 512, "%s/%s", tmpdir, name);
    return b;
}

static const char *write_file(const char *name, const void *p, size_t n)
{
    const char *path = tpath(name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* An IDX header: type code, dims (big-endian u32 each). */
static size_t idx_header(unsigned char *b, unsigned code, unsigned ndim, const uint32_t *dims)
{
    b[0] = b[1] = 0;
    b[2] = (unsigned char)code;
    b[3] = (unsigned char)ndim;
    for (unsigned d = 0; d < ndim; d++) {
        b[4 + 4 * d] = (unsigned char)(dims[d] >> 24);
        b[5 + 4 * d] = (unsigned char)(dims[d] >> 16);
        b[6 + 4 * d] = (unsigned char)(dims[d] >> 8);
        b[7 + 4 * d] = (unsigned char)dims[d];
    }
    return 4 + 4 * (size_t)ndim;
}

static fpq_tensor load_ok(const char *src)
{
    fpq_tensor t;
    fpq_errbuf e;
    int rc = fpq_source_load(&t, src, &e);
    ck_assert_msg(rc == FPQ_OK, "%s: %s", src, e.msg);
    return t;
}

/* ---- IDX ---------------------------------------------------------------------- */

START_TEST(idx_images_and_labels_are_read_by_name)
{
    unsigned char b[64];
    uint32_t dims[3] = {2, 2, 3};
    size_t h = idx_header(b, 0x08, 3, dims);
    for (unsigned i = 0; i < 12; i++)
        b[h + i] = (unsigned char)(i * 20);
    const char *img = write_file("img-idx3-ubyte", b, h + 12);
    uint32_t n = 3;
    h = idx_header(b, 0x08, 1, &n);
    b[h] = 7, b[h + 1] = 0, b[h + 2] = 9;
    const char *lab = write_file("lab.idx", b, h + 3);

    fpq_io_file f;
    fpq_errbuf e;
    ck_assert_msg(fpq_io_open(&f, img, &e) == FPQ_OK, "%s", e.msg);
    ck_assert_str_eq(f.kind, "idx");
    ck_assert_uint_eq(f.nt, 1);
    ck_assert_str_eq(f.t[0].name, "images");
    ck_assert_int_eq(f.t[0].ndim, 3);
    ck_assert_uint_eq(f.t[0].shape[0], 2);
    ck_assert_uint_eq(f.t[0].shape[2], 3);
    fpq_io_close(&f);

    char src[600];
    snprintf(src, sizeof src, "%s::images", img);
    fpq_tensor t = load_ok(src);
    ck_assert_uint_eq(t.rows, 4);
    ck_assert_uint_eq(t.cols, 3);
    for (unsigned i = 0; i < 12; i++)
        ck_assert_double_eq(t.data[i], i * 20.0);
    fpq_tensor_free(&t);
    snprintf(src, sizeof src, "%s::labels", lab);
    t = load_ok(src);
    ck_assert_uint_eq(t.rows, 1);
    ck_assert_uint_eq(t.cols, 3);
    ck_assert_double_eq(t.data[0], 7);
    ck_assert_double_eq(t.data[2], 9);
    fpq_tensor_free(&t);

    /* other element types, big-endian: i16 -2, f32 1.5, f64 -0.25 */
    h = idx_header(b, 0x0b, 1, (uint32_t[]){1});
    b[h] = 0xff, b[h + 1] = 0xfe;
    t = load_ok(write_file("i16-ubyte", b, h + 2));
    ck_assert_double_eq(t.data[0], -2);
    fpq_tensor_free(&t);
    h = idx_header(b, 0x0d, 2, (uint32_t[]){1, 1});
    memcpy(b + h, "\x3f\xc0\x00\x00", 4);
    snprintf(src, sizeof src, "%s::images", write_file("f32.idx", b, h + 4));
    t = load_ok(src);
    ck_assert_double_eq(t.data[0], 1.5);
    fpq_tensor_free(&t);
    h = idx_header(b, 0x0e, 1, (uint32_t[]){1});
    memcpy(b + h, "\xbf\xd0\0\0\0\0\0\0", 8);
    t = load_ok(write_file("f64.idx", b, h + 8));
    ck_assert_double_eq(t.data[0], -0.25);
    fpq_tensor_free(&t);
}
END_TEST

static void idx_fails(const unsigned char *b, size_t n, const char *want)
{
    fpq_io_file f;
    memset(&f, 0, sizeof f);
    f.path = (char *)"x.idx";
    f.buf = b;
    f.len = n;
    fpq_errbuf e;
    int rc = fpq_io_parse_idx(&f, &e);
    for (size_t i = 0; i < f.nt; i++)
        free(f.t[i].name);
    free(f.t);
    ck_assert_int_eq(rc, FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' lacks '%s'", e.msg, want);
    ck_assert_msg(strncmp(e.msg, "x.idx: ", 7) == 0, "'%s' does not name the file", e.msg);
}

START_TEST(idx_malformed_headers_are_refused_by_name)
{
    unsigned char b[64] = {0};
    idx_fails(b, 3, "the header alone takes 4");
    b[0] = 1, b[2] = 8, b[3] = 1;
    idx_fails(b, 12, "first two bytes are 0x01 0x00");
    b[0] = 0, b[2] = 0x0a;
    idx_fails(b, 12, "element type 0x0a at byte 2");
    b[2] = 8, b[3] = 0;
    idx_fails(b, 12, "gives 0 dimensions");
    b[3] = 9;
    idx_fails(b, 64, "gives 9 dimensions");
    b[3] = 3;
    idx_fails(b, 10, "3 dimensions need 16 bytes, the file holds 10");
    size_t h = idx_header(b, 0x08, 2, (uint32_t[]){2, 3});
    idx_fails(b, h + 5, "shape 2x3 of u8 needs 6 bytes of data after the 12-byte header, the file holds 5");
    idx_fails(b, h + 7, "needs 6 bytes of data after the 12-byte header, the file holds 7");
    h = idx_header(b, 0x0e, 3, (uint32_t[]){0xffffffffu, 0xffffffffu, 0xffffffffu});
    idx_fails(b, h, "shape too large");
    /* every proper prefix of a valid file fails */
    h = idx_header(b, 0x0c, 1, (uint32_t[]){2});
    for (size_t n = 0; n < h + 8; n++)
        idx_fails(b, n, "");
}
END_TEST

START_TEST(idx_is_recognised_by_content_or_name)
{
    /* by content, whatever the name */
    unsigned char b[32];
    size_t h = idx_header(b, 0x08, 1, (uint32_t[]){2});
    b[h] = 1, b[h + 1] = 2;
    fpq_io_file f;
    fpq_errbuf e;
    ck_assert_msg(fpq_io_open(&f, write_file("noext", b, h + 2), &e) == FPQ_OK, "%s", e.msg);
    ck_assert_str_eq(f.kind, "idx");
    fpq_io_close(&f);
    /* by name: a truncated one gets the IDX loader's message */
    ck_assert_int_eq(fpq_io_open(&f, write_file("bad-idx1-ubyte", b, h + 1), &e), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(e.msg, "needs 2 bytes of data") != NULL, "%s", e.msg);
}
END_TEST

Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = fpq_check_tcase("idx", 30);
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_test(tc, idx_images_and_labels_are_read_by_name);
    tcase_add_test(tc, idx_malformed_headers_are_refused_by_name);
    tcase_add_test(tc, idx_is_recognised_by_content_or_name);
    suite_add_tcase(s, tc);
    return s;
}
