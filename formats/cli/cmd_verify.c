/* cmd_verify.c: `fpq verify FROM TO -- CMD ARGS...`, checking someone
 * else's converter the way TestFloat's verifier checks an IEEE one.
 *
 * CMD gets the whole `fpq vectors` case set on standard input, one input
 * pattern per line (the `fpq convert` contract), and must answer one output
 * pattern per line.  Each disagreement with the reference is counted under
 * one class (the first that applies: nan, infinity, zero, overflow, tie,
 * subnormal, ordinary) with the first examples of each.  Exit 0 only when
 * every line agrees. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "opt.h"
#include "vectors.h"

enum vclass { VC_NAN, VC_INF, VC_ZERO, VC_OVERFLOW, VC_TIE, VC_SUBNORMAL, VC_ORDINARY, VC_FLAGS, VC_COUNT };
static const char *const vclass_name[VC_COUNT] = {"nan", "infinity", "zero", "overflow threshold",
                                                  "tie", "subnormal", "ordinary", "flags only"};

/* The class of an arithmetic case, from its reference result and flags. */
static enum vclass classify_arith(const fpq_format *f, uint64_t r, unsigned flags, const fpq_landmarks *lm)
{
    MPFR_DECL_INIT(x, 64);
    fpq_class c;
    fpq_decode(x, &c, NULL, f, r);
    if (flags & FPQ_FLAG_OVERFLOW) /* before nan: formats without Inf overflow to NaN */
        return VC_OVERFLOW;
    if (c == FPQ_CLASS_NAN)
        return VC_NAN;
    if (c == FPQ_CLASS_INF)
        return VC_INF;
    if (c == FPQ_CLASS_ZERO && !(flags & FPQ_FLAG_UNDERFLOW))
        return VC_ZERO;
    if (flags & FPQ_FLAG_UNDERFLOW)
        return VC_SUBNORMAL;
    if (lm->min_normal != FPQ_NO_BITS) {
        MPFR_DECL_INIT(v, 64);
        fpq_decode(v, NULL, NULL, f, lm->min_normal);
        if (mpfr_cmpabs(x, v) < 0)
            return VC_SUBNORMAL;
    }
    return VC_ORDINARY;
}

/* The class of a case, from the input's value against TO's landmarks. */
static enum vclass classify(const fpq_format *from, const fpq_format *to, uint64_t in, const fpq_landmarks *lm)
{
    MPFR_DECL_INIT(x, 64);
    MPFR_DECL_INIT(v, 64);
    fpq_class c;
    fpq_decode(x, &c, NULL, from, in);
    if (c == FPQ_CLASS_NAN)
        return VC_NAN;
    if (c == FPQ_CLASS_INF)
        return VC_INF;
    if (c == FPQ_CLASS_ZERO)
        return VC_ZERO;
    mpfr_abs(x, x, MPFR_RNDN);
    fpq_decode(v, NULL, NULL, to, lm->max_finite);
    if (mpfr_cmp(x, v) >= 0)
        return VC_OVERFLOW;
    /* a tie: x is the midpoint of its two neighbours in TO */
    fpq_rounding down, up;
    fpq_rounding_default(&down);
    down.mode = FPQ_RTZ;
    fpq_rounding_default(&up);
    up.mode = FPQ_RUP;
    uint64_t lo, hi;
    fpq_encode(&lo, NULL, to, x, &down);
    fpq_encode(&hi, NULL, to, x, &up);
    MPFR_DECL_INIT(a, 64);
    MPFR_DECL_INIT(b, 64);
    fpq_decode(a, NULL, NULL, to, lo);
    fpq_decode(b, NULL, NULL, to, hi);
    if (lo != hi && mpfr_number_p(a) && mpfr_number_p(b)) {
        MPFR_DECL_INIT(mid, 130);
        mpfr_add(mid, a, b, MPFR_RNDN);
        mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
        if (mpfr_cmp(mid, x) == 0)
            return VC_TIE;
    }
    if (lm->min_normal != FPQ_NO_BITS) {
        fpq_decode(v, NULL, NULL, to, lm->min_normal);
        if (mpfr_cmp(x, v) < 0)
            return VC_SUBNORMAL;
    }
    return VC_ORDINARY;
}

