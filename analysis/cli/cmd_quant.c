/* cmd_quant.c: `fpq quant` -- quantize a tensor under a spec and print the
 * error metrics (quant.h), one row per element format and group size.
 *
 * Reads its command line through the option layer (opt.h); the spec options
 * are qspec_opts.c's, shared with fpq matmul, sweep and hist.  --help to
 * stdout (exit 0), misuse -- an unknown option, a bad spec, a calibration
 * tensor of the wrong shape -- to stderr (exit 2), bad data -- a file that
 * cannot be read, NaN in the input, a zero-point out of reach -- exit 1.
 * Every spec is checked before any data is read; nothing is printed and no
 * file is written unless every row succeeded, and --out replaces its file
 * whole or not at all. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "method.h"
#include "qspec_opts.h"
#include "source.h"

#define CMD "quant"

enum { OPT_CALIBRATE = 1, OPT_EXACT, OPT_VALUES, OPT_CODES, OPT_SCALES, OPT_ZPS, OPT_METHOD };

static const cli_opt quant_calibrate[] = {
    {OPT_CALIBRATE, 0, "calibrate", "SRC",
     "static: scales, ranges and outlier columns from the\n"
     "tensor SRC, applied to INPUT (outside: clipped);\n"
     "with --method gptq: the activations (tokens x\n"
     "INPUT's rows) of GPTQ's H = X^T X"},
    {OPT_METHOD, 0, "method", "M",
     "for a 2-D weight tensor INPUT (features x outputs):\n"
     "rtn (default: round to nearest), gptq (needs\n"
     "--calibrate; damp 0.01, block 128, natural order)\n"
     "or hqq (scheme zeropoint; p 0.7, beta 10, kappa\n"
     "1.01, 20 updates, no calibration); see fpq matmul"},
    {0},
};

static const cli_opt quant_output[] = {
    {OPT_EXACT, 0, "exact", NULL, "recompute the metrics with MPFR (256 bits)"},
    CLI_OPT_CSV("a header line and one row per spec: the spec's\ncolumns, then the metrics"),
    CLI_OPT_JSON("an array of one object per spec, same keys"),
    CLI_OPT_OUT("FILE.npy", "write x^ (one spec only), through a temporary file\n"
                            "renamed into place"),
    {OPT_CODES, 0, "codes", "FILE.npy",
     "write the stored codes (one spec only), int64,\n"
     "x's shape: integer elements the integer (zeropoint:\n"
     "Z added), float elements the bit pattern"},
    {OPT_SCALES, 0, "scales", "FILE.npy",
     "write the scale S of every unit, float64: 1 x 1,\n"
     "rows x 1, 1 x cols, rows x groups, or groups x cols\n"
     "(axis 0); x^ = (code value - Z) S"},
    {OPT_ZPS, 0, "zero-points", "FILE.npy", "write Z of every unit (zeropoint), float64"},
    CLI_OPT_FORCE("replace an existing FILE.npy (refused without it)"),
    {OPT_VALUES, 0, "values", NULL,
     "instead of the metrics, print x and x^ (shortest\n"
     "round-trip decimals), one element per line in\n"
     "row-major order (one spec only)"},
    {0},
};

/* Every option of fpq quant: the spec options, then its own. */
#define QUANT_NOPTS (CLI_QSPEC_NOPTS + 12)
static void quant_options(cli_opt *t)
{
    size_t n = 0;
    cli_opts_append(t, QUANT_NOPTS, &n, cli_qspec_options);
    cli_opts_append(t, QUANT_NOPTS, &n, quant_calibrate);
    cli_opts_append(t, QUANT_NOPTS, &n, quant_output);
}

