/* opt.c: the option layer (opt.h) -- every command of fpq reads its
 * command line here. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "opt.h"

/* What next_arg returns besides an option's id, CLI_OPERAND and CLI_HELP. */
enum {
    CLI_DONE = 0,   /* no more arguments */
    CLI_FAILED = -1 /* a usage error, already reported */
};

/* The shared options, so that one a command does not take is refused as
 * "does not apply" rather than "unknown". */
static const cli_opt shared[] = {
    CLI_OPT_FORMAT("FMT", NULL), CLI_OPTS_ROUNDING, CLI_OPT_OUT("FILE", NULL), CLI_OPT_CSV(NULL),
    CLI_OPT_JSON(NULL), CLI_OPT_QUIET(NULL), CLI_OPT_THREADS(NULL), CLI_OPT_FORCE(NULL), {0},
};

static const cli_opt help_opt = {CLI_HELP, 'h', "help", NULL, "show this help and exit"};

void cli_parser_init(cli_parser *p, const char *cmd, const cli_opt *opts, int argc, char **argv)
{
    *p = (cli_parser){.cmd = cmd, .opts = opts, .argc = argc, .argv = argv, .next = 1};
}

/* "-1.5", "-.5", "-0x1p-3", "-inf", "-infinity", "-nan": operands. */
static bool negative_number(const char *s)
{
    if (s[0] != '-')
        return false;
    if (isdigit((unsigned char)s[1]) || s[1] == '.')
        return true;
    return strcasecmp(s + 1, "inf") == 0 || strcasecmp(s + 1, "infinity") == 0 || strcasecmp(s + 1, "nan") == 0;
}

static bool optional_arg(const cli_opt *o)
{
    return o->arg && o->arg[0] == '[';
}

/* The option of table t named by the first len bytes of name: an exact
 * name, or the one name it is a prefix of.  *hits counts the candidates
 * (0: none, 2 or more: ambiguous; *list names them). */
static const cli_opt *find_long(const cli_opt *t, const char *name, size_t len, size_t *hits, char *list,
                                size_t listn)
{
    const cli_opt *found = NULL;
    size_t l = 0;
    *hits = 0;
    if (listn)
        list[0] = '\0';
    for (; t->id; t++) {
        if (strncmp(t->name, name, len) != 0)
            continue;
        if (strlen(t->name) == len) {
            *hits = 1;
            return t;
        }
        found = t;
        ++*hits;
        if (l < listn)
            l += (size_t)snprintf(list + l, listn - l, "%s--%s", l ? ", " : "", t->name);
    }
    return *hits == 1 ? found : NULL;
}

static const cli_opt *find_short(const cli_opt *t, char c)
{
    for (; t->id; t++)
        if (t->short_name == c)
            return t;
    return NULL;
}

