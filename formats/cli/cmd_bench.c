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

/* --cpu-time: the process's CPU time (all threads) instead of wall time. */
static bool bench_cpu_time;

static double now(void)
{
    struct timespec t;
    clock_gettime(bench_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
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
    /* the arithmetic rows: operands, results and flags in packed */
    void *a, *b, *r;
    uint8_t *flags;
} bench_ctx;

typedef enum { K_COPY, K_MEMCPY, K_ROUND, K_ENCODE, K_ADD, K_MUL, K_ADD_NOFLAGS, K_MUL_NOFLAGS } kernel;

/* Arithmetic rows: fpq_arith_codes on n pairs of 16-bit codes (the data
 * set encoded, and encoded again from its middle), with the flags array
 * and without. */
static const struct {
    kernel k;
    fpq_op op;
    const char *name;
} arith_rows[] = {
    {K_ADD, FPQ_OP_ADD, "arith_add"},
    {K_MUL, FPQ_OP_MUL, "arith_mul"},
    {K_ADD_NOFLAGS, FPQ_OP_ADD, "arith_add_noflags"},
    {K_MUL_NOFLAGS, FPQ_OP_MUL, "arith_mul_noflags"},
};
enum { NARITH = sizeof arith_rows / sizeof arith_rows[0], NARITH_FORMATS = 2 /* fp16, bf16 */ };

/* The operands of the arithmetic rows in format f. */
static void arith_operands(bench_ctx *c, const fpq_format *f)
{
    const size_t h = c->n / 2, w = fpq_packed_size(f, 1);
    fpq_encode_f32(c->a, c->src, c->n, f, NULL);
    fpq_encode_f32(c->b, c->src + h, c->n - h, f, NULL);
    fpq_encode_f32((char *)c->b + (c->n - h) * w, c->src, h, f, NULL);
}

/* Seconds for one pass of a kernel over the array. */
static double time_once(bench_ctx *c, kernel k, const fpq_format *f, const fpq_rounding *r)
{
    double t0 = now();
    switch (k) {
    case K_COPY: copy_loop(c->dst, c->src, c->n); break;
    case K_MEMCPY: copy_memcpy(c->dst, c->src, c->n); break;
    case K_ROUND: fpq_round_f32(c->dst, c->src, c->n, f, r); break;
    case K_ENCODE: fpq_encode_f32(c->packed, c->src, c->n, f, r); break;
    case K_ADD:
    case K_MUL:
        fpq_arith_codes(c->r, c->flags, f, k == K_ADD ? FPQ_OP_ADD : FPQ_OP_MUL, f, c->a, c->b, NULL, c->n, r);
        break;
    case K_ADD_NOFLAGS:
    case K_MUL_NOFLAGS:
        fpq_arith_codes(c->r, NULL, f, k == K_ADD_NOFLAGS ? FPQ_OP_ADD : FPQ_OP_MUL, f, c->a, c->b, NULL, c->n, r);
        break;
    }
    return now() - t0;
}

/* ---- GEMM rows ------------------------------------------------------------ */

/* The emulated GEMMs: ROWS x 1536 x 512 (ROWS = 2^N / 16384: 1024 at the
 * default N), sequential order, every addition rounded, one thread, against
 * a naive binary32 i-k-j loop of the same shape and values timed in the
 * same run; the figure is multiply-adds per second. */
static const struct {
    const char *name, *in, *acc;
} gemm_rows[] = {
    {"gemm_bf16_acc_bf16", "bf16", "bf16"},
    {"gemm_e4m3_acc_fp32", "fp8_e4m3", "fp32"},
    {"gemm_fp16_acc_fp16", "fp16", "fp16"},
    {"gemm_bf16_acc_fp32", "bf16", "fp32"},
};
enum { NGEMM = sizeof gemm_rows / sizeof gemm_rows[0], GEMM_K = 1536, GEMM_COLS = 512 };

__attribute__((noinline)) static void naive_gemm(float *restrict c, const float *restrict a, const float *restrict b,
                                                 size_t rows, size_t k, size_t cols)
{
    for (size_t i = 0; i < rows; i++) {
        float *ci = c + i * cols;
        for (size_t j = 0; j < cols; j++)
            ci[j] = 0;
        for (size_t q = 0; q < k; q++) {
            const float x = a[i * k + q];
            const float *bq = b + q * cols;
            for (size_t j = 0; j < cols; j++)
                ci[j] += x * bq[j];
        }
    }
}

/* The best times of reps passes of the emulated GEMM and of the naive
 * loop on the same values (a naive pass before each emulated one); false
 * when memory runs out. */
static bool time_gemm(const float *src, size_t n, const fpq_format *in, const fpq_format *acc, int reps,
                      double *gemm_dt, double *naive_dt)
{
    const size_t rows = n / 16384 ? n / 16384 : 1, k = GEMM_K, cols = GEMM_COLS;
    const size_t na = rows * k, nb = k * cols;
    uint64_t *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b), *c = malloc(rows * cols * sizeof *c);
    float *fa = malloc(na * sizeof *fa), *fb = malloc(nb * sizeof *fb), *fc = malloc(rows * cols * sizeof *fc);
    void *packed = malloc(fpq_packed_size(in, na > nb ? na : nb));
    bool ok = a && b && c && fa && fb && fc && packed;
    if (ok) {
        /* the data set's values (cyclically) rounded into `in`, as patterns and as binary32 */
        for (size_t e = 0; e < na; e++)
            fa[e] = src[e % n];
        for (size_t e = 0; e < nb; e++)
            fb[e] = src[(na + e) % n];
        fpq_encode_f32(packed, fa, na, in, NULL);
        fpq_unpack(a, packed, 0, na, in);
        fpq_decode_f32(fa, packed, na, in);
        fpq_encode_f32(packed, fb, nb, in, NULL);
        fpq_unpack(b, packed, 0, nb, in);
        fpq_decode_f32(fb, packed, nb, in);
        fpq_dot_spec s;
        fpq_dot_spec_default(&s);
        s.in = in;
        s.acc = acc;
        for (int rep = 0; rep < reps; rep++) {
            const double t0 = now();
            naive_gemm(fc, fa, fb, rows, k, cols);
            const double t1 = now();
            fpq_gemm(c, NULL, NULL, a, b, rows, k, cols, &s);
            const double t2 = now();
            *naive_dt = fmin(*naive_dt, t1 - t0);
            *gemm_dt = fmin(*gemm_dt, t2 - t1);
        }
    }
    free(a);
    free(b);
    free(c);
    free(fa);
    free(fb);
    free(fc);
    free(packed);
    return ok;
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

enum { OPT_LOG2N = 1, OPT_REPS, OPT_CPU_TIME };

static const cli_opt bench_opts[] = {
    CLI_OPT_CSV("CSV with a header line"),
    {OPT_LOG2N, 0, "log2n", "N", "array of 2^N values, 10 <= N <= 28"},
    {OPT_REPS, 0, "reps", "R", "best of R passes, 1 <= R <= 100"},
    {OPT_CPU_TIME, 0, "cpu-time", NULL,
     "time by the process's CPU time (all its threads)\n"
     "instead of wall time: on a loaded machine the\n"
     "one-thread figures then leave out the time spent\n"
     "waiting for a core"},
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
            "reference (fpq_encode, one thread, the first %d values) for each format;\n"
            "and the bulk arithmetic (fpq_arith_codes: packed codes in and out) on\n"
            "fp16 and bf16 pairs: arith_add and arith_mul with the flags array,\n"
            "arith_add_noflags and arith_mul_noflags without.  With one thread on\n"
            "the normal data: emulated GEMMs (fpq_gemm) of 2^N/16384 x 1536 x 512,\n"
            "sequential order, every addition rounded: bf16 into a bf16\n"
            "accumulator, fp8_e4m3 into fp32, fp16 into fp16, bf16 into fp32 (the\n"
            "training products; fp32 accumulators take the binary32 kernel); their\n"
            "figure is multiply-adds per second and their ratio is to\n"
            "gemm_naive_fp32, a plain binary32 i-k-j loop of the same shape timed\n"
            "in the same run (a naive pass before each emulated one; the best naive\n"
            "pass of the run).\n"
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
    case OPT_CPU_TIME: bench_cpu_time = true; break;
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
    /* 16-bit operands, results and flags: 7 of the 8 bytes per value */
    c.a = c.packed;
    c.b = (char *)c.packed + 2 * c.n;
    c.r = (char *)c.packed + 4 * c.n;
    c.flags = (uint8_t *)c.packed + 6 * c.n;
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
            bench_row rows[1 + 3 * NFORMATS + NARITH * NARITH_FORMATS];
            int nr = 0;
            double copy_dt = INFINITY;
            rows[nr++] = time_kernel(&c, K_MEMCPY, "memcpy", NULL, NULL, nt, &copy_dt);
            for (int i = 0; i < NFORMATS; i++)
                rows[nr++] = time_kernel(&c, K_ROUND, "round", &fmts[i], &r, nt, &copy_dt);
            for (int i = 0; i < NFORMATS; i++)
                rows[nr++] = time_kernel(&c, K_ENCODE, "encode", &fmts[i], &r, nt, &copy_dt);
            for (int i = 0; i < NARITH_FORMATS; i++) {
                arith_operands(&c, &fmts[i]);
                for (int a = 0; a < NARITH; a++)
                    rows[nr++] = time_kernel(&c, arith_rows[a].k, arith_rows[a].name, &fmts[i], &r, nt, &copy_dt);
            }
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
            if (d == 0 && nt == 1) {
                const size_t grows = c.n / 16384 ? c.n / 16384 : 1;
                const double macs = (double)grows * GEMM_K * GEMM_COLS;
                double gdt[NGEMM], naive_dt = INFINITY;
                fpq_format in[NGEMM];
                bool ok = true;
                for (int g = 0; g < NGEMM && ok; g++) {
                    fpq_format acc;
                    gdt[g] = INFINITY;
                    fpq_format_parse(&in[g], gemm_rows[g].in);
                    fpq_format_parse(&acc, gemm_rows[g].acc);
                    ok = time_gemm(c.src, c.n, &in[g], &acc, c.reps, &gdt[g], &naive_dt);
                }
                if (ok) {
                    row(a.csv, "gemm_naive_fp32", "fp32", data_names[d], 1, macs / naive_dt, macs / naive_dt);
                    for (int g = 0; g < NGEMM; g++)
                        row(a.csv, gemm_rows[g].name, in[g].name, data_names[d], 1, macs / gdt[g], macs / naive_dt);
                }
            }
        }
    }
    free(c.src);
    free(c.dst);
    free(c.packed);
    return CLI_EXIT_OK;
}
