/* cmd_bench.c: `fpq bench`, the speed of the bulk path against memory.
 *
 * Every figure is values per second, and a ratio to a plain float copy loop
 * (read 4 bytes, write 4 bytes per value) timed in the same run on the same
 * array with the same thread count, so the numbers say how close a kernel
 * comes to memory speed on the machine at hand.  Memory bandwidth on a
 * shared machine wanders (by a factor of two here, from one minute to the
 * next), so a copy pass runs before every timed pass of every kernel, and
 * a kernel's ratio is its best pass over the best of the copy passes taken
 * between its own: both measured in the same minute.  The copy_loop row
 * shows the best copy pass of the whole group (data set and thread count).
 * Speed is measured here and never asserted in a test. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "opt.h"

static const char *const bench_formats[] = {"fp16", "bf16", "fp8_e4m3", "fp8_e5m2",
                                            "fp6_e2m3", "fp4_e2m1", "int8", "int4"};
enum { NFORMATS = sizeof bench_formats / sizeof bench_formats[0] };

#define BENCH_LOG2N_DEFAULT 24
#define BENCH_REPS_DEFAULT 5
#define BENCH_REF_N 65536 /* values for the MPFR reference, which is slower */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void set_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

static int max_threads(void)
{
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

/* The copy loop stays a loop: GCC would otherwise turn it into memcpy, and
 * its optimize attribute says not to.  Clang has no such attribute (it
 * warns of an unknown one) and keeps this loop a loop as written. */
#if defined(__GNUC__) && !defined(__clang__)
#define KEEP_LOOP __attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
#else
#define KEEP_LOOP __attribute__((noinline))
#endif

KEEP_LOOP static void
copy_loop(float *restrict dst, const float *restrict src, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static void copy_memcpy(float *dst, const float *src, size_t n)
{
#pragma omp parallel
    {
#ifdef _OPENMP
        size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
#else
        size_t nt = 1, t = 0;
#endif
        size_t lo = n * t / nt, hi = n * (t + 1) / nt;
        memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);
    }
}

/* Deterministic inputs: N(0,1) by Box-Muller on fpq_sr_bits, or magnitudes
 * 1.m x 2^e with e uniform on [-30, 30] and a random sign. */
static void fill(float *x, size_t n, int wide)
{
    const double two_pi = 6.283185307179586;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        uint64_t a = fpq_sr_bits(1, 2 * i), b = fpq_sr_bits(1, 2 * i + 1);
        double u1 = ((double)(a >> 11) + 0.5) * 0x1p-53, u2 = (double)(b >> 11) * 0x1p-53;
        if (wide) {
            int e = (int)(a % 61) - 30;
            double m = 1.0 + u2;
            x[i] = (float)ldexp((b & 1) ? -m : m, e);
        } else {
            x[i] = (float)(sqrt(-2.0 * log(u1)) * cos(two_pi * u2));
        }
    }
}

typedef struct bench_ctx {
    float *src, *dst;
    void *packed;
    size_t n;
    int reps;
} bench_ctx;

typedef enum { K_COPY, K_MEMCPY, K_ROUND, K_ENCODE } kernel;

/* Seconds for one pass of a kernel over the array. */
static double time_once(bench_ctx *c, kernel k, const fpq_format *f, const fpq_rounding *r)
{
    double t0 = now();
    switch (k) {
    case K_COPY: copy_loop(c->dst, c->src, c->n); break;
    case K_MEMCPY: copy_memcpy(c->dst, c->src, c->n); break;
    case K_ROUND: fpq_round_f32(c->dst, c->src, c->n, f, r); break;
    case K_ENCODE: fpq_encode_f32(c->packed, c->src, c->n, f, r); break;
    }
    return now() - t0;
}

/* One output row: values per second of the kernel and of the copy passes
 * between its own. */
typedef struct bench_row {
    const char *kernel, *format;
    int threads;
    double vps, copy_vps;
} bench_row;

/* Best of reps passes, a copy pass before each; the group's best copy time
 * kept in *copy_best. */
