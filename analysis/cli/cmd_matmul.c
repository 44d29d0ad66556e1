/* cmd_matmul.c: `fpq matmul X W` -- a quantized matrix product and its
 * error against the exact one (matmul.h).
 *
 * Reads its command line through the option layer (opt.h): the spec
 * options of fpq quant (qspec_opts.c) once per operand, prefixed (--x-format,
 * --w-granularity, ...); an operand without them stays exact.  --help to
 * stdout (exit 0), misuse to stderr (exit 2), bad data exit 1; every spec is
 * checked before any data is read. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "method.h"
#include "commands.h"
#include "qspec_opts.h"
#include "source.h"

#define CMD "matmul"

enum {
    OPT_CALIBRATE = 1, OPT_ROWERR, OPT_WMETHOD, OPT_DAMP, OPT_BLOCK, OPT_ACTORDER,
    OPT_HQQ_P, OPT_HQQ_BETA, OPT_HQQ_KAPPA, OPT_HQQ_ITERS, OPT_ROTATE, OPT_SMOOTH,
    OPT_X = 100, /* OPT_X + k: the spec option k of cli_qspec_options, --x-... */
    OPT_W = 200  /* --w-... */
};

static const cli_opt matmul_calibrate[] = {
    {OPT_CALIBRATE, 0, "calibrate", "SRC",
     "static activation scales (and LLM.int8 dims) from\n"
     "the calibration X, applied to X (clipping counted);\n"
     "per-row (per-token) scales stay the token's own\n"
     "unless it has X's rows (not in LLM.int8); also the\n"
     "activations of gptq and --smooth; rows of a file:\n"
     "FILE[A:B]"},
    {0},
};

static const cli_opt matmul_method[] = {
    {OPT_WMETHOD, 0, "w-method", "M",
     "rtn (default: round to nearest), gptq (GPTQ,\n"
     "Frantar et al. 2022: H = X^T X of --calibrate's X,\n"
     "else of X itself: in-sample) or hqq (HQQ, Badri\n"
     "and Shaji 2023: each unit's zero-point optimized\n"
     "for the lp error of W, no calibration; needs\n"
     "--w-scheme zeropoint), under W's spec"},
    {OPT_DAMP, 0, "damp", "D", "gptq: dampening, D x mean diag H (default 0.01)"},
    {OPT_BLOCK, 0, "block", "B", "gptq: lazy-update block of B features (default 128)"},
    {OPT_ACTORDER, 0, "act-order", NULL, "gptq: features in order of decreasing diag H"},
    {OPT_HQQ_P, 0, "hqq-p", "P", "hqq: the lp norm, 0 < P <= 1 (default 0.7)"},
    {OPT_HQQ_BETA, 0, "hqq-beta", "B", "hqq: initial beta of the shrinkage (default 10)"},
    {OPT_HQQ_KAPPA, 0, "hqq-kappa", "K", "hqq: beta's growth per update, >= 1 (default 1.01)"},
    {OPT_HQQ_ITERS, 0, "hqq-iters", "N",
     "hqq: at most N zero-point updates, each kept only\n"
     "while the unit's lp error falls (default 20)"},
    {0},
};

static const cli_opt matmul_transform[] = {
    {OPT_ROTATE, 0, "rotate", "hadamard[:B]",
     "X H and H^T W, H orthonormal Sylvester-Hadamard,\n"
     "block-diagonal with blocks of B (a power of two\n"
     "dividing K; default the largest), in binary64\n"
     "before any quantization"},
    {OPT_SMOOTH, 0, "smooth", "ALPHA",
     "SmoothQuant: X / s and s W, s_j = max|X_j|^ALPHA /\n"
     "max|W_j|^(1-ALPHA) (W_j: row j of W), max|X_j| from\n"
     "--calibrate's X, else X itself (in-sample); before\n"
     "--rotate"},
    {0},
};

