/* cmd_data.c: `fpq gen` (a generated tensor to .npy or stdout) and
 * `fpq inspect` (the tensors of a file and their statistics).
 *
 * Both read their command line through the option layer (opt.h); --help
 * to stdout (exit 0), misuse to stderr (exit 2), bad data or a file that
 * cannot be read exit 1.  The work is the error lab's: dist.h, io.h,
 * stats.h, source.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dist.h"
#include "io.h"
#include "opt.h"
#include "source.h"
#include "stats.h"

/* ---- fpq gen ----------------------------------------------------------------- */

enum { OPT_F32 = 1, OPT_STATS };

static const cli_opt gen_opts[] = {
    CLI_OPT_OUT("FILE", "write FILE (.npy) through a temporary file renamed\n"
                        "into place"),
    CLI_OPT_FORCE("replace an existing FILE (refused without it)"),
    {OPT_F32, 0, "f32", NULL, "store float32 instead of float64"},
    {0},
};

static void gen_help(FILE *f)
{
    fprintf(f,
            "Usage: fpq gen SPEC [--out FILE.npy [--force]] [--f32]\n"
            "\n"
            "Generate the tensor SPEC describes and write it to FILE.npy (float64, or\n"
            "float32 with --f32; 2-D, rows x cols), or without --out print one value\n"
            "per line (%%.17g).  SPEC is DIST:key=value,...:\n"
            "  size    n=N (a 1 x N vector), or rows=R,cols=C (or one of them with n)\n"
            "  seed=S (0 to 2^64-1, default 0), stream=K (0 to 2^32-1, default 0);\n"
            "  outliers also colstream=K: the stream that picks the outlier columns\n"
            "  (default: stream), so that another draw of values keeps them.\n"
            "  DIST and its keys (defaults):\n");
    for (int k = 0; k < FPQ_DIST_COUNT_; k++) {
        char line[160];
        size_t len = (size_t)snprintf(line, sizeof line, "    %-10s", fpq_dist_name((fpq_dist_kind)k));
        const char *key;
        for (size_t j = 0; (key = fpq_dist_param_name((fpq_dist_kind)k, j)) != NULL; j++)
            len += (size_t)snprintf(line + len, sizeof line - len, " %s=%g", key,
                                    fpq_dist_param_default((fpq_dist_kind)k, j));
        if (k == FPQ_DIST_MIX)
            snprintf(line + len, sizeof line - len, " W*DIST(key=value,...),...");
        if (k == FPQ_DIST_TIES)
            snprintf(line + len, sizeof line - len, " fmt=int8 (also grid:)");
        fprintf(f, "%s\n", line);
    }
    fprintf(f,
            "  Value i of a stream depends only on (seed, stream, i): the result is\n"
            "  the same on any machine and any number of threads.\n"
            "  ties: values on (a fraction frac) and next to (one binary32 step\n"
            "  below or above) the midpoints of fmt's values in [-max, max], times\n"
            "  scale; every value i with i mod group = 0 (group 0: value 0) is max\n"
            "  times scale, so that an absmax quantizer on units of group finds the\n"
            "  scale; a power-of-two scale keeps every tie exact (quantizer tests)\n"
            "\n"
            "Options:\n");
    cli_opts_help(f, gen_opts);
    fprintf(f,
            "\n"
            "Examples:\n"
            "  fpq gen normal:n=1000000,std=1,seed=1 --out x.npy\n"
            "  fpq gen outliers:rows=512,cols=4096,frac=0.002,scale=40,seed=3 -o act.npy\n"
            "  fpq gen 'mix:n=100000,0.99*normal,0.01*laplace(scale=20)' -o mix.npy\n"
            "  fpq gen ties:rows=1024,cols=32,fmt=int4,scale=0.0625,group=32 -o t.npy\n"
            "\n"
            "Exit status: %d ok, %d bad data or write failure, %d usage error.\n",
            CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
}

/* A command line of fpq gen read. */
typedef struct gen_args {
    const char *spec, *out;
    int f32;
    unsigned flags; /* FPQ_OUT_FORCE with --force */
} gen_args;

/* One argument of the command line into the gen_args ctx (cli_on_arg). */
static int gen_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    gen_args *g = ctx;
    switch (id) {
    case CLI_HELP: gen_help(stdout); break;
    case CLI_OPERAND:
        if (g->spec)
            return cli_usage_error(p->cmd, "unexpected operand '%s'", arg);
        g->spec = arg;
        break;
    case CLI_ID_OUT: g->out = arg; break;
    case CLI_ID_FORCE: g->flags |= FPQ_OUT_FORCE; break;
    case OPT_F32: g->f32 = 1; break;
    }
    return CLI_EXIT_OK;
}

