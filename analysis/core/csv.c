/* csv.c: CSV fields (csv.h). */
#include "csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void fpq_csv_put(fpq_strbuf *b, const char *s)
{
    size_t n = strlen(s);
    bool q = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!q) {
        fpq_sb_putn(b, s, n);
        return;
    }
    fpq_sb_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fpq_sb_putc(b, '"');
        fpq_sb_putc(b, *p);
    }
    fpq_sb_putc(b, '"');
}

/* Room for one more field pointer. */
static bool grow(fpq_csv_fields *f)
{
    if (f->n < f->cap)
        return true;
    size_t nc = f->cap ? f->cap * 2 : 64;
    char **g = realloc(f->v, nc * sizeof *g);
    if (!g)
        return false;
    f->v = g;
    f->cap = nc;
    return true;
}

size_t fpq_csv_split(fpq_csv_fields *f, const char *line)
{
    f->n = 0;
    char *s = realloc(f->store, strlen(line) + 1);
    if (!s)
        return 0;
    f->store = s;
    size_t o = 0;
    const char *p = line;
    for (;;) {
        if (!grow(f))
            return f->n = 0;
        f->v[f->n++] = s + o;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return f->n = 0; /* unterminated */
                if (*p == '"') {
                    if (p[1] == '"') {
                        s[o++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                s[o++] = *p++;
            }
            if (*p != ',' && *p != '\0')
                return f->n = 0;
        } else {
            while (*p && *p != ',') {
                if (*p == '"')
                    return f->n = 0;
                s[o++] = *p++;
            }
        }
        s[o++] = '\0';
        if (*p == '\0')
            return f->n;
        p++; /* the comma */
    }
}

void fpq_csv_fields_free(fpq_csv_fields *f)
{
    free(f->v);
    free(f->store);
    *f = (fpq_csv_fields)FPQ_CSV_FIELDS_INIT;
}
