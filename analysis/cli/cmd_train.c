/* cmd_train.c: `fpq train` -- train the lab's multilayer perceptron
 * (train.h) on Fashion-MNIST or a folder of IDX files, every tensor of
 * training able to pass through a quantization point; one row per epoch.
 *
 * Reads its command line through the option layer (opt.h): the spec
 * options of fpq quant (qspec_opts.c) once per point, prefixed (--w-format,
 * --ga-round, ...).  --help to stdout (exit 0), misuse to stderr (exit 2),
 * bad data exit 1; every spec is checked before any data is read. */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "qspec_opts.h"
#include "outfile.h"
#include "train.h"

#define CMD "train"

enum {
    OPT_DATA = 1, OPT_LIMIT, OPT_HIDDEN, OPT_INIT, OPT_QAT, OPT_EPOCHS, OPT_BATCH, OPT_LR,
    OPT_MOMENTUM, OPT_WD, OPT_NO_MASTER, OPT_LOSS_SCALE, OPT_GROWTH, OPT_IN, OPT_ACC, OPT_BLAS,
    OPT_PT = 100, /* OPT_PT + 20 p + k: the spec option k of point p */
    OPT_OPTIM = 300 /* OPT_OPTIM + k: --opt-format, --opt-round, --opt-seed */
};
_Static_assert(CLI_QSPEC_NOPTS <= 20, "the points' option ids are 20 apart");

static const cli_opt train_data[] = {
    {OPT_DATA, 0, "data", "D",
     "fashion-mnist (default: the bundled copy, make data)\n"
     "or a folder of IDX files (train-images-idx3-ubyte,\n"
     "train-labels-idx1-ubyte, t10k-*)"},
    {OPT_LIMIT, 0, "limit", "N", "train on the first N images only (test: all)"},
    {0},
};

static const cli_opt train_net[] = {
    {OPT_HIDDEN, 0, "hidden", "N,N,...", "hidden layer widths (default 256,128)"},
    {OPT_INIT, 0, "init", "MODEL", "start from a trained network (fpq train --out)"},
    {OPT_QAT, 0, "qat", NULL,
     "quantization-aware training: needs --init and --w-*\n"
     "or --a-* (fake quantization, straight-through)"},
    {0},
};

static const cli_opt train_sgd[] = {
    {OPT_EPOCHS, 0, "epochs", "E", "epochs (default 10)"},
    {OPT_BATCH, 0, "batch", "B", "batch size (default 128)"},
    {OPT_LR, 0, "lr", "X", "peak learning rate (default 0.05), cosine to 0"},
    {OPT_MOMENTUM, 0, "momentum", "X", "momentum (default 0.9)"},
    {OPT_WD, 0, "weight-decay", "X", "weight decay (default 0)"},
    CLI_OPT_SEED("seed of the weights and the order (default 1)"),
    CLI_OPT_THREADS("OpenMP threads (the results do not depend on it)"),
    {0},
};

static const cli_opt train_mixed[] = {
    {OPT_NO_MASTER, 0, "no-master", NULL,
     "with --s-*: no fp32 master copy, the stored weights\n"
     "take each update and are rounded again"},
    {OPT_LOSS_SCALE, 0, "loss-scale", "S",
     "none (default), a number (static), dynamic[:S]\n"
     "(start S, default 65536; halve and skip a step on\n"
     "Inf/NaN gradients, double after --growth-interval\n"
     "good steps)"},
    {OPT_GROWTH, 0, "growth-interval", "N", "dynamic scaling: good steps per doubling (2000)"},
    {OPT_IN, 0, "in", "F",
     "emulate every product: operands rounded into F\n"
     "(fpq_gemm_f64; default fp16 when only --acc)"},
    {OPT_ACC, 0, "acc", "F", "the emulated products' accumulator (default fp32)"},
    {OPT_BLAS, 0, "blas", "B",
     "the fp32 products: auto (default: OpenBLAS when\n"
     "libopenblas.so.0 loads, else loops), openblas, loops"},
    {0},
};

static const cli_opt train_output[] = {
    CLI_OPT_OUT("MODEL", "write the trained network (safetensors)"),
    CLI_OPT_FORCE("replace an existing MODEL"),
    CLI_OPT_CSV("a header and one row per epoch"),
    CLI_OPT_QUIET("no progress on the terminal"),
    {0},
};

