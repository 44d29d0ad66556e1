/* cmd_dot.c: `fpq dot`, an emulated dot product beside the exact one
 * (fpq_dot, fpq_dot_f64).
 *
 * x and y come from one SOURCE: a tensor of two rows (row 0 is x, row 1 is
 * y) that the lab's loader reads -- a generator spec, so that
 * `fpq dot normal:rows=2,cols=N,seed=S` dots the values `fpq gen` writes for
 * that spec, or a tensor file -- or a text file of pairs "x y", one per
 * line, each number rounded once into --in from its exact value.  The
 * command line goes through the option layer (opt.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "qspec_opts.h"
#include "dist.h"
#include "opt.h"
#include "source.h"

enum { OPT_IN = 1, OPT_ACC, OPT_ORDER, OPT_PROD, OPT_RESULT, OPT_BLOCK_ACC, OPT_ACC_MODEL };

static const cli_opt options[] = {
    {OPT_IN, 0, "in", "FMT", "format of x and y (default: fp16)"},
    {OPT_ACC, 0, "acc", "FMT", "accumulator format, or exact (default: fp32)"},
    {OPT_ORDER, 0, "order", "ORD", "seq, pairwise or block:K (default: seq)"},
    {OPT_PROD, 0, "prod", "FMT", "round each product into FMT, or exact (default: exact)"},
    {OPT_RESULT, 0, "result", "FMT", "format of the result (default: --acc; fp32 when\n--acc exact)"},
    {OPT_BLOCK_ACC, 0, "block-acc", "FMT", "block:K: format of the sum of block sums, or exact\n(default: fp32)"},
    {OPT_ACC_MODEL, 0, "acc-model", "M", "sum as accumulation model M (a preset below and/or\nitems; replaces --acc, --order, --block-acc)"},
    CLI_OPTS_ROUNDING,
    {0},
};

static void print_help(FILE *f)
{
    fprintf(f,
            "Usage: fpq dot SOURCE [OPTIONS]\n"
            "\n"
            "Emulate a dot product as an accelerator computes it, and print the\n"
            "emulated result, the exact result and their difference (fpq_dot).\n"
            "The inputs are rounded into the --in format; each product x*y is exact,\n"
            "or rounded into --prod; the products are summed in the --acc format in\n"
            "the --order given; the sum is rounded into --result.  The exact result\n"
            "is the dot product of the rounded inputs with no other rounding.\n"
            "\n"
            "SOURCE holds x and y, n values each:\n"
            "  a tensor of 2 rows, row 0 x and row 1 y: a generator spec such as\n"
            "    normal:rows=2,cols=4096,seed=1 (the values 'fpq gen' writes for it;\n"
            "    'fpq gen --help' lists the distributions), or a tensor file\n"
            "    (.npy, .safetensors, FILE::NAME, raw:FILE,..., SRC[A:B], as 'fpq\n"
            "    quant' reads them); its values are rounded into --in, x[i] at\n"
            "    stochastic position i and y[i] at n + i;\n"
            "  a text file that is no tensor file, or \"-\" (standard input): two\n"
            "    numbers x y per line, decimal or hex-float, each rounded once into\n"
            "    --in from its exact value, at the same positions; blank lines and\n"
            "    lines starting with # are skipped.\n"
            "All roundings use --round, --seed, --saturate and --symmetric.\n"
            "\n"
            "Example: fpq dot --acc fp16 --order pairwise normal:rows=2,cols=4096,seed=1\n"
            "\n"
            "Options:\n");
    cli_opts_help(f, options);
    fprintf(f,
            "\n"
            "Accumulation models (--acc-model): the products are taken `block` at a\n"
            "time; a block's products and the running sum are aligned to the largest\n"
            "exponent among them (an exact product x*y counts as ex + ey, its\n"
            "significand in [1, 4)); each keeps the bits down to 2^(E - m - extra),\n"
            "m the mantissa bits of the accumulator, the rest truncated (align=rtz)\n"
            "or rounded (align=rne); they are summed exactly and the sum rounded into\n"
            "acc (round=rtz|rne) after each block (norm=block) or carried exactly\n"
            "(norm=end); promote=N adds the partial sum into promote-acc every N\n"
            "products (promote-round) and restarts it.  Items: block=K, extra=F|exact,\n"
            "align=rtz|rne, acc=FMT, norm=block|end, round=rtz|rne, promote=N|none,\n"
            "promote-acc=FMT, promote-round=rtz|rne (defaults: block=4, extra=0,\n"
            "align=rtz, acc=fp32, round=rtz, norm=block, promote=none, fp32, rne).\n"
            "M is a preset, items, or a preset then items (h100-fp8,promote=128).\n"
            "The result is in promote-acc when the model promotes, else in acc, unless\n"
            "--result.  Presets (sources in the README):\n");
    for (size_t i = 0; i < fpq_acc_npresets; i++) {
        const fpq_acc_preset *p = &fpq_acc_presets[i];
        if (strlen(p->model) <= 46)
            fprintf(f, "  %-21s %-9s %s\n", p->name, p->input, p->model);
        else /* the items on a line of their own */
            fprintf(f, "  %-21s %s\n    %s\n", p->name, p->input, p->model);
    }
    fprintf(f, "\nFMT, numbers, option syntax and exit status: see 'fpq --help'.\n");
}

