/* cmd_quant.c: `fpq quant` -- quantize a tensor under a spec and print the
 * error metrics (quant.h), one row per element format and group size.
 *
 * Parses its own command line with getopt_long (the options are its own);
 * --help to stdout (exit 0), misuse -- an unknown option, a bad spec, a
 * calibration tensor of the wrong shape -- to stderr (exit 2), bad data --
 * a file that cannot be read, NaN in the input, a zero-point out of reach
 * -- exit 1.  Every spec is checked before any data is read; nothing is
 * printed and no file is written unless every row succeeded, and --out
 * replaces its file whole or not at all. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "quant.h"
#include "source.h"

#define CMD "quant"

static void quant_help(FILE *f)
{
    fpq_qspec d;
    fpq_qspec_default(&d);
    fprintf(f,
            "Usage: fpq quant [OPTIONS] INPUT\n"
            "\n"
            "Quantize the tensor INPUT (a .npy or other file, FILE::NAME, or a generator\n"
            "spec DIST:key=value,... such as normal:n=100000,seed=1; see 'fpq gen --help')\n"
            "under a spec and print the error of the dequantized tensor x^ against x.\n"
            "Rows of INPUT are tokens, columns are channels; a vector is 1 x n.\n"
            "\n"
            "Spec:\n"
            "  -f, --format F[,F...]    element format(s) (default %s; mx and nvfp4:\n"
            "                           fp4_e2m1); each gives one row of output\n"
            "  -s, --scheme S           absmax (default): S = max|x|/qmax, x^ = round(x/S) S\n"
            "                           zeropoint: S = (max-min)/(qmax-qmin), Z = round(qmin -\n"
            "                             min/S), x^ = (clamp(round(x/S) + Z) - Z) S; integers\n"
            "                           mx: OCP MX 1.0, blocks of 32, E8M0 scale\n"
            "                             2^(floor(log2 amax) - emax_elem), elements saturate\n"
            "                           nvfp4: blocks of 16, E4M3 scale, FP32 tensor scale\n"
            "  -g, --granularity G      tensor (default), row (per token), col (per channel),\n"
            "                           group (G consecutive values along --axis)\n"
            "  -G, --group N[,N...]     group size(s) >= 2 (implies --granularity group);\n"
            "                           the last group of a row may be shorter: own scale\n"
            "      --axis 0|1           groups along a row (1, default) or down a column (0)\n"
            "      --scale-format F     scale format: fp32 (default), fp16, bf16, e8m0,\n"
            "                           fp8_e4m3, any float, or exact (binary64, 64 bits)\n"
            "      --scale-round MODE   the scale's one rounding: rne (default), rna, rtz,\n"
            "                           rup (never clips the max), rdn, odd\n"
            "      --mx-rule R          mx scale rule: floor (default, OCP), ceil, rceil\n"
            "      --no-tensor-scale    nvfp4 without the FP32 tensor scale\n"
            "      --range R            max (default), percentile:P (clip at the P-th\n"
            "                           percentile of |x|, nearest rank), mse[:STEPS] (clip\n"
            "                           at the ratio k/STEPS of max|x| with the least squared\n"
            "                           error, per scale; STEPS default %u)\n"
            "  -r, --round MODE         element rounding: rne (default), rna, rtz, rup, rdn,\n"
            "                           odd, sr (stochastic; element i uses position i)\n"
            "      --seed N             seed of stochastic rounding (default 0)\n"
            "      --symmetric          signed integers without their most negative value\n"
            "      --outlier T          LLM.int8 split: columns with any |x| >= T are kept\n"
            "                           in --kept-format (default %s), rounded to nearest\n"
            "      --kept-format F\n"
            "      --calibrate SRC      static: scales, ranges and outlier columns from the\n"
            "                           tensor SRC, applied to INPUT (outside: clipped)\n"
            "\n"
            "Output:\n"
            "      --exact              recompute the metrics with MPFR (256 bits)\n"
            "      --csv                a header line and one row per spec: the spec's\n"
            "                           columns, then the metrics\n"
            "      --json               an array of one object per spec, same keys\n"
            "  -o, --out FILE.npy       write x^ (one spec only), replacing FILE whole\n"
            "      --values             instead of the metrics, print x and x^ (shortest\n"
            "                           round-trip decimals), one element per line in\n"
            "                           row-major order (one spec only)\n"
            "  -h, --help               show this help and exit\n"
            "\n"
            "Metrics: mse, rmse, nmse (mse / mean x^2), sqnr_db, max_abs_err, mean_rel_err\n"
            "(over x != 0), cos_sim, bias (mean of x^ - x), clipped_frac (values beyond\n"
            "the range by more than half a step), outlier_frac, bits_per_value (element\n"
            "bits + scale and zero-point bits per group + kept outliers and their column\n"
            "indices, per value).  NaN or Inf in the input is an error.\n"
            "\n"
            "Examples:\n"
            "  fpq quant --format int8,int4 --group 32,128 normal:n=65536,seed=1\n"
            "  fpq quant --scheme mx --format fp4_e2m1,fp8_e4m3 --csv x.npy\n"
            "  fpq quant -g row --outlier 6 --calibrate calib.npy act.npy\n"
            "\n"
            "Exit status: %d ok, %d bad data or a read/write failure, %d usage error.\n",
            d.format.name, d.mse_steps, d.kept_format.name, CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
}

enum {
    OPT_AXIS = 256, OPT_SCALE_FORMAT, OPT_SCALE_ROUND, OPT_MX_RULE, OPT_NO_TENSOR_SCALE, OPT_RANGE, OPT_SEED,
    OPT_SYMMETRIC, OPT_OUTLIER, OPT_KEPT, OPT_CALIBRATE, OPT_EXACT, OPT_CSV, OPT_JSON, OPT_VALUES
};

static const struct option long_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"scheme", required_argument, NULL, 's'},
    {"granularity", required_argument, NULL, 'g'},
    {"group", required_argument, NULL, 'G'},
    {"axis", required_argument, NULL, OPT_AXIS},
    {"scale-format", required_argument, NULL, OPT_SCALE_FORMAT},
    {"scale-round", required_argument, NULL, OPT_SCALE_ROUND},
    {"mx-rule", required_argument, NULL, OPT_MX_RULE},
    {"no-tensor-scale", no_argument, NULL, OPT_NO_TENSOR_SCALE},
    {"range", required_argument, NULL, OPT_RANGE},
    {"round", required_argument, NULL, 'r'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"symmetric", no_argument, NULL, OPT_SYMMETRIC},
    {"outlier", required_argument, NULL, OPT_OUTLIER},
    {"kept-format", required_argument, NULL, OPT_KEPT},
    {"calibrate", required_argument, NULL, OPT_CALIBRATE},
    {"exact", no_argument, NULL, OPT_EXACT},
    {"csv", no_argument, NULL, OPT_CSV},
    {"json", no_argument, NULL, OPT_JSON},
    {"out", required_argument, NULL, 'o'},
    {"values", no_argument, NULL, OPT_VALUES},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A list of comma-separated words, gathered over repeated options. */
