/* cmd_value.c: the commands on values given as arguments -- decode, encode,
 * round.  Operand i (1-based, FMT being 1) is named in data errors; the
 * results of the operands before a bad one are printed first. */
#include <stdio.h>

#include "cli.h"

int cli_cmd_decode(const cli_args *a)
{
    fpq_format f;
    int rc = cli_format(&f, a->cmd, a->ops[0]);
    if (rc != CLI_EXIT_OK)
        return rc;
    mpfr_t x;
    mpfr_init2(x, fpq_format_precision(&f));
    cli_buf b = {0};
    cli_grid g;
    cli_grid_init(&g, 4);
    for (int i = 1; i < a->nops && rc == CLI_EXIT_OK; i++) {
        uint64_t bits;
        fpq_class cls;
        int st = fpq_parse_bits(&bits, &f, a->ops[i]);
        if (st == FPQ_OK)
            st = fpq_decode(x, &cls, NULL, &f, bits);
        if (st != FPQ_OK) {
            char what[128];
            cli_describe_error(what, sizeof what, st, &f, true);
            cli_grid_print(&g, stdout, false, NULL);
            rc = cli_value_error(i + 1, what, a->ops[i]);
            break;
        }
        char s[24];
        fpq_sprint_bits(s, &f, bits);
        cli_grid_add(&g, s);
        cli_grid_add(&g, fpq_class_name(cls));
        cli_grid_add(&g, cli_exact(&b, x));
        cli_grid_add(&g, cli_hex(&b, x));
    }
    if (rc == CLI_EXIT_OK)
        cli_grid_print(&g, stdout, false, NULL);
    cli_grid_free(&g);
    cli_buf_free(&b);
    mpfr_clear(x);
    return rc;
}

/* Encode operands 1.. of a into f; for each call emit(bits, ternary, flags).
 * Stops at the first malformed number with a data error. */
static int encode_each(const cli_args *a, const fpq_format *f,
                       void (*emit)(const fpq_format *, uint64_t, int, unsigned, void *),
                       void *ctx)
{
    mpfr_t v;
    mpfr_init2(v, FPQ_PARSE_PREC);
    fpq_rounding rnd = a->rnd;
    int rc = CLI_EXIT_OK;
    for (int i = 1; i < a->nops; i++) {
        int st = fpq_parse_value(v, NULL, a->ops[i]);
        if (st != FPQ_OK) {
            char what[128];
            cli_describe_error(what, sizeof what, st, f, false);
            rc = cli_value_error(i + 1, what, a->ops[i]);
            break;
        }
        rnd.position = (uint64_t)(i - 1);
        uint64_t bits;
        unsigned flags;
        int t = fpq_encode(&bits, &flags, f, v, &rnd);
        emit(f, bits, t, flags, ctx);
    }
    mpfr_clear(v);
    return rc;
}

static void emit_encode(const fpq_format *f, uint64_t bits, int t, unsigned flags,
                        void *ctx)
{
    (void)ctx;
    char s[24], fl[CLI_FLAGS_MAX];
    fpq_sprint_bits(s, f, bits);
    cli_flags_text(fl, flags);
    printf("%s  %2s  %s\n", s, t < 0 ? "-1" : t > 0 ? "+1" : "0", fl);
}

int cli_cmd_encode(const cli_args *a)
{
    fpq_format f;
    int rc = cli_format(&f, a->cmd, a->ops[0]);
    if (rc != CLI_EXIT_OK)
        return rc;
    return encode_each(a, &f, emit_encode, NULL);
}

typedef struct round_ctx {
    mpfr_t x;
    cli_buf b;
} round_ctx;

static void emit_round(const fpq_format *f, uint64_t bits, int t, unsigned flags,
                       void *ctx)
{
    (void)t;
    (void)flags;
    round_ctx *r = ctx;
    fpq_decode(r->x, NULL, NULL, f, bits);
    printf("%s\n", cli_exact(&r->b, r->x));
}

int cli_cmd_round(const cli_args *a)
{
    fpq_format f;
    int rc = cli_format(&f, a->cmd, a->ops[0]);
    if (rc != CLI_EXIT_OK)
        return rc;
    round_ctx r = {.b = {0}};
    mpfr_init2(r.x, fpq_format_precision(&f));
    rc = encode_each(a, &f, emit_round, &r);
    mpfr_clear(r.x);
    cli_buf_free(&r.b);
    return rc;
}
