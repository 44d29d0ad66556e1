/* dtoa.c: doubles as decimal text that reads back exactly (dtoa.h). */
#include "dtoa.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of x: with shortest false, "%.Ng" with the least N that reads
 * back; with shortest true, the shortest such text (the least N among
 * equals). */
static size_t dtoa(char *buf, size_t n, double x, bool shortest)
{
    int len;
    if (isnan(x))
        len = snprintf(buf, n, "nan");
    else if (isinf(x))
        len = snprintf(buf, n, x < 0 ? "-inf" : "inf");
    else {
        char best[40] = "", tmp[40];
        for (int p = 1; p <= 17; p++) {
            snprintf(tmp, sizeof tmp, "%.*g", p, x);
            if (strtod(tmp, NULL) != x && p < 17)
                continue;
            if (!best[0] || strlen(tmp) < strlen(best))
                memcpy(best, tmp, sizeof best);
            if (!shortest)
                break;
        }
        len = snprintf(buf, n, "%s", best);
    }
    return len < 0 ? 0 : (size_t)len;
}

size_t fpq_dtoa_digits(char *buf, size_t n, double x)
{
    return dtoa(buf, n, x, false);
}

size_t fpq_dtoa_shortest(char *buf, size_t n, double x)
{
    return dtoa(buf, n, x, true);
}
