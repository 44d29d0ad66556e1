/* qspec_opts.c: what the lab's commands share (qspec_opts.h) -- the
 * quantization-spec options of `fpq quant` (--format, --scheme,
 * --granularity, ...) parsed into an fpq_qspec, the same options prefixed
 * per operand in `fpq matmul`, the sweep axes as options of `fpq sweep` and
 * `fpq hist`, source loading and the number form of the metrics. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matmul.h"
#include "qspec_opts.h"
#include "source.h"

const cli_opt cli_qspec_options[CLI_QSPEC_NOPTS + 1] = {
    CLI_OPT_FORMAT("F", "element format (default int8; mx and nvfp4:\nfp4_e2m1)"),
    {CLI_QO_SCHEME, 's', "scheme", "S",
     "absmax (default): S = max|x|/qmax,\n"
     "  x^ = round(x/S) S\n"
     "zeropoint: S = (max-min)/(qmax-qmin),\n"
     "  Z = round(qmin - min/S),\n"
     "  x^ = (clamp(round(x/S) + Z) - Z) S; integers\n"
     "mx: OCP MX 1.0, blocks of 32, E8M0 scale\n"
     "  2^(floor(log2 amax) - emax_elem), elements\n"
     "  saturate\n"
     "nvfp4: blocks of 16, E4M3 scale, FP32 tensor scale"},
    {CLI_QO_GRAN, 'g', "granularity", "G",
     "tensor (default), row (per token), col (per\n"
     "channel), group (N consecutive values along the\n"
     "group axis)"},
    {CLI_QO_GROUP, 'G', "group", "N",
     "group size N >= 2 (implies granularity group);\n"
     "the last group of a row may be shorter: own scale"},
    {CLI_QO_AXIS, 0, "axis", "0|1", "groups along a row (1, default) or down a\ncolumn (0)"},
    {CLI_QO_SCALE_FORMAT, 0, "scale-format", "F",
     "scale format: fp32 (default), fp16, bf16, e8m0,\n"
     "fp8_e4m3, any float, or exact (binary64, 64 bits)"},
    {CLI_QO_SCALE_ROUND, 0, "scale-round", "MODE",
     "the scale's one rounding: rne (default), rna, rtz,\n"
     "rup (never clips the max), rdn, odd"},
    {CLI_QO_QUOTIENT, 0, "quotient", "Q",
     "how y = x/S is formed before its rounding:\n"
     "exact (default): the real quotient; div: x/S\n"
     "rounded in the scale arithmetic (a kernel that\n"
     "divides in fp32); recip: x * (1/S), 1/S rounded\n"
     "first (PyTorch's fake_quantize)"},
    {CLI_QO_SCALE_ARITH, 0, "scale-arith", "A",
     "arithmetic of the scale c/qmax and of the div and\n"
     "recip quotients: exact (default with --quotient\n"
     "exact: one rounding into the scale format), fp32\n"
     "(default with div and recip), fp64"},
    {CLI_QO_MX_RULE, 0, "scale-rule", "R",
     "block-scale rule. mx: floor (default, OCP MX\n"
     "  1.0), ceil, rceil (amax/max_elem rounded up, as\n"
     "  cuBLAS), even (amax rounded to the element's\n"
     "  precision, then floor; torchao EVEN); nvfp4: 6\n"
     "  (default: block max to 6), 4over6 (Four Over\n"
     "  Six: per block 4 or 6, the lower squared error)"},
    {CLI_QO_MX_RULE, 0, "mx-rule", "R", "the same as --scale-rule"},
    {CLI_QO_NO_TENSOR_SCALE, 0, "no-tensor-scale", NULL, "nvfp4 without the FP32 tensor scale"},
    {CLI_QO_RANGE, 0, "range", "R",
     "max (default), percentile:P (clip at the P-th\n"
     "percentile of |x|, nearest rank), mse[:STEPS]\n"
     "(clip at the ratio k/STEPS of max|x| with the\n"
     "least squared error, per scale; STEPS default\n"
     "100)"},
    CLI_OPT_ROUND("element rounding: {modes}\n(default rne; sr: element i uses position i)"),
    CLI_OPT_SEED("seed of stochastic rounding (default 0; 0x-hex too)"),
    CLI_OPT_OVERFLOW("elements past the grid (P3109's names): finite\n"
                     "(default: saturate, the clamp), none (the format's\n"
                     "own: Inf or NaN; integers clamp), propagate, wrap\n"
                     "(integers: two's complement modulo 2^N)"),
    CLI_OPT_SYMMETRIC("[=B]", "signed integers without their most negative value\n(B 1, the default, or 0)"),
    {CLI_QO_OUTLIER, 0, "outlier", "T",
     "LLM.int8 split: columns with any |x| >= T are kept\n"
     "in the kept format, rounded to nearest (default 0:\nnone)"},
    {CLI_QO_KEPT, 0, "kept-format", "F", "format of the kept columns (default fp16)"},
    {0},
};

void cli_qspec_opts_init(cli_qspec_opts *o)
{
    memset(o, 0, sizeof *o);
    fpq_rounding_default(&o->rnd);
}

void cli_qspec_prefix(cli_qspec_prefixed *o, const char *prefix, int base, const char *ref,
                      const char *what)
{
    for (int k = 0; k < CLI_QSPEC_NOPTS; k++) {
        const cli_opt *q = &cli_qspec_options[k];
        snprintf(o->names[k], sizeof o->names[k], "%s-%s", prefix, q->name);
        snprintf(o->help[k], sizeof o->help[k], "as --%s-%s, for %s", ref ? ref : "", q->name,
                 what ? what : "");
        o->t[k] = (cli_opt){base + k, 0, o->names[k], q->arg, ref ? o->help[k] : q->help};
    }
    o->t[CLI_QSPEC_NOPTS] = (cli_opt){0};
}

int cli_qspec_prefixed_option(const cli_parser *p, cli_qspec_opts *o, int base, int id,
                              const char *arg, bool *handled)
{
    *handled = id >= base && id < base + CLI_QSPEC_NOPTS;
    return *handled ? cli_qspec_option(p, o, cli_qspec_options[id - base].id, arg) : CLI_EXIT_OK;
}

int cli_qspec_option(const cli_parser *p, cli_qspec_opts *o, int id, const char *arg)
{
    bool handled;
    int rc = cli_rounding_option(p, &o->rnd, id, arg, &handled);
    if (handled) {
        o->any = true;
        o->has_overflow |= id == CLI_ID_OVERFLOW;
        return rc;
    }
    unsigned long long u = 0;
    switch (id) {
    case CLI_ID_FORMAT: o->format = arg; break;
    case CLI_QO_SCHEME: o->scheme = arg; break;
    case CLI_QO_GRAN: o->gran = arg; break;
    case CLI_QO_GROUP:
        rc = cli_arg_uint(p, arg, 2, CLI_QSPEC_MAX_GROUP, &u);
        o->group = (size_t)u;
        o->has_group = true;
        break;
    case CLI_QO_AXIS:
        rc = cli_arg_uint(p, arg, 0, 1, &u);
        o->axis = (unsigned)u;
        o->has_axis = true;
        break;
    case CLI_QO_SCALE_FORMAT: o->scale_format = arg; break;
    case CLI_QO_SCALE_ROUND: o->scale_round = arg; break;
    case CLI_QO_MX_RULE: o->mx_rule = arg; break;
    case CLI_QO_NO_TENSOR_SCALE: o->no_tensor_scale = true; break;
    case CLI_QO_RANGE: o->range = arg; break;
    case CLI_QO_OUTLIER:
        rc = cli_arg_double(p, arg, 0, DBL_MAX, &o->outlier);
        o->has_outlier = true;
        break;
    case CLI_QO_KEPT: o->kept = arg; break;
    case CLI_QO_QUOTIENT: o->quotient = arg; break;
    case CLI_QO_SCALE_ARITH: o->scale_arith = arg; break;
    default: return CLI_EXIT_OK;
    }
    o->any = true;
    return rc;
}

int cli_qspec_build(fpq_qspec *s, const char *cmd, const char *pre, const cli_qspec_opts *o)
{
    fpq_qspec_default(s);
    int rc;
    if (o->scheme) {
        fpq_scheme sc;
        if (fpq_scheme_parse(&sc, o->scheme) != FPQ_OK)
            return cli_usage_error(cmd, "unknown scheme '%s' (absmax, zeropoint, mx or nvfp4)", o->scheme);
        fpq_qspec_set_scheme(s, sc);
    }
    if (o->format) {
        const char *fix = fpq_qspec_block_alias_fix(o->format);
        if (fix)
            return cli_usage_error(cmd, "%s", fix);
        if ((rc = cli_format(&s->format, cmd, o->format)) != CLI_EXIT_OK)
            return rc;
    }
    if (o->gran && fpq_gran_parse(&s->granularity, o->gran) != FPQ_OK)
        return cli_usage_error(cmd, "unknown granularity '%s' (tensor, row, col or group)", o->gran);
    if (o->has_group) {
        s->group = o->group;
        if (!o->gran)
            s->granularity = FPQ_GRAN_GROUP;
        else if (s->granularity != FPQ_GRAN_GROUP)
            return cli_usage_error(cmd, "--%sgroup applies to --%sgranularity group, not %s", pre, pre, o->gran);
    }
    if (o->has_axis)
        s->axis = o->axis;
    if (o->scale_format) {
        if (strcmp(o->scale_format, "exact") == 0)
            s->scale_exact = true;
        else if ((rc = cli_format(&s->scale_format, cmd, o->scale_format)) != CLI_EXIT_OK)
            return rc;
        else
            s->scale_exact = false;
    }
    if (o->scale_round && fpq_rnd_parse(&s->scale_round, o->scale_round) != FPQ_OK)
        return cli_usage_error(cmd, "unknown scale rounding '%s' (rne, rna, rtz, rup, rdn, odd)", o->scale_round);
    if (o->quotient && fpq_quotient_parse(&s->quotient, o->quotient) != FPQ_OK)
        return cli_usage_error(cmd, "unknown quotient '%s' (exact, div or recip)", o->quotient);
    if (o->scale_arith && (fpq_sarith_parse(&s->scale_arith, o->scale_arith) != FPQ_OK
                           || s->scale_arith == FPQ_SARITH_DEFAULT))
        return cli_usage_error(cmd, "unknown scale arithmetic '%s' (exact, fp32 or fp64)", o->scale_arith);
    if (o->mx_rule && fpq_mx_rule_parse(&s->mx_rule, o->mx_rule) != FPQ_OK)
        return cli_usage_error(cmd, "unknown scale rule '%s' (mx: floor, ceil, rceil or even; nvfp4: 6 or "
                               "4over6)", o->mx_rule);
    if (o->mx_rule && s->scheme != FPQ_SCHEME_MX && s->scheme != FPQ_SCHEME_NVFP4)
        return cli_usage_error(cmd, "--%sscale-rule applies to --%sscheme mx or nvfp4", pre, pre);
    if (o->no_tensor_scale) {
        if (s->scheme != FPQ_SCHEME_NVFP4)
            return cli_usage_error(cmd, "--%sno-tensor-scale applies to --%sscheme nvfp4", pre, pre);
        s->tensor_scale = false;
    }
    fpq_errbuf e = {""};
    if (o->range && fpq_range_parse(s, o->range, &e) != FPQ_OK)
        return cli_usage_error(cmd, "%s", e.msg);
    s->rnd.mode = o->rnd.mode;
    s->rnd.seed = o->rnd.seed;
    s->rnd.int_symmetric = o->rnd.int_symmetric;
    if (o->has_overflow)
        s->rnd.overflow = o->rnd.overflow;
    if (o->has_outlier)
        s->outlier = o->outlier;
    if (o->kept) {
        if (!(s->outlier > 0))
            return cli_usage_error(cmd, "--%skept-format applies with --%soutlier T", pre, pre);
        if ((rc = cli_format(&s->kept_format, cmd, o->kept)) != CLI_EXIT_OK)
            return rc;
    }
    s->exact_metrics = o->exact;
    if (fpq_qspec_validate(s, &e) != FPQ_OK)
        return cli_usage_error(cmd, "%s", e.msg);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* The sweep axes as options.                                             */