static int fail(cli_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(cli_parser *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_usage_error(p->cmd, "%s", msg);
    return CLI_FAILED;
}

static int take(cli_parser *p, const cli_opt *o, const char **arg, const char *value)
{
    p->cur = o;
    *arg = value;
    return o->id;
}

static int long_option(cli_parser *p, const char *a, const char **arg)
{
    const char *name = a + 2;
    size_t len = strcspn(name, "=");
    const char *value = name[len] == '=' ? name + len + 1 : NULL;
    size_t hits;
    char list[256];
    bool help_prefix = len > 0 && len <= 4 && strncmp("help", name, len) == 0;
    const cli_opt *o = find_long(p->opts, name, len, &hits, list, sizeof list);
    bool exact = o && strlen(o->name) == len;
    if (!exact && help_prefix && (len == 4 || hits == 0)) {
        o = &help_opt;
    } else if (!exact && (hits > 1 || (help_prefix && hits == 1))) {
        size_t l = strlen(list);
        if (help_prefix && l < sizeof list)
            snprintf(list + l, sizeof list - l, ", --help");
        return fail(p, "ambiguous option '--%.*s' (could be %s)", (int)len, name, list);
    }
    if (!o) {
        size_t sh;
        const cli_opt *s = find_long(shared, name, len, &sh, list, sizeof list);
        if (s && sh == 1 && strlen(s->name) == len)
            return fail(p, "option '--%s' does not apply to '%s'", s->name, p->cmd);
        return fail(p, "unknown option '--%.*s'", (int)len, name);
    }
    if (o == &help_opt) {
        if (value)
            return fail(p, "option '--help' takes no argument");
        return CLI_HELP;
    }
    if (!o->arg) {
        if (value)
            return fail(p, "option '--%s' takes no argument", o->name);
        return take(p, o, arg, NULL);
    }
    if (value || optional_arg(o))
        return take(p, o, arg, value);
    if (p->next >= p->argc)
        return fail(p, "option '--%s' needs an argument", o->name);
    return take(p, o, arg, p->argv[p->next++]);
}

static int short_option(cli_parser *p, const char **arg)
{
    char c = *p->cluster++;
    const cli_opt *o = c == 'h' && !find_short(p->opts, 'h') ? &help_opt : find_short(p->opts, c);
    if (!o) {
        const cli_opt *s = find_short(shared, c);
        p->cluster = NULL;
        if (s)
            return fail(p, "option '-%c' (--%s) does not apply to '%s'", c, s->name, p->cmd);
        return fail(p, "unknown option '-%c'", c);
    }
    if (o == &help_opt)
        return CLI_HELP;
    if (!o->arg || optional_arg(o)) {
        if (*p->cluster == '\0')
            p->cluster = NULL;
        return take(p, o, arg, NULL);
    }
    const char *value = p->cluster;
    p->cluster = NULL;
    if (*value)
        return take(p, o, arg, value);
    if (p->next >= p->argc)
        return fail(p, "option '-%c' (--%s) needs an argument", c, o->name);
    return take(p, o, arg, p->argv[p->next++]);
}

/* The next option (its id, with *arg its argument or NULL), operand
 * (CLI_OPERAND), CLI_HELP, CLI_DONE at the end, or CLI_FAILED after a usage
 * error was reported. */
static int next_arg(cli_parser *p, const char **arg)
{
    *arg = NULL;
    if (p->cluster)
        return short_option(p, arg);
    if (p->next >= p->argc)
        return CLI_DONE;
    const char *a = p->argv[p->next++];
    if (p->operands_only || a[0] != '-' || a[1] == '\0' || negative_number(a)) {
        *arg = a;
        return CLI_OPERAND;
    }
    if (strcmp(a, "--") == 0) {
        p->operands_only = true;
        return next_arg(p, arg);
    }
    if (a[1] == '-')
        return long_option(p, a, arg);
    p->cluster = a + 1;
    return short_option(p, arg);
}

int cli_parse(cli_parser *p, cli_on_arg on_arg, void *ctx)
{
    const char *arg;
    int id, rc = CLI_EXIT_OK;
    while (rc == CLI_EXIT_OK && (id = next_arg(p, &arg)) != CLI_DONE) {
        bool handled = false;
        if (id == CLI_FAILED)
            return CLI_EXIT_USAGE;
        if (p->rnd)
            rc = cli_rounding_option(p, p->rnd, id, arg, &handled);
        if (handled)
            continue;
        rc = on_arg(ctx, p, id, arg);
        if (rc == CLI_EXIT_OK && id == CLI_HELP)
            return CLI_HELP_SHOWN;
    }
    return rc;
}

int cli_opt_error(const cli_parser *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->cur)
        return cli_usage_error(p->cmd, "option '--%s': %s", p->cur->name, msg);
    return cli_usage_error(p->cmd, "%s", msg);
}

int cli_arg_uint(const cli_parser *p, const char *arg, unsigned long long lo, unsigned long long hi,
                 unsigned long long *out)
{
    const char *s = arg ? arg : "";
    char *end;
    errno = 0;
    unsigned long long v = isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
    if (!isdigit((unsigned char)s[0]) || *end || errno == ERANGE || v < lo || v > hi)
        return cli_opt_error(p, "bad value '%s' (an integer from %llu to %llu)", s, lo, hi);
    *out = v;
    return CLI_EXIT_OK;
}