static bench_row time_kernel(bench_ctx *c, kernel k, const char *name, const fpq_format *f,
                             const fpq_rounding *r, int threads, double *copy_best)
{
    double best = INFINITY, copy = INFINITY;
    for (int rep = 0; rep < c->reps; rep++) {
        double dt = time_once(c, K_COPY, NULL, NULL);
        copy = dt < copy ? dt : copy;
        dt = time_once(c, k, f, r);
        best = dt < best ? dt : best;
    }
    *copy_best = copy < *copy_best ? copy : *copy_best;
    return (bench_row){name, f ? f->name : "-", threads, (double)c->n / best, (double)c->n / copy};
}

/* The MPFR reference, one thread, on the first BENCH_REF_N values. */
static double time_reference(const float *src, size_t n, const fpq_format *f, const fpq_rounding *r)
{
    mpfr_t x;
    mpfr_init2(x, 24);
    uint64_t sink = 0, bits;
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        mpfr_set_flt(x, src[i], MPFR_RNDN);
        fpq_encode(&bits, NULL, f, x, r);
        sink += bits;
    }
    double dt = now() - t0;
    mpfr_clear(x);
    return sink == UINT64_MAX ? 0 : (double)n / dt;
}

static void row(bool csv, const char *kernel_name, const char *fmt, const char *data, int threads, double vps,
                double copy_vps)
{
    if (csv)
        printf("%s,%s,%s,%d,%.1f,%.3f\n", kernel_name, fmt, data, threads, vps / 1e6, vps / copy_vps);
    else
        printf("%-16s %-10s %-6s %7d %12.1f %14.3f\n", kernel_name, fmt, data, threads, vps / 1e6,
               vps / copy_vps);
    fflush(stdout);
}

enum { OPT_LOG2N = 1, OPT_REPS };

static const cli_opt bench_opts[] = {
    CLI_OPT_CSV("CSV with a header line"),
    {OPT_LOG2N, 0, "log2n", "N", "array of 2^N values, 10 <= N <= 28"},
    {OPT_REPS, 0, "reps", "R", "best of R passes, 1 <= R <= 100"},
    CLI_OPT_ROUND("rounding: {modes}\n(default: rne; sr with seed 0)"),
    {0},
};

static void bench_help(FILE *f)
{
    fprintf(f,
            "Usage: fpq bench [OPTIONS]\n"
            "\n"
            "Measure the bulk path on 2^N float32 values (default N = %d) of two data\n"
            "sets: normal, N(0,1); wide, magnitudes 1.m x 2^e with e uniform on\n"
            "[-30, 30].  Kernels: round (fpq_round_f32: fp32 in, fp32 out) and encode\n"
            "(fpq_encode_f32: packed bit patterns) for",
            BENCH_LOG2N_DEFAULT);
    for (int i = 0; i < NFORMATS; i++)
        fprintf(f, "%s %s", i ? "," : "", bench_formats[i]);
    fprintf(f,
            ",\nin nearest-even (or --round MODE), with one thread and with all threads;\n"
            "beside them a plain float copy loop and memcpy of the same array, and the\n"
            "MPFR "
            "reference (fpq_encode, one thread, the first %d values) for each format.\n"
            "Each figure is the best of R passes (default %d).  A copy-loop pass runs\n"
            "before every timed pass: memory speed wanders on a shared machine, so\n"
            "a kernel is compared with the copy passes taken between its own.\n"
            "\n"
            "Columns: kernel, format, data, threads, mvals_per_s (millions of values\n"
            "per second), ratio_to_copy (to the best of the float copy-loop passes\n"
            "interleaved with the kernel's, same data and thread count; the MPFR\n"
            "reference, and the copy_loop row itself, to the best copy pass of the\n"
            "group).\n"
            "\n"
            "Options:\n",
            BENCH_REF_N, BENCH_REPS_DEFAULT);
    cli_opts_help(f, bench_opts);
}

/* A command line read. */
typedef struct bench_args {
    bool csv;
    unsigned long long log2n, reps;
} bench_args;

/* One argument of the command line into the bench_args ctx (cli_on_arg);
 * the rounding options go to p->rnd. */
