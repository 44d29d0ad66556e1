/* cmd_qvectors.c: `fpq vectors quant` and `fpq verify quant` -- test
 * vectors for quantizers (an input tensor, the codes and scales the
 * reference stores for it: fpq_quantize_parts) and the check of a
 * quantizer under test against them; and the `fpq vectors` and `fpq
 * verify` entries of the command table, which hand every other first
 * operand to the converter vectors (formats/cli/cmd_vectors.c,
 * cmd_verify.c).
 *
 * The spec options are qspec_opts.c's, one spec.  Without a SOURCE the
 * input is tie-heavy: the ties generator (dist.h) on the element format
 * times 2^-4, with each unit's first value its maximum where the units
 * are runs of a row (tensor, row, groups along a row), so that the scale
 * is exactly 2^-4 and half the values are exact ties of x / S. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "qspec_opts.h"
#include "source.h"

enum { OPT_F64 = 1, OPT_EXAMPLES };

#define QV_EXAMPLES_DEFAULT 5
#define QV_PATH 4200 /* a prefix of up to 4096 bytes and a suffix */

static const cli_opt qv_own[] = {
    CLI_OPT_OUT("PREFIX", "vectors: write PREFIX-x.npy (the input),\n"
                          "PREFIX-codes.npy (int64, x's shape), PREFIX-scales.npy\n"
                          "(float64, one per unit; fpq quant --scales says the\n"
                          "shape) and, for zeropoint, PREFIX-zero-points.npy"),
    CLI_OPT_FORCE("replace existing files (refused without it)"),
    {OPT_F64, 0, "f64", NULL,
     "keep the input in binary64 (default: every value is\n"
     "rounded to binary32 first and written as float32,\n"
     "the input of a float32 kernel)"},
    {OPT_EXAMPLES, 0, "max-examples", "N", "verify: mismatches shown, 0 to 2^32 (default 5)"},
    {0},
};

#define QV_NOPTS (CLI_QSPEC_NOPTS + 5)

static void qv_help(FILE *f, bool verify)
{
    const cli_help_part parts[] = {{NULL, cli_qspec_options}, {"\nOther options:\n", qv_own}};
    if (verify)
        fprintf(f,
                "Usage: fpq verify quant [SPEC OPTIONS] [SOURCE] -- CMD [ARGS...]\n"
                "\n"
                "Check the quantizer CMD against the reference on the vectors of 'fpq vectors\n"
                "quant' (same options): CMD is run as CMD ARGS... X.npy CODES.npy SCALES.npy\n"
                "(and ZERO_POINTS.npy for zeropoint), reads X (float32, or float64 with\n"
                "--f64) and must write the codes in X's shape and one scale per unit, as\n"
                "'fpq vectors quant' lays them out (any .npy dtype holding the values).\n"
                "Every code and scale is compared; a code mismatch is marked 'tie' when\n"
                "the reference's exact quotient x/S is a midpoint of the element format.\n"
                "CMD's standard output goes to standard error.\n"
                "\n"
                "Exit status: 0 every code and scale agrees; 1 a mismatch, a missing or\n"
                "malformed output file, or CMD failed; 2 usage error.\n"
                "\n"
                "Example: fpq verify quant --format int4 --group 32 -- python3 my_quant.py\n");
    else
        fprintf(f,
                "Usage: fpq vectors quant [SPEC OPTIONS] [SOURCE] -o PREFIX\n"
                "\n"
                "Write test vectors for a quantizer: the input tensor, the codes and the\n"
                "scales the reference (fpq quant, the same spec options) stores for it.\n"
                "SOURCE is a tensor or generator spec (see 'fpq quant --help'); without it,\n"
                "256 rows of tie-heavy values: ties:fmt=FORMAT,scale=0.0625,group=UNIT\n"
                "(see 'fpq gen --help'), 256 columns (a multiple of the group size), with\n"
                "each unit's first value its maximum (per tensor, row or group along a\n"
                "row), so that S = 2^-4 and half the values are exact ties of x/S; the\n"
                "seed is --seed's.\n"
                "\n"
                "Example: fpq vectors quant --format int4 --group 32 --quotient div -o t\n");
    fprintf(f, "\nSpec options:\n");
    cli_opts_help_parts(f, parts, sizeof parts / sizeof parts[0]);
    fprintf(f, "\nFMT and option syntax: see 'fpq --help'.\n");
}

typedef struct qv_args {
    cli_qspec_opts q;
    const char *src, *out, *cmdname;
    bool force, f64, verify;
    unsigned long long examples;
    char **cmd; /* verify: CMD and its arguments, NULL-terminated */
} qv_args;

