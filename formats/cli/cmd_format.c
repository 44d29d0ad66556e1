/* cmd_format.c: the commands that describe formats -- formats, info, table. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Comma-separated aliases, "" when there are none. */
static void alias_list(char *buf, size_t n, const fpq_format *f, const char *sep)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < FPQ_ALIASES_MAX && f->aliases[i] && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? sep : "",
                                f->aliases[i]);
}

/* The exact value of a pattern, or "-" when there is no such pattern. */
static const char *exact_of(cli_buf *b, mpfr_ptr x, const fpq_format *f, uint64_t bits)
{
    if (bits == FPQ_NO_BITS)
        return "-";
    fpq_decode(x, NULL, NULL, f, bits);
    return cli_exact(b, x);
}

/* ---------------------------------------------------------------------- */

int cli_cmd_formats(const cli_args *a)
{
    const char *na = a->csv ? "" : "-"; /* a field that does not apply */
    cli_grid g;
    cli_grid_init(&g, 9);
    const char *head[] = {"name", "aliases", "kind", "bits", "layout", "bias",
                          "specials", "subnormals", "max_finite"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        cli_grid_add(&g, head[i]);
    cli_buf b = {0};
    mpfr_t x;
    mpfr_init2(x, 64);
    for (size_t i = 0; i < fpq_npresets; i++) {
        const fpq_format *f = &fpq_presets[i];
        char al[256];
        alias_list(al, sizeof al, f, ",");
        cli_grid_add(&g, f->name);
        cli_grid_add(&g, al[0] ? al : na);
        cli_grid_add(&g, fpq_format_kind_name(f));
        cli_grid_addf(&g, "%u", f->bits);
        if (f->kind == FPQ_KIND_FLOAT) {
            cli_grid_addf(&g, "%d/%u/%u", f->is_signed ? 1 : 0, f->ebits, f->mbits);
            cli_grid_addf(&g, "%d", f->bias);
            cli_grid_add(&g, fpq_specials_name(f->specials));
            cli_grid_add(&g, f->subnormals ? "yes" : "no");
        } else {
            for (int k = 0; k < 4; k++)
                cli_grid_add(&g, na);
        }
        fpq_landmarks lm;
        if (fpq_landmarks_get(&lm, f) != FPQ_OK) {
            cli_grid_add(&g, "?");
            continue;
        }
        /* For people: the exact decimal while short, else the exact hex-float;
         * CSV always carries the exact decimal. */
        mpfr_set_prec(x, fpq_format_precision(f));
        const char *dec = exact_of(&b, x, f, lm.max_finite);
        cli_grid_add(&g, a->csv || strlen(dec) <= 12 ? dec : cli_hex(&b, x));
    }
    cli_grid_print(&g, stdout, a->csv, NULL);
    if (!a->csv)
        printf("\nIEEE P3109, by spelling: binaryKpP{s|u}{e|f}: K bits (2..16), precision P (1..K-1\n"
               "signed, 1..K unsigned), s signed or u unsigned, e extended domain (+-Inf) or f finite;\n"
               "8 bits: binary8p1se .. binary8p7se, binary8p1ue .. binary8p8ue, and sf, uf alike\n");
    cli_grid_free(&g);
    cli_buf_free(&b);
    mpfr_clear(x);
    if (!a->csv) { /* the other names (registry.c), for people */
        printf("\nOther names:\n");
        for (size_t i = 0; i < fpq_nformat_aliases; i++) {
            const fpq_format_alias *al = &fpq_format_aliases[i];
            printf("  %-12s %s%s%s\n", al->name, al->target ? "= " : "refused: ", al->target ? al->target : "",
                   al->target ? "" : al->note);
            if (al->target)
                printf("  %-12s   (%s)\n", "", al->note);
        }
    }
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */

/* Widest format whose patterns `info` draws bit by bit. */
#define PICTURE_MAX_BITS 32u

/* bits as fields separated by dots, "0.1111.111", with the sign bit written
 * as S when sign_as_s. */
static void dotted(char *buf, const fpq_format *f, uint64_t bits, bool sign_as_s)
{
    char *p = buf;
    unsigned nb = f->bits;
    for (unsigned i = 0; i < nb; i++) {
        unsigned pos = nb - 1 - i;
        bool is_sign = f->is_signed && i == 0;
        if (f->kind == FPQ_KIND_FLOAT && i > 0
            && (i == (f->is_signed ? 1u : 0u) || i == nb - f->mbits))
            *p++ = '.';
        *p++ = is_sign && sign_as_s ? 'S' : (char)('0' + ((bits >> pos) & 1));
    }
    *p = '\0';
}

/* "S.EEEE.MMM" for a float, or "S" and N digits for the others. */
static void layout_picture(char *buf, const fpq_format *f)
{
    char *p = buf;
    if (f->is_signed)
        *p++ = 'S';
    if (f->kind == FPQ_KIND_FLOAT) {
        if (f->is_signed && f->ebits)
            *p++ = '.';
        for (unsigned i = 0; i < f->ebits; i++)
            *p++ = 'E';
        if (f->mbits)
            *p++ = '.';
        for (unsigned i = 0; i < f->mbits; i++)
            *p++ = 'M';
    } else {
        for (unsigned i = f->is_signed ? 1 : 0; i < f->bits; i++)
            *p++ = 'B';
    }
    *p = '\0';
}

static void describe_specials(char *buf, size_t n, const fpq_format *f,
                              const fpq_landmarks *lm)
{
    if (f->kind != FPQ_KIND_FLOAT) {
        snprintf(buf, n, "none: every pattern is a number");
        return;
    }
    char pic[80], pic2[80];
    switch (f->specials) {
    case FPQ_SPECIALS_IEEE:
        if (f->bits > PICTURE_MAX_BITS && lm->inf != FPQ_NO_BITS && lm->n_nan) {
            snprintf(buf, n, "ieee: exponent all ones is Inf (mantissa 0) or NaN "
                             "(any other mantissa)");
            return;
        }
        if (lm->inf == FPQ_NO_BITS) {
            snprintf(buf, n, "ieee: %" PRIu64 " NaN patterns, no Inf", lm->n_nan);
            return;
        }
        dotted(pic, f, lm->inf, true);
        if (lm->n_nan == 0) {
            snprintf(buf, n, "ieee: %s is Inf; no NaN", pic);
            return;
        }
        /* Inf with the mantissa replaced by x's */
        strcpy(pic2, pic);
        for (char *q = pic2 + strlen(pic2); f->mbits && q > pic2 && q[-1] != '.'; q--)
            q[-1] = 'x';
        snprintf(buf, n, "ieee: %s is Inf; %s with any other mantissa is NaN",
                 pic, pic2);
        return;
    case FPQ_SPECIALS_FN:
        dotted(pic, f, lm->nan, true);
        snprintf(buf, n, "fn: no Inf; only %s is NaN", pic);
        return;
    case FPQ_SPECIALS_FNUZ:
        dotted(pic, f, lm->nan, false);
        snprintf(buf, n, "fnuz: no Inf, no -0; only %s is NaN", pic);
        return;
    case FPQ_SPECIALS_EXT:
        dotted(pic, f, lm->nan, false);
        dotted(pic2, f, lm->inf, f->is_signed);
        snprintf(buf, n, "ext: no -0; only %s is NaN; %s is %sInf", pic, pic2, f->is_signed ? "+-" : "");
        return;
    case FPQ_SPECIALS_FINITE:
        if (lm->n_nan == 0)
            snprintf(buf, n, "finite: no Inf, no NaN; every pattern is a number");
        else
            snprintf(buf, n, "finite: no Inf; %" PRIu64 " NaN patterns", lm->n_nan);
        return;
    }
    snprintf(buf, n, "?");
}

static void hardware_text(char *buf, size_t n, unsigned hw)
{
    static const cli_bit_name gens[] = {
        {FPQ_HW_VOLTA, "Volta"},   {FPQ_HW_TURING, "Turing"},
        {FPQ_HW_AMPERE, "Ampere"}, {FPQ_HW_HOPPER, "Hopper"},
        {FPQ_HW_BLACKWELL, "Blackwell"},
    };
    size_t start = (size_t)snprintf(buf, n, "NVIDIA tensor cores: ");
    if (cli_bits_text(buf, n, start, hw, gens, sizeof gens / sizeof gens[0], ", ") == start)
        snprintf(buf, n, "none");
}

/* Width of the label column of `info` (two spaces of the grid included). */
#define LABEL_WIDTH 15
#define STR_(x) #x
#define STR(x) STR_(x)

/* One landmark row: label, bits, hex-float, exact. */
static void landmark_row(cli_grid *g, cli_buf *b, mpfr_ptr x, const fpq_format *f,
                         const char *label, uint64_t bits)
{
    cli_grid_addf(g, "%-*s", LABEL_WIDTH - 2, label);
    if (bits == FPQ_NO_BITS) {
        cli_grid_add(g, "none");
        cli_grid_add(g, "");
        cli_grid_add(g, "");
        return;
    }
    char s[24];
    fpq_sprint_bits(s, f, bits);
    cli_grid_add(g, s);
    fpq_decode(x, NULL, NULL, f, bits);
    cli_grid_add(g, cli_hex(b, x));
    cli_grid_add(g, cli_exact(b, x));
}

int cli_cmd_info(const cli_args *a)
{
    fpq_format f;
    int rc = cli_format(&f, a->cmd, a->ops[0]);
    if (rc != CLI_EXIT_OK)
        return rc;
    fpq_landmarks lm;
    int st = fpq_landmarks_get(&lm, &f);
    if (st != FPQ_OK) {
        cli_error("info: %s: %s", f.name, fpq_strerror(st));
        return CLI_EXIT_DATA;
    }
    char buf[512], pic[80];
    const char *L = "%-" STR(LABEL_WIDTH) "s";

    printf(L, "format");
    alias_list(buf, sizeof buf, &f, ", ");
    if (buf[0])
        printf("%s (aliases: %s)\n", f.name, buf);
    else
        printf("%s\n", f.name);

    printf(L, "kind");
    layout_picture(pic, &f);
    switch (f.kind) {
    case FPQ_KIND_FLOAT:
        printf("binary floating point\n");
        printf(L, "bits");
        printf("%u: %d sign, %u exponent, %u mantissa", f.bits,
               f.is_signed ? 1 : 0, f.ebits, f.mbits);
        if (f.bits <= PICTURE_MAX_BITS)
            printf(" (%s)", pic);
        printf("\n");
        printf(L, "bias");
        printf("%d\n", f.bias);
        break;
    case FPQ_KIND_INT:
        printf("%s\n", f.is_signed ? "signed integer (two's complement)"
                                   : "unsigned integer");
        printf(L, "bits");
        printf("%u\n", f.bits);
        break;
    case FPQ_KIND_LUT:
        printf("lookup table (code k means value k in ascending order)\n");
        printf(L, "bits");
        printf("%u\n", f.bits);
        break;
    }
    printf(L, "specials");
    describe_specials(buf, sizeof buf, &f, &lm);
    printf("%s\n", buf);
    if (f.kind == FPQ_KIND_FLOAT) {
        printf(L, "subnormals");
        printf("%s\n", f.subnormals ? "yes" : "no (exponent field 0 is a normal binade; no zero)");
    }

    /* landmarks */
    mpfr_t x, eps;
    mpfr_init2(x, fpq_format_precision(&f));
    mpfr_init2(eps, 64);
    cli_buf b = {0};
    cli_grid g;
    cli_grid_init(&g, 4);
    landmark_row(&g, &b, x, &f, "max finite", lm.max_finite);
    if (f.kind == FPQ_KIND_FLOAT) {
        landmark_row(&g, &b, x, &f, "min normal", lm.min_normal);
        landmark_row(&g, &b, x, &f, "min subnormal", lm.min_subnormal);
    } else {
        landmark_row(&g, &b, x, &f, "min positive", lm.min_positive);
    }
    landmark_row(&g, &b, x, &f, "lowest", lm.lowest);
    if (f.kind != FPQ_KIND_LUT) { /* epsilon, with its pattern if it has one */
        fpq_epsilon(eps, &f);
        uint64_t ebits;
        unsigned eflags;
        int t = fpq_encode(&ebits, &eflags, &f, eps, NULL);
        cli_grid_add(&g, "epsilon");
        if (t == 0 && eflags == 0) {
            fpq_sprint_bits(buf, &f, ebits);
            cli_grid_add(&g, buf);
        } else {
            cli_grid_add(&g, "-");
        }
        cli_grid_add(&g, cli_hex(&b, eps));
        cli_grid_add(&g, cli_exact(&b, eps));
    }
    cli_grid_print(&g, stdout, false, NULL);
    cli_grid_free(&g);

    printf(L, "finite values");
    if (f.bits < 64)
        printf("%" PRIu64 " of %" PRIu64 " patterns\n", lm.n_finite, lm.n_patterns);
    else
        printf("%" PRIu64 " of 2^%u patterns\n", lm.n_finite, f.bits);
    printf(L, "NaN");
    if (lm.n_nan == 0 || lm.nan == FPQ_NO_BITS) {
        printf("none\n");
    } else {
        fpq_sprint_bits(buf, &f, lm.nan);
        printf("%s (canonical); %" PRIu64 " pattern%s\n", buf, lm.n_nan,
               lm.n_nan == 1 ? "" : "s");
    }
    printf(L, "Inf");
    if (lm.n_inf == 0 || lm.inf == FPQ_NO_BITS) {
        printf("none\n");
    } else {
        fpq_sprint_bits(buf, &f, lm.inf);
        printf("%s (+Inf)", buf);
        if (f.is_signed) {
            fpq_sprint_bits(buf, &f, lm.inf | (UINT64_C(1) << (f.bits - 1)));
            printf(", %s (-Inf)", buf);
        }
        printf("\n");
    }
    printf(L, "hardware");
    hardware_text(buf, sizeof buf, f.hw);
    printf("%s\n", buf);
    if (f.note) {
        printf(L, "note");
        printf("%s\n", f.note);
    }
    if (f.kind == FPQ_KIND_LUT) {
        printf("values\n");
        cli_grid_init(&g, 3);
        for (uint64_t k = 0; k < (UINT64_C(1) << f.bits); k++) {
            char s[24];
            fpq_sprint_bits(s, &f, k);
            cli_grid_add(&g, s);
            fpq_decode(x, NULL, NULL, &f, k);
            cli_grid_add(&g, cli_hex(&b, x));
            cli_grid_add(&g, cli_exact(&b, x));
        }
        cli_grid_print(&g, stdout, false, "  ");
        cli_grid_free(&g);
    }
    cli_buf_free(&b);
    mpfr_clear(x);
    mpfr_clear(eps);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */

int cli_cmd_table(const cli_args *a)
{
    fpq_format f;
    int rc = cli_format(&f, a->cmd, a->ops[0]);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (f.bits > CLI_TABLE_MAX_BITS)
        return cli_usage_error(a->cmd, "%s has %u bits; table lists formats of at "
                               "most %u bits", f.name, f.bits, CLI_TABLE_MAX_BITS);
    mpfr_t x;
    mpfr_init2(x, fpq_format_precision(&f));
    cli_buf b = {0};
    cli_grid g;
    cli_grid_init(&g, 4);
    if (a->csv) {
        cli_grid_add(&g, "bits");
        cli_grid_add(&g, "class");
        cli_grid_add(&g, "value");
        cli_grid_add(&g, "hex");
    }
    uint64_t n = UINT64_C(1) << f.bits;
    for (uint64_t k = 0; k < n; k++) {
        char s[24];
        fpq_class cls;
        fpq_sprint_bits(s, &f, k);
        fpq_decode(x, &cls, NULL, &f, k);
        cli_grid_add(&g, s);
        cli_grid_add(&g, fpq_class_name(cls));
        cli_grid_add(&g, cli_exact(&b, x));
        cli_grid_add(&g, cli_hex(&b, x));
    }
    cli_grid_print(&g, stdout, a->csv, NULL);
    cli_grid_free(&g);
    cli_buf_free(&b);
    mpfr_clear(x);
    return CLI_EXIT_OK;
}
