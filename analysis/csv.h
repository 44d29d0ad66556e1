/* csv.h: CSV fields (RFC 4180): writing one, splitting a line into them.
 *
 * Not supported: quoted fields that span lines (a line is split alone).
 */
#ifndef FPQ_CSV_H
#define FPQ_CSV_H

#include <stddef.h>

#include "strbuf.h"

/* Append s as one field: in double quotes, with its quotes doubled, when it
 * holds a comma, a quote, CR or LF, or starts or ends with a space; as is
 * otherwise. */
void fpq_csv_put(fpq_strbuf *b, const char *s);

/* The fields of a line.  Their memory is reused from one split to the next. */
typedef struct fpq_csv_fields {
    char **v;    /* v[0 .. n): the fields, unquoted, pointing into store */
    size_t n;
    size_t cap;  /* room in v */
    char *store; /* the fields' text */
} fpq_csv_fields;

#define FPQ_CSV_FIELDS_INIT {NULL, 0, 0, NULL}

/* Split one line (without its newline) into f.  Returns the number of
 * fields (f->n), or 0 for a malformed quote (a quote inside an unquoted
 * field, an unterminated quoted field, or text after its closing quote)
 * or when memory ran out. */
size_t fpq_csv_split(fpq_csv_fields *f, const char *line);

void fpq_csv_fields_free(fpq_csv_fields *f);

#endif
