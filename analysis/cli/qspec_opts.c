/* qspec_opts.c: the quantization-spec flags of `fpq quant` (--format,
 * --scheme, --granularity, ...), parsed into an fpq_qspec; shared by fpq
 * quant and, with a prefix per operand (--x-format, --w-granularity, ...),
 * by fpq matmul. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "quant.h"
#include "source.h"

const cli_qspec_optname cli_qspec_optnames[CLI_QO_COUNT] = {
    [CLI_QO_FORMAT] = {"format", 1},           [CLI_QO_SCHEME] = {"scheme", 1},
    [CLI_QO_GRAN] = {"granularity", 1},        [CLI_QO_GROUP] = {"group", 1},
    [CLI_QO_AXIS] = {"axis", 1},               [CLI_QO_SCALE_FORMAT] = {"scale-format", 1},
    [CLI_QO_SCALE_ROUND] = {"scale-round", 1}, [CLI_QO_MX_RULE] = {"mx-rule", 1},
    [CLI_QO_RANGE] = {"range", 1},             [CLI_QO_ROUND] = {"round", 1},
    [CLI_QO_SEED] = {"seed", 1},               [CLI_QO_OUTLIER] = {"outlier", 1},
    [CLI_QO_KEPT] = {"kept-format", 1},        [CLI_QO_NO_TENSOR_SCALE] = {"no-tensor-scale", 0},
    [CLI_QO_SYMMETRIC] = {"symmetric", 0},
};

void cli_qspec_opts_set(cli_qspec_opts *o, int which, const char *arg)
{
    switch (which) {
    case CLI_QO_FORMAT: o->format = arg; break;
    case CLI_QO_SCHEME: o->scheme = arg; break;
    case CLI_QO_GRAN: o->gran = arg; break;
    case CLI_QO_GROUP: o->group = arg; break;
    case CLI_QO_AXIS: o->axis = arg; break;
    case CLI_QO_SCALE_FORMAT: o->scale_format = arg; break;
    case CLI_QO_SCALE_ROUND: o->scale_round = arg; break;
    case CLI_QO_MX_RULE: o->mx_rule = arg; break;
    case CLI_QO_RANGE: o->range = arg; break;
    case CLI_QO_ROUND: o->round = arg; break;
    case CLI_QO_SEED: o->seed = arg; break;
    case CLI_QO_OUTLIER: o->outlier = arg; break;
    case CLI_QO_KEPT: o->kept = arg; break;
    case CLI_QO_NO_TENSOR_SCALE: o->no_tensor_scale = true; break;
    case CLI_QO_SYMMETRIC: o->symmetric = true; break;
    default: break;
    }
    o->any = true;
}

static bool parse_size(size_t *out, const char *s)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return false;
    *out = (size_t)v;
    return true;
}

static bool parse_double(double *out, const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        return false;
    *out = v;
    return true;
}


int cli_qspec_build(fpq_qspec *s, const char *cmd, const cli_qspec_opts *o)
{
    fpq_qspec_default(s);
    int rc;
    if (o->scheme) {
        fpq_scheme sc;
        if (fpq_scheme_parse(&sc, o->scheme) != FPQ_OK)
            return cli_usage_error(cmd, "unknown scheme '%s' (absmax, zeropoint, mx or nvfp4)", o->scheme);
        fpq_qspec_set_scheme(s, sc);
    }
    if (o->format && (rc = cli_format(&s->format, cmd, o->format)) != CLI_EXIT_OK)
        return rc;
    if (o->gran && fpq_gran_parse(&s->granularity, o->gran) != FPQ_OK)
        return cli_usage_error(cmd, "unknown granularity '%s' (tensor, row, col or group)", o->gran);
    if (o->group) {
        if (!parse_size(&s->group, o->group))
            return cli_usage_error(cmd, "bad group size '%s' (an integer >= 2)", o->group);
        if (!o->gran)
            s->granularity = FPQ_GRAN_GROUP;
        else if (s->granularity != FPQ_GRAN_GROUP)
            return cli_usage_error(cmd, "--group applies to --granularity group, not %s", o->gran);
    }
    if (o->axis) {
        if (strcmp(o->axis, "0") == 0)
            s->axis = 0;
        else if (strcmp(o->axis, "1") == 0)
            s->axis = 1;
        else
            return cli_usage_error(cmd, "bad axis '%s' (0: down a column, 1: along a row)", o->axis);
    }
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
    if (o->mx_rule && fpq_mx_rule_parse(&s->mx_rule, o->mx_rule) != FPQ_OK)
        return cli_usage_error(cmd, "unknown mx scale rule '%s' (floor, ceil or rceil)", o->mx_rule);
    if (o->mx_rule && s->scheme != FPQ_SCHEME_MX)
        return cli_usage_error(cmd, "--mx-rule applies to --scheme mx");
    if (o->no_tensor_scale) {
        if (s->scheme != FPQ_SCHEME_NVFP4)
            return cli_usage_error(cmd, "--no-tensor-scale applies to --scheme nvfp4");
        s->tensor_scale = false;
    }
    fpq_errbuf e = {""};
    if (o->range && fpq_range_parse(s, o->range, &e) != FPQ_OK)
        return cli_usage_error(cmd, "%s", e.msg);
    if (o->round && fpq_rnd_parse(&s->rnd.mode, o->round) != FPQ_OK)
        return cli_usage_error(cmd, "unknown rounding mode '%s' (one of: rne, rna, rtz, rup, rdn, odd, sr)",
                               o->round);
    if (o->seed && !cli_parse_seed(&s->rnd.seed, o->seed))
        return cli_usage_error(cmd, "bad seed '%s' (an integer from 0 to 2^64-1, decimal or 0x-hex)", o->seed);
    s->rnd.int_symmetric = o->symmetric;
    if (o->outlier && (!parse_double(&s->outlier, o->outlier) || !(s->outlier > 0) || !isfinite(s->outlier)))
        return cli_usage_error(cmd, "bad outlier threshold '%s' (a positive number, e.g. 6)", o->outlier);
    if (o->kept) {
        if (!o->outlier)
            return cli_usage_error(cmd, "--kept-format applies with --outlier T");
        if ((rc = cli_format(&s->kept_format, cmd, o->kept)) != CLI_EXIT_OK)
            return rc;
    }
    s->exact_metrics = o->exact;
    if (fpq_qspec_validate(s, &e) != FPQ_OK)
        return cli_usage_error(cmd, "%s", e.msg);
    return CLI_EXIT_OK;
}

int cli_load_source(struct fpq_tensor *t, const char *cmd, const char *src, const char *prefix)
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