/* Ids of the axes that are not spec options: CLI_AX_ID + the axis. */
#define CLI_AX_ID 800

/* Placeholder and help of each axis in fpq sweep, the default in brackets
 * (a spec option of the same name gives its placeholder instead), and in
 * fpq hist where it differs (one value, quant only).  A new axis of
 * sweep.h's table wants its line here. */
static const struct {
    const char *arg, *help, *hist_help;
} axis_text[FPQ_AX_COUNT_] = {
    [FPQ_AX_SOURCE] = {"SRC", "a generator spec (normal:n=65536,seed=1), a file, or\n"
                              "FILE::NAME; LABEL=SRC names it; repeat for more (no\n"
                              "comma splitting: specs hold commas)  [required]", NULL},
    [FPQ_AX_FORMAT] = {NULL, "element format (cast: the target format)\n[int8; cast: fp16]", "element format  [int8]"},
    [FPQ_AX_SCHEME] = {NULL, "absmax, zeropoint, mx, nvfp4  [absmax]", NULL},
    [FPQ_AX_GRANULARITY] = {NULL, "tensor, row (token), col (channel), group  [tensor]", NULL},
    [FPQ_AX_GROUP] = {NULL, "group size, 2 or more; without --granularity, the\n"
                            "granularity is group (as in fpq quant)  [32]", NULL},
    [FPQ_AX_AXIS] = {NULL, "groups along 1 (a row) or 0 (a column)  [1]", NULL},
    [FPQ_AX_SCALE_FORMAT] = {NULL, "scale format, or exact  [fp32]", NULL},
    [FPQ_AX_SCALE_ROUND] = {NULL, "the scale's rounding  [rne]", NULL},
    [FPQ_AX_MX_RULE] = {NULL, "block-scale rule (column mx_rule). mx: floor, ceil,\n"
                              "rceil, even [floor]; nvfp4: 6, 4over6 [6]; --mx-rule\n"
                              "is the same", NULL},
    [FPQ_AX_RANGE] = {NULL, "max, percentile:P, mse[:STEPS]  [max]", NULL},
    [FPQ_AX_LOSS_SCALE] = {"S", "cast: multiply before the cast (2^K allowed)  [1]", NULL},
    [FPQ_AX_ROUND] = {NULL, "element rounding: {modes}\n[rne]", NULL},
    [FPQ_AX_SEED] = {NULL, "stochastic-rounding seed  [0]", NULL},
    [FPQ_AX_SYMMETRIC] = {NULL, "signed integers without their most negative value\n"
                                "(absmax): 1, or 0; alone: 1  [0]", NULL},
    [FPQ_AX_OUTLIER] = {NULL, "keep columns with any |x| >= T; 0 none  [0]", NULL},
    [FPQ_AX_KEPT_FORMAT] = {NULL, "format of the kept columns  [fp16]", NULL},
    [FPQ_AX_CALIB] = {"SRC", "quant: static ranges from SRC, '-' dynamic; repeat\n"
                             "for more (no comma splitting)  [-]",
                      "static ranges from SRC, '-' dynamic  [-]"},
    [FPQ_AX_OVERFLOW] = {"P", "past the range (P3109's names): none (the format's\n"
                              "own Inf/NaN; written format), finite (saturate;\n"
                              "written saturate), propagate, wrap (integers)\n"
                              "[quant: finite; cast: none]", NULL},
    [FPQ_AX_METHOD] = {"M", "quant: weight method, the source features x outputs:\n"
                            "rtn, gptq (calibrate: the activations, tokens x\n"
                            "features), hqq (zeropoint, no calibrate); rtn with\n"
                            "calibrate: static ranges, the source's shape; see\n"
                            "fpq matmul  [rtn]", NULL},
};