typedef struct dot_opts {
    const char *source; /* the operand */
    int nops;
    fpq_dot_spec spec;
    fpq_rounding rnd;
    fpq_format in, acc, prod, result, bacc;
    bool acc_exact, prod_exact, bacc_exact, have_prod, have_result;
    fpq_acc_model model;
    const char *model_text, *model_clash; /* --acc-model; an option it replaces */
} dot_opts;

/* FMT, or "exact" when exact is non-NULL (then *exact says which). */
static int format_arg(const cli_parser *p, fpq_format *f, bool *exact, const char *arg)
{
    if (exact)
        *exact = strcmp(arg, "exact") == 0;
    return exact && *exact ? CLI_EXIT_OK : cli_arg_format(p, arg, f);
}

static int order_arg(const cli_parser *p, fpq_dot_spec *s, const char *arg)
{
    if (strcmp(arg, "seq") == 0) {
        s->order = FPQ_DOT_SEQ;
    } else if (strcmp(arg, "pairwise") == 0) {
        s->order = FPQ_DOT_PAIRWISE;
    } else if (strncmp(arg, "block:", 6) == 0) {
        char *end;
        errno = 0;
        unsigned long long k = arg[6] >= '0' && arg[6] <= '9' ? strtoull(arg + 6, &end, 10) : 0;
        if (k == 0 || *end || errno || k > (1ULL << 40))
            return cli_opt_error(p, "bad block size in '%s' (block:K, 1 <= K <= 2^40)", arg);
        s->order = FPQ_DOT_BLOCK;
        s->block = (size_t)k;
    } else {
        return cli_opt_error(p, "unknown order '%s' (seq, pairwise or block:K)", arg);
    }
    return CLI_EXIT_OK;
}

/* One argument of the command line into the dot_opts ctx (cli_on_arg);
 * the rounding options go to p->rnd. */
static int dot_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    dot_opts *o = ctx;
    switch (id) {
    case CLI_HELP: print_help(stdout); break;
    case CLI_OPERAND:
        if (o->nops++ == 1)
            return cli_usage_error("dot", "unexpected operand '%s'", arg);
        o->source = arg;
        break;
    case OPT_IN: return format_arg(p, &o->in, NULL, arg);
    case OPT_ACC_MODEL: {
        char why[200];
        o->model_text = arg;
        if (fpq_acc_model_parse(&o->model, arg, why, sizeof why) != FPQ_OK)
            return cli_opt_error(p, "%s", why);
        break;
    }
    case OPT_ACC:
        o->model_clash = "--acc";
        return format_arg(p, &o->acc, &o->acc_exact, arg);
    case OPT_PROD:
        o->have_prod = true;
        return format_arg(p, &o->prod, &o->prod_exact, arg);
    case OPT_RESULT:
        o->have_result = true;
        return format_arg(p, &o->result, NULL, arg);
    case OPT_BLOCK_ACC:
        o->model_clash = "--block-acc";
        return format_arg(p, &o->bacc, &o->bacc_exact, arg);
    case OPT_ORDER:
        o->model_clash = "--order";
        return order_arg(p, &o->spec, arg);
    }
    return CLI_EXIT_OK;
}

/* Fill *o from the command line: CLI_EXIT_OK, CLI_HELP_SHOWN or a reported
 * usage error. */
static int parse(dot_opts *o, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, "dot", options, argc, argv);
    p.rnd = &o->rnd;
    int rc = cli_parse(&p, dot_arg, o);
    if (rc == CLI_EXIT_OK && o->model_text && o->model_clash)
        rc = cli_usage_error("dot", "%s does not apply with --acc-model (the model sets the accumulator and the "
                                    "order: acc=FMT, block=K, promote=N)", o->model_clash);
    if (rc == CLI_EXIT_OK && o->nops == 0)
        rc = cli_usage_error("dot", "missing SOURCE (a generator spec such as normal:rows=2,cols=4096,seed=1, "
                                    "a tensor file or a text file of pairs x y)");
    return rc;
}