static void quant_help(FILE *f)
{
    const cli_help_part parts[] = {{NULL, cli_qspec_options}, {NULL, quant_calibrate}, {"\nOutput:\n", quant_output}};
    fprintf(f,
            "Usage: fpq quant [OPTIONS] INPUT\n"
            "\n"
            "Quantize the tensor INPUT (a .npy or other file, FILE::NAME, or a generator\n"
            "spec DIST:key=value,... such as normal:n=100000,seed=1; see 'fpq gen --help')\n"
            "under a spec and print the error of the dequantized tensor x^ against x.\n"
            "Rows of INPUT are tokens, columns are channels; a vector is 1 x n.\n"
            "\n"
            "Spec (--format and --group take comma-separated lists and may repeat: one\n"
            "row of output per format and group size, formats outermost):\n");
    cli_opts_help_parts(f, parts, sizeof parts / sizeof parts[0]);
    fprintf(f,
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
            CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
}

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

typedef struct row {
    fpq_qspec spec;
    fpq_qmetrics m;
} row;

typedef struct run {
    const char *input, *calibrate, *method; /* method: NULL without --method */
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
    if (s->scheme == FPQ_SCHEME_MX || (s->scheme == FPQ_SCHEME_NVFP4 && s->mx_rule == FPQ_NV_4OVER6))
        return fpq_mx_rule_name(s->mx_rule);
    return fpq_rnd_name(s->scale_round);
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
    isnum[k] = true, cli_num(cells[k++], 96, w->m.clip_ratio);
    if (s->rnd.overflow == FPQ_OVF_SATURATE) /* the default: the name alone, as before overflow modes */
        snprintf(cells[k++], 96, "%s", fpq_rnd_name(s->rnd.mode));
    else
        snprintf(cells[k++], 96, "%s %s", fpq_rnd_name(s->rnd.mode), fpq_overflow_name(s->rnd.overflow));
    isnum[k] = true, snprintf(cells[k++], 96, "%llu", (unsigned long long)s->rnd.seed);
    isnum[k] = true, snprintf(cells[k++], 96, "%d", s->rnd.int_symmetric ? 1 : 0);
    isnum[k] = true, cli_num(cells[k++], 96, s->outlier);
    snprintf(cells[k++], 96, "%s", s->outlier > 0 ? s->kept_format.name : "");
    snprintf(cells[k++], 96, "%s", r->calibrate ? r->calibrate : "");
    isnum[k] = true, snprintf(cells[k++], 96, "%d", s->exact_metrics ? 1 : 0);
}

/* The columns after the metrics: how the quotient was formed. */
static const char *const late_cols[] = {"quotient", "scale_arith"};
#define NLATE_COLS 2

static void late_cells(const char *cells[NLATE_COLS], const row *w)
{
    cells[0] = fpq_quotient_name(w->spec.quotient);
    cells[1] = fpq_sarith_name(fpq_qspec_arith(&w->spec));
}

/* --method adds a last column "method". */
static size_t nlate(const run *r)
{
    return r->method ? NLATE_COLS + 1 : NLATE_COLS;
}

/* A grid whose header is the nh names of head, then the metrics'. */
static void grid_head(cli_grid *g, const char *const *head, size_t nh, size_t nlate)
{
    cli_grid_init(g, nh + FPQ_QMETRIC_COUNT + nlate);
    if (nlate > NLATE_COLS) /* the method's column */
        nlate = NLATE_COLS;
    for (size_t k = 0; k < nh; k++)
        cli_grid_add(g, head[k]);
    for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++)
        cli_grid_add(g, fpq_qmetric_names[k]);
    for (size_t k = 0; k < nlate; k++)
        cli_grid_add(g, late_cols[k]);
}

static void print_csv(const run *r, const row *rows, size_t nrows)
{
    cli_grid g;
    grid_head(&g, spec_cols, NSPEC_COLS, nlate(r));
    if (r->method)
        cli_grid_add(&g, "method");
    for (size_t i = 0; i < nrows; i++) {
        char cells[NSPEC_COLS][96];
        bool isnum[NSPEC_COLS];
        spec_cells(cells, isnum, r, &rows[i]);
        for (size_t k = 0; k < NSPEC_COLS; k++)
            cli_grid_add(&g, cells[k]);
        for (size_t k = 0; k < FPQ_QMETRIC_COUNT; k++) {
            char b[40];
            cli_num(b, sizeof b, fpq_qmetric(&rows[i].m, k));
            cli_grid_add(&g, b);
        }
        const char *late[NLATE_COLS];
        late_cells(late, &rows[i]);
        for (size_t k = 0; k < NLATE_COLS; k++)
            cli_grid_add(&g, late[k]);
        if (r->method)
            cli_grid_add(&g, r->method);
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
        const char *late[NLATE_COLS];
        late_cells(late, &rows[i]);
        for (size_t k = 0; k < NSPEC_COLS; k++) {
            if (strcmp(spec_cols[k], "exact") == 0) /* the late columns, before exact */
                for (size_t j = 0; j < NLATE_COLS; j++)
                    printf(", \"%s\": \"%s\"", late_cols[j], late[j]);
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
            cli_num(b, sizeof b, v);
            printf(", \"%s\": %s", fpq_qmetric_names[k], isfinite(v) ? b : "null");
        }
        if (r->method)
            printf(", \"method\": \"%s\"", r->method);

        printf("}%s\n", i + 1 < nrows ? "," : "");
    }
    printf("]\n");
}

