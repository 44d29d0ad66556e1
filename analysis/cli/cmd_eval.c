/* cmd_eval.c: `fpq eval MODEL` -- the test accuracy of a network written
 * by fpq train, in fp32 or with post-training quantization of every
 * layer's product (train.h's fpq_nn_eval, through fpq_matmul), against the
 * fp32 network: top-1 agreement and each layer's output SQNR.
 *
 * Reads its command line through the option layer (opt.h): the options of
 * fpq matmul's product (qspec_opts.c's cli_mm_opts) with X the layer's
 * input and W its weight.  --help to stdout (exit 0), misuse to stderr
 * (exit 2), bad data exit 1. */
#include <float.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "qspec_opts.h"
#include "train.h"

#define CMD "eval"

enum {
    OPT_DATA = 1, OPT_LIMIT, OPT_BLAS,
    OPT_X = 100, /* OPT_X + k: --x-..., the layer inputs */
    OPT_W = 200  /* --w-..., the weights */
};

static const cli_opt eval_data[] = {
    {OPT_DATA, 0, "data", "D", "fashion-mnist (default) or a folder of IDX files"},
    {OPT_LIMIT, 0, "limit", "N", "the first N test images only"},
    {0},
};

static const cli_opt eval_output[] = {
    CLI_OPT_CSV("a header and one row: test_acc, fp32_acc, agree,\n"
                "bits_x, bits_w, outlier_frac, sqnr_db_fcK per layer"),
    CLI_OPT_THREADS("OpenMP threads (the results do not depend on it)"),
    {OPT_BLAS, 0, "blas", "B",
     "the fp32 network's products: auto (default:\n"
     "OpenBLAS when libopenblas.so.0 loads, else loops),\n"
     "openblas, loops"},
    {0},
};

#define EVAL_NOPTS (2 * CLI_QSPEC_NOPTS + 16)
typedef struct eval_options {
    cli_mm_tables mm;
    cli_opt all[EVAL_NOPTS];
} eval_options;

static void eval_table(eval_options *m)
{
    size_t n = 0;
    cli_opts_append(m->all, EVAL_NOPTS, &n, eval_data);
    cli_mm_append(m->all, EVAL_NOPTS, &n, &m->mm, OPT_X, OPT_W, "the weights");
    cli_opts_append(m->all, EVAL_NOPTS, &n, eval_output);
}

static void eval_help(FILE *f)
{
    eval_options m;
    eval_table(&m);
    const cli_help_part parts[] = {
        {"\nData:\n", eval_data},
        {"\nLayer inputs (the spec options of 'fpq quant', prefixed x-):\n", m.mm.x.t},
        {"\nWeights (prefixed w-; per output channel: --w-granularity col):\n", m.mm.w.t},
        {"\nOutlier split (as 'fpq matmul'):\n", cli_mm_split_options},
        {"\nProduct (as 'fpq matmul'):\n", cli_mm_product_options},
        {"\nOutput:\n", eval_output},
    };
    fprintf(f,
            "Usage: fpq eval [OPTIONS] MODEL\n"
            "\n"
            "The test accuracy of MODEL (written by 'fpq train --out'), with each\n"
            "layer's product Z = X W + b formed as 'fpq matmul' forms it: X (the layer's\n"
            "input, batches of %d images) and W quantized under their specs, then\n"
            "the product.  Without spec options the product is exact (rounded to fp32).\n"
            "agree is the top-1 agreement with the same network in fp32; sqnr_db_fcK\n"
            "the SQNR of layer K's output against the fp32 network's, over the test set.\n",
            FPQ_NN_EVAL_BATCH);
    cli_opts_help_parts(f, parts, sizeof parts / sizeof parts[0]);
    fprintf(f,
            "\n"
            "Examples:\n"
            "  fpq eval model.safetensors --csv\n"
            "  fpq eval model.safetensors --w-format int8 --w-granularity col --csv\n"
            "  fpq eval model.safetensors --w-format int4 --w-granularity col --x-format int8\n"
            "  fpq eval model.safetensors --scheme llm.int8 --threshold 6\n"
            "  fpq eval model.safetensors --w-scheme mx --w-axis 0 --x-scheme mx\n"
            "\n"
            "Exit status: %d ok, %d bad data or a read/write failure, %d usage error.\n",
            CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
}

typedef struct eval_args {
    cli_mm_opts mm;
    const char *model, *data, *blas;
    unsigned long long limit, threads;
    bool csv;
} eval_args;

static int eval_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    eval_args *a = ctx;
    bool handled;
    int rc = cli_mm_option(p, &a->mm, OPT_X, OPT_W, id, arg, &handled);
    if (handled)
        return rc;
    switch (id) {
    case CLI_HELP: eval_help(stdout); break;
    case CLI_OPERAND:
        if (a->model)
            return cli_usage_error(CMD, "unexpected operand '%s' (one MODEL)", arg);
        a->model = arg;
        break;
    case OPT_DATA: a->data = arg; break;
    case OPT_LIMIT: return cli_arg_uint(p, arg, 1, SIZE_MAX, &a->limit);
    case OPT_BLAS: a->blas = arg; break;
    case CLI_ID_CSV: a->csv = true; break;
    case CLI_ID_THREADS: return cli_arg_uint(p, arg, 1, 4096, &a->threads);
    }
    return CLI_EXIT_OK;
}

