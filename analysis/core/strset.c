/* strset.c: a set of strings, a name's place in a list (strset.h). */
#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fpq.h"

/* FNV-1a, 64 bits. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h;
}

/* Double the table (or make the first one). */
static int grow(fpq_strset *S)
{
    size_t nc = S->cap ? S->cap * 2 : 256;
    char **ns = calloc(nc, sizeof *ns);
    if (!ns)
        return FPQ_ERR_NO_MEMORY;
    for (size_t i = 0; i < S->cap; i++)
        if (S->slot[i]) {
            size_t j = hash_str(S->slot[i]) & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = S->slot[i];
        }
    free(S->slot);
    S->slot = ns;
    S->cap = nc;
    return FPQ_OK;
}

int fpq_strset_add(fpq_strset *S, char *s, bool *found)
{
    *found = false;
    if (2 * (S->n + 1) > S->cap && grow(S) != FPQ_OK) {
        free(s);
        return FPQ_ERR_NO_MEMORY;
    }
    size_t j = hash_str(s) & (S->cap - 1);
    while (S->slot[j]) {
        if (strcmp(S->slot[j], s) == 0) {
            *found = true;
            free(s);
            return FPQ_OK;
        }
        j = (j + 1) & (S->cap - 1);
    }
    S->slot[j] = s;
    S->n++;
    return FPQ_OK;
}

void fpq_strset_free(fpq_strset *S)
{
    for (size_t i = 0; i < S->cap; i++)
        free(S->slot[i]);
    free(S->slot);
    *S = (fpq_strset)FPQ_STRSET_INIT;
}

long fpq_name_index(const char *const *names, size_t n, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(name, names[i]) == 0)
            return (long)i;
    return -1;
}
