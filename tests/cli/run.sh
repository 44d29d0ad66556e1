#!/bin/sh
# run.sh: run the fpq command's regression cases, tests/cli/*.test.
#
# Usage: tests/cli/run.sh PATH/TO/fpq [FILE.test...]
#   With no FILE, every *.test beside this script.  Prints each failure with
#   a diff, then exactly one closing line "N passed, N failed"; exit status 0
#   when nothing failed, 1 otherwise (2 for a misuse of this script).
#   FPQ_CLI_WRAP, when set, prefixes every run (e.g. "valgrind -q
#   --error-exitcode=99"; its words are split by the shell) but those of
#   "% KIB" blocks, which are skipped.
#
# A .test file is a series of blocks, one per run of fpq.  Each line of a
# block starts with a marker and one space:
#
#   $ fpq ARGS...   starts a block: the arguments of fpq, split into words as
#                   the shell does (quote with '...' or "..."; globbing is
#                   off, but $ and ` expand, so quote them).
#   < TEXT          a line of standard input: TEXT and a newline.  TEXT may
#                   hold printf %b escapes: \r, \t, \\, \0NNN; a TEXT ending
#                   in \c gets no newline (a last line without one).  A
#                   block without "<" lines reads empty input.  "<" alone is
#                   an empty line.
#   <| COMMAND      standard input is the output of the shell command
#                   COMMAND (run by sh, through a pipe), for inputs too
#                   large for "<" lines, e.g. "<| head -c 3000000 /dev/zero";
#                   a block has either "<" lines or one "<|" line.
#   > TEXT          a line of expected standard output, taken literally.
#                   ">" alone is an empty line.  A block without ">" (and
#                   without "~") lines expects no output at all.
#   ~ TEXT          standard output must contain TEXT (a fixed string); may
#                   repeat.  For long texts such as --help: a block with "~"
#                   lines and no ">" lines does not compare the whole output.
#   ! TEXT          standard error must contain TEXT (a fixed string); may
#                   repeat.  A block without "!" lines expects empty stderr.
#   % KIB           fpq runs under "ulimit -v KIB", at most KIB kibibytes of
#                   address space: a case of an allocation fpq cannot make
#                   (exit status 1, "cannot allocate").  An fpq built with
#                   AddressSanitizer (found by its __asan_init symbol), which
#                   reserves terabytes of address space, cannot run under
#                   such a limit: it runs without one, with
#                   allocator_may_return_null=1 added to ASAN_OPTIONS, so
#                   an allocation over ASan's largest (1 TiB) fails as
#                   under the limit; run.sh says so once.  With
#                   FPQ_CLI_WRAP set, such blocks are skipped, saying so.
#   %% KIB          the same limit, for a case whose point is the bound
#                   itself (memory that must not grow with the input): run
#                   as "% KIB", but skipped, saying so, under AddressSanitizer
#                   too, where no limit can apply.
#   ? N             the expected exit status; ends the block.
#
# Lines starting with "#" and empty lines are comments anywhere.  Anything
# else is an error in the test file, reported as a failure.
#
# Example:
#
#   # 464 is the midpoint of 448 and 480: ties to even give 448 (0x7e)
#   $ fpq encode fp8_e4m3 464
#   > 0x7e  -1  inexact
#   ? 0

set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 PATH/TO/fpq [FILE.test...]" >&2
    exit 2