static void verify_help(FILE *f)
{
    fprintf(f,
            "Usage: fpq verify FROM TO [OPTIONS] -- CMD [ARGS...]\n"
            "       fpq verify FMT OP [OPTIONS] -- CMD [ARGS...]\n"
            "\n"
            "Check the converter CMD against the reference: CMD reads the cases of\n"
            "'fpq vectors FROM TO' (same options) on standard input, one FROM bit\n"
            "pattern in hex per line, and must write one TO bit pattern in hex per\n"
            "line (0x optional, case-insensitive), in order.  Mismatches are counted\n"
            "by class (nan, infinity, zero, overflow threshold, tie, subnormal,\n"
            "ordinary) with the first examples of each.  Everything after '--' is\n"
            "CMD and its arguments, options of CMD included.  Under sra:N, srb:N,\n"
            "src:N each input line is the FROM pattern, a space and the case's R\n"
            "(the R column of 'fpq vectors').\n"
            "\n"
            "With FMT OP (an operation of 'fpq arith'), CMD checks arithmetic: it\n"
            "reads the cases of 'fpq vectors FMT OP', one line of OP's operands (hex\n"
            "patterns separated by a space), and must write the result pattern (1 or\n"
            "0 for comparisons), a space and the flags as two hex digits (inexact 01,\n"
            "underflow 02, overflow 04, infinite 08, invalid 10), as 'fpq arith FMT\n"
            "OP --flags' does.  Result and flags are compared; a mismatch of flags\n"
            "alone counts as 'flags only'.\n"
            "\n"
            "Random cases: %d unless --count says otherwise, as for 'fpq vectors'.\n"
            "--mismatches FILE gets every mismatch, one a line, with the decoded\n"
            "values and the flags; FILE is written through a temporary renamed into\n"
            "place (a device or FIFO is written in place).\n"
            "\n"
            "Exit status: 0 every case agrees; 1 a mismatch, a missing or malformed\n"
            "output line, CMD failed or was killed by --timeout; 2 usage error.\n"
            "\n"
            "Examples: fpq verify fp32 bf16 -- ./my_convert\n"
            "          fpq verify fp16 add --timeout 60 -- fpq arith fp16 add --flags\n"
            "\n"
            "Options:\n",
            CLI_VECTORS_COUNT_DEFAULT);
    cli_vectors_opts_help(f);
    fprintf(f, "\nFMT and option syntax: see 'fpq --help'.\n"
               "Checking a quantizer: see 'fpq verify quant --help'.\n");
}

/* The process group of CMD, killed by the --timeout alarm. */
static volatile pid_t victim;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
    if (victim > 0)
        kill(-victim, SIGKILL);
}