static const cli_opt matmul_output[] = {
    CLI_OPT_OUT("Y.npy", "write the quantized product, through a temporary\n"
                         "file renamed into place"),
    CLI_OPT_FORCE("replace an existing Y.npy (refused without it)"),
    CLI_OPT_CSV("a header and one row: the spec columns, then\n"
                "rel_err, sqnr_db, max_abs_err, outlier_frac,\n"
                "bits_per_value_x, bits_per_value_w, clipped_frac_x,\n"
                "clipped_frac_w, int_overflows, w_method, damp,\n"
                "block, act_order, calib_tokens, eval_tokens,\n"
                "overlap_tokens (X rows also in the calibration X),\n"
                "in_sample (yes, partly, no; empty: none used),\n"
                "hqq_p, hqq_beta, hqq_kappa, hqq_iters, rotate\n"
                "(hadamard:B), smooth (alpha)"),
    {OPT_ROWERR, 0, "row-errors", NULL, "also print the relative error of each row of Y"},
    {0},
};

#define MATMUL_NOPTS (2 * CLI_QSPEC_NOPTS + 32)
typedef struct matmul_options {
    cli_mm_tables mm;
    cli_opt all[MATMUL_NOPTS];
} matmul_options;

static void matmul_table(matmul_options *m)
{
    size_t n = 0;
    cli_mm_append(m->all, MATMUL_NOPTS, &n, &m->mm, OPT_X, OPT_W, "W");
    cli_opts_append(m->all, MATMUL_NOPTS, &n, matmul_calibrate);
    cli_opts_append(m->all, MATMUL_NOPTS, &n, matmul_method);
    cli_opts_append(m->all, MATMUL_NOPTS, &n, matmul_transform);
    cli_opts_append(m->all, MATMUL_NOPTS, &n, matmul_output);
}