int cli_eval_main(int argc, char **argv)
{
    eval_args a;
    memset(&a, 0, sizeof a);
    cli_mm_opts_init(&a.mm);
    eval_options m;
    eval_table(&m);
    cli_parser p;
    cli_parser_init(&p, CMD, m.all, argc, argv);
    int rc = cli_parse(&p, eval_arg, &a);
    if (rc == CLI_EXIT_OK && !a.model)
        rc = cli_usage_error(CMD, "missing MODEL (a network written by fpq train --out)");
    fpq_mm_spec s;
    fpq_nn_blas blas = FPQ_NN_BLAS_AUTO;
    if (rc == CLI_EXIT_OK && a.blas && fpq_nn_blas_parse(&blas, a.blas) != FPQ_OK)
        rc = cli_usage_error(CMD, "--blas '%s': auto, openblas or loops", a.blas);
    if (rc != CLI_EXIT_OK || (rc = cli_mm_build(&s, CMD, &a.mm)) != CLI_EXIT_OK)
        return cli_exit_status(rc);
    if (a.threads)
        omp_set_num_threads((int)a.threads);
    fpq_errbuf e = {""};
    if (fpq_nn_blas_set(blas, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        return CLI_EXIT_DATA;
    }
    fpq_nn net;
    if (fpq_nn_load(&net, a.model, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        return CLI_EXIT_DATA;
    }
    fpq_nn_data te;
    if (fpq_nn_data_open(NULL, &te, a.data ? a.data : "fashion-mnist", (size_t)a.limit, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        fpq_nn_free(&net);
        return CLI_EXIT_DATA;
    }
    fpq_eval_result r;
    rc = fpq_nn_eval(&r, &net, &te, &s, &e);
    if (rc != FPQ_OK) {
        cli_error("%s", e.msg);
    } else {
        char v[6][32];
        cli_num(v[0], sizeof v[0], r.test_acc);
        cli_num(v[1], sizeof v[1], r.fp32_acc);
        cli_num(v[2], sizeof v[2], r.agree);
        cli_num(v[3], sizeof v[3], r.bits_x);
        cli_num(v[4], sizeof v[4], r.bits_w);
        cli_num(v[5], sizeof v[5], r.outlier_frac);
        if (a.csv) {
            printf("test_acc,fp32_acc,agree,bits_x,bits_w,outlier_frac");
            for (size_t l = 0; l < net.nlayers; l++)
                printf(",sqnr_db_fc%zu", l + 1);
            printf("\n%s,%s,%s,%s,%s,%s", v[0], v[1], v[2], v[3], v[4], v[5]);
            for (size_t l = 0; l < net.nlayers; l++) {
                char q[32];
                cli_num(q, sizeof q, r.sqnr_db[l]);
                printf(",%s", q);
            }
            printf("\n");
        } else {
            printf("test_acc      %s\nfp32_acc      %s\nagree         %s\nbits_x        %s\n"
                   "bits_w        %s\noutlier_frac  %s\n", v[0], v[1], v[2], v[3], v[4], v[5]);
            for (size_t l = 0; l < net.nlayers; l++)
                printf("sqnr_db_fc%zu   %.2f\n", l + 1, r.sqnr_db[l]);
        }
    }
    fpq_nn_free(&net);
    fpq_nn_data_free(&te);
    return rc == FPQ_OK ? CLI_EXIT_OK : CLI_EXIT_DATA;
}