static const char *const pt_what[FPQ_NN_PT_COUNT_] = {
    "weights in the products", "layer inputs", "output gradients", "weight gradients",
    "updates", "stored weights"};

#define TRAIN_NOPTS (FPQ_NN_PT_COUNT_ * CLI_QSPEC_NOPTS + 50)
typedef struct train_options {
    cli_qspec_prefixed pt[FPQ_NN_PT_COUNT_];
    cli_qspec_prefixed optim; /* its format, round and seed options only: */
    cli_opt optim_t[4];
    cli_opt all[TRAIN_NOPTS];
} train_options;

/* --opt-format, --opt-round, --opt-seed: the spec options of that name
 * under the prefix "opt". */
static void optim_table(train_options *m)
{
    cli_qspec_prefix(&m->optim, "opt", OPT_OPTIM, NULL, NULL);
    size_t n = 0;
    for (int k = 0; k < CLI_QSPEC_NOPTS; k++) {
        int id = cli_qspec_options[k].id;
        if (id == CLI_ID_FORMAT || id == CLI_ID_ROUND || id == CLI_ID_SEED)
            m->optim_t[n++] = m->optim.t[k];
    }
    memset(&m->optim_t[n], 0, sizeof m->optim_t[n]);
    m->optim_t[0].help = "the optimizer's arithmetic: momentum buffer and\n"
                         "every operation of the update rounded into F\n"
                         "(default: fp32 arithmetic)";
    m->optim_t[1].help = "each operation's rounding, as --round (default\n"
                         "rne; sr: fresh bits for every operation)";
}

static void train_table(train_options *m)
{
    size_t n = 0;
    cli_opts_append(m->all, TRAIN_NOPTS, &n, train_data);
    cli_opts_append(m->all, TRAIN_NOPTS, &n, train_net);
    cli_opts_append(m->all, TRAIN_NOPTS, &n, train_sgd);
    for (int p = 0; p < FPQ_NN_PT_COUNT_; p++) {
        cli_qspec_prefix(&m->pt[p], fpq_nn_pt_prefix((fpq_nn_pt)p), OPT_PT + 20 * p,
                         p ? "w" : NULL, pt_what[p]);
        cli_opts_append(m->all, TRAIN_NOPTS, &n, m->pt[p].t);
    }
    optim_table(m);
    cli_opts_append(m->all, TRAIN_NOPTS, &n, m->optim_t);
    cli_opts_append(m->all, TRAIN_NOPTS, &n, train_mixed);
    cli_opts_append(m->all, TRAIN_NOPTS, &n, train_output);
}

static void train_help(FILE *f)
{
    train_options m;
    train_table(&m);
    const cli_help_part parts[] = {
        {"\nData:\n", train_data},
        {"\nNetwork:\n", train_net},
        {"\nTraining (SGD with momentum, cosine schedule):\n", train_sgd},
        {"\nQuantization points (the spec options of 'fpq quant'; --P-scheme cast\n"
         "rounds each value into --P-format with --P-round, no scale):\n", m.pt[0].t},
        {NULL, m.pt[1].t}, {NULL, m.pt[2].t}, {NULL, m.pt[3].t}, {NULL, m.pt[4].t},
        {NULL, m.pt[5].t},
        {"\nThe optimizer (SGD with momentum; each operation one rounding into F,\n"
         "the momentum buffer held in F):\n", m.optim_t},
        {"\nMixed precision:\n", train_mixed},
        {"\nOutput:\n", train_output},
    };
    fprintf(f,
            "Usage: fpq train [OPTIONS]\n"
            "\n"
            "Train a multilayer perceptron (default 784-256-128-10, ReLU, softmax\n"
            "cross-entropy) on image data, with quantization points where training\n"
            "rounds: w- the weights as the products use them, a- each layer's input,\n"
            "ga- each layer's output gradient, gw- the weight gradients, u- the update,\n"
            "s- the stored weights (with an fp32 master copy unless --no-master).  A\n"
            "point without options stays fp32.  Results are the same for any thread\n"
            "count.\n");
    cli_opts_help_parts(f, parts, sizeof parts / sizeof parts[0]);
    fprintf(f,
            "\n"
            "Columns (--csv): epoch, train_loss, train_acc, test_acc, lr, loss_scale,\n"
            "grad_flush_frac and grad_overflow_frac (of the values through the ga- and\n"
            "gw- points), skipped_steps, seconds, products (openblas, loops or\n"
            "emulated: what the products ran on).  test_acc is the network as trained:\n"
            "its stored weights through the w- and a- points and the products as set.\n"
            "\n"
            "Examples:\n"
            "  fpq train --data fashion-mnist --epochs 10 --seed 1 --out model.safetensors\n"
            "  fpq train --s-format bf16 --s-scheme cast --s-round sr --no-master --csv\n"
            "  fpq train --opt-format bf16 --opt-round sr --opt-seed 1 --csv\n"
            "  fpq train --ga-format fp16 --ga-scheme cast --gw-format fp16 --gw-scheme cast \\\n"
            "      --loss-scale dynamic --csv\n"
            "  fpq train --init model.safetensors --qat --w-format int4 --w-granularity col \\\n"
            "      --epochs 2 --lr 0.01 --out qat.safetensors\n"
            "\n"
            "Exit status: %d ok, %d bad data or a read/write failure, %d usage error.\n",
            CLI_EXIT_OK, CLI_EXIT_DATA, CLI_EXIT_USAGE);
}

