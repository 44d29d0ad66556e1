/* check_sweep.c: the sweep engine (sweep.h), the text it writes (the range
 * spelling of quant.h, CSV fields of csv.h) and the Lloyd-Max reference.
 *
 * The sweep tests run a small plan (two sources, 24 cells) into files in a
 * fresh temporary directory and compare files byte for byte: one thread
 * against two, the whole plan against its shards merged, a run killed
 * with SIGKILL after a few rows and then resumed against an uninterrupted
 * run.  Foreign and corrupt files must be refused and left untouched, and
 * so must files another process holds locked; output files follow
 * outfile.h's rules (--force, devices, temporaries removed on a signal).
 *
 * Oracles: the plan's size is counted by hand from its axes; the Lloyd-Max
 * errors are Max's (1960, Table I) to the four digits he printed, and the
 * one-bit quantizer's closed form (levels +-sqrt(2/pi), error 1 - 2/pi).
 */
#include "check_fpq.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csv.h"
#include "io.h"
#include "outfile.h"
#include "source.h"
#include "sweep.h"
#include "sweep/sweep-impl.h"
#include "io.h"
#include "dist.h"

/* ---- helpers ------------------------------------------------------------- */

static char tmpdir[256];

static void make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/fpq-check-sweep.XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void remove_tmpdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "check_sweep: could not remove %s\n", tmpdir);
}

