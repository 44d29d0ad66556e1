#!/bin/sh
# run.sh: run the fpq command's regression cases, tests/cli/*.test.
#
# Usage: tests/cli/run.sh PATH/TO/fpq [FILE.test...]
#   With no FILE, every *.test beside this script.  Prints each failure with
#   a diff, then exactly one closing line "N passed, N failed"; exit status 0
#   when nothing failed, 1 otherwise (2 for a misuse of this script).
#   FPQ_CLI_WRAP, when set, prefixes every run (e.g. "valgrind -q
#   --error-exitcode=99"; its words are split by the shell).
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
    if [ -n "$incmd" ]; then
        # shellcheck disable=SC2086
        sh -c "$incmd" 2>/dev/null | $limit ${FPQ_CLI_WRAP-} "$fpq" "$@" >"$tmp/out" 2>"$tmp/err"
    else
        # shellcheck disable=SC2086
        $limit ${FPQ_CLI_WRAP-} "$fpq" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
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
            echo "FAIL $file:$n: unknown line (want \$, <, >, ~, !, ?, #): $line"
            failed=$((failed + 1))
            ;;
        esac
    done <"$file"
    if [ -n "$args" ]; then
        echo "FAIL $file:$start: block without '? N' at the end of the file"
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
