/* row.c: the CSV columns of a sweep, its header and its rows (sweep.h):
 * a cell's inputs, then the metrics of fpq_quantize (quant) or fpq_cast
 * (cast). */
#include "sweep-impl.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "dtoa.h"

/* Metric columns after quant.h's (which hold the fractions clipped, flushed
 * to zero, overflowed and NaN in both modes): quant adds the chosen clip
 * ratio and the values per scale unit (n / units), cast the fraction that
 * landed in subnormals. */
static const char *const quant_metric_names[] = {"clip_ratio", "unit_values"};
static const char *const cast_metric_names[] = {"subnormal_frac"};
#define NQUANT_EXTRA NELEM(quant_metric_names)
#define NCAST_EXTRA NELEM(cast_metric_names)

static size_t nextra(fpq_sweep_mode m)
{
    return m == FPQ_SWEEP_CAST ? NCAST_EXTRA : NQUANT_EXTRA;
}

size_t sweep_nmetrics(fpq_sweep_mode m)
{
    return FPQ_QMETRIC_COUNT + nextra(m);
}

const char *sweep_metric_name(fpq_sweep_mode m, size_t i)
{
    if (i < FPQ_QMETRIC_COUNT)
        return fpq_qmetric_names[i];
    i -= FPQ_QMETRIC_COUNT;
    if (i >= nextra(m))
        return "?";
    return m == FPQ_SWEEP_CAST ? cast_metric_names[i] : quant_metric_names[i];
}

/* The axes with a column after label and source. */
static bool axis_column(unsigned a, fpq_sweep_mode m)
{
    return a != FPQ_AX_SOURCE && a != FPQ_AX_LABEL && fpq_sweep_axis_in_mode((fpq_sweep_axis)a, m);
}

size_t sweep_ninputs(fpq_sweep_mode m)
{
    size_t k = 1 + 5; /* cell, label, source, n, rows, cols */
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        k += axis_column(a, m);
    return k;
}

void sweep_header_into(fpq_strbuf *b, fpq_sweep_mode m)
{
    fpq_sb_puts(b, "cell,label,source,n,rows,cols");
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (axis_column(a, m))
            fpq_sb_printf(b, ",%s", fpq_sweep_axis_key((fpq_sweep_axis)a));
    for (size_t i = 0; i < sweep_nmetrics(m); i++)
        fpq_sb_printf(b, ",%s", sweep_metric_name(m, i));
}

size_t fpq_sweep_header(char *buf, size_t n, fpq_sweep_mode mode)
{
    fpq_strbuf b = FPQ_STRBUF_INIT;
    sweep_header_into(&b, mode);
    return fpq_sb_finish(&b, buf, n);
}

void sweep_inputs_into(fpq_strbuf *b, fpq_sweep_mode m, size_t k, const fpq_sweep_cell *c, const fpq_tensor *x)
{
    fpq_sb_printf(b, "%zu,", k);
    fpq_csv_put(b, c->in[FPQ_AX_LABEL]);
    fpq_sb_putc(b, ',');
    fpq_csv_put(b, c->in[FPQ_AX_SOURCE]);
    fpq_sb_printf(b, ",%zu,%zu,%zu", x->rows * x->cols, x->rows, x->cols);
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++)
        if (axis_column(a, m)) {
            fpq_sb_putc(b, ',');
            fpq_csv_put(b, c->in[a]);
        }
}

size_t fpq_sweep_fmt_double(char *buf, size_t n, double x)
{
    return fpq_dtoa_digits(buf, n, x);
}

int fpq_sweep_cell_row(char **row, const fpq_sweep_plan *p, size_t k, const fpq_tensor *x,
                       const fpq_tensor *calib, fpq_errbuf *err)
{
    *row = NULL;
    fpq_sweep_cell cell;
    int rc = fpq_sweep_plan_cell(&cell, p, k, err);
    if (rc == FPQ_OK)
        rc = sweep_cell_row(row, p->mode, k, &cell, x, calib, err);
    fpq_sweep_cell_free(&cell);
    return rc;
}

int sweep_cell_row(char **row, fpq_sweep_mode mode, size_t k, const fpq_sweep_cell *c, const fpq_tensor *x,
                   const fpq_tensor *calib, fpq_errbuf *err)
{
    *row = NULL;
    fpq_qmetrics m;
    double extra[NCAST_EXTRA > NQUANT_EXTRA ? NCAST_EXTRA : NQUANT_EXTRA] = {0};
    int rc;
    memset(&m, 0, sizeof m);
    if (mode == FPQ_SWEEP_CAST) {
        fpq_cast_stats st;
        if ((rc = fpq_cast(NULL, &m, &st, x, &c->cast, err)) != FPQ_OK)
            return rc;
        extra[0] = st.subnormal_frac;
    } else {
        rc = c->method == FPQ_WMETHOD_RTN ? fpq_quantize(NULL, &m, x, calib, &c->spec, err)
                                          : fpq_quantize_method(NULL, &m, x, c->method == FPQ_WMETHOD_GPTQ ? calib : NULL,
                                                                &c->spec, c->method, err);
        if (rc != FPQ_OK)
            return rc;
        extra[0] = m.clip_ratio;
        extra[1] = m.units ? (double)m.n / (double)m.units : (double)m.n;
    }
    fpq_strbuf b = FPQ_STRBUF_INIT;
    sweep_inputs_into(&b, mode, k, c, x);
    for (size_t i = 0; i < sweep_nmetrics(mode); i++) {
        char t[40];
        fpq_dtoa_digits(t, sizeof t, i < FPQ_QMETRIC_COUNT ? fpq_qmetric(&m, i) : extra[i - FPQ_QMETRIC_COUNT]);
        fpq_sb_printf(&b, ",%s", t);
    }
    fpq_sb_putc(&b, '\n');
    if (!(*row = fpq_sb_take(&b)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    return FPQ_OK;
}