/* The table for people: the spec in a few readable columns, the metrics
 * with 6 significant digits. */
static void print_table(const run *r, const row *rows, size_t nrows)
{
    bool gptq = r->method && strcmp(r->method, "gptq") == 0;
    printf("input: %s (%zu x %zu), %s\n", r->input, r->rows, r->cols,
           r->calibrate && !gptq ? "static" : "dynamic");
    if (r->calibrate)
        printf("%s: %s\n", gptq ? "GPTQ activations" : "calibrated on", r->calibrate);
    if (r->method)
        printf("weight method: %s\n", r->method);
    static const char *const head[] = {"format", "scheme", "granularity", "scale", "range", "round", "split"};
    const size_t nh = sizeof head / sizeof head[0];
    cli_grid g;
    grid_head(&g, head, nh, 0);
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
        if (s->scheme == FPQ_SCHEME_MX || s->scale_round != FPQ_RNE || s->mx_rule == FPQ_NV_4OVER6)
            snprintf(sf + strlen(sf), sizeof sf - strlen(sf), " %s", scale_round_text(s));
        if (fpq_qspec_arith(s) != FPQ_SARITH_EXACT)
            snprintf(sf + strlen(sf), sizeof sf - strlen(sf), " %s %s", fpq_sarith_name(fpq_qspec_arith(s)),
                     s->quotient == FPQ_QUOTIENT_EXACT ? "scale" : fpq_quotient_name(s->quotient));
        cli_grid_add(&g, sf);
        char rg[64];
        fpq_range_describe(rg, sizeof rg, s);
        if (s->range == FPQ_RANGE_MAX)
            cli_grid_add(&g, rg);
        else
            cli_grid_addf(&g, "%s (%.4g)", rg, m->clip_ratio);
        const char *ovf = s->rnd.overflow == FPQ_OVF_SATURATE ? "" : fpq_overflow_name(s->rnd.overflow);
        if (s->rnd.mode == FPQ_RSR)
            cli_grid_addf(&g, "sr seed %llu%s%s", (unsigned long long)s->rnd.seed, *ovf ? " " : "", ovf);
        else
            cli_grid_addf(&g, "%s%s%s", fpq_rnd_name(s->rnd.mode), *ovf ? " " : "", ovf);
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
    const char *input;     /* the operand */
    wlist formats, groups; /* --format, --group: the lists */
    cli_qspec_opts q;      /* the other spec options, and --exact */
    const char *calibrate, *out, *method;
    const char *parts[3]; /* --codes, --scales, --zero-points */
    bool csv, json, values, force;
} opts;

/* The spec for format name fname and group text gtext (either may be
 * NULL: the default).  Returns CLI_EXIT_OK or a reported usage error. */
static int build_spec(fpq_qspec *s, const opts *o, const char *fname, const char *gtext)
{
    cli_qspec_opts q = o->q;
    if (fname)
        q.format = fname;
    if (gtext) {
        q.group = (size_t)strtoull(gtext, NULL, 10); /* checked by cli_arg_uint_list */
        q.has_group = true;
    }
    return cli_qspec_build(s, CMD, "", &q);
}