void cli_axis_options(cli_opt *out, size_t cap, size_t *n, bool with_source)
{
    for (unsigned a = 0; a < FPQ_AX_COUNT_; a++) {
        fpq_sweep_axis ax = (fpq_sweep_axis)a;
        if (ax == FPQ_AX_LABEL || (!with_source && ax == FPQ_AX_METHOD) /* fpq hist: round to nearest */
            || (!with_source && (ax == FPQ_AX_SOURCE || !fpq_sweep_axis_in_mode(ax, FPQ_SWEEP_QUANT))))
            continue;
        const char *help = !with_source && axis_text[a].hist_help ? axis_text[a].hist_help : axis_text[a].help;
        cli_opt o[2] = {{CLI_AX_ID + (int)a, 0, fpq_sweep_axis_flag(ax), axis_text[a].arg, help}, {0}};
        for (const cli_opt *q = cli_qspec_options; q->id; q++)
            if (strcmp(q->name, o[0].name) == 0) {
                o[0].id = q->id;
                o[0].short_name = q->short_name;
                o[0].arg = q->arg;
            }
        if (ax == FPQ_AX_SYMMETRIC && with_source)
            o[0].arg = "[=B[,B]]"; /* a list, as every axis of fpq sweep */
        else if (!o[0].arg)
            o[0].arg = "V"; /* an axis without a placeholder above */
        cli_opts_append(out, cap, n, o);
        if (ax == FPQ_AX_MX_RULE) { /* its older name */
            o[0].name = "mx-rule";
            o[0].help = "the same as --scale-rule";
            cli_opts_append(out, cap, n, o);
        }
    }
}