/* ---------------------------------------------------------------------- */
/* A text file of pairs.                                                  */

/* One number of a data line; end at the next blank. */
static bool read_number(mpfr_ptr v, char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    if (e == s)
        return false;
    char save = *e;
    *e = '\0';
    int st = fpq_parse_value(v, NULL, s);
    *e = save;
    *p = e;
    return st == FPQ_OK;
}

/* The pairs of path ("-": standard input) as patterns of in: x[i] at
 * position rnd->position + i, y[i] at rnd->position + n + i, as
 * fpq_dot_f64 does; *fl gets the flags of those roundings. */
static int read_pairs(uint64_t **x, uint64_t **y, size_t *np, const char *path, const fpq_format *in,
                      const fpq_rounding *rnd, unsigned *fl)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    const char *name = fp == stdin ? "<stdin>" : path;
    if (!fp) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_EXIT_DATA;
    }
    mpfr_t a, b;
    mpfr_inits2(FPQ_PARSE_PREC, a, b, (mpfr_ptr)0);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    unsigned long long lineno = 0;
    int rc = CLI_EXIT_OK;
    mpfr_t *ax = NULL, *ay = NULL; /* parsed values, encoded once n is known */
    size_t n = 0, cap = 0;
    while ((got = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        bool ok = memchr(line, '\0', (size_t)got) == NULL && read_number(a, &p) && read_number(b, &p);
        while (ok && (*p == ' ' || *p == '\t'))
            p++;
        if (!ok || *p) {
            cli_error("%s:%llu: expected two numbers 'x y', got '%s'", name, lineno, line);
            rc = CLI_EXIT_DATA;
            break;
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 1024;
            ax = cli_xrealloc(ax, nc * sizeof *ax);
            ay = cli_xrealloc(ay, nc * sizeof *ay);
            for (size_t i = cap; i < nc; i++) {
                mpfr_init2(ax[i], FPQ_PARSE_PREC);
                mpfr_init2(ay[i], FPQ_PARSE_PREC);
            }
            cap = nc;
        }
        mpfr_set(ax[n], a, MPFR_RNDN);
        mpfr_set(ay[n], b, MPFR_RNDN);
        n++;
    }
    if (rc == CLI_EXIT_OK && ferror(fp)) {
        cli_error("%s: %s", name, strerror(errno));
        rc = CLI_EXIT_DATA;
    }
    if (rc == CLI_EXIT_OK) {
        *x = cli_xmalloc((n ? n : 1) * sizeof **x);
        *y = cli_xmalloc((n ? n : 1) * sizeof **y);
        fpq_rounding r = *rnd;
        for (size_t i = 0; i < n; i++) {
            unsigned f1, f2;
            r.position = rnd->position + i;
            fpq_encode(&(*x)[i], &f1, in, ax[i], &r);
            r.position = rnd->position + n + i;
            fpq_encode(&(*y)[i], &f2, in, ay[i], &r);
            *fl |= f1 | f2;
        }
        *np = n;
    }
    for (size_t i = 0; i < cap; i++) {
        mpfr_clear(ax[i]);
        mpfr_clear(ay[i]);
    }
    free(ax);
    free(ay);
    free(line);
    mpfr_clears(a, b, (mpfr_ptr)0);
    if (fp != stdin)
        fclose(fp);
    return rc;
}

/* ---------------------------------------------------------------------- */

static bool regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The tensor of source, or *pairs set when source is "-" or a file the
 * lab's loader does not read as a tensor. */
static int load(fpq_tensor *t, bool *pairs, const char *source)
{
    *pairs = strcmp(source, "-") == 0;
    if (*pairs)
        return CLI_EXIT_OK;
    if (regular_file(source)) {
        fpq_errbuf e;
        *pairs = fpq_source_load(t, source, &e) != FPQ_OK;
        return CLI_EXIT_OK;
    }
    return cli_load_source(t, "dot", source, "");
}