/* One argument of the command line into the opts ctx (cli_on_arg). */
static int quant_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    opts *o = ctx;
    switch (id) {
    case CLI_HELP: quant_help(stdout); break;
    case CLI_OPERAND:
        if (o->input)
            return cli_usage_error(CMD, "unexpected operand '%s' (one INPUT)", arg);
        o->input = arg;
        break;
    case CLI_ID_FORMAT: wlist_add(&o->formats, arg); break;
    case CLI_QO_GROUP:
        if (cli_arg_uint_list(p, arg, 2, CLI_QSPEC_MAX_GROUP) != CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
        wlist_add(&o->groups, arg);
        break;
    case OPT_CALIBRATE: o->calibrate = arg; break;
    case OPT_EXACT: o->q.exact = true; break;
    case CLI_ID_CSV: o->csv = true; break;
    case CLI_ID_JSON: o->json = true; break;
    case CLI_ID_OUT: o->out = arg; break;
    case CLI_ID_FORCE: o->force = true; break;
    case OPT_VALUES: o->values = true; break;
    case OPT_CODES: o->parts[0] = arg; break;
    case OPT_SCALES: o->parts[1] = arg; break;
    case OPT_ZPS: o->parts[2] = arg; break;
    case OPT_METHOD: o->method = arg; break;
    default: return cli_qspec_option(p, &o->q, id, arg);
    }
    return CLI_EXIT_OK;
}

/* Write the files of --codes, --scales and --zero-points that were asked
 * for.  CLI_EXIT_OK or CLI_EXIT_DATA (reported). */
static int write_parts(const opts *o, const fpq_qparts *parts, const fpq_tensor *x)
{
    const unsigned fl = o->force ? FPQ_OUT_FORCE : 0;
    fpq_errbuf e = {""};
    int st = FPQ_OK;
    if (o->parts[0])
        st = fpq_npy_write_i64(o->parts[0], parts->codes, x->rows, x->cols, fl, &e);
    if (st == FPQ_OK && o->parts[1])
        st = fpq_npy_write(o->parts[1], &parts->scales, 0, fl, &e);
    if (st == FPQ_OK && o->parts[2])
        st = fpq_npy_write(o->parts[2], &parts->zero_points, 0, fl, &e);
    if (st == FPQ_OK)
        return CLI_EXIT_OK;
    cli_error("%s", e.msg);
    return CLI_EXIT_DATA;
}

/* --method against the rest of the command line: CLI_EXIT_OK or a
 * reported usage error. */
static int check_method(fpq_wmethod *wm, const opts *o, const row *rows, size_t nrows)
{
    if (fpq_wmethod_parse(wm, o->method) != FPQ_OK)
        return cli_usage_error(CMD, "unknown --method '%s' (rtn, gptq or hqq)", o->method);
    if (*wm == FPQ_WMETHOD_RTN)
        return CLI_EXIT_OK;
    const char *name = fpq_wmethod_name(*wm);
    if (o->parts[0] || o->parts[1] || o->parts[2])
        return cli_usage_error(CMD, "--codes, --scales and --zero-points are the parts of round to nearest, not of "
                                    "--method %s",
                               name);
    if (*wm == FPQ_WMETHOD_GPTQ && !o->calibrate)
        return cli_usage_error(CMD, "--method gptq needs --calibrate X: the activations (tokens x INPUT's rows)");
    if (*wm == FPQ_WMETHOD_HQQ && o->calibrate)
        return cli_usage_error(CMD, "--method hqq takes no calibration data (no --calibrate)");
    for (size_t i = 0; i < nrows; i++)
        if (*wm == FPQ_WMETHOD_HQQ && rows[i].spec.scheme != FPQ_SCHEME_ZEROPOINT)
            return cli_usage_error(CMD, "--method hqq optimizes zero-points: it needs --scheme zeropoint (got %s)",
                                   fpq_scheme_name(rows[i].spec.scheme));
    return CLI_EXIT_OK;
}