static const char *path(const char *name)
{
    static char buf[8][320];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* A whole file as a string (NULL if missing). */
static char *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    size_t r;
    while ((r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            b = realloc(b, (cap *= 2) + 1);
    }
    fclose(f);
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

static void spit(const char *p, const char *text)
{
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    ck_assert_msg(x && y, "missing %s or %s", a, b);
    ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s and %s differ (%zu and %zu bytes)", a, b, la, lb);
    free(x);
    free(y);
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

static size_t count_fields(const char *line)
{
    size_t n = 1;
    bool q = false;
    for (const char *p = line; *p && *p != '\n'; p++) {
        if (*p == '"')
            q = !q;
        else if (*p == ',' && !q)
            n++;
    }
    return n;
}

/* The small plan: 2 sources x (int8, int4, fp8_e4m3) x (tensor, col, group)
 * x group (16, 64) x (rne, sr): tensor and col ignore the group (one cell
 * each instead of two), so 2 x 3 x (1 + 1 + 2) x 2 = 48 cells; with the mx
 * scheme beside absmax: mx fixes the granularity, so + 2 x 3 x 2 = 12. */
#define SMALL_CELLS 60u
static void small_axes(fpq_sweep_axes *a)
{
    fpq_errbuf err;
    fpq_sweep_axes_init(a, FPQ_SWEEP_QUANT);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_SOURCE, "normal:rows=16,cols=256,seed=1", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_SOURCE, "tails=t:rows=16,cols=256,nu=3,seed=2", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_FORMAT, "int8,int4,fp8_e4m3", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_SCHEME, "absmax,mx", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_GRANULARITY, "tensor,col", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_GRANULARITY, "group", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_GROUP, "16,64", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_ROUND, "rne,sr", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(a, FPQ_AX_SEED, "7", &err), FPQ_OK);
}

static void small_plan(fpq_sweep_plan *p, fpq_sweep_skips *sk)
{
    fpq_sweep_axes a;
    fpq_errbuf err;
    small_axes(&a);
    fpq_sweep_plan_init(p, FPQ_SWEEP_QUANT);
    int rc = fpq_sweep_plan_cross(p, &a, sk, &err);
    ck_assert_msg(rc == FPQ_OK, "plan: %s", err.msg);
    fpq_sweep_axes_free(&a);
}

static void run_to(const fpq_sweep_plan *p, const char *out, unsigned threads, size_t shard, size_t nshards,
                   bool resume, fpq_sweep_result *res)
{
    fpq_sweep_opts o;
    fpq_sweep_opts_default(&o);
    o.out = out;
    o.threads = threads;
    o.shard = shard;
    o.nshards = nshards;
    o.resume = resume;
    o.force = !resume;
    fpq_errbuf err;
    fpq_sweep_result r;
    int rc = fpq_sweep_run(res ? res : &r, p, &o, &err);
    ck_assert_msg(rc == FPQ_OK, "run into %s: %s", out, err.msg);
}

static int run_status(const fpq_sweep_plan *p, const char *out, bool resume, fpq_errbuf *err)
{
    fpq_sweep_opts o;
    fpq_sweep_opts_default(&o);
    o.out = out;
    o.resume = resume;
    o.threads = 1;
    fpq_sweep_result r;
    return fpq_sweep_run(&r, p, &o, err);
}

/* The text of cell k of p on axis a (NULL when the cell has none), in a
 * buffer of its own per call site slot. */
static const char *cell_in(const fpq_sweep_plan *p, size_t k, unsigned a, char buf[][512], unsigned slot)
{
    fpq_sweep_cell c;
    fpq_errbuf err;
    int rc = fpq_sweep_plan_cell(&c, p, k, &err);
    ck_assert_msg(rc == FPQ_OK, "cell %zu: %s", k, err.msg);
    const char *t = c.in[a];
    if (t)
        snprintf(buf[slot], 512, "%s", t);
    fpq_sweep_cell_free(&c);
    return t ? buf[slot] : NULL;
}

/* ---- plans --------------------------------------------------------------- */

START_TEST(cross_product_drops_duplicates_and_counts_cells)
{
    fpq_sweep_plan p;
    fpq_sweep_skips sk;
    small_plan(&p, &sk);
    ck_assert_uint_eq(p.ncells, SMALL_CELLS);
    ck_assert_uint_eq(p.nsources, 2);
    /* 144 combinations in all: 144 - 60 duplicates, none invalid */
    ck_assert_uint_eq(sk.invalid, 0);
    ck_assert_uint_eq(sk.duplicates, 2 * 3 * 2 * 3 * 2 * 2 - SMALL_CELLS);
    /* canonical values: "-" where a value does not apply */
    char b[1][512];
    ck_assert_str_eq(cell_in(&p, 0, FPQ_AX_GROUP, b, 0), "-");
    ck_assert_str_eq(cell_in(&p, 0, FPQ_AX_SEED, b, 0), "-");
    ck_assert_str_eq(cell_in(&p, 1, FPQ_AX_SEED, b, 0), "7");
    ck_assert_str_eq(cell_in(&p, 0, FPQ_AX_LABEL, b, 0), "normal");
    ck_assert_str_eq(cell_in(&p, p.ncells - 1, FPQ_AX_LABEL, b, 0), "tails");
    fpq_sweep_plan_free(&p);
}
END_TEST

/* The cross product keeps the first of every set of equal cells, as a
 * brute force finds them: every combination made a plan of its own (one
 * value per axis), its plan line compared with those of all the earlier
 * ones.  The axes mix spellings of one value (e4m3, 256 and 2^8, a
 * generator spec's parameters in another order), values that do not apply
 * (group without groups, seed without sr, kept_format without outliers,
 * symmetric for floats) and values the scheme fixes (mx, nvfp4). */
typedef struct dedupe_axis {
    fpq_sweep_axis ax;
    const char *values[6];
} dedupe_axis;

static void check_first_of_equal_cells(fpq_sweep_mode mode, const dedupe_axis *ax, size_t nax)
{
    fpq_errbuf err;
    fpq_sweep_axes a;
    fpq_sweep_axes_init(&a, mode);
    size_t n[FPQ_AX_COUNT_], ncomb = 1;
    for (size_t i = 0; i < nax; i++) {
        for (n[i] = 0; ax[i].values[n[i]]; n[i]++)
            ck_assert_int_eq(fpq_sweep_axes_add(&a, ax[i].ax, ax[i].values[n[i]], &err), FPQ_OK);
        ncomb *= n[i];
    }
    fpq_sweep_plan p;
    fpq_sweep_skips sk;
    fpq_sweep_plan_init(&p, mode);
    int rc = fpq_sweep_plan_cross(&p, &a, &sk, &err);
    ck_assert_msg(rc == FPQ_OK, "%s", err.msg);
    fpq_sweep_axes_free(&a);

    char **kept = calloc(ncomb, sizeof *kept);
    size_t nkept = 0, nvalid = 0;
    for (size_t comb = 0; comb < ncomb; comb++) {
        fpq_sweep_axes b;
        fpq_sweep_axes_init(&b, mode);
        for (size_t i = nax, c = comb; i-- > 0; c /= n[i])
            ck_assert_int_eq(fpq_sweep_axes_add(&b, ax[i].ax, ax[i].values[c % n[i]], &err), FPQ_OK);
        fpq_sweep_plan q;
        fpq_sweep_plan_init(&q, mode);
        rc = fpq_sweep_plan_cross(&q, &b, NULL, &err);
        fpq_sweep_axes_free(&b);
        if (rc == FPQ_LAB_ERR_SPEC && strstr(err.msg, "every cell of the plan is invalid"))
            continue;
        ck_assert_msg(rc == FPQ_OK && q.ncells == 1, "combination %zu: %s", comb, err.msg);
        nvalid++;
        char line[1024];
        ck_assert_uint_lt(fpq_sweep_plan_line(line, sizeof line, &q, 0), sizeof line);
        fpq_sweep_plan_free(&q);
        bool seen = false;
        for (size_t j = 0; j < nkept && !seen; j++)
            seen = strcmp(kept[j], line) == 0;
        if (!seen)
            kept[nkept++] = strdup(line);
    }
    ck_assert_uint_eq(p.ncells, nkept);
    ck_assert_uint_eq(sk.duplicates, nvalid - nkept);
    for (size_t k = 0; k < nkept; k++) {
        char line[1024];
        fpq_sweep_plan_line(line, sizeof line, &p, k);
        ck_assert_msg(strcmp(line, kept[k]) == 0, "cell %zu: %s, brute force: %s", k, line, kept[k]);
        free(kept[k]);
    }
    free(kept);
    fpq_sweep_plan_free(&p);
}

START_TEST(cross_product_keeps_the_first_of_equal_cells)
{
    static const dedupe_axis quant[] = {
        {FPQ_AX_SOURCE, {"normal:n=64,seed=1", "normal:seed=1,n=64", "a=normal:n=64,seed=1"}},
        {FPQ_AX_FORMAT, {"int8", "fp8_e4m3", "e4m3", "fp4_e2m1", "uint4"}},
        {FPQ_AX_SCHEME, {"absmax", "zeropoint", "mx", "nvfp4"}},
        {FPQ_AX_GRANULARITY, {"tensor", "group", "row"}},
        {FPQ_AX_GROUP, {"16", "32"}},
        {FPQ_AX_SCALE_FORMAT, {"e8m0", "fp16", "exact"}},
        {FPQ_AX_MX_RULE, {"floor", "ceil"}},
        {FPQ_AX_ROUND, {"rne", "sr"}},
        {FPQ_AX_SEED, {"1", "7"}},
        {FPQ_AX_SYMMETRIC, {"0", "1"}},
        {FPQ_AX_OUTLIER, {"0", "3", "3.0"}},
        {FPQ_AX_KEPT_FORMAT, {"fp16", "bf16"}},
    };
    check_first_of_equal_cells(FPQ_SWEEP_QUANT, quant, NELEM(quant));
    static const dedupe_axis cast[] = {
        {FPQ_AX_SOURCE, {"normal:n=8,seed=1", "a=normal:n=8,seed=1", "normal:seed=1,n=8"}},
        {FPQ_AX_FORMAT, {"fp16", "e4m3", "bf16", "fp8_e4m3"}},
        {FPQ_AX_LOSS_SCALE, {"1", "256", "2^8", "0.5"}},
        {FPQ_AX_ROUND, {"rne", "sr"}},
        {FPQ_AX_SEED, {"1", "7", "1"}},
        {FPQ_AX_OVERFLOW, {"format", "saturate"}},
    };
    check_first_of_equal_cells(FPQ_SWEEP_CAST, cast, NELEM(cast));
}
END_TEST

START_TEST(a_count_keeps_no_cells)
{
    /* the same plan as small_plan, counted: the same cells and skips, no
     * cell kept */
    fpq_sweep_plan p;
    fpq_sweep_skips sk;
    fpq_sweep_axes a;
    fpq_errbuf err;
    small_axes(&a);
    fpq_sweep_plan_init(&p, FPQ_SWEEP_QUANT);
    p.count_only = true;
    ck_assert_int_eq(fpq_sweep_plan_cross(&p, &a, &sk, &err), FPQ_OK);
    ck_assert_uint_eq(p.ncells, SMALL_CELLS);
    fpq_sweep_cell c;
    ck_assert_int_ne(fpq_sweep_plan_cell(&c, &p, 0, &err), FPQ_OK); /* no cell to build */
    ck_assert_uint_eq(sk.duplicates, 2 * 3 * 2 * 3 * 2 * 2 - SMALL_CELLS);
    fpq_sweep_plan_free(&p);
    ck_assert(p.count_only);
    fpq_sweep_axes_free(&a);
}
END_TEST

START_TEST(an_existing_file_named_label_eq_source_is_the_file)
{
    make_tmpdir();
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(tmpdir), 0);
    fpq_tensor t;
    fpq_errbuf err;
    ck_assert_int_eq(fpq_gen(&t, "normal:n=8,seed=1", &err), FPQ_OK);
    ck_assert_int_eq(fpq_npy_write("eq=ual.npy", &t, 0, 0, &err), FPQ_OK);
    fpq_tensor_free(&t);
    fpq_sweep_axes a;
    fpq_sweep_axes_init(&a, FPQ_SWEEP_QUANT);
    ck_assert_int_eq(fpq_sweep_axes_add(&a, FPQ_AX_SOURCE, "eq=ual.npy", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(&a, FPQ_AX_SOURCE, "lab=eq=ual.npy", &err), FPQ_OK);
    fpq_sweep_plan p;
    fpq_sweep_plan_init(&p, FPQ_SWEEP_QUANT);
    int rc = fpq_sweep_plan_cross(&p, &a, NULL, &err);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_msg(rc == FPQ_OK, "%s", err.msg);
    ck_assert_uint_eq(p.ncells, 2);
    char b[1][512];
    ck_assert_str_eq(cell_in(&p, 0, FPQ_AX_LABEL, b, 0), "eq=ual.npy");
    ck_assert_str_eq(cell_in(&p, 1, FPQ_AX_LABEL, b, 0), "lab");
    ck_assert_uint_eq(p.nsources, 1);
    fpq_sweep_plan_free(&p);
    fpq_sweep_axes_free(&a);
    remove_tmpdir();
}
END_TEST

START_TEST(a_shard_count_beyond_the_cells_does_not_wrap)
{
    ck_assert_uint_eq(sweep_shard_next(1, SIZE_MAX, 60), 60);
    ck_assert_uint_eq(sweep_shard_next(1, 20, 60), 21);
    ck_assert_uint_eq(sweep_shard_next(41, 20, 60), 60);
    ck_assert_uint_eq(sweep_shard_next(SIZE_MAX - 1, 5, SIZE_MAX), SIZE_MAX);
    make_tmpdir();
    fpq_sweep_plan p;
    fpq_sweep_skips sk;
    small_plan(&p, &sk);
    fpq_sweep_result res;
    run_to(&p, path("s.csv"), 1, 2, SIZE_MAX, false, &res);
    ck_assert_uint_eq(res.cells, 1); /* cell 1 only, not 1 then 0 */
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

START_TEST(invalid_cells_are_left_out_and_counted)
{
    fpq_sweep_axes a;
    fpq_errbuf err;
    fpq_sweep_axes_init(&a, FPQ_SWEEP_QUANT);
    fpq_sweep_axes_add(&a, FPQ_AX_SOURCE, "normal:n=64,seed=1", &err);
    fpq_sweep_axes_add(&a, FPQ_AX_FORMAT, "int8,fp8_e4m3", &err);
    fpq_sweep_axes_add(&a, FPQ_AX_SCHEME, "absmax,zeropoint", &err);
    fpq_sweep_plan p;
    fpq_sweep_plan_init(&p, FPQ_SWEEP_QUANT);
    fpq_sweep_skips sk;
    ck_assert_int_eq(fpq_sweep_plan_cross(&p, &a, &sk, &err), FPQ_OK);
    ck_assert_uint_eq(p.ncells, 3); /* zeropoint with fp8_e4m3 is invalid */
    ck_assert_uint_eq(sk.invalid, 1);
    ck_assert_ptr_nonnull(strstr(sk.first_invalid, "fp8_e4m3"));
    fpq_sweep_plan_free(&p);
    fpq_sweep_axes_free(&a);

    /* every cell invalid: an error naming the first */
    fpq_sweep_axes_init(&a, FPQ_SWEEP_QUANT);
    fpq_sweep_axes_add(&a, FPQ_AX_SOURCE, "normal:n=64,seed=1", &err);
    fpq_sweep_axes_add(&a, FPQ_AX_FORMAT, "fp8_e4m3", &err);
    fpq_sweep_axes_add(&a, FPQ_AX_SCHEME, "zeropoint", &err);
    ck_assert_int_eq(fpq_sweep_plan_cross(&p, &a, &sk, &err), FPQ_LAB_ERR_SPEC);
    ck_assert_ptr_nonnull(strstr(err.msg, "invalid"));
    fpq_sweep_axes_free(&a);

    /* a value that does not parse */
    fpq_sweep_axes_init(&a, FPQ_SWEEP_QUANT);
    fpq_sweep_axes_add(&a, FPQ_AX_SOURCE, "normal:n=64,seed=1", &err);
    fpq_sweep_axes_add(&a, FPQ_AX_FORMAT, "int8,fp8_e4m4x", &err);
    ck_assert_int_eq(fpq_sweep_plan_cross(&p, &a, &sk, &err), FPQ_LAB_ERR_SPEC);
    ck_assert_ptr_nonnull(strstr(err.msg, "fp8_e4m4x"));
    fpq_sweep_axes_free(&a);
}
END_TEST

START_TEST(plan_file_round_trips)
{
    make_tmpdir();
    fpq_sweep_plan p, q;
    small_plan(&p, NULL);
    FILE *f = fopen(path("p.plan"), "w");
    fprintf(f, "# a plan written by fpq_sweep_plan_line\n\n");
    for (size_t k = 0; k < p.ncells; k++) {
        char line[1024];
        ck_assert_uint_lt(fpq_sweep_plan_line(line, sizeof line, &p, k), sizeof line);
        fprintf(f, "%s\n", line);
    }
    fclose(f);
    fpq_sweep_plan_init(&q, FPQ_SWEEP_QUANT);
    fpq_errbuf err;
    int rc = fpq_sweep_plan_read(&q, path("p.plan"), &err);
    ck_assert_msg(rc == FPQ_OK, "%s", err.msg);
    ck_assert_uint_eq(q.ncells, p.ncells);
    char b[2][512];
    for (size_t k = 0; k < p.ncells; k++)
        for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
            const char *pa = cell_in(&p, k, a, b, 0), *qa = cell_in(&q, k, a, b, 1);
            ck_assert_msg((pa == NULL) == (qa == NULL) && (!pa || strcmp(pa, qa) == 0),
                          "cell %zu axis %s differs", k, fpq_sweep_axis_key(a));
        }
    fpq_sweep_plan_free(&q);

    /* errors name the line */
    spit(path("bad.plan"), "source=normal:n=8\nsource=normal:n=8 format=int9x\n");
    ck_assert_int_eq(fpq_sweep_plan_read(&q, path("bad.plan"), &err), FPQ_LAB_ERR_SPEC);
    ck_assert_msg(strstr(err.msg, "bad.plan:2:") && strstr(err.msg, "int9x"), "%s", err.msg);
    spit(path("bad.plan"), "source=normal:n=8 colour=blue\n");
    ck_assert_int_eq(fpq_sweep_plan_read(&q, path("bad.plan"), &err), FPQ_LAB_ERR_SPEC);
    ck_assert_msg(strstr(err.msg, "bad.plan:1:") && strstr(err.msg, "colour"), "%s", err.msg);
    spit(path("bad.plan"), "source=normal:n=8 format=fp8_e4m3 scheme=zeropoint\n");
    ck_assert_int_eq(fpq_sweep_plan_read(&q, path("bad.plan"), &err), FPQ_LAB_ERR_SPEC);
    ck_assert_msg(strstr(err.msg, "bad.plan:1:"), "%s", err.msg);
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

/* ---- the CSV ------------------------------------------------------------- */

START_TEST(csv_has_a_header_and_one_row_per_cell)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    fpq_sweep_result r;
    run_to(&p, path("all.csv"), 2, 1, 1, false, &r);
    ck_assert_uint_eq(r.cells, SMALL_CELLS);
    ck_assert_uint_eq(r.written, SMALL_CELLS);
    char *t = slurp(path("all.csv"), NULL);
    ck_assert_uint_eq(count_lines(t), SMALL_CELLS + 2);
    char header[2048];
    fpq_sweep_header(header, sizeof header, FPQ_SWEEP_QUANT);
    ck_assert(strncmp(t, header, strlen(header)) == 0 && t[strlen(header)] == '\n');
    /* then the plan line: the plan's fingerprint and its cells */
    const char *pl = t + strlen(header) + 1;
    ck_assert(strncmp(pl, "#plan=", 6) == 0 && strspn(pl + 6, "0123456789abcdef") == 16);
    ck_assert(strncmp(pl + 22, ",cells=60\n", 10) == 0);
    /* every input axis of the mode, rows/cols/n, then the metrics */
    const size_t nf = count_fields(header);
    ck_assert_uint_eq(nf, 1 + 5 + 17 + FPQ_QMETRIC_COUNT + 2); /* clip_ratio, unit_values */
    ck_assert_ptr_nonnull(strstr(header, "cell,label,source,n,rows,cols,format,scheme,granularity,group,axis,"
                                         "scale_format,scale_round,mx_rule,range,round,seed,symmetric,outlier,"
                                         "kept_format,calibrate,overflow,method,"));
    ck_assert_ptr_nonnull(strstr(header, ",mse,rmse,nmse,sqnr_db,lossless,max_abs_err,mean_rel_err,cos_sim,bias,"
                                         "clipped_frac,flushed_frac,overflow_frac,nan_frac,outlier_frac,"
                                         "bits_per_value,clip_ratio,unit_values"));
    size_t k = 0;
    for (char *line = strchr(pl, '\n') + 1; *line; line = strchr(line, '\n') + 1, k++) {
        ck_assert_uint_eq(count_fields(line), nf);
        ck_assert_uint_eq(strtoul(line, NULL, 10), k); /* plan order */
    }
    free(t);
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

START_TEST(doubles_print_shortest_and_read_back)
{
    const double v[] = {0.1, 1.0 / 3, 448, -0.0, 5e-324, 1.7976931348623157e308, 2.5e-7, 40.24727812159769};
    char b[40];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fpq_sweep_fmt_double(b, sizeof b, v[i]);
        double back = strtod(b, NULL);
        ck_assert_msg(memcmp(&back, &v[i], sizeof back) == 0, "%a printed as %s", v[i], b);
    }
    fpq_sweep_fmt_double(b, sizeof b, 0.1);
    ck_assert_str_eq(b, "0.1");
    fpq_sweep_fmt_double(b, sizeof b, INFINITY);
    ck_assert_str_eq(b, "inf");
}
END_TEST

START_TEST(range_text_reads_back_as_the_same_percentile)
{
    /* fpq_range_describe, then fpq_range_parse: the same double bit for bit
     * (the canonical range of a cell, and the range column of sweep and
     * quant CSVs); the shortest such text, so common values keep theirs */
    static const struct {
        double p;
        const char *text;
    } cases[] = {
        {0.1, "percentile:0.1"},
        {99.9, "percentile:99.9"},
        {1e-5, "percentile:1e-05"},
        {100, "percentile:100"},
        {33.333333333333336, "percentile:33.333333333333336"},
        {50, "percentile:50"},
        {99.99, "percentile:99.99"},
        {0.30000000000000004, "percentile:0.30000000000000004"},
        {5e-324, "percentile:5e-324"},
        {99.99999999999999, "percentile:99.99999999999999"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fpq_qspec s, t;
        fpq_qspec_default(&s);
        s.range = FPQ_RANGE_PERCENTILE;
        s.percentile = cases[i].p;
        char buf[64];
        fpq_range_describe(buf, sizeof buf, &s);
        ck_assert_str_eq(buf, cases[i].text);
        fpq_qspec_default(&t);
        fpq_errbuf err;
        ck_assert_msg(fpq_range_parse(&t, buf, &err) == FPQ_OK, "%s: %s", buf, err.msg);
        ck_assert_int_eq(t.range, FPQ_RANGE_PERCENTILE);
        ck_assert_msg(memcmp(&t.percentile, &s.percentile, sizeof t.percentile) == 0, "%a read back as %a from %s",
                      s.percentile, t.percentile, buf);
    }
    ck_assert_double_eq(cases[9].p, nextafter(100, 0));
    /* and random percentiles in (0, 100] */
    fpq_check_rng r;
    fpq_check_rng_init(&r, 41);
    for (int i = 0; i < 20000; i++) {
        fpq_qspec s, t;
        fpq_qspec_default(&s);
        s.range = FPQ_RANGE_PERCENTILE;
        s.percentile = 100.0 * (double)((fpq_check_rng_next(&r) >> 11) + 1) / 0x1p53;
        char buf[64];
        fpq_range_describe(buf, sizeof buf, &s);
        fpq_qspec_default(&t);
        ck_assert_msg(fpq_range_parse(&t, buf, NULL) == FPQ_OK && t.percentile == s.percentile,
                      "%a: %s", s.percentile, buf);
    }
}
END_TEST

START_TEST(axis_defaults_are_the_spec_defaults)
{
    static const struct {
        fpq_sweep_mode m;
        fpq_sweep_axis a;
        const char *text;
    } cases[] = {
        {FPQ_SWEEP_QUANT, FPQ_AX_FORMAT, "int8"},     {FPQ_SWEEP_QUANT, FPQ_AX_SCHEME, "absmax"},
        {FPQ_SWEEP_QUANT, FPQ_AX_GRANULARITY, "tensor"}, {FPQ_SWEEP_QUANT, FPQ_AX_GROUP, "32"},
        {FPQ_SWEEP_QUANT, FPQ_AX_AXIS, "1"},          {FPQ_SWEEP_QUANT, FPQ_AX_SCALE_FORMAT, "fp32"},
        {FPQ_SWEEP_QUANT, FPQ_AX_SCALE_ROUND, "rne"}, {FPQ_SWEEP_QUANT, FPQ_AX_MX_RULE, "floor"},
        {FPQ_SWEEP_QUANT, FPQ_AX_RANGE, "max"},       {FPQ_SWEEP_QUANT, FPQ_AX_ROUND, "rne"},
        {FPQ_SWEEP_QUANT, FPQ_AX_SEED, "0"},          {FPQ_SWEEP_QUANT, FPQ_AX_SYMMETRIC, "0"},
        {FPQ_SWEEP_QUANT, FPQ_AX_OUTLIER, "0"},       {FPQ_SWEEP_QUANT, FPQ_AX_KEPT_FORMAT, "fp16"},
        {FPQ_SWEEP_QUANT, FPQ_AX_CALIB, "-"},         {FPQ_SWEEP_QUANT, FPQ_AX_SOURCE, "-"},
        {FPQ_SWEEP_QUANT, FPQ_AX_LOSS_SCALE, "-"},    {FPQ_SWEEP_CAST, FPQ_AX_FORMAT, "fp16"},
        {FPQ_SWEEP_CAST, FPQ_AX_LOSS_SCALE, "1"},     {FPQ_SWEEP_CAST, FPQ_AX_ROUND, "rne"},
        {FPQ_SWEEP_CAST, FPQ_AX_SEED, "0"},           {FPQ_SWEEP_CAST, FPQ_AX_OVERFLOW, "format"},
        {FPQ_SWEEP_CAST, FPQ_AX_SCHEME, "-"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        ck_assert_uint_eq(fpq_sweep_axis_default(buf, sizeof buf, cases[i].a, cases[i].m), strlen(cases[i].text));
        ck_assert_msg(strcmp(buf, cases[i].text) == 0, "%s %s: %s", fpq_sweep_mode_name(cases[i].m),
                      fpq_sweep_axis_key(cases[i].a), buf);
    }
}
END_TEST

START_TEST(csv_fields_split_back_as_written)
{
    static const char *const fields[] = {"a", "b,c", "say \"hi\"", " edge ", "", "x\"", "1e-05", "-"};
    const size_t n = sizeof fields / sizeof fields[0];
    fpq_strbuf b = FPQ_STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i)
            fpq_sb_putc(&b, ',');
        fpq_csv_put(&b, fields[i]);
    }
    char *line = fpq_sb_take(&b);
    ck_assert_ptr_nonnull(line);
    ck_assert_str_eq(line, "a,\"b,c\",\"say \"\"hi\"\"\",\" edge \",,\"x\"\"\",1e-05,-");
    fpq_csv_fields f = FPQ_CSV_FIELDS_INIT;
    ck_assert_uint_eq(fpq_csv_split(&f, line), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(f.v[i], fields[i]);
    ck_assert_uint_eq(fpq_csv_split(&f, "a,b\"c"), 0);      /* a quote inside a bare field */
    ck_assert_uint_eq(fpq_csv_split(&f, "\"a,b"), 0);       /* unterminated */
    ck_assert_uint_eq(fpq_csv_split(&f, "\"a\"b,c"), 0);    /* text after the closing quote */
    ck_assert_uint_eq(fpq_csv_split(&f, ""), 1);
    fpq_csv_fields_free(&f);
    free(line);
}
END_TEST

/* ---- determinism --------------------------------------------------------- */

START_TEST(rows_do_not_depend_on_threads_or_shards)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    run_to(&p, path("t1.csv"), 1, 1, 1, false, NULL);
    run_to(&p, path("t2.csv"), 2, 1, 1, false, NULL);
    assert_same_file(path("t1.csv"), path("t2.csv"));

    const char *shards[3] = {path("s1.csv"), path("s2.csv"), path("s3.csv")};
    for (size_t k = 0; k < 3; k++)
        run_to(&p, shards[k], 2, k + 1, 3, false, NULL);
    fpq_sweep_merge_result mr;
    fpq_errbuf err;
    const char *rev[3] = {shards[2], shards[0], shards[1]};
    int rc = fpq_sweep_merge(&mr, rev, 3, path("merged.csv"), -1, FPQ_OUT_FORCE, p.ncells, &err);
    ck_assert_msg(rc == FPQ_OK, "%s", err.msg);
    ck_assert_uint_eq(mr.rows, SMALL_CELLS);
    ck_assert_uint_eq(mr.missing, 0);
    assert_same_file(path("t1.csv"), path("merged.csv"));

    /* a missing shard is caught with the expected count */
    rc = fpq_sweep_merge(&mr, rev, 2, path("m2.csv"), -1, FPQ_OUT_FORCE, p.ncells, &err);
    ck_assert_int_eq(rc, FPQ_LAB_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "missing"));
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

START_TEST(merge_refuses_conflicting_rows)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    run_to(&p, path("a.csv"), 1, 1, 1, false, NULL);
    char *t = slurp(path("a.csv"), NULL);
    /* change one metric digit of row 3 (after the header and plan lines) */
    char *line = t;
    for (int i = 0; i < 5; i++)
        line = strchr(line, '\n') + 1;
    char *end = strchr(line, '\n');
    char *d = end - 1;
    while (*d < '0' || *d > '8')
        d--;
    (*d)++;
    spit(path("b.csv"), t);
    fpq_sweep_merge_result mr;
    fpq_errbuf err;
    const char *in[2] = {path("a.csv"), path("b.csv")};
    ck_assert_int_eq(fpq_sweep_merge(&mr, in, 2, path("m.csv"), -1, FPQ_OUT_FORCE, 0, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "cell 3 differs"), "%s", err.msg);
    ck_assert_int_ne(access(path("m.csv"), F_OK), 0);
    /* identical duplicates are fine */
    in[1] = path("a.csv");
    ck_assert_int_eq(fpq_sweep_merge(&mr, in, 2, path("m.csv"), -1, FPQ_OUT_FORCE, 0, &err), FPQ_OK);
    ck_assert_uint_eq(mr.duplicates, SMALL_CELLS);
    assert_same_file(path("a.csv"), path("m.csv"));
    free(t);
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

/* ---- interruption and resume --------------------------------------------- */

static void kill_after_rows(void *ctx, size_t done, size_t total)
{
    (void)total;
    if (done >= *(size_t *)ctx)
        kill(getpid(), SIGKILL);
}

START_TEST(resume_after_a_killed_run_gives_the_same_file)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    run_to(&p, path("ref.csv"), 2, 1, 1, false, NULL);

    /* a child runs the plan and is killed (SIGKILL: no cleanup at all)
     * after 7 rows have been written.  One thread: libgomp's thread pool
     * does not survive fork, so the child must not need it. */
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        size_t after = 7;
        fpq_sweep_opts o;
        fpq_sweep_opts_default(&o);
        o.out = path("cut.csv");
        o.threads = 1;
        o.progress = kill_after_rows;
        o.ctx = &after;
        fpq_sweep_result r;
        fpq_errbuf err;
        fpq_sweep_run(&r, &p, &o, &err);
        _exit(3); /* not reached */
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child was not killed");
    char *t = slurp(path("cut.csv"), NULL);
    ck_assert_uint_eq(count_lines(t), 2 + 7);
    free(t);

    /* not without --resume */
    fpq_errbuf err;
    ck_assert_int_eq(run_status(&p, path("cut.csv"), false, &err), FPQ_LAB_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "--resume"));

    fpq_sweep_result r;
    run_to(&p, path("cut.csv"), 2, 1, 1, true, &r);
    ck_assert_uint_eq(r.kept, 7);
    ck_assert_uint_eq(r.written, SMALL_CELLS - 7);
    assert_same_file(path("ref.csv"), path("cut.csv"));

    /* resuming a finished file computes nothing */
    run_to(&p, path("cut.csv"), 1, 1, 1, true, &r);
    ck_assert_uint_eq(r.kept, SMALL_CELLS);
    ck_assert_uint_eq(r.written, 0);
    assert_same_file(path("ref.csv"), path("cut.csv"));
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

static volatile sig_atomic_t stop_flag;

static void stop_after_rows(void *ctx, size_t done, size_t total)
{
    (void)total;
    if (done >= *(size_t *)ctx)
        stop_flag = 1;
}

START_TEST(a_stopped_run_leaves_whole_rows_and_resumes)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    run_to(&p, path("ref.csv"), 1, 1, 1, false, NULL);
    size_t after = 5;
    stop_flag = 0;
    fpq_sweep_opts o;
    fpq_sweep_opts_default(&o);
    o.out = path("stop.csv");
    o.threads = 2;
    o.stop = &stop_flag;
    o.progress = stop_after_rows;
    o.ctx = &after;
    fpq_sweep_result r;
    fpq_errbuf err;
    ck_assert_int_eq(fpq_sweep_run(&r, &p, &o, &err), FPQ_OK);
    ck_assert(r.interrupted);
    ck_assert_uint_ge(r.written, 5);
    ck_assert_uint_lt(r.written, SMALL_CELLS);
    size_t len;
    char *t = slurp(path("stop.csv"), &len);
    ck_assert_uint_eq(count_lines(t), 2 + r.written);
    ck_assert(t[len - 1] == '\n');

    /* and a torn last row, as a crash in mid-write would leave, is cut */
    FILE *f = fopen(path("stop.csv"), "ab");
    fputs("99,normal,\"normal:rows=16", f);
    fclose(f);
    fpq_sweep_result r2;
    run_to(&p, path("stop.csv"), 2, 1, 1, true, &r2);
    ck_assert_uint_eq(r2.kept, r.written);
    ck_assert_uint_eq(r2.torn_bytes, strlen("99,normal,\"normal:rows=16"));
    assert_same_file(path("ref.csv"), path("stop.csv"));
    free(t);
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

START_TEST(resume_puts_rows_in_plan_order)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    run_to(&p, path("ref.csv"), 1, 1, 1, false, NULL);
    /* keep the header, the plan line and rows of cells 40 and 2 only, in
     * that order */
    char *t = slurp(path("ref.csv"), NULL);
    char *rows[SMALL_CELLS + 2];
    size_t n = 0;
    for (char *s = t; *s; s = strchr(s, '\n') + 1)
        rows[n++] = s;
    FILE *f = fopen(path("mixed.csv"), "wb");
    fwrite(rows[0], 1, (size_t)(rows[2] - rows[0]), f);
    fwrite(rows[42], 1, (size_t)(rows[43] - rows[42]), f);
    fwrite(rows[4], 1, (size_t)(rows[5] - rows[4]), f);
    fclose(f);
    fpq_sweep_result r;
    run_to(&p, path("mixed.csv"), 2, 1, 1, true, &r);
    ck_assert_uint_eq(r.kept, 2);
    ck_assert(r.reordered);
    assert_same_file(path("ref.csv"), path("mixed.csv"));
    free(t);
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

/* Refusals: the file is left byte for byte as it was. */
static void refused(const fpq_sweep_plan *p, const char *name, const char *text, const char *why)
{
    spit(path(name), text);
    fpq_errbuf err;
    int rc = run_status(p, path(name), true, &err);
    ck_assert_msg(rc == FPQ_LAB_ERR_FORMAT, "%s: accepted (status %d)", name, rc);
    ck_assert_msg(strstr(err.msg, why) != NULL, "%s: message '%s' lacks '%s'", name, err.msg, why);
    char *after = slurp(path(name), NULL);
    ck_assert_msg(strcmp(after, text) == 0, "%s was changed", name);
    free(after);
}

START_TEST(foreign_or_corrupt_files_are_refused_untouched)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    run_to(&p, path("ref.csv"), 2, 1, 1, false, NULL);
    char *t = slurp(path("ref.csv"), NULL);
    char *r1 = strchr(strchr(t, '\n') + 1, '\n') + 1; /* after the header and plan lines */
    char *r2 = strchr(r1, '\n') + 1;

    refused(&p, "foreign.csv", "a,b,c\n1,2,3\n", "not an fpq sweep CSV");

    char cast_h[1024];
    fpq_sweep_header(cast_h, sizeof cast_h, FPQ_SWEEP_CAST);
    strcat(cast_h, "\n");
    refused(&p, "cast.csv", cast_h, "cast sweep");

    /* a row with a field missing */
    char *bad = malloc(strlen(t) + 1);
    size_t hl = (size_t)(r1 - t);
    memcpy(bad, t, hl);
    size_t l1 = (size_t)(r2 - r1);
    char *last = r1 + l1 - 1;
    while (*last != ',')
        last--;
    memcpy(bad + hl, r1, (size_t)(last - r1));
    strcpy(bad + hl + (size_t)(last - r1), "\n");
    refused(&p, "short.csv", bad, ":3: ");

    /* a metric that is not a number */
    memcpy(bad, t, (size_t)(r2 - t));
    bad[r2 - t] = '\0';
    char *m = strrchr(bad, ',');
    strcpy(m, ",eight\n");
    refused(&p, "word.csv", bad, "not a number");

    /* a row of another plan: same header, other inputs */
    memcpy(bad, t, (size_t)(r2 - t));
    bad[r2 - t] = '\0';
    char *fmt = strstr(bad + hl, ",int8,");
    ck_assert_ptr_nonnull(fmt);
    memcpy(fmt, ",int7,", 6);
    refused(&p, "other.csv", bad, "another sweep");

    /* a cell index past the plan, and a row twice */
    {
        size_t cap = strlen(t) + 64;
        char *b2 = malloc(cap);
        const char *rest = strchr(r1, ','); /* row 1 after its index */
        snprintf(b2, cap, "%.*s%u%.*s", (int)hl, t, SMALL_CELLS + 5, (int)(r2 - rest), rest);
        refused(&p, "past.csv", b2, "plan has");
        snprintf(b2, cap, "%.*s%.*s", (int)(r2 - t), t, (int)(r2 - r1), r1);
        refused(&p, "twice.csv", b2, "twice");
        free(b2);
    }
    free(bad);
    free(t);
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

/* ---- output files, locks, plan lines -------------------------------------- */

/* Whether tmpdir holds a file whose name has s in it. */
static bool dir_has(const char *s)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q -F -e '%s'", tmpdir, s);
    return system(cmd) == 0;
}