static void matmul_help(FILE *f)
{
    matmul_options m;
    matmul_table(&m);
    const cli_help_part parts[] = {
        {NULL, m.mm.x.t},
        {NULL, m.mm.w.t},
        {"\nOutlier split:\n", cli_mm_split_options},
        {"\nProduct:\n", cli_mm_product_options},
        {NULL, matmul_calibrate},
        {"\nWeight method:\n", matmul_method},
        {"\nTransforms (the error is against the exact product of X and W):\n", matmul_transform},
        {"\nOutput:\n", matmul_output},
    };
    fprintf(f,
            "Usage: fpq matmul [OPTIONS] X W\n"
            "\n"
            "The product Y = X W of X (tokens x features) and W (features x outputs),\n"
            "each a tensor file, FILE::NAME or generator spec (see 'fpq gen --help'),\n"
            "with the operands quantized, against the exact product.\n"
            "\n"
            "Operands: the spec options of 'fpq quant', one value each, prefixed by x-\n"
            "for X and w- for W.  An operand without them stays exact.  X per token is\n"
            "--x-granularity row; W per output channel --w-granularity col; groups of W\n"
            "along the input dimension --w-axis 0.\n");
    cli_opts_help_parts(f, parts, sizeof parts / sizeof parts[0]);
    fprintf(f,
            "\n"
            "Paths: int (integer codes, X per tensor/row, W per tensor/col, absmax: exact\n"
            "integer sums, rescaled once), codes (the same with float codes, e.g. fp8),\n"
            "dequant (anything else: X^ W^ in --in with --acc).  rel_err is\n"
            "||Y^ - Y||_F / ||Y||_F; sqnr_db = -20 log10(rel_err).\n"
            "\n"
            "Examples:\n"
            "  fpq matmul --x-format int8 --x-granularity row --w-format int8 \\\n"
            "      --w-granularity col \\\n"
            "      'outliers:rows=64,cols=512,frac=0.01,scale=20,seed=1' \\\n"
            "      'normal:rows=512,cols=128,std=0.05,seed=2'\n"
            "  fpq matmul --scheme llm.int8 --threshold 6 x.npy w.npy --csv\n"
            "  fpq matmul --w-format int4 --w-group 128 --w-axis 0 --in fp16 --acc fp32 \\\n"
            "      x.npy w.npy\n"
            "\n"
            "Exit status: %d ok, %d bad data or a read/write failure, %d usage error.\n",
            CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
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
    size_t len = strlen(buf);
    if (fpq_qspec_arith(s) != FPQ_SARITH_EXACT && len < n) /* the quotient, when not the exact one */
    {
        if (s->quotient == FPQ_QUOTIENT_EXACT)
            snprintf(buf + len, n - len, ", scale arithmetic %s", fpq_sarith_name(fpq_qspec_arith(s)));
        else
            snprintf(buf + len, n - len, ", quotient %s in %s", fpq_quotient_name(s->quotient),
                     fpq_sarith_name(fpq_qspec_arith(s)));
    }
}

/* A command line read. */
typedef struct mm_args {
    cli_mm_opts mm; /* --x-..., --w-..., the split and the product */
    const char *ops[2], *calibrate, *out, *wmethod, *rotate;
    int nops;
    fpq_mm_method mt;
    bool csv, rowerr, force, gptq_opt, hqq_opt, smooth;
} mm_args;

/* One argument of the command line into the mm_args ctx (cli_on_arg). */
static int matmul_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    mm_args *a = ctx;
    bool handled;
    int rc = cli_mm_option(p, &a->mm, OPT_X, OPT_W, id, arg, &handled);
    if (handled)
        return rc;
    switch (id) {
    case CLI_HELP: matmul_help(stdout); break;
    case CLI_OPERAND:
        if (a->nops == 2)
            return cli_usage_error(CMD, "unexpected operand '%s' (two: X and W)", arg);
        a->ops[a->nops++] = arg;
        break;
    case OPT_CALIBRATE: a->calibrate = arg; break;
    case OPT_WMETHOD: a->wmethod = arg; break;
    case OPT_DAMP: a->gptq_opt = true; return cli_arg_double(p, arg, 0, DBL_MAX, &a->mt.gptq.damp);
    case OPT_BLOCK: {
        unsigned long long v;
        a->gptq_opt = true;
        int rc = cli_arg_uint(p, arg, 1, 1u << 30, &v);
        a->mt.gptq.block = (size_t)v;
        return rc;
    }
    case OPT_ACTORDER: a->gptq_opt = a->mt.gptq.act_order = true; break;
    case OPT_HQQ_P:
    case OPT_HQQ_BETA: {
        double *v = id == OPT_HQQ_P ? &a->mt.hqq.p : &a->mt.hqq.beta;
        a->hqq_opt = true;
        int rc = cli_arg_double(p, arg, 0, id == OPT_HQQ_P ? 1 : DBL_MAX, v);
        if (rc == CLI_EXIT_OK && *v == 0)
            return cli_usage_error(CMD, "--%s must be above 0", id == OPT_HQQ_P ? "hqq-p" : "hqq-beta");
        return rc;
    }
    case OPT_HQQ_KAPPA: a->hqq_opt = true; return cli_arg_double(p, arg, 1, DBL_MAX, &a->mt.hqq.kappa);
    case OPT_HQQ_ITERS: {
        unsigned long long v;
        a->hqq_opt = true;
        int rc = cli_arg_uint(p, arg, 1, 1u << 20, &v);
        a->mt.hqq.iters = (unsigned)v;
        return rc;
    }
    case OPT_ROTATE: a->rotate = arg; break;
    case OPT_SMOOTH: a->mt.smooth = true; return cli_arg_double(p, arg, 0, 1, &a->mt.alpha);
    case CLI_ID_CSV: a->csv = true; break;
    case OPT_ROWERR: a->rowerr = true; break;
    case CLI_ID_OUT: a->out = arg; break;
    case CLI_ID_FORCE: a->force = true; break;
    }
    return CLI_EXIT_OK;
}

/* Read the command line into *a; CLI_EXIT_OK, CLI_HELP_SHOWN or a reported
 * usage error. */
