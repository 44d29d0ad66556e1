/* cmd_verify.c: `fpq verify FROM TO -- CMD ARGS...`, checking someone
 * else's converter the way TestFloat's verifier checks an IEEE one.
 *
 * CMD gets the whole `fpq vectors` case set on standard input, one input
 * pattern per line (the `fpq convert` contract), and must answer one output
 * pattern per line.  Each disagreement with the reference is counted under
 * one class (the first that applies: nan, infinity, zero, overflow, tie,
 * subnormal, ordinary) with the first examples of each.  Exit 0 only when
 * every line agrees. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "opt.h"
#include "vectors.h"

enum vclass { VC_NAN, VC_INF, VC_ZERO, VC_OVERFLOW, VC_TIE, VC_SUBNORMAL, VC_ORDINARY, VC_COUNT };
static const char *const vclass_name[VC_COUNT] = {"nan", "infinity", "zero", "overflow threshold",
                                                  "tie", "subnormal", "ordinary"};
#define EXAMPLES 3
#define VERIFY_COUNT_DEFAULT 1000

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
            "\n"
            "Check the converter CMD against the reference: CMD reads the cases of\n"
            "'fpq vectors FROM TO' (same options) on standard input, one FROM bit\n"
            "pattern in hex per line, and must write one TO bit pattern in hex per\n"
            "line (0x optional, case-insensitive), in order.  Mismatches are counted\n"
            "by class (nan, infinity, zero, overflow threshold, tie, subnormal,\n"
            "ordinary) with the first examples of each.  Everything after '--' is\n"
            "CMD and its arguments, options of CMD included.\n"
            "\n"
            "Exit status: 0 every case agrees; 1 a mismatch, a missing or malformed\n"
            "output line, or CMD failed; 2 usage error.\n"
            "\n"
            "Example: fpq verify fp32 bf16 -- ./my_convert\n"
            "\n"
            "Options:\n");
    cli_vectors_opts_help(f);
    fprintf(f, "\nFMT and option syntax: see 'fpq --help'.\n"
               "Checking a quantizer: see 'fpq verify quant --help'.\n");
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
        dup2(fileno(input), STDIN_FILENO);
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execvp(cmd[0], cmd);
        fprintf(stderr, "fpq: verify: cannot run '%s': %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    *output = fdopen(fd[0], "r");
    return *output ? 0 : -1;
}

int cli_verify_main(int argc, char **argv)
{
    cli_vectors v = {.count = VERIFY_COUNT_DEFAULT};
    int st = cli_vectors_load(&v, "verify", argc, argv, true, verify_help);
    if (st != CLI_EXIT_OK)
        return cli_exit_status(st);
    const fpq_format from = v.from, to = v.to;
    const size_t n = v.n;

    FILE *input = tmpfile(), *output = NULL;
    pid_t pid;
    int rc = CLI_EXIT_DATA;
    if (!input) {
        cli_error("verify: cannot create a temporary file: %s", strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char b[24];
        fpq_sprint_bits(b, &from, v.in[i]);
        fprintf(input, "%s\n", b);
    }
    fflush(stdout);
    if (fflush(input) != 0 || fseek(input, 0, SEEK_SET) != 0 || run_cmd(v.cmd, input, &output, &pid) != 0) {
        cli_error("verify: cannot start '%s': %s", v.cmd[0], strerror(errno));
        goto out;
    }

    fpq_landmarks lm;
    fpq_landmarks_get(&lm, &to);
    size_t bad[VC_COUNT] = {0}, nbad = 0, got_lines = 0;
    char ex[VC_COUNT][EXAMPLES][96];
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
        if (memchr(line, '\0', len) || (line[len] = '\0', fpq_parse_bits(&got, &to, line) != FPQ_OK)) {
            char shown[400];
            cli_quote(shown, sizeof shown, line, len, 80);
            cli_error("verify: line %zu of '%s' is not a %s bit pattern: '%s'", got_lines + 1, v.cmd[0],
                      to.name, shown);
            malformed = true;
            break;
        }
        if (got != v.exp[got_lines]) {
            enum vclass c = classify(&from, &to, v.in[got_lines], &lm);
            if (bad[c] < EXAMPLES) {
                char a[24], e[24], g[24];
                fpq_sprint_bits(a, &from, v.in[got_lines]);
                fpq_sprint_bits(e, &to, v.exp[got_lines]);
                fpq_sprint_bits(g, &to, got);
                snprintf(ex[c][bad[c]], sizeof ex[c][0], "%s: expected %s, got %s", a, e, g);
            }
            bad[c]++;
            nbad++;
        }
        got_lines++;
    }
    free(line);
    fclose(output);
    int status;
    waitpid(pid, &status, 0);
    const bool cmd_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

    char mode[16];
    printf("%s -> %s, round %s, overflow %s: %zu cases (%zu boundary, %llu random)\n", from.name, to.name,
           cli_rounding_mode_text(mode, &v.rnd), cli_overflow_text(v.rnd.overflow), n, v.nboundary,
           v.count);
    for (int c = 0; c < VC_COUNT; c++) {
        if (!bad[c])
            continue;
        printf("  %zu mismatches: %s\n", bad[c], vclass_name[c]);
        for (size_t k = 0; k < bad[c] && k < EXAMPLES; k++)
            printf("    %s\n", ex[c][k]);
    }
    if (!malformed && got_lines < n)
        printf("  %zu cases unanswered: the command wrote %zu lines\n", n - got_lines, got_lines);
    if (!cmd_ok)
        printf("  the command failed (%s %d)\n", WIFEXITED(status) ? "exit status" : "signal",
               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    if (nbad == 0 && got_lines == n && cmd_ok && !malformed) {
        printf("all %zu cases agree\n", n);
        rc = CLI_EXIT_OK;
    } else {
        printf("%zu mismatches\n", nbad + (n - got_lines));
    }
out:
    if (input)
        fclose(input);
    cli_vectors_free(&v);
    return rc;
}