static int qv_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    qv_args *a = ctx;
    if (a->cmd)
        return CLI_EXIT_OK;
    switch (id) {
    case CLI_HELP: qv_help(stdout, a->verify); break;
    case CLI_OPERAND:
        if (a->verify && p->operands_only) {
            a->cmd = &p->argv[p->next - 1];
            break;
        }
        if (a->src)
            return cli_usage_error(a->cmdname, "unexpected operand '%s' (one SOURCE%s)", arg,
                                   a->verify ? "; CMD follows '--'" : "");
        a->src = arg;
        break;
    case CLI_ID_OUT: a->out = arg; break;
    case CLI_ID_FORCE: a->force = true; break;
    case OPT_F64: a->f64 = true; break;
    case OPT_EXAMPLES: return cli_arg_uint(p, arg, 0, 1ULL << 32, &a->examples);
    default: return cli_qspec_option(p, &a->q, id, arg);
    }
    return CLI_EXIT_OK;
}

/* The tie-heavy source for spec s. */
static void default_source(char *buf, size_t n, const fpq_qspec *s)
{
    size_t unit = 0, cols = 256;
    if (s->granularity == FPQ_GRAN_GROUP && s->axis == 1) {
        unit = s->group;
        cols = unit * ((256 + unit - 1) / unit);
    } else if (s->granularity == FPQ_GRAN_ROW) {
        unit = cols;
    }
    snprintf(buf, n, "ties:rows=256,cols=%zu,fmt=%s,scale=0.0625,group=%zu,seed=%llu", cols, s->format.name, unit,
             (unsigned long long)s->rnd.seed);
}

/* Parse, build the spec, load the input (rounded to binary32 unless
 * --f64) and compute the reference parts.  CLI_EXIT_OK or a reported
 * status. */