static int parse(mm_args *a, int argc, char **argv)
{
    matmul_options m;
    matmul_table(&m);
    cli_parser p;
    cli_parser_init(&p, CMD, m.all, argc, argv);
    int rc = cli_parse(&p, matmul_arg, a);
    if (rc == CLI_EXIT_OK && a->nops != 2)
        rc = cli_usage_error(CMD, "missing %s (X tokens x features, W features x outputs)",
                             a->nops ? "W" : "X and W");
    return rc;
}

/* --w-method, its options and --rotate; CLI_EXIT_OK or a reported usage
 * error. */
static int build_method(mm_args *a, const fpq_mm_spec *s)
{
    fpq_mm_method *mt = &a->mt;
    if (a->wmethod && fpq_wmethod_parse(&mt->w_method, a->wmethod) != FPQ_OK)
        return cli_usage_error(CMD, "unknown --w-method '%s' (rtn, gptq or hqq)", a->wmethod);
    const char *name = fpq_wmethod_name(mt->w_method);
    if (a->gptq_opt && mt->w_method != FPQ_WMETHOD_GPTQ)
        return cli_usage_error(CMD, "--damp, --block and --act-order apply to --w-method gptq");
    if (a->hqq_opt && mt->w_method != FPQ_WMETHOD_HQQ)
        return cli_usage_error(CMD, "--hqq-p, --hqq-beta, --hqq-kappa and --hqq-iters apply to --w-method hqq");
    if (mt->w_method != FPQ_WMETHOD_RTN && !s->quant_w)
        return cli_usage_error(CMD, "--w-method %s needs a W spec (--w-format, ...)", name);
    if (mt->w_method != FPQ_WMETHOD_RTN && s->llm_int8)
        return cli_usage_error(CMD, "--w-method %s does not combine with --scheme llm.int8", name);
    if (mt->w_method == FPQ_WMETHOD_HQQ && s->w.scheme != FPQ_SCHEME_ZEROPOINT)
        return cli_usage_error(CMD, "--w-method hqq optimizes zero-points: it needs --w-scheme zeropoint (got %s)",
                               fpq_scheme_name(s->w.scheme));
    if (a->rotate) {
        const char *r = a->rotate;
        if (strncmp(r, "hadamard", 8) != 0 || (r[8] != '\0' && r[8] != ':'))
            return cli_usage_error(CMD, "--rotate '%s': the rotation is hadamard or hadamard:B", r);
        mt->rotate = true;
        if (r[8] == ':') {
            char *end;
            unsigned long long b = strtoull(r + 9, &end, 10);
            if (end == r + 9 || *end || r[9] == '-' || b < 1 || b > (1ull << 30) || (b & (b - 1)))
                return cli_usage_error(CMD, "--rotate '%s': B must be a power of two from 1 to 2^30", r);
            mt->rotate_block = (size_t)b;
        }
    }
    return CLI_EXIT_OK;
}

/* Rows of x that are also rows of c (bit for bit). */
static size_t overlap_rows(const fpq_tensor *x, const fpq_tensor *c)
{
    size_t n = 0, k = x->cols;
    for (size_t i = 0; i < x->rows; i++)
        for (size_t j = 0; j < c->rows; j++)
            if (memcmp(x->data + i * k, c->data + j * k, k * sizeof *x->data) == 0) {
                n++;
                break;
            }
    return n;
}