int cli_quant_main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    cli_qspec_opts_init(&o.q);
    cli_opt table[QUANT_NOPTS];
    quant_options(table);
    cli_parser p;
    cli_parser_init(&p, CMD, table, argc, argv);
    int rc = cli_parse(&p, quant_arg, &o);
    const char *input = o.input;
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
    const bool want_parts = o.parts[0] || o.parts[1] || o.parts[2];
    if ((o.out || o.values || want_parts) && nrows > 1) {
        rc = cli_usage_error(CMD, "--%s is for one tensor: give one --format and one --group, not %zu specs",
                             o.out ? "out" : o.values ? "values" : o.parts[0] ? "codes" : o.parts[1] ? "scales"
                             : "zero-points", nrows);
        goto done;
    }
    fpq_wmethod wm = FPQ_WMETHOD_RTN;
    if (o.method && (rc = check_method(&wm, &o, rows, nrows)) != CLI_EXIT_OK)
        goto done;
    if (o.parts[2] && rows[0].spec.scheme != FPQ_SCHEME_ZEROPOINT) {
        rc = cli_usage_error(CMD, "--zero-points applies to --scheme zeropoint");
        goto done;
    }

    /* an output it would refuse is refused before the work */
    const char *outs[4] = {o.out, o.parts[0], o.parts[1], o.parts[2]};
    for (size_t i = 0; i < 4; i++) {
        fpq_errbuf e = {""};
        if (outs[i] && fpq_out_check(outs[i], o.force ? FPQ_OUT_FORCE : 0, &e) != FPQ_OK) {
            cli_error("%s", e.msg);
            rc = CLI_EXIT_DATA;
            goto done;
        }
    }
    if ((rc = cli_load_source(&x, CMD, input, "")) != CLI_EXIT_OK)
        goto done;
    if (o.calibrate && (rc = cli_load_source(&cal, CMD, o.calibrate, "calibration: ")) != CLI_EXIT_OK)
        goto done;

    fpq_tensor xh = FPQ_TENSOR_INIT;
    fpq_qparts parts = {0};
    for (size_t i = 0; i < nrows; i++) {
        fpq_errbuf e = {""};
        int st = wm != FPQ_WMETHOD_RTN
                     ? fpq_quantize_method(o.out || o.values ? &xh : NULL, &rows[i].m, &x,
                                           wm == FPQ_WMETHOD_GPTQ ? &cal : NULL, &rows[i].spec, wm, &e)
                     : fpq_quantize_parts(o.out || o.values ? &xh : NULL, &rows[i].m, want_parts ? &parts : NULL,
                                          &x, o.calibrate ? &cal : NULL, &rows[i].spec, &e);
        if (st == FPQ_ERR_ARG)
            st = FPQ_LAB_ERR_SPEC; /* shapes of INPUT and the activations */
        if (st == FPQ_LAB_ERR_SPEC) {
            rc = cli_usage_error(CMD, "%s", e.msg);
            goto done;
        }
        if (st != FPQ_OK) {
            cli_error("%s: %s", input, e.msg);
            rc = CLI_EXIT_DATA;
            goto done;
        }
        char why[320];
        if (fpq_qunit_too_small(why, sizeof why, &rows[i].spec, x.rows, x.cols))
            cli_error("warning: %s", why);
    }
    if (o.out) {
        fpq_errbuf e = {""};
        int st = fpq_npy_write(o.out, &xh, 0, o.force ? FPQ_OUT_FORCE : 0, &e);
        if (st != FPQ_OK) {
            fpq_tensor_free(&xh);
            cli_error("%s", e.msg);
            rc = CLI_EXIT_DATA;
            goto done;
        }
    }
    if (want_parts) {
        int st = write_parts(&o, &parts, &x);
        fpq_qparts_free(&parts);
        if (st != CLI_EXIT_OK) {
            fpq_tensor_free(&xh);
            rc = st;
            goto done;
        }
    }
    if (o.values) {
        for (size_t i = 0; i < fpq_tensor_size(&x); i++) {
            char u[40], v[40];
            cli_num(u, sizeof u, x.data[i]);
            cli_num(v, sizeof v, xh.data[i]);
            printf("%s %s\n", u, v);
        }
        fpq_tensor_free(&xh);
        goto done;
    }
    fpq_tensor_free(&xh);
    run r = {input, o.calibrate, o.method ? fpq_wmethod_name(wm) : NULL, x.rows, x.cols};
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
    return cli_exit_status(rc);
}