static int run_cmd(char **cmd, FILE *input, FILE **output, pid_t *pid)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    *pid = fork();
    if (*pid < 0)
        return -1;
    if (*pid == 0) {
        setpgid(0, 0); /* CMD and its children: one group for --timeout */
        dup2(fileno(input), STDIN_FILENO);
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execvp(cmd[0], cmd);
        fprintf(stderr, "fpq: verify: cannot run '%s': %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    setpgid(*pid, *pid);
    close(fd[1]);
    *output = fdopen(fd[0], "r");
    return *output ? 0 : -1;
}

/* A mismatch: the case, CMD's answer and its flags. */
typedef struct mismatch {
    size_t i;
    uint64_t got;
    unsigned flags;
    enum vclass c;
} mismatch;

/* One line about mismatch m: the operands or input, expected and got, with
 * decoded values and flags when full. */
static void describe(char *buf, size_t n, const cli_vectors *v, const mismatch *m, bool full, cli_buf *cb)
{
    char a[80], e[24], g[24];
    const bool cmp = v->arith && v->op >= FPQ_OP_EQ;
    if (v->arith)
        cli_arith_operands(a, sizeof a, v, m->i);
    else
        fpq_sprint_bits(a, &v->from, v->in[m->i]);
    if (cmp) {
        snprintf(e, sizeof e, "%u", (unsigned)v->exp[m->i]);
        snprintf(g, sizeof g, "%u", (unsigned)m->got);
    } else {
        fpq_sprint_bits(e, &v->to, v->exp[m->i]);
        fpq_sprint_bits(g, &v->to, m->got);
    }
    if (!full) {
        if (v->arith)
            snprintf(buf, n, "%s: expected %s %02x, got %s %02x", a, e, v->eflags[m->i], g, m->flags);
        else
            snprintf(buf, n, "%s: expected %s, got %s", a, e, g);
        return;
    }
    MPFR_DECL_INIT(x, 128);
    char ev[96] = "", gv[96] = "", fe[CLI_FLAGS_MAX] = "", fg[CLI_FLAGS_MAX] = "", av[200] = "";
    if (!cmp) {
        fpq_decode(x, NULL, NULL, &v->to, v->exp[m->i]);
        snprintf(ev, sizeof ev, " (%s)", cli_exact(cb, x));
        fpq_decode(x, NULL, NULL, &v->to, m->got);
        snprintf(gv, sizeof gv, " (%s)", cli_exact(cb, x));
    }
    if (v->arith) {
        size_t len = 0;
        for (unsigned k = 0; k < fpq_op_arity(v->op); k++) {
            fpq_decode(x, NULL, NULL, &v->from, v->opnd[3 * m->i + k]);
            len += (size_t)snprintf(av + len, len < sizeof av ? sizeof av - len : 0, "%s%s", k ? ", " : "",
                                    cli_exact(cb, x));
        }
        cli_flags_text(fe, v->eflags[m->i]);
        cli_flags_text(fg, m->flags);
        snprintf(buf, n, "case %zu (%s): %s (%s): expected %s%s %s, got %s%s %s", m->i + 1, vclass_name[m->c], a,
                 av, e, ev, fe, g, gv, fg);
    } else {
        fpq_decode(x, NULL, NULL, &v->from, v->in[m->i]);
        snprintf(av, sizeof av, "%s", cli_exact(cb, x));
        snprintf(buf, n, "case %zu (%s): %s (%s): expected %s%s, got %s%s", m->i + 1, vclass_name[m->c], a, av, e,
                 ev, g, gv);
    }
}

/* Write every mismatch to path: through a temporary in its directory
 * renamed into place, or appended in place for a device, a FIFO or a
 * path under /dev/.  0 or -1 having
 * reported. */
static int write_mismatches(const char *path, const cli_vectors *v, const mismatch *ms, size_t nm)
{
    struct stat st;
    const bool in_place = !strncmp(path, "/dev/", 5) || (stat(path, &st) == 0 && !S_ISREG(st.st_mode));
    char *tmp = NULL;
    FILE *f;
    if (in_place) {
        f = fopen(path, "a");
    } else {
        size_t len = strlen(path);
        tmp = cli_xmalloc(len + 16);
        snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
        int fd = mkstemp(tmp);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (fd >= 0 && !f)
            close(fd);
    }
    if (!f) {
        cli_error("verify: cannot write '%s': %s", path, strerror(errno));
        if (tmp)
            unlink(tmp);
        free(tmp);
        return -1;
    }
    cli_buf cb = {NULL, 0};
    char line[1024];
    fprintf(f, "# fpq %s verify: %s %s: %zu mismatches of %zu cases\n", fpq_version(), v->from.name,
            v->arith ? fpq_op_name(v->op) : v->to.name, nm, v->n);
    for (size_t k = 0; k < nm; k++) {
        describe(line, sizeof line, v, &ms[k], true, &cb);
        fprintf(f, "%s\n", line);
    }
    cli_buf_free(&cb);
    int bad = fflush(f) != 0 || ferror(f);
    bad |= fclose(f) != 0;
    if (!bad && tmp && rename(tmp, path) != 0)
        bad = 1;
    if (bad) {
        cli_error("verify: cannot write '%s': %s", path, strerror(errno));
        if (tmp)
            unlink(tmp);
    }
    free(tmp);
    return bad ? -1 : 0;
}

/* Parse an answer line of CMD: the result of v (a pattern of to, or 1/0 for
 * comparisons) and, for arithmetic, a space and two hex digits of flags. */
static bool parse_answer(const cli_vectors *v, char *line, uint64_t *got, unsigned *flags)
{
    *flags = 0;
    if (!v->arith)
        return fpq_parse_bits(got, &v->to, line) == FPQ_OK;
    char *sp = strchr(line, ' ');
    if (!sp || strlen(sp + 1) != 2 || !isxdigit((unsigned char)sp[1]) || !isxdigit((unsigned char)sp[2]))
        return false;
    *flags = (unsigned)(cli_hex_digit((unsigned char)sp[1]) * 16 + cli_hex_digit((unsigned char)sp[2]));
    *sp = '\0';
    if (v->op >= FPQ_OP_EQ) {
        if (strcmp(line, "0") && strcmp(line, "1"))
            return false;
        *got = line[0] == '1';
        return true;
    }
    return fpq_parse_bits(got, &v->to, line) == FPQ_OK;
}

int cli_verify_main(int argc, char **argv)
{
    cli_vectors v = {.count = CLI_VECTORS_COUNT_DEFAULT};
    int st = cli_vectors_load(&v, "verify", argc, argv, true, verify_help);
    if (st != CLI_EXIT_OK)
        return cli_exit_status(st);
    const fpq_format from = v.from, to = v.to;
    const size_t n = v.n;

    FILE *input = tmpfile(), *output = NULL;
    pid_t pid;
    int rc = CLI_EXIT_DATA;
    mismatch *ms = NULL;
    if (!input) {
        cli_error("verify: cannot create a temporary file: %s", strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char b[80];
        if (v.arith)
            cli_arith_operands(b, sizeof b, &v, i);
        else
            fpq_sprint_bits(b, &from, v.in[i]);
        char rr[24];
        if (cli_vectors_r(rr, sizeof rr, &v, i)) /* sra/srb/src: the case's R after the input */
            fprintf(input, "%s %s\n", b, rr);
        else
            fprintf(input, "%s\n", b);
    }
    fflush(stdout);
    if (fflush(input) != 0 || fseek(input, 0, SEEK_SET) != 0 || run_cmd(v.cmd, input, &output, &pid) != 0) {
        cli_error("verify: cannot start '%s': %s", v.cmd[0], strerror(errno));
        goto out;
    }
    struct sigaction sa_old;
    if (v.timeout > 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, &sa_old);
        victim = pid;
        timed_out = 0;
        struct itimerval it = {{0, 0}, {(time_t)v.timeout, (suseconds_t)((v.timeout - (double)(time_t)v.timeout) * 1e6)}};
        setitimer(ITIMER_REAL, &it, NULL);
    }

    fpq_landmarks lm;
    fpq_landmarks_get(&lm, &to);
    size_t bad[VC_COUNT] = {0}, nbad = 0, got_lines = 0, ms_cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t line_len;
    bool malformed = false;
    while (got_lines < n && (line_len = getline(&line, &line_cap, output)) > 0) {
        /* one answer a line, however long; a NUL inside makes it malformed */
        size_t len = (size_t)line_len;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        uint64_t got;
        unsigned gflags;
        char copy[400];
        cli_quote(copy, sizeof copy, line, len, 80);
        if (memchr(line, '\0', len) || (line[len] = '\0', !parse_answer(&v, line, &got, &gflags))) {
            cli_error("verify: line %zu of '%s' is not %s %s%s: '%s'", got_lines + 1, v.cmd[0],
                      v.arith ? "a result and two hex digits of flags in" : "a", to.name,
                      v.arith ? "" : " bit pattern", copy);
            malformed = true;
            break;
        }
        const size_t i = got_lines;
        const bool same = cli_nan_match(&v, &to, v.exp[i], got);
        if (!same || (v.arith && gflags != v.eflags[i])) {
            enum vclass c = v.arith ? (same ? VC_FLAGS : classify_arith(&to, v.exp[i], v.eflags[i], &lm))
                                    : classify(&from, &to, v.in[i], &lm);
            if (nbad == ms_cap) {
                ms_cap = ms_cap ? 2 * ms_cap : 64;
                ms = cli_xrealloc(ms, ms_cap * sizeof *ms);
            }
            ms[nbad++] = (mismatch){i, got, gflags, c};
            bad[c]++;
        }
        got_lines++;
    }
    free(line);
    fclose(output);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (v.timeout > 0) {
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        sigaction(SIGALRM, &sa_old, NULL);
        victim = 0;
    }
    const bool cmd_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

    char mode[16];
    if (v.arith)
        printf("%s %s, round %s, overflow %s, tininess %s: %zu cases (%zu boundary, %llu random)\n", from.name,
               fpq_op_name(v.op), cli_rounding_mode_text(mode, &v.rnd), cli_overflow_text(v.rnd.overflow),
               v.tiny_before ? "before" : "after", n, v.nboundary, v.count);
    else
        printf("%s -> %s, round %s, overflow %s: %zu cases (%zu boundary, %llu random)\n", from.name, to.name,
               cli_rounding_mode_text(mode, &v.rnd), cli_overflow_text(v.rnd.overflow), n, v.nboundary,
               v.count);
    cli_buf cb = {NULL, 0};
    for (int c = 0; c < VC_COUNT; c++) {
        if (!bad[c])
            continue;
        printf("  %zu mismatches: %s\n", bad[c], vclass_name[c]);
        size_t shown = 0;
        for (size_t k = 0; k < nbad && shown < v.max_examples; k++)
            if (ms[k].c == (enum vclass)c) {
                char text[1024];
                describe(text, sizeof text, &v, &ms[k], false, &cb);
                printf("    %s\n", text);
                shown++;
            }
    }
    cli_buf_free(&cb);
    if (timed_out)
        cli_error("verify: '%s' did not finish within %g seconds: killed", v.cmd[0], v.timeout);
    if (!malformed && got_lines < n)
        printf("  %zu cases unanswered: the command wrote %zu lines\n", n - got_lines, got_lines);
    if (!cmd_ok)
        printf("  the command %s (%s %d)\n", timed_out ? "timed out" : "failed",
               WIFEXITED(status) ? "exit status" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    if (nbad == 0 && got_lines == n && cmd_ok && !malformed) {
        printf("all %zu cases agree\n", n);
        rc = CLI_EXIT_OK;
    } else {
        printf("%zu mismatches\n", nbad + (n - got_lines));
    }
    /* after standard output, which FILE may be (/dev/stdout) */
    fflush(stdout);
    if (v.mismatches && write_mismatches(v.mismatches, &v, ms, nbad) != 0)
        rc = CLI_EXIT_DATA;
out:
    free(ms);
    if (input)
        fclose(input);
    cli_vectors_free(&v);
    return rc;
}