int cli_matmul_main(int argc, char **argv)
{
    mm_args a;
    memset(&a, 0, sizeof a);
    cli_mm_opts_init(&a.mm);
    fpq_mm_method_default(&a.mt);
    int rc = parse(&a, argc, argv);
    fpq_mm_spec s;
    if (rc != CLI_EXIT_OK || (rc = cli_mm_build(&s, CMD, &a.mm)) != CLI_EXIT_OK
        || (rc = build_method(&a, &s)) != CLI_EXIT_OK)
        return cli_exit_status(rc);
    const fpq_mm_method *mt = &a.mt;
    const fpq_gptq_opts go = mt->gptq;
    const fpq_hqq_opts ho = mt->hqq;
    const bool gptq = mt->w_method == FPQ_WMETHOD_GPTQ, hqq = mt->w_method == FPQ_WMETHOD_HQQ;
    const char *const *ops = a.ops, *calibrate = a.calibrate;

    fpq_tensor x = FPQ_TENSOR_INIT, w = FPQ_TENSOR_INIT, cal = FPQ_TENSOR_INIT, y = FPQ_TENSOR_INIT;
    double *re = NULL;
    fpq_errbuf e = {""};
    if (a.out && fpq_out_check(a.out, a.force ? FPQ_OUT_FORCE : 0, &e) != FPQ_OK) {
        cli_error("%s", e.msg); /* before the work */
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if ((rc = cli_load_source(&x, CMD, ops[0], "X: ")) != CLI_EXIT_OK
        || (rc = cli_load_source(&w, CMD, ops[1], "W: ")) != CLI_EXIT_OK
        || (calibrate && (rc = cli_load_source(&cal, CMD, calibrate, "calibration X: ")) != CLI_EXIT_OK))
        goto done;
    re = cli_xmalloc((x.rows ? x.rows : 1) * sizeof *re);
    fpq_mm_metrics m;
    fpq_mm_method_stats ms;
    int st = fpq_matmul_method(&y, &m, &ms, re, &x, &w, calibrate ? &cal : NULL, calibrate ? &cal : &x, &s, mt, &e);
    if (st == FPQ_LAB_ERR_SPEC || st == FPQ_ERR_ARG) {
        rc = cli_usage_error(CMD, "%s", e.msg);
        goto done;
    }
    if (st != FPQ_OK) {
        cli_error("%s", e.msg[0] ? e.msg : fpq_lab_strerror(st));
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if (a.out && fpq_npy_write(a.out, &y, 0, a.force ? FPQ_OUT_FORCE : 0, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    char b[6][40];
    cli_num(b[0], sizeof b[0], m.rel_err);
    cli_num(b[1], sizeof b[1], m.sqnr_db);
    cli_num(b[2], sizeof b[2], m.max_abs_err);
    cli_num(b[3], sizeof b[3], m.outlier_frac);
    cli_num(b[4], sizeof b[4], m.bits_x);
    cli_num(b[5], sizeof b[5], m.bits_w);
    /* the tokens calibrated on: GPTQ's Hessian, SmoothQuant's maxima,
     * static X scales */
    bool token_own = s.quant_x && !s.llm_int8 && s.x.granularity == FPQ_GRAN_ROW && cal.rows != x.rows;
    size_t ct = gptq || mt->smooth ? (calibrate ? cal.rows : x.rows)
                : calibrate && (s.llm_int8 || (s.quant_x && !token_own)) ? cal.rows
                                                                         : 0;
    size_t ov = calibrate && ct ? overlap_rows(&x, &cal) : ct;
    const char *insample = ct == 0 ? "" : ov == x.rows ? "yes" : ov ? "partly" : "no";
    char accname[200];
    snprintf(accname, sizeof accname, "%s",
             m.path == FPQ_MM_PATH_INT ? (s.int_acc64 ? "int64" : "int32")
             : s.has_acc_model        ? a.mm.acc_model
             : s.has_acc              ? s.acc.name
             : m.path == FPQ_MM_PATH_CODES ? "fp32"
                                           : "exact");
    if (a.csv) {
        static const char *const head[] = {"x", "w", "rows", "k", "cols"};
        static const char *const tail[] = {"scheme", "threshold", "kept_format", "in", "acc", "calibrate", "path",
                                           "rel_err", "sqnr_db", "max_abs_err", "outlier_frac",
                                           "bits_per_value_x", "bits_per_value_w", "clipped_frac_x",
                                           "clipped_frac_w", "int_overflows", "w_method", "damp", "block",
                                           "act_order", "calib_tokens", "eval_tokens", "overlap_tokens",
                                           "in_sample", "hqq_p", "hqq_beta", "hqq_kappa", "hqq_iters",
                                           "rotate", "smooth"};
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
        cli_num(c1, sizeof c1, m.clipped_frac_x);
        cli_num(c2, sizeof c2, m.clipped_frac_w);
        cli_grid_add(&g, c1);
        cli_grid_add(&g, c2);
        cli_grid_addf(&g, "%zu", m.int_overflows);
        cli_grid_add(&g, fpq_wmethod_name(mt->w_method));
        if (gptq)
            cli_grid_addf(&g, "%g", go.damp), cli_grid_addf(&g, "%zu", go.block),
                cli_grid_add(&g, go.act_order ? "yes" : "no");
        else
            cli_grid_add(&g, ""), cli_grid_add(&g, ""), cli_grid_add(&g, "");
        cli_grid_addf(&g, "%zu", ct);
        cli_grid_addf(&g, "%zu", x.rows);
        cli_grid_addf(&g, "%zu", ov);
        cli_grid_add(&g, insample);
        if (hqq)
            cli_grid_addf(&g, "%g", ho.p), cli_grid_addf(&g, "%g", ho.beta), cli_grid_addf(&g, "%g", ho.kappa),
                cli_grid_addf(&g, "%u", ho.iters);
        else
            cli_grid_add(&g, ""), cli_grid_add(&g, ""), cli_grid_add(&g, ""), cli_grid_add(&g, "");
        if (ms.rotate_block)
            cli_grid_addf(&g, "hadamard:%zu", ms.rotate_block);
        else
            cli_grid_add(&g, "");
        if (mt->smooth)
            cli_grid_addf(&g, "%g", mt->alpha);
        else
            cli_grid_add(&g, "");
        cli_grid_print(&g, stdout, true, NULL);
        cli_grid_free(&g);
    } else {
        char dx[160], dw[160], hqqnum[2][40];
        cli_num(hqqnum[0], sizeof hqqnum[0], ms.hqq.lp_hqq);
        cli_num(hqqnum[1], sizeof hqqnum[1], ms.hqq.lp_start);
        describe(dx, sizeof dx, s.quant_x, &s.x);
        describe(dw, sizeof dw, s.quant_w, &s.w);
        printf("X: %s (%zu x %zu): %s%s\n", ops[0], x.rows, x.cols, dx,
               s.quant_x ? (calibrate && !token_own ? ", static" : ", dynamic") : "");
        if (calibrate)
            printf("calibrated on: %s\n", calibrate);
        printf("W: %s (%zu x %zu): %s\n", ops[1], w.rows, w.cols, dw);
        if (mt->smooth)
            printf("SmoothQuant: alpha %g, max|X_j| from %zu tokens (%zu of X's %zu among them%s)\n", mt->alpha, ct,
                   ov, x.rows, ov == x.rows ? ": in-sample" : "");
        if (ms.rotate_block)
            printf("rotation: Hadamard, blocks of %zu (%zu blocks)\n", ms.rotate_block, x.cols / ms.rotate_block);
        if (hqq)
            printf("HQQ: p %g, beta %g, kappa %g, at most %u updates; lp error of W %s, min-max start %s "
                   "(%zu of %zu zero-points moved)\n",
                   ho.p, ho.beta, ho.kappa, ho.iters, hqqnum[0], hqqnum[1], ms.hqq.improved, ms.hqq.units);
        if (gptq)
            printf("GPTQ: damp %g, block %zu, %s order, on %zu calibration tokens (%zu of X's %zu among them%s)\n",
                   go.damp, go.block, go.act_order ? "act" : "natural", ct, ov, x.rows,
                   ov == x.rows ? ": in-sample" : "");
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
    if (a.rowerr)
        for (size_t i = 0; i < x.rows; i++) {
            char r[40];
            cli_num(r, sizeof r, re[i]);
            printf("row %zu rel_err %s\n", i, r);
        }

done:
    free(re);
    fpq_tensor_free(&x), fpq_tensor_free(&w), fpq_tensor_free(&cal), fpq_tensor_free(&y);
    return rc;
}