typedef struct wlist {
    size_t n;
    char **w;
} wlist;

static void wlist_add(wlist *l, const char *text)
{
    const char *p = text;
    for (;;) {
        size_t len = strcspn(p, ",");
        l->w = cli_xrealloc(l->w, (l->n + 1) * sizeof *l->w);
        l->w[l->n] = cli_xmalloc(len + 1);
        memcpy(l->w[l->n], p, len);
        l->w[l->n][len] = '\0';
        l->n++;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
}

static void wlist_free(wlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->w[i]);
    free(l->w);
}

/* ---------------------------------------------------------------------- */
/* Output.                                                                */

/* The shortest %.Ng (15 <= N <= 17) that reads back as v; "inf", "-inf",
 * "nan" as printf spells them. */
static void num(char *buf, size_t n, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (!isfinite(v) || strtod(buf, NULL) == v)
            return;
    }
}

typedef struct row {
    fpq_qspec spec;
    fpq_qmetrics m;
} row;

typedef struct run {
    const char *input, *calibrate;
    size_t rows, cols;
} run;

static const char *const spec_cols[] = {
    "source", "n", "rows", "cols", "format", "scheme", "granularity", "group", "axis", "scale_format",
    "scale_round", "range", "clip_ratio", "round", "seed", "symmetric", "outlier", "kept_format",
    "calibrate", "exact",
};
#define NSPEC_COLS (sizeof spec_cols / sizeof spec_cols[0])