int cli_axis_option(const cli_parser *p, fpq_sweep_axes *a, int id, const char *arg)
{
    if (id <= 0 || !p->cur)
        return CLI_EXIT_OK;
    fpq_sweep_axis ax = fpq_sweep_axis_find(p->cur->name);
    if (ax == FPQ_AX_COUNT_
        || (strcmp(p->cur->name, fpq_sweep_axis_flag(ax)) != 0
            && !(ax == FPQ_AX_MX_RULE && strcmp(p->cur->name, "mx-rule") == 0)))
        return CLI_EXIT_OK;
    int rc = CLI_EXIT_OK;
    switch (ax) {
    case FPQ_AX_GROUP: rc = cli_arg_uint_list(p, arg, 2, CLI_QSPEC_MAX_GROUP); break;
    case FPQ_AX_AXIS: rc = cli_arg_uint_list(p, arg, 0, 1); break;
    case FPQ_AX_SYMMETRIC: /* each 0 or 1, as cli_rounding_option takes it */
        arg = arg ? arg : "1";
        for (const char *q = arg;; q++) {
            size_t len = strcspn(q, ",");
            if (len != 1 || (q[0] != '0' && q[0] != '1'))
                return cli_opt_error(p, "bad value '%.*s' (0 or 1)", (int)len, q);
            if (q[len] == '\0')
                break;
            q += len;
        }
        break;
    case FPQ_AX_OUTLIER: rc = cli_arg_double_list(p, arg, 0, DBL_MAX); break;
    case FPQ_AX_CALIB: arg = strcmp(arg, "none") == 0 ? "-" : arg; break;
    default: break;
    }
    if (rc != CLI_EXIT_OK)
        return rc;
    fpq_errbuf e;
    if (fpq_sweep_axes_add(a, ax, arg, &e) != FPQ_OK)
        return cli_usage_error(p->cmd, "%s", e.msg);
    return CLI_EXIT_OK;
}

