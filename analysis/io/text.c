/* io/text.c: plain text, one number per line (strtod syntax: decimal,
 * hex-float, inf, nan).  Surrounding blanks and a CR are ignored; empty
 * lines and lines starting with '#' are skipped; anything else is an error
 * naming the file and the line.  A number may be up to TEXT_LINE_MAX bytes
 * long (fpq's exact decimal output of any double is shorter).  Read as a 1 x n vector.  Source:
 * text:FILE, or a FILE ending in .txt. */
#include "io-impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_LINE_MAX 65536

int fpq_io_parse_text(fpq_io_file *f, fpq_errbuf *err)
{
    f->kind = "text";
    const char *s = (const char *)f->buf, *end = s + f->len;
    size_t n = 0, cap = 0, line = 0;
    double *v = NULL;
    char small[128], *buf = small, *big = NULL;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        line++;
        const char *a = s, *b = le;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
            b--;
        s = nl ? nl + 1 : end;
        if (a == b || *a == '#')
            continue;
        size_t len = (size_t)(b - a);
        if (len >= sizeof small && !big && len <= TEXT_LINE_MAX) {
            big = malloc(TEXT_LINE_MAX + 1);
            if (!big) {
                free(v);
                return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", f->path);
            }
        }
        buf = len < sizeof small ? small : big;
        int ok = len <= TEXT_LINE_MAX;
        double x = 0;
        if (ok) {
            memcpy(buf, a, len);
            buf[len] = '\0';
            char *e;
            errno = 0;
            x = strtod(buf, &e);
            ok = e == buf + len && memchr(buf, '\0', len) == NULL;
        }
        if (!ok) {
            char shown[4 * 40 + 1]; /* the first 40 bytes, a control byte as \xNN */
            size_t k = len < 40 ? len : 40, sl = 0;
            for (size_t i = 0; i < k; i++) {
                unsigned char ch = (unsigned char)a[i];
                if (ch >= 0x20 && ch != 0x7f)
                    shown[sl++] = (char)ch;
                else
                    sl += (size_t)snprintf(shown + sl, sizeof shown - sl, "\\x%02x", ch);
            }
            shown[sl] = '\0';
            free(v);
            free(big);
            if (len > TEXT_LINE_MAX)
                return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: line longer than %d bytes '%s...'",
                               f->path, line, TEXT_LINE_MAX, shown);
            return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s:%zu: not a number '%s%s'", f->path,
                           line, shown, len > 40 ? "..." : "");
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 1024;
            double *nv = nc > cap && nc <= SIZE_MAX / sizeof *nv ? realloc(v, nc * sizeof *nv) : NULL;
            if (!nv) {
                free(v);
                free(big);
                return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", f->path);
            }
            v = nv;
            cap = nc;
        }
        v[n++] = x;
    }
    free(big);
    /* the values become the file's bytes, as host-order doubles */
    free(f->owned);
    f->owned = (unsigned char *)v;
    f->buf = (const unsigned char *)v;
    f->len = n * sizeof(double);
    fpq_io_tensor t;
    memset(&t, 0, sizeof t);
    t.type = FPQ_IO_F64;
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    t.big_endian = first == 0;
    t.ndim = 1;
    t.shape[0] = n;
    return fpq_io_add_file_tensor(f, &t, err);
}

int fpq_io_open_text(fpq_io_file *f, const char *path, fpq_errbuf *err)
{
    int rc = fpq_io_open_bytes(f, path, err);
    if (rc == FPQ_OK)
        rc = fpq_io_parse_text(f, err);
    if (rc != FPQ_OK)
        fpq_io_close(f);
    return rc;
}