static bool is_block(const fpq_qspec *s)
{
    return s->scheme == FPQ_SCHEME_MX || s->scheme == FPQ_SCHEME_NVFP4;
}

static void scale_format_text(char *buf, size_t n, const fpq_qspec *s)
{
    if (s->scale_exact)
        snprintf(buf, n, "exact");
    else if (s->scheme == FPQ_SCHEME_NVFP4 && s->tensor_scale)
        snprintf(buf, n, "%s+fp32", s->scale_format.name);
    else
        snprintf(buf, n, "%s", s->scale_format.name);
}

static const char *scale_round_text(const fpq_qspec *s)
{
    return s->scheme == FPQ_SCHEME_MX ? fpq_mx_rule_name(s->mx_rule) : fpq_rnd_name(s->scale_round);
}

/* The machine-readable spec cells of a row, in spec_cols order; numbers
 * flagged in isnum. */
static void spec_cells(char cells[][96], bool *isnum, const run *r, const row *w)
{
    const fpq_qspec *s = &w->spec;
    size_t k = 0;
    memset(isnum, 0, NSPEC_COLS * sizeof *isnum);
    snprintf(cells[k++], 96, "%s", r->input);
    isnum[k] = true, snprintf(cells[k++], 96, "%zu", r->rows * r->cols);
    isnum[k] = true, snprintf(cells[k++], 96, "%zu", r->rows);
    isnum[k] = true, snprintf(cells[k++], 96, "%zu", r->cols);
    snprintf(cells[k++], 96, "%s", s->format.name);
    snprintf(cells[k++], 96, "%s", fpq_scheme_name(s->scheme));
    snprintf(cells[k++], 96, "%s", fpq_gran_name(s->granularity));
    bool grouped = s->granularity == FPQ_GRAN_GROUP;
    isnum[k] = grouped, snprintf(cells[k++], 96, "%zu", s->group);
    isnum[k] = grouped, snprintf(cells[k++], 96, "%u", s->axis);
    if (!grouped) /* group and axis are empty cells without groups */
        cells[k - 2][0] = cells[k - 1][0] = '\0';
    scale_format_text(cells[k++], 96, s);
    snprintf(cells[k++], 96, "%s", scale_round_text(s));
    fpq_range_describe(cells[k++], 96, s);
    isnum[k] = true, num(cells[k++], 96, w->m.clip_ratio);
    snprintf(cells[k++], 96, "%s", fpq_rnd_name(s->rnd.mode));
    isnum[k] = true, snprintf(cells[k++], 96, "%llu", (unsigned long long)s->rnd.seed);
    isnum[k] = true, snprintf(cells[k++], 96, "%d", s->rnd.int_symmetric ? 1 : 0);
    isnum[k] = true, num(cells[k++], 96, s->outlier);
    snprintf(cells[k++], 96, "%s", s->outlier > 0 ? s->kept_format.name : "");
    snprintf(cells[k++], 96, "%s", r->calibrate ? r->calibrate : "");
    isnum[k] = true, snprintf(cells[k++], 96, "%d", s->exact_metrics ? 1 : 0);
}