int cli_axis_implied(fpq_sweep_axes *a, const char *cmd)
{
    fpq_errbuf e;
    if (a->mode == FPQ_SWEEP_QUANT && a->n[FPQ_AX_GROUP] && !a->n[FPQ_AX_GRANULARITY]
        && fpq_sweep_axes_add(a, FPQ_AX_GRANULARITY, "group", &e) != FPQ_OK)
        return cli_usage_error(cmd, "%s", e.msg);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */

int cli_load_source(fpq_tensor *t, const char *cmd, const char *src, const char *prefix)
{
    fpq_errbuf e = {""};
    int st = fpq_source_load(t, src, &e);
    if (st == FPQ_OK)
        return CLI_EXIT_OK;
    if (st == FPQ_LAB_ERR_SPEC)
        return cli_usage_error(cmd, "%s%s", prefix, e.msg);
    cli_error("%s%s", prefix, e.msg);
    return CLI_EXIT_DATA;
}

void cli_num(char *buf, size_t n, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (!isfinite(v) || strtod(buf, NULL) == v)
            return;
    }
}

const cli_opt cli_mm_split_options[4] = {
    {CLI_MM_SCHEME, 0, "scheme", "S",
     "llm.int8: feature dims where any |x| >= T go in\n"
     "--kept-format with an fp32 accumulator, the rest\n"
     "int8 (X per row, W per col unless --x-*, --w-* say\n"
     "otherwise), the two products added; plain\n"
     "(default): no split"},
    {CLI_MM_THRESHOLD, 0, "threshold", "T", "its threshold T (default 6)"},
    {CLI_MM_KEPT, 0, "kept-format", "F", "its format of the kept dims (default fp16)"},
    {0},
};