typedef struct train_args {
    cli_qspec_opts pt[FPQ_NN_PT_COUNT_];
    cli_qspec_opts optim;
    bool cast[FPQ_NN_PT_COUNT_];
    const char *data, *hidden, *init, *loss_scale, *in, *acc, *out, *blas;
    unsigned long long limit, epochs, batch, growth, seed, threads;
    bool has_epochs, has_batch, has_growth, has_seed, qat, no_master, force, csv, quiet;
    double lr, momentum, wd;
    bool has_lr, has_momentum, has_wd;
} train_args;

/* The index k of the scheme option in cli_qspec_options. */
static int scheme_index(void)
{
    for (int k = 0; k < CLI_QSPEC_NOPTS; k++)
        if (cli_qspec_options[k].id == CLI_QO_SCHEME)
            return k;
    return -1;
}

static int train_arg(void *ctx, const cli_parser *p, int id, const char *arg)
{
    train_args *a = ctx;
    for (int q = 0; q < FPQ_NN_PT_COUNT_; q++) {
        if (id == OPT_PT + 20 * q + scheme_index() && strcmp(arg, "cast") == 0) {
            a->cast[q] = true;
            a->pt[q].any = true;
            return CLI_EXIT_OK;
        }
        bool handled;
        int rc = cli_qspec_prefixed_option(p, &a->pt[q], OPT_PT + 20 * q, id, arg, &handled);
        if (handled)
            return rc;
    }
    bool handled;
    int rc = cli_qspec_prefixed_option(p, &a->optim, OPT_OPTIM, id, arg, &handled);
    if (handled)
        return rc;
    switch (id) {
    case CLI_HELP: train_help(stdout); break;
    case CLI_OPERAND: return cli_usage_error(CMD, "unexpected operand '%s' (fpq train takes options only)", arg);
    case OPT_DATA: a->data = arg; break;
    case OPT_LIMIT: return cli_arg_uint(p, arg, 1, SIZE_MAX, &a->limit);
    case OPT_HIDDEN: a->hidden = arg; break;
    case OPT_INIT: a->init = arg; break;
    case OPT_QAT: a->qat = true; break;
    case OPT_EPOCHS: a->has_epochs = true; return cli_arg_uint(p, arg, 1, 100000, &a->epochs);
    case OPT_BATCH: a->has_batch = true; return cli_arg_uint(p, arg, 1, 1u << 20, &a->batch);
    case OPT_LR: a->has_lr = true; return cli_arg_double(p, arg, 0, 1e6, &a->lr);
    case OPT_MOMENTUM: a->has_momentum = true; return cli_arg_double(p, arg, 0, 1, &a->momentum);
    case OPT_WD: a->has_wd = true; return cli_arg_double(p, arg, 0, 1e6, &a->wd);
    case CLI_ID_SEED: a->has_seed = true; return cli_arg_uint(p, arg, 0, UINT64_MAX, &a->seed);
    case CLI_ID_THREADS: return cli_arg_uint(p, arg, 1, 4096, &a->threads);
    case OPT_NO_MASTER: a->no_master = true; break;
    case OPT_LOSS_SCALE: a->loss_scale = arg; break;
    case OPT_GROWTH: a->has_growth = true; return cli_arg_uint(p, arg, 1, 1u << 30, &a->growth);
    case OPT_IN: a->in = arg; break;
    case OPT_ACC: a->acc = arg; break;
    case OPT_BLAS: a->blas = arg; break;
    case CLI_ID_OUT: a->out = arg; break;
    case CLI_ID_FORCE: a->force = true; break;
    case CLI_ID_CSV: a->csv = true; break;
    case CLI_ID_QUIET: a->quiet = true; break;
    }
    return CLI_EXIT_OK;
}

