/* grid.c: rows of text cells printed as aligned columns or as CSV. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_grid_init(cli_grid *g, size_t ncols)
{
    g->ncols = ncols;
    g->ncells = 0;
    g->cap = 0;
    g->cells = NULL;
}

void cli_grid_add(cli_grid *g, const char *text)
{
    if (g->ncells == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->cells = cli_xrealloc(g->cells, g->cap * sizeof *g->cells);
    }
    size_t len = strlen(text);
    char *copy = cli_xmalloc(len + 1);
    memcpy(copy, text, len + 1);
    g->cells[g->ncells++] = copy;
}

void cli_grid_addf(cli_grid *g, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cli_grid_add(g, buf);
}

/* A CSV field, quoted (RFC 4180) when it holds a comma, quote or newline. */
static void put_csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void cli_grid_print(const cli_grid *g, FILE *f, bool csv, const char *indent)
{
    size_t nc = g->ncols;
    size_t *width = cli_xmalloc(nc * sizeof *width);
    for (size_t c = 0; c < nc; c++)
        width[c] = 0;
    for (size_t i = 0; i < g->ncells; i++) {
        size_t len = strlen(g->cells[i]);
        if (len > width[i % nc])
            width[i % nc] = len;
    }
    for (size_t i = 0; i < g->ncells; i++) {
        size_t c = i % nc;
        const char *s = g->cells[i];
        bool last = c == nc - 1 || i == g->ncells - 1;
        if (!csv && c == 0 && indent)
            fputs(indent, f);
        if (!csv && !last) { /* no padding before empty cells at a row's end */
            bool rest_empty = true;
            for (size_t j = i + 1; j < g->ncells && j % nc != 0; j++)
                rest_empty = rest_empty && g->cells[j][0] == '\0';
            if (rest_empty) {
                fprintf(f, "%s\n", s);
                i += nc - 1 - c;
                continue;
            }
        }
        if (csv) {
            put_csv_field(f, s);
            fputc(last ? '\n' : ',', f);
        } else {
            if (last)
                fprintf(f, "%s\n", s);
            else
                fprintf(f, "%-*s  ", (int)width[c], s);
        }
    }
    free(width);
}

void cli_grid_free(cli_grid *g)
{
    for (size_t i = 0; i < g->ncells; i++)
        free(g->cells[i]);
    free(g->cells);
    g->cells = NULL;
    g->ncells = g->cap = 0;
}
