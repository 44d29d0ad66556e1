/* cmd_matmul.c: `fpq matmul X W` -- a quantized matrix product and its
 * error against the exact one (matmul.h).
 *
 * The spec flags of fpq quant, prefixed per operand (--x-format,
 * --w-granularity, ...; qspec_opts.c); an operand without flags stays exact.
 * --help to stdout (exit 0), misuse to stderr (exit 2), bad data exit 1;
 * every spec is checked before any data is read. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "source.h"

#define CMD "matmul"

static void matmul_help(FILE *f)
{
    fpq_mm_spec d;
    fpq_mm_spec_default(&d);
    fprintf(f,
            "Usage: fpq matmul [OPTIONS] X W\n"
            "\n"
            "The product Y = X W of X (tokens x features) and W (features x outputs),\n"
            "each a tensor file, FILE::NAME or generator spec (see 'fpq gen --help'),\n"
            "with the operands quantized, against the exact product.\n"
            "\n"
            "Operands (every spec flag of 'fpq quant', prefixed by x- or w-):\n"
            "  --x-format F, --x-granularity tensor|row|col|group, --x-group N, --x-axis,\n"
            "  --x-scheme, --x-scale-format, --x-scale-round, --x-range, --x-round, ...\n"
            "  --w-format F, --w-granularity ..., --w-group N --w-axis 0 (groups along\n"
            "                           the input dimension), ...\n"
            "                           An operand without flags stays exact.  X per token\n"
            "                           is row; W per output channel is col.\n"
            "  --scheme llm.int8        LLM.int8: feature dims where any |x| >= T go in\n"
            "                           --kept-format (default %s) with an fp32 accumulator,\n"
            "                           the rest int8 (X per row, W per col unless --x-*,\n"
            "                           --w-* say otherwise), the two products added\n"
            "  --threshold T            its threshold (default %g)\n"
            "  --kept-format F\n"
            "Product:\n"
            "  --in F                   round the dequantized operands into F first\n"
            "                           (fp16, bf16, fp32, ...; default: no rounding)\n"
            "  --acc F|exact            float accumulator (default: exact for dequantized\n"
            "                           operands; fp32 for float codes and the kept part)\n"
            "  --int-acc int32|int64    integer accumulator (default int32, wraps; the\n"
            "                           wrapped partial sums are counted)\n"
            "  --calibrate SRC          static activation scales (and LLM.int8 dims) from\n"
            "                           the calibration X, applied to X (clipping counted);\n"
            "                           per-row scales need X's rows, except in LLM.int8,\n"
            "                           where they stay the token's own; rows of a file:\n"
            "                           FILE[A:B]\n"
            "Output:\n"
            "  -o, --out Y.npy          write the quantized product\n"
            "      --csv                a header and one row: the spec columns, then\n"
            "                           rel_err, sqnr_db, max_abs_err, outlier_frac,\n"
            "                           bits_per_value_x, bits_per_value_w, clipped_frac_x,\n"
            "                           clipped_frac_w, int_overflows\n"
            "      --row-errors         also print the relative error of each row of Y\n"
            "  -h, --help               show this help and exit\n"
            "\n"
            "Paths: int (integer codes, X per tensor/row, W per tensor/col, absmax: exact\n"
            "integer sums, rescaled once), codes (the same with float codes, e.g. fp8),\n"
            "dequant (anything else: X^ W^ in --in with --acc).  rel_err is\n"
            "||Y^ - Y||_F / ||Y||_F; sqnr_db = -20 log10(rel_err).\n"
            "\n"
            "Examples:\n"
            "  fpq matmul --x-format int8 --x-granularity row --w-format int8 \\\n"
            "      --w-granularity col 'outliers:rows=64,cols=512,frac=0.01,scale=20,seed=1' \\\n"
            "      'normal:rows=512,cols=128,std=0.05,seed=2'\n"
            "  fpq matmul --scheme llm.int8 --threshold 6 x.npy w.npy --csv\n"
            "  fpq matmul --w-format int4 --w-group 128 --w-axis 0 --in fp16 --acc fp32 x.npy w.npy\n"
            "\n"
            "Exit status: %d ok, %d bad data or a read/write failure, %d usage error.\n",
            d.kept.name, d.threshold, CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
}

enum {
    OPT_SCHEME = 256, OPT_THRESHOLD, OPT_KEPT, OPT_IN, OPT_ACC, OPT_INT_ACC, OPT_CALIBRATE, OPT_CSV, OPT_ROWERR,
    OPT_X = 512,                /* OPT_X + CLI_QO_*: --x-... */
    OPT_W = OPT_X + CLI_QO_COUNT /* --w-... */
};