fi
fpq=$1
shift
case $fpq in
*/*) ;;
*) fpq=./$fpq ;;
esac
if [ ! -x "$fpq" ]; then
    echo "$0: '$fpq' is not an executable" >&2
    exit 2
fi
here=$(dirname "$0")
if [ $# -eq 0 ]; then
    set -- "$here"/*.test
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fpq-cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM

if command -v timeout >/dev/null 2>&1; then
    limit="timeout 60"
else
    limit=
fi

passed=0
failed=0
skipped=0

# An fpq built with AddressSanitizer (for "% KIB" blocks).
asan=0
if grep -a -q __asan_init "$fpq" 2>/dev/null; then
    asan=1
fi
asan_said=0

# run_fpq ARGS...: fpq with the block's standard input and limit.
run_fpq() {
    if [ -z "$memlim" ]; then
        # shellcheck disable=SC2086
        $limit ${FPQ_CLI_WRAP-} "$fpq" "$@"
    elif [ $asan = 1 ]; then
        # shellcheck disable=SC2086
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1" $limit "$fpq" "$@"
    else
        # shellcheck disable=SC2086,SC3045 # dash, bash and busybox sh have ulimit -v
        (ulimit -v "$memlim" && exec $limit "$fpq" "$@")
    fi
}

# run_block FILE LINE ARGS STATUS: run fpq on the block collected in $tmp.
run_block() {
    where="$1:$2"
    args=$3
    want_status=$4
    set -f
    # shellcheck disable=SC2086
    eval "set -- $args"
    set +f
    if [ "${1-}" != fpq ]; then
        echo "FAIL $where: a command must start with 'fpq': \$ $args"
        failed=$((failed + 1))
        return
    fi
    shift
    if [ -n "$memlim" ] && [ -n "${FPQ_CLI_WRAP-}" ]; then
        echo "SKIP $where: '% $memlim' (an address-space limit) under FPQ_CLI_WRAP"
        skipped=$((skipped + 1))
        return
    fi
    if [ -n "$memlim" ] && [ "$bound" = 1 ] && [ $asan = 1 ]; then
        echo "SKIP $where: '%% $memlim' (a memory bound) under AddressSanitizer"
        skipped=$((skipped + 1))
        return
    fi
    if [ -n "$memlim" ] && [ $asan = 1 ] && [ $asan_said = 0 ]; then
        echo "note: fpq is built with AddressSanitizer: '% KIB' blocks run without the limit, with ASAN_OPTIONS=allocator_may_return_null=1"
        asan_said=1
    fi
    if [ -n "$incmd" ]; then
        sh -c "$incmd" 2>/dev/null | run_fpq "$@" >"$tmp/out" 2>"$tmp/err"
    else
        run_fpq "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
    fi
    status=$?
    ok=1
    report=
    if [ "$status" != "$want_status" ]; then
        ok=0
        report="$report  exit status: expected $want_status, got $status
"
    fi
    while IFS= read -r pat; do
        if ! grep -F -q -e "$pat" "$tmp/out"; then
            ok=0
            report="$report  standard output lacks: $pat
"
        fi
    done <"$tmp/outpat"
    if [ -s "$tmp/outpat" ] && [ ! -s "$tmp/want" ]; then
        :
    elif ! cmp -s "$tmp/want" "$tmp/out"; then
        ok=0
        report="$report  standard output differs (--- expected, +++ actual):
$(diff -u "$tmp/want" "$tmp/out" | sed -e '1,2d' -e 's/^/    /')
"
    fi
    if [ -s "$tmp/errpat" ]; then
        while IFS= read -r pat; do
            if ! grep -F -q -e "$pat" "$tmp/err"; then
                ok=0
                report="$report  standard error lacks: $pat
"
            fi
        done <"$tmp/errpat"
    elif [ -s "$tmp/err" ]; then
        ok=0
        report="$report  standard error should be empty
"
    fi
    if [ $ok = 1 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $where: \$ $args"
        printf '%s' "$report"
        if [ -s "$tmp/err" ]; then
            echo "  standard error was:"
            sed 's/^/    /' "$tmp/err"
        fi
    fi
}

# shellcheck disable=SC2094 # run_block never writes $file
for file; do
    if [ ! -r "$file" ]; then
        echo "FAIL $file: cannot read"
        failed=$((failed + 1))
        continue
    fi
    n=0
    args=
    incmd=
    memlim=
    bound=0
    start=0
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        case $line in
        '$ '*)
            if [ -n "$args" ]; then
                echo "FAIL $file:$start: block without '? N' before line $n"
                failed=$((failed + 1))
            fi
            args=${line#??}
            start=$n
            incmd=
            memlim=
            bound=0
            : >"$tmp/in"
            : >"$tmp/want"
            : >"$tmp/errpat"
            : >"$tmp/outpat"
            continue
            ;;
        '#'* | '') continue ;;
        esac
        if [ -z "$args" ]; then
            echo "FAIL $file:$n: line outside a block: $line"
            failed=$((failed + 1))
            continue
        fi
        case $line in
        '<| '*) incmd=${line#???} ;;
        '% '* | '%% '*)
            bound=0
            case $line in '%% '*) bound=1 ;; esac
            memlim=${line#"${line%% *} "}
            case $memlim in
            '' | *[!0-9]*)
                echo "FAIL $file:$n: '% KIB' needs a number: $line"
                failed=$((failed + 1))
                memlim=
                ;;
            esac
            ;;
        '<') printf '\n' >>"$tmp/in" ;;
        '< '*) printf '%b\n' "${line#??}" >>"$tmp/in" ;;
        '>') printf '\n' >>"$tmp/want" ;;
        '> '*) printf '%s\n' "${line#??}" >>"$tmp/want" ;;
        '~ '*) printf '%s\n' "${line#??}" >>"$tmp/outpat" ;;
        '! '*) printf '%s\n' "${line#??}" >>"$tmp/errpat" ;;
        '? '*)
            want=${line#??}
            case $want in
            '' | *[!0-9]*)
                echo "FAIL $file:$n: '? N' needs a number: $line"
                failed=$((failed + 1))
                ;;
            *) run_block "$file" "$start" "$args" "$want" ;;
            esac
            args=
            ;;
        *)
            echo "FAIL $file:$n: unknown line (want \$, <, >, ~, !, %, ?, #): $line"
            failed=$((failed + 1))
            ;;
        esac
    done <"$file"
    if [ -n "$args" ]; then
        echo "FAIL $file:$start: block without '? N' at the end of the file"
        failed=$((failed + 1))
    fi
done

if [ $skipped -gt 0 ]; then
    echo "($skipped skipped)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