static int bench_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    bench_args *a = ctx;
    switch (id) {
    case CLI_HELP: bench_help(stdout); break;
    case CLI_OPERAND: return cli_usage_error("bench", "unexpected operand '%s'", arg);
    case CLI_ID_CSV: a->csv = true; break;
    case OPT_LOG2N: return cli_arg_uint(p, arg, 10, 28, &a->log2n);
    case OPT_REPS: return cli_arg_uint(p, arg, 1, 100, &a->reps);
    }
    return CLI_EXIT_OK;
}

int cli_bench_main(int argc, char **argv)
{
    bench_args a = {false, BENCH_LOG2N_DEFAULT, BENCH_REPS_DEFAULT};
    fpq_rounding r;
    fpq_rounding_default(&r);
    cli_parser p;
    cli_parser_init(&p, "bench", bench_opts, argc, argv);
    p.rnd = &r;
    int rc = cli_parse(&p, bench_arg, &a);
    if (rc != CLI_EXIT_OK)
        return cli_exit_status(rc);

    bench_ctx c = {.n = (size_t)1 << a.log2n, .reps = (int)a.reps};
    c.src = malloc(c.n * sizeof *c.src);
    c.dst = malloc(c.n * sizeof *c.dst);
    c.packed = malloc(c.n * sizeof(uint64_t));
    if (!c.src || !c.dst || !c.packed) {
        free(c.src);
        free(c.dst);
        free(c.packed);
        cli_error("cannot allocate 2^%llu values", a.log2n);
        return CLI_EXIT_DATA;
    }
    fpq_format fmts[NFORMATS];
    for (int i = 0; i < NFORMATS; i++)
        fpq_format_parse(&fmts[i], bench_formats[i]);

    if (a.csv)
        printf("kernel,format,data,threads,mvals_per_s,ratio_to_copy\n");
    else
        printf("%-16s %-10s %-6s %7s %12s %14s\n", "kernel", "format", "data", "threads", "mvals_per_s",
               "ratio_to_copy");
    /* fault every page in before timing */
    memset(c.dst, 0, c.n * sizeof *c.dst);
    memset(c.packed, 0, c.n * sizeof(uint64_t));
    const int nthreads[2] = {1, max_threads()};
    const char *const data_names[2] = {"normal", "wide"};
    for (int d = 0; d < 2; d++) {
        set_threads(max_threads());
        fill(c.src, c.n, d);
        for (int ti = 0; ti < (nthreads[1] > 1 ? 2 : 1); ti++) {
            const int nt = nthreads[ti];
            set_threads(nt);
            bench_row rows[1 + 3 * NFORMATS];
            int nr = 0;
            double copy_dt = INFINITY;
            rows[nr++] = time_kernel(&c, K_MEMCPY, "memcpy", NULL, NULL, nt, &copy_dt);
            for (int i = 0; i < NFORMATS; i++)
                rows[nr++] = time_kernel(&c, K_ROUND, "round", &fmts[i], &r, nt, &copy_dt);
            for (int i = 0; i < NFORMATS; i++)
                rows[nr++] = time_kernel(&c, K_ENCODE, "encode", &fmts[i], &r, nt, &copy_dt);
            if (ti == 0)
                for (int i = 0; i < NFORMATS; i++) {
                    /* the reference runs in cache: its ratio is to the group's best copy */
                    const double vps =
                        time_reference(c.src, c.n < BENCH_REF_N ? c.n : BENCH_REF_N, &fmts[i], &r);
                    rows[nr++] = (bench_row){"reference_encode", fmts[i].name, 1, vps, 0};
                }
            const double copy = (double)c.n / copy_dt;
            row(a.csv, "copy_loop", "-", data_names[d], nt, copy, copy);
            for (int i = 0; i < nr; i++)
                row(a.csv, rows[i].kernel, rows[i].format, data_names[d], rows[i].threads, rows[i].vps,
                    rows[i].copy_vps > 0 ? rows[i].copy_vps : copy);
        }
    }
    free(c.src);
    free(c.dst);
    free(c.packed);
    return CLI_EXIT_OK;
}