/* "256,128" into sizes[1..]; *n the hidden layers. */
static int parse_hidden(size_t *sizes, size_t *n, const char *s)
{
    *n = 0;
    if (!*s)
        return CLI_EXIT_OK; /* no hidden layer: a linear classifier */
    const char *q = s;
    while (*q) {
        char *end;
        unsigned long long v = strtoull(q, &end, 10);
        if (end == q || v < 1 || v > (1u << 20) || (*end && *end != ','))
            return cli_usage_error(CMD, "--hidden '%s': widths 1 to 1048576, separated by commas", s);
        if (*n + 2 > FPQ_NN_MAXLAYERS)
            return cli_usage_error(CMD, "--hidden '%s': at most %d hidden layers", s, FPQ_NN_MAXLAYERS - 1);
        sizes[1 + (*n)++] = (size_t)v;
        q = *end ? end + 1 : end;
    }
    return CLI_EXIT_OK;
}

/* Point p's spec from its options; CLI_EXIT_OK or a reported usage error. */
static int build_point(fpq_nn_point *pt, const train_args *a, int p)
{
    const cli_qspec_opts *o = &a->pt[p];
    memset(pt, 0, sizeof *pt);
    fpq_qspec_default(&pt->q);
    if (!o->any)
        return CLI_EXIT_OK;
    char pre[8];
    snprintf(pre, sizeof pre, "%s-", fpq_nn_pt_prefix((fpq_nn_pt)p));
    if (a->cast[p]) {
        if (!o->format)
            return cli_usage_error(CMD, "--%sscheme cast needs --%sformat", pre, pre);
        if (o->gran || o->has_group || o->has_axis || o->scale_format || o->scale_round || o->mx_rule ||
            o->range || o->has_outlier || o->kept || o->no_tensor_scale || o->quotient || o->scale_arith
            || o->has_overflow)
            return cli_usage_error(CMD, "--%sscheme cast takes --%sformat, --%sround, --%sseed and "
                                   "--%ssymmetric only (a cast has no scale)", pre, pre, pre, pre, pre);
    }
    int rc = cli_qspec_build(&pt->q, CMD, pre, o);
    if (rc != CLI_EXIT_OK)
        return rc;
    pt->on = true;
    pt->cast = a->cast[p];
    return CLI_EXIT_OK;
}

static fpq_format fmt_in, fmt_acc;
static fpq_nn_blas blas_choice;