const cli_opt cli_mm_product_options[5] = {
    {CLI_MM_IN, 0, "in", "F",
     "round the dequantized operands into F first\n"
     "(fp16, bf16, fp32, ...; default: no rounding)"},
    {CLI_MM_ACC, 0, "acc", "F|exact",
     "float accumulator (default: exact for dequantized\n"
     "operands; fp32 for float codes and the kept part)"},
    {CLI_MM_INT_ACC, 0, "int-acc", "int32|int64",
     "integer accumulator (default int32, wraps; the\n"
     "wrapped partial sums are counted)"},
    {CLI_MM_ACC_MODEL, 0, "acc-model", "M",
     "sum float products as accumulation model M instead\n"
     "of --acc: a preset (v100, h100-fp8,\n"
     "fp8-14bit-promote128, ...; 'fpq dot --help' lists\n"
     "them) and/or items block=K,extra=F,align=rtz|rne,\n"
     "acc=FMT,norm=block|end,round=rtz|rne,promote=N,\n"
     "promote-acc=FMT,promote-round=rtz|rne"},
    {0},
};

void cli_mm_append(cli_opt *out, size_t cap, size_t *n, cli_mm_tables *t, int x_base, int w_base,
                   const char *w_what)
{
    cli_qspec_prefix(&t->x, "x", x_base, NULL, NULL);
    cli_qspec_prefix(&t->w, "w", w_base, "x", w_what);
    cli_opts_append(out, cap, n, t->x.t);
    cli_opts_append(out, cap, n, t->w.t);
    cli_opts_append(out, cap, n, cli_mm_split_options);
    cli_opts_append(out, cap, n, cli_mm_product_options);
}