static void num(char *buf, size_t n, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (!isfinite(v) || strtod(buf, NULL) == v)
            return;
    }
}

/* The spec cells of one operand: format, scheme, granularity, group, axis,
 * scale_format, range ("exact" and empty cells when not quantized). */
#define OPERAND_COLS 7
static void operand_cells(cli_grid *g, bool quant, const fpq_qspec *s)
{
    if (!quant) {
        cli_grid_add(g, "exact");
        for (int k = 1; k < OPERAND_COLS; k++)
            cli_grid_add(g, "");
        return;
    }
    cli_grid_add(g, s->format.name);
    cli_grid_add(g, fpq_scheme_name(s->scheme));
    cli_grid_add(g, fpq_gran_name(s->granularity));
    bool grouped = s->granularity == FPQ_GRAN_GROUP;
    if (grouped) {
        cli_grid_addf(g, "%zu", s->group);
        cli_grid_addf(g, "%u", s->axis);
    } else {
        cli_grid_add(g, "");
        cli_grid_add(g, "");
    }
    cli_grid_add(g, s->scale_exact ? "exact" : s->scale_format.name);
    char rg[64];
    fpq_range_describe(rg, sizeof rg, s);
    cli_grid_add(g, rg);
}

static const char *const operand_names[OPERAND_COLS] = {"format", "scheme", "granularity", "group", "axis",
                                                        "scale_format", "range"};

static void describe(char *buf, size_t n, bool quant, const fpq_qspec *s)
{
    if (!quant) {
        snprintf(buf, n, "exact");
        return;
    }
    char rg[64];
    fpq_range_describe(rg, sizeof rg, s);
    if (s->granularity == FPQ_GRAN_GROUP)
        snprintf(buf, n, "%s %s group %zu axis %u, %s scale, range %s", s->format.name, fpq_scheme_name(s->scheme),
                 s->group, s->axis, s->scale_exact ? "exact" : s->scale_format.name, rg);
    else
        snprintf(buf, n, "%s %s per %s, %s scale, range %s", s->format.name, fpq_scheme_name(s->scheme),
                 fpq_gran_name(s->granularity), s->scale_exact ? "exact" : s->scale_format.name, rg);
}