static void print_csv(const run *r, const row *rows, size_t nrows)
{
    cli_grid g;
    cli_grid_init(&g, NSPEC_COLS + FPQ_QMETRIC_COUNT);
    for (size_t k = 0; k < NSPEC_COLS; k++)
        cli_grid_add(&g, spec_cols[k]);
    for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++)
        cli_grid_add(&g, fpq_qmetric_names[k]);
    for (size_t i = 0; i < nrows; i++) {
        char cells[NSPEC_COLS][96];
        bool isnum[NSPEC_COLS];
        spec_cells(cells, isnum, r, &rows[i]);
        for (size_t k = 0; k < NSPEC_COLS; k++)
            cli_grid_add(&g, cells[k]);
        for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++) {
            char b[40];
            num(b, sizeof b, fpq_qmetric(&rows[i].m, k));
            cli_grid_add(&g, b);
        }
    }
    cli_grid_print(&g, stdout, true, NULL);
    cli_grid_free(&g);
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* JSON: numbers as in the CSV; non-finite metrics (an exact quantization's
 * sqnr_db) as null. */
static void print_json(const run *r, const row *rows, size_t nrows)
{
    printf("[\n");
    for (size_t i = 0; i < nrows; i++) {
        char cells[NSPEC_COLS][96];
        bool isnum[NSPEC_COLS];
        spec_cells(cells, isnum, r, &rows[i]);
        printf("  {");
        for (size_t k = 0; k < NSPEC_COLS; k++) {
            printf("%s\"%s\": ", k ? ", " : "", spec_cols[k]);
            if (isnum[k])
                fputs(cells[k], stdout);
            else if (cells[k][0] == '\0' && (strcmp(spec_cols[k], "group") == 0 || strcmp(spec_cols[k], "axis") == 0))
                fputs("null", stdout);
            else
                json_string(cells[k]);
        }
        for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++) {
            double v = fpq_qmetric(&rows[i].m, k);
            char b[40];
            num(b, sizeof b, v);
            printf(", \"%s\": %s", fpq_qmetric_names[k], isfinite(v) ? b : "null");
        }
        printf("}%s\n", i + 1 < nrows ? "," : "");
    }
    printf("]\n");
}

/* The table for people: the spec in a few readable columns, the metrics
 * with 6 significant digits. */
static void print_table(const run *r, const row *rows, size_t nrows)
{
    printf("input: %s (%zu x %zu), %s\n", r->input, r->rows, r->cols,
           r->calibrate ? "static" : "dynamic");
    if (r->calibrate)
        printf("calibrated on: %s\n", r->calibrate);
    static const char *const head[] = {"format", "scheme", "granularity", "scale", "range", "round", "split"};
    const size_t nh = sizeof head / sizeof head[0];
    cli_grid g;
    cli_grid_init(&g, nh + FPQ_QMETRIC_COUNT);
    for (size_t k = 0; k < nh; k++)
        cli_grid_add(&g, head[k]);
    for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++)
        cli_grid_add(&g, fpq_qmetric_names[k]);
    for (size_t i = 0; i < nrows; i++) {
        const fpq_qspec *s = &rows[i].spec;
        const fpq_qmetrics *m = &rows[i].m;
        bool sym = s->format.kind == FPQ_KIND_INT && s->format.is_signed && s->rnd.int_symmetric
                   && s->scheme != FPQ_SCHEME_MX;
        cli_grid_addf(&g, "%s%s", s->format.name, sym ? " sym" : "");
        cli_grid_add(&g, fpq_scheme_name(s->scheme));
        if (is_block(s))
            cli_grid_addf(&g, "block %zu%s", s->group, s->axis == 0 ? " axis 0" : "");
        else if (s->granularity == FPQ_GRAN_GROUP)
            cli_grid_addf(&g, "group %zu%s", s->group, s->axis == 0 ? " axis 0" : "");
        else
            cli_grid_add(&g, fpq_gran_name(s->granularity));
        char sf[64];
        scale_format_text(sf, sizeof sf, s);
        if (s->scheme == FPQ_SCHEME_MX || s->scale_round != FPQ_RNE)
            cli_grid_addf(&g, "%s %s", sf, scale_round_text(s));
        else
            cli_grid_add(&g, sf);
        char rg[64];
        fpq_range_describe(rg, sizeof rg, s);
        if (s->range == FPQ_RANGE_MAX)
            cli_grid_add(&g, rg);
        else
            cli_grid_addf(&g, "%s (%.4g)", rg, m->clip_ratio);
        if (s->rnd.mode == FPQ_RSR)
            cli_grid_addf(&g, "sr seed %llu", (unsigned long long)s->rnd.seed);
        else
            cli_grid_add(&g, fpq_rnd_name(s->rnd.mode));
        if (s->outlier > 0)
            cli_grid_addf(&g, ">=%g %s (%zu col)", s->outlier, s->kept_format.name, m->outlier_cols);
        else
            cli_grid_add(&g, "-");
        for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++)
            cli_grid_addf(&g, "%.6g", fpq_qmetric(m, k));
    }
    cli_grid_print(&g, stdout, false, NULL);
    cli_grid_free(&g);
}