static int build(fpq_train_spec *s, size_t *sizes, size_t *nl, const train_args *a)
{
    fpq_train_spec_default(s);
    int rc;
    blas_choice = FPQ_NN_BLAS_AUTO;
    if (a->blas && fpq_nn_blas_parse(&blas_choice, a->blas) != FPQ_OK)
        return cli_usage_error(CMD, "--blas '%s': auto, openblas or loops", a->blas);
    for (int p = 0; p < FPQ_NN_PT_COUNT_; p++)
        if ((rc = build_point(&s->pt[p], a, p)) != CLI_EXIT_OK)
            return rc;
    if (a->has_epochs)
        s->epochs = (unsigned)a->epochs;
    if (a->has_batch)
        s->batch = (size_t)a->batch;
    if (a->has_lr)
        s->lr = a->lr;
    if (a->has_momentum)
        s->momentum = a->momentum;
    if (a->has_wd)
        s->weight_decay = a->wd;
    if (a->has_seed)
        s->seed = a->seed;
    if (a->optim.any) {
        if (!a->optim.format)
            return cli_usage_error(CMD, "--opt-round and --opt-seed apply with --opt-format F");
        fpq_qspec q;
        if ((rc = cli_qspec_build(&q, CMD, "opt-", &a->optim)) != CLI_EXIT_OK)
            return rc;
        s->opt.on = true;
        s->opt.format = q.format;
        s->opt.rnd = q.rnd;
    }
    if (a->no_master) {
        if (!s->pt[FPQ_NN_PT_STORE].on)
            return cli_usage_error(CMD, "--no-master applies with a store point (--s-format ...)");
        s->master = false;
    }
    if (a->loss_scale) {
        const char *ls = a->loss_scale;
        char *end;
        if (strcmp(ls, "none") == 0) {
            s->scaling = FPQ_NN_SCALE_NONE;
        } else if (strncmp(ls, "dynamic", 7) == 0 && (ls[7] == '\0' || ls[7] == ':')) {
            s->scaling = FPQ_NN_SCALE_DYNAMIC;
            if (ls[7] == ':') {
                s->scale = strtod(ls + 8, &end);
                if (end == ls + 8 || *end || !(s->scale >= 1 && s->scale <= 0x1p24))
                    return cli_usage_error(CMD, "--loss-scale '%s': dynamic:S with S from 1 to 2^24", ls);
            }
        } else {
            s->scaling = FPQ_NN_SCALE_STATIC;
            s->scale = strtod(ls, &end);
            if (end == ls || *end || !(s->scale > 0 && s->scale <= 0x1p64))
                return cli_usage_error(CMD, "--loss-scale '%s': none, a number in (0, 2^64], dynamic or "
                                       "dynamic:S", ls);
        }
    }
    if (a->has_growth) {
        if (s->scaling != FPQ_NN_SCALE_DYNAMIC)
            return cli_usage_error(CMD, "--growth-interval applies to --loss-scale dynamic");
        s->growth_interval = (unsigned)a->growth;
    }
    if (a->in || a->acc) {
        s->emulate = true;
        if (a->in) {
            if ((rc = cli_format(&fmt_in, CMD, a->in)) != CLI_EXIT_OK)
                return rc;
            s->dot.in = &fmt_in;
        }
        if (a->acc) {
            if ((rc = cli_format(&fmt_acc, CMD, a->acc)) != CLI_EXIT_OK)
                return rc;
            s->dot.acc = &fmt_acc;
        }
        if (fpq_dot_spec_validate(&s->dot) != FPQ_OK)
            return cli_usage_error(CMD, "--in/--acc: not a product libfpq can emulate");
    }
    if (a->qat) {
        if (!a->init)
            return cli_usage_error(CMD, "--qat starts from a trained network: give --init MODEL");
        if (!s->pt[FPQ_NN_PT_WEIGHT].on && !s->pt[FPQ_NN_PT_ACT].on)
            return cli_usage_error(CMD, "--qat needs a forward point to train through (--w-format "
                                   "or --a-format ...)");
    }
    sizes[0] = 784;
    sizes[1] = 256;
    sizes[2] = 128;
    *nl = 3;
    if (a->hidden) {
        size_t nh;
        if ((rc = parse_hidden(sizes, &nh, a->hidden)) != CLI_EXIT_OK)
            return rc;
        *nl = nh + 1;
    }
    if (a->init && a->hidden)
        return cli_usage_error(CMD, "--hidden and --init: the network's shape comes from MODEL");
    return CLI_EXIT_OK;
}

/* ---- output --------------------------------------------------------------------------- */

typedef struct run_ctx {
    bool csv, bar;
    unsigned epochs;
    double start, last; /* omp_get_wtime() */
    bool drawn;
    const char *products; /* openblas, loops or emulated */
} run_ctx;

static void on_progress(void *ctx, unsigned epoch, size_t step, size_t steps)
{
    run_ctx *r = ctx;
    double now = omp_get_wtime();
    if (!r->bar || (step < steps && now - r->last < 0.1))
        return;
    r->last = now;
    char bar[31];
    size_t fill = steps ? step * 30 / steps : 0;
    for (size_t i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\repoch %u/%u [%s] %zu/%zu steps  %.0f s ", epoch, r->epochs, bar, step, steps,
            now - r->start);
    fflush(stderr);
    r->drawn = true;
}

static int on_epoch(void *ctx, const fpq_train_epoch *e)
{
    run_ctx *r = ctx;
    if (r->drawn) {
        fprintf(stderr, "\r%*s\r", 70, "");
        r->drawn = false;
    }
    char v[10][32];
    cli_num(v[0], sizeof v[0], e->train_loss);
    cli_num(v[1], sizeof v[1], e->train_acc);
    cli_num(v[2], sizeof v[2], e->test_acc);
    cli_num(v[3], sizeof v[3], e->lr);
    cli_num(v[4], sizeof v[4], e->loss_scale);
    cli_num(v[5], sizeof v[5], e->grad_flush_frac);
    cli_num(v[6], sizeof v[6], e->grad_overflow_frac);
    if (r->csv)
        printf("%u,%s,%s,%s,%s,%s,%s,%s,%llu,%.3f,%s\n", e->epoch, v[0], v[1], v[2], v[3], v[4],
               v[5], v[6], (unsigned long long)e->skipped_steps, e->seconds, r->products);
    else
        printf("%5u  %10.6f  %9.4f  %8.4f  %10.3g  %10.6g  %10.3g  %10.3g  %7llu  %7.2f\n",
               e->epoch, e->train_loss, e->train_acc, e->test_acc, e->lr, e->loss_scale,
               e->grad_flush_frac, e->grad_overflow_frac, (unsigned long long)e->skipped_steps,
               e->seconds);
    fflush(stdout);
    return FPQ_OK;
}