int cli_gen_main(int argc, char **argv)
{
    gen_args g = {NULL, NULL, 0, 0};
    cli_parser p;
    cli_parser_init(&p, "gen", gen_opts, argc, argv);
    int rc = cli_parse(&p, gen_arg, &g);
    if (rc != CLI_EXIT_OK)
        return cli_exit_status(rc);
    if (!g.spec)
        return cli_usage_error("gen", "missing SPEC (e.g. normal:n=1000,seed=1)");
    fpq_gen_spec s;
    fpq_errbuf e;
    if (fpq_gen_parse(&s, g.spec, &e) != FPQ_OK)
        return cli_usage_error("gen", "%s", e.msg);
    if (g.out && fpq_out_check(g.out, g.flags, &e) != FPQ_OK) {
        cli_error("%s", e.msg); /* before the work */
        return CLI_EXIT_DATA;
    }
    fpq_tensor t;
    if (fpq_gen_fill(&t, &s, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        return CLI_EXIT_DATA;
    }
    const size_t n = fpq_tensor_size(&t);
    for (size_t i = 0; g.f32 && i < n; i++)
        if (!isfinite((float)t.data[i])) {
            cli_error("%s: element %zu (%.17g) is beyond float32 (--f32)", g.spec, i, t.data[i]);
            fpq_tensor_free(&t);
            return CLI_EXIT_DATA;
        }
    if (g.out) {
        if (fpq_npy_write(g.out, &t, g.f32, g.flags, &e) != FPQ_OK) {
            cli_error("%s", e.msg);
            rc = CLI_EXIT_DATA;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%.17g\n", g.f32 ? (double)(float)t.data[i] : t.data[i]);
    }
    fpq_tensor_free(&t);
    return rc;
}

/* ---- fpq inspect ------------------------------------------------------------- */

static const cli_opt inspect_opts[] = {
    {OPT_STATS, 0, "stats", NULL, "statistics of every tensor of a FILE"},
    CLI_OPT_CSV("one CSV row per tensor (implies --stats), header:\n"
                "name,dtype,shape,n,mean,std,min,max,absmax,kurtosis,frac_6std"),
    {0},
};

static void inspect_help(FILE *f)
{
    fprintf(f,
            "Usage: fpq inspect SOURCE... [--stats] [--csv]\n"
            "\n"
            "For a FILE, list its tensors: name, dtype, shape (slowest axis first) and\n"
            "number of elements; with --stats, the statistics of each.  For FILE::NAME,\n"
            "a raw:/text: source or a generator spec, print the statistics of that\n"
            "tensor:\n"
            "  n, mean, std (population), min, max, absmax, kurtosis (m4/m2^2: 3 for a\n"
            "  Gaussian), frac_6std (fraction with |x - mean| > 6 std), and the spread\n"
            "  (max/median) of the per-row and per-column absmax; NaN and Inf values\n"
            "  are counted apart and left out.\n"
            "Files: .npy, .safetensors, .gguf, TF.js model.json (+ shards), gnubg .wd,\n"
            "audio (WAV, FLAC, ... through libsndfile), .txt (one number per line),\n"
            "raw:FILE,dtype=T[,endian=little|big][,offset=BYTES][,shape=AxB][,order=c|f].\n"
            "A tensor is read as a matrix: (d0 ... dk-1) x dk.\n"
            "\n"
            "Options:\n");
    cli_opts_help(f, inspect_opts);
    fprintf(f,
            "\n"
            "Examples:\n"
            "  fpq inspect data/use/model.json\n"
            "  fpq inspect data/gnubg/gnubg.wd::contact.hidden_weight\n"
            "  fpq inspect normal:n=1000000,seed=1 --csv\n"
            "\n"
            "Exit status: %d ok, %d a source cannot be read, %d usage error.\n",
            CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
}

static void fmt_num(char *buf, size_t n, double v, bool csv)
{
    if (isnan(v))
        snprintf(buf, n, "nan");
    else if (isinf(v))
        snprintf(buf, n, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, n, csv ? "%.17g" : "%.10g", v);
}

/* One tensor's statistics: a block of lines, or a CSV row. */
static int print_stats(const char *label, const char *dtype, const char *shape,
                       const fpq_tensor *t, bool csv)
{
    fpq_stats s;
    if (fpq_stats_compute(&s, t) != FPQ_OK) {
        cli_error("%s: out of memory computing statistics", label);
        return CLI_EXIT_DATA;
    }
    const double v[] = {s.mean, s.std, s.min, s.max, s.absmax, s.kurtosis, s.frac_6std,
                        s.row_spread, s.col_spread};
    char num[9][40];
    for (int i = 0; i < 9; i++)
        fmt_num(num[i], sizeof num[i], v[i], csv);
    if (csv) {
        cli_grid g;
        cli_grid_init(&g, 11);
        cli_grid_add(&g, label);
        cli_grid_add(&g, dtype);
        cli_grid_add(&g, shape);
        cli_grid_addf(&g, "%zu", s.n);
        for (int i = 0; i < 7; i++)
            cli_grid_add(&g, num[i]);
        cli_grid_print(&g, stdout, true, NULL);
        cli_grid_free(&g);
        return CLI_EXIT_OK;
    }
    cli_grid g;
    cli_grid_init(&g, 2);
    static const char *const names[] = {"mean", "std", "min", "max", "absmax", "kurtosis",
                                        "frac_6std"};
    cli_grid_add(&g, "tensor");
    cli_grid_add(&g, label);
    cli_grid_add(&g, "dtype");
    cli_grid_add(&g, dtype);
    cli_grid_add(&g, "shape");
    cli_grid_add(&g, shape);
    cli_grid_add(&g, "n");
    cli_grid_addf(&g, "%zu", s.n);
    if (s.nonfinite) {
        cli_grid_add(&g, "nonfinite");
        cli_grid_addf(&g, "%zu (NaN or Inf, left out)", s.nonfinite);
    }
    for (int i = 0; i < 7; i++) {
        cli_grid_add(&g, names[i]);
        cli_grid_add(&g, num[i]);
    }
    cli_grid_add(&g, "row_spread");
    cli_grid_addf(&g, "%s (max/median of the absmax of %zu row%s)", num[7], t->rows,
                  t->rows == 1 ? "" : "s");
    cli_grid_add(&g, "col_spread");
    cli_grid_addf(&g, "%s (max/median of the absmax of %zu column%s)", num[8], t->cols,
                  t->cols == 1 ? "" : "s");
    cli_grid_print(&g, stdout, false, NULL);
    cli_grid_free(&g);
    return CLI_EXIT_OK;
}

static const char *const csv_head[] = {"name", "dtype", "shape", "n", "mean", "std", "min",
                                       "max", "absmax", "kurtosis", "frac_6std"};

static int inspect_one(const char *source, bool stats, bool csv, bool *first_block)
{
    fpq_errbuf e;
    char shape[160];
    fpq_source_ref ref;
    int st = fpq_source_parse(&ref, source, &e);
    const bool spec = ref.kind == FPQ_SOURCE_GEN;
    if (st != FPQ_OK || spec || ref.nslices) { /* a tensor held as doubles: its statistics */
        fpq_tensor t = FPQ_TENSOR_INIT;
        if (st == FPQ_OK)
            st = fpq_source_read(&t, &ref, &e);
        fpq_source_ref_free(&ref);
        if (st != FPQ_OK) {
            if (spec && st == FPQ_LAB_ERR_SPEC)
                return cli_usage_error("inspect", "%s", e.msg);
            cli_error("%s", e.msg);
            return CLI_EXIT_DATA;
        }
        snprintf(shape, sizeof shape, "%zux%zu", t.rows, t.cols);
        if (!csv && !*first_block)
            putchar('\n');
        *first_block = false;
        int rc = print_stats(source, "f64", shape, &t, csv);
        fpq_tensor_free(&t);
        return rc;
    }
    fpq_io_file f;
    if (fpq_source_open(&f, &ref, &e) != FPQ_OK) {
        fpq_source_ref_free(&ref);
        cli_error("%s", e.msg);
        return CLI_EXIT_DATA;
    }
    int rc = CLI_EXIT_OK;
    /* raw: and text: hold one tensor: treat them like FILE::NAME */
    bool single = ref.kind != FPQ_SOURCE_FILE;
    size_t lo = 0, hi = f.nt;
    st = FPQ_OK;
    if (ref.name && (st = fpq_io_find(&f, ref.name, &lo, &e)) == FPQ_OK)
        hi = lo + 1;
    fpq_source_ref_free(&ref);
    if (st != FPQ_OK) {
        cli_error("%s", e.msg);
        fpq_io_close(&f);
        return CLI_EXIT_DATA;
    }
    if (!single && !stats && !csv) { /* the listing */
        if (!*first_block)
            putchar('\n');
        *first_block = false;
        printf("%s: %s, %zu tensor%s\n", f.path, f.kind, f.nt, f.nt == 1 ? "" : "s");
        cli_grid g;
        cli_grid_init(&g, 4);
        cli_grid_add(&g, "name");
        cli_grid_add(&g, "dtype");
        cli_grid_add(&g, "shape");
        cli_grid_add(&g, "n");
        for (size_t i = 0; i < f.nt; i++) {
            fpq_io_shape_text(shape, sizeof shape, &f.t[i]);
            cli_grid_add(&g, f.t[i].name);
            cli_grid_add(&g, f.t[i].dtype);
            cli_grid_add(&g, shape);
            cli_grid_addf(&g, "%llu", (unsigned long long)f.t[i].n);
        }
        cli_grid_print(&g, stdout, false, "");
        cli_grid_free(&g);
        fpq_io_close(&f);
        return CLI_EXIT_OK;
    }
    size_t nread = 0;
    bool failed = false;
    for (size_t i = lo; i < hi; i++) {
        const fpq_io_tensor *ti = &f.t[i];
        fpq_io_shape_text(shape, sizeof shape, ti);
        fpq_tensor t;
        int rst = fpq_io_read(&t, &f, i, &e);
        if (rst != FPQ_OK) {
            if (single) {
                cli_error("%s", e.msg);
                rc = CLI_EXIT_DATA;
                break;
            }
            /* a tensor fpq cannot read, among others: say so, go on (a
             * failure to allocate is an error, the run's exit status 1) */
            if (rst == FPQ_ERR_NO_MEMORY) {
                cli_error("%s", e.msg);
                failed = true;
            } else {
                cli_error("note: %s", e.msg);
            }
            if (csv) {
                cli_grid g;
                cli_grid_init(&g, 11);
                cli_grid_add(&g, ti->name);
                cli_grid_add(&g, ti->dtype);
                cli_grid_add(&g, shape);
                cli_grid_addf(&g, "%llu", (unsigned long long)ti->n);
                for (int k = 0; k < 7; k++)
                    cli_grid_add(&g, "");
                cli_grid_print(&g, stdout, true, NULL);
                cli_grid_free(&g);
            }
            continue;
        }
        if (!csv && !*first_block)
            putchar('\n');
        *first_block = false;
        char label[1024];
        if (single)
            snprintf(label, sizeof label, "%s", source);
        else if (csv)
            snprintf(label, sizeof label, "%s", ti->name);
        else
            snprintf(label, sizeof label, "%s::%s", f.path, ti->name);
        rc = print_stats(label, ti->dtype, shape, &t, csv);
        fpq_tensor_free(&t);
        if (rc != CLI_EXIT_OK)
            break;
        nread++;
    }
    if (rc == CLI_EXIT_OK && !single && nread == 0) {
        cli_error("%s: no tensor could be read (%zu listed)", f.path, f.nt);
        rc = CLI_EXIT_DATA;
    } else if (rc == CLI_EXIT_OK && failed) {
        rc = CLI_EXIT_DATA;
    }
    fpq_io_close(&f);
    return rc;
}

/* A command line of fpq inspect read. */
typedef struct inspect_args {
    const char **srcs;
    int nsrc;
    bool stats, csv;
} inspect_args;

/* One argument of the command line into the inspect_args ctx (cli_on_arg). */
static int inspect_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    inspect_args *a = ctx;
    (void)p;
    switch (id) {
    case CLI_HELP: inspect_help(stdout); break;
    case CLI_OPERAND: a->srcs[a->nsrc++] = arg; break;
    case OPT_STATS: a->stats = true; break;
    case CLI_ID_CSV: a->csv = true; break;
    }
    return CLI_EXIT_OK;
}

int cli_inspect_main(int argc, char **argv)
{
    inspect_args a = {cli_xmalloc(sizeof(char *) * (size_t)(argc + 1)), 0, false, false};
    cli_parser p;
    cli_parser_init(&p, "inspect", inspect_opts, argc, argv);
    int rc = cli_parse(&p, inspect_arg, &a);
    if (rc == CLI_EXIT_OK && a.nsrc == 0)
        rc = cli_usage_error("inspect", "missing SOURCE (a file, FILE::NAME or a spec)");
    if (rc != CLI_EXIT_OK) {
        free(a.srcs);
        return cli_exit_status(rc);
    }
    const bool stats = a.stats, csv = a.csv;
    if (csv) {
        cli_grid g;
        cli_grid_init(&g, 11);
        for (int i = 0; i < 11; i++)
            cli_grid_add(&g, csv_head[i]);
        cli_grid_print(&g, stdout, true, NULL);
        cli_grid_free(&g);
    }
    bool first = true;
    for (int i = 0; i < a.nsrc; i++) {
        int r = inspect_one(a.srcs[i], stats, csv, &first);
        if (r != CLI_EXIT_OK)
            rc = r;
    }
    free(a.srcs);
    return rc;
}