/* ---------------------------------------------------------------------- */

typedef struct opts {
    wlist formats, groups;
    const char *scheme, *gran, *axis, *scale_format, *scale_round, *mx_rule, *range, *round, *seed, *outlier,
        *kept, *calibrate, *out;
    bool no_tensor_scale, symmetric, exact, csv, json, values;
} opts;

/* The spec for format name fname and group text gtext (either may be
 * NULL: the default).  Returns CLI_EXIT_OK or a reported usage error.
 * The spec flags are parsed by cli_qspec_build (qspec_opts.c), shared with
 * fpq matmul. */
static int build_spec(fpq_qspec *s, const opts *o, const char *fname, const char *gtext)
{
    cli_qspec_opts q = {
        .format = fname, .scheme = o->scheme, .gran = o->gran, .group = gtext, .axis = o->axis,
        .scale_format = o->scale_format, .scale_round = o->scale_round, .mx_rule = o->mx_rule,
        .range = o->range, .round = o->round, .seed = o->seed, .outlier = o->outlier, .kept = o->kept,
        .no_tensor_scale = o->no_tensor_scale, .symmetric = o->symmetric, .exact = o->exact,
    };
    return cli_qspec_build(s, CMD, &q);
}

int cli_quant_main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    const char *input = NULL;
    int rc = CLI_EXIT_OK;
    opterr = 0;
    optind = 1;
    int c;
    /* "-": operands in order (code 1); ":": missing arguments reported here */
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "-:f:s:g:G:r:o:h", long_opts, NULL)) != -1) {
        switch (c) {
        case 1:
            if (input)
                rc = cli_usage_error(CMD, "unexpected operand '%s' (one INPUT)", optarg);
            input = optarg;
            break;
        case 'f': wlist_add(&o.formats, optarg); break;
        case 'G': wlist_add(&o.groups, optarg); break;
        case 's': o.scheme = optarg; break;
        case 'g': o.gran = optarg; break;
        case OPT_AXIS: o.axis = optarg; break;
        case OPT_SCALE_FORMAT: o.scale_format = optarg; break;
        case OPT_SCALE_ROUND: o.scale_round = optarg; break;
        case OPT_MX_RULE: o.mx_rule = optarg; break;
        case OPT_NO_TENSOR_SCALE: o.no_tensor_scale = true; break;
        case OPT_RANGE: o.range = optarg; break;
        case 'r': o.round = optarg; break;
        case OPT_SEED: o.seed = optarg; break;
        case OPT_SYMMETRIC: o.symmetric = true; break;
        case OPT_OUTLIER: o.outlier = optarg; break;
        case OPT_KEPT: o.kept = optarg; break;
        case OPT_CALIBRATE: o.calibrate = optarg; break;
        case OPT_EXACT: o.exact = true; break;
        case OPT_CSV: o.csv = true; break;
        case OPT_JSON: o.json = true; break;
        case OPT_VALUES: o.values = true; break;
        case 'o': o.out = optarg; break;
        case 'h':
            quant_help(stdout);
            wlist_free(&o.formats);
            wlist_free(&o.groups);
            return CLI_EXIT_OK;
        case ':':
            rc = cli_usage_error(CMD, "option '%s' needs an argument", argv[optind - 1]);
            break;
        default:
            rc = cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
            break;
        }
    }
    row *rows = NULL;
    size_t nrows = 0;
    fpq_tensor x = FPQ_TENSOR_INIT, cal = FPQ_TENSOR_INIT;
    if (rc != CLI_EXIT_OK)
        goto done;
    if (!input) {
        rc = cli_usage_error(CMD, "missing INPUT (a .npy file or a spec such as normal:n=1000,seed=1)");
        goto done;
    }
    if (o.csv + o.json + o.values > 1) {
        rc = cli_usage_error(CMD, "--csv, --json and --values: choose one");
        goto done;
    }

    /* every spec, checked before any data is read */
    size_t nf = o.formats.n ? o.formats.n : 1, ng = o.groups.n ? o.groups.n : 1;
    rows = cli_xmalloc(nf * ng * sizeof *rows);
    for (size_t i = 0; i < nf && rc == CLI_EXIT_OK; i++)
        for (size_t j = 0; j < ng && rc == CLI_EXIT_OK; j++) {
            rc = build_spec(&rows[nrows].spec, &o, o.formats.n ? o.formats.w[i] : NULL,
                            o.groups.n ? o.groups.w[j] : NULL);
            if (rc == CLI_EXIT_OK)
                nrows++;
        }
    if (rc != CLI_EXIT_OK)
        goto done;
    if ((o.out || o.values) && nrows > 1) {
        rc = cli_usage_error(CMD, "--%s is for one tensor: give one --format and one --group, not %zu specs",
                             o.out ? "out" : "values", nrows);
        goto done;
    }

    if ((rc = cli_load_source(&x, CMD, input, "")) != CLI_EXIT_OK)
        goto done;
    if (o.calibrate && (rc = cli_load_source(&cal, CMD, o.calibrate, "calibration: ")) != CLI_EXIT_OK)
        goto done;

    fpq_tensor xh = FPQ_TENSOR_INIT;
    for (size_t i = 0; i < nrows; i++) {
        fpq_errbuf e = {""};
        int st = fpq_quantize(o.out || o.values ? &xh : NULL, &rows[i].m, &x, o.calibrate ? &cal : NULL, &rows[i].spec, &e);
        if (st == FPQ_LAB_ERR_SPEC) {
            rc = cli_usage_error(CMD, "%s", e.msg);
            goto done;
        }
        if (st != FPQ_OK) {
            cli_error("%s: %s", input, e.msg);
            rc = CLI_EXIT_DATA;
            goto done;
        }
    }
    if (o.out) {
        fpq_errbuf e = {""};
        int st = fpq_npy_write(o.out, &xh, 0, &e);
        if (st != FPQ_OK) {
            fpq_tensor_free(&xh);
            cli_error("%s", e.msg);
            rc = CLI_EXIT_DATA;
            goto done;
        }
    }
    if (o.values) {
        for (size_t i = 0; i < fpq_tensor_size(&x); i++) {
            char u[40], v[40];
            num(u, sizeof u, x.data[i]);
            num(v, sizeof v, xh.data[i]);
            printf("%s %s\n", u, v);
        }
        fpq_tensor_free(&xh);
        goto done;
    }
    fpq_tensor_free(&xh);
    run r = {input, o.calibrate, x.rows, x.cols};
    if (o.csv)
        print_csv(&r, rows, nrows);
    else if (o.json)
        print_json(&r, rows, nrows);
    else
        print_table(&r, rows, nrows);

done:
    free(rows);
    fpq_tensor_free(&x);
    fpq_tensor_free(&cal);
    wlist_free(&o.formats);
    wlist_free(&o.groups);
    return rc;
}