static int report(const fpq_dot_spec *s, uint64_t out, unsigned fl, mpfr_srcptr exact, size_t n)
{
    const fpq_format *of = fpq_dot_out_format(s);
    mpfr_t v, diff;
    mpfr_init2(v, 64);
    fpq_class cls;
    fpq_decode(v, &cls, NULL, of, out);
    /* the difference, exactly: enough bits for both operands' spans */
    mpfr_prec_t pd = mpfr_get_prec(exact) + 64;
    if (mpfr_regular_p(exact) && mpfr_regular_p(v))
        pd += labs((long)mpfr_get_exp(exact) - (long)mpfr_get_exp(v)) + 64;
    mpfr_init2(diff, pd);
    mpfr_sub(diff, v, exact, MPFR_RNDN); /* exact at this precision */
    char hexs[24], names[CLI_FLAGS_MAX];
    fpq_sprint_bits(hexs, of, out);
    cli_flags_text(names, fl);
    cli_buf b = {0};
    printf("n         %zu\n", n);
    printf("emulated  %s  %s\n", hexs, cli_exact(&b, v));
    printf("exact     %s\n", cli_exact(&b, exact));
    printf("error     %s\n", cli_exact(&b, diff));
    if (mpfr_regular_p(exact) && mpfr_number_p(diff)) {
        mpfr_div(diff, diff, exact, MPFR_RNDN);
        printf("relative  %.6e\n", mpfr_get_d(diff, MPFR_RNDN));
    } else {
        printf("relative  %s\n", mpfr_zero_p(diff) ? "0" : "-");
    }
    printf("flags     %s\n", names);
    cli_buf_free(&b);
    mpfr_clears(v, diff, (mpfr_ptr)0);
    return CLI_EXIT_OK;
}

int cli_dot_main(int argc, char **argv)
{
    dot_opts o;
    memset(&o, 0, sizeof o);
    fpq_dot_spec_default(&o.spec);
    fpq_rounding_default(&o.rnd);
    fpq_format fp32;
    if ((fpq_format_parse(&o.in, "fp16") | fpq_format_parse(&o.acc, "fp32") | fpq_format_parse(&o.bacc, "fp32") |
         fpq_format_parse(&fp32, "fp32")) != FPQ_OK) {
        cli_error("internal error: presets fp16/fp32 missing");
        return CLI_EXIT_DATA;
    }
    int rc = parse(&o, argc, argv);
    if (rc != CLI_EXIT_OK)
        return cli_exit_status(rc);
    const char *source = o.source;
    o.spec.in = &o.in;
    o.spec.prod = o.have_prod && !o.prod_exact ? &o.prod : NULL;
    o.spec.acc = o.acc_exact ? NULL : &o.acc;
    o.spec.out = o.have_result ? &o.result : o.acc_exact ? &fp32 : NULL;
    o.spec.block_acc = o.bacc_exact ? NULL : &o.bacc;
    o.spec.rnd_in = o.spec.rnd = o.spec.rnd_out = o.rnd;
    if (o.model_text) {
        o.spec.model = &o.model;
        o.spec.out = o.have_result ? &o.result : NULL;
    }

    fpq_tensor t = FPQ_TENSOR_INIT;
    bool pairs;
    if ((rc = load(&t, &pairs, source)) != CLI_EXIT_OK)
        return rc;
    uint64_t *x = NULL, *y = NULL, out = 0;
    size_t n = 0;
    unsigned fl_in = 0, fl = 0;
    if (pairs) {
        rc = read_pairs(&x, &y, &n, source, &o.in, &o.rnd, &fl_in);
    } else if (t.rows != 2) {
        if (fpq_gen_is_spec(source)) {
            rc = cli_usage_error("dot", "%s is a %zu x %zu tensor; dot takes x and y from 2 rows "
                                 "(e.g. normal:rows=2,cols=4096,seed=1)", source, t.rows, t.cols);
        } else {
            cli_error("%s is a %zu x %zu tensor; dot takes x and y from 2 rows", source, t.rows, t.cols);
            rc = CLI_EXIT_DATA;
        }
    }
    mpfr_t exact;
    mpfr_init2(exact, 2);
    if (rc == CLI_EXIT_OK) {
        int st = pairs ? fpq_dot(&out, &fl, exact, x, y, n, &o.spec)
                       : fpq_dot_f64(&out, &fl, exact, t.data, t.data + t.cols, t.cols, &o.spec);
        if (st != FPQ_OK) {
            cli_error("dot: %s", fpq_strerror(st));
            rc = CLI_EXIT_DATA;
        } else {
            rc = report(&o.spec, out, fl | fl_in, exact, pairs ? n : t.cols);
        }
    }
    mpfr_clear(exact);
    fpq_tensor_free(&t);
    free(x);
    free(y);
    return rc;
}