int cli_arg_double(const cli_parser *p, const char *arg, double lo, double hi, double *out)
{
    const char *s = arg ? arg : "";
    char *end;
    errno = 0;
    double v = *s && !isspace((unsigned char)*s) ? strtod(s, &end) : NAN;
    if (!*s || isspace((unsigned char)*s) || *end || errno == ERANGE || !(v >= lo && v <= hi))
        return cli_opt_error(p, "bad value '%s' (a number from %g to %g)", s, lo, hi);
    *out = v;
    return CLI_EXIT_OK;
}

/* Call check on each comma-separated item of arg (copied, so that it ends
 * where the item does). */
static int each_item(const cli_parser *p, const char *arg, int (*check)(const cli_parser *, const char *, const void *),
                     const void *ctx)
{
    const char *s = arg ? arg : "";
    for (;;) {
        size_t len = strcspn(s, ",");
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), s);
        int rc = check(p, len < sizeof item ? item : s, ctx);
        if (rc != CLI_EXIT_OK)
            return rc;
        if (s[len] == '\0')
            return CLI_EXIT_OK;
        s += len + 1;
    }
}

static int check_uint(const cli_parser *p, const char *item, const void *ctx)
{
    const unsigned long long *r = ctx;
    unsigned long long v;
    return cli_arg_uint(p, item, r[0], r[1], &v);
}

static int check_double(const cli_parser *p, const char *item, const void *ctx)
{
    const double *r = ctx;
    double v;
    return cli_arg_double(p, item, r[0], r[1], &v);
}

int cli_arg_uint_list(const cli_parser *p, const char *arg, unsigned long long lo, unsigned long long hi)
{
    const unsigned long long r[2] = {lo, hi};
    return each_item(p, arg, check_uint, r);
}

int cli_arg_double_list(const cli_parser *p, const char *arg, double lo, double hi)
{
    const double r[2] = {lo, hi};
    return each_item(p, arg, check_double, r);
}

int cli_arg_format(const cli_parser *p, const char *arg, fpq_format *out)
{
    return cli_format(out, p->cmd, arg ? arg : "");
}

int cli_rounding_option(const cli_parser *p, fpq_rounding *r, int id, const char *arg, bool *handled)
{
    *handled = true;
    switch (id) {
    case CLI_ID_ROUND:
        if (fpq_rounding_parse_mode(r, arg) != FPQ_OK) {
            char modes[128];
            fpq_rnd_list(modes, sizeof modes, ", ");
            return cli_usage_error(p->cmd, "unknown rounding mode '%s' (one of: %s; N from 1 to 63)", arg, modes);
        }
        return CLI_EXIT_OK;
    case CLI_ID_OVERFLOW:
        if (fpq_overflow_parse(&r->overflow, arg) != FPQ_OK)
            return cli_opt_error(p, "unknown overflow mode '%s' (none, finite, propagate or wrap)", arg);
        if (r->overflow == FPQ_OVF_WRAP && r->int_symmetric)
            return cli_opt_error(p, "wrap does not go with --symmetric");
        return CLI_EXIT_OK;
    case CLI_ID_SEED:
        if (!cli_parse_seed(&r->seed, arg))
            return cli_usage_error(p->cmd, "bad seed '%s' (an integer from 0 to 2^64-1, decimal or 0x-hex)", arg);
        return CLI_EXIT_OK;
    case CLI_ID_SATURATE:
        r->overflow = FPQ_OVF_SATURATE;
        return CLI_EXIT_OK;
    case CLI_ID_SYMMETRIC:
        if (arg && strcmp(arg, "1") != 0 && strcmp(arg, "0") != 0)
            return cli_opt_error(p, "bad value '%s' (0 or 1)", arg);
        r->int_symmetric = !arg || strcmp(arg, "1") == 0;
        if (r->int_symmetric && r->overflow == FPQ_OVF_WRAP)
            return cli_opt_error(p, "does not go with --overflow wrap");
        return CLI_EXIT_OK;
    default:
        *handled = false;
        return CLI_EXIT_OK;
    }
}