START_TEST(output_files_follow_one_rule)
{
    make_tmpdir();
    fpq_tensor t;
    double v[3] = {1, 2, 3};
    ck_assert_int_eq(fpq_tensor_alloc(&t, 1, 3), FPQ_OK);
    memcpy(t.data, v, sizeof v);
    fpq_errbuf err;
    /* a new file; the same again only with FPQ_OUT_FORCE */
    ck_assert_msg(fpq_npy_write(path("a.npy"), &t, 0, 0, &err) == FPQ_OK, "%s", err.msg);
    ck_assert_int_eq(fpq_npy_write(path("a.npy"), &t, 0, 0, &err), FPQ_LAB_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "exists: add --force"));
    ck_assert_msg(fpq_npy_write(path("a.npy"), &t, 0, FPQ_OUT_FORCE, &err) == FPQ_OK, "%s", err.msg);
    /* a file named like the old temporary is left alone, and no
     * temporary is left behind */
    spit(path("b.npy.tmp"), "mine\n");
    ck_assert_msg(fpq_npy_write(path("b.npy"), &t, 0, 0, &err) == FPQ_OK, "%s", err.msg);
    char *mine = slurp(path("b.npy.tmp"), NULL);
    ck_assert_str_eq(mine, "mine\n");
    free(mine);
    ck_assert(!dir_has(".fpq-tmp."));
    /* a link to a device: written in place, the link stays */
    ck_assert_int_eq(symlink("/dev/null", path("null")), 0);
    ck_assert_msg(fpq_npy_write(path("null"), &t, 0, 0, &err) == FPQ_OK, "%s", err.msg);
    struct stat st;
    ck_assert_int_eq(lstat(path("null"), &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(stat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    /* a directory is refused */
    ck_assert_int_eq(fpq_npy_write(tmpdir, &t, 0, FPQ_OUT_FORCE, &err), FPQ_LAB_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "is a directory"));
    fpq_tensor_free(&t);
    remove_tmpdir();
}
END_TEST

START_TEST(a_signal_removes_the_temporary)
{
    make_tmpdir();
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL); /* as in a program of its own, not check's */
        fpq_outfile f;
        fpq_errbuf err;
        if (fpq_out_open(&f, path("sig.npy"), 0, &err) != FPQ_OK || fpq_out_write(&f, "half", 4, &err) != FPQ_OK)
            _exit(3);
        kill(getpid(), SIGTERM);
        _exit(4); /* not reached */
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "the child was not killed by SIGTERM");
    ck_assert(!dir_has(".fpq-tmp."));
    ck_assert_int_ne(access(path("sig.npy"), F_OK), 0);
    remove_tmpdir();
}
END_TEST