static int qv_load(qv_args *a, fpq_qspec *s, fpq_tensor *x, fpq_qparts *parts, int argc, char **argv)
{
    cli_qspec_opts_init(&a->q);
    a->examples = QV_EXAMPLES_DEFAULT;
    cli_opt table[QV_NOPTS];
    size_t n = 0;
    cli_opts_append(table, QV_NOPTS, &n, cli_qspec_options);
    cli_opts_append(table, QV_NOPTS, &n, qv_own);
    cli_parser p;
    cli_parser_init(&p, a->cmdname, table, argc, argv);
    int rc = cli_parse(&p, qv_arg, a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a->verify && !a->cmd)
        return cli_usage_error(a->cmdname, p.operands_only ? "missing CMD after '--'" : "missing '-- CMD ARGS...'");
    if (!a->verify && !a->out)
        return cli_usage_error(a->cmdname, "missing -o PREFIX (the vectors are .npy files)");
    if (a->verify && a->out)
        return cli_usage_error(a->cmdname, "-o applies to fpq vectors quant");
    if ((rc = cli_qspec_build(s, a->cmdname, "", &a->q)) != CLI_EXIT_OK)
        return rc;
    char src[256];
    if (a->src)
        snprintf(src, sizeof src, "%s", a->src);
    else
        default_source(src, sizeof src, s);
    if ((rc = cli_load_source(x, a->cmdname, src, "")) != CLI_EXIT_OK)
        return rc;
    if (!a->f64)
        for (size_t i = 0; i < fpq_tensor_size(x); i++)
            x->data[i] = (double)(float)x->data[i];
    fpq_errbuf e = {""};
    int st = fpq_quantize_parts(NULL, NULL, parts, x, NULL, s, &e);
    if (st == FPQ_LAB_ERR_SPEC)
        return cli_usage_error(a->cmdname, "%s", e.msg);
    if (st != FPQ_OK) {
        cli_error("%s: %s", src, e.msg);
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

/* Write x, the codes, scales and zero-points to the 3 or 4 paths. */
static int write_vectors(char paths[4][QV_PATH], const fpq_tensor *x, const fpq_qparts *parts, bool zp, bool f64,
                         unsigned flags)
{
    fpq_errbuf e = {""};
    int st = fpq_npy_write(paths[0], x, f64 ? 0 : 1, flags, &e);
    if (st == FPQ_OK)
        st = fpq_npy_write_i64(paths[1], parts->codes, x->rows, x->cols, flags, &e);
    if (st == FPQ_OK)
        st = fpq_npy_write(paths[2], &parts->scales, 0, flags, &e);
    if (st == FPQ_OK && zp)
        st = fpq_npy_write(paths[3], &parts->zero_points, 0, flags, &e);
    if (st == FPQ_OK)
        return CLI_EXIT_OK;
    cli_error("%s", e.msg);
    return CLI_EXIT_DATA;
}

static void name_paths(char paths[4][QV_PATH], const char *prefix, const char *sep)
{
    static const char *const what[4] = {"x", "codes", "scales", "zero-points"};
    for (int k = 0; k < 4; k++)
        snprintf(paths[k], sizeof paths[k], "%s%s%s.npy", prefix, sep, what[k]);
}

static int qvectors_main(int argc, char **argv)
{
    qv_args a = {.cmdname = "vectors quant"};
    fpq_qspec s;
    fpq_tensor x = FPQ_TENSOR_INIT;
    fpq_qparts parts = {0};
    int rc = qv_load(&a, &s, &x, &parts, argc, argv);
    if (rc == CLI_EXIT_OK) {
        char paths[4][QV_PATH];
        const bool zp = s.scheme == FPQ_SCHEME_ZEROPOINT;
        name_paths(paths, a.out, "-");
        rc = write_vectors(paths, &x, &parts, zp, a.f64, a.force ? FPQ_OUT_FORCE : 0);
        if (rc == CLI_EXIT_OK)
            printf("%s (%zu x %zu, %s), %s (int64), %s (%zu x %zu)%s%s\n", paths[0], x.rows, x.cols,
                   a.f64 ? "float64" : "float32", paths[1], paths[2], parts.scales.rows, parts.scales.cols,
                   zp ? ", " : "", zp ? paths[3] : "");
    }
    fpq_qparts_free(&parts);
    fpq_tensor_free(&x);
    return cli_exit_status(rc);
}

/* ---------------------------------------------------------------------- */
/* verify                                                                 */

/* Run cmd with the n paths appended, its standard output on our standard
 * error; 0 when it exited with status 0, else -1 (reported). */
static int run_quantizer(char **cmd, char paths[4][QV_PATH], int n)
{
    size_t argc = 0;
    while (cmd[argc])
        argc++;
    char **av = cli_xmalloc((argc + (size_t)n + 1) * sizeof *av);
    memcpy(av, cmd, argc * sizeof *av);
    for (int k = 0; k < n; k++)
        av[argc + (size_t)k] = paths[k];
    av[argc + (size_t)n] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(av[0], av);
        fprintf(stderr, "fpq: verify quant: cannot run '%s': %s\n", av[0], strerror(errno));
        _exit(127);
    }
    free(av);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        cli_error("verify quant: cannot run '%s': %s", cmd[0], strerror(errno));
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        cli_error("verify quant: '%s' exited with status %d", cmd[0], WEXITSTATUS(status));
    else
        cli_error("verify quant: '%s' was killed by signal %d", cmd[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

/* Whether the exact x / S is a midpoint of consecutive values of f. */
static bool exact_tie(double x, double S, const fpq_format *f)
{
    MPFR_DECL_INIT(y, 200);
    MPFR_DECL_INIT(a, 64);
    MPFR_DECL_INIT(b, 64);
    mpfr_set_d(y, x, MPFR_RNDN);
    mpfr_div_d(y, y, S, MPFR_RNDN); /* 200 bits: the side of every midpoint kept */
    fpq_rounding lo, hi;
    fpq_rounding_default(&lo);
    fpq_rounding_default(&hi);
    lo.mode = FPQ_RDN;
    hi.mode = FPQ_RUP;
    lo.overflow = hi.overflow = FPQ_OVF_SATURATE;
    uint64_t ca, cb;
    fpq_encode(&ca, NULL, f, y, &lo);
    fpq_encode(&cb, NULL, f, y, &hi);
    fpq_decode(a, NULL, NULL, f, ca);
    fpq_decode(b, NULL, NULL, f, cb);
    if (ca == cb || !mpfr_number_p(a) || !mpfr_number_p(b))
        return false;
    MPFR_DECL_INIT(m, 200);
    mpfr_add(m, a, b, MPFR_RNDN);
    mpfr_div_2ui(m, m, 1, MPFR_RNDN);
    return mpfr_cmp(m, y) == 0;
}

/* Load the tensor CMD wrote at path, of want values; CLI_EXIT_OK or a
 * reported CLI_EXIT_DATA. */
static int load_answer(fpq_tensor *t, const char *path, const char *what, size_t want)
{
    fpq_errbuf e = {""};
    char src[QV_PATH + 8];
    snprintf(src, sizeof src, "file:%s", path);
    if (fpq_source_load(t, src, &e) != FPQ_OK) {
        cli_error("verify quant: the %s the quantizer wrote: %s", what, e.msg);
        return CLI_EXIT_DATA;
    }
    if (fpq_tensor_size(t) != want) {
        cli_error("verify quant: the quantizer wrote %zu %s (%zu x %zu), the reference has %zu", fpq_tensor_size(t),
                  what, t->rows, t->cols, want);
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

/* Compare; print the summary and examples.  CLI_EXIT_OK when all agree. */
static int compare(const qv_args *a, const fpq_qspec *s, const fpq_tensor *x, const fpq_qparts *ref,
                   const fpq_tensor *codes, const fpq_tensor *scales, const fpq_tensor *zps)
{
    size_t bad = 0, ties = 0, sbad = 0, zbad = 0, shown = 0;
    const size_t units = fpq_tensor_size(&ref->scales);
    for (size_t u = 0; u < units; u++) {
        sbad += scales->data[u] != ref->scales.data[u];
        zbad += zps && zps->data[u] != ref->zero_points.data[u];
        if ((scales->data[u] != ref->scales.data[u]) && shown < a->examples) {
            printf("  scale of unit %zu: expected %.17g, got %.17g\n", u, ref->scales.data[u], scales->data[u]);
            shown++;
        }
    }
    for (size_t i = 0; i < ref->n; i++) {
        if (codes->data[i] == (double)ref->codes[i])
            continue;
        size_t r = i / x->cols, c = i % x->cols, u;
        switch (s->granularity) { /* the unit of element (r, c), in quant.h's order */
        case FPQ_GRAN_TENSOR: u = 0; break;
        case FPQ_GRAN_ROW: u = r; break;
        case FPQ_GRAN_COL: u = c; break;
        default: u = s->axis == 0 ? (r / s->group) * x->cols + c : r * ref->scales.cols + c / s->group; break;
        }
        if (s->outlier > 0)
            u = units; /* the split moves columns: the unit is not shown */
        double S = u < units ? ref->scales.data[u] : NAN;
        bool tie = u < units && exact_tie(x->data[i], S, &s->format);
        bad++;
        ties += tie;
        if (shown < a->examples) {
            printf("  element (%zu, %zu)", r, c);
            if (u < units)
                printf(", unit %zu", u);
            printf(": x = %.17g", x->data[i]);
            if (u < units)
                printf(", S = %.17g", S);
            printf(", expected code %lld, got %.17g%s\n", (long long)ref->codes[i], codes->data[i],
                   tie ? " (tie)" : "");
            shown++;
        }
    }
    printf("fpq verify quant: %zu values in %zu units: %zu code mismatches (%zu at exact ties of x/S), %zu scale "
           "mismatches%s",
           ref->n, units, bad, ties, sbad, zps ? "" : "\n");
    if (zps)
        printf(", %zu zero-point mismatches\n", zbad);
    return bad || sbad || zbad ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

static int qverify_main(int argc, char **argv)
{
    qv_args a = {.cmdname = "verify quant", .verify = true};
    fpq_qspec s;
    fpq_tensor x = FPQ_TENSOR_INIT, codes = FPQ_TENSOR_INIT, scales = FPQ_TENSOR_INIT, zps = FPQ_TENSOR_INIT;
    fpq_qparts parts = {0};
    char dir[4096] = "";
    char paths[4][QV_PATH];
    int rc = qv_load(&a, &s, &x, &parts, argc, argv);
    const bool zp = s.scheme == FPQ_SCHEME_ZEROPOINT;
    if (rc != CLI_EXIT_OK)
        goto done;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fpq-qverify.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        cli_error("verify quant: cannot create a temporary directory %s: %s", dir, strerror(errno));
        dir[0] = '\0';
        rc = CLI_EXIT_DATA;
        goto done;
    }
    char prefix[4096];
    snprintf(prefix, sizeof prefix, "%s/", dir);
    name_paths(paths, prefix, "");
    fpq_errbuf e = {""};
    if (fpq_npy_write(paths[0], &x, a.f64 ? 0 : 1, 0, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if (run_quantizer(a.cmd, paths, zp ? 4 : 3) != 0) {
        rc = CLI_EXIT_DATA;
        goto done;
    }
    if ((rc = load_answer(&codes, paths[1], "codes", parts.n)) != CLI_EXIT_OK
        || (rc = load_answer(&scales, paths[2], "scales", fpq_tensor_size(&parts.scales))) != CLI_EXIT_OK
        || (zp && (rc = load_answer(&zps, paths[3], "zero-points", fpq_tensor_size(&parts.zero_points))) != CLI_EXIT_OK))
        goto done;
    rc = compare(&a, &s, &x, &parts, &codes, &scales, zp ? &zps : NULL);
done:
    for (int k = 0; dir[0] && k < 4; k++)
        unlink(paths[k]);
    if (dir[0])
        rmdir(dir);
    fpq_qparts_free(&parts);
    fpq_tensor_free(&x);
    fpq_tensor_free(&codes);
    fpq_tensor_free(&scales);
    fpq_tensor_free(&zps);
    return cli_exit_status(rc);
}

/* ---------------------------------------------------------------------- */

int cli_vectors_any_main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "quant") == 0)
        return qvectors_main(argc - 1, argv + 1);
    return cli_vectors_main(argc, argv);
}

int cli_verify_any_main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "quant") == 0)
        return qverify_main(argc - 1, argv + 1);
    return cli_verify_main(argc, argv);
}