const char *cli_rounding_mode_text(char *buf, const fpq_rounding *r)
{
    if (r->mode >= FPQ_RSRA && r->mode <= FPQ_RSRC)
        snprintf(buf, 16, "%s:%u", fpq_rnd_name(r->mode), r->sr_n);
    else
        snprintf(buf, 16, "%s", fpq_rnd_name(r->mode));
    return buf;
}

const char *cli_overflow_text(fpq_overflow o)
{
    return o == FPQ_OVF_FORMAT ? "format" : o == FPQ_OVF_SATURATE ? "saturate" : fpq_overflow_name(o);
}

/* ---------------------------------------------------------------------- */
/* Help.                                                                  */

#define HELP_COL_MAX 26 /* the widest option column before help text */

static void synopsis(char *buf, size_t n, const cli_opt *o)
{
    int len = o->short_name ? snprintf(buf, n, "-%c, --%s", o->short_name, o->name)
                            : snprintf(buf, n, "    --%s", o->name);
    if (o->arg && (size_t)len < n)
        snprintf(buf + len, n - (size_t)len, optional_arg(o) ? "%s" : " %s", o->arg);
}

/* Write text with "{modes}" expanded, each line after the first indented
 * to column col. */
static void help_text(FILE *f, const char *text, int col)
{
    char modes[128];
    fpq_rnd_list(modes, sizeof modes, ", ");
    for (const char *s = text; *s; s++) {
        if (strncmp(s, "{modes}", 7) == 0) {
            fputs(modes, f);
            s += 6;
        } else if (*s == '\n') {
            fprintf(f, "\n%*s", col, "");
        } else {
            fputc(*s, f);
        }
    }
}

/* The width of the option column: the widest synopsis of the options of
 * the parts up to HELP_COL_MAX (a wider one goes on a line of its own). */
static int opts_width(const cli_help_part *parts, size_t nparts)
{
    char syn[96];
    int width = 0;
    for (size_t i = 0; i < nparts; i++)
        for (const cli_opt *o = parts[i].opts; o->id; o++) {
            synopsis(syn, sizeof syn, o);
            int l = (int)strlen(syn);
            if (l <= HELP_COL_MAX && l > width)
                width = l;
        }
    return width < 10 ? 10 : width;
}

static void opts_help(FILE *f, const cli_opt *opts, int width)
{
    char syn[96];
    int col = 2 + width + 2;
    for (const cli_opt *o = opts; o->id; o++) {
        synopsis(syn, sizeof syn, o);
        if ((int)strlen(syn) > width)
            fprintf(f, "  %s\n%*s", syn, col, "");
        else
            fprintf(f, "  %-*s  ", width, syn);
        help_text(f, o->help ? o->help : "", col);
        fputc('\n', f);
    }
}

void cli_opts_help_parts(FILE *f, const cli_help_part *parts, size_t nparts)
{
    char syn[96];
    int width = opts_width(parts, nparts);
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].heading)
            fputs(parts[i].heading, f);
        opts_help(f, parts[i].opts, width);
    }
    synopsis(syn, sizeof syn, &help_opt);
    fprintf(f, "  %-*s  %s\n", width, syn, help_opt.help);
}

void cli_opts_help(FILE *f, const cli_opt *opts)
{
    const cli_help_part all = {NULL, opts};
    cli_opts_help_parts(f, &all, 1);
}

void cli_opts_append(cli_opt *out, size_t cap, size_t *n, const cli_opt *t)
{
    for (; t->id; t++) {
        if (*n + 1 >= cap)
            abort();
        out[(*n)++] = *t;
    }
    out[*n] = (cli_opt){0};
}