int cli_train_main(int argc, char **argv)
{
    train_args a;
    memset(&a, 0, sizeof a);
    for (int p = 0; p < FPQ_NN_PT_COUNT_; p++)
        cli_qspec_opts_init(&a.pt[p]);
    cli_qspec_opts_init(&a.optim);
    train_options m;
    train_table(&m);
    cli_parser p;
    cli_parser_init(&p, CMD, m.all, argc, argv);
    int rc = cli_parse(&p, train_arg, &a);
    fpq_train_spec s;
    size_t sizes[FPQ_NN_MAXLAYERS + 1], nl = 0;
    if (rc != CLI_EXIT_OK || (rc = build(&s, sizes, &nl, &a)) != CLI_EXIT_OK)
        return cli_exit_status(rc);
    if (a.threads)
        omp_set_num_threads((int)a.threads);
    fpq_errbuf e = {""};
    if (fpq_nn_blas_set(blas_choice, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        return CLI_EXIT_DATA;
    }
    /* which product runs, once: on stderr (unless -q, or always when
       OpenBLAS was expected and did not load) and in the CSV's column */
    const char *why, *products = s.emulate ? "emulated" : fpq_nn_blas_name(&why);
    if (!s.emulate && (!a.quiet || (blas_choice == FPQ_NN_BLAS_AUTO
                                                && strcmp(products, "loops") == 0)))
        fprintf(stderr, "fpq train: fp32 products on %s (%s)\n",
                strcmp(products, "loops") == 0 ? "loops" : "OpenBLAS", why);
    if (a.out && fpq_out_check(a.out, a.force ? FPQ_OUT_FORCE : 0, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        return CLI_EXIT_DATA;
    }
    fpq_nn_data tr, te;
    if (fpq_nn_data_open(&tr, &te, a.data ? a.data : "fashion-mnist", (size_t)a.limit, &e) != FPQ_OK) {
        cli_error("%s", e.msg);
        return CLI_EXIT_DATA;
    }
    fpq_nn net;
    if (a.init) {
        rc = fpq_nn_load(&net, a.init, &e);
    } else {
        sizes[0] = tr.dim;
        sizes[nl] = tr.classes > te.classes ? tr.classes : te.classes;
        rc = fpq_nn_alloc(&net, sizes, nl, &e);
        if (rc == FPQ_OK)
            fpq_nn_init(&net, s.seed);
    }
    if (rc != FPQ_OK) {
        cli_error("%s", e.msg);
        fpq_nn_data_free(&tr), fpq_nn_data_free(&te);
        return CLI_EXIT_DATA;
    }
    run_ctx r = {a.csv, !a.quiet && isatty(2), s.epochs, omp_get_wtime(), 0, false, products};
    if (a.csv)
        printf("epoch,train_loss,train_acc,test_acc,lr,loss_scale,grad_flush_frac,"
               "grad_overflow_frac,skipped_steps,seconds,products\n");
    else
        printf("epoch  train_loss  train_acc  test_acc          lr  loss_scale  grad_flush  "
               "grad_ovf  skipped  seconds\n");
    fpq_train_hooks h = {&r, on_epoch, on_progress};
    rc = fpq_train_run(&net, &tr, &te, &s, &h, &e);
    if (r.drawn)
        fprintf(stderr, "\n");
    if (rc == FPQ_OK && a.out)
        rc = fpq_nn_save(&net, a.out, a.force ? FPQ_OUT_FORCE : 0, &e);
    if (rc != FPQ_OK)
        cli_error("%s", e.msg);
    fpq_nn_free(&net);
    fpq_nn_data_free(&tr), fpq_nn_data_free(&te);
    return rc == FPQ_OK ? CLI_EXIT_OK : CLI_EXIT_DATA;
}
