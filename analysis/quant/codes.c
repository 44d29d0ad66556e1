/* codes.c: what a quantizer stores -- the codes of element values
 * (fpq_qcodes) and the release of fpq_quantize_parts' results. */
#include "quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int fpq_qcodes(int64_t *codes, const double *v, size_t n, const fpq_format *f)
{
    if (f->kind == FPQ_KIND_INT) {
        for (size_t i = 0; i < n; i++)
            codes[i] = (int64_t)nearbyint(v[i]);
        return FPQ_OK;
    }
    void *packed = malloc(fpq_packed_size(f, n) + 1);
    if (!packed)
        return FPQ_ERR_NO_MEMORY;
    fpq_rounding r;
    fpq_rounding_default(&r);
    int st = fpq_encode_f64(packed, v, n, f, &r);
    if (st == FPQ_OK)
        st = fpq_unpack((uint64_t *)codes, packed, 0, n, f);
    free(packed);
    return st;
}

void fpq_qparts_free(fpq_qparts *p)
{
    if (!p)
        return;
    free(p->codes);
    fpq_tensor_free(&p->scales);
    fpq_tensor_free(&p->zero_points);
    memset(p, 0, sizeof *p);
}