int cli_mm_option(const cli_parser *p, cli_mm_opts *o, int x_base, int w_base, int id,
                  const char *arg, bool *handled)
{
    int rc = cli_qspec_prefixed_option(p, &o->x, x_base, id, arg, handled);
    if (!*handled)
        rc = cli_qspec_prefixed_option(p, &o->w, w_base, id, arg, handled);
    if (*handled)
        return rc;
    *handled = true;
    switch (id) {
    case CLI_MM_SCHEME: o->scheme = arg; break;
    case CLI_MM_THRESHOLD:
        o->has_threshold = true;
        return cli_arg_double(p, arg, 0, DBL_MAX, &o->threshold);
    case CLI_MM_KEPT: o->kept = arg; break;
    case CLI_MM_IN: o->in = arg; break;
    case CLI_MM_ACC: o->acc = arg; break;
    case CLI_MM_INT_ACC: o->int_acc = arg; break;
    case CLI_MM_ACC_MODEL: o->acc_model = arg; break;
    default: *handled = false;
    }
    return CLI_EXIT_OK;
}

void cli_mm_opts_init(cli_mm_opts *o)
{
    memset(o, 0, sizeof *o);
    cli_qspec_opts_init(&o->x);
    cli_qspec_opts_init(&o->w);
}

int cli_mm_build(fpq_mm_spec *s, const char *cmd, const cli_mm_opts *a)
{
    int rc;
    fpq_mm_spec_default(s);
    if (a->scheme) {
        if (strcmp(a->scheme, "llm.int8") == 0 || strcmp(a->scheme, "llm_int8") == 0)
            fpq_mm_spec_llm_int8(s, s->threshold);
        else if (strcmp(a->scheme, "plain") != 0)
            return cli_usage_error(cmd, "unknown scheme '%s' (llm.int8 or plain)", a->scheme);
    }
    if (a->has_threshold) {
        if (!s->llm_int8)
            return cli_usage_error(cmd, "--threshold applies to --scheme llm.int8");
        s->threshold = a->threshold;
    }
    if (a->kept) {
        if (!s->llm_int8)
            return cli_usage_error(cmd, "--kept-format applies to --scheme llm.int8");
        if ((rc = cli_format(&s->kept, cmd, a->kept)) != CLI_EXIT_OK)
            return rc;
    }
    /* an operand with options is quantized; llm.int8 quantizes both (int8) */
    if (a->x.any) {
        if ((rc = cli_qspec_build(&s->x, cmd, "x-", &a->x)) != CLI_EXIT_OK)
            return rc;
        s->quant_x = true;
        if (s->llm_int8 && !a->x.gran && !a->x.has_group) /* vector-wise stays the default */
            s->x.granularity = FPQ_GRAN_ROW;
    }
    if (a->w.any) {
        if ((rc = cli_qspec_build(&s->w, cmd, "w-", &a->w)) != CLI_EXIT_OK)
            return rc;
        s->quant_w = true;
        if (s->llm_int8 && !a->w.gran && !a->w.has_group)
            s->w.granularity = FPQ_GRAN_COL;
    }
    if (a->in) {
        if ((rc = cli_format(&s->in, cmd, a->in)) != CLI_EXIT_OK)
            return rc;
        s->has_in = true;
    }
    if (a->acc && strcmp(a->acc, "exact") != 0) {
        if ((rc = cli_format(&s->acc, cmd, a->acc)) != CLI_EXIT_OK)
            return rc;
        s->has_acc = true;
    }
    if (a->acc_model) {
        char why[160];
        if (a->acc)
            return cli_usage_error(cmd, "--acc does not apply with --acc-model (set the model's acc=FMT)");
        if (fpq_acc_model_parse(&s->acc_model, a->acc_model, why, sizeof why) != FPQ_OK)
            return cli_usage_error(cmd, "--acc-model %s: %s", a->acc_model, why);
        s->has_acc_model = true;
    }
    if (a->int_acc) {
        if (strcmp(a->int_acc, "int64") == 0)
            s->int_acc64 = true;
        else if (strcmp(a->int_acc, "int32") != 0)
            return cli_usage_error(cmd, "unknown integer accumulator '%s' (int32 or int64)", a->int_acc);
    }
    fpq_errbuf e = {""};
    if (fpq_mm_spec_validate(s, &e) != FPQ_OK)
        return cli_usage_error(cmd, "%s", e.msg);
    return CLI_EXIT_OK;
}
