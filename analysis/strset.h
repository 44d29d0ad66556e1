/* strset.h: a set of strings (open addressing, FNV-1a hashes), for telling
 * whether a string was met before; and a name's place in a fixed list. */
#ifndef FPQ_STRSET_H
#define FPQ_STRSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fpq_strset {
    char **slot;    /* cap slots, NULL or an owned string */
    size_t cap, n;  /* cap a power of 2 (or 0), at least twice n */
} fpq_strset;

#define FPQ_STRSET_INIT {NULL, 0, 0}

/* Insert s (malloc'ed; the set takes it over in every case: it is freed
 * when it was there already or memory ran out).  *found tells whether it
 * was there.  FPQ_OK or FPQ_ERR_NO_MEMORY. */
int fpq_strset_add(fpq_strset *S, char *s, bool *found);

void fpq_strset_free(fpq_strset *S);

/* The index of name in names[0 .. n-1], compared ignoring case (the first
 * that matches), or -1 when none does or name is NULL. */
long fpq_name_index(const char *const *names, size_t n, const char *name);

#endif