START_TEST(a_locked_file_is_refused_and_a_foreign_plan_too)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    run_to(&p, path("ref.csv"), 2, 1, 1, false, NULL);
    char *before = slurp(path("ref.csv"), NULL);

    /* another open file holds the lock: the run and a merge into it refused */
    int fd = open(path("ref.csv"), O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);
    fpq_errbuf err;
    ck_assert_int_eq(run_status(&p, path("ref.csv"), true, &err), FPQ_LAB_ERR_IO);
    ck_assert_msg(strstr(err.msg, "is in use by") && strstr(err.msg, "--resume"), "%s", err.msg);
    fpq_sweep_merge_result mr;
    const char *in[2] = {path("ref.csv"), NULL};
    ck_assert_int_eq(fpq_sweep_merge(&mr, in, 1, path("m.csv"), -1, 0, 0, &err), FPQ_LAB_ERR_IO);
    ck_assert_msg(strstr(err.msg, "is in use by"), "%s", err.msg);
    close(fd);
    char *after = slurp(path("ref.csv"), NULL);
    ck_assert_str_eq(before, after);
    free(after);

    /* the same axes, another seed: the plan line differs */
    fpq_sweep_plan q;
    fpq_sweep_axes a;
    fpq_sweep_axes_init(&a, FPQ_SWEEP_QUANT);
    ck_assert_int_eq(fpq_sweep_axes_add(&a, FPQ_AX_SOURCE, "normal:rows=16,cols=256,seed=1", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(&a, FPQ_AX_FORMAT, "int8", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(&a, FPQ_AX_ROUND, "sr", &err), FPQ_OK);
    ck_assert_int_eq(fpq_sweep_axes_add(&a, FPQ_AX_SEED, "8", &err), FPQ_OK);
    fpq_sweep_plan_init(&q, FPQ_SWEEP_QUANT);
    ck_assert_int_eq(fpq_sweep_plan_cross(&q, &a, NULL, &err), FPQ_OK);
    fpq_sweep_axes_free(&a);
    ck_assert_int_eq(run_status(&q, path("ref.csv"), true, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "another plan"), "%s", err.msg);
    run_to(&q, path("q.csv"), 1, 1, 1, false, NULL);
    in[1] = path("q.csv");
    ck_assert_int_eq(fpq_sweep_merge(&mr, in, 2, path("m.csv"), -1, 0, 0, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_msg(strstr(err.msg, "different plans"), "%s", err.msg);
    ck_assert_int_ne(access(path("m.csv"), F_OK), 0);
    after = slurp(path("ref.csv"), NULL);
    ck_assert_str_eq(before, after);
    free(after);
    free(before);
    fpq_sweep_plan_free(&q);
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

START_TEST(merge_work_is_bounded_by_the_rows)
{
    make_tmpdir();
    fpq_sweep_plan p;
    small_plan(&p, NULL);
    run_to(&p, path("ref.csv"), 2, 1, 1, false, NULL);
    /* the file as its plan line said 2^40 cells: --cells 2^40 answers at
     * once with the cells missing */
    char *t = slurp(path("ref.csv"), NULL);
    char *pl = strstr(t, ",cells=60\n");
    ck_assert_ptr_nonnull(pl);
    size_t cap = strlen(t) + 32;
    char *big = malloc(cap);
    snprintf(big, cap, "%.*s,cells=1099511627776\n%s", (int)(pl - t), t, pl + strlen(",cells=60\n"));
    spit(path("big.csv"), big);
    fpq_sweep_merge_result mr;
    fpq_errbuf err;
    const char *in[1] = {path("big.csv")};
    ck_assert_int_eq(fpq_sweep_merge(&mr, in, 1, path("m.csv"), -1, 0, (size_t)1 << 40, &err), FPQ_LAB_ERR_FORMAT);
    ck_assert_uint_eq(mr.missing, ((size_t)1 << 40) - SMALL_CELLS);
    ck_assert_uint_eq(mr.first_missing, SMALL_CELLS);
    free(big);
    free(t);
    fpq_sweep_plan_free(&p);
    remove_tmpdir();
}
END_TEST

/* ---- cast mode ----------------------------------------------------------- */

START_TEST(cast_mode_counts_underflow_subnormals_and_overflow)
{
    make_tmpdir();
    /* text source: values chosen against fp16 (min subnormal 2^-24, min
     * normal 2^-14, max 65504) */
    spit(path("v.txt"), "1e-9\n1e-6\n1\n70000\n0\n3e-5\n");
    fpq_sweep_axes a;
    fpq_errbuf err;
    fpq_sweep_axes_init(&a, FPQ_SWEEP_CAST);
    char src[400];
    snprintf(src, sizeof src, "text:%s", path("v.txt"));
    fpq_sweep_axes_add(&a, FPQ_AX_SOURCE, src, &err);
    fpq_sweep_axes_add(&a, FPQ_AX_FORMAT, "fp16", &err);
    fpq_sweep_axes_add(&a, FPQ_AX_LOSS_SCALE, "1,2^-1", &err);
    fpq_sweep_plan p;
    fpq_sweep_plan_init(&p, FPQ_SWEEP_CAST);
    int rc = fpq_sweep_plan_cross(&p, &a, NULL, &err);
    ck_assert_msg(rc == FPQ_OK, "%s", err.msg);
    ck_assert_uint_eq(p.ncells, 2);
    fpq_tensor x = FPQ_TENSOR_INIT;
    rc = fpq_source_load(&x, p.sources[0], &err);
    ck_assert_msg(rc == FPQ_OK, "%s", err.msg);
    char *row;
    ck_assert_int_eq(fpq_sweep_cell_row(&row, &p, 0, &x, NULL, &err), FPQ_OK);
    /* scale 1: 1e-9 underflows (flushed_frac); 1e-6 and 3e-5 are subnormal;
     * 70000 is beyond 65504 (clipped_frac) and became Inf (overflow_frac),
     * so SQNR is -inf, flagged */
    ck_assert_msg(strstr(row, ",-inf,0,") &&
                      strstr(row, ",0.16666666666666666,0.16666666666666666,0.16666666666666666,0,0,16,"
                                  "0.3333333333333333\n"),
                  "%s", row);
    free(row);
    ck_assert_int_eq(fpq_sweep_cell_row(&row, &p, 1, &x, NULL, &err), FPQ_OK);
    /* scale 1/2: 35000 fits; 1.5e-5 still subnormal */
    ck_assert_msg(strstr(row, ",0,0.16666666666666666,0,0,0,16,0.3333333333333333\n"), "%s", row);
    free(row);
    fpq_tensor_free(&x);
    fpq_sweep_plan_free(&p);
    fpq_sweep_axes_free(&a);
    remove_tmpdir();
}
END_TEST

/* ---- Lloyd-Max ----------------------------------------------------------- */

START_TEST(lloydmax_one_bit_is_the_closed_form)
{
    double lv[2], mse;
    fpq_errbuf err;
    ck_assert_int_eq(fpq_lloydmax_gauss(lv, &mse, NULL, 1, 0, &err), FPQ_OK);
    const double c = sqrt(2 / M_PI);
    ck_assert_double_eq_tol(lv[1], c, 1e-12);
    ck_assert_double_eq_tol(lv[0], -c, 1e-12);
    ck_assert_double_eq_tol(mse, 1 - 2 / M_PI, 1e-12);
}
END_TEST

START_TEST(lloydmax_matches_max_1960)
{
    /* Max, "Quantizing for minimum distortion", IRE Trans. IT-6 (1960),
     * Table I: mean squared error for N = 4, 8, 16 levels, and the
     * outermost level for N = 4 (1.510) and 8 (2.152). */
    static const struct {
        unsigned bits;
        double mse, top;
    } max1960[] = {{2, 0.1175, 1.510}, {3, 0.03454, 2.152}, {4, 0.009497, 0}};
    for (size_t i = 0; i < sizeof max1960 / sizeof max1960[0]; i++) {
        unsigned b = max1960[i].bits;
        double lv[16], mse;
        fpq_errbuf err;
        ck_assert_int_eq(fpq_lloydmax_gauss(lv, &mse, NULL, b, 0, &err), FPQ_OK);
        /* four printed digits: within 5e-4 relative */
        ck_assert_msg(fabs(mse / max1960[i].mse - 1) < 5e-4, "%u bits: %.6g vs %.6g", b, mse, max1960[i].mse);
        if (max1960[i].top > 0)
            ck_assert_double_eq_tol(lv[(1u << b) - 1], max1960[i].top, 5e-4);
        for (unsigned k = 0; k + 1 < (1u << b); k++)
            ck_assert(lv[k] < lv[k + 1] && lv[k] == -lv[(1u << b) - 1 - k]);
    }
}
END_TEST

START_TEST(lloydmax_converges_for_every_bit_count)
{
    /* 1 to 12 bits, in a few rounds each; the error approaches the
     * high-rate asymptote from below */
    double prev = 0;
    for (unsigned b = 1; b <= 12; b++) {
        double mse;
        unsigned it;
        fpq_errbuf err;
        ck_assert_msg(fpq_lloydmax_gauss(NULL, &mse, &it, b, 1000, &err) == FPQ_OK, "%u bits: %s", b, err.msg);
        ck_assert_msg(it < 100, "%u bits: %u rounds", b, it);
        double ratio = mse / (sqrt(3.0) * M_PI / 2 * pow(4.0, -(double)b));
        ck_assert_msg(ratio > prev && ratio < 1, "%u bits: ratio %g after %g", b, ratio, prev);
        prev = ratio;
    }
    ck_assert_msg(prev > 0.999, "12 bits: ratio %g", prev);
}
END_TEST

START_TEST(lloydmax_approaches_the_high_rate_asymptote)
{
    /* Panter and Dite's (sqrt 3 pi / 2) 4^-R is approached from below as
     * the rate grows (ratios 0.53, 0.69, 0.81, 0.89, 0.94, 0.97 for 1 to 6
     * bits), and the error stays above the rate-distortion bound 4^-R */
    double prev = 0;
    for (unsigned b = 1; b <= 6; b++) {
        double mse;
        fpq_errbuf err;
        ck_assert_int_eq(fpq_lloydmax_gauss(NULL, &mse, NULL, b, 0, &err), FPQ_OK);
        ck_assert(mse > pow(4.0, -(double)b));
        double ratio = mse / (sqrt(3.0) * M_PI / 2 * pow(4.0, -(double)b));
        ck_assert_msg(ratio > prev && ratio < 1, "%u bits: ratio %g after %g", b, ratio, prev);
        prev = ratio;
    }
    ck_assert_msg(prev > 0.96, "6 bits: ratio %g", prev);
}
END_TEST

Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = fpq_check_tcase("plans", 60);
    tcase_add_test(tc, cross_product_drops_duplicates_and_counts_cells);
    tcase_add_test(tc, invalid_cells_are_left_out_and_counted);
    tcase_add_test(tc, cross_product_keeps_the_first_of_equal_cells);
    tcase_add_test(tc, a_count_keeps_no_cells);
    tcase_add_test(tc, an_existing_file_named_label_eq_source_is_the_file);
    tcase_add_test(tc, a_shard_count_beyond_the_cells_does_not_wrap);
    tcase_add_test(tc, plan_file_round_trips);
    suite_add_tcase(s, tc);
    tc = fpq_check_tcase("csv", 120);
    tcase_add_test(tc, csv_has_a_header_and_one_row_per_cell);
    tcase_add_test(tc, doubles_print_shortest_and_read_back);
    tcase_add_test(tc, range_text_reads_back_as_the_same_percentile);
    tcase_add_test(tc, axis_defaults_are_the_spec_defaults);
    tcase_add_test(tc, csv_fields_split_back_as_written);
    tcase_add_test(tc, rows_do_not_depend_on_threads_or_shards);
    tcase_add_test(tc, merge_refuses_conflicting_rows);
    tcase_add_test(tc, cast_mode_counts_underflow_subnormals_and_overflow);
    suite_add_tcase(s, tc);
    tc = fpq_check_tcase("resume", 120);
    tcase_add_test(tc, resume_after_a_killed_run_gives_the_same_file);
    tcase_add_test(tc, a_stopped_run_leaves_whole_rows_and_resumes);
    tcase_add_test(tc, resume_puts_rows_in_plan_order);
    tcase_add_test(tc, foreign_or_corrupt_files_are_refused_untouched);
    suite_add_tcase(s, tc);
    tc = fpq_check_tcase("files", 120);
    tcase_add_test(tc, output_files_follow_one_rule);
    tcase_add_test(tc, a_signal_removes_the_temporary);
    tcase_add_test(tc, a_locked_file_is_refused_and_a_foreign_plan_too);
    tcase_add_test(tc, merge_work_is_bounded_by_the_rows);
    suite_add_tcase(s, tc);
    tc = fpq_check_tcase("lloydmax", 60);
    tcase_add_test(tc, lloydmax_one_bit_is_the_closed_form);
    tcase_add_test(tc, lloydmax_matches_max_1960);
    tcase_add_test(tc, lloydmax_approaches_the_high_rate_asymptote);
    tcase_add_test(tc, lloydmax_converges_for_every_bit_count);
    suite_add_tcase(s, tc);
    return s;
}