int cli_matmul_main(int argc, char **argv)
{
    /* the long options: our own, then every spec flag twice, prefixed */
    static const struct option own[] = {
        {"scheme", required_argument, NULL, OPT_SCHEME},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"kept-format", required_argument, NULL, OPT_KEPT},
        {"in", required_argument, NULL, OPT_IN},
        {"acc", required_argument, NULL, OPT_ACC},
        {"int-acc", required_argument, NULL, OPT_INT_ACC},
        {"calibrate", required_argument, NULL, OPT_CALIBRATE},
        {"csv", no_argument, NULL, OPT_CSV},
        {"row-errors", no_argument, NULL, OPT_ROWERR},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
    };
    enum { NOWN = sizeof own / sizeof own[0] };
    struct option opts[NOWN + 2 * CLI_QO_COUNT + 1];
    char names[2 * CLI_QO_COUNT][40];
    memcpy(opts, own, sizeof own);
    for (int p = 0; p < 2; p++)
        for (int q = 0; q < CLI_QO_COUNT; q++) {
            char *nm = names[p * CLI_QO_COUNT + q];
            snprintf(nm, sizeof names[0], "%c-%s", p ? 'w' : 'x', cli_qspec_optnames[q].name);
            opts[NOWN + p * CLI_QO_COUNT + q] = (struct option){
                nm, cli_qspec_optnames[q].has_arg ? required_argument : no_argument, NULL,
                (p ? OPT_W : OPT_X) + q};
        }
    opts[NOWN + 2 * CLI_QO_COUNT] = (struct option){NULL, 0, NULL, 0};

    cli_qspec_opts xo, wo;
    memset(&xo, 0, sizeof xo);
    memset(&wo, 0, sizeof wo);
    const char *ops[2] = {NULL, NULL}, *scheme = NULL, *threshold = NULL, *kept = NULL, *in = NULL, *acc = NULL,
               *int_acc = NULL, *calibrate = NULL, *out = NULL;
    bool csv = false, rowerr = false;
    int nops = 0, rc = CLI_EXIT_OK, c;
    opterr = 0;
    optind = 1;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:o:h", opts, NULL)) != -1) {
        if (c >= OPT_X && c < OPT_X + CLI_QO_COUNT) {
            cli_qspec_opts_set(&xo, c - OPT_X, optarg);
            continue;
        }
        if (c >= OPT_W && c < OPT_W + CLI_QO_COUNT) {
            cli_qspec_opts_set(&wo, c - OPT_W, optarg);
            continue;
        }
        switch (c) {
        case 1:
            if (nops == 2)
                rc = cli_usage_error(CMD, "unexpected operand '%s' (two: X and W)", optarg);
            else
                ops[nops++] = optarg;
            break;
        case OPT_SCHEME: scheme = optarg; break;
        case OPT_THRESHOLD: threshold = optarg; break;
        case OPT_KEPT: kept = optarg; break;
        case OPT_IN: in = optarg; break;
        case OPT_ACC: acc = optarg; break;
        case OPT_INT_ACC: int_acc = optarg; break;
        case OPT_CALIBRATE: calibrate = optarg; break;
        case OPT_CSV: csv = true; break;
        case OPT_ROWERR: rowerr = true; break;
        case 'o': out = optarg; break;
        case 'h': matmul_help(stdout); return CLI_EXIT_OK;
        case ':': rc = cli_usage_error(CMD, "option '%s' needs an argument", argv[optind - 1]); break;
        default: rc = cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]); break;
        }
    }
    if (rc != CLI_EXIT_OK)
        return rc;
    if (nops != 2)
        return cli_usage_error(CMD, "missing %s (X tokens x features, W features x outputs)", nops ? "W" : "X and W");

    fpq_mm_spec s;
    fpq_mm_spec_default(&s);
    if (scheme) {
        if (strcmp(scheme, "llm.int8") == 0 || strcmp(scheme, "llm_int8") == 0)
            fpq_mm_spec_llm_int8(&s, s.threshold);
        else if (strcmp(scheme, "plain") != 0)
            return cli_usage_error(CMD, "unknown scheme '%s' (llm.int8 or plain)", scheme);
    }
    if (threshold) {
        char *end;
        s.threshold = strtod(threshold, &end);
        if (end == threshold || *end || !(s.threshold > 0) || !isfinite(s.threshold))
            return cli_usage_error(CMD, "bad threshold '%s' (a positive number, e.g. 6)", threshold);
        if (!s.llm_int8)
            return cli_usage_error(CMD, "--threshold applies to --scheme llm.int8");
    }
    if (kept) {
        if (!s.llm_int8)
            return cli_usage_error(CMD, "--kept-format applies to --scheme llm.int8");
        if ((rc = cli_format(&s.kept, CMD, kept)) != CLI_EXIT_OK)
            return rc;
    }
    /* an operand with flags is quantized; llm.int8 quantizes both (int8) */
    if (xo.any) {
        if ((rc = cli_qspec_build(&s.x, CMD, &xo)) != CLI_EXIT_OK)
            return rc;
        s.quant_x = true;
        if (s.llm_int8 && !xo.gran && !xo.group) /* vector-wise stays the default */
            s.x.granularity = FPQ_GRAN_ROW;
    }
    if (wo.any) {
        if ((rc = cli_qspec_build(&s.w, CMD, &wo)) != CLI_EXIT_OK)
            return rc;
        s.quant_w = true;
        if (s.llm_int8 && !wo.gran && !wo.group)
            s.w.granularity = FPQ_GRAN_COL;
    }
    if (in) {
        if ((rc = cli_format(&s.in, CMD, in)) != CLI_EXIT_OK)
            return rc;
        s.has_in = true;
    }
    if (acc && strcmp(acc, "exact") != 0) {
        if ((rc = cli_format(&s.acc, CMD, acc)) != CLI_EXIT_OK)
            return rc;
        s.has_acc = true;
    }
    if (int_acc) {
        if (strcmp(int_acc, "int64") == 0)
            s.int_acc64 = true;
        else if (strcmp(int_acc, "int32") != 0)
            return cli_usage_error(CMD, "unknown integer accumulator '%s' (int32 or int64)", int_acc);
    }
    fpq_errbuf e = {""};
    if (fpq_mm_spec_validate(&s, &e) != FPQ_OK)
        return cli_usage_error(CMD, "%s", e.msg);

    fpq_tensor x = FPQ_TENSOR_INIT, w = FPQ_TENSOR_INIT, cal = FPQ_TENSOR_INIT, y = FPQ_TENSOR_INIT;
    double *re = NULL;
    if ((rc = cli_load_source(&x, CMD, ops[0], "X: ")) != CLI_EXIT_OK
        || (rc = cli_load_source(&w, CMD, ops[1], "W: ")) != CLI_EXIT_OK
        || (calibrate && (rc = cli_load_source(&cal, CMD, calibrate, "calibration X: ")) != CLI_EXIT_OK))
        goto done;
    re = cli_xmalloc((x.rows ? x.rows : 1) * sizeof *re);
    fpq_mm_metrics m;
    int st = fpq_matmul(&y, &m, re, &x, &w, calibrate ? &cal : NULL, &s, &e);
    if (st == FPQ_LAB_ERR_SPEC || st == FPQ_ERR_ARG) {
        rc = cli_usage_error(CMD, "%s", e.msg);
        goto done;
    }
    if (st != FPQ_OK) {
        cli_error("%s", e.msg[0] ? e.msg : fpq_lab_strerror(st));
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if (out && fpq_npy_write(out, &y, 0, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    char b[6][40];
    num(b[0], sizeof b[0], m.rel_err);
    num(b[1], sizeof b[1], m.sqnr_db);
    num(b[2], sizeof b[2], m.max_abs_err);
    num(b[3], sizeof b[3], m.outlier_frac);
    num(b[4], sizeof b[4], m.bits_x);
    num(b[5], sizeof b[5], m.bits_w);
    char accname[40];
    snprintf(accname, sizeof accname, "%s",
             m.path == FPQ_MM_PATH_INT ? (s.int_acc64 ? "int64" : "int32")
             : s.has_acc              ? s.acc.name
             : m.path == FPQ_MM_PATH_CODES ? "fp32"
                                           : "exact");
    if (csv) {
        static const char *const head[] = {"x", "w", "rows", "k", "cols"};
        static const char *const tail[] = {"scheme", "threshold", "kept_format", "in", "acc", "calibrate", "path",
                                           "rel_err", "sqnr_db", "max_abs_err", "outlier_frac",
                                           "bits_per_value_x", "bits_per_value_w", "clipped_frac_x",
                                           "clipped_frac_w", "int_overflows"};
        size_t nh = sizeof head / sizeof head[0], nt = sizeof tail / sizeof tail[0];
        cli_grid g;
        cli_grid_init(&g, nh + 2 * OPERAND_COLS + nt);
        for (size_t k = 0; k < nh; k++)
            cli_grid_add(&g, head[k]);
        for (int p = 0; p < 2; p++)
            for (int k = 0; k < OPERAND_COLS; k++)
                cli_grid_addf(&g, "%c_%s", p ? 'w' : 'x', operand_names[k]);
        for (size_t k = 0; k < nt; k++)
            cli_grid_add(&g, tail[k]);
        cli_grid_add(&g, ops[0]);
        cli_grid_add(&g, ops[1]);
        cli_grid_addf(&g, "%zu", x.rows);
        cli_grid_addf(&g, "%zu", x.cols);
        cli_grid_addf(&g, "%zu", w.cols);
        operand_cells(&g, s.quant_x, &s.x);
        operand_cells(&g, s.quant_w, &s.w);
        cli_grid_add(&g, s.llm_int8 ? "llm.int8" : "plain");
        if (s.llm_int8)
            cli_grid_addf(&g, "%g", s.threshold), cli_grid_add(&g, s.kept.name);
        else
            cli_grid_add(&g, ""), cli_grid_add(&g, "");
        cli_grid_add(&g, s.has_in ? s.in.name : "");
        cli_grid_add(&g, accname);
        cli_grid_add(&g, calibrate ? calibrate : "");
        cli_grid_add(&g, fpq_mm_path_name(m.path));
        for (int k = 0; k < 6; k++)
            cli_grid_add(&g, b[k]);
        char c1[40], c2[40];
        num(c1, sizeof c1, m.clipped_frac_x);
        num(c2, sizeof c2, m.clipped_frac_w);
        cli_grid_add(&g, c1);
        cli_grid_add(&g, c2);
        cli_grid_addf(&g, "%zu", m.int_overflows);
        cli_grid_print(&g, stdout, true, NULL);
        cli_grid_free(&g);
    } else {
        char dx[160], dw[160];
        describe(dx, sizeof dx, s.quant_x, &s.x);
        describe(dw, sizeof dw, s.quant_w, &s.w);
        printf("X: %s (%zu x %zu): %s%s\n", ops[0], x.rows, x.cols, dx,
               s.quant_x ? (calibrate ? ", static" : ", dynamic") : "");
        if (calibrate)
            printf("calibrated on: %s\n", calibrate);
        printf("W: %s (%zu x %zu): %s\n", ops[1], w.rows, w.cols, dw);
        if (s.llm_int8)
            printf("LLM.int8: %zu of %zu feature dims with |x| >= %g in %s\n", m.outlier_dims, x.cols, s.threshold,
                   s.kept.name);
        printf("product: %s, accumulator %s%s%s\n", fpq_mm_path_name(m.path), accname, s.has_in ? ", operands in " : "",
               s.has_in ? s.in.name : "");
        printf("rel_err           %s\n", b[0]);
        printf("sqnr_db           %s\n", b[1]);
        printf("max_abs_err       %s\n", b[2]);
        printf("outlier_frac      %s\n", b[3]);
        printf("bits_per_value_x  %s\n", b[4]);
        printf("bits_per_value_w  %s\n", b[5]);
        printf("clipped_frac_x    %.6g\n", m.clipped_frac_x);
        if (m.int_overflows)
            printf("int32 overflows   %zu\n", m.int_overflows);
    }
    if (rowerr)
        for (size_t i = 0; i < x.rows; i++) {
            char r[40];
            num(r, sizeof r, re[i]);
            printf("row %zu rel_err %s\n", i, r);
        }

done:
    free(re);
    fpq_tensor_free(&x), fpq_tensor_free(&w), fpq_tensor_free(&cal), fpq_tensor_free(&y);
    return rc;
}
